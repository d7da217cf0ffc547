"""Note series: the author's notes, the translator's and the editor's, each numbered on its own.

A note says whose it is with a class opening its definition, `[^t1]: {.translator} Text`
(or `{.editor}`, `{.author}`); a document's `notes-by: editor` gives every other note of it
to one series. Each series counts from its first mark in its own style (`note-marks`), and
the translator's and editor's notes end with a label ("— N. del T.") that `note-labels`
changes. The reader numbers the notes here; the renderers print `Footnote.mark` and the
label from `series_label`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from publish import model as m
from publish.errors import SourceError, SourceLocation
from publish.labels import labels_for

MARK_STYLES = ("arabic", "alpha", "roman", "symbols")
DEFAULT_MARKS = {"author": "arabic", "translator": "alpha", "editor": "symbols"}
# The traditional order of reference marks; past the sixth they double (** †† …).
SYMBOLS = ("*", "†", "‡", "§", "‖", "¶")
MAX_LABEL_CHARS = 40
PLACES = ("foot", "end")  # `note-place`: at the foot of the page (a pop-up), or after the text

_SERIES_CLASS = re.compile(r"\{\.(" + "|".join(m.NOTE_SERIES) + r")\}[ \t]*")


def mark(style: str, number: int) -> str:
    """The `number`th mark (from 1) of a style: 1 2 3, a b c … z aa ab, i ii iii, * † ‡."""
    if style == "alpha":
        letters = ""
        while number > 0:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters
    if style == "roman":
        return _roman(number)
    if style == "symbols":
        times, index = divmod(number - 1, len(SYMBOLS))
        return SYMBOLS[index] * (times + 1)
    return str(number)


def _roman(number: int) -> str:
    values = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
              (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip
    digits = []
    for value, letters in values:
        count, number = divmod(number, value)
        digits.append(letters * count)
    return "".join(digits)


def marker(note: m.Footnote) -> str:
    """What opens the note at the page foot: its mark, with a full stop after a number or a
    letter ("2.", "a.") and none after a symbol ("*")."""
    shown = note.shown_mark
    return f"{shown}." if shown[-1:].isalnum() else shown


def numbered(notes: Iterable[m.Footnote], meta: m.Metadata) -> tuple[m.Footnote, ...]:
    """The notes with their series (their own class, else the document's `notes-by`) and
    their marks, each series counted from 1 in call order. The notes' numbers (their ids in
    both outputs) stay as they were."""
    default = meta.notes_by or "author"
    styles = DEFAULT_MARKS | dict(meta.note_marks)
    counts = dict.fromkeys(m.NOTE_SERIES, 0)
    result = []
    for note in notes:
        own, children = split_series(note.children)
        series = own or default
        counts[series] += 1
        result.append(
            replace(
                note, children=children, series=series, mark=mark(styles[series], counts[series])
            )
        )
    return tuple(result)


def split_series(blocks: tuple[m.Block, ...]) -> tuple[str, tuple[m.Block, ...]]:
    """A note's series class (`{.translator}` opening its first paragraph), and its blocks
    without it; "" when it has none."""
    first = blocks[0] if blocks else None
    if not isinstance(first, m.Paragraph) or not first.children:
        return "", blocks
    text = first.children[0]
    found = _SERIES_CLASS.match(text.text) if isinstance(text, m.Text) else None
    if found is None:
        return "", blocks
    rest = text.text[found.end() :]
    children = ((replace(text, text=rest),) if rest else ()) + first.children[1:]
    return found[1], (replace(first, children=children), *blocks[1:])


def series_label(series: str, meta: m.Metadata) -> str:
    """The label that names a note's series ("N. del T."), "" for the author's notes."""
    given = dict(meta.note_labels)
    if series in given:
        return given[series]
    return labels_for(meta.lang).get(f"note_{series}", "")


def labelled(note: m.Footnote, meta: m.Metadata) -> tuple[m.Block, ...]:
    """The note's blocks ending with its series' label ("— N. del T."), set in the last
    paragraph (or a paragraph of its own after another block)."""
    label = series_label(note.series, meta)
    if not label:
        return note.children
    span = m.Span(
        (m.Text(f" — {label}", note.line),),
        m.Attributes(classes=("note-label",)),
        note.line,
    )
    last = note.children[-1] if note.children else None
    if isinstance(last, m.Paragraph):
        return (*note.children[:-1], replace(last, children=(*last.children, span)))
    return (*note.children, m.Paragraph((span,), note.line))


# Front matter


def read_notes_by(value: Any, where: SourceLocation) -> str:
    if value not in m.NOTE_SERIES:
        raise SourceError(
            f"'notes-by' must be one of {_listed(m.NOTE_SERIES)}, not {value!r}", where
        )
    return value


def read_note_marks(value: Any, where: SourceLocation) -> tuple[tuple[str, str], ...]:
    """`note-marks: {translator: alpha, editor: symbols}`."""
    return _series_choices(value, "note-marks", MARK_STYLES, where)


def read_note_labels(value: Any, where: SourceLocation) -> tuple[tuple[str, str], ...]:
    """`note-labels: {translator: "N. de la T."}`; an empty label prints none."""
    pairs = _series_mapping(value, "note-labels", where)
    for series, label in pairs:
        if not isinstance(label, str) or len(label) > MAX_LABEL_CHARS or "\n" in label:
            message = f"'note-labels' of the {series}'s notes must be one line of at most {MAX_LABEL_CHARS} characters"
            raise SourceError(message, where)
    return tuple((series, label.strip()) for series, label in pairs)


def read_note_place(value: Any, where: SourceLocation) -> tuple[tuple[str, str], ...]:
    """`note-place: {editor: end}`: a series printed after the text instead of at the foot."""
    return _series_choices(value, "note-place", PLACES, where)


def read_note_order(value: Any, where: SourceLocation) -> tuple[str, ...]:
    """`note-order: [author, translator, editor]`: a page's notes, series by series."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise SourceError(f"'note-order' must list series ({_listed(m.NOTE_SERIES)})", where)
    for series in value:
        if series not in m.NOTE_SERIES:
            message = (
                f"'note-order' names no series {series!r}: the series are {_listed(m.NOTE_SERIES)}"
            )
            raise SourceError(message, where)
    if len(set(value)) < len(value):
        raise SourceError("'note-order' names a series twice", where)
    return tuple(value)


def note_rank(series: str, meta: m.Metadata) -> int:
    """Where a series' notes come among a page's notes (`note-order`): the series listed,
    in their order, then the others in the order of NOTE_SERIES."""
    order = (*meta.note_order, *(s for s in m.NOTE_SERIES if s not in meta.note_order))
    return order.index(series)


def _series_choices(
    value: Any, key: str, allowed: Iterable[str], where: SourceLocation
) -> tuple[tuple[str, str], ...]:
    """A mapping of series to one of `allowed` each."""
    pairs = _series_mapping(value, key, where)
    for series, choice in pairs:
        if choice not in allowed:
            message = (
                f"'{key}' of the {series}'s notes must be one of {_listed(allowed)}, not {choice!r}"
            )
            raise SourceError(message, where)
    return pairs


def end_series(meta: m.Metadata) -> frozenset[str]:
    """The series a document prints after its text (`note-place: {series: end}`)."""
    return frozenset(series for series, place in meta.note_place if place == "end")


def endnotes_title(series: str, meta: m.Metadata) -> str:
    """The title over a series printed after the text, in both outputs: «Notas (N. del E.)»;
    the bare «Notas» for the author's, or for a series whose label is empty."""
    notes = labels_for(meta.lang)["notes"]
    label = series_label(series, meta)
    return f"{notes} ({label})" if label else notes


def _series_mapping(value: Any, key: str, where: SourceLocation) -> tuple[tuple[str, Any], ...]:
    if not isinstance(value, Mapping) or not value:
        raise SourceError(f"'{key}' must map series ({_listed(m.NOTE_SERIES)}) to values", where)
    unknown = [str(series) for series in value if series not in m.NOTE_SERIES]
    if unknown:
        message = f"'{key}' names no series '{unknown[0]}': the series are {_listed(m.NOTE_SERIES)}"
        raise SourceError(message, where)
    return tuple((series, value[series]) for series in value)


def _listed(names: Iterable[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)
