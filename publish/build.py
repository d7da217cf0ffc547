"""Build: the named steps that turn sources into books.

Everything is read and validated first; only the documents that read cleanly are written,
so one broken source never stops the others, and never leaves a half-written output.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publish import model as m
from publish.errors import PublishError, SourceError, SourceLocation, SourceWarning
from publish.reader import display_path, read_document
from publish.render import template_environment
from publish.settings import Settings, project_settings, resolve

FORMATS = ("epub", "pdf")
_PROJECT_MARKERS = ("publish.toml", "pyproject.toml")


@dataclass
class BuildReport:
    """What a run did: the files it wrote, and every warning and error, each with its place."""

    outputs: list[Path] = field(default_factory=list)
    warnings: list[SourceWarning] = field(default_factory=list)
    errors: list[PublishError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def find_sources(paths: Iterable[Path]) -> list[Path]:
    """Markdown files named, or directly inside the folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob("*.md")))
        elif path.is_file():
            found.append(path)
        else:
            raise SourceError("no such file or folder", SourceLocation(display_path(path)))
    return list(dict.fromkeys(found))


def find_project_root(source: Path) -> Path:
    """The nearest folder above the source that holds a project file, else the source's folder.

    A document may reach files (images, styles) inside its project and nowhere else.
    """
    folder = source.resolve().parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).is_file() for marker in _PROJECT_MARKERS):
            return candidate
    return folder


def writer(fmt: str) -> Callable[..., None]:
    """`write_epub` or `write_pdf`, imported on first use: `check` never pays for WeasyPrint."""
    return getattr(importlib.import_module(f"publish.writers.{fmt}"), f"write_{fmt}")


def read_sources(sources: Sequence[Path], report: BuildReport) -> list[m.Document]:
    """Step 1: read and validate every source, collecting each failure with its file."""
    documents = []
    for source in sources:
        try:
            documents.append(read_document(source, report.warnings.append))
        except PublishError as exc:
            report.errors.append(exc)
    return documents


def document_settings(
    document: m.Document, root: Path, overrides: Mapping[str, str], report: BuildReport
) -> Settings:
    """Defaults < project file < front matter < command line."""
    project = project_settings(root, report.warnings.append)
    return resolve([project, dict(document.settings), overrides])


def write_outputs(
    documents: Sequence[m.Document],
    out_dir: Path,
    formats: Sequence[str],
    report: BuildReport,
    overrides: Mapping[str, str],
    on_written: Callable[[Path], None] = lambda _p: None,
) -> None:
    """Step 2: write each document in each format; a failure costs that document only."""
    for document in documents:
        root = find_project_root(Path(document.path))
        env = template_environment(root)
        try:
            settings = document_settings(document, root, overrides, report)
        except PublishError as exc:
            report.errors.append(exc)
            continue
        for fmt in formats:
            target = out_dir / f"{document.name}.{fmt}"
            try:
                writer(fmt)(document, env, target, project_root=root, settings=settings)
            except PublishError as exc:
                report.errors.append(exc)
                continue
            report.outputs.append(target)
            on_written(target)


def read_all(paths: Iterable[Path], report: BuildReport) -> list[m.Document]:
    try:
        return read_sources(find_sources(paths), report)
    except PublishError as exc:
        report.errors.append(exc)
        return []


def check(paths: Iterable[Path]) -> BuildReport:
    """Read and validate sources; write nothing."""
    report = BuildReport()
    read_all(paths, report)
    return report


def build(
    paths: Iterable[Path],
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    overrides: Mapping[str, str] | None = None,
    on_written: Callable[[Path], None] = lambda _p: None,
) -> BuildReport:
    """Read every source under `paths`, then write `out_dir/NAME.<format>` for each.

    `overrides` are settings from the command line, already checked.
    """
    report = BuildReport()
    documents = read_all(paths, report)
    write_outputs(documents, out_dir, formats, report, overrides or {}, on_written)
    return report
