"""An output folder elsewhere: `--out s3://bucket/books` (any fsspec URL).

A build into such a folder writes each output into a local staging folder first (or, on
a Dask cluster, the worker that built it writes it there itself), then sends it under a
temporary name and moves it into place: a reader of the folder never sees half a book.
The build cache lives there too (`.publish-cache.json`), so that a build from another
machine knows what is up to date.

fsspec comes with the dask extra (`pip install 'publish[dask]'`); the protocol's own
package (s3fs, gcsfs…) is the user's to install.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from publish.errors import OutputError, SourceLocation
from publish.writers import TEMPORARY_MARK, TEMPORARY_SUFFIX, is_temporary, temporary_prefix

# `s3://…`, `memory://…`, `file://…`: a scheme of two letters or more (not `C:\`).
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]+://")


def is_url(location: str | Path) -> bool:
    return isinstance(location, str) and _URL.match(location) is not None


class RemoteFolder:
    """The output folder at an fsspec URL, as the build uses it."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        try:
            import fsspec

            self.fs, self.root = fsspec.core.url_to_fs(self.url)
        except ImportError as exc:
            message = f"an output folder at a URL needs {exc.name or 'fsspec'}: pip install 'publish[dask]'"
            raise OutputError(message, self.where) from None
        except (ValueError, OSError) as exc:
            raise OutputError(f"cannot use this output folder: {exc}", self.where) from None

    @property
    def where(self) -> SourceLocation:
        return SourceLocation(self.url)

    def url_of(self, name: str) -> str:
        return f"{self.url}/{name}"

    def lock_path(self) -> Path:
        """A local folder to lock for this one: one build at a time into it, from here."""
        digest = hashlib.sha256(self.url.encode()).hexdigest()[:24]
        return Path(tempfile.gettempdir()) / f"publish-remote-{digest}"

    def listing(self) -> dict[str, int]:
        """The files of the folder, by name, with their sizes (one request)."""

        def files() -> dict[str, int]:
            if not self.fs.isdir(self.root):
                return {}
            entries = self.fs.ls(self.root, detail=True)
            return {
                entry["name"].rstrip("/").rsplit("/", 1)[-1]: int(entry.get("size") or 0)
                for entry in entries
                if entry.get("type") == "file"
            }

        return self._tried("look into", files)

    def exists(self, name: str) -> bool:
        return self._tried("look into", lambda: self.fs.isfile(self._path(name)))

    def size(self, name: str) -> int:
        return self._tried("look into", lambda: int(self.fs.size(self._path(name))))

    def read(self, name: str) -> bytes | None:
        if not self.exists(name):
            return None
        return self._tried("read from", lambda: self.fs.cat_file(self._path(name)))

    def write(self, name: str, content: bytes) -> None:
        """Write `name` whole or not at all: sent under a temporary name, then moved."""
        temporary = self._path(
            f"{temporary_prefix(Path(name))}{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
        )

        def send() -> None:
            self.fs.makedirs(self.root, exist_ok=True)
            try:
                self.fs.pipe_file(temporary, content)
                self.fs.mv(temporary, self._path(name))
            except BaseException:  # moved, there is nothing left to remove: one request less
                with contextlib.suppress(OSError, FileNotFoundError):
                    self.fs.rm_file(temporary)
                raise

        self._tried("write into", send)

    def remove_stale_temporaries(self) -> None:
        """Temporary files of a build that was stopped, named as publish names them."""
        with contextlib.suppress(OSError, FileNotFoundError, ValueError):
            for found in self.fs.ls(self.root, detail=False):
                name = found.rstrip("/").rsplit("/", 1)[-1]
                if TEMPORARY_MARK in name and is_temporary(Path(name)):
                    self.fs.rm_file(found)

    def _path(self, name: str) -> str:
        return f"{self.root.rstrip('/')}/{name}"

    def _tried(self, doing: str, action: Any) -> Any:
        try:
            return action()
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise OutputError(f"cannot {doing} the output folder: {reason}", self.where) from None
