"""Digests of what outputs are made of: a file's content, a folder's, a project's styles
and templates. The build cache and the PDF's part cache both key on them."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import publish
from publish.resources import style_dirs

_PACKAGE_DIR = Path(publish.__file__).resolve().parent


def project_digest(root: Path) -> str:
    """What every output of a project depends on: publish itself, its templates, the styles.

    The same for all the project's outputs: a build hashes it once, not once per output.
    """
    digest = hashlib.sha256()
    for part in (publish.__version__, folder_digest(_PACKAGE_DIR / "templates")):
        digest.update(part.encode() + b"\0")
    for folder in (*style_dirs(root), root / "templates"):
        boundary = root if folder.is_relative_to(root.resolve()) else folder
        digest.update(folder_digest(folder, boundary).encode())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
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


def folder_digest(folder: Path, boundary: Path | None = None) -> str:
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
    return file_digest(path) if inside else f"{path}:elsewhere"
