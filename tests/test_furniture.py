"""Book furniture from the header: a publisher writes the fields once (rights, edition,
publisher, ISBNs, dedication, epigraph…) and gets, in print, a half-title, a title page and
a copyright page on its verso with no folio, the front matter in roman numerals that the
PDF's page labels repeat, and the text from arabic 1 on a recto; in the EPUB, the same
pages, known as such to reading systems, and the ebook ISBN as the book's identifier."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from publish.frontmatter import isbn_problem
from tests.conftest import epubcheck_problems
from tests.epub_helpers import NS, OpenedEpub
from tests.pdf_helpers import folios

PRINT_ISBN = "978-0-306-40615-7"
EBOOK_ISBN = "978-0-306-40616-4"

BOOK_YAML = """\
title: Cartas del exilio
subtitle: Londres, 1850–1883
author: Jenny Marx
translator: Ana Ruiz
lang: {lang}
rights: "© 2026 Ana Ruiz"
edition: "2026"
source: "From *Briefe*, Berlin, 1970."
publisher: Ediciones Germinal
publisher-place: Madrid
contact: editorial@example.org
isbn: "{print_isbn}"
ebook-isbn: "{ebook_isbn}"
printer: Imprenta Libertad
dedication: To *Laura*.
epigraph:
  text: The tradition of all dead generations weighs like a nightmare.
  attribution: "*The Eighteenth Brumaire*"
documents: [uno.md, dos.md, epilogo.md]
"""

# Each chapter runs past one page, so that a page shows its folio.
PARAGRAPH = "Texto de la carta, escrita despacio y con cuidado en una mesa de Londres. " * 6


def make_book(project: Path, lang: str = "es", **fields: str) -> Path:
    folder = project / "source" / "cartas"
    folder.mkdir(parents=True, exist_ok=True)
    values = {"lang": lang, "print_isbn": PRINT_ISBN, "ebook_isbn": EBOOK_ISBN, **fields}
    (folder / "book.yaml").write_text(BOOK_YAML.format(**values), encoding="utf-8")
    for name, title in (("uno", "Primera carta"), ("dos", "Segunda carta")):
        body = "\n\n".join([PARAGRAPH] * 14)
        (folder / f"{name}.md").write_text(f"---\ntitle: {title}\n---\n\n{body}\n", "utf-8")
    (folder / "epilogo.md").write_text(
        "---\ntitle: Epílogo\nrole: afterword\n---\n\nLo que vino después.\n", "utf-8"
    )
    return folder


@pytest.fixture
def spanish_book(project: Path, run_cli) -> Path:
    make_book(project)
    result = run_cli("build", "source/cartas")
    assert result.code == 0, result.err
    return project / "build"


def page_texts(pdf: Path) -> list[str]:
    with pdfplumber.open(pdf) as document:
        return [page.extract_text() or "" for page in document.pages]


def test_the_printed_book_opens_with_its_front_matter(spanish_book: Path) -> None:
    pdf = spanish_book / "cartas.pdf"
    texts = page_texts(pdf)

    assert texts[0] == "Cartas del exilio"  # the half-title: the title alone, on a recto
    assert texts[1] == ""  # its verso, blank
    title_page = texts[2]
    for shown in ("Cartas del exilio", "Londres, 1850–1883", "Jenny Marx"):
        assert shown in title_page
    assert "Traducción de Ana Ruiz" in title_page and "Ediciones Germinal" in title_page
    assert PRINT_ISBN not in title_page and "© 2026" not in title_page
    copyright_page = texts[3]  # the title page's verso
    for shown in (
        "© 2026 Ana Ruiz",
        "2026",
        "Traducción de Ana Ruiz",
        "Fuente: From Briefe, Berlin, 1970.",
        "Edita Ediciones Germinal, Madrid",
        "Contacto: editorial@example.org",
        f"ISBN {PRINT_ISBN} (impreso)",
        f"ISBN {EBOOK_ISBN} (libro electrónico)",
        "Impreso por Imprenta Libertad",
    ):
        assert shown in copyright_page
    assert texts[4] == "To Laura."  # the dedication, on a recto
    assert texts[6].startswith("The tradition of all dead generations")  # the epigraph
    assert texts[6].endswith("The Eighteenth Brumaire")
    assert texts[8].startswith("Índice")
    assert texts[10].startswith("Primera carta")  # the text, on a recto


def test_front_matter_is_roman_and_the_text_starts_at_arabic_1(spanish_book: Path) -> None:
    pdf = spanish_book / "cartas.pdf"
    labels = PdfReader(pdf).page_labels
    printed = folios(pdf)
    texts = page_texts(pdf)

    assert labels[:11] == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "1"]
    assert labels[11:] == [str(n) for n in range(2, len(labels) - 9)]
    # No folio on the half-title, the title and copyright pages, the dedication, the
    # epigraph, a blank page, nor a page that opens a chapter; the contents show roman ix.
    assert printed[:11] == ["", "", "", "", "", "", "", "", "ix", "", ""]
    # Every folio printed is the page's label: what a viewer shows is what is printed.
    assert all(folio == label for folio, label in zip(printed, labels, strict=True) if folio)
    assert printed[11] == "2" and printed.count("") < len(printed) - 3
    # The contents give the pages as printed.
    contents = texts[8]
    second = re.search(r"Segunda carta[ .]+(\d+)", contents)
    assert second and texts[labels.index(second[1])].startswith("Segunda carta")
    assert printed[labels.index(second[1])] == ""  # a chapter opening: no folio


def test_the_afterword_is_at_the_back_of_both_books(spanish_book: Path) -> None:
    texts = page_texts(spanish_book / "cartas.pdf")
    assert texts[-1].startswith("Epílogo")

    book = OpenedEpub(spanish_book / "cartas.epub")
    [section] = book.spine_page("chapter-03.xhtml").tree.xpath("//x:section", namespaces=NS)
    assert section.get("role") == "doc-afterword"
    assert section.get(f"{{{NS['epub']}}}type") == "backmatter afterword"


def test_the_epub_has_the_same_furniture_and_the_ebook_isbn_as_identifier(
    spanish_book: Path,
) -> None:
    epub = spanish_book / "cartas.epub"
    assert epubcheck_problems(epub) == []
    book = OpenedEpub(epub)

    unique = book.opf.get("unique-identifier")
    [identifier] = [i for i in book.metadata("identifier") if i.get("id") == unique]
    assert identifier.text == "urn:isbn:9780306406164"
    spine = [page.name.rsplit("/", 1)[-1] for page in book.spine()]
    assert spine[:6] == [
        "cover.xhtml",
        "header.xhtml",
        "copyright.xhtml",
        "dedication.xhtml",
        "epigraph.xhtml",
        "nav.xhtml",
    ]
    copyright_page = book.spine_page("copyright.xhtml")
    text = " ".join(copyright_page.text().split())
    for shown in (
        "© 2026 Ana Ruiz",
        "Edita Ediciones Germinal, Madrid",
        f"ISBN {PRINT_ISBN} (impreso)",
        f"ISBN {EBOOK_ISBN} (libro electrónico)",
        "Impreso por Imprenta Libertad",
    ):
        assert shown in text
    assert copyright_page.tree.xpath("//*[@epub:type='copyright-page']", namespaces=NS)
    assert PRINT_ISBN not in book.spine_page("header.xhtml").text()
    dedication = book.spine_page("dedication.xhtml").tree
    assert dedication.xpath("//*[@role='doc-dedication']", namespaces=NS)
    epigraph = book.spine_page("epigraph.xhtml")
    assert epigraph.tree.xpath("//*[@role='doc-epigraph' and @epub:type='epigraph']", namespaces=NS)
    assert "The Eighteenth Brumaire" in epigraph.text()
    marks = book.nav().tree.xpath("//x:nav[@id='landmarks']//x:a", namespaces=NS)
    kinds = [a.get(f"{{{NS['epub']}}}type") for a in marks]
    assert "copyright-page" in kinds


def test_the_furniture_speaks_english_in_an_english_book(project: Path, run_cli) -> None:
    make_book(project, lang="en")
    assert run_cli("build", "source/cartas").code == 0

    texts = page_texts(project / "build" / "cartas.pdf")
    assert "Translated by Ana Ruiz" in texts[2]
    epub_text = OpenedEpub(project / "build" / "cartas.epub").spine_page("copyright.xhtml").text()
    for copyright_page in (texts[3], " ".join(epub_text.split())):
        for shown in (
            "Published by Ediciones Germinal, Madrid",
            "Contact: editorial@example.org",
            f"ISBN {PRINT_ISBN} (print)",
            f"ISBN {EBOOK_ISBN} (ebook)",
            "Printed by Imprenta Libertad",
            "Source: From Briefe",
        ):
            assert shown in copyright_page
    assert texts[8].startswith("Contents")


def test_a_letter_has_no_folio_on_its_opening_and_its_copyright_page_last(
    project: Path, write_source, run_cli
) -> None:
    """A letter is compact: its header over the text, no half-title, arabic throughout;
    its rights, publisher and ISBN are on a copyright page after the text."""
    body = "\n\n".join([PARAGRAPH] * 12)
    write_source(
        "carta.md",
        f"---\ntitle: Carta\nauthor: Jenny Marx\nlang: es\nrights: Dominio público.\n"
        f"publisher: Ediciones Germinal\nisbn: {PRINT_ISBN}\n---\n\n{body}\n",
    )
    assert run_cli("build", "source/carta.md").code == 0
    pdf = Path("build/carta.pdf")

    texts = page_texts(pdf)
    printed = folios(pdf)
    labels = PdfReader(pdf).page_labels
    assert texts[0].startswith("Carta\nJenny Marx")
    assert "Ediciones Germinal" not in texts[0] and PRINT_ISBN not in texts[0]
    assert printed[0] == "" and printed[-1] == ""  # the opening and the copyright page
    assert printed[1:-1] == labels[1:-1] == [str(n) for n in range(2, len(labels))]
    assert f"ISBN {PRINT_ISBN} (impreso)" in texts[-1] and "Dominio público." in texts[-1]
    epub = OpenedEpub(Path("build/carta.epub"))
    assert f"ISBN {PRINT_ISBN} (impreso)" in epub.spine_page("copyright.xhtml").text()


def test_a_compact_book_has_no_folio_on_its_title_page_and_its_copyright_page_last(
    project: Path, run_cli
) -> None:
    folder = make_book(project)
    yaml = (folder / "book.yaml").read_text(encoding="utf-8")
    (folder / "book.yaml").write_text(yaml + "front-matter: compact\n", encoding="utf-8")
    assert run_cli("build", "source/cartas", "--format", "pdf").code == 0
    pdf = Path("build/cartas.pdf")

    texts = page_texts(pdf)
    printed = folios(pdf)
    labels = PdfReader(pdf).page_labels
    assert texts[0].startswith("Cartas del exilio\nLondres, 1850–1883")  # no half-title
    assert PRINT_ISBN not in texts[0]
    assert printed[0] == ""  # the title page
    assert texts[2] == "To Laura." and printed[2] == ""
    assert texts[4].startswith("The tradition") and printed[4] == ""
    assert labels == [str(n) for n in range(1, len(labels) + 1)]
    assert all(folio == label for folio, label in zip(printed, labels, strict=True) if folio)
    assert f"ISBN {PRINT_ISBN} (impreso)" in texts[-1] and printed[-1] == ""


def test_a_document_can_have_the_full_front_matter(project: Path, write_source, run_cli) -> None:
    body = "\n\n".join([PARAGRAPH] * 12)
    write_source(
        "ensayo.md",
        f"---\ntitle: Ensayo\nauthor: Ana Ruiz\nlang: es\nfront-matter: full\n"
        f"rights: Dominio público.\n---\n\n{body}\n",
    )
    assert run_cli("build", "source/ensayo.md", "--format", "pdf").code == 0
    pdf = Path("build/ensayo.pdf")

    texts = page_texts(pdf)
    assert texts[0] == "Ensayo" and texts[2].startswith("Ensayo\nAna Ruiz")
    assert texts[3] == "Dominio público."
    labels = PdfReader(pdf).page_labels
    assert labels[:6] == ["i", "ii", "iii", "iv", "1", "2"]
    assert texts[4].startswith("Ensayo\nTexto de la carta")  # the text opens with its title
    assert folios(pdf)[:6] == ["", "", "", "", "", "2"]


def test_isbn_checksums_are_checked_and_every_bad_one_named_in_one_run(
    project: Path, run_cli
) -> None:
    make_book(project, print_isbn="978-0-306-40615-8", ebook_isbn="0-306-40615-3")
    result = run_cli("build", "source/cartas")

    assert result.code != 0
    path = Path("source/cartas/book.yaml")
    assert f"{path}:12: 'isbn' '978-0-306-40615-8' is not a valid ISBN (checksum)" in result.err
    assert f"{path}:13: 'ebook-isbn' '0-306-40615-3' is not a valid ISBN (checksum)" in result.err
    assert not Path("build/cartas.pdf").exists()


@pytest.mark.parametrize(
    ("isbn", "problem"),
    [
        ("978-0-306-40615-7", None),
        ("0-306-40615-2", None),  # ISBN-10
        ("0-8044-2957-X", None),  # ISBN-10 whose check digit is ten
        ("0 8044 2957 x", None),
        ("978-0-306-40615-1", "checksum"),
        ("0-306-40615-9", "checksum"),
        ("123-4-567-89012-8", "an ISBN-13 starts with 978 or 979"),
        ("978-0-306", "it needs 10 or 13 digits"),
        ("ISBN 978-0-306-40615-7", "it needs 10 or 13 digits"),
    ],
)
def test_isbn_problems(isbn: str, problem: str | None) -> None:
    assert isbn_problem(isbn) == problem
