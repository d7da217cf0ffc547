"""The parts of a book's PDF kept from one build to the next (`pdf_parts`), beside the PDF
in `.publish-parts/<pdf name>/`: each part's pagination by what it was laid out from (its
HTML, the styles and fonts, its images, its guesses), and each part's PDF by that and the
numbers it was written with (its folios, the book's page count, the running heads it
starts with).

After an edit, only the parts whose text changed are laid out again; the others are taken
from here, and joined again. A part whose pages are numbered differently (a document before
it grew by a page) is laid out and written again, in parallel with the others. Like the
build cache, a damaged entry is never trusted: the worst it costs is a layout.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from publish.errors import SourceLocation, SourceWarning
from publish.writers import TEMPORARY_MARK, TEMPORARY_SUFFIX
from publish.writers.pdf_merge import Bookmark

PARTS_FOLDER = ".publish-parts"
SCHEMA = 1


def digest(*parts: object) -> str:
    """A key from `parts` (strings, or anything JSON can write)."""
    hashed = hashlib.sha256()
    for part in parts:
        text = part if isinstance(part, str) else json.dumps(part, sort_keys=True)
        hashed.update(text.encode() + b"\0")
    return hashed.hexdigest()[:32]


class PartCache:
    """A folder of part layouts (`<key>.json`) and part PDFs (`<key>.pdf` and its
    `<key>.json`), and the guesses of the last build (`guesses.json`). What the last build
    did not end with is removed (`prune`): the folder holds one book's parts, not its history."""

    def __init__(self, folder: Path | None, reading: bool = True) -> None:
        self.folder = folder
        self.reading = reading  # False: nothing is taken from it (`--force`), all is kept anew

    @classmethod
    def beside(cls, output: Path | None, reading: bool = True) -> PartCache:
        if output is None:
            return cls(None)
        return cls(output.parent / PARTS_FOLDER / output.name, reading)

    def _read(self, name: str) -> Any:
        if self.folder is None or not self.reading:
            return None
        try:
            data = json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return (
            data.get("value") if isinstance(data, dict) and data.get("schema") == SCHEMA else None
        )

    def _write(self, name: str, data: bytes) -> None:
        if self.folder is None:
            return
        path = self.folder / name
        tmp = path.with_name(f"{name}{TEMPORARY_MARK}{os.getpid()}{TEMPORARY_SUFFIX}")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:  # a full disk, a read-only folder: the next build lays it out again
            pass
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    def _write_json(self, name: str, value: Any) -> None:
        self._write(name, json.dumps({"schema": SCHEMA, "value": value}, sort_keys=True).encode())

    def guesses(self) -> dict[int, dict[str, Any]]:
        saved = self._read("guesses.json")
        if not isinstance(saved, dict):
            return {}
        return {int(index): guess for index, guess in saved.items() if str(index).isdigit()}

    def keep_guesses(self, guesses: dict[int, Any]) -> None:
        self._write_json("guesses.json", {str(index): asdict(g) for index, g in guesses.items()})

    def layout(self, key: str) -> dict[str, Any] | None:
        """A part's pagination figures (`PartLayout` as a dict), or None."""
        found = self._read(f"{key}.json")
        return found if isinstance(found, dict) else None

    def keep_layout(self, key: str, layout: dict[str, Any]) -> None:
        self._write_json(f"{key}.json", layout)

    def pdf(self, key: str) -> tuple[bytes, dict[str, Any]] | None:
        """A part's PDF and what the join needs from it, or None."""
        about = self._read(f"{key}.json")
        if self.folder is None or not isinstance(about, dict):
            return None
        try:
            data = (self.folder / f"{key}.pdf").read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != about.get("sha256"):
            return None
        return data, about

    def keep_pdf(self, key: str, data: bytes, about: dict[str, Any]) -> None:
        self._write(f"{key}.pdf", data)
        self._write_json(f"{key}.json", {**about, "sha256": hashlib.sha256(data).hexdigest()})

    def prune(self, layouts: Iterable[str], pdfs: Iterable[str]) -> None:
        """Remove every file but the guesses and these layouts and PDFs."""
        if self.folder is None or not self.folder.is_dir():
            return
        kept = {"guesses.json", *(f"{key}.json" for key in layouts)}
        kept |= {f"{key}.{suffix}" for key in pdfs for suffix in ("json", "pdf")}
        for path in self.folder.iterdir():
            if path.name not in kept:
                with contextlib.suppress(OSError):
                    path.unlink()


def bookmark_of(data: dict[str, Any]) -> Bookmark:
    return Bookmark(**data)


def warning_of(data: dict[str, Any]) -> SourceWarning:
    return SourceWarning(data["message"], SourceLocation(**data["location"]))
