"""`publish cover`: the printer's wrap cover (back, spine, front, bleed, barcode area) with a
spine as wide as the printed interior is thick, and the stores' ebook cover."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from PIL import Image
from pypdf import PdfReader

from publish.cover_files import make_covers
from publish.preflight import pdfx_conformance
from publish.writers.pdfx import SYSTEM_CMYK_PROFILES

INCH = 72.0
MM = 72 / 25.4
TOLERANCE = 0.1 * MM  # the issue's: the spine within 0.1 mm
HEADER = """---
title: Cartas y manifiestos
subtitle: Tres textos
author: León Trotsky
publisher: Ediciones Germinal
description: Una colección de cartas de 1936.
---

"""


def write_book(root: Path, paragraphs: int, settings: str, front: str = "") -> Path:
    (root / "source").mkdir(parents=True)
    (root / "publish.toml").write_text(settings)
    body = "\n\n".join(["Texto de prueba para llenar las páginas del libro. " * 30] * paragraphs)
    (root / "source" / "libro.md").write_text(
        HEADER.replace("---\n\n", front + "---\n\n", 1) + body
    )
    return root


@pytest.fixture(scope="module")
def thick(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KDP 6×9 book on cream paper, of more than 79 pages (text on its spine)."""
    root = write_book(tmp_path_factory.mktemp("thick"), 135, 'trim = "kdp-6x9"\npaper = "cream"\n')
    report = make_covers([root / "source"], root / "build", {})
    assert report.build.ok, report.build.errors
    return root / "build"


def test_the_wrap_is_two_covers_a_spine_and_the_bleed(thick: Path) -> None:
    pages = len(PdfReader(thick / "libro.pdf").pages)
    assert pages >= 79
    cover = PdfReader(thick / "libro.cover.pdf")
    (page,) = cover.pages

    spine = float(page.trimbox.width) - 2 * 6 * INCH  # what is left between the two covers
    assert abs(spine - pages * 0.0025 * INCH) <= TOLERANCE  # KDP's cream: 0.0025 in a page
    bleed = 0.125 * INCH
    assert abs(float(page.mediabox.width) - (2 * 6 * INCH + spine + 2 * bleed)) <= TOLERANCE
    assert abs(float(page.mediabox.height) - (9 * INCH + 2 * bleed)) <= TOLERANCE
    assert abs(float(page.trimbox.height) - 9 * INCH) <= TOLERANCE
    assert [float(v) for v in page.bleedbox] == [float(v) for v in page.mediabox]


def test_the_back_has_the_barcode_area_and_the_front_the_title(thick: Path) -> None:
    with pdfplumber.open(thick / "libro.cover.pdf") as pdf:
        page = pdf.pages[0]
        # pdfplumber's x is the PDF's (0 at the trim's left edge); its `top` grows downwards.
        back_right = 6 * INCH
        front_left = page.bbox[2] - 0.125 * INCH - 6 * INCH
        trim_bottom = page.bbox[3] - 0.125 * INCH
        white = [
            r
            for r in page.rects
            if r["non_stroking_color"] in ((1, 1, 1), [1, 1, 1], (1.0, 1.0, 1.0))
            and abs(r["width"] - 2 * INCH) < 1
            and abs(r["height"] - 1.2 * INCH) < 1
        ]
        assert len(white) == 1, page.rects
        box = white[0]
        # KDP's place: the back's lower corner by the spine, 0.25 in from spine and foot.
        assert abs(back_right - box["x1"] - 0.25 * INCH) < 1
        assert abs(trim_bottom - box["bottom"] - 0.25 * INCH) < 1

        upright = [c for c in page.chars if c["upright"]]
        front = "".join(c["text"] for c in upright if c["x0"] >= front_left)
        assert "Cartas y manifiestos" in front
        assert "León Trotsky" in front
        back = "".join(c["text"] for c in upright if c["x1"] <= back_right)
        assert "Una colección de cartas de 1936." in back
        spine = "".join(
            c["text"] for c in page.chars if not c["upright"] and back_right < c["x0"] < front_left
        )
        assert "Cartas y manifiestos" in spine and "Trotsky" in spine


def test_check_measures_the_wrap_against_the_interior_beside_it(
    thick: Path, run_cli, monkeypatch
) -> None:
    monkeypatch.chdir(thick.parent)

    checked = run_cli("check", "build/libro.cover.pdf")

    assert checked.code == 0, checked.out
    assert "on cream paper: spine" in " ".join(checked.out.split())
    # On white paper the spine would be thinner: this wrap is not that book's.
    assert run_cli("check", "build/libro.cover.pdf", "--paper", "white").code == 1


def test_the_ebook_cover_is_the_size_stores_ask(thick: Path) -> None:
    with Image.open(thick / "libro.cover.jpg") as image:
        assert (image.format, image.size) == ("JPEG", (1600, 2560))


def test_a_thin_book_on_white_paper_has_no_spine_text(tmp_path: Path) -> None:
    root = write_book(tmp_path, 3, 'trim = "5x8in"\n')
    report = make_covers([root / "source"], root / "build", {})
    assert report.build.ok, report.build.errors
    (_, _, wrap) = report.covers[0]
    pages = len(PdfReader(root / "build" / "libro.pdf").pages)

    page = PdfReader(root / "build" / "libro.cover.pdf").pages[0]
    spine = float(page.trimbox.width) - 2 * 5 * INCH
    assert abs(spine - pages * 0.002252 * INCH) <= TOLERANCE  # KDP's white
    assert wrap.pages == pages and not wrap.spine_text
    with pdfplumber.open(root / "build" / "libro.cover.pdf") as pdf:
        assert not [c for c in pdf.pages[0].chars if not c["upright"]]


def test_a_cover_image_fills_the_front_and_its_bleed(tmp_path: Path) -> None:
    root = write_book(tmp_path, 3, 'trim = "lulu-a5"\n', front="cover-image: tapa.png\n")
    Image.new("RGB", (1200, 1800), (20, 60, 120)).save(root / "source" / "tapa.png")

    report = make_covers([root / "source"], root / "build", {})

    assert report.build.ok, report.build.errors
    with pdfplumber.open(root / "build" / "libro.cover.pdf") as pdf:
        page = pdf.pages[0]
        (image,) = page.images
        # It covers the front panel and the bleed round it (cropped to it, not stretched).
        front_left = page.bbox[2] - 0.125 * INCH - 148 * MM
        assert image["x0"] <= front_left + 0.5 and image["x1"] >= page.bbox[2] - 0.5
        assert image["top"] <= page.bbox[1] + 0.5 and image["bottom"] >= page.bbox[3] - 0.5
        assert image["width"] / image["height"] == pytest.approx(1200 / 1800, rel=0.01)
    with Image.open(root / "build" / "libro.cover.jpg") as ebook:
        assert ebook.size == (1600, 2560)
        assert ebook.getpixel((800, 1280)) == pytest.approx((20, 60, 120), abs=3)


def test_crop_marks_go_outside_the_bleed_and_the_boxes_stay_exact(
    tmp_path: Path, run_cli, monkeypatch
) -> None:
    root = write_book(tmp_path, 3, 'trim = "kdp-6x9"\n')
    monkeypatch.chdir(root)

    result = run_cli("cover", "--marks", "crop")

    assert result.code == 0, result.err
    assert "build/libro.cover.pdf" in result.out
    page = PdfReader(root / "build" / "libro.cover.pdf").pages[0]
    assert float(page.mediabox.width) > float(page.bleedbox.width) + 10
    assert abs(float(page.bleedbox.width) - float(page.trimbox.width) - 0.25 * INCH) < 0.01
    with pdfplumber.open(root / "build" / "libro.cover.pdf") as pdf:
        marks = [line for line in pdf.pages[0].lines if line["x0"] == line["x1"]]
        assert len(marks) >= 4  # the spine's two folds, marked at head and foot


@pytest.mark.skipif(
    not any(path.is_file() for path in SYSTEM_CMYK_PROFILES), reason="no CMYK profile installed"
)
def test_a_pdfx_wrap_cover_is_pdfx_and_made_again_the_same(tmp_path: Path) -> None:
    root = write_book(tmp_path, 3, 'trim = "kdp-6x9"\npdf-variant = "pdf/x-1a"\n')

    report = make_covers([root / "source"], root / "build", {})

    assert report.build.ok, report.build.errors
    finding = pdfx_conformance(root / "build" / "libro.cover.pdf")
    assert finding is not None and finding.ok, finding
    # Made again from the same files, the covers are the same bytes.
    first = [
        (root / "build" / name).read_bytes() for name in ("libro.cover.pdf", "libro.cover.jpg")
    ]
    for name in ("libro.cover.pdf", "libro.cover.jpg"):
        (root / "build" / name).unlink()
    assert make_covers([root / "source"], root / "build", {}).build.ok
    again = [
        (root / "build" / name).read_bytes() for name in ("libro.cover.pdf", "libro.cover.jpg")
    ]
    assert again == first
