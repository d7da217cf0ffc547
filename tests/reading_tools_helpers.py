"""What the non-browser reading systems' tests share (tests/test_reading_tools.py): where
their findings and pictures go, how a missing tool is treated, the EPUB's note calls and
back links read from its pages, and calibre run headless.
"""

from __future__ import annotations

import itertools
import json
import os
import posixpath
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from epub_helpers import EPUB_TYPE, NS, OpenedEpub
from lxml import etree
from reading_books import BOOKS, KEPUB, NOTES_SETTINGS
from reading_engines import ARTIFACTS, NODE_MODULES

NODE_BIN = NODE_MODULES / ".bin"

# Every book of the tier with both notes settings (tests/reading_books.py), and as KEPUBs
# the letter and the book of 150 notes: Kobo's spans and divs must change nothing here.
BOOK_CASES = [(name, notes) for name in BOOKS for notes in NOTES_SETTINGS]
BOOK_CASES += [("carta", KEPUB), ("notes150", KEPUB)]


def case_id(case: tuple[str, str]) -> str:
    return f"{case[0]}-{case[1]}"


def write_findings(engine: str, findings: dict) -> Path:
    """The engine's measured findings as test-artifacts/reading-systems/ENGINE.json."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{engine}.json"
    path.write_text(json.dumps(findings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def squeeze(text: str) -> str:
    """Text with every space and soft hyphen gone: layout engines break lines differently."""
    return re.sub(r"[\s\u00ad]+", "", text)


@dataclass
class NoteCall:
    """One call of a note, as the EPUB's pages spell it: where it is, and where it leads."""

    page: str  # the zip path of the page holding the call
    call_id: str
    note_page: str  # the zip path of the page holding the note
    note_id: str
    note_text: str  # the note's words, without its back links
    back_hrefs: list[tuple[str, str]] = field(default_factory=list)  # (page, id) of each back link


def note_calls(epub: Path) -> list[NoteCall]:
    """Every note call of the book in reading order, with its note and the note's back links."""
    book = OpenedEpub(epub)
    calls = []
    for page in book.spine(linear_only=False):
        for link in page.tree.iter(f"{{{NS['x']}}}a"):
            if "noteref" not in link.get(EPUB_TYPE, "").split():
                continue
            note_page_name, note_id = page.target(link.get("href"))
            note_page = book.page(note_page_name)
            note = note_page.by_id(note_id)
            assert note is not None, f"{page.name}: the call {link.get('id')} leads nowhere"
            backs = [
                note_page.target(a.get("href"))
                for a in note.iter(f"{{{NS['x']}}}a")
                if a.get("role") == "doc-backlink"
            ]
            # The note's first paragraph (or whatever comes first after its back links).
            first = next(
                (c for c in note if isinstance(c.tag, str) and c.get("class") != "note-back"),
                note,
            )
            words = [
                text
                for element in first.iter()
                if isinstance(element.tag, str) and not _in_back_links(element, note)
                for text in ([element.text] if element.text else [])
            ]
            calls.append(
                NoteCall(
                    page.name,
                    link.get("id"),
                    note_page_name,
                    note_id,
                    " ".join(" ".join(words).split()),
                    backs,
                )
            )
    return calls


def _in_back_links(element: etree._Element, note: etree._Element) -> bool:
    while element is not None and element is not note:
        if element.get("class") == "note-back":
            return True
        element = element.getparent()
    return False


def toc_titles(epub: Path) -> list[str]:
    """The titles of the EPUB's table of contents, in order (nav, else NCX)."""
    book = OpenedEpub(epub)
    try:
        nav = book.nav()
    except ValueError:
        nav = None
    if nav is not None:
        [toc] = [n for n in nav.tree.iter(f"{{{NS['x']}}}nav") if n.get(EPUB_TYPE) == "toc"]
        return [" ".join("".join(a.itertext()).split()) for a in toc.iter(f"{{{NS['x']}}}a")]
    return ncx_titles(book)


def ncx_titles(book: OpenedEpub) -> list[str]:
    ncx_ns = {"n": "http://www.daisy.org/z3986/2005/ncx/"}
    [item] = [
        i for i in book.manifest().values() if i.get("media-type") == "application/x-dtbncx+xml"
    ]
    ncx = etree.fromstring(book.zip.read(book.resolve(item.get("href"))))
    return [
        " ".join("".join(t.itertext()).split())
        for t in ncx.iterfind(".//n:navPoint/n:navLabel/n:text", ncx_ns)
    ]


def repeated_titles(titles: list[str]) -> list[str]:
    """Titles the contents lists twice in a row (a chapter and its first heading)."""
    return [a for a, b in itertools.pairwise(titles) if a == b]


@dataclass
class LinkCount:
    calls: int  # note calls in the book
    calls_to_notes: int  # calls whose target exists and is a note
    back_links: int
    back_links_to_calls: int  # back links whose target exists and is a call


def note_links(epub: Path) -> LinkCount:
    """Count the note calls and back links of any EPUB (publish's or calibre's own), by
    their roles, and those whose targets exist and are what they should be.

    calibre's round trip turns `epub:type` into a plain `type`, but keeps the ARIA roles.
    """
    book = OpenedEpub(epub)
    pages = {
        book.resolve(item.get("href")): etree.fromstring(
            book.zip.read(book.resolve(item.get("href")))
        )
        for item in book.manifest().values()
        if item.get("media-type") == "application/xhtml+xml"
    }
    count = LinkCount(0, 0, 0, 0)
    for name, tree in pages.items():
        for link in tree.iter(f"{{{NS['x']}}}a"):
            role = link.get("role")
            if role not in ("doc-noteref", "doc-backlink"):
                continue
            target = _target(name, link.get("href", ""), pages)
            if role == "doc-noteref":
                count.calls += 1
                count.calls_to_notes += target is not None and _is_note(target)
            else:
                count.back_links += 1
                count.back_links_to_calls += (
                    target is not None and target.get("role") == "doc-noteref"
                )
    return count


def _target(name: str, href: str, pages: dict[str, etree._Element]) -> etree._Element | None:
    path, _, fragment = href.partition("#")
    page_name = posixpath.normpath(posixpath.join(posixpath.dirname(name), path)) if path else name
    tree = pages.get(page_name)
    if tree is None or not fragment:
        return None
    found = tree.xpath("//*[@id=$id]", id=fragment)
    return found[0] if found else None


def _is_note(element: etree._Element) -> bool:
    kinds = (element.get(EPUB_TYPE) or element.get("type") or "").split()
    return bool({"footnote", "endnote", "rearnote"} & set(kinds)) or element.get("role") in (
        "doc-footnote",
        "doc-endnote",
    )


# calibre 6 (Debian's), headless.
CALIBRE_TOOLS = ("ebook-convert", "ebook-meta", "calibre-debug")


def calibre_found() -> bool:
    return all(shutil.which(tool) for tool in CALIBRE_TOOLS)


def calibre_env() -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox",
    }


def calibre(*args: str | Path, timeout: int = 300) -> str:
    """Run a calibre command headless; its standard output, or a failure with its log."""
    done = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        env=calibre_env(),
        timeout=timeout,
    )
    assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def ebook_meta(path: Path) -> dict[str, str]:
    """What calibre shows of a book's metadata (`ebook-meta`), field by field."""
    fields: dict[str, str] = {}
    key = None
    for line in calibre("ebook-meta", path).splitlines():
        head, sep, value = line.partition(" : ")
        if sep and head.strip() and not head.startswith(" "):
            key = head.strip()
            fields[key] = value.strip()
        elif key:
            fields[key] += "\n" + line.strip()
    return fields


# Check Book, the ebook editor's checker, as `calibre-debug -c` runs it: the books' paths
# in PUBLISH_CHECK_BOOKS (JSON), its findings as one JSON line after a marker.
CHECK_BOOK = """
def main():
    import json, os
    from calibre.ebooks.oeb.polish.check.base import CRITICAL, ERROR, INFO, WARN
    from calibre.ebooks.oeb.polish.check.main import run_checks
    from calibre.ebooks.oeb.polish.container import get_container
    levels = {CRITICAL: 'critical', ERROR: 'error', WARN: 'warning', INFO: 'info'}
    found = {}
    for path in json.loads(os.environ['PUBLISH_CHECK_BOOKS']):
        container = get_container(path, tweak_mode=True)
        found[path] = [
            {'level': levels.get(e.level, str(e.level)), 'check': type(e).__name__,
             'file': e.name, 'line': e.line, 'message': str(e.msg)}
            for e in run_checks(container)
        ]
    print('CHECK-BOOK-JSON ' + json.dumps(found))
main()
"""


def check_book(paths: list[Path]) -> dict[str, list[dict]]:
    """calibre's Check Book on each EPUB: {path: [problem, …]}."""
    done = subprocess.run(
        ["calibre-debug", "-c", CHECK_BOOK],
        capture_output=True,
        text=True,
        env={**calibre_env(), "PUBLISH_CHECK_BOOKS": json.dumps([str(p) for p in paths])},
        timeout=300,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("CHECK-BOOK-JSON ")]
    assert done.returncode == 0 and lines, f"Check Book failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1].removeprefix("CHECK-BOOK-JSON "))


def opf_fields(epub: Path) -> dict[str, list[str]]:
    """The bibliographic fields the EPUB's OPF gives, which calibre should show."""
    book = OpenedEpub(epub)
    roles: dict[str, str] = {}
    for meta in book.opf.findall("opf:metadata/opf:meta", NS):
        if meta.get("property") == "role" and meta.get("refines"):
            roles[meta.get("refines").lstrip("#")] = meta.text or ""
    ids = {title.get("id"): title.text for title in book.metadata("title") if title.get("id")}
    main = [
        ids[m.get("refines").lstrip("#")]
        for m in book.opf.findall("opf:metadata/opf:meta", NS)
        if m.get("property") == "title-type"
        and m.text == "main"
        and m.get("refines", "").lstrip("#") in ids
    ] or [book.metadata("title")[0].text]

    def people(kind: str, role: str) -> list[str]:
        return [
            e.text
            for e in book.metadata(kind)
            if roles.get(e.get("id"), "aut" if kind == "creator" else "") == role
        ]

    def texts(name: str) -> list[str]:
        return [e.text for e in book.metadata(name) if e.text]

    return {
        "title": main,
        "authors": people("creator", "aut"),
        "publisher": texts("publisher"),
        "language": texts("language"),
        "date": texts("date"),
        "translator": people("contributor", "trl") + people("creator", "trl"),
        "editor": people("contributor", "edt") + people("creator", "edt"),
        "source": texts("source"),
        "rights": texts("rights"),
    }
