"""Rebuilding often: parallel workers give the same books, and unchanged books are kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from publish import builder as publish_build
from tests.conftest import epubcheck_problems
from tests.epub_helpers import tiny_png

LETTER = "---\ntitle: Letter {n}\nauthor: A. Writer\ndate: 1936-02-{n:02d}\nlang: es\n---\n\nTexto {n}[^a].\n\n[^a]: Nota {n}.\n"


@pytest.fixture
def letters(write_source) -> list[Path]:
    return [write_source(f"letter-{n}.md", LETTER.format(n=n)) for n in (1, 2, 3)]


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in sorted(folder.glob("*.*")) if not p.name.startswith(".")
    }


def test_parallel_workers_write_the_same_books_as_one_process(letters, project, run_cli) -> None:
    assert run_cli("build", "--jobs", "1", "--out", "one").code == 0
    assert run_cli("build", "--jobs", "2", "--out", "two").code == 0

    one, two = outputs(project / "one"), outputs(project / "two")
    assert sorted(one) == [f"letter-{n}.{ext}" for n in (1, 2, 3) for ext in ("epub", "pdf")]
    assert one == two
    for epub in (project / "two").glob("*.epub"):
        assert epubcheck_problems(epub) == []


def test_a_second_build_keeps_what_did_not_change(letters, project, run_cli) -> None:
    assert run_cli("build", "--format", "epub").code == 0
    before = {p.name: p.stat().st_mtime_ns for p in (project / "build").glob("*.epub")}

    letters[1].write_text(LETTER.format(n=2).replace("Texto", "Otro texto"), encoding="utf-8")
    result = run_cli("build", "--format", "epub")

    after = {p.name: p.stat().st_mtime_ns for p in (project / "build").glob("*.epub")}
    assert result.code == 0
    assert result.out.count("up to date") == 2
    assert [name for name in before if before[name] != after[name]] == ["letter-2.epub"]
    assert epubcheck_problems(project / "build" / "letter-2.epub") == []


def test_a_style_change_rebuilds_everything_and_force_rebuilds_anyway(
    letters, project, run_cli
) -> None:
    assert run_cli("build", "--format", "epub").code == 0
    (project / "styles").mkdir()
    (project / "styles" / "epub.css").write_text("p { margin: 0 }\n")

    assert run_cli("build", "--format", "epub").out.count("up to date") == 0
    assert run_cli("build", "--format", "epub").out.count("up to date") == 3
    assert run_cli("build", "--format", "epub", "--force").out.count("up to date") == 0


def test_a_damaged_cache_is_discarded_not_trusted(letters, project, run_cli) -> None:
    assert run_cli("build", "--format", "epub").code == 0
    cache = project / "build" / ".publish-cache.json"
    cache.write_text('{"schema": 1, "entries": ["not", "a", "mapping"')

    result = run_cli("build", "--format", "epub")

    assert result.code == 0
    assert result.out.count("up to date") == 0
    assert run_cli("build", "--format", "epub").out.count("up to date") == 3


def test_a_deleted_output_is_rebuilt(letters, project, run_cli) -> None:
    assert run_cli("build", "--format", "epub").code == 0
    os.remove(project / "build" / "letter-1.epub")

    result = run_cli("build", "--format", "epub")

    assert result.out.count("up to date") == 2
    assert (project / "build" / "letter-1.epub").is_file()


def test_an_up_to_date_pdf_keeps_its_page_count(letters, project) -> None:
    first = publish_build.build([project / "source"], project / "build", ("pdf",))
    pages = {outcome.path.name: outcome.pages for outcome in first.outcomes}

    again = publish_build.build([project / "source"], project / "build", ("pdf",))

    assert all(outcome.skipped for outcome in again.outcomes)
    assert {outcome.path.name: outcome.pages for outcome in again.outcomes} == pages
    for outcome in first.outcomes:
        assert outcome.pages == len(PdfReader(outcome.path).pages)


def test_a_changed_image_rebuilds_the_output_that_shows_it(letters, project, run_cli) -> None:
    (project / "source" / "figura.png").write_bytes(tiny_png())
    letters[0].write_text(LETTER.format(n=1) + "\n![Figura](figura.png)\n", encoding="utf-8")
    assert run_cli("build", "--format", "epub").code == 0

    (project / "source" / "figura.png").write_bytes(tiny_png() + b"changed")
    result = run_cli("build", "--format", "epub")

    assert result.code == 0, result.err
    assert result.out.count("up to date") == 2
    assert "letter-1.epub" in result.out
