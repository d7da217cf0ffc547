"""The print book a reader holds: the header on page 1, each note at the foot of the page
that calls it, Charis SIL embedded, and metadata that say what the text is.

Every PDF is built through the real pipeline (reader → template → WeasyPrint) and read
back with pdfplumber/pypdf. Layout costs about a second per dozen pages, so each book is
built once per module and shared by the tests that read it.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import RectangleObject

from publish.errors import ResourceError
from publish.settings import Settings
from tests.pdf_helpers import (
    SEED_LETTER,
    Word,
    body_bottom,
    build_pdf,
    call_after,
    call_token,
    copy_seed_letter,
    folios,
    font_dicts,
    long_document,
    note_token,
    page_texts,
    pages_words,
    word_before,
)

LONG_NOTES = 56


@pytest.fixture(scope="module")
def letter_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("letter")
    return build_pdf(copy_seed_letter(folder), folder / "carta.pdf")


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("long")
    source = folder / "largo.md"
    source.write_text(long_document(LONG_NOTES), encoding="utf-8")
    return build_pdf(source, folder / "largo.pdf")


def write_source(folder: Path, body: str, name: str = "doc.md") -> Path:
    source = folder / name
    source.write_text(f"---\ntitle: Prueba\nlang: es\n---\n\n{body}\n", encoding="utf-8")
    return source


def note_marker(words: list[Word], number: int) -> Word | None:
    """The number that opens note `number` in the footnote area."""
    return next((w for w in words if w.is_note and w.text == f"{number}."), None)


def call_of(words: list[Word], before: str) -> str | None:
    """The note number printed after the body word `before`."""
    return next((n for w in words if w.text == before and (n := call_after(w, words))), None)


# The seed letter


def test_letter_opens_with_its_header_and_ends_with_its_copyright_page(letter_pdf: Path) -> None:
    """The header over the text says who wrote what and when; where the text comes from
    and whom to write to are on the copyright page, last, not crammed under the title."""
    pages = page_texts(letter_pdf)
    first_page, last_page = pages[0], pages[-1]

    for shown in (
        "[La represión en la URSS]",
        "León Trotsky",
        "12 de febrero de 1936",
        "Estimado camarada Muste,",
    ):
        assert shown in first_page
    assert "germinal_1917@yahoo.es" not in first_page
    for shown in (
        "Fuente: Versión al castellano desde “[La répression en URSS]”, en Oeuvres, Tomo 8",
        "París, 1980, páginas 206-207.",
        "Contacto: germinal_1917@yahoo.es",
    ):
        assert shown in last_page
    assert "Estimado" not in last_page and "febrero" not in last_page


def test_letter_notes_sit_at_the_foot_of_the_page_that_calls_them(letter_pdf: Path) -> None:
    pages = pages_words(letter_pdf)
    calls = {1: "esposa", 2: "permanecer"}
    openings = {1: "Se", 2: "Trotsky"}

    for number, before in calls.items():
        [page] = [words for words in pages if call_of(words, before) == str(number)]
        marker = note_marker(page, number)
        assert marker is not None, f"note {number} is not on the page of its call"
        assert word_before(page[page.index(marker) + 1], page) == f"{number}."
        assert page[page.index(marker) + 1].text == openings[number]
        assert marker.top > body_bottom(page), f"note {number} is not below the text"


def test_letter_running_heads_and_page_numbers(letter_pdf: Path) -> None:
    first, second, _copyright_page = pages_words(letter_pdf)
    width = PdfReader(letter_pdf).pages[0].mediabox.width

    top_of_text = min(w.top for w in second if w.is_body)
    head = [w.text for w in second if w.bottom < top_of_text]
    assert head == ["León", "Trotsky"]  # a verso carries the author
    title = next(w for w in first if w.text == "[La")
    assert all(w.top >= title.top - 1 for w in first)  # no running head above the title
    # No folio on the opening page nor on the copyright page; page 2's at its outer corner.
    assert folios(letter_pdf) == ["", "2", ""]
    number_2 = second[-1]
    assert number_2.text == "2" and number_2.x1 < width / 2  # a verso: on the left
    assert PdfReader(letter_pdf).page_labels == ["1", "2", "3"]


def test_letter_pdf_metadata(letter_pdf: Path) -> None:
    reader = PdfReader(letter_pdf)

    assert reader.metadata.title == "[La represión en la URSS]"
    assert reader.metadata.author == "León Trotsky"
    assert reader.metadata.subject.startswith("Carta de León Trotsky a A. J. Muste")
    assert (
        reader.metadata["/Keywords"] == "URSS, represión, IV Internacional, Oposición de Izquierda"
    )
    assert reader.metadata.creator.startswith("publish ")
    # The release's date (its newest input's), not the letter's own of 1936.
    made = datetime.datetime.fromtimestamp(int(SEED_LETTER.stat().st_mtime), datetime.UTC)
    assert reader.metadata["/CreationDate"] == made.strftime("D:%Y%m%d%H%M%SZ")
    assert reader.trailer["/Root"]["/Lang"] == "es"


def test_letter_embeds_every_font_and_sets_it_in_charis_sil(letter_pdf: Path) -> None:
    fonts = list(font_dicts(letter_pdf))

    assert fonts
    for name, descriptor in fonts:
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), f"{name} not embedded"
        assert "Charis-SIL" in name


def test_building_the_letter_twice_gives_the_same_bytes(letter_pdf: Path, tmp_path: Path) -> None:
    again = build_pdf(copy_seed_letter(tmp_path), tmp_path / "carta.pdf")

    assert again.read_bytes() == letter_pdf.read_bytes()


# A long document with many notes


def test_long_document_prints_every_note_on_the_page_of_its_call(long_pdf: Path) -> None:
    pages = pages_words(long_pdf)
    assert len(pages) >= 15

    seen = set()
    for index, words in enumerate(pages, start=1):
        for word in words:
            if not (found := re.fullmatch(r"C(\d{3})", word.text)):
                continue
            number = int(found[1])
            seen.add(number)
            where = f"page {index}, note {number}"
            assert call_after(word, words) == str(number), f"{where}: wrong number at the call"
            [note] = [w for w in words if w.text == note_token(number)] or [None]
            assert note is not None, f"{where}: the note is not on the page of its call"
            assert word_before(note, words) == f"{number}.", f"{where}: wrong note number"
            assert note.top > body_bottom(words), f"{where}: the note is not below the text"
    assert seen == set(range(1, LONG_NOTES + 1))


def test_long_document_prints_each_note_once(long_pdf: Path) -> None:
    text = " ".join(page_texts(long_pdf))

    for number in range(1, LONG_NOTES + 1):
        assert text.count(note_token(number)) == 1
        assert text.count(call_token(number)) == 1


# Notes called more than once, and resources


def test_a_note_called_twice_is_printed_once_with_one_number(tmp_path: Path) -> None:
    source = write_source(
        tmp_path,
        "Primera llamada[^a] y otra nota[^b].\n\nSegunda llamada[^a] a la misma.\n\n"
        "[^a]: Nota repetida.\n\n[^b]: Nota distinta.",
    )
    [words] = pages_words(build_pdf(source, tmp_path / "doc.pdf"))
    text = " ".join(w.text for w in words)

    assert text.count("repetida") == 1
    assert call_of(words, "llamada") == "1"
    assert [call_after(w, words) for w in words if w.text == "llamada"] == ["1", "1"]
    assert call_of(words, "nota") == "2"
    first, second = note_marker(words, 1), note_marker(words, 2)
    assert first and second and note_marker(words, 3) is None
    assert words[words.index(first) + 2].text == "repetida."
    assert words[words.index(second) + 2].text == "distinta."


def test_an_image_beside_the_source_is_printed(tmp_path: Path) -> None:
    Image.new("RGB", (40, 20), "gray").save(tmp_path / "sello.png")
    source = write_source(tmp_path, "![Un sello](sello.png)")

    pdf = build_pdf(source, tmp_path / "doc.pdf", project_root=tmp_path)

    assert PdfReader(pdf).pages[0]["/Resources"]["/XObject"]


def test_settings_choose_the_trim_the_bleed_and_crop_marks(tmp_path: Path) -> None:
    source = write_source(tmp_path, "Texto.")
    settings = Settings(trim="b5", bleed="3mm", marks="crop")

    page = PdfReader(build_pdf(source, tmp_path / "doc.pdf", settings=settings)).pages[0]

    def mm(box: RectangleObject) -> list[float]:
        return [round(float(side) * 25.4 / 72, 1) for side in box]

    assert mm(page.trimbox) == [0, 0, 176, 250]
    assert mm(page.bleedbox) == [-3, -3, 179, 253]
    assert mm(page.mediabox) == [-12, -12, 188, 262]  # room for the crop marks


@pytest.mark.parametrize("src", ["https://example.org/sello.png", "../fuera.png", "/etc/hostname"])
def test_a_resource_outside_the_project_is_refused(tmp_path: Path, src: str) -> None:
    project = tmp_path / "libro"
    project.mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "fuera.png")
    source = write_source(project, f"![x]({src})")

    with pytest.raises(ResourceError, match="not a file inside the project"):
        build_pdf(source, project / "doc.pdf", project_root=project)
    assert not (project / "doc.pdf").exists()


def test_a_missing_image_stops_the_build(tmp_path: Path) -> None:
    source = write_source(tmp_path, "![x](no-esta.png)")

    with pytest.raises(ResourceError, match=r"no-esta\.png' does not exist") as raised:
        build_pdf(source, tmp_path / "doc.pdf", project_root=tmp_path)
    assert str(raised.value.location).endswith("doc.md")
