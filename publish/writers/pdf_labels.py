"""The PDF's page labels (`/PageLabels`): what a viewer shows as the page's number is what
is printed on it, lower-roman through the front matter and arabic from 1 where the text
begins.

The text begins on the page holding the `#body-matter` element (print/document.html.j2
writes it only with the full front matter); the page is found by that anchor in the laid
out document, not counted. Without it every page is arabic from 1, as printed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pydyf

from publish.note_series import mark

BODY_MATTER = "body-matter"  # the id that opens the text (print/document.html.j2)


def body_start(pages: Sequence[Any], anchor: str = BODY_MATTER) -> int | None:
    """The index of the page where `anchor` is laid out, or None."""
    return next((index for index, page in enumerate(pages) if anchor in page.anchors), None)


def page_label_ranges(pages: Sequence[Any]) -> list[tuple[int, str]]:
    """(first page index, numbering style) for each run of pages: `r` lower roman,
    `D` arabic (each run counts from 1)."""
    return label_ranges(body_start(pages))


def label_ranges(start: int | None) -> list[tuple[int, str]]:
    """The runs of page labels when the text begins on page `start` (0-based)."""
    if not start:  # no front matter, or nothing before the text
        return [(0, "D")]
    return [(0, "r"), (start, "D")]


def page_labels(pages: Sequence[Any]) -> list[str]:
    """Each page's folio as printed: "i", "ii" … through the front matter, then "1", "2" …"""
    return labels_from(page_label_ranges(pages), len(pages))


def labels_from(runs: Sequence[tuple[int, str]], total: int) -> list[str]:
    """Each of `total` pages' label, from the runs of `label_ranges`."""
    labels: list[str] = []
    for (first, style), (end, _next) in zip(runs, [*runs[1:], (total, "")], strict=True):
        labels += [
            mark("roman" if style == "r" else "arabic", n) for n in range(1, end - first + 1)
        ]
    return labels


def write_page_labels(document: Any, pdf: pydyf.PDF) -> None:
    """A WeasyPrint finisher: the catalog's /PageLabels for the laid-out `document`."""
    numbers: list[Any] = []
    for first, style in page_label_ranges(document.pages):
        numbers += [first, pydyf.Dictionary({"S": f"/{style}"})]
    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(numbers)})


def with_page_labels(finish: Callable[[Any, pydyf.PDF], None]) -> Callable[[Any, pydyf.PDF], None]:
    """`finish`, then the page labels."""

    def finisher(document: Any, pdf: pydyf.PDF) -> None:
        finish(document, pdf)
        write_page_labels(document, pdf)

    return finisher
