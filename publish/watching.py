"""Watching a project's files: what `publish watch` and `publish serve` rebuild on.

The notices come from the file system (watchfiles), for the paths that exist. A folder
that is deleted and made again is a new folder that nobody asked notices for, so each
path's identity is also looked at every WATCH_CHECK_MS: when one changes (it is deleted,
made again, or made for the first time), the watch starts over on the paths as they
are, and says once that it may have missed something, once the new watch is listening.
A folder deleted and made again at once can get its old inode back, so the notice of a
watched path's own deletion starts over too.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

# How often the watched paths themselves are looked at (deleted, made again, made).
WATCH_CHECK_MS = 500


def not_a_backup(path: Path) -> bool:
    """Not an editor's backup (`x.md~`) nor its lock (`.#x.md`)."""
    return not path.name.endswith("~") and not path.name.startswith(".#")


def watch_changes(
    paths: Sequence[Path],
    *,
    debounce_ms: int = WATCH_CHECK_MS,
    wanted: Callable[[Path], bool] = not_a_backup,
    stop: threading.Event | None = None,
) -> Iterator[frozenset[Path] | None]:
    """Yield None once the watch listens, then the files changed by each change, and None
    again whenever something may have been missed (a watched folder made again), until
    `stop` is set (without it: forever, or until Ctrl-C)."""
    from watchfiles import Change, watch  # only a watching command needs it

    missed = True  # the first thing told is that the watch listens
    while stop is None or not stop.is_set():
        armed = identities(paths)
        present = [path for path, identity in zip(paths, armed, strict=True) if identity]
        if not present:  # nothing to ask notices for: look again after a while
            if missed:
                missed = False
                yield None
            _pause(stop)
            missed = missed or identities(paths) != armed
            continue
        notices = watch(
            *present,
            watch_filter=lambda _change, name: wanted(Path(name)),
            debounce=debounce_ms,
            step=min(50, debounce_ms),
            rust_timeout=WATCH_CHECK_MS,
            yield_on_timeout=True,  # to look at the paths themselves now and then
            stop_event=stop,
            raise_interrupt=stop is None,
        )
        roots = spellings(present)
        try:
            with contextlib.closing(notices):  # a watch given up stops listening
                for changes in notices:  # the first round comes once the watch listens
                    if missed:
                        missed = False
                        yield None
                    elif changes:
                        yield frozenset(Path(name) for _change, name in changes)
                    # A folder made again may get the old one's inode: its deletion tells it.
                    gone = any(c != Change.modified and name in roots for c, name in changes)
                    if gone or identities(paths) != armed:
                        missed = True  # told after the new watch listens
                        break
        except FileNotFoundError:  # a folder deleted just before its watch began
            missed = True
            _pause(stop)


def _pause(stop: threading.Event | None) -> None:
    if stop is None:
        time.sleep(WATCH_CHECK_MS / 1000)
    else:
        stop.wait(WATCH_CHECK_MS / 1000)


def spellings(paths: Sequence[Path]) -> set[str]:
    """The absolute names a notice about one of `paths` itself may carry."""
    names = set()
    for path in paths:
        names.add(str(path.absolute()))
        with contextlib.suppress(OSError, RuntimeError, ValueError):
            names.add(str(path.resolve()))
    return names


def identities(paths: Sequence[Path]) -> list[tuple[int, int] | None]:
    """Each path's device and inode (None: it does not exist), to tell a folder deleted and
    made again from the one that was watched."""
    found: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            status = path.stat()
        except (OSError, ValueError):
            found.append(None)
        else:
            found.append((status.st_dev, status.st_ino))
    return found
