"""The incremental build cache: which inputs made each output, by content hash.

It lives in the output folder (`.publish-cache.json`). A damaged or foreign cache is
discarded, never trusted: the worst it can cost is a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import publish
from publish import model as m
from publish.resources import style_dirs

if TYPE_CHECKING:
    from publish.settings import Settings

CACHE_FILE = ".publish-cache.json"
_SCHEMA = 1
_PACKAGE_DIR = Path(publish.__file__).resolve().parent


class BuildCache:
    """Output path → digest of the inputs it was last built from."""

    def __init__(self, path: Path, entries: dict[str, str]) -> None:
        self.path = path
        self.entries = entries
        self.changed = False

    @classmethod
    def load(cls, out_dir: Path) -> BuildCache:
        path = out_dir / CACHE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["entries"] if data.get("schema") == _SCHEMA else {}
            valid = isinstance(entries, dict) and all(isinstance(v, str) for v in entries.values())
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            entries, valid = {}, False
        return cls(path, entries if valid else {})

    def is_fresh(self, output: Path, digest: str) -> bool:
        return output.is_file() and self.entries.get(output.name) == digest

    def remember(self, output: Path, digest: str) -> None:
        self.entries[output.name] = digest
        self.changed = True

    def forget(self, output: Path) -> None:
        self.changed |= self.entries.pop(output.name, None) is not None

    def save(self) -> None:
        if not self.changed or not self.path.parent.is_dir():
            return
        tmp = self.path.with_name(f"{CACHE_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"schema": _SCHEMA, "entries": self.entries}, sort_keys=True))
        os.replace(tmp, self.path)


def input_digest(target: m.Document | m.Book, fmt: str, settings: Settings, root: Path) -> str:
    """Everything an output depends on: sources, images, styles, templates, settings, version."""
    digest = hashlib.sha256()
    for part in (
        publish.__version__,
        fmt,
        repr(settings),
        _folder_digest(_PACKAGE_DIR / "templates"),
    ):
        digest.update(part.encode() + b"\0")
    for folder in (*style_dirs(root), root / "templates"):
        digest.update(_folder_digest(folder).encode())
    for path in _source_files(target):
        digest.update(_file_digest(path).encode())
    return digest.hexdigest()


def _source_files(target: m.Document | m.Book) -> list[Path]:
    """The target's own file (a book.yaml or the document), its cover, each document and its
    images."""
    files = [Path(target.path)]
    if target.meta.cover_image:
        files.append(Path(target.path).parent / target.meta.cover_image)
    for doc in target.documents:
        folder = Path(doc.path).parent
        files.append(Path(doc.path))
        files += [folder / image.src for image in m.iter_images(doc) if "://" not in image.src]
    return list(dict.fromkeys(files))


def _file_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{_content_digest(path, stat.st_mtime_ns, stat.st_size)}"


@cache
def _content_digest(path: Path, _mtime_ns: int, _size: int) -> str:
    """A file's hash, remembered while its time and size stay (a watch process lives long)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _folder_digest(folder: Path) -> str:
    """All files under a folder (styles, fonts, templates)."""
    if not folder.is_dir():
        return ""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return hashlib.sha256("".join(_file_digest(p) for p in files).encode()).hexdigest()
