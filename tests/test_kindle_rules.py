"""The EPUB against what Amazon publishes for Send to Kindle and KDP, one rule per test.

Each test names its rule and where Amazon states it. The sources:

- KPG: Amazon Kindle Publishing Guidelines (version 2019.2, and the KDP help pages that now
  carry it: kdp.amazon.com/en_US/help/topic/…).
- HTML: KDP help "HTML and CSS Guidelines", topic GP2Z9DD4F2N4QKCY.
- TAGS: KPG Appendix "HTML tags supported in Kindle Format 8", KDP help topic
  GG5R7N649LECKP7U (the tags KF8 does not support).
- TEXT: KDP help "Text Guidelines - Reflowable", topic GH4DRT75GWWAGBTU (heading
  alignment, body text defaults, formatting paragraphs, footnote guidelines).
- LINKS: KDP help "Hyperlink Guidelines", topic GQ6JQ7FM6C72HE4X.
- IMAGES: KDP help "Image Guidelines - Reflowable", topic G75V4YX5X8GRGXWV.
- COVER: KDP help "Cover Image Guidelines", topic G6GTK3T3NUHKLEFX.
- NCX: KPG 2019.2 §5.2 "NCX Guidelines": Kindle devices and applications show two levels of
  nesting.
- SEND: Amazon help "Using Your Send to Kindle Email Address" (nodeId 201974220).

Every rule is checked on every reading-tier book (the two samples, Vindication and the book
of 150 notes), with both `notes` settings.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urldefrag

import cssselect2
import pytest
import tinycss2
from epub_helpers import EPUB_TYPE, NS, OpenedEpub, Page
from lxml import etree
from PIL import Image
from reading_books import BOOKS, NOTES_SETTINGS

BOOK_CASES = [(name, notes) for name in BOOKS for notes in NOTES_SETTINGS]
XHTML = NS["x"]
NCX = "http://www.daisy.org/z3986/2005/ncx/"


@pytest.fixture(params=BOOK_CASES, ids=[f"{n}-{s}" for n, s in BOOK_CASES])
def book(request, reading_book) -> Book:
    name, notes = request.param
    return Book(reading_book(name, notes), notes)


# HTML


# TAGS: the HTML5 elements Kindle Format 8 does not support.
KF8_UNSUPPORTED = frozenset(
    [
        "audio",
        "base",
        "big",
        "canvas",
        "center",
        "command",
        "datalist",
        "eventsource",
        "font",
        "form",
        "iframe",
        "input",
        "keygen",
        "marquee",
        "noscript",
        "param",
        "script",
        "video",
    ]
)
# HTML: forms, frames and JavaScript are not supported.
FORMS_AND_FRAMES = frozenset(
    [
        "form",
        "input",
        "button",
        "select",
        "textarea",
        "option",
        "fieldset",
        "frame",
        "frameset",
        "iframe",
        "object",
        "embed",
    ]
)


def test_no_scripts_forms_or_frames(book: Book) -> None:
    """HTML, "Scripting": scripting isn't supported, scripts are stripped; KF8 does not fully
    support forms, frames and JavaScript. No page has a script, a form control, a frame, an
    event handler or a javascript: link."""
    found = []
    for page, element in book.elements():
        name = etree.QName(element).localname
        if name == "script" or name in FORMS_AND_FRAMES:
            found.append((page.name, name))
        found += [(page.name, a) for a in element.attrib if a.lower().startswith("on")]
        href = (element.get("href") or element.get("src") or "").strip().lower()
        if href.startswith(("javascript:", "vbscript:")):
            found.append((page.name, href))
    assert found == []


def test_only_tags_kindle_format_8_supports(book: Book) -> None:
    """TAGS: audio, base, big, canvas, center, command, datalist, eventsource, font, form,
    iframe, input, keygen, marquee, noscript, param, script and video are not supported in
    Kindle Format 8; no page uses one."""
    used = {
        etree.QName(e).localname for _, e in book.elements() if etree.QName(e).namespace == XHTML
    }
    assert used & KF8_UNSUPPORTED == set()


def test_no_nested_paragraphs(book: Book) -> None:
    """HTML, "Nested <p> Tags": files with nested <p> tags do not convert properly."""
    nested = [
        page.name
        for page, element in book.elements()
        if etree.QName(element).localname == "p" and element.xpath("ancestor::x:p", namespaces=NS)
    ]
    assert nested == []


def test_file_references_match_the_files_exactly(book: Book) -> None:
    """HTML, "File References: Case and Spelling of Source": every file reference matches the
    case and spelling of the file, with "/" and never "\\" between folders."""
    names = set(book.zip.namelist())
    wrong = []
    for page, element in book.elements():
        for attribute in ("href", "src"):
            reference = element.get(attribute)
            if reference is None or re.match(r"^[a-z][a-z0-9+.-]*:", reference, re.I):
                continue  # a URL (https:, mailto:) is no file of the book
            path, _ = urldefrag(reference)
            if "\\" in reference or (path and page.target(reference)[0] not in names):
                wrong.append((page.name, reference))
    for sheet in book.sheets():
        for url in sheet.urls:
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(sheet.name), url))
            if "\\" in url or resolved not in names:
                wrong.append((sheet.name, url))
    assert wrong == []


def test_negative_values_are_compensated(book: Book) -> None:
    """HTML, "Negative Values": avoid negative values for positioning text and margins; a
    negative text-indent (a hanging indent) comes with a padding-left at least as wide."""
    wrong = []
    for sheet in book.sheets():
        for rule in sheet.rules:
            for name, value in rule.declarations.items():
                if not value.strip().startswith("-"):
                    continue
                if name == "text-indent":
                    padding = rule.declarations.get("padding-left", "0")
                    if length_em(padding) < -length_em(value):
                        wrong.append((rule.selector, name, value))
                elif name.startswith(("margin", "padding", "top", "left", "right", "bottom")):
                    wrong.append((rule.selector, name, value))
    assert wrong == []


# TEXT: body text, headings, paragraphs


ROOTS = ("html", "body", ":root")
BODY_TEXT_PROPERTIES = (
    "font-size",
    "line-height",
    "font-family",
    "color",
    "background",
    "background-color",
    "margin-left",
    "margin-right",
    "padding-left",
    "padding-right",
    "font-weight",
    "font-style",
)


def test_body_text_keeps_the_readers_defaults(book: Book) -> None:
    """TEXT, "Body Text Defaults": body text must use the default font size (1em) and line
    height, no forced font face, colour or background, no imposed left/right margin or
    padding, and must not be primarily bold or italic. No rule that reaches a body paragraph
    (`html`, `body`, `p`, `:root`, or any rule matching a plain text paragraph) sets one."""
    wrong = set()
    for page in book.pages():
        rules = {id(r): r for s in book.sheets_of(page) for r in s.rules if r.selector in ROOTS}
        for paragraph in book.plain_paragraphs(page):
            rules.update((id(r), r) for r in book.rules_for(page, paragraph))
        for rule in rules.values():
            for name in BODY_TEXT_PROPERTIES:
                value = rule.declarations.get(name)
                if value is None or value.startswith("var("):
                    continue
                if name.startswith(("margin", "padding")) and length_em(value) == 0:
                    continue
                wrong.add((rule.selector, name, value))
    assert sorted(wrong) == []


def test_paragraph_indents_are_at_most_4em(book: Book) -> None:
    """TEXT, "Formatting Paragraphs" (KPG 9.3.3): body paragraphs are told apart by an indent
    or by space between them; an indent of no more than 4 ems."""
    for sheet in book.sheets():
        for rule in sheet.rules:
            value = rule.declarations.get("text-indent")
            if value is not None and not value.startswith("var("):
                assert length_em(value) <= 4, (rule.selector, value)


def test_body_text_uses_normal_spaces(book: Book) -> None:
    """KPG 9.3.2, "Body Text Must Use Defaults": body text must not use non-breaking spaces in
    place of normal spaces between words (a no-break space before `:` or after `«` is no
    such thing: at most one space in ten is a no-break space)."""
    for page in book.pages():
        for paragraph in book.plain_paragraphs(page):
            text = "".join(paragraph.itertext())
            spaces, no_break = text.count(" "), text.count("\u00a0") + text.count("\u202f")
            assert no_break * 10 <= max(spaces, 10), (page.name, text[:80])


def test_every_heading_has_an_alignment(book: Book) -> None:
    """TEXT, "Heading Alignment and Justification": text is justified by default, so Amazon
    strongly recommends specifying the alignment of every heading (text-align: left, right
    or center)."""
    unaligned = []
    for page in book.pages():
        for heading in page.tree.iter(*(f"{{{XHTML}}}h{n}" for n in range(1, 7))):
            if not any("text-align" in r.declarations for r in book.rules_for(page, heading)):
                unaligned.append((page.name, etree.QName(heading).localname, heading.get("class")))
    assert unaligned == []


FIXED_UNITS = re.compile(r"(?<![\w.])-?[\d.]+(px|pt|pc|cm|mm|in)\b")
SIZES = ("font-size", "line-height", "text-indent", "width", "min-width", "max-width")


def test_sizes_and_spacing_are_relative(book: Book) -> None:
    """TEXT, "Fixed Values", and KPG 9.3.3: margins, padding, indents, font sizes and line
    heights in relative units (em, %), never in pixels or points, so that they follow the
    reader's font size."""
    fixed = [
        (rule.selector, name, value)
        for sheet in book.sheets()
        for rule in sheet.rules
        for name, value in rule.declarations.items()
        if (name in SIZES or name.startswith(("margin", "padding"))) and FIXED_UNITS.search(value)
    ]
    assert fixed == []


def test_no_height_is_set_on_text(book: Book) -> None:
    """KPG 9.3.3 "Formatting Paragraphs": never use the height property to control the size of
    elements containing text. A height (or its min-/max-) only ever reaches an image."""
    wrong = set()
    for page in book.pages():
        for sheet in book.sheets_of(page):
            for rule in sheet.rules:
                if not {"height", "min-height", "max-height"} & set(rule.declarations):
                    continue
                for element in book.elements_matching(page, rule):
                    if "".join(element.itertext()).strip():
                        wrong.add((rule.selector, etree.QName(element).localname))
    assert sorted(wrong) == []


# Blocks set off from the body text by a left or right margin or padding.
SET_OFF = ("blockquote", "dd", "ol", "ul", "div", "section", "aside", "figure", "nav")


def test_blocks_set_off_by_margins_use_percentages(book: Book) -> None:
    """KPG 9.3.2 "Body Text Must Use Defaults": body text has no imposed left/right margin or
    padding; paragraphs that need one to stand apart (a recipe list, a block quote) have it
    specified as a percentage rather than in ems or points."""
    wrong = set()
    for page in book.pages():
        for sheet in book.sheets_of(page):
            for rule in sheet.rules:
                sides = side_lengths(rule.declarations)
                if not any(v not in ("0", "auto") and not v.endswith("%") for v in sides):
                    continue
                for element in book.elements_matching(page, rule):
                    if etree.QName(element).localname in SET_OFF:
                        wrong.add(rule.selector)
    assert sorted(wrong) == []


def side_lengths(declarations: dict[str, str]) -> list[str]:
    """The left and right values a rule's margin and padding declarations set."""
    values = []
    for name in ("margin", "padding"):
        if name in declarations:
            parts = declarations[name].split()
            values += {1: parts, 2: parts[1:], 3: parts[1:2], 4: parts[1:2] + parts[3:]}.get(
                len(parts), []
            )
        values += [
            declarations[f"{name}-{s}"] for s in ("left", "right") if f"{name}-{s}" in declarations
        ]
    return [v for v in values if not v.startswith("var(")]


# Notes


def test_footnotes_pop_up_as_kindle_asks(book: Book) -> None:
    """TEXT, "Footnote Guidelines": Amazon strongly recommends marking footnotes with the HTML5
    aside element and epub:type; it requires bi-directional hyperlinks (the call links to
    the note, the note back to the call), and recommends the notes at the end of the chapter
    or of the book. With `notes: chapter` each note is an `<aside epub:type="footnote">`
    after the chapter's text; with `notes: book` each is an endnote on the last page of the
    book. Every call is an `<a epub:type="noteref">` whose note links back to it."""
    pages = {p.name: p for p in book.pages()}
    calls = 0
    for page in pages.values():
        for call in page.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS):
            calls += 1
            where, ident = page.target(call.get("href"))
            note = pages[where].by_id(ident)
            assert note is not None, call.get("href")
            if book.notes == "chapter":
                assert etree.QName(note).localname == "aside"
                assert note.get(EPUB_TYPE) == "footnote"
                assert where == page.name
                assert not note.xpath("following::x:section[@class='text']", namespaces=NS)
            else:
                assert note.get(EPUB_TYPE) in ("footnote", "endnote")
                assert where == book.opened.spine()[-1].name  # the notes page ends the book
            backs = [
                pages[where].target(a.get("href"))
                for a in note.xpath(".//x:a[@href]", namespaces=NS)
            ]
            assert (page.name, call.get("id")) in backs
    assert calls == book.expected_calls()


def test_note_calls_are_superscript(book: Book) -> None:
    """TEXT, "Footnote Guidelines": Amazon requires footnote links to be superscript. Every
    call is raised: inside <sup>, or by a rule with vertical-align: super."""
    for page in book.pages():
        for call in page.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS):
            raised = call.xpath("ancestor::x:sup", namespaces=NS) or any(
                r.declarations.get("vertical-align") == "super" for r in book.rules_for(page, call)
            )
            assert raised, (page.name, call.get("id"))


def test_only_notes_are_linked_both_ways(book: Book) -> None:
    """LINKS, "Internal Link Guidelines": to avoid unintended footnote pop-ups, internal links
    that are not footnotes should not be formatted with bi-directional hyperlinks. Every
    pair of links leading to each other is a note call and its back link."""
    pages = {p.name: p for p in book.pages()}
    wrong = []
    for page in pages.values():
        for link in page.tree.xpath("//x:a[@href and @id]", namespaces=NS):
            where, ident = page.target(link.get("href"))
            if where not in pages or not ident:
                continue
            target = pages[where].by_id(ident)
            if target is None:
                continue
            back = [
                a
                for a in target.xpath("descendant-or-self::x:a[@href]", namespaces=NS)
                if pages[where].target(a.get("href")) == (page.name, link.get("id"))
            ]
            if back and link.get(EPUB_TYPE) != "noteref":
                wrong.append((page.name, link.get("id"), link.get("href")))
    assert wrong == []


# Navigation


def test_table_of_contents_has_at_most_two_levels(book: Book) -> None:
    """NCX: Kindle devices and applications support two levels of nesting in the table of
    contents; the NCX and the nav's toc go no deeper."""
    ncx_name = book.opened.resolve(
        next(i for i in book.opened.manifest().values() if "ncx" in i.get("media-type")).get("href")
    )
    ncx = etree.fromstring(book.zip.read(ncx_name))

    def ncx_depth(element: etree._Element) -> int:
        points = element.findall(f"{{{NCX}}}navPoint")
        return max((1 + ncx_depth(p) for p in points), default=0)

    def nav_depth(element: etree._Element) -> int:
        lists = element.xpath("x:ol|x:li/x:ol", namespaces=NS)
        return max((1 + nav_depth(li) for ol in lists for li in ol), default=0)

    assert ncx_depth(ncx.find(f"{{{NCX}}}navMap")) <= 2
    [toc] = book.opened.nav().tree.xpath("//x:nav[@epub:type='toc']", namespaces=NS)
    assert nav_depth(toc) <= 2


# Images and cover


def test_images_are_formats_kindle_shows(book: Book) -> None:
    """IMAGES, "Supported Image Input Formats": KF8 supports GIF, BMP, JPEG, PNG and SVG,
    Enhanced Typesetting GIF, JPEG and PNG; Kindle does not support TIFF, multi-frame GIFs,
    any image with a transparency, nor CMYK. Every image is a single-frame GIF, JPEG or PNG
    in RGB or grey, without an alpha channel or a transparent colour."""
    for name, image in book.images():
        assert image.format in ("GIF", "JPEG", "PNG"), name
        assert getattr(image, "n_frames", 1) == 1, name
        assert image.mode in ("RGB", "L", "P", "1"), (name, image.mode)
        assert "transparency" not in image.info, name
        if image.mode == "P":
            assert image.palette.mode == "RGB", name


def test_images_have_short_alternative_text(book: Book) -> None:
    """IMAGES: a meaningful image has alt text of less than 140 characters; a decorative one
    alt=""."""
    for page, element in book.elements():
        if etree.QName(element).localname == "img":
            alt = element.get("alt")
            assert alt is not None and len(alt) < 140, (page.name, alt)


def test_images_are_at_most_5mb(book: Book) -> None:
    """KPG 2014.1 §3.6 "Image Guidelines" (the limit since): each image file is 5 MB at most."""
    for info in book.zip.infolist():
        if info.filename.startswith(book.image_folder()):
            assert info.file_size <= 5 * 2**20, info.filename


def test_cover_is_what_kindle_asks_for(book: Book) -> None:
    """COVER: the ideal cover is 1.6 times as high as it is wide (2,560 x 1,600 pixels), at
    least 1,000 x 625 and at most 10,000 x 10,000 pixels, of 50 MB at most; KPG 4.2: the
    internal cover is declared in the package (EPUB 3 `cover-image`, and the EPUB 2
    `<meta name="cover">` Kindle's converter reads)."""
    item = book.opened.item_with("cover-image")
    metas = book.opened.opf.xpath("//opf:meta[@name='cover']", namespaces=NS)
    assert [m.get("content") for m in metas] == [item.get("id")]
    name = book.opened.resolve(item.get("href"))
    data = book.zip.read(name)
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    assert height / width == pytest.approx(1.6, rel=0.02)
    assert height >= 1000 and width >= 625
    assert max(width, height) <= 10_000
    assert len(data) <= 50 * 2**20


# Files and fonts


def test_book_fits_a_send_to_kindle_email(book: Book) -> None:
    """SEND: an email to a Send to Kindle address carries documents of 50 MB or less in all."""
    assert book.path.stat().st_size <= 50 * 2**20


FONT_TYPES = {
    "font/ttf",
    "font/otf",
    "font/sfnt",
    "application/font-sfnt",
    "application/x-font-ttf",
    "application/x-font-opentype",
    "application/vnd.ms-opentype",
}


def test_fonts_are_truetype_or_opentype(book: Book) -> None:
    """KPG 10.3.8 "Using Embedded Fonts" (TEXT, "Embedded Fonts"): Kindle takes embedded
    OpenType (OTF) and TrueType (TTF) fonts; body text keeps the reader's font (see
    test_body_text_keeps_the_readers_defaults). Every font in the book is one of those."""
    for item in book.opened.manifest().values():
        kind = item.get("media-type")
        href = item.get("href").lower()
        if kind.startswith("font/") or "font" in kind or href.endswith((".woff", ".woff2")):
            assert kind in FONT_TYPES and href.endswith((".ttf", ".otf")), href


# The book as the tests read it


@dataclass
class Rule:
    selector: str
    compiled: list
    declarations: dict[str, str]


@dataclass
class Sheet:
    name: str
    rules: list[Rule]
    urls: list[str]


class Book:
    def __init__(self, path: Path, notes: str) -> None:
        self.path = path
        self.notes = notes
        self.opened = OpenedEpub(path)
        self.zip: zipfile.ZipFile = self.opened.zip
        self._sheets: dict[str, Sheet] = {}
        self._wrappers: dict[str, dict[etree._Element, cssselect2.ElementWrapper]] = {}

    def pages(self) -> list[Page]:
        return self.opened.spine(linear_only=False)

    def elements(self):
        for page in self.pages():
            for element in page.tree.iter():
                if isinstance(element.tag, str):
                    yield page, element

    def image_folder(self) -> str:
        return posixpath.join(posixpath.dirname(self.opened.opf_name), "images") + "/"

    def images(self):
        for info in self.zip.infolist():
            if info.filename.startswith(self.image_folder()):
                yield info.filename, Image.open(io.BytesIO(self.zip.read(info)))

    def sheets(self) -> list[Sheet]:
        manifest = self.opened.manifest().values()
        return [
            self.sheet(self.opened.resolve(i.get("href")))
            for i in manifest
            if i.get("media-type") == "text/css"
        ]

    def sheets_of(self, page: Page) -> list[Sheet]:
        links = page.tree.xpath("//x:link[@rel='stylesheet']", namespaces=NS)
        return [self.sheet(page.target(link.get("href"))[0]) for link in links]

    def sheet(self, name: str) -> Sheet:
        if name not in self._sheets:
            self._sheets[name] = parse_sheet(name, self.zip.read(name).decode("utf-8"))
        return self._sheets[name]

    def rules_for(self, page: Page, element: etree._Element) -> list[Rule]:
        """The rules of the page's style sheets whose selector matches `element`."""
        if page.name not in self._wrappers:
            root = cssselect2.ElementWrapper.from_xml_root(page.tree)
            self._wrappers[page.name] = {w.etree_element: w for w in root.iter_subtree()}
        wrapper = self._wrappers[page.name][element]
        return [
            rule
            for sheet in self.sheets_of(page)
            for rule in sheet.rules
            if any(selector.test(wrapper) for selector in rule.compiled)
        ]

    def elements_matching(self, page: Page, rule: Rule) -> list[etree._Element]:
        if page.name not in self._wrappers:
            self.rules_for(page, page.tree)
        return [
            element
            for element, wrapper in self._wrappers[page.name].items()
            if any(selector.test(wrapper) for selector in rule.compiled)
        ]

    def plain_paragraphs(self, page: Page) -> list[etree._Element]:
        """The body text: paragraphs of the text that are not in a note, a quotation, a
        header, a table, a list or a figure, and have no class of their own."""
        found = []
        for paragraph in page.tree.xpath("//x:section[@class='text']//x:p", namespaces=NS):
            ancestors = paragraph.xpath(
                "ancestor::x:aside|ancestor::x:blockquote|ancestor::x:header|ancestor::x:li"
                "|ancestor::x:table|ancestor::x:figure|ancestor::x:div",
                namespaces=NS,
            )
            if not ancestors and not paragraph.get("class"):
                found.append(paragraph)
        return found

    def expected_calls(self) -> int:
        """The note calls the book's text makes (counted from the EPUB's own noterefs, so
        this only guards against a test that found none)."""
        count = sum(
            len(p.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS)) for p in self.pages()
        )
        assert count > 0
        return count


def parse_sheet(name: str, text: str) -> Sheet:
    rules, urls = [], []
    for node in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if node.type == "at-rule" and node.lower_at_keyword == "font-face":
            urls += _urls(node.content or [])
            continue
        if node.type != "qualified-rule":
            continue
        selector = tinycss2.serialize(node.prelude).strip()
        declarations = {}
        for declaration in tinycss2.parse_declaration_list(
            node.content, skip_comments=True, skip_whitespace=True
        ):
            if declaration.type == "declaration":
                declarations[declaration.lower_name] = tinycss2.serialize(declaration.value).strip()
                urls += _urls(declaration.value)
        try:
            compiled = cssselect2.compile_selector_list(node.prelude)
        except cssselect2.SelectorError:
            compiled = []
        rules.append(Rule(selector, compiled, declarations))
    return Sheet(name, rules, [unquote(u) for u in urls])


def _urls(tokens) -> list[str]:
    found = []
    for token in tokens:
        if token.type == "url":
            found.append(token.value)
        elif token.type == "function" and token.lower_name == "url":
            found += [t.value for t in token.arguments if t.type == "string"]
    return found


def length_em(value: str) -> float:
    """A CSS length in ems (1em = 16px = 12pt); 0 for a keyword or a var()."""
    match = re.match(r"^\s*(-?[\d.]+)\s*(em|rem|px|pt|%)?", value)
    if not match:
        return 0.0
    number, unit = float(match[1]), match[2] or "em"
    return number * {"em": 1, "rem": 1, "px": 1 / 16, "pt": 1 / 12, "%": 1 / 100}[unit]
