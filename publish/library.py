"""A built library: the books of an output folder (NAME.epub, NAME.kepub.epub, NAME.pdf), with
the metadata each carries, read back from the files alone.

An EPUB's metadata comes from its OPF (the package document ebooklib wrote from the source's
header); a PDF without an EPUB gets its own from the PDF's /Info and XMP. The folder may hold
files that did not come from publish (anyone can drop a file in a served folder), so each
archive is read as hostile: no DTDs, entities or network in the XML, every member read with a
size limit, and a file that cannot be read is skipped with a warning.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from publish.files import SAFE_XML

EPUB_TYPE = "application/epub+zip"
KEPUB_TYPE = "application/kepub+zip"
PDF_TYPE = "application/pdf"
THUMBNAIL_TYPE = "image/jpeg"

# The order formats are listed in, and what each output file's name ends with.
_SUFFIXES = (
    ("kepub", ".kepub.epub", KEPUB_TYPE),
    ("epub", ".epub", EPUB_TYPE),
    ("pdf", ".pdf", PDF_TYPE),
)
_ORDER = {"epub": 0, "kepub": 1, "pdf": 2}
# Outputs of `publish cover` beside the books: covers, not books.
_NOT_BOOKS = (".cover.pdf",)

# Limits for one archive, far above what publish writes (an OPF of a few KiB, a cover of a few
# hundred KiB) and far below what would hurt the catalog's process.
MAX_MEMBERS = 20_000
MAX_XML = 4 * 1024 * 1024
MAX_PAGE = 32 * 1024 * 1024
MAX_PAGES = 256 * 1024 * 1024  # all the pages of one EPUB, inflated
MAX_COVER = 16 * 1024 * 1024
MAX_COVER_PIXELS = 40_000_000
MAX_PDF_METADATA = 256 * 1024 * 1024
PDF_TAIL = 64 * 1024  # where a PDF's %%EOF must be (readers allow some bytes after it)

OPF_NS = "http://www.idpf.org/2007/opf"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
_NS = {"opf": OPF_NS, "dc": DC_NS, "c": CONTAINER_NS}
_XHTML_TYPES = ("application/xhtml+xml", "text/html")
# A note of publish's EPUB: <aside … epub:type="footnote"> (or endnote), on one tag.
_NOTE_ASIDE = re.compile(
    rb"<aside\b[^>]*?\bepub:type\s*=\s*[\"'][^\"']*\b(?:footnote|endnote)\b", re.IGNORECASE
)

Warn = Callable[[str], None]


class UnreadableBook(Exception):
    """A file of the folder that is not a book publish can read (damaged, hostile, too big)."""


@dataclass(frozen=True)
class Format:
    """One file of a book."""

    fmt: str  # "epub" | "kepub" | "pdf"
    path: Path
    media_type: str
    size: int
    modified: datetime  # the file's mtime, UTC


@dataclass(frozen=True)
class LibraryBook:
    """A book of the folder: its output name, its metadata and its files."""

    name: str  # the output name: NAME of NAME.epub
    identifier: str  # dc:identifier (urn:uuid:… / urn:isbn:…)
    title: str
    subtitle: str
    authors: tuple[str, ...]
    translators: tuple[str, ...]
    date: str  # as in the OPF's dc:date ("1936-03-02", "1936") or ""
    language: str  # BCP 47
    subjects: tuple[str, ...]
    description: str
    publisher: str
    rights: str
    source: str  # the original it was translated from (dc:source), as text
    notes: int  # footnotes and endnotes in the EPUB (its note asides)
    formats: tuple[Format, ...]  # epub, kepub, pdf: those there are
    cover: bytes | None = field(repr=False)  # the EPUB's cover image, if it has one
    cover_type: str = ""  # its media type

    def format(self, fmt: str) -> Format | None:
        """The file of this format, if the book has one."""
        return next((each for each in self.formats if each.fmt == fmt), None)

    @property
    def updated(self) -> datetime:
        """When the newest of its files was written."""
        return max(each.modified for each in self.formats)


@dataclass(frozen=True)
class _Metadata:
    identifier: str = ""
    title: str = ""
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    translators: tuple[str, ...] = ()
    date: str = ""
    language: str = ""
    subjects: tuple[str, ...] = ()
    description: str = ""
    publisher: str = ""
    rights: str = ""
    source: str = ""
    notes: int = 0
    cover: bytes | None = None
    cover_type: str = ""


def read_library(folder: Path, warn: Warn | None = None) -> list[LibraryBook]:
    """The books of FOLDER, sorted by title then name. A file that cannot be read as a book is
    left out and named in a warning (`warn`), and the others are still read."""
    warn = warn or (lambda _message: None)
    books = []
    for name, formats in _files_by_name(folder).items():
        book = _read_book(name, formats, warn)
        if book is not None:
            books.append(book)
    return sorted(books, key=lambda book: (book.title.casefold(), book.name))


def _files_by_name(folder: Path) -> dict[str, list[Format]]:
    """The output files of FOLDER grouped by output name, each group in format order."""
    found: dict[str, list[Format]] = {}
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        named = _output_name(path)
        if named is None:
            continue
        name, fmt, media_type = named
        try:
            stat = path.stat()
        except OSError:  # removed since the folder was listed
            continue
        modified = datetime.fromtimestamp(stat.st_mtime, UTC)
        found.setdefault(name, []).append(Format(fmt, path, media_type, stat.st_size, modified))
    for formats in found.values():
        formats.sort(key=lambda each: _ORDER[each.fmt])
    return found


def _output_name(path: Path) -> tuple[str, str, str] | None:
    """(NAME, format, media type) for an output file; None for anything else (a hidden or
    temporary file, a folder, a wrap cover)."""
    file_name = path.name
    if file_name.startswith(".") or file_name.lower().endswith(_NOT_BOOKS) or not path.is_file():
        return None
    for fmt, suffix, media_type in _SUFFIXES:
        if file_name.lower().endswith(suffix) and len(file_name) > len(suffix):
            return file_name[: -len(suffix)], fmt, media_type
    return None


def _read_book(name: str, formats: list[Format], warn: Warn) -> LibraryBook | None:
    """The book made of these files: its metadata from the first readable EPUB (or KEPUB),
    else from the PDF. A file that cannot be read is left out of the book's formats."""
    readable: list[Format] = []
    meta: _Metadata | None = None
    for each in formats:
        try:
            found = _read_format(each, need_metadata=meta is None, warn=warn)
        except UnreadableBook as exc:
            warn(f"{each.path}: skipped: {exc}")
            continue
        readable.append(each)
        meta = meta or found
    if not readable or meta is None:
        return None
    return LibraryBook(
        name=name,
        identifier=meta.identifier or _name_identifier(name),
        title=meta.title or name,
        subtitle=meta.subtitle,
        authors=meta.authors,
        translators=meta.translators,
        date=meta.date,
        language=meta.language,
        subjects=meta.subjects,
        description=meta.description,
        publisher=meta.publisher,
        rights=meta.rights,
        source=meta.source,
        notes=meta.notes,
        formats=tuple(readable),
        cover=meta.cover,
        cover_type=meta.cover_type,
    )


def _read_format(each: Format, need_metadata: bool, warn: Warn) -> _Metadata | None:
    if each.fmt in ("epub", "kepub"):
        return _read_epub(each.path)
    _check_pdf(each.path)
    if need_metadata and each.size > MAX_PDF_METADATA:
        # pypdf may read a damaged PDF whole to rebuild its cross-references.
        warn(f"{each.path}: listed by its name: too large ({each.size} bytes) to read its metadata")
        return _Metadata()
    return _read_pdf(each.path) if need_metadata else None


def _name_identifier(name: str) -> str:
    # A file without an identifier still needs a stable one (an Atom entry's id): made from
    # its output name, so that it stays the same from one catalog to the next.
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publish-output:' + name)}"


# EPUB


_read_before: dict[tuple[str, int, int], _Metadata] = {}
_read_before_lock = threading.Lock()
_REMEMBERED = 200_000  # books; a bound for a long-running server whose files keep changing


def _read_epub(path: Path) -> _Metadata:
    """The EPUB's metadata, remembered per file, size and mtime: a server reads the library
    again on every change, and most of its files are the same."""
    try:
        stat = path.stat()
    except OSError as exc:  # removed since the folder was listed
        raise UnreadableBook(str(exc)) from exc
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _read_before_lock:
        if key in _read_before:
            return _read_before[key]
    found = _read_epub_file(path)
    with _read_before_lock:
        if len(_read_before) > _REMEMBERED:
            _read_before.clear()
        _read_before[key] = found
    return found


def _read_epub_file(path: Path) -> _Metadata:
    try:
        with zipfile.ZipFile(path) as archive:
            return _epub_metadata(archive)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError) as exc:
        raise UnreadableBook(f"not a readable EPUB ({exc})") from exc
    except etree.LxmlError as exc:
        raise UnreadableBook(f"its package document cannot be read ({exc})") from exc


def _epub_metadata(archive: zipfile.ZipFile) -> _Metadata:
    members = {info.filename: info for info in archive.infolist()}
    if len(members) > MAX_MEMBERS:
        raise UnreadableBook(f"{len(members)} files in the archive (at most {MAX_MEMBERS})")
    container = _parse_xml(_member(archive, members, "META-INF/container.xml", MAX_XML))
    opf_path = container.xpath("string(//c:rootfile/@full-path)", namespaces=_NS)
    if not opf_path:
        raise UnreadableBook("META-INF/container.xml names no package document")
    opf = _parse_xml(_member(archive, members, opf_path, MAX_XML))
    folder = posixpath.dirname(opf_path)
    manifest = _manifest(opf, folder)
    cover, cover_type = _cover(archive, members, opf, manifest)
    return _Metadata(
        **_opf_fields(opf),
        notes=_count_notes(archive, members, manifest),
        cover=cover,
        cover_type=cover_type,
    )


def _member(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], name: str, limit: int
) -> bytes:
    """A member's bytes, refused past `limit`: the size its header declares is checked first,
    and the inflated bytes too, since a hostile header can lie."""
    info = members.get(name)
    if info is None:
        raise UnreadableBook(f"{name} is missing")
    if info.file_size > limit:
        raise UnreadableBook(f"{name} is {info.file_size} bytes (at most {limit})")
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise UnreadableBook(f"{name} inflates past {limit} bytes")
    return data


_PARSER = threading.local()


def _parse_xml(data: bytes) -> etree._Element:
    """XML from an untrusted file: no DTD, no entities (so no billion laughs and no XXE), no
    network, no huge trees."""
    if b"<!ENTITY" in data or b"<!DOCTYPE" in data.upper():
        raise UnreadableBook("XML with a DTD or entity declarations")
    parser = getattr(_PARSER, "parser", None)
    if parser is None:
        parser = etree.XMLParser(**SAFE_XML)
        _PARSER.parser = parser
    return etree.fromstring(data, parser)


def _manifest(opf: etree._Element, folder: str) -> dict[str, tuple[str, str, str]]:
    """id → (path in the archive, media type, properties) of every manifest item."""
    items = {}
    for item in opf.iterfind("opf:manifest/opf:item", _NS):
        href = item.get("href", "")
        path = posixpath.normpath(posixpath.join(folder, href.split("#")[0]))
        items[item.get("id", "")] = (path, item.get("media-type", ""), item.get("properties", ""))
    return items


def _opf_fields(opf: etree._Element) -> dict[str, object]:
    metadata = opf.find("opf:metadata", _NS)
    if metadata is None:
        raise UnreadableBook("the package document has no metadata")
    refines = _refinements(metadata)
    title, subtitle = _titles(metadata, refines)
    return {
        "identifier": _unique_identifier(opf, metadata),
        "title": title,
        "subtitle": subtitle,
        "authors": _people(metadata, refines, "aut"),
        "translators": _people(metadata, refines, "trl"),
        "date": _text(metadata.find("dc:date", _NS)),
        "language": _text(metadata.find("dc:language", _NS)),
        "subjects": tuple(_texts(metadata, "dc:subject")),
        # publish writes the book's description first, then the credits line for calibre.
        "description": _text(metadata.find("dc:description", _NS)),
        "publisher": _text(metadata.find("dc:publisher", _NS)),
        "rights": _text(metadata.find("dc:rights", _NS)),
        "source": _text(metadata.find("dc:source", _NS)),
    }


def _text(element: etree._Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _texts(metadata: etree._Element, tag: str) -> Iterable[str]:
    return (text for element in metadata.iterfind(tag, _NS) if (text := _text(element)))


def _refinements(metadata: etree._Element) -> dict[tuple[str, str], str]:
    """(id refined, property) → value, from the EPUB 3 `<meta refines="#id" property=…>`."""
    found = {}
    for meta in metadata.iterfind("opf:meta", _NS):
        target, prop = meta.get("refines", ""), meta.get("property", "")
        if target.startswith("#") and prop:
            found[(target[1:], prop)] = _text(meta)
    return found


def _titles(metadata: etree._Element, refines: dict[tuple[str, str], str]) -> tuple[str, str]:
    main, subtitle, first = "", "", ""
    for element in metadata.iterfind("dc:title", _NS):
        kind = refines.get((element.get("id", ""), "title-type"), "")
        text = _text(element)
        first = first or text
        if kind == "main" and not main:
            main = text
        elif kind == "subtitle" and not subtitle:
            subtitle = text
    return main or first, subtitle


def _people(
    metadata: etree._Element, refines: dict[tuple[str, str], str], role: str
) -> tuple[str, ...]:
    """Names with this MARC relator role: EPUB 3's refining meta, or EPUB 2's opf:role; a
    dc:creator with no role is an author."""
    names = []
    for tag in ("dc:creator", "dc:contributor"):
        for element in metadata.iterfind(tag, _NS):
            found = refines.get((element.get("id", ""), "role")) or element.get(f"{{{OPF_NS}}}role")
            if (found or ("aut" if tag == "dc:creator" else "")) == role and (
                name := _text(element)
            ):
                names.append(name)
    return tuple(names)


def _unique_identifier(opf: etree._Element, metadata: etree._Element) -> str:
    wanted = opf.get("unique-identifier", "")
    identifiers = list(metadata.iterfind("dc:identifier", _NS))
    chosen = next((each for each in identifiers if each.get("id") == wanted), None)
    return _text(chosen if chosen is not None else (identifiers[0] if identifiers else None))


def _cover(
    archive: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    opf: etree._Element,
    manifest: dict[str, tuple[str, str, str]],
) -> tuple[bytes | None, str]:
    """The cover image: the manifest item with properties="cover-image" (EPUB 3), else the one
    EPUB 2's `<meta name="cover">` names."""
    chosen = next((item for item in manifest.values() if "cover-image" in item[2].split()), None)
    if chosen is None:
        named = opf.xpath("string(opf:metadata/opf:meta[@name='cover']/@content)", namespaces=_NS)
        chosen = manifest.get(named)
    if chosen is None or not chosen[1].startswith("image/"):
        return None, ""
    return _member(archive, members, chosen[0], MAX_COVER), chosen[1]


def _count_notes(
    archive: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    manifest: dict[str, tuple[str, str, str]],
) -> int:
    # A regular expression over the pages' bytes rather than an XML parse of each: the
    # library's count is read for every book of an archive that may hold thousands.
    count, budget = 0, MAX_PAGES
    for path, media_type, _properties in manifest.values():
        if media_type in _XHTML_TYPES and path in members:
            page = _member(archive, members, path, min(MAX_PAGE, budget))
            budget -= len(page)
            count += len(_NOTE_ASIDE.findall(page))
    return count


# PDF


def _read_pdf(path: Path) -> _Metadata:
    from pypdf import PdfReader  # loaded only for a PDF without an EPUB

    try:
        # An open file, not a path: pypdf would read a path's whole file into memory, and
        # the metadata is in the trailer and one or two objects.
        with path.open("rb") as stream:
            reader = PdfReader(stream, strict=False)
            info = dict(reader.metadata or {})
            xmp = _xmp(reader)
            language = str(reader.trailer["/Root"].get("/Lang", "") or "")
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise UnreadableBook(f"not a readable PDF ({exc})") from exc
    keywords = _info(info, "/Keywords")
    subjects = xmp.get("subjects") or tuple(
        word.strip() for word in keywords.replace(";", ",").split(",") if word.strip()
    )
    return _Metadata(
        identifier=str(xmp.get("identifier", "")),
        title=str(xmp.get("title", "")) or _info(info, "/Title"),
        authors=xmp.get("authors") or _split_authors(_info(info, "/Author")),
        date=str(xmp.get("date", "")),
        language=str(xmp.get("language", "")) or language,
        subjects=subjects,
        description=str(xmp.get("description", "")) or _info(info, "/Subject"),
        publisher=str(xmp.get("publisher", "")),
        rights=str(xmp.get("rights", "")),
        source=str(xmp.get("source", "")),
    )


def _check_pdf(path: Path) -> None:
    """A PDF is listed if it looks like one at both ends: its header, and the %%EOF that ends
    it (without one, pypdf would search the whole file backwards for it)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(1024)
            stream.seek(max(0, path.stat().st_size - PDF_TAIL))
            tail = stream.read(PDF_TAIL)
    except OSError as exc:
        raise UnreadableBook(str(exc)) from exc
    if not head.lstrip().startswith(b"%PDF-"):
        raise UnreadableBook("not a PDF")
    if b"%%EOF" not in tail:
        raise UnreadableBook("not a PDF: no %%EOF at its end")


def _info(info: object, key: str) -> str:
    value = info.get(key) if isinstance(info, dict) else None
    return " ".join(str(value).split()) if value else ""


def _split_authors(text: str) -> tuple[str, ...]:
    # publish joins several authors with ", "; a name itself has no comma in its /Author.
    return tuple(name.strip() for name in re.split(r",|;| & | and ", text) if name.strip())


def _xmp(reader: object) -> dict[str, object]:
    """The Dublin Core of the PDF's XMP, where it has one (PDF/A and PDF/X builds do)."""
    xmp = reader.xmp_metadata  # type: ignore[attr-defined]
    if xmp is None:
        return {}

    def first(value: object) -> str:
        if isinstance(value, dict):  # a language alternative: x-default first
            value = value.get("x-default") or next(iter(value.values()), "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return " ".join(str(value or "").split())

    def all_of(value: object) -> tuple[str, ...]:
        return tuple(str(each) for each in value or () if str(each).strip())

    dates = xmp.dc_date or []
    return {
        "identifier": first(xmp.dc_identifier),
        "title": first(xmp.dc_title),
        "authors": all_of(xmp.dc_creator),
        "date": dates[0].date().isoformat() if dates and hasattr(dates[0], "date") else "",
        "language": first(xmp.dc_language),
        "subjects": all_of(xmp.dc_subject),
        "description": first(xmp.dc_description),
        "publisher": first(xmp.dc_publisher),
        "rights": first(xmp.dc_rights),
        "source": first(xmp.dc_source),
    }


# Thumbnails

_thumbnails: dict[tuple[str, float, int, bytes], bytes | None] = {}
_thumbnails_lock = threading.Lock()
_THUMBNAILS_REMEMBERED = 20_000  # about 8 KiB each


def thumbnail(book: LibraryBook, width: int = 200) -> bytes | None:
    """The cover scaled to `width` pixels wide, as a JPEG (THUMBNAIL_TYPE); None for a book
    without a cover or whose cover is not an image Pillow can read. Remembered per file and
    mtime (and the cover's digest: a LibraryBook can be made with any cover), so that a
    server asks Pillow once per cover."""
    if book.cover is None or not book.formats:
        return None
    source = book.formats[0]
    digest = hashlib.sha1(book.cover).digest()
    key = (str(source.path), source.modified.timestamp(), width, digest)
    with _thumbnails_lock:
        if key in _thumbnails:
            return _thumbnails[key]
    made = scaled_cover(book.cover, width)
    with _thumbnails_lock:
        if len(_thumbnails) > _THUMBNAILS_REMEMBERED:
            _thumbnails.clear()
        _thumbnails[key] = made
    return made


def scaled_cover(cover: bytes, width: int = 200) -> bytes | None:
    """COVER (an image's bytes) scaled to WIDTH pixels wide, as a JPEG; None where Pillow
    cannot read it or it is too large to decode."""
    from PIL import Image  # loaded only for thumbnails

    try:
        with Image.open(io.BytesIO(cover)) as image:
            if image.width * image.height > MAX_COVER_PIXELS:
                return None
            image.draft("RGB", (width, width * 4))  # a JPEG decodes at a fraction of its size
            height = max(1, round(image.height * width / image.width))
            # Scaled first, flattened after: the full-size image is only decoded once.
            image.thumbnail((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)
            out = io.BytesIO()
            _flattened(image).save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None


def _flattened(image: Any) -> Any:
    """An RGB image: transparency laid on white (JPEG has none)."""
    from PIL import Image

    if image.mode == "RGB":
        return image
    if "A" not in image.getbands() and "transparency" not in image.info:
        return image.convert("RGB")
    converted = image.convert("RGBA")
    white = Image.new("RGB", converted.size, "white")
    white.paste(converted, mask=converted.getchannel("A"))
    return white
