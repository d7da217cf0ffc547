"""One exception family: every problem the user can fix names the file and line it comes from."""

from __future__ import annotations

from collections.abc import Sequence
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
    """Several problems found in one reading; `errors` in the order of the source."""

    def __init__(self, errors: Sequence[PublishError]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0]
        super().__init__(first.message, first.location)

    def __reduce__(self):
        return type(self), (self.errors,)


class ResourceError(PublishError):
    """A file the document refers to (image, style, template) is missing or not allowed."""


class OutputError(PublishError):
    """An output could not be written."""


@dataclass(frozen=True, slots=True)
class SourceWarning:
    """Something suspicious that does not stop the build (an unknown front matter key, say)."""

    message: str
    location: SourceLocation

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.message}"
