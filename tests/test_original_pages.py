"""The original's pages: `{pag=206}` prints "[206]" inline, in the margin or not at all in
the PDF, is "[206]" in the EPUB's text, and a page-list of the original when asked."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pdfplumber
from lxml import etree

from tests.conftest import epubcheck_problems

XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
TEXT = (
    "Primera frase del texto.{pag=206} Sigue el texto de la página siguiente del original "
    "con palabras.\n\nOtro párrafo {pag=207} con otra marca.\n"
)


def _document(settings: str) -> str:
    return f"---\ntitle: Carta\nlang: es\n{settings}---\n\n{TEXT}"


def _words(pdf: Path) -> list[dict]:
    with pdfplumber.open(pdf) as document:
        return [w for page in document.pages for w in page.extract_words()]


def _text(pdf: Path) -> str:
    with pdfplumber.open(pdf) as document:
        return " ".join((page.extract_text() or "").replace("\n", " ") for page in document.pages)


def test_inline_by_default_in_both_books(project: Path, write_source, run_cli) -> None:
    write_source("carta.md", _document(""))
    assert run_cli("build", "source/carta.md").code == 0
    assert "Otro párrafo [207] con otra marca." in _text(project / "build" / "carta.pdf")
    epub = project / "build" / "carta.epub"
    assert epubcheck_problems(epub) == []
    with zipfile.ZipFile(epub) as z:
        text = etree.fromstring(z.read("EPUB/text.xhtml"))
        nav = z.read("EPUB/nav.xhtml").decode()
    spans = text.findall(".//x:span[@class='pag']", XHTML)
    assert [(s.get("id"), s.text) for s in spans] == [("pag-206", "[206]"), ("pag-207", "[207]")]
    assert "page-list" not in nav  # only when the book asks for it


def test_margin_and_page_list_across_a_books_chapters(project: Path, run_cli) -> None:
    book = project / "source" / "libro"
    book.mkdir()
    (book / "book.yaml").write_text(
        "title: Libro\nlang: es\noriginal-pages: margin\npage-list: original\n"
        "documents: [uno.md, dos.md]\n"
    )
    (book / "uno.md").write_text(_document(""), encoding="utf-8")
    (book / "dos.md").write_text(
        "---\ntitle: Dos\nlang: es\n---\n\nMás texto {pag=208} del original.\n", encoding="utf-8"
    )
    assert run_cli("build", "source/libro").code == 0

    words = _words(project / "build" / "libro.pdf")
    markers = [w for w in words if w["text"].startswith("[20")]
    assert [w["text"] for w in markers] == ["[206]", "[207]", "[208]"]
    text_edge = max(w["x1"] for w in words if w not in markers)
    for marker in markers:
        assert marker["x0"] > text_edge  # in the margin, beside the text
    other = next(w for w in words if w["text"] == "párrafo")
    assert abs(markers[1]["top"] - other["top"]) < 2  # on the line where the page begins
    assert "párrafo con otra marca" in _text(project / "build" / "libro.pdf")

    epub = project / "build" / "libro.epub"
    assert epubcheck_problems(epub) == []
    with zipfile.ZipFile(epub) as z:
        nav = etree.fromstring(z.read("EPUB/nav.xhtml"))
        pages = {
            n: etree.fromstring(z.read(f"EPUB/{n}"))
            for n in ("chapter-01.xhtml", "chapter-02.xhtml")
        }
    page_list = nav.find(".//x:nav[@epub:type='page-list']", XHTML)
    entries = [(a.text, a.get("href")) for a in page_list.iterfind(".//x:a", XHTML)]
    assert entries == [
        ("206", "chapter-01.xhtml#c1-pag-206"),
        ("207", "chapter-01.xhtml#c1-pag-207"),
        ("208", "chapter-02.xhtml#c2-pag-208"),
    ]
    for number, href in entries:
        name, ident = href.split("#")
        target = pages[name].find(f".//x:span[@id='{ident}']", XHTML)
        assert target.text == f"[{number}]"


def test_none_leaves_them_out_of_print_only(project: Path, write_source, run_cli) -> None:
    write_source("carta.md", _document("original-pages: none\n"))
    assert run_cli("build", "source/carta.md").code == 0
    printed = _text(project / "build" / "carta.pdf")
    assert "[20" not in printed and "Otro párrafo con otra marca." in printed
    with zipfile.ZipFile(project / "build" / "carta.epub") as z:
        assert (
            '<span id="pag-207" class="pag" data-n="207">[207]</span>'
            in z.read("EPUB/text.xhtml").decode()
        )


def test_a_page_marked_twice_and_a_wrong_setting_are_errors(
    project: Path, write_source, run_cli
) -> None:
    write_source("twice.md", "---\ntitle: C\n---\n\nA {pag=3}.\n\nB {pag=3}.\n")
    result = run_cli("build", "source/twice.md")
    assert result.code != 0
    assert "source/twice.md:7: the id 'pag-3' is used twice (first on line 5)" in result.err
    write_source("wrong.md", "---\ntitle: C\noriginal-pages: side\n---\n\nA {pag=3}.\n")
    result = run_cli("build", "source/wrong.md")
    assert "source/wrong.md:3: setting 'original-pages' must be one of inline, margin, none" in (
        result.err
    )


def test_margin_markers_stand_in_the_outer_margin_of_each_page(
    project: Path, write_source, run_cli
) -> None:
    """Recto pages (odd folios) print them in the right-hand margin, versos in the left."""
    from tests.pdf_helpers import long_document

    text = long_document(notes=16, seed=3).replace("---\n\n", "original-pages: margin\n---\n\n")
    for page, number in enumerate(range(1, 17), start=300):
        text = text.replace(f" C{number:03d}[", f" {{pag={page}}}C{number:03d}[", 1)
    write_source("larga.md", text)
    assert run_cli("build", "source/larga.md", "--format", "pdf").code == 0

    sides = {"right": 0, "left": 0}
    with pdfplumber.open(project / "build" / "larga.pdf") as pdf:
        for index, page in enumerate(pdf.pages):
            words = page.extract_words(extra_attrs=["size"])
            markers = [w for w in words if w["text"].startswith("[3")]
            text = [w for w in words if w not in markers and w["size"] > 10]
            for marker in markers:
                if index % 2 == 0:  # page 1 is a recto
                    assert marker["x0"] > max(w["x1"] for w in text), f"page {index + 1}"
                    sides["right"] += 1
                else:
                    assert marker["x1"] < min(w["x0"] for w in text), f"page {index + 1}"
                    sides["left"] += 1
    assert sides["right"] >= 2 and sides["left"] >= 2
