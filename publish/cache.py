"""The incremental build cache: which inputs made each output, by content hash.

It lives in the output folder (`.publish-cache.json`). A damaged or foreign cache is
discarded, never trusted: the worst it can cost is a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from publish import model as m
from publish.digests import file_digest
from publish.resources import source_files
from publish.writers import TEMPORARY_MARK, TEMPORARY_SUFFIX

if TYPE_CHECKING:
    from publish.settings import Settings

CACHE_FILE = ".publish-cache.json"
_SCHEMA = 2  # 2: each entry also keeps the output's page count


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
        # The outputs there by name, with their sizes, when the folder is elsewhere (a
        # URL): looked at once, not file by file. None: the folder is here, look at it.
        self.found: dict[str, int] | None = None

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
        there = output.is_file() if self.found is None else output.name in self.found
        return entry is not None and entry.digest == digest and there

    def size(self, output: Path) -> int | None:
        """An output's size as listed, for a folder elsewhere; None: look at the file."""
        return None if self.found is None else self.found.get(output.name)

    def pages(self, output: Path) -> int | None:
        entry = self.entries.get(output.name)
        return entry.pages if entry is not None else None

    def remember(self, output: Path, digest: str, pages: int | None = None) -> None:
        self.entries[output.name] = Entry(digest, pages)
        self.changed = True

    def forget(self, output: Path) -> None:
        self.changed |= self.entries.pop(output.name, None) is not None

    def save(self) -> bool:
        """Write the cache if it changed; whether it was written."""
        if not self.changed or not self.path.parent.is_dir():
            return False
        entries = {name: asdict(entry) for name, entry in self.entries.items()}
        tmp = self.path.with_name(f"{CACHE_FILE}{TEMPORARY_MARK}{os.getpid()}{TEMPORARY_SUFFIX}")
        try:
            tmp.write_text(json.dumps({"schema": _SCHEMA, "entries": entries}, sort_keys=True))
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        return True


def input_digest(target: m.Document | m.Book, fmt: str, settings: Settings, project: str) -> str:
    """Everything an output depends on: its project's digest (`project_digest`), the format,
    the settings, and the sources and images."""
    digest = hashlib.sha256()
    for part in (project, fmt, repr(settings)):
        digest.update(part.encode() + b"\0")
    for path in source_files(target):
        digest.update(file_digest(path).encode())
    return digest.hexdigest()
