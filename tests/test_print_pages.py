"""The print book's pages in the EPUB (`page-list: print`): a reader of the EPUB finds page
12 of the printed book where the PDF's page 12 begins, and can cite it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree
from pypdf import PdfReader

from tests.epub_helpers import epubcheck_problems, tiny_png
from tests.pdf_helpers import (
    CALL_MAX_SIZE,
    content_box,
    joined,
    long_document,
    pages_words,
    split_page,
    words_of,
)

NS = {"x": "http://www.w3.org/1999/xhtml", "e": "http://www.idpf.org/2007/ops"}
COMPARED = 6  # the words each page-list entry must share with its PDF page


def _book(project: Path, settings: str = "page-list: print\n") -> Path:
    """A book of two chapters, with notes, a heading and Spanish hyphenation, 6 to 10 pages."""
    book = project / "source" / "libro"
    book.mkdir(parents=True)
    (book / "book.yaml").write_text(
        "title: Libro de prueba\nauthor: Prueba\nlang: es\nisbn: 978-0-306-40615-7\n"
        f"{settings}documents: [uno.md, dos.md]\n",
        encoding="utf-8",
    )
    (book / "figura.png").write_bytes(tiny_png())
    first = long_document(notes=12, seed=7)
    # A figure that print floats to the top of the next page, and the original's pages.
    figure = "![Una figura con un pie largo que el libro impreso lleva a otra página](figura.png){width=80%}"
    first = first.replace(" termina. ", f" termina.\n\n{figure}\n\n", 2).replace(figure, "", 1)
    first = first.replace(" termina. ", " termina {pag=12}. ", 1).replace(
        "Aquí C009", "Aquí {pag=13} C009"
    )
    (book / "uno.md").write_text(first, encoding="utf-8")
    second = long_document(notes=10, seed=8).replace("Documento largo", "Segundo capítulo")
    second = second.replace("\n\n", "\n\n## Una sección\n\n", 3)  # a heading among paragraphs
    second = second.replace(
        " termina. ",
        " termina.\n\n> Una cita de prosa que se aparta del texto "
        "y sigue en su propio tamaño de letra por varias líneas seguidas.\n\n",
        4,
    )
    second = second.replace(" termina. ", " termina.\n\n- un punto de la lista\n- y otro punto "
                            "más largo que llena la línea de la lista\n\n", 3)  # fmt: skip
    (book / "dos.md").write_text(second, encoding="utf-8")
    return book


def epub_page_list(epub: Path) -> list[tuple[str, list[str]]]:
    """Each page-list entry of the EPUB: its label, and the words of the text from its
    marker on (notes and note calls left out)."""
    with zipfile.ZipFile(epub) as z:
        nav = etree.fromstring(z.read("EPUB/nav.xhtml"))
        entries = nav.xpath("//x:nav[@e:type='page-list']//x:a", namespaces=NS)
        pages = {}
        labels = ["".join(entry.itertext()) for entry in entries]
        for entry, label in zip(entries, labels, strict=True):
            file, ident = entry.get("href").split("#")
            text = z.read(f"EPUB/{file}").decode()
            marker = re.search(f'<span [^>]*id="{ident}"[^>]*>', text)
            assert marker, f"no page-break marker {ident} in {file}"
            assert 'epub:type="pagebreak"' in marker.group()
            assert 'role="doc-pagebreak"' in marker.group()
            assert f'aria-label="{label}"' in marker.group()
            rest = re.sub(r'<section class="notes".*', "", text[marker.end() :], flags=re.S)
            rest = re.sub(r'<a [^>]*epub:type="noteref"[^>]*>.*?</a>', "", rest)
            pages[label] = words_of(re.sub(r"<[^>]+>", " ", rest))
    return [(label, pages[label]) for label in labels]


def pdf_pages(pdf: Path) -> dict[str, list[str]]:
    """Each page of the PDF's text (from its first arabic folio), by its label: the words of
    its text block (no running head, folio or notes), a word begun on the page before
    left out."""
    labels = PdfReader(pdf).page_labels
    pages = {}
    ended_in_hyphen = False
    for label, words, (top, bottom) in zip(labels, pages_words(pdf), content_box(pdf), strict=True):
        body = [w.text for w in split_page(words, top, bottom)[0] if w.size > CALL_MAX_SIZE]
        text = words_of(" ".join(joined(body)))
        if ended_in_hyphen:
            text = text[1:]
        ended_in_hyphen = bool(body) and body[-1].endswith("\u2010")
        if label.isdigit():
            pages[label] = text
    return pages


def test_every_page_list_entry_starts_with_the_words_of_its_printed_page(
    project: Path, run_cli
) -> None:
    _book(project)
    assert run_cli("build", "source/libro").code == 0
    epub, pdf = project / "build" / "libro.epub", project / "build" / "libro.pdf"

    entries = epub_page_list(epub)
    printed = pdf_pages(pdf)
    assert len(printed) >= 6
    assert [label for label, _words in entries] == [n for n, words in printed.items() if words]
    for label, words in entries:
        assert words[:COMPARED] == printed[label][:COMPARED], f"page {label}"
    assert epubcheck_problems(epub) == []


def test_the_epub_names_the_print_edition_its_pages_come_from(project: Path, run_cli) -> None:
    _book(project)
    assert run_cli("build", "source/libro").code == 0
    with zipfile.ZipFile(project / "build" / "libro.epub") as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
        nav = etree.fromstring(z.read("EPUB/nav.xhtml"))
    meta = {
        (m.get("property"), m.text)
        for m in opf.iter("{http://www.idpf.org/2007/opf}meta")
        if m.get("property")
    }
    assert ("pageBreakSource", "urn:isbn:9780306406157") in meta  # the print edition's ISBN
    assert ("schema:accessibilityFeature", "pageBreakMarkers") in meta
    assert ("schema:accessibilityFeature", "pageNavigation") in meta
    page_list = nav.xpath("//x:nav[@e:type='page-list']", namespaces=NS)[0]
    assert page_list.get("aria-label") == "Páginas de la edición impresa"


def test_an_epub_built_alone_lays_out_its_pdf_for_the_same_pages(project: Path, run_cli) -> None:
    _book(project)
    assert run_cli("build", "source/libro").code == 0
    with_pdf = epub_page_list(project / "build" / "libro.epub")

    assert run_cli("build", "source/libro", "--format", "epub", "--out", "alone").code == 0
    assert not (project / "alone" / "libro.pdf").exists()
    assert epub_page_list(project / "alone" / "libro.epub") == with_pdf


def test_the_seed_letter_marks_its_pages_from_the_title_on(project: Path, run_cli) -> None:
    letter = Path(__file__).resolve().parents[1] / "source" / "carta-muste-1936.md"
    (project / "source").mkdir(exist_ok=True)
    text = letter.read_text(encoding="utf-8").replace("\n---\n", "\npage-list: print\n---\n", 1)
    (project / "source" / "carta.md").write_text(text, encoding="utf-8")
    assert run_cli("build", "source/carta.md").code == 0

    entries = epub_page_list(project / "build" / "carta.epub")
    printed = pdf_pages(project / "build" / "carta.pdf")
    assert [label for label, _words in entries] == ["1", "2"]
    assert entries[0][1][:5] == ["la", "represión", "en", "la", "urss"]  # the title opens it
    assert entries[1][1][:COMPARED] == printed["2"][:COMPARED]


def test_without_page_list_the_epub_has_no_page_markers(project: Path, run_cli) -> None:
    _book(project, settings="")
    assert run_cli("build", "source/libro", "--format", "epub").code == 0
    with zipfile.ZipFile(project / "build" / "libro.epub") as z:
        pages = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml"))
        opf = z.read("EPUB/content.opf").decode()
    assert "pagebreak" not in pages and "page-list" not in pages
    assert "pageBreakSource" not in opf


def test_a_wrong_page_list_is_an_error_at_its_line(project: Path, run_cli) -> None:
    _book(project, settings="page-list: printed\n")
    result = run_cli("build", "source/libro")
    assert result.code != 0
    assert "source/libro/book.yaml:" in result.err
    assert "'page-list'" in result.err and "printed" in result.err


def test_the_kobo_epub_carries_the_same_page_list(project: Path, run_cli) -> None:
    _book(project)
    assert run_cli("build", "source/libro", "--format", "epub").code == 0
    assert run_cli("build", "source/libro", "--format", "kepub").code == 0
    kepub = project / "build" / "libro.kepub.epub"
    assert [label for label, _words in epub_page_list(kepub)] == [
        label for label, _words in epub_page_list(project / "build" / "libro.epub")
    ]


def test_pages_of_notes_printed_after_the_text_have_no_entry(project: Path, run_cli) -> None:
    """The editor's notes set after the text: the PDF's pages of them hold none of the
    EPUB's running text (the EPUB has them as endnotes), so they are not listed."""
    text = long_document(notes=30, seed=11).replace(
        "---\n\n", "notes-by: editor\nnote-place: {editor: end}\npage-list: print\n---\n\n", 1
    )
    (project / "source").mkdir(exist_ok=True)
    (project / "source" / "notas.md").write_text(text, encoding="utf-8")
    assert run_cli("build", "source/notas.md").code == 0

    entries = epub_page_list(project / "build" / "notas.epub")
    printed = pdf_pages(project / "build" / "notas.pdf")
    listed = [label for label, _words in entries]
    assert listed == [label for label, words in printed.items() if words]  # running text
    assert list(printed)[-1] not in listed  # the last page holds notes only
    assert entries[0][1][:2] == ["documento", "largo"]  # the title (the EPUB's header is apart)
    for label, words in entries[1:]:
        assert words[:COMPARED] == printed[label][:COMPARED], f"page {label}"
