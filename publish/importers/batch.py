"""`publish import`'s work, apart from printing: which files a path holds, where each one's
source goes, the draft written there in one rename, and the figures of its summary."""

from __future__ import annotations

import os
import re
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

from publish.errors import (
    OutputError,
    PublishError,
    SourceError,
    SourceLocation,
    UnexpectedFailure,
)
from publish.importers import IMPORTERS, read_draft
from publish.importers.draft import Draft

_MARKUP = re.compile(r"\[\^[^\]]+\]|\{pag=[^}]*\}")  # a call, a page of the original


@dataclass
class Imported:
    """One file imported (or not): its draft and where its source went, or the error."""

    path: Path
    target: Path | None = None
    draft: Draft | None = None
    error: PublishError | None = None
    written: bool = False

    @property
    def words(self) -> int:
        if self.draft is None:
            return 0
        text = " ".join(block.text for block in self.draft.blocks)
        return len(re.findall(r"\w+", _MARKUP.sub("", text)))

    @property
    def notes_matched(self) -> tuple[int, int]:
        """The notes placed at a call found in the text, surely, of all the notes."""
        if self.draft is None:
            return 0, 0
        sure = [g for g in self.draft.guesses if g.kind == "note" and not g.needs_look]
        return len(sure), len(self.draft.notes)

    @property
    def fields(self) -> list[str]:
        """The header fields found (not `lang`), each marked `?` when it needs a look."""
        if self.draft is None:
            return []
        unsure = {
            g.what.split(" =", 1)[0]
            for g in self.draft.guesses
            if g.kind == "field" and g.needs_look and " =" in g.what
        }
        return [
            f"{name}?" if name in unsure else name for name in self.draft.fields if name != "lang"
        ]

    @property
    def looks(self) -> int:
        return sum(g.needs_look for g in self.draft.guesses) if self.draft else 0


def files_to_import(path: Path) -> list[Path]:
    """The file `path`, or the files a folder holds (not in its subfolders) that publish
    imports, by name."""
    if not path.exists():
        raise SourceError("no such file or folder", SourceLocation(str(path)))
    if not path.is_dir():
        return [path]
    return sorted(
        child for child in path.iterdir() if child.is_file() and child.suffix.lower() in IMPORTERS
    )


def target_for(path: Path, out: Path | None, folder: bool, sources: Path) -> Path:
    """Where `path`'s source goes: `--out` itself for one file, NAME.md in `--out` for a
    folder's files, else NAME.md in the project's `source/`."""
    if out is not None and not folder:
        return out
    return (out if out is not None else sources) / f"{path.stem}.md"


def import_one(path: Path, target: Path, dry_run: bool, force: bool) -> Imported:
    """Import `path` into `target` (unless `dry_run`); an error is kept, not raised."""
    imported = Imported(path, target)
    try:
        if not dry_run and target.exists() and not force:
            raise OutputError(
                f"exists already: not overwritten (--force overwrites it; {path} not imported)",
                SourceLocation(str(target)),
            )
        imported.draft = read_draft(path)
        if not dry_run:
            write_source(imported.draft.markdown(), target)
            imported.written = True
    except PublishError as exc:
        imported.error = exc
    except Exception as exc:  # a file an importer did not foresee: the others go on
        trace = "".join(traceback.format_exception(exc))
        message = f"cannot import the file: {type(exc).__name__}: {exc}"
        imported.error = UnexpectedFailure(message, SourceLocation(str(path)), trace)
    return imported


def write_source(text: str, target: Path) -> None:
    """Write `text` to `target` in one rename: a failure leaves what was there."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name[:200]}.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise OutputError(
            f"cannot write here: {exc.strerror}", SourceLocation(str(target))
        ) from None
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", SourceLocation(str(target))) from None
    finally:
        temporary.unlink(missing_ok=True)
