"""The YAML front matter of a document, checked key by key with the line of each key."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError

from publish import model as m
from publish.errors import SourceError, SourceLocation, SourceWarning
from publish.settings import SETTING_KEYS, check_setting

# Pandoc's names. Each maps to how its value is read.
TEXT_KEYS = ("title", "subtitle", "publisher", "contact", "rights", "description", "identifier")
BOOK_KEYS = ("series", "volume", "isbn")  # text keys only a book.yaml has
PATH_KEYS = {"cover-image": "cover_image"}
LIST_KEYS = {
    "author": "authors",
    "translator": "translators",
    "editor": "editors",
    "subject": "subjects",
}
KNOWN_KEYS = frozenset((*TEXT_KEYS, *LIST_KEYS, *PATH_KEYS, "date", "lang", "source"))

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class _Loader(yaml.SafeLoader):
    """Safe YAML where dates stay text: `_date` checks them and names the line if wrong."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

InlineParser = Callable[[str, int, str], tuple[m.Inline, ...]]  # text, line, lang


@dataclass(frozen=True)
class Header:
    """What a header block holds: the metadata, the settings it overrides, and the list of
    documents (a book.yaml's, each with its line)."""

    meta: m.Metadata
    settings: dict[str, str]
    documents: tuple[tuple[str, SourceLocation], ...] = ()


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
    `---`) or a whole book.yaml (`first_line=1, book=True`)."""
    kind = "book header" if book else "front matter"
    values, nodes = _load_yaml(text, shown, first_line, kind)
    where = {
        key: SourceLocation(shown, key_node.start_mark.line + first_line)
        for key, (key_node, _) in nodes.items()
    }
    start = SourceLocation(shown, first_line)
    known = KNOWN_KEYS | {*BOOK_KEYS, "documents"} if book else KNOWN_KEYS
    settings = {}
    for key in values.keys() - known:
        name = key.replace("-", "_")
        if name in SETTING_KEYS:
            settings[name] = check_setting(name, values[key], where[key])
        else:
            warn(SourceWarning(f"unknown {kind} key '{key}' is ignored", where[key]))
    title = values.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        raise SourceError(f"the {kind} needs a non-empty 'title'", where.get("title", start))
    meta = _metadata(values, where, start, parse_inline)
    documents = (
        _documents(values.get("documents"), nodes, where.get("documents", start)) if book else ()
    )
    return Header(meta, settings, documents)


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


def _metadata(
    values: dict[str, Any],
    where: dict[str, SourceLocation],
    start: SourceLocation,
    parse_inline: InlineParser,
) -> m.Metadata:
    fields: dict[str, Any] = {"line": start.line}
    for key in (*TEXT_KEYS, *BOOK_KEYS):
        if key in values:
            fields[key] = _text(values[key], key, where[key])
    for key, name in LIST_KEYS.items():
        if key in values:
            fields[name] = _text_list(values[key], key, where[key])
    for key, name in PATH_KEYS.items():
        if key in values:
            fields[name] = _text(values[key], key, where[key])
    if "date" in values:
        fields["date"] = _date(values["date"], where["date"])
    if "lang" in values:
        fields["lang"] = _lang(values["lang"], where["lang"])
    if "source" in values:
        source = _text(values["source"], "source", where["source"])
        fields["source"] = parse_inline(source, where["source"].line, fields.get("lang", "en"))
    fields.setdefault("identifier", _derived_identifier(fields))
    return m.Metadata(**fields)


def _load_yaml(
    text: str, shown: str, first_line: int, kind: str
) -> tuple[dict[str, Any], dict[str, tuple[yaml.Node, yaml.Node]]]:
    """The mapping, and each key's (key, value) nodes, which know their lines."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        values = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        raise SourceError(
            f"invalid YAML in the {kind}: {exc.problem}", SourceLocation(shown, line)
        ) from None
    if not isinstance(node, yaml.MappingNode) or not isinstance(values, dict):
        raise SourceError(
            f"the {kind} must be a mapping of keys to values", SourceLocation(shown, first_line)
        )
    nodes = {str(key.value): (key, value) for key, value in node.value}
    return {str(k): v for k, v in values.items()}, nodes


def _text(value: Any, key: str, where: SourceLocation) -> str:
    if not isinstance(value, str):
        raise SourceError(f"'{key}' must be text, not {_kind(value)} (quote it)", where)
    return value.strip()


def _text_list(value: Any, key: str, where: SourceLocation) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item.strip() for item in items):
        raise SourceError(f"'{key}' must be a name or a list of names", where)
    return tuple(item.strip() for item in items)


def _date(value: Any, where: SourceLocation) -> m.PartialDate:
    found = _DATE.fullmatch(str(value).strip()) if isinstance(value, str | int) else None
    if found is None:
        raise SourceError(f"'date' must be YYYY-MM-DD, YYYY-MM or YYYY, not {value!r}", where)
    year, month, day = (int(g) if g else None for g in found.groups())
    try:
        datetime.date(year, month or 1, day or 1)
    except ValueError:
        raise SourceError(f"'date' {value!r} is not a real date", where) from None
    return m.PartialDate(year, month, day)


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
    date = fields.get("date")
    key = "\n".join([fields["title"], *fields.get("authors", ()), date.iso if date else ""])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publish:' + key)}"


def _kind(value: Any) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)
