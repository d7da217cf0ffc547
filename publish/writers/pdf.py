"""PDF writer: the print template and styles/print.css, laid out by WeasyPrint.

Notes are real page footnotes: the template floats each note from its first call
(`float: footnote`), so WeasyPrint puts it at the foot of the page that calls it, and a
second layout pass fixes the pages where WeasyPrint 70 would print a note one page late.
Resources come only from the project and the style folders (`LocalFileFetcher`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
from weasyprint import CSS, HTML
from weasyprint.document import Document as LaidOut
from weasyprint.formatting_structure import boxes
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

import publish
from publish import model as m
from publish.errors import PublishError, ResourceError
from publish.render import render_template
from publish.resources import find_style, style_dirs
from publish.settings import Settings
from publish.writers import atomic_output, build_timestamp

TEMPLATE = "print/document.html.j2"
STYLE = "print.css"


def write_pdf(
    document: m.Document,
    env: jinja2.Environment,
    out_path: Path,
    *,
    project_root: Path | None = None,
    settings: Settings | None = None,
) -> None:
    """Write `document` as a print-ready PDF to `out_path` (atomically)."""
    source_dir = Path(document.path).resolve().parent
    fetcher = LocalFileFetcher([(project_root or source_dir).resolve(), *style_dirs(project_root)])
    try:
        # Both steps fetch: the style sheet loads its fonts, the layout loads images.
        fonts = FontConfiguration()
        options = pdf_options(settings, style_sheets(project_root, settings, fetcher, fonts))
        html = HTML(string=render_html(document, env), base_url=source_dir, url_fetcher=fetcher)
        with fixed_font_timestamps(document.meta), atomic_output(out_path) as tmp:
            laid_out = lay_out(html, fonts, options)
            laid_out.write_pdf(tmp, pdf_identifier=pdf_identifier(document.meta), **options)
    except FatalURLFetchingError as exc:
        raise _resource_error(exc, document) from None


def style_sheets(
    project_root: Path | None,
    settings: Settings | None,
    fetcher: URLFetcher,
    fonts: FontConfiguration,
) -> list[CSS]:
    """styles/print.css, then the page the settings ask for (trim, bleed, crop marks)."""
    sheets = [CSS(filename=find_style(STYLE, project_root), url_fetcher=fetcher, font_config=fonts)]
    if settings is not None:
        width, height = settings.page_size
        marks = "crop" if settings.marks == "crop" else "none"
        page = f"@page {{ size: {width} {height}; bleed: {settings.bleed}; marks: {marks} }}"
        sheets.append(CSS(string=page, url_fetcher=fetcher, font_config=fonts))
    return sheets


def pdf_options(settings: Settings | None, sheets: list[CSS]) -> dict[str, Any]:
    """Options for both the layout and the PDF (WeasyPrint reads some in each)."""
    variant = settings.pdf_variant if settings is not None else ""
    return {"stylesheets": sheets, "pdf_tags": True, "pdf_variant": variant or None}


def render_html(document: m.Document, env: jinja2.Environment) -> str:
    """The print HTML; its head carries the PDF metadata (WeasyPrint reads it from there)."""
    stamp = build_timestamp(document.meta).strftime("%Y-%m-%dT%H:%M:%SZ")
    return render_template(env, TEMPLATE, document, version=publish.__version__, timestamp=stamp)


# Each layout costs as much as the first. Fixing a page shifts the ones after it, so a
# long book may take a few rounds (measured: 88 pages, 6 then 2, 1, 1 pages to fix).
MAX_LAYOUTS = 6


def lay_out(html: HTML, fonts: FontConfiguration, options: dict[str, Any]) -> LaidOut:
    """Paginate, and again while a page prints a note later than its call.

    When the `orphans`-th line of a paragraph overflows a page, WeasyPrint 70 makes room
    by moving the page's last note to the next page (its call stays behind). Asking that
    paragraph for one more orphan line moves the lines to the next page instead.
    """
    for _ in range(MAX_LAYOUTS - 1):
        laid_out = html.render(font_config=fonts, **options)
        stranding = stranding_paragraphs(laid_out)
        if not stranding:
            return laid_out
        for element, lines in stranding:
            element.set("style", f"orphans: {lines + 1}")
    return html.render(font_config=fonts, **options)


def stranding_paragraphs(laid_out: LaidOut) -> list[tuple[Any, int]]:
    """(element, its lines there) for the paragraph ending each page that strands a note."""
    found = []
    for page in laid_out.pages:
        flow, notes = _flow_and_notes(page._page_box)  # the layout boxes (no public accessor)
        called = {box.footnote.element.get("id") for box in flow if _is_call(box)}
        if called - notes:
            lines = [box for box in flow if isinstance(box, boxes.LineBox)]
            last = lines[-1].element
            found.append((last, sum(line.element is last for line in lines)))
    return found


def _flow_and_notes(page_box: boxes.PageBox) -> tuple[list[boxes.Box], set[str]]:
    """The boxes of the page's text and the ids of the notes printed at its foot."""
    flow: list[boxes.Box] = []
    notes: set[str] = set()
    for child in page_box.children:
        if isinstance(child, boxes.FootnoteAreaBox):
            notes |= {note.element.get("id") for note in child.children}
        elif not isinstance(child, boxes.MarginBox):
            flow += child.descendants()
    return flow, notes


def _is_call(box: boxes.Box) -> bool:
    return getattr(box, "footnote", None) is not None


def pdf_identifier(meta: m.Metadata) -> bytes:
    """A fixed /ID from the book's identifier: without it every build differs byte for byte."""
    return hashlib.md5(meta.identifier.encode(), usedforsecurity=False).hexdigest().encode()


@contextlib.contextmanager
def fixed_font_timestamps(meta: m.Metadata) -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH while WeasyPrint subsets fonts, unless the caller set it.

    Without HarfBuzz-subset, WeasyPrint subsets with fontTools, which stamps every embedded
    font with the clock unless SOURCE_DATE_EPOCH is set: two builds would then differ.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    # The spec wants a non-negative count, and fontTools cannot stamp a font before 1904.
    os.environ["SOURCE_DATE_EPOCH"] = str(max(0, int(build_timestamp(meta).timestamp())))
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


class LocalFileFetcher(URLFetcher):
    """Fetches `file:` URLs inside `roots` only: a book never goes online or reads elsewhere.

    `fail_on_errors` makes WeasyPrint stop on a refused or missing resource instead of
    logging it and printing the book without it.
    """

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(fail_on_errors=True)
        self.roots = roots

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = local_path(url)
        if path is None or not any(path.is_relative_to(root) for root in self.roots):
            raise ResourceError(f"'{url}' is not a file inside the project or its styles")
        if not path.is_file():
            raise ResourceError(f"'{path}' does not exist")
        return super().fetch(url, headers)


def local_path(url: str) -> Path | None:
    """The resolved file a `file:` URL names (symlinks followed), or None for other schemes."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return Path(url2pathname(parts.path)).resolve()


def _resource_error(exc: FatalURLFetchingError, document: m.Document) -> PublishError:
    # WeasyPrint wraps whatever the fetcher raised; give the user our message, not its own.
    cause = exc.__cause__
    if isinstance(cause, PublishError):
        return ResourceError(cause.message, document.location)
    return ResourceError(f"{exc}: {cause}", document.location)
