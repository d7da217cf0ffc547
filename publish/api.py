"""The Python API: what `import publish` offers (`publish.build`, `publish.read`…).

Each takes `str | Path` where it takes a path, raises `PublishError` with every problem
(`path:line: message`, one a line) and gives warnings through Python's `warnings` module
(`PublishWarning`). Settings are the command line's, as keywords (`trim="6x9in"`), over the
project's `publish.toml` and the source's front matter.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from publish import model as m
from publish.builder import FORMATS, KNOWN_FORMATS, BuildReport, read_target, target_settings
from publish.builder import build as build_report
from publish.builder import check as check_report
from publish.errors import PublishError, SourceError, SourceLocation, SourceWarning, raise_problems
from publish.outputs import is_url
from publish.reader import link_problems, parse_document
from publish.resources import check_resources, find_project_root
from publish.settings import SETTING_KEYS, Settings, check_setting

PathLike = str | Path
TEXT_NAME = "text.md"  # what a document read from a string is called in its messages


class PublishWarning(UserWarning):
    """Something suspicious that did not stop the build: `path:line: warning: message`."""


def build(
    paths: PathLike | Iterable[PathLike],
    out: PathLike = "build",
    formats: Sequence[str] = FORMATS,
    *,
    jobs: int = 1,
    force: bool = False,
    scheduler: Any = None,
    **settings: str,
) -> list[Path | str]:
    """Build every source under `paths` into `out` (as `publish build` does) and return the
    files written or already up to date. Raises PublishError with every problem found.

    `out` may be an fsspec URL (`s3://bucket/books`: the files returned are URLs);
    `scheduler`, a Dask scheduler's address or a `distributed.Client`, builds on its
    cluster (`pip install 'publish[dask]'`)."""
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    unknown = [fmt for fmt in formats if fmt not in KNOWN_FORMATS]
    if unknown:
        raise PublishError(f"unknown format {unknown[0]!r}: one of {', '.join(KNOWN_FORMATS)}")
    overrides = checked_settings(settings)
    folder = out if is_url(out) else Path(out)
    report = build_report(
        _paths(paths),
        folder,
        tuple(formats),
        overrides,
        jobs=jobs,
        force=force,
        scheduler=scheduler,
    )
    return _outcome(report)


def check(paths: PathLike | Iterable[PathLike]) -> list[SourceWarning]:
    """Read and validate sources (and their projects' settings and templates), writing
    nothing; returns the warnings, raises PublishError with every problem."""
    report = check_report(_paths(paths))
    raise_problems(report.errors)
    return list(report.warnings)


def read(path_or_text: PathLike, **settings: str) -> Manuscript:
    """A source ready to write: a Markdown file, a book (its book.yaml or folder), or
    Markdown text with its front matter (a `str` that is not a file's name; its images and
    links are found from the working folder)."""
    found: list[SourceWarning] = []
    path = _source_path(path_or_text)
    if path is None:
        target = _parse_text(str(path_or_text), found.append)
    else:
        if path.is_dir() and (path / "book.yaml").is_file():
            path = path / "book.yaml"
        target = read_target(path, found.append)
    _warn(found)
    return Manuscript(target, checked_settings(settings), found)


class Manuscript:
    """A document or a book as read, with its warnings; writes its EPUB and its PDF."""

    def __init__(
        self, target: m.Document | m.Book, overrides: dict[str, str], found: list[SourceWarning]
    ) -> None:
        self.target = target
        self.warnings = found
        self.project_root = find_project_root(Path(target.path))
        report = BuildReport()
        self.settings: Settings = target_settings(target, self.project_root, overrides, report)
        _warn(report.warnings)

    @property
    def title(self) -> str:
        return self.target.meta.title

    def write_epub(self, path: PathLike | None = None) -> Path | bytes:
        """Write the EPUB to `path` and return it; without a path, return its bytes."""
        return self._write("epub", path)

    def write_pdf(self, path: PathLike | None = None) -> Path | bytes:
        """Write the PDF to `path` and return it; without a path, return its bytes."""
        return self._write("pdf", path)

    def _write(self, fmt: str, path: PathLike | None) -> Path | bytes:
        if path is None:
            with tempfile.TemporaryDirectory(prefix="publish-") as folder:
                written = self._write(fmt, Path(folder) / f"book.{fmt}")
                assert isinstance(written, Path)
                return written.read_bytes()
        from publish.builder import writer  # the writers load WeasyPrint or ebooklib
        from publish.render import template_environment

        out = Path(path)
        found: list[SourceWarning] = []
        writer(fmt)(
            self.target,
            template_environment(self.project_root),
            out,
            project_root=self.project_root,
            settings=self.settings,
            warn=found.append,
        )
        self.warnings.extend(found)
        _warn(found)
        return out


def checked_settings(settings: dict[str, Any]) -> dict[str, str]:
    """Keyword settings checked like the command line's: SourceError for a wrong one."""
    checked = {}
    for name, value in settings.items():
        where = SourceLocation(f"keyword {name}")
        if name not in SETTING_KEYS:
            known = ", ".join(sorted(SETTING_KEYS))
            raise SourceError(f"unknown setting '{name}': one of {known}", where)
        checked[name] = check_setting(name, value, where)
    return checked


def _paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(paths, str | Path):
        return [Path(paths)]
    return [Path(path) for path in paths]


def _source_path(path_or_text: PathLike) -> Path | None:
    """The file or folder named, or None when `path_or_text` is Markdown text."""
    if isinstance(path_or_text, Path):
        return path_or_text
    one_line = "\n" not in path_or_text and len(path_or_text) < 4096
    if one_line and (Path(path_or_text).exists() or path_or_text.endswith((".md", ".yaml"))):
        return Path(path_or_text)
    return None


def _parse_text(text: str, warn: Callable[[SourceWarning], None]) -> m.Document:
    """Markdown text read as a source file in the working folder would be."""
    document = parse_document(text, TEXT_NAME, warn)
    problems = []
    for found in link_problems(document):
        if isinstance(found, SourceWarning):
            warn(found)
        else:
            problems.append(found)
    raise_problems(problems)
    check_resources(document, find_project_root(Path(TEXT_NAME)))
    return document


def _outcome(report: BuildReport) -> list[Path | str]:
    """The report's outputs; its warnings as Python warnings; its errors raised, all at once."""
    _warn(report.warnings)
    raise_problems(report.errors)
    return report.outputs


def _warn(found: Iterable[SourceWarning]) -> None:
    for warning in found:
        warnings.warn(str(warning), PublishWarning, stacklevel=3)
