"""Figures in print: one that does not fit under the text waits for the next page, and the
text flows on before it, as LaTeX and InDesign place a float.

WeasyPrint 70 has no page floats (GCPM's `float: top`): a figure, which is never parted
from its caption (`break-inside: avoid`), moves whole to the next page and leaves the rest
of its page empty. So after the first layout each such figure is moved, in the document,
after the paragraphs that fill the room it left, and the book is laid out once more. The
first paragraph that does not fit whole may break across the two pages: the figure then
follows it.

This reads WeasyPrint's layout boxes (no public accessor); without them, figures stay where
WeasyPrint put them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from weasyprint.document import Document as LaidOut
from weasyprint.formatting_structure import boxes

log = logging.getLogger(__name__)

MIN_ROOM_LINES = 3  # less room than this under the text is not worth filling
LINE_PX = 16.0  # a line when none is found to measure (CSS px)
# The text a figure never moves past: a new section, a heading, another float, a break.
BARRIERS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "section", "hr", "figure", "table"})


@dataclass(frozen=True, slots=True)
class Fragment:
    """Where one element's block lies on one page, in CSS px from the page's top."""

    page: int
    top: float
    bottom: float


def move_figures(root: Element, laid_out: LaidOut) -> int:
    """Move each figure pushed to the next page after the text that fills its room.
    Returns how many moved (0: the layout stands)."""
    try:
        moves = list(_deferred(root, laid_out))
    except AttributeError as exc:  # another WeasyPrint's boxes: figures stay as laid out
        log.info("figures stay in place: %s", exc)
        return 0
    parents = {child: parent for parent in root.iter() for child in parent}
    for figure, after in moves:
        parent = parents[figure]
        parent.remove(figure)
        parent.insert(list(parent).index(after) + 1, figure)
    return len(moves)


def is_float(element: Element) -> bool:
    """A figure, or an image alone in its paragraph (set like one)."""
    classes = element.get("class", "").split()
    return element.tag == "figure" or (element.tag == "p" and "image" in classes)


def _deferred(root: Element, laid_out: LaidOut) -> Iterator[tuple[Element, Element]]:
    fragments = _fragments(laid_out)
    bottoms = [_text_bottom(page._page_box) for page in laid_out.pages]
    for parent in root.iter():
        siblings = list(parent)
        for index, figure in enumerate(siblings[1:], start=1):
            before = fragments.get(id(siblings[index - 1]))
            placed = fragments.get(id(figure))
            if not (is_float(figure) and before and placed):
                continue
            page = before[-1].page
            room = bottoms[page] - before[-1].bottom
            if placed[0].page != page + 1 or room < MIN_ROOM_LINES * _line(laid_out, page):
                continue
            after = _filling(siblings[index + 1 :], fragments, room)
            if after is not None:
                yield figure, after


def _fragments(laid_out: LaidOut) -> dict[int, list[Fragment]]:
    """Each element's block fragments, page by page, keyed by the element's id(): the
    outermost box of each page (its anonymous boxes inside share its element)."""
    found: dict[int, list[Fragment]] = {}
    for number, page in enumerate(laid_out.pages):
        for box in page._page_box.descendants():
            if not isinstance(box, boxes.BlockBox) or box.element is None:
                continue
            fragments = found.setdefault(id(box.element), [])
            if not fragments or fragments[-1].page != number:
                top = box.position_y
                fragments.append(Fragment(number, top, top + box.margin_height()))
    return found


def _text_bottom(page_box: boxes.PageBox) -> float:
    """How low the text may reach: the page area's bottom, or the top of its notes."""
    bottom = page_box.content_box_y() + page_box.height
    for area in page_box.children:
        if isinstance(area, boxes.FootnoteAreaBox) and area.children:
            bottom = min(bottom, area.position_y)
    return bottom


def _line(laid_out: LaidOut, page: int) -> float:
    lines = (
        box.height
        for box in laid_out.pages[page]._page_box.descendants()
        if isinstance(box, boxes.LineBox) and box.height
    )
    return next(lines, LINE_PX)


def _filling(
    following: list[Element], fragments: dict[int, list[Fragment]], room: float
) -> Element | None:
    """The last of the paragraphs after a figure that go in `room`: whole ones, or the first
    one, broken across the pages, when not even it fits whole."""
    last = None
    for element in following:
        parts = fragments.get(id(element))
        if element.tag in BARRIERS or is_float(element) or not parts:
            break
        height = sum(part.bottom - part.top for part in parts)
        if height > room:
            return last if last is not None or element.tag != "p" else element
        room -= height
        last = element
    return last
