"""A book's PDF laid out part by part, in worker processes: the front matter, then each
document, joined into one PDF equal in content to the book laid out whole.

Why a book can be split: each of its documents opens a new page, so the layout of one
depends on the others only through numbers: the side and folio of the page it starts on,
the named strings the pages before it set (running heads), and the pages of the anchors it
refers to (`target-counter`: the contents, page references). A part is the book's print
HTML with one section in it, the others standing in as empty hidden sections (selectors such
as `:first-child` match as in the book), and one or two empty pages before it that give its
first page the side it has in the book (`PartShape.spacers`); the section after it stands in
too, to end it where the book ends it (with a blank verso, if the next document starts on a
recto).

Pagination, the costly step, runs first in every part (`Paginated`). Once every part's
pages are counted, each part's pages are numbered as in the book, the strings the parts
before it set are given to it, its margin boxes made and its pages written; `pdf_merge`
joins the parts. A part laid out on a wrong guess (the side of its first page, the page of
an anchor elsewhere) is laid out again: guesses come from the build before (the part cache).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import logging
import multiprocessing
import re
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import weasyprint
from markupsafe import Markup
from weasyprint import HTML

import publish
from publish import model as m
from publish.digests import file_digest, project_digest
from publish.errors import (
    PublishError,
    SourceLocation,
    SourceWarning,
    UnexpectedFailure,
    raise_problems,
)
from publish.original_pages import is_marker
from publish.resources import image_source
from publish.settings import Settings
from publish.writers import build_timestamp, engine
from publish.writers.part_cache import PartCache, bookmark_of, digest, warning_of
from publish.writers.pdf_figures import move_figures
from publish.writers.pdf_merge import Bookmark, merge_pdfs
from publish.writers.print_pages import left_out_of_print

log = logging.getLogger(__name__)

PART_END = "publishpartend"  # the id and word that mark where a part's pages end
DEST_PREFIX = "urn:publish-dest:"  # a link to another part's anchor, until joined
MAX_ROUNDS = 4  # layouts of a part on wrong guesses, before the book is laid out whole
CSS_PX_TO_PT = 0.75
PARTS_MADE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class PartShape:
    """What the print template sets apart in one part's HTML (print/document.html.j2)."""

    spacers: int = 0  # empty pages before the part: its first page's side
    front: bool = False  # the front matter (part 0)
    back: bool = False  # the compact copyright page (the last part)
    body_id: bool = False  # the `#body-matter` anchor (part 1: where the text begins)


@dataclass(frozen=True)
class Guess:
    """What a part is laid out on before the book is counted: its spacers, and the page
    number of each anchor of another part that it refers to (`complete`: of each one that
    is in the book; otherwise a guess that takes 1 for those not given)."""

    spacers: int
    targets: dict[str, int] = field(default_factory=dict)
    complete: bool = False

    def seeds(self, refers: Iterable[str]) -> dict[str, int]:
        """The anchors a part laid out on this guess finds elsewhere, with their pages."""
        if self.complete:
            return dict(self.targets)
        return {name: self.targets.get(name, 1) for name in refers}


@dataclass(frozen=True)
class PartLayout:
    """What the main process learns from one part's pagination."""

    index: int
    guess: Guess
    pages: int  # the part's own pages (spacers and the stand-in after it left out)
    counters: tuple[tuple[int, bool], ...]  # each page: its counter step, or its own value
    anchors: dict[str, int]  # anchor → the part's page it is on
    refers: tuple[str, ...]  # the anchors of other parts it refers to
    strings: dict[str, str]  # the last value of each named string it sets
    fits: bool  # its first page is not blank (the spacers gave it its side)
    alone: bool  # the stand-in after it opens a page of its own


@dataclass(frozen=True)
class PartPdf:
    """One part written: its PDF and what the joined PDF needs from it."""

    index: int
    data: bytes
    bookmarks: tuple[Bookmark, ...]  # pages counted within the part
    lines: tuple[tuple[str, ...], ...] | None  # each page's lines, for the EPUB's page-list
    warnings: tuple[SourceWarning, ...]


@dataclass(frozen=True)
class Numbering:
    """The book counted: where each part starts, every page's folio, every anchor's page
    number, the strings each part starts with."""

    starts: tuple[int, ...]
    numbers: tuple[tuple[int, ...], ...]
    values: dict[str, int]
    strings: tuple[dict[str, str], ...]
    total: int
    body_start: int | None

    def needs(self, layout: PartLayout) -> Guess:
        """The guess this part should have been laid out on."""
        spacers = 0 if layout.index == 0 else 2 - self.starts[layout.index] % 2
        targets = {name: self.values[name] for name in layout.refers if name in self.values}
        return Guess(spacers, targets, complete=True)

    def stands(self, layout: PartLayout) -> bool:
        """Whether the part was laid out on what the book now says."""
        needs = self.needs(layout)
        if not layout.fits or layout.guess.spacers != needs.spacers:
            return False
        return not layout.refers or layout.guess.seeds(layout.refers) == needs.targets


class CannotSplit(Exception):
    """The book cannot be laid out part by part (why): it is laid out whole."""


# The parts' HTML


def part_sections(sections: Sequence[Markup], index: int) -> list[Markup]:
    """The sections of part `index`: its own (none for part 0), the ones before it hidden,
    the one after it as the stand-in that ends it."""
    own = index - 1
    listed = [stand_in(section, hidden=True) for section in sections[: max(own, 0)]]
    if index:
        listed.append(sections[own])
    if own + 1 < len(sections):
        listed.append(stand_in(sections[own + 1], hidden=False))
    return listed


OPENING_TAG = re.compile(r"\s*(<section\b[^>]*>)")


def stand_in(section: Markup, *, hidden: bool) -> Markup:
    """An empty section with the opening tag of `section`, without its id: hidden, or
    holding the mark where the part before it ends."""
    match = OPENING_TAG.match(section)
    if match is None:
        raise CannotSplit("a document's print template does not open with a <section>")
    tag = re.sub(r'\sid="[^"]*"', "", match.group(1))
    if hidden:
        tag = re.sub(r'\sstyle="[^"]*"', "", tag)
        return Markup(tag[:-1] + ' style="display: none"></section>')
    return Markup(f'{tag}<p id="{PART_END}">{PART_END}</p></section>')


def part_shape(index: int, parts: int, spacers: int) -> PartShape:
    return PartShape(spacers, front=index == 0, back=index == parts - 1, body_id=index == 1)


# Laying out (in each worker process)


@dataclass
class Plan:
    """Everything a worker needs, made before the workers fork from the main process."""

    target: m.Book
    env: jinja2.Environment
    settings: Settings
    project_root: Path | None
    made: datetime.datetime
    sections: list[Markup]
    identifier: bytes
    want_lines: bool

    @property
    def parts(self) -> int:
        return len(self.sections) + 1

    def made_for(self, index: int) -> datetime.datetime:
        """The build's date for part 0, whose metadata the joined PDF keeps; a fixed one
        for the others (their fonts' stamps), which an edit elsewhere then leaves as kept.
        Every part is laid out from HTML dated PARTS_MADE: part 0 gets its date when written."""
        return self.made if index == 0 else PARTS_MADE


class PartWriter:
    """Lays out and writes the parts given to one process, inside one engine session."""

    def __init__(self, plan: Plan) -> None:
        from publish.writers import pdf  # the print HTML, styles and fetcher: pdf's

        self.plan = plan
        self.pdf = pdf
        self._stack = contextlib.ExitStack()
        self.renderer = self._stack.enter_context(engine.session())
        if self.renderer.fallback:
            self._stack.close()
            raise CannotSplit(self.renderer.fallback)
        with pdf.resources_as_errors(plan.target):
            self.setup = pdf.print_setup(plan.target, plan.settings, plan.project_root)
        self.held: dict[int, tuple[Any, HTML, int, int]] = {}

    def close(self) -> None:
        self._stack.close()

    def lay_out(self, index: int, guess: Guess) -> PartLayout:
        """Paginate part `index` on `guess`, keep it for `finish`, and say what it holds."""
        html = self.pdf.print_html(
            part_html(self.plan, index, guess), self.setup, self.plan.target.documents
        )
        refers = _references_out(html.etree_element)
        with self.pdf.resources_as_errors(self.plan.target), self._images(html.etree_element):
            paginated = self._paginate(html, guess.seeds(refers))
        first = guess.spacers
        anchors = paginated.anchor_pages()
        end = anchors.get(PART_END, len(paginated.pages))
        self.held[index] = (paginated, html, first, end)
        counters = paginated.page_counters()
        steps = []
        for page in range(first, end):
            value, own = counters[page]
            before = counters[page - 1][0] if page else 0
            steps.append((value, True) if own else (value - before, False))
        return PartLayout(
            index=index,
            guess=guess,
            pages=end - first,
            counters=tuple(steps),
            anchors={a: p - first for a, p in anchors.items() if first <= p < end},
            refers=tuple(refers),
            strings=paginated.strings_set(first, end),
            fits=end > first and not paginated.blank(first),
            alone=end == len(paginated.pages) or self._alone(paginated, end),
        )

    def _paginate(self, html: HTML, targets: dict[str, int]) -> Any:
        """`html` paginated, its figures floated (`move_figures`: paginated again)."""
        setup, renderer = self.setup, self.renderer
        paginated = renderer.paginate(html, setup.fonts, setup.options, targets)
        if paginated is None:
            raise CannotSplit(renderer.fallback or "WeasyPrint's internals are not as expected")
        if move_figures(html.etree_element, lambda: renderer.page_blocks(paginated)):
            paginated = renderer.paginate(html, setup.fonts, setup.options, targets)
        return paginated

    def _alone(self, paginated: Any, page: int) -> bool:
        """Whether the part's end mark is all there is on its page."""
        lines = self.renderer.page_lines(_Pages(paginated.pages[page : page + 1]), _nothing)
        return lines is not None and lines[0] == [PART_END]

    def drop(self, index: int) -> None:
        self.held.pop(index, None)

    def finish(
        self, index: int, numbers: Sequence[int], total: int, strings: dict[str, str]
    ) -> PartPdf:
        """Number part `index`'s pages, give it the `strings` the parts before it set, make
        its margin boxes, and write its own pages (not the spacers, not the stand-in)."""
        plan, pdf = self.plan, self.pdf
        paginated, html, first, end = self.held.pop(index)
        made = plan.made_for(index)
        with (
            pdf.resources_as_errors(plan.target),
            self._images(html.etree_element),
            pdf.fixed_font_timestamps(made),
        ):
            laid_out = paginated.finish(
                _numbered(numbers, first, len(paginated.pages)), total, strings
            )
            if plan.settings.original_pages == "margin":
                self.renderer.to_outer_margin(laid_out, is_marker)
            own = laid_out.copy(laid_out.pages[first:end])
            own.metadata.created = own.metadata.modified = _stamp(made)
            _link_across_parts(own.pages)
            placed = self.renderer.placed_images(own)
            warnings = list(pdf.low_resolution_images(placed, plan.target.documents))
            finish = pdf.print_finisher(plan.settings, plan.target, plan.project_root, labels=False)
            output = io.BytesIO()
            own.write_pdf(
                output, pdf_identifier=plan.identifier, finisher=finish, **self.setup.options
            )
        lines = None
        if plan.want_lines:
            read = self.renderer.page_lines(own, left_out_of_print)
            lines = tuple(tuple(page) for page in read) if read is not None else None
        return PartPdf(
            index, output.getvalue(), tuple(_bookmarks(own.pages)), lines, tuple(warnings)
        )

    def _images(self, root: Any) -> contextlib.AbstractContextManager[None]:
        return self.pdf.images_left_out(root, self.plan.target.documents)


def part_html(plan: Plan, index: int, guess: Guess) -> str:
    """The print HTML of part `index` laid out on `guess` (dated alike for every part)."""
    from publish.writers import pdf

    shape = part_shape(index, plan.parts, guess.spacers)
    sections = part_sections(plan.sections, index)
    return pdf.render_html(
        plan.target, plan.env, plan.settings, PARTS_MADE, sections=sections, part=shape
    )


def _numbered(numbers: Sequence[int], first: int, pages: int) -> list[int]:
    """Every page's number: the part's own `numbers`, from page `first`; the spacers before
    and the stand-in after numbered on from them (they are not printed)."""
    start = numbers[0] - first if numbers else 1
    every = [start + i for i in range(first)] + list(numbers)
    return every + [every[-1] + 1 + i for i in range(pages - len(every))]


@dataclass(frozen=True)
class _Pages:
    pages: Sequence[Any]


def _nothing(_element: Any) -> bool:
    return False


def _stamp(made: datetime.datetime) -> str:
    return made.strftime("%Y-%m-%dT%H:%M:%SZ")


def _references_out(root: Any) -> list[str]:
    """The anchors this part's links lead to that are not in it (in another part)."""
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    named = (element.get("href", "") for element in root.iter("a"))
    return list(
        dict.fromkeys(href[1:] for href in named if href.startswith("#") and href[1:] not in ids)
    )


def _link_across_parts(pages: Sequence[Any]) -> None:
    """A link to an anchor of another part is written as a URI the join turns back into a
    link within the book (WeasyPrint would drop it: no such anchor in this part)."""
    anchors = {name for page in pages for name in page.anchors}
    for page in pages:
        page.links[:] = [
            ("external", DEST_PREFIX + quote(target, safe=""), *rest)
            if kind == "internal" and target not in anchors else (kind, target, *rest)
            for kind, target, *rest in page.links
        ]  # fmt: skip


def _bookmarks(pages: Sequence[Any]) -> Iterator[Bookmark]:
    """The pages' bookmarks, at the PDF points WeasyPrint's own outline leads to."""
    for number, page in enumerate(pages):
        for level, label, (x, y), state in page.bookmarks:
            yield Bookmark(level, label, number, x * CSS_PX_TO_PT,
                           (page.height - y) * CSS_PX_TO_PT, state == "closed")  # fmt: skip


# Counting the book


def count_book(layouts: Sequence[PartLayout]) -> Numbering:
    """Each part's first page, every page's number, every anchor's page number."""
    starts, numbers, strings = [], [], []
    values: dict[str, int] = {}
    page, number, entering = 0, 0, {}
    body_start = None
    for layout in layouts:
        starts.append(page)
        strings.append(dict(entering))
        own = []
        for value, is_own in layout.counters:
            number = value if is_own else number + value
            own.append(number)
        numbers.append(tuple(own))
        for name, at in layout.anchors.items():
            values.setdefault(name, own[at])
        if body_start is None and "body-matter" in layout.anchors:
            body_start = page + layout.anchors["body-matter"]
        entering.update(layout.strings)
        page += layout.pages
    return Numbering(tuple(starts), tuple(numbers), values, tuple(strings), page, body_start)


# Running the parts


class InProcess:
    """The parts laid out one after the other in this process (`--jobs 1`)."""

    def __init__(self, plan: Plan) -> None:
        self.writer = PartWriter(plan)

    def lay_out(self, tasks: Sequence[tuple[int, Guess]]) -> Iterator[PartLayout]:
        with every_problem() as failed:
            for index, guess in tasks:
                with failed:
                    yield self.writer.lay_out(index, guess)

    def drop(self, index: int) -> None:
        self.writer.drop(index)

    def holds(self, index: int) -> bool:
        return index in self.writer.held

    def finish(
        self, tasks: Sequence[tuple[int, Sequence[int], int, dict[str, str]]]
    ) -> Iterator[PartPdf]:
        with every_problem() as failed:
            for task in tasks:
                with failed:
                    yield self.writer.finish(*task)

    def close(self) -> None:
        self.writer.close()


class Workers:
    """The parts laid out in worker processes forked from this one (they share the plan):
    a part is laid out by the first free worker, and written by the one that holds it."""

    def __init__(self, plan: Plan, count: int) -> None:
        context = multiprocessing.get_context("fork")
        self.connections: list[Connection] = []
        self.processes = []
        for _ in range(count):
            here, there = context.Pipe()
            process = context.Process(target=_serve, args=(plan, there), daemon=True)
            process.start()
            there.close()
            self.connections.append(here)
            self.processes.append(process)
        self.holder: dict[int, int] = {}

    def lay_out(self, tasks: Sequence[tuple[int, Guess]]) -> Iterator[PartLayout]:
        for worker, result in self._run([("lay out", *task) for task in tasks], None):
            self.holder[result.index] = worker
            yield result

    def holds(self, index: int) -> bool:
        return index in self.holder

    def drop(self, index: int) -> None:
        worker = self.holder.pop(index, None)
        if worker is not None:
            self.connections[worker].send(("drop", index))

    def finish(
        self, tasks: Sequence[tuple[int, Sequence[int], int, dict[str, str]]]
    ) -> Iterator[PartPdf]:
        for _worker, result in self._run([("finish", *task) for task in tasks], self.holder):
            del self.holder[result.index]
            yield result

    def _run(
        self, tasks: list[tuple[Any, ...]], holders: dict[int, int] | None
    ) -> Iterator[tuple[int, Any]]:
        """Each task to a free worker (or to the one holding its part), until all are done."""
        waiting = list(tasks)
        busy: dict[int, bool] = {}
        with every_problem() as failed:
            yield from self._dispatch(waiting, busy, holders, failed)

    def _dispatch(
        self, waiting: list[tuple[Any, ...]], busy: dict[int, bool],
        holders: dict[int, int] | None, failed: Problems,
    ) -> Iterator[tuple[int, Any]]:  # fmt: skip
        while waiting or busy:
            for worker in range(len(self.connections)):
                if worker in busy:
                    continue
                task = next(
                    (t for t in waiting if holders is None or holders.get(t[1]) == worker), None
                )
                if task is not None:
                    waiting.remove(task)
                    self.connections[worker].send(task)
                    busy[worker] = True
            ready = wait([self.connections[w] for w in busy])
            for connection in ready:
                worker = self.connections.index(connection)
                del busy[worker]
                try:
                    kind, payload = connection.recv()
                except EOFError:
                    raise UnexpectedFailure(
                        "a worker laying out the book's parts stopped unexpectedly (out of memory?)"
                    ) from None
                if kind == "failed":
                    with failed:
                        raise payload
                else:
                    yield worker, payload

    def close(self) -> None:
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.send(None)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


class Problems:
    """The problems of every part, raised together at the end of a step (`every_problem`):
    a missing image in two documents is two errors of one run. Used as a context around
    each part's work; anything not a PublishError stops the step at once."""

    def __init__(self) -> None:
        self.found: list[PublishError] = []

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _tb: Any
    ) -> bool:
        if isinstance(exc, PublishError) and not isinstance(exc, UnexpectedFailure):
            self.found.append(exc)
            return True
        return False


@contextlib.contextmanager
def every_problem() -> Iterator[Problems]:
    problems = Problems()
    yield problems
    raise_problems(problems.found)


def _serve(plan: Plan, connection: Connection) -> None:
    """A worker: lays out, drops and writes the parts the main process asks for."""
    try:
        writer = PartWriter(plan)
    except BaseException as exc:
        writer = None
        failure: BaseException | None = exc
    else:
        failure = None
    while (task := connection.recv()) is not None:
        kind, index, *args = task
        if kind == "drop":
            if writer is not None:
                writer.drop(index)
            continue
        try:
            if writer is None:
                raise failure  # type: ignore[misc]
            result = (
                writer.lay_out(index, *args) if kind == "lay out" else writer.finish(index, *args)
            )
            connection.send(("done", result))
        except BaseException as exc:
            connection.send(("failed", _portable(exc)))
    if writer is not None:
        writer.close()


def _portable(exc: BaseException) -> BaseException:
    """`exc` as it can travel to the main process and be told there in one line."""
    if isinstance(exc, (PublishError, CannotSplit)):
        return exc
    trace = "".join(traceback.format_exception(exc))
    return UnexpectedFailure(f"{type(exc).__name__}: {exc}", SourceLocation(""), trace)


def write_in_parts(
    target: m.Book,
    env: jinja2.Environment,
    output: Path,
    *,
    settings: Settings,
    project_root: Path | None,
    jobs: int,
    warn: Callable[[SourceWarning], None],
    on_pages: Callable[[list[Any] | None], None] | None,
    cached_as: Path | None = None,
    fresh: bool = False,
) -> int:
    """Lay `target` out part by part in `jobs` processes and write it to `output` (a
    temporary file the caller keeps), its parts kept for the next build beside `cached_as`
    (the PDF's own path): `fresh`, all laid out anew. Raises CannotSplit when it must be
    laid out whole."""
    from publish.writers import pdf
    from publish.writers.pdf_labels import label_ranges
    from publish.writers.print_pages import pages_from_lines

    made = build_timestamp(target, project_root)
    plan = Plan(target, env, settings, project_root, made, pdf.print_sections(target, env),
                pdf.pdf_identifier(target.meta), on_pages is not None)  # fmt: skip
    book = BookParts(plan, jobs, PartCache.beside(cached_as, reading=not fresh))
    try:
        numbering, _layouts, parts = book.run()
    finally:
        book.close()
    bookmarks = [
        replace(mark, page=numbering.starts[part.index] + mark.page)
        for part in parts for mark in part.bookmarks
    ]  # fmt: skip
    with output.open("wb") as file:
        merge_pdfs([part.data for part in parts], file, bookmarks=bookmarks,
                   page_labels=label_ranges(numbering.body_start), identifier=plan.identifier)  # fmt: skip
    seen: set[tuple[str, int, str]] = set()
    for part in parts:
        for warning in part.warnings:
            if (key := (warning.location.path, warning.location.line, warning.message)) not in seen:
                seen.add(key)
                warn(warning)
    if on_pages is not None:
        lines = [list(page) for part in parts for page in (part.lines or ())]
        if any(part.lines is None for part in parts):
            on_pages(None)
        else:
            from publish.writers.pdf_labels import labels_from

            first = numbering.body_start or 0
            labels = labels_from(label_ranges(numbering.body_start), numbering.total)
            on_pages(pages_from_lines(lines[first:], labels[first:]))
    return numbering.total


class BookParts:
    """One build of a book's parts: each paginated (or found in the cache) until all stand
    on what the book says, then each written (or found), by the runner made on first need:
    a book whose parts are all in the cache starts no worker and no engine."""

    def __init__(self, plan: Plan, jobs: int, cache: PartCache) -> None:
        self.plan = plan
        self.jobs = jobs
        self.cache = cache
        self.indexes = list(range(plan.parts))
        saved = cache.guesses()
        self.guesses = {i: _guess_of(saved.get(i), i) for i in self.indexes}
        self.keys: dict[int, str] = {}  # each part's layout key, for the guess it stands on
        self.pdf_keys: dict[int, str] = {}
        self._runner: InProcess | Workers | None = None
        self._base = digest(
            publish.__version__, weasyprint.__version__, repr(plan.settings), plan.identifier.hex(),
            project_digest(plan.project_root or Path(plan.target.path).resolve().parent),
        )  # fmt: skip

    @property
    def runner(self) -> InProcess | Workers:
        if self._runner is None:
            fork = self.jobs > 1 and "fork" in multiprocessing.get_all_start_methods()
            self._runner = (
                Workers(self.plan, min(self.jobs, self.plan.parts))
                if fork
                else InProcess(self.plan)
            )
        return self._runner

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()

    def run(self) -> tuple[Numbering, list[PartLayout], list[PartPdf]]:
        layouts = self.paginate()
        numbering = count_book(layouts)
        parts = self.write(numbering)
        self.cache.keep_guesses(self.guesses)
        self.cache.prune(self.keys.values(), self.pdf_keys.values())
        return numbering, layouts, parts

    def paginate(self) -> list[PartLayout]:
        """Every part paginated on guesses that stand."""
        layouts: dict[int, PartLayout] = {}
        for _round in range(MAX_ROUNDS):
            self.lay_out([i for i in self.indexes if i not in layouts], layouts)
            ordered = [layouts[i] for i in self.indexes]
            if not all(layout.alone for layout in ordered):
                raise CannotSplit("a document does not start on a new page")
            numbering = count_book(ordered)
            wrong = [layout for layout in ordered if not numbering.stands(layout)]
            if not wrong:
                return ordered
            for layout in wrong:
                self.guesses[layout.index] = numbering.needs(layout)
                del layouts[layout.index]
                self.runner.drop(layout.index)
        raise CannotSplit("the parts' page numbers did not settle")

    def lay_out(self, indexes: list[int], into: dict[int, PartLayout], cached: bool = True) -> None:
        """Paginate these parts (the largest first), or take them from the cache."""
        todo = []
        for index in indexes:
            self.keys[index] = key = self.layout_key(index)
            found = self.cache.layout(key) if cached else None
            if found is not None and (layout := _layout_of(found)) is not None:
                into[index] = layout
            else:
                todo.append(index)
        todo.sort(key=lambda i: -_size(self.plan, i))
        for layout in self.runner.lay_out([(i, self.guesses[i]) for i in todo]) if todo else ():
            into[layout.index] = layout
            self.cache.keep_layout(self.keys[layout.index], asdict(layout))

    def layout_key(self, index: int) -> str:
        """What a part's pagination depends on: its HTML, images, styles, guess."""
        plan, guess = self.plan, self.guesses[index]
        markup = part_html(plan, index, guess)
        documents = plan.target.documents[index - 1 : index] if index else plan.target.documents
        images = [file_digest(path) for path in _image_files(documents)]
        return digest(self._base, markup, images, asdict(guess))

    def write(self, numbering: Numbering) -> list[PartPdf]:
        """Every part written, or found in the cache: a part found paginated but not
        written with these numbers is paginated again first."""
        self.pdf_keys = keys = {
            i: digest(self.keys[i], numbering.numbers[i], numbering.total, numbering.strings[i],
                      _stamp(self.plan.made_for(i))) for i in self.indexes
        }  # fmt: skip
        written: dict[int, PartPdf] = {}
        for index in self.indexes:
            found = self.cache.pdf(keys[index])
            if found is not None:
                written[index] = _part_of(index, *found)
        missing = [i for i in self.indexes if i not in written]
        unheld = [i for i in missing if not self.runner.holds(i)]
        if unheld:
            self.lay_out(unheld, {}, cached=False)
        tasks = [(i, numbering.numbers[i], numbering.total, numbering.strings[i])
                 for i in sorted(missing, key=lambda i: -_size(self.plan, i))]  # fmt: skip
        for part in self.runner.finish(tasks) if tasks else ():
            written[part.index] = part
            self.cache.keep_pdf(keys[part.index], part.data, _about(part))
        return [written[i] for i in self.indexes]


def _guess_of(saved: Any, index: int) -> Guess:
    """The guess a part was last laid out on, or a first one: a recto (two spacers)."""
    default = Guess(0 if index == 0 else 2)
    if not isinstance(saved, dict):
        return default
    try:
        return Guess(int(saved["spacers"]), {str(k): int(v) for k, v in saved["targets"].items()},
                     bool(saved["complete"]))  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError):
        return default


def _layout_of(data: dict[str, Any]) -> PartLayout | None:
    """A part's pagination as the cache keeps it, or None if it is not one."""
    try:
        counters = tuple((int(value), bool(own)) for value, own in data["counters"])
        guess = Guess(**data["guess"])
        return PartLayout(
            **{**data, "guess": guess, "counters": counters, "refers": tuple(data["refers"])}
        )
    except (KeyError, TypeError, ValueError):
        return None


def _about(part: PartPdf) -> dict[str, Any]:
    return {
        "bookmarks": [asdict(mark) for mark in part.bookmarks],
        "lines": part.lines,
        "warnings": [asdict(warning) for warning in part.warnings],
    }


def _part_of(index: int, data: bytes, about: dict[str, Any]) -> PartPdf:
    lines = about.get("lines")
    return PartPdf(
        index, data, tuple(bookmark_of(mark) for mark in about.get("bookmarks", [])),
        tuple(tuple(page) for page in lines) if lines is not None else None,
        tuple(warning_of(warning) for warning in about.get("warnings", [])),
    )  # fmt: skip


def _image_files(documents: Iterable[m.Document]) -> Iterator[Path]:
    for document in documents:
        for image in m.iter_images(document):
            path = image_source(image.src, document.path)
            if path is not None:
                yield path


def _size(plan: Plan, index: int) -> int:
    return len(plan.sections[index - 1]) if index else 0
