"""EPUB writer: a `Document` becomes a reflowable EPUB 3, assembled with ebooklib.

Shaped like Sphinx's epub3 builder finish step: `write_epub` calls one named step per part
of the package (metadata, style sheet, images, cover, pages, navigation, write). What a
page shows, the navigation document included, is decided by templates/epub/; this module
only packs the book. The ebooklib 0.20 traps it works around are noted where they bite.

Pages, in spine order: cover.xhtml, header.xhtml, text.xhtml, then endnotes.xhtml when the
`notes` setting is `book` (with `chapter`, the notes close text.xhtml), and nav.xhtml out of
the linear reading order.
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jinja2
from ebooklib import epub
from markupsafe import escape

from publish import model as m
from publish.cover import project_fonts, typographic_cover
from publish.errors import OutputError, ResourceError, SourceLocation
from publish.labels import labels_for
from publish.render import heading_id, plain_text, render_template
from publish.resources import find_style
from publish.settings import Settings
from publish.writers import atomic_output, build_timestamp

COVER_FILE = "cover.xhtml"
HEADER_FILE = "header.xhtml"
TEXT_FILE = "text.xhtml"
ENDNOTES_FILE = "endnotes.xhtml"
NAV_FILE = "nav.xhtml"
STYLE_FILE = "styles/epub.css"
IMAGE_FOLDER = "images"

# Without epub3_pages off, every element with an epub:type and an id (our noterefs and
# notes) lands in a hidden page-list; without raise_exceptions an OSError is swallowed.
_WRITE_OPTIONS = {"epub3_pages": False, "raise_exceptions": True}

# Zip entries cannot be dated before 1980 (a 1936 letter is); the earliest date stands in.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# A cover must be a raster stores and readers take; the file's first bytes say which it is.
_COVER_TYPES = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}


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
TEXT = PagePlan(TEXT_FILE, "epub/text.xhtml.j2", "bodymatter", "text", "")
ENDNOTES = PagePlan(ENDNOTES_FILE, "epub/endnotes.xhtml.j2", "endnotes", "notes", "notes")


@dataclass(frozen=True, slots=True)
class Packed:
    """What the pages link to, once in the book."""

    style: epub.EpubItem
    image_names: dict[str, str]  # each image `src` of the source → its name in the book
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
    document: m.Document,
    env: jinja2.Environment,
    out_path: Path,
    *,
    project_root: Path | None = None,
    settings: Settings | None = None,
) -> None:
    """Write `document` as an EPUB 3 to `out_path`, replacing it only when all went well."""
    settings = settings or Settings()
    book = epub.EpubBook()
    add_metadata(book, document.meta)
    add_accessibility(book, document)
    packed = add_resources(book, document, project_root)
    plans = page_plans(document, settings)
    add_pages(book, env, document, plans, packed)
    add_navigation(book, env, document, plans, packed.style)
    write(book, out_path, build_timestamp(document.meta))


def add_resources(book: epub.EpubBook, document: m.Document, project_root: Path | None) -> Packed:
    """Everything the pages link to: the style sheet, the images, the cover."""
    style = add_style(book, project_root)
    image_names = add_images(book, document, project_root)
    return Packed(style, image_names, add_cover(book, document, project_root))


def add_pages(
    book: epub.EpubBook,
    env: jinja2.Environment,
    document: m.Document,
    plans: Sequence[PagePlan],
    packed: Packed,
) -> None:
    """Render each planned page and add it to the spine, in order."""
    context = page_context(plans, packed.cover_name)
    labels = labels_for(document.meta.lang)
    for plan in plans:
        markup = render_template(env, plan.template, document, **context)
        markup = relink_images(markup, packed.image_names)
        title = page_title(plan, document, labels)
        add_page(book, plan.file_name, markup, document, packed.style, title)


def page_plans(document: m.Document, settings: Settings) -> list[PagePlan]:
    """The pages in spine order; book notes get their own page at the end."""
    if settings.notes == "book" and document.notes:
        return [COVER, HEADER, TEXT, ENDNOTES]
    return [COVER, HEADER, TEXT]


def page_context(plans: Sequence[PagePlan], cover_name: str) -> dict[str, str]:
    """What the templates need to link pages: where notes live and where their calls are.

    An empty file name means "this page": chapter notes link within text.xhtml.
    """
    apart = ENDNOTES in plans
    return {
        "note_file": ENDNOTES_FILE if apart else "",
        "text_file": TEXT_FILE if apart else "",
        "cover_src": cover_name,
    }


# Metadata


def add_metadata(book: epub.EpubBook, meta: m.Metadata) -> None:
    """The package metadata mirrors the bibliographic header of the source."""
    book.set_identifier(meta.identifier)
    book.set_title(meta.title)
    book.set_language(meta.lang)
    add_people(book, meta)
    for name, value in optional_fields(meta):
        book.add_metadata("DC", name, value)
    for subject in meta.subjects:
        book.add_metadata("DC", "subject", subject)


def add_people(book: epub.EpubBook, meta: m.Metadata) -> None:
    # Each person needs their own id: ebooklib's default gives every creator id="creator".
    for number, name in enumerate(meta.authors, 1):
        book.add_author(name, role="aut", uid=f"author-{number}")
    for role, names in (("trl", meta.translators), ("edt", meta.editors)):
        for number, name in enumerate(names, 1):
            uid = f"{role}-{number}"
            book.add_metadata("DC", "contributor", name, {"id": uid})
            refines = {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"}
            book.add_metadata(None, "meta", role, refines)


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


def add_accessibility(book: epub.EpubBook, document: m.Document) -> None:
    """schema.org accessibility metadata, as EPUB Accessibility 1.1 and the stores ask."""
    for name, value in accessibility_fields(document):
        book.add_metadata(None, "meta", value, {"property": f"schema:{name}"})


def accessibility_fields(document: m.Document) -> list[tuple[str, str]]:
    # Every book has a cover image, so it is never text alone; the cover's alternative text
    # names the book, so text suffices when every other image has alt text as well.
    described = all(image.alt.strip() for image in find_images(all_nodes(document)))
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    features += ["displayTransformability", *(["alternativeText"] if described else [])]
    return [
        ("accessMode", "textual"),
        ("accessMode", "visual"),
        ("accessModeSufficient", "textual" if described else "textual,visual"),
        *(("accessibilityFeature", feature) for feature in features),
        ("accessibilityHazard", "none"),
        ("accessibilitySummary", labels_for(document.meta.lang)["accessibility_summary"]),
    ]


# Pages and style


def add_style(book: epub.EpubBook, project_root: Path | None) -> epub.EpubItem:
    path = find_style("epub.css", project_root)
    style = epub.EpubItem(
        uid="style", file_name=STYLE_FILE, media_type="text/css", content=path.read_bytes()
    )
    book.add_item(style)
    return style


def add_page(
    book: epub.EpubBook,
    file_name: str,
    markup: str,
    document: m.Document,
    style: epub.EpubItem,
    title: str,
    linear: bool = True,
) -> epub.EpubHtml:
    """Add a page to the manifest and the spine, in the order pages are added."""
    # ebooklib rebuilds <head> from `title` and the links alone, so those are set here; and
    # the content goes in as bytes, since a str starting with <?xml is written empty.
    page = epub.EpubHtml(
        uid=Path(file_name).stem,
        file_name=file_name,
        title=title,
        lang=document.meta.lang,
        content=markup.encode("utf-8"),
    )
    page.add_item(style)
    book.add_item(page)
    book.spine.append(page if linear else (page, "no"))
    return page


# Images


def add_images(
    book: epub.EpubBook, document: m.Document, project_root: Path | None
) -> dict[str, str]:
    """Pack every local image of the body and notes; returns each `src` → its name in the book."""
    names: dict[str, str] = {}
    packed: dict[Path, str] = {}  # one copy per file, however many ways its src is spelled
    for image in find_images(all_nodes(document)):
        if image.src in names or is_remote(image.src):
            continue
        where = SourceLocation(document.path, image.line)
        path = project_file("image", image.src, document, project_root, where)
        if path not in packed:
            # Numbered names: a file name with spaces or other URL characters stays valid.
            packed[path] = f"{IMAGE_FOLDER}/image-{len(packed) + 1}{path.suffix.lower()}"
            book.add_item(epub.EpubImage(file_name=packed[path], content=path.read_bytes()))
        names[image.src] = packed[path]
    return names


def all_nodes(document: m.Document) -> list[Any]:
    return [*document.blocks, *document.notes]


def find_images(nodes: Iterable[Any]) -> Iterator[m.Image]:
    """Every image under `nodes`, in reading order (blocks, inlines, list items, notes)."""
    for node in nodes:
        if isinstance(node, m.Image):
            yield node
        yield from find_images(getattr(node, "children", ()))
        yield from find_images(getattr(node, "items", ()))


def is_remote(src: str) -> bool:
    return "://" in src or src.startswith("data:")


def project_file(
    kind: str, src: str, document: m.Document, project_root: Path | None, where: SourceLocation
) -> Path:
    """A file the source names, resolved from the source's folder; it must stay inside the
    project (the source's folder when no project is known)."""
    source_dir = Path(document.path).resolve().parent
    root = (project_root or source_dir).resolve()
    path = (source_dir / unquote(src)).resolve()  # Markdown percent-encodes URLs
    if not path.is_relative_to(root):
        raise ResourceError(f"{kind} '{src}' is outside the project folder {root}", where)
    if not path.is_file():
        raise ResourceError(f"{kind} '{src}' not found (looked for {path})", where)
    return path


def relink_images(markup: str, names: dict[str, str]) -> str:
    """Point each <img> at its packed copy."""
    # The serializer writes `src` verbatim and escapes every quote in text, so ` src="…"`
    # can only be an <img> attribute.
    for src, name in names.items():
        markup = markup.replace(f' src="{escape(src)}"', f' src="{escape(name)}"')
    return markup


# Cover


def add_cover(book: epub.EpubBook, document: m.Document, project_root: Path | None) -> str:
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


def given_cover(document: m.Document, project_root: Path | None) -> tuple[bytes, str]:
    """The `cover-image` file and its suffix; it must be a JPEG or PNG inside the project."""
    where = SourceLocation(document.path, document.meta.line)
    src = document.meta.cover_image
    data = project_file("cover image", src, document, project_root, where).read_bytes()
    for magic, suffix in _COVER_TYPES.items():
        if data.startswith(magic):
            return data, suffix
    raise ResourceError(f"cover image '{src}' is neither a JPEG nor a PNG file", where)


# Navigation


def add_navigation(
    book: epub.EpubBook,
    env: jinja2.Environment,
    document: m.Document,
    plans: Sequence[PagePlan],
    style: epub.EpubItem,
) -> None:
    """The nav document (from its template), the NCX and the OPF guide, from one list."""
    labels = labels_for(document.meta.lang)
    toc = toc_entries(document, plans, labels)
    book.toc = [ncx_entry(entry) for entry in toc]
    landmarks = landmark_entries(document, plans, labels)
    book.guide = [{"type": g.guide, "href": g.href, "title": g.title} for g in landmarks]
    markup = render_template(env, "epub/nav.xhtml.j2", document, toc=toc, landmarks=landmarks)
    # Without the NCX the spine still names toc="ncx". The toc landmark must point into the
    # spine; non-linear keeps the nav out of the reading flow.
    book.add_item(epub.EpubNcx())
    nav = add_page(book, NAV_FILE, markup, document, style, labels["contents"], linear=False)
    nav.properties.append("nav")


def toc_entries(
    document: m.Document, plans: Sequence[PagePlan], labels: Mapping[str, str]
) -> list[TocEntry]:
    """The header page, the text with its headings, and the notes when they have a page."""
    entries = [TocEntry(labels["title_page"], HEADER_FILE)]
    entries.append(TocEntry(document.meta.title, TEXT_FILE, heading_entries(document.blocks)))
    if ENDNOTES in plans:
        entries.append(TocEntry(labels["notes"], ENDNOTES_FILE))
    return entries


def landmark_entries(
    document: m.Document, plans: Sequence[PagePlan], labels: Mapping[str, str]
) -> list[Landmark]:
    """Each page, and the contents after the title page, in reading order."""
    marks = [
        Landmark(p.guide, p.landmark, p.file_name, page_title(p, document, labels)) for p in plans
    ]
    marks.insert(2, Landmark("toc", "toc", f"{NAV_FILE}#toc", labels["contents"]))
    return marks


def page_title(plan: PagePlan, document: m.Document, labels: Mapping[str, str]) -> str:
    return labels[plan.label] if plan.label else document.meta.title


def heading_entries(blocks: Iterable[m.Block]) -> tuple[TocEntry, ...]:
    """h1 and h2 headings, each h2 under the h1 before it (if there is one)."""
    tree: list[tuple[int, TocEntry, list[TocEntry]]] = []
    for block in blocks:
        if not isinstance(block, m.Heading) or block.level > 2:
            continue
        if block.level == 2 and tree and tree[-1][0] == 1:
            tree[-1][2].append(heading_entry(block))
        else:
            tree.append((block.level, heading_entry(block), []))
    return tuple(TocEntry(e.title, e.href, tuple(children)) for _, e, children in tree)


def heading_entry(heading: m.Heading) -> TocEntry:
    anchor, title = heading_id(heading), plain_text(heading.children).strip()
    # An empty link text is invalid in the nav document; an ellipsis still shows the place.
    return TocEntry(title or "…", f"{TEXT_FILE}#{anchor}")


def ncx_entry(entry: TocEntry) -> Any:
    """The entry as ebooklib's NCX wants it: a Link, or a Section with its children."""
    # An entry with an empty child list would write an empty navPoint list, which is invalid.
    if not entry.children:
        uid = "toc-" + entry.href.replace(".xhtml", "").replace("#", "-")
        return epub.Link(entry.href, entry.title, uid)
    return (epub.Section(entry.title, entry.href), [ncx_entry(c) for c in entry.children])


# Writing


def write(book: epub.EpubBook, out_path: Path, modified: datetime.datetime) -> None:
    """Write the book through a temporary file; any failure leaves `out_path` as it was."""
    # ebooklib stamps dcterms:modified with the local clock marked Z unless given `mtime`.
    options = {**_WRITE_OPTIONS, "mtime": modified.astimezone(datetime.UTC)}
    where = SourceLocation(str(out_path))
    try:  # around the `with` too: the final rename can fail as well (a folder in the way)
        with atomic_output(out_path) as tmp:
            if not epub.write_epub(str(tmp), book, options):
                raise OutputError("ebooklib could not write the EPUB", where)
            pin_zip_times(tmp, modified)
    except OSError as exc:
        raise OutputError(f"cannot write the EPUB: {exc.strerror or exc}", where) from None


def pin_zip_times(path: Path, when: datetime.datetime) -> None:
    """Rewrite the zip with every entry dated `when`, so that one input gives one set of bytes."""
    # zipfile dates each entry with the local clock; order (mimetype first, stored) is kept.
    stamp = max(when.astimezone(datetime.UTC).timetuple()[:6], _ZIP_EPOCH)
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            pinned = zipfile.ZipInfo(info.filename, date_time=stamp)
            pinned.compress_type = info.compress_type
            pinned.create_system = 3  # Unix, whatever the build machine
            pinned.external_attr = 0o644 << 16
            target.writestr(pinned, data)
