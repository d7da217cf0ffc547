"""A Word file (.docx) as a Draft: its paragraphs, headings, quotations and lists, italics and
bold, footnotes and endnotes at their calls, and the header's title, author and date.

The file is read here, with zipfile and lxml, rather than through a library: python-docx
does not read footnotes or endnotes; mammoth reads them but goes to HTML (what we would
then read again) and, until its 1.11, followed a linked image's path on the disk;
docx2python flattens the text with its own markers. A .docx is a zip of a dozen XML parts
of which this needs five (document, styles, footnotes, endnotes, core properties), and
reading them ourselves keeps the untrusted file within bounds: the zip's sizes and
compression checked before a part is inflated (a zip bomb is refused), a part read no
further than its limit, XML parsed with no DTD, no entities and no network, and no
relationship followed outside the zip (an image linked by address is never fetched; no
image is read at all).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

from publish.errors import SourceError, SourceLocation
from publish.files import MAX_BINARY_BYTES, SAFE_XML, MiB
from publish.importers.draft import Block, Draft, Note
from publish.importers.web_tools import (
    Call,
    Piece,
    Raised,
    Run,
    add_author,
    clean,
    finish_fields,
    header_lines,
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

# The whole file as the other binary inputs; a part inflated to at most 32 MB (a long book's
# document.xml is a few megabytes), 256 MB for all parts, and no part more than 100 times
# its compressed size (Word's XML compresses 5 to 15 times; a bomb a thousand).
MAX_PART_BYTES = 32 * MiB
MAX_INFLATED_BYTES = 256 * MiB
MAX_RATIO = 100

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {
    "w": W,
    "r": REL,
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"  # ISO strict: same names
QUOTE_STYLES = {"quote", "intense quote", "block text", "quotation", "quotations", "zitat", "cita"}
TITLE_STYLES = {"title", "titre", "titel", "título"}
# An indented paragraph (w:ind left) of at least 1 cm, neither heading nor list: a quotation.
QUOTE_INDENT_TWIPS = 567
NOTE_TYPES = {
    "footnote": ("footnotes", "footnoteReference"),
    "endnote": ("endnotes", "endnoteReference"),
}
_XML = etree.XMLParser(**SAFE_XML)


def w(name: str) -> str:
    return f"{{{W}}}{name}"


def import_file(path: Path) -> Draft:
    """The Draft of the Word file at `path` (an error naming it when it is not one)."""
    where = SourceLocation(str(path))
    data = read_input(path, MAX_BINARY_BYTES, "Word file")
    package = Package(data, path.name, where)
    draft = Draft(path)
    reader = DocxReader(package, draft)
    reader.read()
    return draft


class Package:
    """The zip's parts, each read within the limits, found through the relationships."""

    def __init__(self, data: bytes, name: str, where: SourceLocation) -> None:
        self.name, self.where, self.inflated = name, where, 0
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError) as exc:
            raise SourceError(f"not a Word file (.docx is a zip): {exc}", where) from None
        self.members = {info.filename: info for info in self.zip.infolist()}

    def part(self, name: str) -> bytes | None:
        """The bytes of the part `name`, None when the zip has none."""
        info = self.members.get(name)
        if info is None:
            return None
        if info.file_size > MAX_PART_BYTES or info.file_size > MAX_RATIO * max(
            info.compress_size, 1024
        ):
            raise SourceError(
                f"part '{name}' would inflate to {info.file_size} bytes (a zip bomb?)", self.where
            )
        try:
            with self.zip.open(info) as member:
                data = member.read(MAX_PART_BYTES + 1)
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
            raise SourceError(
                f"cannot read part '{name}' of the Word file: {exc}", self.where
            ) from None
        self.inflated += len(data)
        if len(data) > MAX_PART_BYTES or self.inflated > MAX_INFLATED_BYTES:
            raise SourceError(
                f"part '{name}' inflates past {MAX_PART_BYTES} bytes (a zip bomb?)", self.where
            )
        return data

    def xml(self, name: str) -> etree._Element | None:
        data = self.part(name)
        if data is None:
            return None
        try:
            tree = etree.fromstring(data, _XML).getroottree()
        except etree.XMLSyntaxError as exc:
            raise SourceError(
                f"part '{name}' of the Word file is not XML: {exc}", self.where
            ) from None
        if tree.docinfo.doctype:  # Word never writes one; a DTD is where entity attacks live
            raise SourceError(f"part '{name}' of the Word file declares a DTD", self.where)
        return tree.getroot()

    def related(self, source: str, kind: str) -> str | None:
        """The part that `source` names by a relationship of type `kind` (its last word,
        `officeDocument`, `styles`, `footnotes`…); relationships out of the zip (TargetMode
        External: an image or a template by address) are never followed."""
        folder, base = posixpath.split(source)
        rels = self.xml(posixpath.join(folder, "_rels", f"{base}.rels"))
        if rels is None:
            return None
        for rel in rels.iter(f"{{{REL}}}Relationship"):
            if rel.get("TargetMode") == "External" or not rel.get("Type", "").endswith(f"/{kind}"):
                continue
            target = rel.get("Target", "")
            # A target is relative to the source's folder, or to the zip's root with a "/".
            joined = posixpath.normpath(
                target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            )
            return None if joined.startswith("..") else joined
        return None


class DocxReader:
    """One reading of a Word file into `draft`."""

    def __init__(self, package: Package, draft: Draft) -> None:
        self.package, self.draft, self.name = package, draft, package.name
        main = package.related("", "officeDocument") or "word/document.xml"
        self.document = package.xml(main)
        if self.document is None or self.document.find("w:body", NS) is None:
            raise SourceError("not a Word document: it has no document part", package.where)
        if self.document.tag == f"{{{STRICT_W}}}document":
            raise SourceError(
                "a Word file in ISO 'strict' form: save it as a Word document", package.where
            )
        self.styles = Styles(package.xml(package.related(main, "styles") or "word/styles.xml"))
        self.notes = {kind: self._note_parts(main, kind) for kind in NOTE_TYPES}
        numbering = package.related(main, "numbering") or "word/numbering.xml"
        self.numbering = Numbering(package.xml(numbering))
        self.labels: dict[tuple[str, str], str] = {}  # (kind, w:id) → the call's label
        self.calls_at: dict[tuple[str, str], str] = {}  # where each note is first called
        self.counts: dict[str, int] = {}  # the notes of each kind called so far
        self.wheres: list[str] = []
        self.paragraph = 0
        self.title_labels: set[str] = set()  # the notes called from the title

    def read(self) -> None:
        body = self.document.find("w:body", NS)
        title_at = self._walk(body)
        if images := len(body.findall(".//w:drawing", NS)) + len(body.findall(".//w:pict", NS)):
            what = f"{images} image(s) not imported (none is read, nor a linked one fetched)"
            self.draft.guess(f"{self.name}: the document", "dropped", what, 0.5)
        self._core_fields(title_at)
        self._collect_notes()
        match_typed_notes(self.draft, self.wheres)
        raise_headings(self.draft, f"{self.name}: the headings")
        settle_notes(self.draft, self.title_labels)
        finish_fields(self.draft)

    # The body -----------------------------------------------------------------------------

    def _walk(self, container: etree._Element) -> int | None:
        """Blocks from the paragraphs of `container` (tables' and content controls' too).
        Returns the block index after a Title paragraph (where an author line may follow)."""
        title_at = None
        for element in container:
            if element.tag == w("p"):
                if self._paragraph(element):
                    title_at = len(self.draft.blocks)
            elif element.tag == w("tbl"):
                self.draft.guess(
                    self._where(), "dropped", "a table's cells read as paragraphs", 0.6
                )
                for cell in element.iter(w("tc")):
                    self._walk(cell)
            elif element.tag in (w("sdt"), w("customXml"), w("ins")):
                content = element.find("w:sdtContent", NS)
                found = self._walk(content if content is not None else element)
                title_at = title_at if found is None else found
        return title_at

    def _paragraph(self, p: etree._Element) -> bool:
        """The paragraph `p` as a block; True when it was the document's title."""
        self.paragraph += 1
        where = self._where()
        pieces = self._pieces(p)
        text = inline_markdown(pieces)
        if not text:
            return False
        style = self.styles.name(p.find("w:pPr/w:pStyle", NS))
        level = self.styles.heading_level(p)
        if style in TITLE_STYLES and "title" not in self.draft.fields:
            self._field("title", plain(pieces), where, 0.95)
            self.title_labels |= {p.label for p in pieces if isinstance(p, Call)}
            return True
        if style == "author":  # Pandoc's title block: an Author paragraph for each
            add_author(self.draft, plain(pieces), where, 0.9)
            return False
        if style in {"subtitle", "date"} and style not in self.draft.fields:
            return self._styled_field(style, plain(pieces), where)
        if level:
            self._block(Block("heading", text, level), where)
        elif item := self.numbering.item(p, self.styles, style):
            kind, item_level = item
            self._block(Block(kind, text, list_level(self.draft.blocks, item_level)), where)
        elif style in QUOTE_STYLES:
            self._quote(text, where)
        elif _indent(p) >= QUOTE_INDENT_TWIPS:
            self.draft.guess(
                where,
                "quote",
                f"an indented paragraph read as a quotation: {plain(pieces)[:40]}…",
                0.6,
            )
            self._quote(text, where)
        else:
            self._block(Block("paragraph", text), where)
        return False

    def _styled_field(self, style: str, text: str, where: str) -> bool:
        if style == "date":
            found = iso_date(text)
            value, sure = found if found else (text, 0.9)
            self._field("date", value, where, sure)
        else:
            self._field(style, text, where, 0.9)
        return False

    def _pieces(self, p: etree._Element) -> list[Piece]:
        pieces: list[Piece] = []
        for element in p.iter(w("r")):
            if not _belongs(element, p):
                continue
            italic, bold = self.styles.run_style(element)
            if (raised := self._raised(element)) is not None:
                pieces.append(raised)
                continue
            custom_mark = False
            for child in element:
                if child.tag == w("t") and custom_mark:
                    custom_mark = False  # the call's own mark (`*`), which the call stands for
                elif child.tag == w("t"):
                    pieces.append(Run(child.text or "", italic, bold))
                elif child.tag in (w("tab"), w("br"), w("cr")):
                    pieces.append(Run(" "))
                elif child.tag == w("noBreakHyphen"):
                    pieces.append(Run("-", italic, bold))
                elif call := self._call(child):
                    pieces.append(call)
                    custom_mark = child.get(w("customMarkFollows"), "0") in ("1", "true", "on")
        return pieces

    def _raised(self, run: etree._Element) -> Raised | None:
        """A number set superscript by hand, not a note's reference: maybe a typed call."""
        texts = run.findall("w:t", NS)
        number = "".join(t.text or "" for t in texts).strip()
        if not re.fullmatch(r"\d{1,3}", number) or len(texts) != len(run) - (
            run.find("w:rPr", NS) is not None
        ):
            return None
        return Raised(number) if self.styles.superscript(run) else None

    def _call(self, child: etree._Element) -> Call | None:
        for kind, (_, reference) in NOTE_TYPES.items():
            if child.tag == w(reference):
                key = (kind, child.get(w("id"), ""))
                if key not in self.labels:
                    prefix = "" if kind == "footnote" else "e"
                    self.counts[kind] = self.counts.get(kind, 0) + 1
                    self.labels[key] = f"{prefix}{self.counts[kind]}"
                    self.calls_at[key] = self._where()
                return Call(self.labels[key])
        return None

    def _quote(self, text: str, where: str) -> None:
        blocks = self.draft.blocks
        if (
            blocks
            and blocks[-1].kind == "quote"
            and self.wheres[-1] == self._where(self.paragraph - 1)
        ):
            blocks[-1] = Block("quote", f"{blocks[-1].text}\n\n{text}")
            self.wheres[-1] = where
            return
        self._block(Block("quote", text), where)

    def _block(self, block: Block, where: str) -> None:
        self.draft.blocks.append(block)
        self.wheres.append(where)

    def _where(self, paragraph: int | None = None) -> str:
        return f"{self.name}: paragraph {self.paragraph if paragraph is None else paragraph}"

    def _field(self, name: str, value: str, where: str, sure: float) -> None:
        self.draft.fields[name] = value
        self.draft.guess(where, "field", f"{name} = {value}", sure)

    # The header ---------------------------------------------------------------------------

    def _core_fields(self, title_at: int | None) -> None:
        """Author and date lines after the title; then what the file's properties say, for
        what the text did not (less sure: they name who made the file, and when)."""
        if title_at is not None:
            header_lines(self.draft, self.wheres, first=title_at)
        elif (
            self.draft.blocks
            and self.draft.blocks[0].kind == "heading"
            and self.draft.blocks[0].level == 1
        ):
            first = self.draft.blocks.pop(0)
            self._field("title", _unmark(first.text), self.wheres.pop(0), 0.7)
            self.title_labels |= set(re.findall(r"\[\^([^\]]+)\]", first.text))
            header_lines(self.draft, self.wheres)
        core_name = self.package.related("", "core-properties") or "docProps/core.xml"
        core = self.package.xml(core_name)
        if core is not None:
            self._properties(core, f"{self.name}: {core_name}")
        if "lang" not in self.draft.fields and (lang := self.styles.lang):
            self._field("lang", language_tag(lang), f"{self.name}: word/styles.xml", 0.7)

    def _properties(self, core: etree._Element, where: str) -> None:
        for name, xpath, sure in (
            ("title", "dc:title", 0.8),
            ("author", "dc:creator", 0.5),
            ("lang", "dc:language", 0.7),
            ("date", "dcterms:created", 0.4),
        ):
            value = clean(core.findtext(xpath, "", NS) or "")
            if not value or name in self.draft.fields:
                continue
            if name == "date":
                found = iso_date(value)
                if not found:
                    continue
                value = found[0]
            self._field(name, value, where, sure)

    # The notes ----------------------------------------------------------------------------

    def _note_parts(self, main: str, kind: str) -> dict[str, etree._Element]:
        part, _ = NOTE_TYPES[kind]
        root = self.package.xml(self.package.related(main, part) or f"word/{part}.xml")
        if root is None:
            return {}
        return {
            note.get(w("id"), ""): note
            for note in root.iter(w(kind))
            if note.get(w("type"), "normal") == "normal"  # not the separator lines
        }

    def _collect_notes(self) -> None:
        calls_at = self.calls_at
        for (kind, note_id), label in self.labels.items():
            note = self.notes[kind].get(note_id)
            if note is None:
                continue  # the call is taken out, a guess to look at (settle_notes)
            parts = [self._note_pieces(p) for p in note.iter(w("p"))]
            if parts and note.find(f".//{w(kind + 'Ref')}") is None:
                parts[0] = _without_custom_mark(parts[0])
            paragraphs = tuple(t for t in (inline_markdown(part) for part in parts) if t)
            self.draft.notes.append(Note(label, paragraphs or ("",)))
            self.draft.guess(
                calls_at[(kind, note_id)],
                "note",
                f"{kind} w:id={note_id} at its call",
                1.0,
            )
        for kind, notes in self.notes.items():
            uncalled = [i for i in notes if (kind, i) not in self.labels]
            if uncalled:
                self.draft.guess(
                    f"{self.name}: {NOTE_TYPES[kind][0]}",
                    "dropped",
                    f"{len(uncalled)} {kind}(s) no call leads to",
                    0.3,
                )

    def _note_pieces(self, p: etree._Element) -> list[Piece]:
        pieces = self._pieces(p)
        while pieces and isinstance(pieces[0], Run) and not pieces[0].text.strip():
            pieces.pop(0)  # the space after the note's own mark (w:footnoteRef)
        return pieces


class Styles:
    """The style names by id, what each is based on, and which make a heading or italics."""

    def __init__(self, root: etree._Element | None) -> None:
        self.by_id: dict[str, etree._Element] = {}
        self.lang = ""
        if root is None:
            return
        for style in root.iter(w("style")):
            self.by_id[style.get(w("styleId"), "")] = style
        lang = root.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
        if lang is not None:
            self.lang = lang.get(w("val"), "")

    def name(self, ref: etree._Element | None) -> str:
        if ref is None:
            return ""
        style_id = ref.get(w("val"), "")
        style = self.by_id.get(style_id)
        name = (
            style.find("w:name", NS).get(w("val"), style_id)
            if style is not None and style.find("w:name", NS) is not None
            else style_id
        )
        return name.casefold()

    def chain(self, style_id: str) -> list[etree._Element]:
        """The style and those it is based on (at most 10: a loop is cut)."""
        chain: list[etree._Element] = []
        while style_id and len(chain) < 10 and (style := self.by_id.get(style_id)) is not None:
            chain.append(style)
            based = style.find("w:basedOn", NS)
            style_id = based.get(w("val"), "") if based is not None else ""
        return chain

    def heading_level(self, p: etree._Element) -> int:
        """1–6 for a heading (a `heading N` style or one based on it, or an outline level)."""
        ref = p.find("w:pPr/w:pStyle", NS)
        chain = self.chain(ref.get(w("val"), "")) if ref is not None else []
        for style in chain:
            name = style.find("w:name", NS)
            match = (
                re.fullmatch(r"heading (\d)", name.get(w("val"), "").casefold())
                if name is not None
                else None
            )
            if match and 1 <= int(match.group(1)) <= 6:
                return int(match.group(1))
        for holder in [p, *chain]:
            outline = holder.find("w:pPr/w:outlineLvl", NS)
            if (
                outline is not None
                and (value := outline.get(w("val"), "")).isdigit()
                and int(value) < 6
            ):
                return int(value) + 1
        return 0

    def superscript(self, run: etree._Element) -> bool:
        props = run.find("w:rPr", NS)
        ref = props.find("w:rStyle", NS) if props is not None else None
        holders = [props] + [
            s.find("w:rPr", NS) for s in (self.chain(_val(ref)) if ref is not None else [])
        ]
        for holder in holders:
            align = holder.find("w:vertAlign", NS) if holder is not None else None
            if align is not None:
                return _val(align) == "superscript"
        return False

    def run_style(self, run: etree._Element) -> tuple[bool, bool]:
        """Whether the run is italic and bold: its own properties, else its character style's
        (`Emphasis`, `Strong`)."""
        props = run.find("w:rPr", NS)
        ref = props.find("w:rStyle", NS) if props is not None else None
        holders = [props] + [
            s.find("w:rPr", NS)
            for s in (self.chain(ref.get(w("val"), "")) if ref is not None else [])
        ]
        return _flag(holders, "i"), _flag(holders, "b")


class Numbering:
    """Which paragraphs are list items, and whether numbered: a paragraph's numbering (or
    its style's) names a list whose level has a format, `bullet` or a number's."""

    def __init__(self, root: etree._Element | None) -> None:
        self.formats: dict[tuple[str, int], str] = {}  # (numId, level) → numFmt
        if root is None:
            return
        abstract = {
            a.get(w("abstractNumId"), ""): {
                int(lvl.get(w("ilvl"), "0")): _val(lvl.find("w:numFmt", NS))
                for lvl in a.iter(w("lvl"))
                if lvl.get(w("ilvl"), "0").isdigit()
            }
            for a in root.iter(w("abstractNum"))
        }
        for num in root.iter(w("num")):
            levels = abstract.get(_val(num.find("w:abstractNumId", NS)), {})
            for level, fmt in levels.items():
                self.formats[(num.get(w("numId"), ""), level)] = fmt

    def item(self, p: etree._Element, styles: Styles, style: str) -> tuple[str, int] | None:
        """("item" or "numbered", level from 1) for a list item, None for another paragraph."""
        ref = p.find("w:pPr/w:pStyle", NS)
        holders = [p] + (styles.chain(_val(ref)) if ref is not None else [])
        num_pr = next((n for h in holders if (n := h.find("w:pPr/w:numPr", NS)) is not None), None)
        if num_pr is None:
            if style.startswith("list"):  # "List Bullet", "List Number 2"
                return ("numbered" if "number" in style else "item"), 1
            return None
        num_id, level = _val(num_pr.find("w:numId", NS)), _val(num_pr.find("w:ilvl", NS))
        if num_id == "0":  # Word's way of taking a paragraph out of its style's list
            return None
        depth = int(level) if level.isdigit() else 0
        fmt = self.formats.get((num_id, depth), "bullet")
        return ("item" if fmt in ("bullet", "none", "") else "numbered"), min(depth + 1, 4)


def _val(element: etree._Element | None) -> str:
    return element.get(w("val"), "") if element is not None else ""


def _flag(holders: list[etree._Element | None], name: str) -> bool:
    for props in holders:
        flag = props.find(f"w:{name}", NS) if props is not None else None
        if flag is not None:
            return flag.get(w("val"), "true") not in ("0", "false", "off")
    return False


def _indent(p: etree._Element) -> int:
    ind = p.find("w:pPr/w:ind", NS)
    if ind is None:
        return 0
    value = ind.get(w("left")) or ind.get(w("start")) or "0"
    return int(value) if re.fullmatch(r"-?\d+", value) else 0


def _without_custom_mark(pieces: list[Piece]) -> list[Piece]:
    """A note's first paragraph without the mark Word writes as its first word when the
    call has a mark of its own (`*`, `†`) instead of a number."""
    if pieces and isinstance(pieces[0], Run):
        first = pieces[0]
        mark, _, rest = first.text.lstrip().partition(" ")
        if mark and len(mark) <= 3 and not any(ch.isalnum() for ch in mark):
            return [Run(rest, first.italic, first.bold), *pieces[1:]]
    return pieces


def _belongs(run: etree._Element, p: etree._Element) -> bool:
    """Whether `run` is text of `p`: not deleted (a tracked change's w:del) and not in a
    paragraph of its own inside it (a text box's)."""
    parent = run.getparent()
    while parent is not None and parent is not p:
        if parent.tag in (w("del"), w("moveFrom"), w("p")):
            return False
        parent = parent.getparent()
    return True


def _unmark(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", re.sub(r"\*+|\[\^[^\]]*\]", "", markdown))
