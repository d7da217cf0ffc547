"""Where styles and fonts come from: the project's own `styles/` first, then the package's."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from publish import model as m
from publish.errors import PublishError, ResourceError, SourceLocation, raise_problems
from publish.files import (
    MAX_BINARY_BYTES,
    MAX_TEXT_BYTES,
    check_regular,
    project_path,
    read_file,
    resolved,
    shown,
)
from publish.images import JPEG, PNG, ImageType, checked_image

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
    """The folders styles and fonts may come from: the project's `styles/` (when it is a
    folder inside the project: `check_resources` refuses one that leads elsewhere), then
    the package's."""
    dirs = [package_styles_dir()]
    own = project_styles_dir(project_root)
    if own is not None:
        dirs.insert(0, own)
    return list(dict.fromkeys(dirs))


def project_styles_dir(project_root: Path | None, strict: bool = False) -> Path | None:
    """The project's `styles/` folder, resolved, if it has one inside the project.

    One that leads elsewhere (a symlink) is left out, or with `strict` an error."""
    if project_root is None:
        return None
    folder = project_root / "styles"
    where = SourceLocation(shown(folder))
    if not folder.is_dir():
        if strict and (problem := dangling_folder(folder, "style")):
            raise problem
        return None
    try:
        return project_path(folder, project_root, where, "style folder")
    except ResourceError:
        if strict:
            raise
        return None


def dangling_folder(folder: Path, kind: str) -> ResourceError | None:
    """A project folder that is a link leading to no folder (a loop, a broken link): an
    error, rather than a folder silently left out."""
    if folder.is_dir() or not folder.is_symlink():
        return None
    where = SourceLocation(shown(folder))
    try:
        resolved(folder, where)
    except ResourceError as exc:
        return exc
    return ResourceError(f"the {kind} folder is a link that leads to no folder", where)


def style_cascade(name: str, project_root: Path | None, styles: str = "add") -> list[Path]:
    """The sheets called `name` that style a book, in cascade order.

    The built-in sheet, then the project's own `styles/<name>` after it (`styles = "add"`),
    or the project's alone (`"replace"`). A project's sheet must be inside the project.
    """
    builtin = package_styles_dir() / name
    own = project_style(name, project_root)
    if own is None or own == builtin.resolve():  # the project is publish's own checkout
        return [builtin]
    return [own] if styles == "replace" else [builtin, own]


def project_style(name: str, project_root: Path | None) -> Path | None:
    """The project's `styles/<name>`, resolved, if it has one: inside the project or an error."""
    if project_root is None:
        return None
    path = project_root / "styles" / name
    if not os.path.lexists(path):
        return None
    where = SourceLocation(shown(path))
    real = resolved(path, where)
    inside_project("style sheet", f"styles/{name}", real, project_root, where, MAX_TEXT_BYTES)
    return real


def find_style(name: str, project_root: Path | None) -> Path:
    """The first `styles/<name>` on the search path."""
    for folder in style_dirs(project_root):
        path = folder / name
        if path.is_file() and _stays_inside(path, folder):
            return path
    raise ResourceError(
        f"style sheet '{name}' not found in {', '.join(map(str, style_dirs(project_root)))}"
    )


def find_project_root(source: Path) -> Path:
    """The nearest folder above the source that holds a project file, else the source's folder.

    A document may reach files (images, styles) inside its project and nowhere else.
    """
    # The folder the source is named in, not the one a symlink leads to: a link to a file
    # elsewhere must not make that elsewhere the project.
    folder = Path(os.path.abspath(source)).parent
    for candidate in (folder, *folder.parents):
        if any(os.path.lexists(candidate / marker) for marker in _PROJECT_MARKERS):
            return _real(candidate)
    return _real(folder)


def project_around(folder: Path) -> Path:
    """The project a command run in `folder` works on: the nearest folder from there up
    that holds a `source/` folder or a project file, so that `publish build` works from
    any folder of the project; else `folder` itself."""
    for candidate in (folder, *folder.parents):
        if (candidate / "source").is_dir() or any(
            os.path.lexists(candidate / marker) for marker in _PROJECT_MARKERS
        ):
            return candidate
    return folder


def _real(folder: Path) -> Path:
    try:
        return folder.resolve()
    except (RuntimeError, OSError):  # a symlink loop: reported where the file is read
        return folder


def _stays_inside(path: Path, folder: Path) -> bool:
    """Whether `path`, symlinks followed, is inside `folder` (a style folder: a font there
    that is a link to a file elsewhere is not used)."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (RuntimeError, OSError):
        return False


def project_file(
    kind: str, src: str, source_path: str, project_root: Path | None, where: SourceLocation
) -> Path:
    """A file the source names, resolved from the source's folder; it must stay inside the
    project (the source's folder when no project is known)."""
    source_dir = Path(source_path).resolve().parent
    path = resolved(named_path(src, source_path), where)
    return inside_project(kind, src, path, project_root or source_dir, where)


def named_path(src: str, source_path: str) -> Path:
    """The path a file named in a source stands for (symlinks not followed yet): from the
    source's folder, percent-escapes decoded (Markdown writes `<my pic.png>` and `café.png`
    as `my%20pic.png` and `caf%C3%A9.png`); a `#` or `?` is part of the name, not a URL's."""
    return Path(source_path).resolve().parent / unquote(src)


def image_source(src: str, source_path: str) -> Path | None:
    """The file an image of a source stands for, as every writer and the build cache find
    it; None for what is no file of the project (a URL, a `data:` image: refused when
    checked)."""
    if "://" in src or src.strip().lower().startswith("data:"):
        return None
    return named_path(src, source_path)


def source_files(target: m.Document | m.Book) -> list[Path]:
    """The target's own file (a book.yaml or the document), its cover, each document and its
    images, as every writer finds them."""
    files = [Path(target.path)]
    if target.meta.cover_image:
        files.append(named_path(target.meta.cover_image, target.path))
    for doc in target.documents:
        files.append(Path(doc.path))
        images = (image_source(image.src, doc.path) for image in m.iter_images(doc))
        files += [path for path in images if path is not None]
        files += citation_files(doc)
    return list(dict.fromkeys(files))


def citation_files(document: m.Document) -> list[Path]:
    """A document's bibliography files and its own CSL style: a change to them is a change
    to the book."""
    cited = [*document.meta.bibliography]
    if document.meta.csl.endswith(".csl"):
        cited.append(document.meta.csl)
    return [Path(document.path).parent / name for name in cited]


def project_files(project_root: Path | None) -> list[Path]:
    """The project's own settings, styles and templates (not publish's)."""
    if project_root is None:
        return []
    files = [project_root / name for name in ("publish.toml", "pyproject.toml")]
    for folder in (project_root / "styles", project_root / "templates"):
        if folder.is_dir() and not folder.is_symlink():  # one leading elsewhere is refused
            files += sorted(p for p in folder.rglob("*") if not p.is_dir())
    return files


def inside_project(
    kind: str,
    src: str,
    path: Path,
    root: Path,
    where: SourceLocation,
    limit: int = MAX_BINARY_BYTES,
) -> Path:
    """`path` (resolved: symlinks followed), if it is a file inside the project `root`:
    a regular file (not a FIFO or a device) of at most `limit` bytes."""
    root = resolved(root, where)
    if not path.is_relative_to(root):
        raise ResourceError(f"{kind} '{src}' is outside the project folder {root}", where)
    if not path.exists():
        raise ResourceError(f"{kind} '{src}' not found (looked for {path})", where)
    check_regular(path, where, limit, f"{kind} '{src}' at", ResourceError)
    return path


def image_file(image: m.Image, document: m.Document, project_root: Path | None) -> Path:
    """The file an image of the document names: a file inside the project, never on the
    network nor written into the text as a `data:` URL."""
    where = SourceLocation(document.path, image.line)
    if image_source(image.src, document.path) is not None:
        return project_file("image", image.src, document.path, project_root, where)
    if "://" in image.src:
        message = f"image '{image.src}' is on the network; a book uses files inside its project"
    else:
        shown = image.src if len(image.src) <= 40 else image.src[:40] + "…"
        message = (
            f"image '{shown}' is written into the text; a book uses image files inside its project"
        )
    raise ResourceError(message, where)


def image_content(
    image: m.Image, document: m.Document, project_root: Path | None
) -> tuple[Path, bytes, ImageType]:
    """An image's file, its bytes and their checked type (the bytes say, not the name)."""
    path = image_file(image, document, project_root)
    where = SourceLocation(document.path, image.line)
    return (path, *checked_image("image", image.src, path, where))


def cover_content(
    target: m.Document | m.Book, project_root: Path | None
) -> tuple[bytes, ImageType]:
    """The `cover-image` file's bytes and type: a JPEG or PNG inside the project, as stores
    and readers take."""
    where = SourceLocation(target.path, target.meta.line)
    src = target.meta.cover_image
    path = project_file("cover image", src, target.path, project_root, where)
    data, kind = checked_image("cover image", src, path, where)
    if kind not in (JPEG, PNG):
        raise ResourceError(f"cover image '{src}' is neither a JPEG nor a PNG file", where)
    return data, kind


def check_resources(target: m.Document | m.Book, project_root: Path | None) -> None:
    """Every local image, the cover and the project's style sheets exist inside the project,
    and every image is one a book may hold (its bytes checked): checked once, when the
    sources are read, so that no output is begun for a target that cannot be finished."""
    errors: list[PublishError] = []  # every problem at once, not one per run
    seen: set[tuple[str, str]] = set()
    for document in target.documents:
        for image in m.iter_images(document):
            if (document.path, image.src) in seen:
                continue
            seen.add((document.path, image.src))
            try:
                image_content(image, document, project_root)
            except PublishError as exc:
                errors.append(exc)
    if target.meta.cover_image:
        try:
            cover_content(target, project_root)
        except PublishError as exc:
            errors.append(exc)
    try:
        project_styles_dir(project_root, strict=True)
        for sheet in ("print.css", "epub.css"):
            try:
                path = project_style(sheet, project_root)
                if path is not None:
                    named = shown(project_root / "styles" / sheet)  # type: ignore[operator]
                    errors += style_references(path, named, sheet == "epub.css", project_root)
            except PublishError as exc:
                errors.append(exc)
    except PublishError as exc:  # a `styles/` that leads outside: its sheets are not looked at
        errors.append(exc)
    if project_root is not None and (
        problem := dangling_folder(project_root / "templates", "template")
    ):
        errors.append(problem)
    raise_problems(errors)


def style_references(
    path: Path, name: str, packed_alone: bool, root: Path | None = None
) -> list[ResourceError]:
    """An error at its line for each file a project's sheet refers to (`url()`, `@import`)
    that a book cannot carry: one on the network (a book fetches nothing, and EPUBCheck
    refuses a remote resource) or by another scheme (`file:`), one outside the project, and,
    in the EPUB's sheet (`packed_alone`: the EPUB carries the sheet, not what it names), any
    file at all. A `#fragment` or a `data:` URL is the sheet's own."""
    import tinycss2  # WeasyPrint's CSS parser

    where = SourceLocation(name)
    text = read_file(path, where, MAX_TEXT_BYTES, "style sheet").decode("utf-8", "replace")
    errors = []
    for url, line in _style_urls(tinycss2.parse_stylesheet(text)):
        if url.startswith("#") or url.lower().startswith("data:"):
            continue
        shown_url = url if len(url) <= 60 else url[:60] + "…"
        if message := _unreachable(url, path, packed_alone, root):
            errors.append(
                ResourceError(
                    f"the style sheet refers to '{shown_url}'{message}", SourceLocation(name, line)
                )
            )
    return errors


def _unreachable(url: str, sheet: Path, packed_alone: bool, root: Path | None) -> str | None:
    """Why a book cannot carry the file a sheet names, or None if it can."""
    scheme = m.link_scheme(url)
    if url.startswith("//") or scheme in ("http", "https", "ftp"):
        return " on the network; a book fetches nothing and carries its own files"
    if scheme is not None:
        return ": a style sheet may name only files beside it"
    if packed_alone:
        return ", which the EPUB does not carry: only the sheet itself is packed (its fonts and images can go in styles/print.css)"
    target = sheet.parent / unquote(url.split("#", 1)[0].split("?", 1)[0])
    inside = [root] if root is not None else []
    try:
        real = target.resolve()
    except (OSError, RuntimeError):
        return ", which cannot be found"
    if not any(real.is_relative_to(folder.resolve()) for folder in [*inside, package_styles_dir()]):
        return ", which is outside the project folder"
    if not real.is_file():
        return ", which is not a file here"
    return _not_a_font(real) if real.suffix.lower() in _FONT_SUFFIXES else None


_FONT_SUFFIXES = frozenset({".ttf", ".otf", ".woff", ".woff2", ".ttc"})


def _not_a_font(path: Path) -> str | None:
    """Why a file named as a font is not one (WeasyPrint would leave it out in silence)."""
    from fontTools.ttLib import TTFont, TTLibError  # WeasyPrint's own font library

    try:
        TTFont(path, lazy=True, fontNumber=0).close()
    except (TTLibError, OSError, ValueError, ImportError) as exc:
        return f", which is not a font that can be read ({exc})"
    return None


_KNOB = re.compile(r"var\(\s*(--[A-Za-z0-9_-]+)\s*\)")


def knob_values(sheet: str) -> dict[str, str]:
    """The custom properties (`--text-indent: 1.2em`) a sheet sets on `:root`."""
    import tinycss2

    values = {}
    for rule in tinycss2.parse_stylesheet(sheet, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule" or tinycss2.serialize(rule.prelude).strip() != ":root":
            continue
        for item in tinycss2.parse_declaration_list(rule.content, True, True):
            if item.type == "declaration" and item.name.startswith("--"):
                values[item.name] = tinycss2.serialize(item.value).strip()
    return values


def with_knob_values(sheet: str, values: dict[str, str]) -> str:
    """The sheet with each `var(--name)` that `values` knows written as its value.

    The EPUB's sheets carry no var(): MuPDF (and readers built on it) takes a declaration
    with var() and then finds no value, so `text-indent: var(--text-indent)` left every
    paragraph unindented; Kindle's KF8 and older readers drop it."""
    return _KNOB.sub(lambda found: values.get(found[1], found[0]), sheet)


def _style_urls(nodes: list) -> Iterator[tuple[str, int]]:
    """Each URL a parsed sheet names, with its line: `url(…)`, `src("…")`, `@import "…"`."""
    import tinycss2.ast as css

    for node in nodes or ():
        if isinstance(node, css.URLToken):
            yield node.value.strip(), node.source_line
        elif isinstance(node, css.FunctionBlock):
            if node.lower_name in ("url", "src", "image-set", "image"):
                for argument in node.arguments:
                    if isinstance(argument, css.StringToken):
                        yield argument.value.strip(), argument.source_line
            yield from _style_urls(node.arguments)
        elif isinstance(node, css.AtRule):
            if node.lower_at_keyword == "import":
                for part in node.prelude:
                    if isinstance(part, css.StringToken):
                        yield part.value.strip(), part.source_line
            yield from _style_urls(node.prelude)
            yield from _style_urls(node.content)
        elif isinstance(node, css.QualifiedRule):
            yield from _style_urls(node.prelude)
            yield from _style_urls(node.content)
        elif isinstance(
            node, (css.ParenthesesBlock, css.SquareBracketsBlock, css.CurlyBracketsBlock)
        ):
            yield from _style_urls(node.content)
