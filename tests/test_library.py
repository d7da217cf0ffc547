"""The library of a built output folder: each book's metadata, files, notes and cover, read
back from what `publish build` wrote, and hostile files left out with a warning."""

from __future__ import annotations

import io
import shutil
import struct
import time
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from library_helpers import build_library, write_hostile_epubs
from PIL import Image

from publish.library import (
    EPUB_TYPE,
    KEPUB_TYPE,
    PDF_TYPE,
    read_library,
    scaled_cover,
    thumbnail,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_library(tmp_path_factory.mktemp("library"))


def by_name(folder: Path) -> dict:
    return {book.name: book for book in read_library(folder)}


def test_each_book_has_the_metadata_of_its_header(built: Path) -> None:
    carta = by_name(built)["carta"]
    assert carta.title == "Carta a Muste"
    assert carta.subtitle == "Sobre la represión"
    assert carta.authors == ("León Trotsky",)
    assert carta.translators == ("Ana Pérez",)
    assert carta.date == "1936-02-12"
    assert carta.language == "es"
    assert carta.subjects == ("URSS", "represión")
    assert carta.description == "Una carta sobre la represión."
    assert carta.publisher == "Ediciones Germinal"
    assert carta.rights == "Dominio público."
    assert carta.source == "Lettre à Muste, Œuvres, tome 8."
    assert carta.identifier.startswith("urn:uuid:")
    assert carta.notes == 2


def test_several_authors_and_a_year_alone(built: Path) -> None:
    manifesto = by_name(built)["manifesto"]
    assert manifesto.authors == ("Karl Marx", "Friedrich Engels")
    assert manifesto.translators == ()
    assert manifesto.date == "1888"
    assert manifesto.language == "en"
    assert manifesto.notes == 1


def test_the_formats_in_order_with_their_files(built: Path) -> None:
    books = by_name(built)
    carta = books["carta"]
    assert [each.fmt for each in carta.formats] == ["epub", "kepub", "pdf"]
    assert [each.media_type for each in carta.formats] == [EPUB_TYPE, KEPUB_TYPE, PDF_TYPE]
    assert carta.format("kepub").path == built / "carta.kepub.epub"
    for each in carta.formats:
        assert each.size == each.path.stat().st_size > 0
        assert each.modified.tzinfo is not None
    assert [each.fmt for each in books["manifesto"].formats] == ["epub"]
    assert books["manifesto"].format("pdf") is None


def test_a_pdf_alone_is_a_book_with_the_pdfs_metadata(built: Path) -> None:
    lettre = by_name(built)["lettre"]
    assert [each.fmt for each in lettre.formats] == ["pdf"]
    assert lettre.title == "Lettre sur la grève"
    assert lettre.authors == ("Rosa Luxemburg",)
    assert lettre.language == "fr"
    assert lettre.subjects == ("grève",)
    assert lettre.identifier.startswith("urn:uuid:")
    assert lettre.cover is None and thumbnail(lettre) is None


def test_sorted_by_title(built: Path) -> None:
    assert [book.name for book in read_library(built)] == ["carta", "lettre", "manifesto"]


def test_the_cover_and_its_thumbnail(built: Path) -> None:
    carta = by_name(built)["carta"]
    assert carta.cover_type == "image/png"
    assert Image.open(io.BytesIO(carta.cover)).width > 200
    small = thumbnail(carta, width=120)
    with Image.open(io.BytesIO(small)) as image:
        assert image.format == "JPEG" and image.width == 120
    assert thumbnail(carta, width=120) is small  # remembered


def test_hostile_files_are_skipped_with_a_warning(built: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    shutil.copytree(built, folder)
    hostile = write_hostile_epubs(folder)
    warnings: list[str] = []
    started = time.monotonic()
    books = read_library(folder, warn=warnings.append)
    assert time.monotonic() - started < 5
    assert [book.name for book in books] == ["carta", "lettre", "manifesto"]
    for name in hostile:
        assert any(str(folder / name) in warning for warning in warnings), name
    assert len(warnings) == len(hostile)
    assert not any("root:" in book.title for book in books)


def test_not_books_are_not_listed(built: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    shutil.copytree(built, folder)
    (folder / "carta.cover.pdf").write_bytes((built / "carta.pdf").read_bytes())
    (folder / ".carta.publish-x1.tmp").write_bytes(b"partial")
    (folder / "notes.txt").write_text("hello")
    (folder / "sub.epub").mkdir()
    assert [book.name for book in read_library(folder)] == ["carta", "lettre", "manifesto"]


def test_an_empty_or_missing_folder_is_an_empty_library(tmp_path: Path) -> None:
    assert read_library(tmp_path) == []
    assert read_library(tmp_path / "missing") == []


def huge_png(width: int, height: int) -> bytes:
    """A PNG whose header claims WIDTH × HEIGHT pixels but whose data is a few bytes: what a
    decompression bomb looks like to a reader of covers."""
    small = io.BytesIO()
    Image.new("RGB", (1, 1)).save(small, "PNG")
    data = bytearray(small.getvalue())
    ihdr = 8  # after the signature: length, "IHDR", then width and height
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr + 4 : ihdr + 4 + 4 + 13]))
    data[ihdr + 8 + 13 : ihdr + 8 + 13 + 4] = struct.pack(">I", crc)
    return bytes(data)


def test_a_cover_too_large_to_decode_has_no_thumbnail(built: Path) -> None:
    carta = by_name(built)["carta"]
    bomb = replace(carta, cover=huge_png(60_000, 60_000))
    started = time.monotonic()
    assert thumbnail(bomb) is None
    assert scaled_cover(b"not an image") is None
    assert time.monotonic() - started < 2


def test_a_pdf_too_large_to_read_is_listed_by_its_name(tmp_path: Path) -> None:
    with (tmp_path / "scans.pdf").open("wb") as stream:  # sparse: no room on the disk
        stream.write(b"%PDF-1.7\n")
        stream.seek(300 << 20)
        stream.write(b"\n%%EOF\n")
    warnings: list[str] = []
    (book,) = read_library(tmp_path, warn=warnings.append)
    assert (book.name, book.title, book.authors) == ("scans", "scans", ())
    assert warnings == [
        f"{tmp_path / 'scans.pdf'}: listed by its name: too large "
        f"({(300 << 20) + 7} bytes) to read its metadata"
    ]
