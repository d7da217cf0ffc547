"""`publish watch` keeps watching whatever a user does to the folders it watches: a source
folder deleted and made again (`rm -rf source && git checkout source`, a sync tool, an
editor that replaces a folder) is watched again, and so is a styles folder made after the
watch started. Each test runs a real `publish watch` and waits for the book it should
write, with a deadline; the watcher is killed at the end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

DEADLINE = 30  # seconds for one rebuild: a deaf watch fails here, a live one takes ~1 s


def letter(words: str) -> str:
    return f"---\ntitle: Letter\n---\n\n{words}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "source").mkdir(parents=True)
    (root / "publish.toml").write_text("")
    (root / "source" / "letter.md").write_text(letter("first words"))
    return root


@pytest.fixture
def watching(project: Path, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A `publish watch` of the project, EPUB only, stopped (its whole group) at the end.
    What it prints goes to `watch.log` beside the project (shown when a test fails)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    log = tmp_path / "watch.log"
    with log.open("w") as printed:
        process = subprocess.Popen(
            [sys.executable, "-m", "publish", "watch", "--format", "epub", "--jobs", "1"],
            cwd=project,
            env=env,
            stdout=printed,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    process.log = log  # type: ignore[attr-defined]
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert "Traceback" not in log.read_text(), log.read_text()


def text_of(book: Path) -> str:
    """The text page of a built EPUB, or "" while there is none (or it is being replaced)."""
    try:
        with zipfile.ZipFile(book) as epub:
            return epub.read("EPUB/text.xhtml").decode()
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    """Poll until `condition` holds; fail at the deadline, or if the watcher has ended."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        printed = process.log.read_text()  # type: ignore[attr-defined]
        assert process.poll() is None, f"publish watch ended:\n{printed}"
        assert time.monotonic() < deadline, f"publish watch did not {what}:\n{printed}"
        time.sleep(0.1)


def test_a_source_folder_deleted_and_made_again_is_still_watched(project, watching) -> None:
    book = project / "build" / "letter.epub"
    wait_for(lambda: "first words" in text_of(book), watching, "build the letter")

    shutil.rmtree(project / "source")
    (project / "source").mkdir()
    (project / "source" / "letter.md").write_text(letter("second words"))
    wait_for(lambda: "second words" in text_of(book), watching, "see the new folder")

    # And again: the folder it watches now is the new one, which can go too.
    shutil.rmtree(project / "source")
    time.sleep(1)  # a pause in which the watch sees no source folder at all
    (project / "source").mkdir()
    (project / "source" / "letter.md").write_text(letter("third words"))
    wait_for(lambda: "third words" in text_of(book), watching, "see the third folder")


def test_a_source_folder_replaced_by_a_rename_is_still_watched(project, watching) -> None:
    book = project / "build" / "letter.epub"
    wait_for(lambda: "first words" in text_of(book), watching, "build the letter")

    fresh = project / "source.new"
    fresh.mkdir()
    (fresh / "letter.md").write_text(letter("renamed words"))
    shutil.rmtree(project / "source")
    fresh.rename(project / "source")
    wait_for(lambda: "renamed words" in text_of(book), watching, "see the renamed folder")

    (project / "source" / "letter.md").write_text(letter("edited words"))
    wait_for(lambda: "edited words" in text_of(book), watching, "see an edit in it")


def test_a_styles_folder_made_after_the_start_is_watched(project, watching) -> None:
    book = project / "build" / "letter.epub"
    wait_for(lambda: "first words" in text_of(book), watching, "build the letter")

    def sheet() -> str:
        try:
            with zipfile.ZipFile(book) as epub:
                return "\n".join(
                    epub.read(name).decode() for name in epub.namelist() if name.endswith(".css")
                )
        except (OSError, zipfile.BadZipFile):
            return ""

    (project / "styles").mkdir()
    (project / "styles" / "epub.css").write_text("p { letter-spacing: 0.0123em; }\n")
    wait_for(lambda: "0.0123em" in sheet(), watching, "see the new styles folder")


def test_a_source_folder_missing_at_the_start_is_watched_once_made(project, request) -> None:
    shutil.rmtree(project / "source")
    watching = request.getfixturevalue("watching")
    wait_for(lambda: "source: no such file" in watching.log.read_text(), watching, "say so")

    (project / "source").mkdir()
    (project / "source" / "letter.md").write_text(letter("late words"))
    book = project / "build" / "letter.epub"
    wait_for(lambda: "late words" in text_of(book), watching, "see the folder made")


def test_a_changed_settings_file_is_rebuilt_with(project, watching) -> None:
    """`publish watch` watches the project's publish.toml too: a changed setting rebuilds."""
    (project / "source" / "letter.md").write_text(letter("first words[^n]\n\n[^n]: A note."))
    book = project / "build" / "letter.epub"
    wait_for(lambda: "first words" in text_of(book), watching, "build the letter")
    (project / "publish.toml").write_text('notes = "book"\n')
    wait_for(lambda: endnotes_page(book), watching, "rebuild with the new setting")


def endnotes_page(book: Path) -> bool:
    try:
        with zipfile.ZipFile(book) as epub:
            return "EPUB/endnotes.xhtml" in epub.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
