"""One PDF from the PDFs of a book's parts, each laid out by WeasyPrint on its own.

Every part is a whole tagged PDF holding only its pages. The merged PDF is what WeasyPrint
writes for the whole book at once: the pages in order, one outline (from the bookmarks the
caller collected from the layouts), one tree of named destinations, the links between parts
(a part's worker writes a link to another part's anchor as the URI `urn:publish-dest:NAME`;
here it becomes WeasyPrint's own `/Dest (NAME)`), one structure tree (each part's elements
under one Document element, the ParentTree keys renumbered), the first part's catalog
entries and /Info, the page labels and the /ID given.

Speed: a part's structure tree holds thousands of objects (one or more per line of text),
all in one object stream, and pypdf parses some 8,000 objects a second (and a whole object
stream at the first look into it). So the objects that only move are never parsed: each
object stream is cut into its objects and their references renumbered in their bytes; only
what changes (catalogs, pages, annotations, the structure tree's top) is parsed, by pypdf's
`read_object`, one object at a time. The output is written by pydyf, WeasyPrint's own PDF
writer, with one object stream, as WeasyPrint writes.
"""

from __future__ import annotations

import functools
import io
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import unquote

import pydyf
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    read_object,
)

DEST_URI = "urn:publish-dest:"  # a link to an anchor laid out in another part

# What the merged catalog makes anew; the first part's other entries are kept.
REBUILT = ("/Type", "/Pages", "/Outlines", "/Names", "/StructTreeRoot", "/PageLabels")

# A token of a PDF object's bytes: a literal string, a hex string, or a reference (group 1,
# the object number). pydyf escapes every parenthesis inside a literal string, so strings are
# skipped whole, and a "1 0 R" inside a string is never taken for a reference.
_TOKEN = re.compile(rb"\((?:[^\\()]|\\.)*\)|<[0-9A-Fa-f\s]*>|(\d+) \d+ R", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Bookmark:
    """An outline entry: its CSS bookmark-level, label, page (index in the merged PDF), the
    PDF point it leads to (as WeasyPrint writes /XYZ destinations: x, y in PDF user space),
    and whether it is closed (bookmark-state: closed)."""

    level: int
    label: str
    page: int
    x: float
    y: float
    closed: bool = False


def merge_pdfs(
    parts: Sequence[bytes],
    output: BinaryIO,
    *,
    bookmarks: Sequence[Bookmark],
    page_labels: Sequence[tuple[int, str]],
    identifier: bytes,
) -> None:
    """Write to `output` the PDF of the `parts` (WeasyPrint PDFs of consecutive pages) joined,
    with the outline of `bookmarks`, the `page_labels` ((first page index, "r" or "D"), as
    pdf_labels.page_label_ranges) and `identifier` as the /ID, written as WeasyPrint writes
    its `pdf_identifier` (by pydyf: the identifier, then the MD5 of the objects written). The
    same input gives the same bytes."""
    if not parts:
        raise ValueError("a PDF is joined from one part or more")
    pdf = JoinedPDF()
    read = [Part(data) for data in parts]
    tree = StructTree.start(pdf, read[0])
    names = destinations(read)
    page_refs: list[bytes] = []
    for index, part in enumerate(read):
        part.alias_tops(pdf, tree)
        prepare_links(part, names)
        part.shift = tree.next_key if tree else 0
        page_refs += copy_part(pdf, part, roots(part, names, is_first=index == 0))
        if tree:
            tree.add(part)
    if tree:
        tree.finish(read)
    outlines, _count = add_outlines(pdf, outline_tree(bookmarks), page_refs)
    write_catalog(pdf, read, names, outlines[0] if outlines else None, tree, page_labels)
    pdf.write(output, read[0].version, identifier, compress=True)


class JoinedPDF(pydyf.PDF):
    """pydyf's PDF, compressing its object stream once and at zlib's default level.

    pydyf compresses the stream of a PDF's small objects at level 9, and once more to hash
    the /ID: 2 of the 3 s a 1,061-page book took to join (profiled). Level 6 makes the file
    1% larger.
    """

    def add_object(self, object_: pydyf.Object) -> None:
        if isinstance(object_, pydyf.Stream) and object_.extra.get("Type") == "/ObjStm":
            object_.__class__ = CompressedOnce
        super().add_object(object_)


class CompressedOnce(pydyf.Stream):
    """An object stream whose bytes are made once (pydyf's `Stream.data`, at level 6)."""

    @functools.cached_property
    def data(self) -> bytes:  # type: ignore[override]
        stream = b"\n".join(pydyf._to_bytes(item) for item in self.stream)  # pydyf's own
        extra = pydyf.Dictionary(self.extra.copy())
        if self.compress:
            extra["Filter"] = "/FlateDecode"
            stream = zlib.compress(stream, 6)
        extra["Length"] = len(stream)
        return b"\n".join((extra.data, b"stream", stream, b"endstream"))


class RawObject(pydyf.Object):
    """An object copied as its bytes, references already renumbered."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._bytes = data

    @property
    def data(self) -> bytes:
        return self._bytes


class Part:
    """One part's PDF: its objects, as bytes where they sit in an object stream and parsed
    where the merge reads them; and what the merge changes in it.

    Only `resolve` and `get` follow a reference: pypdf's own lookups (`obj["/K"]`,
    `obj.get_object()`) would parse the whole object stream holding the object.
    """

    def __init__(self, data: bytes) -> None:
        self.reader = PdfReader(io.BytesIO(data))
        self.raw = object_stream_members(self.reader)
        self.version = self.reader.pdf_header.removeprefix("%PDF-").encode()
        self.parsed: dict[int, Any] = {}
        self.catalog: DictionaryObject = self.resolve(dict.get(self.reader.trailer, "/Root"))
        self.pages: list[DictionaryObject] = self.page_list(self.get(self.catalog, "/Pages"))
        self.rewritten: set[int] = set()  # parsed and changed: written from the parse
        self.made_internal: dict[int, str] = {}  # annotation number → the name it leads to
        self.numbers: dict[int, bytes] = {}  # object number → its reference in the merged PDF
        self.parent_tree: list[tuple[int, Any]] = []  # (key, value), as in the part
        self.dropped_keys: set[int] = set()  # ParentTree keys of the links dropped
        self.shift = 0  # added to the part's ParentTree keys

    def resolve(self, value: Any) -> Any:
        """The object a reference leads to (parsed once); any other value as it is."""
        if not isinstance(value, IndirectObject):
            return value
        number = value.idnum
        if number not in self.parsed:
            if number in self.raw:
                obj = read_object(io.BytesIO(self.raw[number]), self.reader)
                obj.indirect_reference = IndirectObject(number, 0, self.reader)
            else:  # outside object streams (a stream): pypdf reads it alone
                obj = self.reader.get_object(number)
            self.parsed[number] = obj
        return self.parsed[number]

    def get(self, obj: Any, key: str, default: Any = None) -> Any:
        """`obj[key]`, resolved; `default` when `obj` is no dictionary or lacks `key`."""
        value = dict.get(obj, key) if isinstance(obj, dict) else None
        return default if value is None else self.resolve(value)

    def page_list(self, node: DictionaryObject) -> list[DictionaryObject]:
        if self.get(node, "/Type") == "/Page":
            return [node]
        return [
            page
            for kid in self.get(node, "/Kids", ())
            for page in self.page_list(self.resolve(kid))
        ]

    def struct_root(self) -> DictionaryObject | None:
        return self.get(self.catalog, "/StructTreeRoot")

    def rewrite(self, obj: Any) -> Any:
        """`obj` (parsed, indirect) is to be written from its parse, with its changes."""
        self.rewritten.add(obj.indirect_reference.idnum)
        return obj

    def references(self, number: int) -> Iterator[int]:
        """The object numbers object `number` refers to."""
        if number in self.raw and number not in self.rewritten:
            for match in _TOKEN.finditer(self.raw[number]):
                if match[1]:
                    yield int(match[1])
        else:
            yield from references_in(self.resolve(IndirectObject(number, 0, self.reader)))

    def alias_tops(self, pdf: pydyf.PDF, tree: StructTree | None) -> None:
        """The part's page tree and structure tree tops stand for the merged ones: what
        refers to them (a page's /Parent, an element's /P) is made to refer to those."""
        for page in self.pages:
            self.numbers[dict.get(page, "/Parent").idnum] = pdf.pages.reference
        root = self.struct_root()
        if tree and root:
            self.numbers[root.indirect_reference.idnum] = tree.root.reference
            for document in struct_kids(root):
                self.numbers[document.idnum] = tree.document.reference
            self.parent_tree = number_tree(self, self.get(root, "/ParentTree"))


def object_stream_members(reader: PdfReader) -> dict[int, bytes]:
    """Each object held in an object stream, as its bytes."""
    members: dict[int, bytes] = {}
    for stream_number in sorted({place[0] for place in reader.xref_objStm.values()}):
        stream = reader.get_object(stream_number)
        data, first = stream.get_data(), int(stream["/First"])
        header = [int(value) for value in data[:first].split()]
        numbers, offsets = header[0::2], [*header[1::2], len(data) - first]
        for number, start, end in zip(numbers, offsets, offsets[1:], strict=False):
            members[number] = data[first + start : first + end].strip()
    return members


def references_in(value: Any) -> Iterator[int]:
    """The object numbers a parsed object refers to (not following them)."""
    if isinstance(value, IndirectObject):
        yield value.idnum
    elif isinstance(value, dict):
        for item in dict.values(value):
            yield from references_in(item)
    elif isinstance(value, list):
        for item in list.__iter__(value):
            yield from references_in(item)


def struct_kids(element: DictionaryObject) -> list[IndirectObject]:
    """The references in an element's /K (a reference, a dictionary, a number or an array)."""
    kids = dict.get(element, "/K")
    kids = list.__iter__(kids) if isinstance(kids, list) else [kids]
    return [kid for kid in kids if isinstance(kid, IndirectObject)]


def number_tree(part: Part, node: Any) -> list[tuple[int, Any]]:
    """A number tree's (key, value) pairs, values unresolved."""
    return _tree_entries(part, node, "/Nums", int)


def name_tree(part: Part, node: Any) -> list[tuple[str, Any]]:
    """A name tree's (name, value) pairs, values unresolved."""
    return _tree_entries(part, node, "/Names", str)


def _tree_entries(part: Part, node: Any, leaves: str, key: Callable[[Any], Any]) -> list[Any]:
    """The (key, value) pairs of a number or name tree, its kids' in order after its own."""
    pairs = list(list.__iter__(part.get(node, leaves, [])))
    entries = [(key(k), value) for k, value in zip(pairs[0::2], pairs[1::2], strict=True)]
    for kid in part.get(node, "/Kids", []):
        entries += _tree_entries(part, part.resolve(kid), leaves, key)
    return entries


# --- names and links ---------------------------------------------------------------------


def destinations(parts: Sequence[Part]) -> dict[str, tuple[Part, Any]]:
    """Every named destination of every part, with its part. A name laid out in two parts
    (an element running over a part's end) leads where it is laid out first, as WeasyPrint
    keeps the first of an anchor's places."""
    names: dict[str, tuple[Part, Any]] = {}
    for part in parts:
        for name, destination in name_tree(
            part, part.get(part.get(part.catalog, "/Names"), "/Dests")
        ):
            names.setdefault(name, (part, destination))
    return names


def prepare_links(part: Part, names: dict[str, Any]) -> None:
    """Each link to another part's anchor made an internal link to it, or dropped with its
    place in the structure tree when no part lays that anchor out (WeasyPrint drops a link to
    a missing anchor the same way, keeping the link's text)."""
    for page in part.pages:
        items = list(part.get(page, "/Annots", []))
        kept = [item for item in items if keep_link(part, part.resolve(item), names)]
        if len(kept) < len(items):
            part.rewrite(page)[NameObject("/Annots")] = ArrayObject(kept)


def keep_link(part: Part, annotation: DictionaryObject, names: dict[str, Any]) -> bool:
    action = part.get(annotation, "/A")
    uri = str(part.get(action, "/URI", "")) if part.get(action, "/S") == "/URI" else ""
    if not uri.startswith(DEST_URI):
        return True
    name = unquote(uri.removeprefix(DEST_URI))
    if name in names:
        part.made_internal[part.rewrite(annotation).indirect_reference.idnum] = name
        return True
    if "/StructParent" in annotation:
        unlink_structure(part, annotation)
    return False


def unlink_structure(part: Part, annotation: DictionaryObject) -> None:
    """The dropped link's OBJR out of its Link element, its key out of the ParentTree."""
    key = int(dict.get(annotation, "/StructParent"))
    part.dropped_keys.add(key)
    element = part.resolve(dict(part.parent_tree).get(key))
    if not isinstance(element, DictionaryObject):
        return
    kids = dict.get(element, "/K")
    kids = list(list.__iter__(kids)) if isinstance(kids, list) else [kids]
    kept = [kid for kid in kids if not is_objr_of(part, kid, annotation)]
    part.rewrite(element)[NameObject("/K")] = ArrayObject(kept)


def is_objr_of(part: Part, kid: Any, annotation: DictionaryObject) -> bool:
    target = part.get(part.resolve(kid), "/Obj")
    return target is not None and target.indirect_reference == annotation.indirect_reference


def internal_link(annotation: pydyf.Dictionary, name: str) -> None:
    """An annotation made a link as WeasyPrint writes an internal one: /Dest (name), and
    for the tagged PDF /Contents (name); no action."""
    del annotation["A"]
    annotation["Contents"] = pydyf.String(name)
    annotation["Dest"] = pydyf.String(name)


# --- copying a part ----------------------------------------------------------------------


def roots(part: Part, names: dict[str, tuple[Part, Any]], is_first: bool) -> list[Any]:
    """What the merged PDF keeps of a part: its pages, its structure (reached from the
    Document element and, for elements outside it such as the margin boxes', from the
    ParentTree), the destinations of its names, and the first part's document-level
    entries."""
    found: list[Any] = [page.indirect_reference for page in part.pages]
    found += [destination for owner, destination in names.values() if owner is part]
    if root := part.struct_root():
        for document in struct_kids(root):
            found += struct_kids(part.resolve(document))
        found += [value for _key, value in part.parent_tree]
        found += [dict.get(root, key) for key in ("/RoleMap", "/ClassMap", "/Namespaces")]
    if is_first:
        found += [value for key, value in dict.items(part.catalog) if key not in REBUILT]
        catalog_names = part.get(part.catalog, "/Names", {})
        found += [value for key, value in dict.items(catalog_names) if key != "/Dests"]
    return found


def copy_part(pdf: pydyf.PDF, part: Part, starts: list[Any]) -> list[bytes]:
    """Copy into `pdf` every object of `part` that `starts` reach (the part's tops left out,
    their place taken by the merged ones); the references of the part's pages."""
    shift_struct_parents(part)
    kept = reachable(part, starts)
    for index, number in enumerate(kept, start=len(pdf.objects)):
        part.numbers[number] = f"{index} 0 R".encode()
    for number in kept:
        pdf.add_object(copied(part, number))
    page_refs = [part.numbers[page.indirect_reference.idnum] for page in part.pages]
    for reference in page_refs:
        pdf.pages["Kids"].extend([int(reference.split()[0]), 0, "R"])
        pdf.pages["Count"] += 1
    return page_refs


def shift_struct_parents(part: Part) -> None:
    """The pages' /StructParents and the annotations' /StructParent past the previous
    parts' keys, as the part's ParentTree keys are."""
    for page in part.pages:
        for obj in [page, *map(part.resolve, part.get(page, "/Annots", []))]:
            for key in ("/StructParents", "/StructParent"):
                if key in obj:
                    value = int(dict.get(obj, key)) + part.shift
                    part.rewrite(obj)[NameObject(key)] = NumberObject(value)


def reachable(part: Part, starts: list[Any]) -> list[int]:
    """The numbers of the objects reached from `starts`, in order; the part's tops (already
    numbered: they stand for the merged ones) are not followed."""
    seen: set[int] = set()
    stack = [number for start in starts for number in references_in(start)]
    while stack:
        number = stack.pop()
        if number in seen or number in part.numbers:
            continue
        seen.add(number)
        stack.extend(part.references(number))
    return sorted(seen)


def copied(part: Part, number: int) -> pydyf.Object:
    """Object `number` of the part with its references renumbered."""
    if number in part.raw and number not in part.rewritten:
        return RawObject(renumbered(part.raw[number], part.numbers))
    value = converted(part.resolve(IndirectObject(number, 0, part.reader)), part.numbers)
    if number in part.made_internal:
        internal_link(value, part.made_internal[number])
    return value if isinstance(value, pydyf.Object) else RawObject(value)


def renumbered(data: bytes, numbers: dict[int, bytes]) -> bytes:
    def renumber(match: re.Match[bytes]) -> bytes:
        return numbers.get(int(match[1]), b"null") if match[1] else match[0]

    return _TOKEN.sub(renumber, data)


def converted(value: Any, numbers: dict[int, bytes]) -> Any:
    """A parsed object as pydyf writes it, its references renumbered (to an object the merge
    does not keep: null, as a reference to a missing object reads)."""
    if isinstance(value, IndirectObject):
        return numbers.get(value.idnum, b"null")
    if value is None:  # what pypdf reads for an object the part lacks
        return b"null"
    if isinstance(value, StreamObject):
        extra = {k: converted(v, numbers) for k, v in dict.items(value) if k != "/Length"}
        # pypdf keeps a parsed stream's bytes as they were (still encoded) in `_data`
        return pydyf.Stream([value._data], pydyf.Dictionary(_keys(extra)))
    if isinstance(value, dict):
        return pydyf.Dictionary(_keys({k: converted(v, numbers) for k, v in dict.items(value)}))
    if isinstance(value, list):
        return pydyf.Array(converted(item, numbers) for item in list.__iter__(value))
    buffer = io.BytesIO()
    value.write_to_stream(buffer)
    return buffer.getvalue()


def _keys(entries: dict[str, Any]) -> dict[str, Any]:
    """pydyf's keys are names without their solidus (pypdf's keep it), escaped."""
    return {_name_bytes(key)[1:].decode("ascii"): value for key, value in entries.items()}


def _name_bytes(key: str) -> bytes:
    buffer = io.BytesIO()
    NameObject(key).write_to_stream(buffer)
    return buffer.getvalue()


# --- the structure tree ------------------------------------------------------------------


@dataclass
class StructTree:
    """The merged structure tree: one root, one Document element, one ParentTree."""

    root: pydyf.Dictionary
    document: pydyf.Dictionary
    parent_tree: pydyf.Dictionary
    next_key: int = 0

    @classmethod
    def start(cls, pdf: pydyf.PDF, first: Part) -> StructTree | None:
        """The tree's top objects, made first so that the parts can refer to them; None
        for an untagged PDF."""
        if first.struct_root() is None:
            return None
        parent_tree = pydyf.Dictionary({"Nums": pydyf.Array()})
        root = pydyf.Dictionary({"Type": "/StructTreeRoot"})
        document = pydyf.Dictionary({"Type": "/StructElem", "S": "/Document", "K": pydyf.Array()})
        for obj in (parent_tree, root, document):
            pdf.add_object(obj)
        root.update({"ParentTree": parent_tree.reference, "K": pydyf.Array([document.reference])})
        document["P"] = root.reference
        return cls(root, document, parent_tree)

    def add(self, part: Part) -> None:
        """The part's elements under the Document element, its ParentTree keys shifted past
        the previous parts' (as its pages' /StructParents and annotations' /StructParent
        are)."""
        root = part.struct_root()
        if root is None:
            return
        for document in struct_kids(root):
            kids = struct_kids(part.resolve(document))
            self.document["K"].extend(part.numbers[kid.idnum] for kid in kids)
        for key, value in sorted(part.parent_tree, key=lambda entry: entry[0]):
            if key not in part.dropped_keys:
                self.parent_tree["Nums"].extend([key + part.shift, converted(value, part.numbers)])
        self.next_key += max((key for key, _ in part.parent_tree), default=-1) + 1

    def finish(self, parts: Sequence[Part]) -> None:
        """The other entries of the parts' roots: RoleMap and ClassMap merged (the first
        part's meaning of a name wins), the IDTree merged, the namespaces (PDF 2.0) of the
        first part."""
        tagged = [(part, root) for part in parts if (root := part.struct_root())]
        for key in ("/RoleMap", "/ClassMap"):
            merged: dict[str, Any] = {}
            for part, root in tagged:
                for name, value in dict.items(part.get(root, key, {})):
                    merged.setdefault(name, converted(value, part.numbers))
            if merged:
                self.root[key[1:]] = pydyf.Dictionary(_keys(merged))
        ids: dict[str, Any] = {}
        for part, root in tagged:
            for name, value in name_tree(part, part.get(root, "/IDTree")):
                ids.setdefault(name, converted(value, part.numbers))
        if ids:
            names = [item for name in sorted(ids) for item in (pydyf.String(name), ids[name])]
            self.root["IDTree"] = pydyf.Dictionary({"Names": pydyf.Array(names)})
        if any("/ParentTreeNextKey" in root for _part, root in tagged):
            self.root["ParentTreeNextKey"] = self.next_key
        first, root = tagged[0]
        if "/Namespaces" in root:
            self.root["Namespaces"] = converted(dict.get(root, "/Namespaces"), first.numbers)
            document = first.resolve(struct_kids(root)[0])
            if "/NS" in document:
                self.document["NS"] = converted(dict.get(document, "/NS"), first.numbers)


# --- outline and catalog -----------------------------------------------------------------

OutlineNode = tuple[Bookmark, list[Any]]


def outline_tree(bookmarks: Sequence[Bookmark]) -> list[OutlineNode]:
    """The bookmarks nested as WeasyPrint nests them (weasyprint.anchors.
    make_page_bookmark_tree): a level deeper than the previous one by more than one is
    nested one deeper only, and a later shallower level finds its parent by the levels
    skipped on the way down."""
    root: list[OutlineNode] = []
    skipped_levels: list[int] = []
    last_by_depth = [root]
    previous_level = 0
    for bookmark in bookmarks:
        level = bookmark.level
        if level > previous_level:
            skipped_levels.append(level - previous_level - 1)
        else:
            temp = level
            while temp < previous_level:
                temp += 1 + skipped_levels.pop()
            if temp > previous_level:
                skipped_levels.append(temp - previous_level - 1)
        previous_level = level
        depth = level - sum(skipped_levels)
        children: list[OutlineNode] = []
        last_by_depth[depth - 1].append((bookmark, children))
        del last_by_depth[depth:]
        last_by_depth.append(children)
    return root


def add_outlines(
    pdf: pydyf.PDF,
    nodes: list[OutlineNode],
    page_refs: list[bytes],
    parent: pydyf.Dictionary | None = None,
) -> tuple[list[pydyf.Dictionary], int]:
    """The outline items of `nodes` as weasyprint.pdf.anchors.add_outlines writes them (a
    closed item's /Count negative, its items not counted in its parents'), and how many
    items are open to view. At the top, the /Outlines dictionary, returned alone."""
    count = len(nodes)
    outlines: list[pydyf.Dictionary] = []
    for bookmark, children in nodes:
        destination = pydyf.Array((page_refs[bookmark.page], "/XYZ", bookmark.x, bookmark.y, 0))
        outline = pydyf.Dictionary({"Title": pydyf.String(bookmark.label), "Dest": destination})
        pdf.add_object(outline)
        children_outlines, children_count = add_outlines(pdf, children, page_refs, outline)
        outline["Count"] = -children_count if bookmark.closed else children_count
        if not bookmark.closed:
            count += children_count
        if outlines:
            outline["Prev"] = outlines[-1].reference
            outlines[-1]["Next"] = outline.reference
        if children_outlines:
            outline["First"] = children_outlines[0].reference
            outline["Last"] = children_outlines[-1].reference
        if parent is not None:
            outline["Parent"] = parent.reference
        outlines.append(outline)
    if parent is None and outlines:
        top = pydyf.Dictionary(
            {"Count": count, "First": outlines[0].reference, "Last": outlines[-1].reference}
        )
        pdf.add_object(top)
        for outline in outlines:
            outline["Parent"] = top.reference
        return [top], count
    return outlines, count


def write_catalog(
    pdf: pydyf.PDF,
    parts: Sequence[Part],
    names: dict[str, tuple[Part, Any]],
    outlines: pydyf.Dictionary | None,
    tree: StructTree | None,
    page_labels: Sequence[tuple[int, str]],
) -> None:
    """The catalog: the first part's document-level entries (language, viewer preferences,
    marked-content flag, XMP metadata, output intents, attachments) in their order, with the
    merged outline, names and structure tree, then the page labels; the first part's
    /Info."""
    first = parts[0]
    rebuilt = {
        "Outlines": outlines.reference if outlines else None,
        "Names": names_dictionary(first, names),
        "StructTreeRoot": tree.root.reference if tree else None,
    }
    for key, value in dict.items(first.catalog):
        if key not in REBUILT:
            pdf.catalog.update(_keys({key: converted(value, first.numbers)}))
        elif rebuilt.get(key[1:]):
            pdf.catalog[key[1:]] = rebuilt.pop(key[1:])
    pdf.catalog.update({key: value for key, value in rebuilt.items() if value})
    numbers: list[Any] = []
    for start, style in page_labels:  # as pdf_labels.write_page_labels
        numbers += [start, pydyf.Dictionary({"S": f"/{style}"})]
    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(numbers)})
    info = first.resolve(dict.get(first.reader.trailer, "/Info"))
    if info is not None:
        pdf.info.update(_keys({key: converted(value, {}) for key, value in dict.items(info)}))


def names_dictionary(first: Part, names: dict[str, tuple[Part, Any]]) -> pydyf.Dictionary:
    """The first part's name trees (attachments...), with the merged destinations as
    WeasyPrint writes its own: one /Names array, sorted."""
    catalog_names = first.get(first.catalog, "/Names", {})
    entries = {k: converted(v, first.numbers) for k, v in dict.items(catalog_names)}
    entries.pop("/Dests", None)
    if names:
        dests = pydyf.Array()
        for name in sorted(names):
            part, destination = names[name]
            dests.extend([pydyf.String(name), converted(destination, part.numbers)])
        entries["/Dests"] = pydyf.Dictionary({"Names": dests})
    return pydyf.Dictionary(_keys(entries))
