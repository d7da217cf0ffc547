"""Serve: the built library over HTTP, with a live preview of each document.

    /                    the library: every book, with its cover, formats and sizes
    /books/NAME          a book's page: its bibliographic header, formats, cover, notes
    /files/NAME.epub     the downloads, byte for byte (only the library's outputs)
    /opds/…              the OPDS catalog (publish.opds)
    /preview/NAME        the live preview: the EPUB's pages in a frame, the PDF's as images
    /events              Server-Sent Events: an output was rebuilt, or a build failed

While it serves, the sources are watched: a saved source rebuilds its own target (the
EPUB first, then the PDF, in this process so that WeasyPrint stays warm), and each new
output is told to the open previews, which reload. The standard library's
ThreadingHTTPServer is enough for one reader or a few on a local network.
"""

from __future__ import annotations

import contextlib
import email.utils
import io
import json
import mimetypes
import os
import posixpath
import shutil
import socket
import threading
import time
import zipfile
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from jinja2 import Environment, PackageLoader

from publish.builder import (
    BOOK_FILE,
    FORMATS,
    SUFFIXES,
    BuildReport,
    Outcome,
    build,
    describe_failure,
    find_targets,
)
from publish.errors import PublishError
from publish.library import THUMBNAIL_TYPE, Format, LibraryBook, read_library, thumbnail
from publish.resources import find_project_root
from publish.watching import not_a_backup, watch_changes

if TYPE_CHECKING:  # the catalog is made when a reader first asks for it
    from publish.opds import Catalog

ASSETS = Path(__file__).resolve().parent / "serve_assets"
PAGE_PX = 720  # the width of a PDF page's preview image
KEEPALIVE_SECONDS = 15.0  # an idle event stream says so, to find readers who left
DEBOUNCE_MS = 150  # saves this close together are one change
EVENTS_KEPT = 200

# Nothing in a book runs: its text comes from sources that are not trusted. The frame gets
# the book's own styles, images and fonts, and the `sandbox` directive without tokens.
EPUB_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; media-src 'self'; sandbox"
)
# The server's own pages: their script and style are files of this package, never inline.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'"
)
ASSET_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
XHTML_TYPES = {".xhtml": "application/xhtml+xml", ".html": "application/xhtml+xml"}


# --- the library as it is now ---------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One thing to tell the open previews: `name`'s `what` ("building"; then "epub",
    "pdf" as each is written; then "problems", the round's end)."""

    number: int
    name: str  # an output name, or "*" for every book
    what: str

    def as_json(self) -> str:
        return json.dumps({"name": self.name, "what": self.what, "number": self.number})


class EventLog:
    """The last events, numbered, for each open event stream to catch up from."""

    def __init__(self) -> None:
        self._events: deque[Event] = deque(maxlen=EVENTS_KEPT)
        self._changed = threading.Condition()
        self._count = 0

    def tell(self, name: str, what: str) -> None:
        with self._changed:
            self._count += 1
            self._events.append(Event(self._count, name, what))
            self._changed.notify_all()

    @property
    def last(self) -> int:
        with self._changed:
            return self._count

    def after(self, number: int, timeout: float) -> list[Event]:
        """The events after `number`, waiting up to `timeout` seconds for one."""
        with self._changed:
            self._changed.wait_for(lambda: self._count > number, timeout)
            return [event for event in self._events if event.number > number]

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


class Site:
    """What the server shows: the books of the output folder, each build's problems by
    output name, and the events of the live preview. Shared by the request threads and
    the rebuilding thread."""

    def __init__(self, out: Path, tell: Callable[[str], None] = lambda _line: None) -> None:
        self.out = out
        self.tell = tell
        self.events = EventLog()
        self.pages = PageImages()
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._reading = threading.Lock()  # one reading of the folder at a time
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._books: dict[str, LibraryBook] = {}
        self._files: dict[str, Format] = {}
        self._catalog: Catalog | None = None
        self._problems: dict[str, tuple[str, ...]] = {}

    def reload(self) -> None:
        """Read the output folder again if a file in it changed since it was last read:
        a build of this server's, or of anyone's (`publish build` in another terminal)."""
        with self._reading:
            seen = folder_state(self.out)
            if seen == self._seen:
                return
            books = read_library(self.out, warn=self.tell)  # sorted by title
            with self._lock:
                self._books = {book.name: book for book in books}
                self._files = {f.path.name: f for book in books for f in book.formats}
                self._catalog = None  # made again when asked for
                self._seen = seen

    def books(self) -> list[LibraryBook]:
        self.reload()
        with self._lock:
            return list(self._books.values())

    def book(self, name: str) -> LibraryBook | None:
        self.reload()
        with self._lock:
            return self._books.get(name)

    def file(self, file_name: str) -> Format | None:
        self.reload()
        with self._lock:
            return self._files.get(file_name)

    def catalog(self) -> Catalog:
        """The OPDS catalog of the books as they are now."""
        from publish.opds import Catalog

        self.reload()
        with self._lock:
            if self._catalog is None:
                books = list(self._books.values())  # the downloads are /files/NAME.epub
                self._catalog = Catalog(books, base="/opds/", files="../files/")
            return self._catalog

    def problems(self, name: str) -> tuple[str, ...]:
        """The last build's problems of `name`, and those of no one book (a style, say)."""
        with self._lock:
            return (*self._problems.get("", ()), *self._problems.get(name, ()))

    def set_problems(self, problems: dict[str, tuple[str, ...]], replace_all: bool) -> None:
        with self._lock:
            if replace_all:
                self._problems = {}
            self._problems.update(problems)


def folder_state(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Each visible file of the folder with its size and mtime: what a change would change."""
    state = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith("."):  # the build's cache, lock and temporaries
                continue
            with contextlib.suppress(OSError):
                status = entry.stat()
                state.append((entry.name, status.st_size, status.st_mtime_ns))
    return tuple(sorted(state))


# --- the PDF's pages as images --------------------------------------------------------


class PageImages:
    """PNG images of a PDF's pages, each made once per version of the PDF (its mtime).

    pdfium is not thread-safe: one page is drawn at a time."""

    KEPT = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._images: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self._counts: dict[str, tuple[int, int]] = {}  # path: (mtime, pages)

    def count(self, pdf: Path) -> int:
        """The PDF's number of pages, counted once per version."""
        version = pdf.stat().st_mtime_ns
        with self._lock:
            counted, pages = self._counts.get(str(pdf), (None, 0))
            if counted != version:
                pages = self._with_document(pdf, len)
                self._counts[str(pdf)] = (version, pages)
            return pages

    def image(self, pdf: Path, number: int) -> bytes | None:
        """Page `number` (from 1) as a PNG, or None if the PDF has no such page."""
        key = (str(pdf), pdf.stat().st_mtime_ns, number)
        with self._lock:
            if key in self._images:
                self._images.move_to_end(key)
                return self._images[key]
            image = self._with_document(pdf, lambda document: _draw(document, number))
            if image is not None:
                self._images[key] = image
                while len(self._images) > self.KEPT:
                    self._images.popitem(last=False)
            return image

    @staticmethod
    def _with_document(pdf: Path, use: Callable[[Any], Any]) -> Any:
        import pypdfium2 as pdfium  # loaded by the first preview

        document = pdfium.PdfDocument(pdf.read_bytes())  # the file may be replaced meanwhile
        try:
            return use(document)
        finally:
            document.close()


def _draw(document: Any, number: int) -> bytes | None:
    if not 1 <= number <= len(document):
        return None
    page = document[number - 1]
    try:
        left, bottom, right, top = page.get_trimbox()
        page.set_cropbox(left, bottom, right, top)  # the page as it is bound, without bleed
        image = page.render(scale=PAGE_PX / (right - left)).to_pil().convert("RGB")
    finally:
        page.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- rebuilding what changed ----------------------------------------------------------


@dataclass
class Rebuilder:
    """Builds the sources into the site's folder, then rebuilds each target whose sources
    are saved, telling the site after each output."""

    site: Site
    sources: Sequence[Path]
    watched: Sequence[Path]  # the sources and the project's styles, templates, settings
    jobs: int = 1

    def build_all(
        self,
        on_planned: Callable[[int], None] = lambda _n: None,
        on_done: Callable[[Outcome], None] = lambda _o: None,
    ) -> BuildReport:
        """Every target (the cache skips what is up to date), with `jobs` processes."""

        def done(outcome: Outcome) -> None:
            self._built(outcome)
            on_done(outcome)

        report = build(self.sources, self.site.out, FORMATS, jobs=self.jobs,
                       on_planned=on_planned, on_done=done)  # fmt: skip
        self._record(report, None)
        return report

    def build_targets(self, targets: Sequence[Path]) -> BuildReport:
        """The targets named, in this process: each EPUB, then its PDF, each told when
        written, then the problems."""
        report = build(targets, self.site.out, FORMATS, jobs=1, on_done=self._built)
        self._record(report, targets)
        return report

    def rebuild(self, changed: Iterable[Path]) -> BuildReport:
        """What `changed` files affect: their own targets, or every target when a changed
        file belongs to none (a style, a template, a shared image, a new source)."""
        targets = self.targets_of(changed)
        for name in [target_name(t) for t in targets] if targets else ["*"]:
            self.site.events.tell(name, "building")
        started = time.perf_counter()
        report = self.build_targets(targets) if targets else self.build_all()
        for line in (*map(str, report.warnings), *map(str, report.errors)):
            self.site.tell(line)
        built = [o for o in report.outcomes if not o.skipped]
        if built:
            names = ", ".join(str(o.path) for o in built)
            self.site.tell(f"rebuilt {names} ({time.perf_counter() - started:.2f} s)")
        return report

    def warm_up(self) -> None:
        """Load what a rebuild needs before the first save, not after it: the writers,
        WeasyPrint and its fonts, and the templates compiled (a second, on a cold start)."""
        from publish.builder import writer
        from publish.render import template_environment

        for fmt in FORMATS:
            writer(fmt)
        for target in find_targets_quietly(self.sources)[:1]:
            env = template_environment(find_project_root(target))
            for name in env.list_templates(extensions=["j2"]):
                with contextlib.suppress(Exception):  # a broken template is told by a build
                    env.get_template(name)
        import weasyprint

        weasyprint.HTML(string="<p>warm</p>").render()

    def targets_of(self, changed: Iterable[Path]) -> list[Path] | None:
        """The targets the changed files belong to; None when one belongs to no target."""
        try:
            targets = find_targets(self.sources)
        except PublishError:
            return None
        owners: list[Path] = []
        for path in changed:
            owner = _owner(path, targets)
            if owner is None:
                return None
            owners.append(owner)
        return list(dict.fromkeys(owners))

    def _built(self, outcome: Outcome) -> None:
        """Tell the previews of a new output (the site reads the folder when next asked)."""
        if not outcome.skipped:
            name, fmt = output_name(outcome.path)
            self.site.events.tell(name, fmt)

    def _record(self, report: BuildReport, targets: Sequence[Path] | None) -> None:
        """Each problem under its output's name (those of no one target under ""), then
        tell the previews: every book's after a whole build."""
        known = find_targets_quietly(self.sources) if targets is None else list(targets)
        problems: dict[str, list[str]] = {target_name(t): [] for t in known}
        if targets is None:
            problems[""] = []
        for error in report.errors:
            owner = _owner(Path(error.location.path), known) if error.location else None
            # A problem of no one target (a style, a template) is every built target's.
            owners = (
                [target_name(owner)] if owner else ([""] if targets is None else list(problems))
            )
            for name in owners:
                problems[name].append(str(error))
        self.site.set_problems({k: tuple(v) for k, v in problems.items()}, targets is None)
        for name in ["*"] if targets is None else [target_name(t) for t in targets]:
            self.site.events.tell(name, "problems")

    def watch(self) -> None:
        """Rebuild on each save until the site stops (run on a thread of its own): the
        targets of the files saved, or everything (the cache skips what did not change)
        when a watched folder was made again and something may have been missed."""
        out = self.site.out.resolve()
        changes = watch_changes(
            self.watched,
            debounce_ms=DEBOUNCE_MS,
            wanted=lambda path: not_a_backup(path) and not path.resolve().is_relative_to(out),
            stop=self.site.stopping,
        )
        next(changes, None)  # listening: the first build was made before
        for changed in changes:
            self._rebuild_safely(changed)

    def _rebuild_safely(self, changed: Iterable[Path] | None) -> None:
        try:
            self.rebuild(changed) if changed is not None else self.build_all()
        except Exception as exc:  # the server outlives any one build
            self.site.tell(f"publish serve: the rebuild failed: {describe_failure(exc)}")


def _owner(path: Path, targets: Sequence[Path]) -> Path | None:
    """The target a file belongs to: a document's own file, or any file of a book's folder."""
    path = path.resolve()
    for target in targets:
        resolved = target.resolve()
        if target.name == BOOK_FILE:
            if path.is_relative_to(resolved.parent):
                return target
        elif path == resolved:
            return target
    return None


def find_targets_quietly(sources: Sequence[Path]) -> list[Path]:
    try:
        return find_targets(sources)
    except PublishError:
        return []


def target_name(target: Path) -> str:
    """The output name of a target path, as the model names it (without reading it)."""
    if target.name == BOOK_FILE:
        return Path(os.path.abspath(target)).parent.name
    return target.stem


def output_name(path: Path) -> tuple[str, str]:
    """`build/x.kepub.epub` → ("x", "kepub")."""
    for fmt, suffix in sorted(SUFFIXES.items(), key=lambda item: -len(item[1])):
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)], fmt
    return path.stem, path.suffix.lstrip(".")


# --- the EPUB's content documents -----------------------------------------------------


@dataclass(frozen=True)
class EpubPage:
    href: str  # its path inside the zip
    title: str


def epub_pages(epub: Path) -> tuple[list[EpubPage], str | None]:
    """The EPUB's reading order (its spine's XHTML documents), and the first of its body
    text (the guide's `text`), for the preview to open first."""
    from lxml import etree

    with zipfile.ZipFile(epub) as book:
        container = etree.fromstring(book.read("META-INF/container.xml"))
        opf_path = container.xpath("string(//*[local-name()='rootfile']/@full-path)")
        opf = etree.fromstring(book.read(opf_path))
    folder = posixpath.dirname(opf_path)
    items = {
        item.get("id"): item
        for item in opf.xpath("//*[local-name()='manifest']/*[local-name()='item']")
    }
    pages = []
    for ref in opf.xpath("//*[local-name()='spine']/*[local-name()='itemref']"):
        item = items.get(ref.get("idref"))
        if item is not None and item.get("media-type") == "application/xhtml+xml":
            href = posixpath.normpath(posixpath.join(folder, unquote(item.get("href", ""))))
            pages.append(EpubPage(href, item.get("id") or posixpath.basename(href)))
    text = opf.xpath(
        "string(//*[local-name()='guide']/*[local-name()='reference'][@type='text']/@href)"
    )
    start = (
        posixpath.normpath(posixpath.join(folder, unquote(text.split("#")[0]))) if text else None
    )
    return pages, start if start in {page.href for page in pages} else None


def epub_member(epub: Path, member: str) -> bytes | None:
    """A file inside the EPUB, by its exact path there (nothing outside the zip)."""
    with zipfile.ZipFile(epub) as book:
        try:
            return book.read(member)
        except KeyError:
            return None


# --- HTTP -----------------------------------------------------------------------------


class LibraryServer(ThreadingHTTPServer):
    # Daemon threads: an open event stream, or a browser's idle connection, does not hold
    # up the end (server_close joins only the others).
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: Site) -> None:
        self.site = site
        self.pages = Environment(loader=PackageLoader("publish", "serve_assets"), autoescape=True)
        self.pages.filters["q"] = lambda text: quote(str(text), safe="")
        self.pages.filters["size"] = human_size
        if ":" in address[0]:  # an IPv6 address (`--host ::1`)
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024**2:
        return f"{size / 1024:,.0f} KiB"
    return f"{size / 1024**2:,.1f} MiB"


class NotFound(Exception):
    """Answered 404: an unknown book, a file outside the library, a path that escapes."""


def path_parts(raw: str) -> list[str]:
    """The segments of a request path, each decoded once; NotFound for any that could
    name another folder (`..`, an encoded slash, a NUL)."""
    parts = [unquote(part, errors="strict") for part in raw.split("/")[1:]]
    for part in parts:
        if part in (".", "..") or any(c in part for c in "/\\\0"):
            raise NotFound
    return parts


class Handler(BaseHTTPRequestHandler):
    server: LibraryServer
    server_version = "publish"
    timeout = 60  # seconds a connection may wait for its request (or a slow reader)

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def log_message(self, format: str, *args: object) -> None:  # quiet: the terminal is the build's
        pass

    # routing

    def _answer(self, body: bool) -> None:
        self.with_body = body
        url = urlsplit(self.path)
        try:
            parts = path_parts(url.path)
            self._route(parts, url.query)
        except (NotFound, UnicodeDecodeError):
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the reader left
        except Exception as exc:  # one answer's failure (a damaged EPUB, say): the server goes on
            self.server.site.tell(f"publish serve: {self.path}: {describe_failure(exc)}")
            with contextlib.suppress(OSError):
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, b"failed\n", "text/plain")

    def _route(self, parts: list[str], query: str) -> None:
        site = self.server.site
        head, rest = (parts[0], parts[1:]) if parts else ("", [])
        if head == "" and not rest:
            self._page("library.html.j2", books=site.books())
        elif head == "books" and rest:
            self._book(self._known(rest[0]), rest[1:])
        elif head == "files" and len(rest) == 1:
            self._download(rest[0])
        elif head == "opds" and not rest:
            self._redirect("/opds/")  # the feeds' links are relative to the folder
        elif head == "opds":
            self._opds("/".join(rest), query)
        elif head == "preview" and rest:
            self._preview(rest[0], rest[1:])
        elif head == "events" and not rest:
            self._events()
        elif head == "assets" and len(rest) == 1 and rest[0] in _asset_names():
            path = ASSETS / rest[0]
            self._send(HTTPStatus.OK, path.read_bytes(), ASSET_TYPES[path.suffix])
        else:
            raise NotFound

    def _known(self, name: str) -> LibraryBook:
        book = self.server.site.book(name)
        if book is None:
            raise NotFound
        return book

    # pages

    def _page(self, template: str, **context: Any) -> None:
        html = self.server.pages.get_template(template).render(**context)
        headers = {"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-cache"}
        self._send(HTTPStatus.OK, html.encode(), "text/html; charset=utf-8", headers)

    def _book(self, book: LibraryBook, rest: list[str]) -> None:
        if not rest:
            self._page("book.html.j2", book=book, problems=self.server.site.problems(book.name))
        elif rest == ["cover"] and book.cover:
            self._send(HTTPStatus.OK, book.cover, book.cover_type, _cached())
        elif rest == ["thumbnail"] and (image := thumbnail(book)):
            self._send(HTTPStatus.OK, image, THUMBNAIL_TYPE, _cached())
        else:
            raise NotFound

    def _opds(self, relative: str, query: str) -> None:
        from publish.opds import START

        served = self.server.site.catalog().get(relative or START, query)
        if served is None:
            raise NotFound
        self._send(HTTPStatus.OK, served.body, served.media_type, {"Cache-Control": "no-cache"})

    def _redirect(self, location: str) -> None:
        self._send(HTTPStatus.MOVED_PERMANENTLY, b"", None, {"Location": location})

    # downloads

    def _download(self, file_name: str) -> None:
        found = self.server.site.file(file_name)
        if found is None:
            raise NotFound
        out = self.server.site.out.resolve()
        try:
            real = found.path.resolve(strict=True)
        except OSError:
            raise NotFound from None
        if real.parent != out or not real.is_file():  # a link out of the folder is not served
            raise NotFound
        with open(real, "rb") as file:
            status = os.fstat(file.fileno())
            tag = f'"{status.st_size:x}-{status.st_mtime_ns:x}"'
            headers = {
                "ETag": tag,
                "Last-Modified": email.utils.formatdate(status.st_mtime, usegmt=True),
                "Content-Disposition": attachment(file_name),
                "Cache-Control": "no-cache",
            }
            if tag in (self.headers.get("If-None-Match") or ""):
                self._send(HTTPStatus.NOT_MODIFIED, b"", None, headers)
                return
            self._start(HTTPStatus.OK, found.media_type, status.st_size, headers)
            if self.with_body:
                shutil.copyfileobj(file, self.wfile)

    # the preview

    def _preview(self, name: str, rest: list[str]) -> None:
        site = self.server.site
        book = site.book(name)
        if book is None and not site.problems(name):
            raise NotFound
        if not rest:
            self._page("preview.html.j2", book=book, name=name)
        elif rest == ["status"]:
            status = json.dumps(preview_status(site, name, book)).encode()
            self._send(HTTPStatus.OK, status, "application/json", {"Cache-Control": "no-store"})
        elif rest[0] == "epub" and len(rest) > 1 and book and (epub := book.format("epub")):
            self._epub_member(epub.path, "/".join(rest[1:]))
        elif rest[0] == "pdf" and len(rest) == 2 and book and (pdf := book.format("pdf")):
            number = rest[1].removesuffix(".png")
            image = site.pages.image(pdf.path, int(number)) if number.isdigit() else None
            if image is None:
                raise NotFound
            self._send(HTTPStatus.OK, image, "image/png", {"Cache-Control": "no-cache"})
        else:
            raise NotFound

    def _epub_member(self, epub: Path, member: str) -> None:
        content = epub_member(epub, member)
        if content is None:
            raise NotFound
        suffix = posixpath.splitext(member)[1].lower()
        media_type = XHTML_TYPES.get(suffix) or mimetypes.guess_type(member)[0]
        headers = {"Content-Security-Policy": EPUB_POLICY, "Cache-Control": "no-cache"}
        self._send(HTTPStatus.OK, content, media_type or "application/octet-stream", headers)

    def _events(self) -> None:
        """A Server-Sent Events stream of the site's events, until the reader leaves."""
        site = self.server.site
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        self._start(HTTPStatus.OK, "text/event-stream", None, headers)
        if not self.with_body:
            return
        self.close_connection = True
        seen = site.events.last
        self.wfile.write(b"retry: 1000\n\n")
        self.wfile.flush()
        while not site.stopping.is_set():
            events = site.events.after(seen, KEEPALIVE_SECONDS)
            if site.stopping.is_set():
                break
            for event in events:
                self.wfile.write(f"data: {event.as_json()}\n\n".encode())
                seen = event.number
            if not events:
                self.wfile.write(b": still here\n\n")
            self.wfile.flush()

    # writing answers

    def _start(
        self,
        status: HTTPStatus,
        media_type: str | None,
        length: int | None,
        headers: dict[str, str],
    ) -> None:
        self.send_response(status)
        if media_type:
            self.send_header("Content-Type", media_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()

    def _send(
        self,
        status: HTTPStatus,
        content: bytes,
        media_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._start(status, media_type, len(content), headers or {})
        if self.with_body and content:
            self.wfile.write(content)


def _asset_names() -> set[str]:
    return {path.name for path in ASSETS.iterdir() if path.suffix in ASSET_TYPES}


def _cached() -> dict[str, str]:
    return {"Cache-Control": "no-cache"}


def attachment(file_name: str) -> str:
    """A Content-Disposition naming the file, in ASCII and (for any other name) in UTF-8."""
    ascii_name = file_name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def preview_status(site: Site, name: str, book: LibraryBook | None) -> dict[str, Any]:
    """What the preview page shows now: the EPUB's pages and the PDF's page count, each
    with its version (the file's mtime), and the last build's problems."""
    status: dict[str, Any] = {"name": name, "problems": list(site.problems(name))}
    epub = book.format("epub") if book else None
    pdf = book.format("pdf") if book else None
    with contextlib.suppress(OSError, zipfile.BadZipFile, ValueError, KeyError):
        if epub is not None:
            pages, start = epub_pages(epub.path)
            status["epub"] = {
                "version": str(epub.path.stat().st_mtime_ns),  # beyond a JS number
                "pages": [{"href": page.href, "title": page.title} for page in pages],
                "start": start,
            }
    with contextlib.suppress(OSError, ValueError):
        if pdf is not None:
            status["pdf"] = {
                "version": str(pdf.path.stat().st_mtime_ns),
                "pages": site.pages.count(pdf.path),
            }
    return status


# --- running --------------------------------------------------------------------------


@contextlib.contextmanager
def serving(server: LibraryServer, rebuilder: Rebuilder | None) -> Iterator[None]:
    """Serve (and watch, with a rebuilder) on threads of their own while the `with` lasts;
    at its end the event streams, the watch and the server stop."""
    watcher = None
    if rebuilder is not None:
        watcher = threading.Thread(target=rebuilder.watch, name="publish-watch", daemon=True)
        watcher.start()
    thread = threading.Thread(target=server.serve_forever, name="publish-serve", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.site.stopping.set()
        server.site.events.wake()
        server.shutdown()
        server.server_close()
        if watcher is not None:
            watcher.join(timeout=2)
