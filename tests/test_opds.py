"""The OPDS catalog of a built library, as an e-reader browses it: every feed valid against
the OPDS 1.2 RelaxNG schema (tests/schema/opds-1.2, converted from the official .rnc with
trang), every link leading to a file that is there, with the length and media type the feed
says, navigation by author, subject and language, paging, search, and `publish catalog`
writing it all in one swap."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from library_helpers import build_library, write_hostile_epubs
from lxml import etree
from PIL import Image

from publish.library import Format, LibraryBook, read_library
from publish.opds import ACQUISITION_TYPE, Catalog, search

SCHEMA = Path(__file__).parent / "schema" / "opds-1.2" / "opds.rng"
NS = {"a": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/terms/"}
NS["os"] = "http://a9.com/-/spec/opensearch/1.1/"
ACQUISITION = "http://opds-spec.org/acquisition"
# What a file of each media type starts with.
MAGIC = {"application/epub+zip": b"PK\x03\x04", "application/kepub+zip": b"PK\x03\x04"}
MAGIC |= {"application/pdf": b"%PDF-", "image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff"}
MAGIC |= {"application/atom+xml": b"<?xml"}


@pytest.fixture(scope="module")
def schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_library(tmp_path_factory.mktemp("opds"))


@pytest.fixture
def library(built: Path, tmp_path: Path) -> Path:
    """A copy of the built project (its build/ folder returned), for a test to write into."""
    shutil.copytree(built.parent, tmp_path / "project")
    return tmp_path / "project" / "build"


def valid(schema: etree.RelaxNG, body: bytes, name: str) -> etree._Element:
    feed = etree.fromstring(body)
    assert schema.validate(feed), f"{name}: {schema.error_log}"
    return feed


def entries(feed: etree._Element) -> list[str]:
    return feed.xpath("a:entry/a:title/text()", namespaces=NS)


def link(feed: etree._Element, rel: str) -> str | None:
    found = feed.xpath(f"a:link[@rel='{rel}']/@href", namespaces=NS)
    return found[0] if found else None


def subsection(feed: etree._Element, title: str) -> str:
    return feed.xpath(f"a:entry[a:title='{title}']/a:link/@href", namespaces=NS)[0]


def test_every_feed_is_valid_opds(built: Path, schema: etree.RelaxNG) -> None:
    books = read_library(built)
    for with_search in (True, False):
        files = Catalog(books, search=with_search, page_size=2).files()
        feeds = [path for path in files if path.endswith(".xml") and path != "opensearch.xml"]
        assert len(feeds) > 10
        for path in feeds:
            valid(schema, files[path], path)
    server = Catalog(books, search=True)
    for query in ("q=carta", "q=", "q=nothing+at+all", "q=a&page=2"):
        valid(schema, server.get("search.xml", query).body, query)


def test_the_start_feed_leads_everywhere(built: Path, schema: etree.RelaxNG) -> None:
    files = Catalog(read_library(built), search=False).files()
    start = valid(schema, files["catalog.xml"], "catalog.xml")
    assert entries(start) == ["All books", "By author", "By subject", "By language"]
    assert start.xpath("a:entry/a:content/text()", namespaces=NS)[0] == "3 books"
    for href in start.xpath("a:entry/a:link/@href", namespaces=NS):
        assert href in files
    assert link(start, "search") is None  # a static catalog has no server to search with


def test_an_entry_carries_the_books_header_and_files(built: Path, schema: etree.RelaxNG) -> None:
    files = Catalog(read_library(built), search=False).files()
    feed = valid(schema, files["all.xml"], "all.xml")
    (carta,) = feed.xpath("a:entry[a:title='Carta a Muste: Sobre la represión']", namespaces=NS)

    def text(path: str) -> list[str]:
        return carta.xpath(path, namespaces=NS)

    assert text("a:author/a:name/text()") == ["León Trotsky"]
    assert text("a:contributor/a:name/text()") == ["Ana Pérez"]
    assert text("dc:language/text()") == ["es"]
    assert text("dc:issued/text()") == ["1936-02-12"]
    assert text("dc:identifier/text()")[0].startswith("urn:uuid:")
    assert text("a:category/@term") == ["URSS", "represión"]
    assert text("a:summary/text()") == ["Una carta sobre la represión."]
    assert "2 notes" in text("a:content/text()")[0]
    acquisitions = carta.xpath(f"a:link[@rel='{ACQUISITION}']", namespaces=NS)
    assert [(a.get("href"), a.get("type")) for a in acquisitions] == [
        ("../carta.epub", "application/epub+zip"),
        ("../carta.kepub.epub", "application/kepub+zip"),
        ("../carta.pdf", "application/pdf"),
    ]
    assert text("a:link[@rel='http://opds-spec.org/image']/@href") == ["covers/carta.png"]
    assert text("a:link[@rel='http://opds-spec.org/image/thumbnail']/@type") == ["image/jpeg"]


def test_every_link_of_the_written_catalog_is_a_file_that_is_there(
    library: Path, run_cli: Callable, schema: etree.RelaxNG
) -> None:
    result = run_cli("catalog", library)
    assert result.code == 0, result.err
    assert "build/opds/catalog.xml (3 books" in result.out.replace("\\", "/")
    root = library / "opds"
    feeds = sorted(root.glob("*.xml"))
    assert {path.name for path in feeds} >= {"catalog.xml", "all.xml", "authors.xml"}
    checked = 0
    for path in feeds:
        feed = valid(schema, path.read_bytes(), path.name)
        base = f"http://reader.example/library/opds/{path.name}"  # as a reader resolves it
        for element in feed.iter(f"{{{NS['a']}}}link"):
            url = urlsplit(urljoin(base, element.get("href")))
            target = library / unquote(url.path.removeprefix("/library/"))
            assert target.is_file(), (path.name, element.get("href"))
            if element.get("length"):
                assert int(element.get("length")) == target.stat().st_size
                media_type = element.get("type").split(";")[0]
                assert target.read_bytes().startswith(MAGIC[media_type]), element.get("href")
                if media_type == "application/kepub+zip":
                    assert target.name.endswith(".kepub.epub")
            checked += 1
    assert checked > 50


def test_navigation_by_author_subject_and_language(built: Path, schema: etree.RelaxNG) -> None:
    files = Catalog(read_library(built), search=False).files()

    def books_under(listing: str, label: str) -> list[str]:
        navigation = valid(schema, files[listing], listing)
        feed = valid(schema, files[subsection(navigation, label)], label)
        return entries(feed)

    authors = valid(schema, files["authors.xml"], "authors.xml")
    assert entries(authors) == ["Friedrich Engels", "Karl Marx", "León Trotsky", "Rosa Luxemburg"]
    assert books_under("authors.xml", "Karl Marx") == ["Manifesto of the Communist Party"]
    assert books_under("authors.xml", "León Trotsky") == ["Carta a Muste: Sobre la represión"]
    subjects = valid(schema, files["subjects.xml"], "subjects.xml")
    assert entries(subjects) == ["grève", "history", "represión", "URSS"]
    assert books_under("subjects.xml", "URSS") == [
        "Carta a Muste: Sobre la represión",
        "Manifesto of the Communist Party",
    ]
    languages = valid(schema, files["languages.xml"], "languages.xml")
    assert entries(languages) == ["English (en)", "español (es)", "français (fr)"]
    assert subsection(languages, "français (fr)") == "language-fr.xml"
    assert books_under("languages.xml", "français (fr)") == ["Lettre sur la grève"]
    assert books_under("languages.xml", "English (en)") == ["Manifesto of the Communist Party"]


def letters(count: int) -> list[LibraryBook]:
    """COUNT letters of an archive, made directly (the paging needs many, not real files)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = []
    for number in range(1, count + 1):
        path = Path(f"/archive/letter-{number:03}.epub")
        when = start + timedelta(minutes=number)
        epub = Format("epub", path, "application/epub+zip", 1000 + number, when)
        made.append(
            LibraryBook(
                name=path.stem,
                identifier=f"urn:uuid:00000000-0000-4000-8000-{number:012}",
                title=f"Letter {number:03}",
                subtitle="",
                authors=("Writer A" if number % 2 else "Writer B",),
                translators=(),
                date="1936",
                language="es",
                subjects=("letters",),
                description="",
                publisher="",
                rights="",
                source="",
                notes=number % 3,
                formats=(epub,),
                cover=None,
                cover_type="",
            )
        )
    return made


def test_a_long_feed_is_paged(schema: etree.RelaxNG) -> None:
    books = letters(120)
    catalog = Catalog(books, search=True)
    pages = ["all.xml", "all.2.xml", "all.3.xml"]
    feeds = [valid(schema, catalog.get(page).body, page) for page in pages]
    assert [len(entries(feed)) for feed in feeds] == [50, 50, 20]
    assert catalog.get("all.4.xml") is None
    listed = [title for feed in feeds for title in entries(feed)]
    assert listed == [f"Letter {n:03}" for n in range(120, 0, -1)]  # newest first
    first, middle, last = feeds
    assert (link(first, "next"), link(first, "previous")) == ("all.2.xml", None)
    assert (link(middle, "previous"), link(middle, "next")) == ("all.xml", "all.3.xml")
    assert (link(last, "next"), link(last, "last"), link(last, "first")) == (
        None,
        "all.3.xml",
        "all.xml",
    )
    writer_a = valid(schema, catalog.get("author-writer-a.2.xml").body, "author A, page 2")
    assert len(entries(writer_a)) == 10 and link(writer_a, "previous") == "author-writer-a.xml"


def test_search_finds_by_title_author_and_subject(built: Path, schema: etree.RelaxNG) -> None:
    books = read_library(built)

    def found(terms: str) -> list[str]:
        return entries(valid(schema, search(books, terms), terms))

    assert found("manifesto") == ["Manifesto of the Communist Party"]
    assert found("leon TROTSKY") == ["Carta a Muste: Sobre la represión"]  # accents aside
    assert found("luxemburg grève") == ["Lettre sur la grève"]
    assert found("urss") == [
        "Carta a Muste: Sobre la represión",
        "Manifesto of the Communist Party",
    ]
    assert found("Engels Trotsky") == []
    assert found("") == []


def test_a_server_answers_searches_in_pages(schema: etree.RelaxNG) -> None:
    catalog = Catalog(letters(120), base="/opds/", search=True)
    opensearch = etree.fromstring(catalog.get("opensearch.xml").body)
    (url,) = opensearch.xpath("os:Url", namespaces=NS)
    assert url.get("type") == ACQUISITION_TYPE
    assert url.get("template") == "/opds/search.xml?q={searchTerms}"
    start = valid(schema, catalog.get("catalog.xml").body, "start")
    assert link(start, "search") == "opensearch.xml"
    served = catalog.get("search.xml", "q=writer+b")
    assert served.media_type == ACQUISITION_TYPE
    first = valid(schema, served.body, "search")
    assert first.xpath("string(os:totalResults)", namespaces=NS) == "60"
    assert len(entries(first)) == 50
    assert link(first, "next") == "search.xml?q=writer%20b&page=2"
    second = valid(schema, catalog.get("search.xml", "q=writer+b&page=2").body, "page 2")
    assert len(entries(second)) == 10


def test_hostile_files_are_skipped_and_the_catalog_is_written(
    library: Path, run_cli: Callable, schema: etree.RelaxNG
) -> None:
    hostile = write_hostile_epubs(library)
    result = run_cli("catalog", library)
    assert result.code == 0, result.err
    for name in hostile:
        assert name in result.err
    feed = valid(schema, (library / "opds" / "all.xml").read_bytes(), "all.xml")
    assert len(entries(feed)) == 3


def test_a_failed_catalog_leaves_the_previous_one(
    library: Path, run_cli: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("catalog", library).code == 0
    before = {p: p.read_bytes() for p in (library / "opds").rglob("*") if p.is_file()}
    (library / "carta.epub").unlink()  # the next catalog would differ
    real = Path.write_bytes
    written: list[Path] = []

    def disk_full(path: Path, data: bytes) -> int:
        written.append(path)
        if len(written) == 4:
            raise OSError(28, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    result = run_cli("catalog", library)
    assert result.code == 1
    assert f"{written[-1]}: cannot write the catalog: No space left on device" in result.err
    after = {p: p.read_bytes() for p in (library / "opds").rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in library.iterdir() if p.name.startswith(".opds")]


def test_catalog_defaults_to_the_projects_build_folder(
    library: Path, run_cli: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(library.parent / "source")
    result = run_cli("catalog")
    assert result.code == 0, result.err
    assert (library / "opds" / "catalog.xml").is_file()
    start = etree.parse(str(library / "opds" / "catalog.xml")).getroot()
    assert start.findtext("a:title", namespaces=NS) == "project"


def test_a_missing_folder_is_one_line(tmp_path: Path, run_cli: Callable) -> None:
    result = run_cli("catalog", tmp_path / "nothing")
    assert result.code == 1
    assert result.err.strip() == f"{tmp_path / 'nothing'}: no such folder: build the books first"


def test_a_book_without_identifier_language_or_cover_is_still_valid(
    schema: etree.RelaxNG,
) -> None:
    (book,) = letters(1)
    odd = replace(book, identifier="ISBN 978 0 306", language="es_ES", title="A\x01B")
    feed = valid(schema, Catalog([odd]).get("all.xml").body, "odd")
    assert entries(feed) == ["AB"]
    assert feed.xpath("a:entry/a:id/text()", namespaces=NS)[0].startswith("urn:uuid:")


def test_images_of_unchanged_books_are_kept_from_the_previous_catalog(
    library: Path, run_cli: Callable
) -> None:
    assert run_cli("catalog", library).code == 0
    thumbnails = library / "opds" / "thumbnails"
    before = {path.name: path.stat().st_ino for path in thumbnails.iterdir()}
    assert set(before) == {"carta.jpg", "manifesto.jpg"}
    # carta rebuilt, the same; manifesto replaced by a book with another cover
    (library / "carta.epub").write_bytes((library / "carta.epub").read_bytes())
    (library / "manifesto.epub").write_bytes(make_epub_with_cover(b"another cover"))
    assert run_cli("catalog", library, "--jobs", "1").code == 0
    after = {path.name: path.stat().st_ino for path in thumbnails.iterdir()}
    assert after["carta.jpg"] == before["carta.jpg"]  # the same file, linked
    assert after["manifesto.jpg"] != before["manifesto.jpg"]  # made again
    assert (thumbnails / "manifesto.jpg").read_bytes().startswith(b"\xff\xd8\xff")


def make_epub_with_cover(label: bytes) -> bytes:
    """A minimal EPUB whose cover is a small PNG that differs with LABEL."""
    image = Image.new("RGB", (300, 480), tuple(label[:3]))
    png = io.BytesIO()
    image.save(png, "PNG")
    opf = (
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">'
        "urn:uuid:6f1c1e36-6a52-4b8e-9b7e-0d7b3f3d2a11</dc:identifier><dc:title>Manifesto"
        "</dc:title><dc:language>en</dc:language></metadata><manifest><item id='c' "
        "href='c.png' media-type='image/png' properties='cover-image'/></manifest></package>"
    )
    container = (
        '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
        '<rootfiles><rootfile full-path="content.opf" '
        'media-type="application/oebps-package+xml"/></rootfiles></container>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("content.opf", opf)
        archive.writestr("c.png", png.getvalue())
    return out.getvalue()


def test_a_killed_catalogs_temporary_folder_is_removed(library: Path, run_cli: Callable) -> None:
    left = library / ".opds.publish-killed"
    (left / "thumbnails").mkdir(parents=True)
    an_hour_ago = left.stat().st_mtime - 7200
    os.utime(left, (an_hour_ago, an_hour_ago))
    assert run_cli("catalog", library).code == 0
    assert not left.exists()
    assert [p.name for p in library.iterdir() if p.name.startswith(".opds")] == []


def test_a_drawn_cover_is_its_own_thumbnail(schema: etree.RelaxNG) -> None:
    (book,) = letters(1)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="16"/>'
    drawn = replace(book, cover=svg, cover_type="image/svg+xml")
    catalog = Catalog([drawn], search=False)
    feed = valid(schema, catalog.get("all.xml").body, "all.xml")
    images = feed.xpath(
        "a:entry/a:link[starts-with(@rel, 'http://opds-spec.org/image')]/@href", namespaces=NS
    )
    assert images == ["covers/letter-001.svg", "covers/letter-001.svg"]
    assert catalog.get("covers/letter-001.svg").body == svg
    assert not [path for path in catalog.paths() if path.startswith("thumbnails/")]


def test_books_of_one_build_are_listed_by_title(schema: etree.RelaxNG) -> None:
    same_second = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    books = [
        replace(book, formats=tuple(replace(f, modified=same_second) for f in book.formats))
        for book in letters(3)
    ]
    feed = valid(schema, Catalog(list(reversed(books))).get("all.xml").body, "all.xml")
    assert entries(feed) == ["Letter 001", "Letter 002", "Letter 003"]
