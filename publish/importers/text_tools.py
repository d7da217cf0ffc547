"""The text tools every importer shares: a paragraph's lines rejoined (end-of-line hyphens
undone only where the joined word is a word), the text's language, the header's fields
(title, author, date, source, contact, translator) and the notes matched to their calls.

Each decision that the input does not state outright is returned with how sure it is, so
that the importer can put it in its Draft's report of guesses.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import pyphen
from babel.dates import get_month_names

# The languages the tools know: their stopwords tell the text's language, Babel their months.
LANGUAGES = ("es", "en", "fr", "de", "it", "pt")
_STOPWORDS = {
    "es": "el la los las de del que y a en un una por con para es no se su al lo como más pero "
    "sus le ya o fue este ha si sí porque esta entre cuando muy sin sobre también hay donde",
    "en": "the of and to in is that it was for on are as with his they at be this have from "
    "or by not but what all were when we there can an which their if has would",
    "fr": "le la les de des du et en un une est que qui dans pour pas sur au avec ce il elle "
    "ne se sont par plus nous vous mais ou leur aux été cette",
    "de": "der die das und ist nicht ein eine zu den von mit sich des auf für im dem es auch "
    "als an nach wie aus bei oder sie wir wird werden durch sind",
    "it": "il lo la gli le di del della che e è a un una per non con sono nel alla anche come "
    "più ma si da dei delle questo loro suo sua",
    "pt": "o a os as de do da dos das que e é um uma para com não em no na por mais se como "
    "foi ao seu sua são também muito pelo pela",
}
_STOPWORD_SETS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
# Each language's own stopwords, which no other list has: `de`, `que` do not tell es from pt.
_DISTINCT = {
    lang: words - frozenset().union(*(other for o, other in _STOPWORD_SETS.items() if o != lang))
    for lang, words in _STOPWORD_SETS.items()
}
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the input: its number (1-based, for the report) and its text."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Decision:
    """A guess an importer reports: its line, kind (`rejoined`, `kept-hyphen`, `field`,
    `note`…), what was decided, how sure (0 to 1)."""

    line: int
    kind: str
    what: str
    sure: float


# Language


def guess_language(text: str) -> tuple[str, float]:
    """The text's language (one of LANGUAGES) by counting the stopwords that only one
    language has, and how sure: the winner's share of them (less in a text of a few words)."""
    words = [word.casefold() for word in _WORD.findall(text)]
    counts = {lang: sum(word in stops for word in words) for lang, stops in _DISTINCT.items()}
    best = max(LANGUAGES, key=lambda lang: counts[lang])
    total = sum(counts.values())
    if not counts[best]:
        return "en", 0.0
    return best, counts[best] / total * min(1.0, counts[best] / 10)  # a few words tell little


# Hyphenation and line rejoining


_LINE_HYPHENS = "-\u2010\u00ad"  # a hyphen-minus, a hyphen, a soft hyphen
_LAST_WORD = re.compile(r"([^\W\d_]+)[" + _LINE_HYPHENS + r"]$")
_FIRST_WORD = re.compile(r"^([^\W\d_]+)")
_NUMBER_RANGE = re.compile(r"\d[-\u2010–]$")


class Vocabulary:
    """The words a document writes unbroken, and the hyphenated compounds it writes
    (`bolchevique-leninistas`), casefolded: what it says of its own words."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.words: Counter[str] = Counter()
        self.compounds: Counter[str] = Counter()
        for line in lines:
            self._count(line)

    def _count(self, line: str) -> None:
        text = re.sub(f"[{_LINE_HYPHENS}]\\s*$", "", line.strip())  # a broken word's half
        tokens = _WORD.findall(text)
        if text != line.strip() and tokens:
            tokens = tokens[:-1]
        for token in tokens:
            folded = token.casefold()
            if "-" in folded:
                self.compounds[folded] += 1
                self.words.update(folded.split("-"))
            else:
                self.words[folded] += 1


@cache
def _dictionary(lang: str) -> pyphen.Pyphen | None:
    found = pyphen.language_fallback(lang)
    return pyphen.Pyphen(lang=found) if found else None


def is_hyphenation_point(left: str, right: str, lang: str) -> bool:
    """Whether the language's hyphenation dictionary breaks `left + right` after `left`."""
    dictionary = _dictionary(lang)
    return dictionary is not None and len(left) in dictionary.positions(left + right)


def undo_hyphen(
    left: str, right: str, lang: str, vocabulary: Vocabulary
) -> tuple[bool, str, float]:
    """Whether `left-` at a line's end and `right` at the next one's start are one word
    broken by hyphenation (join them) or a hyphenated word (keep the hyphen); why; how sure.

    The document's own vocabulary first (the joined word or the hyphenated form written
    elsewhere), then the language's hyphenation dictionary: is the break one of the joined
    word's hyphenation points? A split that neither knows keeps its hyphen, to be looked at.
    """
    joined, compound = (left + right).casefold(), f"{left}-{right}".casefold()
    seen_joined, seen_compound = vocabulary.words[joined], vocabulary.compounds[compound]
    if seen_joined and not seen_compound:
        return True, f"'{left + right}' is written unbroken elsewhere", 0.95
    if seen_compound and not seen_joined:
        return False, f"'{left}-{right}' is written so elsewhere", 0.95
    if seen_joined and seen_compound:
        return seen_joined >= seen_compound, "the text writes it both ways", 0.55
    if right[:1].isupper():
        return False, "the second part is capitalised", 0.7
    if is_hyphenation_point(left, right, lang):
        return True, f"a hyphenation point of '{left + right}' ({lang})", 0.85
    return False, "neither the text nor the dictionary knows this split", 0.4


def rejoin(lines: Sequence[Line], lang: str, vocabulary: Vocabulary) -> tuple[str, list[Decision]]:
    """A paragraph's lines as one line of text, and the decisions on its end-of-line hyphens."""
    text, decisions = "", []
    for index, line in enumerate(lines):
        part = " ".join(line.text.split())
        broken = _LAST_WORD.search(text) if index else None
        following = _FIRST_WORD.match(part)
        if broken and following:
            left, right = broken.group(1), following.group(1)
            join, why, sure = undo_hyphen(left, right, lang, vocabulary)
            soft = text.endswith("\u00ad")
            text = text[:-1] if join or soft else text[:-1] + "-"
            kind = "rejoined" if join or soft else "kept-hyphen"
            shown = f"{left}-{right} → {left + right}" if join or soft else f"{left}-{right}"
            where = lines[index - 1].number
            decisions.append(Decision(where, kind, f"{shown}: {why}", 1.0 if soft else sure))
            text += part
        elif _NUMBER_RANGE.search(text) and part[:1].isdigit():  # `1936-` `1937`: a range
            text += part
        else:
            text = f"{text} {part}" if text else part
    return text.strip(), decisions


def ends_paragraph(line: str, following: str, width: int) -> bool:
    """Whether `line` is a paragraph's last, `following` opening the next: it ends a
    sentence (or is short) and the next line's first word would have fitted on it."""
    line, following = line.rstrip(), following.strip()
    if not line or line[-1] in _LINE_HYPHENS:
        return False
    first = following.split(maxsplit=1)[0] if following else ""
    fits = len(line) + 1 + len(first) <= width
    if line[-1] in '.!?:…»”")]':
        return fits
    return fits and len(line) < 0.6 * width


# Dates


@cache
def _months() -> dict[str, int]:
    """Month names and abbreviations of every known language, casefolded, without accents."""
    names: dict[str, int] = {}
    for lang in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                months = get_month_names(width, context, locale=lang)
                for number, name in months.items():
                    names.setdefault(_plain(name).rstrip("."), number)
    names.setdefault("setiembre", 9)
    return names


def month_number(name: str) -> int | None:
    """The month a name or abbreviation names, in any known language (`febrero`, `Feb.`,
    `février`), or None."""
    return _months().get(_plain(name).rstrip("."))


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_DAY_MONTH_YEAR = re.compile(
    r"(?<!\d)(\d{1,2})(?:\.|º|°|er|st|nd|rd|th)?\s+(?:de\s+)?([^\W\d_]+)\.?,?\s+(?:de\s+|del\s+)?(\d{4})(?!\d)"
)
_MONTH_DAY_YEAR = re.compile(r"([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<![\d/.])(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?!\d)")


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date in a text: as YYYY-MM-DD, and where it was (start, end)."""

    iso: str
    start: int
    end: int


def find_date(text: str, lang: str = "es") -> FoundDate | None:
    """The first date written out in `text` («12 de febrero de 1936», "February 12, 1936",
    «12 février 1936», «12. Februar 1936», 1936-02-12, 12/02/1936), or None."""
    found = [_long_dates(text), _numeric_dates(text, lang)]
    dates = [date for dates in found for date in dates]
    return min(dates, key=lambda date: date.start) if dates else None


def _long_dates(text: str) -> Iterable[FoundDate]:
    months = _months()
    for match in _DAY_MONTH_YEAR.finditer(text):
        month = months.get(_plain(match.group(2)))
        if month:
            yield from _valid(int(match.group(3)), month, int(match.group(1)), match)
    for match in _MONTH_DAY_YEAR.finditer(text):
        month = months.get(_plain(match.group(1)))
        if month:
            yield from _valid(int(match.group(3)), month, int(match.group(2)), match)


def _numeric_dates(text: str, lang: str) -> Iterable[FoundDate]:
    for match in _ISO.finditer(text):
        yield from _valid(int(match.group(1)), int(match.group(2)), int(match.group(3)), match)
    for match in _NUMERIC.finditer(text):
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        # English writes the month first (2/12/1936), the others the day; a number over
        # 12 can only be the day.
        month_first = (lang == "en" and match.group(2) == "/" and first <= 12) or second > 12
        day, month = (second, first) if month_first else (first, second)
        yield from _valid(year, month, day, match)


def _valid(year: int, month: int, day: int, match: re.Match[str]) -> Iterable[FoundDate]:
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return
    yield FoundDate(date.isoformat(), match.start(), match.end())


# Header fields


_SOURCE_OPENINGS = re.compile(
    r"^(?:versi[oó]n\s+(?:al\s+\w+|castellana|española)\s+(?:desde|de|del)|"
    r"traducid[oa]\s+(?:desde|de|del)|translated\s+from|traduit\s+(?:de|du|depuis)|"
    r"übersetzt\s+aus|aus\s+dem\s+\w+\s+übersetzt|tradott[oa]\s+(?:da|dal|dallo)|"
    r"traduzid[oa]\s+(?:de|do|da)|fuente\s*:|source\s*:|quelle\s*:|fonte\s*:|original\s*:)",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^\s*(?:fuente|source|quelle|fonte|original|contacto|contact|kontakt|contatto|"
    r"traducci[oó]n|translator|übersetzung|traduction|traduzione|tradução)\s*:",
    re.IGNORECASE,
)


def is_label(line: str) -> bool:
    """Whether a line opens with a header field's label (`Fuente:`, `Contact:`): a
    field of its own, never the line before's paragraph."""
    return bool(_LABEL.match(line))


_TRANSLATOR = re.compile(
    r"(?:traducci[oó]n\s+(?:de|por)|traducido\s+por|translated\s+by|translation\s+by|"
    r"traduit\s+par|traduction\s+(?:de|par)|übersetzt\s+von|übersetzung\s*(?:von|:)|"
    r"tradotto\s+da|traduzione\s+di|traduzido\s+por|tradução\s+de|traducci[oó]n\s*:|"
    r"translator\s*:)\s+(.+?)\.?$",
    re.IGNORECASE,
)
_AUTHOR_BY = re.compile(r"^(?:por|by|par|von|di|de|By|Por|Par|Von)\s+([A-ZÀ-Ý].+)$")
_CONTACT = re.compile(
    r"^(?:(?:contacto|contact|kontakt|contatto)\s*:\s*)?"
    r"([\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|www\.\S+)\.?$",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-ÝŁŒ][\w'’.-]*|de|del|la|von|van|der|da|di|du|y|e|i)$")


@dataclass(frozen=True, slots=True)
class Field:
    """A header field a paragraph holds: its name, its value, how sure, and why."""

    name: str
    value: str
    sure: float
    why: str


def header_field(text: str, lang: str) -> Field | None:
    """The header field a short paragraph of the text is, if it is one: the source it was
    translated from, its translator, a contact, a date alone or a title in brackets.
    (An author is told by its place, next to the title or the date: see `looks_like_name`.)"""
    text = " ".join(text.split())
    inner = text[1:-1].strip() if text.startswith("(") and text.endswith(")") else text
    if opening := _SOURCE_OPENINGS.match(inner):
        value = inner[opening.end() :].strip() if opening.group().endswith(":") else inner
        return Field("source", value, 0.9, "it says what the text was translated from")
    if (translator := _TRANSLATOR.search(inner)) and len(inner.split()) <= 12:
        return Field("translator", translator.group(1), 0.85, "it names the translator")
    if contact := _CONTACT.match(text):
        return Field("contact", contact.group(1), 0.9, "an e-mail or web address alone")
    return _date_or_title(text, lang)


def _date_or_title(text: str, lang: str) -> Field | None:
    date = find_date(text, lang)
    rest = (text[: date.start] + text[date.end :]).strip(" ,.;") if date else ""
    if date is not None and len(rest.split()) <= 2:
        sure = 0.95 if not rest else 0.8  # a place before the date: «México, 12 de…»
        return Field("date", date.iso, sure, f"'{text}' is a date")
    if re.fullmatch(r"\[[^\[\]]+\]", text) and len(text.split()) <= 15:
        return Field("title", text, 0.9, "a line in brackets")
    return None


def byline(text: str) -> list[str] | None:
    """The names a byline gives («por León Trotsky», "by Karl Marx and Friedrich Engels"),
    or None."""
    found = _AUTHOR_BY.match(" ".join(text.split()))
    return names(found.group(1)) if found else None


_AND = re.compile(r",\s+|\s+(?:y|and|et|und|e|&)\s+")


def names(text: str) -> list[str] | None:
    """The names a short paragraph gives, one or several («Karl Marx, Friedrich Engels»,
    "Marx and Engels" is not: each must be a whole name), or None."""
    parts = _AND.split(" ".join(text.split()))
    found = [looks_like_name(part) for part in parts]
    return [name for name in found if name] if all(found) else None


def looks_like_name(text: str) -> str | None:
    """The name a short paragraph gives (`León Trotsky`, «por León Trotsky»), or None."""
    text = " ".join(text.split())
    if by := _AUTHOR_BY.match(text):
        text = by.group(1)
    words = text.split()
    if not 2 <= len(words) <= 5 or text[-1] in ".,;:!?" or any(c.isdigit() for c in text):
        return None
    if not all(_NAME_WORD.match(word) for word in words) or not words[-1][0].isupper():
        return None
    return text


def looks_like_title(text: str) -> bool:
    """Whether a paragraph could be a title: one short line, not a sentence's end."""
    text = " ".join(text.split())
    return 0 < len(text.split()) <= 12 and text[-1] not in ".,;:" and not text[0].islower()


# Notes


_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS, "0123456789")
_MARKER = re.compile(
    rf"^\s*(?:(\d{{1,3}}|\*{{1,3}}|[a-z]|†|‡)(?:[.)]\s*|\s+)|([{_SUPERSCRIPTS}]{{1,3}})\s*)(?=\S)"
)


def note_marker(text: str) -> tuple[str, str] | None:
    """A note's marker at the start of a line (`1 Se trata…`, `¹ Se trata…`, `* Nota…`,
    `a) …`) and the note's text after it, or None. A superscript number is given as digits."""
    found = _MARKER.match(text)
    if found is None:
        return None
    marker = found.group(1) or found.group(2).translate(_FROM_SUPERSCRIPT)
    return marker, text[found.end() :]


@dataclass(frozen=True, slots=True)
class Call:
    """A note's call found in a paragraph: the paragraph's index, the call's span in its
    text, how sure."""

    paragraph: int
    start: int
    end: int
    sure: float


# A call is glued after a word or its closing punctuation, never a number's (`5.1`, `3,5`).
_GLUED_BEFORE = r"(?<=[^\W\d_]|[.,;:!?»”’\"')\]])(?<!\d[.,])"
_CALL_AFTER = r"(?=[\s.,;:!?»”’\"')\]—–]|$)"


def call_pattern(marker: str) -> re.Pattern[str]:
    """Where `marker` calls its note in the text: glued after a word or its punctuation
    (`esposa1.`, `dijo,*`), or in brackets (`[1]`, `(a)`)."""
    bracketed = rf"[\[(]{re.escape(marker)}[\])]"
    if marker.isascii() and marker.isdigit():
        raised = marker.translate(str.maketrans("0123456789", _SUPERSCRIPTS))
        glued = (
            rf"{_GLUED_BEFORE}(?<!\d){marker}{_CALL_AFTER}"
            rf"|(?<![{_SUPERSCRIPTS}]){raised}(?![{_SUPERSCRIPTS}])"
        )
    elif marker.isalpha():  # a letter glued to a word is the word's: only in brackets
        return re.compile(bracketed)
    else:
        glued = rf"{_GLUED_BEFORE}{re.escape(marker)}(?!{re.escape(marker[0])})"
    return re.compile(f"{bracketed}|{glued}")


_GLUED_DIGITS = re.compile(rf"{_GLUED_BEFORE}(?<!\d)(\d{{1,3}}){_CALL_AFTER}")


_RAISED_DIGITS = re.compile(f"[{_SUPERSCRIPTS}]{{1,3}}")


def glued_calls(text: str) -> list[str]:
    """The numbers glued after a word or its punctuation in `text` (`esposa1.`), and the
    superscript ones (`esposa¹.`, given as digits): calls."""
    raised = [found.translate(_FROM_SUPERSCRIPT) for found in _RAISED_DIGITS.findall(text)]
    return _GLUED_DIGITS.findall(text) + raised


def match_calls(
    paragraphs: Sequence[str], markers: Sequence[str], within: Sequence[int] | None = None
) -> list[Call | None]:
    """Each marker's call in the paragraphs, in order: a note's call comes after the
    previous note's, and (when `within` is given) in the paragraphs before `within[i]`:
    those above the note's place. None where no call is found; less sure where the marker
    calls more than once there (notes numbered again in each chapter)."""
    calls: list[Call | None] = []
    after = (0, 0)
    for number, marker in enumerate(markers):
        limit = within[number] if within is not None else len(paragraphs)
        pattern = call_pattern(marker)
        found = [
            (index, match)
            for index, text in enumerate(paragraphs[:limit])
            for match in pattern.finditer(text)
            if (index, match.start()) >= after
        ]
        if not found:
            calls.append(None)
            continue
        index, match = found[0]
        sure = 0.95 if len(found) == 1 else 0.7
        calls.append(Call(index, match.start(), match.end(), sure))
        after = (index, match.end())
    return calls


# The original's pages


_PAGE_WORD = r"(?:p|pp|pág|pag|págs|página|page|s|seite|str)\.?"
_NAMED_PAGE = re.compile(rf"\[{_PAGE_WORD}\s*(\d{{1,4}}|[ivxlcdm]{{1,7}})\]", re.IGNORECASE)
_BARE_PAGE = re.compile(r"\[(\d{1,4})\]")


@dataclass(frozen=True, slots=True)
class PageMark:
    """Where the text shows a page of its original («[p. 206]»): the paragraph's index, the
    mark's span, the page, how sure."""

    paragraph: int
    start: int
    end: int
    page: str
    sure: float


def page_marks(paragraphs: Sequence[str], markers: Sequence[str]) -> list[PageMark]:
    """The original's page numbers the text shows: named («[p. 206]», «[pág. 206]»,
    "[S. 206]"), or bare («[206]») when at least two run upwards and none is a note's
    marker; each page once, the first time."""
    named = [
        PageMark(index, m.start(), m.end(), m.group(1), 0.9)
        for index, text in enumerate(paragraphs)
        for m in _NAMED_PAGE.finditer(text)
    ]
    bare = [
        PageMark(index, m.start(), m.end(), m.group(1), 0.7)
        for index, text in enumerate(paragraphs)
        for m in _BARE_PAGE.finditer(text)
        if m.group(1) not in markers
    ]
    numbers = [int(mark.page) for mark in bare]
    if len(bare) < 2 or numbers != sorted(numbers):
        bare = []
    seen: set[str] = set()
    marks = []
    for mark in sorted(named + bare, key=lambda mark: (mark.paragraph, mark.start)):
        if mark.page not in seen:
            seen.add(mark.page)
            marks.append(mark)
    return marks
