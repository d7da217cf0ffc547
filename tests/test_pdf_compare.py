"""The PDF content comparison the chapter-parallel PDF is checked with: a book's PDF is
the same as itself, and an edit to one chapter is found and named."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from publish import api
from tests.pdf_compare import Link, assert_same_content, content_differences, pdf_content

CHAPTER = """\
---
title: "{title}"
author: Mary Wollstonecraft
---

{body}
"""

# Enough prose for a chapter of two or three A5 pages.
PARAGRAPH = (
    "It is vain to expect virtue from women till they are in some degree independent of "
    "men; nay, it is vain to expect that strength of natural affection which would make "
    "them good wives and mothers. Whilst they are absolutely dependent on their husbands "
    "they will be cunning, mean, and selfish, and the men who can be gratified by the "
    "fawning fondness of spaniel-like affection have not much delicacy. "
)


def chapter(number: int, changed_word: str = "garden", heading: bool = True) -> str:
    parts = [PARAGRAPH * 3 for _ in range(6)]
    parts.insert(3, f"The {changed_word} of the argument, see [the first](capitulo-1.md).[^1]")
    if heading:
        parts.insert(2, f"## Of the duties of chapter {number}")
    parts.append("[^1]: A note, and <https://standardebooks.org>.")
    return CHAPTER.format(title=f"Chapter {number}", body="\n\n".join(parts))


def make_book(folder: Path, **second_chapter: object) -> Path:
    """A project with a book of three chapters; `second_chapter` changes chapter 2."""
    book = folder / "source" / "libro"
    book.mkdir(parents=True)
    (folder / "publish.toml").write_text("")
    for number in (1, 2, 3):
        changes = second_chapter if number == 2 else {}
        (book / f"capitulo-{number}.md").write_text(chapter(number, **changes))
    (book / "book.yaml").write_text(
        textwrap.dedent("""\
            title: "A Short Vindication"
            author: Mary Wollstonecraft
            lang: en-GB
            documents: [capitulo-1.md, capitulo-2.md, capitulo-3.md]
            """)
    )
    return book


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The book's PDF as written, with one word of chapter 2 changed, and with chapter 2's
    heading removed: real builds, once for the module."""
    variants = {
        "book": {},
        "word": {"changed_word": "orchard"},
        "heading": {"heading": False},
    }
    built = {}
    for name, changes in variants.items():
        folder = tmp_path_factory.mktemp(name)
        book = make_book(folder, **changes)
        (pdf,) = api.build(book, folder / "out", ("pdf",))
        built[name] = pdf
    return built


def test_a_pdf_has_the_same_content_as_itself(pdfs) -> None:
    assert_same_content(pdfs["book"], pdfs["book"])


def test_the_content_holds_what_a_reader_and_a_printer_see(pdfs) -> None:
    content = pdf_content(pdfs["book"])

    assert len(content.texts) == len(content.labels) == len(content.boxes) >= 6
    titles = [title for title, _page, _children in content.outline]
    assert titles[-3:] == ["Chapter 1", "Chapter 2", "Chapter 3"]
    chapter_2 = content.outline[-2]
    assert chapter_2[2][0][0] == "Of the duties of chapter 2"
    assert "Chapter 2" in content.texts[chapter_2[1]]
    assert ("uri", "https://standardebooks.org") in {link.target for link in content.links}
    to_chapter_1 = {link.target for link in content.links if link.target[0] == "page"}
    assert ("page", content.outline[-3][1]) in {target[:2] for target in to_chapter_1}
    assert dict(content.destinations)  # the notes, the chapters, the headings
    assert content.boxes[0].media == content.boxes[0].trim


def test_a_changed_word_is_named_with_its_page(pdfs) -> None:
    with pytest.raises(AssertionError) as failed:
        assert_same_content(pdfs["book"], pdfs["word"])

    message = str(failed.value)
    page = next(i for i, text in enumerate(pdf_content(pdfs["word"]).texts) if "orchard" in text)
    assert f"text: page {page + 1} (index {page}) differs" in message
    assert "garden" in message and "orchard" in message
    assert "outline" not in message
    assert len(message.splitlines()) < 12  # a readable diff, not a dump


def test_a_removed_heading_is_named_in_the_outline(pdfs) -> None:
    with pytest.raises(AssertionError) as failed:
        assert_same_content(pdfs["book"], pdfs["heading"])

    message = str(failed.value)
    assert "outline: entry" in message
    assert "Chapter 2 > Of the duties of chapter 2" in message
    assert len(message.splitlines()) < 20


def test_links_destinations_labels_and_boxes_name_their_first_difference(pdfs) -> None:
    content = pdf_content(pdfs["book"])
    moved = Link(content.links[0].page, content.links[0].rect, ("page", 0, 10.0))
    name, page = content.destinations[0]
    box = dataclasses.replace(content.boxes[1], trim=(1.0, 1.0, 2.0, 2.0))
    changed = dataclasses.replace(
        content,
        links=(moved, *content.links[1:]),
        destinations=((name, page + 1), *content.destinations[1:]),
        labels=("i", "vii", *content.labels[2:]),
        boxes=(content.boxes[0], box, *content.boxes[2:]),
    )

    problems = content_differences(content, changed)

    assert [problem.split(":", 1)[0] for problem in problems] == [
        "page labels",
        f"named destination {name!r}",
        "links",
        "page boxes",
    ]
    assert f"links: the first difference is on page index {moved.page}" in problems[2]
    assert "page boxes: page index 1 differs" in problems[3]


def test_a_link_is_the_same_whichever_way_its_target_is_written(pdfs, tmp_path) -> None:
    """A named destination, an explicit one, a GoTo action by name or explicit: the same
    page and place, the same content (an assembled PDF may write its links otherwise)."""
    writer = PdfWriter(clone_from=pdfs["book"])
    content = pdf_content(pdfs["book"])
    contents_page = content.links[0].page
    links = [a.get_object() for a in writer.pages[contents_page]["/Annots"]]
    name = str(links[0]["/Dest"])
    _, page, top = content.links[0].target
    explicit = ArrayObject(
        [
            writer.pages[page].indirect_reference,
            NameObject("/XYZ"),
            FloatObject(56.7),
            FloatObject(top),
            NumberObject(0),
        ]
    )
    del links[0]["/Dest"], links[1]["/Dest"], links[2]["/Dest"]
    links[0][NameObject("/Dest")] = explicit
    links[1][NameObject("/A")] = _go_to(TextStringObject(name))
    links[2][NameObject("/A")] = _go_to(explicit)
    rewritten = tmp_path / "rewritten.pdf"
    writer.write(rewritten)

    assert_same_content(pdfs["book"], rewritten)


def _go_to(destination: object) -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): destination})
