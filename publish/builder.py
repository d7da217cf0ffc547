"""Build: the named steps that turn sources into books.

    find_targets() → read_targets() → plan_jobs() (settings, cache) → run_jobs() → save cache

Everything is read and validated first, and every problem of every source is reported in
one run; only targets that read cleanly are written, so one broken source never stops the
others. Each output is one job (a target in one format); jobs run in worker processes when
`jobs > 1`, and a job whose inputs did not change since the last build is skipped. Whatever
goes wrong while one output is written (a project template, WeasyPrint, a worker that dies)
is one error of that output: the other jobs go on.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
import time
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from publish import model as m
from publish.cache import CACHE_FILE, BuildCache, input_digest
from publish.digests import project_digest
from publish.errors import (
    OutputError,
    PublishError,
    SourceError,
    SourceLocation,
    SourceWarning,
    UnexpectedFailure,
    problems,
)
from publish.files import project_path
from publish.outputs import RemoteFolder, is_url
from publish.reader import display_path, read_book, read_document
from publish.resources import check_resources, find_project_root
from publish.settings import Settings, build_settings, project_settings, resolve
from publish.writers import (
    LAYOUT_MB_PER_BOX,
    LAYOUT_MB_PER_TEXT_MB,
    MAX_LAYOUT_MB,
    TEMPORARY_GLOB,
    is_temporary,
)

if TYPE_CHECKING:  # the writers' modules are loaded when a job runs
    from publish.writers.print_pages import PrintPage

FORMATS = ("epub", "pdf")  # what a build writes unless told (`--format all`)
# Written only when named (`--format kepub`): the EPUB again, for Kobo's readers.
KNOWN_FORMATS = (*FORMATS, "kepub")
# Each format's file name ends so; Kobo's readers know a KEPUB by `.kepub.epub`.
SUFFIXES = {"epub": ".epub", "pdf": ".pdf", "kepub": ".kepub.epub"}
PAGED_FORMATS = {"epub", "kepub"}  # the formats that may mark the PDF's pages (`page-list`)
BOOK_FILE = "book.yaml"
LOCK_FILE = ".publish.lock"

Target = m.Document | m.Book


@dataclass(frozen=True)
class Job:
    """One output to write: everything a worker process needs, and nothing it must look up."""

    target: Target
    fmt: str
    out_path: Path
    project_root: Path
    settings: Settings
    digest: str
    print_pages: tuple[PrintPage, ...] | None = None  # where its PDF's pages begin (an EPUB's)
    layout_jobs: int = 1  # the processes a book's PDF is laid out in, part by part
    force: bool = False  # laid out anew: the parts a book's PDF kept are not taken (`--force`)

    @property
    def wants_print_pages(self) -> bool:
        """An EPUB (or KEPUB) that marks the pages of its PDF (`page-list: print`)."""
        return self.fmt in PAGED_FORMATS and self.settings.page_list == "print"


@dataclass(frozen=True)
class Outcome:
    """One output of the run: written (with its time) or up to date (skipped)."""

    path: Path | str  # a URL, in an output folder elsewhere
    target: str
    notes: int
    size: int
    pages: int | None  # printed pages (a PDF's); an EPUB reflows
    seconds: float = 0.0
    skipped: bool = False
    warnings: tuple[SourceWarning, ...] = ()


@dataclass
class BuildReport:
    """What a run did: its outputs, and every warning and error, each with its place."""

    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[SourceWarning] = field(default_factory=list)
    errors: list[PublishError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def fail(self, exc: PublishError) -> None:
        """Record a failure: each problem it stands for, on its own."""
        self.errors.extend(problems(exc))

    @property
    def outputs(self) -> list[Path | str]:
        return [outcome.path for outcome in self.outcomes]


# Finding and reading


def find_targets(paths: Iterable[Path]) -> list[Path]:
    """The Markdown files and book.yaml files named, or found in the folders named.

    A folder holding a book.yaml is a book; in other folders, each *.md is a standalone
    document and each sub-folder with a book.yaml is a book.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = _targets_in(path)
            if not inside:  # a build that writes nothing must not look like one that worked
                message = (
                    "no sources here: a source is a *.md file, a book a folder with a book.yaml"
                )
                raise SourceError(message, SourceLocation(display_path(path)))
            found.extend(inside)
        elif os.path.lexists(path):  # a FIFO, a device or a broken link is refused when read
            found.append(path)
        else:
            raise SourceError("no such file or folder", SourceLocation(display_path(path)))
    return list(dict.fromkeys(found))


def _targets_in(folder: Path) -> list[Path]:
    if os.path.lexists(folder / BOOK_FILE):
        return [folder / BOOK_FILE]
    books = sorted(sub / BOOK_FILE for sub in folder.iterdir() if os.path.lexists(sub / BOOK_FILE))
    return sorted(folder.glob("*.md")) + books


def read_target(path: Path, warn: Callable[[SourceWarning], None]) -> Target:
    """A document or a book, read, checked, and with every file it names found."""
    root = find_project_root(path)
    # A source that is a symlink to a file elsewhere is refused before it is read.
    project_path(path, root, SourceLocation(link_path(path)), "source", SourceError)
    target = read_book(path, warn, root) if path.name == BOOK_FILE else read_document(path, warn)
    check_resources(target, root)
    return target


def link_path(path: Path) -> str:
    """A file as the user named it: its folder made relative, a symlink not followed."""
    return str(Path(display_path(path.parent)) / path.name)


def read_targets(paths: Iterable[Path], report: BuildReport) -> list[Target]:
    """Step 1: read and validate every source, collecting each failure with its file."""
    try:
        found = find_targets(paths)
    except PublishError as exc:
        report.fail(exc)
        return []
    targets = []
    for path in found:
        try:
            targets.append(read_target(path, report.warnings.append))
        except PublishError as exc:
            report.fail(exc)
        except Exception as exc:  # a bug: this source is not read, the others are
            report.fail(unexpected(display_path(path), "cannot read it", exc))
    return targets


# Planning


def target_settings(
    target: Target, root: Path, overrides: Mapping[str, str], report: BuildReport
) -> Settings:
    """Defaults < project file < book.yaml or front matter < command line.

    In a book, the book.yaml's settings are the book's: one PDF has one trim.
    """
    project = project_settings(root, report.warnings.append)
    return resolve([project, dict(target.settings), overrides])


def plan_jobs(
    targets: Sequence[Target],
    out_dir: Path,
    formats: Sequence[str],
    overrides: Mapping[str, str],
    report: BuildReport,
) -> list[Job]:
    """Step 2: one job per target and format, with its resolved settings and input digest."""
    jobs = []
    projects: dict[Path, str] = {}  # each project's styles and templates, hashed once
    for target in targets:
        root = find_project_root(Path(target.path))
        try:
            settings = target_settings(target, root, overrides, report)
            if root not in projects:
                projects[root] = project_digest(root)
            digests = {fmt: input_digest(target, fmt, settings, projects[root]) for fmt in formats}
            if settings.page_list == "print":  # the EPUB marks the pages of its PDF
                pdf = input_digest(target, "pdf", settings, projects[root])
                digests |= {fmt: f"{digests[fmt]}+{pdf}" for fmt in PAGED_FORMATS & digests.keys()}
        except PublishError as exc:
            report.fail(exc)
            continue
        except Exception as exc:  # an unreadable style, say: this target waits, others go on
            report.fail(unexpected(target.path, "cannot plan its outputs", exc))
            continue
        for fmt in formats:
            if fmt == "pdf" and (too_long := too_long_to_print(target)):
                report.fail(too_long)  # the EPUB is still built
                continue
            out_path = out_dir / f"{target.name}{SUFFIXES[fmt]}"
            jobs.append(Job(target, fmt, out_path, root, settings, digests[fmt]))
    return without_shared_outputs(jobs, report)


def too_long_to_print(target: Target) -> SourceError | None:
    """A target whose PDF would take more memory to lay out than MAX_LAYOUT_MB."""
    size = sum(os.path.getsize(document.path) for document in target.documents)
    boxes = sum(isinstance(node, _BOXES) for d in target.documents for node in m.walk(d))
    layout = size / 2**20 * LAYOUT_MB_PER_TEXT_MB + boxes * LAYOUT_MB_PER_BOX
    if layout <= MAX_LAYOUT_MB:
        return None
    message = (
        f"its PDF would take about {layout:,.0f} MB to lay out ({size / 2**20:.1f} MB of text, "
        f"{boxes:,} paragraphs, headings, list items and table cells); at most "
        f"{MAX_LAYOUT_MB} MB is laid out at once: print it as several books"
    )
    return SourceError(message, SourceLocation(display_path(Path(target.path))))


# What WeasyPrint lays out as a box of its own, each costing memory however little it holds.
_BOXES = (m.Paragraph, m.Heading, m.ListItem, m.TableCell, m.CodeBlock, m.Definition, m.Figure)


def output_key(path: Path) -> str:
    """An output's name as a file system may see it: `Letters.epub` and `letters.epub` are
    one file on macOS and Windows, and so are the composed and decomposed `é`."""
    return unicodedata.normalize("NFC", path.name).casefold()


def without_shared_outputs(jobs: Sequence[Job], report: BuildReport) -> list[Job]:
    """Each output path is claimed by one target only.

    Two targets with one output name (`letters.md` beside the book `letters/`, or `a/x.md`
    and `b/x.md`) would overwrite each other: neither is written, and one error names both.
    """
    owners: dict[str, str] = {}
    clashes: dict[tuple[str, str], list[Path]] = {}
    unique = []
    for job in jobs:
        owner = owners.setdefault(output_key(job.out_path), job.target.path)
        if owner != job.target.path:
            clashes.setdefault((owner, job.target.path), []).append(job.out_path)
        elif job.out_path not in (kept.out_path for kept in unique):
            unique.append(job)  # one source named twice (`x.md`, `./src/../x.md`) is one job
    for (first, second), outputs in clashes.items():
        shown = " and ".join(display_path(path) for path in outputs)
        its = "its outputs" if len(outputs) > 1 else "its output"
        are = "are also the outputs" if len(outputs) > 1 else "is also the output"
        message = f"{its} {shown} {are} of {second}; rename one"
        report.fail(OutputError(message, SourceLocation(first)))
    refused = {path for pair in clashes for path in pair}
    return [job for job in unique if job.target.path not in refused]


# Running


@dataclass(frozen=True)
class JobResult:
    job: Job
    outcome: Outcome | None
    error: PublishError | None = None
    print_pages: tuple[PrintPage, ...] | None = None  # a PDF's, for its EPUB


def writer(fmt: str) -> Callable[..., int | None]:
    """`write_epub`, `write_pdf` or `write_kepub`, imported on first use: `check` never pays
    for WeasyPrint.

    Each returns the pages it wrote, when the format has pages.
    """
    return getattr(importlib.import_module(f"publish.writers.{fmt}"), f"write_{fmt}")


def run_job(job: Job) -> JobResult:
    """Write one output. Runs in a worker process when building in parallel.

    Any failure is this output's error, never the build's: the boundary around each output.
    """
    # Imported here, like the writers: a build with nothing to write never loads Jinja.
    from publish.render import template_environment

    started = time.perf_counter()
    warnings: list[SourceWarning] = []
    found: list[list[PrintPage] | None] = []
    extra: dict[str, Any] = {}
    if job.fmt == "pdf":
        extra.update(jobs=job.layout_jobs, fresh=job.force)
    if job.fmt == "pdf" and job.settings.page_list == "print":
        extra["on_pages"] = found.append
    elif job.wants_print_pages:
        extra["print_pages"] = job.print_pages
    try:
        env = template_environment(job.project_root)
        pages = writer(job.fmt)(
            job.target,
            env,
            job.out_path,
            project_root=job.project_root,
            settings=job.settings,
            warn=warnings.append,
            **extra,
        )
        outcome = outcome_of(job, pages, time.perf_counter() - started, tuple(warnings))
    except PublishError as exc:
        return JobResult(job, None, exc)
    except Exception as exc:  # the boundary: anything else, told in one line
        return JobResult(job, None, write_failure(job, exc))
    print_pages = tuple(found[0]) if found and found[0] is not None else None
    return JobResult(job, outcome, print_pages=print_pages)


def write_failure(job: Job, exc: BaseException) -> UnexpectedFailure:
    """`source: cannot write the PDF: what went wrong`, with the traceback for `--debug`."""
    return unexpected(job.target.path, f"cannot write the {job.fmt.upper()}", exc)


def unexpected(shown: str, failed: str, exc: BaseException) -> UnexpectedFailure:
    """`shown: failed: what went wrong` in one line, with the traceback for `--debug`."""
    trace = "".join(traceback.format_exception(exc))
    return UnexpectedFailure(f"{failed}: {describe_failure(exc)}", SourceLocation(shown), trace)


def describe_failure(exc: BaseException) -> str:
    """What went wrong, in a line: a template's mistake names the template file and line."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return f"{display_path(Path(exc.filename))}:{exc.lineno}: {exc.message}"
    if isinstance(exc, jinja2.TemplateError):
        # Jinja rewrites the traceback so that template frames carry the template's file
        # and line: the innermost one is where the template went wrong.
        frames = [
            frame
            for frame in traceback.extract_tb(exc.__traceback__)
            if not frame.filename.endswith(".py") and not frame.filename.startswith("<")
        ]
        message = exc.message or type(exc).__name__
        if isinstance(exc, jinja2.TemplateNotFound):
            message = f"no template named '{exc.name}' (a template includes only templates)"
        if frames:
            where = f"{display_path(Path(frames[-1].filename))}:{frames[-1].lineno}"
            return f"{where}: {message}"
    if isinstance(exc, RecursionError):
        # A template that includes, extends or calls itself: Jinja's frames name it.
        frames = [
            frame
            for frame in traceback.extract_tb(exc.__traceback__)
            if frame.filename.endswith(".j2")
        ]
        package = str(Path(__file__).resolve().parent)  # the project's own named first
        frames = [f for f in frames if not f.filename.startswith(package)] or frames
        if frames:
            where = f"{display_path(Path(frames[-1].filename))}:{frames[-1].lineno}"
            return f"{where}: the template includes, extends or calls itself without end"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def worker_died(job: Job) -> UnexpectedFailure:
    message = (
        f"cannot write the {job.fmt.upper()}: the worker process writing it stopped "
        "unexpectedly (out of memory, or killed?)"
    )
    return UnexpectedFailure(message, SourceLocation(job.target.path))


def outcome_of(
    job: Job,
    pages: int | None,
    seconds: float = 0.0,
    warnings: tuple[SourceWarning, ...] = (),
    skipped: bool = False,
    size: int | None = None,
) -> Outcome:
    notes = sum(len(doc.notes) for doc in job.target.documents)
    size = job.out_path.stat().st_size if size is None else size
    return Outcome(job.out_path, job.target.path, notes, size, pages, seconds, skipped, warnings)


def run_jobs(jobs: Sequence[Job], run: Run, on_done: Callable[[JobResult], None]) -> None:
    """Step 3: run the jobs, in this process, in `run.jobs` worker processes, or as tasks
    of the Dask cluster whose scheduler is named (`publish.cluster`).

    WeasyPrint keeps the memory of a render: workers also return it to the system.
    """
    workers = run.jobs
    if run.scheduler and jobs:
        from publish.cluster import run_on_cluster  # `distributed`: only when asked for

        run_on_cluster(jobs, run.scheduler, on_done, run.remote.url if run.remote else "")
        return
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            on_done(run_job(job))
        return
    # A worker that dies takes every job still in its pool down with it: each of those is
    # run again in a pool of its own, so that only the job that kills its worker fails.
    for job in _run_in_pool(jobs, workers, on_done):
        if _run_in_pool([job], 1, on_done):
            on_done(JobResult(job, None, worker_died(job)))


def _run_in_pool(
    jobs: Sequence[Job], workers: int, on_done: Callable[[JobResult], None]
) -> list[Job]:
    """Run `jobs` in worker processes; return those lost to a worker that died."""
    # Imported only when a pool starts: a no-op rebuild never loads multiprocessing.
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    lost = []
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        futures = {pool.submit(run_job, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                lost.append(job)
                continue
            except Exception as exc:  # a job or a result that cannot travel
                result = JobResult(job, None, write_failure(job, exc))
            on_done(result)
    return sorted(lost, key=list(jobs).index)


# The commands


def check(paths: Iterable[Path]) -> BuildReport:
    """Read and validate sources; write nothing."""
    report = BuildReport()
    targets = read_targets(paths, report)
    for root in dict.fromkeys(find_project_root(Path(target.path)) for target in targets):
        check_project(root, report)
    return report


def check_project(root: Path, report: BuildReport) -> None:
    """What a build would read besides the sources: the project's settings file, its own
    templates and the fonts of the drawn cover, each problem at its file and line."""
    from publish.cover import project_fonts  # Pillow and Jinja: only when checking
    from publish.render import template_problems

    try:
        project_settings(root, report.warnings.append)
    except PublishError as exc:
        report.fail(exc)
    for problem in template_problems(root):
        report.fail(problem)
    try:
        project_fonts(root)
    except PublishError as exc:
        report.fail(exc)


def build(
    paths: Iterable[Path],
    out_dir: Path | str,
    formats: Sequence[str] = FORMATS,
    overrides: Mapping[str, str] | None = None,
    *,
    jobs: int = 1,
    force: bool = False,
    scheduler: Any = None,
    on_done: Callable[[Outcome], None] = lambda _o: None,
    on_planned: Callable[[int], None] = lambda _n: None,
    on_wait: Callable[[Path], None] = lambda _p: None,
) -> BuildReport:
    """Read every source under `paths`, then write `out_dir/NAME.<format>` for each
    (`out_dir` a folder, or an fsspec URL: `s3://bucket/books`).

    `overrides` are settings from the command line, already checked. Outputs whose inputs
    did not change since the last build are kept, unless `force`. With a `scheduler` (a
    Dask scheduler's address or a `distributed.Client`), the outputs are built on its
    cluster; without, the project's `scheduler` setting names one, else they are built here.
    """
    report = BuildReport()
    targets = read_targets(paths, report)
    try:
        with staged(out_dir) as (local_dir, remote):
            planned = plan_jobs(targets, local_dir, formats, overrides or {}, report)
            if planned:
                with output_lock(remote.lock_path() if remote else local_dir, on_wait):
                    cluster = scheduler or project_scheduler(planned)
                    run = Run(jobs, force, cluster, remote)
                    run_planned(planned, local_dir, run, report, on_done, on_planned)
    except OutputError as exc:  # the output folder itself cannot be used: nothing is written
        report.fail(exc)
    return report


@dataclass(frozen=True)
class Run:
    """How the outputs are built: processes here, or the cluster of a scheduler; and where
    they go, when the output folder is elsewhere (an fsspec URL)."""

    jobs: int
    force: bool
    scheduler: Any = None
    remote: RemoteFolder | None = None


@contextlib.contextmanager
def staged(out_dir: Path | str) -> Iterator[tuple[Path, RemoteFolder | None]]:
    """The output folder, or for one at a URL a local folder standing for it while the
    build runs: outputs are written there, then sent (`RemoteFolder`)."""
    if not is_url(out_dir):
        yield Path(out_dir), None
        return
    remote = RemoteFolder(str(out_dir))
    with tempfile.TemporaryDirectory(prefix="publish-staging-") as folder:
        yield Path(folder), remote


def run_planned(
    planned: Sequence[Job],
    out_dir: Path,
    run: Run,
    report: BuildReport,
    on_done: Callable[[Outcome], None],
    on_planned: Callable[[int], None],
) -> None:
    """Step 3: skip what is up to date, run the rest, remember what each output was made of."""
    if run.remote is None:
        remove_stale_temporaries(out_dir)
    else:
        run.remote.remove_stale_temporaries()
    check_output_folder(out_dir)
    cache = load_cache(out_dir, run.remote)
    planned = [
        replace(job, layout_jobs=run.jobs, force=run.force) if job.fmt == "pdf" else job
        for job in planned
    ]
    stale = [job for job in planned if run.force or not cache.is_fresh(job.out_path, job.digest)]
    for job in planned:
        if job not in stale:  # reported from the cache: an up-to-date PDF is not parsed again
            skipped = outcome_of(
                job, cache.pages(job.out_path), skipped=True, size=cache.size(job.out_path)
            )
            _record(report, sent(skipped, run.remote), on_done)
    on_planned(len(stale))

    def done(result: JobResult) -> None:
        if result.error is None and run.remote is not None:
            result = send(result, run.remote)
        if result.error is not None:
            report.fail(result.error)
            cache.forget(result.job.out_path)
            return
        pages = result.outcome.pages if result.outcome is not None else None
        cache.remember(result.job.out_path, result.job.digest, pages)
        _record(report, sent(result.outcome, run.remote), on_done)

    # An EPUB that marks its PDF's pages waits for its PDF, when that is made now.
    pdfs = {job.target.path for job in stale if job.fmt == "pdf"}
    waiting = [job for job in stale if job.wants_print_pages and job.target.path in pdfs]
    print_pages: dict[str, tuple[PrintPage, ...]] = {}

    def pdf_done(result: JobResult) -> None:
        if result.print_pages is not None:
            print_pages[result.job.target.path] = result.print_pages
        done(result)

    try:
        run_jobs([job for job in stale if job not in waiting], run, pdf_done)
        # An EPUB whose PDF failed, or could not be read, has no page-list (it says so).
        waited = [replace(job, print_pages=print_pages.get(job.target.path, ())) for job in waiting]
        run_jobs(waited, run, done)
    finally:
        save_cache(cache, run.remote, report)


def load_cache(out_dir: Path, remote: RemoteFolder | None) -> BuildCache:
    """The build cache of the output folder; of one at a URL, fetched, and told which
    outputs are there by one listing of it."""
    if remote is None:
        return BuildCache.load(out_dir)
    saved = remote.read(CACHE_FILE)
    if saved is not None:
        (out_dir / CACHE_FILE).write_bytes(saved)
    cache = BuildCache.load(out_dir)
    cache.found = remote.listing()
    return cache


def save_cache(cache: BuildCache, remote: RemoteFolder | None, report: BuildReport) -> None:
    try:
        if cache.save() and remote is not None:
            remote.write(CACHE_FILE, cache.path.read_bytes())
    except OSError as exc:  # a full disk, say: the books are written, the next build redoes them
        report.fail(_output_error(cache.path, "cannot save the build cache", exc))
    except OutputError as exc:
        report.fail(exc)


def send(result: JobResult, remote: RemoteFolder) -> JobResult:
    """An output written here, sent to the output folder at its URL (a worker of a cluster
    sends its own: nothing is left here)."""
    path = result.job.out_path
    if path.is_file():
        try:
            remote.write(path.name, path.read_bytes())
        except OutputError as exc:
            return replace(result, outcome=None, error=exc)
        finally:
            path.unlink()
    return result


def sent(outcome: Outcome | None, remote: RemoteFolder | None) -> Outcome | None:
    """The outcome named by its URL, for an output folder elsewhere."""
    if outcome is None or remote is None:
        return outcome
    return replace(outcome, path=remote.url_of(outcome.path.name))


def project_scheduler(planned: Sequence[Job]) -> str:
    """The Dask scheduler the projects built name (`scheduler` in publish.toml), or "".

    One build runs on one cluster: projects that name different ones are an OutputError."""
    roots = dict.fromkeys(job.project_root for job in planned)
    named = {root: build_settings(root).get("scheduler", "") for root in roots}
    schedulers = sorted(set(named.values()) - {""})
    if len(schedulers) > 1:
        message = f"the projects built name different schedulers ({', '.join(schedulers)}): name one with --scheduler"
        raise OutputError(message, _where(next(iter(roots))))
    return schedulers[0] if schedulers else ""


@contextlib.contextmanager
def output_lock(out_dir: Path, on_wait: Callable[[Path], None]) -> Iterator[None]:
    """One build at a time per output folder: two at once would interleave their files.

    An output folder that cannot be made or locked (a file, read-only, a lock that is a
    folder) is an OutputError naming it: nothing is written.
    """
    make_output_folder(out_dir)
    path = out_dir / LOCK_FILE
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputError("the build's lock file is not a file; remove it", _where(path))
    lock = FileLock(path)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            on_wait(out_dir)
            lock.acquire()
    except OSError as exc:
        raise _output_error(path, "cannot lock the output folder", exc) from None
    try:
        yield
    finally:
        lock.release()


def make_output_folder(out_dir: Path) -> None:
    """The output folder, made if it does not exist; OutputError if it cannot be."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError("the output folder is a file", _where(out_dir))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(out_dir, "cannot make the output folder", exc) from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise OutputError("cannot write into the output folder: permission denied", _where(out_dir))


def check_output_folder(out_dir: Path) -> None:
    """The build's own files in the output folder are files (or absent), never a folder."""
    path = out_dir / CACHE_FILE
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputError("the build's cache is not a file; remove it", _where(path))


def _where(path: Path) -> SourceLocation:
    return SourceLocation(display_path(path))


def _output_error(path: Path, failed: str, exc: OSError) -> OutputError:
    """`path: failed: reason`, the reason in words (`Permission denied`), not a traceback."""
    reason = exc.strerror or describe_failure(exc)
    return OutputError(f"{failed}: {reason}", _where(path))


def remove_stale_temporaries(out_dir: Path) -> None:
    """Temporary files left by a build that was killed: only those named as this tool names
    them (`.NAME.publish-XXXX.tmp`), never a user's own `.notes.tmp`."""
    for stale in out_dir.glob(TEMPORARY_GLOB):
        if is_temporary(stale) and stale.is_file() and not stale.is_symlink():
            with contextlib.suppress(OSError):  # left for the next build
                stale.unlink(missing_ok=True)


def _record(
    report: BuildReport, outcome: Outcome | None, on_done: Callable[[Outcome], None]
) -> None:
    if outcome is not None:
        report.outcomes.append(outcome)
        report.warnings.extend(outcome.warnings)
        on_done(outcome)
