"""A note is more than a paragraph: paragraphs, bullet and numbered lists (nested), a
quotation, code and a thematic break all print inside the page footnote, under the note's
call, with their markers and indents, as the e-book shows them; a note with a long list
breaks across pages like any other and keeps counting."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pdfplumber
import pytest

from tests.epub_helpers import OpenedEpub, build_epub
from tests.pdf_helpers import (
    Word,
    build_pdf,
    call_after,
    content_box,
    pages_words,
    split_page,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "notes-every-block.md"


@pytest.fixture(scope="module")
def every_block(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The fixture of notes of every block, built to a PDF and an EPUB."""
    folder = tmp_path_factory.mktemp("blocks")
    source = Path(shutil.copy(FIXTURE, folder / FIXTURE.name))
    return build_pdf(source, folder / "notes.pdf"), build_epub(source)


def lines(words: list[Word]) -> list[str]:
    """The printed lines, top to bottom, spaces left out (a marker's gap to its item is not
    always a space in the text layer); a superscript or a marker sits within 3 pt of its line."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.bottom):
        if rows and word.bottom - rows[-1][0].bottom < 3:
            rows[-1].append(word)
        else:
            rows.append([word])
    return ["".join(w.text for w in sorted(row, key=lambda w: w.x0)) for row in rows]


def line(text: str) -> str:
    return text.replace(" ", "")


def test_every_block_of_a_note_prints_in_the_page_footnote(every_block) -> None:
    pdf, _epub = every_block
    calls: list[str | None] = []
    printed: list[str] = []  # the notes' lines, page after page
    for words, (top, bottom) in zip(pages_words(pdf), content_box(pdf), strict=True):
        body, _notes = split_page(words, top, bottom)
        called = ("blocks", "paragraph", "list", "HTML")
        calls += [call_after(w, body) for w in body if w.text in called]
        below = max(w.bottom for w in body)
        printed += lines([w for w in words if below < w.top < bottom])  # the folio left out

    assert [call for call in calls if call] == ["1", "2", "3", "4"]
    assert line("1. The note opens with a paragraph, quite an ordinary one.") in printed
    assert line("A second paragraph of the note.") in printed
    # Bullets, nested bullets and numbers, each on its own line before its item.
    assert line("• a bullet item") in printed
    assert line("◦ a nested bullet") in printed
    assert line("• a third bullet") in printed
    assert line("3. the third point, numbered as written") in printed  # the list starts at 3
    assert line("4. the fourth point") in printed
    assert line("1. a nested first") in printed
    assert line("code, line one") in printed and line("code, line two") in printed
    assert line("*") in printed  # the thematic break
    assert line("2. second, and the last.") in printed
    # A heading and raw HTML: blocks of the note too, not of the text.
    assert printed[-5:] == [
        line(text)
        for text in (
            "4. A note with a heading.",
            "The heading of a note",
            "A raw paragraph.",
            "• a raw item",
            "The note’s last words.",  # typographic apostrophe
        )
    ]
    # A note that opens with a quotation or a list: its number on the block's first line.
    assert line("2. Only a quotation, from a letter.") in printed
    assert line("3. 1. first, a loose item.") in printed


def test_the_markers_hang_in_the_indent_as_in_a_book(every_block) -> None:
    pdf, _epub = every_block
    with pdfplumber.open(pdf) as document:
        chars = document.pages[0].chars

    def x_of(text: str, after: float = 0) -> float:
        """Where the first line starting with `text` (below `after`) begins."""
        for index, char in enumerate(chars):
            run = "".join(c["text"] for c in chars[index : index + len(text)])
            if run == text and char["top"] > after:
                return char["x0"]
        raise AssertionError(f"{text!r} is not printed")

    note = x_of("The note opens")
    bullet, item = x_of("•"), x_of("a bullet item")
    nested, nested_item = x_of("◦"), x_of("a nested bullet")
    quotation = x_of("A quotation inside")

    assert note < bullet < item < nested < nested_item  # deeper lists sit further in
    assert note < quotation  # the quotation is indented


def test_the_ebook_has_the_same_blocks_in_its_notes(every_block) -> None:
    _pdf, epub = every_block
    page = OpenedEpub(epub).spine_page("text.xhtml")
    note = page.by_id("fn-1")
    tags = {element.tag.rpartition("}")[2] for element in note.iter()}

    assert {"ul", "ol", "li", "blockquote", "pre", "hr"} <= tags
    assert note.xpath("string(.//*[local-name()='ol'][1]/@start)") == "3"
    raw = page.by_id("fn-4")
    assert {"h3", "div", "p", "ul"} <= {element.tag.rpartition("}")[2] for element in raw.iter()}


def long_list_document() -> str:
    filler = " ".join(
        ["The letter came late to the congress and the comrades argued for hours."] * 14
    )
    items = "\n".join(
        f"    {n}. item I{n:02d}, with a few words to fill its line." for n in range(1, 61)
    )
    return (
        "---\ntitle: A long note with a list\nlang: en\n---\n\n"
        f"{filler}\n\n{filler} Here is the call[^list] and the end. {filler}\n\n{filler}\n\n"
        f"[^list]: The note opens with a paragraph.\n\n{items}\n\n"
        "    > A closing quotation in the note.\n"
    )


def test_a_note_with_a_long_list_breaks_across_pages_and_goes_on_counting(tmp_path) -> None:
    source = tmp_path / "long.md"
    source.write_text(long_list_document(), encoding="utf-8")
    pdf = build_pdf(source, tmp_path / "long.pdf")
    pages = [
        split_page(words, top, bottom)
        for words, (top, bottom) in zip(pages_words(pdf), content_box(pdf), strict=True)
    ]

    call_page = next(i for i, (body, _) in enumerate(pages) if any(w.text == "call" for w in body))
    # (page, number printed, item) for each item of the list: "35. item I35,"
    items = [
        (page, int(number), int(item))
        for page, (_, notes) in enumerate(pages)
        for number, item in re.findall(
            r"(\d+)\.\s*item\s*I(\d\d),", " ".join(w.text for w in notes)
        )
    ]

    assert [item for _, _, item in items] == list(range(1, 61))  # each once, in order
    assert all(number == item for _, number, item in items)  # counted on over the break
    on = sorted({page for page, _, _ in items})
    assert on[0] == call_page and len(on) >= 2, "the note starts under its call and goes on"
