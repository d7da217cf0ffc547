"""`publish cover`: the printer's wrap cover and the stores' ebook cover of each book.

The spine is as wide as the printed interior is thick, so the interior is built first (or
found up to date by the build's cache) and its pages counted from the PDF itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader

from publish import model as m
from publish.builder import BuildReport, build, read_targets, target_settings
from publish.cover import Wrap, project_fonts, store_cover, wrap_geometry
from publish.errors import OutputError, PublishError, SourceLocation
from publish.resources import cover_content, find_project_root
from publish.writers import atomic_output
from publish.writers.wrap_cover import write_wrap_cover


@dataclass
class CoverReport:
    """The covers written (each wrap with its geometry), and the build's problems."""

    build: BuildReport
    covers: list[tuple[Path, Path, Wrap]] = field(default_factory=list)  # wrap, ebook, geometry


def make_covers(
    paths: Iterable[Path], out_dir: Path, overrides: Mapping[str, str], jobs: int = 1
) -> CoverReport:
    """Build the interiors (PDF) of `paths` into `out_dir`, then write beside each
    NAME.cover.pdf (the wrap) and NAME.cover.jpg (the ebook cover)."""
    paths = list(paths)
    report = CoverReport(build(paths, out_dir, ("pdf",), overrides, jobs=jobs))
    if not report.build.ok:
        return report
    for target in read_targets(paths, report.build):
        try:
            report.covers.append(covers_of(target, out_dir, overrides, report.build))
        except PublishError as exc:
            report.build.fail(exc)
    return report


def covers_of(
    target: m.Document | m.Book, out_dir: Path, overrides: Mapping[str, str], report: BuildReport
) -> tuple[Path, Path, Wrap]:
    root = find_project_root(Path(target.path))
    settings = target_settings(target, root, overrides, report)
    wrap = wrap_geometry(settings, printed_pages(out_dir / f"{target.name}.pdf"))
    wrap_path = out_dir / f"{target.name}.cover.pdf"
    write_wrap_cover(target, wrap, wrap_path, project_root=root, settings=settings)
    image = cover_content(target, root)[0] if target.meta.cover_image else None
    ebook_path = out_dir / f"{target.name}.cover.jpg"
    with atomic_output(ebook_path) as tmp:
        tmp.write_bytes(store_cover(target.meta, project_fonts(root), image))
    return wrap_path, ebook_path, wrap


def printed_pages(interior: Path) -> int:
    """The page count of the built interior, read back from its PDF."""
    try:
        return len(PdfReader(interior).pages)
    except Exception as exc:  # pypdf raises several kinds on a damaged file
        raise OutputError(f"cannot count its pages: {exc}", SourceLocation(str(interior))) from None
