"""WeasyPrint through one door: the PDF writer lays out and writes inside `session()`.

publish needs more than WeasyPrint's public API gives: notes broken across pages, costs that
grow with the square of a book's pages worked around, the images as laid out. That lives in
one module per WeasyPrint it was tested with (`weasyprint70`), and is applied only inside a
session: importing publish changes nothing in WeasyPrint or pydyf, and a session puts back
what it replaced when it ends, even on an error.

The lock: a session holds `RENDER_LOCK`, so publish lays out and writes one PDF at a time in a
process; a second thread that builds a PDF meanwhile waits for the first to finish. While a
session is open, what it replaced in WeasyPrint answers as publish's only on the session's
own thread: a program's own WeasyPrint rendering on another thread gets WeasyPrint's own.

On any other WeasyPrint, or when its internals are not what the module expects, the session
uses WeasyPrint's public API alone (`Engine.fallback` says why, for one warning): a note too
long for the room under its call then moves whole to the next page, as WeasyPrint does (one
longer than a page runs off its foot: WeasyPrint never breaks a note), a page's notes keep
the order of their calls (`note-order` is left out, and the PDF writer's warning says so),
and the PDF is still written; images are not measured for their resolution while laid out
(`publish check` still measures them in the PDF).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import weasyprint
from weasyprint import HTML
from weasyprint import Document as LaidOut
from weasyprint.text.fonts import FontConfiguration

log = logging.getLogger(__name__)

# The WeasyPrint majors publish's internals were tested on (CI runs the PDF tests on each),
# and the module that holds the internals for it.
INTERNALS = {69: "weasyprint70", 70: "weasyprint70"}
# What a changed internal raises when applied or used: a name gone, a signature or a
# returned tuple changed.
INTERNALS_BROKEN = (AttributeError, ImportError, TypeError, ValueError)

RENDER_LOCK = threading.RLock()
FALLBACK_EFFECT = (
    "a note too long for the room under its call moves whole to the next page instead of "
    "breaking there, and one longer than a page runs off the page's foot"
)


@dataclass(frozen=True)
class LayoutStats:
    """What pagination took: pages, notes continued on a later page, seconds."""

    pages: int
    continued_notes: int
    seconds: float


@dataclass(frozen=True)
class PlacedImage:
    """A raster image as laid out: its element, its size in CSS px, its pixels."""

    element: Any
    width: float
    height: float
    pixel_width: int
    pixel_height: int


@dataclass(frozen=True)
class PageBlocks:
    """One page as laid out, in CSS px: each element's block on it (element, top, bottom),
    how low its text may reach (above its notes), and the height of a line of it."""

    blocks: list[tuple[Any, float, float]]
    text_bottom: float
    line: float


def weasyprint_major() -> int | None:
    """WeasyPrint's major version (70 for "70.0"), or None if it does not say."""
    try:
        return int(str(weasyprint.__version__).split(".")[0])
    except (AttributeError, ValueError):
        return None


def internals_module() -> tuple[ModuleType | None, str | None]:
    """The internals for the installed WeasyPrint, or None and why not."""
    name = INTERNALS.get(weasyprint_major() or 0)
    version = getattr(weasyprint, "__version__", "?")
    if name is None:
        tested = ", ".join(f"{major}.x" for major in sorted(INTERNALS))
        return None, f"WeasyPrint {version} is not one publish was tested with ({tested})"
    try:
        return importlib.import_module(f"{__name__}.{name}"), None
    except INTERNALS_BROKEN as exc:
        return None, f"WeasyPrint {version}'s internals are not as expected ({_short(exc)})"


class Engine:
    """One session's WeasyPrint: publish's internals applied, or its public API alone."""

    def __init__(self, internals: ModuleType | None, why_not: str | None) -> None:
        self.internals = internals
        self.why_not = why_not
        self._applied = contextlib.ExitStack()

    @property
    def fallback(self) -> str | None:
        """The one warning to give when the public API alone was used, or None."""
        if self.internals is not None:
            return None
        return f"{self.why_not}: {FALLBACK_EFFECT}"

    def apply(self) -> None:
        if self.internals is None:
            return
        try:
            self._applied.enter_context(self.internals.applied())
        except INTERNALS_BROKEN as exc:
            self._fall_back(exc)

    def _fall_back(self, exc: BaseException) -> None:
        self._applied.close()  # WeasyPrint as it was
        version = getattr(weasyprint, "__version__", "?")
        self.why_not = f"WeasyPrint {version}'s internals are not as expected ({_short(exc)})"
        self.internals = None
        log.info("%s: %s", self.why_not, FALLBACK_EFFECT)  # the writer warns, once

    def close(self) -> None:
        self._applied.close()

    def lay_out(
        self, html: HTML, fonts: FontConfiguration, options: dict[str, Any]
    ) -> tuple[LaidOut, LayoutStats]:
        """Paginate `html` once (breaking notes too long for their page, with the internals)."""
        start = time.perf_counter()
        laid_out = self._render(html, fonts, options)
        stats = LayoutStats(
            len(laid_out.pages),
            self._continued_notes(laid_out),
            round(time.perf_counter() - start, 2),
        )
        log.info("pagination: %s", stats)
        return laid_out, stats

    def _render(self, html: HTML, fonts: FontConfiguration, options: dict[str, Any]) -> LaidOut:
        if self.internals is not None:
            try:
                return html.render(font_config=fonts, **options)
            except INTERNALS_BROKEN as exc:  # laid out again with WeasyPrint's own
                self._fall_back(exc)
        return html.render(font_config=fonts, **options)

    def paginate(
        self,
        html: HTML,
        fonts: FontConfiguration,
        options: dict[str, Any],
        targets: dict[str, int],
    ) -> Any:
        """`html` paginated, its margin boxes left to make (`Paginated.finish`), for a book
        laid out part by part; `targets`: anchors of other parts → their page numbers.
        None with the public API alone (it lays out a document whole, or not at all)."""
        if self.internals is None:
            return None
        try:
            return self.internals.Paginated(html, fonts, options, targets)
        except INTERNALS_BROKEN as exc:
            self._fall_back(exc)
            return None

    def _continued_notes(self, laid_out: LaidOut) -> int:
        if self.internals is None:
            return 0
        try:
            return len(self.internals.continued_notes(laid_out))
        except INTERNALS_BROKEN:  # only a figure for the log
            return 0

    def placed_images(self, laid_out: LaidOut) -> list[PlacedImage]:
        """The raster images as laid out; none when only the public API is used (it has no
        accessor for them)."""
        if self.internals is None:
            return []
        try:
            return [PlacedImage(*placed) for placed in self.internals.placed_images(laid_out)]
        except INTERNALS_BROKEN as exc:
            log.warning("images not measured while laid out: %s", _short(exc))
            return []

    def page_blocks(self, laid_out: LaidOut) -> list[PageBlocks] | None:
        """Where each page's blocks lie; None when only the public API is used (it has no
        accessor for them)."""
        if self.internals is None:
            return None
        try:
            return [PageBlocks(*page) for page in self.internals.page_blocks(laid_out)]
        except INTERNALS_BROKEN as exc:
            log.warning("blocks not measured while laid out: %s", _short(exc))
            return None

    def page_lines(
        self, laid_out: LaidOut, left_out: Callable[[Any], bool]
    ) -> list[list[str]] | None:
        """Each page's lines of running text (no running heads, folios, notes, generated
        text, or elements `left_out` names); None when only the public API is used (it has
        no accessor for them)."""
        if self.internals is None:
            return None
        try:
            return list(self.internals.page_lines(laid_out, left_out))
        except INTERNALS_BROKEN as exc:
            log.warning("lines not read while laid out: %s", _short(exc))
            return None

    def to_outer_margin(self, laid_out: LaidOut, is_marker: Callable[[Any], bool]) -> None:
        """Set the margin markers (`is_marker`) of the left-hand pages in their left-hand
        margin; with the public API alone they stay in the right-hand one, where the style
        sheet sets them (it cannot tell a page's side to a positioned box)."""
        if self.internals is None:
            return
        try:
            self.internals.to_outer_margin(laid_out, is_marker)
        except INTERNALS_BROKEN as exc:
            log.warning("margin markers left in the right-hand margin: %s", _short(exc))


@contextlib.contextmanager
def session() -> Iterator[Engine]:
    """Lay out and write one PDF: publish's internals applied meanwhile, under the lock."""
    with RENDER_LOCK:
        engine = Engine(*internals_module())
        try:
            engine.apply()
            yield engine
        finally:
            engine.close()


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]
