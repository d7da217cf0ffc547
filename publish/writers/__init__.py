"""Writers: rendered markup → files. Shared here: atomic output and reproducible dates."""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from publish import model as m
from publish.errors import OutputError, SourceLocation
from publish.resources import project_files, source_files

# A temporary output is `.NAME.publish-XXXXXXXX.tmp`: a name of publish's own, so that
# cleaning up after a killed build removes only what a build made, never a user's `.x.tmp`.
TEMPORARY_MARK = ".publish-"
TEMPORARY_SUFFIX = ".tmp"
TEMPORARY_GLOB = f".*{TEMPORARY_MARK}*{TEMPORARY_SUFFIX}"


# WeasyPrint holds a PDF's whole layout in memory: about 170 MB for each MB of text, and
# 50 KB for each box (a paragraph, heading, list item or table cell), as measured: 2.9 MB
# of prose in 3,000 paragraphs took 654 MB at its peak, 10,000 headings 536 MB, 4,000 table
# rows of 3 cells 430 MB. A PDF whose layout would take more than this is not begun.
LAYOUT_MB_PER_TEXT_MB = 170
LAYOUT_MB_PER_BOX = 0.05
MAX_LAYOUT_MB = 850  # with Python and the libraries: about 1 GiB


def temporary_prefix(path: Path) -> str:
    """The start of the name of a temporary file that will become `path`: its name cut to
    200 bytes, since a name near the file system's limit (255) leaves no room for the marks."""
    name = path.name.encode()[:200].decode(errors="ignore")
    return f".{name}{TEMPORARY_MARK}"


def is_temporary(path: Path) -> bool:
    """Whether `path` is named as this tool names its temporary files (`TEMPORARY_GLOB`)."""
    name = path.name
    return (
        name.startswith(".")
        and name.endswith(TEMPORARY_SUFFIX)
        and TEMPORARY_MARK in name[1 : -len(TEMPORARY_SUFFIX)]
    )


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path` in one rename.

    On any failure the temporary file is removed and the previous output stays untouched.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=temporary_prefix(path), suffix=TEMPORARY_SUFFIX, dir=path.parent
        )
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}", SourceLocation(str(path))) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def build_timestamp(
    target: m.Document | m.Book, project_root: Path | None = None
) -> datetime.datetime:
    """The moment a build claims (`dcterms:modified`, the PDF's dates): SOURCE_DATE_EPOCH if
    set, else the newest modification time among the book's inputs (`input_files`).

    Never the clock, so that building the same files twice gives the same bytes; never the
    text's own date, which every revision of a book would share.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        try:
            return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
        except (OverflowError, OSError, ValueError):
            message = (
                f"{epoch[:30]}{'…' if len(epoch) > 30 else ''} seconds is after the year 9999: "
                "set it to an earlier time, or unset it"
            )
            raise OutputError(message, SourceLocation("SOURCE_DATE_EPOCH")) from None
    newest = max((_mtime(path) for path in input_files(target, project_root)), default=0)
    return datetime.datetime.fromtimestamp(int(newest), tz=datetime.UTC)


def input_files(target: m.Document | m.Book, project_root: Path | None) -> list[Path]:
    """The files a book is made of: its sources and images, and the project's settings,
    styles and templates."""
    return [*source_files(target), *project_files(project_root)]


def _mtime(path: Path) -> float:
    # The link's own time, not its target's: a link leading out of the project is not read.
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0
