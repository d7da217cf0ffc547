"""An OPDS 1.2 catalog of a built library, for e-readers (KOReader, Thorium, Moon+ Reader,
calibre): Atom feeds that list the books with links to their EPUB, KEPUB and PDF files, their
covers and thumbnails, browsed by author, subject and language, and searched through an
OpenSearch description where a server answers the searches.

Every link is relative (to the feed, or `files` for the books' own files), so that a static
catalog written into the output folder works under any web server and any path, and a
server can mount the same feeds anywhere. Feeds live side by side in one folder:

    catalog.xml                 the start: a navigation feed
    all.xml, all.2.xml, …       every book, newest first, `page_size` a page
    authors.xml                 a navigation feed of the authors, each to author-SLUG.xml
    subjects.xml, languages.xml the same for subjects and languages
    opensearch.xml, search.xml  the search (only with `search=True`: a static catalog has no
                                server to answer it)
    covers/NAME.png, thumbnails/NAME.jpg
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote

from lxml import etree

from publish.library import THUMBNAIL_TYPE, LibraryBook, thumbnail

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/terms/"
OPDS_NS = "http://opds-spec.org/2010/catalog"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
_NSMAP = {None: ATOM_NS, "dc": DC_NS, "opds": OPDS_NS, "opensearch": OPENSEARCH_NS}

NAVIGATION_TYPE = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
ACQUISITION_REL = "http://opds-spec.org/acquisition"
IMAGE_REL = "http://opds-spec.org/image"
THUMBNAIL_REL = "http://opds-spec.org/image/thumbnail"
NEW_REL = "http://opds-spec.org/sort/new"

START = "catalog.xml"
OPENSEARCH = "opensearch.xml"
SEARCH = "search.xml"
PAGE_SIZE = 50

_FORMAT_TITLES = {"epub": "EPUB", "kepub": "Kobo EPUB (kepub)", "pdf": "PDF"}
_IMAGE_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}
_IMAGE_SUFFIXES |= {"image/webp": ".webp", "image/svg+xml": ".svg"}
_RASTER_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# What Atom's language tags allow (RFC 3066); anything else is left out of the feed.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
# An IRI as the OPDS schema reads one: a scheme, then no space and none of <>{}|^`"\.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>{}|^`\"\\]+")
# Characters XML 1.0 cannot hold (a PDF's /Info may have them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Served:
    """One file of the catalog: its bytes and media type."""

    body: bytes
    media_type: str


@dataclass(frozen=True)
class _Group:
    """An author, subject or language, and the books under it."""

    key: str  # "author", "subject", "language"
    label: str
    slug: str
    books: tuple[LibraryBook, ...]

    @property
    def stem(self) -> str:
        return f"{self.key}-{self.slug}"


_GROUPINGS = (
    ("author", "authors", "By author", lambda book: book.authors),
    ("subject", "subjects", "By subject", lambda book: book.subjects),
    (
        "language",
        "languages",
        "By language",
        lambda book: (book.language,) if book.language else (),
    ),
)


class Catalog:
    """The OPDS catalog of BOOKS. `files()` gives every file of a static catalog; `get(path)`
    one file, for a server (which also answers `search.xml?q=…` when `search` is on).

    `base` is where a server mounts the catalog (the OpenSearch template, the one link that
    clients do not resolve against the feed, starts with it); `files` is the books' files
    relative to the catalog's folder (the output folder is its parent)."""

    def __init__(
        self,
        books: Sequence[LibraryBook],
        base: str = "/opds/",
        search: bool = True,
        files: str = "../",
        title: str = "Library",
        page_size: int = PAGE_SIZE,
        now: datetime | None = None,
    ) -> None:
        self.books = tuple(books)
        self.base = base if base.endswith("/") else base + "/"
        self.search_enabled = search
        self.files_prefix = files
        self.title = title
        self.page_size = max(1, page_size)
        newest = max((book.updated for book in self.books), default=None)
        self.updated = newest or now or datetime.now(UTC)
        self.id = _uuid_urn("publish-catalog:" + title)
        self._groups = {key: _groups(key, self.books, of) for key, _, _, of in _GROUPINGS}
        self._routes = self._make_routes()

    # The public face

    def paths(self) -> list[str]:
        """The path of every file of the catalog, relative to the catalog's folder (the
        searches aside: their feeds depend on the terms)."""
        return [*self._routes, *([OPENSEARCH] if self.search_enabled else [])]

    def files(self) -> dict[str, bytes]:
        """Every file of the catalog, by its path relative to the catalog's folder."""
        return {path: self.made(path).body for path in self.paths()}

    def made(self, path: str) -> Served:
        """The file at PATH, one of `paths()`."""
        served = self.get(path)
        if served is None:
            raise KeyError(path)
        return served

    def get(self, path: str, query: str = "") -> Served | None:
        """The file at PATH (relative to the catalog, as `files()` names it: the URL's path
        with its %-escapes decoded), or None. With
        `search` on, `search.xml` answers the query's `q` (the OpenSearch searchTerms)."""
        path = path.lstrip("/")
        if self.search_enabled and path == OPENSEARCH:
            return self._opensearch()
        if self.search_enabled and path == SEARCH:
            asked = parse_qs(query)
            terms = asked.get("q", [""])[0]
            page = asked.get("page", ["1"])[0]
            number = int(page) if page.isdigit() else 1
            return Served(search(self.books, terms, number, catalog=self), ACQUISITION_TYPE)
        make = self._routes.get(path)
        return make() if make else None

    # Routes: every path of the catalog and how to make it

    def _make_routes(self) -> dict[str, Callable[[], Served]]:
        routes: dict[str, Callable[[], Served]] = {START: self._start}
        # Newest first; books written in the same second (one build) by title.
        newest = sorted(
            self.books, key=lambda book: (-int(book.updated.timestamp()), _folded(book.title))
        )
        self._add_pages(routes, "all", "All books", newest, self._acquisition)
        for key, plural, title, _of in _GROUPINGS:
            groups = self._groups[key]
            self._add_pages(routes, plural, title, groups, self._navigation)
            for group in groups:
                self._add_pages(routes, group.stem, group.label, group.books, self._acquisition)
        for book in self.books:
            if book.cover is not None:
                routes[cover_path(book)] = _image(book.cover, book.cover_type or "image/png")
            if has_thumbnail(book):
                routes[thumbnail_path(book)] = _thumbnail(book)
        return routes

    def _add_pages(
        self,
        routes: dict[str, Callable[[], Served]],
        stem: str,
        title: str,
        items: Sequence,
        make: Callable[..., Served],
    ) -> None:
        pages = max(1, math.ceil(len(items) / self.page_size))
        for number in range(1, pages + 1):
            chunk = items[(number - 1) * self.page_size : number * self.page_size]
            page = _Page(stem, number, pages)
            routes[page.path] = _later(make, page, title, chunk)

    # Feeds

    def _feed(self, page: _Page, title: str, kind: str) -> etree._Element:
        feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap=_NSMAP)
        _sub(feed, "id", self.id if page.path == START else _uuid_urn(f"{self.id} {page.path}"))
        _sub(feed, "title", title)
        _sub(feed, "updated", _when(self.updated))
        author = _sub(feed, "author")
        _sub(author, "name", self.title)
        _link(feed, "self", page.path, kind)
        _link(feed, "start", START, NAVIGATION_TYPE)
        if page.path != START:
            _link(feed, "up", START, NAVIGATION_TYPE)
        if self.search_enabled:
            _link(feed, "search", OPENSEARCH, OPENSEARCH_TYPE)
        if page.pages > 1:
            _link(feed, "first", page.at(1), kind)
            _link(feed, "last", page.at(page.pages), kind)
            if page.number > 1:
                _link(feed, "previous", page.at(page.number - 1), kind)
            if page.number < page.pages:
                _link(feed, "next", page.at(page.number + 1), kind)
        return feed

    def _start(self) -> Served:
        feed = self._feed(_Page(START[: -len(".xml")], 1, 1), self.title, NAVIGATION_TYPE)
        all_books = _count(len(self.books), "book")
        _navigation_entry(feed, self, "All books", "all.xml", all_books, ACQUISITION_TYPE, NEW_REL)
        for key, plural, title, _of in _GROUPINGS:
            count = _count(len(self._groups[key]), key)
            _navigation_entry(feed, self, title, f"{plural}.xml", count, NAVIGATION_TYPE)
        return _served(feed, NAVIGATION_TYPE)

    def _navigation(self, page: _Page, title: str, groups: Sequence[_Group]) -> Served:
        feed = self._feed(page, title, NAVIGATION_TYPE)
        for group in groups:
            count = _count(len(group.books), "book")
            _navigation_entry(feed, self, group.label, f"{group.stem}.xml", count, ACQUISITION_TYPE)
        return _served(feed, NAVIGATION_TYPE)

    def _acquisition(self, page: _Page, title: str, books: Sequence[LibraryBook]) -> Served:
        feed = self._feed(page, title, ACQUISITION_TYPE)
        for book in books:
            feed.append(self._entry(book))
        return _served(feed, ACQUISITION_TYPE)

    def _entry(self, book: LibraryBook) -> etree._Element:
        entry = etree.Element(f"{{{ATOM_NS}}}entry")
        _sub(entry, "title", _full_title(book))
        _sub(entry, "id", book_id(book))
        _sub(entry, "updated", _when(book.updated))
        for name in book.authors:
            _sub(_sub(entry, "author"), "name", name)
        for name in book.translators:
            _sub(_sub(entry, "contributor"), "name", name)
        for subject in book.subjects:
            _sub(entry, "category", term=subject, label=subject)
        _dc(entry, "identifier", book.identifier)
        if _LANGUAGE_TAG.fullmatch(book.language):
            _dc(entry, "language", book.language)
        _dc(entry, "issued", book.date)
        _dc(entry, "publisher", book.publisher)
        _dc(entry, "source", book.source)
        if book.rights:
            _sub(entry, "rights", book.rights)
        if book.description:
            _sub(entry, "summary", book.description, type="text")
        _sub(entry, "content", _details(book), type="text")
        if book.cover is not None:
            _link(entry, IMAGE_REL, quote(cover_path(book)), book.cover_type or "image/png")
            if has_thumbnail(book):
                _link(entry, THUMBNAIL_REL, quote(thumbnail_path(book)), THUMBNAIL_TYPE)
            else:  # a drawing (SVG) is its own thumbnail
                _link(entry, THUMBNAIL_REL, quote(cover_path(book)), book.cover_type)
        for each in book.formats:
            href = self.files_prefix + quote(each.path.name)
            link = _link(entry, ACQUISITION_REL, href, each.media_type)
            link.set("length", str(each.size))
            link.set("title", _FORMAT_TITLES.get(each.fmt, each.fmt))
        return entry

    def _opensearch(self) -> Served:
        root = etree.Element(
            f"{{{OPENSEARCH_NS}}}OpenSearchDescription", nsmap={None: OPENSEARCH_NS}
        )
        for tag, text in (
            ("ShortName", self.title[:16]),
            ("Description", f"Search {self.title} by title, author or subject"),
            ("InputEncoding", "UTF-8"),
            ("OutputEncoding", "UTF-8"),
        ):
            etree.SubElement(root, f"{{{OPENSEARCH_NS}}}{tag}").text = _xml_text(text)
        url = etree.SubElement(root, f"{{{OPENSEARCH_NS}}}Url")
        url.set("type", ACQUISITION_TYPE)
        url.set("template", f"{self.base}{SEARCH}?q={{searchTerms}}")
        return Served(_bytes(root), OPENSEARCH_TYPE)


@dataclass(frozen=True)
class _Page:
    """Page NUMBER of PAGES of a feed: stem.xml, stem.2.xml…; a search's pages are one file
    with its terms and page in the query (search.xml?q=…&page=2)."""

    stem: str
    number: int
    pages: int
    terms: str | None = None

    @property
    def path(self) -> str:
        return self.at(self.number)

    def at(self, number: int) -> str:
        if self.terms is not None:
            more = f"&page={number}" if number > 1 else ""
            return f"{self.stem}.xml?q={quote(self.terms)}{more}"
        return f"{self.stem}.xml" if number == 1 else f"{self.stem}.{number}.xml"


def search(
    books: Sequence[LibraryBook], terms: str, page: int = 1, catalog: Catalog | None = None
) -> bytes:
    """An acquisition feed of the books whose title, subtitle, authors, translators, subjects
    or description hold every word of TERMS (case and accents aside), `page_size` a page."""
    catalog = catalog or Catalog(books)
    words = _folded(terms).split()
    found = [book for book in books if words and all(w in _haystack(book) for w in words)]
    size = catalog.page_size
    pages = max(1, math.ceil(len(found) / size))
    at = _Page(SEARCH[: -len(".xml")], min(max(1, page), pages), pages, terms)
    feed = catalog._feed(at, f"Search: {terms.strip()}", ACQUISITION_TYPE)
    _sub(feed, f"{{{OPENSEARCH_NS}}}totalResults", str(len(found)))
    _sub(feed, f"{{{OPENSEARCH_NS}}}itemsPerPage", str(size))
    _sub(feed, f"{{{OPENSEARCH_NS}}}startIndex", str((at.number - 1) * size + 1))
    for book in found[(at.number - 1) * size : at.number * size]:
        feed.append(catalog._entry(book))
    return _bytes(feed)


def _haystack(book: LibraryBook) -> str:
    fields = (book.title, book.subtitle, *book.authors, *book.translators, *book.subjects)
    return _folded(" ".join((*fields, book.description, book.name)))


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def book_id(book: LibraryBook) -> str:
    """The entry's atom:id: the book's identifier where it is an IRI the schema accepts, else
    one made from its output name."""
    if _IRI.fullmatch(book.identifier):
        return book.identifier
    return _uuid_urn("publish-output:" + book.name)


def _uuid_urn(text: str) -> str:
    """A stable urn:uuid made from TEXT: the same catalog keeps the same ids."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, text)}"


def _groups(
    key: str, books: Iterable[LibraryBook], of: Callable[[LibraryBook], Iterable[str]]
) -> tuple[_Group, ...]:
    """The groups of books by KEY, in alphabetical order, each with a file-name slug."""
    members: dict[str, list[LibraryBook]] = {}
    for book in books:
        for label in dict.fromkeys(of(book)):
            members.setdefault(label, []).append(book)
    shown = {value: _language_name(value) if key == "language" else value for value in members}
    values = sorted(members, key=lambda value: (_folded(shown[value]), value))
    slugs = _slugs(values)
    return tuple(_Group(key, shown[v], slugs[v], tuple(members[v])) for v in values)


@functools.cache
def _language_name(code: str) -> str:
    """A language as its readers name it, with its code: "français (fr)"; the code alone
    where Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return f"{name} ({code})" if name else code


def _slugs(labels: Sequence[str]) -> dict[str, str]:
    """A file-name slug for each label: readable ASCII, with a short hash where two labels
    would share one (or a label has no letters to make one from)."""
    readable = {label: _ascii_slug(label) for label in labels}
    counts: dict[str, int] = {}
    for slug in readable.values():
        counts[slug] = counts.get(slug, 0) + 1
    slugs = {}
    for label, slug in readable.items():
        if not slug or counts[slug] > 1:
            digest = hashlib.sha1(label.encode("utf-8")).hexdigest()[:8]
            slug = f"{slug}-{digest}" if slug else digest
        slugs[label] = slug
    return slugs


def _ascii_slug(text: str) -> str:
    folded = _folded(text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:60].strip("-")


def cover_path(book: LibraryBook) -> str:
    return f"covers/{book.name}{_IMAGE_SUFFIXES.get(book.cover_type, '.img')}"


def has_thumbnail(book: LibraryBook) -> bool:
    """Whether the cover is a picture Pillow scales (an SVG is not)."""
    return book.cover is not None and book.cover_type in _RASTER_TYPES


def thumbnail_path(book: LibraryBook) -> str:
    return f"thumbnails/{book.name}.jpg"


def _image(data: bytes, media_type: str) -> Callable[[], Served]:
    return lambda: Served(data, media_type)


def _thumbnail(book: LibraryBook) -> Callable[[], Served]:
    def make() -> Served:
        # A cover Pillow cannot scale is served whole rather than leave the link dangling.
        small = thumbnail(book)
        return (
            Served(small, THUMBNAIL_TYPE) if small else Served(book.cover or b"", book.cover_type)
        )

    return make


def _later(make: Callable[..., Served], *args: object) -> Callable[[], Served]:
    return lambda: make(*args)


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" + ("" if number == 1 else "s")


def _full_title(book: LibraryBook) -> str:
    return f"{book.title}: {book.subtitle}" if book.subtitle else book.title


def _details(book: LibraryBook) -> str:
    """The entry's content: what the bibliographic header says beyond the title."""
    lines = [
        f"Translated by {', '.join(book.translators)}." if book.translators else "",
        f"Original: {book.source}" if book.source else "",
        f"{book.notes} notes." if book.notes else "",
        "Formats: " + ", ".join(_FORMAT_TITLES.get(f.fmt, f.fmt) for f in book.formats) + ".",
    ]
    return " ".join(line for line in lines if line)


def _navigation_entry(
    feed: etree._Element,
    catalog: Catalog,
    title: str,
    href: str,
    content: str,
    kind: str,
    rel: str = "subsection",
) -> None:
    entry = _sub(feed, "entry")
    _sub(entry, "title", title)
    _sub(entry, "id", _uuid_urn(f"{catalog.id} entry {href}"))
    _sub(entry, "updated", _when(catalog.updated))
    _sub(entry, "content", content, type="text")
    _link(entry, rel, quote(href), kind)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    name = tag if tag.startswith("{") else f"{{{ATOM_NS}}}{tag}"
    element = etree.SubElement(parent, name)
    for key, value in attrs.items():
        element.set(key, _xml_text(value))
    if text is not None:
        element.text = _xml_text(text)
    return element


def _dc(entry: etree._Element, tag: str, text: str) -> None:
    if text:
        _sub(entry, f"{{{DC_NS}}}{tag}", text)


def _link(parent: etree._Element, rel: str, href: str, media_type: str) -> etree._Element:
    return _sub(parent, "link", rel=rel, href=href, type=media_type)


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _served(feed: etree._Element, media_type: str) -> Served:
    return Served(_bytes(feed), media_type)


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
