"""A publisher's collection: several documents, each with its own header, as one book."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

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
