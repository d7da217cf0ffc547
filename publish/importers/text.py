"""Plain text extracted from a PDF (`pdftotext`, a copy from a reader) made a Draft.

Such a text has lost its layout: each line ends where the page's did (a word broken at the
end with a hyphen), blank lines are noise (some extractors put one after every line), the
notes of a page stand after a rule of spaces or underscores at its foot, and the header
(source, title, author, date, contact) may be anywhere on the first pages. What is left to
go by is each line's length, its last character, the blank runs, and the words themselves.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as default
from pathlib import Path
from typing import Any

from publish.errors import SourceError, SourceLocation
from publish.importers.draft import Block, Draft, Note, escape
from publish.importers.text_tools import (
    Call,
    Decision,
    Field,
    Line,
    Vocabulary,
    byline,
    ends_paragraph,
    glued_calls,
    guess_language,
    header_field,
    is_label,
    looks_like_title,
    match_calls,
    names,
    note_marker,
    page_marks,
    rejoin,
)

MAX_TEXT_BYTES = 20 * 2**20  # a text of a few thousand pages; past that it is not a text
_RULE = re.compile(r"^(?:\s{10,}|\s*[_\-—–=]{5,}\s*)$")  # the line above a page's notes
_LINE_HYPHENS = "-\u2010\u00ad"
_GLUED_CALL_END = re.compile(r"(?<=\D)\d{1,3}$")  # `Proletarians1`: a call, not the heading's
# A page's number: an uppercase roman numeral alone is a chapter's number more often.
_FOLIO = re.compile(r"^\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*$")
_CONTENTS = re.compile(r"^.*\S(?:\s*\.){4,}\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*$")  # `Preface . . . 1`
_NOTES_HEADING = re.compile(
    r"^\s*(?:notas?(?: del? \w+)?|notes?|anmerkungen|fußnoten|endnotes)\s*:?\s*$", re.I
)
_FIELD_ORDER = ("title", "author", "date", "lang", "source", "contact", "translator")


@dataclass
class Unit:
    """Lines with no gap between them, and what came before: `start`, `gap` (a blank run),
    `rule` (the line above a page's notes) or `page` (a form feed)."""

    lines: list[Line]
    after: str


@dataclass
class Paragraph:
    """A paragraph of the text or of a note (`marker` set on a note's first), and whether
    a page foot (notes, a running head) or a page break came just before it."""

    lines: list[Line]
    in_notes: bool = False
    marker: str | None = None
    after_break: bool = False
    field: Field | None = None  # a header field, a running head or a folio: not the text's
    extra: list[Paragraph] = default(default_factory=list)  # a note's later paragraphs


def import_file(path: Path) -> Draft:
    """The Draft of the text file at `path`: its header fields, paragraphs and notes."""
    draft, where = Draft(path), str(path)
    text = read_text(path, draft)
    lines = [_line(number, line) for number, line in enumerate(text.split("\n"), 1)]
    lang, sure = guess_language(text)
    paragraphs = paragraphs_of(units_of(lines), body_width(lines))
    fields = find_fields(paragraphs, lang, draft, where)
    fields["lang"] = lang
    draft.guess(
        f"{where}:1", "field", f"lang = {lang} (the stopwords of each language counted)", sure
    )
    if "title" not in fields:  # publish needs one: the file's name, to be looked at
        fields["title"] = path.stem
        what = f"title = {path.stem} (no title found: the file's name)"
        draft.guess(f"{where}:1", "field", what, 0.3)
    if "source" in fields:  # the one field read as Markdown
        fields["source"] = escape(fields["source"])
    draft.fields = {name: fields[name] for name in _FIELD_ORDER if name in fields}
    body = join_across_pages(paragraphs, draft, where)
    if not body:
        raise SourceError("no text found to import", SourceLocation(where))
    _unsure_ends(body, body_width(lines), draft, where)
    notes = [p for p in paragraphs if p.marker is not None]
    write_text(body, notes, lang, Vocabulary(line.text for line in lines), draft, where)
    return draft


def _line(number: int, text: str) -> Line:
    """A line without its trailing spaces, except a rule of spaces, which is all spaces."""
    return Line(number, text if _RULE.match(text) else text.rstrip())


def read_text(path: Path, draft: Draft) -> str:
    """The file's text: UTF-8 (with or without its mark), else Windows-1252 (a guess)."""
    where = SourceLocation(str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror or exc}", where) from exc
    if len(data) > MAX_TEXT_BYTES or b"\0" in data:
        raise SourceError("not a text file (too large, or binary)", where)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        draft.guess(f"{path}:1", "field", "the text is not UTF-8: read as Windows-1252", 0.7)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Layout: units, widths, paragraphs


def units_of(lines: Sequence[Line]) -> list[Unit]:
    """The lines grouped in units, split at gaps, rules and page breaks. When (nearly)
    every line is followed by one blank line, that blank is noise and a gap takes two."""
    needed = 2 if _doubled_spacing(lines) else 1
    units: list[Unit] = []
    current: list[Line] = []
    after, pending, blanks = "start", "", 0
    for line in lines:
        text = line.text
        if "\f" in text:  # pdftotext starts each page's first line with a form feed
            pending, blanks, text = _stronger(pending, "page"), 0, text.replace("\f", "")
        if _RULE.match(text):
            pending, blanks = _stronger(pending, "rule"), 0
            continue
        if not text.strip():
            blanks += 1
            pending = _stronger(pending, "gap") if blanks >= needed else pending
            continue
        if pending and current:
            units.append(Unit(current, after))
            current, after = [], pending
        elif pending:
            after = _stronger(after, pending)
        pending, blanks = "", 0
        current.append(Line(line.number, text))
    if current:
        units.append(Unit(current, after))
    return units


_EVENT_RANK = {"": 0, "gap": 1, "rule": 2, "page": 3, "start": 4}


def _stronger(one: str, other: str) -> str:
    return max(one, other, key=_EVENT_RANK.__getitem__)


def _doubled_spacing(lines: Sequence[Line]) -> bool:
    """Whether the extractor put a blank after (nearly) every line: told from ten lines
    on (a short text whose paragraphs are lines of their own looks the same)."""
    texts = [line.text for line in lines]
    text_lines = [i for i, text in enumerate(texts) if text.strip()][:-1]  # the last has none
    followed = sum(1 for i in text_lines if not texts[i + 1].strip())
    return len(text_lines) >= 10 and followed >= 0.8 * len(text_lines)


def body_width(lines: Sequence[Line]) -> int:
    """The text's line width in characters: nearly its longest line (the 90th percentile,
    so that a long address or a note's longer lines count little)."""
    lengths = sorted(len(line.text) for line in lines if line.text.strip())
    lengths = [n for n in lengths if n] or [80]
    return lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]


def paragraphs_of(units: Sequence[Unit], width: int) -> list[Paragraph]:
    """The units split into paragraphs. Notes stand after a rule, or at a page's foot from
    the line whose marker a call in the text above asks for (`esposa1.` … `1. Se trata`);
    they go on until a paragraph that is not one: the page's text goes on there. A page's
    furniture is marked: a lone number at its top or foot (its folio), a line that tops
    several pages (a running head), a contents line (`Preface . . . 1`)."""
    walk = _Walk(width, *running_heads(units))
    for index, unit in enumerate(units):
        following = units[index + 1] if index + 1 < len(units) else None
        walk.add(unit, following)
    return walk.paragraphs


def running_heads(units: Sequence[Unit]) -> tuple[set[str], set[int]]:
    """The lines that top more than one page (after a form feed, a folio aside), and the
    line numbers of their first: that one may be the heading of the chapter the later ones
    head (see `_Walk._furniture`)."""
    tops: Counter[str] = Counter()
    first: dict[str, int] = {}
    for unit in units:
        if unit.after == "page":
            lines = [line for line in unit.lines if not _FOLIO.match(line.text)]
            if lines:
                tops[_squeezed(lines[0].text)] += 1
                first.setdefault(_squeezed(lines[0].text), lines[0].number)
    return {text for text, count in tops.items() if count > 1}, set(first.values())


def _squeezed(text: str) -> str:
    return " ".join(text.split())


class _Walk:
    """The units read in order, with what the layout has said so far: in the notes or
    not, a page break just passed, the calls whose notes are still to come."""

    def __init__(self, width: int, heads: set[str], first_heads: set[int]) -> None:
        self.width, self.heads, self.first_heads = width, heads, first_heads
        self.paragraphs: list[Paragraph] = []
        self.in_notes = self.after_break = False
        self.called: list[str] = []

    def add(self, unit: Unit, following: Unit | None) -> None:
        if unit.after in ("rule", "page"):
            self.in_notes, self.after_break = unit.after == "rule", True
        lines = list(unit.lines)
        after = following.lines[0].text if following is not None else ""
        while unit.after == "page" and lines:
            found = self._furniture(lines[0], lines[1].text if len(lines) > 1 else after)
            if found is None:
                break
            self.paragraphs.append(Paragraph([lines.pop(0)], field=found))
        foot = []
        last_on_page = following is None or following.after == "page"
        while last_on_page and lines and _FOLIO.match(lines[-1].text):
            folio = Field("folio", lines[-1].text.strip(), 0.9, "")
            foot.insert(0, Paragraph([lines.pop()], field=folio))
        kept = self._without_contents(lines)
        cut = None if self.in_notes else self._foot_notes_start(kept)
        if cut is not None:
            self._add(kept[:cut])
            kept, self.in_notes = kept[cut:], True
            self._mark_notes_heading()
        self._add(kept)
        self.paragraphs += foot

    def _mark_notes_heading(self) -> None:
        """The line just before the notes, when it names them («Notas», "Notes"): left out."""
        last = self.paragraphs[-1] if self.paragraphs else None
        if last is None or last.field or last.in_notes or len(last.lines) != 1:
            return
        if _NOTES_HEADING.match(last.lines[0].text):
            last.field = Field("notes-heading", _squeezed(last.lines[0].text), 0.85, "")

    def _without_contents(self, lines: Sequence[Line]) -> list[Line]:
        """The lines but those of a table of contents (`Preface . . . 1`), marked apart."""
        kept = []
        for line in lines:
            if _CONTENTS.match(line.text):
                contents = Field("contents", _squeezed(line.text), 0.9, "")
                self.paragraphs.append(Paragraph([line], field=contents))
            else:
                kept.append(line)
        return kept

    def _furniture(self, line: Line, following: str) -> Field | None:
        """A folio at a page's top, or a running head: a line that tops other pages (its
        first time, only when the text goes on after it in lowercase: else it may be the
        heading of a chapter that begins there), or a title-like line amid a broken word."""
        if _FOLIO.match(line.text):
            return Field("folio", line.text.strip(), 0.9, "")
        text, goes_on = _squeezed(line.text), following.strip()[:1].islower()
        if text in self.heads and (line.number not in self.first_heads or goes_on):
            return Field("running-head", text, 0.9, "")
        if goes_on and self._broken_word() and looks_like_title(text):
            return Field("page-head", text, 0.8, "")
        return None

    def _broken_word(self) -> bool:
        """Whether the text before the page foot stopped mid-word, on a hyphen."""
        last = next((p for p in reversed(self.paragraphs) if not p.in_notes and not p.field), None)
        return bool(last) and last.lines[-1].text.rstrip()[-1:] in _LINE_HYPHENS

    def _foot_notes_start(self, lines: Sequence[Line]) -> int | None:
        """The first line that opens a note a call above asks for, if any."""
        called = list(self.called)
        for index, line in enumerate(lines):
            found = note_marker(line.text)
            if found is not None and found[0] in called:
                return index
            called += glued_calls(line.text)
        return None

    def _add(self, lines: Sequence[Line]) -> None:
        if not lines:
            return
        width = max(self.width, _percentile(lines)) if self.in_notes else self.width
        for part in _split(lines, width):
            paragraph = Paragraph(part)
            found = note_marker(part[0].text) if self.in_notes else None
            if found is not None:
                paragraph.in_notes, paragraph.marker = True, found[0]
                if found[0] in self.called:
                    self.called.remove(found[0])
            elif self.in_notes and _continues_note(self.paragraphs, part, self.width):
                self.paragraphs[-1].extra.append(paragraph)
                continue
            else:
                self.in_notes = False
                paragraph.after_break, self.after_break = self.after_break, False
                self.called += [call for line in part for call in glued_calls(line.text)]
            self.paragraphs.append(paragraph)


def _percentile(lines: Sequence[Line]) -> int:
    lengths = sorted(len(line.text) for line in lines)
    return lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]


def _continues_note(paragraphs: Sequence[Paragraph], lines: Sequence[Line], width: int) -> bool:
    """A paragraph in the notes without a marker is the note's next one when it is long;
    a short one (a running head, a title, a folio) is the page's."""
    has_note = bool(paragraphs) and paragraphs[-1].marker is not None
    return has_note and (len(lines) >= 2 or len(lines[0].text) > 0.7 * width)


def _split(lines: Sequence[Line], width: int) -> Iterator[list[Line]]:
    current: list[Line] = []
    for index, line in enumerate(lines):
        current.append(line)
        following = lines[index + 1].text if index + 1 < len(lines) else None
        if following is None or ends_paragraph(line.text, following, width) or is_label(following):
            yield current
            current = []


def _unsure_ends(paragraphs: Sequence[Paragraph], width: int, draft: Draft, where: str) -> None:
    """Report the paragraphs that end on a nearly full line: in a proportional font a full
    line has from about 80% of the widest's characters, so the next line's first word may
    not have fitted after all (the text may go on)."""
    for paragraph, following in itertools.pairwise(paragraphs):
        last = paragraph.lines[-1]
        if following.after_break or len(last.text.rstrip()) < 0.8 * width:
            continue
        what = f"a paragraph ends at line {last.number}, on a nearly full line"
        draft.guess(f"{where}:{last.number}", "paragraph", what, 0.6)


# Header fields


def find_fields(
    paragraphs: Sequence[Paragraph], lang: str, draft: Draft, where: str
) -> dict[str, Any]:
    """The header fields among the text's short paragraphs (each marks its paragraph);
    a field found again with the same value is a running head, dropped."""
    fields: dict[str, Any] = {}
    text_paragraphs = [p for p in paragraphs if not p.in_notes]
    for paragraph in text_paragraphs:
        if paragraph.field is not None:  # the page's furniture
            _report_furniture(paragraph, draft, where)
            continue
        if len(paragraph.lines) > 3:
            continue
        found = header_field(_plain(paragraph), lang)
        if found is None:
            continue
        line = f"{where}:{paragraph.lines[0].number}"
        if found.name not in fields:
            fields[found.name] = found.value
            paragraph.field = found
            draft.guess(line, "field", f"{found.name} = {found.value} ({found.why})", found.sure)
        elif fields[found.name] == found.value:
            paragraph.field = found
            draft.guess(line, "dropped", f"'{found.value}' again: a running head", 0.85)
    _find_title(text_paragraphs, fields, draft, where)
    _drop_running_heads(text_paragraphs, fields, draft, where)
    _find_author(text_paragraphs, fields, draft, where)
    _drop_running_heads(text_paragraphs, fields, draft, where)
    return fields


def _drop_running_heads(
    paragraphs: Sequence[Paragraph], fields: dict[str, Any], draft: Draft, where: str
) -> None:
    """A line alone that says the title or the author again is a page's running head."""
    heads = {
        text: name
        for name in ("title", "author")
        for text in ([fields[name]] if isinstance(fields.get(name), str) else fields.get(name, []))
    }
    for paragraph in paragraphs:
        text = _plain(paragraph)
        if paragraph.field is None and len(paragraph.lines) == 1 and text in heads:
            paragraph.field = Field(heads[text], text, 0.85, "")
            what = f"'{text}' again, alone: a running head, left out"
            draft.guess(f"{where}:{paragraph.lines[0].number}", "dropped", what, 0.85)


_FURNITURE = {
    "folio": ("page", "folio {}: the page's number, left out"),
    "running-head": ("dropped", "'{}' tops several pages: a running head, left out"),
    "contents": ("dropped", "'{}': a line of contents, left out"),
    "notes-heading": ("dropped", "'{}' heads the notes: left out"),
    "page-head": ("dropped", "'{}' tops a page amid a broken word: a running head, left out"),
}


def _report_furniture(paragraph: Paragraph, draft: Draft, where: str) -> None:
    assert paragraph.field is not None
    kind, what = _FURNITURE[paragraph.field.name]
    line = f"{where}:{paragraph.lines[0].number}"
    draft.guess(line, kind, what.format(paragraph.field.value), paragraph.field.sure)


def _plain(paragraph: Paragraph) -> str:
    return " ".join(line.text.strip() for line in paragraph.lines)


def _find_author(
    paragraphs: Sequence[Paragraph], fields: dict[str, Any], draft: Draft, where: str
) -> None:
    """The author: a byline, or a name (or several) standing next to the title or the date."""
    if "author" in fields:
        return
    for index, paragraph in enumerate(paragraphs):
        if paragraph.field is not None or len(paragraph.lines) > 1:
            continue
        neighbours = paragraphs[max(0, index - 1) : index] + paragraphs[index + 1 : index + 2]
        beside = [_field_name(n, fields) for n in neighbours if _field_name(n, fields)]
        found, why, sure = byline(_plain(paragraph)), "a byline", 0.85
        if found is None and beside:
            found, why, sure = names(_plain(paragraph)), f"beside the {beside[0]}", 0.8
        if found:
            fields["author"] = found[0] if len(found) == 1 else found
            shown = ", ".join(found)
            paragraph.field = Field("author", shown, sure, why)
            line = f"{where}:{paragraph.lines[0].number}"
            draft.guess(line, "field", f"author = {shown} ({why})", sure)
            return


def _field_name(paragraph: Paragraph, fields: dict[str, Any]) -> str | None:
    """`title` or `date` when the paragraph gives (or repeats) the text's title or date."""
    if paragraph.field is not None and paragraph.field.name in ("title", "date"):
        return paragraph.field.name
    return "title" if fields.get("title") == _plain(paragraph) else None


def _find_title(
    paragraphs: Sequence[Paragraph], fields: dict[str, Any], draft: Draft, where: str
) -> None:
    """Without a title in brackets: the text's first paragraph, when it is a short line."""
    if "title" in fields:
        return
    first = next((p for p in paragraphs if p.field is None), None)
    if first is None or len(first.lines) != 1 or not looks_like_title(_plain(first)):
        return
    if first is paragraphs[-1]:
        return
    title = _plain(first)
    fields["title"] = title
    first.field = Field("title", title, 0.6, "a short first line")
    draft.guess(
        f"{where}:{first.lines[0].number}", "field", f"title = {title} (a short first line)", 0.6
    )


# The text


def join_across_pages(paragraphs: Sequence[Paragraph], draft: Draft, where: str) -> list[Paragraph]:
    """The text's paragraphs (notes and header fields left out). One cut by a page foot
    (its notes, a running head, a page break) is one again when its last line before the
    foot is full: the text went on."""
    joined: list[Paragraph] = []
    width = body_width([line for p in paragraphs if not p.in_notes for line in p.lines])
    cut = False
    for paragraph in paragraphs:
        if paragraph.in_notes or paragraph.field is not None:
            cut = cut or bool(joined)
            continue
        cut = cut or paragraph.after_break
        previous = joined[-1] if joined else None
        if previous is None or not cut or _ends(previous, paragraph, width):
            joined.append(paragraph)
        else:
            _report_page_join(previous, paragraph, draft, where)
            previous.lines = previous.lines + paragraph.lines
        cut = False
    return joined


def _ends(previous: Paragraph, paragraph: Paragraph, width: int) -> bool:
    return ends_paragraph(previous.lines[-1].text, paragraph.lines[0].text, width)


def _report_page_join(previous: Paragraph, paragraph: Paragraph, draft: Draft, where: str) -> None:
    last, first = previous.lines[-1], paragraph.lines[0]
    sure = 0.7 if last.text.rstrip()[-1:] in ".!?:…»”" else 0.9  # a full line, a sentence's end
    what = (
        f"the paragraph of line {last.number} goes on at line {first.number}, after the page foot"
    )
    draft.guess(f"{where}:{first.number}", "page", what, sure)


def write_text(
    body: Sequence[Paragraph],
    notes: Sequence[Paragraph],
    lang: str,
    vocabulary: Vocabulary,
    draft: Draft,
    where: str,
) -> None:
    """The draft's blocks and notes: lines rejoined, each note's call put where it was."""
    texts = [_rejoined(p.lines, lang, vocabulary, draft, where) for p in body]
    labels = _labels([note.marker or "" for note in notes])
    starts = [p.lines[0].number for p in body]  # a note's call is in the text above it
    within = [sum(start < note.lines[0].number for start in starts) for note in notes]
    calls = match_calls(texts, [note.marker or "" for note in notes], within)
    placed: dict[int, list[tuple[Call, str]]] = {}
    for note, label, call in zip(notes, labels, calls, strict=True):
        line = f"{where}:{note.lines[0].number}"
        if call is None:
            call = Call(len(texts) - 1, len(texts[-1]), len(texts[-1]), 0.2)
            draft.guess(
                line, "note", f"note {note.marker}: no call found, called at the text's end", 0.2
            )
        else:
            called = texts[call.paragraph][max(0, call.start - 20) : call.end]
            draft.guess(line, "note", f"note {note.marker} called at «…{called}»", call.sure)
        placed.setdefault(call.paragraph, []).append((call, label))
    replaced = {
        index: [(c.start, c.end, f"[^{label}]") for c, label in found]
        for index, found in placed.items()
    }
    for mark in page_marks(texts, [note.marker or "" for note in notes]):
        replaced.setdefault(mark.paragraph, []).append(
            (mark.start, mark.end, f"{{pag={mark.page}}}")
        )
        line = f"{where}:{body[mark.paragraph].lines[0].number}"
        shown = texts[mark.paragraph][mark.start : mark.end]
        draft.guess(line, "page", f"page {mark.page} of the original begins at {shown}", mark.sure)
    headings = _headings(body, texts, draft, where)
    for index, text in enumerate(texts):
        kind = "heading" if index in headings else "paragraph"
        draft.blocks.append(Block(kind, _replaced(text, replaced.get(index, [])), 2))
    for note, label in zip(notes, labels, strict=True):
        first = note_marker(note.lines[0].text)
        lines = [Line(note.lines[0].number, first[1] if first else ""), *note.lines[1:]]
        paragraphs = [_rejoined(lines, lang, vocabulary, draft, where)]
        paragraphs += [_rejoined(p.lines, lang, vocabulary, draft, where) for p in note.extra]
        draft.notes.append(Note(label, tuple(escape(p) for p in paragraphs)))


def _headings(
    body: Sequence[Paragraph], texts: Sequence[str], draft: Draft, where: str
) -> set[int]:
    """The paragraphs that head what follows: one short line that ends no sentence, after
    a sentence's end, before a paragraph of several lines."""
    found: set[int] = set()
    for index, text in enumerate(texts[:-1]):
        bare = _GLUED_CALL_END.sub("", text)
        after_end = index == 0 or index - 1 in found or texts[index - 1][-1:] in '.!?:…»”")'
        if (
            len(body[index].lines) == 1
            and 0 < len(bare.split()) <= 10
            and bare[-1] not in ".,;:!?-"
            and (bare[0].isupper() or bare[0].isdigit() or bare[0] in '(«“"')
            and after_end
            and len(body[index + 1].lines) >= 2
        ):
            found.add(index)
            line = f"{where}:{body[index].lines[0].number}"
            draft.guess(line, "heading", f"'{text}' heads what follows", 0.6)
    return found


def _rejoined(
    lines: Sequence[Line], lang: str, vocabulary: Vocabulary, draft: Draft, where: str
) -> str:
    text, decisions = rejoin(lines, lang, vocabulary)
    for decision in decisions:
        _report(draft, where, decision)
    return text


def _report(draft: Draft, where: str, decision: Decision) -> None:
    draft.guess(f"{where}:{decision.line}", decision.kind, decision.what, decision.sure)


def _labels(markers: Sequence[str]) -> list[str]:
    """Each note's label for its `[^label]`: its marker when a word (1, a), else `n` and its
    place; a marker used again (notes numbered by page) gets `-2`, `-3`…"""
    labels: list[str] = []
    for index, marker in enumerate(markers, 1):
        label = marker if marker.isalnum() else f"n{index}"
        count = sum(1 for known in labels if known.split("-")[0] == label)
        labels.append(f"{label}-{count + 1}" if count else label)
    return labels


def _replaced(text: str, replacements: Sequence[tuple[int, int, str]]) -> str:
    """The paragraph as Markdown: its text escaped, each call made `[^label]` and each page
    of the original `{pag=N}` (the spans given, with what replaces them)."""
    parts, at = [], 0
    for start, end, markdown in sorted(replacements):
        parts += [escape(text[at:start]), markdown]
        at = end
    parts.append(escape(text[at:]))
    return "".join(parts)
