"""The incremental build cache: which inputs made each output, by content hash.

It lives in the output folder (`.publish-cache.json`). A damaged or foreign cache is
discarded, never trusted: the worst it can cost is a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import publish
from publish import model as m
from publish.resources import source_files, style_dirs
from publish.writers import TEMPORARY_MARK, TEMPORARY_SUFFIX

if TYPE_CHECKING:
    from publish.settings import Settings

CACHE_FILE = ".publish-cache.json"
_SCHEMA = 2  # 2: each entry also keeps the output's page count
_PACKAGE_DIR = Path(publish.__file__).resolve().parent


@dataclass(frozen=True)
class Entry:
    """What one output was built from (the digest of its inputs), and its page count."""

    digest: str
    pages: int | None = None

    @classmethod
    def parse(cls, data: object) -> Entry:
        """An entry as saved; ValueError if it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("digest"), str):
            raise ValueError("not a cache entry")
        pages = data.get("pages")
        if pages is not None and (not isinstance(pages, int) or isinstance(pages, bool)):
            raise ValueError("not a page count")
        return cls(data["digest"], pages)


class BuildCache:
    """Output path → the inputs it was last built from, and what it holds.

    An output that is up to date is reported from here: its pages are not counted again.
    """

    def __init__(self, path: Path, entries: dict[str, Entry]) -> None:
        self.path = path
        self.entries = entries
        self.changed = False

    @classmethod
    def load(cls, out_dir: Path) -> BuildCache:
        path = out_dir / CACHE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            saved = data["entries"] if data.get("schema") == _SCHEMA else {}
            entries = {name: Entry.parse(entry) for name, entry in saved.items()}
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            entries = {}
        return cls(path, entries)

    def is_fresh(self, output: Path, digest: str) -> bool:
        entry = self.entries.get(output.name)
        return entry is not None and entry.digest == digest and output.is_file()

    def pages(self, output: Path) -> int | None:
        entry = self.entries.get(output.name)
        return entry.pages if entry is not None else None

    def remember(self, output: Path, digest: str, pages: int | None = None) -> None:
        self.entries[output.name] = Entry(digest, pages)
        self.changed = True

    def forget(self, output: Path) -> None:
        self.changed |= self.entries.pop(output.name, None) is not None

    def save(self) -> None:
        if not self.changed or not self.path.parent.is_dir():
            return
        entries = {name: asdict(entry) for name, entry in self.entries.items()}
        tmp = self.path.with_name(f"{CACHE_FILE}{TEMPORARY_MARK}{os.getpid()}{TEMPORARY_SUFFIX}")
        try:
            tmp.write_text(json.dumps({"schema": _SCHEMA, "entries": entries}, sort_keys=True))
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)


def project_digest(root: Path) -> str:
    """What every output of a project depends on: publish itself, its templates, the styles.

    The same for all the project's outputs: a build hashes it once, not once per output.
    """
    digest = hashlib.sha256()
    for part in (publish.__version__, _folder_digest(_PACKAGE_DIR / "templates")):
        digest.update(part.encode() + b"\0")
    for folder in (*style_dirs(root), root / "templates"):
        boundary = root if folder.is_relative_to(root.resolve()) else folder
        digest.update(_folder_digest(folder, boundary).encode())
    return digest.hexdigest()


def input_digest(target: m.Document | m.Book, fmt: str, settings: Settings, project: str) -> str:
    """Everything an output depends on: its project's digest (`project_digest`), the format,
    the settings, and the sources and images."""
    digest = hashlib.sha256()
    for part in (project, fmt, repr(settings)):
        digest.update(part.encode() + b"\0")
    for path in source_files(target):
        digest.update(_file_digest(path).encode())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{_content_digest(path, stat.st_mtime_ns, stat.st_size)}"


@cache
def _content_digest(path: Path, _mtime_ns: int, _size: int) -> str:
    """A file's hash, remembered while its time and size stay (a watch process lives long)."""
    with path.open("rb") as file:  # in pieces: a font or an image need not fit in memory
        return hashlib.file_digest(file, "sha256").hexdigest()


def _folder_digest(folder: Path, boundary: Path | None = None) -> str:
    """All files under a folder (styles, fonts, templates)."""
    if not folder.is_dir():
        return ""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return hashlib.sha256(
        "".join(_inside_digest(p, boundary or folder) for p in files).encode()
    ).hexdigest()


def _inside_digest(path: Path, folder: Path) -> str:
    """A file's digest if it stays inside `folder` (the project; symlinks followed): a link
    to a file elsewhere is not read here (it is refused when a build uses it), only named."""
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (RuntimeError, OSError):  # a symlink loop
        inside = False
    return _file_digest(path) if inside else f"{path}:elsewhere"
