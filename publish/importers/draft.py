"""What an importer finds in a file, before it is written as a source: a `Draft`.

An importer (publish/importers/<format>.py) reads a PDF, a text extracted from one, a Word
file or a web page into a Draft: the header's fields, the text's blocks as Markdown, the
notes, and every guess it made on the way (a field found, a word rejoined, a note matched
to its call), each with where it was and how sure. `Draft.markdown()` is the source publish
reads; the guesses are the report `publish import` prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LOOK_BELOW = 0.8  # a guess less sure than this needs a person's look
BLOCK_KINDS = ("paragraph", "heading", "quote", "item", "numbered", "verse")


@dataclass(frozen=True, slots=True)
class Guess:
    """One thing an importer decided that the input did not say outright.

    `where` is the input's place ("carta.txt:12", "carta.pdf: page 2"); `kind` one of
    `field`, `rejoined`, `kept-hyphen`, `note`, `heading`, `quote`, `page`, `encoding`,
    `dropped`, `paragraph` (a paragraph's end where the line breaks may not tell); `what`
    says it ("title = [La represión en la URSS]", "mayo-ría → mayoría"); `sure` from 0 to 1.
    """

    where: str
    kind: str
    what: str
    sure: float

    @property
    def needs_look(self) -> bool:
        return self.sure < LOOK_BELOW


@dataclass(frozen=True, slots=True)
class Block:
    """A block of the text: its kind (BLOCK_KINDS), its Markdown inline text (escaped, with
    `*italics*`, note calls `[^label]` and page markers `{pag=N}`), a heading's level; an
    item's (`item`: a bullet, `numbered`: in a numbered list) level 2, 3… nests it in the
    item before, and a numbered item's `number` is the one printed (a list may start at 10)."""

    kind: str
    text: str
    level: int = 0
    number: int = 0


@dataclass(frozen=True, slots=True)
class Note:
    """A note: its label (the call's `[^label]`) and its paragraphs, Markdown inline text."""

    label: str
    paragraphs: tuple[str, ...]


@dataclass
class Draft:
    """What an importer read from `source`: publish's header fields (`title`, `author`,
    `date` as YYYY-MM-DD, `lang`, `source`, `contact`, `translator`…), the blocks, the
    notes in order, and the guesses."""

    source: Path
    fields: dict[str, Any] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    guesses: list[Guess] = field(default_factory=list)

    def guess(self, where: str, kind: str, what: str, sure: float) -> None:
        self.guesses.append(Guess(where, kind, what, round(sure, 2)))

    def markdown(self) -> str:
        """The source: YAML front matter, the blocks, then the notes' definitions."""
        parts = [front_matter(self.fields)]
        parts += [block_markdown(block) for block in self.blocks]
        parts += [note_markdown(note) for note in self.notes]
        return "\n\n".join(part for part in parts if part) + "\n"


def front_matter(fields: dict[str, Any]) -> str:
    if not fields:
        return ""
    dumped = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---"


def block_markdown(block: Block) -> str:
    if block.kind == "heading":
        return f"{'#' * max(1, min(block.level, 6))} {block.text}"
    if block.kind == "quote":
        return "\n".join(f"> {line}" if line else ">" for line in block.text.split("\n"))
    if block.kind in ("item", "numbered"):
        indent = "    " * max(0, block.level - 1)  # under the item before, as its list
        mark = f"{block.number or 1}." if block.kind == "numbered" else "-"
        return f"{indent}{mark} {block.text}"
    if block.kind == "verse":  # a line block: each line kept
        return "\n".join(f"| {line}" for line in block.text.split("\n"))
    return block.text


def note_markdown(note: Note) -> str:
    first, *rest = note.paragraphs or ("",)
    indented = "".join(f"\n\n    {paragraph}" for paragraph in rest)
    return f"[^{note.label}]: {first}{indented}"


# Markdown's own characters in running text: escaped so that they print as themselves.
_SPECIAL = re.compile(r"([\\`*_\[\]<>{}|~^$&@])")
_NUMBERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)", re.M)  # `1. ` would open a list
_OPENING = re.compile(r"^(\s*)([#+\-:=])", re.M)  # a heading, a list, a definition, a rule


def escape(text: str) -> str:
    """`text` as Markdown inline text that reads back as `text` (no emphasis, links, notes,
    page markers, math or HTML made of its characters, nor a line read as a heading or a
    list item)."""
    escaped = _SPECIAL.sub(r"\\\1", text)
    escaped = _NUMBERED.sub(r"\1\\\2", escaped)
    return _OPENING.sub(r"\1\\\2", escaped)
