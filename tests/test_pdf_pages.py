"""Page design and what a print shop needs: page boxes from the trim and bleed, crop marks,
facing pages, running heads, the footnote area, metadata, outline, embedded fonts, PDF/A,
books of several documents, and the warning for images too coarse to print."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image
from pypdf import PdfReader

from publish import __version__
from publish.errors import SourceWarning
from publish.reader import read_book, read_document
from publish.render import template_environment
from publish.settings import Settings
from publish.writers.pdf import write_pdf
from tests.pdf_helpers import (
    MM,
    build_pdf,
    folios,
    font_dicts,
    long_document,
    pages_words,
)

A5 = (148 * MM, 210 * MM)
SIX_BY_NINE = (432.0, 648.0)


def write_source(folder: Path, body: str, name: str = "doc.md", front: str = "") -> Path:
    source = folder / name
    header = f"---\ntitle: Prueba\nauthor: Ana Autora\nlang: es\n{front}---\n\n"
    source.write_text(f"{header}{body}\n", encoding="utf-8")
    return source


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    source = folder / "largo.md"
    text = long_document(40).replace("lang: es\n", "lang: es\nsubject: [historia, cartas]\n")
    source.write_text(text.replace("Aquí C010", "\n\n## Segunda parte\n\nAquí C010"), "utf-8")
    return build_pdf(source, folder / "largo.pdf")


# Page boxes and marks


def size(box: object) -> tuple[float, float]:
    return float(box.width), float(box.height)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("trim", "bleed", "trim_pt", "bleed_pt"),
    [("a5", "0mm", A5, 0.0), ("a5", "3mm", A5, 3 * MM),
     ("6x9in", "0mm", SIX_BY_NINE, 0.0), ("6x9in", "0.125in", SIX_BY_NINE, 9.0)],
)  # fmt: skip
def test_page_boxes_follow_the_trim_and_the_bleed(
    tmp_path: Path, trim: str, bleed: str, trim_pt: tuple[float, float], bleed_pt: float
) -> None:
    source = write_source(tmp_path, "Texto.")
    pdf = build_pdf(source, tmp_path / "doc.pdf", settings=Settings(trim=trim, bleed=bleed))
    page = PdfReader(pdf).pages[0]
    with_bleed = (trim_pt[0] + 2 * bleed_pt, trim_pt[1] + 2 * bleed_pt)

    assert size(page.trimbox) == pytest.approx(trim_pt, abs=0.05)
    assert size(page.bleedbox) == pytest.approx(with_bleed, abs=0.05)
    assert size(page.mediabox) == pytest.approx(with_bleed, abs=0.05)
    assert [float(v) for v in page.trimbox][:2] == [0, 0]  # the trim is the page's origin


def test_crop_marks_are_drawn_outside_the_bleed(tmp_path: Path) -> None:
    source = write_source(tmp_path, "Texto.")
    settings = Settings(trim="a5", bleed="3mm", marks="crop")
    pdf = build_pdf(source, tmp_path / "doc.pdf", settings=settings)
    page = PdfReader(pdf).pages[0]
    media, bleed = [float(v) for v in page.mediabox], [float(v) for v in page.bleedbox]

    assert size(page.bleedbox) == pytest.approx((A5[0] + 6 * MM, A5[1] + 6 * MM), abs=0.05)
    assert media[0] < bleed[0] - 3 * MM  # room for the marks beyond the bleed
    with pdfplumber.open(pdf) as doc:
        marks = [
            o for o in doc.pages[0].curves + doc.pages[0].lines if o["x1"] < bleed[0] - media[0]
        ]
    assert marks, "no crop marks in the margin left of the bleed"


# Facing pages, running heads, folios


def test_margins_are_mirrored_with_the_wider_one_inside(long_pdf: Path) -> None:
    lefts = [min(w.x0 for w in words if w.is_body) for words in pages_words(long_pdf)[1:5]]
    recto, verso = lefts[1], lefts[0]  # pages 3 and 2

    assert recto == pytest.approx(20 * MM, abs=1)  # binding on the left of a recto
    assert verso == pytest.approx(16 * MM, abs=1)


def test_running_heads_author_left_title_right_none_on_page_one(long_pdf: Path) -> None:
    pages = pages_words(long_pdf)

    def head(words: list) -> str:
        top = min(w.top for w in words if w.is_body)
        return " ".join(w.text for w in words if w.bottom < top - 2)

    assert head(pages[0]) == ""
    assert head(pages[1]) == "Prueba"  # the author, on a verso
    assert head(pages[2]) == "Documento largo"  # the title, on a recto


def test_page_numbers_sit_at_the_outer_corner(long_pdf: Path) -> None:
    width = float(PdfReader(long_pdf).pages[0].mediabox.width)
    assert folios(long_pdf)[:4] == ["", "2", "3", "4"]  # none on the opening page
    for number, words in enumerate(pages_words(long_pdf)[1:4], start=2):
        folio = words[-1]
        assert folio.text == str(number)
        assert (folio.x0 > width / 2) == (number % 2 == 1), f"page {number}"


def test_notes_are_smaller_with_hanging_numbers(long_pdf: Path) -> None:
    with pdfplumber.open(long_pdf) as pdf:
        lines = pdf.pages[1].extract_text_lines()
    notes = [line for line in lines if line["chars"][0]["size"] < 9]
    opens = [bool(re.match(r"\d+\. N\d{3}", line["text"])) for line in notes]
    at = next(n for n in range(len(notes) - 1) if opens[n] and not opens[n + 1])
    opening, following = notes[at], notes[at + 1]  # a note of two lines or more

    number = opening["chars"][0]
    text = next(char for char in opening["chars"] if char["text"] == "N")
    assert number["size"] == pytest.approx(8.5, abs=0.1)
    assert following["x0"] == pytest.approx(text["x0"], abs=0.5)  # the text hangs clear
    assert number["x0"] < following["x0"] - 5  # the number stands out to the left


# Metadata, outline, fonts, variants


def test_metadata_creator_and_outline(long_pdf: Path) -> None:
    reader = PdfReader(long_pdf)

    assert reader.metadata.title == "Documento largo"
    assert reader.metadata.author == "Prueba"
    assert reader.metadata.creator == f"publish {__version__}"
    assert reader.metadata["/Keywords"] == "historia, cartas"
    assert reader.trailer["/Root"]["/Lang"] == "es"
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    nested = [item.title for group in reader.outline if isinstance(group, list) for item in group]
    assert titles == ["Documento largo"] and nested == ["Segunda parte"]


def test_every_font_is_embedded_and_subset(long_pdf: Path) -> None:
    fonts = list(font_dicts(long_pdf))

    assert fonts
    for name, descriptor in fonts:
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), f"{name} not embedded"
        assert re.match(r"[A-Z]{6}\+", name.lstrip("/")), f"{name} is not a subset"


def test_a_pdf_a_build_says_so_in_its_xmp(tmp_path: Path) -> None:
    source = write_source(tmp_path, "Texto con nota[^1].\n\n[^1]: La nota.")
    settings = Settings(pdf_variant="pdf/a-3b")
    reader = PdfReader(build_pdf(source, tmp_path / "doc.pdf", settings=settings))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()

    assert re.search(r"pdfaid:part(>|=\")3", xmp)
    assert re.search(r"pdfaid:conformance(>|=\")B", xmp)


# Books


def test_a_book_restarts_notes_and_opens_each_document_on_a_recto(tmp_path: Path) -> None:
    (tmp_path / "libro").mkdir()
    for name in ("uno", "dos"):
        paras = "\n\n".join(f"Párrafo {i} de {name} con nota[^{i}]." for i in range(1, 4))
        notes = "\n\n".join(f"[^{i}]: Nota {i} de {name}." for i in range(1, 4))
        write_source(tmp_path / "libro", f"{paras}\n\n{notes}", f"{name}.md", f"title: {name}\n")
    (tmp_path / "libro" / "book.yaml").write_text(
        "title: Libro\nauthor: Ana Autora\nlang: es\ndocuments: [uno.md, dos.md]\n", "utf-8"
    )
    book = read_book(tmp_path / "libro" / "book.yaml", project_root=tmp_path)
    out = tmp_path / "libro.pdf"
    write_pdf(book, template_environment(tmp_path), out, project_root=tmp_path, settings=Settings())
    pages = pages_words(out)

    openings = [
        n
        for n, words in enumerate(pages, start=1)
        if any(w.text == "uno" or w.text == "dos" for w in words if w.size > 15)
    ]
    # Half-title, blank, title page, blank (no copyright fields), contents, blank, then
    # each document on a recto, the first on arabic 1.
    assert openings == [7, 9]
    markers = [w.text for words in pages for w in words if w.is_note and w.text.endswith(".")]
    assert [m for m in markers if re.fullmatch(r"\d\.", m)] == ["1.", "2.", "3.", "1.", "2.", "3."]
    assert not [w for w in pages[1] if w.text.strip()]  # the blank page has no folio
    assert PdfReader(out).page_labels == ["i", "ii", "iii", "iv", "v", "vi", "1", "2", "3"]
    assert folios(out) == ["", "", "", "", "v", "", "", "", ""]


# Images


def test_an_image_too_coarse_for_print_is_named_in_a_warning(tmp_path: Path) -> None:
    Image.new("RGB", (60, 30), "gray").save(tmp_path / "sello.png")
    Image.new("RGB", (3000, 1500), "gray").save(tmp_path / "fino.png")
    source = write_source(tmp_path, "Texto.\n\n![Sello](sello.png)\n\n![Fino](fino.png)")
    warnings: list[SourceWarning] = []

    write_pdf(read_document(source), template_environment(tmp_path), tmp_path / "doc.pdf",
              project_root=tmp_path, settings=Settings(), warn=warnings.append)  # fmt: skip

    [warning] = warnings
    assert "sello.png" in warning.message and "dpi" in warning.message
    assert warning.location.path.endswith("doc.md") and warning.location.line == 9
