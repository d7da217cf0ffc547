"""The source model: what a document says, with no opinion on how it is drawn.

Frozen, slotted dataclasses and no I/O. Every node keeps the 1-based line of the source it
came from, so any later stage can point the user back at the text. The reader builds the
model; renderers only read it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from publish.errors import SourceLocation

# Inlines


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Code:
    text: str
    line: int = 0


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
class Link:
    href: str
    children: tuple[Inline, ...]
    title: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str
    title: str = ""
    line: int = 0


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
    Text | Code | SoftBreak | LineBreak | Emphasis | Strong | Link | Image | NoteRef | HtmlInline
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


@dataclass(frozen=True, slots=True)
class ThematicBreak:
    line: int = 0


@dataclass(frozen=True, slots=True)
class HtmlBlock:
    """Raw block HTML from the source, already reduced to the allow-list, as XHTML."""

    html: str
    line: int = 0


Block = Paragraph | Heading | BlockQuote | ListBlock | CodeBlock | ThematicBreak | HtmlBlock

# Notes and metadata


@dataclass(frozen=True, slots=True)
class Footnote:
    """A note: its number (order of first call), its content and where it is called from."""

    number: int
    label: str
    children: tuple[Block, ...]
    calls: tuple[int, ...]
    line: int = 0


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
    date: PartialDate | None = None
    source: tuple[Inline, ...] = ()
    publisher: str = ""
    contact: str = ""
    rights: str = ""
    description: str = ""
    subjects: tuple[str, ...] = ()
    cover_image: str = ""  # a path relative to the source file
    series: str = ""
    volume: str = ""
    isbn: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Document:
    """One source file: its header, its body, its notes (in number order), and the settings
    its front matter overrides (checked names and values, as `(name, value)` pairs)."""

    path: str
    meta: Metadata
    blocks: tuple[Block, ...]
    notes: tuple[Footnote, ...] = field(default=())
    settings: tuple[tuple[str, str], ...] = field(default=())

    @property
    def location(self) -> SourceLocation:
        return SourceLocation(self.path)

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
        """The output name: `source/letters/book.yaml` becomes `letters`."""
        return PurePath(self.path).parent.name


def iter_images(document: Document) -> Iterator[Image]:
    """Every image of a document, body then notes, in reading order."""
    return _images([*document.blocks, *document.notes])


def _images(nodes: Iterable[object]) -> Iterator[Image]:
    for node in nodes:
        if isinstance(node, Image):
            yield node
        yield from _images(getattr(node, "children", ()))
        yield from _images(getattr(node, "items", ()))
