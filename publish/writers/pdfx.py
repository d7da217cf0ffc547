"""PDF/X that is PDF/X: what WeasyPrint leaves undone for a `pdf/x-*` variant.

WeasyPrint 70 writes the PDF/X keys (`GTS_PDFXVersion`, the XMP `pdfxid`) and draws in
DeviceCMYK by default, but embeds no output profile unless a style sheet declares one, so the
file has no OutputIntent; and it keeps sRGB colours (`rg`) and RGB images as they are. A
printer's preflight refuses such a file. This module finishes the PDF before it is written:

- the OutputIntent (`/GTS_PDFX`) carrying a CMYK ICC profile: the project's own
  (`output-profile`, the printer's), else Debian's `libgs-common` (Artifex's SWOP profile);
- every sRGB colour of the pages made CMYK through that profile (neutral greys become
  DeviceGray, so black text stays black ink only), gradients too;
- every RGB image converted to CMYK with Pillow's ImageCms; for X-1a and X-3, which allow no
  transparency, an image's alpha is flattened onto the white paper;
- links dropped: a file for the press has none.

What cannot be made right (a profile missing, PDF/X-5g) is refused with a clear message
before the file is written, and the written file is read back (`publish.preflight`) before
it is kept: a PDF that would claim PDF/X falsely is never written.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pydyf
from PIL import Image, ImageCms

from publish.errors import OutputError, SourceError, SourceLocation
from publish.settings import Settings, check_profile

# Where Debian puts a CMYK profile that may be installed here (`apt-get install
# libgs-common`: Ghostscript's "Artifex CMYK SWOP Profile", for coated paper). It is
# AGPL-licensed, so it is found on the system rather than shipped in the package.
SYSTEM_CMYK_PROFILES = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),)
MADE = ("pdf/x-1a", "pdf/x-3", "pdf/x-4")
NO_TRANSPARENCY = ("pdf/x-1a", "pdf/x-3")

# The notes' rule of the built-in sheet is a gradient to transparent; X-1a and X-3 allow no
# transparency, so there it fades to the paper's white instead (it looks the same).
_OPAQUE_RULE = (
    "@page { @footnote { border-image: linear-gradient(to right, black 30%, white 30%) 1 0 0 0 } }"
)


def is_pdfx(settings: Settings) -> bool:
    return settings.pdf_variant.startswith("pdf/x-")


def pdfx_css(settings: Settings) -> str:
    """What the page style needs for the variant: no transparency for X-1a and X-3."""
    return _OPAQUE_RULE if settings.pdf_variant in NO_TRANSPARENCY else ""


def output_profile(
    settings: Settings, where: SourceLocation, project_root: Path | None = None
) -> Path:
    """The CMYK profile of the OutputIntent: the project's `output-profile`, else the one
    installed; or an OutputError saying why there is none."""
    variant = settings.pdf_variant
    if variant not in MADE:
        raise OutputError(
            f"{variant} needs the external graphics and profiles it names, which publish "
            "does not write; use pdf/x-4 (or pdf/x-1a, pdf/x-3)",
            where,
        )
    if settings.output_profile:
        return project_profile(settings.output_profile, project_root, where)
    for path in SYSTEM_CMYK_PROFILES:
        if path.is_file():
            return path
    raise OutputError(
        f"{variant} needs a CMYK ICC profile for its OutputIntent, and none is installed "
        "(Debian: apt-get install libgs-common); without one publish writes no PDF/X",
        where,
    )


def project_profile(name: str, project_root: Path | None, where: SourceLocation) -> Path:
    """The project's own profile, named from the project's folder: a regular file inside it
    that is a CMYK output profile (`check_profile`, as the settings file is checked)."""
    try:
        return check_profile(name, (project_root or Path.cwd()).resolve(), where)
    except SourceError as exc:  # named from the front matter: the document cannot be written
        raise OutputError(exc.message, where) from None


def pdfx_finisher(
    finish: Callable[[Any, pydyf.PDF], None],
    settings: Settings,
    where: SourceLocation,
    project_root: Path | None = None,
) -> Callable[[Any, pydyf.PDF], None]:
    """`finish`, then, for a PDF/X variant, the OutputIntent and the CMYK conversion."""
    if not is_pdfx(settings):
        return finish
    profile = output_profile(settings, where, project_root)
    flatten = settings.pdf_variant in NO_TRANSPARENCY

    def finish_pdfx(document: Any, pdf: pydyf.PDF) -> None:
        finish(document, pdf)
        add_output_intent(pdf, profile)
        to_cmyk = CmykConverter(profile)
        for stream in list(_streams(pdf)):
            if stream.extra.get("Subtype") == "/Image":
                convert_image(stream, _resolved(pdf, stream.extra.get("SMask")), to_cmyk, flatten)
            else:
                convert_colours(stream, to_cmyk)
        for dictionary in _dictionaries(pdf):
            if "ShadingType" in dictionary:
                convert_shading(dictionary, to_cmyk)
            if dictionary.get("Type") == "/Page":
                dictionary.pop("Annots", None)  # a file for the press: no links

    return finish_pdfx


def add_output_intent(pdf: pydyf.PDF, profile: Path) -> None:
    """The catalog's OutputIntents: the profile embedded, named by its description."""
    icc = pydyf.Stream([profile.read_bytes()], pydyf.Dictionary({"N": 4}), compress=True)
    pdf.add_object(icc)
    name = pydyf.String(profile_name(profile))
    intent = pydyf.Dictionary(
        {
            "Type": "/OutputIntent",
            "S": "/GTS_PDFX",
            "OutputCondition": name,
            "OutputConditionIdentifier": pydyf.String("Custom"),
            "Info": name,
            "DestOutputProfile": icc.reference,
        }
    )
    pdf.catalog["OutputIntents"] = pydyf.Array([intent])


@lru_cache(maxsize=4)
def profile_name(profile: Path) -> str:
    return ImageCms.getProfileDescription(ImageCms.getOpenProfile(str(profile))).strip()


class CmykConverter:
    """sRGB to the output profile's CMYK (relative colorimetric, as printers advise)."""

    def __init__(self, profile: Path) -> None:
        self.transform = ImageCms.buildTransform(
            ImageCms.createProfile("sRGB"),
            ImageCms.getOpenProfile(str(profile)),
            "RGB",
            "CMYK",
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        )
        self.colours: dict[tuple[float, ...], tuple[float, ...]] = {}

    def colour(self, rgb: tuple[float, float, float]) -> tuple[float, ...]:
        """A colour as (grey,) when neutral, else (c, m, y, k), each 0 to 1."""
        if max(rgb) - min(rgb) < 1 / 512:
            return (round(rgb[0], 4),)
        if rgb not in self.colours:
            pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in rgb))
            cmyk = ImageCms.applyTransform(pixel, self.transform).getpixel((0, 0))
            self.colours[rgb] = tuple(round(v / 255, 4) for v in cmyk)
        return self.colours[rgb]

    def image(self, image: Image.Image) -> Image.Image:
        return ImageCms.applyTransform(image.convert("RGB"), self.transform)


_RGB = re.compile(rb"\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(rg|RG)\s*")


def convert_colours(stream: pydyf.Stream, to_cmyk: CmykConverter) -> None:
    """Each `r g b rg` (fill) and `RG` (stroke) of a content stream made grey or CMYK.
    WeasyPrint (through pydyf) writes each operator as one item of the stream."""
    for index, item in enumerate(stream.stream):
        if not isinstance(item, bytes) or not (found := _RGB.fullmatch(item)):
            continue
        rgb = tuple(min(1.0, max(0.0, float(v))) for v in found.groups()[:3])
        values = to_cmyk.colour(rgb)  # type: ignore[arg-type]
        stroke = found[4] == b"RG"
        operator = (b"G" if stroke else b"g") if len(values) == 1 else (b"K" if stroke else b"k")
        stream.stream[index] = b" ".join([*(_number(v) for v in values), operator])


def _number(value: float) -> bytes:
    return (f"{value:.4f}".rstrip("0").rstrip(".") or "0").encode()


def convert_shading(shading: dict, to_cmyk: CmykConverter) -> None:
    """A gradient's colours in CMYK: WeasyPrint names DeviceCMYK for it but gives the stops
    in RGB (three values where four are due)."""
    functions = list(_functions(shading.get("Function")))
    stops = [f[key] for f in functions for key in ("C0", "C1") if key in f]
    if not stops or any(len(stop) != 3 for stop in stops):
        return
    for function in functions:
        for key in ("C0", "C1"):
            if key in function:
                rgb = tuple(float(v) for v in function[key])
                values = to_cmyk.colour(rgb)  # type: ignore[arg-type]
                function[key] = pydyf.Array(
                    values if len(values) == 4 else (0, 0, 0, 1 - values[0])
                )
    shading["ColorSpace"] = "/DeviceCMYK"


def _functions(function: Any) -> Iterator[dict]:
    if isinstance(function, dict):
        yield function
        for inner in function.get("Functions", ()):
            yield from _functions(inner)


def _resolved(pdf: pydyf.PDF, value: Any) -> Any:
    """The object a reference (`b"12 0 R"`) names, or the value itself."""
    if isinstance(value, bytes | str) and re.fullmatch(r"\d+ 0 R", _text(value)):
        return pdf.objects[int(_text(value).split()[0])]
    return value


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def convert_image(stream: pydyf.Stream, mask: Any, to_cmyk: CmykConverter, flatten: bool) -> None:
    """An RGB image made CMYK (Flate, lossless); for X-1a and X-3 its alpha (`mask`), if
    any, flattened onto white and dropped."""
    extra = stream.extra
    flatten = flatten and isinstance(mask, pydyf.Stream)
    if extra.get("ColorSpace") != "/DeviceRGB" and not flatten:
        return
    image = decode_image(stream)
    if flatten:
        paper = Image.new(image.mode, image.size, "white")
        image = Image.composite(image, paper, decode_image(mask).convert("L"))
        del extra["SMask"]
    if image.mode in ("L", "1"):
        pixels, space = image.convert("L"), "/DeviceGray"
    else:
        pixels, space = to_cmyk.image(image), "/DeviceCMYK"
    stream.stream = [zlib.compress(pixels.tobytes(), 9)]
    stream.compress = False
    for key in ("DecodeParms", "Decode"):
        extra.pop(key, None)
    extra.update({"ColorSpace": space, "Filter": "/FlateDecode", "Interpolate": "false"})
    extra.update({"Width": pixels.width, "Height": pixels.height, "BitsPerComponent": 8})


def decode_image(stream: pydyf.Stream) -> Image.Image:
    """The pixels of an image XObject as WeasyPrint writes them: JPEG (DCTDecode), or PNG
    rows (Flate with a PNG predictor), read back by Pillow."""
    data = b"\n".join(i if isinstance(i, bytes) else i.data for i in stream.stream)
    extra = stream.extra
    if extra.get("Filter") == "/DCTDecode":
        return Image.open(io.BytesIO(data))
    colours = int((extra.get("DecodeParms") or {}).get("Colors", 1))
    kind = {1: 0, 3: 2}[colours]  # PNG colour types: grey, RGB
    header = struct.pack(">IIBBBBB", int(extra["Width"]), int(extra["Height"]), 8, kind, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data)
    return Image.open(io.BytesIO(png + _chunk(b"IEND", b""))).convert("L" if kind == 0 else "RGB")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _streams(pdf: pydyf.PDF) -> Iterator[pydyf.Stream]:
    for pdf_object in pdf.objects:
        if isinstance(pdf_object, pydyf.Stream):
            yield pdf_object


def _dictionaries(pdf: pydyf.PDF) -> Iterator[dict]:
    """Every dictionary of the PDF, nested ones too (shadings live in resources)."""
    seen: set[int] = set()
    todo: list[Any] = [o for o in pdf.objects if isinstance(o, dict | list | pydyf.Stream)]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, pydyf.Stream):
            todo.append(item.extra)
        elif isinstance(item, dict):
            yield item
            todo.extend(v for v in item.values() if isinstance(v, dict | list | pydyf.Stream))
        elif isinstance(item, list):
            todo.extend(v for v in item if isinstance(v, dict | list | pydyf.Stream))


def verify_pdfx(path: Path, settings: Settings, where: SourceLocation) -> None:
    """Read the written file back: an OutputError if it is not the PDF/X it claims."""
    if not is_pdfx(settings):
        return
    from publish.preflight import pdfx_conformance  # reads PDFs back with pypdf

    finding = pdfx_conformance(path)
    if finding is not None and not finding.ok:
        hint = "; use pdf/x-4, which allows it" if "transparen" in finding.detail else ""
        raise OutputError(f"{settings.pdf_variant} cannot be made: {finding.detail}{hint}", where)
