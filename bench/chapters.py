"""Benchmark the chapter-parallel PDF: a book's PDF with `--jobs 2` against `--jobs 1`,
a one-chapter edit against a full build, and publish against Pandoc + WeasyPrint and
Pandoc + Typst on the same text.

Two books, each in its own project: *A Vindication of the Rights of Woman* (the corpus
copy in tests/fixtures/corpus/) and bench/run.py's generated book of 40 chapters (about
1,000 A5 pages). For each, run after run, taking turns:

1. `publish build BOOK --format pdf --force --jobs 1`, then the same with `--jobs 2`;
2. one word of the middle chapter changed, then `publish build BOOK --format pdf --jobs 2`
   (no `--force`: the build after an edit, as `publish watch` runs it);
3. `pandoc DOCUMENTS --file-scope --css a5.css --pdf-engine=weasyprint -o …` and
   `pandoc DOCUMENTS --file-scope --variable papersize=a5 --pdf-engine=typst -o …`
   (Pandoc from pypandoc-binary; Typst from the `typst` package, through a small `typst`
   executable this script writes in its work folder; both on A5 pages, as publish).

Each figure is the median of `--runs` runs. Memory: the peak resident set of the largest
process of the build's tree (`os.wait4`), and, sampled from /proc while it runs, the main
process's and the largest worker's. Prints Markdown tables and writes them, with the
machine's facts, to bench/chapters.md.

    python bench/chapters.py              # both books, 3 runs (about 20 minutes on 2 cores)
    python bench/chapters.py --quick      # small books, one run: a smoke test (< 2 minutes)
    python bench/chapters.py --keep /tmp/c --runs 1
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from run import (
    FULL,
    PUBLISH,
    QUICK,
    REPO,
    SEED,
    CommandFailed,
    Figure,
    Measure,
    Run,
    Runner,
    busy_seconds,
    fresh,
    machine,
    make_book,
    mebibytes,
    page_count,
    pandoc_path,
    say,
    table,
    timing,
    wait_until_quiet,
    work_folder,
)

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "chapters.md"
VINDICATION = REPO / "tests" / "fixtures" / "corpus" / "vindication-of-the-rights-of-woman"
BOOK_CHAPTERS = 40  # the generated book: 40 chapters of about 25 pages
QUICK_VINDICATION = 5  # --quick: the Vindication's first five documents
SAMPLE_EVERY = 0.1  # seconds between two looks at the build's processes


# Inputs


@dataclass(frozen=True)
class Book:
    """A book in its own project: `folder` is the project, `path` the book folder in it,
    `documents` its documents in order (relative to `folder`)."""

    name: str
    folder: Path
    path: Path
    documents: tuple[Path, ...]

    @property
    def pdf(self) -> str:
        return f"{self.path.name}.pdf"

    @property
    def middle(self) -> Path:
        return self.folder / self.documents[len(self.documents) // 2]


def listed_documents(book_yaml: Path) -> list[str]:
    """The `documents:` of a book.yaml written one `  - name` a line, as both books are."""
    lines = book_yaml.read_text(encoding="utf-8").split("documents:", 1)[1].splitlines()
    return [line.strip()[2:].strip() for line in lines if line.strip().startswith("- ")]


def vindication(work: Path, documents: int | None = None) -> Book:
    """A copy of the Vindication in its own project (an empty publish.toml); with
    `documents`, only its first so many."""
    folder = work / "vindication"
    if folder.exists():
        shutil.rmtree(folder)
    book = Path(shutil.copytree(VINDICATION, folder / "source" / VINDICATION.name))
    (folder / "publish.toml").write_text("")
    names = listed_documents(book / "book.yaml")
    if documents is not None:
        names = names[:documents]
        head = (book / "book.yaml").read_text(encoding="utf-8").split("documents:", 1)[0]
        listed = "".join(f"  - {name}\n" for name in names)
        (book / "book.yaml").write_text(f"{head}documents:\n{listed}", encoding="utf-8")
    relative = book.relative_to(folder)
    return Book("Vindication", folder, relative, tuple(relative / n for n in names))


def generated(work: Path, quick: bool, seed: int) -> Book:
    """bench/run.py's generated book: 40 chapters of ~25 pages (--quick: 8 of ~5)."""
    sizes, chapters = (QUICK, QUICK.book_chapters[-1]) if quick else (FULL, BOOK_CHAPTERS)
    folder = work / f"book-{chapters}"
    path = make_book(folder, sizes, chapters, seed)
    names = listed_documents(folder / path / "book.yaml")
    return Book(
        f"Generated book, {chapters} chapters", folder, path, tuple(path / n for n in names)
    )


WORD = re.compile(r"\b[a-z]{5,}\b")


def edit_one_word(document: Path) -> str:
    """Change one word in the middle of a document's text: reverse it (the same length, so
    the pages hardly move). Calling it again puts the word back. Gives the new word."""
    text = document.read_text(encoding="utf-8")
    body_start = text.index("\n---", 3) + 4  # after the front matter
    lines = text[body_start:].splitlines(keepends=True)
    prose = [i for i, line in enumerate(lines) if line[:1].isalpha() and WORD.search(line)]
    line_index = prose[len(prose) // 2]
    words = [m for m in WORD.finditer(lines[line_index]) if m.group() != m.group()[::-1]]
    word = words[len(words) // 2]
    line = lines[line_index]
    lines[line_index] = line[: word.start()] + word.group()[::-1] + line[word.end() :]
    document.write_text(text[:body_start] + "".join(lines), encoding="utf-8")
    return word.group()[::-1]


TYPST_WRAPPER = """#!{python}
# `typst compile INPUT OUTPUT`, as Pandoc calls it, through the `typst` Python package.
import sys
import typst

command, source, output = sys.argv[1:4]
if command != "compile":
    sys.exit(f"typst wrapper: only 'compile' is known, not {{command!r}}")
typst.compile(source, output=output)
"""


# The peers print on A5 pages too (Pandoc's HTML and Typst templates, otherwise as they
# come: their fonts, margins and endnotes or footnotes).
A5_CSS = "a5.css"


def tools_folder(work: Path) -> Path:
    """A folder for PATH with a `typst` executable (the package has none), and the style
    sheet that gives Pandoc's HTML A5 pages."""
    tools = work / "tools"
    tools.mkdir(parents=True, exist_ok=True)
    (tools / A5_CSS).write_text("@page { size: A5; }\n")
    wrapper = tools / "typst"
    wrapper.write_text(TYPST_WRAPPER.format(python=sys.executable))
    wrapper.chmod(0o755)
    return tools


# Measuring


@dataclass(frozen=True)
class Peaks:
    """Peak resident memory (bytes) seen from /proc while a command ran: of its main
    process, of the largest of its workers (processes running the same executable: the
    build's forked workers), and of the largest other process it started (a tool: Pandoc's
    PDF engine; the `gcc` and `ld` that ctypes runs to find WeasyPrint's libraries)."""

    main: int
    worker: int
    other: int
    other_name: str
    processes: int  # how many processes the tree had, the main one included


@dataclass
class Seen:
    """One process of the tree, as last seen."""

    peak: int
    executable: str
    sightings: int = 1


def children(pid: int) -> list[int]:
    """The child processes of `pid`, whichever of its threads started them."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(n) for n in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def high_water(pid: int) -> int:
    """A process's peak resident set so far (VmHWM), in bytes; 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else 0


def executable(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def sample_tree(root: int, seen: dict[int, Seen]) -> None:
    """Note the peak memory of `root` and of every process under it."""
    waiting = [root]
    while waiting:
        pid = waiting.pop()
        peak = high_water(pid)
        if pid in seen:
            process = seen[pid]
            process.peak = max(process.peak, peak)
            process.executable = executable(pid) or process.executable  # after an exec
            process.sightings += 1
        elif peak:
            seen[pid] = Seen(peak, executable(pid))
        waiting += children(pid)


def peaks_of(root: int, seen: dict[int, Seen]) -> Peaks:
    main = seen.get(root, Seen(0, ""))
    # A worker runs the main process's executable and lives a while: not the child that
    # `subprocess` forks for an instant before it runs a tool (it shows the parent's memory).
    workers = [
        s.peak
        for pid, s in seen.items()
        if pid != root and s.executable == main.executable and s.sightings > 1
    ]
    others = [s for pid, s in seen.items() if pid != root and s.executable != main.executable]
    other = max(others, key=lambda s: s.peak, default=Seen(0, ""))
    return Peaks(
        main.peak, max(workers, default=0), other.peak, Path(other.executable).name, len(seen)
    )


def run_watched(
    runner: Runner, command: Sequence[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[Run, Peaks]:
    """bench/run.py's `Runner.run`, looking at the process tree's memory meanwhile.

    `os.wait4`'s `ru_maxrss` is the largest peak of any one process of the tree (Linux
    keeps the maximum over the reaped children, not a sum); the samples say which process
    it was. A worker's resident set counts the pages it shares with the main process.
    """
    wait_until_quiet(runner.settle)
    seen: dict[int, Seen] = {}
    with runner.log.open("ab") as out:
        out.write(f"$ cd {cwd} && {' '.join(command)}\n".encode())
        out.flush()
        busy = busy_seconds()
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            sample_tree(child.pid, seen)
            time.sleep(SAMPLE_EVERY)
        seconds = time.perf_counter() - started
        busy = busy_seconds() - busy
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code
    if code != 0:
        tail = runner.log.read_text(errors="replace").splitlines()[-15:]
        raise CommandFailed(f"{' '.join(command)} (in {cwd}) exited {code}:\n" + "\n".join(tail))
    cpu = usage.ru_utime + usage.ru_stime
    done = Run(seconds, cpu, usage.ru_maxrss * 1024, max(0.0, (busy - cpu) / seconds))
    peaks = peaks_of(child.pid, seen)
    with runner.log.open("a") as out:
        out.write(f"# {done} {peaks}\n")
    return done, peaks


@dataclass(frozen=True)
class Side:
    """One side of the comparison: the medians of its runs, and its output's pages."""

    label: str
    measure: Measure
    peaks: Peaks
    pages: int

    @classmethod
    def of(cls, label: str, runs: Sequence[tuple[Run, Peaks]], pdf: Path) -> Side:
        peaks = [p for _, p in runs]
        largest_other = max(peaks, key=lambda p: p.other)
        median = Peaks(
            int(statistics.median(p.main for p in peaks)),
            int(statistics.median(p.worker for p in peaks)),
            int(statistics.median(p.other for p in peaks)),
            largest_other.other_name,
            max(p.processes for p in peaks),
        )
        return cls(label, Measure.of([r for r, _ in runs]), median, page_count(pdf))


WatchedStep = Callable[[], tuple[Run, Peaks]]


def alternate_watched(steps: Sequence[WatchedStep], runs: int) -> list[list[tuple[Run, Peaks]]]:
    """Run each step `runs` times, taking turns (a slow spell hits every side alike)."""
    results: list[list[tuple[Run, Peaks]]] = [[] for _ in steps]
    for _ in range(runs):
        for step, found in zip(steps, results, strict=True):
            found.append(step())
    return results


def measure_book(runner: Runner, book: Book, tools: Path, runs: int) -> list[Side]:
    """The five sides for one book: --jobs 1, --jobs 2, the edit, and the two peers."""
    folder = book.folder
    pandoc = pandoc_path()
    # The peers find `weasyprint` beside this Python (not behind a pyenv shim) and `typst`.
    path = os.pathsep.join([str(tools), str(Path(sys.executable).parent), os.environ["PATH"]])
    env = {**os.environ, "PATH": path}
    documents = [str(d) for d in book.documents]

    # publish from this checkout, whichever one `pip install -e` points to.
    ours = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }

    def publish(out: str, *flags: str) -> WatchedStep:
        command = [*PUBLISH, "build", str(book.path), "--format", "pdf", "--out", out, *flags]
        return lambda: run_watched(runner, command, folder, ours)

    def edited() -> tuple[Run, Peaks]:
        edit_one_word(book.middle)  # untimed
        pdf = folder / "out-2" / book.pdf
        before = pdf.stat().st_mtime_ns
        done = publish("out-2", "--jobs", "2")()
        if pdf.stat().st_mtime_ns == before:  # a build that saw no change would time nothing
            raise CommandFailed(f"the build after editing {book.middle} did not write {pdf}")
        return done

    def peer(engine: str, *a5: str) -> WatchedStep:
        command = [pandoc, *documents, "--file-scope", *a5, f"--pdf-engine={engine}"]
        command += ["-o", f"out-peers/{engine}.pdf"]
        return lambda: run_watched(runner, command, folder, env)

    for out in ("out-1", "out-2", "out-peers"):
        fresh(folder / out)
    steps = {
        "publish --jobs 1": (publish("out-1", "--force", "--jobs", "1"), f"out-1/{book.pdf}"),
        "publish --jobs 2": (publish("out-2", "--force", "--jobs", "2"), f"out-2/{book.pdf}"),
        "publish --jobs 2, one chapter edited": (edited, f"out-2/{book.pdf}"),
        "Pandoc + WeasyPrint": (
            peer("weasyprint", "--css", str(tools / A5_CSS)),
            "out-peers/weasyprint.pdf",
        ),
        "Pandoc + Typst": (peer("typst", "--variable", "papersize=a5"), "out-peers/typst.pdf"),
    }
    found = alternate_watched([step for step, _ in steps.values()], runs)
    return [
        Side.of(label, runs_of, folder / pdf)
        for (label, (_, pdf)), runs_of in zip(steps.items(), found, strict=True)
    ]


# The report


def figures(book: Book, sides: Sequence[Side]) -> list[Figure]:
    one, two, edit, weasyprint, typst = sides
    speedup = one.measure.seconds / two.measure.seconds
    share = edit.measure.seconds / two.measure.seconds
    largest = max(two.peaks.worker, two.peaks.main, two.measure.peak_bytes)
    others = max(s.measure.others for s in sides)
    name = f"{book.name} ({two.pages} pages)"
    return [
        Figure(
            f"{name}: --jobs 2 vs --jobs 1 (speed-up)",
            timing(two.measure),
            timing(one.measure),
            speedup,
            "≥ 1.70",
            speedup >= 1.7,
            others,
        ),
        Figure(
            f"{name}: CPU time, --jobs 2 vs --jobs 1 (no target)",
            f"{two.measure.cpu_seconds:.2f} s",
            f"{one.measure.cpu_seconds:.2f} s",
            two.measure.cpu_seconds / one.measure.cpu_seconds,
            "",
            None,
            others,
        ),
        Figure(
            f"{name}: peak memory of the largest process, --jobs 2 "
            f"(main {mebibytes(two.peaks.main)}, {worker(two.peaks)})",
            mebibytes(largest),
            "",
            None,
            "< 1 GiB",
            largest < 2**30,
            others,
        ),
        Figure(
            f"{name}: one chapter edited vs full build (--jobs 2)",
            timing(edit.measure),
            timing(two.measure),
            share,
            "≤ 0.15",
            share <= 0.15,
            others,
        ),
        Figure(
            f"{name}: publish --jobs 2 vs Pandoc + WeasyPrint ({weasyprint.pages} pages)",
            timing(two.measure),
            timing(weasyprint.measure),
            two.measure.seconds / weasyprint.measure.seconds,
            "< 1.00",
            two.measure.seconds < weasyprint.measure.seconds,
            others,
        ),
        Figure(
            f"{name}: publish --jobs 2 vs Pandoc + Typst ({typst.pages} pages; no target)",
            timing(two.measure),
            timing(typst.measure),
            two.measure.seconds / typst.measure.seconds,
            "",
            None,
            others,
        ),
    ]


def sides_table(book: Book, sides: Sequence[Side]) -> str:
    lines = [
        f"### {book.name}",
        "",
        "| run | pages | wall | CPU | largest process (wait4) | main (sampled) "
        "| largest worker (sampled) | largest other process (sampled) | processes "
        "| other load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sides:
        m = s.measure
        lines.append(
            f"| {s.label} | {s.pages} | {m.seconds:.2f} s | {m.cpu_seconds:.2f} s | "
            f"{mebibytes(m.peak_bytes)} | {mebibytes(s.peaks.main)} | "
            f"{mebibytes(s.peaks.worker) if s.peaks.worker else '–'} | {other_process(s.peaks)} "
            f"| {s.peaks.processes} | "
            f"{m.others:.2f} |"
        )
    return "\n".join(lines)


def worker(peaks: Peaks) -> str:
    return f"largest worker {mebibytes(peaks.worker)}" if peaks.worker else "no worker process"


def other_process(peaks: Peaks) -> str:
    return f"{mebibytes(peaks.other)} ({peaks.other_name})" if peaks.other else "–"


def report(
    results: Sequence[tuple[Book, Sequence[Side]]], args: argparse.Namespace, done: bool = True
) -> str:
    facts = "\n".join(f"- {key}: {value}" for key, value in machine().items())
    kind = "Quick (smoke test)" if args.quick else "Full"
    rows = [f for book, sides in results for f in figures(book, sides)]
    parts = [
        "# Chapter-parallel PDF" + ("" if done else " (partial: the run is not finished)"),
        f"{kind} run of `bench/chapters.py`, seed {args.seed}, median of {args.runs} run(s) "
        "per figure, the sides of each book taking turns. Whole processes, wall time (CPU "
        "time of the process and its children in brackets); memory is the peak resident "
        "set of the largest process of the tree. *Other load*: the most cores other "
        "programs kept busy during any run of that book (0 on a quiet machine).",
        table(rows),
        "## Each run",
        *(sides_table(book, sides) for book, sides in results),
        "## Machine",
        facts,
    ]
    return "\n\n".join(parts) + "\n"


# Main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="runs per figure (default 3; 1 with --quick)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the Vindication's first five documents and a book of 8 short chapters, one run",
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--seed", type=int, default=SEED, help=f"input seed (default {SEED})")
    parser.add_argument(
        "--only",
        choices=("vindication", "book"),
        action="append",
        help="measure only this book (repeatable)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        help="before each run, wait up to this many seconds for other programs to go "
        "quiet (default 60, 5 with --quick; 0 to never wait)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the tables")
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    if args.settle is None:
        args.settle = 5.0 if args.quick else 60.0
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = work_folder(args.keep, "publish-chapters-")
    say(f"Working in {work}")
    runner = Runner(work / "commands.log", args.settle)
    tools = tools_folder(work)
    wanted = args.only or ["vindication", "book"]
    results: list[tuple[Book, list[Side]]] = []
    try:
        for which in wanted:
            if which == "vindication":
                book = vindication(work, QUICK_VINDICATION if args.quick else None)
            else:
                book = generated(work, args.quick, args.seed)
            say(
                f"{book.name}: --jobs 1, --jobs 2, one chapter edited, Pandoc + WeasyPrint, "
                "Pandoc + Typst …"
            )
            results.append((book, measure_book(runner, book, tools, args.runs)))
            args.results.write_text(report(results, args, done=False), encoding="utf-8")
    except CommandFailed as exc:
        say(f"failed: {exc}")
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = report(results, args)
    print(text)
    args.results.write_text(text, encoding="utf-8")
    say(f"Written to {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
