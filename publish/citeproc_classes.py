"""publish's subclasses of citeproc-py's classes, where it has gaps:

- the `names` element: a cite may leave out its author (Pandoc's `[-@key]`, CSL-JSON's
  `suppress-author`);
- the style: the document's locale takes the place of its `default-locale`;
- BibTeX: an entry's `langid` or `language` is the work's CSL `language` (citeproc-py drops
  both), which decides whether the style's title case applies to its titles.

Imported only by a document with a bibliography (citeproc-py is not loaded otherwise).
"""

from __future__ import annotations

from typing import Any

from citeproc import CitationStylesStyle
from citeproc.model import CitationStylesElement, Names
from citeproc.source.bibtex import BibTeX
from lxml import etree

CSL = "http://purl.org/net/xbiblio/csl"
SUPPRESS_AUTHOR = "suppress-author"  # a cite's flag, as CSL-JSON's citation items name it
# What a suppress-author cite's rendering knows (kept on the cite, reset before each one):
_LEFT_OUT = "author-left-out"  # the variables in the author's place, once left out
_DEPTH = "names-depth"  # how many `names` are being rendered around this one
_RENDERED = "names-rendered"  # the variables the outermost `names` has rendered so far


def forget_rendering(cite: Any) -> None:
    """Clear what a cite's last rendering left on it, before it is rendered again."""
    for key in (_LEFT_OUT, _DEPTH, _RENDERED):
        cite.pop(key, None)


class _Names(Names):
    """A `cs:names`. The first one a suppress-author cite renders is the author, or what
    its `substitute` put in the author's place (the editor of an edited book): it is left
    out whole, as Pandoc's citeproc leaves out the cite's first names, so that nothing else
    takes the author's place. The work's other names stay, but for the ones that stood in
    the author's place, which CSL does not print twice (citeproc-py would: "ed. Sam Smith"
    after the title of a book Smith edited)."""

    def render(self, item: Any, *args: Any, **kwargs: Any) -> Any:
        if not item.get(SUPPRESS_AUTHOR) or kwargs.get("sort_options") is not None:
            return super().render(item, *args, **kwargs)  # a sort key keeps the author
        depth = item.get(_DEPTH, 0)
        if depth == 0:
            item[_RENDERED] = set()
        item[_DEPTH] = depth + 1
        try:
            text = super().render(item, *args, **kwargs)
        finally:
            item[_DEPTH] = depth
        if not text:
            return text
        own = {name for name in self.get("variable", "").split() if name in item.reference}
        if depth:  # rendered for the `names` around it (its substitute), which decides
            item[_RENDERED] |= own
            return text
        rendered = own or item[_RENDERED]  # its own variables, or what substituted them
        if _LEFT_OUT not in item:
            item[_LEFT_OUT] = rendered
            return None
        return None if rendered and rendered <= item[_LEFT_OUT] else text


class PublishStyle(CitationStylesStyle):
    """A CSL style read as citeproc-py reads it, its `names` elements publish's `_Names`;
    the document's locale takes the place of the style's `default-locale`, as Pandoc's
    `lang` does (citeproc-py reads it to tell whether a work without a `language` is
    English, the only language CSL's title case applies to)."""

    def __init__(self, source: Any, locale: str) -> None:  # replaces citeproc-py's parsing
        lookup = etree.ElementNamespaceClassLookup()
        namespace = lookup.get_namespace(CSL)
        namespace[None] = CitationStylesElement
        namespace.update(
            {
                kind.__name__.replace("_", "-").lower(): kind
                for kind in CitationStylesElement.__subclasses__()
            }
        )
        namespace["names"] = _Names
        self.parser = etree.XMLParser(remove_comments=True, encoding="UTF-8", no_network=True)
        self.parser.set_element_class_lookup(lookup)
        self.xml = etree.parse(source, self.parser)
        self.root = self.xml.getroot()
        self.root.set("default-locale", locale)
        self.root.set_locale_list(locale, validate=False)


# BibLaTeX's `langid` names a babel language; these are English.
_ENGLISH_BABEL = {
    "english",
    "american",
    "usenglish",
    "british",
    "ukenglish",
    "canadian",
    "australian",
    "newzealand",
}


def language_tag(value: Any) -> str:
    """A work's language as citeproc-py compares it (its first two letters, lower case,
    `en` for English): `en-US`, `English`, `american` → `en…`; `fr`, `french` as they are."""
    text = str(value).strip().strip("{}").strip().lower()
    return "en" if text in _ENGLISH_BABEL else text


class PublishBibTeX(BibTeX):
    """citeproc-py's BibTeX reader, keeping an entry's `langid` (BibLaTeX's) or
    `language` as the work's language."""

    def create_reference(self, key: str, bibtex_entry: Any) -> Any:
        reference = super().create_reference(key, bibtex_entry)
        language = bibtex_entry.get("langid") or bibtex_entry.get("language")
        if language and language_tag(language):
            reference["language"] = language_tag(language)
        return reference
