"""A publisher's collection: several documents, each with its own header, as one book."""

from __future__ import annotations

import contextlib
import re
import shutil
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from lxml import etree
from pypdf import PdfReader

from tests.conftest import REPO, epubcheck_problems

XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


@pytest.fixture
def sample_book(seed_letter: Path, project: Path) -> Path:
    """The repository's example book (the 1936 letter and two texts of 1888), copied."""
    return Path(
        shutil.copytree(
            REPO / "source" / "cartas-y-manifiestos", project / "source" / "cartas-y-manifiestos"
        )
    )


def page(epub: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(epub) as book:
        return etree.fromstring(book.read(f"EPUB/{name}"))


@pytest.mark.parametrize("notes", ["chapter", "book"])
def test_a_book_is_one_epub_with_a_page_per_chapter(sample_book, project, run_cli, notes) -> None:
    result = run_cli("build", "source/cartas-y-manifiestos", "--format", "epub", "--notes", notes)

    epub = project / "build" / "cartas-y-manifiestos.epub"
    assert result.code == 0, result.err
    assert epubcheck_problems(epub) == []
    nav = page(epub, "nav.xhtml")
    titles = [a.text for a in nav.iterfind(".//x:nav[@id='toc']/x:ol/x:li/x:a", XHTML)]
    assert titles[1:4] == [
        "[La represión en la URSS]",
        "Preface",
        "IV: Position of the Communists in Relation to the Various Existing Opposition Parties",
    ]


def test_each_chapter_opens_with_its_own_header_and_numbers_its_notes_from_1(
    sample_book, project, run_cli
) -> None:
    assert run_cli("build", "source/cartas-y-manifiestos", "--format", "epub").code == 0
    epub = project / "build" / "cartas-y-manifiestos.epub"

    letter = page(epub, "chapter-01.xhtml")
    opener = "".join(letter.find(".//x:header", XHTML).itertext())
    assert "12 de febrero de 1936" in opener and "Oeuvres" in opener
    for chapter in ("chapter-01.xhtml", "chapter-02.xhtml", "chapter-03.xhtml"):
        calls = page(epub, chapter).iterfind(".//x:a[@epub:type='noteref']", XHTML)
        assert next(calls).text == "1"
    assert (
        page(epub, "header.xhtml").findtext(".//x:h1", namespaces=XHTML) == "Cartas y manifiestos"
    )


def test_a_link_to_another_document_of_the_book_leads_to_its_chapter(
    sample_book, project, run_cli
) -> None:
    assert run_cli("build", "source/cartas-y-manifiestos", "--format", "epub").code == 0

    preface = page(project / "build" / "cartas-y-manifiestos.epub", "chapter-02.xhtml")
    assert preface.find(".//x:a[.='Section IV']", XHTML).get("href") == "chapter-03.xhtml"


@pytest.fixture
def book_pdf(sample_book: Path, project: Path, run_cli) -> Path:
    assert run_cli("build", "source/cartas-y-manifiestos", "--format", "pdf").code == 0
    return project / "build" / "cartas-y-manifiestos.pdf"


def test_the_printed_book_has_a_title_page_and_contents_with_true_page_numbers(book_pdf) -> None:
    with pdfplumber.open(book_pdf) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
    labels = PdfReader(book_pdf).page_labels  # the page numbers as printed

    assert texts[0] == "Cartas y manifiestos"  # the half-title
    assert texts[2].startswith("Cartas y manifiestos\nTres textos, 1888–1936")
    contents = next(text for text in texts if text.startswith("Índice"))
    entries = re.findall(r"\n(\[La represión en la URSS\]|Preface)[ .]+(\d+)", contents)
    assert [start for _, start in entries] == ["1", "3"]
    for title, start in entries:
        opening = texts[labels.index(start)]
        assert opening.startswith(title), f"{title} does not open page {start}"
        assert labels.index(start) % 2 == 0, f"{title} starts on a left-hand page"


def test_running_heads_show_the_book_on_the_left_and_the_chapter_on_the_right(book_pdf) -> None:
    with pdfplumber.open(book_pdf) as pdf:
        heads = {
            number: (page.extract_text() or "").split("\n")[0]
            for number, page in enumerate(pdf.pages, 1)
        }

    # Pages 11 and 13 open the first two chapters (arabic 1 and 3).
    assert heads[12] == "Cartas y manifiestos"
    assert heads[14] == "Cartas y manifiestos"
    assert heads[15] == "Preface"


def test_each_chapter_counts_its_notes_from_1_and_has_a_bookmark(book_pdf) -> None:
    reader = PdfReader(book_pdf)
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    with pdfplumber.open(book_pdf) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)

    assert {"[La represión en la URSS]", "Preface"} <= set(titles)
    assert text.count("\n1. ") >= 3, "each chapter's first note is numbered 1"


def test_the_speed_workarounds_leave_the_printed_book_the_same_byte_for_byte(
    book_pdf, project, run_cli, monkeypatch
) -> None:
    monkeypatch.setattr("publish.writers.engine.weasyprint70.linear_costs", contextlib.nullcontext)
    plain = project / "plain"
    build = ("build", "source/cartas-y-manifiestos", "--format", "pdf", "--force")

    assert run_cli(*build, "--jobs", "1", "--out", plain).code == 0

    assert (plain / book_pdf.name).read_bytes() == book_pdf.read_bytes()


def test_a_chapter_whose_first_heading_repeats_its_title_prints_it_once(
    project: Path, write_source, run_cli
) -> None:
    """Vindication's chapters say their title in the front matter and again as their first
    heading: the reader sees it once, on the page, in the contents and in the PDF, and a
    link to that heading still lands on the title."""
    book = project / "source" / "book"
    book.mkdir()
    (book / "book.yaml").write_text("title: A Book\ndocuments: [one.md, two.md]\n")
    (book / "one.md").write_text(
        "---\ntitle: Chapter One\n---\n\n# Chapter   one:\n\nText.\n\n## A section\n\n"
        "Back to [the chapter](#chapter-one).\n"
    )
    (book / "two.md").write_text(
        "---\ntitle: Two\n---\n\n# Two, again[^n]\n\nText.\n\n[^n]: A note.\n"
    )
    assert run_cli("build", "source/book").code == 0

    epub = project / "build" / "book.epub"
    assert epubcheck_problems(epub) == []
    one = page(epub, "chapter-01.xhtml")
    assert [" ".join(h.itertext()) for h in one.iterfind(".//x:h1", XHTML)] == ["Chapter One"]
    assert one.find(".//x:h1", XHTML).get("id") == "c1-chapter-one"
    assert one.find(".//x:a[@href='#c1-chapter-one']", XHTML) is not None
    nav = page(epub, "nav.xhtml")
    entries = ["".join(a.itertext()) for a in nav.iterfind(".//x:nav[@id='toc']//x:a", XHTML)]
    assert entries.count("Chapter One") == 1 and "A section" in entries
    assert "Chapter one:" not in entries
    # A heading that says more than the title (here, a note call) is text of its own.
    two = page(epub, "chapter-02.xhtml")
    assert len(two.findall(".//x:h1", XHTML)) == 2

    words = " ".join(p.extract_text() for p in PdfReader(project / "build" / "book.pdf").pages)
    assert words.lower().count("chapter one") == 2  # the contents' line and the title, once


def test_a_book_built_from_inside_its_folder_is_named_after_it(
    project, run_cli, monkeypatch
) -> None:
    folder = project / "source" / "letters"
    folder.mkdir(parents=True)
    (folder / "book.yaml").write_text("title: Letters\nlang: en\ndocuments: [one.md, two.md]\n")
    for name in ("one", "two"):
        (folder / f"{name}.md").write_text(f"---\ntitle: {name.title()}\n---\n\nA letter.\n")
    monkeypatch.chdir(folder)

    result = run_cli("build", ".", "--format", "epub", "--out", project / "out")

    assert result.code == 0, result.err
    assert (project / "out" / "letters.epub").is_file()
