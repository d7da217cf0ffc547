"""The original's pages: `{pag=206}` marks where page 206 of the edition translated from
begins. The reader makes it a span (`<span class="pag" id="pag-206" data-n="206">[206]</span>`),
which both books print inline; the PDF may set it in the margin or leave it out
(`original-pages`), and the EPUB may list the markers in a `page-list` of the original
edition (`original-pages-list`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from publish import model as m

MARKER_CLASS = "pag"
# A page of the original: a number, a roman numeral, a folio with its side ("12v").
_MARKER = re.compile(r"\{pag=([0-9A-Za-z][0-9A-Za-z.\-]{0,19})\}")


def original_pages_plugin(md: MarkdownIt) -> None:
    """Read `{pag=N}` anywhere in running text."""
    md.inline.ruler.push("original_page", _original_page)


def _original_page(state: StateInline, silent: bool) -> bool:
    found = _MARKER.match(state.src, state.pos, state.posMax)
    if found is None:
        return False
    if not silent:
        page = found.group(1)
        opening = state.push("span_open", "span", 1)
        opening.meta["attributes"] = m.Attributes(
            id=f"pag-{page}", classes=(MARKER_CLASS,), pairs=(("n", page),)
        )
        state.push("text", "", 0).content = f"[{page}]"
        state.push("span_close", "span", -1)
    state.pos = found.end()
    return True


def markers(document: m.Document) -> Iterator[tuple[str, str]]:
    """Each marker of the original's pages in reading order: its id and its page."""
    for node in m.walk(document):
        if isinstance(node, m.Span) and MARKER_CLASS in node.attrs.classes and node.attrs.id:
            page = node.attrs.get("n")
            if page and node.attrs.id == f"pag-{page}":
                yield node.attrs.id, page


def is_marker(element: Any) -> bool:
    """Whether an element of the print HTML is a marker of the original's pages."""
    return MARKER_CLASS in (element.get("class") or "").split()


# The print sheet's rule for each `original-pages` setting: inline as the text has it, in
# the margin beside its line (the right-hand one here; the PDF writer moves those of the
# left-hand pages to theirs, the outer margin), or left out.
PRINT_RULES = {
    "inline": "",
    "margin": (
        "span.pag { position: absolute; right: -3.2em; text-indent: 0; }"
        " p, li, blockquote, dd, .line-block { position: relative; }"
    ),
    "none": "span.pag { display: none; }",
}
