"""Preflight: read a finished PDF back and check what a print shop checks.

Page size against the trim (and bleed) asked for, fonts embedded, each note on the page of
its call, text inside the margins, images sharp enough at their printed size. PDFs that
publish wrote name every first note call `fnref-N` and every note part `fn-N`, `fn-N-2`...
(named destinations), so notes are matched by name, not guessed from the text.

Reads with pypdf and pdfplumber only: checking a PDF never loads WeasyPrint.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from publish.cover import wrap_geometry
from publish.errors import PublishError, SourceLocation, SourceWarning
from publish.resources import project_around
from publish.settings import MIN_DPI, MM, Settings, length_pt, project_settings, resolve

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


def pdf_settings(
    pdf: Path, overrides: Mapping[str, str], warn: Callable[[SourceWarning], None]
) -> tuple[Settings, list[str]]:
    """The settings a PDF was built with, as far as its project tells: the project's
    settings file, then the front matter (or book.yaml) of its source when the project has
    exactly one source of the PDF's name, then `overrides` (the command line's flags).
    Also the files read, to tell the user what the PDF is checked against."""
    root = project_around(Path(os.path.abspath(pdf)).parent)
    layers: list[Mapping[str, str]] = [project_settings(root, warn)]
    read = [name for name in ("publish.toml", "pyproject.toml") if (root / name).is_file()][:1]
    source = pdf_source(root, pdf.name.removesuffix(".pdf").removesuffix(".cover"))
    if source is not None:
        from publish.reader import read_book, read_document  # only when a source is found

        target = (
            read_book(source, warn, root)
            if source.name == "book.yaml"
            else read_document(source, warn)
        )
        layers.append(dict(target.settings))
        read.append(os.path.relpath(source))
    return resolve([*layers, overrides]), read


def pdf_source(root: Path, name: str) -> Path | None:
    """The one source in the project's `source/` that builds NAME.pdf, if there is one."""
    folder = root / "source"
    if not folder.is_dir():
        return None
    found = [*folder.rglob(f"{name}.md"), *folder.rglob(f"{name}/book.yaml")]
    return found[0] if len(found) == 1 else None


def preflight(path: Path, settings: Settings | None = None) -> PreflightReport:
    """Check the PDF at `path` against `settings` (trim and bleed; defaults if None)."""
    settings = settings or Settings()
    wrap = is_wrap(path)
    try:
        reader = PdfReader(path)
        with pdfplumber.open(path) as pdf:
            # Read once, for text and images: a wrap cover has panels, not a column.
            columns = {} if wrap else text_columns(pdf)
            findings = (
                wrap_size(reader, settings, path) if wrap else page_size(reader, settings),
                fonts_embedded(reader),
                notes_on_their_pages(reader),
                text_inside_margins(pdf, columns),
                *(() if wrap else (images_inside_margins(pdf, columns),)),  # a cover image bleeds
                image_resolution(pdf),
            )
            pdfx = _pdfx(reader, settings.pdf_variant)
            findings += (pdfx,) if pdfx is not None else ()
            return PreflightReport(path, len(reader.pages), findings)
    except (OSError, PdfReadError, ValueError) as exc:
        raise PreflightError(f"cannot read the PDF: {exc}", SourceLocation(str(path))) from None


# Page size


def page_size(reader: PdfReader, settings: Settings) -> Finding:
    """Every TrimBox is the trim; the MediaBox and BleedBox add the bleed on each side."""
    width, height = (length_pt(side) for side in settings.page_size)
    bleed = length_pt(settings.bleed)
    across = 2 * bleed if settings.gutter_bleed else bleed  # KDP: none on the binding side
    wrong = [
        number
        for number, page in enumerate(reader.pages, start=1)
        if not _sizes_match(page, (width, height), (across, 2 * bleed))
    ]
    sides = "" if settings.gutter_bleed else " (not on the binding side)"
    asked = f"trim {settings.trim} ({width:.1f} × {height:.1f} pt), bleed {settings.bleed}{sides}"
    if not wrong:
        return Finding("Page size", True, f"{asked} on every page")
    first = reader.pages[wrong[0] - 1]
    found = f"trim {_size(first.trimbox)}, media {_size(first.mediabox)}"
    return Finding("Page size", False, f"asked {asked}; {_pages(wrong)}: {found}")


def is_wrap(path: Path) -> bool:
    """Whether the PDF is a wrap cover `publish cover` wrote (NAME.cover.pdf)."""
    return path.name.endswith(".cover.pdf")


def wrap_size(reader: PdfReader, settings: Settings, path: Path) -> Finding:
    """A wrap cover is one page: two trims and the spine for the page count of the interior
    beside it (NAME.pdf) on the paper of the settings, and the cover's bleed round it."""
    interior = path.with_name(path.name.removesuffix(".cover.pdf") + ".pdf")
    try:
        pages = len(PdfReader(interior).pages)
    except (OSError, PdfReadError, ValueError):
        detail = f"no readable {interior.name} beside it to count the interior's pages"
        return Finding("Wrap size", False, detail)
    wrap = wrap_geometry(settings, pages)
    spine = f"{pages} pages on {settings.paper} paper: spine {wrap.spine / MM:.2f} mm"
    asked = f"{spine}, wrap {wrap.size[0]:.1f} × {wrap.size[1]:.1f} pt, bleed {wrap.bleed:.1f} pt"
    first = reader.pages[0]
    if len(reader.pages) == 1 and _sizes_match(first, wrap.size, (2 * wrap.bleed,) * 2):
        return Finding("Wrap size", True, asked)
    found = f"{len(reader.pages)} pages, trim {_size(first.trimbox)}, media {_size(first.mediabox)}"
    return Finding("Wrap size", False, f"asked {asked}; found {found}")


def _sizes_match(page: object, trim: tuple[float, float], bleed: tuple[float, float]) -> bool:
    """The TrimBox is the trim, the BleedBox adds `bleed` (across, down), the MediaBox at
    least as much."""
    boxes = (page.trimbox, page.bleedbox, page.mediabox)  # type: ignore[attr-defined]
    wanted = (trim, (trim[0] + bleed[0], trim[1] + bleed[1]))
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


def text_inside_margins(pdf: pdfplumber.PDF, columns: Columns) -> Finding:
    """No text near or past the trim edge, and none standing out of its page's text column
    (`text_columns`; none known: only the trim's safe area is checked)."""
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


Columns = dict[int, tuple[float, float]]  # odd (1) and even (0) pages' column: x0, x1


def text_columns(pdf: pdfplumber.PDF) -> Columns:
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
    chars = (char for char in page.chars if not char["text"].isspace())
    return any(_stands_out(char, trim, column, safe) for char in chars)


def _stands_out(placed: dict, trim: Box, column: tuple[float, float] | None, safe: float) -> bool:
    """Whether a glyph or an image (as pdfplumber places it) is near or past the trim's
    edge, or out of the text column."""
    x0, top, x1, bottom = trim
    if placed["x0"] < x0 + safe or placed["x1"] > x1 - safe:
        return True
    if placed["top"] < top + safe or placed["bottom"] > bottom - safe:
        return True
    return bool(column) and not (
        column[0] - COLUMN_SLACK_PT <= placed["x0"] and placed["x1"] <= column[1] + COLUMN_SLACK_PT
    )


# Images


def images_inside_margins(pdf: pdfplumber.PDF, columns: Columns) -> Finding:
    """Every image inside the text column and the trim's safe area, as text must be."""
    safe = SAFE_MARGIN_MM * MM
    outside = [
        number
        for number, page in enumerate(pdf.pages, start=1)
        for image in page.images
        if _stands_out(image, getattr(page, "trimbox", page.bbox), columns.get(number % 2), safe)
    ]
    if outside:
        pages = _pages(sorted(set(outside)))
        return Finding("Images inside the margins", False, f"an image outside on {pages}")
    return Finding("Images inside the margins", True, "all images inside the column and trim")


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


# PDF/X


_PDFX_XMP = re.compile(rb"GTS_PDFXVersion(?:>|=\")\s*(PDF/X-[^<\"]+)")
_TRANSPARENT_BLEND = {"/Normal", "/Compatible"}


def claimed_pdfx(reader: PdfReader) -> str:
    """The PDF/X version the file claims (`PDF/X-1a:2003`), in its Info or its XMP; or ''."""
    info = reader.trailer["/Root"].get_object()
    version = str((reader.metadata or {}).get("/GTS_PDFXVersion", "") or "")
    metadata = info.get("/Metadata")
    if not version and metadata is not None:
        found = _PDFX_XMP.search(metadata.get_object().get_data())
        version = found[1].decode("utf-8", "replace").strip() if found else ""
    return version


def pdfx_conformance(path: Path, asked: str = "") -> Finding | None:
    """Whether a PDF that claims PDF/X (or is `asked` to be, `pdf/x-1a`) is what it claims:
    an OutputIntent with a CMYK ICC profile, page boxes, no RGB (X-1a: no colour but CMYK
    and grey), no transparency for X-1a and X-3. None when no PDF/X is claimed nor asked."""
    reader = PdfReader(path)
    return _pdfx(reader, asked)


def _pdfx(reader: PdfReader, asked: str) -> Finding | None:
    claimed = claimed_pdfx(reader)
    if not claimed and not asked.startswith("pdf/x-"):
        return None
    check = claimed or asked.upper()
    if not claimed:
        return Finding(check, False, f"asked {asked}; the PDF claims no PDF/X")
    strict = claimed.startswith(("PDF/X-1", "PDF/X-3"))
    problems = _output_intent_problems(reader)
    problems += _page_box_problems(reader)
    problems += _colour_problems(reader, cmyk_only=claimed.startswith("PDF/X-1"), strict=strict)
    if problems:
        return Finding(check, False, "; ".join(problems[:6]))
    return Finding(check, True, "OutputIntent with a CMYK profile, page boxes, no RGB")


def _output_intent_problems(reader: PdfReader) -> list[str]:
    intents = reader.trailer["/Root"].get_object().get("/OutputIntents")
    for intent in intents.get_object() if intents else ():
        intent = intent.get_object()
        if intent.get("/S") != "/GTS_PDFX":
            continue
        profile = intent.get("/DestOutputProfile")
        if profile is None:
            return ["the OutputIntent carries no ICC profile"]
        data = profile.get_object().get_data()
        if data[36:40] != b"acsp" or data[16:20] != b"CMYK":
            return ["the OutputIntent's profile is not a CMYK ICC profile"]
        return []
    return ["no PDF/X OutputIntent"]


def _page_box_problems(reader: PdfReader) -> list[str]:
    missing = [
        n
        for n, page in enumerate(reader.pages, 1)
        if "/TrimBox" not in page and "/ArtBox" not in page
    ]
    outside = [
        n
        for n, page in enumerate(reader.pages, 1)
        if not _inside(page.trimbox, page.bleedbox) or not _inside(page.bleedbox, page.mediabox)
    ]
    problems = [f"no TrimBox on {_pages(missing)}"] if missing else []
    return problems + (
        [f"TrimBox or BleedBox outside the MediaBox on {_pages(outside)}"] if outside else []
    )


def _inside(inner: object, outer: object) -> bool:
    a = [float(v) for v in inner]  # type: ignore[attr-defined]
    b = [float(v) for v in outer]  # type: ignore[attr-defined]
    slack = TOLERANCE_PT
    return (
        a[0] >= b[0] - slack
        and a[1] >= b[1] - slack
        and a[2] <= b[2] + slack
        and a[3] <= b[3] + slack
    )


def _colour_problems(reader: PdfReader, cmyk_only: bool, strict: bool) -> list[str]:
    """What each page draws: RGB colours and images, other colour spaces (X-1a), and
    transparency (X-1a, X-3), found in its content and the forms it draws."""
    found: dict[str, list[int]] = {}
    for number, page in enumerate(reader.pages, 1):
        kinds: set[str] = set()
        _scan(page.get_contents(), page.get("/Resources"), kinds, cmyk_only, strict, set())
        if strict and page.get("/Group") is not None:
            kinds.add("transparency")
        for kind in kinds:
            found.setdefault(kind, []).append(number)
    return [f"{kind} on {_pages(pages)}" for kind, pages in sorted(found.items())]


_DEVICE = {"/DeviceCMYK", "/DeviceGray", "/Pattern", "/Separation", "/DeviceN", "/Indexed"}


def _scan(
    contents: object,
    resources: object,
    kinds: set[str],
    cmyk_only: bool,
    strict: bool,
    seen: set[int],
) -> None:
    from pypdf.generic import ContentStream

    resources = resources.get_object() if resources is not None else {}
    if contents is not None:
        for operands, operator in ContentStream(contents, None).operations:
            if operator in (b"rg", b"RG"):
                kinds.add("RGB colour")
            elif operator in (b"cs", b"CS") and operands:
                _space(operands[0], resources, kinds, cmyk_only)
    for state in (resources.get("/ExtGState") or {}).values() if resources else ():
        state = state.get_object()
        mask = state.get("/SMask")
        if strict and (
            (mask is not None and mask != "/None")
            or float(state.get("/CA", 1)) < 1
            or float(state.get("/ca", 1)) < 1
            or str(state.get("/BM", "/Normal")) not in _TRANSPARENT_BLEND
        ):
            kinds.add("transparency")
    for shading in (resources.get("/Shading") or {}).values() if resources else ():
        _space(shading.get_object().get("/ColorSpace"), resources, kinds, cmyk_only)
    for ref in (resources.get("/XObject") or {}).values() if resources else ():
        xobject = ref.get_object()
        key = id(xobject) if not hasattr(ref, "idnum") else ref.idnum
        if key in seen:
            continue
        seen.add(key)
        if xobject.get("/Subtype") == "/Image":
            _space(xobject.get("/ColorSpace"), resources, kinds, cmyk_only, "RGB image")
            if strict and xobject.get("/SMask") is not None:
                kinds.add("transparency")
        elif xobject.get("/Subtype") == "/Form":
            if strict and xobject.get("/Group") is not None:
                kinds.add("transparency")
            _scan(xobject, xobject.get("/Resources") or resources, kinds, cmyk_only, strict, seen)


def _space(
    space: object, resources: object, kinds: set[str], cmyk_only: bool, what: str = "RGB colour"
) -> None:
    """Note an RGB colour space (or, for X-1a, any but CMYK, grey and their kin)."""
    if space is None:
        return
    space = space.get_object() if hasattr(space, "get_object") else space
    if isinstance(space, str) and space not in ("/DeviceRGB", "/CalRGB", *_DEVICE):
        named = (resources.get("/ColorSpace") or {}) if resources else {}  # type: ignore[union-attr]
        space = (
            named.get_object().get(space, space)
            if hasattr(named, "get_object")
            else named.get(space, space)
        )
        space = space.get_object() if hasattr(space, "get_object") else space
    family = str(space[0] if isinstance(space, list) else space)
    if family in ("/DeviceRGB", "/CalRGB"):
        kinds.add(what)
    elif family == "/ICCBased":
        components = int(space[1].get_object().get("/N", 0))
        if components == 3:
            kinds.add(what)
        elif cmyk_only:
            kinds.add("an ICC-based colour (X-1a allows CMYK and grey only)")
    elif cmyk_only and family not in _DEVICE:
        kinds.add(f"{family} colour (X-1a allows CMYK and grey only)")
