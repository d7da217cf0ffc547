"""Cross-references: a link to a heading, figure, table or note that the print edition
follows with the page it lands on.

A link with no words, `[](#fig-map)`, is a cross-reference: the PDF prints only the
page ("p. 12"), the EPUB links the target's own words (a heading's title, a caption, or
"the figure"). A note is named by its label, `[](#^t1)` for `[^t1]`, and the reference
leads to the note's first call (its page is the note's, and the call is in the chapter in
either format). A link with words and the class `page`, `[the map](#fig-map){.page}`,
keeps its words in both and the PDF adds "(p. 12)". The reader names them here (its
stage: model in, model out); the page number is the print sheet's `target-counter`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from publish import model as m
from publish.labels import labels_for
from publish.pandoc_inline import stringify

XREF_CLASS = "xref"  # a cross-reference: print adds the target's page
NAMED_CLASS = "xref-named"  # its words were filled in for the screen: print shows the page only
PAGE_CLASS = "page"  # what a writer puts on a link with words to ask for the page


def is_cross_reference(link: m.Link) -> bool:
    """A link to an element (`#id`, `other.md#id`) with no words, or marked `{.page}`."""
    if "#" not in link.href or m.link_scheme(link.href) is not None:
        return False
    return not link.children or PAGE_CLASS in link.attrs.classes


def name_cross_references(documents: tuple[m.Document, ...]) -> tuple[m.Document, ...]:
    """The documents with each cross-reference whose target is among them marked for the
    renderer (classes, the page abbreviation) and, if it had no words, given its target's."""
    names: dict[tuple[str, str], tuple[str, str, str]] = {}
    for document in documents:
        names.update(_target_names(document))
    return tuple(_named(document, names) for document in documents)


def note_targets(document: m.Document) -> set[str]:
    """What a cross-reference names a note by: `^label` for each `[^label]` note."""
    return {f"^{note.label}" for note in document.notes if not note.label.startswith("^")}


def _target_names(document: m.Document) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(document, id) → (kind, words, the id the link leads to) for every element a
    cross-reference can name."""
    key = m.document_key(document.path)
    found: dict[tuple[str, str], tuple[str, str, str]] = {}
    if document.title_id:
        found[(key, document.title_id)] = ("heading", document.meta.title, document.title_id)
    for note in document.notes:
        if not note.label.startswith("^"):  # an inline note has no label to name it by
            found[(key, f"^{note.label}")] = ("note", "", f"fnref-{note.number}")
    for node in m.walk(document):
        attrs = getattr(node, "attrs", None)
        if not isinstance(attrs, m.Attributes) or not attrs.id or (key, attrs.id) in found:
            continue
        match node:
            case m.Heading(children=words):
                kind, title = "heading", stringify(words).strip()
            case m.Figure(caption=words):
                kind, title = "figure", stringify(words).strip()
            case m.Table(caption=words):
                kind, title = "table", stringify(words).strip()
            case _:
                kind, title = "other", ""
        found[(key, attrs.id)] = (kind, title, attrs.id)
    return found


def _named(document: m.Document, names: dict[tuple[str, str], tuple[str, str, str]]) -> m.Document:
    words = labels_for(document.meta.lang)

    def name(link: m.Link) -> m.Link:
        if XREF_CLASS in link.attrs.classes or "#" not in link.href or m.link_scheme(link.href):
            return link
        target = _target_key(document.path, link.href)
        if target not in names:
            return link  # another document of a book (named when the book is read), or broken
        kind, title, lands = names[target]
        href = f"{link.href.partition('#')[0]}#{lands}"  # a note's: its first call
        if not is_cross_reference(link):
            return dataclasses.replace(link, href=href)
        filled = not link.children
        children = link.children or (
            m.Text(title or words[f"xref_{kind if kind != 'heading' else 'other'}"]),
        )
        classes = (XREF_CLASS, *((NAMED_CLASS,) if filled else ()), *link.attrs.classes)
        pairs = (*link.attrs.pairs, ("page-label", words["page_abbreviation"]))
        attrs = dataclasses.replace(link.attrs, classes=classes, pairs=pairs)
        return dataclasses.replace(link, href=href, children=children, attrs=attrs)

    blocks = tuple(_mapped(block, name) for block in document.blocks)
    notes = tuple(_mapped(note, name) for note in document.notes)
    return dataclasses.replace(document, blocks=blocks, notes=notes)


def _target_key(linking: str, href: str) -> tuple[str, str]:
    linked = m.linked_path(linking, href)
    if linked is None:  # `#id`: within the linking document
        return m.document_key(linking), unquote(href.partition("#")[2])
    return linked


def _mapped(node: object, name: Callable[[m.Link], m.Link]) -> Any:
    """`node` with every link in it passed through `name` (the tree's depth is bounded by
    the reader's limits, so recursion is safe here)."""
    if isinstance(node, tuple):
        return tuple(_mapped(item, name) for item in node)
    if isinstance(node, m.Link):
        node = name(node)
    fields = m._CHILD_FIELDS.get(type(node), ())
    if not fields:
        return node
    changes = {field: _mapped(getattr(node, field), name) for field in fields}
    return dataclasses.replace(node, **changes)  # type: ignore[type-var]
