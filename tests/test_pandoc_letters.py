"""A Spanish book of three letters written in Pandoc's Markdown, as an archive would write
it: every construct reaches both books as the structure it is, never as its syntax."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from epub_helpers import NS, OpenedEpub, epubcheck_problems
from lxml import etree
from pandoc_helpers import pandoc_html, reader_words, remove_keeping_tail, share_in_order
from pdf_helpers import page_texts
from pypdf import PdfReader

from publish.cli import main

BOOK = Path(__file__).resolve().parent / "fixtures" / "cartas-pandoc"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The book built once, to both formats."""
    project = tmp_path_factory.mktemp("letters")
    (project / "publish.toml").write_text("")
    shutil.copytree(BOOK, project / "cartas-pandoc")
    out = project / "build"
    assert main(["build", str(project / "cartas-pandoc"), "--out", str(out), "--jobs", "1"]) == 0
    return out / "cartas-pandoc.epub", out / "cartas-pandoc.pdf"


def chapter(epub: Path, number: int) -> etree._Element:
    opened = OpenedEpub(epub)
    return etree.fromstring(opened.zip.read(opened.resolve(f"chapter-{number:02d}.xhtml")))


def find(tree: etree._Element, path: str) -> list[etree._Element]:
    return tree.xpath(path, namespaces={"x": NS["x"], "epub": NS["epub"]})


def text(element: etree._Element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def test_the_epub_is_valid(built) -> None:
    assert epubcheck_problems(built[0]) == []


def test_each_construct_is_the_structure_it_is_in_the_epub(built) -> None:
    first = chapter(built[0], 1)

    assert text(find(first, "//x:div[@class='epigraph']")[0]).startswith("El mar no tiene")
    [address] = find(first, "//x:div[@class='line-block']")
    assert len(find(address, "x:br")) == 2
    assert "\u00a0\u00a0\u00a0\u00a0a 2 de marzo" in "".join(address.itertext())
    assert text(find(first, "//x:span[@class='smallcaps']")[0]) == "Julián Ferrer"
    assert [text(e) for e in find(first, "//x:sup | //x:sub | //x:del")] == ["er", "2", "limpia"]
    assert find(first, "//x:span[@lang='fr']/@xml:lang") == ["fr"]
    [table] = find(first, "//x:table")
    assert text(table.find("x:caption", NS)) == "Fletes de marzo de 1848"
    assert [text(th) for th in find(table, "x:thead//x:th")] == ["Mercancía", "Fardos", "Precio"]
    assert [text(dt) for dt in find(first, "//x:dl/x:dt")] == ["Algodón", "Añil"]
    [figure] = find(first, "//x:figure")
    assert text(figure.find("x:figcaption", NS)) == "El muelle visto desde la aduana"
    assert "width: 60%" in figure.find("x:img", NS).get("style")
    assert text(find(first, "//x:div[@class='signature']")[0]) == "Su amiga, Rosa"


def test_a_note_keeps_its_list_and_quotation_and_an_inline_note_is_a_note(built) -> None:
    first = chapter(built[0], 1)

    notes = find(first, "//x:aside[@epub:type='footnote']")
    assert len(notes) == 2
    assert len(find(notes[0], "x:ol/x:li")) == 3 and find(notes[0], "x:blockquote")
    assert "nunca estuvo en Francia" in text(notes[1])


def test_links_lead_to_the_heading_the_table_and_the_other_letter(built) -> None:
    first, second = chapter(built[0], 1), chapter(built[0], 2)

    ids = set(find(first, "//@id"))
    for href in find(first, "//x:section[@class='text']//x:a[not(@epub:type)]/@href"):
        assert href.startswith("#") and href[1:] in ids
    assert {"c1-cuentas", "c1-carga", "c1-tbl:fletes"} <= ids
    assert "chapter-01.xhtml#c1-cuentas" in find(second, "//x:a/@href")


def test_each_letter_reads_as_pandoc_reads_it(built) -> None:
    for number, name in enumerate(["primera", "segunda", "tercera"], 1):
        [body] = find(chapter(built[0], number), "//x:body")
        for apparatus in find(body, "//x:header | //x:span[@class='note-back']"):
            remove_keeping_tail(apparatus)
        ours = reader_words(body)
        pandoc = pandoc_html(BOOK / f"{name}.md")
        # Pandoc 2.17 prints a caption's `{#tbl:fletes}`; publish reads it as the table's id.
        for caption in pandoc.iter("caption"):
            caption.text = caption.text.replace("{#tbl:fletes}", "")
        theirs = reader_words(pandoc)
        assert share_in_order(theirs, ours) >= 0.99, (name, theirs, ours)


def test_the_pdf_prints_no_markdown_syntax(built) -> None:
    printed = " ".join(page_texts(built[1]))

    for syntax in (":::", "{.", "{#", "|", "^", "~", "[^", "![", "]("):
        assert syntax not in printed
    for words in ("Calle del Muelle", "Mercancía", "El muelle visto desde la aduana", "Su amiga"):
        assert words in printed


def test_the_note_with_a_list_prints_on_the_page_of_its_call(built) -> None:
    pages = page_texts(built[1])

    [page] = [p for p in pages if "como le prometí" in p]
    assert "escribir cada mes" in page and "Quien promete en tierra paga en el mar" in page


def test_a_table_keeps_its_caption_and_a_figure_its_caption_on_its_page(built) -> None:
    pages = page_texts(built[1])

    assert any("Fletes de marzo de 1848" in p and "Algodón 12" in p for p in pages)
    reader = PdfReader(built[1])
    [figure_page] = [
        i
        for i, p in enumerate(pages)
        if "vista desde la aduana" in p or "visto desde la aduana" in p
    ]
    assert reader.pages[figure_page].images, "the figure's caption is on a page without its image"


def test_the_pdf_links_lead_inside_the_book(built) -> None:
    reader = PdfReader(built[1])
    internal = [
        annotation.get_object()
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/Subtype") == "/Link" and "/Dest" in annotation.get_object()
    ]
    assert len(internal) >= 3  # the heading, the table, the other letter's heading
