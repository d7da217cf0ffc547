"""Hostile text: what would once have been lost silently (a paragraph near the size limit,
markup nested hundreds deep) or cost minutes (thousands of unclosed tags, '[' left open, a
long title on the drawn cover) either reaches both books whole, quickly, or ends in one
clean `path:line` error with exit 1; never in a traceback or a RecursionError.

Speed is measured by bench/hostile.py, not here: the inputs are sized so that the
quadratic versions would take minutes, and the linear ones take a second."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import html

from publish import model as m
from publish.cover import MEASURE, Style, fit, project_fonts
from publish.reader import MAX_NESTING, parse_document
from tests.conftest import epubcheck_problems
from tests.pdf_helpers import page_texts

HEAD = "---\ntitle: Hostile text\n---\n\n"  # the body starts on line 5
TOO_DEEP = f"nested deeper than {MAX_NESTING} levels"


def epub_text(epub: Path) -> str:
    with zipfile.ZipFile(epub) as book:
        pages = [n for n in book.namelist() if n.endswith(".xhtml")]
        return " ".join(" ".join(html.fromstring(book.read(n)).itertext()) for n in pages)


def assert_one_error(result, where: str, message: str) -> None:
    told = result.out + result.err
    assert result.code == 1, told
    assert "Traceback" not in told and "RecursionError" not in told, told
    errors = [line for line in result.err.splitlines() if ": warning: " not in line]
    assert len(errors) == 1, told
    assert errors[0].startswith(f"{where}: ") and message in errors[0], told


# Class 5: text silently lost


def test_a_paragraph_near_the_size_limit_is_an_error_not_an_empty_paragraph(
    project, run_cli
) -> None:
    # 9.9 MB in one paragraph: libxml2 (under ebooklib) keeps no text node over 10,000,000
    # characters, and the EPUB got an empty <p/> with exit 0.
    (project / "source" / "big.md").write_text(HEAD + "word " * 1_980_000 + "the end\n")

    result = run_cli("build", "source/big.md")

    assert_one_error(result, "source/big.md:5", "may hold at most 1,000,000")
    assert not (project / "build" / "big.epub").exists()


NESTED = {
    # the input, and the line the error must name
    "raw HTML divs, 300 deep": (
        "Before.\n\n<div>\n" + "<div>" * 300 + "deep" + "</div>" * 300 + "\n</div>\n\nAfter.\n",
        7,
    ),
    "quotations, 100 deep": ("Before.\n\n" + "> " * 100 + "deep\n\nAfter.\n", 7),
    "quotations, 10,000 deep": ("> " * 10_000 + "deep\n", 5),
    "lists, 40 deep": ("".join("  " * i + "- item\n" for i in range(40)), 29),
    "lists, 30 deep": ("".join("  " * i + "- item\n" for i in range(30)), 30),
    "fenced divs, 60 deep": ("::: d\n" * 60 + "deep\n" + ":::\n" * 60, 55),
    "emphasis, 300 asterisks": ("*" * 300 + "deep" + "*" * 300 + "\n", 5),
    "inline HTML, 500 spans": ("x " + "<span>" * 500 + "deep" + "</span>" * 500 + "\n", 5),
    "inline HTML, 5,000 spans": ("x " + "<b>" * 5000 + "deep" + "</b>" * 5000 + "\n", 5),
    "raw inline HTML, 500 spans": ("`" + "<i>" * 500 + "deep" + "</i>" * 500 + "`{=html}\n", 5),
    "HTML in a note, 200 deep": ("A call[^1].\n\n[^1]: " + "<em>" * 200 + "x" + "</em>" * 200, 7),
    "quotations holding HTML": ("> " * 30 + "<em>" * 30 + "deep" + "</em>" * 30 + "\n", 5),
    "a raw HTML block, 20,000 deep": ("<div>\n" + "<div>" * 20_000 + "deep\n</div>\n", 5),
}


@pytest.mark.parametrize("body, line", NESTED.values(), ids=NESTED.keys())
def test_text_nested_too_deep_is_an_error_at_its_line(body, line, write_source, run_cli) -> None:
    # markdown-it stopped reading past 20 levels, libxml2 past 256, and the reader's
    # recursion past a few hundred: the rest of the chapter was lost, or a traceback.
    write_source("deep.md", HEAD + body)

    assert_one_error(run_cli("check", "source/deep.md"), f"source/deep.md:{line}", TOO_DEEP)


def test_text_nested_within_the_limit_reaches_both_books_whole(
    write_source, project, run_cli
) -> None:
    quotes = "> " * 45 + "the deepest quotation\n\n"
    spans = "> " * 20 + "<span>" * 28 + "the deepest span" + "</span>" * 28 + "\n\n"
    note = "A call[^1].\n\n[^1]: " + "<em>" * 45 + "the deepest note" + "</em>" * 45 + "\n\n"
    write_source("deep.md", HEAD + quotes + spans + note + "The rest of the chapter.\n")

    assert run_cli("build", "source/deep.md").code == 0

    epub, pdf = project / "build" / "deep.epub", project / "build" / "deep.pdf"
    printed = " ".join(page_texts(pdf))
    for words in ("the deepest quotation", "the deepest span", "the deepest note", "the rest"):
        assert words in epub_text(epub).lower() and words in printed.lower()
    assert epubcheck_problems(epub) == []


def test_a_word_wider_than_the_page_is_broken_in_print_not_lost(
    write_source, project, run_cli
) -> None:
    # Once one line running off the page; broken as WeasyPrint does it, a time that grows
    # with the square of the word's length: now it may break every 30 characters.
    write_source(
        "word.md", HEAD + "Before " + "q" * 20_000 + " after.\n\n```\n" + "z" * 5000 + "\n```\n"
    )

    assert run_cli("build", "source/word.md").code == 0

    printed = "".join(page_texts(pdf := project / "build" / "word.pdf")).replace(" ", "")
    assert printed.count("q") == 20_000 and printed.count("z") == 5000
    assert len(page_texts(pdf)) > 5  # on pages of their own, not past the margin
    assert epub_text(project / "build" / "word.epub").count("q" * 20_000) == 1


def test_a_source_too_deep_for_markdown_it_is_refused_before_its_tree_is_built() -> None:
    # The syntax tree and the model were built by recursion: 2,000 asterisks each side made
    # a RecursionError in the reader.
    with pytest.raises(Exception, match=TOO_DEEP):
        parse_document(HEAD + "*" * 2000 + "x" + "*" * 2000 + "\n", "em.md", lambda _w: None)


def test_a_model_1000_deep_is_walked_without_recursion() -> None:
    block: m.Block = m.Paragraph((m.Text("deep", 1),), 1)
    for _ in range(1000):
        block = m.BlockQuote((block,), 1)
    meta = parse_document(HEAD + "x\n", "a.md", lambda _w: None).meta
    document = m.Document("a.md", meta, (block,), ())

    nodes = list(m.walk(document))

    assert len(nodes) == 1002 and isinstance(nodes[-1], m.Text)


# Class 6: small inputs that cost minutes


def test_thousands_of_unclosed_inline_tags_are_matched_in_one_pass(
    write_source, project, run_cli
) -> None:
    # Each unclosed tag looked for its end among all the tags after it: 4,000 took 34 s,
    # 20,000 would take fifteen minutes.
    write_source("open.md", HEAD + "x " + "<b>a <i>b </span>c " * 7000 + "the last words\n")

    assert run_cli("build", "source/open.md", "--format", "epub").code == 0

    assert "the last words" in epub_text(project / "build" / "open.epub")


def test_inline_tags_are_matched_as_before() -> None:
    text = "<b>one <i>two</b> three</i> <span>four <span>five</span> six</span> <sup>x\n"
    (paragraph,) = parse_document(HEAD + text, "a.md", lambda _w: None).blocks

    b, span = (n for n in paragraph.children if isinstance(n, m.HtmlInline))
    # <i> closes outside the <b> that holds it, and <sup> never: left out, their words kept.
    assert b.tag == "b" and [c.text for c in b.children] == ["one ", "two"]
    assert span.tag == "span" and [getattr(c, "tag", None) for c in span.children] == [
        None,
        "span",
        None,
    ]
    words = [c.text for c in paragraph.children if isinstance(c, m.Text)]
    assert " three" in words and "x" in words


@pytest.mark.parametrize("opening", ["[a ", "![a ", "[^a ", "^[a "])
def test_thousands_of_open_brackets_are_an_error_not_minutes(
    opening, write_source, run_cli
) -> None:
    # Each '[' left open was read to the end of its paragraph, by three rules.
    write_source("open.md", HEAD + "x " + opening * 20_000 + "\n")

    assert_one_error(run_cli("check", "source/open.md"), "source/open.md:5", "too many '['")


def test_brackets_that_close_are_read_as_before(write_source, run_cli) -> None:
    links = "[a](#x) [b]{.smallcaps} [c] [^n] ^[inline] " * 2000
    write_source("fine.md", HEAD + "# X {#x}\n\n" + links + "\n\n[^n]: A note.\n")

    assert run_cli("check", "source/fine.md").code == 0


def test_a_long_title_is_drawn_quickly_and_a_longer_one_is_an_error_at_its_line(
    write_source, project, run_cli
) -> None:
    # A title of 20,000 letters took minutes on the drawn cover: each size was tried with
    # every letter measured; now only what can be drawn is set.
    write_source("word.md", "---\ntitle: " + "x" * 1999 + "\n---\n\nText.\n")
    write_source("words.md", "---\ntitle: " + ("word " * 400)[:1999] + "\n---\n\nText.\n")
    write_source("long.md", "---\nlang: en\ntitle: " + "word " * 20_000 + "\n---\n\nText.\n")

    assert run_cli("build", "source/word.md", "source/words.md", "--format", "epub").code == 0
    assert_one_error(
        run_cli("check", "source/long.md"), "source/long.md:3", "'title' holds 99,999 characters"
    )


def test_the_cover_sets_only_the_lines_it_can_draw() -> None:
    fonts = project_fonts(None)
    style = Style(fonts.bold, 180, 72, 6)
    for title in ("x" * 200_000, "\u200b" * 200_000, "word " * 50_000):
        block = fit([title], style, 1000)
        assert 1 <= len(block.lines) <= 6
        assert all(block.font.getlength(line) <= MEASURE for line in block.lines[:-1])


HEADER_AND_HTML = {
    "emphasis 2,000 deep in 'source'": (
        '---\ntitle: T\nsource: "' + "*" * 2000 + "x" + "*" * 2000 + '"\n---\n\nx\n',
        3,
        TOO_DEEP,
    ),
    "20,000 '[' open in 'abstract'": (
        '---\ntitle: T\nabstract: "' + "[a " * 20_000 + '"\n---\n\nx\n',
        3,
        "too many '['",
    ),
    "20,000 '[' open in an HTML block": (
        HEAD + "<div>\n" + "[a " * 20_000 + "\n</div>\n",
        5,
        "too many '['",
    ),
}


@pytest.mark.parametrize("text, line, message", HEADER_AND_HTML.values(), ids=HEADER_AND_HTML)
def test_header_fields_and_html_blocks_are_held_to_the_same_limits(
    text, line, message, project, run_cli
) -> None:
    # Their Markdown is read apart from the body's: once a RecursionError, or minutes.
    (project / "source" / "odd.md").write_text(text)

    assert_one_error(run_cli("check", "source/odd.md"), f"source/odd.md:{line}", message)
