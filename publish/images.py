"""What an image file really is: its bytes say, never its name.

A book's images are JPEG, PNG, GIF, WebP or SVG (the image types EPUB 3 readers must show).
A raster is opened by Pillow with those decoders only, its size checked before any pixel is
decoded, then decoded whole: a file that would print as a hole in the PDF is refused here.
An SVG is parsed without its DTD, entities or the network, and refused when it could act
(a script, an event handler, a foreignObject) or reach outside itself (any reference that
is not to `#` an id of its own, a DOCTYPE, a style sheet link).
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from PIL import Image as PillowImage
from PIL import ImageFile

from publish.errors import ResourceError, SourceLocation

# The largest picture decoded: 100 megapixels (a 10000×10000 scan, 400 MB as RGBA).
# A few kilobytes of PNG can declare far more (a decompression bomb).
MAX_PIXELS = 100_000_000
# The largest image file read, checked before reading it.
MAX_BYTES = 64 * 1024 * 1024

ALLOWED = "a JPEG, PNG, GIF, WebP or SVG image"


@dataclass(frozen=True, slots=True)
class ImageType:
    """A kind of image a book may hold: its media type and the suffix its packed copy takes."""

    name: str
    media_type: str
    suffix: str


JPEG = ImageType("JPEG", "image/jpeg", ".jpg")
PNG = ImageType("PNG", "image/png", ".png")
GIF = ImageType("GIF", "image/gif", ".gif")
WEBP = ImageType("WebP", "image/webp", ".webp")
SVG = ImageType("SVG", "image/svg+xml", ".svg")

# Pillow's format names → ours; MPO is a camera's JPEG with more than one picture in it.
_RASTERS = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG, "GIF": GIF, "WEBP": WEBP}
_DECODERS = ["JPEG", "PNG", "GIF", "WEBP"]  # Pillow tries no other format

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_REFERENCE_ATTRIBUTES = {"href", "src", "base"}  # base: xml:base
_ACTIVE_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "include"}
_ANIMATIONS = {"set", "animate", "animatecolor", "animatemotion", "animatetransform"}
_CSS_URL = re.compile(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
# What in CSS can fetch without url(#…): imports, fonts, image-set("…"), src(…), and
# escapes, which can spell any of them (`u\72 l(`).
_CSS_FETCHES = re.compile(r"@import|@font-face|image-set|\bsrc\s*\(|\\", re.IGNORECASE)


class ImageProblem(ValueError):
    """Why a file is not an image a book may hold; its message follows `image 'x.png' `."""


def checked_image(
    kind: str, src: str, path: Path, where: SourceLocation
) -> tuple[bytes, ImageType]:
    """The bytes of the image a source names as `src` (found at `path`) and their type,
    or a ResourceError at `where`: `image 'x.png' is not a JPEG, PNG, GIF, WebP or SVG image`."""
    try:
        data = read_image(path)
        return data, image_data_type(data)
    except ImageProblem as exc:
        raise ResourceError(f"{kind} '{src}' {exc}", where) from None
    except OSError as exc:
        raise ResourceError(
            f"{kind} '{src}' cannot be read: {exc.strerror or exc}", where
        ) from None


def read_image(path: Path) -> bytes:
    """The bytes of an image file: a regular file, under MAX_BYTES, checked before reading."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ImageProblem(f"is {size / 2**20:.0f} MB; an image may be {MAX_BYTES // 2**20} MB")
    return path.read_bytes()


def image_data_type(data: bytes) -> ImageType:
    """The checked type of an image's bytes. Remembered by digest (the bytes are not kept):
    a build checks each file when it reads the sources and again when it packs it."""
    digest = hashlib.sha256(data).digest()
    if digest not in _CHECKED:
        if len(_CHECKED) >= 1024:
            _CHECKED.clear()
        _CHECKED[digest] = _checked_type(data)
    return _CHECKED[digest]


_CHECKED: dict[bytes, ImageType] = {}


def _checked_type(data: bytes) -> ImageType:
    if _looks_like_markup(data):
        check_svg(data)
        return SVG
    return _check_raster(data)


def _looks_like_markup(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") or head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _check_raster(data: bytes) -> ImageType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PillowImage.DecompressionBombWarning)
        try:
            with PillowImage.open(io.BytesIO(data), formats=_DECODERS) as picture:
                kind = _RASTERS.get(picture.format or "")
                width, height = picture.size
        except PillowImage.DecompressionBombError as exc:  # over twice Pillow's own limit
            raise ImageProblem(_too_large_message(str(exc))) from None
        except (OSError, SyntaxError, ValueError):  # Pillow's "cannot identify image file"
            raise ImageProblem(f"is not {ALLOWED}") from None
        if kind is None:
            raise ImageProblem(f"is not {ALLOWED}")
        if width * height > MAX_PIXELS:
            raise ImageProblem(_too_large_message(f"({width * height} pixels)"))
        try:
            with PillowImage.open(io.BytesIO(data), formats=_DECODERS) as picture:
                picture.verify()  # the chunks and their checksums
            with PillowImage.open(io.BytesIO(data), formats=_DECODERS) as picture, _strict():
                picture.load()  # every pixel: a truncated or corrupt file fails here
        except PillowImage.DecompressionBombError as exc:
            raise ImageProblem(_too_large_message(str(exc))) from None
        except Exception as exc:  # a decoder's failure on hostile bytes
            detail = str(exc).strip() or type(exc).__name__
            raise ImageProblem(
                f"is a {kind.name} file that cannot be decoded ({detail}): "
                "it may be truncated or damaged"
            ) from None
    return kind


_STRICTNESS = threading.Lock()


@contextmanager
def _strict() -> Iterator[None]:
    """Pillow refusing a truncated file while it decodes: WeasyPrint, once imported, tells it
    to decode what it can (ImageFile.LOAD_TRUNCATED_IMAGES) and print the rest as grey."""
    with _STRICTNESS:
        before, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _too_large_message(detail: str) -> str:
    """`detail` holds "(N pixels)", as Pillow's DecompressionBombError says it."""
    found = re.search(r"\((\d+) pixels\)", detail)
    size = f"has {int(found.group(1)) / 1e6:.0f} megapixels" if found else "is too large"
    return f"{size}; an image may have at most {MAX_PIXELS // 1_000_000} megapixels"


def check_svg(data: bytes) -> None:
    """An SVG a book may hold, or ImageProblem: no DTD, entity, script, handler, foreignObject
    or reference outside the file itself."""
    # Refused before parsing: a DTD is where entities (file reads, expansion bombs) live.
    if re.search(rb"<!(DOCTYPE|ENTITY)", data[:65536], re.IGNORECASE):
        if not re.search(rb"<svg[\s>/]", data[:65536]):
            raise ImageProblem(f"is not {ALLOWED}")  # a web page, most likely
        raise ImageProblem(_svg_refused("a DOCTYPE or an entity declaration"))
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        raise ImageProblem(f"is not {ALLOWED}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ImageProblem(_svg_refused("a DOCTYPE or an entity declaration"))
    if root.tag != f"{{{_SVG_NS}}}svg":
        if etree.QName(root).localname == "svg":
            raise ImageProblem("is an SVG without the SVG namespace (xmlns) an EPUB asks for")
        raise ImageProblem(f"is not {ALLOWED}")
    for node in root.iter():
        found = _active_part(node)
        if found:
            raise ImageProblem(_svg_refused(found))
    outside = [*root.itersiblings(preceding=True), *root.itersiblings()]
    for node in outside:
        if isinstance(node, etree._ProcessingInstruction):
            raise ImageProblem(_svg_refused(f"a processing instruction <?{node.target}?>"))
    _check_expansion(root)


# The most elements an SVG may draw once each `<use>`, `href="#…"` and `url(#…)` is followed:
# ten <use> of ten <use> of … is a few hundred bytes that draw billions of shapes.
MAX_SVG_ELEMENTS = 250_000
_LOCAL_URL = re.compile(r"url\s*\(\s*['\"]?\s*#([^'\")\s]+)")


def _check_expansion(root: etree._Element) -> None:
    """ImageProblem if following the SVG's references loops or draws over MAX_SVG_ELEMENTS."""
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    by_id = {e.get("id"): e for e in elements if e.get("id")}

    def references(element: etree._Element) -> list[etree._Element]:
        named = []
        for attribute, value in element.attrib.items():
            if etree.QName(attribute).localname != "href" or etree.QName(element).localname == "a":
                pass  # a link's href is followed by the reader, not drawn
            elif value.strip().startswith("#"):
                named.append(value.strip()[1:])
            named += _LOCAL_URL.findall(value)
        found = [by_id[name] for name in named if name in by_id]
        return [*(e for e in element if isinstance(e.tag, str)), *found]

    size: dict[etree._Element, int] = {}
    open_: set[etree._Element] = set()
    for start in elements:
        stack = [start]
        while stack:
            element = stack[-1]
            if element in size:
                stack.pop()
                continue
            parts = references(element)
            waiting = [part for part in parts if part not in size]
            if not waiting:
                size[element] = min(1 + sum(size[part] for part in parts), MAX_SVG_ELEMENTS + 1)
                open_.discard(element)
                stack.pop()
                continue
            if element in open_ and any(part in open_ for part in waiting):
                raise ImageProblem(_svg_refused("a reference loop"))
            open_.add(element)
            for part in waiting:
                if part in open_:
                    raise ImageProblem(_svg_refused("a reference loop"))
                stack.append(part)
    if size.get(root, 0) > MAX_SVG_ELEMENTS:
        raise ImageProblem(
            f"is an SVG that draws more than {MAX_SVG_ELEMENTS} elements once its references "
            "are followed"
        )


def _svg_refused(found: str) -> str:
    return (
        f"is an SVG with {found}; an SVG in a book may hold no script, event handler, "
        "foreignObject, DOCTYPE, entity or reference outside itself"
    )


def _active_part(node: etree._Element) -> str | None:
    """What in one node of an SVG could run or reach outside the file, if anything."""
    if isinstance(node, etree._Entity):
        return "an entity"
    if isinstance(node, etree._ProcessingInstruction):
        return f"a processing instruction <?{node.target}?>"
    if not isinstance(node.tag, str):  # a comment
        return None
    name = etree.QName(node)
    if name.localname.lower() in _ACTIVE_ELEMENTS:
        return f"a <{name.localname}> element"
    if name.namespace == "http://www.w3.org/1999/xhtml":
        return "an HTML element"
    if name.localname.lower() in _ANIMATIONS:
        target = (node.get("attributeName") or "").strip().lower()
        if target.startswith("on") or target.endswith("href"):
            return f"an animation of '{target}'"
    if name.localname.lower() == "style" and _css_reaches_out("".join(node.itertext())):
        return "a style sheet that reaches outside the file"
    for attribute, value in node.attrib.items():
        local = etree.QName(attribute).localname.lower()
        if local.startswith("on"):
            return f"an event handler ({local})"
        if local in _REFERENCE_ATTRIBUTES and not value.strip().startswith("#"):
            return f'an external reference ({local}="{value[:60]}")'
        if _css_reaches_out(value):
            return f"an external reference in '{local}'"
    return None


def _css_reaches_out(css: str) -> bool:
    """Whether a style (a sheet or an attribute value) links to anything but `#id`."""
    if _CSS_FETCHES.search(css):
        return True
    return any(not target.startswith("#") for target in _CSS_URL.findall(css))
