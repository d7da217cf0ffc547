"""Where styles and fonts come from: the project's own `styles/` first, then the package's."""

from __future__ import annotations

from pathlib import Path

from publish.errors import ResourceError

_PACKAGE_DIR = Path(__file__).resolve().parent
_PROJECT_MARKERS = ("publish.toml", "pyproject.toml")


def package_styles_dir() -> Path:
    """The styles shipped with publish.

    A wheel carries them as `publish/styles`; a source checkout (an editable install) keeps
    them in the repository's top-level `styles/`, next to the package.
    """
    bundled = _PACKAGE_DIR / "styles"
    return bundled if bundled.is_dir() else _PACKAGE_DIR.parent / "styles"


def style_dirs(project_root: Path | None) -> list[Path]:
    dirs = [package_styles_dir()]
    if project_root is not None and (project_root / "styles").is_dir():
        dirs.insert(0, (project_root / "styles").resolve())
    return list(dict.fromkeys(dirs))


def find_style(name: str, project_root: Path | None) -> Path:
    """The first `styles/<name>` on the search path."""
    for folder in style_dirs(project_root):
        if (folder / name).is_file():
            return folder / name
    raise ResourceError(
        f"style sheet '{name}' not found in {', '.join(map(str, style_dirs(project_root)))}"
    )


def find_project_root(source: Path) -> Path:
    """The nearest folder above the source that holds a project file, else the source's folder.

    A document may reach files (images, styles) inside its project and nowhere else.
    """
    folder = source.resolve().parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).is_file() for marker in _PROJECT_MARKERS):
            return candidate
    return folder
