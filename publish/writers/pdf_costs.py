"""Costs in WeasyPrint 70 and pydyf 0.13 that grow with the square of a book's pages.

Each is worked around for the duration of one PDF, and put back afterwards: the library's
result stays the same, only the time changes. Measured on a 1,059-page book (the
benchmark's largest, `bench/README.md`).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

import pydyf
from weasyprint import HTML
from weasyprint.css import StyleFor
from weasyprint.layout import page as page_layout
from weasyprint.layout.page import PageType


@contextlib.contextmanager
def linear_costs() -> Iterator[None]:
    """All the workarounds below, meanwhile."""
    with fewer_collections(), page_styles_only(), cached_page_references():
        yield


@contextlib.contextmanager
def fewer_collections(threshold: int = 10_000) -> Iterator[None]:
    """Run the garbage collector's youngest generation every `threshold` allocations.

    Layout allocates millions of boxes that live until the PDF is written; at Python's
    default (700) the collector went over them 4,700 times for the book: 7.6 of 73 s.
    At 10,000: 2 to 4 s, for 8% more peak memory (garbage cycles wait longer).
    """
    plain = gc.get_threshold()
    gc.set_threshold(threshold, *plain[1:])
    try:
        yield
    finally:
        gc.set_threshold(*plain)


def page_styles_only() -> contextlib.AbstractContextManager[None]:
    """Style each page and its margin boxes without reading every element's styles.

    WeasyPrint looks for a page's margin boxes among the cascaded styles of every element
    of the document and of every page before, for each page (3 s for the book, profiled).
    """
    return swapped(page_layout, "set_page_type_computed_styles", set_page_styles)


def set_page_styles(page_type: PageType, html: HTML, style_for: StyleFor) -> None:
    """WeasyPrint's `set_page_type_computed_styles`, looking up the page's own styles."""
    root = html.etree_element
    style_for.add_page_declarations(page_type)
    style_for.set_computed_styles(page_type, root=root, parent=root, base_url=html.base_url)
    cascaded = style_for.get_cascaded_styles()
    for pseudo_type in _page_pseudo_types(style_for):
        if (page_type, pseudo_type) in cascaded:
            style_for.set_computed_styles(
                page_type, pseudo_type=pseudo_type, root=root, parent=page_type,
                base_url=html.base_url,
            )  # fmt: skip


def _page_pseudo_types(style_for: StyleFor) -> set[str]:
    """The margin boxes and areas (`@top-center`, `@footnote`…) the `@page` rules style."""
    return {
        pseudo_type
        for sheet, _origin, _specificity in style_for._sheets  # no public accessor
        for _rule, selectors, _declarations in sheet.page_rules
        for _specificity, pseudo_type, _page_selector in selectors
        if pseudo_type
    }


def cached_page_references() -> contextlib.AbstractContextManager[None]:
    """Keep pydyf's tuple of page references while the page count stays the same.

    pydyf builds the tuple of every page's reference each time WeasyPrint asks for one
    page's, which it does for each tagged element (41 of 208 s for the book, profiled).
    """
    return swapped(pydyf.PDF, "page_references", property(_page_references))


_PAGE_REFERENCES = pydyf.PDF.page_references


def _page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    count = len(pdf.pages["Kids"])
    cached: Any = pdf.__dict__.get("_publish_page_references")
    if cached is None or cached[0] != count:
        cached = pdf.__dict__["_publish_page_references"] = (count, _PAGE_REFERENCES.fget(pdf))
    return cached[1]


@contextlib.contextmanager
def swapped(owner: object, name: str, value: object) -> Iterator[None]:
    """`owner.name` is `value` meanwhile: a library's function or class, for one call."""
    plain = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, plain)
