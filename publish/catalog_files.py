"""`publish catalog`: the OPDS catalog of an output folder (publish/opds.py makes its feeds)
written to FOLDER/opds/, in one swap: a failure leaves the previous catalog as it was."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from publish.errors import OutputError, PublishError, SourceLocation
from publish.library import LibraryBook, read_library, scaled_cover
from publish.opds import START, Catalog, cover_path, has_thumbnail, thumbnail_path


@dataclass
class WrittenCatalog:
    """What `write_catalog` wrote."""

    folder: Path  # FOLDER/opds
    books: int = 0
    feeds: int = 0
    images: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def start(self) -> Path:
        return self.folder / START


def write_catalog(out_dir: Path, title: str = "Library", jobs: int = 1) -> WrittenCatalog:
    """Write the static catalog of the books in OUT_DIR into OUT_DIR/opds/ (without search:
    no server answers it). It is made in a temporary folder beside it and swapped in whole,
    so that a failure leaves the previous catalog as it was. The covers and thumbnails of the
    previous catalog are kept for the books whose cover did not change; the new thumbnails
    are made by JOBS processes."""
    if not out_dir.is_dir():
        raise PublishError("no such folder: build the books first", SourceLocation(str(out_dir)))
    written = WrittenCatalog(out_dir / CATALOG_FOLDER)
    books = read_library(out_dir, warn=written.warnings.append)
    catalog = Catalog(books, search=False, files="../", title=title)
    kept = _kept_images(written.folder, books)
    thumbnails = _thumbnails([b for b in books if thumbnail_path(b) not in kept], jobs)
    _remove_left_behind(out_dir)
    made = Path(_attempt(out_dir, lambda: tempfile.mkdtemp(prefix=_TEMPORARY, dir=out_dir)))
    try:
        for path in catalog.paths():
            if path in kept:
                _keep(kept[path], made / path)
            else:
                _write(made / path, thumbnails.get(path) or catalog.made(path).body)
            written.feeds += path.endswith(".xml")
            written.images += not path.endswith(".xml")
        _swap(made, written.folder)
    finally:
        shutil.rmtree(made, ignore_errors=True)
    written.books = len(books)
    return written


CATALOG_FOLDER = "opds"
_TEMPORARY = ".opds.publish-"
_LEFT_BEHIND_AFTER = 3600  # seconds: older, no catalog is still being written into it


def _remove_left_behind(out_dir: Path) -> None:
    """The temporary folders of a catalog that was killed before its swap."""
    now = time.time()
    for path in out_dir.glob(_TEMPORARY + "*"):
        with contextlib.suppress(OSError):
            if path.is_dir() and now - path.stat().st_mtime > _LEFT_BEHIND_AFTER:
                shutil.rmtree(path)


def _kept_images(old_catalog: Path, books: Sequence[LibraryBook]) -> dict[str, Path]:
    """The previous catalog's covers and thumbnails that stay true, by path: those of the
    books whose cover that catalog had too. Compared by content, since a rebuilt book is a
    new file whether it changed or not."""
    kept = {}
    for book in books:
        if _same_cover(old_catalog / cover_path(book), book.cover):
            for path in (cover_path(book), thumbnail_path(book)):
                if (old_catalog / path).is_file():
                    kept[path] = old_catalog / path
    return kept


def _same_cover(old: Path, cover: bytes | None) -> bool:
    try:
        return cover is not None and old.stat().st_size == len(cover) and old.read_bytes() == cover
    except OSError:
        return False


def _keep(old: Path, new: Path) -> None:
    """The previous catalog's image in the new one: a hard link where the disk allows it."""
    _attempt(new, lambda: new.parent.mkdir(parents=True, exist_ok=True))
    try:
        os.link(old, new)
    except OSError:
        _write(new, _attempt(old, old.read_bytes))


def _thumbnails(books: Sequence[LibraryBook], jobs: int) -> dict[str, bytes]:
    """The thumbnails of BOOKS by path, made in parallel: scaling covers is most of the time
    a first catalog of a large archive takes."""
    scaled = [book for book in books if has_thumbnail(book)]
    covers = [book.cover or b"" for book in scaled]
    if jobs <= 1 or len(covers) < 8:
        made = [scaled_cover(cover) for cover in covers]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            made = list(pool.map(scaled_cover, covers, chunksize=8))
    return {thumbnail_path(book): small for book, small in zip(scaled, made, strict=True) if small}


def _write(path: Path, body: bytes) -> None:
    _attempt(path, lambda: path.parent.mkdir(parents=True, exist_ok=True))
    _attempt(path, lambda: path.write_bytes(body))


def _swap(made: Path, target: Path) -> None:
    """Put the folder MADE in TARGET's place: the old catalog is moved aside first and put
    back if the new one cannot take its place."""
    aside = made.with_name(made.name + ".old")
    had_one = target.exists()
    if had_one:
        _attempt(target, lambda: target.rename(aside))
    try:
        _attempt(target, lambda: made.rename(target))
    except PublishError:
        if had_one:
            aside.rename(target)
        raise
    if had_one:
        shutil.rmtree(aside, ignore_errors=True)


def _attempt(path: Path, action: Callable[[], object]) -> object:
    try:
        return action()
    except OSError as exc:
        where = exc.filename or path
        raise OutputError(
            f"cannot write the catalog: {exc.strerror or exc}", SourceLocation(str(where))
        ) from exc
