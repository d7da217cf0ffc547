"""A broken manuscript costs one run: every problem at once, and no failure stops the others.

The user's stories: a book of three broken letters is checked and built once and told every
mistake, in order; a mistake in a project template costs one line while the rest is written;
a worker that dies, or a bug outside any output, is one line too; `publish watch` goes on.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path

import pytest

from publish import builder as publish_build
from publish import cli
from publish.errors import SourceError, SourceErrors, SourceLocation, UnexpectedFailure, problems

PACKAGE_TEMPLATES = Path(publish_build.__file__).resolve().parent / "templates"

ONE = """\
---
title: One
date: 1936-02-31
---

A call[^missing] and another[^gone].

[^lonely]: Never called.
"""

TWO = """\
---
title: Two
---

First[^a].

[^a]: It calls[^b].

[^b]: B.

[^a]: Again.
"""

THREE = """\
---
subtitle: No title
---

A [^no such] note and an unknown one[^x].

[^y]: Never called.
"""

BOOK = """\
title: Letters
documents:
  - one.md
  - two.md
  - lost.md
  - three.md
  - ./one.md
"""

# Sorted by file, then line; each once.
EVERY_PROBLEM = [
    "source/book/book.yaml:5: 'lost.md' is listed in 'documents' but does not exist",
    "source/book/book.yaml:7: './one.md' is listed twice in 'documents' (first on line 3)",
    "source/book/one.md:3: 'date' '1936-02-31' is not a real date",
    "source/book/one.md:6: footnote [^gone] is never defined",
    "source/book/one.md:6: footnote [^missing] is never defined",
    "source/book/one.md:8: footnote [^lonely] is defined but never called",
    "source/book/three.md:2: the front matter needs a non-empty 'title'",
    "source/book/three.md:5: warning: [^no such] is printed as text: no note has this label",
    "source/book/three.md:5: footnote [^x] is never defined",
    "source/book/three.md:7: footnote [^y] is defined but never called",
    "source/book/two.md:7: a footnote cannot call another footnote",
    "source/book/two.md:11: footnote [^a] is defined twice (first on line 7)",
]


@pytest.fixture
def broken_book(project: Path) -> Path:
    book = project / "source" / "book"
    book.mkdir()
    for name, text in {"one.md": ONE, "two.md": TWO, "three.md": THREE, "book.yaml": BOOK}.items():
        (book / name).write_text(text, encoding="utf-8")
    return book


@pytest.mark.parametrize("command", ["check", "build"])
def test_a_book_of_three_broken_letters_is_told_every_problem_in_one_run(
    command, broken_book, project, run_cli
) -> None:
    result = run_cli(command, "source/book")

    assert result.code == 1
    assert result.err.splitlines() == EVERY_PROBLEM
    assert not (project / "build").exists()


def test_a_broken_book_header_does_not_hide_its_documents_problems(broken_book, run_cli) -> None:
    (broken_book / "book.yaml").write_text("title: ''\ndocuments: [one.md]\n")

    result = run_cli("check", "source/book")

    assert result.code == 1
    assert result.err.splitlines() == [
        "source/book/book.yaml:1: the book header needs a non-empty 'title'",
        *(line for line in EVERY_PROBLEM if line.startswith("source/book/one.md")),
    ]


def test_every_missing_image_is_told_at_once(write_source, run_cli) -> None:
    write_source("pictures.md", "---\ntitle: P\n---\n\n![a](a.png)\n\n![b](b.png)\n")

    result = run_cli("check", "source/pictures.md")

    assert result.code == 1
    lines = result.err.splitlines()
    assert [line.split(" (looked")[0] for line in lines] == [
        "source/pictures.md:5: image 'a.png' not found",
        "source/pictures.md:7: image 'b.png' not found",
    ]


def test_many_problems_travel_back_from_a_worker_whole() -> None:
    found = SourceErrors([SourceError("first", SourceLocation("a.md", 3)), SourceError("second")])

    back = pickle.loads(pickle.dumps(found))

    assert [str(p) for p in problems(back)] == ["a.md:3: first", "second"]
    failure = pickle.loads(pickle.dumps(UnexpectedFailure("m", SourceLocation("a.md"), "trace")))
    assert (str(failure), failure.trace) == ("a.md: m", "trace")


# A mistake in a project template

LETTER = "---\ntitle: Letter {n}\nlang: es\n---\n\nTexto {n}[^a].\n\n[^a]: Nota {n}.\n"
EARLIER_PDF = b"%PDF earlier good pdf"


@pytest.fixture
def broken_template(project: Path, write_source) -> Path:
    """Two letters, an earlier PDF of the first, and a print template that asks for a field
    the metadata does not have, on its line 12."""
    for n in (1, 2):
        write_source(f"letter-{n}.md", LETTER.format(n=n))
    (project / "build").mkdir()
    (project / "build" / "letter-1.pdf").write_bytes(EARLIER_PDF)
    template = project / "templates" / "print" / "document.html.j2"
    template.parent.mkdir(parents=True)
    lines = (PACKAGE_TEMPLATES / "print" / "document.html.j2").read_text().splitlines()
    lines.insert(11, '<meta name="x" content="{{ meta.nosuchfield }}">')
    template.write_text("\n".join(lines) + "\n")
    return template


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_broken_template_costs_one_line_and_the_rest_is_written(
    jobs, broken_template, project, run_cli
) -> None:
    result = run_cli("build", "--jobs", jobs)

    assert result.code == 1
    assert result.err.splitlines() == [
        f"source/letter-{n}.md: cannot write the PDF: templates/print/document.html.j2:12: "
        "'publish.model.Metadata object' has no attribute 'nosuchfield'"
        for n in (1, 2)
    ]
    assert "Traceback" not in result.err
    build = project / "build"
    for n in (1, 2):
        assert f"build/letter-{n}.epub" in result.out  # listed in the summary
        with zipfile.ZipFile(build / f"letter-{n}.epub") as epub:
            pages = [epub.read(name).decode() for name in epub.namelist() if name.endswith("html")]
            assert any(f"Texto {n}" in page for page in pages)
    assert (build / "letter-1.pdf").read_bytes() == EARLIER_PDF, "the last good PDF is kept"
    assert not (build / "letter-2.pdf").exists()
    assert not list(build.glob(".*.tmp")), "no half-written output is left"


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(where, broken_template, run_cli) -> None:
    args = ["build", "--format", "pdf", "source/letter-1.md"]
    args = ["--debug", *args] if where == "before" else [*args, "--debug"]

    result = run_cli(*args)

    assert result.code == 1
    assert "Traceback (most recent call last)" in result.err
    assert 'templates/print/document.html.j2", line 12' in result.err
    assert result.err.rstrip().endswith(
        "source/letter-1.md: cannot write the PDF: templates/print/document.html.j2:12: "
        "'publish.model.Metadata object' has no attribute 'nosuchfield'"
    )


def test_a_template_that_does_not_parse_names_its_line(project, write_source, run_cli) -> None:
    write_source("letter.md", LETTER.format(n=1))
    (project / "templates" / "print").mkdir(parents=True)
    (project / "templates" / "print" / "section.html.j2").write_text("<p>\n{% if %}\n")

    result = run_cli("build", "--format", "pdf")

    assert result.code == 1
    assert result.err.startswith(
        "source/letter.md: cannot write the PDF: templates/print/section.html.j2:2: "
    )
    assert len(result.err.splitlines()) == 1


def test_a_crash_in_the_middle_of_a_pdf_keeps_the_last_good_one(
    project, write_source, run_cli, monkeypatch
) -> None:
    from publish.writers import pdf

    write_source("letter-1.md", LETTER.format(n=1))
    (project / "build").mkdir()
    (project / "build" / "letter-1.pdf").write_bytes(EARLIER_PDF)

    def crash(*_args, **_kwargs):
        raise AttributeError("'BlockBox' object has no attribute 'border_top_width'")

    monkeypatch.setattr(pdf.engine.Engine, "lay_out", crash)  # WeasyPrint failing mid-PDF

    result = run_cli("build", "--jobs", "1")

    assert result.code == 1
    assert result.err.splitlines() == [
        "source/letter-1.md: cannot write the PDF: AttributeError: "
        "'BlockBox' object has no attribute 'border_top_width'"
    ]
    assert (project / "build" / "letter-1.pdf").read_bytes() == EARLIER_PDF
    assert (project / "build" / "letter-1.epub").is_file()
    assert not list((project / "build").glob(".*.tmp"))


def _die_writing_the_pdf_of_letter_2(fmt: str):
    real = publish_build.importlib.import_module(f"publish.writers.{fmt}")
    write = getattr(real, f"write_{fmt}")

    def writer(target, *args, **kwargs):
        if fmt == "pdf" and target.name == "letter-2":
            os._exit(9)  # as the kernel's out-of-memory killer would
        return write(target, *args, **kwargs)

    return writer


def test_a_worker_that_dies_is_one_line_and_the_other_jobs_finish(
    project, write_source, run_cli, monkeypatch
) -> None:
    for n in (1, 2, 3):
        write_source(f"letter-{n}.md", LETTER.format(n=n))
    # Worker processes are forked from this one: they inherit the patched writer.
    monkeypatch.setattr(publish_build, "writer", _die_writing_the_pdf_of_letter_2)

    result = run_cli("build", "--jobs", "2")

    assert result.code == 1
    assert result.err.splitlines() == [
        "source/letter-2.md: cannot write the PDF: the worker process writing it stopped "
        "unexpectedly (out of memory, or killed?)"
    ]
    written = sorted(p.name for p in (project / "build").glob("letter-*"))
    assert written == [
        "letter-1.epub", "letter-1.pdf", "letter-2.epub", "letter-3.epub", "letter-3.pdf"
    ]  # fmt: skip


# Failures outside any output


def _broken_build(*_args, **_kwargs):
    raise RuntimeError("something publish did not foresee\nsecond line")


def test_an_internal_error_is_one_line_and_debug_shows_its_traceback(
    project, write_source, run_cli, monkeypatch
) -> None:
    write_source("letter.md", LETTER.format(n=1))
    monkeypatch.setattr(cli, "build", _broken_build)

    result = run_cli("build")
    assert result.code == 1
    assert result.err.splitlines() == [
        "publish: internal error: RuntimeError: something publish did not foresee "
        "(--debug shows the traceback)"
    ]

    result = run_cli("--debug", "build")
    assert result.code == 1
    assert "Traceback (most recent call last)" in result.err
    assert "publish: internal error: RuntimeError: something publish did not foresee\n" in (
        result.err
    )


def test_watch_goes_on_after_any_failure(broken_template, project, monkeypatch, capsys) -> None:
    """Each round of `publish watch` is one call: a failure is told, and the next round runs."""
    sources, out = [Path("source")], project / "build"

    assert cli.watch_round(sources, out, ("pdf",), 1) == 1  # the broken template
    assert "cannot write the PDF" in capsys.readouterr().err

    with monkeypatch.context() as patched:
        patched.setattr(cli, "build", _broken_build)
        assert cli.watch_round(sources, out, ("pdf",), 1) == 1
    assert "publish: internal error: RuntimeError" in capsys.readouterr().err

    broken_template.unlink()  # the user mends the template and saves
    assert cli.watch_round(sources, out, ("pdf",), 1) == 0
    assert (out / "letter-1.pdf").read_bytes().startswith(b"%PDF-")
    assert (out / "letter-2.pdf").is_file()


def test_a_bug_reading_one_source_does_not_stop_the_others(
    project, write_source, run_cli, monkeypatch
) -> None:
    for n in (1, 2):
        write_source(f"letter-{n}.md", LETTER.format(n=n))
    real = publish_build.read_document

    def read(path, warn=None):
        if path.name == "letter-1.md":
            raise IndexError("list index out of range")
        return real(path, warn)

    monkeypatch.setattr(publish_build, "read_document", read)

    result = run_cli("build", "--format", "epub")

    assert result.code == 1
    assert result.err.splitlines() == [
        "source/letter-1.md: cannot read it: IndexError: list index out of range"
    ]
    assert (project / "build" / "letter-2.epub").is_file()


def test_a_note_called_in_the_source_citation_names_the_file(write_source, run_cli) -> None:
    write_source("cited.md", '---\ntitle: T\nsource: "A call[^x]"\n---\n\nText[^y].\n')

    result = run_cli("check", "source/cited.md")

    assert result.code == 1
    assert result.err.splitlines() == [
        "source/cited.md:3: a footnote cannot call another footnote",
        "source/cited.md:6: footnote [^y] is never defined",
    ]
