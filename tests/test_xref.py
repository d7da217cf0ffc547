"""Cross-references: `[](#id)` and `[words](#id){.page}` print the target's page in the
PDF and link it in the EPUB, across a book's chapters; a reference to nothing is an error."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

import pdfplumber
from lxml import etree

from tests.conftest import epubcheck_problems

XHTML = {"x": "http://www.w3.org/1999/xhtml"}
FILLER = "\n\n".join(f"Párrafo {n}: " + "palabra " * 70 for n in range(14))


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _write_book(project: Path) -> Path:
    """Two Spanish chapters: the first refers to a section of the second, to its own
    figure (with words) and table; the second refers back to the first's figure."""
    book = project / "source" / "libro"
    book.mkdir()
    (book / "book.yaml").write_text("title: Un libro\nlang: es\ndocuments: [uno.md, dos.md]\n")
    (book / "mapa.png").write_bytes(_png())
    (book / "uno.md").write_text(
        "---\ntitle: Uno\nlang: es\n---\n\n"
        "Véase [](dos.md#sec-cuentas) y [el mapa](#fig-mapa){.page}.\n\n"
        f"{FILLER}\n\n![Mapa de la ciudad](mapa.png){{#fig-mapa}}\n\n"
        "| año | cifra |\n|---|---|\n| 1936 | 12 |\n\n: Las cifras {#tbl-cifras}\n\n"
        "Las cifras están en [](#tbl-cifras); la nota del traductor, en [](dos.md#^t1).\n",
        encoding="utf-8",
    )
    (book / "dos.md").write_text(
        f"---\ntitle: Dos\nlang: es\n---\n\n{FILLER}\n\n## Las cuentas {{#sec-cuentas}}\n\n"
        "Volver a [](uno.md#fig-mapa).[^t1] Véase [esa nota](#^t1).\n\n"
        "[^t1]: Nota del traductor sobre las cuentas.\n",
        encoding="utf-8",
    )
    return book


def _pages(pdf: Path) -> list[tuple[str, str]]:
    """Each page's text (lines joined) and its folio (the last word in the bottom margin)."""
    with pdfplumber.open(pdf) as document:
        pages = []
        for page in document.pages:
            foot = [w["text"] for w in page.extract_words() if w["top"] > page.height * 0.93]
            pages.append((re.sub(r"\s+", " ", page.extract_text() or ""), foot[-1] if foot else ""))
        return pages


def _folio_of(pages: list[tuple[str, str]], words: str) -> str:
    """The folio of the body page that prints `words` (the contents' pages left out)."""
    found = [folio for text, folio in pages if words in text and folio.isdigit()]
    assert found, f"{words!r} is printed on no numbered page"
    return found[-1]


def test_cross_references_print_the_page_and_link_in_the_epub(project: Path, run_cli) -> None:
    _write_book(project)
    assert run_cli("build", "source/libro").code == 0

    pages = _pages(project / "build" / "libro.pdf")
    section = _folio_of(pages, "Las cuentas Volver")
    figure = _folio_of(pages, "Mapa de la ciudad")
    table = _folio_of(pages, "Las cifras año")
    assert section != figure  # the two chapters' targets are pages apart
    text = " ".join(t for t, _ in pages)
    # A reference without words prints only the page; one with words adds it.
    assert f"Véase pág. {section} y el mapa (pág. {figure})." in text
    note = _folio_of(pages, "Nota del traductor sobre las cuentas")
    assert note == section
    assert f"Las cifras están en pág. {table}; la nota del traductor, en pág. {note}." in text
    assert f"Volver a pág. {figure}." in text

    epub = project / "build" / "libro.epub"
    assert epubcheck_problems(epub) == []
    with zipfile.ZipFile(epub) as z:
        one = etree.fromstring(z.read("EPUB/chapter-01.xhtml"))
        two = etree.fromstring(z.read("EPUB/chapter-02.xhtml"))
    links = {a.get("href"): "".join(a.itertext()) for a in one.iterfind(".//x:a", XHTML)}
    # Without words, the target's own: the heading's title, the table's caption.
    assert links["chapter-02.xhtml#c2-sec-cuentas"] == "Las cuentas"
    assert links["#c1-fig-mapa"] == "el mapa"
    assert links["#c1-tbl-cifras"] == "Las cifras"
    # A note, named by its label, is reached at its call: "la nota".
    assert links["chapter-02.xhtml#c2-fnref-1"] == "la nota"
    assert two.find(".//x:a[@id='c2-fnref-1']", XHTML) is not None
    assert "".join(two.find(".//x:a[@href='#c2-fnref-1']", XHTML).itertext()) == "esa nota"
    assert two.find(".//x:h2[@id='c2-sec-cuentas']", XHTML) is not None
    back = two.find(".//x:a[@href='chapter-01.xhtml#c1-fig-mapa']", XHTML)
    assert "".join(back.itertext()) == "Mapa de la ciudad"
    assert one.find(".//x:figure[@id='c1-fig-mapa']", XHTML) is not None


def test_a_reference_to_an_element_without_words_of_its_own(
    project: Path, write_source, run_cli
) -> None:
    """An English document alone: 'p.' in print; on screen, a div (here around a table
    without caption) is "this passage"."""
    write_source(
        "alone.md",
        "---\ntitle: Alone\n---\n\n# Start\n\nSee [](#tbl-x) and [the start](#start){.page}.\n\n"
        f"{FILLER}\n\n::: {{#tbl-x}}\n| a | b |\n|---|---|\n| 1 | 2 |\n:::\n",
    )
    assert run_cli("build", "source/alone.md").code == 0
    pages = _pages(project / "build" / "alone.pdf")
    table = _folio_of(pages, "a b 1 2")
    text = " ".join(t for t, _ in pages)
    assert f"See p. {table} and the start (p. 1)." in text
    epub = project / "build" / "alone.epub"
    assert epubcheck_problems(epub) == []
    with zipfile.ZipFile(epub) as z:
        pages = [etree.fromstring(z.read(n)) for n in z.namelist() if n.endswith(".xhtml")]
    words = {"".join(a.itertext()) for p in pages for a in p.iterfind(".//x:a[@class]", XHTML)}
    assert "this passage" in words and "the start" in words


def test_references_to_nothing_are_errors_at_their_lines_all_in_one_run(
    project: Path, run_cli
) -> None:
    book = project / "source" / "libro"
    book.mkdir()
    (book / "book.yaml").write_text("title: A\ndocuments: [a.md, b.md, c.md]\n")
    (book / "a.md").write_text(
        "---\ntitle: A\n---\n\n# One\n\nSee [](#nowhere).\n\nAnd [it](#lost){.page}.\n"
    )
    (book / "b.md").write_text("---\ntitle: B\n---\n\nText.\n\nSee [](c.md#gone).\n")
    (book / "c.md").write_text("---\ntitle: C\n---\n\n# Here {#here}\n")
    result = run_cli("build", "source/libro")
    assert result.code != 0
    assert result.err.splitlines() == [
        "source/libro/a.md:7: cross-reference '#nowhere' names no heading, figure, table, note or element",
        "source/libro/a.md:9: cross-reference '#lost' names no heading, figure, table, note or element",
        "source/libro/b.md:7: cross-reference 'c.md#gone' names no heading, figure, table, note or element",
    ]
