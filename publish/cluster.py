"""Builds on a Dask cluster: each output is a task, its sources travel as bytes.

    connect() → one task holding each project's own files, one `build_batch` per few
    targets → results as they come (`on_done`) → each output written here, in one rename

A worker needs publish installed and no shared disk: a task carries the files its output
is made of (the sources, images and bibliography; and, through the project's task, its
settings, styles and templates), with their times, which date the book; it writes them into a folder
of its own, reads the source there and writes the output as a local build would; the
output's bytes come back to this process, which writes them into the output folder. A
worker killed in the middle of a task costs that task only: the scheduler runs it again
on another worker (Dask's `allowed-failures`), and nothing is written here until a task
has finished.

`distributed` is an optional extra (`pip install 'publish[dask]'`), imported when a
build names a scheduler.
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import publish
from publish import model as m
from publish.errors import (
    OutputError,
    PublishError,
    SourceErrors,
    SourceLocation,
    SourceWarning,
    problems,
)
from publish.outputs import RemoteFolder
from publish.reader import display_path
from publish.resources import package_styles_dir, project_files, source_files
from publish.writers import atomic_output

if TYPE_CHECKING:
    from publish.builder import Job, JobResult, Target
    from publish.settings import Settings
    from publish.writers.print_pages import PrintPage

# Asked of the scheduler when a build connects; a cluster that does not answer is an error.
CONNECT_SECONDS = 30
INSTALL_HINT = "pip install 'publish[dask]'"


@dataclass(frozen=True)
class ProjectFile:
    """One file of a project, by its path under the project's root (POSIX), with its
    modification time: a book is dated by its newest input (`build_timestamp`)."""

    path: str
    content: bytes
    mtime_ns: int
    link: str = ""  # a symlink's target, made again as a link: the worker refuses it alike


def read_files(paths: Sequence[Path], root: Path) -> tuple[ProjectFile, ...]:
    """The files under `root` among `paths`, read; one missing or elsewhere is left out
    (the worker's read then refuses the output as the local build would)."""
    found = []
    for path in dict.fromkeys(paths):
        try:
            inside = Path(os.path.abspath(path)).relative_to(root)
            status = path.lstat()
            link = os.readlink(path) if path.is_symlink() else ""
            content = b"" if link or not path.is_file() else path.read_bytes()
        except (OSError, ValueError):
            continue
        found.append(ProjectFile(inside.as_posix(), content, status.st_mtime_ns, link))
    return tuple(found)


def write_files(files: Sequence[ProjectFile], root: Path) -> None:
    for file in files:
        path = root / file.path
        if os.path.lexists(path):  # written for another output of the batch: the same file
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if file.link:
            os.symlink(file.link, path)
        else:
            path.write_bytes(file.content)
        os.utime(path, ns=(file.mtime_ns, file.mtime_ns), follow_symlinks=not file.link)


@dataclass(frozen=True)
class Task:
    """One output to build on a worker: a `Job` with its paths made relative."""

    version: str  # publish's on this side: a worker running another is refused
    target: Target  # as read here, its files named from the project's root (`with_paths`)
    fmt: str
    name: str  # the output's file name
    settings: Settings
    digest: str
    print_pages: tuple[PrintPage, ...] | None
    shown_root: str  # the project's root and output folder as this side shows them, for
    shown_out: str  # the worker's messages to name the user's files, not its own copies
    source_date_epoch: str
    own: tuple[ProjectFile, ...] = ()  # the target's files: sources, images, bibliography
    output_url: str = ""  # an output folder elsewhere: the worker sends the output itself


@dataclass(frozen=True)
class Built:
    """A task's result: the output's bytes (None: sent to the output folder's URL, or
    failed) and what the summary shows, or its error."""

    content: bytes | None
    size: int = 0
    pages: int | None = None
    seconds: float = 0.0
    warnings: tuple[SourceWarning, ...] = ()
    error: PublishError | None = None
    print_pages: tuple[PrintPage, ...] | None = None


# Publish's writers are not thread-safe (the PDF engine patches WeasyPrint while it lays a
# book out): a worker with several threads builds one output at a time.
_ONE_AT_A_TIME = threading.Lock()


def build_batch(tasks: tuple[Task, ...], shared: tuple[ProjectFile, ...]) -> tuple[Built, ...]:
    """Run on a worker: write the project's files into a folder, build the outputs there."""
    if tasks and tasks[0].version != publish.__version__:
        message = (
            f"the Dask worker runs publish {publish.__version__}, this build "
            f"{tasks[0].version}: install the same version on every worker"
        )
        return tuple(
            Built(None, error=OutputError(message, SourceLocation(task.shown_root)))
            for task in tasks
        )
    with _ONE_AT_A_TIME, tempfile.TemporaryDirectory(prefix="publish-task-") as folder:
        root = Path(folder).resolve() / "project"
        write_files(shared, root)
        built = []
        for task in tasks:
            write_files(task.own, root)  # once per target: its other formats find them there
            with _source_date_epoch(task.source_date_epoch):
                built.append(_build_in(root, root.parent / "out" / task.name, task))
        return tuple(built)


def _build_in(root: Path, out_path: Path, task: Task) -> Built:
    from publish.builder import Job, run_job

    shown = _Renamed(root, out_path.parent, task)
    # Read and checked on the build's side already: not read again.
    target = with_paths(task.target, lambda name: str(root / name))
    job = Job(target, task.fmt, out_path, root, task.settings, task.digest, task.print_pages)
    result = run_job(job)
    if result.outcome is None:
        return Built(None, error=shown.error(result.error))
    outcome = result.outcome
    warnings = tuple(shown.warning(warning) for warning in outcome.warnings)
    content: bytes | None = out_path.read_bytes()
    if task.output_url:
        try:
            RemoteFolder(task.output_url).write(task.name, content)
        except OutputError as exc:
            return Built(None, error=shown.error(exc))
        content = None
    return Built(
        content, outcome.size, outcome.pages, outcome.seconds, warnings, None, result.print_pages
    )


class _Renamed:
    """A worker's messages as the user's: its copies of the files named as the user's."""

    def __init__(self, root: Path, out: Path, task: Task) -> None:
        places = [(root, task.shown_root), (out, task.shown_out)]
        self.places = [(str(f), user) for f, user in places]
        self.places += [(display_path(folder), user) for folder, user in places]

    def text(self, text: str) -> str:
        for worker, user in self.places:
            text = text.replace(worker + os.sep, "" if user == "." else user + os.sep)
        return text

    def where(self, where: SourceLocation | None) -> SourceLocation | None:
        return where and SourceLocation(self.text(where.path), where.line)

    def warning(self, warning: SourceWarning) -> SourceWarning:
        return SourceWarning(self.text(warning.message), self.where(warning.location))

    def error(self, exc: PublishError | None) -> PublishError:
        assert exc is not None
        moved = []
        for problem in problems(exc):
            problem = copy.copy(problem)
            problem.message, problem.location = (
                self.text(problem.message),
                self.where(problem.location),
            )
            moved.append(problem)
        return moved[0] if len(moved) == 1 else SourceErrors(moved)


@contextlib.contextmanager
def _source_date_epoch(value: str) -> Iterator[None]:
    """The build's SOURCE_DATE_EPOCH on the worker, for this task only."""
    before = os.environ.pop("SOURCE_DATE_EPOCH", None)
    if value:
        os.environ["SOURCE_DATE_EPOCH"] = value
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
        if before is not None:
            os.environ["SOURCE_DATE_EPOCH"] = before


# This side


def connect(scheduler: Any) -> contextlib.AbstractContextManager[Any]:
    """A `distributed.Client` of the scheduler at `scheduler` (an address, or a Client,
    which is used and left open)."""
    try:
        from distributed import Client
    except ImportError:
        message = f"a build on a Dask cluster needs the dask extra: {INSTALL_HINT}"
        raise OutputError(message, SourceLocation("--scheduler")) from None
    if isinstance(scheduler, Client):
        return contextlib.nullcontext(scheduler)
    try:
        return Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        message = f"cannot reach the Dask scheduler at {scheduler}: {exc}"
        raise OutputError(message, SourceLocation("--scheduler")) from None


def run_on_cluster(
    jobs: Sequence[Job], scheduler: Any, on_done: Callable[[JobResult], None], output_url: str = ""
) -> None:
    """Run `jobs` as tasks of the cluster, a few targets a task (`batches`); each output is
    written here as its task ends, or by its worker into the output folder at
    `output_url`."""
    from distributed import as_completed

    with connect(scheduler) as client:
        client.register_plugin(quiet_worker(), name="publish-quiet-worker")
        futures = {}
        shared: dict[Path, Any] = {}
        slots = sum(client.nthreads().values()) or 1
        for batch in batches(jobs, slots):
            root = batch[0].project_root
            if root not in shared:  # the settings, styles and templates, sent once
                files = read_files(_shared_files(root), root)
                shared[root] = client.submit(_given, files, pure=False)
            own = {path: read_files(_own_files(job), root) for path, job in _by_target(batch)}
            tasks = tuple(_task(job, output_url, own[job.target.path]) for job in batch)
            futures[client.submit(build_batch, tasks, shared[root], pure=False)] = batch
        for future in as_completed(futures, loop=client.loop):
            # Let go of each task once its outputs are written: its worker then forgets
            # their bytes (a worker holding every output it made grows as the build goes).
            batch = futures.pop(future)
            for result in _received(batch, future):
                on_done(result)


def quiet_worker() -> Any:
    """A Dask worker plugin, set up on every worker of the cluster, now and to come: it
    stops the worker's statistical profiler, which looks at the running task's stack every
    10 ms, for its dashboard. A build is Python through and through: measured here, each
    output took 5 to 10% longer with it (Dask's own config turns it off the same way:
    `distributed.worker.profile.enabled: false`)."""
    from distributed import WorkerPlugin

    class QuietWorker(WorkerPlugin):
        def setup(self, worker: Any) -> None:
            callbacks = getattr(worker, "periodic_callbacks", {})  # a worker without: as is
            for name in ("profile", "profile-cycle"):
                if (callback := callbacks.get(name)) is not None:
                    callback.stop()

    return QuietWorker()


# A task builds a few targets, all their formats: a task costs the client, the scheduler
# and the worker a few milliseconds whatever it builds, a letter about 0.15 s a format.
TARGETS_PER_TASK = 8
TASKS_PER_SLOT = 4  # at least, while there are targets enough: the slots stay busy to the end


def batches(jobs: Sequence[Job], slots: int) -> list[list[Job]]:
    """The jobs in tasks: each target's outputs together, up to TARGETS_PER_TASK targets
    of one project a task, and at least TASKS_PER_SLOT tasks for each thread of the cluster
    while there are targets enough."""
    targets: dict[tuple[Path, str], list[Job]] = {}
    for job in jobs:
        targets.setdefault((job.project_root, job.target.path), []).append(job)
    size = max(1, min(TARGETS_PER_TASK, len(targets) // (TASKS_PER_SLOT * slots)))
    found: list[list[Job]] = []
    for (root, _path), outputs in targets.items():
        last = found[-1] if found else None
        if last is not None and last[0].project_root == root and _targets(last) < size:
            last.extend(outputs)
        else:
            found.append(list(outputs))
    return found


def _targets(batch: Sequence[Job]) -> int:
    return len({job.target.path for job in batch})


def _by_target(batch: Sequence[Job]) -> list[tuple[str, Job]]:
    """One job of each target: its formats share its files, read and sent once."""
    return list({job.target.path: job for job in batch}.items())


def _given(files: tuple[ProjectFile, ...]) -> tuple[ProjectFile, ...]:
    """A project's shared files as a task of their own: the scheduler keeps what they are
    made from, so a worker lost with them costs a recomputation, not the build."""
    return files


def _shared_files(root: Path) -> list[Path]:
    """The project's settings, styles and templates; not publish's own styles, which every
    worker has (a project that is publish's source tree would send them as its own)."""
    package = package_styles_dir().resolve()
    return [path for path in project_files(root) if not path.resolve().is_relative_to(package)]


def _own_files(job: Job) -> list[Path]:
    own = source_files(job.target)
    if job.settings.output_profile:
        own.append(job.project_root / job.settings.output_profile)
    return own


def with_paths(target: Target, path: Callable[[str], str]) -> Target:
    """The target with each of its files renamed by `path`: it travels with its files
    named from the project's root, and is placed in the worker's copy of the project (its
    images, links and bibliography are named from its files)."""
    documents = tuple(replace(doc, path=path(doc.path)) for doc in target.documents)
    if isinstance(target, m.Book):
        return replace(target, path=path(target.path), documents=documents)
    return documents[0]


def _task(job: Job, output_url: str, own: tuple[ProjectFile, ...]) -> Task:
    return Task(
        version=publish.__version__,
        target=with_paths(job.target, lambda name: _inside(name, job.project_root)),
        own=own,
        fmt=job.fmt,
        name=job.out_path.name,
        settings=job.settings,
        digest=job.digest,
        print_pages=job.print_pages,
        shown_root=display_path(job.project_root),
        shown_out=display_path(job.out_path.parent),
        source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH", ""),
        output_url=output_url,
    )


def _inside(name: str, root: Path) -> str:
    return Path(os.path.abspath(name)).relative_to(root).as_posix()


def _received(batch: Sequence[Job], future: Any) -> list[JobResult]:
    """A finished task's results, each output written into the output folder."""
    from distributed import KilledWorker

    from publish.builder import JobResult, worker_died, write_failure

    try:
        built: tuple[Built, ...] = future.result()
    except KilledWorker:  # it killed every worker it was given (Dask's `allowed-failures`)
        return [JobResult(job, None, worker_died(job)) for job in batch]
    except Exception as exc:  # the scheduler lost, say: these outputs' error
        return [JobResult(job, None, write_failure(job, exc)) for job in batch]
    return [_written(job, one) for job, one in zip(batch, built, strict=True)]


def _written(job: Job, built: Built) -> JobResult:
    from publish.builder import JobResult, outcome_of, write_failure

    if built.error is not None:
        return JobResult(job, None, built.error)
    try:
        if built.content is not None:
            with atomic_output(job.out_path) as tmp:
                tmp.write_bytes(built.content)
    except PublishError as exc:
        return JobResult(job, None, exc)
    except OSError as exc:
        return JobResult(job, None, write_failure(job, exc))
    outcome = outcome_of(job, built.pages, built.seconds, built.warnings, size=built.size)
    return JobResult(job, outcome, print_pages=built.print_pages)
