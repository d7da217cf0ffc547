"""The incremental cache sees every image a book holds, whatever its name.

A careless author names an image `my pic.png`, `a#b.png`, `q?x.png`, `café.png` or one in a
folder above the source, and writes it as Markdown allows (`my%20pic.png`, `<my pic.png>`).
The cache must find each file exactly as the writers do (`resources.image_source`): change
the image's bytes and the next build rebuilds the book, never reports a stale one "up to
date". A `data:` image is no file at all: the cache does not look for it, and the build
refuses it at its line.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from publish import model as m
from publish.reader import read_document
from publish.resources import image_source, source_files

DOC = "---\ntitle: Pictures\n---\n\nBefore.\n\n![A picture]({ref})\n\nAfter.\n"


def png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(out, "PNG")
    return out.getvalue()


# How the source names the image, and the file (from the project's folder) it stands for.
NAMES = {
    "escaped space": ("my%20pic.png", "source/my pic.png"),
    "angle brackets": ("<my pic.png>", "source/my pic.png"),
    "hash in the name": ("a#b.png", "source/a#b.png"),
    "escaped hash": ("a%23b.png", "source/a#b.png"),
    "question mark": ("q?x.png", "source/q?x.png"),
    "unicode": ("café.png", "source/café.png"),
    "escaped unicode": ("caf%C3%A9.png", "source/café.png"),
    "folder above": ("../pics/up.png", "pics/up.png"),
    "escaped percent": ("100%25.png", "source/100%.png"),
}


def images_in(epub: Path) -> list[bytes]:
    with zipfile.ZipFile(epub) as book:
        return [
            book.read(name)
            for name in book.namelist()
            if name.startswith("EPUB/images/") and "cover" not in name
        ]


@pytest.mark.parametrize(("ref", "file"), NAMES.values(), ids=NAMES.keys())
def test_a_changed_image_is_rebuilt_whatever_its_name(
    ref: str, file: str, project: Path, write_source, run_cli
) -> None:
    image = project / file
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(png("red"))
    write_source("doc.md", DOC.format(ref=ref))

    first = run_cli("build", "--format", "epub")
    assert first.code == 0, first.out + first.err
    assert images_in(project / "build" / "doc.epub") == [png("red")]
    assert "up to date" in run_cli("build", "--format", "epub").out

    image.write_bytes(png("blue"))  # the same size: only the bytes changed
    again = run_cli("build", "--format", "epub")
    assert again.code == 0, again.out + again.err
    assert "up to date" not in again.out
    assert images_in(project / "build" / "doc.epub") == [png("blue")]


@pytest.mark.parametrize(("ref", "file"), NAMES.values(), ids=NAMES.keys())
def test_the_cache_watches_the_file_the_writers_pack(
    ref: str, file: str, project: Path, write_source
) -> None:
    image = project / file
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(png("red"))
    document = read_document(write_source("doc.md", DOC.format(ref=ref)))
    (found,) = m.iter_images(document)
    assert image_source(found.src, document.path).resolve() == image.resolve()
    assert image.resolve() in [path.resolve() for path in source_files(document)]


def test_a_changed_cover_with_an_escaped_name_is_rebuilt(
    project: Path, write_source, run_cli
) -> None:
    cover = project / "source" / "my cover.png"
    cover.write_bytes(png("red"))
    write_source("doc.md", "---\ntitle: Covered\ncover-image: my cover.png\n---\n\nText.\n")
    assert run_cli("build", "--format", "epub").code == 0
    assert "up to date" in run_cli("build", "--format", "epub").out
    cover.write_bytes(png("blue"))
    assert "up to date" not in run_cli("build", "--format", "epub").out


def test_a_data_image_is_no_path_for_the_cache(project: Path, write_source, run_cli) -> None:
    src = "data:image/png;base64," + "A" * 400  # longer than any file name may be
    document = read_document(write_source("doc.md", DOC.format(ref=src)))
    assert source_files(document) == [Path(document.path)]

    result = run_cli("build")
    assert result.code == 1
    assert (
        "source/doc.md:7: image 'data:image/png;base64,AAAAAAAAAAAAAAAAAA…' is written into the text"
        in result.out + result.err
    )
    assert "Traceback" not in result.out + result.err


def test_the_pdf_prints_an_image_with_a_hash_in_its_name(
    project: Path, write_source, run_cli
) -> None:
    (project / "source" / "a#b.png").write_bytes(png("red"))
    write_source("doc.md", DOC.format(ref="a#b.png"))
    result = run_cli("build", "--format", "pdf")
    assert result.code == 0, result.out + result.err
    assert "cannot be printed" not in result.out + result.err
    assert "up to date" in run_cli("build", "--format", "pdf").out
    (project / "source" / "a#b.png").write_bytes(png("blue"))
    assert "up to date" not in run_cli("build", "--format", "pdf").out
