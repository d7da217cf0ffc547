"""Untrusted sources: nothing active reaches the books, builds never half-write, and two
builds of the same sources give the same bytes."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import epubcheck_problems
from tests.epub_helpers import active_parts

VECTORS = {
    "script element": "<script>alert(1)</script>",
    "iframe": '<iframe src="https://example.com"></iframe>',
    "object": '<object data="x.swf"></object>',
    "event handler": '<img src="x.png" onerror="alert(1)">',
    "javascript link": "[click](javascript:alert(1))",
    "data link": "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "vbscript link": "[click](vbscript:msgbox)",
}


def epub_pages(epub: Path) -> str:
    with zipfile.ZipFile(epub) as book:
        return "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xhtml"))


@pytest.mark.parametrize("vector", VECTORS.values(), ids=VECTORS.keys())
def test_active_content_never_reaches_the_epub(vector, write_source, project, run_cli) -> None:
    write_source("evil.md", f"---\ntitle: Evil\n---\n\nBefore {vector} after.\n\n{vector}\n")

    assert run_cli("build", "source/evil.md", "--format", "epub").code == 0

    epub = project / "build" / "evil.epub"
    assert active_parts(epub) == []
    assert "Before" in epub_pages(epub) and "after" in epub_pages(epub)
    assert epubcheck_problems(epub) == []


def test_harmless_raw_html_is_kept_and_the_rest_left_out(write_source, project, run_cli) -> None:
    write_source(
        "html.md",
        """---
title: H
---

E = mc<sup>2</sup>, <span lang="fr" style="color:red" onclick="x()">oui</span>,
<abbr title="Unión de Repúblicas Socialistas Soviéticas">URSS</abbr><br>
<marquee>old</marquee> <!-- a comment --> <script>steal()</script> end.

<div class="box" onmouseover="x()"><p>A <em>block</em>.</p><table><tr><td>1</td></tr></table></div>
""",
    )

    assert run_cli("build", "source/html.md", "--format", "epub").code == 0

    epub = project / "build" / "html.epub"
    text = epub_pages(epub)
    assert 'mc<sup>2</sup>, <span lang="fr">oui</span>' in text
    assert '<abbr title="Unión de Repúblicas Socialistas Soviéticas">URSS</abbr><br/>' in text
    assert "old" in text and "marquee" not in text and "comment" not in text and "steal" not in text
    assert "<p>A <em>block</em>.</p><table><tbody><tr><td>1</td></tr></tbody></table>" in text
    assert active_parts(epub) == []
    assert epubcheck_problems(epub) == []


def test_the_pdf_refuses_to_fetch_from_the_network(write_source, project, run_cli) -> None:
    write_source("net.md", "---\ntitle: Net\n---\n\n![a tracker](https://example.com/pixel.png)\n")

    result = run_cli("build", "source/net.md", "--format", "pdf")

    assert result.code == 1
    assert "source/net.md" in result.err and "https://example.com/pixel.png" in result.err
    assert not (project / "build" / "net.pdf").exists()


def test_an_image_outside_the_project_is_refused(write_source, project, run_cli) -> None:
    secret = project.parent / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    (project / "source" / "link.png").symlink_to(secret)
    write_source("leak.md", "---\ntitle: Leak\n---\n\n![x](link.png)\n")

    result = run_cli("build", "source/leak.md", "--format", "epub")

    assert result.code == 1
    assert "source/leak.md:5: image 'link.png' is outside the project folder" in result.err


def test_two_builds_give_byte_identical_books(seed_letter, project, run_cli) -> None:
    assert run_cli("build", "--out", "first").code == 0
    assert run_cli("build", "--out", "second", "--force").code == 0

    for name in ("carta-muste-1936.epub", "carta-muste-1936.pdf"):
        first, second = (project / out / name for out in ("first", "second"))
        assert (
            hashlib.sha256(first.read_bytes()).digest()
            == hashlib.sha256(second.read_bytes()).digest()
        ), name


def test_a_killed_build_leaves_the_previous_books_and_no_partial_file(
    seed_letter, project, run_cli
) -> None:
    assert run_cli("build").code == 0
    build = project / "build"
    before = {p.name: p.read_bytes() for p in build.iterdir() if not p.name.startswith(".")}
    seed_letter.write_text(seed_letter.read_text() + "\nOtra línea más.\n" * 200)

    child = subprocess.Popen([sys.executable, "-m", "publish", "build", "--jobs", "1"], cwd=project)
    time.sleep(1.5)  # reading is done; writing is under way
    child.send_signal(signal.SIGTERM)
    child.wait(timeout=60)

    after = {p.name: p.read_bytes() for p in build.iterdir() if not p.name.startswith(".publish")}
    changed = [name for name in before if after.get(name) != before[name]]
    assert all(name.endswith((".epub", ".pdf")) for name in after), (
        f"partial files: {sorted(after)}"
    )
    assert set(after) == set(before)
    # What was already replaced is a whole new book; the rest is the old one, untouched.
    for name in changed:
        assert after[name][:2] in (b"PK", b"%P")


def test_a_second_build_waits_for_the_first(seed_letter, project) -> None:
    from filelock import FileLock

    (project / "build").mkdir()
    with FileLock(project / "build" / ".publish.lock"):
        child = subprocess.Popen(
            [sys.executable, "-m", "publish", "build", "--format", "epub"],
            cwd=project,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(2)
        assert child.poll() is None, "the second build did not wait"
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0
    assert "waiting for another build writing into build/ to finish" in err
    assert (project / "build" / "carta-muste-1936.epub").is_file()
