"""The PDFs of a book's parts, each laid out on its own, joined into one (pdf_merge): what a
reader sees in it is what the same book laid out at once shows. A small book of three
sections, each opening a page, is laid out once whole and once per part (the part's pages
kept, its links to the other parts written as `urn:publish-dest:` URIs, as the parts'
workers write them); the merged PDF is read back against the whole one."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pdfplumber
import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject
from weasyprint import HTML

from publish.errors import SourceLocation
from publish.preflight import pdfx_conformance
from publish.settings import Settings
from publish.writers.pdf_labels import page_label_ranges, write_page_labels
from publish.writers.pdf_merge import DEST_URI, Bookmark, merge_pdfs
from publish.writers.pdfx import SYSTEM_CMYK_PROFILES, pdfx_finisher

IDENTIFIER = b"0123456789abcdef0123456789abcdef"
ALT = r"Figure 3 0 R (see 12 0 R) \ done"  # a string that reads like references

SVG = "data:image/svg+xml," + quote(
    '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>'
)


def paragraphs(prefix: str, count: int) -> str:
    return "".join(
        f'<p id="{prefix}-p{n}">{prefix.title()} paragraph {n}: '
        + " ".join(f"word{n}x{i}" for i in range(40))
        + "</p>"
        for n in range(count)
    )


BOOK = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Merged Book</title>
<meta name="author" content="Ada Author"><meta name="generator" content="publish test">
<meta name="dcterms.created" content="2026-01-02T03:04:05Z">
<style>
@page {{ size: A6; margin: 15mm 12mm; @bottom-center {{ content: counter(page) }} }}
section {{ break-before: page }}
.closed {{ bookmark-state: closed }}
</style></head><body>
<section id="front"><h1 id="title-page">The Book</h1>
<p id="front-p">See <a href="#two-b">part two, b</a> and <a href="#front-end">the end of this part</a>.</p>
{paragraphs("front", 6)}<p id="front-end">End of the front.</p></section>
<section id="two"><h1 id="body-matter">Two</h1>
<h2 id="two-a" class="closed">Two A</h2><h3 id="two-a-i">Two A i</h3>{paragraphs("twoa", 3)}
<h3 id="two-a-ii">Two A ii</h3><p id="two-img"><img src="{SVG}" alt="{ALT}"></p>
<h2 id="two-b">Two B</h2><p id="two-p">Back to <a href="#title-page">the title</a>,
on to <a href="#trois-été">three</a>, and <a href="#nowhere">nowhere</a>.</p>
{paragraphs("twob", 4)}</section>
<section id="three"><h1 id="three-h">Three</h1><h3 id="trois-été">Skipped a level</h3>
{paragraphs("three", 5)}<h2 id="three-b">Three B</h2>
<p id="three-p"><a href="#two-a-ii">Two A ii</a>, <a href="https://example.org/a(b)">out</a>.</p></section>
</body></html>"""

SECTIONS = ("front", "two", "three")


def whole_pdf(variant: str | None) -> bytes:
    """The book laid out at once, with its page labels (as publish writes them)."""
    document = HTML(string=BOOK).render(pdf_tags=True, pdf_variant=variant)
    return document.write_pdf(
        pdf_tags=True,
        pdf_variant=variant,
        pdf_identifier=IDENTIFIER,
        finisher=finished(variant, write_page_labels),
    )


def finished(variant: str | None, finish: Callable[[Any, Any], None]) -> Callable:
    """`finish`, then for PDF/X what publish's PDF/X finisher does (CMYK, OutputIntent)."""
    if variant and variant.startswith("pdf/x-"):
        return pdfx_finisher(finish, Settings(pdf_variant=variant), SourceLocation("book.html"))
    return finish


def _nothing(_document: Any, _pdf: Any) -> None:
    pass


def first_pages(pages: list) -> list[int]:
    """Where each section opens: the first page its id is laid out on."""
    first: dict[str, int] = {}
    for index, page in enumerate(pages):
        for name in page.anchors:
            first.setdefault(name, index)
    return [first[section] for section in SECTIONS]


def part_pdfs(variant: str | None) -> tuple[list[bytes], list[Bookmark], list[tuple[int, str]]]:
    """Each section's pages written alone (the book laid out once per part, as a worker
    does), its links to the other parts made `urn:publish-dest:` URIs; the bookmarks of
    the kept pages, and the page labels of the whole."""
    parts, bookmarks = [], []
    for number in range(len(SECTIONS)):
        document = HTML(string=BOOK).render(pdf_tags=True, pdf_variant=variant)
        starts = [*first_pages(document.pages), len(document.pages)]
        first, end = starts[number], starts[number + 1]
        pages = document.pages[first:end]
        here = {name for page in pages for name in page.anchors}
        for index, page in enumerate(pages, start=first):
            page.links[:] = [away(link, here) for link in page.links]
            for level, label, (x, y), state in page.bookmarks:
                y_pdf = (page.height - y) * 0.75
                bookmarks.append(Bookmark(level, label, index, x * 0.75, y_pdf, state == "closed"))
        part = document.copy(pages).write_pdf(
            pdf_tags=True,
            pdf_variant=variant,
            pdf_identifier=IDENTIFIER,
            finisher=finished(variant, _nothing),
        )
        parts.append(part)
    labels = page_label_ranges(HTML(string=BOOK).render().pages)
    return parts, bookmarks, labels


def away(link: tuple, here: set[str]) -> tuple:
    """A link to an anchor the part does not lay out, as a worker writes it."""
    kind, target, rectangle, box = link
    if kind == "internal" and target not in here:
        return ("external", DEST_URI + quote(target, safe=""), rectangle, box)
    return link


def merged_pdf(variant: str | None = None) -> bytes:
    parts, bookmarks, labels = part_pdfs(variant)
    output = io.BytesIO()
    merge_pdfs(parts, output, bookmarks=bookmarks, page_labels=labels, identifier=IDENTIFIER)
    return output.getvalue()


@pytest.fixture(scope="module")
def pdfs() -> tuple[PdfReader, PdfReader, bytes]:
    """(the whole layout, the merged parts, the merged bytes)."""
    merged = merged_pdf()
    return PdfReader(io.BytesIO(whole_pdf(None))), PdfReader(io.BytesIO(merged)), merged


def test_the_parts_link_to_each_other_by_uri():
    parts, _bookmarks, _labels = part_pdfs(None)
    uris = [link[1] for part in parts for link in links(PdfReader(io.BytesIO(part)))]
    assert DEST_URI + "two-b" in uris  # front → two
    assert DEST_URI + "title-page" in uris  # two → front
    assert DEST_URI + "nowhere" in uris  # laid out in no part
    assert DEST_URI + "trois-%C3%A9t%C3%A9" in uris


# --- what a reader sees -------------------------------------------------------------------


def test_every_page_reads_as_in_the_whole_layout(pdfs):
    whole, merged, data = pdfs
    assert len(merged.pages) == len(whole.pages) >= 5
    assert page_texts(data) == page_texts(whole_pdf(None))
    for whole_page, merged_page in zip(whole.pages, merged.pages, strict=True):
        for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
            assert list(merged_page[box]) == list(whole_page[box])
        assert merged_page["/Resources"]["/Font"].keys()  # its own fonts, embedded


def test_the_outline_is_the_whole_layouts(pdfs):
    whole, merged, _ = pdfs
    assert outline(merged) == outline(whole)
    titles = [entry[1] for entry in outline(merged)]
    assert titles == [
        "The Book",
        "Two",
        "Two A",
        "Two A i",
        "Two A ii",
        "Two B",
        "Three",
        "Skipped a level",
        "Three B",
    ]
    counts = {entry[1]: entry[4] for entry in outline(merged)}
    assert counts["Two A"] == -2  # closed, its two entries hidden
    assert counts["Two"] == 2  # Two A (closed) and Two B open under it


def test_named_destinations_lead_to_the_same_places(pdfs):
    whole, merged, _ = pdfs
    assert destinations(merged) == destinations(whole)
    assert {"front-p", "two-b", "trois-été", "twob-p3"} <= destinations(merged).keys()
    names = merged.trailer["/Root"]["/Names"]["/Dests"]["/Names"][::2]
    assert names == sorted(names)  # a name tree is sorted


def test_links_between_parts_are_internal_links(pdfs):
    whole, merged, _ = pdfs
    assert links(merged) == links(whole)
    targets = list(dict.fromkeys(link[1] for link in links(merged)))  # a link may wrap
    assert targets == [
        "two-b",
        "front-end",
        "title-page",
        "trois-été",
        "two-a-ii",
        "https://example.org/a(b)",
    ]  # #nowhere dropped, as WeasyPrint does
    for page in merged.pages:
        for annotation in annotations(page):
            assert DEST_URI not in str(annotation.get("/A", {}).get("/URI", ""))
            if "/Dest" in annotation:
                assert "/A" not in annotation
                assert annotation["/Contents"] == annotation["/Dest"]


def test_page_labels_and_document_entries(pdfs):
    whole, merged, _ = pdfs
    assert merged.page_labels == whole.page_labels
    text_starts = destinations(merged)["body-matter"][0]
    assert merged.page_labels[0] == "i"
    assert merged.page_labels[text_starts : text_starts + 2] == ["1", "2"]
    root, whole_root = merged.trailer["/Root"], whole.trailer["/Root"]
    assert set(root) == set(whole_root)
    for key in ("/Lang", "/MarkInfo", "/ViewerPreferences"):
        assert root[key] == whole_root[key]
    assert dict(merged.metadata) == dict(whole.metadata)  # Title, Author, Producer, dates
    assert merged.metadata["/Producer"].startswith("WeasyPrint")
    assert merged.trailer["/ID"][0] == IDENTIFIER.decode()


def test_the_same_parts_give_the_same_bytes(pdfs):
    _whole, _merged, data = pdfs
    assert merged_pdf() == data


# --- the tagged structure -----------------------------------------------------------------


def test_one_structure_tree_as_the_whole_layouts(pdfs):
    whole, merged, _ = pdfs
    root = merged.trailer["/Root"]["/StructTreeRoot"]
    (document,) = root["/K"]
    assert document.get_object()["/S"] == "/Document"
    assert element_types(merged) == element_types(whole)
    for kid in document.get_object()["/K"]:
        assert kid.get_object().raw_get("/P").idnum == document.idnum


def test_every_marked_content_resolves_to_an_element_of_its_page(pdfs):
    assert marked_content_resolves(pdfs[1]) > 100


def marked_content_resolves(merged: PdfReader) -> int:
    """How many marked contents were found through the ParentTree at an element of their
    page (an AssertionError if one is not)."""
    parent_tree_node = merged.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]
    keys = parent_tree_node["/Nums"][0::2]
    assert keys == sorted(set(keys))  # a number tree: keys once each, in order
    parent_tree = number_tree(parent_tree_node)
    checked = 0
    for page in merged.pages:
        elements = parent_tree[page["/StructParents"]]
        for mcid in marked_content_ids(page):
            element = elements[mcid].get_object()
            assert element.raw_get("/Pg").idnum == page.indirect_reference.idnum
            assert mcid in mcids_of(element)
            checked += 1
    return checked


def test_every_link_is_a_link_element_of_the_structure(pdfs):
    links_are_link_elements(pdfs[1])


def links_are_link_elements(merged: PdfReader) -> None:
    """Each link's /StructParent leads to a Link element holding its OBJR, and no OBJR or
    ParentTree key is left of a link dropped."""
    root = merged.trailer["/Root"]["/StructTreeRoot"]
    parent_tree = number_tree(root["/ParentTree"])
    for page in merged.pages:
        for annotation in annotations(page):
            element = parent_tree[annotation["/StructParent"]].get_object()
            assert element["/S"] == "/Link"
            objects = [kid.get_object() for kid in element["/K"] if isinstance(kid, IndirectObject)]
            assert any(obj.get("/Obj") == annotation.indirect_reference for obj in objects)
    # the link to no anchor is gone from the structure too: each OBJR is of an annotation
    # that a page shows, and the ParentTree holds the pages' and the annotations' keys only
    on_pages = {a.indirect_reference.idnum for page in merged.pages for a in annotations(page)}
    objrs = [
        kid.get_object().raw_get("/Obj").idnum
        for element in walk(root["/K"][0].get_object())
        for kid in kids_of(element)
        if isinstance(kid, IndirectObject) and kid.get_object().get("/Type") == "/OBJR"
    ]
    assert sorted(objrs) == sorted(on_pages)
    keys = {page["/StructParents"] for page in merged.pages}
    keys |= {a["/StructParent"] for page in merged.pages for a in annotations(page)}
    assert set(parent_tree) == keys


def test_strings_that_read_like_references_are_copied_as_they_are(pdfs):
    _whole, merged, _ = pdfs
    figures = [
        e
        for e in walk(merged.trailer["/Root"]["/StructTreeRoot"]["/K"][0].get_object())
        if e.get("/S") == "/Figure"
    ]
    assert [figure["/Alt"] for figure in figures] == [ALT]


@pytest.mark.parametrize("variant", ["pdf/a-3b", "pdf/ua-1", "pdf/ua-2"])
def test_pdf_variants_keep_their_document_entries(variant):
    whole = PdfReader(io.BytesIO(whole_pdf(variant)))
    merged = PdfReader(io.BytesIO(merged_pdf(variant)))
    root, whole_root = merged.trailer["/Root"], whole.trailer["/Root"]
    assert set(root) == set(whole_root)
    assert root["/Metadata"].get_data() == whole_root["/Metadata"].get_data()
    if variant.startswith("pdf/a"):
        intent = root["/OutputIntents"][0]
        assert intent["/S"] == "/GTS_PDFA1"
        assert intent["/DestOutputProfile"].get_data()  # the ICC profile, embedded
    assert merged.pdf_header == whole.pdf_header
    assert marked_content_resolves(merged) > 100
    links_are_link_elements(merged)
    assert element_types(merged) == element_types(whole)
    if variant == "pdf/ua-2":  # PDF 2.0: the standard structure namespace, on the Document
        tree = root["/StructTreeRoot"]
        (namespace,) = tree["/Namespaces"]
        assert namespace.get_object()["/NS"] == "http://iso.org/pdf2/ssn"
        assert tree["/K"][0].get_object().raw_get("/NS") == namespace
    assert links(merged) == links(whole)
    assert outline(merged) == outline(whole)


@pytest.mark.skipif(
    not any(path.is_file() for path in SYSTEM_CMYK_PROFILES), reason="no CMYK profile installed"
)
def test_a_pdf_x_book_stays_the_pdf_x_it_claims(tmp_path):
    whole_data, merged_data = whole_pdf("pdf/x-4"), merged_pdf("pdf/x-4")
    (tmp_path / "merged.pdf").write_bytes(merged_data)
    finding = pdfx_conformance(tmp_path / "merged.pdf")
    assert finding is not None and finding.ok, finding
    whole, merged = PdfReader(io.BytesIO(whole_data)), PdfReader(io.BytesIO(merged_data))
    assert set(merged.trailer["/Root"]) == set(whole.trailer["/Root"])
    assert merged.metadata["/Trapped"] == whole.metadata["/Trapped"]  # PDF/X asks for it
    assert page_texts(merged_data) == page_texts(whole_data)
    assert links(merged) == links(whole) == []  # a file for the press has no links


# --- reading the PDFs back ----------------------------------------------------------------


def page_texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() for page in pdf.pages]


def outline(reader: PdfReader) -> list[tuple]:
    """(depth, title, page, (x, y), /Count) of every entry, in order."""
    entries = []

    def visit(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                visit(item, depth + 1)
            else:
                point = (round(float(item.left), 2), round(float(item.top), 2))
                page = reader.get_destination_page_number(item)
                entries.append((depth, item.title, page, point, item.get("/Count")))

    visit(reader.outline, 0)
    return entries


def destinations(reader: PdfReader) -> dict[str, tuple]:
    return {
        name: (
            reader.get_destination_page_number(dest),
            round(float(dest.left), 2),
            round(float(dest.top), 2),
        )
        for name, dest in reader.named_destinations.items()
    }


def annotations(page: DictionaryObject) -> Iterator[DictionaryObject]:
    for annotation in page.get("/Annots", []):
        yield annotation.get_object()


def links(reader: PdfReader) -> list[tuple]:
    """(page, target: a name or a URI, rectangle, /Contents) of every link."""
    found = []
    for number, page in enumerate(reader.pages):
        for annotation in annotations(page):
            target = annotation.get("/Dest") or annotation["/A"]["/URI"]
            rectangle = tuple(round(float(v), 2) for v in annotation["/Rect"])
            found.append((number, str(target), rectangle, annotation.get("/Contents")))
    return found


def number_tree(node: DictionaryObject) -> dict[int, object]:
    node = node.get_object()
    nums = node.get("/Nums", [])
    entries = {int(key): value for key, value in zip(nums[0::2], nums[1::2], strict=True)}
    for kid in node.get("/Kids", []):
        entries |= number_tree(kid)
    return entries


def marked_content_ids(page: DictionaryObject) -> list[int]:
    return [int(n) for n in re.findall(rb"/MCID (\d+)", page.get_contents().get_data())]


def kids_of(element: DictionaryObject) -> list:
    kids = element.raw_get("/K") if "/K" in element else []
    return list(kids) if isinstance(kids, list) else [kids]


def mcids_of(element: DictionaryObject) -> list[int]:
    return [int(kid) for kid in kids_of(element) if isinstance(kid, int)]


def walk(element: DictionaryObject) -> Iterator[DictionaryObject]:
    """The structure elements under `element`, in order."""
    for kid in kids_of(element):
        if isinstance(kid, IndirectObject):
            obj = kid.get_object()
            if obj.get("/Type", "/StructElem") == "/StructElem" and "/S" in obj:
                yield obj
                yield from walk(obj)


def element_types(reader: PdfReader) -> list[str]:
    document = reader.trailer["/Root"]["/StructTreeRoot"]["/K"][0].get_object()
    return [element["/S"] for element in walk(document)]
