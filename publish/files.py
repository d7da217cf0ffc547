"""Reading a file of the project: a regular file inside the project, never too large.

A project is untrusted input: any of its files may be a symlink to a file elsewhere (a key,
a password file), a symlink to a device that never ends (`/dev/zero`), a FIFO that blocks
whoever opens it, or a symlink loop. Every file publish reads from a project goes through
`project_path` (where it really is) and `read_file` (what it holds): outside paths, special
files and oversized files are refused with an error naming the file, before a byte is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from publish.errors import PublishError, ResourceError, SourceLocation

MiB = 2**20
# Style sheets, templates and the like are a few kilobytes; fonts a few megabytes.
MAX_TEXT_BYTES = 4 * MiB
MAX_BINARY_BYTES = 64 * MiB


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder where possible, and
    a symlink not followed (the error is about the link the project holds)."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def resolved(path: Path, where: SourceLocation, error: type[PublishError] = ResourceError) -> Path:
    """`path` with every symlink followed; a symlink loop is an error, not a traceback."""
    try:
        return path.resolve()
    except (RuntimeError, OSError) as exc:  # Python 3.11 raises RuntimeError for a loop
        raise error(
            f"cannot follow the symbolic links of '{shown(path)}' ({_why(exc)})", where
        ) from None


def project_path(
    path: Path,
    root: Path,
    where: SourceLocation,
    kind: str = "file",
    error: type[PublishError] = ResourceError,
) -> Path:
    """Where `path` really is (symlinks followed), if that is inside the project `root`."""
    real = resolved(path, where, error)
    boundary = resolved(root, where, error)
    if not real.is_relative_to(boundary):
        raise error(f"{kind} '{shown(path)}' leads outside the project folder {boundary}", where)
    return real


def check_regular(
    path: Path,
    where: SourceLocation,
    limit: int,
    kind: str = "file",
    error: type[PublishError] = ResourceError,
) -> int:
    """The size of `path`, if it is a regular file of at most `limit` bytes."""
    try:
        info = path.stat()
    except OSError as exc:
        raise error(f"cannot read {kind} '{shown(path)}' ({_why(exc)})", where) from None
    _check_stat(info, path, where, limit, kind, error)
    return info.st_size


def read_file(
    path: Path,
    where: SourceLocation,
    limit: int,
    kind: str = "file",
    error: type[PublishError] = ResourceError,
) -> bytes:
    """The bytes of `path`, a regular file of at most `limit` bytes.

    Opened without blocking (a FIFO would wait for a writer) and checked on the open file,
    so a file swapped after a check is still checked.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise error(f"cannot read {kind} '{shown(path)}' ({_why(exc)})", where) from None
    with os.fdopen(fd, "rb") as file:
        _check_stat(os.fstat(fd), path, where, limit, kind, error)
        data = file.read(limit + 1)
    if len(data) > limit:  # the file grew while it was read
        raise error(_too_large(kind, path, len(data), limit), where)
    return data


def _check_stat(
    info: os.stat_result,
    path: Path,
    where: SourceLocation,
    limit: int,
    kind: str,
    error: type[PublishError],
) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise error(
            f"{kind} '{shown(path)}' is not a regular file ({_file_type(info.st_mode)})", where
        )
    if info.st_size > limit:
        raise error(_too_large(kind, path, info.st_size, limit), where)


def _too_large(kind: str, path: Path, size: int, limit: int) -> str:
    return f"{kind} '{shown(path)}' is {size / MiB:.1f} MB; at most {limit / MiB:g} MB is read"


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _why(exc: OSError | RuntimeError) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)


# lxml's parser for XML from an untrusted file (an EPUB's OPF, a Word document's parts): no
# DTD, no entities (so no billion laughs and no XXE), no network, no huge trees.
SAFE_XML = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
