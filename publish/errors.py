"""One exception family: every problem the user can fix names the file and line it comes from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A place in a source file; `line` counts from 1 (0 when the whole file is meant)."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class PublishError(Exception):
    """A problem in the user's input or environment, reported as `path:line: message`."""

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

    def __reduce__(self) -> tuple[type[PublishError], tuple[str, SourceLocation | None]]:
        # Errors travel back from build workers; the default pickling would drop `location`.
        return type(self), (self.message, self.location)


class SourceError(PublishError):
    """The Markdown, front matter or book.yaml cannot be read as a valid document."""


class SourceErrors(SourceError):
    """Every problem found in one reading of a source (or a book), each with its own place:
    the reader goes on after a problem, so that a broken manuscript costs one run."""

    def __init__(self, errors: Iterable[PublishError]) -> None:
        self.errors = tuple(error for found in errors for error in problems(found))
        super().__init__("\n".join(map(str, self.errors)))

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[SourceErrors], tuple[tuple[PublishError, ...]]]:  # type: ignore[override]
        return type(self), (self.errors,)


def problems(exc: PublishError) -> list[PublishError]:
    """The single problems an exception stands for (several, for `SourceErrors`)."""
    if isinstance(exc, SourceErrors):
        return list(exc.errors)
    return [exc]


def raise_problems(errors: Iterable[PublishError]) -> None:
    """Raise what was collected: nothing, the one problem, or all of them together."""
    found = [error for collected in errors for error in problems(collected)]
    if len(found) == 1:
        raise found[0]
    if found:
        raise SourceErrors(found)


class ResourceError(PublishError):
    """A file the document refers to (image, style, template) is missing or not allowed."""


class OutputError(PublishError):
    """An output could not be written."""


class UnexpectedFailure(PublishError):
    """A source could not be read, or an output written, for a reason publish did not foresee
    (a project template, WeasyPrint, Pillow, a bug). `trace` is the traceback, as text, for
    `--debug`: it crosses from worker processes, where the exception object itself cannot."""

    def __init__(
        self, message: str, location: SourceLocation | None = None, trace: str = ""
    ) -> None:
        super().__init__(message, location)
        self.trace = trace

    def __reduce__(self) -> tuple[type[UnexpectedFailure], tuple[str, SourceLocation | None, str]]:  # type: ignore[override]
        return type(self), (self.message, self.location, self.trace)


@dataclass(frozen=True, slots=True)
class SourceWarning:
    """Something suspicious that does not stop the build (an unknown front matter key, say)."""

    message: str
    location: SourceLocation

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.message}"
