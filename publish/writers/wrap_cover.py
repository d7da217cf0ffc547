"""The printer's wrap cover: one PDF page holding the back, the spine and the front, with
bleed all round, as print-on-demand services ask for a paperback's cover.

Its width is two trims plus the spine plus the bleed on both sides; the spine is the page
count times the paper's thickness per page, as the printer publishes it (`Printer.caliper`).
On the back, a white box where the printer prints the ISBN's barcode; on the spine, the
title and authors when the book has pages enough; on the front, the cover image (over the
bleed) or the typographic cover of the ebook (`publish.cover`: its ground, frame, ink and
fonts), set as text. Laid out by WeasyPrint's public API alone: HTML and CSS in, a PDF out.
"""

from __future__ import annotations

import datetime
import hashlib
import html
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from publish import model as m
from publish.cover import (
    ACCENT,
    BARCODE,
    BARCODE_MARGIN,
    FRAME_INSET,
    INK,
    PAPER,
    SAFE,
    SIZE,
    SPINE_MARGIN,
    CoverFonts,
    Wrap,
    project_fonts,
)
from publish.errors import SourceLocation
from publish.resources import project_file, style_dirs
from publish.settings import Settings
from publish.writers import atomic_output, build_timestamp
from publish.writers.pdf import (
    MARKS_ROOM_MM,
    LocalFileFetcher,
    fixed_font_timestamps,
    set_bleed_boxes,
)
from publish.writers.pdfx import pdfx_finisher, verify_pdfx


def write_wrap_cover(
    target: m.Document | m.Book,
    wrap: Wrap,
    out_path: Path,
    *,
    project_root: Path | None = None,
    settings: Settings | None = None,
) -> None:
    """Write the wrap cover of `target` as a one-page PDF, atomically."""
    settings = settings or Settings()
    root = (project_root or Path(target.path).resolve().parent).resolve()
    fetcher = LocalFileFetcher([root, *style_dirs(project_root)])
    fonts = FontConfiguration()
    marks = settings.marks == "crop"
    css_bleed = 2 * wrap.bleed + MARKS_ROOM_MM * 72 / 25.4 if marks else wrap.bleed
    sheet = CSS(
        string=cover_css(wrap, css_bleed, marks, project_fonts(project_root)),
        url_fetcher=fetcher,
        font_config=fonts,
    )
    made = build_timestamp(target, project_root)  # dated as the interior: rebuilds are equal
    image = _cover_image(target, project_root)
    markup = cover_html(target, wrap, image, css_bleed if marks else 0, made)
    where = SourceLocation(target.path)
    finish = pdfx_finisher(set_bleed_boxes(wrap.bleed), settings, where, project_root)
    options = {"pdf_variant": settings.pdf_variant or None, "pdf_identifier": _identifier(target)}
    with fixed_font_timestamps(made), atomic_output(out_path) as tmp:
        HTML(string=markup, base_url=str(root), url_fetcher=fetcher).write_pdf(
            tmp, stylesheets=[sheet], font_config=fonts, finisher=finish, **options
        )
        verify_pdfx(tmp, settings, where)


def _identifier(target: m.Document | m.Book) -> bytes:
    """A fixed /ID, the interior's own made from the cover's name."""
    return (
        hashlib.md5(f"{target.meta.identifier} cover".encode(), usedforsecurity=False)
        .hexdigest()
        .encode()
    )


def _cover_image(target: m.Document | m.Book, project_root: Path | None) -> str:
    """The `cover-image` as a file URL, or '' to set the typographic cover."""
    src = target.meta.cover_image
    if not src:
        return ""
    where = SourceLocation(target.path, target.meta.line)
    return project_file("cover image", src, target.path, project_root, where).as_uri()


def _rgb(colour: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{value:02x}" for value in colour)


def cover_css(wrap: Wrap, css_bleed: float, marks: bool, fonts: CoverFonts) -> str:
    """The page (the trimmed wrap, its bleed, crop marks if asked) and the panels."""
    width, height = wrap.size
    trim_w, trim_h = wrap.trim
    inset = trim_w * FRAME_INSET / SIZE[0]  # the ebook cover's frame, to scale
    spine_font = max(5.0, min(11.0, (wrap.spine - 2 * SPINE_MARGIN) * 0.75))
    faces = "\n".join(
        f'@font-face {{ font-family: "Cover"; src: url("{Path(path).as_uri()}");'
        f" font-style: {style}; font-weight: {weight} }}"
        for path, style, weight in (
            (fonts.regular, "normal", 400),
            (fonts.italic, "italic", 400),
            (fonts.bold, "normal", 700),
        )
    )
    return f"""{faces}
@page {{ size: {width:.3f}pt {height:.3f}pt; margin: 0; bleed: {css_bleed:.3f}pt;
        marks: {"crop" if marks else "none"}; background: {_rgb(PAPER)} }}
html, body {{ margin: 0; font-family: "Cover", serif; color: {_rgb(INK)} }}
.panel {{ position: absolute; top: 0; height: {trim_h:.3f}pt; width: {trim_w:.3f}pt;
         box-sizing: border-box; text-align: center }}
.back {{ left: 0; padding: {SAFE + inset:.3f}pt; text-align: left; font-size: 10pt;
        line-height: 1.4 }}
.front {{ left: {wrap.front_left:.3f}pt; padding: {SAFE + inset:.3f}pt }}
.frame {{ position: absolute; left: {wrap.front_left + inset:.3f}pt; top: {inset:.3f}pt;
         width: {trim_w - 2 * inset:.3f}pt; height: {trim_h - 2 * inset:.3f}pt;
         border: {max(1.0, trim_w / 400):.2f}pt solid {_rgb(ACCENT)}; box-sizing: border-box }}
.title {{ margin-top: {trim_h * 0.18:.3f}pt; font-weight: 700; font-size: {trim_w / 12:.2f}pt;
         line-height: 1.12 }}
.subtitle {{ font-style: italic; font-size: {trim_w / 24:.2f}pt; margin-top: 1em }}
.authors {{ position: absolute; left: 0; right: 0; top: {trim_h * 0.7:.3f}pt;
           font-size: {trim_w / 22:.2f}pt }}
.publisher {{ position: absolute; left: 0; right: 0; bottom: {SAFE + inset:.3f}pt;
             font-size: {trim_w / 32:.2f}pt }}
.image {{ position: absolute; left: {wrap.front_left:.3f}pt; top: {-wrap.bleed:.3f}pt;
         width: {trim_w + wrap.bleed:.3f}pt; height: {trim_h + 2 * wrap.bleed:.3f}pt;
         object-fit: cover }}
.spine {{ position: absolute; left: {trim_w + wrap.spine:.3f}pt; top: 0; width: {trim_h:.3f}pt;
         height: {wrap.spine:.3f}pt; transform-origin: 0 0; transform: rotate(90deg);
         display: flex; align-items: center; justify-content: center;
         font-size: {spine_font:.2f}pt; white-space: nowrap; overflow: hidden }}
.barcode {{ position: absolute; background: white;
           left: {trim_w - BARCODE_MARGIN - BARCODE[0]:.3f}pt;
           top: {trim_h - BARCODE_MARGIN - BARCODE[1]:.3f}pt;
           width: {BARCODE[0]:.3f}pt; height: {BARCODE[1]:.3f}pt }}
.mark {{ position: absolute; width: 0; border-left: 0.25pt solid black }}
"""


def cover_html(
    target: m.Document | m.Book, wrap: Wrap, image: str, slug: float, made: datetime.datetime
) -> str:
    """The panels: back (the description), spine, front (image or type), barcode area; the
    spine's folds marked in the slug when crop marks are asked for (`slug` > 0)."""
    meta = target.meta
    esc = html.escape
    authors = ", ".join(meta.authors)
    back = f'<div class="panel back">{esc(meta.description)}</div>'
    if image:
        front = f'<img class="image" src="{esc(image)}" alt="">'
    else:
        subtitle = f'<div class="subtitle">{esc(meta.subtitle)}</div>' if meta.subtitle else ""
        front = (
            '<div class="frame"></div><div class="panel front">'
            f'<div class="title">{esc(meta.title)}</div>{subtitle}'
            f'<div class="authors">{esc(authors)}</div>'
            f'<div class="publisher">{esc(meta.publisher)}</div></div>'
        )
    spine_words = " · ".join(part for part in (meta.title, authors) if part)
    spine = f'<div class="spine">{esc(spine_words)}</div>' if wrap.spine_text else ""
    marks = "".join(
        f'<div class="mark" style="left: {x:.3f}pt; top: {top:.3f}pt; height: {length:.3f}pt"></div>'
        for x in (wrap.trim[0], wrap.front_left)
        for top, length in (
            (-slug, slug - wrap.bleed - 2),
            (wrap.size[1] + wrap.bleed + 2, slug - wrap.bleed - 2),
        )
        if slug
    )
    body = f'{back}{front}{spine}<div class="barcode"></div>{marks}'
    stamp = made.strftime("%Y-%m-%dT%H:%M:%SZ")
    head = (
        f"<title>{esc(meta.title)}</title>"
        f'<meta name="dcterms.created" content="{stamp}">'
        f'<meta name="dcterms.modified" content="{stamp}">'
    )
    lang = esc(meta.lang)
    return f'<!DOCTYPE html><html lang="{lang}"><head>{head}</head><body>{body}</body></html>'
