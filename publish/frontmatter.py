"""The YAML front matter of a document, checked key by key with the line of each key."""

from __future__ import annotations

import datetime
import difflib
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError

from publish import model as m
from publish import note_series
from publish.errors import (
    PublishError,
    SourceError,
    SourceLocation,
    SourceWarning,
    problems,
    raise_problems,
)
from publish.settings import SETTING_KEYS, check_setting

# Pandoc's names. Each maps to how its value is read.
TEXT_KEYS = ("title", "subtitle", "publisher", "contact", "rights", "description", "identifier")
BOOK_KEYS = ("series", "volume")  # text keys only a book.yaml has
# The copyright page's own (Pandoc has no names for them): key → Metadata field.
IMPRINT_KEYS = {"edition": "edition", "printer": "printer", "publisher-place": "place"}
ISBN_KEYS = {"isbn": "isbn", "ebook-isbn": "ebook_isbn"}  # the print book's, the EPUB's
PATH_KEYS = {"cover-image": "cover_image"}
PEOPLE_KEYS = {"author": "authors", "translator": "translators", "editor": "editors"}
SUBJECT_KEYS = ("subject", "keywords")  # both become the subjects
CONTENTS_KEYS = ("toc", "toc-depth", "toc-title")
OTHER_KEYS = ("date", "lang", "source", "abstract", "abstract-title", "dedication", "epigraph")
FURNITURE_KEYS = ("front-matter", "role")  # how much furniture; a document's place in a book
CITATION_KEYS = ("bibliography", "csl")  # the works cited (.bib, .json) and their CSL style
FRONT_MATTER_KINDS = ("full", "compact")
# Note series (publish.note_series): key → (Metadata field, reader).
NOTE_KEYS = {
    "notes-by": ("notes_by", note_series.read_notes_by),
    "note-marks": ("note_marks", note_series.read_note_marks),
    "note-labels": ("note_labels", note_series.read_note_labels),
    "note-place": ("note_place", note_series.read_note_place),
    "note-order": ("note_order", note_series.read_note_order),
}
KNOWN_KEYS = frozenset(
    (*TEXT_KEYS, *PEOPLE_KEYS, *SUBJECT_KEYS, *PATH_KEYS, *CONTENTS_KEYS, *OTHER_KEYS)
) | {*IMPRINT_KEYS, *ISBN_KEYS, *FURNITURE_KEYS, *NOTE_KEYS, *CITATION_KEYS}

_EXACT_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


# Limits on a header, checked while it is read and before anything is built from it: a
# few hundred bytes of YAML aliases can otherwise stand for gigabytes ("billion laughs"),
# a deep nesting exhausts Python's stack, and each value costs time to read (PyYAML's safe
# loader is pure Python: 10,000 values take under a second).
MAX_HEADER_CHARS = 1024 * 1024  # the YAML text
MAX_YAML_DEPTH = 64  # nested lists and mappings
MAX_YAML_ALIASES = 1000  # `*name` references
MAX_YAML_NODES = 10_000  # values, keys, lists and mappings: a header has hundreds
MAX_YAML_WEIGHT = 2 * MAX_HEADER_CHARS  # the characters and nodes it stands for, aliases expanded
_NULL_TAG = "tag:yaml.org,2002:null"

# What XML 1.0 cannot carry or what is no text at all: C0 controls other than tab and line
# ends, DEL and C1 controls, surrogates and noncharacters.
_NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)


def character_problem(text: str) -> tuple[int, str] | None:
    """The offset of the first character that is not allowed in text, and what is wrong
    with it (`U+000C (a control character) is not allowed in text`); None when all is well."""
    found = _NOT_TEXT.search(text)
    if found is None:
        return None
    code = ord(found[0])
    if 0xD800 <= code <= 0xDFFF:
        kind = "a lone surrogate"
    elif code <= 0x9F:
        kind = "a control character"
    else:
        kind = "a noncharacter"
    return found.start(), f"U+{code:04X} ({kind}) is not allowed in text"


class _Loader(yaml.SafeLoader):
    """Safe YAML where dates stay text (`_date` checks them and names the line if wrong),
    with limits on depth, aliases and the size the aliases stand for."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.aliases = 0
        self.nodes = 0
        self.weights: dict[int, int] = {}  # id(node) → its size, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                self._refuse(f"more than {MAX_YAML_ALIASES} aliases (*name)", event)
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self.weights:
                self._refuse(f"the alias *{event.anchor} refers to itself", event)
            return super().compose_node(parent, index)
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            self._refuse(f"more than {MAX_YAML_NODES:,} keys and values", event)
        self.depth += 1
        if self.depth > MAX_YAML_DEPTH:
            self._refuse(f"lists and mappings nested more than {MAX_YAML_DEPTH} deep", event)
        node = super().compose_node(parent, index)
        self.depth -= 1
        self.weights[id(node)] = weight = self._weight(node)
        if weight > MAX_YAML_WEIGHT:
            self._refuse(
                "its aliases stand for more than "
                f"{MAX_YAML_WEIGHT // 2**20} MB of text (an alias bomb?)",
                event,
            )
        return node

    def _weight(self, node: yaml.Node) -> int:
        if isinstance(node, yaml.ScalarNode):
            return 1 + len(node.value)
        children = (
            node.value
            if isinstance(node, yaml.SequenceNode)
            else [child for pair in node.value for child in pair]
        )
        return 1 + sum(self.weights.get(id(child), 1) for child in children)

    @staticmethod
    def _refuse(problem: str, event: yaml.Event) -> None:
        raise _BeyondLimits(None, None, problem, event.start_mark)


class _BeyondLimits(yaml.MarkedYAMLError):
    """YAML that is valid but more than a header may be."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def compose_yaml(text: str, shown: str, first_line: int, kind: str) -> yaml.Node | None:
    """The YAML's node tree (which knows its lines), read within the limits, or a
    SourceError naming the line."""
    loader = _composer(text, shown, first_line, kind)
    try:
        return _marked(loader.get_single_node, shown, first_line, kind)
    finally:
        loader.dispose()


def _composer(text: str, shown: str, first_line: int, kind: str) -> _Loader:
    """A loader for `text`, once its size and its characters are known to be right."""
    if len(text) > MAX_HEADER_CHARS:
        raise SourceError(
            f"the {kind} is {len(text) / 2**20:.1f} MB; it may be at most "
            f"{MAX_HEADER_CHARS // 2**20} MB",
            SourceLocation(shown, first_line),
        )
    problem = character_problem(text)
    if problem is not None:
        offset, message = problem
        raise SourceError(message, SourceLocation(shown, first_line + text.count("\n", 0, offset)))
    return _Loader(text)


def _marked(read: Callable[..., Any], shown: str, first_line: int, kind: str, *args: Any) -> Any:
    """`read(*args)`, with a YAML error told as a SourceError at its line."""
    try:
        return read(*args)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        beyond = isinstance(exc, _BeyondLimits)
        what = f"the {kind} cannot be read" if beyond else f"invalid YAML in the {kind}"
        raise SourceError(f"{what}: {exc.problem}", SourceLocation(shown, line)) from None
    except yaml.YAMLError as exc:  # the reader's, which has no mark
        raise SourceError(
            f"invalid YAML in the {kind}: {exc}", SourceLocation(shown, first_line)
        ) from None


InlineParser = Callable[[str, int, str], tuple[m.Inline, ...]]  # text, line, lang


@dataclass(frozen=True)
class Header:
    """What a header block holds: the metadata, the settings it overrides, and the list of
    documents (a book.yaml's, each with its line)."""

    meta: m.Metadata
    settings: dict[str, str]
    documents: tuple[tuple[str, SourceLocation], ...] = ()


class _Problems:
    """The problems of one header, gathered so that one run reports them all."""

    def __init__(self) -> None:
        self.found: list[PublishError] = []

    def read(self, reader: Callable[..., Any], *args: Any) -> Any:
        """`reader(*args)`, or None when it finds a problem (which is kept)."""
        try:
            return reader(*args)
        except PublishError as exc:
            self.found.extend(problems(exc))
        return None

    def raise_any(self) -> None:
        raise_problems(sorted(self.found, key=lambda e: e.location.line if e.location else 0))


def parse_front_matter(
    text: str,
    shown: str,
    warn: Callable[[SourceWarning], None],
    parse_inline: InlineParser,
    *,
    first_line: int = 2,
    book: bool = False,
) -> Header:
    """Read a header: a document's front matter (its first line is line 2 of the file, after
    `---`) or a whole book.yaml (`first_line=1, book=True`).

    Every key is checked; all the problems found are raised together, as one SourceErrors.
    """
    kind = "book header" if book else "front matter"
    values, nodes = _load_yaml(text, shown, first_line, kind)
    where = {
        key: SourceLocation(shown, key_node.start_mark.line + first_line)
        for key, (key_node, _) in nodes.items()
    }
    start = SourceLocation(shown, first_line)
    known = KNOWN_KEYS | {*BOOK_KEYS, "documents"} if book else KNOWN_KEYS
    problems = _Problems()
    settings = {}
    for key in sorted(values.keys() - known, key=lambda k: where[k].line):
        name = key.replace("-", "_")
        if name in SETTING_KEYS:
            setting = problems.read(check_setting, name, values[key], where[key])
            if setting is not None:
                settings[name] = setting
        else:
            warn(SourceWarning(_unknown_key(key, known, kind), where[key]))
    title = values.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        message = f"the {kind} needs a non-empty 'title'"
        problems.found.append(SourceError(message, where.get("title", start)))
        values.pop("title", None)
    fields = _metadata_fields(values, where, start, parse_inline, problems)
    documents = ()
    if book:
        where_documents = where.get("documents", start)
        documents = problems.read(_documents, values.get("documents"), nodes, where_documents)
    problems.raise_any()
    fields.setdefault("front_matter", "full" if book else "compact")
    if fields.get("ebook_isbn"):  # the EPUB's unique identifier, before any other
        fields["identifier"] = f"urn:isbn:{isbn_digits(fields['ebook_isbn'])}"
    elif not (fields.get("identifier") or "").strip():  # blank is no identifier (EPUBCheck)
        fields["identifier"] = _derived_identifier(fields)
    return Header(m.Metadata(**fields), settings, documents)


def _unknown_key(key: str, known: frozenset[str], kind: str) -> str:
    """The warning for a key nobody reads, with the nearest known one if it is a typo."""
    candidates = sorted(known | {name.replace("_", "-") for name in SETTING_KEYS})
    close = difflib.get_close_matches(key, candidates, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown {kind} key '{key}' is ignored{hint}"


def _documents(
    items: Any, nodes: dict[str, tuple[yaml.Node, yaml.Node]], where: SourceLocation
) -> tuple[tuple[str, SourceLocation], ...]:
    """A book's ordered list of document files, each with the line that names it."""
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise SourceError("'documents' must list the book's Markdown files, in order", where)
    item_nodes = nodes["documents"][1].value
    lines = [
        node.start_mark.line + where.line - nodes["documents"][0].start_mark.line
        for node in item_nodes
    ]
    return tuple(
        (item, SourceLocation(where.path, line)) for item, line in zip(items, lines, strict=True)
    )


def _metadata_fields(
    values: dict[str, Any],
    where: dict[str, SourceLocation],
    start: SourceLocation,
    parse_inline: InlineParser,
    problems: _Problems,
) -> dict[str, Any]:
    """The Metadata's fields from the keys that are present and right; the wrong ones are
    left out and told to `problems`."""
    fields: dict[str, Any] = {"line": start.line}

    def read(key: str, reader: Callable[..., Any], *args: Any) -> Any:
        return problems.read(reader, values[key], *args, where[key]) if key in values else None

    for key in (*TEXT_KEYS, *BOOK_KEYS):
        fields[key] = read(key, _text, key)
    for key, name in IMPRINT_KEYS.items():
        fields[name] = read(key, _text, key)
    for key, name in ISBN_KEYS.items():
        fields[name] = read(key, _isbn, key)
    fields["front_matter"] = read("front-matter", _choice, "front-matter", FRONT_MATTER_KINDS)
    fields["role"] = read("role", _choice, "role", tuple(m.BACK_MATTER_ROLES))
    for key, name in PATH_KEYS.items():
        fields[name] = read(key, _text, key)
    lang = read("lang", _lang)
    fields["lang"] = lang
    lang = lang or "en"
    affiliations: list[tuple[str, str]] = []
    for key, name in PEOPLE_KEYS.items():
        people = read(key, _people, key) or ()
        fields[name] = tuple(person for person, _ in people) or None
        affiliations += [(person, place) for person, place in people if place]
    fields["affiliations"] = tuple(affiliations) or None
    subjects = [s for key in SUBJECT_KEYS for s in read(key, _text_list, key) or ()]
    fields["subjects"] = tuple(dict.fromkeys(subjects)) or None
    fields["date"], fields["date_text"] = read("date", _date) or (None, None)
    if "source" in values:
        source = read("source", _text, "source")
        if source is not None:
            fields["source"] = problems.read(parse_inline, source, where["source"].line, lang)
    fields["abstract"] = abstract = read("abstract", _paragraphs, "abstract", parse_inline, lang)
    if abstract and not fields["description"]:
        fields["description"] = " ".join(_plain(paragraph) for paragraph in abstract)
    fields["abstract_title"] = read("abstract-title", _text, "abstract-title")
    fields["dedication"] = read("dedication", _paragraphs, "dedication", parse_inline, lang)
    epigraph = read("epigraph", _epigraph, parse_inline, lang)
    if epigraph is not None:
        fields["epigraph"], fields["epigraph_attribution"] = epigraph
    fields["toc"] = read("toc", _flag, "toc")
    fields["bibliography"] = read("bibliography", _text_list, "bibliography")
    if "bibliography" in where:
        fields["bibliography_line"] = where["bibliography"].line
    fields["csl"] = read("csl", _text, "csl")
    fields["toc_depth"] = read("toc-depth", _toc_depth)
    fields["toc_title"] = read("toc-title", _text, "toc-title")
    for key, (name, reader) in NOTE_KEYS.items():
        fields[name] = read(key, reader)
    return {name: value for name, value in fields.items() if value is not None}


def _load_yaml(
    text: str, shown: str, first_line: int, kind: str
) -> tuple[dict[str, Any], dict[str, tuple[yaml.Node, yaml.Node]]]:
    """The mapping, and each key's (key, value) nodes, which know their lines.

    A key is the text written (`on:` is the key 'on', as in Pandoc, not YAML 1.1's true).
    """
    loader = _composer(text, shown, first_line, kind)
    try:
        node = _marked(loader.get_single_node, shown, first_line, kind)
        if not isinstance(node, yaml.MappingNode):
            raise SourceError(
                f"the {kind} must be a mapping of keys to values",
                SourceLocation(shown, first_line),
            )
        _marked(loader.flatten_mapping, shown, first_line, kind, node)  # `<<: *defaults`
        values: dict[str, Any] = {}
        nodes: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        found: list[PublishError] = []
        for key_node, value_node in node.value:
            where = SourceLocation(shown, key_node.start_mark.line + first_line)
            scalar = isinstance(key_node, yaml.ScalarNode)
            if not scalar or key_node.tag == _NULL_TAG or not key_node.value.strip():
                what = _node_kind(key_node)
                found.append(SourceError(f"a key of the {kind} must be a name, not {what}", where))
                continue
            name = key_node.value
            value = _marked(loader.construct_object, shown, first_line, kind, value_node, True)
            problem = _character_problem_in(value)
            if problem is not None:
                found.append(SourceError(f"'{name}': {problem}", where))
                continue
            values[name] = value
            nodes[name] = (key_node, value_node)
        raise_problems(found)
    finally:
        loader.dispose()
    return values, nodes


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        null = node.tag == _NULL_TAG and node.value
        return f"YAML's null '{node.value}' (quote it)" if null else "empty"
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"


def _character_problem_in(value: Any) -> str | None:
    """The first character not allowed in text in a YAML value's strings (a YAML escape
    such as "\\f" or "\\ud800" can make one), or None."""
    pending, seen = [value], set()
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, str):
            problem = character_problem(item)
            if problem is not None:
                return problem[1]
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set):
            pending += list(item)
    return None


# What is set in large type or on every page (a title, a name) is a line or two: a longer
# one is a mistake, and would cost a PDF of one page per few hundred characters of it.
SHORT_TEXT_KEYS = frozenset(
    {"title", "subtitle", "publisher", "contact", "identifier", "abstract-title", "toc-title"}
    | {"series", "volume", *ISBN_KEYS, *IMPRINT_KEYS}
)
MAX_SHORT_TEXT = 2_000


def _text(value: Any, key: str, where: SourceLocation) -> str:
    if not isinstance(value, str):
        raise SourceError(f"'{key}' must be text, not {_kind(value)} (quote it)", where)
    if key in SHORT_TEXT_KEYS:
        _check_short(value.strip(), key, where)
    return value.strip()


def _check_short(text: str, key: str, where: SourceLocation) -> None:
    if len(text) > MAX_SHORT_TEXT:
        raise SourceError(
            f"'{key}' holds {len(text):,} characters; it may hold at most {MAX_SHORT_TEXT:,}",
            where,
        )


def _text_list(value: Any, key: str, where: SourceLocation) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item.strip() for item in items):
        raise SourceError(f"'{key}' must be a name or a list of names", where)
    return tuple(item.strip() for item in items)


def _people(value: Any, key: str, where: SourceLocation) -> tuple[tuple[str, str], ...]:
    """Pandoc's people: a name, or `{name: …, affiliation: …}` (other keys such as `email`
    or `orcid` are allowed and not used), or a list of either; as (name, affiliation)."""
    items = value if isinstance(value, list) else [value]
    people = tuple(_person(item) for item in items) if items else (None,)
    if None in people:
        raise SourceError(
            f"'{key}' must be a name or a list of names (each a name, or a mapping with "
            "'name' and, if you like, 'affiliation')",
            where,
        )
    for person in people:
        _check_short(" ".join(person), key, where)  # type: ignore[arg-type]
    return people  # type: ignore[return-value]


def _person(item: Any) -> tuple[str, str] | None:
    if isinstance(item, str) and item.strip():
        return item.strip(), ""
    if not isinstance(item, dict):
        return None
    name, place = item.get("name"), item.get("affiliation", "")
    places = place if isinstance(place, list) else [place]
    if not (isinstance(name, str) and name.strip()):
        return None
    if not all(isinstance(p, str) for p in places):
        return None
    return name.strip(), "; ".join(p.strip() for p in places if p.strip())


def _date(value: Any, where: SourceLocation) -> tuple[m.PartialDate | None, str | None]:
    """The machine date and the date as written, when it is not exact: `1936-02-12` gives
    the date alone; `c. 1830` gives the year 1830 and the text; `[s.f.]` the text alone."""
    if value is None:  # `date:` with nothing after it, as Pandoc reads it: no date
        return None, None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise SourceError(
            f"'date' must be text such as 1936-02-12 or c. 1830, not {_kind(value)}", where
        )
    text = str(value).strip()
    exact = _EXACT_DATE.fullmatch(text)
    if exact is None:
        year = _YEAR.search(text)
        return (m.PartialDate(int(year[0])) if year and int(year[0]) else None), text
    year, month, day = (int(g) if g else None for g in exact.groups())
    try:
        datetime.date(year, month or 1, day or 1)  # type: ignore[arg-type]
    except ValueError:
        raise SourceError(f"'date' {value!r} is not a real date", where) from None
    return m.PartialDate(year, month, day), None  # type: ignore[arg-type]


def _paragraphs(
    value: Any, key: str, parse_inline: InlineParser, lang: str, where: SourceLocation
) -> tuple[tuple[m.Inline, ...], ...]:
    """Markdown text (`abstract`, `dedication`) as its paragraphs of inlines."""
    text = _text(value, key, where)
    return tuple(
        parse_inline(paragraph.strip(), where.line, lang)
        for paragraph in _PARAGRAPH_BREAK.split(text)
        if paragraph.strip()
    )


def _plain(inlines: Iterable[Any]) -> str:
    """The words of inlines, without their markup (metadata is plain text)."""
    words = []
    for node in inlines:
        if isinstance(node, m.Text | m.Code):
            words.append(node.text)
        elif isinstance(node, m.SoftBreak | m.LineBreak):
            words.append(" ")
        elif isinstance(node, m.Image):
            words.append(node.alt)
        elif isinstance(getattr(node, "children", None), tuple):
            words.append(_plain(node.children))
    return "".join(words)


def _epigraph(
    value: Any, parse_inline: InlineParser, lang: str, where: SourceLocation
) -> tuple[tuple[tuple[m.Inline, ...], ...], tuple[m.Inline, ...]]:
    """An epigraph: Markdown text, or `{text: …, attribution: …}`; its paragraphs and who
    said it."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"text", "attribution"}, key=str)
        if unknown or "text" not in value:
            raise SourceError(
                "'epigraph' must be text, or a mapping with 'text' and, if you like, 'attribution'",
                where,
            )
        text = _paragraphs(value["text"], "epigraph", parse_inline, lang, where)
        attribution = value.get("attribution")
        if attribution is None:
            return text, ()
        said = _text(attribution, "epigraph", where)
        return text, parse_inline(said, where.line, lang)
    return _paragraphs(value, "epigraph", parse_inline, lang, where), ()


def isbn_problem(text: str) -> str | None:
    """What is wrong with an ISBN (ISBN-10 or ISBN-13, hyphens and spaces allowed), or None."""
    digits = isbn_digits(text)
    if len(digits) == 10 and re.fullmatch(r"\d{9}[\dX]", digits):
        values = [10 if c == "X" else int(c) for c in digits]
        total = sum(weight * value for weight, value in zip(range(10, 0, -1), values, strict=True))
        return None if total % 11 == 0 else "checksum"
    if len(digits) == 13 and digits.isdigit():
        if not digits.startswith(("978", "979")):
            return "an ISBN-13 starts with 978 or 979"
        total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits))
        return None if total % 10 == 0 else "checksum"
    return "it needs 10 or 13 digits"


def isbn_digits(text: str) -> str:
    """The digits of an ISBN as written (`978-84-…`), its final X upper-cased."""
    return re.sub(r"[\s\-‐‑]", "", text).upper()


def _isbn(value: Any, key: str, where: SourceLocation) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # `isbn: 9780306406157`, unquoted
    text = _text(value, key, where)
    problem = isbn_problem(text)
    if problem is not None:
        raise SourceError(f"'{key}' {text!r} is not a valid ISBN ({problem})", where)
    return text


def _choice(value: Any, key: str, choices: tuple[str, ...], where: SourceLocation) -> str:
    if value not in choices:
        listed = ", ".join(f"'{choice}'" for choice in choices)
        raise SourceError(f"'{key}' must be one of {listed}, not {value!r}", where)
    return value


def _flag(value: Any, key: str, where: SourceLocation) -> bool:
    if not isinstance(value, bool):
        raise SourceError(f"'{key}' must be true or false, not {value!r}", where)
    return value


def _toc_depth(value: Any, where: SourceLocation) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 6:
        raise SourceError(f"'toc-depth' must be a heading level from 1 to 6, not {value!r}", where)
    return value


def _lang(value: Any, where: SourceLocation) -> str:
    tag = _text(value, "lang", where)
    try:
        Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        raise SourceError(
            f"unknown language '{tag}' in 'lang' (use a BCP 47 tag such as 'es' or 'en-GB')", where
        ) from None
    return tag


def _derived_identifier(fields: dict[str, Any]) -> str:
    """A stable UUID from title, authors and date: rebuilding never changes the book's identity."""
    date = fields.get("date_text") or (fields["date"].iso if fields.get("date") else "")
    key = "\n".join([fields["title"], *fields.get("authors", ()), date])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publish:' + key)}"


def _kind(value: Any) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)
