"""KEPUB writer: the book's EPUB, made into a Kobo EPUB (`NAME.kepub.epub`) as Kobo's own
conversion and kepubify (github.com/pgaskin/kepubify, kepub/transform.go) make it.

The EPUB writer writes the book to a temporary file; each XHTML page of its manifest is then
changed as kepubify's `TransformContent` changes it, and everything else is copied as it is,
in the same order, with the same dates, so that one input gives one set of bytes:

- the `kobostylehacks` style at the end of `<head>` (kepubify's own rule);
- the body's content wrapped in `<div id="book-columns"><div id="book-inner">`, which Kobo
  paginates;
- each sentence in a `<span class="koboSpan" id="kobo.P.S">`, P counting the paragraphs
  (`p`, lists, tables and headings that hold text, and each image) and S the sentences of
  one paragraph, from 1, exactly as kepubify counts and splits them: Kobo's highlights,
  bookmarks and reading position are anchored to these spans.

The notes stay as the EPUB has them: calls `<a epub:type="noteref">`, notes `<aside
epub:type="footnote">` with their back links, which Kobo shows as pop-ups. The OPF is kept:
its cover is already the `cover-image` item kepubify would mark, and the first page of the
spine is the cover, so kepubify's blank title page is not needed. There are no scripts.
"""

from __future__ import annotations

import posixpath
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote, urldefrag

import jinja2
from lxml import etree

from publish import model as m
from publish.errors import OutputError, SourceLocation, SourceWarning
from publish.settings import Settings
from publish.writers import atomic_output
from publish.writers.epub import write_epub
from publish.writers.print_pages import PrintPage

XHTML = "http://www.w3.org/1999/xhtml"
OPF = "http://www.idpf.org/2007/opf"
CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
XHTML_MEDIA_TYPE = "application/xhtml+xml"
NCX_MEDIA_TYPE = "application/x-dtbncx+xml"
KOBO_ID = re.compile(r"kobo\.\d+\.\d+")  # the ids koboSpans take

# kepubify's `transformContentKoboStyles`: Kobo's own style hacks, less what harms a book.
KOBO_STYLE_CLASS = "kobostylehacks"
KOBO_STYLE = "div#book-inner { margin-top: 0; margin-bottom: 0;}"
BOOK_COLUMNS, BOOK_INNER = "book-columns", "book-inner"
SPAN_CLASS = "koboSpan"

# What kepubify leaves as it is (its text is never split), what starts a paragraph when it
# holds text, and what is a paragraph of its own (an image).
_UNTOUCHED = frozenset({"script", "style", "pre", "audio", "video", "svg", "math"})
_PARAGRAPHS = frozenset({"p", "ol", "ul", "table", "h1", "h2", "h3", "h4", "h5", "h6"})

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)

# Go's unicode.IsSpace (the White_Space property), which kepubify's isSpace uses.
_WHITE_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def write_kepub(
    target: m.Document | m.Book,
    env: jinja2.Environment,
    out_path: Path,
    *,
    project_root: Path | None = None,
    settings: Settings | None = None,
    warn: Callable[[SourceWarning], None] | None = None,
    print_pages: Sequence[PrintPage] | None = None,
) -> None:
    """Write the book as a Kobo EPUB to `out_path`, replacing it only when all went well."""
    where = SourceLocation(str(out_path))
    try:
        with tempfile.TemporaryDirectory(prefix="publish-kepub-") as folder:
            epub_path = Path(folder) / "book.epub"
            try:
                write_epub(target, env, epub_path, project_root=project_root, settings=settings,
                           warn=warn, print_pages=print_pages)  # fmt: skip
            except OutputError as exc:  # told at the KEPUB, not at the EPUB it is made from
                if exc.location is None or exc.location.path != str(epub_path):
                    raise
                raise OutputError(exc.message.replace("EPUB", "KEPUB"), where) from None
            with atomic_output(out_path) as tmp:
                kepubify(epub_path, tmp)
    except OSError as exc:
        raise OutputError(f"cannot write the KEPUB: {exc.strerror or exc}", where) from None


def kepubify(epub_path: Path, kepub_path: Path) -> None:
    """Copy the EPUB at `epub_path` to `kepub_path`, each XHTML page made a Kobo page."""
    with zipfile.ZipFile(epub_path) as source:
        pages, ncx = content_documents(source)
        trees = {name: parse_page(source.read(name)) for name in sorted(pages)}
        renamed = free_kobo_ids(trees)
        with zipfile.ZipFile(kepub_path, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                if info.filename in trees:
                    data = kobo_page(trees[info.filename])
                elif info.filename == ncx and renamed:
                    data = relink_ncx(data, ncx, renamed)
                copied = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                copied.compress_type = info.compress_type
                copied.create_system = info.create_system
                copied.external_attr = info.external_attr
                target.writestr(copied, data)


def content_documents(book: zipfile.ZipFile) -> tuple[set[str], str | None]:
    """The XHTML pages of the manifest (the navigation document too, as kepubify does), and
    the NCX."""
    container = etree.fromstring(book.read("META-INF/container.xml"))
    opf_name = container.find(f".//{{{CONTAINER}}}rootfile").get("full-path")
    opf = etree.fromstring(book.read(opf_name))
    folder = Path(opf_name).parent
    items = {
        (folder / item.get("href")).as_posix(): item.get("media-type")
        for item in opf.iter(f"{{{OPF}}}item")
    }
    pages = {name for name, kind in items.items() if kind == XHTML_MEDIA_TYPE}
    ncx = next((name for name, kind in items.items() if kind == NCX_MEDIA_TYPE), None)
    return pages, ncx


def parse_page(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(data, parser)


def free_kobo_ids(trees: dict[str, etree._Element]) -> dict[tuple[str, str], str]:
    """An id of the text's own that a koboSpan may take (`{#kobo.2.1}`) becomes
    `publish-kobo.2.1`, and every link to it follows: ids stay unique in each page.
    Returns (page, old id) → new id; nothing changes in a book without such an id."""
    renamed: dict[tuple[str, str], str] = {}
    for name, root in trees.items():
        ids = set(root.xpath("//@id"))
        for element in root.xpath("//*[@id]"):
            old = element.get("id")
            if not KOBO_ID.fullmatch(old):
                continue
            new = f"publish-{old}"
            while new in ids:
                new += "-"
            ids.add(new)
            element.set("id", new)
            renamed[name, old] = new
    if renamed:
        for name, root in trees.items():
            relink_page(root, name, renamed)
    return renamed


def relink_page(root: etree._Element, name: str, renamed: dict[tuple[str, str], str]) -> None:
    for element in root.xpath("//*[@href]"):
        element.set("href", relinked(element.get("href"), name, renamed))
    for attribute in ("aria-labelledby", "aria-describedby"):
        for element in root.xpath(f"//*[@{attribute}]"):
            refs = [renamed.get((name, ref), ref) for ref in element.get(attribute).split()]
            element.set(attribute, " ".join(refs))


def relink_ncx(data: bytes, name: str, renamed: dict[tuple[str, str], str]) -> bytes:
    root = parse_page(data)
    for element in root.xpath("//*[@src]"):
        element.set("src", relinked(element.get("src"), name, renamed))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")


def relinked(href: str, base: str, renamed: dict[tuple[str, str], str]) -> str:
    """`href`, written in the file `base`, pointed at the renamed id it led to."""
    path, fragment = urldefrag(href)
    if not fragment or ":" in path.split("/")[0]:
        return href
    target = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(path)))
    new = renamed.get((target if path else base, fragment))
    return href if new is None else f"{path}#{new}"


def kobo_page(root: etree._Element) -> bytes:
    """An XHTML page as Kobo's conversion makes it: style hacks, book divs, sentence spans."""
    head, body = root.find(f"{{{XHTML}}}head"), root.find(f"{{{XHTML}}}body")
    add_kobo_style(head)
    wrap_body(body)
    add_kobo_spans(body)
    close_explicitly(root)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")


def close_explicitly(root: etree._Element) -> None:
    """`<p></p>`, never `<p/>`: only void elements close themselves, as kepubify renders a
    page (polyglot XHTML), so that a reader parsing it as HTML sees the same tree."""
    for element in root.iter(f"{{{XHTML}}}*"):
        if element.text is None and len(element) == 0 and _name(element) not in _VOID:
            element.text = ""


def add_kobo_style(head: etree._Element) -> None:
    style = etree.SubElement(head, f"{{{XHTML}}}style", {"type": "text/css"})
    style.set("class", KOBO_STYLE_CLASS)
    style.text = KOBO_STYLE
    if len(head) > 1:  # on a line of its own, before </head> as the last element was
        style.tail = head[-2].tail


def wrap_body(body: etree._Element) -> None:
    """`<body><div id="book-columns"><div id="book-inner">…</div></div></body>`."""
    columns = etree.Element(f"{{{XHTML}}}div", {"id": BOOK_COLUMNS})
    inner = etree.SubElement(columns, f"{{{XHTML}}}div", {"id": BOOK_INNER})
    inner.text, body.text = body.text, None
    for child in list(body):
        inner.append(child)  # its tail moves with it
    body.append(columns)


class SpanCounter:
    """kepubify's paragraph and sentence counters: `kobo.P.S`."""

    def __init__(self) -> None:
        self.paragraph = 0
        self.sentence = 0
        self.new_paragraph = False  # set by a p, list, table, heading or image; spent on its text

    def span(self) -> etree._Element:
        if self.new_paragraph:
            self.paragraph += 1
            self.sentence = 0
            self.new_paragraph = False
        self.sentence += 1
        span = etree.Element(f"{{{XHTML}}}span")
        span.set("class", SPAN_CLASS)
        span.set("id", f"kobo.{self.paragraph}.{self.sentence}")
        return span


def add_kobo_spans(body: etree._Element) -> None:
    """A koboSpan around each sentence of the body's text, and around each image."""
    _visit(body, SpanCounter())


def _name(element: etree._Element) -> str | None:
    """An element's local name; None for a comment or a processing instruction."""
    if not isinstance(element.tag, str):
        return None
    return etree.QName(element).localname


def _visit(element: etree._Element, counter: SpanCounter) -> etree._Element:
    """kepubify's depth-first walk; returns what now stands where `element` stood."""
    name = _name(element)
    if name is None:
        return element
    is_html = etree.QName(element).namespace == XHTML
    if is_html and name == "img":
        counter.new_paragraph = True  # an image is a paragraph of its own
        span = counter.span()
        element.addprevious(span)
        span.tail, element.tail = element.tail, None
        span.append(element)
        return span
    if name in _UNTOUCHED:
        return element
    if is_html and name in _PARAGRAPHS:
        counter.new_paragraph = True
    in_paragraph = is_html and name == "p"
    children = list(element)
    if element.text:
        text, element.text = element.text, None
        _place(element, None, _sentences(text, in_paragraph, counter))
    for child in children:
        node = _visit(child, counter)
        if node.tail:
            tail, node.tail = node.tail, None
            _place(element, node, _sentences(tail, in_paragraph, counter))
    return element


def _sentences(text: str, in_paragraph: bool, counter: SpanCounter) -> list[str | etree._Element]:
    """The text's sentences, each in a koboSpan; white space outside a `p` stays bare."""
    pieces: list[str | etree._Element] = []
    for sentence in split_sentences(text):
        if is_space(sentence) and not in_paragraph:
            pieces.append(sentence)
        else:
            span = counter.span()
            span.text = sentence
            pieces.append(span)
    return pieces


def _place(
    parent: etree._Element, after: etree._Element | None, pieces: list[str | etree._Element]
) -> None:
    """Put `pieces` into `parent` where a text was: at its start, or after `after` (each
    element next to the one before it: no search for positions, however long the page)."""
    previous = after
    for piece in pieces:
        if isinstance(piece, str):
            if previous is None:
                parent.text = (parent.text or "") + piece
            else:
                previous.tail = (previous.tail or "") + piece
        else:
            if previous is None:
                parent.insert(0, piece)
            else:
                previous.addnext(piece)  # `previous` keeps its own tail, before `piece`
            previous = piece


def is_space(text: str) -> bool:
    """Go's isSpace in kepubify: every character white space (an empty text too)."""
    return all(char in _WHITE_SPACE for char in text)


# kepubify's splitSentences, a state machine over the characters.
_DEFAULT, _AFTER_PUNCT, _AFTER_PUNCT_EXTRA, _AFTER_SPACE = range(4)
_PUNCT, _EXTRA, _SPACE, _ANY = range(4)
_KINDS = {
    **dict.fromkeys(".!?", _PUNCT),
    **dict.fromkeys("'\"\u201d\u2019\u201c\u2026", _EXTRA),
    **dict.fromkeys("\t\n\f\r ", _SPACE),  # Go's \s: ASCII white space only
}
_STEPS = {
    _DEFAULT: {_PUNCT: _AFTER_PUNCT, _EXTRA: _DEFAULT, _SPACE: _DEFAULT, _ANY: _DEFAULT},
    _AFTER_PUNCT: {
        _PUNCT: _AFTER_PUNCT,
        _EXTRA: _AFTER_PUNCT_EXTRA,
        _SPACE: _AFTER_SPACE,
        _ANY: _DEFAULT,
    },
    _AFTER_PUNCT_EXTRA: {
        _PUNCT: _AFTER_PUNCT,
        _EXTRA: _DEFAULT,
        _SPACE: _AFTER_SPACE,
        _ANY: _DEFAULT,
    },
    _AFTER_SPACE: {_PUNCT: _AFTER_PUNCT, _EXTRA: _DEFAULT, _SPACE: _AFTER_SPACE, _ANY: _DEFAULT},
}


def split_sentences(text: str) -> list[str]:
    """Sentences as kepubify splits them: after `.`, `!` or `?` (and one closing quote or
    ellipsis) followed by ASCII white space, which stays with the sentence it ends."""
    sentences = []
    start = 0
    state = _DEFAULT
    for index, char in enumerate(text):
        kind = _KINDS.get(char, _ANY)
        if state == _AFTER_SPACE and kind != _SPACE:
            sentences.append(text[start:index])
            start = index
        state = _STEPS[state][kind]
    if start < len(text) or not sentences:
        sentences.append(text[start:])
    return sentences
