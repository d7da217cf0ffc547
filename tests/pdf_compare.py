"""What a reader and a printer see in a PDF, to compare two PDFs' content.

`pdf_content` reads a PDF back into plain, comparable values: the text of every page, the
page labels, the outline, the named destinations, every link's place and target, and the
page boxes. `assert_same_content` compares two PDFs so and, where they differ, names the
first differing page or entry of each part, in a few lines: an assembled PDF and the
single-layout PDF of the same book must agree on all of it, whatever their bytes.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pdfplumber
from pypdf import PdfReader
from pypdf.generic import ArrayObject, Destination, DictionaryObject, IndirectObject

# A link's target: ("page", page index, y of the destination or None) or ("uri", uri).
Target = tuple[Any, ...]
Rect = tuple[float, float, float, float]
# An outline entry: its title, the index of the page it leads to, its children.
OutlineEntry = tuple[str, "int | None", tuple["OutlineEntry", ...]]


@dataclass(frozen=True)
class Link:
    """A link annotation: the page it sits on, its rectangle (points), where it leads."""

    page: int
    rect: Rect
    target: Target


@dataclass(frozen=True)
class PageBoxes:
    """A page's boxes as a printer reads them (an absent box falls back as the PDF says)."""

    media: Rect
    trim: Rect
    bleed: Rect


@dataclass(frozen=True)
class PdfContent:
    """What a reader and a printer see in a PDF, whatever its bytes."""

    texts: tuple[str, ...]  # each page's text, as pdfplumber extracts it
    labels: tuple[str, ...]  # each page's label (the number a reader's viewer shows)
    outline: tuple[OutlineEntry, ...]
    destinations: tuple[tuple[str, int | None], ...]  # named destinations, by name
    links: tuple[Link, ...]  # in page order, then in the order of each page's /Annots
    boxes: tuple[PageBoxes, ...]


def pdf_content(path: Path) -> PdfContent:
    """Read what a reader and a printer see in the PDF at `path`."""
    reader = PdfReader(path)
    pages = _page_indexes(reader)
    with pdfplumber.open(path) as pdf:
        texts = tuple(page.extract_text() or "" for page in pdf.pages)
    named = reader.named_destinations
    return PdfContent(
        texts=texts,
        labels=tuple(reader.page_labels),
        outline=_outline(reader, reader.outline),
        destinations=tuple(
            sorted((str(name), _page_of(reader, dest)) for name, dest in named.items())
        ),
        links=tuple(_links(reader, pages, named)),
        boxes=tuple(_boxes(page) for page in reader.pages),
    )


def _page_indexes(reader: PdfReader) -> dict[int, int]:
    """Each page object's number → its index: what a link's explicit destination names."""
    return {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)}


def _page_of(reader: PdfReader, destination: Destination) -> int | None:
    index = reader.get_destination_page_number(destination)
    return None if index < 0 else index


def _outline(reader: PdfReader, items: Sequence[Any]) -> tuple[OutlineEntry, ...]:
    """pypdf's outline (a list of entries, each followed by a list of its children, if
    any) as nested (title, page index, children) tuples."""
    entries: list[OutlineEntry] = []
    for item in items:
        if isinstance(item, list):
            title, page, _ = entries.pop()
            entries.append((title, page, _outline(reader, item)))
        else:
            entries.append((str(item.title), _page_of(reader, item), ()))
    return tuple(entries)


def _rounded(values: Sequence[Any]) -> Rect:
    x0, y0, x1, y1 = (float(v) for v in values)
    return (
        round(min(x0, x1), 1),
        round(min(y0, y1), 1),
        round(max(x0, x1), 1),
        round(max(y0, y1), 1),
    )


def _boxes(page: Any) -> PageBoxes:
    return PageBoxes(_rounded(page.mediabox), _rounded(page.trimbox), _rounded(page.bleedbox))


def _links(reader: PdfReader, pages: dict[int, int], named: dict[str, Destination]) -> list[Link]:
    links = []
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or ():
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            target = _link_target(reader, annotation, pages, named)
            links.append(Link(index, _rounded(annotation["/Rect"]), target))
    return links


def _link_target(
    reader: PdfReader,
    annotation: DictionaryObject,
    pages: dict[int, int],
    named: dict[str, Destination],
) -> Target:
    """Where a link leads: its /Dest (a name or an explicit array), or its action's."""
    destination = annotation.get("/Dest")
    action = annotation.get("/A")
    if destination is None and action is not None:
        action = action.get_object()
        if action.get("/S") == "/URI":
            return ("uri", str(action["/URI"]))
        if action.get("/S") == "/GoTo":
            destination = action.get("/D")
        else:
            return ("action", str(action.get("/S")))
    if destination is None:
        return ("none",)
    destination = destination.get_object()
    if isinstance(destination, ArrayObject):
        return _explicit(destination, pages)
    name = str(destination)
    if name not in named and name.startswith("/"):  # a name object: /Root /Dests's keys
        name = name[1:]
    if name not in named:
        return ("missing", name)
    found = named[name]
    top = found.get("/Top")
    return ("page", _page_of(reader, found), None if top is None else round(float(top), 1))


def _explicit(destination: ArrayObject, pages: dict[int, int]) -> Target:
    """An explicit destination: [page, /XYZ, left, top, zoom] (or /Fit…, no y)."""
    page = destination[0]
    index = pages.get(page.idnum) if isinstance(page, IndirectObject) else int(page)
    top = None
    if len(destination) > 3 and str(destination[1]) == "/XYZ" and destination[3] is not None:
        top = round(float(destination[3]), 1)
    return ("page", index, top)


# Comparing


def assert_same_content(a: Path, b: Path) -> None:
    """Raise AssertionError, naming the first difference of each part, unless the PDFs at
    `a` and `b` show the same content."""
    problems = content_differences(pdf_content(a), pdf_content(b))
    if problems:
        raise AssertionError(f"{a} and {b} differ:\n" + "\n".join(problems))


def content_differences(a: PdfContent, b: PdfContent) -> list[str]:
    """One short message for each part of the content that differs (first difference)."""
    problems = []
    if len(a.texts) != len(b.texts):
        problems.append(f"pages: {len(a.texts)} vs {len(b.texts)}")
    for field in fields(PdfContent):
        first, second = getattr(a, field.name), getattr(b, field.name)
        if first != second:
            problems.append(_DESCRIBE[field.name](first, second))
    return problems


def _first_difference(a: Sequence[Any], b: Sequence[Any]) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _entry(items: Sequence[Any], index: int) -> str:
    return repr(items[index]) if index < len(items) else "(none)"


def _texts(a: Sequence[str], b: Sequence[str]) -> str:
    """The first differing page and the lines that differ on it (a few at most)."""
    index = _first_difference(a, b)
    if index >= min(len(a), len(b)):
        return f"text: the same on the first {index} pages, then {len(a)} vs {len(b)} pages"
    lines = [
        line
        for line in difflib.unified_diff(
            a[index].splitlines(), b[index].splitlines(), lineterm="", n=0
        )
        if not line.startswith(("---", "+++", "@@"))
    ]
    shown = "\n".join(f"    {line}" for line in lines[:6])
    more = f"\n    … {len(lines) - 6} more lines" if len(lines) > 6 else ""
    return f"text: page {index + 1} (index {index}) differs:\n{shown}{more}"


def _sequence(name: str, item: str = "entry") -> Any:
    def describe(a: Sequence[Any], b: Sequence[Any]) -> str:
        index = _first_difference(a, b)
        return (
            f"{name}: {item} {index} differs: {_entry(a, index)} vs {_entry(b, index)}"
            f" ({len(a)} vs {len(b)} in all)"
        )

    return describe


def _flat_outline(
    entries: Sequence[OutlineEntry], path: tuple[str, ...] = ()
) -> list[tuple[str, int | None]]:
    """The outline in reading order, each entry as its path of titles and its page."""
    flat = []
    for title, page, children in entries:
        flat.append((" > ".join((*path, title)), page))
        flat.extend(_flat_outline(children, (*path, title)))
    return flat


def _outlines(a: Sequence[OutlineEntry], b: Sequence[OutlineEntry]) -> str:
    first, second = _flat_outline(a), _flat_outline(b)
    if first == second:
        return "outline: the same entries, nested differently"
    return _sequence("outline")(first, second)


def _destinations(a: Sequence[tuple[str, Any]], b: Sequence[tuple[str, Any]]) -> str:
    first, second = dict(a), dict(b)
    name = next(
        name
        for name in sorted(first.keys() | second.keys())
        if first.get(name, "(none)") != second.get(name, "(none)")
    )
    return (
        f"named destination {name!r}: page index {first.get(name, '(none)')} vs "
        f"{second.get(name, '(none)')} ({len(a)} vs {len(b)} in all)"
    )


def _page_links(a: Sequence[Link], b: Sequence[Link]) -> str:
    index = _first_difference(a, b)
    where = min((links[index].page for links in (a, b) if index < len(links)), default=0)
    return (
        f"links: the first difference is on page index {where}: "
        f"{_entry(a, index)} vs {_entry(b, index)} ({len(a)} vs {len(b)} links in all)"
    )


_DESCRIBE = {
    "texts": _texts,
    "labels": _sequence("page labels", "page index"),
    "outline": _outlines,
    "destinations": _destinations,
    "links": _page_links,
    "boxes": _sequence("page boxes", "page index"),
}
