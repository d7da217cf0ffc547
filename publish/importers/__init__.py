"""Import: the files an archive already has (a PDF, text extracted from a PDF, a Word file,
a web page) made a publish source (`publish import`).

Each format has its module here with `import_file(path) -> Draft` (publish.importers.draft);
this package names which module reads which file, and loads only that one. Importers come
before the reader in the data flow: they write the text the reader reads, and import
nothing from the later stages.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from publish.errors import SourceError, SourceLocation
from publish.importers.draft import Draft

IMPORTERS = {".txt": "text", ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}


def read_draft(path: Path) -> Draft:
    """The draft of the file at `path`, by the importer its suffix names."""
    name = IMPORTERS.get(path.suffix.lower())
    if name is None:
        known = ", ".join(sorted(IMPORTERS))
        raise SourceError(
            f"cannot import a '{path.suffix}' file: publish imports {known}",
            SourceLocation(str(path)),
        )
    return _importer(name, path).import_file(path)


def _importer(name: str, path: Path) -> ModuleType:
    """The module `name` of this package; one this copy of publish lacks is the user's error."""
    module = f"{__name__}.{name}"
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise SourceError(
            f"cannot import a '{path.suffix}' file: this copy of publish has no {name} importer",
            SourceLocation(str(path)),
        ) from None
