"""`publish check NAME.pdf` (preflight) and `publish proof NAME.pdf` (contact sheet): what a
print shop would refuse is found and named; the exit status says whether the PDF passed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)

from publish.preflight import preflight
from publish.proof import GAP, PAGE_WIDTH, contact_sheet, spreads
from publish.settings import Settings
from tests.pdf_helpers import build_pdf

LETTER_NOTES = "Una carta[^1] con notas[^2].\n\n[^1]: La primera.\n\n[^2]: La segunda."


def write_source(folder: Path, body: str, name: str = "doc.md") -> Path:
    source = folder / name
    source.write_text(f"---\ntitle: Prueba\nlang: es\n---\n\n{body}\n", encoding="utf-8")
    return source


@pytest.fixture(scope="module")
def good_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("good")
    return build_pdf(write_source(folder, LETTER_NOTES), folder / "doc.pdf")


def failing(path: Path, settings: Settings | None = None) -> dict[str, str]:
    """The checks that fail, with what they found."""
    return {f.check: f.detail for f in preflight(path, settings).findings if not f.ok}


def test_a_pdf_publish_wrote_passes_every_check(good_pdf: Path) -> None:
    report = preflight(good_pdf)

    assert report.ok, failing(good_pdf)
    assert [f.check for f in report.findings] == [
        "Page size",
        "Fonts embedded",
        "Notes on their call's page",
        "Text inside the margins",
        "Images inside the margins",
        "Image resolution",
    ]
    notes = next(f for f in report.findings if f.check.startswith("Notes"))
    assert notes.detail.startswith("2 notes")


def test_the_trim_and_bleed_asked_for_are_checked(good_pdf: Path, tmp_path: Path) -> None:
    assert "Page size" in failing(good_pdf, Settings(trim="6x9in"))

    source = write_source(tmp_path, "Texto.")
    bled = build_pdf(source, tmp_path / "bled.pdf", settings=Settings(bleed="3mm"))
    assert not failing(bled, Settings(bleed="3mm"))
    assert "bleed 0mm" in failing(bled)["Page size"]


def test_a_pdf_with_bleed_and_crop_marks_passes_when_asked_for_them(tmp_path: Path) -> None:
    settings = Settings(trim="6x9in", bleed="0.125in", marks="crop")
    source = write_source(tmp_path, LETTER_NOTES)
    pdf = build_pdf(source, tmp_path / "doc.pdf", settings=settings)

    assert not failing(pdf, settings)


def test_a_font_not_embedded_is_named(tmp_path: Path) -> None:
    path = tmp_path / "helvetica.pdf"
    writer = PdfWriter()
    page = writer.add_blank_page(width=419.53, height=595.28)
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })  # fmt: skip
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 10 Tf 100 300 Td (Hola) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    writer.write(path)

    assert failing(path)["Fonts embedded"] == "not embedded: /Helvetica"


def test_a_note_printed_a_page_after_its_call_fails(good_pdf: Path, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=good_pdf)
    writer.add_blank_page()
    writer.add_named_destination("fnref-7", 0)
    writer.add_named_destination("fn-7", 1)
    writer.write(tmp_path / "astray.pdf")

    assert failing(tmp_path / "astray.pdf")["Notes on their call's page"] == (
        "notes 7 (call p. 1, note p. 2)"
    )


def test_text_standing_out_of_the_column_fails(tmp_path: Path) -> None:
    # 60 wide letters: a longer run without a space may break (render.py's _LONG_RUN_CHARS).
    source = write_source(tmp_path, "Una palabra que no cabe: " + "W" * 59 + ".")
    pdf = build_pdf(source, tmp_path / "doc.pdf")

    assert failing(pdf)["Text inside the margins"] == "text outside on page 1"


def test_an_image_too_coarse_for_print_fails(tmp_path: Path) -> None:
    Image.new("RGB", (40, 20), "gray").save(tmp_path / "sello.png")
    source = write_source(tmp_path, "Texto.\n\n![Un sello](sello.png)")
    pdf = build_pdf(source, tmp_path / "doc.pdf", project_root=tmp_path)

    assert "under 300 dpi: p. 1" in failing(pdf)["Image resolution"]


def test_check_prints_a_table_and_exits_non_zero_on_failure(
    good_pdf: Path, run_cli: Callable[..., object]
) -> None:
    passed = run_cli("check", good_pdf)
    failed = run_cli("check", good_pdf, "--trim", "letter")

    assert passed.code == 0 and "Fonts embedded" in passed.out and "FAIL" not in passed.out
    assert failed.code == 1 and "FAIL" in failed.out and "Page size" in failed.out


def test_check_refuses_a_file_that_is_not_a_pdf(tmp_path: Path, run_cli: Callable) -> None:
    fake = tmp_path / "falso.pdf"
    fake.write_text("no soy un PDF")

    result = run_cli("check", fake)

    assert result.code == 1 and "cannot read the PDF" in result.err


# Proof


def test_spreads_put_page_one_alone_on_the_right() -> None:
    assert spreads(1) == [(None, 0)]
    assert spreads(4) == [(None, 0), (1, 2), (3, None)]
    assert spreads(5) == [(None, 0), (1, 2), (3, 4)]


def test_proof_writes_a_contact_sheet_of_spreads(good_pdf: Path, tmp_path: Path) -> None:
    sheet = contact_sheet(good_pdf, tmp_path / "hoja.png")

    with Image.open(sheet.path) as image:
        assert image.size == sheet.size
        assert image.width == GAP + len(spreads(sheet.pages)) * (2 * PAGE_WIDTH + GAP)
        corner = image.getpixel((GAP + PAGE_WIDTH + 5, GAP + 5))
    assert corner == (255, 255, 255)  # page 1, on the right of the first opening


def test_proof_from_the_command_line(good_pdf: Path, run_cli: Callable) -> None:
    result = run_cli("proof", good_pdf)

    assert result.code == 0
    assert good_pdf.with_suffix(".proof.png").is_file()
