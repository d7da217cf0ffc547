"""Command line: parse arguments, call `build`, print what happened. Nothing else."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from publish import __version__
from publish.builder import (
    FORMATS,
    KNOWN_FORMATS,
    BuildReport,
    Outcome,
    build,
    check,
    describe_failure,
)
from publish.errors import PublishError, SourceLocation, SourceWarning, UnexpectedFailure
from publish.importers.batch import Imported, files_to_import, import_one, target_for
from publish.importers.draft import Guess
from publish.outputs import is_url
from publish.resources import project_around
from publish.settings import BUILD_CHECKS, SETTINGS, check_setting
from publish.watching import watch_changes

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_err = Console(stderr=True, highlight=False, soft_wrap=True)
_out = Console(highlight=False, soft_wrap=True)


class OutputFolder(click.ParamType):
    """`--out`: a folder, or an fsspec URL for an output folder elsewhere (`s3://…`)."""

    name = "path"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Path | str:
        text = str(value)
        return text if is_url(text) else Path(text)


@dataclass
class _Switches:
    """Options of the whole run, read where the run's failures are printed."""

    debug: bool = False


_switches = _Switches()


def _set_debug(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        _switches.debug = True


def _debug_option(command: Callable[..., object]) -> Callable[..., object]:
    """`--debug`, before the command (`publish --debug build`) or after it."""
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        callback=_set_debug,
        help="Show the full traceback of unexpected failures.",
    )(command)


def _jobs_option(purpose: str) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """`--jobs N` (`-j`): processes at once, by default one per core."""
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=os.cpu_count() or 1,
        show_default="number of cores",
        help=purpose,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
@_debug_option
def cli() -> None:
    """Turn Markdown sources into a reflowable EPUB 3 and a print-ready PDF."""


@cli.command("build")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*KNOWN_FORMATS, "all"]),
    default="all",
    show_default=True,
    help="Which outputs to write: all is the EPUB and the PDF; kepub is the EPUB for Kobo.",
)
@click.option(
    "--out",
    type=OutputFolder(),  # a file there is told as `path: message`, exit 1
    help="Folder for the outputs, or an fsspec URL (s3://bucket/books).  [default: the project's build/]",
)
@click.option(
    "--notes", help="EPUB notes: 'chapter' (end of each file) or 'book' (one endnotes file)."
)
@click.option(
    "--trim", help="Print trim: a5, a4, b5, letter, a preset (kdp-6x9…) or WxH with units (5x8in)."
)
@click.option("--paper", help="The interior's paper, for the cover's spine: white or cream.")
@click.option("--bleed", help="Print bleed beyond the trim, e.g. 3mm.")
@click.option("--marks", help="Printer's marks: 'crop' or 'none'.")
@click.option("--pdf-variant", "pdf_variant", help="A WeasyPrint PDF variant, e.g. pdf/a-3b.")
@click.option(
    "--styles",
    help="The project's styles/print.css and epub.css: 'add' (after the built-in) or 'replace'.",
)
@_jobs_option("Outputs built at once, each in its own worker process.")
@click.option(
    "--force", is_flag=True, help="Rebuild outputs even when their inputs did not change."
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Build on the Dask cluster of this scheduler (tcp://host:8786; pip install 'publish[dask]').",
)
@_debug_option
def build_command(
    paths: tuple[Path, ...],
    fmt: str,
    out: Path | str | None,
    jobs: int,
    force: bool,
    scheduler: str | None,
    **flags: str | None,
) -> int:
    """Build PATHS (Markdown files, book folders, or folders of them; default: source/) into OUT."""
    formats = FORMATS if fmt == "all" else (fmt,)
    sources, out = _or_the_projects(paths, out)
    cluster = _checked("scheduler", scheduler, BUILD_CHECKS) if scheduler else ""
    return _build_once(sources, out, formats, _setting_flags(flags), jobs, force, cluster)


def _or_the_projects(
    paths: Sequence[Path], out: Path | str | None, root: Path | None = None
) -> tuple[list[Path], Path | str]:
    """The paths and output folder given, or the project's `source/` and `build/`: the
    project `root`, by default found from here up (`project_around`), named from here."""
    root = root or project_around(Path.cwd())
    return list(paths) or [_from_here(root / "source")], out or _from_here(root / "build")


def _from_here(path: Path) -> Path:
    return Path(os.path.relpath(path))


def _build_once(
    paths: Sequence[Path],
    out: Path | str,
    formats: Sequence[str],
    overrides: dict[str, str],
    jobs: int,
    force: bool = False,
    scheduler: str = "",
) -> int:
    with BuildProgress(_err) as progress:
        report = build(
            paths,
            out,
            formats,
            overrides,
            jobs=jobs,
            force=force,
            scheduler=scheduler,
            on_planned=progress.start,
            on_done=progress.advance,
            on_wait=_say_waiting,
        )
    _print_summary(report)
    return _finish(report)


@cli.command("watch")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice([*KNOWN_FORMATS, "all"]), default="all", show_default=True
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),  # a file there is told as `path: message`, exit 1
    help="Folder for the outputs.  [default: the project's build/]",
)
@_jobs_option("Outputs built at once, each in its own worker process.")
@_debug_option
def watch_command(paths: tuple[Path, ...], fmt: str, out: Path | None, jobs: int) -> int:
    """Build PATHS, then rebuild what changed each time a source, style, template or the
    settings file is saved."""
    root = project_around(Path.cwd())
    sources, out = _or_the_projects(paths, out, root)
    formats = FORMATS if fmt == "all" else (fmt,)
    watched = [*sources, *(_from_here(root / name) for name in _PROJECT_FILES)]
    shown_paths = ", ".join(str(path) for path in watched if path.exists())
    _err.print(shown(f"watching {shown_paths or 'for sources'} (Ctrl-C stops)"), markup=False)
    for _change in watch_changes(watched):  # the first build once the watch listens
        watch_round(sources, out, formats, jobs)  # the cache keeps what did not change
    return EXIT_OK


# What of the project a build reads besides its sources; watched when they exist.
_PROJECT_FILES = ("styles", "templates", "fonts", "publish.toml", "pyproject.toml")


def watch_round(sources: Sequence[Path], out: Path, formats: Sequence[str], jobs: int) -> int:
    """One build of `publish watch`: whatever goes wrong is told, and the watching goes on."""
    try:
        return _build_once(sources, out, formats, {}, jobs)
    except Exception as exc:  # the watch outlives any one build
        _unexpected(exc)
        return EXIT_FAILED


def _setting_flags(flags: dict[str, str | None]) -> dict[str, str]:
    """Settings given on the command line, checked like any other layer."""
    return {name: _checked(name, value) for name, value in flags.items() if value is not None}


def _checked(name: str, value: str, checks: Mapping[str, Callable[[Any], str]] = SETTINGS) -> str:
    """A setting given as `--name`, checked like any other layer's; else a usage error."""
    flag = "--" + name.replace("_", "-")
    try:
        return check_setting(name, value, SourceLocation(flag), checks)
    except PublishError as exc:
        raise click.BadParameter(exc.message, param_hint=flag) from None


@cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--trim", help="For a PDF: the trim it should have (default: the project's).")
@click.option("--bleed", help="For a PDF: the bleed it should have (default: the project's).")
@click.option("--pdf-variant", "pdf_variant", help="For a PDF: the variant it should be.")
@click.option("--paper", help="For a wrap cover (NAME.cover.pdf): the interior's paper.")
@_debug_option
def check_command(paths: tuple[Path, ...], **flags: str | None) -> int:
    """Validate PATHS (default: source/): sources are read, PDFs are preflighted."""
    pdfs = [path for path in paths if path.suffix.lower() == ".pdf"]
    sources = [path for path in paths if path.suffix.lower() != ".pdf"]
    code = EXIT_OK
    if sources or not pdfs:
        report = check(sources or _or_the_projects((), None)[0])
        if report.ok:
            _out.print("[green]✓[/] sources are valid", markup=True)
        code = _finish(report)
    overrides = _setting_flags(flags)
    for pdf in pdfs:
        code = max(code, _preflight(pdf, overrides))
    return code


def _preflight(pdf: Path, overrides: dict[str, str]) -> int:
    """Print the preflight table of one PDF, checked against its project's settings (and
    its source's, when found) and the flags; EXIT_FAILED if a check fails."""
    from publish.preflight import pdf_settings, preflight  # loaded only when a PDF is checked

    warnings: list[SourceWarning] = []
    try:
        settings, read = pdf_settings(pdf, overrides, warnings.append)
        report = preflight(pdf, settings)
    except PublishError as exc:
        _err.print(shown(exc), markup=False, style="red")
        return EXIT_FAILED
    for warning in warnings:
        _err.print(shown(warning), markup=False, style="yellow")
    against = ", ".join([*read, *(f"--{k.replace('_', '-')}" for k in overrides)]) or "defaults"
    title = plain(f"{pdf} ({report.pages} pages; settings from {against})")
    table = Table(title=title, title_justify="left", box=box.SIMPLE)
    for column in ("check", "result", "details"):
        table.add_column(column)
    for finding in report.findings:
        result = "[green]pass[/]" if finding.ok else "[red]FAIL[/]"
        table.add_row(plain(finding.check), result, plain(finding.detail))
    _out.print(table)
    return EXIT_OK if report.ok else EXIT_FAILED


@cli.command("cover")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out", type=click.Path(path_type=Path), help="Folder for the covers.  [default: build/]"
)
@click.option("--trim", help="The book's trim: a5, a preset (kdp-6x9…) or WxH with units.")
@click.option("--paper", help="The interior's paper, which sets the spine: white or cream.")
@click.option("--bleed", help="The cover's bleed (at least 0.125in).")
@click.option("--marks", help="'crop': trim and spine marks outside the bleed; 'none'.")
@click.option("--pdf-variant", "pdf_variant", help="A PDF variant for the wrap, e.g. pdf/x-1a.")
@_debug_option
def cover_command(paths: tuple[Path, ...], out: Path | None, **flags: str | None) -> int:
    """Write the printer's wrap cover (NAME.cover.pdf: back, spine, front, bleed, barcode
    area; the spine from the interior's page count) and the stores' ebook cover
    (NAME.cover.jpg, 1600 × 2560) of each book of PATHS (default: source/)."""
    from publish.cover_files import make_covers  # WeasyPrint and Pillow: only for covers

    sources, out = _or_the_projects(paths, out)
    report = make_covers(sources, out, _setting_flags(flags))
    for wrap_path, ebook_path, wrap in report.covers:
        width, height = (side * 25.4 / 72 for side in wrap.media)
        text = "" if wrap.spine_text else ", no text on it"
        line = (
            f"{wrap_path}: {wrap.pages} pages, spine {wrap.spine * 25.4 / 72:.2f} mm{text}, "
            f"{width:.1f} × {height:.1f} mm with bleed; {ebook_path}: 1600 × 2560"
        )
        _out.print(f"[green]✓[/] {escape(shown(line))}", markup=True)
    return _finish(report.build)


@cli.command("proof")
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The PNG to write (default: NAME.proof.png beside the PDF).",
)
def proof_command(pdf: Path, out: Path | None) -> int:
    """Write a PNG contact sheet of PDF's pages, as spreads."""
    from publish.proof import contact_sheet  # renders pages: loaded only for a proof

    try:
        sheet = contact_sheet(pdf, out)
    except PublishError as exc:
        _err.print(shown(exc), markup=False, style="red")
        return EXIT_FAILED
    _out.print(f"[green]✓[/] {escape(shown(sheet.path))} ({sheet.pages} pages)", markup=True)
    return EXIT_OK


@cli.command("new")
@click.argument("name", type=click.Path(path_type=Path, file_okay=False))
@click.option("--title", help="The book's title (default: made from NAME).")
@click.option("--lang", default="en", show_default=True, help="The book's language (BCP 47).")
def new_command(name: Path, title: str | None, lang: str) -> int:
    """Make a project in NAME that builds at once: settings, a book of two chapters, styles."""
    from publish.scaffold import new_project

    try:
        folder = new_project(name, title=title, lang=lang)
    except PublishError as exc:
        _err.print(shown(exc), markup=False, style="red")
        return EXIT_FAILED
    _out.print(f"[green]✓[/] {escape(shown(folder))}: cd there and run publish build", markup=True)
    return EXIT_OK


@cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="The source to write (for a folder: the folder to write into).  [default: source/NAME.md]",
)
@click.option("--dry-run", is_flag=True, help="Print the report of guesses; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite a source that exists already.")
@_debug_option
def import_command(path: Path, out: Path | None, dry_run: bool, force: bool) -> int:
    """Make a source of PATH (text extracted from a PDF; a PDF, Word file or web page where
    this publish has their importers), or of each file of the folder PATH, and print what
    was guessed on the way: header fields, rejoined words, notes matched to their calls."""
    try:
        files = files_to_import(path)
    except PublishError as exc:
        _err.print(shown(exc), markup=False, style="red")
        return EXIT_FAILED
    sources = _from_here(project_around(Path.cwd()) / "source")
    folder = path.is_dir()
    results = []
    for file in files:
        imported = import_one(file, target_for(file, out, folder, sources), dry_run, force)
        _print_import(imported, only_looks=folder)
        results.append(imported)
    if folder:
        _print_import_summary(path, results)
    return EXIT_FAILED if any(r.error for r in results) else EXIT_OK


@cli.command("catalog")
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--title", help="The catalog's title (default: the project folder's name).")
@_jobs_option("Processes that scale the covers into thumbnails.")
@_debug_option
def catalog_command(folder: Path | None, title: str | None, jobs: int) -> int:
    """Write an OPDS catalog of the books in FOLDER (default: build/) into FOLDER/opds/."""
    from publish.catalog_files import write_catalog  # reads EPUBs, makes thumbnails: only here

    out = folder or _or_the_projects((), None)[1]
    name = title or project_around(Path.cwd()).resolve().name or "Library"
    try:
        written = write_catalog(out, name, jobs)
    except PublishError as exc:
        _err.print(shown(exc), markup=False, style="red")
        return EXIT_FAILED
    for warning in written.warnings:
        _err.print(shown(f"warning: {warning}"), markup=False, style="yellow")
    summary = f"{written.books} books, {written.feeds} feeds, {written.images} images"
    _out.print(f"[green]✓[/] {escape(shown(written.start))} ({summary})", markup=True)
    return EXIT_OK


def _print_import(imported: Imported, only_looks: bool) -> None:
    """One file's outcome: its error, or its guesses (a folder's: those to look at) and
    where its source went."""
    if imported.error is not None:
        trace = getattr(imported.error, "trace", "")
        if _switches.debug and trace:
            _err.print(trace, markup=False, end="")
        _err.print(shown(imported.error), markup=False, style="red")
        return
    assert imported.draft is not None
    guesses = sorted(imported.draft.guesses, key=_guess_order)
    if only_looks:
        guesses = [guess for guess in guesses if guess.needs_look]
    if guesses:
        table = Table(title=plain(f"{imported.path}: what was guessed"), title_justify="left")
        table.box = box.SIMPLE
        for column in ("line", "kind", "what", "sure", "look"):
            table.add_column(
                column, overflow="fold", justify="right" if column == "sure" else "left"
            )
        for guess in guesses:
            look = "[yellow]look[/]" if guess.needs_look else ""
            where = guess.where.removeprefix(str(imported.path)).strip(": ")
            row = (plain(where), guess.kind, plain(guess.what), f"{guess.sure:.2f}", look)
            table.add_row(*row)
        _out.print(table)
    if imported.written:
        _out.print(f"[green]✓[/] {escape(shown(imported.target))}", markup=True)


def _guess_order(guess: Guess) -> tuple[str, int]:
    """By file, then line: `carta.txt:12` before `carta.txt:100`."""
    where, _, line = guess.where.rpartition(":")
    return (where, int(line)) if line.isdigit() else (guess.where, 0)


def _print_import_summary(folder: Path, results: Sequence[Imported]) -> None:
    files = f"{len(results)} file{'' if len(results) == 1 else 's'}"
    table = Table(title=plain(f"{folder}: {files} imported"), title_justify="left")
    table.box = box.SIMPLE
    table.add_column("file", overflow="fold")
    for column in ("words", "notes matched", "fields found", "guesses to look at"):
        table.add_column(column, justify="left" if column == "fields found" else "right")
    for imported in results:
        if imported.error is not None:
            table.add_row(plain(imported.path.name), "", "", "[red]failed[/]", "")
            continue
        matched, notes = imported.notes_matched
        fields = ", ".join(imported.fields)
        row = (str(imported.words), f"{matched}/{notes}", fields, str(imported.looks))
        table.add_row(plain(imported.path.name), *row)
    _out.print(table)


@cli.command("serve")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Folder of the outputs to build and serve.  [default: the project's build/]",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free one).",
)
@click.option("--no-build", is_flag=True, help="Serve OUT as it is: no build, no watching.")
@_jobs_option("Worker processes for the first build (a saved source is rebuilt in the server).")
@_debug_option
def serve_command(
    paths: tuple[Path, ...], out: Path | None, host: str, port: int, no_build: bool, jobs: int
) -> int:
    """Build PATHS, then serve the library on HOST:PORT: a page per book, the downloads, the
    OPDS catalog (/opds/), and a live preview of each book that rebuilds and reloads when
    its source is saved."""
    from publish.serve import LibraryServer, Rebuilder, Site, serving  # only this command

    root = project_around(Path.cwd())
    sources, out = _or_the_projects(paths, out, root)
    site = Site(out, tell=lambda line: _err.print(shown(line), markup=False))
    rebuilder = None
    if not no_build:
        watched = [*sources, *(_from_here(root / name) for name in _PROJECT_FILES)]
        rebuilder = Rebuilder(site, sources, watched, jobs)
        with BuildProgress(_err) as progress:
            report = rebuilder.build_all(progress.start, progress.advance)
        _print_summary(report)
        _finish(report)  # a failed document is shown on its preview: the others are served
        rebuilder.warm_up()
    site.reload()
    try:
        server = LibraryServer((host, port), site)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        _err.print(
            shown(f"publish serve: cannot listen on {host}:{port}: {reason}"),
            markup=False,
            style="red",
        )
        return EXIT_FAILED
    with contextlib.suppress(KeyboardInterrupt), serving(server, rebuilder):
        _out.print(shown(f"serving {out} at {server.url} (Ctrl-C stops)"), markup=False)
        # Until Ctrl-C (or SIGTERM) ends the `with`: a signal that lands on another thread
        # is acted on only when this one wakes, hence the timeout.
        while not site.stopping.wait(timeout=0.2):
            pass
    return EXIT_OK


class BuildProgress:
    """A progress bar on the terminal while outputs are written (nothing when piped)."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        )  # fmt: skip
        self.task = self.progress.add_task("building", total=None)

    def __enter__(self) -> BuildProgress:
        self.progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.progress.stop()

    def start(self, total: int) -> None:
        self.progress.update(self.task, total=total)

    def advance(self, outcome: Outcome) -> None:
        if not outcome.skipped:
            name = escape(shown(str(outcome.path).rsplit("/", 1)[-1]))
            self.progress.update(self.task, advance=1, description=name)


def _say_waiting(out_dir: Path) -> None:
    _err.print(shown(f"waiting for another build writing into {out_dir}/ to finish…"), markup=False)


# Every problem is one line: a line break in a file name is shown as `\x0a` too.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
del _CONTROLS[ord("\t")]


def shown(text: object) -> str:
    """A file name (or any text from the user) as plain text for the terminal: control
    characters written as `\\x1b`, so that a name cannot move the cursor or set a title."""
    return str(text).translate(_CONTROLS)


def plain(text: object) -> Text:
    """User text for a rich table cell or title: `[red]x[/red].md` is shown as it is."""
    return Text(shown(text))


def _print_summary(report: BuildReport) -> None:
    if not report.outcomes:
        return
    table = Table(box=box.SIMPLE, show_edge=False)
    for column in ("output", "pages", "notes", "size", "time", "warnings"):
        if column == "output":  # a long path is folded, never cut: each output is named
            table.add_column(column, justify="left", overflow="fold")
        else:
            table.add_column(column, justify="right")
    for outcome in sorted(report.outcomes, key=lambda o: str(o.path)):
        time_cell = "up to date" if outcome.skipped else f"{outcome.seconds:.2f} s"
        size = f"{outcome.size / 1024:,.0f} KiB"
        pages = "" if outcome.pages is None else str(outcome.pages)
        row = (
            plain(outcome.path),
            pages,
            str(outcome.notes),
            size,
            time_cell,
            str(len(outcome.warnings)),
        )
        table.add_row(*row)
    _out.print(table)


def _finish(report: BuildReport) -> int:
    """Print each warning and error once, as `path:line: message`, in file and line order."""
    problems: list[PublishError | SourceWarning] = [*report.warnings, *report.errors]
    printed: set[str] = set()
    for problem in sorted(problems, key=_problem_order):
        line = str(problem)
        if line in printed:
            continue
        printed.add(line)
        if _switches.debug and isinstance(problem, UnexpectedFailure) and problem.trace:
            _err.print(problem.trace, markup=False, end="")
        style = "yellow" if isinstance(problem, SourceWarning) else "red"
        _err.print(shown(line), markup=False, style=style)
    return EXIT_OK if report.ok else EXIT_FAILED


def _problem_order(problem: PublishError | SourceWarning) -> tuple[str, int, int, str]:
    """By file, then line (a problem of a whole file first), warnings before errors."""
    where = problem.location
    path, line = (where.path, where.line) if where is not None else ("", 0)
    return path, line, 0 if isinstance(problem, SourceWarning) else 1, str(problem)


def _unexpected(exc: Exception) -> None:
    """A failure outside any one output: a user's problem as it is, else an internal error
    in one line (its traceback with `--debug`)."""
    if isinstance(exc, PublishError):
        _err.print(shown(exc), markup=False, style="red")
        return
    if _switches.debug:
        _err.print("".join(traceback.format_exception(exc)), markup=False, end="")
    what = describe_failure(exc)
    hint = "" if _switches.debug else " (--debug shows the traceback)"
    _err.print(shown(f"publish: internal error: {what}{hint}"), markup=False, style="red")


def _exit_on_terminate(signum: int, _frame: object) -> None:
    # A terminated build unwinds like an interrupted one: temporary files are removed and
    # every earlier output stays as it was.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for the `publish` script and `python -m publish`."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_terminate)
    _switches.debug = False
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="publish",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except click.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_FAILED
    except Exception as exc:  # anything outside the outputs' own boundaries
        _unexpected(exc)
        return EXIT_FAILED
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
