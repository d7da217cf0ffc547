"""Pandoc's citation syntax as a markdown-it inline rule: `[@key, p. 45]`,
`[see @a, pp. 3-4; @b]`, `[-@key]` (the author left out) and `@key` in the text.

A rule only a document with a `bibliography` uses: elsewhere `@name` stays text, as in
Pandoc without a bibliography. Each citation becomes one `citation` token whose meta holds
its items (`CiteItem`) and whether it was written in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

# Pandoc's key: starts with a letter, digit or `_`; inner punctuation allowed, not a
# trailing one (`@doe99.` ends a sentence).
_KEY = r"[\w](?:[\w:.#$%&+?<>~/-]*[\w])?"
_ITEM = re.compile(rf"^(?P<prefix>(?:.*\s)?)(?P<minus>-?)@(?P<key>{_KEY})(?P<suffix>.*)$", re.S)
_BRACKETED = re.compile(r"\[([^\[\]\n]*@[^\[\]\n]*)\]")
_IN_TEXT = re.compile(rf"@(?P<key>{_KEY})(?: \[(?P<after>[^\[\]\n@]*)\])?")
# A locator's label as written (English, Spanish, French), with CSL's name for it.
_LOCATOR_LABELS = {
    "p.": "page",
    "pp.": "page",
    "page": "page",
    "pages": "page",
    "pág.": "page",
    "págs.": "page",
    "chap.": "chapter",
    "ch.": "chapter",
    "cap.": "chapter",
    "sec.": "section",
    "vol.": "volume",
    "vols.": "volume",
    "para.": "paragraph",
    "n.": "note",
    "nn.": "note",
    "l.": "line",
    "ll.": "line",
}
_LOCATOR = re.compile(
    r"^,?\s*(?:(?P<label>[^\W\d]+\.?)\s*)?(?P<value>\d[\w\-–,]*)(?P<rest>.*)$", re.S
)


@dataclass(frozen=True)
class CiteItem:
    """One work cited: its key, what the author wrote around it, and where in the work."""

    key: str
    prefix: str = ""
    suffix: str = ""
    locator: str = ""
    label: str = "page"  # CSL's locator type
    suppress_author: bool = False


def citation_plugin(md: MarkdownIt, notes: bool = False) -> None:
    """Read citations before links (a `[@key]` is not a link). With a note style (`notes`),
    a bracketed citation's note call goes after the punctuation that follows it, the space
    before it dropped, as Pandoc sets it: `text [@key].` prints `text.¹`."""
    md.inline.ruler.before(
        "link", "citation", lambda state, silent: _bracketed_citation(state, silent, notes)
    )
    md.inline.ruler.before("text", "citation_in_text", _in_text_citation)
    # `@` already stops markdown-it's text rule (CommonMark's autolinks need it).


_PUNCTUATION = ".,;:!?"


def _bracketed_citation(state: StateInline, silent: bool, notes: bool = False) -> bool:
    if state.src[state.pos] != "[":
        return False
    found = _BRACKETED.match(state.src, state.pos, state.posMax)
    if found is None or state.src[found.end() : found.end() + 1] in ("(", "[", ":"):
        return False  # a link, a reference or a footnote definition
    items = [parse_item(part) for part in found[1].split(";")]
    if not items or any(item is None for item in items):
        return False
    end = found.end()
    after = state.src[end : end + 1] if end < state.posMax else ""
    moved = notes and after != "" and after in _PUNCTUATION
    if not silent:
        if moved:
            state.pending = state.pending.rstrip(" ") + after
        token = state.push("citation", "", 0)
        token.meta = {"items": tuple(items), "in_text": False}
    state.pos = end + 1 if moved else end
    return True


def _in_text_citation(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@":
        return False
    before = state.src[state.pos - 1] if state.pos else " "
    if before.isalnum() or before in "_.-+":  # an e-mail address, not a citation
        return False
    found = _IN_TEXT.match(state.src, state.pos, state.posMax)
    if found is None:
        return False
    item = CiteItem(found["key"])
    if found["after"] is not None:
        item = parse_item(f"@{found['key']}{_with_comma(found['after'])}") or item
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"items": (item,), "in_text": True}
    state.pos = found.end()
    return True


def _with_comma(after: str) -> str:
    return after if after.lstrip().startswith(",") else ", " + after


def parse_item(text: str) -> CiteItem | None:
    """One `prefix @key, locator suffix` of a bracketed citation; None if it holds no key."""
    found = _ITEM.match(text.strip())
    if found is None:
        return None
    locator, label, suffix = split_locator(found["suffix"])
    return CiteItem(
        found["key"],
        found["prefix"].strip(),
        suffix,
        locator,
        label,
        bool(found["minus"]),
    )


def split_locator(suffix: str) -> tuple[str, str, str]:
    """`, p. 45, note` → ("45", "page", ", note"): the locator, its CSL type, the rest."""
    found = _LOCATOR.match(suffix)
    if found is None or not suffix.lstrip().startswith(","):
        return "", "page", suffix.strip()
    label = found["label"]
    if label and label.lower() not in _LOCATOR_LABELS:
        return "", "page", suffix.strip()
    value = found["value"].rstrip(",")
    rest = found["rest"] if not found["value"].endswith(",") else "," + found["rest"]
    return value, _LOCATOR_LABELS.get((label or "p.").lower(), "page"), rest.strip()
