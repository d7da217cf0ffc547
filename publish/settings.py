"""Settings: how a book is made (not what it says), resolved once per target.

Later layers override earlier ones: package defaults < the project's `publish.toml` (or
`[tool.publish]` in its `pyproject.toml`) < the document's front matter < command-line
flags. Each value is checked where it is read, so an error names its place.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.errors import PublishError, SourceError, SourceLocation, SourceWarning, raise_problems
from publish.files import MAX_BINARY_BYTES, MAX_TEXT_BYTES, check_regular, project_path, shown

TRIM_SIZES = {
    "a4": ("210mm", "297mm"),
    "a5": ("148mm", "210mm"),
    "b5": ("176mm", "250mm"),
    "letter": ("8.5in", "11in"),
}


@dataclass(frozen=True, slots=True)
class Printer:
    """A print-on-demand service's rules for a book's files, as it publishes them."""

    name: str
    bleed: str  # beyond the trim, where a page has bleed
    gutter_bleed: bool  # whether the bleed is also added on the binding side
    # Paper thickness per page (inches), for the spine: KDP's published figures. Where a
    # printer publishes none that publish knows, KDP's stand in (the README says so).
    caliper: dict[str, float] = dataclasses.field(default_factory=dict)
    # No text on a spine narrower than this many pages (KDP: fewer than 79 pages).
    spine_text_pages: int = 79


_KDP_PAPER = {"white": 0.002252, "cream": 0.0025}
PRINTERS = {
    # KDP: 0.125 in on top, bottom and the outside edge only (a PDF 0.125 in wider, 0.25 in
    # taller than the trim).
    "kdp": Printer("Amazon KDP", "0.125in", False, _KDP_PAPER),
    "ingram": Printer("IngramSpark", "0.125in", True, _KDP_PAPER),
    # Lulu: 0.125 in on every side, also without bleed content.
    "lulu": Printer("Lulu", "0.125in", True, _KDP_PAPER),
}
_INCHES = lambda *sizes: {size: tuple(f"{side}in" for side in size.split("x")) for size in sizes}  # noqa: E731
PRESETS: dict[str, tuple[str, str]] = {
    **{f"kdp-{k}": v for k, v in _INCHES(
        "5x8", "5.06x7.81", "5.25x8", "5.5x8.5", "6x9", "6.14x9.21", "6.69x9.61", "7x10",
        "7.44x9.69", "7.5x9.25", "8x10", "8.25x6", "8.25x8.25", "8.5x8.5", "8.5x11",
    ).items()},
    "kdp-a4": ("8.27in", "11.69in"),
    **{f"ingram-{k}": v for k, v in _INCHES(
        "5x8", "5.25x8", "5.5x8.5", "6x9", "6.14x9.21", "6.69x9.61", "7x10", "8.5x11",
    ).items()},
    **{f"lulu-{k}": v for k, v in _INCHES("4.25x6.87", "5x8", "5.5x8.5", "6x9", "6.14x9.21",
                                          "7.44x9.68", "8.5x11").items()},
    "lulu-a5": ("148mm", "210mm"),
    "lulu-a4": ("210mm", "297mm"),
}  # fmt: skip
PDF_VARIANTS = [
    "pdf/a-1a",
    "pdf/a-1b",
    "pdf/a-2a",
    "pdf/a-2b",
    "pdf/a-2u",
    "pdf/a-3a",
    "pdf/a-3b",
    "pdf/a-3u",
    "pdf/a-4e",
    "pdf/a-4f",
    "pdf/a-4u",
    "pdf/ua-1",
    "pdf/ua-2",
    "pdf/x-1a",
    "pdf/x-3",
    "pdf/x-4",
    "pdf/x-5g",
    "debug",
]

MIN_DPI = 300  # the usual floor for print: an image under it looks soft or jagged
MM = 72 / 25.4  # points per millimetre
_UNITS = {"mm": MM, "cm": 10 * MM, "in": 72.0, "pt": 1.0, "pc": 12.0, "px": 0.75, "q": MM / 4}

_LENGTH = r"(?:0|\d+(?:\.\d+)?(?:mm|cm|in|pt|px|pc|q))"
# `5x8in`, `6.14x9.21in`, `152x229mm`, `130mm x 200mm`: a unit after each side, or one unit
# after both. A bare pair (`6x9`) is refused: inches and millimetres are both usual.
_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"(?:mm|cm|in|pt|pc|px|q)"
_TRIM = re.compile(rf"({_NUMBER})({_UNIT})?\s*[x\u00d7]\s*({_NUMBER})({_UNIT})")
_BARE_TRIM = re.compile(rf"({_NUMBER})\s*[x\u00d7]\s*({_NUMBER})")


@dataclass(frozen=True, slots=True)
class Settings:
    notes: str = "chapter"  # EPUB notes at the end of each file, or in one endnotes file
    trim: str = "a5"
    bleed: str = "0mm"
    marks: str = "none"
    pdf_variant: str = ""
    start: str = "recto"  # where a document of a book starts in print
    styles: str = "add"  # the project's style sheets apply after the built-in ones, or alone
    paper: str = "white"  # the interior's paper, which sets the spine's width
    output_profile: str = ""  # PDF/X: the printer's CMYK ICC profile, a file of the project
    original_pages: str = "inline"  # the original's page markers in print: inline, margin, none
    page_list: str = "none"  # the EPUB's page-list: of this book's print pages, or the original's
    pdf_layout: str = "parts"  # a book's PDF laid out document by document, or whole

    @property
    def page_size(self) -> tuple[str, str]:
        """The trim's width and height as CSS lengths."""
        return trim_size(self.trim)

    @property
    def printer(self) -> Printer | None:
        """The print-on-demand service a preset trim (`kdp-6x9`) names."""
        return PRINTERS.get(self.trim.split("-", 1)[0]) if self.trim in PRESETS else None

    @property
    def gutter_bleed(self) -> bool:
        """Whether the bleed is added on the binding side too (not for KDP's interiors)."""
        return self.printer is None or self.printer.gutter_bleed


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, not {value!r}")
        return str(value)

    return check


# A page a printer can print: from a little larger than a playing card to a poster, and a
# bleed of at most what a poster needs (3 mm is usual; WeasyPrint draws no more than that).
TRIM_MM = (50, 1000)
BLEED_MM = (0, 20)


def trim_size(trim: str) -> tuple[str, str]:
    """A checked trim's width and height as CSS lengths (`5x8in` → 5in, 8in)."""
    if trim in TRIM_SIZES:
        return TRIM_SIZES[trim]
    if trim in PRESETS:
        return PRESETS[trim]
    width, unit, height, last = _TRIM.fullmatch(trim).groups()  # type: ignore[union-attr]
    return width + (unit or last), height + last


def _trim(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value).strip().lower())
    if text in TRIM_SIZES or text in PRESETS:
        return text
    if _BARE_TRIM.fullmatch(text):
        raise ValueError(
            f"{value!r} has no unit: write {text}in or {text}mm (units: mm, cm, in, pt), "
            "or name a preset such as kdp-6x9"
        )
    if not _TRIM.fullmatch(text):
        names = ", ".join(TRIM_SIZES)
        raise ValueError(
            f"must be one of {names}, a preset such as kdp-6x9, "
            f"or WIDTHxHEIGHT with units, not {value!r}"
        )
    low, high = TRIM_MM
    if not all(low <= _mm(side) <= high for side in trim_size(text)):
        raise ValueError(f"must be from {low}mm to {high}mm on each side, not {value!r}")
    return text


def _profile(value: Any) -> str:
    """A file of the project, named from its folder: an ICC profile (`.icc`, `.icm`)."""
    text = str(value).strip()
    if not re.fullmatch(r"[^:\\]+\.(?i:icc|icm)", text) or text.startswith("/"):
        raise ValueError(
            f"must be an ICC profile of the project such as styles/press.icc, not {value!r}"
        )
    return text


def _length(value: Any) -> str:
    text = str(value).strip().lower()
    if not re.fullmatch(_LENGTH, text):
        raise ValueError(f"must be a length such as 3mm or 0.125in, not {value!r}")
    return text


def _mm(length: str) -> float:
    """A length in millimetres, rounded: `1000mm` is 1000, not 1000.0000000000001."""
    return round(length_pt(length) / MM, 6)


def _bleed(value: Any) -> str:
    text = _length(value)
    low, high = BLEED_MM
    if not low <= _mm(text) <= high:
        raise ValueError(f"must be from {low}mm to {high}mm, not {value!r}")
    return text


# What a source, the project or the command line may set.
SETTINGS: dict[str, Callable[[Any], str]] = {
    "notes": _choice("chapter", "book"),
    "trim": _trim,
    "bleed": _bleed,
    "marks": _choice("none", "crop"),
    "pdf_variant": _choice("", *PDF_VARIANTS),
    "start": _choice("recto", "any"),
    "styles": _choice("add", "replace"),
    "paper": _choice("white", "cream"),
    "output_profile": _profile,
    "original_pages": _choice("inline", "margin", "none"),
    "page_list": _choice("none", "print", "original"),
    "pdf_layout": _choice("parts", "whole"),
}
SETTING_KEYS = frozenset(SETTINGS)


def _scheduler(value: Any) -> str:
    if not isinstance(value, str) or not _SCHEDULER.fullmatch(value):
        raise ValueError(f"must be a Dask scheduler's address (tcp://host:8786), not {value!r}")
    return value


_SCHEDULER = re.compile(r"(?:(?:tcp|tls|ws|wss|ucx)://[^\s/]+|inproc://\S+)?")
# Settings of a whole build, from the project's file or the command line, never from a
# source: a manuscript must not send the project's files to a cluster of its choosing.
BUILD_CHECKS: dict[str, Callable[[Any], str]] = {"scheduler": _scheduler}


def check_setting(
    key: str,
    value: Any,
    where: SourceLocation,
    checks: Mapping[str, Callable[[Any], str]] = SETTINGS,
) -> str:
    """The value of setting `key`, or a SourceError naming `where`."""
    try:
        return checks[key](value)
    except ValueError as exc:
        raise SourceError(f"setting '{key.replace('_', '-')}' {exc}", where) from None


def resolve(layers: Iterable[Mapping[str, str]]) -> Settings:
    """Defaults overridden by each checked layer in turn. A printer's preset trim brings its
    bleed, unless a layer sets one (`bleed = "0mm"` for a book with nothing to the edge)."""
    settings = Settings()
    bleed_set = False
    for layer in layers:
        settings = dataclasses.replace(settings, **layer)
        bleed_set = bleed_set or "bleed" in layer
    if settings.printer is not None and not bleed_set:
        settings = dataclasses.replace(settings, bleed=settings.printer.bleed)
    return settings


def project_settings(root: Path, warn: Callable[[SourceWarning], None]) -> dict[str, str]:
    """The `[tool.publish]` table of `pyproject.toml`, or the whole of `publish.toml`: the
    settings of its outputs (a build's own, `scheduler`, are `build_settings`)."""
    layer = project_file_settings(root, warn)
    return {key: value for key, value in layer.items() if key in SETTING_KEYS}


def build_settings(root: Path) -> dict[str, str]:
    """The project file's settings of a whole build (`scheduler`); its problems are told
    by `project_settings`."""
    layer = project_file_settings(root, lambda _warning: None)
    return {key: value for key, value in layer.items() if key in BUILD_CHECKS}


def project_file_settings(root: Path, warn: Callable[[SourceWarning], None]) -> dict[str, str]:
    for name, table in (("publish.toml", ()), ("pyproject.toml", ("tool", "publish"))):
        path = root / name
        if os.path.lexists(path):  # a folder, a FIFO or a link loop is refused, not skipped
            # A link to a file elsewhere is refused unread (its keys would show in warnings).
            where = SourceLocation(shown(path))
            check_regular(
                project_path(path, root, where, "settings file", SourceError),
                where,
                MAX_TEXT_BYTES,
                "settings file",
                SourceError,
            )
            layer = _toml_layer(path, table, warn)
            if "output_profile" in layer:
                at = SourceLocation(where.path, _toml_line(path, "output-profile"))
                check_profile(layer["output_profile"], root, at)
            return layer
    return {}


def check_profile(name: str, root: Path, where: SourceLocation) -> Path:
    """The `output-profile` file: inside the project, regular, and a CMYK ICC profile; else
    an error at `where` (the build and `publish check` say the same)."""
    from PIL import ImageCms  # only a project that names a profile needs it

    path = project_path(root / name, root, where, "output profile", SourceError)
    check_regular(path, where, MAX_BINARY_BYTES, "output profile", SourceError)
    try:
        space = ImageCms.getOpenProfile(str(path)).profile.xcolor_space.strip()
    except (OSError, ImageCms.PyCMSError) as exc:
        raise SourceError(f"output profile '{name}' is not an ICC profile ({exc})", where) from None
    if space != "CMYK":
        message = f"output profile '{name}' is an {space} profile: PDF/X here needs a CMYK one"
        raise SourceError(message, where)
    return path


def _toml_layer(
    path: Path, table: tuple[str, ...], warn: Callable[[SourceWarning], None]
) -> dict[str, str]:
    where = SourceLocation(shown(path))
    try:
        data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read the settings: {exc}", where) from None
    for depth, key in enumerate(table):
        data = data.get(key, {})
        if not isinstance(data, dict):
            name = ".".join(table[: depth + 1])
            line = _toml_line(path, name)
            message = f"'{name}' must be a table ([{name}]), not {_toml_kind(data)}"
            raise SourceError(message, SourceLocation(where.path, line))
    layer, errors = {}, []
    for key, value in data.items():
        name = key.replace("-", "_")
        at = SourceLocation(where.path, _toml_line(path, key))
        if name not in SETTING_KEYS and name not in BUILD_CHECKS:
            warn(SourceWarning(f"unknown setting '{key}' is ignored", at))
            continue
        try:
            layer[name] = check_setting(name, value, at, SETTINGS | BUILD_CHECKS)
        except PublishError as exc:  # every bad setting at once, not one per run
            errors.append(exc)
    raise_problems(errors)
    return layer


def _toml_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    return "text" if isinstance(value, str) else f"a value ({value!r})"[:60]


def _toml_line(path: Path, name: str) -> int:
    """The line where the TOML file sets `name` (`tool = 1`, `[tool]`, `publish = "x"`
    under `[tool]`, `tool.publish = …`), as far as a glance can tell; 0 if it cannot."""
    last = name.rsplit(".", 1)[-1]
    pattern = re.compile(rf"\s*(?:\[+\s*)?(?:{re.escape(name)}|{re.escape(last)})\s*[=\]]")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if pattern.match(line):
            return number
    return 0


def length_pt(length: str) -> float:
    """A CSS length ('148mm', '6in', '0') in points."""
    found = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z]*)", length.strip().lower())
    if not found or (found[2] not in _UNITS and float(found[1]) != 0):
        raise ValueError(f"not a length: {length!r}")
    return float(found[1]) * _UNITS.get(found[2], 1.0)
