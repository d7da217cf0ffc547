"""Proof: a contact sheet of a PDF's pages, set as spreads, to see a whole book at a glance.

Page 1 stands alone on the right (a recto), then 2–3, 4–5...: the openings a reader sees.
Rendered with pypdfium2 (no WeasyPrint), saved as one PNG.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from publish.errors import PublishError, SourceLocation

PAGE_WIDTH = 180  # px per page on the sheet
SPREADS_PER_ROW = 4
GAP = 24  # px between spreads and around the sheet
BACKGROUND = (228, 228, 228)


class ProofError(PublishError):
    """The PDF cannot be read, or the sheet cannot be written."""


@dataclass(frozen=True)
class ContactSheet:
    path: Path
    pages: int
    size: tuple[int, int]


def contact_sheet(pdf_path: Path, out: Path | None = None) -> ContactSheet:
    """Write the pages of `pdf_path` as spreads to `out` (default: beside it, NAME.proof.png)."""
    out = out or pdf_path.with_suffix(".proof.png")
    try:
        thumbnails = render_pages(pdf_path)
    except (OSError, pdfium.PdfiumError) as exc:
        raise ProofError(f"cannot read the PDF: {exc}", SourceLocation(str(pdf_path))) from None
    sheet = arrange(thumbnails)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(out, optimize=True)
    except OSError as exc:
        raise ProofError(
            f"cannot write the sheet: {exc.strerror}", SourceLocation(str(out))
        ) from None
    return ContactSheet(out, len(thumbnails), sheet.size)


def render_pages(pdf_path: Path) -> list[Image.Image]:
    """Every page, trimmed (crop marks and bleed cut off), PAGE_WIDTH pixels wide."""
    document = pdfium.PdfDocument(pdf_path)
    try:
        return [_render(document[index]) for index in range(len(document))]
    finally:
        document.close()


def _render(page: pdfium.PdfPage) -> Image.Image:
    left, bottom, right, top = page.get_trimbox()
    page.set_cropbox(left, bottom, right, top)  # draw the trimmed page, as it will be bound
    image = page.render(scale=PAGE_WIDTH / (right - left)).to_pil().convert("RGB")
    page.close()
    return image


def spreads(count: int) -> list[tuple[int | None, int | None]]:
    """(left page, right page) indexes of each opening: page 1 alone on the right."""
    openings: list[tuple[int | None, int | None]] = [(None, 0)] if count else []
    for left in range(1, count, 2):
        openings.append((left, left + 1 if left + 1 < count else None))
    return openings


def arrange(pages: list[Image.Image]) -> Image.Image:
    """Spreads in rows of SPREADS_PER_ROW, each page framed by a hairline."""
    width = PAGE_WIDTH
    height = max((page.height for page in pages), default=int(width * 1.414))
    openings = spreads(len(pages))
    rows = max(1, -(-len(openings) // SPREADS_PER_ROW))
    columns = min(SPREADS_PER_ROW, max(1, len(openings)))
    sheet = Image.new(
        "RGB",
        (GAP + columns * (2 * width + GAP), GAP + rows * (height + GAP)),
        BACKGROUND,
    )
    draw = ImageDraw.Draw(sheet)
    for number, opening in enumerate(openings):
        x = GAP + (number % SPREADS_PER_ROW) * (2 * width + GAP)
        y = GAP + (number // SPREADS_PER_ROW) * (height + GAP)
        for side, index in enumerate(opening):
            if index is not None:
                _place(sheet, draw, pages[index], (x + side * width, y))
    return sheet


def _place(
    sheet: Image.Image, draw: ImageDraw.ImageDraw, page: Image.Image, at: tuple[int, int]
) -> None:
    sheet.paste(page, at)
    x, y = at
    draw.rectangle((x, y, x + page.width - 1, y + page.height - 1), outline=(150, 150, 150))
