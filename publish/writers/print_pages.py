"""This book's print pages in its EPUB (`page-list: print`): where each page of the PDF
begins, found from the PDF's layout in the same build, is marked in the EPUB's text
(`epub:type="pagebreak"`) and listed in its nav's `page-list`, so that a reader of the EPUB
can cite the page of the printed book.

The two outputs are matched by their words, not by counting: each printed page is known
by its first words (`PrintPage`), and the EPUB's text, read in order, is searched for them
from where the page before was found. Words are compared as letters and digits alone,
case-folded, so punctuation, quotes and a word the PDF hyphenated at a line's end (rejoined
here) do not count; the notes, note calls, the original's page markers and generated text
are left out on both sides. A page whose words cannot be found (its text is not in the
EPUB: an endnote page of the PDF) has no entry.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

WORDS_KEPT = 12  # the words of a page kept to find it by
KEY_WORDS = 8  # a page is found where this many of its first words stand in a row
MIN_KEY_WORDS = 4  # or, failing that, this many
MAX_SKIPPED = WORDS_KEPT - MIN_KEY_WORDS  # first words of a page the EPUB lacks (a header)
SEARCH_WORDS = 4000  # how far past the page before a page's words are looked for
# A line the layout hyphenated ends with WeasyPrint's hyphenate-character (U+2010); a hyphen
# the text itself has (U+002D) is kept.
LAYOUT_HYPHEN = "\u2010"
MARKER_ID = "print-page-{}"

_WORD = re.compile(r"[^\W_](?:[^\W_]|\u00ad)*")
_OPS = "{http://www.idpf.org/2007/ops}"
_XHTML = "{http://www.w3.org/1999/xhtml}"
# What is not compared, in either book: the notes and their calls, the original's page
# markers (printed inline, in the margin or not at all), figures (print floats them to the
# top of a later page; the EPUB keeps them in place), and math (an image in print, MathML
# in the EPUB).
_LEFT_OUT_TAGS = {"head", "script", "style", "nav", "figure", "math"}
_LEFT_OUT_TYPES = {"noteref", "footnote", "footnotes", "endnote", "endnotes", "pagebreak"}
_LEFT_OUT_CLASSES = {"notes", "note", "pag", "note-back"}
# In print: the notes (floated to the page's foot), a note's later calls, the calls of the
# notes printed after the text and those notes (templates/print/section.html.j2).
_LEFT_OUT_IN_PRINT = {"pag", "footnote", "footnote-again", "endnote-call", "endnotes"}
_INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark",
    "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "sup", "time",
    "u", "var", "wbr",
}  # fmt: skip
# Where an empty marker may stand between blocks (a `ul` or a `table` may not hold it).
_FLOW_PARENTS = {"body", "section", "article", "div", "blockquote", "aside", "header",
                 "footer", "figure", "li", "dd", "td", "th"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PrintPage:
    """A page of the PDF: its folio as printed ("12"), and the first words that begin on it
    (case-folded letters and digits)."""

    label: str
    words: tuple[str, ...]


def _folded(word: str) -> str:
    """A word as compared: its letters and digits (no soft hyphen), case-folded."""
    return word.replace("\u00ad", "").casefold()


def pages_from_lines(page_lines: Sequence[Sequence[str]], labels: Sequence[str]) -> list[PrintPage]:
    """Each page's label and first words, from its lines of running text (`page_lines`,
    as the engine reads them from the layout). A word the layout hyphenated across a line's
    end (or a page's) is one word, of the page where it begins."""
    text: list[str] = []
    starts = []  # where each page's text begins in `text`
    length = 0
    for lines in page_lines:
        starts.append(length)
        for line in lines:
            piece = line[:-1] if _hyphenated(line) else line + "\n"
            text.append(piece)
            length += len(piece)
    flow = "".join(text)
    found: dict[int, list[str]] = defaultdict(list)
    for match in _WORD.finditer(flow):
        page = bisect.bisect_right(starts, match.start()) - 1
        if len(found[page]) < WORDS_KEPT:
            found[page].append(_folded(match.group()))
    return [PrintPage(label, tuple(found[index])) for index, label in enumerate(labels)]


def _hyphenated(line: str) -> bool:
    return len(line) > 1 and line[-1] == LAYOUT_HYPHEN and line[-2].isalpha()


# The EPUB


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a word of the EPUB begins: in which page, in which text (an element's `text`,
    or its `tail`), at which character."""

    page: int
    element: etree._Element
    tail: bool
    offset: int


def mark_pages(
    markups: Sequence[str], pages: Sequence[PrintPage]
) -> tuple[list[str], list[tuple[str, int, str]]]:
    """The EPUB's text pages (`markups`, in reading order) with a page-break marker where
    each print page begins, and the page-list: (label, index of the text page, marker id)."""
    roots = [etree.fromstring(markup.encode("utf-8")) for markup in markups]
    words, places = _words_in(roots)
    found = _find_pages(words, pages)
    for index, page in reversed(found):  # backwards: an insertion moves no place before it
        _insert_marker(places[index], page.label)
    entries = [
        (page.label, places[index].page, MARKER_ID.format(page.label)) for index, page in found
    ]
    return [etree.tostring(root, encoding="unicode") for root in roots], entries


def _find_pages(words: list[str], pages: Sequence[PrintPage]) -> list[tuple[int, PrintPage]]:
    """Where each page begins among the EPUB's `words` (an index), in order."""
    at_word: dict[str, list[int]] = defaultdict(list)
    for index, word in enumerate(words):
        at_word[word].append(index)
    found = []
    cursor = 0
    for page in pages:
        index = _find(page.words, words, at_word, cursor)
        if index is not None:
            found.append((index, page))
            cursor = index + 1
    return found


def _find(
    key: tuple[str, ...], words: list[str], at_word: dict[str, list[int]], cursor: int
) -> int | None:
    """The first place from `cursor` (and within SEARCH_WORDS of it) where the page's first
    words stand in a row: KEY_WORDS of them, else fewer (a page that opens with a title,
    then what the EPUB's text does not repeat); failing that, the same without its first
    few words (generated text the EPUB does not have)."""
    for skipped in range(min(MAX_SKIPPED, len(key) - MIN_KEY_WORDS) + 1):
        for length in (KEY_WORDS, MIN_KEY_WORDS):
            wanted = list(key[skipped : skipped + length])
            index = _first_run(wanted, words, at_word, cursor)
            if index is not None:
                return _back_over(key[:skipped], words, index, cursor)
    return None


def _back_over(skipped: Sequence[str], words: list[str], index: int, cursor: int) -> int:
    """Where the page begins when it was found without its first words: back over those of
    them that stand just before (a title before a field the EPUB does not repeat)."""
    start = index
    for word in reversed(skipped):
        if start - 1 >= cursor and words[start - 1] == word:
            start -= 1
    return start


def _first_run(
    wanted: list[str], words: list[str], at_word: dict[str, list[int]], cursor: int
) -> int | None:
    """Where `wanted` first stands in `words` from `cursor` on (within SEARCH_WORDS)."""
    candidates = at_word.get(wanted[0], []) if wanted else []
    for index in candidates[bisect.bisect_left(candidates, cursor) :]:
        if index > cursor + SEARCH_WORDS:
            break
        if words[index : index + len(wanted)] == wanted:
            return index
    return None


def _words_in(roots: Sequence[etree._Element]) -> tuple[list[str], list[_Place]]:
    """The running text's words of every page, in reading order, and where each begins.

    A word may run across inline elements (`<em>Vindic</em>ation`); a block's edge ends one."""
    words: list[str] = []
    places: list[_Place] = []
    for page, root in enumerate(roots):
        flow: list[str] = []
        spans: list[tuple[int, etree._Element, bool]] = []  # (start in flow, element, tail)
        length = 0
        for piece in _text_pieces(root):
            if isinstance(piece, str):  # a block's edge
                flow.append(piece)
                length += len(piece)
                continue
            element, tail = piece
            text = element.tail if tail else element.text
            spans.append((length, element, tail))
            flow.append(text)
            length += len(text)
        starts = [start for start, _e, _t in spans]
        for match in _WORD.finditer("".join(flow)):
            start, element, tail = spans[bisect.bisect_right(starts, match.start()) - 1]
            words.append(_folded(match.group()))
            places.append(_Place(page, element, tail, match.start() - start))
    return words, places


def _text_pieces(element: etree._Element) -> Iterator[tuple[etree._Element, bool] | str]:
    """The element's texts in reading order, as (element, is its tail), and "\\n" at each
    block's edges; what `_left_out` names is skipped (its tail is not: that is its parent's)."""
    block = _local(element) not in _INLINE
    if block:
        yield "\n"
    if element.text:
        yield element, False
    for child in element:
        if not isinstance(child.tag, str):  # a comment or a processing instruction
            pass
        elif not _left_out(child):
            yield from _text_pieces(child)
        if child.tail:
            yield child, True
    if block:
        yield "\n"


def _left_out(element: etree._Element) -> bool:
    if _local(element) in _LEFT_OUT_TAGS:
        return True
    types = set(element.get(f"{_OPS}type", "").split())
    classes = set(element.get("class", "").split())
    return bool(types & _LEFT_OUT_TYPES or classes & _LEFT_OUT_CLASSES)


def left_out_of_print(element: Any) -> bool:
    """Whether an element of the print HTML is left out of the words compared."""
    if _local(element) in _LEFT_OUT_TAGS:
        return True
    return not _LEFT_OUT_IN_PRINT.isdisjoint((element.get("class") or "").split())


def _local(element: Any) -> str:
    """An element's name without its namespace (XHTML's, MathML's)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rpartition("}")[2]


def _insert_marker(place: _Place, label: str) -> None:
    """An empty `<span epub:type="pagebreak">` where the word at `place` begins: before the
    block the word opens, where one may stand there, else in the line."""
    marker = etree.Element(
        f"{_XHTML}span",
        {"id": MARKER_ID.format(label), f"{_OPS}type": "pagebreak", "role": "doc-pagebreak",
         "aria-label": label},
    )  # fmt: skip
    element, tail, offset = place.element, place.tail, place.offset
    text = (element.tail if tail else element.text) or ""
    if not tail and not _WORD.search(text[:offset]):
        opening = _opened_block(element)
        if opening is not None:
            parent = opening.getparent()
            parent.insert(parent.index(opening), marker)
            return
    marker.tail = text[offset:]
    if tail:
        element.tail = text[:offset]
        parent = element.getparent()
        parent.insert(parent.index(element) + 1, marker)
    else:
        element.text = text[:offset]
        element.insert(0, marker)


def _opened_block(element: etree._Element) -> etree._Element | None:
    """The outermost element that begins with `element`'s text, if a marker may stand
    before it (its parent holds flow content)."""
    best = None
    while True:
        parent = element.getparent()
        if parent is None:
            return best
        if _local(parent) in _FLOW_PARENTS and _local(element) not in _INLINE:
            best = element
        if (parent.text or "").strip() or parent.index(element) != 0 or _local(parent) == "body":
            return best
        element = parent
