"""A typographic cover, drawn from the header when the source names no cover image.

Stores and Kindle want a raster cover of e-reader proportions, so the title, subtitle,
authors and publisher are set in the project's own fonts on a plain ground and saved as a
PNG whose bytes depend only on the header and the fonts: no date or software chunk is
written, so two builds give the same file. (Another Pillow or FreeType release may draw
the glyphs a pixel differently: byte-identical means with the same toolchain.)
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from publish import model as m
from publish.errors import ResourceError, SourceLocation
from publish.files import MAX_BINARY_BYTES, check_regular, shown
from publish.resources import find_style
from publish.settings import PRINTERS, Settings, length_pt

SIZE = (1600, 2560)  # 5:8, the shape of most e-reader screens and what stores ask for
MEASURE = 1200  # the widest line, leaving wide margins inside the frame
PAPER = (244, 239, 228)
INK = (34, 31, 28)
ACCENT = (128, 40, 30)

# Where each part sits: the title group is centred in a band; credits hang below it.
TITLE_BAND = (380, 1660)
AUTHORS_TOP = 1820
PUBLISHER_BOTTOM = 2300
FRAME_INSET = 90
RULE_GAP = 90  # above and below the rule between title and subtitle


@dataclass(frozen=True, slots=True)
class CoverFonts:
    regular: Path
    italic: Path
    bold: Path


@dataclass(frozen=True, slots=True)
class Style:
    """How one part is set: its font file, the largest and smallest size, how many lines."""

    font: Path
    largest: int
    smallest: int
    max_lines: int
    leading: float = 1.2


@dataclass(frozen=True, slots=True)
class TextBlock:
    """Lines already broken for one font size."""

    font: ImageFont.FreeTypeFont
    lines: tuple[str, ...]
    step: int  # baseline to baseline

    @property
    def height(self) -> int:
        return self.step * len(self.lines)


_FACES = ("Regular", "Italic", "Bold")  # in CoverFonts' order


def project_fonts(project_root: Path | None) -> CoverFonts:
    """Charis SIL from the project's `styles/fonts/`, else the package's."""
    faces = [find_style(f"fonts/CharisSIL-{face}.ttf", project_root) for face in _FACES]
    for path in faces:
        check_font(path)
    return CoverFonts(*faces)


def check_font(path: Path) -> None:
    """A font the cover can be drawn with: a regular file of a sane size that FreeType reads;
    else a ResourceError naming it (not `OSError: unknown file format` from the writer)."""
    where = SourceLocation(shown(path))
    check_regular(path, where, MAX_BINARY_BYTES, "font")
    try:
        ImageFont.truetype(str(path), 12)
    except (OSError, ValueError) as exc:
        reason = str(exc).strip() or type(exc).__name__
        raise ResourceError(f"the font cannot be read ({reason})", where) from None


def typographic_cover(meta: m.Metadata, fonts: CoverFonts) -> bytes:
    """A 1600×2560 PNG with the header set on it."""
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    draw_frame(draw)
    draw_title_group(draw, meta, fonts)
    # Each author stays whole on a line where the names allow it.
    names = [f"{name}," for name in meta.authors[:-1]] + list(meta.authors[-1:])
    draw_block(draw, fit(names, Style(fonts.regular, 80, 48, 3)), AUTHORS_TOP)
    publisher = fit([meta.publisher], Style(fonts.regular, 56, 40, 2))
    draw_block(draw, publisher, PUBLISHER_BOTTOM - publisher.height)
    return png_bytes(image)


def draw_frame(draw: ImageDraw.ImageDraw) -> None:
    """A thin rule round the page, so that the cover reads as one even as a thumbnail."""
    right, bottom = SIZE[0] - FRAME_INSET, SIZE[1] - FRAME_INSET
    draw.rectangle((FRAME_INSET, FRAME_INSET, right, bottom), outline=ACCENT, width=6)


def draw_title_group(draw: ImageDraw.ImageDraw, meta: m.Metadata, fonts: CoverFonts) -> None:
    """Title, a short rule, subtitle: centred together in the upper band, which they fit."""
    subtitle = fit([meta.subtitle], Style(fonts.italic, 88, 52, 4))
    gap = RULE_GAP if subtitle.lines else 0
    room = TITLE_BAND[1] - TITLE_BAND[0] - subtitle.height - 2 * gap
    title = fit([meta.title], Style(fonts.bold, 180, 72, 6, leading=1.12), room)
    top = TITLE_BAND[0] + max(0, (room - title.height) // 2)
    draw_block(draw, title, top)
    if subtitle.lines:
        rule_y = top + title.height + gap
        draw.line((SIZE[0] // 2 - 160, rule_y, SIZE[0] // 2 + 160, rule_y), fill=ACCENT, width=6)
        draw_block(draw, subtitle, rule_y + gap)


def draw_block(draw: ImageDraw.ImageDraw, block: TextBlock, top: int) -> None:
    # Anchor "ma": each line centred on the page, hung from its ascender line.
    for number, line in enumerate(block.lines):
        y = top + number * block.step
        draw.text((SIZE[0] // 2, y), line, font=block.font, fill=INK, anchor="ma")


# Line breaking


def fit(phrases: Sequence[str], style: Style, room: int = SIZE[1]) -> TextBlock:
    """The largest size at which the phrases take at most `style.max_lines` lines and `room`
    pixels of height; at the smallest size, what does not fit is cut short."""
    for size in range(style.largest, style.smallest - 1, -4):
        block = set_text(phrases, style, size)
        if len(block.lines) <= style.max_lines and block.height <= room:
            return block
    block = set_text(phrases, style, style.smallest)
    most = max(1, min(style.max_lines, room // block.step))
    return TextBlock(block.font, shorten(block.lines, most), block.step)


def set_text(phrases: Sequence[str], style: Style, size: int) -> TextBlock:
    font = ImageFont.truetype(str(style.font), size)
    # NFC: a letter typed as base + combining accent is drawn as the one precomposed glyph.
    clean = [unicodedata.normalize("NFC", " ".join(p.split())) for p in phrases]
    # One line more than can be drawn tells that the text is cut short: no need to set the
    # rest (a title of thousands of words would cost minutes at each size tried).
    lines = wrap([p for p in clean if p], font, style.max_lines + 1)
    return TextBlock(font, lines, round(size * style.leading))


def wrap(
    phrases: Sequence[str], font: ImageFont.FreeTypeFont, most: int = 1 << 30
) -> tuple[str, ...]:
    """Greedy line breaking: whole phrases where they fit, else at spaces, and a word wider
    than the measure is cut where it must be; the first `most` lines."""
    lines: list[str] = []
    for phrase in phrases:
        fits = len(phrase) <= _MOST_CHARS and font.getlength(phrase) <= MEASURE
        for word in [phrase] if fits else phrase.split(" "):
            candidate = f"{lines[-1]} {word}" if lines else word
            if lines and len(candidate) <= _MOST_CHARS and font.getlength(candidate) <= MEASURE:
                lines[-1] = candidate
            else:
                lines.extend(cut_word(word, font, most - len(lines)))
            if len(lines) >= most:
                return tuple(lines[:most])
    return tuple(lines)


# More characters than any line of the measure holds, at the smallest size of any style.
_MOST_CHARS = 400


def cut_word(word: str, font: ImageFont.FreeTypeFont, most: int = 1 << 30) -> list[str]:
    """A word wider than the measure in pieces that fit it (the first `most` of them), each
    the longest that fits, found by halving: a few measures a piece, whatever its length."""
    pieces: list[str] = []
    rest = word
    while rest and len(pieces) < most:
        low, high = 1, min(len(rest), _MOST_CHARS)
        while low < high:
            middle = (low + high + 1) // 2
            if font.getlength(rest[:middle]) <= MEASURE:
                low = middle
            else:
                high = middle - 1
        pieces.append(rest[:low])
        rest = rest[low:]
    return pieces or [""]


def shorten(lines: Sequence[str], max_lines: int) -> tuple[str, ...]:
    """Text that will not fit even at the smallest size ends in an ellipsis (the header page
    and the cover's alternative text still give it whole)."""
    if len(lines) <= max_lines:
        return tuple(lines)
    kept = list(lines[:max_lines])
    kept[-1] = kept[-1].rsplit(" ", 1)[0] + " …"
    return tuple(kept)


def png_bytes(image: Image.Image) -> bytes:
    # Pillow writes no tIME or text chunk unless asked, so the bytes follow the pixels alone.
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# The stores' cover

STORE_QUALITY = 92  # JPEG: what KDP and the other stores take, well under their size limits


def store_cover(meta: m.Metadata, fonts: CoverFonts, image: bytes | None = None) -> bytes:
    """The ebook cover at the size stores ask (SIZE, 1600 × 2560) as a JPEG: the cover image
    cropped to that shape from its centre and scaled, or the typographic cover."""
    if image is None:
        picture = Image.open(io.BytesIO(typographic_cover(meta, fonts)))
    else:
        picture = ImageOps.fit(Image.open(io.BytesIO(image)), SIZE, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # No EXIF nor date is written: the bytes follow the pixels alone.
    picture.convert("RGB").save(buffer, format="JPEG", quality=STORE_QUALITY, optimize=True)
    return buffer.getvalue()


# The printer's wrap cover: its geometry (publish.writers.wrap_cover draws it)

INCH = 72.0
COVER_BLEED = "0.125in"  # KDP, IngramSpark and Lulu alike ask this much round a cover
# KDP's barcode area: 2 × 1.2 in, in the back cover's lower corner by the spine, kept
# 0.25 in from the spine and the bottom edge.
BARCODE = (2.0 * INCH, 1.2 * INCH)
BARCODE_MARGIN = 0.25 * INCH
SPINE_MARGIN = 0.0625 * INCH  # KDP: spine text at least this far from each fold
SAFE = 0.25 * INCH  # text this far inside the trim, on back and front


@dataclass(frozen=True, slots=True)
class Wrap:
    """The cover's geometry, in points: each panel's size, the spine, the bleed."""

    trim: tuple[float, float]  # one cover's width and height
    spine: float
    bleed: float
    pages: int
    spine_text: bool  # whether the spine is wide enough to carry the title

    @property
    def size(self) -> tuple[float, float]:
        """The trimmed wrap: back, spine and front side by side."""
        return 2 * self.trim[0] + self.spine, self.trim[1]

    @property
    def media(self) -> tuple[float, float]:
        """The whole page with its bleed (without marks)."""
        return self.size[0] + 2 * self.bleed, self.size[1] + 2 * self.bleed

    @property
    def front_left(self) -> float:
        return self.trim[0] + self.spine


def wrap_geometry(settings: Settings, pages: int) -> Wrap:
    """The wrap for a book of `pages` printed pages on `settings.paper`: the printer a
    preset names, or KDP's figures for any other trim."""
    printer = settings.printer or PRINTERS["kdp"]
    width, height = (length_pt(side) for side in settings.page_size)
    spine = pages * printer.caliper[settings.paper] * INCH
    bleed = max(length_pt(settings.bleed), length_pt(COVER_BLEED))
    return Wrap((width, height), spine, bleed, pages, pages >= printer.spine_text_pages)
