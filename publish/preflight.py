"""Preflight: read a finished PDF back and check what a print shop checks.

Page size against the trim (and bleed) asked for, fonts embedded, each note on the page of
its call, text inside the margins, images sharp enough at their printed size. PDFs that
publish wrote name every first note call `fnref-N` and every note part `fn-N`, `fn-N-2`...
(named destinations), so notes are matched by name, not guessed from the text.

Reads with pypdf and pdfplumber only: checking a PDF never loads WeasyPrint.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from publish.errors import PublishError, SourceLocation
from publish.settings import MIN_DPI, MM, Settings, length_pt

SAFE_MARGIN_MM = 5.0  # text closer to the trim edge may be cut off
TOLERANCE_PT = 0.5  # rounding in page boxes
COLUMN_SLACK_PT = 1.0  # how far a line may stand out of the text column
_CALL = re.compile(r"((?:d\d+-)?)fnref-(\d+)")  # in a book, each document's names start dN-
_NOTE = re.compile(r"((?:d\d+-)?)fn-(\d+)")


class PreflightError(PublishError):
    """The file cannot be read as a PDF."""


@dataclass(frozen=True)
class Finding:
    """One line of the report: a check, whether it passed, and what was found."""

    check: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class PreflightReport:
    path: Path
    pages: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return all(finding.ok for finding in self.findings)


def preflight(path: Path, settings: Settings | None = None) -> PreflightReport:
    """Check the PDF at `path` against `settings` (trim and bleed; defaults if None)."""
    settings = settings or Settings()
    try:
        reader = PdfReader(path)
        with pdfplumber.open(path) as pdf:
            findings = (
                page_size(reader, settings),
                fonts_embedded(reader),
                notes_on_their_pages(reader),
                text_inside_margins(pdf),
                image_resolution(pdf),
            )
            return PreflightReport(path, len(reader.pages), findings)
    except (OSError, PdfReadError, ValueError) as exc:
        raise PreflightError(f"cannot read the PDF: {exc}", SourceLocation(str(path))) from None


# Page size


def page_size(reader: PdfReader, settings: Settings) -> Finding:
    """Every TrimBox is the trim; the MediaBox and BleedBox add the bleed on each side."""
    width, height = (length_pt(side) for side in settings.page_size)
    bleed = length_pt(settings.bleed)
    wrong = [
        number
        for number, page in enumerate(reader.pages, start=1)
        if not _sizes_match(page, (width, height), bleed)
    ]
    asked = f"trim {settings.trim} ({width:.1f} × {height:.1f} pt), bleed {settings.bleed}"
    if not wrong:
        return Finding("Page size", True, f"{asked} on every page")
    first = reader.pages[wrong[0] - 1]
    found = f"trim {_size(first.trimbox)}, media {_size(first.mediabox)}"
    return Finding("Page size", False, f"asked {asked}; {_pages(wrong)}: {found}")


def _sizes_match(page: object, trim: tuple[float, float], bleed: float) -> bool:
    boxes = (page.trimbox, page.bleedbox, page.mediabox)  # type: ignore[attr-defined]
    wanted = (trim, (trim[0] + 2 * bleed, trim[1] + 2 * bleed))
    sizes = [(float(box.width), float(box.height)) for box in boxes]
    return (
        _near(sizes[0], wanted[0])
        and _near(sizes[1], wanted[1])
        and (
            sizes[2][0] >= wanted[1][0] - TOLERANCE_PT
            and sizes[2][1] >= wanted[1][1] - TOLERANCE_PT
        )
    )


def _near(size: tuple[float, float], wanted: tuple[float, float]) -> bool:
    return all(abs(a - b) <= TOLERANCE_PT for a, b in zip(size, wanted, strict=True))


def _size(box: object) -> str:
    return f"{float(box.width):.1f} × {float(box.height):.1f} pt"  # type: ignore[attr-defined]


def _pages(numbers: list[int], most: int = 8) -> str:
    shown = ", ".join(map(str, numbers[:most]))
    more = f" (+{len(numbers) - most})" if len(numbers) > most else ""
    return f"page{'s' if len(numbers) > 1 else ''} {shown}{more}"


# Fonts


def fonts_embedded(reader: PdfReader) -> Finding:
    """Every font any page uses carries its font program."""
    fonts = dict(_fonts(reader))
    missing = sorted(name for name, embedded in fonts.items() if not embedded)
    if missing:
        return Finding("Fonts embedded", False, "not embedded: " + ", ".join(missing))
    return Finding("Fonts embedded", True, f"{len(fonts)} fonts, all embedded")


def _fonts(reader: PdfReader) -> Iterator[tuple[str, bool]]:
    for page in reader.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        for ref in fonts.get_object().values() if fonts else ():
            font = ref.get_object()
            if "/DescendantFonts" in font:  # Type 0: the descendant has the descriptor
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            files = set(descriptor.get_object()) if descriptor else set()
            embedded = bool({"/FontFile", "/FontFile2", "/FontFile3"} & files)
            yield str(font.get("/BaseFont", "?")), embedded or font.get("/Subtype") == "/Type3"


# Notes


def notes_on_their_pages(reader: PdfReader) -> Finding:
    """Each note starts on the page of its first call."""
    calls, notes = note_destinations(reader)
    if not calls:
        return Finding("Notes on their call's page", True, "no notes")
    astray = sorted((n for n in calls if notes.get(n) != calls[n]), key=_order)
    if astray:
        detail = ", ".join(f"{n} (call p. {calls[n]}, note {_where(notes.get(n))})" for n in astray)
        return Finding("Notes on their call's page", False, "notes " + detail)
    return Finding("Notes on their call's page", True, f"{len(calls)} notes")


def note_destinations(reader: PdfReader) -> tuple[dict[str, int], dict[str, int]]:
    """({note: page of its call}, {note: page where it starts}), pages counted from 1.

    Notes are named as printed, "12", or "d2-12" for note 12 of a book's second document.
    """
    calls: dict[str, int] = {}
    notes: dict[str, int] = {}
    for name, destination in reader.named_destinations.items():
        page = reader.get_destination_page_number(destination) + 1
        if call := _CALL.fullmatch(name):
            calls[call[1] + call[2]] = page
        elif note := _NOTE.fullmatch(name):
            notes[note[1] + note[2]] = page
    return calls, notes


def _order(name: str) -> tuple[int, ...]:
    return tuple(int(number) for number in re.findall(r"\d+", name))


def _where(page: int | None) -> str:
    return "missing" if page is None else f"p. {page}"


# Text inside the margins


Box = tuple[float, float, float, float]  # x0, top, x1, bottom, as pdfplumber places text


def text_inside_margins(pdf: pdfplumber.PDF) -> Finding:
    """No text near or past the trim edge, and none standing out of the text column."""
    columns = text_columns(pdf)
    safe = SAFE_MARGIN_MM * MM
    outside = [
        number
        for number, page in enumerate(pdf.pages, start=1)
        if _outside(page, getattr(page, "trimbox", page.bbox), columns.get(number % 2), safe)
    ]
    if outside:
        return Finding("Text inside the margins", False, f"text outside on {_pages(outside)}")
    return Finding("Text inside the margins", True, "all text inside the column and trim")


COLUMN_EVIDENCE = 5  # lines that must end at the same place for it to be the column's edge


def text_columns(pdf: pdfplumber.PDF) -> dict[int, tuple[float, float]]:
    """The text column of odd and even pages: where most lines end, and the leftmost place
    where enough lines start (indents only go right: a page of a long note's hanging lines
    must not move the column's edge to theirs).

    Justified lines all end at the column's edge; with too few of them to tell (a page or
    two of text), no column is known and only the trim's safe area is checked.
    """
    starts: dict[int, Counter[int]] = {0: Counter(), 1: Counter()}
    ends: dict[int, Counter[int]] = {0: Counter(), 1: Counter()}
    for number, page in enumerate(pdf.pages, start=1):
        for line in page.extract_text_lines(return_chars=False):
            starts[number % 2][round(line["x0"])] += 1
            ends[number % 2][round(line["x1"])] += 1
    columns = {}
    for side in (0, 1):
        if ends[side] and ends[side].most_common(1)[0][1] >= COLUMN_EVIDENCE:
            edges = [x for x, lines in starts[side].items() if lines >= COLUMN_EVIDENCE]
            start = min(edges) if edges else starts[side].most_common(1)[0][0]
            columns[side] = (start, ends[side].most_common(1)[0][0])
    return columns


def _outside(
    page: pdfplumber.page.Page, trim: Box, column: tuple[float, float] | None, safe: float
) -> bool:
    x0, top, x1, bottom = trim
    for char in page.chars:
        if char["text"].isspace():
            continue
        if char["x0"] < x0 + safe or char["x1"] > x1 - safe:
            return True
        if char["top"] < top + safe or char["bottom"] > bottom - safe:
            return True
        if column and not (column[0] - COLUMN_SLACK_PT <= char["x0"]):
            return True
        if column and char["x1"] > column[1] + COLUMN_SLACK_PT:
            return True
    return False


# Images


def image_resolution(pdf: pdfplumber.PDF) -> Finding:
    """Every image has at least MIN_DPI pixels per inch where it is printed."""
    low = []
    count = 0
    for number, page in enumerate(pdf.pages, start=1):
        for image in page.images:
            count += 1
            dpi = placed_dpi(image)
            if dpi < MIN_DPI:
                low.append(f"p. {number}: {image.get('name', 'image')} at {dpi:.0f} dpi")
    if low:
        return Finding("Image resolution", False, f"under {MIN_DPI} dpi: " + "; ".join(low[:6]))
    return Finding("Image resolution", True, f"{count} images, none under {MIN_DPI} dpi")


def placed_dpi(image: dict) -> float:
    """The lower of the two resolutions of an image as placed on the page."""
    pixels_w, pixels_h = image["srcsize"]
    width = max(float(image["x1"]) - float(image["x0"]), 1e-6) / 72
    height = max(float(image["bottom"]) - float(image["top"]), 1e-6) / 72
    return min(pixels_w / width, pixels_h / height)
