"""What the Word and web-page importers share: the file read within its limit; styled runs,
calls, page marks and raised numbers made Markdown; the header's lines (an author line, a
date line, "Label: value" lines) and dates made YYYY-MM-DD; notes typed by hand matched to
their raised numbers; notes settled with their calls and numbered in order.

Small on purpose: the plain-text importer's tools (publish/importers/text_tools.py) do the
same for extracted text, and the two are to be merged there; what is here reads text that
is already whole (no line ends to rejoin, no hyphens to undo).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from publish.errors import SourceError, SourceLocation
from publish.files import check_regular, read_file
from publish.importers.draft import Block, Draft, Note, escape
from publish.importers.text_tools import month_number


@dataclass(frozen=True, slots=True)
class Run:
    """Text with its style, as a Word run or an HTML element gives it."""

    text: str
    italic: bool = False
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Call:
    """A note's call: `[^label]` in the text."""

    label: str


@dataclass(frozen=True, slots=True)
class PageMark:
    """Where a page of the original begins: `{pag=206}` in the text."""

    page: str


@dataclass(frozen=True, slots=True)
class Raised:
    """A number set superscript and linked to nothing (`<sup>3</sup>`, a Word run raised by
    hand): a note's call typed by hand, or just a raised number (`match_typed_notes`)."""

    number: str


Piece = Run | Call | PageMark | Raised
# A raised number in a block's Markdown until `match_typed_notes` makes it a call or `^3^`:
# characters of Unicode's private use area, which no text imported keeps.
_RAISED = re.compile("\ue000(\\d{1,3})\ue001")


# What a source may not hold (publish refuses it at its line): control characters other than
# tab and line ends (C0 and C1), lone surrogates, noncharacters. A page or a Word file may.
# The private use area too: no font prints it, and `Raised` marks numbers with it.
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\ufdd0-\ufdef\ufffe\uffff]"
)


def clean(text: str) -> str:
    """`text` without the characters a source may not hold, spaces collapsed."""
    return " ".join(_UNWANTED.sub("", text).split())


def plain(pieces: list[Piece]) -> str:
    """The words of `pieces`, without styles or calls, spaces collapsed."""
    return clean("".join(p.text for p in pieces if isinstance(p, Run)))


def inline_markdown(pieces: list[Piece]) -> str:
    """`pieces` as one line of Markdown: text escaped, `*italics*`, `**bold**`, `[^label]`.

    Emphasis is closed where its style ends; the spaces at its edges, and punctuation that
    touches a letter outside it, are moved out of the delimiters, which CommonMark would not
    read as emphasis otherwise (`word*(aside)*` is no emphasis at all).
    """
    merged = _merged(pieces)
    out: list[str] = []
    for index, piece in enumerate(merged):
        if isinstance(piece, Call):
            out.append(f"[^{piece.label}]")
            continue
        if isinstance(piece, PageMark):
            out.append(f"{{pag={piece.page}}}")
            continue
        if isinstance(piece, Raised):
            out.append(f"\ue000{piece.number}\ue001")
            continue
        before = _edge_char(merged[:index], last=True)
        after = _edge_char(merged[index + 1 :], last=False)
        out.append(_styled(piece, before, after))
    return " ".join("".join(out).split())


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Whitespace made single spaces; neighbours of one style made one run; a run of spaces
    or punctuation alone loses its style (`*,*` is no emphasis)."""
    merged: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, Run):
            text = re.sub(r"\s+", " ", _UNWANTED.sub("", piece.text))
            if not text:
                continue
            plain_only = not any(ch.isalnum() for ch in text)
            piece = Run(text) if plain_only else Run(text, piece.italic, piece.bold)
            last = merged[-1] if merged else None
            if isinstance(last, Run) and (last.italic, last.bold) == (piece.italic, piece.bold):
                merged[-1] = Run(last.text + piece.text, piece.italic, piece.bold)
                continue
        merged.append(piece)
    return merged


def _edge_char(pieces: list[Piece], last: bool) -> str:
    ordered = reversed(pieces) if last else iter(pieces)
    for piece in ordered:
        if isinstance(piece, Call | PageMark | Raised):
            return "{" if isinstance(piece, PageMark) else "["
        if piece.text:
            return piece.text[-1] if last else piece.text[0]
    return " "


def _styled(run: Run, before: str, after: str) -> str:
    if not (run.italic or run.bold):
        return escape(run.text)
    start, end = 0, len(run.text)
    while start < end and _outside(run.text[start], before):
        start += 1
    while end > start and _outside(run.text[end - 1], after):
        end -= 1
    if start == end:
        return escape(run.text)
    mark = "*" * ((1 if run.italic else 0) + (2 if run.bold else 0))
    inner = escape(run.text[start:end])
    return f"{escape(run.text[:start])}{mark}{inner}{mark}{escape(run.text[end:])}"


def _outside(char: str, neighbour: str) -> bool:
    """Whether `char`, at an edge of emphasis next to `neighbour`, goes outside it."""
    if char.isspace():
        return True
    return unicodedata.category(char)[0] in "PS" and neighbour.isalnum()


# Dates as archives write them: month names as Babel knows them (text_tools.month_number).
_MONTH = r"(?P<month>[^\W\d_]+)\.?"
_DAY = r"(?P<day>\d{1,2})(?:º|°|er|st|nd|rd|th|\.)?"
_YEAR = r"(?P<year>\d{4})"
_LONG_DATES = [
    re.compile(rf"{_DAY}\s+(?:de\s+)?{_MONTH}\s+(?:de\s+|del\s+)?{_YEAR}$", re.I),  # es fr de en
    re.compile(rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}$", re.I),  # February 12, 1936
    re.compile(rf"(?:(?:1º|1°|premier)\s+)?{_MONTH}\s+(?:de\s+)?{_YEAR}$", re.I),  # mayo de 1936
]
_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ][\d:.]+(?:Z|[+-][\d:]+)?)?$"
)
_DOTTED = re.compile(r"(?P<day>\d{1,2})[./](?P<month>\d{1,2})[./](?P<year>\d{4})$")


def iso_date(text: str) -> tuple[str, float] | None:
    """`text` as YYYY-MM-DD (or YYYY-MM), with how sure: a whole long date is sure; one
    after a place (`Coyoacán, 12 de febrero de 1936`) or in figures (12.2.1936, read day
    first as Europe writes it) less so. None when `text` is no date."""
    text = " ".join(text.split()).strip(" .;")
    if match := _ISO.match(text):
        return _date_of(match, sure=1.0)
    if match := _DOTTED.match(text):
        return _date_of(match, sure=0.7)
    place, comma, rest = text.rpartition(",")
    candidates = [(text, 0.95)] + ([(rest.strip(), 0.8)] if comma and place else [])
    for candidate, sure in candidates:
        for pattern in _LONG_DATES:
            if (match := pattern.match(candidate)) and (found := _date_of(match, sure)):
                return found
    return None


def _date_of(match: re.Match[str], sure: float) -> tuple[str, float] | None:
    parts = match.groupdict()
    month = parts["month"]
    number = int(month) if month.isdigit() else month_number(month)
    if number is None or not 1 <= number <= 12:
        return None
    year = parts["year"]
    if not parts.get("day"):
        return f"{year}-{number:02d}", sure
    day = int(parts["day"])
    if not 1 <= day <= 31:
        return None
    return f"{year}-{number:02d}-{day:02d}", sure


# An author line: a short line of capitalized names, maybe after "by" in the text's language.
_BY = re.compile(r"^(?:by|por|par|von)\s+(?=\w)", re.I)
_PARTICLES = {"de", "del", "la", "las", "los", "y", "e", "da", "do", "dos", "van", "von", "der"}
_PARTICLES |= {"den", "le", "du", "des", "di", "and", "und", "et", "of", "al", "bin", "ibn"}


def author_of(text: str) -> tuple[str, float] | None:
    """The name(s) on an author line (`León Trotsky`, `by Mary Wollstonecraft`), with how
    sure; None for a line that is not one (a salutation, a sentence, a date)."""
    text = " ".join(text.split())
    named = _BY.sub("", text)
    words = named.replace(",", " ").split()
    if not 1 < len(words) <= 8 or len(named) > 80 or any(ch.isdigit() for ch in named):
        return None
    if named.endswith((".", ",", ":", ";", "!", "?")) and not re.search(r"\b\w\.$", named):
        return None
    if not all(w[0].isupper() or w.casefold() in _PARTICLES for w in words):
        return None
    return named, 0.8 if named != text else 0.6


def header_lines(draft: Draft, wheres: list[str], first: int = 0, most: int = 4) -> int:
    """Fields from the lines at the head of the text (the blocks from `first`, at most
    `most` of them, each a short paragraph): an author line, a date line, "Label: value"
    lines (`Fuente: …`, `Traducción: …`), recorded as guesses; the lines taken are taken
    out of the blocks. How many were taken."""
    taken = 0
    while taken < most and first < len(draft.blocks):
        block = draft.blocks[first]
        fields = _header_fields(draft, block) if block.kind == "paragraph" else {}
        if not fields:
            break
        for name, (value, sure) in fields.items():
            draft.fields[name] = value
            draft.guess(wheres[first], "field", f"{name} = {value}", sure)
        del draft.blocks[first], wheres[first]
        taken += 1
    return taken


def _header_fields(draft: Draft, block: Block) -> dict[str, tuple[str, float]]:
    text = _unescaped(block.text)
    if "date" not in draft.fields and (date := iso_date(text)):
        return {"date": date}
    if "author" not in draft.fields and (author := author_of(text)):
        return {"author": author}
    lines = list(zip(text.split("\n"), block.text.split("\n"), strict=False))
    found = info_fields(lines) or {}
    return {name: value for name, value in found.items() if name not in draft.fields}


def _unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", re.sub(r"\*+", "", markdown))


def raise_headings(draft: Draft, where: str) -> None:
    """Headings raised so that the highest is level 1 (a page whose title was its `<h1>`
    has its sections at `<h2>`; a Word file whose title was its first `Heading 1`…)."""
    levels = [b.level for b in draft.blocks if b.kind == "heading"]
    if not levels or min(levels) == 1:
        return
    shift = min(levels) - 1
    draft.blocks = [
        Block(b.kind, b.text, b.level - shift) if b.kind == "heading" else b for b in draft.blocks
    ]
    draft.guess(where, "heading", f"headings raised {shift} level(s): the first is #", 0.8)


LIST_KINDS = ("item", "numbered")
NOTES_HEADING = re.compile(
    r"^(?:foot|end)?notes?$|^notas?$|^références$|^references$|^anmerkungen$|^fußnoten$", re.I
)


def list_level(blocks: list[Block], level: int) -> int:
    """`level` for an item after `blocks`, at most one below the item before (an item of
    a deeper list with no item above it would read as code)."""
    before = blocks[-1] if blocks else None
    deepest = before.level + 1 if before is not None and before.kind in LIST_KINDS else 1
    return max(1, min(level, deepest))


FIELD_ORDER = ("title", "subtitle", "author", "translator", "date", "lang", "source", "contact")


def finish_fields(draft: Draft) -> None:
    """A title from the file's name where nothing in the file gave one (publish needs a
    title to build; the report asks a person to look at it); the fields in the order a
    header is written."""
    if not draft.fields.get("title"):
        title = " ".join(re.split(r"[\s_-]+", draft.source.stem)).strip() or draft.source.name
        draft.fields["title"] = title
        draft.guess(draft.source.name, "field", f"title = {title} (the file's name)", 0.2)
    rank = {name: index for index, name in enumerate(FIELD_ORDER)}
    draft.fields = dict(sorted(draft.fields.items(), key=lambda kv: rank.get(kv[0], len(rank))))


def settle_notes(draft: Draft, title_labels: set[str]) -> None:
    """Every note called from the text and every call with its note: a note called from
    the title alone (an archive's note on where the text comes from) becomes the `source`
    field; a note no call leads to, or a call with no note, is left out (publish refuses a
    note never called), each a guess to look at."""
    called = set(_CALL.findall("\n".join(block.text for block in draft.blocks)))
    kept: list[Note] = []
    for note in draft.notes:
        if note.label in called:
            kept.append(note)
        elif note.label in title_labels and "source" not in draft.fields:
            draft.fields["source"] = " ".join(note.paragraphs)
            draft.guess(draft.source.name, "field", f"source = the title's note {note.label}", 0.6)
        else:
            draft.guess(
                draft.source.name, "dropped", f"note {note.label}: no call in the text", 0.3
            )
    for label in sorted(called - {note.label for note in kept}):
        draft.guess(draft.source.name, "dropped", f"call [^{label}]: no such note", 0.3)
    # In the order of their first calls: notes found in several ways (linked, typed, inline)
    # are numbered as a reader meets them.
    first_call = {}
    for match in _CALL.finditer("\n".join(block.text for block in draft.blocks)):
        first_call.setdefault(match[1], len(first_call))
    kept.sort(key=lambda note: first_call[note.label])
    _renumber(draft, kept)


_CALL = re.compile(r"\[\^([^\]\s]+)\]")


def _renumber(draft: Draft, kept: list[Note]) -> None:
    """The kept notes numbered again from 1 in their order (`1`…; a Word file's endnotes `e1`…),
    their calls with them; a call to no note is taken out."""
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for note in kept:
        prefix = "e" if note.label.startswith("e") else ""  # endnotes apart, the rest one series
        counts[prefix] = counts.get(prefix, 0) + 1
        labels[note.label] = f"{prefix}{counts[prefix]}"

    def relabel(text: str) -> str:
        return _CALL.sub(lambda m: f"[^{labels[m[1]]}]" if m[1] in labels else "", text)

    draft.blocks = [Block(b.kind, relabel(b.text), b.level) for b in draft.blocks]
    draft.notes = [Note(labels[n.label], tuple(relabel(p) for p in n.paragraphs)) for n in kept]


def add_author(draft: Draft, name: str, where: str, sure: float) -> None:
    """One more author (a title block's second `Author` line): `author` becomes a list."""
    known = draft.fields.get("author")
    authors = [] if known is None else known if isinstance(known, list) else [known]
    draft.fields["author"] = [*authors, name] if authors else name
    draft.guess(where, "field", f"author = {name}", sure)


def language_tag(tag: str) -> str:
    """A language as BCP 47 writes it (`ES` → `es`, `en_gb` → `en-GB`)."""
    language, *rest = tag.strip().replace("_", "-").split("-")
    return "-".join([language.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])


# A note typed at the end of the text: its number first, raised or not (`³ Text`, `3. Text`,
# `[3] Text`, `(3) Text`), as Markdown writes it (escaped).
_TYPED_NOTE = re.compile(r"^(?:\ue000(\d{1,3})\ue001|\\?[\[(]?(\d{1,3})\\?[\])]?\\?[.)]?(?= ))\s*")


def match_typed_notes(draft: Draft, wheres: list[str]) -> None:
    """Notes typed by hand, without links, made notes: the last paragraphs of the text, each
    opening with its number (1, 2, 3…), are the notes, and for each, the next raised number
    of the text before them that is its number is its call (a "Notes" heading over them is
    left out). Raised numbers that call no note stay raised (`10^3^`), and where not every
    note finds its call, nothing is made of them and the report says so."""
    blocks = draft.blocks
    start = len(blocks)
    while (
        start
        and blocks[start - 1].kind in ("paragraph", *LIST_KINDS)
        and _TYPED_NOTE.match(blocks[start - 1].text)
    ):
        start -= 1
    opened = [_TYPED_NOTE.match(b.text) for b in blocks[start:]]
    numbers = [m[1] or m[2] for m in opened if m]
    if numbers and numbers == [str(n) for n in range(1, len(numbers) + 1)]:
        calls = _calls_in_order(blocks[:start], numbers)
        if calls is not None:
            _make_typed_notes(draft, wheres, start, opened, calls)
            return
        draft.guess(
            wheres[start],
            "note",
            f"{len(numbers)} typed note(s) whose calls were not all found: left as text",
            0.4,
        )
    draft.blocks = [Block(b.kind, _RAISED.sub(r"^\1^", b.text), b.level) for b in draft.blocks]


def _calls_in_order(blocks: list[Block], numbers: list[str]) -> list[tuple[int, int]] | None:
    """For each note number in turn, the next raised number that is it: (block, offset in its
    text); None if one is missing."""
    raised = [(i, m.start(), m[1]) for i, b in enumerate(blocks) for m in _RAISED.finditer(b.text)]
    calls, position = [], 0
    for number in numbers:
        while position < len(raised) and raised[position][2] != number:
            position += 1
        if position == len(raised):
            return None
        calls.append(raised[position][:2])
        position += 1
    return calls


def _make_typed_notes(
    draft: Draft,
    wheres: list[str],
    start: int,
    opened: list[re.Match[str] | None],
    calls: list[tuple[int, int]],
) -> None:
    for number, (match, (index, _)) in enumerate(zip(opened, calls, strict=True), start=1):
        assert match is not None
        draft.notes.append(
            Note(f"t{number}", (draft.blocks[start + number - 1].text[match.end() :],))
        )
        draft.guess(
            wheres[index],
            "note",
            f"typed note {number} ({wheres[start + number - 1]}) at this raised {number}",
            0.8,
        )
    called = {(index, offset): number for number, (index, offset) in enumerate(calls, start=1)}
    del draft.blocks[start:], wheres[start:]
    last = draft.blocks[-1] if draft.blocks else None
    if last is not None and last.kind == "heading" and NOTES_HEADING.match(_unescaped(last.text)):
        draft.guess(wheres.pop(), "dropped", f"the notes' heading '{draft.blocks.pop().text}'", 0.8)

    def text_of(index: int, block: Block) -> str:
        return _RAISED.sub(
            lambda m: (
                f"[^t{called[(index, m.start())]}]" if (index, m.start()) in called else f"^{m[1]}^"
            ),
            block.text,
        )

    draft.blocks = [Block(b.kind, text_of(i, b), b.level) for i, b in enumerate(draft.blocks)]


def read_input(path: Path, limit: int, kind: str) -> bytes:
    """The bytes of the file to import: a regular file of at most `limit` bytes (a folder,
    a pipe or a device is refused unread), an error naming it otherwise."""
    where = SourceLocation(str(path))
    check_regular(path, where, limit, kind, SourceError)  # a folder, before it is opened
    return read_file(path, where, limit, kind, SourceError)


# The labels of an archive's information block (marxists.org's `<p class="information">`:
# "Written: …", "Source: …", "Translated: …"), in English, Spanish, French and German.
INFO_LABELS = {
    "date": r"written|escrito|escrita|écrit|ecrit|geschrieben|date|fecha|datum|dated",
    "source": r"source|fuente|quelle|first published|publicado por primera vez|première publication|publicado|published",
    "translator": r"translated(?: by)?|translation|traducci[óo]n|traducido(?: por)?|traduit(?: par)?|traduction|übersetzung|übersetzt von",
    "author": r"author|autor|auteur|verfasser",
}
_INFO_LINE = re.compile(r"^\s*([^:]{2,40}?)\s*:\s*(.+)$")


def info_fields(lines: list[tuple[str, str]]) -> dict[str, tuple[str, float]] | None:
    """Header fields from "Label: value" lines, each as text and as Markdown (None where the
    lines are not such a block): the date (the first date found in the value), the source
    (its Markdown: a citation's italics kept), the translator, the author."""
    found: dict[str, tuple[str, float]] = {}
    labelled = [(m, markdown) for line, markdown in lines if (m := _INFO_LINE.match(line))]
    if not labelled or len(labelled) < len([line for line, _ in lines if line.strip()]):
        return None
    for match, markdown in labelled:
        label, value = match[1].casefold(), match[2].strip()
        if name_of(label) == "source":
            value = markdown.split(":", 1)[1].strip() if ":" in markdown else value
        name = name_of(label)
        if name is None or name in found:
            continue
        if name == "date":
            date = find_date(value)
            if date:
                found[name] = date
        else:
            name_only = name != "source"  # a citation keeps its final stop, a name does not
            value = re.sub(r"^(?:by|por|par|von)\s+", "", value, flags=re.I)
            found[name] = (value.rstrip(".;,") if name_only else value, 0.85)
    return found or None


def name_of(label: str) -> str | None:
    """The field an information block's label names (`Escrito` → `date`)."""
    return next((n for n, p in INFO_LABELS.items() if re.fullmatch(p, label)), None)


def find_date(text: str) -> tuple[str, float] | None:
    """The first date in `text` (`12 de febrero de 1936, en Coyoacán`), less sure when it is
    a part of the text."""
    if whole := iso_date(text):
        return whole
    for part in re.split(r"[;,.(){}\[\]]\s+|\s+en\s+|\s+in\s+", text):
        if found := iso_date(part):
            return found[0], min(found[1], 0.75)
    return None
