"""publish: one Markdown source, two books (EPUB 3 and print PDF).

    import publish

    written = publish.build(["source/"], out="build", formats=("epub", "pdf"), trim="6x9in")
    letter = publish.read("source/letter.md")
    letter.write_pdf("letter.pdf")  # or .write_pdf() for the PDF's bytes

Importing publish is light and changes nothing in other libraries: the API (`publish.api`)
and what it loads (the reader, WeasyPrint, ebooklib) are imported on first use.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from publish.errors import PublishError

try:
    __version__ = version("publish")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from publish.api import Manuscript, PublishWarning, build, check, read
    from publish.settings import Settings

# Each name of the API, and the module that holds it: imported when first asked for.
_LAZY = {
    "build": "publish.api",
    "check": "publish.api",
    "read": "publish.api",
    "Manuscript": "publish.api",
    "PublishWarning": "publish.api",
    "Settings": "publish.settings",
}

__all__ = [
    "Manuscript",
    "PublishError",
    "PublishWarning",
    "Settings",
    "__version__",
    "build",
    "check",
    "read",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # asked once
        return value
    raise AttributeError(f"module 'publish' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
