"""EPUB writer: a `Document` becomes a reflowable EPUB 3, assembled with ebooklib.

Shaped like Sphinx's epub3 builder finish step: `write_epub` calls one named step per part
of the package (metadata, header page, text page, style sheet, images, navigation, write).
What a page shows is decided by templates/epub/; this module only packs the book. The
ebooklib 0.20 traps it works around are noted where they bite.
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jinja2
from ebooklib import epub
from markupsafe import escape

from publish import model as m
from publish.errors import OutputError, ResourceError, SourceLocation
from publish.labels import labels_for
from publish.render import heading_id, plain_text, render_template
from publish.resources import find_style
from publish.settings import Settings
from publish.writers import atomic_output, build_timestamp

HEADER_FILE = "header.xhtml"
TEXT_FILE = "text.xhtml"
STYLE_FILE = "styles/epub.css"
IMAGE_FOLDER = "images"

# Without epub3_pages off, every element with an epub:type and an id (our noterefs and
# notes) lands in a hidden page-list; without raise_exceptions an OSError is swallowed.
_WRITE_OPTIONS = {"epub3_pages": False, "raise_exceptions": True}

# Zip entries cannot be dated before 1980 (a 1936 letter is); the earliest date stands in.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_epub(
    document: m.Document,
    env: jinja2.Environment,
    out_path: Path,
    *,
    project_root: Path | None = None,
    settings: Settings | None = None,
) -> None:
    """Write `document` as an EPUB 3 to `out_path`, replacing it only when all went well."""
    book = epub.EpubBook()
    add_metadata(book, document.meta)
    style = add_style(book, project_root)
    header = render_template(env, "epub/header.xhtml.j2", document)
    add_page(book, HEADER_FILE, header, document.meta, style)
    image_names = add_images(book, document, project_root)
    text = relink_images(render_template(env, "epub/text.xhtml.j2", document), image_names)
    add_page(book, TEXT_FILE, text, document.meta, style)
    add_navigation(book, document, style)
    write(book, out_path, build_timestamp(document.meta))


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


# Pages and style


def add_style(book: epub.EpubBook, project_root: Path | None) -> epub.EpubItem:
    path = find_style("epub.css", project_root)
    style = epub.EpubItem(
        uid="style", file_name=STYLE_FILE, media_type="text/css", content=path.read_bytes()
    )
    book.add_item(style)
    return style


def add_page(
    book: epub.EpubBook, file_name: str, markup: str, meta: m.Metadata, style: epub.EpubItem
) -> epub.EpubHtml:
    """Add a page to the manifest and the spine, in the order pages are added."""
    # ebooklib rebuilds <head> from `title` and the links alone, so those are set here; and
    # the content goes in as bytes, since a str starting with <?xml is written empty.
    page = epub.EpubHtml(
        uid=Path(file_name).stem,
        file_name=file_name,
        title=meta.title,
        lang=meta.lang,
        content=markup.encode("utf-8"),
    )
    page.add_item(style)
    book.add_item(page)
    book.spine.append(page)
    return page


# Images


def add_images(
    book: epub.EpubBook, document: m.Document, project_root: Path | None
) -> dict[str, str]:
    """Pack every local image of the body and notes; returns each `src` → its name in the book."""
    source_dir = Path(document.path).resolve().parent
    root = (project_root or source_dir).resolve()
    names: dict[str, str] = {}
    packed: dict[Path, str] = {}  # one copy per file, however many ways its src is spelled
    for image in find_images([*document.blocks, *document.notes]):
        if image.src in names or is_remote(image.src):
            continue
        path = image_path(image, source_dir, root, document.path)
        if path not in packed:
            # Numbered names: a file name with spaces or other URL characters stays valid.
            packed[path] = f"{IMAGE_FOLDER}/image-{len(packed) + 1}{path.suffix.lower()}"
            book.add_item(epub.EpubImage(file_name=packed[path], content=path.read_bytes()))
        names[image.src] = packed[path]
    return names


def find_images(nodes: Iterable[Any]) -> Iterator[m.Image]:
    """Every image under `nodes`, in reading order (blocks, inlines, list items, notes)."""
    for node in nodes:
        if isinstance(node, m.Image):
            yield node
        yield from find_images(getattr(node, "children", ()))
        yield from find_images(getattr(node, "items", ()))


def is_remote(src: str) -> bool:
    return "://" in src or src.startswith("data:")


def image_path(image: m.Image, source_dir: Path, root: Path, shown: str) -> Path:
    """The image file, resolved from the source's folder; it must stay inside the project."""
    where = SourceLocation(shown, image.line)
    path = (source_dir / unquote(image.src)).resolve()  # Markdown percent-encodes URLs
    if not path.is_relative_to(root):
        raise ResourceError(f"image '{image.src}' is outside the project folder {root}", where)
    if not path.is_file():
        raise ResourceError(f"image '{image.src}' not found (looked for {path})", where)
    return path


def relink_images(markup: str, names: dict[str, str]) -> str:
    """Point each <img> at its packed copy."""
    # The serializer writes `src` verbatim and escapes every quote in text, so ` src="…"`
    # can only be an <img> attribute.
    for src, name in names.items():
        markup = markup.replace(f' src="{escape(src)}"', f' src="{escape(name)}"')
    return markup


# Navigation


def add_navigation(book: epub.EpubBook, document: m.Document, style: epub.EpubItem) -> None:
    """Nav document and NCX (without the NCX the spine still names toc="ncx"), and landmarks."""
    labels = labels_for(document.meta.lang)
    book.toc = [
        epub.Link(HEADER_FILE, labels["title_page"], "toc-header"),
        text_entry(document),
    ]
    book.guide = [
        {"type": "toc", "href": "nav.xhtml", "title": labels["contents"]},
        {"type": "text", "href": TEXT_FILE, "title": document.meta.title},
    ]
    nav = epub.EpubNav(title=labels["contents"])
    nav.add_item(style)
    book.add_item(epub.EpubNcx())
    book.add_item(nav)
    # The toc landmark must point into the spine; non-linear keeps it out of the reading flow.
    book.spine.append((nav, "no"))


def text_entry(document: m.Document) -> epub.Link | tuple[epub.Section, list[Any]]:
    """The text's TOC entry: its title, with the body's headings beneath when there are any."""
    headings = heading_entries(document.blocks)
    if not headings:
        return epub.Link(TEXT_FILE, document.meta.title, "toc-text")
    return (epub.Section(document.meta.title, TEXT_FILE), headings)


def heading_entries(blocks: Iterable[m.Block]) -> list[Any]:
    """h1 and h2 headings as TOC entries, each h2 under the h1 before it (if there is one)."""
    tree: list[tuple[int, epub.Link, list[epub.Link]]] = []
    for block in blocks:
        if not isinstance(block, m.Heading) or block.level > 2:
            continue
        if block.level == 2 and tree and tree[-1][0] == 1:
            tree[-1][2].append(heading_link(block))
        else:
            tree.append((block.level, heading_link(block), []))
    return [nested(link, children) for _, link, children in tree]


def heading_link(heading: m.Heading) -> epub.Link:
    anchor, title = heading_id(heading), plain_text(heading.children).strip()
    # An empty link text is invalid in the nav document; an ellipsis still shows the place.
    return epub.Link(f"{TEXT_FILE}#{anchor}", title or "…", f"toc-{anchor}")


def nested(link: epub.Link, children: list[epub.Link]) -> Any:
    # An entry with an empty child list would write an empty <ol>, which is invalid.
    if not children:
        return link
    return (epub.Section(link.title, link.href), children)


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
