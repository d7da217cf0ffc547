"""`publish new NAME`: a project that builds at once.

The project is the package's `new_project/` folder, copied: a commented `publish.toml`, a
book of two chapters with notes in `source/NAME/`, and commented style sheets whose custom
properties are the design's usual knobs. Only the book's header is filled in.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
from pathlib import Path

from publish.errors import OutputError, SourceLocation

PROJECT = Path(__file__).with_name("new_project")
BOOK = "BOOK"  # the book's folder in PROJECT, named after the project when copied


def new_project(folder: str | Path, *, title: str | None = None, lang: str = "en") -> Path:
    """Write a new project into `folder` (which must not exist, or be empty); return it."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputError("already exists and is not an empty folder", SourceLocation(str(folder)))
    name = slug(folder.resolve().name)
    shutil.copytree(PROJECT, folder, dirs_exist_ok=True)
    (folder / "gitignore").rename(folder / ".gitignore")
    book = (folder / "source" / BOOK).rename(folder / "source" / name)
    header = book / "book.yaml"
    values = {
        "TITLE": json.dumps(title or _title(name), ensure_ascii=False),
        "YEAR": str(datetime.date.today().year),
        "LANG": lang,
    }
    text = header.read_text(encoding="utf-8")
    header.write_text(re.sub("|".join(values), lambda m: values[m[0]], text), encoding="utf-8")
    return folder


def slug(name: str) -> str:
    """A file name for the book's folder and outputs: lower case, words joined by hyphens."""
    words = re.findall(r"\w+", name.lower())
    return "-".join(words) or "book"


def _title(name: str) -> str:
    return name.replace("-", " ").capitalize()
