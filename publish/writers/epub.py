"""EPUB writer: a `Document` or a `Book` becomes a reflowable EPUB 3, assembled with ebooklib.

Shaped like Sphinx's epub3 builder finish step: `write_epub` calls one named step per part
of the package (metadata, style sheet, images, cover, pages, navigation, write). What a
page shows, the navigation document included, is decided by templates/epub/; this module
only packs the book. The ebooklib 0.20 traps it works around are noted where they bite.

Pages, in spine order: cover.xhtml, header.xhtml (the title page), copyright.xhtml (when the
header has anything for a copyright page: rights, ISBNs, publisher…), dedication.xhtml and
epigraph.xhtml (when the header has a `dedication`, an `epigraph`), the text (text.xhtml for a document; in a book, the contents page nav.xhtml
and then chapter-01.xhtml, chapter-02.xhtml…), then endnotes.xhtml when the `notes` setting
is `book` (with `chapter`, each text page ends with its own notes). Without a contents page
(a document's default, or `toc: false`) nav.xhtml is out of the spine.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from ebooklib import epub
from markupsafe import escape

import publish
from publish import model as m
from publish.cover import project_fonts, typographic_cover
from publish.errors import OutputError, SourceLocation, SourceWarning
from publish.files import MAX_TEXT_BYTES, read_file
from publish.labels import labels_for
from publish.original_pages import markers
from publish.render import heading_id, plain_text, render_template
from publish.resources import (
    cover_content,
    image_content,
    knob_values,
    package_styles_dir,
    style_cascade,
    with_knob_values,
)
from publish.settings import Settings
from publish.writers import atomic_output, build_timestamp
from publish.writers.print_pages import PrintPage, mark_pages

COVER_FILE = "cover.xhtml"
HEADER_FILE = "header.xhtml"
TEXT_FILE = "text.xhtml"
ENDNOTES_FILE = "endnotes.xhtml"
DEDICATION_FILE = "dedication.xhtml"
COPYRIGHT_FILE = "copyright.xhtml"
EPIGRAPH_FILE = "epigraph.xhtml"
NAV_FILE = "nav.xhtml"
STYLE_FILE = "styles/epub.css"
PROJECT_STYLE_FILE = "styles/project.css"  # a project's epub.css, after the built-in one
COVER_STYLE_FILE = "styles/cover.css"  # the cover page's own, before the others
NO_PRINT_PAGES = (
    "its PDF could not be laid out, or its layout read (see the PDF's error or warning)"
)
IMAGE_FOLDER = "images"
PACKAGE_FILE = "EPUB/content.opf"  # where ebooklib writes the package document

# Without epub3_pages off, every element with an epub:type and an id (our noterefs and
# notes) lands in a hidden page-list; without raise_exceptions an OSError is swallowed.
_WRITE_OPTIONS = {"epub3_pages": False, "raise_exceptions": True}

# Zip entries cannot be dated before 1980 (a 1936 letter is); the earliest date stands in.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_ZIP_END = (2107, 12, 31, 23, 59, 58)  # the last moment a zip entry can be dated


@dataclass(frozen=True, slots=True)
class PagePlan:
    """One page of the spine: its file, its template, and how the landmarks name it."""

    file_name: str
    template: str
    landmark: str  # its epub:type in the nav's landmarks (EPUB 3)
    guide: str  # its type in the OPF guide (EPUB 2, still read by Kindle's converter)
    label: str  # the `labels` key that titles it; "" for the document's own title


COVER = PagePlan(COVER_FILE, "epub/cover.xhtml.j2", "cover", "cover", "cover")
HEADER = PagePlan(HEADER_FILE, "epub/header.xhtml.j2", "titlepage", "title-page", "title_page")
ENDNOTES = PagePlan(ENDNOTES_FILE, "epub/endnotes.xhtml.j2", "endnotes", "notes", "notes")
DEDICATION = PagePlan(
    DEDICATION_FILE, "epub/dedication.xhtml.j2", "dedication", "dedication", "dedication"
)
COPYRIGHT = PagePlan(
    COPYRIGHT_FILE, "epub/copyright.xhtml.j2", "copyright-page", "copyright-page", "copyright"
)
EPIGRAPH = PagePlan(EPIGRAPH_FILE, "epub/epigraph.xhtml.j2", "epigraph", "epigraph", "epigraph")
TEXT_TEMPLATE = "epub/text.xhtml.j2"


@dataclass(frozen=True, slots=True)
class Chapter:
    """A document's page: text.xhtml alone, chapter-NN.xhtml in a book.

    `prefix` keeps note ids apart when a book's notes share one endnotes page.
    """

    document: m.Document
    file_name: str
    prefix: str = ""


def chapters_of(target: m.Document | m.Book) -> list[Chapter]:
    if isinstance(target, m.Document):
        return [Chapter(target, TEXT_FILE)]
    return [
        Chapter(doc, f"chapter-{number:02d}.xhtml", f"c{number}-")
        for number, doc in enumerate(target.documents, 1)
    ]


@dataclass(frozen=True, slots=True)
class Packed:
    """What the pages link to, once in the book."""

    styles: tuple[epub.EpubItem, ...]  # the built-in sheet and the project's, in order
    cover_style: epub.EpubItem  # linked from the cover page alone
    image_names: dict[tuple[str, str], str]  # (document path, image src) → name in the book
    cover_name: str


@dataclass(frozen=True, slots=True)
class Landmark:
    guide: str  # the OPF guide's type
    kind: str  # the landmarks' epub:type
    href: str
    title: str


@dataclass(frozen=True, slots=True)
class TocEntry:
    """A line of the table of contents, with the entries under it."""

    title: str
    href: str
    children: tuple[TocEntry, ...] = ()


def write_epub(
    target: m.Document | m.Book,
    env: jinja2.Environment,
    out_path: Path,
    *,
    project_root: Path | None = None,
    settings: Settings | None = None,
    warn: Callable[[SourceWarning], None] | None = None,
    print_pages: Sequence[PrintPage] | None = None,
) -> None:
    """Write a document or a book as an EPUB 3 to `out_path`, replacing it only when all
    went well. (Links that lead nowhere in the book are left out; the reader warned of
    them, so `warn` hears of nothing here.)

    With `page-list: print`, the pages of the target's PDF are marked in the text and
    listed: `print_pages` when the PDF was laid out in the same build, else laid out here.
    `warn` hears when they cannot be found."""
    settings = settings or Settings()
    chapters = chapters_of(target)
    book = epub.EpubBook()
    add_metadata(book, target.meta)
    packed = add_resources(book, target, chapters, project_root, settings.styles)
    notes_apart = settings.notes == "book" and any(c.document.notes for c in chapters)
    if settings.page_list == "print" and print_pages is None:
        from publish.writers.pdf import print_pages_laid_out  # WeasyPrint, only for this

        print_pages = print_pages_laid_out(target, env, settings, project_root)
    marked = add_pages(book, env, target, chapters, notes_apart, packed, print_pages or ())
    pages = page_list_entries(settings.page_list, chapters, marked)
    if settings.page_list == "print" and not pages and warn is not None:
        message = f"the EPUB has no page-list of the print pages: {NO_PRINT_PAGES}"
        warn(SourceWarning(message, target.location))
    add_accessibility(book, target.meta, chapters, settings.page_list if pages else "none")
    add_navigation(
        book, env, target, chapters, notes_apart, packed.styles, pages, settings.page_list
    )
    write(book, out_path, build_timestamp(target, project_root), target.meta.lang)


def add_resources(
    book: epub.EpubBook,
    target: m.Document | m.Book,
    chapters: Sequence[Chapter],
    project_root: Path | None,
    styles: str = "add",
) -> Packed:
    """Everything the pages link to: the style sheets, the images, the cover."""
    sheets = add_styles(book, project_root, styles)
    cover_sheet = add_sheet(
        book, "cover-style", COVER_STYLE_FILE, _sheet(package_styles_dir() / "cover.css")
    )
    image_names = add_images(book, chapters, project_root)
    return Packed(sheets, cover_sheet, image_names, add_cover(book, target, project_root))


def add_pages(
    book: epub.EpubBook,
    env: jinja2.Environment,
    target: m.Document | m.Book,
    chapters: Sequence[Chapter],
    notes_apart: bool,
    packed: Packed,
    print_pages: Sequence[PrintPage] = (),
) -> list[TocEntry]:
    """Render each page and add it to the spine, in order (a book's contents page comes
    with the navigation); with `print_pages`, mark where each begins in the text, and
    return the page-list."""
    labels = labels_for(target.meta.lang)
    header_links = document_links(chapters, target.path)  # from the header's fields
    for plan in front_pages(target.meta):
        markup = render_template(
            env, plan.template, target, cover_src=packed.cover_name, relink=header_links
        )
        # The cover's own sheet first: the project's may still restyle the cover page.
        styles = (packed.cover_style, *packed.styles) if plan is COVER else packed.styles
        add_page(book, plan.file_name, markup, target.meta.lang, styles, labels[plan.label])
    markups = [
        relink_images(
            render_chapter(env, target, c, notes_apart, document_links(chapters, c.document.path)),
            c.document,
            packed.image_names,
        )
        for c in chapters
    ]
    page_list: list[TocEntry] = []
    if print_pages:
        markups, marked = mark_pages(markups, print_pages)
        page_list = [
            TocEntry(label, f"{chapters[i].file_name}#{ident}") for label, i, ident in marked
        ]
    for chapter, markup in zip(chapters, markups, strict=True):
        meta = chapter.document.meta
        add_page(book, chapter.file_name, markup, meta.lang, packed.styles, meta.title)
    if notes_apart:  # each chapter's notes link from where that chapter's file is
        relinks = {
            c.prefix: document_links(chapters, c.document.path, notes_of=c) for c in chapters
        }
        markup = render_template(env, ENDNOTES.template, target, chapters=chapters, relinks=relinks)
        add_page(book, ENDNOTES_FILE, markup, target.meta.lang, packed.styles, labels["notes"])
    return page_list


def front_pages(meta: m.Metadata) -> tuple[PagePlan, ...]:
    """The pages before the text (and before a book's contents page): cover, title page,
    then those the header has something for."""
    wanted = {COPYRIGHT: meta.has_imprint, DEDICATION: meta.dedication, EPIGRAPH: meta.epigraph}
    return (COVER, HEADER, *(plan for plan, present in wanted.items() if present))


def render_chapter(
    env: jinja2.Environment,
    target: m.Document | m.Book,
    chapter: Chapter,
    notes_apart: bool,
    relink: Callable[[str], str | None],
) -> str:
    """A text page. Its links name where notes and calls are: "" means this page."""
    return render_template(
        env,
        TEXT_TEMPLATE,
        chapter.document,
        note_file=ENDNOTES_FILE if notes_apart else "",
        text_file=chapter.file_name if notes_apart else "",
        id_prefix=chapter.prefix,
        book_meta=target.meta if isinstance(target, m.Book) else None,
        back_matter_roles=m.BACK_MATTER_ROLES,
        relink=relink,
    )


def document_links(
    chapters: Sequence[Chapter], linking: str, notes_of: Chapter | None = None
) -> Callable[[str], str | None]:
    """Links between the book's documents (`other.md`, `../one/ch.md#id`), written in the
    file at `linking`, lead to the pages and elements of the documents at those paths (ids
    carry their chapter's prefix); a relative link to anything else has nothing to lead
    to in the book, so it is dropped (its words stay; the reader warned).

    On the notes page, the notes of `notes_of`: a link within their document (`#c2-id`,
    already prefixed) leads back to that chapter's page."""
    pages = {m.document_key(c.document.path): c for c in chapters}

    def relink(href: str) -> str | None:
        if href.startswith("#"):
            return href if notes_of is None else f"{notes_of.file_name}{href}"
        scheme = m.link_scheme(href)
        if scheme is not None:  # a URL (https:, mailto:); the reader warned of any other
            return href if scheme in m.LINK_SCHEMES else None
        linked = m.linked_path(linking, href)
        if linked is None:
            return href
        path, fragment = linked
        chapter = pages.get(path)
        if chapter is None:
            return None
        return f"{chapter.file_name}#{chapter.prefix}{fragment}" if fragment else chapter.file_name

    return relink


# Metadata


def add_metadata(book: epub.EpubBook, meta: m.Metadata) -> None:
    """The package metadata mirrors the bibliographic header of the source."""
    book.set_identifier(meta.identifier)
    add_titles(book, meta)
    book.set_language(meta.lang)
    add_people(book, meta)
    for name, value in optional_fields(meta):
        book.add_metadata("DC", name, value)
    if line := credits_line(meta):
        book.add_metadata("DC", "description", line)
    for subject in meta.subjects:
        book.add_metadata("DC", "subject", subject)
    generator = {"name": "generator", "content": f"publish {publish.__version__}"}
    book.set_unique_metadata("OPF", "generator", "", generator)  # in place of ebooklib's


def add_titles(book: epub.EpubBook, meta: m.Metadata) -> None:
    """`dc:title`; with a subtitle, a second `dc:title`, each refined by its title-type
    (EPUB 3's way: a reading system shows the main one as the book's title)."""
    book.title = meta.title  # what ebooklib's NCX and nav are titled with
    if not meta.subtitle:
        book.add_metadata("DC", "title", meta.title)
        return
    for uid, kind, text in (("title", "main", meta.title), ("subtitle", "subtitle", meta.subtitle)):
        book.add_metadata("DC", "title", text, {"id": uid})
        book.add_metadata(None, "meta", kind, {"refines": f"#{uid}", "property": "title-type"})


def add_people(book: epub.EpubBook, meta: m.Metadata) -> None:
    # Each person needs their own id: ebooklib's default gives every creator id="creator".
    for number, name in enumerate(meta.authors, 1):
        book.add_author(name, role="aut", uid=f"author-{number}")
        add_affiliation(book, meta, name, f"author-{number}")
    for role, names in (("trl", meta.translators), ("edt", meta.editors)):
        for number, name in enumerate(names, 1):
            uid = f"{role}-{number}"
            book.add_metadata("DC", "contributor", name, {"id": uid})
            refines = {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"}
            book.add_metadata(None, "meta", role, refines)
            add_affiliation(book, meta, name, uid)


def add_affiliation(book: epub.EpubBook, meta: m.Metadata, name: str, uid: str) -> None:
    # EPUB 3 has no property for it; schema.org's, under the reserved `schema:` prefix, does.
    if place := meta.affiliation(name):
        refines = {"refines": f"#{uid}", "property": "schema:affiliation"}
        book.add_metadata(None, "meta", place, refines)


def optional_fields(meta: m.Metadata) -> list[tuple[str, str]]:
    """The Dublin Core fields the source may leave out; empty ones are not written."""
    fields = [
        ("date", meta.date.iso if meta.date else ""),
        ("source", plain_text(meta.source)),
        ("publisher", meta.publisher),
        ("rights", meta.rights),
        ("description", meta.description),
    ]
    return [(name, value) for name, value in fields if value]


def credits_line(meta: m.Metadata) -> str:
    """The translator, editor, source and rights as sentences, for a second `dc:description`.

    calibre keeps none of their own OPF fields (it reads `dc:contributor` only as a book
    producer, and never `dc:source` or `dc:rights`), so its library and the AZW3 it makes for
    Kindle would drop them; every `dc:description` it joins into the book's comments.
    """
    labels = labels_for(meta.lang)
    parts = [
        f"{labels['translator']} {', '.join(meta.translators)}" if meta.translators else "",
        f"{labels['editor']} {', '.join(meta.editors)}" if meta.editors else "",
        f"{labels['source']}: {plain_text(meta.source)}" if meta.source else "",
        meta.rights,
    ]
    return " ".join(
        part if part.endswith((".", "!", "?", "…")) else f"{part}." for part in parts if part
    )


def add_accessibility(
    book: epub.EpubBook, meta: m.Metadata, chapters: Sequence[Chapter], page_list: str = "none"
) -> None:
    """schema.org accessibility metadata, as EPUB Accessibility 1.1 and the stores ask; with
    a page-list (`print` or `original`), the pages' source (`pageBreakSource`)."""
    for name, value in accessibility_fields(meta, chapters, page_list):
        book.add_metadata(None, "meta", value, {"property": f"schema:{name}"})
    if page_list != "none":
        book.add_metadata(
            None, "meta", page_break_source(meta, page_list), {"property": "pageBreakSource"}
        )


def page_break_source(meta: m.Metadata, page_list: str) -> str:
    """The edition whose pages the EPUB marks: the print edition by its ISBN (a URN), or
    named (its title, publisher and year); the edition translated from, as the header
    names it."""
    if page_list == "original":
        return (
            plain_text(meta.source) or f"{meta.title} ({labels_for(meta.lang)['original_pages']})"
        )
    if meta.isbn:
        return f"urn:isbn:{meta.isbn.replace('-', '').replace(' ', '')}"
    year = str(meta.date.year) if meta.date else ""
    return ", ".join(part for part in (meta.title, meta.publisher, year, "PDF") if part)


def accessibility_fields(
    meta: m.Metadata, chapters: Sequence[Chapter], page_list: str = "none"
) -> list[tuple[str, str]]:
    # Every book has a cover image, so it is never text alone; the cover's alternative text
    # names the book, so text suffices when every other image has alt text as well.
    images = (image for c in chapters for image in m.iter_images(c.document))
    described = all(image.alt.strip() for image in images)
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    features += ["displayTransformability", *(["alternativeText"] if described else [])]
    if page_list != "none":
        features += ["pageNavigation", *(["pageBreakMarkers"] if page_list == "print" else [])]
    return [
        ("accessMode", "textual"),
        ("accessMode", "visual"),
        ("accessModeSufficient", "textual" if described else "textual,visual"),
        *(("accessibilityFeature", feature) for feature in features),
        ("accessibilityHazard", "none"),
        ("accessibilitySummary", labels_for(meta.lang)["accessibility_summary"]),
    ]


# Pages and style


def add_styles(
    book: epub.EpubBook, project_root: Path | None, styles: str = "add"
) -> tuple[epub.EpubItem, ...]:
    """The built-in styles/epub.css, then the project's as a second sheet linked after it
    (or the project's alone, with `styles = "replace"`), each `var(--knob)` written as its
    value (`with_knob_values`)."""
    sheets = [
        _sheet(path).decode("utf-8", "replace")
        for path in style_cascade("epub.css", project_root, styles)
    ]
    values = {name: value for text in sheets for name, value in knob_values(text).items()}
    places = [("style", STYLE_FILE), ("project-style", PROJECT_STYLE_FILE)][: len(sheets)]
    return tuple(
        add_sheet(book, uid, name, with_knob_values(text, values).encode())
        for (uid, name), text in zip(places, sheets, strict=True)
    )


def add_sheet(book: epub.EpubBook, uid: str, file_name: str, content: bytes) -> epub.EpubItem:
    item = epub.EpubItem(uid=uid, file_name=file_name, media_type="text/css", content=content)
    book.add_item(item)
    return item


def _sheet(path: Path) -> bytes:
    """A style sheet's bytes (already checked inside the project): a regular file, not large."""
    return read_file(path, SourceLocation(str(path)), MAX_TEXT_BYTES, "style sheet")


def add_page(
    book: epub.EpubBook,
    file_name: str,
    markup: str,
    lang: str,
    styles: Sequence[epub.EpubItem],
    title: str,
    in_spine: bool = True,
) -> epub.EpubHtml:
    """Add a page to the manifest and (unless not `in_spine`) to the end of the spine."""
    # ebooklib rebuilds <head> from `title` and the links alone, so those are set here; and
    # the content goes in as bytes, since a str starting with <?xml is written empty.
    page = epub.EpubHtml(
        uid=Path(file_name).stem,
        file_name=file_name,
        title=title,
        lang=lang,
        content=markup.encode("utf-8"),
    )
    for style in styles:
        page.add_item(style)
    if "<math " in markup:  # EPUB 3 asks that a page holding MathML say so in the manifest
        page.properties.append("mathml")
    book.add_item(page)
    if in_spine:
        book.spine.append(page)
    return page


# Images


def add_images(
    book: epub.EpubBook, chapters: Sequence[Chapter], project_root: Path | None
) -> dict[tuple[str, str], str]:
    """Pack every local image of the body and notes; returns (document, src) → name in the book."""
    names: dict[tuple[str, str], str] = {}
    packed: dict[Path, str] = {}  # one copy per file, however many ways its src is spelled
    for image, document in ((i, c.document) for c in chapters for i in m.iter_images(c.document)):
        key = (document.path, image.src)
        if key in names:
            continue
        path, data, kind = image_content(image, document, project_root)
        if path not in packed:
            # Numbered names: a file name with spaces or other URL characters stays valid;
            # the suffix and media type are those of the bytes, not of the name.
            packed[path] = f"{IMAGE_FOLDER}/image-{len(packed) + 1}{kind.suffix}"
            item = epub.EpubImage(file_name=packed[path], media_type=kind.media_type)
            item.content = data
            book.add_item(item)
        names[key] = packed[path]
    return names


def relink_images(markup: str, document: m.Document, names: dict[tuple[str, str], str]) -> str:
    """Point each <img> of a document's page at its packed copy."""
    # The serializer writes `src` verbatim and escapes every quote in text, so ` src="…"`
    # can only be an <img> attribute.
    for (path, src), name in names.items():
        if path != document.path:
            continue
        markup = markup.replace(f' src="{escape(src)}"', f' src="{escape(name)}"')
    return markup


# Cover


def add_cover(book: epub.EpubBook, document: m.Document | m.Book, project_root: Path | None) -> str:
    """The source's cover image, or one drawn from its header; returns its name in the book."""
    if document.meta.cover_image:
        data, suffix = given_cover(document, project_root)
    else:
        data, suffix = typographic_cover(document.meta, project_fonts(project_root)), ".png"
    name = f"{IMAGE_FOLDER}/cover{suffix}"
    # EpubCover is written with properties="cover-image"; the EPUB 2 <meta name="cover">
    # is what Kindle's converter and older readers look for.
    cover = epub.EpubCover(uid="cover-image", file_name=name)
    cover.content = data
    book.add_item(cover)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})
    return name


def given_cover(document: m.Document | m.Book, project_root: Path | None) -> tuple[bytes, str]:
    """The `cover-image` file and its suffix; it must be a JPEG or PNG inside the project."""
    data, kind = cover_content(document, project_root)
    return data, kind.suffix


# Navigation


def add_navigation(
    book: epub.EpubBook,
    env: jinja2.Environment,
    target: m.Document | m.Book,
    chapters: Sequence[Chapter],
    notes_apart: bool,
    styles: Sequence[epub.EpubItem],
    page_list: Sequence[TocEntry] = (),
    page_list_of: str = "original",
) -> None:
    """The nav document (from its template), the NCX and the OPF guide, from one list;
    with `page_list`, the nav's page-list (of the `print` edition's pages or the `original`'s).

    In a book the nav is also the contents page, read after the title page.
    """
    meta = target.meta
    labels = {
        **labels_for(meta.lang),
        "contents": meta.toc_title or labels_for(meta.lang)["contents"],
    }
    toc = toc_entries(chapters, notes_apart, labels, meta.toc_depth)
    book.toc = [ncx_entry(entry) for entry in toc]
    contents_page = m.has_contents_page(target)
    landmarks = landmark_entries(chapters, notes_apart, labels, contents_page, meta.has_imprint)
    book.guide = [{"type": g.guide, "href": g.href, "title": g.title} for g in landmarks]
    markup = render_template(
        env,
        "epub/nav.xhtml.j2",
        target,
        toc=toc,
        landmarks=landmarks,
        page_list=page_list,
        page_list_name=labels_for(meta.lang).get(f"{page_list_of}_pages", ""),
    )
    # Without the NCX the spine still names toc="ncx". Without a contents page (a
    # document's, or `toc: false`) the nav is out of the spine: reading systems reach it
    # from their own menus, and a non-linear page is one calibre warns of.
    book.add_item(epub.EpubNcx())
    nav = add_page(book, NAV_FILE, markup, meta.lang, styles, labels["contents"], contents_page)
    nav.properties.append("nav")
    if contents_page:  # after the cover, the title page and the dedication
        book.spine.insert(len(front_pages(meta)), book.spine.pop())


def page_list_entries(
    page_list: str, chapters: Sequence[Chapter], print_pages: list[TocEntry]
) -> list[TocEntry]:
    """The nav's page-list: the print pages marked in the text, or the original's markers."""
    if page_list == "original":
        return original_page_entries(chapters)
    return print_pages if page_list == "print" else []


def original_page_entries(chapters: Sequence[Chapter]) -> list[TocEntry]:
    """The page-list of the original edition: each `{pag=N}` marker, in reading order."""
    return [
        TocEntry(page, f"{chapter.file_name}#{chapter.prefix}{ident}")
        for chapter in chapters
        for ident, page in markers(chapter.document)
    ]


def toc_entries(
    chapters: Sequence[Chapter], notes_apart: bool, labels: Mapping[str, str], depth: int = 2
) -> list[TocEntry]:
    """The header page, each text with its headings down to level `depth` (`toc-depth`),
    and the notes when they have a page."""
    entries = [TocEntry(labels["title_page"], HEADER_FILE)]
    for chapter in chapters:
        headings = heading_entries(chapter, depth)
        entries.append(TocEntry(chapter.document.meta.title, chapter.file_name, headings))
    if notes_apart:
        entries.append(TocEntry(labels["notes"], ENDNOTES_FILE))
    return entries


def landmark_entries(
    chapters: Sequence[Chapter],
    notes_apart: bool,
    labels: Mapping[str, str],
    contents_page: bool = True,
    imprint: bool = False,
) -> list[Landmark]:
    """Cover, title page, copyright page (`imprint`), contents (when it is a page of the
    book), the start of the text and the notes, in reading order."""
    first = chapters[0]
    marks = [
        Landmark(COVER.guide, COVER.landmark, COVER_FILE, labels["cover"]),
        Landmark(HEADER.guide, HEADER.landmark, HEADER_FILE, labels["title_page"]),
        *(
            [Landmark(COPYRIGHT.guide, COPYRIGHT.landmark, COPYRIGHT_FILE, labels["copyright"])]
            if imprint
            else []
        ),
        *([Landmark("toc", "toc", f"{NAV_FILE}#toc", labels["contents"])] if contents_page else []),
        Landmark("text", "bodymatter", first.file_name, first.document.meta.title),
    ]
    if notes_apart:
        marks.append(Landmark(ENDNOTES.guide, ENDNOTES.landmark, ENDNOTES_FILE, labels["notes"]))
    return marks


def heading_entries(chapter: Chapter, depth: int = 2) -> tuple[TocEntry, ...]:
    """Headings down to level `depth`, each under the one of a higher level before it."""

    def entries(tree: m.HeadingTree) -> tuple[TocEntry, ...]:
        return tuple(
            dataclasses.replace(heading_entry(heading, chapter), children=entries(children))
            for heading, children in tree
        )

    return entries(m.heading_tree(chapter.document, depth))


def heading_entry(heading: m.Heading, chapter: Chapter) -> TocEntry:
    anchor = heading_id(heading, chapter.prefix)
    title = plain_text(heading.children).strip()
    # An empty link text is invalid in the nav document; an ellipsis still shows the place.
    return TocEntry(title or "…", f"{chapter.file_name}#{anchor}")


_NCX_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def ncx_entry(entry: TocEntry) -> Any:
    """The entry as ebooklib's NCX wants it: a Link, or a Section with its children."""
    # An entry with an empty child list would write an empty navPoint list, which is invalid.
    if not entry.children:
        uid = "toc-" + _NCX_ID_UNSAFE.sub(
            lambda c: f"_{ord(c[0]):x}_", entry.href.replace(".xhtml", "").replace("#", "-")
        )  # an id of the text may hold what an NCX id (an XML name) cannot: `h:1`, `é`
        return epub.Link(entry.href, entry.title, uid)
    return (epub.Section(entry.title, entry.href), [ncx_entry(c) for c in entry.children])


# Writing


def write(book: epub.EpubBook, out_path: Path, modified: datetime.datetime, lang: str) -> None:
    """Write the book through a temporary file; any failure leaves `out_path` as it was."""
    # ebooklib stamps dcterms:modified with the local clock marked Z unless given `mtime`.
    options = {**_WRITE_OPTIONS, "mtime": modified.astimezone(datetime.UTC)}
    where = SourceLocation(str(out_path))
    try:  # around the `with` too: the final rename can fail as well (a folder in the way)
        with atomic_output(out_path) as tmp:
            if not epub.write_epub(str(tmp), book, options):
                raise OutputError("ebooklib could not write the EPUB", where)
            repack(tmp, modified, lang)
    except OSError as exc:
        raise OutputError(f"cannot write the EPUB: {exc.strerror or exc}", where) from None


def repack(path: Path, when: datetime.datetime, lang: str) -> None:
    """Rewrite the zip with every entry dated `when`, so that one input gives one set of
    bytes, and the package document in the book's language (`package_in_language`)."""
    # zipfile dates each entry with the local clock; order (mimetype first, stored) is kept.
    # A zip dates its entries from 1980 to 2107: a book dated outside keeps its date in the
    # OPF, and its files the nearest one a zip can hold.
    stamp = min(max(when.astimezone(datetime.UTC).timetuple()[:6], _ZIP_EPOCH), _ZIP_END)
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            pinned = zipfile.ZipInfo(info.filename, date_time=stamp)
            pinned.compress_type = info.compress_type
            pinned.create_system = 3  # Unix, whatever the build machine
            pinned.external_attr = 0o644 << 16
            if info.filename == PACKAGE_FILE:
                data = package_in_language(data, lang)
            target.writestr(pinned, data)


def package_in_language(opf: bytes, lang: str) -> bytes:
    """The package document with `xml:lang` on `<package>`: the language of its titles and
    names, which assistive technology reads them in (Ace counts its absence as serious).
    ebooklib writes no such attribute; its `<package` has no other `xml:lang` to clash."""
    attribute = f'<package xml:lang="{escape(lang)}" '.encode()
    return opf.replace(b"<package ", attribute, 1)
