"""Raw HTML in a source: an allow-list of harmless elements and attributes, nothing else.

Sources come from many hands. Scripts, frames, plugins, forms, event handlers, styles and
URLs of any kind never reach a book: block HTML goes through nh3 (the Ammonia sanitizer),
and inline tags are read one by one and kept only when they are on the list below.
Images and links are written in Markdown, where the pipeline checks them.
"""

from __future__ import annotations

import html.parser
import re

import nh3
from lxml import etree
from lxml import html as lxml_html

# Phrasing elements that only say what a span of text is.
INLINE_TAGS = frozenset(
    [
        "abbr",
        "b",
        "bdi",
        "bdo",
        "br",
        "cite",
        "code",
        "del",
        "dfn",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
        "wbr",
    ]
)
VOID_TAGS = frozenset({"br", "wbr"})
# Blocks besides: structure and tables.
BLOCK_TAGS = INLINE_TAGS | frozenset(
    [
        "blockquote",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
ATTRIBUTES = {
    "*": {"lang", "dir", "title"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
}
# What an allowed attribute may hold: a value EPUBCheck's schema refuses is left out (the
# element stays). `reversed` is boolean: any value is written as the attribute's own name.
_YEAR = r"[0-9]{4,}"
_TIME = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,3})?)?"
_ZONE = r"(Z|[+-][0-9]{2}:?[0-9]{2})"
VALID_VALUES: dict[str, re.Pattern[str]] = {
    "lang": re.compile(r"([A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)?\Z"),
    "dir": re.compile(r"(ltr|rtl|auto)\Z"),
    "colspan": re.compile(r"0*([1-9][0-9]{0,2}|1000)\Z"),
    "rowspan": re.compile(r"[0-9]{1,5}\Z"),
    "start": re.compile(r"-?[0-9]{1,9}\Z"),
    "scope": re.compile(r"(row|col|rowgroup|colgroup)\Z"),
    "datetime": re.compile(
        rf"({_YEAR}(-[0-9]{{2}}(-[0-9]{{2}}([T ]{_TIME}{_ZONE}?)?)?)?"
        rf"|{_YEAR}-W[0-9]{{2}}|(--)?(0[0-9]|1[0-2])-(0[0-9]|[12][0-9]|3[01])|{_TIME})\Z"
    ),
}


def attribute_value(name: str, value: str) -> str | None:
    """An allowed attribute's value as written, or None if it is not one EPUB allows."""
    if name == "reversed":
        return "reversed"
    pattern = VALID_VALUES.get(name)
    if pattern is None:
        return value
    value = value.strip()
    if name in ("dir", "scope"):
        value = value.lower()
    return value if pattern.match(value) else None


# Each element that is valid only inside one of these: elsewhere its tags are left out
# (its content stays), as a browser would show it.
PARENTS = {
    "li": {"ul", "ol"},
    "dt": {"dl"},
    "dd": {"dl"},
    "figcaption": {"figure"},
    "caption": {"table"},
    "thead": {"table"},
    "tbody": {"table"},
    "tfoot": {"table"},
    "tr": {"table", "thead", "tbody", "tfoot"},
    "td": {"tr"},
    "th": {"tr"},
    "rt": {"ruby"},
    "rp": {"ruby"},
}

# What is dropped with everything inside it, not only its tags.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "noscript", "template", "textarea"}
)

_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")
# Tags whose element an HTML parser ends by itself (at the next one, or at its parent's end):
# a list of `<li>` written without `</li>` is not nested.
_IMPLIED_END = frozenset(
    {"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "caption", "rp", "rt"}
    | {"option", "optgroup", "colgroup", "col", "hr", "img", "input", "meta", "link", "area"}
    | {"base", "embed", "param", "source", "track", "keygen", "command"}
)


class TooDeep(ValueError):
    """Raw HTML nested deeper than the reader allows."""


def html_depth(html: str, limit: int = 1 << 30) -> int:
    """How deep the elements of `html` nest, counted in one pass over its tags (a tag left
    open counts until its parent closes; void and self-ending tags do not count); the count
    stops once it passes `limit`."""
    stack: list[str] = []
    deepest = 0
    for found in _TAG.finditer(html):
        if deepest > limit:
            break
        closing, name = found[1] == "/", found[2].lower()
        if name in VOID_TAGS or name in _IMPLIED_END:
            continue
        if not closing:
            stack.append(name)
            deepest = max(deepest, len(stack))
        elif name in stack:
            while stack.pop() != name:
                pass
    return deepest


def clean_block(raw: str, max_depth: int = 1 << 30) -> str:
    """Block HTML made harmless and well-formed XHTML (valid inside an EPUB page).

    HTML nested deeper than `max_depth` is `TooDeep`: HTML parsers cut such a tree short
    (libxml2 at 256 levels) or take time that grows with the square of its depth."""
    if html_depth(raw, max_depth) > max_depth:
        raise TooDeep(raw)
    cleaned = nh3.clean(
        raw,
        tags=set(BLOCK_TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        strip_comments=True,
        link_rel=None,
        attribute_filter=lambda _tag, name, value: attribute_value(name, value),
    )
    if not cleaned.strip():
        return ""
    if html_depth(cleaned, max_depth) > max_depth:  # what the sanitizer's parser made of it
        raise TooDeep(cleaned)
    parts = lxml_html.fragments_fromstring(cleaned)
    wrapper = lxml_html.Element("div")
    for part in parts:
        if isinstance(part, str):
            wrapper.text = (wrapper.text or "") + part
        else:
            wrapper.append(part)
    _unwrap_out_of_context(wrapper)
    text = html.escape(wrapper.text or "", quote=False)
    return (text + "".join(_xhtml(part) for part in wrapper)).strip()


def _unwrap_out_of_context(root: etree._Element) -> None:
    """Leave out the tags (not the content) of each element outside the parent it needs:
    an `<li>` outside a list, a `<td>` outside a row, a `<figcaption>` outside a figure; and
    of a `<bdo>` with no (valid) direction."""
    for element in list(root.iter()):
        if element is root or not isinstance(element.tag, str):
            continue
        parent = element.getparent()
        needed = PARENTS.get(element.tag)
        out_of_place = needed is not None and (parent is None or parent.tag not in needed)
        if out_of_place and parent is not None and parent.tag in _FLOW_PARENTS:
            _as_div(element)  # a block of its own still: `<dt>a term</dt><dd>…` not run together
        elif out_of_place or (element.tag == "bdo" and not element.get("dir")):
            element.tail = " " + (element.tail or "") if out_of_place else element.tail
            element.drop_tag()


# Where a `<div>` may stand: an out-of-place block element there becomes one.
_FLOW_PARENTS = frozenset(
    ["div", "section", "article", "aside", "blockquote", "figure", "li", "dd", "td", "th"]
)


def _as_div(element: etree._Element) -> None:
    kept = {name: value for name, value in element.attrib.items() if name in ATTRIBUTES["*"]}
    element.attrib.clear()
    element.attrib.update(kept)
    element.tag = "div"


def _xhtml(part: etree._Element | str) -> str:
    if isinstance(part, str):
        return html.escape(part, quote=False)
    return etree.tostring(part, method="xml", encoding="unicode", with_tail=True)


def inline_tag(raw: str) -> tuple[str, bool, tuple[tuple[str, str], ...]] | None:
    """An inline tag as (name, is_closing, allowed attributes), or None for anything else
    (a comment, a declaration, a tag that is not on the list)."""
    found = _TAG.match(raw)
    if found is None:
        return None
    closing, name = found[1] == "/", found[2].lower()
    if name not in INLINE_TAGS and name not in DROPPED_WITH_CONTENT:
        return None
    return name, closing, () if closing else _allowed_attributes(name, raw)


def _allowed_attributes(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    reader = _StartTag()
    reader.feed(raw)
    allowed = ATTRIBUTES["*"] | ATTRIBUTES.get(name, set())
    kept = ((key, attribute_value(key, value or "")) for key, value in reader.attrs)
    return tuple((key, value) for key, value in kept if key in allowed and value is not None)


class _StartTag(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = attrs
