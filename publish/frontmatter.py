"""The YAML front matter of a document, checked key by key with the line of each key."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError

from publish import model as m
from publish.errors import SourceError, SourceLocation, SourceWarning
from publish.settings import SETTING_KEYS, check_setting

# Pandoc's names. Each maps to how its value is read.
TEXT_KEYS = ("title", "subtitle", "publisher", "contact", "rights", "description", "identifier")
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


def parse_front_matter(
    text: str, shown: str, warn: Callable[[SourceWarning], None], parse_inline: InlineParser
) -> tuple[m.Metadata, dict[str, str]]:
    """The header and the settings of the block between the `---` lines (line 2 on)."""
    values, lines = _load_yaml(text, shown)
    where = {key: SourceLocation(shown, line) for key, line in lines.items()}
    settings = {}
    for key in values.keys() - KNOWN_KEYS:
        name = key.replace("-", "_")
        if name in SETTING_KEYS:
            settings[name] = check_setting(name, values[key], where[key])
        else:
            warn(SourceWarning(f"unknown front matter key '{key}' is ignored", where[key]))
    return _metadata(values, where, shown, parse_inline), settings


def _metadata(
    values: dict[str, Any], where: dict[str, SourceLocation], shown: str, parse_inline: InlineParser
) -> m.Metadata:
    fields: dict[str, Any] = {"line": 2}
    for key in TEXT_KEYS:
        if key in values:
            fields[key] = _text(values[key], key, where[key])
    for key, name in LIST_KEYS.items():
        if key in values:
            fields[name] = _text_list(values[key], key, where[key])
    for key, name in PATH_KEYS.items():
        if key in values:
            fields[name] = _text(values[key], key, where[key])
    if not fields.get("title", "").strip():
        raise SourceError(
            "the front matter needs a non-empty 'title'",
            where.get("title", SourceLocation(shown, 2)),
        )
    if "date" in values:
        fields["date"] = _date(values["date"], where["date"])
    if "lang" in values:
        fields["lang"] = _lang(values["lang"], where["lang"])
    if "source" in values:
        source = _text(values["source"], "source", where["source"])
        fields["source"] = parse_inline(source, where["source"].line, fields.get("lang", "en"))
    fields.setdefault("identifier", _derived_identifier(fields))
    return m.Metadata(**fields)


def _load_yaml(text: str, shown: str) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        node = yaml.compose(text, Loader=_Loader)
        values = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 2
        raise SourceError(
            f"invalid YAML in the front matter: {exc.problem}", SourceLocation(shown, line)
        ) from None
    if not isinstance(node, yaml.MappingNode) or not isinstance(values, dict):
        raise SourceError(
            "the front matter must be a mapping of keys to values", SourceLocation(shown, 2)
        )
    lines = {str(key.value): key.start_mark.line + 2 for key, _ in node.value}
    return {str(k): v for k, v in values.items()}, lines


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
