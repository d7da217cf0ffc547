"""Page footnotes that WeasyPrint 70 cannot set alone: long notes split across pages.

WeasyPrint never breaks a footnote: a note taller than the room under its call goes to the
next page with its call's line (leaving a half-empty page), or over the text of the next.
But it does carry a note that does not fit to the top of the next page's notes, and from
there on to the next, in order, when the footnote area has a `max-height`.

So the writer cuts every note of several lines into chunks at its own line ends (measured
in a first layout: a note's lines do not depend on the page it lands on). The first chunk
carries the call and the number; the others float from the same call, without a number.
In the next layout WeasyPrint puts under the call as many chunks as fit and carries the
rest over: the note is split at a line, wherever the call lands, in that one layout. The
chunks of one page print as one note (same lines, justified, no gaps). A last layout marks
each chunk that opens a page as a continuation, in the hanging indent, where a mark moves
no line.

Between layouts only WeasyPrint's parsed element tree changes; the model and the template
never hear of chunks. The same rounds ask one more orphan line of a paragraph where
WeasyPrint would print a note a page after its call (see `stranded`).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from xml.etree.ElementTree import Element

from weasyprint import HTML
from weasyprint.document import Document as LaidOut
from weasyprint.formatting_structure import boxes
from weasyprint.text.fonts import FontConfiguration

log = logging.getLogger(__name__)

# Each layout costs as much as the first (one with chunks about twice). Usually four: plain
# (to measure the notes' lines), with chunks, again for the paragraphs that strand a note,
# joined and marked. Measured on 65 A5 pages with 150 notes: 4 layouts, about 20 s.
MAX_LAYOUTS = 8
MIN_LINES = 2  # no chunk boundary leaves a single line of a note alone on a page
MAX_RECUTS = 3  # a note whose chunks keep printing other lines than its own is left as cut
NOTE_CLASS = "footnote"
CHUNK_CLASS = "footnote-chunk"  # a chunk after the first: no call, no number
CONT_CLASS = "footnote-cont"  # a chunk that opens a page's notes: marked as a continuation
PARA_CLASS = "footnote-para"  # a chunk that opens a paragraph of its note: indented
CUT_START, CUT_END = "cont", "runs-on"  # an element a chunk boundary goes through
BLOCK_CLASSES = frozenset({"p", "blockquote", "ul", "ol", "li", "pre"})
SOFT_HYPHEN = "\u00ad"


@dataclass(frozen=True)
class LayoutStats:
    """What pagination took: layouts, notes cut into chunks, notes continued, seconds."""

    layouts: int
    chunked_notes: int
    continued_notes: int
    fixed_paragraphs: int
    seconds: float


def lay_out(
    html: HTML, fonts: FontConfiguration, options: dict[str, Any]
) -> tuple[LaidOut, LayoutStats]:
    """Paginate, then again while a note is not set under its call (at most MAX_LAYOUTS)."""
    start = time.perf_counter()
    pagination = Pagination(NoteChunks.of(html.etree_element))
    for layouts in range(1, MAX_LAYOUTS + 1):
        laid_out = html.render(font_config=fonts, **options)
        if layouts == MAX_LAYOUTS or not pagination.revise(read_pages(laid_out), laid_out):
            break
    laid_out = pagination.result or laid_out
    notes = pagination.notes
    stats = LayoutStats(layouts, notes.chunked, notes.continued, len(pagination.orphans), 0.0)
    stats = replace(stats, seconds=round(time.perf_counter() - start, 2))
    log.info("pagination: %s", stats)
    return laid_out, stats


@dataclass
class Pagination:
    """The rounds: cut notes into chunks until the layout is stable, then join the chunks
    of each page (a chunk costs WeasyPrint a layout of the whole footnote area) and mark
    continuations; the last layout must keep the pages of the one before."""

    notes: NoteChunks
    orphans: dict[Any, int] = field(default_factory=dict)
    expected: tuple[PageSummary, ...] | None = None  # the pages the joined layout must keep
    stable: LaidOut | None = None  # the layout with chunks that the joined one must match
    result: LaidOut | None = None  # the book, when it is not the last layout

    def revise(self, pages: list[PageLayout], laid_out: LaidOut) -> bool:
        """Change the tree for the next layout; False when the book is laid out."""
        if self.expected is not None:
            if summary(pages, self.notes) != self.expected:
                # Rare (a note whose joined parts set other lines): the layout with chunks
                # is right, only without continuation marks.
                log.warning("joined note chunks moved a line: continuations left unmarked")
                self.result = self.stable
            return False
        printed = {note.id: note for page in pages for note in page.notes}
        # Stranded notes are fixed in a layout with chunks: cutting moves every page after.
        if self.notes.rechunk(printed, widow_anchors(pages)) or self.fix_stranded(pages):
            return True
        self.expected, self.stable = summary(pages, self.notes), laid_out
        return self.notes.join({note.id: page.index for page in pages for note in page.notes})

    def fix_stranded(self, pages: list[PageLayout]) -> bool:
        fixes = list(stranded(pages, self.notes))
        for element, lines in fixes:
            self.orphans[element] = lines + 1
            element.set("style", f"orphans: {lines + 1}")
        return bool(fixes)


PageSummary = tuple[int, tuple[str, ...]]


def summary(pages: list[PageLayout], notes: NoteChunks) -> tuple[PageSummary, ...]:
    """Each page's count of text lines and the notes (not chunks) at its foot."""
    return tuple(
        (len(page.lines), tuple(dict.fromkeys(notes.owner(note.id) for note in page.notes)))
        for page in pages
    )


# Cutting a note's element at a printing character


def printing(ch: str) -> bool:
    """Characters that print: offsets count only these, so spaces and breaks never matter."""
    return not ch.isspace() and ch != SOFT_HYPHEN


def _cut(text: str | None, count: int) -> tuple[int, int]:
    """(index just after the `count`-th printing character of text, printing characters used)."""
    used = 0
    for index, ch in enumerate(text or ""):
        if used == count:
            return index, used
        used += printing(ch)
    return len(text or ""), used


def _has_content(element: Element) -> bool:
    return bool((element.text or "").strip()) or len(element) > 0


def keep_head(element: Element, count: int) -> int:
    """Cut `element` after its `count`-th printing character; return the count not reached.

    Elements cut through (with content after the cut) are marked `runs-on`.
    """
    index, used = _cut(element.text, count)
    count -= used
    if count == 0:
        if (element.text or "")[index:].strip() or len(element):
            _add_class(element, CUT_END)
        element.text = (element.text or "")[:index] or None
    for child in list(element):
        if count == 0:
            _add_class(element, CUT_END)
            element.remove(child)
            continue
        count = keep_head(child, count)
        index, used = _cut(child.tail, count)
        count -= used
        if count == 0 and (child.tail or "")[index:].strip():
            _add_class(element, CUT_END)
        child.tail = (child.tail or "")[:index] or None
    return count


def drop_head(element: Element, count: int) -> int:
    """Remove the first `count` printing characters of `element` and what holds only them.

    Elements that keep some content after losing some are marked `cont`.
    """
    index, used = _cut(element.text, count)
    count -= used
    element.text = (element.text or "")[index:] or None
    for child in list(element):
        if count == 0:
            break
        count = drop_head(child, count)
        index, used = _cut(child.tail, count)
        count -= used
        child.tail = (child.tail or "")[index:] or None
        if not _has_content(child):
            _remove_keeping_tail(element, child)
    if count == 0 and _has_content(element):
        _add_class(element, CUT_START)
    return count


def _remove_keeping_tail(parent: Element, child: Element) -> None:
    children = list(parent)
    at = children.index(child)
    if child.tail:
        if at:
            children[at - 1].tail = (children[at - 1].tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    parent.remove(child)


def _lstrip(element: Element) -> bool:
    """Strip the spaces a chunk starts with (they would print); True once text is found."""
    element.text = (element.text or "").lstrip() or None
    if element.text:
        return True
    for child in element:
        if _lstrip(child) or child.tag in ("img", "br"):
            return True
        child.tail = (child.tail or "").lstrip() or None
        if child.tail:
            return True
    return False


def _add_class(element: Element, name: str) -> None:
    names = (element.get("class") or "").split()
    if name not in names:
        element.set("class", " ".join([*names, name]))


def _classes(element: Element) -> list[str]:
    return (element.get("class") or "").split()


def note_slice(original: Element, start: int, end: int | None) -> Element:
    """The note's content between printing characters `start` and `end` (None: to its end)."""
    part = copy.deepcopy(original)
    part.tail = None
    if end is not None:
        keep_head(part, end)
    if start:
        drop_head(part, start)
        _lstrip(part)
    part.set("class", original.get("class", ""))  # the cut marks are for its content only
    return part


@dataclass(frozen=True)
class Edges:
    """Where a note's blocks begin and end, in printing-character offsets."""

    ends: frozenset[int]  # where a paragraph (or list item, quotation...) ends
    starts: frozenset[int]  # where a paragraph of the note's own text starts (not the first)
    runs: tuple[tuple[int, int], ...]  # the note's own running text: top-level paragraphs

    def allows(self, offset: int) -> bool:
        """A chunk may start here: inside the note's running text, or at a paragraph of it.

        Not in or at a quotation or a list: its first line would be set apart from the
        chunk's (empty) number, and the chunk would not keep the note's lines.
        """
        return offset in self.starts or any(a < offset < b for a, b in self.runs)


def block_edges(original: Element) -> Edges:
    ends: set[int] = set()
    starts: set[int] = set()
    runs: list[tuple[int, int]] = []
    _walk_edges(original, original, 0, ends, starts, runs)
    return Edges(frozenset(ends), frozenset(starts), tuple(runs))


def _walk_edges(
    element: Element,
    root: Element,
    done: int,
    ends: set[int],
    starts: set[int],
    runs: list[tuple[int, int]],
) -> int:
    own = element is root or ("p" in _classes(element) and element in list(root))
    if own and element is not root and done:
        starts.add(done)
    begin = done
    done += sum(map(printing, element.text or ""))
    if element is root:
        runs.append((begin, done))
    for child in element:
        done = _walk_edges(child, root, done, ends, starts, runs)
        tail = sum(map(printing, child.tail or ""))
        if element is root:
            runs.append((done, done + tail))
        done += tail
    if own and element is not root:
        runs.append((begin, done))
    if element is root or set(_classes(element)) & BLOCK_CLASSES:
        ends.add(done)
    return done


# The notes of one document, each set whole or as chunks


@dataclass
class Note:
    """A note as the source has it, and the printing-character offsets where it is cut."""

    id: str
    parent: Element
    original: Element
    parts: list[Element]
    edges: Edges
    lines: tuple[int, ...] = ()  # offsets after each line a page may end on
    cuts: tuple[int, ...] = ()  # offsets where its parts begin: `lines`, or its page breaks
    recuts: int = 0
    anchor: Element | None = None  # where its later parts float from (None: its call)

    def part_id(self, number: int) -> str:
        return self.id if number == 0 else f"{self.id}-{number}"


@dataclass
class NoteChunks:
    """Every `.footnote` of the tree, by id; part ids map back to their note and number."""

    notes: dict[str, Note]
    owners: dict[str, tuple[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, root: Element) -> NoteChunks:
        notes = {}
        for parent in root.iter():
            for child in parent:
                if NOTE_CLASS in _classes(child) and child.get("id"):
                    original = copy.deepcopy(child)
                    edges = block_edges(original)
                    notes[child.get("id", "")] = Note(
                        child.get("id", ""), parent, original, [child], edges
                    )
        return cls(notes, {note_id: (note_id, 0) for note_id in notes})

    def owner(self, part_id: str) -> str:
        return self.owners.get(part_id, (part_id, 0))[0]

    @property
    def chunked(self) -> int:
        return sum(bool(note.lines) for note in self.notes.values())

    @property
    def continued(self) -> int:
        return sum(bool(note.cuts) and note.cuts != note.lines for note in self.notes.values())

    def rechunk(self, printed: dict[str, PageNote], anchors: dict[str, Element]) -> bool:
        """Cut each note into chunks at its printed line ends; True when some note changed."""
        changed = False
        for note in self.notes.values():
            lines = self._lines(note, printed) if note.recuts < MAX_RECUTS else None
            if lines is None:
                continue
            if not note.lines:
                note.anchor = anchors.get(note.id)
            note.lines = chunk_splits(lines, note.edges)
            if note.cuts != note.lines:
                self.cut(note, note.lines)
                note.recuts += 1
                changed = True
        return changed

    def join(self, pages_of: dict[str, int]) -> bool:
        """Join the chunks of each page into one part; mark the parts after the first."""
        changed = False
        for note in self.notes.values():
            at = [pages_of.get(note.part_id(n)) for n in range(len(note.parts))]
            cuts = tuple(note.cuts[n - 1] for n in range(1, len(at)) if at[n] != at[n - 1])
            if cuts != note.cuts:
                self.cut(note, cuts, continued=True)
                changed = True
        return changed

    def _lines(self, note: Note, printed: dict[str, PageNote]) -> list[NoteLine] | None:
        """The note's lines as printed now (across its chunks), or None if one is missing."""
        lines: list[NoteLine] = []
        for number, start in enumerate((0, *note.cuts)):
            box = printed.get(note.part_id(number))
            part_lines = note_lines(box) if box is not None else None
            if part_lines is None:
                return None
            lines += [replace(line, chars=start + line.chars) for line in part_lines]
        return lines

    def cut(self, note: Note, cuts: tuple[int, ...], continued: bool = False) -> None:
        """Set `note` as len(cuts) + 1 parts, in place of its current elements."""
        at = list(note.parent).index(note.parts[0])
        later = note.anchor if note.anchor is not None else note.parent
        note.parent.remove(note.parts[0])
        for element in note.parts[1:]:
            later.remove(element)
        ends = [*cuts, None]
        note.parts = [
            self._part(note, number, start, end, continued)
            for number, (start, end) in enumerate(zip((0, *cuts), ends, strict=True))
        ]
        note.parent.insert(at, note.parts[0])
        if note.anchor is None:
            note.parts[-1].tail = note.original.tail
            for offset, element in enumerate(note.parts[1:], start=1):
                note.parent.insert(at + offset, element)
        else:
            note.parts[0].tail = note.original.tail
            note.anchor.extend(note.parts[1:])
        note.cuts = cuts

    def _part(self, note: Note, number: int, start: int, end: int | None, cont: bool) -> Element:
        part = note_slice(note.original, start, end)
        part.set("id", note.part_id(number))
        self.owners[note.part_id(number)] = (note.id, number)
        if number:
            _add_class(part, CHUNK_CLASS)
            _set_class(part, CONT_CLASS, cont)
            _set_class(part, PARA_CLASS, start in note.edges.starts)
        if end is not None and end not in note.edges.ends:
            _justify_last_line(part)
        return part


def _set_class(element: Element, name: str, on: bool) -> None:
    names = [n for n in _classes(element) if n != name] + ([name] if on else [])
    element.set("class", " ".join(names))


def _justify_last_line(chunk: Element) -> None:
    """A chunk that stops mid-paragraph: its last line is justified like the others.

    The innermost block cut through holds that line; a note's first paragraph is inline
    (it shares its line with the number), so its line belongs to the chunk itself.
    """
    last = chunk
    while len(last) and CUT_END in _classes(last[-1]) and set(_classes(last[-1])) & BLOCK_CLASSES:
        last = last[-1]
    paragraphs = [child for child in _parent_of(chunk, last) if "p" in _classes(child)]
    if last is not chunk and "p" in _classes(last) and paragraphs and paragraphs[0] is last:
        last = _parent_of(chunk, last)
    last.set("style", "text-align-last: justify")


def _parent_of(root: Element, element: Element) -> Element:
    return next((parent for parent in root.iter() if element in list(parent)), root)


def chunk_splits(lines: list[NoteLine], edges: Edges) -> tuple[int, ...]:
    """Offsets after each line a page may end on.

    Never within MIN_LINES of the note's start or end, never after a hyphenated line (no
    word is split across pages), never leaving one line of a paragraph alone, and only
    where `edges` allow a chunk to start.
    """
    cuts = []
    for number in range(MIN_LINES, len(lines) - MIN_LINES + 1):
        before, line, after = lines[number - 2], lines[number - 1], lines[number]
        orphan = before.chars in edges.ends and line.chars not in edges.ends
        widow = after.chars in edges.ends and line.chars not in edges.ends
        if not (line.hyphenated or orphan or widow) and edges.allows(line.chars):
            cuts.append(line.chars)
    return tuple(cuts)


# Reading the pages back


@dataclass(frozen=True)
class BodyLine:
    top: float
    bottom: float
    calls: tuple[str, ...]  # ids of the notes floated from this line
    element: Any  # the block it belongs to
    widows: int


@dataclass(frozen=True)
class NoteLine:
    bottom: float  # from the top of its note
    chars: int  # printing characters of the note up to the end of this line
    hyphenated: bool


@dataclass(frozen=True)
class PageNote:
    id: str
    top: float
    height: float
    box: Any  # the laid-out note, measured only when it is cut


@dataclass(frozen=True)
class PageLayout:
    index: int
    top: float  # the content box (px)
    bottom: float
    lines: tuple[BodyLine, ...]
    notes: tuple[PageNote, ...]
    area_top: float  # the top of the footnote area (its margin), `bottom` when none

    @property
    def body_bottom(self) -> float:
        return self.lines[-1].bottom if self.lines else self.top


def read_pages(laid_out: LaidOut) -> list[PageLayout]:
    # The layout boxes have no public accessor: `_page_box` is WeasyPrint 70's.
    return [_read_page(index, page._page_box) for index, page in enumerate(laid_out.pages)]


def _read_page(index: int, page_box: boxes.PageBox) -> PageLayout:
    top = page_box.content_box_y()
    bottom = top + page_box.height
    lines: list[BodyLine] = []
    notes: tuple[PageNote, ...] = ()
    area_top = bottom
    for child in page_box.children:
        if isinstance(child, boxes.FootnoteAreaBox):
            notes = tuple(_page_note(note) for note in child.children)
            area_top = child.position_y
        elif not isinstance(child, boxes.MarginBox):
            lines += _body_lines(child.descendants())
    return PageLayout(index, top, bottom, tuple(lines), notes, area_top)


def _body_lines(descendants: Iterable[boxes.Box]) -> Iterator[BodyLine]:
    for box in descendants:
        if isinstance(box, boxes.LineBox):
            calls = tuple(
                b.footnote.element.get("id", "")
                for b in box.descendants()
                if getattr(b, "footnote", None) is not None
            )
            bottom = box.position_y + box.height
            yield BodyLine(box.position_y, bottom, calls, box.element, box.style["widows"])


def _page_note(note: boxes.Box) -> PageNote:
    return PageNote(note.element.get("id", ""), note.position_y, note.margin_height(), note)


def note_lines(note: PageNote) -> list[NoteLine] | None:
    """Each line of a laid-out note, or None when its text cannot be matched to its source."""
    source = [ch for ch in "".join(note.box.element.itertext()) if printing(ch)]
    lines, done = [], 0
    for line in _own_lines(note.box):
        text = [ch for ch in _line_text(line) if printing(ch)]
        hyphenated = False
        for position, ch in enumerate(text):
            if done < len(source) and source[done] == ch:
                done += 1
            elif position == len(text) - 1 and ch == line.style["hyphenate_character"]:
                hyphenated = True  # added by hyphenation, not in the source
            else:
                return None
        lines.append(NoteLine(line.position_y + line.height - note.top, done, hyphenated))
    return lines if done == len(source) else None


def _own_lines(box: boxes.Box) -> Iterator[boxes.LineBox]:
    """The lines of a block, in order, but not those inside its inline blocks (the marker)."""
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.LineBox):
            yield child
        elif isinstance(child, boxes.BlockContainerBox | boxes.BlockBox):
            yield from _own_lines(child)


def _line_text(line: boxes.LineBox) -> str:
    """The text of a line of a note, without its marker (generated, not in the source)."""
    return "".join(
        box.text
        for box in line.descendants()
        if isinstance(box, boxes.TextBox) and "::" not in (box.element_tag or "")
    )


def widow_anchors(pages: list[PageLayout]) -> dict[str, Element]:
    """Notes called from the last lines of a paragraph, and that paragraph.

    When fewer than `widows` lines follow the call, a page cannot end after the call's line:
    chunks floated from the call would take the room of the lines that must come along, and
    WeasyPrint would move all of them to the next page. Floated from the paragraph's end,
    they take only the room left after it.
    """
    lines = [line for page in pages for line in page.lines]
    anchors = {}
    for number, line in enumerate(lines):
        after = 0
        while number + after + 1 < len(lines) and lines[number + after + 1].element is line.element:
            after += 1
            if after >= line.widows:
                break
        if 0 < after < line.widows:
            anchors |= dict.fromkeys(line.calls, line.element)
    return anchors


# Notes WeasyPrint prints a page after their call


def stranded(pages: list[PageLayout], notes: NoteChunks) -> Iterator[tuple[Any, int]]:
    """(paragraph, its lines there) for the paragraph ending each page that strands a note.

    When the `orphans`-th line of a paragraph overflows a page, WeasyPrint 70 makes room by
    moving the page's last note to the next page (its call stays behind). Asking that
    paragraph for one more orphan line moves the lines to the next page instead. A chunk
    after the first may move: that is how a note continues.
    """
    for page in pages:
        printed = {note.id for note in page.notes}
        called = {
            call
            for line in page.lines
            for call in line.calls
            if not notes.owners.get(call, ("", 0))[1]
        }
        if called - printed and page.lines:
            last = page.lines[-1].element
            yield last, sum(line.element is last for line in page.lines)
