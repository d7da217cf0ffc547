"""The EPUB as reading systems and stores meet it: both `notes` settings, a given or a drawn
cover, landmarks and accessibility metadata, and links a reader can follow both ways.

One source (a note called twice, a note with paragraphs, a list, a quotation, emphasis and
a link) is built four ways: notes per chapter or for the whole book, each with a cover
image from the project and with a drawn one. EPUBCheck starts a JVM per book, so only
these four are checked.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import pytest
from epub_helpers import EPUB_TYPE, NS, OpenedEpub, Page, build_epub, epubcheck_problems
from lxml import etree
from PIL import Image

from publish import cover
from publish.errors import ResourceError
from publish.model import Metadata
from publish.settings import Settings

SOURCE = """\
---
title: Notes Every Reader Can Follow
subtitle: A book for testing e-readers
author: [Ada Example, Ben Example]
publisher: Example Press
date: 2024-05-01
lang: en
{cover}---

# First part

A sentence with a rich note[^rich] and a short one^[Short and *inline*.].

![A grey square](images/figure.png)

## A section

The rich note again[^rich], and a last one[^last].

# Second part

The end.

[^rich]: First paragraph, with *emphasis* and a [link](https://example.org/source).

    Second paragraph, then a list:

    - one
    - two

    > A quotation inside the note, with **strength**.

[^last]: A plain last note.
"""

# name → (notes setting, cover image file or "" for a drawn cover)
BOOKS = {
    "chapter-png": ("chapter", "cover.png"),
    "chapter-drawn": ("chapter", ""),
    "book-jpeg": ("book", "cover.jpg"),
    "book-drawn": ("book", ""),
}
NOTES = {"chapter": ("aside", "footnote", "doc-footnote"), "book": ("li", "endnote", None)}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def cover_image(fmt: str) -> bytes:
    """A small plain cover, drawn here so that the tests need no binary fixture."""
    buffer = io.BytesIO()
    Image.new("RGB", (160, 256), (90, 60, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def write_project(folder: Path, cover_file: str = "", cover_line: str | None = None) -> Path:
    """A project folder with the source, its figure and (optionally) its cover image."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    Image.new("L", (8, 8), 128).save(folder / "images" / "figure.png")
    if cover_file:
        fmt = "PNG" if cover_file.endswith(".png") else "JPEG"
        (folder / "images" / cover_file).write_bytes(cover_image(fmt))
    if cover_line is None:
        cover_line = f"cover-image: images/{cover_file}\n" if cover_file else ""
    source = folder / "notes.md"
    source.write_text(SOURCE.format(cover=cover_line), encoding="utf-8")
    return source


def build_book(folder: Path, name: str) -> Path:
    """The book `name`, its files all dated alike: two folders built so are the same input."""
    notes, cover_file = BOOKS[name]
    source = write_project(folder, cover_file)
    for path in folder.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    return build_epub(source, project_root=folder, settings=Settings(notes=notes))


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each of the four books, built once for the module."""
    return {name: build_book(tmp_path_factory.mktemp(name), name) for name in BOOKS}


def notes_setting(name: str) -> str:
    return BOOKS[name][0]


# EPUBCheck


@pytest.mark.parametrize("name", BOOKS)
def test_epubcheck_finds_nothing_for_either_notes_setting_with_either_cover(
    library: dict[str, Path], name: str
) -> None:
    problems = epubcheck_problems(library[name])
    assert problems == [], "EPUBCheck:\n" + "\n".join(problems)


# Following links as a reading system does


def element_at(book: OpenedEpub, page: Page, href: str) -> tuple[Page, etree._Element]:
    """The page and element a link lands on; fails when either is missing."""
    name, fragment = page.target(href)
    assert name in book.zip.namelist(), f"{page.name}: {href} leads to no file"
    target = book.page(name)
    element = target.by_id(fragment) if fragment else target.tree
    assert element is not None, f"{page.name}: {href} leads to no element"
    return target, element


@pytest.mark.parametrize("name", BOOKS)
def test_a_reading_system_follows_each_call_to_its_note_and_back(
    library: dict[str, Path], name: str
) -> None:
    """container.xml → OPF → spine → each noteref → its note → each of its backlinks."""
    book = OpenedEpub(library[name])
    tag, kind, role = NOTES[notes_setting(name)]
    reached = set()
    for page in book.spine():
        for call in page.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS):
            assert call.get("role") == "doc-noteref"
            note_page, note = element_at(book, page, call.get("href"))
            assert note.tag == f"{{{NS['x']}}}{tag}"
            assert (note.get(EPUB_TYPE), note.get("role")) == (kind, role)
            backs = note.xpath(".//x:a[@role='doc-backlink']/@href", namespaces=NS)
            assert (page.name, call.get("id")) in [note_page.target(b) for b in backs]
            for back in backs:
                back_page, target = element_at(book, note_page, back)
                # The way back lands on a call of this very note.
                assert target.get(EPUB_TYPE) == "noteref"
                assert back_page.target(target.get("href")) == (note_page.name, note.get("id"))
            reached.add(note_page.target(call.get("href")))
    notes_page = "EPUB/endnotes.xhtml" if notes_setting(name) == "book" else "EPUB/text.xhtml"
    assert reached == {(notes_page, f"fn-{n}") for n in (1, 2, 3)}


@pytest.mark.parametrize("name", BOOKS)
def test_every_link_and_image_in_the_book_resolves(library: dict[str, Path], name: str) -> None:
    book = OpenedEpub(library[name])
    for page in book.spine(linear_only=False):
        for href in page.tree.xpath("//x:a/@href", namespaces=NS):
            if "://" not in href and not href.startswith("mailto:"):
                element_at(book, page, href)
        for src in page.tree.xpath("//x:img/@src", namespaces=NS):
            assert page.target(src)[0] in book.zip.namelist()


@pytest.mark.parametrize("name", BOOKS)
def test_notes_keep_their_paragraphs_list_quotation_emphasis_and_link(
    library: dict[str, Path], name: str
) -> None:
    book = OpenedEpub(library[name])
    notes_page = "endnotes.xhtml" if notes_setting(name) == "book" else "text.xhtml"
    rich = book.spine_page(notes_page).by_id("fn-1")
    x = {"namespaces": NS}
    assert len(rich.xpath("x:p", **x)) == 2
    assert rich.xpath("x:ul/x:li/text()", **x) == ["one", "two"]
    assert rich.xpath("x:blockquote//x:strong/text()", **x) == ["strength"]
    assert rich.xpath(".//x:em/text()", **x) == ["emphasis"]
    assert rich.xpath(".//x:a[not(@role)]/@href", **x) == ["https://example.org/source"]
    short = book.spine_page(notes_page).by_id("fn-2")
    # The number, the link back, opens the first paragraph: on its line in every reader.
    assert short.xpath("string(x:p)", **x) == "2 Short and inline."
    assert short.xpath("x:p[1]/*[1]/@class", **x) == ["note-back"]


# Where the notes are


def test_chapter_notes_close_the_text_with_nothing_that_shows_when_readers_hide_them(
    library: dict[str, Path],
) -> None:
    """Readers with pop-ups hide each note's <aside>: nothing else of the notes may show,
    so the section has no heading (its label names it) and the rule is the first note's."""
    book = OpenedEpub(library["chapter-png"])
    assert [p.name for p in book.spine()] == [
        "EPUB/cover.xhtml",
        "EPUB/header.xhtml",
        "EPUB/copyright.xhtml",
        "EPUB/text.xhtml",
    ]
    [notes] = book.spine_page("text.xhtml").tree.xpath("//x:section[@class='notes']", namespaces=NS)
    assert notes.get("aria-label") == "Notes"
    assert [child.tag for child in notes] == [f"{{{NS['x']}}}aside"] * 3
    assert [a.get("id") for a in notes.findall("x:aside", NS)] == ["fn-1", "fn-2", "fn-3"]


def test_book_notes_have_their_own_page_last_in_the_spine_and_in_the_contents(
    library: dict[str, Path],
) -> None:
    book = OpenedEpub(library["book-drawn"])
    assert book.spine()[-1].name == "EPUB/endnotes.xhtml"
    text = book.spine_page("text.xhtml")
    assert text.tree.xpath("//x:aside", namespaces=NS) == []
    endnotes = book.spine_page("endnotes.xhtml")
    [section] = endnotes.tree.xpath("//x:section[@epub:type='endnotes']", namespaces=NS)
    assert section.get("role") == "doc-endnotes"
    assert [li.get("id") for li in section.findall("x:ol/x:li", NS)] == ["fn-1", "fn-2", "fn-3"]
    assert endnotes.tree.xpath("//x:h1/text()", namespaces=NS) == ["Notes"]
    toc = book.nav().tree.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)
    assert ("Notes", "endnotes.xhtml") in [(a.text, a.get("href")) for a in toc]


# Cover


def cover_item(book: OpenedEpub) -> tuple[str, bytes, str]:
    """The cover-image item: its href, its bytes and its media type."""
    item = book.item_with("cover-image")
    return item.get("href"), book.zip.read(book.resolve(item.get("href"))), item.get("media-type")


@pytest.mark.parametrize("name", BOOKS)
def test_a_cover_page_opens_the_spine_and_shows_the_cover_image(
    library: dict[str, Path], name: str
) -> None:
    book = OpenedEpub(library[name])
    first = book.spine()[0]
    assert first.name == "EPUB/cover.xhtml"
    [img] = first.tree.xpath("//x:img", namespaces=NS)
    assert img.get("src") == cover_item(book)[0]
    assert img.get("alt").startswith("Cover: Notes Every Reader Can Follow")
    [legacy] = book.opf.xpath("//opf:meta[@name='cover']/@content", namespaces=NS)
    assert legacy == book.item_with("cover-image").get("id")
    guide = book.opf.xpath("//opf:guide/opf:reference[@type='cover']/@href", namespaces=NS)
    assert guide == ["cover.xhtml"]


@pytest.mark.parametrize(
    ("name", "fmt", "media_type"),
    [("chapter-png", "PNG", "image/png"), ("book-jpeg", "JPEG", "image/jpeg")],
)
def test_a_cover_image_from_the_project_is_packed_as_it_is(
    library: dict[str, Path], name: str, fmt: str, media_type: str
) -> None:
    _href, data, declared = cover_item(OpenedEpub(library[name]))
    assert (data, declared) == (cover_image(fmt), media_type)


def test_without_a_cover_image_a_typographic_cover_is_drawn(library: dict[str, Path]) -> None:
    _href, data, declared = cover_item(OpenedEpub(library["book-drawn"]))
    assert declared == "image/png"
    with Image.open(io.BytesIO(data)) as drawn:
        assert (drawn.format, drawn.size) == ("PNG", (1600, 2560))
        assert len(drawn.convert("L").getcolors(1 << 16)) > 2  # text was set, not a blank


def png_chunks(data: bytes) -> list[bytes]:
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append(data[at + 4 : at + 8])
        at += length + 12
    return chunks


def test_the_drawn_cover_depends_on_the_header_alone() -> None:
    meta = Metadata(title="A Title", identifier="x", authors=("Ada Example",))
    fonts = cover.project_fonts(None)
    first, second = cover.typographic_cover(meta, fonts), cover.typographic_cover(meta, fonts)
    assert first == second
    assert set(png_chunks(first)) == {b"IHDR", b"IDAT", b"IEND"}  # no date, no software name


def test_the_drawn_cover_wraps_a_long_title_within_the_measure() -> None:
    style = cover.Style(cover.project_fonts(None).bold, 180, 72, 6)
    title = "A Vindication of the Rights of Woman: with Strictures on Political and Moral Subjects"
    block = cover.fit([title], style)
    assert 2 <= len(block.lines) <= 6
    assert " ".join(block.lines) == title
    assert all(block.font.getlength(line) <= cover.MEASURE for line in block.lines)


# Navigation and accessibility


@pytest.mark.parametrize(("name", "last"), [("chapter-png", []), ("book-jpeg", ["endnotes"])])
def test_landmarks_lead_to_cover_title_page_text_and_notes(
    library: dict[str, Path], name: str, last: list[str]
) -> None:
    nav = OpenedEpub(library[name]).nav()
    [landmarks] = nav.tree.xpath("//x:nav[@epub:type='landmarks']", namespaces=NS)
    assert landmarks.get("hidden") is not None
    kinds = [a.get(EPUB_TYPE) for a in landmarks.iterfind(".//x:a", NS)]
    # No "toc" landmark: a document's nav is no page of the book (it has no contents page).
    assert kinds == ["cover", "titlepage", "copyright-page", "bodymatter", *last]


def test_the_package_carries_accessibility_metadata(library: dict[str, Path]) -> None:
    book = OpenedEpub(library["book-drawn"])
    assert book.meta_property("schema:accessMode") == ["textual", "visual"]
    assert book.meta_property("schema:accessModeSufficient") == ["textual"]
    assert book.meta_property("schema:accessibilityFeature") == [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "displayTransformability",
        "alternativeText",
    ]
    assert book.meta_property("schema:accessibilityHazard") == ["none"]
    [summary] = book.meta_property("schema:accessibilitySummary")
    assert "table of contents" in summary


def test_an_image_without_alt_text_means_text_alone_does_not_suffice(tmp_path: Path) -> None:
    source = write_project(tmp_path)
    source.write_text(source.read_text().replace("![A grey square]", "![]"), encoding="utf-8")
    book = OpenedEpub(build_epub(source, project_root=tmp_path))
    assert book.meta_property("schema:accessModeSufficient") == ["textual,visual"]
    assert "alternativeText" not in book.meta_property("schema:accessibilityFeature")


@pytest.mark.parametrize("name", BOOKS)
def test_every_page_says_its_language_and_no_heading_skips_a_level(
    library: dict[str, Path], name: str
) -> None:
    book = OpenedEpub(library[name])
    for page in book.spine(linear_only=False):
        assert (page.tree.get("lang"), page.tree.get(XML_LANG)) == ("en", "en"), page.name
        levels = [
            int(h.tag[-1]) for h in page.tree.iter(*(f"{{{NS['x']}}}h{n}" for n in range(1, 7)))
        ]
        for before, after in zip([0, *levels], levels, strict=False):
            assert after <= before + 1, f"{page.name}: h{before} then h{after}"


# Reproducible


def test_two_builds_with_book_notes_and_a_cover_give_the_same_bytes(tmp_path: Path) -> None:
    first = build_book(tmp_path / "a", "book-jpeg")
    second = build_book(tmp_path / "b", "book-jpeg")
    drawn = [build_book(tmp_path / folder, "book-drawn") for folder in ("c", "d")]
    assert first.read_bytes() == second.read_bytes()
    assert drawn[0].read_bytes() == drawn[1].read_bytes()
    with zipfile.ZipFile(first) as book:
        mimetype = book.infolist()[0]
    assert (mimetype.filename, mimetype.compress_type) == ("mimetype", zipfile.ZIP_STORED)


# Errors the user can fix


def test_a_missing_cover_image_names_the_front_matter(tmp_path: Path) -> None:
    source = write_project(tmp_path, cover_line="cover-image: images/nowhere.png\n")
    with pytest.raises(
        ResourceError, match=r"cover image 'images/nowhere\.png' not found"
    ) as caught:
        build_epub(source, project_root=tmp_path)
    assert str(caught.value.location).endswith("notes.md:2")
    assert not source.with_suffix(".epub").exists()


def test_a_cover_image_outside_the_project_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.png").write_bytes(cover_image("PNG"))
    project = tmp_path / "project"
    source = write_project(project, cover_line="cover-image: ../outside.png\n")
    with pytest.raises(ResourceError, match="outside the project") as caught:
        build_epub(source, project_root=project)
    assert caught.value.location.line == 2


def test_a_cover_image_that_is_neither_jpeg_nor_png_is_refused(tmp_path: Path) -> None:
    source = write_project(tmp_path, cover_line="cover-image: images/cover.gif\n")
    Image.new("RGB", (16, 16)).save(tmp_path / "images" / "cover.gif")
    with pytest.raises(ResourceError, match="neither a JPEG nor a PNG"):
        build_epub(source, project_root=tmp_path)


def test_the_package_is_in_the_books_language_and_names_publish_as_its_maker(
    library: dict[str, Path],
) -> None:
    """Ace counts a package without a language as a serious issue: assistive technology
    would read its titles and names in the wrong voice."""
    book = OpenedEpub(library["chapter-png"])
    assert book.opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    generators = book.opf.xpath("//opf:meta[@name='generator']/@content", namespaces=NS)
    assert len(generators) == 1 and generators[0].startswith("publish ")


def test_each_text_page_is_a_chapter_to_assistive_technology(library: dict[str, Path]) -> None:
    text = OpenedEpub(library["chapter-png"]).spine_page("text.xhtml")
    [section] = text.tree.xpath("//x:section[@class='text']", namespaces=NS)
    assert "chapter" in section.get(EPUB_TYPE).split()
    assert section.get("role") == "doc-chapter"


def test_the_cover_page_alone_has_no_margin_so_the_cover_is_one_screen(
    library: dict[str, Path],
) -> None:
    """With the body's default margin an image as tall as the screen is taller than the
    page, and MuPDF laid the cover over three pages (blank, cover, blank)."""
    book = OpenedEpub(library["chapter-png"])
    sheets = {
        page.name.rsplit("/", 1)[-1]: page.tree.xpath("//x:link/@href", namespaces=NS)
        for page in book.spine()
    }
    assert sheets["cover.xhtml"][0] == "styles/cover.css"
    assert all(
        "styles/cover.css" not in links for name, links in sheets.items() if name != "cover.xhtml"
    )
    cover_css = book.zip.read(book.resolve("styles/cover.css")).decode()
    assert "margin: 0" in cover_css
