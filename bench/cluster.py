"""Benchmark a build on a Dask cluster against the local process pool, on one machine.

An archive of generated letters (bench/run.py's: 1–2 A5 pages, two or three notes each),
EPUB and PDF, `--force`, run after run, taking turns:

1. `publish build source --jobs 2` (the local pool of two worker processes);
2. `publish build source --scheduler tcp://127.0.0.1:PORT`, on a `dask scheduler` and two
   `dask worker --nthreads 1 --no-nanny` processes, then on one `dask worker --nworkers 2
   --nthreads 1` (each worker process under a nanny, Dask's default), each cluster started
   before the build and stopped after it, untimed, its workers having imported publish;
3. `publish build source --jobs 2` again without `--force`: every output up to date, the
   part of a build that runs on the client alone (reading, checking and hashing every
   source), per document.

From the per-document costs it writes an estimate of a 1,000,000-document archive on N
machines. Prints Markdown and writes it, with the machine's facts, to bench/cluster.md.

    python bench/cluster.py                # 2,000 letters, 3 runs (about 40 minutes on 2 cores)
    python bench/cluster.py --quick        # 100 letters, one run: a smoke test (~2 minutes)
    python bench/cluster.py --letters 500 --runs 1 --keep /tmp/c
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from run import (
    FULL,
    PUBLISH,
    SEED,
    CommandFailed,
    Measure,
    Run,
    Runner,
    alternate,
    fresh,
    machine,
    make_archive,
    say,
    timing,
    work_folder,
)

from publish.cluster import TARGETS_PER_TASK

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "cluster.md"
LETTERS, QUICK_LETTERS = 2000, 100
ARCHIVE = 1_000_000  # the documents of the archive the estimate is for
MACHINES = (1, 10, 100, 1000)
# Dask's scheduler spends about 200 µs on each task it runs (Dask's documentation, "Task
# overhead"): on one core, a ceiling of some 5,000 tasks a second, whatever the workers.
SCHEDULER_SECONDS_PER_TASK = 0.0002


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def dask_cluster(folder: Path, nannies: bool) -> Iterator[str]:
    """A scheduler and two single-threaded workers on 127.0.0.1, for the length of a block:
    two `dask worker --no-nanny` processes, or one `dask worker --nworkers 2` whose two
    worker processes each run under a nanny (Dask's default)."""
    address = f"tcp://127.0.0.1:{free_port()}"
    host, port = address.removeprefix("tcp://").split(":")
    quiet = ["--no-dashboard"]
    scheduler = ["distributed.cli.dask_scheduler", "--host", host, "--port", port, *quiet]
    worker = ["distributed.cli.dask_worker", address, "--nthreads", "1", *quiet]
    workers = [[*worker, "--nworkers", "2"]] if nannies else [[*worker, "--no-nanny"]] * 2
    with (folder / "cluster.log").open("ab") as log:
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", *command], cwd=folder, stdout=log, stderr=subprocess.STDOUT
            )
            for command in (scheduler, *workers)
        ]
    try:
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            # Each worker imports publish and WeasyPrint once, as a long-lived cluster has.
            client.run(__import__, "publish.writers.pdf")
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=60)


@dataclasses.dataclass(frozen=True)
class Figures:
    letters: int
    local: Measure
    cluster: Measure
    nannies: Measure
    unchanged: Measure

    @property
    def overhead(self) -> float:
        return self.cluster.seconds / self.local.seconds - 1

    @property
    def core_seconds(self) -> float:
        """CPU time a document costs, both formats, in the local pool's workers."""
        return self.local.cpu_seconds / self.letters

    @property
    def client_seconds(self) -> float:
        """CPU time a document costs the client of the cluster: read, checked, hashed,
        sent, and its outputs written."""
        return self.cluster.cpu_seconds / self.letters


def measure(runner: Runner, folder: Path, letters: int, runs: int) -> Figures:
    def build(out: str, *flags: str) -> Run:
        return runner.run([*PUBLISH, "build", "source", "--out", out, *flags], folder)

    def on_cluster(out: str, nannies: bool) -> Run:
        with dask_cluster(folder, nannies) as address:  # started and stopped untimed
            return build(out, "--force", "--scheduler", address)

    for out in ("out-local", "out-cluster", "out-nannies"):
        fresh(folder / out)
    local, cluster, nannies, unchanged = alternate(
        [
            lambda: build("out-local", "--force", "--jobs", "2"),
            lambda: on_cluster("out-cluster", nannies=False),
            lambda: on_cluster("out-nannies", nannies=True),
            lambda: build("out-local", "--jobs", "2"),
        ],
        runs,
    )
    for out in ("out-cluster", "out-nannies"):
        for path in (folder / out).glob("*.*"):
            if (
                not path.name.startswith(".")
                and path.read_bytes() != (folder / "out-local" / path.name).read_bytes()
            ):
                raise CommandFailed(f"{out}/{path.name} differs from the local pool's")
    return Figures(letters, local, cluster, nannies, unchanged)


def estimate(figures: Figures, cores: int) -> str:
    """A million documents on N machines of `cores` cores, from the measured costs."""
    lines = [
        f"| machines ({cores} cores each) | the workers' share | the client's share "
        "| the scheduler's share | estimate |",
        "|---:|---:|---:|---:|---:|",
    ]
    client = ARCHIVE * figures.client_seconds
    scheduler = ARCHIVE / TARGETS_PER_TASK * SCHEDULER_SECONDS_PER_TASK
    for machines in MACHINES:
        workers = ARCHIVE * figures.core_seconds / (machines * cores)
        total = max(workers, client, scheduler)
        lines.append(
            f"| {machines:,} | {hours(workers)} | {hours(client)} | {hours(scheduler)} "
            f"| **{hours(total)}** |"
        )
    return "\n".join(lines)


def hours(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds / 3600:,.1f} h" if seconds >= 3600 else f"{seconds / 60:,.0f} min"


def report(figures: Figures, args: argparse.Namespace) -> str:
    cores = int(machine()["cores"])
    facts = "\n".join(f"- {key}: {value}" for key, value in machine().items())
    rows = [
        "| build | wall time (CPU of the client process and its children) | other load |",
        "|---|---:|---:|",
        *(
            f"| {name} | {timing(measured)} | {measured.others:.2f} |"
            for name, measured in (
                ("local pool, `--jobs 2`", figures.local),
                ("Dask cluster: 2 workers of 1 thread (`--no-nanny`)", figures.cluster),
                ("Dask cluster: `--nworkers 2 --nthreads 1` (each under a nanny)", figures.nannies),
                ("nothing changed (`--jobs 2`, no `--force`)", figures.unchanged),
            )
        ),
    ]
    met = "met" if figures.overhead <= 0.10 else "**missed**"
    return "\n\n".join(
        [
            "# A build on a Dask cluster against the local pool",
            f"`bench/cluster.py`: {figures.letters:,} letters, EPUB and PDF, median of "
            f"{args.runs} run(s), the three builds taking turns. Every output of the "
            "cluster is the same, byte for byte, as the local pool's. *Other load*: the "
            "cores kept busy by other programs meanwhile, on average; for the cluster it "
            "includes its own workers (about 2 when they keep both cores busy).",
            "\n".join(rows),
            f"Overhead of the cluster: **{figures.overhead:+.1%}** (target ≤ 10%: {met}); "
            f"with each worker under a nanny, {figures.nannies.seconds / figures.local.seconds - 1:+.1%}.",
            "## Per document",
            f"- the workers: {figures.core_seconds * 1000:,.0f} ms of CPU for its EPUB and "
            "its PDF;\n"
            f"- the client: {figures.client_seconds * 1000:,.1f} ms of CPU to read, check, "
            "hash and send it, and write its outputs (one process, whatever the cluster);\n"
            f"- the scheduler: about {SCHEDULER_SECONDS_PER_TASK * 1e6 / TARGETS_PER_TASK:,.0f} µs "
            f"(a task of {TARGETS_PER_TASK} documents: Dask's figure, not measured here).",
            f"## A {ARCHIVE:,}-document archive on N machines",
            "Each share is the time that part alone would take; they run at once, so the "
            "build takes about the largest. The workers' share divides by the cores; the "
            "client's and the scheduler's do not: past a few hundred cores the build is "
            "bound by the one client that reads every source and writes every output, "
            "and by the scheduler.",
            estimate(figures, cores),
            "## Machine",
            facts,
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--letters", type=int, help=f"letters (default {LETTERS:,})")
    parser.add_argument("--runs", type=int, help="runs per build (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_LETTERS} letters, one run")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--seed", type=int, default=SEED, help=f"input seed (default {SEED})")
    parser.add_argument(
        "--settle",
        type=float,
        help="before each run, wait up to this many seconds for other programs to go "
        "quiet (default 60, 5 with --quick; 0 to never wait)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write it")
    args = parser.parse_args(argv)
    args.letters = args.letters or (QUICK_LETTERS if args.quick else LETTERS)
    args.runs = args.runs or (1 if args.quick else 3)
    args.settle = args.settle if args.settle is not None else (5 if args.quick else 60)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = work_folder(args.keep, "publish-cluster-")
    say(f"Working in {work}: {args.letters:,} letters, {args.runs} run(s)")
    started = time.perf_counter()
    try:
        make_archive(work, dataclasses.replace(FULL, letters=args.letters), args.seed)
        figures = measure(Runner(work / "commands.log", args.settle), work, args.letters, args.runs)
    except CommandFailed as exc:
        say(f"failed: {exc}")
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = report(figures, args) + "\n"
    print(text)
    args.results.write_text(text, encoding="utf-8")
    say(f"Written to {args.results} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
