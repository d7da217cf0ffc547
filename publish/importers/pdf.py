"""Import a PDF: its words read back into a Draft with pdfplumber.

A PDF holds no paragraphs, notes or headings, only words placed on pages in a font and a
size. They are told apart the way a reader's eye does it:

- the running text is the size most of the words have; its left edge on each page is the
  margin, and a line that starts further in opens a paragraph (so does a wider gap between
  lines, or a short line before it when the text is justified);
- a larger size is a heading, a slightly smaller or indented block a quotation;
- lines of a smaller size at the page's foot, below the text, are the notes, each opened by
  its marker («1.», «*», «a.»), and a foot that opens with no marker continues the last
  note of the page before; small raised figures in the text are the calls;
- text repeated at the same place from page to page (running heads) and bare numbers at a
  page's top or foot (folios) are the page's furniture, left out;
- the first page's largest text is the title, the lines under it the author, the date and
  the rest of the header, checked against the PDF's own metadata;
- `[206]` in a smaller size within a line is a page of the original (`{pag=206}`).

Every decision that the PDF did not state outright is a guess in the draft's report.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pdfplumber

from publish.errors import SourceError, SourceLocation
from publish.importers.draft import Block, Draft, Note, escape
from publish.importers.text_tools import find_date, is_hyphenation_point
from publish.labels import labels_for

LANGS = ("en", "es", "fr", "de")
HYPHENS = ("\u2010", "-", "\u00ad")  # publish prints U+2010; others "-" or a soft hyphen
MARKER = re.compile(r"^(\d{1,3}|[*†‡§¶]{1,3}|[a-z])[.)]?$")
CALL = re.compile(r"^(\d{1,3}|[*†‡§¶]{1,3}|[a-z])$")
PAGE_MARK = re.compile(r"^\[([0-9]+[rv]?|[ivxlcdm]+)\]$", re.I)
FOLIO = re.compile(r"^[-–—\s]*([0-9]{1,4}|[ivxlcdm]{1,7})[-–—\s]*$", re.I)
LEADERS = re.compile(r"(\.\s?){4,}\s*\S{1,6}$")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
NAME = re.compile(r"^[A-ZÁÉÍÓÚÑÄÖÜÇ][\w.'’-]*(\s+[\w.'’-]+){0,4}$")


# -- the words and lines of the pages ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    font: str

    @property
    def italic(self) -> bool:
        return bool(re.search(r"italic|oblique", self.font, re.I))

    @property
    def bold(self) -> bool:
        return bool(re.search(r"bold|black|heavy|semibold", self.font, re.I))


@dataclass(slots=True)
class Line:
    page: int  # from 1
    words: list[Word]
    top: float = 0.0
    bottom: float = 0.0
    size: float = 0.0  # the size most of its characters have
    ruled: bool = False  # a rule drawn above it, below the line before (a foot's separator)

    def __post_init__(self) -> None:
        self.words.sort(key=lambda word: word.x0)
        main = [word for word in self.words if word.size >= self.largest - 0.01] or self.words
        self.top = min(word.top for word in main)
        self.bottom = max(word.bottom for word in main)
        sizes = Counter()
        for word in self.words:
            sizes[round(word.size, 1)] += len(word.text)
        self.size = sizes.most_common(1)[0][0]

    @property
    def largest(self) -> float:
        return max(word.size for word in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def text(self) -> str:
        return join_words(self.words)

    @property
    def italic(self) -> bool:
        return sum(len(w.text) for w in self.words if w.italic) > len(self.text) / 2

    @property
    def bold(self) -> bool:
        return all(word.bold for word in self.words)


def join_words(words: Sequence[Word]) -> str:
    parts = []
    for before, word in zip([None, *words[:-1]], words, strict=True):
        if before is not None and word.x0 - before.x1 > 0.12 * word.size:
            parts.append(" ")
        parts.append(word.text)
    return "".join(parts)


def page_lines(page: Any, number: int, digits: dict[str, float] | None = None) -> list[Line]:
    """The page's lines, top to bottom: its words grouped by where they stand."""
    chars = raised_digits(page.chars, digits or {})
    words = [
        Word(
            printed_hyphens(w["text"]),
            w["x0"],
            w["x1"],
            w["top"],
            w["bottom"],
            w["size"],
            w["fontname"],
        )
        for w in pdfplumber.utils.extract_words(
            chars, extra_attrs=["fontname", "size"], x_tolerance=1.5
        )
        if w["text"].strip()
    ]
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        middle = (word.top + word.bottom) / 2
        for row in reversed(rows[-3:]):
            top, bottom = min(w.top for w in row), max(w.bottom for w in row)
            if top <= middle <= bottom and not overlaps(row, word):
                row.append(word)
                break
        else:
            rows.append([word])
    lines = sorted((Line(number, row) for row in rows), key=lambda line: line.top)
    mark_rules(lines, page)
    return lines


def printed_hyphens(text: str) -> str:
    """A soft hyphen within a word is a printed hyphen: Typst names its one hyphen glyph
    U+00AD when it first printed it at a break (at a word's ends it is left to the reading)."""
    return re.sub(r"(?<=.)\u00ad(?=.)", "-", text)


def mark_rules(lines: list[Line], page: Any) -> None:
    """Mark the lines under a horizontal rule drawn between them and the line before:
    the short rule that opens a page's notes (Typst draws it as a path, not a character)."""
    rules = [
        edge["top"]
        for edge in page.horizontal_edges
        if edge["x1"] - edge["x0"] > 20 and edge.get("object_type") in ("line", "curve")
    ]
    for before, line in itertools.pairwise(lines):
        line.ruled = any(before.bottom < top < line.top for top in rules)


def hyphen_named_soft(pages: Iterable[Any]) -> bool:
    """Whether the PDF names a hyphen printed within a line U+00AD: its one hyphen glyph
    named after its first use (Typst), so a U+00AD at a line's end may be a word's own."""
    for page in pages:
        for char, after in itertools.pairwise(page.chars):
            within = abs(after["top"] - char["top"]) < 1 and after["x0"] > char["x0"]
            if char["text"] == "\u00ad" and after["text"].isalpha() and within:
                return True
    return False


def digit_widths(pages: Iterable[Any]) -> dict[str, float]:
    """Per font, the widest digit's advance as a share of the size: a digit much narrower
    is the font's superscript glyph (Typst prints calls with them, at the text's size)."""
    widths: dict[str, float] = {}
    for page in pages:
        for char in page.chars:
            if char["text"].isdigit() and char["size"] > 0 and char.get("adv"):
                share = char["adv"] / char["size"]
                widths[char["fontname"]] = max(widths.get(char["fontname"], 0.0), share)
    return widths


def raised_digits(chars: list[dict], digits: dict[str, float]) -> list[dict]:
    """The page's characters, a superscript digit glyph given the smaller size and the
    raised place it is drawn at, so that it reads as a call or a note's marker."""
    shares = [superscript_share(char, digits) for char in chars]
    read = []
    for index, (char, share) in enumerate(zip(chars, shares, strict=True)):
        beside = [chars[i] for i in (index - 1, index + 1) if 0 <= i < len(chars)]
        in_number = any(
            other["text"].isdigit()
            and superscript_share(other, digits) is None
            and abs(other["top"] - char["top"]) < 1
            for other in beside
        )  # a narrow digit in a number of full ones is the font's own, not a superscript
        if share is not None and not in_number:
            height = char["bottom"] - char["top"]
            char = {**char, "size": char["size"] * share, "bottom": char["top"] + height * share}
        read.append(char)
    return read


def superscript_share(char: dict, digits: dict[str, float]) -> float | None:
    """How much smaller a superscript digit glyph is than the font's digits, or None."""
    widest = digits.get(char["fontname"], 0.0)
    if not char["text"].isdigit() or not widest or char["size"] <= 0 or not char.get("adv"):
        return None
    share = char["adv"] / char["size"] / widest
    return share if share < 0.75 else None


def overlaps(row: list[Word], word: Word) -> bool:
    """Whether `word` stands over a word of the row: two columns' lines, not one line."""
    return any(w.x0 < word.x1 - 1 and word.x0 < w.x1 - 1 for w in row)


# -- the document's measures --------------------------------------------------------------


@dataclass
class Measures:
    """The running text's size, line pitch and, per page, its left and right edge."""

    body: float
    pitch: float
    left: dict[int, float]
    right: dict[int, float]
    justified: bool
    text_top: float

    def is_body(self, line: Line) -> bool:
        return abs(line.size - self.body) < 0.3

    def is_small(self, line: Line) -> bool:
        return line.size < self.body - 0.6

    def is_large(self, line: Line) -> bool:
        return line.size > self.body * 1.06


def measure(pages: list[list[Line]]) -> Measures:
    sizes: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    runs = {
        number: [line for line in lines if abs(line.size - body) < 0.3]
        for number, lines in enumerate(pages, 1)
    }
    # The margins of the odd pages and of the even ones (a book's rectos and versos
    # differ): the whole document's, since a page of a list or of notes says little.
    left, right = {}, {}
    for parity in (0, 1):
        lines = [line for n, page in runs.items() if n % 2 == parity for line in page]
        everywhere = [line for page in runs.values() for line in page]
        edges = (
            mode([line.x0 for line in lines or everywhere]),
            right_edge([line.x1 for line in lines or everywhere]),
        )
        for number in runs:
            if number % 2 == parity:
                left[number], right[number] = edges
    pitches = [
        round(line.top - before.top, 1)
        for page in runs.values()
        for before, line in itertools.pairwise(page)
    ]
    pitch = statistics.median([p for p in pitches if p > 0] or [body * 1.4])
    every = [(number, line) for number, page in runs.items() for line in page]
    # a full line ends at the edge, or short of it by what Typst lets a line's last
    # hyphen or stop hang into the margin
    full = sum(abs(line.x1 - right[number]) < max(1.5, 0.25 * body) for number, line in every)
    justified = bool(every) and full / len(every) > 0.55
    # where the running text starts on the pages after the first (a first page opens
    # lower, under a title): above it stand the running heads; a single page has none
    later = [page[0].top for number, page in runs.items() if number > 1 and page]
    text_top = min(later) if later else 0.0
    return Measures(body, pitch, left, right, justified, text_top)


def mode(values: Iterable[float]) -> float:
    counted = Counter(round(value, 0) for value in values)
    if not counted:
        return 0.0
    best = counted.most_common(1)[0][0]
    return min(v for v in values if round(v, 0) == best)


def right_edge(values: list[float]) -> float:
    """Where the lines end: justified, where most end; ragged, near the longest's end."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return max(mode(values), ordered[int(0.9 * (len(ordered) - 1))])


# -- furniture: running heads and folios --------------------------------------------------


def furniture(pages: list[list[Line]], measures: Measures) -> set[int]:
    """The ids of the lines that are the page's furniture, not its text."""
    repeated: Counter[tuple[int, str]] = Counter()
    for lines in pages:
        for key in {(round(line.top / 3), mask_digits(line.text)) for line in lines}:
            repeated[key] += 1
    dropped = set()
    for lines in pages:
        for index, line in enumerate(lines):
            edge = index == 0 or index == len(lines) - 1
            above = (
                line.bottom < measures.text_top - 0.3 * measures.body
                and index < 2
                and not measures.is_large(line)
            )
            seen = repeated[(round(line.top / 3), mask_digits(line.text))]
            again, everywhere = seen >= 3, seen >= max(3, 0.3 * len(pages))
            large = measures.is_large(line)
            # a bare number at the page's edge, unless it is large and not on most pages
            # (a chapter's number)
            bare = FOLIO.match(line.text) is not None and (everywhere or not large)
            again = again and not large and edge
            if (edge and bare) or above or again:
                dropped.add(id(line))
    return dropped


def mask_digits(text: str) -> str:
    return re.sub(r"\d+|\b[ivxlcdm]+\b", "#", text.lower())


# -- tokens: what a line says, with its calls, page markers and italics -------------------


@dataclass(slots=True)
class Token:
    kind: str  # word, call, page (the original's), page-margin (one in the margin), paragraph
    text: str
    italic: bool = False
    space: bool = True  # a space before it
    page: int = 0


def line_tokens(line: Line, measures: Measures) -> list[Token]:
    tokens: list[Token] = []
    before: Word | None = None
    for word in line.words:
        space = before is None or word.x0 - before.x1 > 0.12 * word.size
        raised = word.size < line.size * 0.85 and word.bottom < line.bottom - 0.8
        if raised and CALL.match(word.text):
            tokens.append(Token("call", word.text, space=False, page=line.page))
        elif word.size < line.size - 0.6 and PAGE_MARK.match(word.text):
            margin = word.x1 < measures.left.get(line.page, 0) or word.x0 > measures.right.get(
                line.page, word.x1
            )
            kind = "page-margin" if margin else "page"
            tokens.append(Token(kind, PAGE_MARK.match(word.text)[1], space=False, page=line.page))
        else:
            tokens.append(Token("word", word.text, word.italic, space, line.page))
        before = word
    return tokens


# -- the reading itself -------------------------------------------------------------------


@dataclass(slots=True)
class Para:
    """A block being read: its kind, first page, tokens and last line; an item's number
    (0 for a bullet) and where its text starts (its lines after the first start there)."""

    kind: str
    page: int
    tokens: list[Token]
    line: Line
    number: int = 0
    hang: float = 0.0


@dataclass
class Reading:
    """The state of one PDF's reading: the draft, its measures and what is still open."""

    draft: Draft
    name: str
    measures: Measures
    lang: str
    vocabulary: set[str] = field(default_factory=set)
    calls: list[Token] = field(default_factory=list)  # the text's note calls, in order
    notes: list[tuple[str, list[Token], int]] = field(default_factory=list)
    paragraphs: list[Para] = field(default_factory=list)
    title_size: float = 0.0  # a chapter's title: the text pages' largest size
    in_header: bool = False  # among the lines under a chapter's title
    soft_hyphen: bool = False  # the PDF breaks words at a line's end with U+2010 (publish)
    hyphen_named_soft: bool = False  # U+00AD printed within a line too: any hyphen (Typst)
    author_line: Line | None = None  # the header's line that named the author
    hangs: set[int] = field(default_factory=set)  # where the list items' text starts
    title_page: int = 0  # the page the title is printed on
    field_line: tuple[str, Line] | None = None  # the header's last labelled field, its line

    def where(self, page: int) -> str:
        return f"{self.name}: page {page}"


def import_file(path: Path) -> Draft:
    """The draft of the PDF at `path`."""
    try:
        pdf = pdfplumber.open(path)
    except Exception as error:  # pdfminer raises its own families for a damaged file
        raise SourceError(f"cannot read the PDF: {error}", SourceLocation(str(path))) from error
    with pdf:
        digits, named_soft = digit_widths(pdf.pages), hyphen_named_soft(pdf.pages)
        pages = [page_lines(page, n, digits) for n, page in enumerate(pdf.pages, 1)]
        metadata = {key: str(value) for key, value in (pdf.metadata or {}).items()}
        lang = pdf_lang(pdf)
    draft = Draft(source=path)
    if not any(pages):
        raise SourceError(
            "the PDF has no text to import (a scan needs OCR first)", SourceLocation(str(path))
        )
    reading = Reading(draft, path.name, measure(pages), lang)
    reading.hyphen_named_soft = named_soft
    read_pages(reading, pages, metadata)
    return draft


def pdf_lang(pdf: Any) -> str:
    value = pdf.doc.catalog.get("Lang")
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return str(value or "").strip()


def read_pages(reading: Reading, pages: list[list[Line]], metadata: dict[str, str]) -> None:
    kept = without_furniture(reading, pages)
    reading.vocabulary = vocabulary(kept)
    reading.soft_hyphen = any(line.text.endswith("\u2010") for lines in kept for line in lines)
    first_text = first_text_page(kept, reading.measures)
    for lines in kept[: first_text - 1]:
        if lines:
            shown = " / ".join(line.text for line in lines)[:70]
            where = reading.where(lines[0].page)
            reading.draft.guess(where, "dropped", f"front page: {shown}", 0.7)
    front = [line for lines in kept[: first_text - 1] for line in lines]
    body_pages = split_header(reading, front, kept[first_text - 1 :])
    reading.title_size = max((line.size for lines in body_pages for line in lines), default=0)
    for lines in body_pages:
        text, foot = split_foot(lines, reading.measures)
        read_text(reading, text)
        read_foot(reading, foot)
    read_fields(reading, metadata)
    finish(reading)


def without_furniture(reading: Reading, pages: list[list[Line]]) -> list[list[Line]]:
    """The pages without their running heads and folios, each one left out a guess."""
    dropped = furniture(pages, reading.measures)
    for lines in pages:
        for line in lines:
            if id(line) in dropped:
                what = f"running head or folio: {line.text}"
                reading.draft.guess(reading.where(line.page), "dropped", what, 0.9)
    return [[line for line in lines if id(line) not in dropped] for lines in pages]


def vocabulary(pages: list[list[Line]]) -> set[str]:
    """The document's own words, as printed whole (not those broken at a line's end)."""
    words = set()
    for lines in pages:
        for line in lines:
            found = re.findall(r"[\w\u2010-]+", line.text)
            broken = line.text.endswith(HYPHENS)
            for word in found[:-1] if broken else found:
                words.add(word.casefold().replace("\u2010", "-"))
    return words


def first_text_page(pages: list[list[Line]], measures: Measures) -> int:
    """The first page with running text: three lines (nearly) filling the measure (a
    title page, a dedication or a table of contents has none)."""
    for number, lines in enumerate(pages, 1):
        full = [
            line
            for line in lines
            if measures.is_body(line)
            and not LEADERS.search(line.text)
            and abs(line.x0 - measures.left[number]) < 1.5
            and line.x1 - line.x0 > 0.85 * (measures.right[number] - measures.left[number])
        ]
        if len(full) >= 3 or (len(full) >= 1 and number == len(pages)):
            return number
    return 1


# -- the header: title, author, date… ---------------------------------------------------


def split_header(reading: Reading, front: list[Line], pages: list[list[Line]]) -> list[list[Line]]:
    """Take the header's lines (the front pages', and those above the first text page's
    running text) into the draft's fields; the pages' other lines are returned."""
    measures = reading.measures
    first = pages[0] if pages else []
    top: list[Line] = []
    for line in first:
        opening = not top and measures.is_large(line)  # a title set flush left
        if not (opening or centred(line, measures)):
            break
        top.append(line)
    if front:
        # A book: the front pages hold the book's header; the first text page's own
        # header (a chapter's title and byline) stays in the text.
        read_header(reading, front)
        return pages
    read_header(reading, top)
    return [[line for line in first if line not in top], *pages[1:]]


def centred(line: Line, measures: Measures) -> bool:
    left = line.x0 - measures.left[line.page]
    right = measures.right[line.page] - line.x1
    # a ragged text's right edge is only roughly known
    tolerance = 3 if measures.justified else measures.body
    return left > measures.body and abs(left - right) < tolerance


def read_header(reading: Reading, lines: list[Line]) -> None:
    if not lines:
        return
    draft, where = reading.draft, reading.where(lines[0].page)
    largest = max(line.size for line in lines)
    first = next(index for index, line in enumerate(lines) if line.size == largest)
    title = [lines[first]]
    for line in lines[first + 1 :]:
        if line.size != largest or line.page != title[-1].page:
            break
        title.append(line)
    draft.fields.setdefault("title", " ".join(line.text for line in title))
    reading.title_page = title[0].page
    draft.guess(where, "field", f"title = {draft.fields['title']} (the largest text)", 0.85)
    for line in lines[first + len(title) :]:
        if line.text == draft.fields["title"]:
            continue
        read_header_line(reading, line, before_author="author" not in draft.fields)
    years = [int(year) for line in lines for year in YEAR.findall(line.text)]
    if "date" not in draft.fields and years:
        draft.fields["date"] = str(max(years))
        draft.guess(
            where, "field", f"date = {max(years)} (the latest year on the front pages)", 0.5
        )


YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")


def read_header_line(reading: Reading, line: Line, before_author: bool) -> None:
    draft, where, text = reading.draft, reading.where(line.page), line.text
    labelled = labelled_field(text, reading)
    date = parse_date(text)
    field_line, reading.field_line = reading.field_line, None
    if labelled:
        key, value = labelled
        if key == "source":  # Markdown in publish's header: its italics kept, escaped
            value = inline(line).split(":", 1)[-1].strip()
        if key not in draft.fields:
            draft.fields[key] = value
            reading.field_line = (key, line)
        draft.guess(where, "field", f"{key} = {value} (after its label)", 0.9)
    elif field_line and runs_on(field_line[1], line, reading.measures):
        key = field_line[0]
        draft.fields[key] = f"{draft.fields[key]} {inline(line) if key == 'source' else text}"
        reading.field_line = (key, line)
        draft.guess(where, "field", f"{key} goes on: {text}", 0.85)
    elif date and len(text) < 40:
        draft.fields.setdefault("date", date)
        draft.guess(where, "field", f"date = {date} (from “{text}”)", 0.9)
    elif EMAIL.search(text) and len(text.split()) <= 3:
        draft.fields.setdefault("contact", EMAIL.search(text)[0])
        draft.guess(where, "field", f"contact = {EMAIL.search(text)[0]}", 0.9)
    elif reading.author_line and more_authors(reading.author_line, line):
        authors = draft.fields["author"]
        draft.fields["author"] = [*(authors if isinstance(authors, list) else [authors]), text]
        reading.author_line = line
        draft.guess(where, "field", f"author + {text} (a name under the author's)", 0.75)
    elif before_author and not line.italic and NAME.match(text.split(",")[0].strip()):
        reading.author_line = line
        draft.fields["author"] = split_authors(text)
        draft.guess(where, "field", f"author = {text} (the line under the title)", 0.8)
    elif line.italic and "subtitle" not in draft.fields and "author" not in draft.fields:
        draft.fields["subtitle"] = text
        draft.guess(where, "field", f"subtitle = {text} (in italics under the title)", 0.7)
    elif (
        "date" in draft.fields
        and line.size < reading.measures.body
        and line.page == reading.title_page
    ):
        earlier = draft.fields.get("source")
        draft.fields["source"] = f"{earlier} {inline(line)}" if earlier else inline(line)
        draft.guess(where, "field", f"source: {text} (small print under the date)", 0.6)
    elif line.page == reading.title_page:  # the front pages are reported whole
        draft.guess(where, "dropped", f"a header line: {text}", 0.5)


def runs_on(before: Line, line: Line, measures: Measures) -> bool:
    """Whether `line` goes on with `before`: the next line, in the same size and style."""
    same = abs(before.size - line.size) < 0.1 and before.italic == line.italic
    close = line.page == before.page and line.top - before.bottom < measures.pitch
    return same and close


def more_authors(author: Line, line: Line) -> bool:
    """Whether `line` names one more author, under the author's line: a name alone in
    the same size and style."""
    same = abs(author.size - line.size) < 0.1 and author.italic == line.italic
    return same and line.page == author.page and NAME.match(line.text) is not None


def inline(line: Line) -> str:
    """A line's text as Markdown, its italics kept (a header field's value)."""
    tokens = line_tokens(line, Measures(line.size, line.size, {}, {}, False, 0))
    return render(tokens, {})


def split_authors(text: str) -> str | list[str]:
    parts = [part.strip() for part in re.split(r",\s*|\s+(?:and|y|et|und|&)\s+", text)]
    if len(parts) > 1 and all(NAME.match(part) for part in parts):
        return parts
    return text


def label_words(lang: str) -> dict[str, str]:
    """The labels publish prints before a header field, in the document's language and
    the others it knows: `Fuente` → source."""
    found = {}
    for code in dict.fromkeys([lang.split("-")[0], *LANGS]):
        labels = labels_for(code)
        for key in ("source", "contact", "translator", "editor", "rights", "publisher", "date"):
            found.setdefault(labels[key].casefold(), key)
    return found


def labelled_field(text: str, reading: Reading, colon: bool = False) -> tuple[str, str] | None:
    """A header field printed after its label (`Fuente: …`, `Translated by …`); with
    `colon`, only a label followed by a colon (a note may say "Translated by")."""
    known = label_words(reading.lang or "en")
    for label, key in sorted(known.items(), key=lambda item: -len(item[0])):
        match = re.match(rf"{re.escape(label)}\s*:?\s+(.+)$", text, re.I)
        if match and (
            text[len(label) : len(label) + 1] == ":" or (key == "translator" and not colon)
        ):
            value = match[1].strip()
            return key, parse_date(value) if key == "date" else value
    return None


def parse_date(text: str) -> str:
    """A date as YYYY-MM-DD from `12 de febrero de 1936`, `February 12, 1936`, `12 février
    1936`, `12. Februar 1936` or `1936-02-12`; "" when the text holds none."""
    found = find_date(text)
    return found.iso if found else ""


def read_fields(reading: Reading, metadata: dict[str, str]) -> None:
    """The PDF's metadata checks the fields found on the page (or stands in for them)."""
    draft, where = reading.draft, f"{reading.name}: metadata"
    for key, name in (("title", "Title"), ("author", "Author")):
        value = metadata.get(name, "").strip()
        if not value:
            continue
        printed = draft.fields.get(key)
        shown = ", ".join(printed) if isinstance(printed, list) else printed
        if shown == value:
            draft.guess(where, "field", f"{key} = {value} (the page and the metadata agree)", 0.97)
        elif printed is None or key == "title":
            draft.fields[key] = split_authors(value) if key == "author" else value
            draft.guess(where, "field", f"{key} = {value} (from the PDF's metadata)", 0.8)
    if reading.lang:
        draft.fields.setdefault("lang", reading.lang)
    order = ("title", "subtitle", "author", "translator", "date", "lang", "notes-by")
    draft.fields = {
        **{key: draft.fields[key] for key in order if key in draft.fields},
        **{key: value for key, value in draft.fields.items() if key not in order},
    }


# -- the running text ---------------------------------------------------------------------


def split_foot(lines: list[Line], measures: Measures) -> tuple[list[Line], list[Line]]:
    """The page's text and the small lines at its foot, below the text (notes, colophon)."""
    index = len(lines)
    while (
        index > 0
        and measures.is_small(lines[index - 1])
        and not LEADERS.search(lines[index - 1].text)
    ):
        index -= 1
    if index == len(lines):
        return lines, []
    if index == 0:
        return [], lines  # a page of small print alone: the colophon at a text's end
    gap = lines[index].top - lines[index - 1].bottom
    if gap < measures.pitch and not lines[index].ruled - measures.body * 0.5:
        return lines, []  # the small lines run on from the text: a quotation, not a foot
    return lines[:index], lines[index:]


def block_kind(lines: list[Line], index: int, measures: Measures) -> str:
    line = lines[index]
    if LEADERS.search(line.text):
        return "contents"
    if measures.is_large(line) or (line.bold and measures.is_body(line)):
        return "heading"
    if line.size < measures.body - 0.2:
        return "quote"  # a smaller size within the text
    if indented(line, measures):
        # a block indented on both sides; a first-line indent alone is a paragraph's
        near = [lines[i] for i in (index - 1, index + 1) if 0 <= i < len(lines)]
        if any(indented(other, measures) and abs(other.x0 - line.x0) < 1 for other in near):
            return "quote"
    return "paragraph"


def indented(line: Line, measures: Measures) -> bool:
    left = line.x0 - measures.left[line.page]
    right = measures.right[line.page] - line.x1
    return left > measures.body * 0.9 and right > measures.body * 0.9  # Typst's quote: 1em


def read_text(reading: Reading, lines: list[Line]) -> None:
    for index, line in enumerate(lines):
        kind = block_kind(lines, index, reading.measures)
        if kind == "contents":
            reading.draft.guess(reading.where(line.page), "dropped", f"contents: {line.text}", 0.85)
            continue
        if chapter_header(reading, line, kind):
            continue
        tokens = line_tokens(line, reading.measures)
        reading.calls += [token for token in tokens if token.kind == "call"]
        page_marker_guesses(reading, line, tokens)
        after = lines[index + 1] if index + 1 < len(lines) else None
        add_line(reading, line, kind, tokens, after)


def add_line(
    reading: Reading, line: Line, kind: str, tokens: list[Token], after: Line | None
) -> None:
    """The line as a new block, or run on in the block before it."""
    last = reading.paragraphs[-1] if reading.paragraphs else None
    item = list_item(line, kind, reading.measures, after, reading.hangs)
    if item is not None:
        number, hang = item
        reading.hangs.add(round(hang))
        reading.paragraphs.append(Para("item", line.page, tokens[1:], line, number, hang))
    elif (
        last and last.kind == "item" and kind != "heading" and abs(line.x0 - last.hang) < 1.5
    ) or (last and last.kind == kind and continues(last.line, line, kind, reading.measures)):
        join_tokens(reading, last.tokens, tokens, line.page)
        last.line = line
    else:
        reading.paragraphs.append(Para(kind, line.page, tokens, line))


def page_marker_guesses(reading: Reading, line: Line, tokens: list[Token]) -> None:
    for token in tokens:
        if token.kind == "page-margin":
            what = f"{{pag={token.text}}} in the margin: put where its line begins or ends"
            reading.draft.guess(reading.where(line.page), "page", what, 0.6)
        elif token.kind == "page":
            what = f"{{pag={token.text}}} where [{token.text}] stands in the line"
            reading.draft.guess(reading.where(line.page), "page", what, 0.95)


ITEM = re.compile(r"^(?:(\d{1,3})[.)]|[•·▪◦–—-])$")


def list_item(
    line: Line, kind: str, measures: Measures, after: Line | None, hangs: set[int]
) -> tuple[int, float] | None:
    """A list item's number (0 for a bullet) and where its text starts, when `line` opens
    with a marker standing apart from the words after it, the next line hangs under its
    text, or an item before it had its text start there too."""
    if kind not in ("paragraph", "quote") or len(line.words) < 2:
        return None
    marker, first = line.words[0], line.words[1]
    match = ITEM.match(marker.text)
    hanging = after is not None and after.page == line.page and abs(after.x0 - first.x0) < 1
    listed = round(first.x0) in hangs
    apart = first.x0 - marker.x1 >= 0.25 * line.size
    if match is None or not (apart or hanging or listed):
        return None
    bullet = match[1] is None and marker.text not in "–—-"  # not a dialogue's dash
    if first.x0 - measures.left[line.page] < line.size and not bullet:
        return None  # a paragraph opening with a number, not a hanging list
    return int(match[1] or 0), first.x0


def chapter_header(reading: Reading, line: Line, kind: str) -> bool:
    """Whether `line` is a centred line of a chapter's header (its author, date, source),
    under its title, in a book: left out, the book's header standing for them."""
    last = reading.paragraphs[-1] if reading.paragraphs else None
    under_title = last and last.kind == "heading" and last.line.size >= reading.title_size - 0.1
    if not (under_title or reading.in_header) or not centred(line, reading.measures):
        reading.in_header = False
        return False
    if kind == "heading" and line.size >= reading.title_size - 0.1:
        return False
    reading.in_header = True
    reading.draft.guess(
        reading.where(line.page), "dropped", f"a chapter's header: {line.text}", 0.6
    )
    return True


def continues(before: Line, line: Line, kind: str, measures: Measures) -> bool:
    """Whether `line` goes on with the block `before` ended."""
    if kind == "heading":
        return (
            before.page == line.page
            and abs(before.size - line.size) < 0.2
            and line.top - before.bottom < line.size
        )
    size = line.size
    left = measures.left[line.page] + (measures.body * 1.1 if kind == "quote" else 0)
    if line.x0 - left > size * 0.5:
        return False  # a first-line indent
    if before.page == line.page and line.top - before.top > measures.pitch * 1.45:
        return False
    short = measures.right[before.page] - before.x1 > size * 2
    if measures.justified and short:
        return False  # a justified text's short line ends its paragraph
    width = measures.right[before.page] - measures.left[before.page]
    # ragged text over a page break: a line much shorter than the measure ended it
    return before.page == line.page or before.x1 - measures.left[before.page] > 0.8 * width


def join_tokens(reading: Reading, tokens: list[Token], more: list[Token], page: int) -> None:
    """Run `more` (the next line) on after `tokens`, undoing a hyphen at the line's end."""
    if not more:
        return
    # a page marker in the margin (a verso's left, a recto's right) beside a word broken
    # at the line's end goes after the word made whole
    margin = []
    while tokens and tokens[-1].kind == "page-margin":
        margin.insert(0, tokens.pop())
    while more and more[0].kind == "page-margin":
        margin.append(more.pop(0))
    last, first = tokens[-1] if tokens else None, more[0] if more else None
    broken = last and last.kind == "word" and last.text.endswith(HYPHENS)
    repeated = broken and first and first.kind == "word" and first.text[:1] in HYPHENS
    if repeated and len(first.text) > 1:
        # the hyphen printed again at the next line's start (Spanish, Portuguese, Polish
        # and Czech usage, which Typst follows): the word's own hyphen, kept once
        last.text, first.text, first.space = last.text[:-1] + "-", first.text[1:], False
        what = f"{last.text}{first.text} (the hyphen repeated at the line's start)"
        reading.draft.guess(reading.where(page), "kept-hyphen", what, 0.95)
    elif broken and first and first.kind == "word":
        if rejoin(reading, last.text, first.text, page):
            last.text = last.text[:-1]
        else:
            last.text = last.text[:-1] + "-"
        first.space = False
        more = [first, *margin, *more[1:]]
    else:
        more = [*margin, *more]
    tokens.extend(more)


def rejoin(reading: Reading, head: str, tail: str, page: int) -> bool:
    """`head` + `tail` as one word when the hyphen at the line's end only broke it there
    (the joined word is the document's, or a dictionary's hyphenation point); False when
    the hyphen is the word's own (`bolchevique-leninistas`)."""
    hyphen, stem = head[-1], head[:-1]
    word_head = re.findall(r"[\w'’]+$", stem)
    word_tail = re.findall(r"^[\w'’]+", tail)
    if not word_head or not word_tail:
        return False
    joined, kept = (
        (word_head[0] + word_tail[0]).casefold(),
        f"{word_head[0]}-{word_tail[0]}".casefold(),
    )
    where, shown = reading.where(page), f"{head}{tail}"
    if joined in reading.vocabulary and kept not in reading.vocabulary:
        reading.draft.guess(
            where, "rejoined", f"{shown} → {stem}{tail} (the text's own word)", 0.97
        )
        return True
    if kept in reading.vocabulary and joined not in reading.vocabulary:
        reading.draft.guess(where, "kept-hyphen", f"{shown} → {stem}-{tail} (as elsewhere)", 0.9)
        return False
    if hyphen == "-" and (reading.soft_hyphen or not reading.measures.justified):
        # publish breaks words with ‐, and a ragged text is seldom hyphenated: this "-"
        # is the word's own
        what = f"{shown} → {stem}-{tail} (the text's words are not broken with -)"
        reading.draft.guess(where, "kept-hyphen", what, 0.9)
        return False
    if word_tail[0][0].isupper() and word_head[0][-1].islower():
        # no word is broken before a capital: a compound's own hyphen (`Social-Democrats`,
        # which Typst may print with the glyph it named a soft hyphen)
        what = f"{shown} → {stem}-{tail} (a capital after the hyphen)"
        reading.draft.guess(where, "kept-hyphen", what, 0.85)
        return False
    if hyphen == "\u2010" or (hyphen == "\u00ad" and not reading.hyphen_named_soft):
        reading.draft.guess(
            where, "rejoined", f"{shown} → {stem}{tail} (a typesetter's hyphen)", 0.9
        )
        return True
    if is_hyphenation_point(word_head[0], word_tail[0], reading.lang or "en"):
        reading.draft.guess(
            where, "rejoined", f"{shown} → {stem}{tail} (a hyphenation point)", 0.75
        )
        return True
    reading.draft.guess(
        where, "kept-hyphen", f"{shown} → {stem}-{tail} (not a break of the word)", 0.6
    )
    return False


# -- the foot: notes and colophon ---------------------------------------------------------


def read_foot(reading: Reading, lines: list[Line]) -> None:
    for line in lines:
        tokens = line_tokens(line, reading.measures)
        # the note's marker: «1.» on the line, or a raised «¹» (as LaTeX prints it)
        opening = tokens[0] if tokens and tokens[0].kind in ("word", "call") else None
        marker = MARKER.match(opening.text) if opening else None
        labelled = labelled_field(line.text, reading, colon=True)
        if labelled and not marker:
            key, value = labelled
            value = inline(line).split(":", 1)[-1].strip() if key == "source" else value
            reading.draft.fields.setdefault(key, value)
            reading.draft.guess(reading.where(line.page), "field", f"{key} = {value}", 0.85)
            reading.notes.append(("field:" + key, [], line.page))
        elif marker and starts_note(reading, marker[1], line):
            reading.notes.append((marker[1], tokens[1:], line.page))
        elif reading.notes:
            label, note_tokens, page = reading.notes[-1]
            if label.startswith("field:"):
                key = label[len("field:") :]
                more = inline(line) if key == "source" else line.text
                reading.draft.fields[key] = f"{reading.draft.fields[key]} {more}"
            else:
                join_tokens(reading, note_tokens, tokens, line.page)
                if page != line.page:
                    reading.draft.guess(
                        reading.where(line.page),
                        "note",
                        f"note {label} continued from page {page}",
                        0.85,
                    )
                    reading.notes[-1] = (label, note_tokens, line.page)
        else:
            reading.paragraphs.append(Para("paragraph", line.page, tokens, line))
            reading.draft.guess(
                reading.where(line.page), "dropped", f"small print: {line.text}", 0.5
            )


def starts_note(reading: Reading, marker: str, line: Line) -> bool:
    pending = {call.text for call in reading.calls}
    return marker in pending or not reading.notes or next_number(reading.notes[-1][0], marker)


def next_number(label: str, marker: str) -> bool:
    """Whether `marker` numbers the note after `label`'s: a note whose call has moved to
    the next page (Typst may leave a long note's start on the page before its call)."""
    return label.isdigit() and marker.isdigit() and int(marker) == int(label) + 1


# -- the draft: blocks, notes matched to their calls ---------------------------------------


def finish(reading: Reading) -> None:
    draft = reading.draft
    endnotes(reading)
    labels = match_notes(reading)
    notes = [
        (label, tokens, page)
        for label, tokens, page in reading.notes
        if not label.startswith("field:")
    ]
    series = [note_series(reading, tokens) for _, tokens, _ in notes]
    shared = series[0] if series and all(s == series[0] for s in series) else None
    if shared:
        draft.fields["notes-by"] = shared
        if all(label.isdigit() for label, _, _ in notes):
            draft.fields["note-marks"] = {shared: "arabic"}
        draft.guess(reading.name, "field", f"notes-by = {shared} (the label after each note)", 0.85)
    for (label, tokens, page), whose in zip(notes, series, strict=True):
        key = labels.get(id(tokens))
        if key is None:
            draft.guess(reading.where(page), "note", f"note {label} has no call in the text", 0.3)
            key = unique_label(label, {note.label for note in draft.notes})
        paragraphs = [render(part, labels) for part in split_paragraphs(tokens)]
        if whose and not shared:
            paragraphs[0] = f"{{.{whose}}} {paragraphs[0]}"
        draft.notes.append(Note(key, tuple(paragraphs)))
    levels = heading_levels(reading)
    for para in reading.paragraphs:
        text = render(para.tokens, labels)
        if not text:
            continue
        if para.kind == "heading":
            level = levels[para.line.size]
            if all(token.italic for token in para.tokens if token.kind == "word"):
                text = render([replace(t, italic=False) for t in para.tokens], labels)
            draft.blocks.append(Block("heading", text, level))
            draft.guess(reading.where(para.page), "heading", f"heading {level}: {text}", 0.8)
        else:
            draft.blocks.append(_block(para, text))


def _block(para: Para, text: str) -> Block:
    """A paragraph, a quotation, or a list's item: numbered with its number, or a bullet."""
    if para.kind != "item":
        return Block(para.kind, text)
    return Block("numbered", text, 1, para.number) if para.number else Block("item", text, 1)


def endnotes(reading: Reading) -> None:
    """Notes printed after the text (a numbered list at its end, as a browser prints a web
    page's): the last items whose numbers are calls with no note at a page's foot, with
    the indented paragraphs and quotations under each."""
    noted = Counter(label for label, _, _ in reading.notes)
    open_calls = Counter(call.text for call in reading.calls) - noted
    items: list[tuple[Para, list[Para]]] = []
    under: list[Para] = []
    for para in reversed(reading.paragraphs):
        if para.kind == "item" and str(para.number) in open_calls:
            items.insert(0, (para, under))
            under = []
        elif para.kind in ("paragraph", "quote") and indented_block(para, reading.measures):
            under.insert(0, para)
        else:
            break
    if not items:
        return
    del reading.paragraphs[-sum(1 + len(more) for _, more in items) :]
    for para, more in items:
        tokens = list(para.tokens)
        for block in more:
            words = [t for t in block.tokens if t.kind != "word" or t.text.strip("↩\ufe0e")]
            if words:
                tokens += [Token("paragraph", ""), *words]
        while tokens and tokens[-1].kind == "word" and tokens[-1].text.strip("↩\ufe0e") == "":
            tokens.pop()
        if tokens and tokens[-1].kind == "word":
            tokens[-1].text = tokens[-1].text.rstrip("↩\ufe0e")
        while tokens and tokens[-1].kind == "paragraph":
            tokens.pop()  # a back-link alone under a note's last quotation
        reading.notes.append((str(para.number), tokens, para.page))
    what = f"{len(items)} notes after the text (a numbered list with the calls' numbers)"
    reading.draft.guess(reading.where(items[0][0].page), "note", what, 0.8)
    last = reading.paragraphs[-1] if reading.paragraphs else None
    if last and last.kind == "heading" and len(last.tokens) <= 2:
        reading.paragraphs.pop()  # their heading, "Notes"


def indented_block(para: Para, measures: Measures) -> bool:
    """Whether a block's lines all stand in from the margin (a list item's paragraph)."""
    return para.line.x0 - measures.left[para.line.page] > measures.body * 0.5


def split_paragraphs(tokens: list[Token]) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    for token in tokens:
        if token.kind == "paragraph":
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def note_series(reading: Reading, tokens: list[Token]) -> str:
    """Whose a note is, by the label publish prints after a translator's or an editor's
    note (`— N. del E.`), which is taken off; "" for the author's."""
    text = " ".join(token.text for token in tokens)
    for code in dict.fromkeys([reading.lang.split("-")[0] or "en", *LANGS]):
        labels = labels_for(code)
        for series in ("editor", "translator"):
            suffix = labels[f"note_{series}"]
            if text.endswith(suffix):
                drop_words(tokens, suffix)
                return series
    return ""


def drop_words(tokens: list[Token], suffix: str) -> None:
    """Take the words of `suffix`, and the dash before them, off the tokens' end."""
    remaining = len(suffix.split())
    while tokens and remaining:
        tokens.pop()
        remaining -= 1
    while tokens and tokens[-1].kind == "word" and tokens[-1].text in "—–-":
        tokens.pop()


def heading_levels(reading: Reading) -> dict[float, int]:
    sizes = sorted({para.line.size for para in reading.paragraphs if para.kind == "heading"})
    title = reading.draft.fields.get("title")
    first = 2 if title and not any(size > 16 for size in sizes) else 1
    return {size: first + index for index, size in enumerate(reversed(sizes))}


def match_notes(reading: Reading) -> dict[Any, str]:
    """Each note matched to the first call before it with its marker: the call's token
    and the note's tokens get one label, unique in the draft."""
    labels: dict[Any, str] = {}
    used: set[str] = set()
    calls = list(reading.calls)
    for label, tokens, page in reading.notes:
        if label.startswith("field:"):
            continue
        call = next((c for c in calls if c.text == label and c.page <= page), None)
        if call is None:
            continue
        calls.remove(call)
        key = unique_label(label, used)
        used.add(key)
        labels[id(call)] = labels[id(tokens)] = key
        sure = 0.95 if call.page == page else 0.8
        reading.draft.guess(
            reading.where(page), "note", f"note {label} → the call on page {call.page}", sure
        )
    for call in calls:
        reading.draft.guess(
            reading.where(call.page), "note", f"call {call.text} has no note: kept raised", 0.4
        )
    return labels


def unique_label(label: str, used: set[str]) -> str:
    key, number = label if label.isalnum() else "n", 2
    key = key if key not in used else f"{key}-{number}"
    while key in used:
        number += 1
        key = f"{label}-{number}"
    return key


def render(tokens: Sequence[Token], labels: dict[Any, str]) -> str:
    """Tokens as Markdown inline text: italics as `*…*`, calls as `[^label]`, a page of
    the original as `{pag=N}`."""
    out: list[str] = []
    for italic, run in runs(tokens):
        for index, token in enumerate(run):
            space = " " if token.space and out else ""
            if token.kind == "call":
                label = labels.get(id(token))
                out.append(f"[^{label}]" if label else f"^{escape(token.text)}^")
            elif token.kind.startswith("page"):
                out.append(f"{{pag={token.text}}}")
            else:
                text = escape(token.text) if not out else escape("x" + token.text)[1:]
                emphasised = italic and re.search(r"\w", "".join(t.text for t in run))
                if emphasised and index == 0:
                    text = "*" + text
                if emphasised and index == len(run) - 1:
                    text += "*"
                out.append(space + text)
    return "".join(out).strip()


def runs(tokens: Sequence[Token]) -> Iterator[tuple[bool, list[Token]]]:
    """The tokens in runs of one style; a call or a page marker closes an italic run."""
    run: list[Token] = []
    style = None
    for token in tokens:
        current = token.italic if token.kind == "word" else None
        if run and current != style:
            yield bool(style), run
            run = []
        run.append(token)
        style = current
    if run:
        yield bool(style), run
