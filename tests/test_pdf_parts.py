"""A book's PDF laid out document by document, in parallel, and kept part by part between
builds: the same book as laid out whole, page for page, whatever `--jobs`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from publish.errors import ResourceError, SourceLocation
from publish.writers import pdf_parts
from tests.conftest import REPO
from tests.pdf_compare import assert_same_content, pdf_content

PARAGRAPH = (
    "The letter went from hand to hand among the workers of the port, who read it aloud in "
    "the evenings and argued over every line of it until the lamps were put out{note}. "
)


def chapter(title: str, number: int, paragraphs: int, extra: str = "") -> str:
    body = []
    for n in range(1, paragraphs + 1):
        note = f"[^n{n}]" if n % 4 == 1 else ""
        body.append((PARAGRAPH * 3).format(note=note).strip())
        if n == paragraphs // 2:
            body.append(f"## Second part of {title} {{#part-{number}}}")
    notes = [
        f"[^n{n}]: A note of chapter {number}, number {n}." for n in range(1, paragraphs + 1, 4)
    ]
    return (
        f"---\ntitle: {title}\nauthor: A. Writer\n---\n\n"
        + "\n\n".join([*body, extra, *notes])
        + "\n"
    )


@pytest.fixture
def book(project: Path) -> Path:
    """A book of three chapters of several pages each, with notes, headings, a link to
    another chapter and page references across chapters (the contents too)."""
    folder = project / "source" / "libro"
    folder.mkdir(parents=True)
    (project / "publish.toml").write_text("")
    (folder / "book.yaml").write_text(
        "title: Letters of the Port\nauthor: A. Writer\nlang: en\ndate: 1936\n"
        "documents: [one.md, two.md, three.md]\ntoc-depth: 2\n"
    )
    see = "See [](two.md#part-2) and [the last part](three.md#part-3){.page}, or [two](two.md)."
    (folder / "one.md").write_text(chapter("One", 1, 14, see))
    (folder / "two.md").write_text(chapter("Two", 2, 9, "Back to [](one.md#part-1)."))
    (folder / "three.md").write_text(chapter("Three", 3, 20))
    return folder


def build(run_cli, book: Path, out: Path, *flags: str) -> Path:
    result = run_cli("build", book, "--format", "pdf", "--out", out, *flags)
    assert result.code == 0, result.out + result.err
    return out / f"{book.name}.pdf"


def whole_layout(book: Path) -> None:
    """The project's settings ask for the book laid out in one piece."""
    (book.parents[1] / "publish.toml").write_text('pdf-layout = "whole"\n')


def test_the_book_laid_out_in_parts_is_the_book_laid_out_whole(book, project, run_cli) -> None:
    parts = build(run_cli, book, project / "parts", "--jobs", "2")
    whole_layout(book)
    whole = build(run_cli, book, project / "whole")

    # Every page's text (folios, running heads, the contents' numbers, page references),
    # the page labels, the outline, the named destinations, every link and its target.
    assert_same_content(parts, whole)
    read = pdf_content(parts)
    assert len(read.texts) > 12
    assert read.labels[:2] == ("i", "ii") and "1" in read.labels
    across = [
        link for link in read.links if link.target[0] == "page" and link.target[1] != link.page
    ]
    assert len(across) >= 4  # the contents' lines, and the links between chapters


def test_the_same_book_byte_for_byte_whatever_the_jobs(book, project, run_cli) -> None:
    one = build(run_cli, book, project / "one", "--jobs", "1")
    two = build(run_cli, book, project / "two", "--jobs", "2")
    again = build(run_cli, book, project / "two", "--jobs", "2", "--force")

    assert one.read_bytes() == two.read_bytes() == again.read_bytes()


def laid_out_parts(out: Path) -> set[str]:
    """The part layouts kept in the part cache (their files), by name."""
    folder = out / ".publish-parts" / "libro.pdf"
    return {
        path.name
        for path in folder.glob("*.json")
        if "counters" in json.loads(path.read_text())["value"]
    }


def written_parts(out: Path) -> set[str]:
    """The part PDFs kept in the part cache."""
    return {path.name for path in (out / ".publish-parts" / "libro.pdf").glob("*.pdf")}


def test_an_edited_chapter_is_the_only_one_laid_out_again(
    book, project, run_cli, monkeypatch
) -> None:
    # The book dated alike before and after (by default an edit dates it: the front
    # matter, which carries the date, is then written again too, unless in the same second).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    out = project / "out"
    build(run_cli, book, out)
    before, pdfs = laid_out_parts(out), written_parts(out)
    assert len(before) == len(pdfs) == 4  # the front matter and three chapters

    text = (book / "two.md").read_text()
    (book / "two.md").write_text(text.replace("argued over", "quarrelled over", 1))
    edited = build(run_cli, book, out)

    assert len(laid_out_parts(out) - before) == 1
    assert len(written_parts(out) - pdfs) == 1
    fresh = build(run_cli, book, project / "fresh")
    assert edited.read_bytes() == fresh.read_bytes()
    assert "quarrelled" in "".join(pdf_content(edited).texts)


def test_a_chapter_that_grows_moves_the_page_numbers_after_it(book, project, run_cli) -> None:
    out = project / "out"
    build(run_cli, book, out)
    text = (book / "one.md").read_text()
    (book / "one.md").write_text(
        text.replace("## Second part", (PARAGRAPH * 12).format(note="") + "\n\n## Second part")
    )

    grown = build(run_cli, book, out)
    whole_layout(book)

    assert_same_content(grown, build(run_cli, book, project / "whole"))


@pytest.mark.parametrize("start", ["any", "recto"])
def test_documents_that_start_on_any_page_keep_their_sides(book, project, run_cli, start) -> None:
    yaml = book / "book.yaml"
    yaml.write_text(yaml.read_text() + f"start: {start}\n")
    parts = build(run_cli, book, project / "parts", "--jobs", "2")
    whole_layout(book)

    assert_same_content(parts, build(run_cli, book, project / "whole"))


def test_the_sample_book_in_parts_equals_its_whole_layout(seed_letter, project, run_cli) -> None:
    folder = project / "source" / "cartas-y-manifiestos"
    shutil.copytree(REPO / "source" / "cartas-y-manifiestos", folder)
    parts = build(run_cli, folder, project / "parts", "--jobs", "2")
    whole_layout(folder)

    assert_same_content(parts, build(run_cli, folder, project / "whole"))


def test_a_style_that_runs_documents_together_lays_the_book_out_whole(
    book, project, run_cli
) -> None:
    styles = project / "styles"
    styles.mkdir()
    (styles / "print.css").write_text(
        ".start-recto .document:not(:first-child) { break-before: auto; page: auto; }"
    )
    result = run_cli("build", book, "--format", "pdf", "--out", project / "out", "--jobs", "2")

    assert result.code == 0
    assert "laid out in one process, not document by document" in result.out + result.err
    with pdfplumber.open(project / "out" / "libro.pdf") as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Second part of Three" in text


@pytest.mark.parametrize("variant", ["pdf/a-3b", "pdf/ua-1", "pdf/x-4"])
def test_a_pdf_variant_in_parts_keeps_its_metadata_and_text(
    book, project, run_cli, variant, monkeypatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")  # both builds dated alike
    yaml = book / "book.yaml"
    yaml.write_text(yaml.read_text() + f"pdf-variant: {variant}\n")
    ours = build(run_cli, book, project / "parts", "--jobs", "2")
    whole_layout(book)
    theirs = build(run_cli, book, project / "whole")

    assert_same_content(ours, theirs)
    mine, one = PdfReader(ours), PdfReader(theirs)
    assert set(mine.trailer["/Root"].keys()) == set(one.trailer["/Root"].keys())
    assert mine.metadata == one.metadata
    assert mine.xmp_metadata is not None or one.xmp_metadata is None


def test_force_lays_every_part_out_anew(book, project, run_cli) -> None:
    out = project / "out"
    build(run_cli, book, out)
    folder = out / ".publish-parts" / "libro.pdf"
    for path in folder.iterdir():
        path.write_bytes(b"stale")  # a damaged cache: --force must not read it

    forced = build(run_cli, book, out, "--force")

    assert not [path for path in folder.iterdir() if path.read_bytes() == b"stale"]
    assert forced.read_bytes() == build(run_cli, book, project / "fresh").read_bytes()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_problems_of_two_parts_are_told_in_one_run(
    book, project, run_cli, jobs, monkeypatch
) -> None:
    lay_out = pdf_parts.PartWriter.lay_out

    def failing(writer, index, guess):  # as an image that cannot be drawn would
        if index in (1, 3):
            document = writer.plan.target.documents[index - 1]
            raise ResourceError(
                f"image 'map{index}.png' cannot be printed", SourceLocation(document.path, 7)
            )
        return lay_out(writer, index, guess)

    monkeypatch.setattr(pdf_parts.PartWriter, "lay_out", failing)  # before the workers fork
    result = run_cli("build", book, "--jobs", jobs)  # the EPUB and the PDF

    assert result.code == 1
    assert "one.md:7: image 'map1.png' cannot be printed" in result.err
    assert "three.md:7: image 'map3.png' cannot be printed" in result.err
    assert (project / "build" / "libro.epub").is_file()  # the other output is built
    assert not (project / "build" / "libro.pdf").exists()
