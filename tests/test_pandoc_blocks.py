"""Pandoc's blocks in a letter: tables with captions, fenced divs, line blocks, definition
lists, TeX math and raw content, read as Pandoc reads them and printed as structure in both
books, never as Markdown syntax."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pdfplumber
import pytest
from epub_helpers import NS, OpenedEpub, build_epub, epubcheck_problems
from lxml import etree
from pandoc_helpers import MATHML, pandoc_html, reader_words, share_in_order
from pdf_helpers import build_pdf, page_texts, pages_words

from publish import model as m
from publish.errors import SourceWarning
from publish.reader import parse_document, read_document
from publish.render import math_markup

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "pandoc-blocks.md"


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("blocks")
    return Path(shutil.copy(FIXTURE, folder / FIXTURE.name))


@pytest.fixture(scope="module")
def epub_path(letter: Path) -> Path:
    return build_epub(letter)


@pytest.fixture(scope="module")
def text_page(epub_path: Path) -> etree._Element:
    return OpenedEpub(epub_path).spine_page("text.xhtml").tree


@pytest.fixture(scope="module")
def pdf_path(letter: Path) -> Path:
    return build_pdf(letter, letter.with_suffix(".pdf"))


def xpath(tree: etree._Element, path: str) -> list[etree._Element]:
    return tree.xpath(path, namespaces={"x": NS["x"], "mml": MATHML[1:].split("}")[0]})


def words(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def read(text: str) -> tuple[m.Document, list[SourceWarning]]:
    warnings: list[SourceWarning] = []
    source = "---\ntitle: T\n---\n" + text
    return parse_document(source, "t.md", warnings.append), warnings


# The reader


def test_the_reader_warns_of_every_raw_piece_it_leaves_out_with_its_line(letter: Path) -> None:
    warnings: list[SourceWarning] = []
    read_document(letter, warnings.append)
    found = {(w.location.line, w.message.split(" ")[1]) for w in warnings}
    source = FIXTURE.read_text(encoding="utf-8").splitlines()
    latex_fence = source.index("```{=latex}") + 1
    cite = next(n for n, line in enumerate(source, 1) if "\\cite" in line)
    begin = source.index("\\begin{center}") + 1
    assert found == {(latex_fence, "'latex'"), (cite, "TeX"), (begin, "LaTeX")}


def test_nested_divs_keep_their_attributes() -> None:
    document, _ = read("::: {#outer .letter data=1}\nText.\n\n::: right\nSigned.\n:::\n:::\n")
    [outer] = document.blocks
    assert isinstance(outer, m.Div)
    assert (outer.attrs.id, outer.attrs.classes, outer.attrs.get("data")) == (
        "outer",
        ("letter",),
        "1",
    )
    inner = outer.children[1]
    assert isinstance(inner, m.Div) and inner.attrs.classes == ("right",)


def test_a_line_block_keeps_its_indent_and_joins_its_continuation_lines() -> None:
    document, _ = read("| one\n|    two\n  still two\n| three\n")
    [block] = document.blocks
    assert isinstance(block, m.LineBlock)
    texts = ["".join(getattr(i, "text", " ") for i in line) for line in block.lines]
    assert texts == ["one", "\u00a0\u00a0\u00a0two still two", "three"]
    assert [line[0].line for line in block.lines] == [4, 5, 7]


def test_a_definition_goes_on_only_with_blocks_indented_four_spaces() -> None:
    document, _ = read("Term\n:   Def\n\n  Not in it.\n\nTerm\n:   Def\n\n    In it.\n")
    first, paragraph, second = document.blocks
    assert isinstance(first, m.DefinitionList) and first.tight
    assert isinstance(paragraph, m.Paragraph)
    assert isinstance(second, m.DefinitionList) and not second.tight
    assert len(second.items[0].definitions[0]) == 2


def test_dollars_are_math_only_where_pandoc_reads_math() -> None:
    document, _ = read("Costs $5 and $10, but $x$ and $$y$$ are math; so is $ a $ not.\n")
    maths = [n for n in m.walk(document) if isinstance(n, m.Math)]
    assert [(n.tex, n.display) for n in maths] == [("x", False), ("y", True)]


def test_math_that_cannot_be_read_is_a_warning_and_printed_as_written() -> None:
    document, warnings = read("Text.\n\nBroken $\\frac{$ here.\n")
    assert [(w.location.line, w.message[:27]) for w in warnings] == [
        (6, "the math '\\frac{' cannot be"),
    ]
    [math] = [n for n in m.walk(document) if isinstance(n, m.Math)]
    for output in ("mathml", "svg"):
        assert (
            math_markup(math.tex, math.display, output)
            == '<code class="math inline">\\frac{</code>'
        )


def test_a_caption_may_come_before_its_table_and_names_it() -> None:
    document, _ = read("Table: Prices {#tbl:p .wide}\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n")
    [table] = document.blocks
    assert isinstance(table, m.Table)
    assert table.caption == (m.Text("Prices", 4),)
    assert (table.attrs.id, table.attrs.classes) == ("tbl:p", ("wide",))
    assert table.aligns == ("", "right")


def test_a_bar_inside_code_in_a_pipe_table_is_text_as_in_pandoc() -> None:
    document, _ = read("| a | b |\n|---|---|\n| `x|y` | z |\n")
    [table] = document.blocks
    assert isinstance(table, m.Table)
    assert [cell.children for cell in table.body[0].cells] == [
        (m.Code("x|y", 6),),
        (m.Text("z", 6),),
    ]


def test_a_simple_table_without_header_takes_its_alignments_from_its_first_row() -> None:
    document, _ = read("------- ------\n     12 ab\n    123 abc\n------- ------\n\nNext.\n")
    table, paragraph = document.blocks
    assert isinstance(table, m.Table) and isinstance(paragraph, m.Paragraph)
    assert table.head == ()
    assert table.aligns == ("right", "left")
    cells = [[c.children[0].text for c in row.cells] for row in table.body]
    assert cells == [["12", "ab"], ["123", "abc"]]


def test_text_over_one_line_of_dashes_is_still_a_heading() -> None:
    document, _ = read("A heading\n---------\n\nText.\n")
    assert isinstance(document.blocks[0], m.Heading)


def test_block_syntax_that_cannot_start_a_block_is_a_warning_not_silent_text() -> None:
    source = (
        "Para\n::: note\ntext\n:::\n\n| a | b |\n|---|---|---|\n\nA line\n| and a bar\n\n"
        "+---+---+\n| a | b |\n+===+===+\n"
    )
    _, warnings = read(source)
    assert [(w.location.line, w.message.split(" ")[:2]) for w in warnings] == [
        (5, ["':::'", "is"]),
        (7, ["':::'", "is"]),
        (10, ["this", "table"]),
        (13, ["'|'", "is"]),
        (15, ["a", "grid"]),
        (16, ["'|'", "is"]),
        (17, ["a", "grid"]),
    ]


def test_raw_html_inline_is_sanitized_like_any_raw_html() -> None:
    document, warnings = read('A `<b onclick="x">bold</b><script>bad()</script>`{=html} word.\n')
    [paragraph] = document.blocks
    assert m.HtmlInline("b", (), (m.Text("bold", 4),), 4) in paragraph.children
    assert "bad" not in repr(paragraph)
    assert warnings == []


# The EPUB


def test_the_epub_is_valid(epub_path: Path) -> None:
    assert epubcheck_problems(epub_path) == []


def test_tables_have_their_caption_head_and_alignments(text_page: etree._Element) -> None:
    tables = xpath(text_page, "//x:section[@class='text']//x:table")
    assert len(tables) == 3
    first = tables[0]
    assert first.get("id") == "tbl:correo"
    assert words(xpath(first, "x:caption")[0]) == "Correo del invierno"
    assert [words(th) for th in xpath(first, "x:thead/x:tr/x:th")] == [
        "Mes",
        "Cartas",
        "Sellos",
        "Coste",
    ]
    classes = [td.get("class") for td in xpath(first, "x:tbody/x:tr[1]/x:td")]
    assert classes == ["align-left", "align-center", "align-right", "align-right"]
    assert words(xpath(tables[1], "x:caption")[0]) == "Lo que pesa cada envío"
    assert [words(td) for td in xpath(tables[1], "x:tbody/x:tr/x:td[1]")] == ["Carta", "Paquete"]
    simple = tables[2]
    assert words(xpath(simple, "x:caption")[0]) == "Pliegos del libro"
    assert [th.get("class") for th in xpath(simple, "x:thead/x:tr/x:th")] == [
        "align-right",
        "align-right",
        "align-left",
    ]
    assert [words(td) for td in xpath(simple, "x:tbody/x:tr[2]/x:td")] == ["2", "16", "en prueba"]
    note_table = xpath(text_page, "//x:aside//x:table")
    assert [words(c) for c in xpath(note_table[0], "x:caption")] == ["Gastos del mes"]


def test_divs_line_blocks_and_definitions_are_their_structure(text_page: etree._Element) -> None:
    [epigraph] = xpath(text_page, "//x:div[@class='epigraph']")
    assert words(xpath(epigraph, "x:div[@class='attribution']")[0]) == "Antonio Machado"
    [signature] = xpath(text_page, "//x:div[@id='firma']")
    assert (signature.get("class"), signature.get("lang")) == ("signature", "es")
    address, name = xpath(text_page, "//x:div[@class='line-block']")
    assert len(xpath(address, "x:br")) == 2
    assert address.xpath("string()").splitlines()[2] == "\u00a0" * 4 + "España"
    assert words(name) == "Juan impresor"
    assert [words(dt) for dt in xpath(text_page, "//x:dl/x:dt")] == ["Imprenta", "Corrector"]
    assert words(xpath(text_page, "//x:dl/x:dd")[1]) == "Quien lee las pruebas antes de la tirada."


def test_math_is_mathml_and_the_page_says_so(epub_path: Path, text_page: etree._Element) -> None:
    maths = text_page.iter(MATHML)
    assert [(math.get("display"), math.get("alttext")) for math in maths] == [
        ("inline", r"p = n \cdot c"),
        ("block", r"T = \sum_{i=1}^{n} p_i"),
    ]
    item = OpenedEpub(epub_path).item_with("mathml")
    assert item.get("href") == "text.xhtml"


def test_raw_html_is_kept_sanitized_and_raw_latex_left_out(text_page: etree._Element) -> None:
    text = words(text_page)
    assert "Un párrafo crudo en HTML." in text
    assert xpath(text_page, "//x:b[.='crudo']") and xpath(text_page, "//x:em[.='énfasis']")
    assert not xpath(text_page, "//x:script")
    for syntax in ("alert", "\\", "{=", "Centrado", "machado1912", "vspace"):
        assert syntax not in text


def test_the_text_reads_as_pandocs_html(epub_path: Path, letter: Path) -> None:
    """Pandoc's own HTML of the same file, word for word (math left aside: Pandoc writes
    it its own way). What differs on purpose: Pandoc 2.17 prints a caption's `{#tbl:id}`,
    which the book reads as the table's id."""
    theirs = reader_words(pandoc_html(letter, "--mathml"))
    page = OpenedEpub(epub_path).spine_page("text.xhtml").tree
    [body] = xpath(page, "//x:body")
    ours = reader_words(body)
    assert share_in_order(theirs, ours) >= 0.99, "\n".join(
        difflib.unified_diff(theirs, ours, lineterm="")
    )


# The PDF


def test_the_pdf_prints_the_blocks_not_their_syntax(pdf_path: Path) -> None:
    text = " ".join(page_texts(pdf_path))
    for printed in (
        "Antonio Machado",
        "28014 Madrid",
        "Correo del invierno",
        "Febrero 9 10 2,75",
        "Paquete 450",
        "2 16 en prueba",
        "Imprenta El taller",
        "Un párrafo crudo en HTML.",
        "Un énfasis crudo y una cita en TeX.",
        "Un abrazo,",
    ):
        assert printed in text
    for syntax in ("|", "---", ":::", "{=", "\\", "$p", "Centrado", "alert", "<"):
        assert syntax not in text
    assert "Un precio de $5 y otro de $10" in text


def test_math_is_drawn_in_the_pdf(pdf_path: Path) -> None:
    with pdfplumber.open(pdf_path) as pdf:
        [page] = [p for p in pdf.pages if "La fórmula" in (p.extract_text() or "")]
        # ziamath draws each glyph as a path: the formula is curves, not text.
        assert len(page.curves) >= 8


def test_a_table_a_list_and_raw_html_in_a_note_print_on_the_page_of_its_call(
    pdf_path: Path,
) -> None:
    for words_on_page in pages_words(pdf_path):
        texts = [w.text for w in words_on_page]
        if "Querido" in texts:
            notes = [w.text for w in words_on_page if w.is_note]
            break
    else:
        pytest.fail("the letter's first paragraph is not printed")
    # Raw HTML blocks too: a <p> would end the note's span and spill the rest into the text.
    for word in (
        "Gastos",
        "Papel",
        "40",
        "Tinta",
        "12",
        "subió;",
        "no.",
        "Cifras",
        "provisionales.",
    ):
        assert word in notes


def test_a_quote_or_heading_mark_inside_a_paragraph_is_text_as_in_pandoc() -> None:
    document, _ = read("This should not be a block quote: 2\n> 1.\n\nNor a heading\n# here.\n")

    assert [type(block) for block in document.blocks] == [m.Paragraph, m.Paragraph]


def test_markdown_between_the_tags_of_an_html_block_is_read_as_pandoc_reads_it() -> None:
    document, _ = read(
        "<table>\n<tr>\n<td>This is *emphasized* & <code>*not*</code></td>\n</tr>\n</table>\n"
    )

    (block,) = document.blocks
    assert isinstance(block, m.HtmlBlock)
    assert "<td>This is <em>emphasized</em> &amp; <code>*not*</code></td>" in block.html
