"""Figures in print: one that does not fit under the text waits for the next page, and the
text flows on before it, as LaTeX and InDesign place a float.

WeasyPrint 70 has no page floats (GCPM's `float: top`): a figure, which is never parted
from its caption (`break-inside: avoid`), moves whole to the next page and leaves the rest
of its page empty. So after the first layout each such figure is moved, in the document,
after the paragraphs that fill the room it left, and the book is laid out once more. The
first paragraph that does not fit whole may break across the two pages: the figure then
follows it.

The blocks as laid out come from the engine (`engine.page_blocks`); on a WeasyPrint the
engine does not know, figures stay where WeasyPrint put them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from publish.writers.engine import PageBlocks

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


def move_figures(root: Element, measure: Callable[[], Sequence[PageBlocks] | None]) -> int:
    """Move each figure pushed to the next page after the text that fills its room.
    `measure` gives the layout's blocks, asked only when the document has a figure (it
    walks every box of every page). Returns how many moved (0: the layout stands)."""
    if not any(is_float(element) for element in root.iter()):
        return 0
    pages = measure()
    if not pages:
        return 0
    moves = list(_deferred(root, pages))
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


def _deferred(root: Element, pages: Sequence[PageBlocks]) -> Iterator[tuple[Element, Element]]:
    fragments = _fragments(pages)
    for parent in root.iter():
        siblings = list(parent)
        for index, figure in enumerate(siblings[1:], start=1):
            before = fragments.get(id(siblings[index - 1]))
            placed = fragments.get(id(figure))
            if not (is_float(figure) and before and placed):
                continue
            page = pages[before[-1].page]
            room = page.text_bottom - before[-1].bottom
            if placed[0].page != before[-1].page + 1:
                continue
            if room < MIN_ROOM_LINES * (page.line or LINE_PX):
                continue
            after = _filling(siblings[index + 1 :], fragments, room)
            if after is not None:
                yield figure, after


def _fragments(pages: Sequence[PageBlocks]) -> dict[int, list[Fragment]]:
    """Each element's block fragments, page by page, keyed by the element's id()."""
    found: dict[int, list[Fragment]] = {}
    for number, page in enumerate(pages):
        for element, top, bottom in page.blocks:
            found.setdefault(id(element), []).append(Fragment(number, top, bottom))
    return found


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
