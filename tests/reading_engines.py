"""Helpers for the web reading engines' tests (tests/test_reading_browsers.py): whether an
engine is installed (a skip locally, a failure under CI=true), a localhost HTTP server for
the engines' packages, the harness pages and the books, what a reader clicks in a book (its
note calls), and the Readium Web Publication manifest of an unzipped EPUB (Readium's web
navigator has no EPUB parser of its own).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import posixpath
import shutil
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote

import pytest
from lxml import etree

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
READING_SYSTEMS = TESTS / "reading_systems"
NODE_MODULES = READING_SYSTEMS / "node_modules"
ARTIFACTS = REPO / "test-artifacts" / "reading-systems"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, what: str) -> None:
    """An engine the tier needs is missing: a skip on a developer's machine, a failure in
    CI (where .ci/run installs every engine, so a missing one is a broken set-up)."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"reading-system tier: {what} (CI=true: every engine must be installed)")
    pytest.skip(what)


def require_browser_engines() -> None:
    require(CHROMIUM.exists(), f"Debian's chromium is not installed ({CHROMIUM})")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "Python playwright is not installed")
    for package in ("epubjs", "foliate-js", "@readium/navigator", "@readium/shared", "jszip"):
        require(
            (NODE_MODULES / package / "package.json").exists(),
            f"{package} is missing from tests/reading_systems/node_modules (run npm ci there)",
        )


def evaluate_in_chromium(epub: Path, page: str, script: str, width: int = 600) -> object:
    """Open the EPUB's `page` (unzipped beside it) alone in Chromium, `width` pixels wide,
    and return what the JavaScript function `script` gives there."""
    require_browser_engines()
    from playwright.sync_api import sync_playwright

    folder = epub.with_suffix(".unzipped")
    with zipfile.ZipFile(epub) as book:
        book.extractall(folder)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": width, "height": 800})
            tab.goto((folder / "EPUB" / page).as_uri())
            return tab.evaluate(script)
        finally:
            browser.close()


# --- the server --------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves /rs/… from tests/reading_systems (packages and harness pages) and /books/…
    from the tier's book folder; quiet, and with the media types the engines expect."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".xhtml": "application/xhtml+xml",
        ".opf": "application/oebps-package+xml",
        ".ncx": "application/x-dtbncx+xml",
        ".epub": "application/epub+zip",
        ".css": "text/css",
        ".json": "application/json",
        ".svg": "image/svg+xml",
    }
    roots: ClassVar[dict[str, Path]] = {}

    def translate_path(self, path: str) -> str:
        path = unquote(path.split("?", 1)[0].split("#", 1)[0])
        parts = [p for p in posixpath.normpath(path).split("/") if p not in ("", ".", "..")]
        if not parts or parts[0] not in self.roots:
            return str(Path(os.devnull) / "missing")
        return str(self.roots[parts[0]].joinpath(*parts[1:]))

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class BookServer:
    """A localhost HTTP server on a thread: `url("rs", "harness/epubjs.html")`,
    `add_book(epub, key)` copies the EPUB and unzips it beside it."""

    def __init__(self, books_dir: Path) -> None:
        self.books_dir = books_dir
        books_dir.mkdir(parents=True, exist_ok=True)
        handler = type(
            "Handler", (_Handler,), {"roots": {"rs": READING_SYSTEMS, "books": books_dir}}
        )
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, *parts: str) -> str:
        return self.origin + "/" + "/".join(parts)

    def add_book(self, epub: Path, key: str) -> Book:
        """Publish `epub` as /books/KEY.epub and unzipped as /books/KEY/ (with a Readium
        manifest.json); return what a reader will click in it."""
        target = self.books_dir / f"{key}.epub"
        folder = self.books_dir / key
        if not folder.exists():
            shutil.copyfile(epub, target)
            with zipfile.ZipFile(epub) as archive:
                archive.extractall(folder)
            manifest = readium_manifest(folder)
            opf_dir = posixpath.dirname(opf_path(folder))
            (folder / opf_dir / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
        return read_book(folder, key)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- what a reader clicks ---------------------------------------------------------------


@dataclass(frozen=True)
class NoteCall:
    """A note call: the document it is in (relative to the OPF), its id, the note's href
    (relative to the OPF) and the start of the note's text."""

    doc: str
    call_id: str
    note_doc: str
    note_id: str
    text: str
    again: bool  # a second (or later) call of a note called more than once

    @property
    def label(self) -> str:
        return f"{self.doc}#{self.call_id}"


@dataclass(frozen=True)
class Book:
    key: str
    folder: Path
    opf_dir: str  # the OPF's folder inside the EPUB ("EPUB")
    spine: tuple[str, ...]  # hrefs relative to the OPF
    chapters_with_notes: tuple[str, ...]
    calls: tuple[NoteCall, ...]  # the handful a reader tries
    lang: str


def opf_path(folder: Path) -> str:
    container = etree.parse(str(folder / "META-INF" / "container.xml"))
    return container.find(".//c:rootfile", NS).get("full-path")


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


@functools.cache
def _parse(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def read_book(folder: Path, key: str) -> Book:
    opf_rel = opf_path(folder)
    opf = etree.parse(str(folder / opf_rel))
    opf_dir = posixpath.dirname(opf_rel)
    items = {i.get("id"): i.get("href") for i in opf.iterfind(".//opf:manifest/opf:item", NS)}
    spine = tuple(items[r.get("idref")] for r in opf.iterfind(".//opf:spine/opf:itemref", NS))
    lang = opf.findtext(".//dc:language", namespaces=NS) or "en"
    base = folder / opf_dir

    all_calls: dict[str, list[etree._Element]] = {}
    for href in spine:
        doc = _parse(base / href)
        calls = doc.xpath(".//x:a[@role='doc-noteref']", namespaces=NS)
        if calls:
            all_calls[href] = calls
    # The chapter a reader tries: the one with the most calls (the first of those).
    chapter = max(all_calls, key=lambda h: len(all_calls[h])) if all_calls else None
    chosen: list[NoteCall] = []
    if chapter:
        calls = all_calls[chapter]
        seen: set[str] = set()
        notes_seen: dict[str, int] = {}
        described = []
        for a in calls:
            target = a.get("href")
            notes_seen[target] = notes_seen.get(target, 0) + 1
            described.append((a, notes_seen[target] > 1))
        picks = [described[0], described[len(described) // 2], described[-1]]
        # A note called twice: its second call, and the last call of a note called once.
        picks += [d for d in described if d[1]][:1]
        picks += [d for d in reversed(described) if not d[1]][:1]
        for a, again in picks:
            if a.get("id") in seen:
                continue
            seen.add(a.get("id"))
            href = a.get("href")
            note_doc, _, note_id = href.partition("#")
            note_doc = posixpath.normpath(
                posixpath.join(posixpath.dirname(chapter), note_doc or chapter)
            )
            note = _parse(base / note_doc).xpath(".//*[@id=$id]", id=note_id)[0]
            paragraph = note.find(".//x:p", NS)
            text = _text(paragraph if paragraph is not None else note)
            chosen.append(NoteCall(chapter, a.get("id"), note_doc, note_id, text[:60], again))
    return Book(key, folder, opf_dir, spine, tuple(all_calls), tuple(chosen), lang)


# --- Readium ---------------------------------------------------------------------------------


def readium_manifest(folder: Path) -> dict:
    """The Readium Web Publication Manifest of an unzipped EPUB, as Readium's streamers
    write it (readingOrder from the spine, resources from the manifest, toc from the nav),
    with hrefs relative to the OPF's folder; the manifest is served from that folder."""
    opf_rel = opf_path(folder)
    opf_dir = posixpath.dirname(opf_rel)
    opf = etree.parse(str(folder / opf_rel))
    manifest_items = opf.findall(".//opf:manifest/opf:item", NS)
    by_id = {i.get("id"): i for i in manifest_items}

    def link(item: etree._Element) -> dict:
        out = {"href": item.get("href"), "type": item.get("media-type")}
        props = (item.get("properties") or "").split()
        if "cover-image" in props:
            out["rel"] = "cover"
        if "nav" in props:
            out["rel"] = "contents"
        return out

    spine_ids = [r.get("idref") for r in opf.iterfind(".//opf:spine/opf:itemref", NS)]
    reading_order = [link(by_id[i]) for i in spine_ids]
    resources = [link(i) for i in manifest_items if i.get("id") not in spine_ids]
    title = opf.findtext(".//dc:title", namespaces=NS) or ""
    metadata = {
        "@type": "http://schema.org/Book",
        "conformsTo": "https://readium.org/webpub-manifest/profiles/epub",
        "title": title,
        "identifier": opf.findtext(".//dc:identifier", namespaces=NS),
        "language": opf.findtext(".//dc:language", namespaces=NS) or "en",
        "readingProgression": "ltr",
        "layout": "reflowable",
    }
    toc = []
    nav_item = next(
        (i for i in manifest_items if "nav" in (i.get("properties") or "").split()), None
    )
    if nav_item is not None:
        nav = etree.parse(str(folder / opf_dir / nav_item.get("href")))
        toc_nav = nav.xpath(".//x:nav[@epub:type='toc']", namespaces=NS)
        if toc_nav:

            def entries(ol: etree._Element) -> list[dict]:
                out = []
                for li in ol.findall("x:li", NS):
                    a = li.find("x:a", NS)
                    if a is None:
                        continue
                    entry = {"href": a.get("href"), "title": _text(a)}
                    child = li.find("x:ol", NS)
                    if child is not None:
                        entry["children"] = entries(child)
                    out.append(entry)
                return out

            ol = toc_nav[0].find("x:ol", NS)
            toc = entries(ol) if ol is not None else []
    return {
        "@context": "https://readium.org/webpub-manifest/context.jsonld",
        "metadata": metadata,
        "links": [{"rel": "self", "href": "manifest.json", "type": "application/webpub+json"}],
        "readingOrder": reading_order,
        "resources": resources,
        "toc": toc,
    }
