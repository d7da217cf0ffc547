"""Pandoc's inline syntax that markdown-it and its plugins do not read as Pandoc does.

- Attributes `{#id .class key=value}` in Pandoc's own grammar (mdit-py-plugins' attrs
  plugin reads Djot's, where `width=60%` is not a value): after links, images, inline code
  and bracketed spans `[text]{.smallcaps}`, and at the end of a heading (`{-}` too).
- Superscripts and subscripts, `2^10^`, `H~2~O`, `a^*hello*^`, with Markdown inside (the
  mdit-py-plugins ones keep it as text), and a backslash-escaped space as a no-break space.
- Note labels with spaces, `[^my note]`, which the footnote plugin refuses: a note when
  such a label is defined, text (as in Pandoc) when it is not.
- Pandoc's automatic heading identifiers (the `auto_identifiers` extension).

The parsed attributes ride on the opening token's `meta["attributes"]` as model Attributes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from publish import model as m

# Attributes

# Pandoc's names: an identifier starts with a letter and goes on with letters, digits and
# `-_:.`; an id may start with anything of those. A bare value runs to a space or `}`.
_NAME = r"[^\W\d_][\w\-:.]*"
_ATTRIBUTE = re.compile(
    rf"""[ \t\n]*(?:
      \#(?P<id>[\w\-:.]+)
    | \.(?P<cls>{_NAME})
    | (?P<key>{_NAME})=(?P<value>(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s}}"'])+)
    | (?P<dash>-)(?=[\s}}])
    )""",
    re.VERBOSE,
)
_CLOSE = re.compile(r"[ \t\n]*\}")
_VALUE_PART = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^"'])""")


def scan_attributes(text: str, pos: int = 0) -> tuple[int, m.Attributes] | None:
    """Pandoc's `{…}` starting at `text[pos]`: the index after its `}` and what it says."""
    if not text.startswith("{", pos):
        return None
    pos += 1
    ident, classes, pairs = "", [], []
    while not (close := _CLOSE.match(text, pos)):
        found = _ATTRIBUTE.match(text, pos)
        if not found or found.end() == pos:
            return None
        if found["id"]:
            ident = found["id"]
        elif found["cls"]:
            classes.append(found["cls"])
        elif found["dash"]:
            classes.append("unnumbered")
        else:
            key, value = found["key"], _unquote(found["value"])
            if key == "id":
                ident = value
            elif key == "class":
                classes += value.split()
            else:
                pairs.append((key, value))
        pos = found.end()
        if pos < len(text) and text[pos] not in " \t\n}":
            return None
    return close.end(), m.Attributes(ident, tuple(classes), tuple(pairs))


def _unquote(value: str) -> str:
    """A value as written, quotes taken off and backslash escapes read."""
    parts = []
    for double, single, bare in _VALUE_PART.findall(value):
        parts.append(bare or re.sub(r"\\(.)", r"\1", double or single))
    return "".join(parts)


def merged(first: m.Attributes | None, then: m.Attributes) -> m.Attributes:
    """Two attribute blocks on one element: classes add up, the later id and values win."""
    if not first:
        return then
    pairs = dict(first.pairs) | dict(then.pairs)
    return m.Attributes(then.id or first.id, first.classes + then.classes, tuple(pairs.items()))


def pandoc_attributes_plugin(md: MarkdownIt) -> None:
    """Read attributes on headings, links, images, inline code, and bracketed spans."""
    md.inline.ruler.after("link", "pandoc_span", _span)
    md.inline.ruler.push("pandoc_attributes", _trailing_attributes)
    md.core.ruler.after("block", "heading_attributes", _heading_attributes)


_TAKES_ATTRIBUTES = ("image", "code_inline", "link_close", "span_close")


def _trailing_attributes(state: StateInline, silent: bool) -> bool:
    """`{…}` right after a link, image, inline code or span belongs to it."""
    if state.pending or not state.tokens or state.tokens[-1].type not in _TAKES_ATTRIBUTES:
        return False
    scanned = scan_attributes(state.src[: state.posMax], state.pos)
    if scanned is None:
        return False
    if not silent:
        opening = _opening(state.tokens)
        opening.meta["attributes"] = merged(opening.meta.get("attributes"), scanned[1])
    state.pos = scanned[0]
    return True


def _opening(tokens: list[Token]) -> Token:
    """The token that opens the element `tokens[-1]` closes (or the element itself)."""
    depth = 0
    for token in reversed(tokens):
        depth += token.nesting
        if depth >= 0:
            return token
    return tokens[-1]


def _span(state: StateInline, silent: bool) -> bool:
    """`[text]{attributes}`: a span (Pandoc's bracketed_spans)."""
    if state.src[state.pos] != "[":
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos, False)
    if label_end < 0:
        return False
    scanned = scan_attributes(state.src[: state.posMax], label_end + 1)
    if scanned is None:
        return False
    if not silent:
        maximum = state.posMax
        state.pos, state.posMax = state.pos + 1, label_end
        token = state.push("span_open", "span", 1)
        token.meta["attributes"] = scanned[1]
        state.md.inline.tokenize(state)
        state.push("span_close", "span", -1)
        state.posMax = maximum
    state.pos = scanned[0]
    return True


_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")


def _heading_attributes(state: StateCore) -> None:
    """`# Heading {#id .class}`: the attributes leave the heading's text for its token."""
    for opening, inline in zip(state.tokens, state.tokens[1:], strict=False):
        if opening.type != "heading_open" or inline.type != "inline":
            continue
        found = trailing_attributes(inline.content)
        if found is not None:
            inline.content, opening.meta["attributes"] = found


def trailing_attributes(text: str) -> tuple[str, m.Attributes] | None:
    """Text ending in `{…}`: the text before it (closing `#`s dropped) and the attributes."""
    text = text.rstrip()
    if not text.endswith("}"):
        return None
    start = text.rfind("{")
    while start >= 0:
        scanned = scan_attributes(text, start)
        if scanned is not None and scanned[0] == len(text):
            return _CLOSING_HASHES.sub("", text[:start].rstrip()), scanned[1]
        start = text.rfind("{", 0, start)
    return None


# Superscripts and subscripts

# An unescaped space anywhere inside: `a^b c^d` is not a superscript.
_UNESCAPED_SPACE = re.compile(r"(^|[^\\])(\\\\)*\s")


def scripts_plugin(md: MarkdownIt) -> None:
    """`^sup^` and `~sub~` (a single `~`: two are strikeout) and `\\ ` as a no-break space."""
    md.inline.ruler.after("emphasis", "superscript", _script("^", "sup"))
    md.inline.ruler.after("superscript", "subscript", _script("~", "sub"))
    md.inline.ruler.before("escape", "escaped_space", _escaped_space)


def _script(marker: str, tag: str) -> Callable[[StateInline, bool], bool]:
    def read(state: StateInline, silent: bool) -> bool:
        start, maximum = state.pos, state.posMax
        # Not while another rule looks ahead (a link's text, say): as the plugins do.
        if silent or state.src[start] != marker or start + 2 >= maximum:
            return False
        state.pos = start + 1
        while state.pos < maximum and state.src[state.pos] != marker:
            state.md.inline.skipToken(state)
        end = state.pos
        inside = state.src[start + 1 : end]
        if end >= maximum or not inside or _UNESCAPED_SPACE.search(inside):
            state.pos = start
            return False
        state.pos, state.posMax = start + 1, end
        state.push(f"{tag}_open", tag, 1).markup = marker
        state.md.inline.tokenize(state)
        state.push(f"{tag}_close", tag, -1).markup = marker
        state.pos, state.posMax = end + 1, maximum
        return True

    return read


def _escaped_space(state: StateInline, silent: bool) -> bool:
    """Pandoc reads `\\ ` as a no-break space (CommonMark leaves the backslash)."""
    if not state.src.startswith("\\ ", state.pos):
        return False
    if not silent:
        state.pending += "\u00a0"
    state.pos += 2
    return True


# Note labels with spaces

# Stands for a space inside a note label while the footnote plugin reads it.
_LABEL_SPACE = "\ue000"


def note_label(label: str) -> str:
    """A label as the source wrote it."""
    return label.replace(_LABEL_SPACE, " ")


def spaced_note_labels(md: MarkdownIt) -> None:
    """Let the footnote plugin read `[^my note]` and `[^my note]:` (it stops at a space)."""
    rule = md.inline.ruler.__rules__[md.inline.ruler.__find__("footnote_ref")]
    md.inline.ruler.at("footnote_ref", _spaced_label(rule.fn, lambda s, *_: s.pos, True))
    block = md.block.ruler.__rules__[md.block.ruler.__find__("footnote_def")]
    line_start = _block_line_start
    md.block.ruler.at("footnote_def", _spaced_label(block.fn, line_start), {"alt": block.alt})


def _block_line_start(state: Any, start_line: int, *_: Any) -> int:
    return int(state.bMarks[start_line] + state.tShift[start_line])


def _spaced_label(
    rule: Callable[..., bool], start_of: Callable[..., int], defined_only: bool = False
) -> Callable[..., bool]:
    def read(state: Any, *args: Any) -> bool:
        start = start_of(state, *args)
        src: str = state.src
        end = src.find("]", start)
        if not src.startswith("[^", start) or end < 0:
            return rule(state, *args)
        label = src[start + 2 : end]
        if " " not in label or "\n" in label or "[" in label or label.strip() != label:
            return rule(state, *args)
        hidden = label.replace(" ", _LABEL_SPACE)
        if defined_only and f":{hidden}" not in state.env.get("footnotes", {}).get("refs", {}):
            return False  # text, as Pandoc has it
        # Same length, so every position the rule keeps stays right.
        state.src = src[: start + 2] + hidden + src[end:]
        try:
            return rule(state, *args)
        finally:
            state.src = src

    return read


# Identifiers


NoteText = Callable[[m.NoteRef], str]


def stringify(inlines: Iterable[m.Inline], note_text: NoteText | None = None) -> str:
    """The text of inlines as Pandoc's `stringify` gives it: breaks as spaces, and notes
    left out unless `note_text` says what they read as."""
    return "".join(_text_of(node, note_text) for node in inlines)


def _text_of(node: m.Inline, note_text: NoteText | None) -> str:
    match node:
        case m.Text(text) | m.Code(text):
            return text
        case m.Math(tex):
            return tex
        case m.SoftBreak() | m.LineBreak():
            return " "
        case m.Image(alt=alt):
            return alt
        case m.NoteRef():
            return note_text(node) if note_text else ""
    return stringify(getattr(node, "children", ()), note_text)


def auto_identifier(inlines: Iterable[m.Inline], note_text: NoteText | None = None) -> str:
    """Pandoc's identifier for a heading: formatting, links and notes gone, every character
    but letters, digits, `_`, `-` and `.` dropped, words joined by hyphens, lower case,
    everything up to the first letter gone; "section" if nothing is left.

    Pandoc 2.17 reads a call to a note defined apart (`[^label]`) as its label here: pass
    `note_text` to do the same."""
    text = stringify(inlines, note_text).lower()
    text = "".join(c for c in text if c.isalnum() or c in "_-." or c.isspace())
    words = "-".join(text.split())
    start = next((i for i, c in enumerate(words) if c.isalpha()), len(words))
    return words[start:] or "section"


class Identifiers:
    """The identifiers a document's headings took, and which one comes next for a base."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        # The last number tried for each base: `used` only grows, so the smallest free
        # `base-N` never goes down, and 20,000 headings "Notes" cost one try each.
        self.numbers: dict[str, int] = {}

    def add(self, identifier: str) -> None:
        self.used.add(identifier)

    def unique(self, base: str) -> str:
        """`base`, or `base-1`, `base-2`… if it is taken (Pandoc's rule); then taken."""
        chosen, number = base, self.numbers.get(base, 0)
        if number:
            chosen = f"{base}-{number}"
        while chosen in self.used:
            number += 1
            chosen = f"{base}-{number}"
        self.numbers[base] = number
        self.used.add(chosen)
        return chosen
