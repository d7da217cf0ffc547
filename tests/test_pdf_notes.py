"""The issue's story: a translator's edition, ~60 A5 pages and 150 notes of every length,
one longer than a page. Every note starts under its call and, when too long, goes on at the
foot of the next page(s), above that page's own notes; none is lost, cut or set over the
text; pages are full.

The book is built once (about 6 s: one layout of 62 pages) and read back with pdfplumber;
the pagination's own figures are read from the writer's log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from publish.writers.engine import LayoutStats
from tests.pdf_helpers import (
    Story,
    Word,
    build_pdf,
    call_after,
    call_token,
    content_box,
    end_token,
    joined,
    note_token,
    pages_words,
    split_page,
    story_document,
    word_before,
)

MARKER = re.compile(r"(\d+)\.")  # a note's number, as its first line prints it


class _Stats(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.stats: list[LayoutStats] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.stats += [arg for arg in record.args or () if isinstance(arg, LayoutStats)]


@pytest.fixture(scope="module")
def story() -> Story:
    return story_document()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, story: Story) -> tuple[Path, LayoutStats]:
    folder = tmp_path_factory.mktemp("story")
    source = folder / "historia.md"
    source.write_text(story.markdown, encoding="utf-8")
    logger, handler = logging.getLogger("publish.writers.engine"), _Stats()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        pdf = build_pdf(source, folder / "historia.pdf")
    finally:
        logger.removeHandler(handler)
    return pdf, handler.stats[-1]


@pytest.fixture(scope="module")
def pages(built: tuple[Path, LayoutStats]) -> list[tuple[list[Word], list[Word]]]:
    """Each page as (text words, note words)."""
    pdf, _ = built
    return [
        split_page(words, top, bottom)
        for words, (top, bottom) in zip(pages_words(pdf), content_box(pdf), strict=True)
    ]


def calls(pages: list[tuple[list[Word], list[Word]]]) -> Iterator[tuple[int, int]]:
    """(note number, page index) of each call, read from the text: C### then its number."""
    for index, (body, _notes) in enumerate(pages):
        for word in body:
            if found := re.fullmatch(r"C(\d{3})", word.text):
                assert call_after(word, body) == str(int(found[1])), f"call {word.text}"
                yield int(found[1]), index


def note_lines(pages: list[tuple[list[Word], list[Word]]]) -> dict[int, dict[int, int]]:
    """How many lines each note prints on each page: {note: {page index: lines}}.

    A page whose notes do not open with a number goes on with the last note of the page
    before.
    """
    lines: dict[int, dict[int, set[int]]] = {}
    number = 0
    for index, (_body, notes) in enumerate(pages):
        for word in notes:
            if found := MARKER.fullmatch(word.text):
                number = int(found[1])
            lines.setdefault(number, {}).setdefault(index, set()).add(round(word.top))
    return {n: {page: len(tops) for page, tops in on.items()} for n, on in lines.items()}


def printed_lines(pages: list[tuple[list[Word], list[Word]]]) -> dict[int, int]:
    """How many lines each note takes in print, across pages."""
    return {number: sum(on.values()) for number, on in note_lines(pages).items()}


def test_the_story_is_a_long_book_with_notes_of_every_length(
    pages: list[tuple[list[Word], list[Word]]],
) -> None:
    lines = printed_lines(pages)
    page_lines = 43  # A5 text area: 482 pt of 11.05 pt note lines

    assert 55 <= len(pages) <= 75
    assert sorted(lines) == list(range(1, 151))
    assert sum(count == 1 for count in lines.values()) >= 60
    assert sum(9 <= count <= 11 for count in lines.values()) >= 8
    assert sum(count > page_lines / 2 for count in lines.values()) >= 6
    assert max(lines.values()) > page_lines


def test_every_note_starts_under_its_call(pages: list[tuple[list[Word], list[Word]]]) -> None:
    seen = dict(calls(pages))

    assert sorted(seen) == list(range(1, 151))
    for number, index in seen.items():
        notes = pages[index][1]
        opening = [w for w in notes if w.text == note_token(number)]
        assert opening, f"note {number} does not start on page {index + 1}, its call's"
        assert word_before(opening[0], notes) == f"{number}.", f"note {number}: wrong number"


def test_a_long_note_goes_on_at_the_top_of_the_next_pages_notes(
    pages: list[tuple[list[Word], list[Word]]],
) -> None:
    ends = {
        int(w.text[1:]): index
        for index, (_body, notes) in enumerate(pages)
        for w in notes
        if re.fullmatch(r"F\d{3}", w.text)
    }
    continued = 0
    for number, index in dict(calls(pages)).items():
        assert ends[number] >= index, f"note {number} ends before its call"
        for later in range(index + 1, ends[number] + 1):
            first = pages[later][1][0]
            assert not MARKER.fullmatch(first.text), f"page {later + 1} opens with {first.text}"
            continued += 1
    assert continued >= 8  # the long notes, and more


def test_no_note_is_lost_or_cut_and_none_is_printed_twice(
    story: Story, pages: list[tuple[list[Word], list[Word]]]
) -> None:
    printed = joined([w.text for _body, notes in pages for w in notes])
    expected = [word for n in sorted(story.notes) for word in (f"{n}.", *story.notes[n])]

    assert printed == expected


def test_notes_never_overlap_the_text(pages: list[tuple[list[Word], list[Word]]]) -> None:
    for index, (body, notes) in enumerate(pages):
        if body and notes:
            gap = min(w.top for w in notes) - max(w.bottom for w in body)
            assert gap > 6, f"page {index + 1}: notes {gap:.1f} pt from the text"


def test_every_page_but_the_last_is_full(
    built: tuple[Path, LayoutStats], pages: list[tuple[list[Word], list[Word]]]
) -> None:
    boxes = content_box(built[0])

    for index, ((body, notes), (top, bottom)) in enumerate(zip(pages[:-1], boxes, strict=False)):
        text = max(w.bottom for w in body) - top if body else 0
        foot = bottom - min(w.top for w in notes) if notes else 0
        assert (text + foot) / (bottom - top) >= 0.8, f"page {index + 1} is not full"


def test_a_heading_is_never_alone_at_the_foot_of_a_page(
    pages: list[tuple[list[Word], list[Word]]],
) -> None:
    for index, (body, _notes) in enumerate(pages):
        for heading in (w for w in body if w.text == "Parte"):
            below = [w for w in body if w.is_body and w.top > heading.bottom + 2]
            assert len({round(w.top) for w in below}) >= 2, f"page {index + 1}: heading alone"


def test_a_note_breaks_between_lines_keeping_two_on_each_page(
    pages: list[tuple[list[Word], list[Word]]],
) -> None:
    broken = {n: on for n, on in note_lines(pages).items() if len(on) > 1}

    assert len(broken) >= 8
    for number, on in broken.items():
        assert min(on.values()) >= 2, f"note {number}: {on}"


def test_the_writer_counts_the_notes_it_continued(
    built: tuple[Path, LayoutStats], pages: list[tuple[list[Word], list[Word]]]
) -> None:
    _, stats = built

    assert stats.pages == len(pages)
    assert stats.continued_notes == sum(len(on) > 1 for on in note_lines(pages).values())


def test_a_continued_note_keeps_its_number_for_the_notes_after_it(
    pages: list[tuple[list[Word], list[Word]]],
) -> None:
    markers = [w.text for _body, notes in pages for w in notes if re.fullmatch(r"\d+\.", w.text)]

    assert markers == [f"{n}." for n in range(1, 151)]


def test_tokens_are_what_the_story_says(story: Story) -> None:
    assert story.notes[7][0] == note_token(7) and story.notes[7][-1] == end_token(7)
    assert call_token(7) in story.markdown


# Cutting a note's element (unit tests: no layout)
