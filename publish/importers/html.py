"""An archive's web page (.html) as a Draft: the article and its notes, without the site's
navigation, header, footer, sidebar, scripts or forms; headings, italics, quotations and
lists; the header's title, author, date and language.

lxml's HTML parser reads the page as browsers do, and a few rules find the article: an
`<article>` (the longest, when there are several), else `<main>`, else the element whose
own paragraphs hold the most text. readability-lxml and trafilatura do this too, but are
not installed with publish and drop what they take for clutter without saying so; here
every choice is a guess in the report. The page is untrusted: nothing it links is fetched,
no entity is resolved (HTML has none beyond its own), scripts, styles and forms are dropped
before anything is read.

Notes are found by their calls: a link to an element of the same page (`href="#fn1"`) that
reads as a note's mark (`1`, `[1]`, `*`, in `<sup>` or marked `doc-noteref`/`noteref`) and
leads to a note (`<li id="fn1">` in Pandoc's `<section class="footnotes">`, an `<aside
epub:type="footnote">`, Wikipedia's `<li id="cite_note-1">`, marxists.org's `<a
name="n1">` at the head of a paragraph at the end). Each note is taken out of the page and
placed at its call.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree, html

from publish.errors import SourceError, SourceLocation
from publish.files import MiB
from publish.importers.draft import Block, Draft, Note, escape
from publish.importers.web_tools import (
    LIST_KINDS,
    NOTES_HEADING,
    Call,
    PageMark,
    Piece,
    Raised,
    Run,
    add_author,
    clean,
    finish_fields,
    header_lines,
    info_fields,
    inline_markdown,
    iso_date,
    language_tag,
    list_level,
    match_typed_notes,
    plain,
    raise_headings,
    read_input,
    settle_notes,
)

# A page's scripts, styles and inline images make it larger than its text; 16 MB of page is
# far more than the 10 MB a source may hold.
MAX_PAGE_BYTES = 16 * MiB
DROPPED = {
    "script", "style", "noscript", "template", "form", "iframe", "object", "embed", "svg",
    "canvas", "button", "input", "select", "textarea", "nav", "menu", "dialog", "video",
    "audio", "map", "head", "link", "meta",
}  # fmt: skip
FURNITURE = {"header", "footer", "aside"}  # the site's, outside the article
FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
FURNITURE_CLASSES = {
    "nav", "navbar", "navigation", "menu", "sidebar", "breadcrumb", "breadcrumbs", "share",
    "social", "cookie", "cookies", "advert", "ads", "related", "comments", "toc", "skip",
    "footer",
}  # fmt: skip
# Any element so classed is not for the printed page: Wikipedia's "[edit]" links and
# navigation boxes, text for screen readers only.
UNPRINTED = {
    "noprint", "mw-editsection", "navbox", "sr-only", "screen-reader-text", "visually-hidden",
}  # fmt: skip
# A link named so (class, id or name) is a note's call: `<a class="footnote" href="#fn1">1</a>`.
CALL_NAMES = re.compile(r"noteref|fnref|footnote|endnote|ftnref|sdfootnote|cite-?ref")
BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "ul",
    "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "tr",
    "td", "th", "tbody", "thead", "tfoot", "caption", "figure", "figcaption", "hr", "center",
    "address", "body", "html", "fieldset", "details", "summary", "hgroup",
}  # fmt: skip
ITALIC = {"em", "i", "cite", "dfn", "var"}
BOLD = {"strong", "b"}
CLASSED = {
    "title": {
        "title",
        "entry-title",
        "post-title",
        "article-title",
        "headline",
        "p-name",
        "msotitle",
    },
    "subtitle": {"subtitle", "msosubtitle"},  # Mso…: Word's "Save as web page"
    "author": {"author", "byline", "entry-author", "post-author", "article-author", "p-author"},
    "date": {"date", "dateline", "published", "entry-date", "post-date", "dt-published"},
}
INLINE_NOTES = {"footnote", "sidenote", "marginnote", "inline-note"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
MAX_NOTE_CHARS = 20_000  # a note longer than this is taken for a section the link leads to
NOTE_ROLES = {"doc-footnote", "doc-endnote", "doc-footnotes", "doc-endnotes"}
NOTE_TYPES = {"footnote", "endnote", "rearnote", "note", "footnotes", "endnotes", "rearnotes"}
BACKLINK = re.compile(r"backlink|footnote-back|footnoteback|cite-backlink")
MARK = re.compile(r"^[\[(]?(?:\d{1,4}|[a-z]|[ivxlc]{1,6}|[*†‡§¶]{1,3})[\])]?\.?$", re.I)


def import_file(path: Path) -> Draft:
    """The Draft of the web page at `path`."""
    where = SourceLocation(str(path))
    data = read_input(path, MAX_PAGE_BYTES, "web page")
    draft = Draft(path)
    encoding = _encoding(data, draft, path.name)
    parser = html.HTMLParser(
        encoding=encoding, no_network=True, remove_comments=True, remove_pis=True
    )
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise SourceError(f"cannot read the web page: {exc}", where) from None
    for error in parser.error_log:
        if "depth" in error.message.casefold():  # libxml2 stops there: the rest is lost
            raise SourceError(
                "elements nested more than 256 deep: the page is not read past them",
                SourceLocation(str(path), error.line),
            )
    PageReader(root, draft, path.name).read()
    return draft


_DECLARED = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w-]+)", re.I)


def _encoding(data: bytes, draft: Draft, name: str) -> str | None:
    """The page's encoding: a byte order mark or a <meta charset> is believed (None: the
    parser reads them); a page that says nothing is UTF-8 if it decodes as such, else
    Windows-1252, the web's default for old Western pages."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or _DECLARED.search(
        data[:4096]
    ):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        draft.guess(f"{name}:1", "encoding", "no charset declared: read as Windows-1252", 0.6)
        return "windows-1252"
    return "utf-8"


def _classes(element: etree._Element) -> set[str]:
    words = f"{element.get('class', '')} {element.get('id', '')}".casefold()
    return set(re.split(r"[\s_-]+", words)) - {""}


def _text(element: etree._Element) -> str:
    return clean(element.text_content())


class PageReader:
    """One reading of a page into `draft`."""

    def __init__(self, root: etree._Element, draft: Draft, name: str) -> None:
        self.root, self.draft, self.name = root, draft, name
        self.wheres: list[str] = []
        # Keyed by the elements themselves: lxml keeps one proxy per node while it is held.
        self.labels: dict[etree._Element, str] = {}  # a note's element → its label
        self.calls: dict[etree._Element, str] = {}  # a call's link → its note's label
        self.note_elements: list[etree._Element] = []
        self.marks: dict[etree._Element, etree._Element] = {}  # a note → the element linked to
        self._holders: set[etree._Element] | None = None
        self.title_labels: set[str] = set()  # the notes called from the title
        self.pages: set[str] = set()  # the original's pages marked so far
        self.inline_notes: list[Note] = []  # notes written at their calls
        self.carried: list[Piece] = []  # page marks waiting for the next paragraph

    def where(self, element: etree._Element) -> str:
        return f"{self.name}:{element.sourceline or 0}"

    def read(self) -> None:
        meta = self._meta_fields()  # before <head> is dropped with the scripts
        self._drop(self.root, DROPPED, roles=set(), hidden=True)
        content = self._content()
        self._find_notes(content)
        pandoc_header = self.root.find(".//header[@id='title-block-header']")
        for holder in (pandoc_header, content):
            if holder is not None:
                self._classed_fields(holder, several_authors=holder is pandoc_header)
        self._information(content)
        # An article's own <header> holds its title and byline; the page's is the site's.
        own = {"footer", "aside"} if content.tag in {"article", "main"} else FURNITURE
        self._drop(content, own, roles=FURNITURE_ROLES, hidden=False, keep_notes=True)
        if images := sum(1 for _ in content.iter("img")):
            what = f"{images} image(s) not imported (nothing the page links is fetched)"
            self.draft.guess(self.where(content), "dropped", what, 0.5)
        self._walk(content)
        if self.carried and self.draft.blocks:  # a page's marker after the last paragraph
            last = self.draft.blocks[-1]
            marks = inline_markdown(self.carried)
            self.draft.blocks[-1] = Block(last.kind, f"{last.text} {marks}", last.level)
        self._header(meta, content)
        raise_headings(self.draft, self.where(content))
        self.draft.notes = [self._note(element) for element in self.note_elements]
        self.draft.notes += self.inline_notes
        match_typed_notes(self.draft, self.wheres)
        settle_notes(self.draft, self.title_labels)
        finish_fields(self.draft)

    # What is not the text -----------------------------------------------------------------

    def _drop(
        self,
        within: etree._Element,
        tags: set[str],
        roles: set[str],
        hidden: bool,
        keep_notes: bool = False,
    ) -> None:
        dropped: dict[str, int] = {}
        for element in list(within.iter()):
            if not isinstance(element.tag, str) or element.getparent() is None:
                continue
            if keep_notes and self._holds_notes(element):
                continue
            tag = element.tag.casefold()
            furniture = tag in tags or element.get("role", "").casefold() in roles
            if keep_notes and not furniture:  # inside the article: the site's own blocks
                classes = _classes(element)
                unprinted = set(element.get("class", "").casefold().split()) & UNPRINTED
                furniture = bool(unprinted) or (
                    tag in {"div", "section", "ul", "p", "table"}
                    and bool(classes & FURNITURE_CLASSES)
                )
            if hidden and not furniture:
                style = element.get("style", "").replace(" ", "").casefold()
                furniture = (
                    element.get("hidden") is not None
                    or element.get("aria-hidden") == "true"
                    or "display:none" in style
                )
            if furniture:
                dropped[tag] = dropped.get(tag, 0) + 1
                _remove(element)
        if dropped and keep_notes:
            what = ", ".join(f"{n} <{t}>" for t, n in sorted(dropped.items()))
            self.draft.guess(self.where(within), "dropped", f"left out of the text: {what}", 0.8)

    def _holds_notes(self, element: etree._Element) -> bool:
        """Whether `element` is a note or holds one (the set is made once the notes are
        found: a page of thousands of elements and notes is read in linear time)."""
        if self._holders is None:
            self._holders = set(self.note_elements)
            for note in self.note_elements:
                self._holders.update(note.iterancestors())
        return element in self._holders

    def _content(self) -> etree._Element:
        """The element holding the article: the longest `<article>`, a `<main>`, or the
        element whose own paragraphs hold the most text."""
        body = self.root.find("body")
        body = body if body is not None else self.root
        for tag, sure in (("article", 0.9), ("main", 0.85)):
            found = [e for e in body.iter(tag)] + (
                body.xpath("//*[@role='main']") if tag == "main" else []
            )
            if found:
                best = max(found, key=lambda e: len(_text(e)))
                self.draft.guess(
                    self.where(best), "dropped", f"the text is the page's <{tag}>", sure
                )
                return best
        scores: dict[etree._Element, int] = {}
        for p in body.iter("p"):
            parent = p.getparent()
            if any(a.tag in FURNITURE for a in p.iterancestors()):
                continue  # a byline in a <header>, a blurb in an <aside>
            if parent is not None:
                scores[parent] = scores.get(parent, 0) + len(_text(p))
        if not scores:
            return body
        best = max(scores, key=scores.__getitem__)
        if best is not body and scores[best] * 2 < len(_text(body)) * 0.5:
            best = body  # text outside paragraphs too (an old page's <br>-broken text)
        self.draft.guess(
            self.where(best),
            "dropped",
            f"the text is the <{best.tag}> with the most paragraphs",
            0.6,
        )
        return best

    # Notes --------------------------------------------------------------------------------

    def _find_notes(self, content: etree._Element) -> None:
        """Each call in `content` matched to the note it leads to, labelled in call order."""
        targets = self._targets()
        order = {element: index for index, element in enumerate(self.root.iter())}
        for link in content.iter("a"):
            href = link.get("href", "")
            if not href.startswith("#") or len(href) < 2:
                continue
            target = targets.get(href[1:])
            if target is None or not self._is_call(link) or _is_ancestor(target, link):
                continue
            note = self._note_block(target)
            # A note comes after its call: a link back up the page is the note's backlink.
            if note is None or _is_ancestor(note, link) or order[note] < order[link]:
                continue
            if any(a in self.labels for a in link.iterancestors()):
                continue  # a link inside a note
            if note not in self.labels:
                self.labels[note] = str(len(self.labels) + 1)
                self.note_elements.append(note)
                self.marks[note] = target
                self.draft.guess(
                    self.where(link),
                    "note",
                    f"the note at {href} (line {note.sourceline}) at its call",
                    0.95,
                )
            self.calls[link] = self.labels[note]

    def _targets(self) -> dict[str, etree._Element]:
        targets: dict[str, etree._Element] = {}
        for element in self.root.iter():
            if not isinstance(element.tag, str):
                continue
            for key in ("id", "name") if element.tag == "a" else ("id",):
                if value := element.get(key):
                    targets.setdefault(value, element)
        return targets

    def _is_call(self, link: etree._Element) -> bool:
        role = f"{link.get('role', '')} {link.get('epub:type', '')}".casefold()
        if "noteref" in role or "footnote-ref" in link.get("class", ""):
            return True
        mark = _text(link)
        if not MARK.match(mark):
            return False
        inside_sup = link.find(".//sup") is not None or any(
            a.tag == "sup" for a in link.iterancestors()
        )
        named = " ".join(link.get(key, "") for key in ("class", "id", "name")).casefold()
        return inside_sup or bool(re.match(r"^[\[(*†]", mark) or CALL_NAMES.search(named))

    def _note_block(self, target: etree._Element) -> etree._Element | None:
        """The element holding the note `target` marks: the target itself when it is a
        block (`<li id>`, `<aside id>`), else the block that begins with it."""
        block = target
        if target.tag not in BLOCKS:
            block = next((a for a in target.iterancestors() if a.tag in BLOCKS), None)
        if block is None or block.tag in {"body", "html", "article", "main", "section"}:
            return None
        if any(h.tag in HEADINGS for h in block.iter()) or len(_text(block)) > MAX_NOTE_CHARS:
            return None  # a section the link leads to, not a note
        return block

    def _note(self, element: etree._Element) -> Note:
        label = self.labels[element]
        mark = self.marks[element]
        if mark is not element and MARK.match(_text(mark)):
            _remove(mark)  # the note's own number (`<a name="n1">[1]</a>`), linked to
        for link in list(element.iter("a", "span", "sup")):
            classes = f"{link.get('class', '')} {link.get('role', '')}".casefold()
            if BACKLINK.search(classes) or _text(link) in {"↩", "↩︎", "^", "↑"}:
                _remove(link)
        paragraphs = [p for p in element if isinstance(p.tag, str) and p.tag in BLOCKS]
        parts = paragraphs if paragraphs and not _loose_text(element) else [element]
        texts = [inline_markdown(_strip_mark(self._pieces(p))) for p in parts]
        return Note(label, tuple(t for t in texts if t) or ("",))

    # The text -----------------------------------------------------------------------------

    def _walk(self, container: etree._Element) -> None:
        """Blocks from `container`: its block children in turn, and the loose text between
        them as paragraphs (an old page's text with only `<br>` in it)."""
        pending: list[Piece] = [Run(container.text or "")]
        pending_at = container
        for element in container:
            if not isinstance(element.tag, str):
                pass
            elif element in self.labels:
                self._drop_notes_heading()  # a note: placed at its call
            elif self._holds_notes(element):
                self._paragraph(pending, pending_at)
                pending = []
                self._walk_notes_holder(element)
            elif element.tag == "br" and _next_is_br(element):
                self._paragraph(pending, pending_at)
                pending = []
            elif element.tag in BLOCKS and _page_of(element) is None:
                self._paragraph(pending, pending_at)
                pending = []
                self._block(element)
            else:
                if not plain(pending):
                    pending_at = element
                pending += self._inline(element)
            if element.tail:
                pending.append(Run(element.tail))
        self._paragraph(pending, pending_at)

    def _walk_notes_holder(self, element: etree._Element) -> None:
        """A block holding notes (Pandoc's section, an <ol> of references): what is in it
        besides the notes (a heading "Notes") is kept only if it is more than a heading."""
        self._drop_notes_heading()
        rest = [c for c in element if isinstance(c.tag, str) and not self._holds_notes(c)]
        if any(c.tag not in HEADINGS | {"hr"} and _text(c) for c in rest):
            self._walk(element)
            return
        for heading in rest:
            if _text(heading):
                self.draft.guess(
                    self.where(heading), "dropped", f"the notes' heading '{_text(heading)}'", 0.8
                )

    def _drop_notes_heading(self) -> None:
        blocks = self.draft.blocks
        if (
            blocks
            and blocks[-1].kind == "heading"
            and NOTES_HEADING.match(_unmark(blocks[-1].text))
        ):
            what = f"the notes' heading '{blocks.pop().text}'"
            self.draft.guess(self.wheres.pop(), "dropped", what, 0.8)

    def _block(self, element: etree._Element) -> None:
        tag = element.tag
        if re.fullmatch(r"h[1-6]", tag):
            self._add(
                Block("heading", inline_markdown(self._pieces(element)), int(tag[1])), element
            )
        elif tag == "blockquote":
            self._quote(element)
        elif tag in {"ul", "ol"}:
            self._list(element, level=1)
        elif tag == "pre":
            lines = [_indent_of(line) + clean(line) for line in element.text_content().splitlines()]
            self._add(Block("verse", "\n".join(_escape_lines(lines))), element)
        elif tag in {"p", "dt", "dd", "figcaption", "caption", "address", "summary", "li"}:
            if _has_blocks(element):
                self._walk(element)
            else:
                self._paragraph(self._pieces(element), element)
        elif tag != "hr":
            self._walk(element)

    def _quote(self, element: etree._Element) -> None:
        start = len(self.draft.blocks)
        self._walk(element)
        inner = self.draft.blocks[start:]
        if not inner:
            return
        del self.draft.blocks[start:]
        wheres = self.wheres[start:]
        del self.wheres[start:]
        text = "\n\n".join(b.text for b in inner)
        self.draft.blocks.append(Block("quote", text))
        self.wheres.append(wheres[0])

    def _list(self, element: etree._Element, level: int) -> None:
        kind = "numbered" if element.tag == "ol" else "item"
        for item in element:
            if isinstance(item.tag, str) and item not in self.labels:
                self._item(item, kind, level)

    def _item(self, item: etree._Element, kind: str, level: int) -> None:
        """A list item, its own lists after it one level down (deeper ones stay at 4:
        publish stops indenting past five levels)."""
        own = [c for c in item if isinstance(c.tag, str) and c.tag in {"ul", "ol"}]
        for nested in own:
            _remove(nested)
        if _has_blocks(item):
            start = len(self.draft.blocks)
            self._walk(item)
            inner = self.draft.blocks[start:]
            del self.draft.blocks[start:], self.wheres[start:]
            self._add(Block(kind, " ".join(b.text for b in inner), level), item)
        else:
            self._add(Block(kind, inline_markdown(self._pieces(item)), level), item)
        for nested in own:
            self._list(nested, min(level + 1, 4))

    def _paragraph(self, pieces: list[Piece], element: etree._Element) -> None:
        if not plain(pieces):  # a page's marker between paragraphs opens the next one
            self.carried += [p for p in pieces if isinstance(p, PageMark)]
            return
        self._add(Block("paragraph", inline_markdown(pieces)), element)

    def _is_inline_note(self, element: etree._Element) -> bool:
        """A note written where it is called (`<span class="footnote">…</span>`, as print
        style sheets and Paged.js have it), not a call's wrapper."""
        classes = set(element.get("class", "").casefold().split())
        return (
            element.tag in {"span", "small"}
            and bool(classes & INLINE_NOTES)
            and not any(a in self.calls for a in element.iter("a"))
        )

    def _inline_note(self, element: etree._Element) -> Call:
        label = f"i{len(self.inline_notes) + 1}"
        self.inline_notes.append(Note(label, (inline_markdown(self._pieces(element)),)))
        self.draft.guess(self.where(element), "note", "a note written at its call", 0.9)
        return Call(label)

    def _page_mark(self, page: str, element: etree._Element) -> list[Piece]:
        """`{pag=N}` where page N of the original begins, once per page (a page marked
        twice keeps its first marker)."""
        if page in self.pages:
            self.draft.guess(
                self.where(element), "page", f"page {page} marked again: left out", 0.5
            )
            return []
        self.pages.add(page)
        self.draft.guess(self.where(element), "page", f"the original's page {page} begins", 0.9)
        return [PageMark(page)]

    def _add(self, block: Block, element: etree._Element) -> None:
        if self.carried and block.kind in ("paragraph", "quote", *LIST_KINDS) and block.text:
            block = Block(block.kind, inline_markdown(self.carried) + block.text, block.level)
            self.carried = []
        if block.kind in LIST_KINDS:
            block = Block(block.kind, block.text, list_level(self.draft.blocks, block.level))
        if block.text:
            self.draft.blocks.append(block)
            self.wheres.append(self.where(element))

    def _pieces(
        self, element: etree._Element, italic: bool = False, bold: bool = False
    ) -> list[Piece]:
        pieces: list[Piece] = [Run(element.text or "", italic, bold)]
        for child in element:
            if isinstance(child.tag, str):
                pieces += self._inline(child, italic, bold)
            pieces.append(Run(child.tail or "", italic, bold))
        return pieces

    def _inline(
        self, element: etree._Element, italic: bool = False, bold: bool = False
    ) -> list[Piece]:
        if element in self.calls:
            return [Call(self.calls[element])]
        if element in self.labels:
            return []
        if (page := _page_of(element)) is not None:
            return self._page_mark(page, element)
        if self._is_inline_note(element):
            return [self._inline_note(element)]
        tag = element.tag
        if tag in {"br", "img", "hr"}:
            return [Run(" ")]
        style = element.get("style", "").replace(" ", "").casefold()
        italic = italic or tag in ITALIC or "font-style:italic" in style
        bold = bold or tag in BOLD or "font-weight:bold" in style
        if tag == "sup" and (
            calls := [Call(self.calls[a]) for a in element.iter("a") if a in self.calls]
        ):
            return calls  # <sup><a href="#fn1">1</a></sup>: the mark is the call's
        pieces = self._pieces(element, italic, bold)
        if tag == "q":
            return [Run("“"), *pieces, Run("”")]
        if tag == "sup" and re.fullmatch(r"\d{1,3}", plain(pieces)):
            return [Raised(plain(pieces))]  # a call typed by hand, or a raised number
        return pieces

    # The header ---------------------------------------------------------------------------

    def _meta_fields(self) -> dict[str, tuple[str, str, float]]:
        """Fields the page's <head> and <html> state: name → (value, where, sure)."""
        found: dict[str, tuple[str, str, float]] = {}
        names = {
            "author": ("author", 0.9), "dc.creator": ("author", 0.9), "article:author": ("author", 0.7),
            "date": ("date", 0.9), "dc.date": ("date", 0.9), "dcterms.date": ("date", 0.9),
            "dcterms.created": ("date", 0.8), "article:published_time": ("date", 0.8),
            "citation_publication_date": ("date", 0.8), "citation_title": ("title", 0.9),
            "og:title": ("title", 0.8), "dc.title": ("title", 0.9), "citation_author": ("author", 0.9),
        }  # fmt: skip
        for meta in self.root.iter("meta"):
            key = (meta.get("name") or meta.get("property") or "").casefold()
            value = " ".join((meta.get("content") or "").split())
            if key in names and value and not value.startswith("http"):
                field, sure = names[key]
                found.setdefault(field, (value, self.where(meta), sure))
        title = self.root.find(".//title")
        if title is not None and _text(title):
            found.setdefault("page-title", (_text(title), self.where(title), 0.6))
        body = self.root.find("body")
        for holder, sure in ((self.root, 0.9), (body, 0.8)):  # Word and LibreOffice: <body lang>
            lang = holder.get("lang") or holder.get("xml:lang") if holder is not None else None
            if lang and "lang" not in found:
                found["lang"] = (language_tag(lang), self.where(holder), sure)
        return found

    def _header(self, meta: dict[str, tuple[str, str, float]], content: etree._Element) -> None:
        """The title from the text's first heading when it is an <h1> (taken out of the
        text: publish prints the title), else the metadata's or the <title>'s; then the
        author and date lines under it, then what the metadata says."""
        blocks = self.draft.blocks
        h1_at = [i for i, b in enumerate(blocks[:3]) if b.kind == "heading" and b.level == 1]
        if "title" in self.draft.fields:
            pass
        elif h1_at and _count_h1(blocks) == 1:  # the text's one <h1>, at its head
            first = blocks.pop(h1_at[0])
            self.title_labels |= set(re.findall(r"\[\^([^\]]+)\]", first.text))
            self._field("title", _unmark(first.text), self.wheres.pop(h1_at[0]), 0.9)
        elif len(h1s := list(self.root.iter("h1"))) == 1 and not _is_ancestor(content, h1s[0]):
            self._field("title", _text(h1s[0]), self.where(h1s[0]), 0.8)
        header_lines(self.draft, self.wheres)
        for element in content.iter("time"):
            if "date" not in self.draft.fields and (
                found := iso_date(element.get("datetime") or _text(element))
            ):
                self._field("date", found[0], self.where(element), 0.7)
        for name, (value, where, sure) in meta.items():
            if name == "page-title":
                name, value = "title", _site_name_cut(value)
            if name == "date":
                found = iso_date(value) or iso_date(value[:10])
                if not found:
                    continue
                value = found[0]
            if name not in self.draft.fields:
                self._field(name, value, where, sure)

    def _classed_fields(self, within: etree._Element, several_authors: bool) -> None:
        """Fields from the elements of the text (or Pandoc's title block) classed as such:
        Pandoc's `h1.title`, `p.author`, `p.date`; a blog's `.byline`, `.entry-date`.
        Whole class names only (a `.widget-title` is not the title); taken out of the text."""
        for element in list(within.iter()):
            if not isinstance(element.tag, str) or element is within or _has_blocks(element):
                continue
            classes = set(element.get("class", "").casefold().split())
            name = next((n for n, words in CLASSED.items() if classes & words), None)
            text = _text(element) if name else ""  # read only where the class names a field
            if not text or len(text) > 200:
                continue
            if name in ("title", "subtitle") and element.tag not in HEADINGS | {"p"}:
                continue
            word_title = classes & {"msotitle", "msosubtitle"}
            if (
                name in ("title", "subtitle")
                and element.tag == "p"
                and not (word_title or several_authors)
            ):
                continue  # a `p.title` is an author's name or a series' on some archives
            if name is None or (name in self.draft.fields and not several_authors):
                continue
            if name == "author" and several_authors:  # Pandoc's: a p.author for each
                add_author(self.draft, text, self.where(element), 0.85)
                _remove(element)
                continue
            if name in self.draft.fields:
                continue
            value = text
            if name == "date":
                found = iso_date(element.get("datetime") or text)
                if not found:
                    continue
                value = found[0]
            elif name == "author":
                value = re.sub(r"^(?:by|por|par|von)\s+", "", text, flags=re.I)
            self._field(name, value, self.where(element), 0.85)
            if name == "title":
                self.title_labels |= {self.calls[a] for a in element.iter("a") if a in self.calls}
            _remove(element)

    def _information(self, content: etree._Element) -> None:
        """An archive's information block (marxists.org's `<p class="information">`, or one
        of the first paragraphs made only of "Label: value" lines): its date, source and
        translator are fields, and the block is taken out of the text."""
        first = [p for p in content.iter("p")][:3]
        classed = [e for e in content.iter() if "information" in e.get("class", "").split()]
        for element in dict.fromkeys([*classed, *first]):
            if element.getparent() is None:
                continue
            if info_fields([(line, line) for line in _plain_lines(element)]) is None:
                continue  # told without reading the lines' markup (which marks pages)
            lines = self._lines(element)
            fields = info_fields([(plain(line), inline_markdown(line)) for line in lines]) or {}
            for name, (value, sure) in fields.items():
                if name not in self.draft.fields:
                    self._field(name, value, self.where(element), sure)
            self.draft.guess(self.where(element), "dropped", "the information block", 0.8)
            _remove(element)

    def _lines(self, element: etree._Element) -> list[list[Piece]]:
        """The element's lines as its `<br>` break them."""
        lines: list[list[Piece]] = [[Run(element.text or "")]]
        for child in element:
            if child.tag == "br":
                lines.append([])
            elif isinstance(child.tag, str):
                lines[-1] += self._inline(child)
            lines[-1].append(Run(child.tail or ""))
        return lines

    def _field(self, name: str, value: str, where: str, sure: float) -> None:
        self.draft.fields[name] = value
        self.draft.guess(where, "field", f"{name} = {value}", sure)


PAGE_CLASSES = {"pagenum", "pagenumber", "page-number", "page-num", "pb", "pagebreak", "page-break"}
_PAGE_IN_TEXT = re.compile(
    r"^[\[(]?\s*(?:p(?:g|ag|ág|age)?\.?\s*)?(\d{1,5}[rv]?|[ivxlcdm]{1,8})\s*[\])]?$", re.I
)
_PAGE_IN_ID = re.compile(r"(?:^|page|pag|pg|p)[_.\-]?(\d{1,5}[rv]?|[ivxlcdm]{1,8})$", re.I)


def _page_of(element: etree._Element) -> str | None:
    """The original's page an element marks (Project Gutenberg's `<span class="pagenum">
    [Pg 206]</span>`, Wikisource's, an EPUB's `epub:type="pagebreak"` with its `title`),
    or None for an element that marks none."""
    kinds = f"{element.get('role', '')} {element.get('epub:type', '')}".casefold()
    classes = set(element.get("class", "").casefold().split())
    if not (classes & PAGE_CLASSES or "pagebreak" in kinds):
        return None
    for value, pattern in (
        (element.get("data-page-number"), _PAGE_IN_TEXT),
        (element.get("title"), _PAGE_IN_TEXT),
        (element.get("aria-label"), _PAGE_IN_TEXT),
        (_text(element), _PAGE_IN_TEXT),
        (element.get("id"), _PAGE_IN_ID),
        *((a.get("id") or a.get("name"), _PAGE_IN_ID) for a in element.iter("a")),
    ):
        if value and (match := pattern.search(value.strip())):
            return match.group(1)
    return None


def _plain_lines(element: etree._Element) -> list[str]:
    parts = [element.text or ""]
    for child in element:
        parts += ["\n" if child.tag == "br" else _text(child), child.tail or ""]
    return [clean(line) for line in "".join(parts).split("\n")]


def _next_is_br(element: etree._Element) -> bool:
    following = element.getnext()
    return following is not None and following.tag == "br" and not (element.tail or "").strip()


def _has_blocks(element: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag in BLOCKS for c in element)


def _loose_text(element: etree._Element) -> bool:
    if (element.text or "").strip():
        return True
    return any(
        (c.tail or "").strip() or (isinstance(c.tag, str) and c.tag not in BLOCKS) for c in element
    )


def _strip_mark(pieces: list[Piece]) -> list[Piece]:
    """A note's text without its own number at its head (`1.`, `[1]`, `^`)."""
    text = plain(pieces)
    match = re.match(r"^\s*(?:\^\s*)?(?:[\[(]?\d{1,4}[\])]?\.?|[*†‡]{1,3})(?=\s|$)", text)
    if not match:
        return pieces
    drop = len(match.group(0).replace(" ", ""))  # the mark's characters, spaces aside
    out: list[Piece] = []
    for piece in pieces:
        while drop > 0 and isinstance(piece, Run) and piece.text:
            head, rest = piece.text[0], piece.text[1:]
            drop -= 0 if head.isspace() else 1
            piece = Run(rest, piece.italic, piece.bold)
        out.append(piece)
    return out


def _indent_of(line: str) -> str:
    """A line's leading spaces (tabs as four), which a line block keeps."""
    expanded = line.expandtabs(4)
    return " " * (len(expanded) - len(expanded.lstrip()))


def _escape_lines(lines: list[str]) -> list[str]:
    return [escape(line) if line else "" for line in lines]


def _count_h1(blocks: list[Block]) -> int:
    return sum(1 for b in blocks if b.kind == "heading" and b.level == 1)


def _site_name_cut(title: str) -> str:
    """A <title> without the site's name after " | " or " - "."""
    return re.split(r"\s+[|–—-]\s+", title)[0]


def _unmark(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", re.sub(r"\*+|\[\^[^\]]*\]", "", markdown))


def _is_ancestor(ancestor: etree._Element, element: etree._Element) -> bool:
    return any(a is ancestor for a in element.iterancestors())


def _remove(element: etree._Element) -> None:
    """Take `element` out, leaving the text after it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)
