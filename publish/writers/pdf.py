"""PDF writer: the print template and styles/print.css, laid out by WeasyPrint.

Notes are real page footnotes: the template floats each note from its first call
(`float: footnote`), so WeasyPrint puts it at the foot of the page that calls it; the
engine's layout (`writers.engine`, the one door to WeasyPrint's internals) breaks a note
too long for its page and goes on with it at the foot of the next. Resources come only
from the project and the style folders (`LocalFileFetcher`).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import mimetypes
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname
from xml.etree.ElementTree import Element

import jinja2
import pydyf
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint import Document as LaidOut
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

import publish
from publish import model as m
from publish.errors import (
    PublishError,
    ResourceError,
    SourceLocation,
    SourceWarning,
    raise_problems,
)
from publish.files import MAX_BINARY_BYTES, read_file, shown
from publish.original_pages import PRINT_RULES, is_marker
from publish.render import heading_id, plain_text, render_template
from publish.resources import image_source, style_cascade, style_dirs
from publish.settings import MIN_DPI, MM, Settings, length_pt
from publish.writers import atomic_output, build_timestamp, engine
from publish.writers.pdf_figures import move_figures
from publish.writers.pdf_labels import body_start, page_labels, with_page_labels
from publish.writers.pdfx import pdfx_css, pdfx_finisher, verify_pdfx
from publish.writers.print_pages import PrintPage, left_out_of_print, pages_from_lines

TEMPLATE = "print/document.html.j2"
SECTION = "print/section.html.j2"
STYLE = "print.css"
Target = m.Document | m.Book


def write_pdf(
    target: Target,
    env: jinja2.Environment,
    out_path: Path,
    *,
    project_root: Path | None = None,
    settings: Settings | None = None,
    warn: Callable[[SourceWarning], None] | None = None,
    on_pages: Callable[[list[PrintPage] | None], None] | None = None,
    jobs: int = 1,
    fresh: bool = False,
) -> int:
    """Write a document, or a book of documents, as a print-ready PDF to `out_path`.

    Written atomically. `warn` hears of images that print under MIN_DPI at their size, and
    of notes moved whole when WeasyPrint is one the engine does not know (`engine.fallback`);
    `on_pages`, of where each page begins (`print_pages_of`), for the EPUB's page-list.
    Returns the number of pages.
    """
    settings = settings or Settings()
    if in_parts(target, settings):
        from publish.writers import pdf_parts  # it uses this module's HTML and styles

        try:
            with atomic_output(out_path) as tmp:  # kept only if the parts are joined
                pages = pdf_parts.write_in_parts(
                    target, env, tmp, settings=settings, project_root=project_root,
                    jobs=jobs, warn=warn or _ignore, on_pages=on_pages, cached_as=out_path, fresh=fresh,
                )  # fmt: skip
                verify_pdfx(tmp, settings, target.location)
                return pages
        except pdf_parts.CannotSplit as why:  # the book, laid out whole below
            message = f"the PDF is laid out in one process, not document by document: {why}"
            (warn or _ignore)(SourceWarning(message, target.location))
    with laid_out_pdf(target, env, settings, project_root, out_path) as layout:
        laid_out, renderer, tmp = layout.laid_out, layout.renderer, layout.output
        if renderer.fallback:
            fallback = renderer.fallback + notes_in_call_order(target.documents)
            (warn or _ignore)(SourceWarning(fallback, target.location))
        placed = renderer.placed_images(laid_out)
        for warning in low_resolution_images(placed, target.documents):
            (warn or _ignore)(warning)
        if on_pages is not None:
            on_pages(print_pages_of(renderer, laid_out))
        finish = print_finisher(settings, target, project_root)
        identifier = pdf_identifier(target.meta)
        laid_out.write_pdf(tmp, pdf_identifier=identifier, finisher=finish, **layout.options)
        verify_pdfx(tmp, settings, target.location)  # no false claim of PDF/X
        return len(laid_out.pages)


def in_parts(target: Target, settings: Settings) -> bool:
    """Whether a book is laid out part by part (`pdf_parts`): a book of documents, unless
    set to one layout (`pdf-layout: whole`)."""
    return (
        isinstance(target, m.Book) and len(target.documents) > 1 and settings.pdf_layout == "parts"
    )


def print_pages_laid_out(
    target: Target,
    env: jinja2.Environment,
    settings: Settings,
    project_root: Path | None = None,
) -> list[PrintPage] | None:
    """Where each page of the target's PDF begins, laid out but not written (for an EPUB
    whose PDF is not made in the same build); None as `print_pages_of`."""
    with laid_out_pdf(target, env, settings, project_root) as layout:
        return print_pages_of(layout.renderer, layout.laid_out)


def print_pages_of(renderer: engine.Engine, laid_out: LaidOut) -> list[PrintPage] | None:
    """Each page of the text (from where it begins, after the front matter) with its folio
    and first words; None when the engine cannot read the layout's lines."""
    lines = renderer.page_lines(laid_out, left_out_of_print)
    if lines is None:
        return None
    first = body_start(laid_out.pages) or 0
    return pages_from_lines(lines[first:], page_labels(laid_out.pages)[first:])


@dataclass(frozen=True)
class Layout:
    """A target laid out as its PDF, with the engine that did it, the options to write it
    with, and the temporary file to write it to (kept only if all goes well)."""

    laid_out: LaidOut
    renderer: engine.Engine
    options: dict[str, Any]
    output: Path


@contextlib.contextmanager
def laid_out_pdf(
    target: Target,
    env: jinja2.Environment,
    settings: Settings,
    project_root: Path | None,
    out_path: Path | None = None,
) -> Iterator[Layout]:
    """The target laid out as its PDF (figures floated), inside an engine session that
    lasts until it is written to `out_path` (atomically: an image that could not be drawn
    is an error before the file is kept); without `out_path`, to nowhere."""
    with resources_as_errors(target):
        setup = print_setup(target, settings, project_root)
        made = build_timestamp(target, project_root)
        html = print_html(render_html(target, env, settings, made), setup, target.documents)
        with (
            engine.session() as renderer,
            fixed_font_timestamps(made),
            atomic_output(out_path) if out_path else _nowhere() as tmp,
            images_left_out(html.etree_element, target.documents),
        ):
            laid_out, _stats = renderer.lay_out(html, setup.fonts, setup.options)
            if move_figures(html.etree_element, lambda: renderer.page_blocks(laid_out)):
                laid_out, _stats = renderer.lay_out(html, setup.fonts, setup.options)
            if settings.original_pages == "margin":
                renderer.to_outer_margin(laid_out, is_marker)
            yield Layout(laid_out, renderer, setup.options, tmp)


@dataclass(frozen=True)
class PrintSetup:
    """What every layout of a target's print HTML shares: the folder its relative URLs
    start from, the fetcher (the project and the style folders only), the fonts the style
    sheets load, and the options (style sheets, tags, variant)."""

    source_dir: Path
    fetcher: LocalFileFetcher
    fonts: FontConfiguration
    options: dict[str, Any]


def print_setup(target: Target, settings: Settings, project_root: Path | None) -> PrintSetup:
    """The style sheets loaded (with their fonts) for the target's layouts."""
    source_dir = Path(target.path).resolve().parent
    fetcher = LocalFileFetcher([(project_root or source_dir).resolve(), *style_dirs(project_root)])
    fonts = FontConfiguration()
    options = pdf_options(settings, style_sheets(project_root, settings, fetcher, fonts))
    return PrintSetup(source_dir, fetcher, fonts, options)


def print_html(markup: str, setup: PrintSetup, documents: tuple[m.Document, ...]) -> HTML:
    """The print HTML parsed, its images rebased and its local links dropped."""
    html = HTML(string=markup, base_url=setup.source_dir, url_fetcher=setup.fetcher)
    rebase_images(html.etree_element, documents)
    unlink_local_references(html.etree_element)
    return html


def print_finisher(
    settings: Settings, target: Target, project_root: Path | None, *, labels: bool = True
) -> Callable[[LaidOut, pydyf.PDF], None]:
    """What WeasyPrint does last to the PDF: the bleed boxes, the page labels (a book laid
    out in parts gets them when joined), and PDF/X's CMYK."""
    finish = set_bleed_boxes(length_pt(settings.bleed))
    if labels:
        finish = with_page_labels(finish)
    return pdfx_finisher(finish, settings, target.location, project_root)


@contextlib.contextmanager
def resources_as_errors(target: Target) -> Iterator[None]:
    """A style sheet's, a font's or an image's refusal (the fetcher's), as our error."""
    try:
        yield
    except FatalURLFetchingError as exc:
        raise _resource_error(exc, target) from None


@contextlib.contextmanager
def _nowhere() -> Iterator[Path]:
    yield Path(os.devnull)


def notes_in_call_order(documents: Sequence[m.Document]) -> str:
    """What the fallback's warning adds when a document sets `note-order`: the public API
    lays out a page's notes in the order of their calls only."""
    if any(document.meta.note_order for document in documents):
        return "; the notes at a page's foot keep the order of their calls, not 'note-order'"
    return ""


# Crop marks need room outside the bleed: WeasyPrint draws them in the outer half of the
# CSS bleed, so with marks the CSS bleed is twice the real one plus this (the marks then end
# 3 mm beyond the real bleed); `set_bleed_boxes` puts the PDF's BleedBox back on the real one.
MARKS_ROOM_MM = 6


def style_sheets(
    project_root: Path | None,
    settings: Settings | None,
    fetcher: URLFetcher,
    fonts: FontConfiguration,
) -> list[CSS]:
    """The built-in styles/print.css and the project's (or the project's alone, with
    `styles = "replace"`), then the page the settings ask for (trim, bleed, crop marks)."""
    mode = settings.styles if settings is not None else "add"
    sheets = [
        CSS(filename=path, url_fetcher=fetcher, font_config=fonts)
        for path in style_cascade(STYLE, project_root, mode)
    ]
    if settings is not None:
        width, height = settings.page_size
        bleed = length_pt(settings.bleed)
        if settings.marks == "crop":
            bleed = 2 * bleed + MARKS_ROOM_MM * MM
        marks = "crop" if settings.marks == "crop" else "none"
        page = f"@page {{ size: {width} {height}; bleed: {bleed:.3f}pt; marks: {marks} }}"
        if not settings.gutter_bleed:  # KDP: no bleed on the binding side
            page += " @page :left { bleed-right: 0 } @page :right { bleed-left: 0 }"
        page += pdfx_css(settings)
        page += PRINT_RULES[settings.original_pages]
        sheets.append(CSS(string=page, url_fetcher=fetcher, font_config=fonts))
    return sheets


def set_bleed_boxes(bleed: float) -> Callable[[LaidOut, pydyf.PDF], None]:
    """A finisher that sets every page's BleedBox to the TrimBox plus `bleed` points.

    WeasyPrint puts it at most 10 pt outside the trim, whatever the bleed asked for.
    """

    def finish(_document: LaidOut, pdf: pydyf.PDF) -> None:
        kids = pdf.pages["Kids"]  # flat: object number, generation, "R"
        for number in kids[::3]:
            page = pdf.objects[number]
            left, bottom, right, top = page["TrimBox"]
            media = page["MediaBox"]  # no bleed where the page has none (a KDP gutter)
            box = [max(left - bleed, media[0]), max(bottom - bleed, media[1]),
                   min(right + bleed, media[2]), min(top + bleed, media[3])]  # fmt: skip
            page["BleedBox"] = pydyf.Array(box)

    return finish


def pdf_options(settings: Settings | None, sheets: list[CSS]) -> dict[str, Any]:
    """Options for both the layout and the PDF (WeasyPrint reads some in each)."""
    variant = settings.pdf_variant if settings is not None else ""
    return {"stylesheets": sheets, "pdf_tags": True, "pdf_variant": variant or None}


def render_html(
    target: Target,
    env: jinja2.Environment,
    settings: Settings,
    made: datetime.datetime | None = None,
    *,
    sections: Sequence[Markup] | None = None,
    part: Any = None,
) -> str:
    """The print HTML: a book's title page, then each document as a section.

    Its head carries the PDF metadata (WeasyPrint reads it from there), dated `made`
    (by default, `build_timestamp` without the project's files). `sections` are
    `print_sections(target, env)`, or stand-ins for some of them with `part`, the HTML of
    one part of a book laid out part by part (`pdf_parts.PartShape`).
    """
    stamp = (made or build_timestamp(target)).strftime("%Y-%m-%dT%H:%M:%SZ")
    in_book = isinstance(target, m.Book)
    contents = contents_entries(target) if m.has_contents_page(target) else []
    return render_template(
        env, TEMPLATE, target, title_page=in_book, part=part,
        sections=print_sections(target, env) if sections is None else sections,
        contents=contents if in_book else [], relink=document_links(target.documents, target.path),
        start=settings.start, version=publish.__version__, timestamp=stamp,
    )  # fmt: skip


def print_sections(target: Target, env: jinja2.Environment) -> list[Markup]:
    """Each document of the target as a section of the print HTML."""
    documents = target.documents
    in_book = isinstance(target, m.Book)
    # A book's contents follow its title page; a document's (`toc: true`), its header.
    contents = contents_entries(target) if m.has_contents_page(target) and not in_book else []
    return [
        Markup(render_template(env, SECTION, document, id_prefix=_prefix(number, documents),
                               base=Path(document.path).resolve().parent.as_uri() + "/",
                               document_contents=contents,
                               skip_authors=target.meta.authors if in_book else (),
                               relink=document_links(documents, document.path)))
        for number, document in enumerate(documents, start=1)
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ContentsEntry:
    """A line of the printed contents: its text, the id it leads to, the lines under it."""

    title: str
    anchor: str
    children: tuple[ContentsEntry, ...] = ()


def contents_entries(target: Target) -> list[ContentsEntry]:
    """A book's documents, or a document's headings, with their headings down to `toc-depth`."""
    depth = target.meta.toc_depth
    documents = target.documents

    def entries(tree: m.HeadingTree, prefix: str) -> tuple[ContentsEntry, ...]:
        return tuple(
            ContentsEntry(plain_text(h.children).strip() or "…", heading_id(h, prefix), entries(c, prefix))
            for h, c in tree
        )  # fmt: skip

    if isinstance(target, m.Document):
        return list(entries(m.heading_tree(target, depth), ""))
    return [
        ContentsEntry(d.meta.title, f"{_prefix(n, documents)}document",
                      entries(m.heading_tree(d, depth), _prefix(n, documents)))
        for n, d in enumerate(documents, 1)
    ]  # fmt: skip


def document_links(documents: tuple[m.Document, ...], linking: str) -> Callable[[str], str | None]:
    """Links between a book's documents (`other.md`, `../one/ch.md#id`), written in the
    file at `linking`, lead inside the one PDF: to the section of the document at that
    path, or its element (ids carry the section's prefix). A relative link to anything
    else has nothing to lead to: its words stay, unlinked."""
    sections = {m.document_key(d.path): _prefix(n, documents) for n, d in enumerate(documents, 1)}

    def relink(href: str) -> str | None:
        linked = m.linked_path(linking, href)
        if linked is None:
            return href  # within the section, or a URL with a scheme (https:, mailto:)
        path, fragment = linked
        prefix = sections.get(path)
        if prefix is None:
            return None
        return f"#{prefix}{fragment}" if fragment else f"#{prefix}document"

    return relink


# What a link in a printed book may lead to; a relative link would be resolved against the
# builder's folder into `file:///home/…`: a path leak, a dead link, and bytes that differ
# from one checkout to another.
PDF_LINK_SCHEMES = frozenset({"http", "https", "ftp", "mailto", "tel", "urn", "doi"})


def unlink_local_references(root: Element) -> None:
    """Leave only links within the PDF (`#id`) or to the web and mail: any other `href`
    (`notes.txt`, `../x.md`, `//host/x`, `file:`, `C:/x`), whether from a source, a header
    or a project's template, is dropped and its words stay."""
    body = next(root.iter("body"), root)
    for element in body.iter():
        href = element.get("href")
        if href is not None and not pdf_link_allowed(href):
            del element.attrib["href"]


def pdf_link_allowed(href: str) -> bool:
    """Whether a printed link leads within the PDF or to an address of the web or mail."""
    href = href.strip()
    if href.startswith("#"):
        return True
    try:
        scheme = urlsplit(href).scheme.lower()
    except ValueError:  # an unbalanced `[` in a host, say
        return False
    return scheme in PDF_LINK_SCHEMES


def _prefix(number: int, documents: tuple[m.Document, ...]) -> str:
    """Names in a book's sections start `dN-`: each document counts its notes from 1."""
    return f"d{number}-" if len(documents) > 1 else ""


def rebase_images(root: Element, documents: tuple[m.Document, ...]) -> None:
    """Make each section's image paths absolute: a book's documents live in different folders.
    Each is the file the EPUB packs and the cache watches (`image_source`: `a#b.png` is a
    file of that name, not `a` and a fragment).

    The source's own path stays in `data-src` (warnings name it), the document in `data-doc`.
    """
    sections = [section for section in root.iter("section") if section.get("data-base")]
    for number, section in enumerate(sections):
        for image in section.iter("img"):
            src = image.get("src", "")
            image.set("data-src", src)
            image.set("data-doc", str(number))
            path = image_source(src, documents[number].path) if number < len(documents) else None
            image.set("src", path.as_uri() if path else urljoin(section.get("data-base", ""), src))


class _ImageFailures(logging.Handler):
    """Hears WeasyPrint log an image it could not load or draw (it prints the page without)."""

    MESSAGES = ("Failed to load image", "Failed to render SVG image")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.failures: list[tuple[str, str]] = []  # (the image's URL, why)

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith(self.MESSAGES) and record.args:
            args = tuple(record.args)
            self.failures.append((str(args[0]), str(args[1]) if len(args) > 1 else ""))


@contextlib.contextmanager
def images_left_out(root: Element, documents: tuple[m.Document, ...]) -> Iterator[None]:
    """An error for each image WeasyPrint would leave out of the book, with its line: the
    sources' images were checked when read, so this is a file changed since, or one that
    WeasyPrint cannot draw. Raised before the PDF is kept."""
    handler = _ImageFailures()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    errors: list[PublishError] = []
    for url, why in dict.fromkeys(handler.failures):
        image = next((i for i in root.iter("img") if i.get("src") == url), None)
        src = image.get("data-src", url) if image is not None else url
        document = documents[int(image.get("data-doc") or 0) if image is not None else 0]
        line = next((i.line for i in m.iter_images(document) if i.src == src), 0)
        message = f"image '{src}' cannot be printed: {why or 'WeasyPrint could not load it'}"
        errors.append(ResourceError(message, SourceLocation(document.path, line)))
    raise_problems(errors)


def _ignore(_warning: SourceWarning) -> None:
    pass


def low_resolution_images(
    placed: Iterable[engine.PlacedImage], documents: tuple[m.Document, ...]
) -> Iterator[SourceWarning]:
    """A warning for each image (once) printed under MIN_DPI at its placed size."""
    seen: set[tuple[str, str]] = set()
    for image in placed:
        src = image.element.get("data-src") or image.element.get("src", "")
        document = documents[int(image.element.get("data-doc") or 0)]
        dpi = _dpi(image)
        if (document.path, src) in seen or dpi >= MIN_DPI:
            continue
        seen.add((document.path, src))
        line = next((image.line for image in m.iter_images(document) if image.src == src), 0)
        message = f"image '{src}' prints at {dpi:.0f} dpi (under {MIN_DPI}) at its placed size"
        yield SourceWarning(message, SourceLocation(document.path, line))


def _dpi(image: engine.PlacedImage) -> float:
    """The lower of the two resolutions: pixels over inches printed (CSS px are 1/96 in)."""
    width, height = max(image.width, 1e-6) / 96, max(image.height, 1e-6) / 96
    return min(image.pixel_width / width, image.pixel_height / height)


def pdf_identifier(meta: m.Metadata) -> bytes:
    """A fixed /ID from the book's identifier: without it every build differs byte for byte."""
    return hashlib.md5(meta.identifier.encode(), usedforsecurity=False).hexdigest().encode()


@contextlib.contextmanager
def fixed_font_timestamps(made: datetime.datetime) -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH while WeasyPrint subsets fonts, unless the caller set it.

    Without HarfBuzz-subset, WeasyPrint subsets with fontTools, which stamps every embedded
    font with the clock unless SOURCE_DATE_EPOCH is set: two builds would then differ.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    # The spec wants a non-negative count, and fontTools cannot stamp a font before 1904.
    os.environ["SOURCE_DATE_EPOCH"] = str(max(0, int(made.timestamp())))
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
        if path is None:
            raise ResourceError(f"'{url}' is not a file inside the project or its styles")
        named = shown(Path(url2pathname(urlsplit(url).path)))  # the file, its links not followed
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ResourceError(f"'{named}' is not a file inside the project or its styles")
        if not path.exists():
            raise ResourceError(f"'{named}' does not exist")
        # The resolved file, read here: a FIFO, a device or a huge file is refused unread.
        data = read_file(path, SourceLocation(named), MAX_BINARY_BYTES)
        kind = mimetypes.guess_type(path.name)[0] or "text/plain"  # as urllib's file: handler
        headers = {"Content-Type": kind, "Content-Length": str(len(data))}
        return URLFetcherResponse(url.split("?")[0], data, headers)


def local_path(url: str) -> Path | None:
    """The resolved file a `file:` URL names (symlinks followed), or None for other schemes."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    try:
        return Path(url2pathname(parts.path)).resolve()
    except (RuntimeError, OSError):  # a symlink loop
        return None


def _resource_error(exc: FatalURLFetchingError, document: Target) -> PublishError:
    # WeasyPrint wraps whatever the fetcher raised; give the user our message, not its own.
    cause = exc.__cause__
    if isinstance(cause, PublishError):
        return ResourceError(cause.message, document.location)
    return ResourceError(f"{exc}: {cause}", document.location)
