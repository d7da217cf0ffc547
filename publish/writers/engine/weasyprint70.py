"""WeasyPrint's internals as of its versions 69 and 70, as publish uses them: everything
here is below WeasyPrint's public API, and is reached only through `publish.writers.engine`,
which applies it (`applied()`) for the duration of one PDF and only on the versions it was
tested with.

Page footnotes split across pages, in WeasyPrint's own single layout. WeasyPrint never
breaks a footnote (upstream #1833): a note taller than the room under its call goes whole
to the next page, taking its call's line along (`footnote-policy: line`) or leaving it
behind (the note then prints a page after its call).

`NoteSplittingContext` is WeasyPrint's layout context with what a book needs: it lays out a
page's notes the way WeasyPrint lays out a page's text, down to a limit (the footnote area's
`max-height`, or the room left under the line that calls the last note). The note that
crosses the limit breaks between two lines, keeping its paragraphs' `orphans` and `widows`;
its rest opens the next page's notes, above that page's own, and goes on from page to page
while it is longer than they allow. The text is laid out once, as WeasyPrint alone would.
It works on the context's footnote methods and the footnote area's last layout in
`layout.page.make_page`. That last layout also sets a page's notes series by series when
a document asks (`note-order`, as `data-note-rank` on each note), WeasyPrint having placed
them in the order of their calls.

Also here: costs in WeasyPrint and pydyf that grow with the square of a book's pages, each
worked around while the PDF is made (the library's result stays the same, only the time
changes; measured on a 1,059-page book, `bench/README.md`), and the images as laid out.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import operator
import threading
from collections.abc import Callable, Iterable, Iterator
from math import inf
from typing import Any

import pydyf
from weasyprint import HTML, document, layout
from weasyprint.css import StyleFor
from weasyprint.css.targets import TargetCollector, TargetLookupItem
from weasyprint.document import Document as LaidOut
from weasyprint.formatting_structure import boxes, build
from weasyprint.images import RasterImage
from weasyprint.layout import LayoutContext
from weasyprint.layout import page as page_layout
from weasyprint.layout.block import block_level_layout
from weasyprint.layout.page import PageType

SkipStack = dict[int, Any] | None
MIN_LINES = 2  # a note broken across pages keeps at least this many lines on each side


@contextlib.contextmanager
def applied() -> Iterator[None]:
    """Everything below, in WeasyPrint and pydyf, for the thread that enters, meanwhile.

    Raises AttributeError when a name publish replaces is not there (another WeasyPrint):
    whatever was replaced before it is put back first.
    """
    with splitting_notes(), linear_costs():
        yield


@contextlib.contextmanager
def splitting_notes() -> Iterator[None]:
    """WeasyPrint lays out with a `NoteSplittingContext`, and prints its notes as laid out.

    `Document._render` makes its context from `document.LayoutContext`. (Calling `_render`
    directly instead of through `HTML.render` costs, for a reason not found, four times
    the memory maps and a second of system time on 220 pages: measured with strace.)
    """
    with (
        swapped(document, "LayoutContext", NoteSplittingContext),
        swapped(page_layout, "block_level_layout", _lay_out_page_box),
    ):
        yield


@contextlib.contextmanager
def linear_costs() -> Iterator[None]:
    """The workarounds for costs that grow with the square of a book's pages (below)."""
    with (
        fewer_collections(),
        swapped(page_layout, "set_page_type_computed_styles", set_page_styles),
        swapped(pydyf.PDF, "page_references", property(_page_references)),
    ):
        yield


@contextlib.contextmanager
def swapped(owner: object, name: str, value: Any) -> Iterator[None]:
    """`owner.name` is `value` meanwhile, for the thread that entered; put back after.

    Another thread that uses WeasyPrint at the same time (a program's own PDFs) finds the
    library's own: the replacement looks at the thread that calls it. Two of publish's PDFs
    never overlap (the engine's lock).
    """
    plain = inspect_attribute(owner, name)
    setattr(owner, name, _for_thread(threading.get_ident(), value, plain))
    try:
        yield
    finally:
        setattr(owner, name, plain)


def inspect_attribute(owner: object, name: str) -> Any:
    """`owner.name` as stored (a property stays a property); AttributeError if absent."""
    for holder in getattr(owner, "__mro__", ()) or ():
        if name in vars(holder):
            return vars(holder)[name]
    return getattr(owner, name)


def _for_thread(thread: int, value: Any, plain: Any) -> Any:
    if isinstance(plain, property):
        return property(lambda obj: (value if threading.get_ident() == thread else plain).fget(obj))

    def dispatch(*args: Any, **kwargs: Any) -> Any:
        return (value if threading.get_ident() == thread else plain)(*args, **kwargs)

    return dispatch


def placed_images(laid_out: LaidOut) -> Iterator[tuple[Any, float, float, int, int]]:
    """Each raster image as laid out: (its element, width and height in CSS px, its pixels)."""
    for page in laid_out.pages:
        for box in page._page_box.descendants():  # the layout boxes (no public accessor)
            if isinstance(box, boxes.ReplacedBox) and isinstance(box.replacement, RasterImage):
                image = box.replacement
                yield box.element, box.width, box.height, image.width, image.height


def page_blocks(laid_out: LaidOut) -> Iterator[tuple[list[tuple[Any, float, float]], float, float]]:
    """Each page's blocks as laid out: (element, top, bottom) of each element's outermost
    block box (its anonymous boxes share its element), in CSS px; how low the text may reach
    (the page area's bottom, or the top of its notes); and the height of its first line."""
    for page in laid_out.pages:
        page_box = page._page_box  # the layout boxes (no public accessor)
        blocks: dict[int, tuple[Any, float, float]] = {}
        line = 0.0
        for box in page_box.descendants():
            if isinstance(box, boxes.BlockBox) and box.element is not None:
                top = box.position_y
                blocks.setdefault(id(box.element), (box.element, top, top + box.margin_height()))
            elif isinstance(box, boxes.LineBox) and not line:
                line = box.height
        bottom = page_box.content_box_y() + page_box.height
        for area in page_box.children:
            if isinstance(area, boxes.FootnoteAreaBox) and area.children:
                bottom = min(bottom, area.position_y)
        yield list(blocks.values()), bottom, line


def page_lines(laid_out: LaidOut, left_out: Callable[[Any], bool]) -> Iterator[list[str]]:
    """Each page's lines of running text, in reading order: the text of the page area's line
    boxes, without the running heads and folios (margin boxes), the notes (the footnote
    area), generated text (note calls, list markers, `target-counter`), what is set out of
    the line (an absolutely positioned box: a page marker in the margin), or the elements
    `left_out` names."""
    for page in laid_out.pages:
        lines: list[str] = []
        for area in page._page_box.children:  # the layout boxes (no public accessor)
            if not isinstance(area, (boxes.MarginBox, boxes.FootnoteAreaBox)):
                _collect_lines(area, lines, left_out)
        yield lines


def _collect_lines(box: boxes.Box, lines: list[str], left_out: Callable[[Any], bool]) -> None:
    if _out_of_text(box, left_out):
        return
    if isinstance(box, boxes.LineBox):
        lines.append("".join(_line_text(box, left_out)))
    elif isinstance(box, boxes.ParentBox):
        for child in box.children:
            _collect_lines(child, lines, left_out)


def _line_text(box: boxes.Box, left_out: Callable[[Any], bool]) -> Iterator[str]:
    if _out_of_text(box, left_out):
        return
    if isinstance(box, boxes.TextBox):
        yield box.text
    elif isinstance(box, boxes.ParentBox):
        for child in box.children:
            yield from _line_text(child, left_out)


def _out_of_text(box: boxes.Box, left_out: Callable[[Any], bool]) -> bool:
    """Generated content (a pseudo-element's box), a box taken out of the line, or a box of
    an element left out."""
    if "::" in (box.element_tag or "") or box.style["position"] in ("absolute", "fixed"):
        return True
    return box.element is not None and left_out(box.element)


def to_outer_margin(laid_out: LaidOut, is_marker: Callable[[Any], bool]) -> int:
    """Move the margin markers (absolutely positioned boxes whose element `is_marker`) of
    every left-hand page from the right-hand margin, where the style sheet sets them, to the
    left-hand one: the outer margin of a verso. Mirrored about the block they are set
    beside, at the same distance from it. Returns how many were moved."""
    moved = 0
    for page in laid_out.pages:
        page_box = page._page_box  # the layout boxes (no public accessor)
        if page_box.page_type.side == "left":
            moved += _mirror_markers(page_box, None, is_marker)
    return moved


def _mirror_markers(
    box: boxes.Box, beside: boxes.Box | None, is_marker: Callable[[Any], bool]
) -> int:
    if box.style["position"] in ("absolute", "fixed") and box.element is not None:
        if beside is None or not is_marker(box.element):
            return 0
        left, right = beside.padding_box_x(), beside.padding_box_x() + beside.padding_width()
        gap = box.position_x - right  # between the block's right edge and the marker
        box.translate(dx=left - gap - box.margin_width() - box.position_x)
        return 1
    if box.style["position"] == "relative" and isinstance(box, boxes.BlockBox):
        beside = box
    if not isinstance(box, boxes.ParentBox):
        return 0
    return sum(_mirror_markers(child, beside, is_marker) for child in box.children)


# Costs that grow with the square of a book's pages


@contextlib.contextmanager
def fewer_collections(threshold: int = 10_000) -> Iterator[None]:
    """Run the garbage collector's youngest generation every `threshold` allocations.

    Layout allocates millions of boxes that live until the PDF is written; at Python's
    default (700) the collector went over them 4,700 times for the book: 7.6 of 73 s.
    At 10,000: 2 to 4 s, for 8% more peak memory (garbage cycles wait longer). The
    setting is the process's: other threads collect less often meanwhile too.
    """
    plain = gc.get_threshold()
    gc.set_threshold(threshold, *plain[1:])
    try:
        yield
    finally:
        gc.set_threshold(*plain)


def set_page_styles(page_type: PageType, html: HTML, style_for: StyleFor) -> None:
    """WeasyPrint's `set_page_type_computed_styles`, looking up the page's own styles.

    WeasyPrint looks for a page's margin boxes among the cascaded styles of every element
    of the document and of every page before, for each page (3 s for the book, profiled).
    """
    root = html.etree_element
    style_for.add_page_declarations(page_type)
    style_for.set_computed_styles(page_type, root=root, parent=root, base_url=html.base_url)
    cascaded = style_for.get_cascaded_styles()
    for pseudo_type in _page_pseudo_types(style_for):
        if (page_type, pseudo_type) in cascaded:
            style_for.set_computed_styles(
                page_type, pseudo_type=pseudo_type, root=root, parent=page_type,
                base_url=html.base_url,
            )  # fmt: skip


def _page_pseudo_types(style_for: StyleFor) -> set[str]:
    """The margin boxes and areas (`@top-center`, `@footnote`…) the `@page` rules style."""
    return {
        pseudo_type
        for sheet, _origin, _specificity in style_for._sheets  # no public accessor
        for _rule, selectors, _declarations in sheet.page_rules
        for _specificity, pseudo_type, _page_selector in selectors
        if pseudo_type
    }


_PAGE_REFERENCES: Callable[[pydyf.PDF], tuple[bytes, ...]] = pydyf.PDF.page_references.fget


def _page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """pydyf's tuple of page references, kept while the page count stays the same.

    pydyf builds the tuple of every page's reference each time WeasyPrint asks for one
    page's, which it does for each tagged element (41 of 208 s for the book, profiled).
    """
    count = len(pdf.pages["Kids"])
    cached: Any = pdf.__dict__.get("_publish_page_references")
    if cached is None or cached[0] != count:
        cached = pdf.__dict__["_publish_page_references"] = (count, _PAGE_REFERENCES(pdf))
    return cached[1]


# Notes broken across pages


def continued_notes(laid_out: LaidOut) -> set[str]:
    """The ids of the notes that end one page's notes and open the next's."""
    ends = [_note_ids(page._page_box) for page in laid_out.pages]  # no public accessor
    return {
        before[-1] for before, after in itertools.pairwise(ends)
        if before and after and before[-1] == after[0]
    }  # fmt: skip


def _note_ids(page_box: boxes.PageBox) -> list[str]:
    areas = (box for box in page_box.children if isinstance(box, boxes.FootnoteAreaBox))
    return [note.element.get("id", "") for area in areas for note in area.children]


class WaitingNotes(list[boxes.Box]):
    """The notes not laid out yet, in order, with an `in` that does not read them all.

    WeasyPrint asks, for each box of each line, whether its note still waits: over a
    plain list of a book's 1,800 notes that cost grows with the square of its pages.
    """

    def __init__(self, notes: Iterable[boxes.Box] = ()) -> None:
        super().__init__(notes)
        self.ids = {id(note) for note in self}

    def __contains__(self, note: object) -> bool:
        return id(note) in self.ids

    def append(self, note: boxes.Box) -> None:
        super().append(note)
        self.ids.add(id(note))

    def remove(self, note: boxes.Box) -> None:
        super().remove(note)
        self.ids.discard(id(note))

    def copy(self) -> WaitingNotes:
        return WaitingNotes(self)


class NoteSplittingContext(LayoutContext):
    """WeasyPrint's layout context, breaking the footnote area's last note at its limit."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)  # sets `footnotes`, which the box tree builder fills
        # The note each page opens with when it goes on from the page before, and where.
        self.carried: dict[int, tuple[boxes.Box, SkipStack]] = {}
        self.policies: dict[boxes.Box, str] = {}  # each note's footnote-policy as styled
        self.heights: dict[tuple[boxes.Box, float], float] = {}  # each note's, whole
        self.laying_notes = False

    @property
    def footnotes(self) -> WaitingNotes:
        return self._waiting

    @footnotes.setter
    def footnotes(self, notes: list[boxes.Box]) -> None:
        self._waiting = notes if isinstance(notes, WaitingNotes) else WaitingNotes(notes)

    # `make_page` sets both at the start of each page: the page's own state starts afresh.
    @property
    def current_page_footnotes(self) -> list[boxes.Box]:
        return [] if self.holding else self._page_notes

    @current_page_footnotes.setter
    def current_page_footnotes(self, notes: list[boxes.Box]) -> None:
        self._page_notes = notes
        self.holding = False  # see `report_footnote`

    @property
    def current_footnote_area(self) -> Any:
        return self._footnote_area

    @current_footnote_area.setter
    def current_footnote_area(self, area: Any) -> None:
        self._footnote_area = area
        self.splittable: set[boxes.Box] = set()
        self.called_at: dict[boxes.Box, tuple[float, float] | None] = {}
        self.room_bottom = inf  # how low this page's notes may reach, besides max-height
        self.line_query: tuple[float, float] | None = None
        self.line_step = 0.0  # the height of the text's last line, more or less

    def overflows_page(self, bottom_space: float, position_y: float) -> bool:
        # The text's last question is about the line being placed: when the context is
        # then asked to move a note away, that line says how much room the notes may keep.
        if not self.laying_notes:
            if self.line_query and position_y > self.line_query[1]:
                self.line_step = position_y - self.line_query[1]
            self.line_query = (bottom_space, position_y)
        return super().overflows_page(bottom_space, position_y)

    def layout_footnote(self, footnote: boxes.Box) -> bool:
        self.holding = False
        # A note may break only if no earlier note waits for the next page: notes print in
        # the order of their calls.
        if not self.reported_footnotes:
            self.splittable.add(footnote)
        self.policies.setdefault(footnote, footnote.style["footnote_policy"])
        self.called_at[footnote] = self.line_query
        return super().layout_footnote(footnote)

    def unlayout_footnote(self, footnote: boxes.Box) -> None:
        self.holding = False
        if self.current_page_footnotes[-1:] == [footnote]:
            self.room_bottom = inf
        super().unlayout_footnote(footnote)

    def report_footnote(self, footnote: boxes.Box) -> None:
        """Move `footnote` to the next page, or better, only the part that does not fit.

        Only the page's last note breaks, and the line being placed decides how much of it
        stays: the room under that line. When part of it stays, WeasyPrint must keep the
        call's line on this page: the note's footnote policy is then `auto`.

        WeasyPrint also moves notes away to make room for a paragraph's second line (its
        `orphans`), which would print them a page after their calls. Such a note is held:
        the page's notes look empty until the context is called again, so WeasyPrint
        breaks the page before the paragraph instead.
        """
        self.holding = False
        kept = self._keep_part(footnote)
        footnote.style["footnote_policy"] = "auto" if kept else self.policies[footnote]
        if kept:
            return
        if self._strands(footnote):
            self._update_footnote_area()
            self.holding = True
            return
        super().report_footnote(footnote)

    def _strands(self, footnote: boxes.Box) -> bool:
        """Whether moving `footnote` makes room for another line than its call's."""
        called_at = self.called_at.get(footnote)
        return called_at is not None and called_at != self.line_query

    def _keep_part(self, footnote: boxes.Box) -> bool:
        last = self.current_page_footnotes[-1:] == [footnote]
        if not (last and footnote in self.splittable and self.line_query and not self.in_column):
            return False
        bottom_space, line_bottom = self.line_query
        previous = self.room_bottom
        # Room for one line more: if the call's line ends its paragraph but one, `widows`
        # would take it to the next page along with the last.
        self.room_bottom = self._room_for(bottom_space, line_bottom + self.line_step)
        if self._update_footnote_area() or super().overflows_page(bottom_space, line_bottom):
            self.room_bottom = previous  # the caller lays the notes out again
            return False
        return True

    def _room_for(self, bottom_space: float, line_bottom: float) -> float:
        """How low the notes' content may reach for a line ending at `line_bottom` to fit."""
        area = self.current_footnote_area
        text_bottom = area.position_y  # where the text would end without notes
        decoration = area.margin_bottom + area.border_bottom_width + area.padding_bottom
        return area.position_y + (text_bottom - bottom_space - line_bottom) - decoration

    def _update_footnote_area(self) -> bool:
        """Lay out the page's notes down to their limit; True if the last does not start."""
        if self.in_column:
            return super()._update_footnote_area()
        area = self.current_footnote_area
        if area.height != "auto":
            self.page_bottom += area.margin_height()
        area.children = self.current_page_footnotes
        height = self._whole_height(area)  # 0 when the page has no notes
        if height is not None:
            area.height = height
            self.page_bottom -= area.margin_height()
            return False
        laid, _resume_at, fits = self.lay_out_notes()
        area.height = laid.height
        self.page_bottom -= laid.margin_height()
        return not fits

    def _whole_height(self, area: boxes.FootnoteAreaBox) -> float | None:
        """The height of the page's notes if all fit whole, or None.

        Measured from each note's own height, laid out once: WeasyPrint lays out every
        note of the page again for each note it adds. (Notes with vertical margins, which
        would collapse, make the sum a little too tall: more room, never less.)
        """
        if self._opening_skip(area) is not None:
            return None
        height = sum(self._note_height(note, area) for note in area.children)
        decoration = (
            sum(
                getattr(area, f"{part}_{side}")
                for part in ("margin", "padding")
                for side in ("top", "bottom")
            )
            + area.border_top_width
            + area.border_bottom_width
        )
        limit = min(self.room_bottom, _max_bottom(area))
        return height if area.position_y + decoration + height <= limit + 0.01 else None

    def _note_height(self, note: boxes.Box, area: boxes.FootnoteAreaBox) -> float:
        key = (note, area.page.width)
        if key not in self.heights:
            alone = build.create_anonymous_boxes(area.copy_with_children([note]).deepcopy())
            with self._laying_notes():
                self.heights[key] = block_level_layout(self, alone, -inf, None, area.page)[0].height
        return self.heights[key]

    @contextlib.contextmanager
    def _laying_notes(self) -> Iterator[None]:
        # Meanwhile, a note's line that overflows must not move the page's notes (there are
        # none), nor be taken for a line of the text.
        page_notes, self.current_page_footnotes = self.current_page_footnotes, []
        self.laying_notes = True
        try:
            yield
        finally:
            self.current_page_footnotes, self.laying_notes = page_notes, False

    def lay_out_notes(self) -> tuple[boxes.Box, SkipStack, bool]:
        """The page's notes laid out down to their limit, where they stop, and if all is well.

        All is well when the notes end above the limit and the last has at least MIN_LINES
        lines on the page (or all of its lines). When not, the text makes room or moves
        the last note away.
        """
        self.holding = False
        area = self.current_footnote_area
        limit = min(self.room_bottom, _max_bottom(area))
        skip = self._opening_skip(area)
        notes = build.create_anonymous_boxes(area.deepcopy())
        with self._laying_notes():
            bottom_space = self.page_bottom - limit
            laid, resume_at, *_ = block_level_layout(self, notes, bottom_space, skip, area.page)
        fits = _within(laid, limit) and _starts(laid, resume_at, len(area.children))
        return laid, resume_at, fits

    def _opening_skip(self, area: boxes.FootnoteAreaBox) -> SkipStack:
        note, skip = self.carried.get(self.current_page, (None, None))
        if area.children and area.children[0] is note:
            return {0: skip}
        return None

    def finish_notes(self) -> boxes.Box:
        """The page's notes as printed; the note they break opens the next page's."""
        laid, resume_at, _fits = self.lay_out_notes()
        self.carried.pop(self.current_page + 1, None)
        laid = self._in_series_order(laid, resume_at)
        if resume_at:
            ((index, skip),) = resume_at.items()
            rest = self.current_page_footnotes[index:]
            if skip is not None:
                self.carried[self.current_page + 1] = (rest[0], skip)
            waiting = [note for note in rest if note not in self.reported_footnotes]
            self.reported_footnotes[:0] = waiting
        return laid

    def _in_series_order(self, laid: boxes.Box, resume_at: SkipStack) -> boxes.Box:
        """The page's notes laid out again series by series (`note-order`): the same notes,
        so the same height and the same break. A note carried over from the page before
        stays first, and one that goes on overleaf stays last (its rest opens the next
        page's notes); the layout in call order stands if the break is not the same."""
        area = self.current_footnote_area
        calls = area.children
        moving = next(iter(resume_at)) if resume_at else len(calls)  # from it on, overleaf
        ordered = _by_rank(calls[:moving], self._opening_skip(area) is not None)
        ordered += calls[moving:]
        if all(map(operator.is_, ordered, calls)):  # no `note-order`, or already in order
            return laid
        area.children = ordered
        try:
            again, again_resume_at, _fits = self.lay_out_notes()
        finally:
            area.children = calls
        return again if again_resume_at == resume_at else laid


def _by_rank(notes: list[boxes.Box], carried: bool) -> list[boxes.Box]:
    """The notes by their series' place (`data-note-rank`, set with `note-order`), each
    series in the order of its calls; a note carried from the page before first."""
    head, rest = (notes[:1], notes[1:]) if carried else ([], notes)
    return head + sorted(rest, key=_rank)


def _rank(note: boxes.Box) -> int:
    value = note.element.get("data-note-rank", "") if note.element is not None else ""
    return int(value) if value.isdigit() else 0


def _within(laid: boxes.Box, limit: float) -> bool:
    return laid.position_y + laid.margin_height() <= limit + 0.01


def _max_bottom(area: boxes.FootnoteAreaBox) -> float:
    """How low the area's content may reach under its `max-height`."""
    top = area.position_y + area.margin_top + area.border_top_width + area.padding_top
    return top + area.max_height if area.max_height != inf else inf


def _starts(laid: boxes.Box, resume_at: SkipStack, count: int) -> bool:
    """Whether the last of `count` notes has its first lines (or all) in `laid`."""
    if resume_at is None:
        return True
    ((index, skip),) = resume_at.items()
    if index < count - 1 or skip is None:
        return False
    return _line_count(laid.children[-1]) >= MIN_LINES


def _line_count(box: boxes.Box) -> int:
    if isinstance(box, boxes.LineBox):
        return 1
    return sum(
        _line_count(child)
        for child in getattr(box, "children", ())
        if not isinstance(child, boxes.InlineLevelBox)
    )


def _lay_out_page_box(context: LayoutContext, box: boxes.Box, *args: Any, **kwargs: Any) -> Any:
    # `make_page` lays out the footnote area once more, unbounded, to print it.
    if isinstance(box, boxes.FootnoteAreaBox) and isinstance(context, NoteSplittingContext):
        return (context.finish_notes(), None, None, [], False, None)
    return block_level_layout(context, box, *args, **kwargs)


# A document paginated now, its page furniture made later


class Paginated:
    """A document paginated by WeasyPrint, its margin boxes (running heads, folios) not made
    yet: WeasyPrint's `Document._render` and `layout_document`, cut in two where a book laid
    out part by part needs to wait for the other parts. `finish()` then numbers the pages as
    in the whole book, gives the named strings their values from the parts before, and
    makes the margin boxes.

    `targets` are the anchors of other parts and the page each is printed on: this part's
    `target-counter(…, page)` to them reads that page, as though they were laid out here.
    """

    def __init__(
        self, html: HTML, fonts: Any, options: dict[str, Any], targets: dict[str, int]
    ) -> None:
        self.html = html
        self.fonts = fonts
        self.options = options = {**document.DEFAULT_OPTIONS, **options}
        if variant := options["pdf_variant"]:
            for key, value in document.VARIANTS[variant][1].items():
                if options.get(key) is None:
                    options[key] = value
        self.color_profiles: dict[str, Any] = {}
        counter_style = document.CounterStyle()
        context = document.Document._build_layout_context(
            html, fonts, counter_style, self.color_profiles, options
        )
        _seed_targets(context.target_collector, targets)
        root_box = build.build_formatting_structure(
            html.etree_element, context.style_for, context.get_image_from_uri,
            html.base_url, context.target_collector, counter_style, context.footnotes,
        )  # fmt: skip
        self.context = context
        self.page_boxes = list(_paginate(html, root_box, context))
        self.pages = [_Unfinished(box) for box in self.page_boxes]

    def page_counters(self) -> list[tuple[int, bool]]:
        """Each page's `page` counter as laid out here, and whether the page sets it itself
        (`counter-reset` or `counter-set`: a value that holds whatever came before)."""
        counters = []
        for number, box in enumerate(self.page_boxes, start=1):
            value = self.context.page_maker[number][3][1].get("page", [0])[-1]
            style = box.style
            own = any(
                name == "page" for name, _ in (*style["counter_reset"], *style["counter_set"])
            )
            counters.append((value, own))
        return counters

    def strings_set(self, first: int, end: int) -> dict[str, str]:
        """The last value each named string is set to on pages `first` to `end` (0-based,
        end excluded): what the next part starts with."""
        last = {}
        for name, by_page in self.context.string_set.items():
            pages = [page for page in by_page if first < page <= end and by_page[page]]
            if pages:
                last[name] = by_page[max(pages)][-1]
        return last

    def anchor_pages(self) -> dict[str, int]:
        """Each anchor and the page (0-based) it is first laid out on."""
        return {
            anchor: page
            for page in range(len(self.page_boxes))
            for anchor in self.context.page_maker[page][-1]["anchors"]
        }

    def blank(self, page: int) -> bool:
        """Whether the page is one WeasyPrint left blank (before a recto or verso break)."""
        return bool(self.page_boxes[page].page_type.blank)

    def finish(self, numbers: list[int], total: int, strings: dict[str, str]) -> LaidOut:
        """The laid out document, with page `i` numbered `numbers[i]` in a book of `total`
        pages, and the named `strings` set before its first page."""
        context = self.context
        for number, value in enumerate(numbers, start=1):
            counters = context.page_maker[number][3][1]
            counters["page"] = [*counters.get("page", [0])[:-1], value]
            counters["pages"] = [total]
        for name, value in strings.items():
            context.string_set[name].setdefault(1, [value])
        return _finished(self, list(_with_margin_boxes(self.page_boxes, context)))


class _Unfinished:
    """A page not finished, as `page_blocks` reads a laid out page."""

    def __init__(self, page_box: boxes.PageBox) -> None:
        self._page_box = page_box


def _seed_targets(collector: TargetCollector, targets: dict[str, int]) -> None:
    for name, page in targets.items():
        item = TargetLookupItem("up-to-date")
        item.target_box = _NoCounters()
        item.cached_page_counter_values = {"page": [page]}
        collector.target_lookup_items.setdefault(name, item)


class _NoCounters:
    """The target box of an anchor laid out in another part: no counters of its own."""

    def __init__(self) -> None:
        self.cached_counter_values: dict[str, list[int]] = {}


def _paginate(html: HTML, root_box: boxes.Box, context: LayoutContext) -> Iterator[Any]:
    """`layout_document` up to its margin boxes: pages made until their counters settle,
    then the named strings and bookmark labels they set."""
    layout.initialize_page_maker(context, root_box)
    pages: list[Any] = []
    original_footnotes = context.footnotes.copy()
    total = 0
    for loop in range(8):
        if loop > 0:
            context.footnotes = original_footnotes.copy()
        before = total
        pages = list(page_layout.make_all_pages(context, root_box, html, pages))
        total = len(pages)
        again = False
        for *_, page_state, remake_state in context.page_maker:
            page_state[1]["pages"] = [total]
            again = again or remake_state["content_changed"]
            again = again or (remake_state["pages_wanted"] and before != total)
        if not again:
            break
    _collect_strings_and_bookmarks(pages, context)
    return iter(pages)


def _collect_strings_and_bookmarks(pages: list[Any], context: LayoutContext) -> None:
    """As `layout_document` does once pagination is done (one bookmark per element)."""
    seen: dict[str, list[Any]] = {"before": [], "after": [], "": []}
    for i, page in enumerate(pages):
        counter_values = context.page_maker[i + 1][3][1]
        for child in page.descendants():
            if child.bookmark_label:
                tag = child.element_tag
                kind = (
                    "before"
                    if tag.endswith("::before")
                    else "after"
                    if tag.endswith("::after")
                    else ""
                )
                if child.element in seen[kind]:
                    child.bookmark_label = ""
                else:
                    seen[kind].append(child.element)
            if child.missing_link:
                for (box, token), item in context.target_collector.counter_lookup_items.items():
                    if child.missing_link == box and token != "content":
                        if token == "bookmark-label" and not child.bookmark_label:
                            continue
                        item.parse_again(counter_values)
                        if token == "bookmark-label":
                            child.bookmark_label = box.bookmark_label
            if child.string_set and child.string_set != "none":
                for name, text in child.string_set:
                    context.string_set[name][i + 1].append(text)


def _with_margin_boxes(pages: list[Any], context: LayoutContext) -> Iterator[Any]:
    """The last step of `layout_document`: fixed boxes, margin boxes and backgrounds."""
    for i, page in enumerate(pages):
        root, *areas = page.children  # the footnote area, and in 70 the note area
        root.children = [
            *layout.layout_fixed_boxes(context, pages[:i], page),
            *root.children,
            *layout.layout_fixed_boxes(context, pages[i + 1 :], page),
        ]
        context.current_page = i + 1
        state = context.page_maker[i + 1][3]
        areas = [area for area in areas if area.children]
        page.children = (root, *areas, *page_layout.make_margin_boxes(context, page, state))
        layout.layout_backgrounds(page, context.get_image_from_uri)
        yield page


def _finished(paginated: Paginated, page_boxes: list[Any]) -> LaidOut:
    html = paginated.html
    rendering = LaidOut(
        [document.Page(box) for box in page_boxes],
        document.DocumentMetadata(**document.get_html_metadata(html)),
        html.url_fetcher, paginated.fonts, paginated.color_profiles,
        paginated.options["output_intent"],
    )  # fmt: skip
    rendering._html = html
    return rendering
