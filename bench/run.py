"""Benchmark publish against its peers, whole process against whole process.

Generates its own inputs (deterministic, from a seed), then measures:

1. EPUB: `publish build DOC --format epub` vs Pandoc converting the same Markdown.
2. PDF: `publish build DOC --format pdf` vs WeasyPrint alone rendering the HTML and CSS
   that publish produced for that document.
3. Archive: `--jobs 2` vs `--jobs 1` on 100 letters, and a no-op rebuild vs a full build.
4. Books of 250, 500 and 1,000 pages: time and peak memory of the PDF build (`--jobs 1`).

Each figure is the median of `--runs` runs; the two sides of a ratio run alternately.
Prints a Markdown table and writes it, with the machine's facts, to bench/results.md.

    python bench/run.py                 # the full benchmark (15-25 minutes on 2 cores)
    python bench/run.py --quick         # small inputs, one run: a smoke test
    python bench/run.py --keep /tmp/b   # keep the generated projects and outputs
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import itertools
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results.md"
SEED = 1936
PUBLISH = [sys.executable, "-m", "publish"]  # the console script, without a shell shim

# Words of body text per A5 page, notes (about 1.8 a page) coming on top: measured with
# styles/print.css (10.5 pt Charis SIL) on the generated prose.
WORDS_PER_PAGE = 230


# Inputs


@dataclass(frozen=True)
class Sizes:
    """How big the generated inputs are."""

    doc_pages: int
    doc_notes: int
    chapter_pages: int
    notes_per_chapter: int
    book_chapters: tuple[int, ...]  # one book per entry: the growth series
    letters: int


FULL = Sizes(
    doc_pages=220,
    doc_notes=400,
    chapter_pages=25,
    notes_per_chapter=45,
    book_chapters=(10, 20, 40),
    letters=100,
)
QUICK = Sizes(
    doc_pages=24,
    doc_notes=40,
    chapter_pages=5,
    notes_per_chapter=8,
    book_chapters=(2, 4, 8),
    letters=12,
)

_WORDS = """
el la los las un una de del en con por para sobre entre desde hasta sin contra según
que como cuando donde porque aunque mientras pero sino también tampoco siempre nunca
ya todavía apenas quizá acaso luego entonces así bien mal mucho poco más menos muy
obrero obreros clase clases trabajo trabajadores partido sindicato huelga fábrica
campesino campesinos tierra pan salario jornada capital burguesía proletariado Estado
gobierno revolución historia época siglo año años día noche ciudad pueblo país mundo
camarada camaradas carta cartas periódico folleto libro edición traducción página
congreso comité asamblea consejo prensa opinión pública prisión destierro exilio
lucha victoria derrota fuerza poder libertad justicia miseria riqueza hambre guerra
paz orden movimiento programa principio método teoría práctica razón verdad mentira
escribe escribió dice dijo piensa pensaba sabe sabía puede podía debe debía quiere
quería tiene tenía hace hacía llega llegó vuelve volvió queda quedó parece parecía
grande pequeño nuevo viejo largo breve claro oscuro fuerte débil justo falso entero
primero segundo último propio mismo otro cierto todo cada alguno ninguno varios
internacional nacional político económico social histórico obrero revolucionario
mayoría minoría dirección conciencia organización experiencia condición situación
"""
VOCABULARY = _WORDS.split()

ENDINGS = ".....?!"

_NAMES = """Muste Sedova Rosmer Serge Naville Nin Andrade Molinier Frank Shachtman Cannon
Vereeken Sneevliet Fischer Maslow Zeller Craipeau Bardin Lesoil Dauge"""
NAMES = _NAMES.split()


class Prose:
    """Spanish-like prose from a seeded generator: the same seed gives the same text."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sentence(self, low: int = 8, high: int = 26) -> str:
        words = self.rng.choices(VOCABULARY, k=self.rng.randint(low, high))
        if self.rng.random() < 0.3:
            words.insert(self.rng.randrange(len(words)), self.rng.choice(NAMES))
        if len(words) > 3 and self.rng.random() < 0.25:
            cut = self.rng.randrange(2, len(words))
            words[cut - 1] += ","
        if self.rng.random() < 0.1:
            words[self.rng.randrange(len(words))] = f"*{self.rng.choice(VOCABULARY)}*"
        text = " ".join(words)
        return text[0].upper() + text[1:] + self.rng.choice(ENDINGS)

    def paragraph(self, low: int = 3, high: int = 8) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def note(self) -> str:
        """A note of mixed length: mostly a line or two, sometimes a long paragraph."""
        roll = self.rng.random()
        count = (
            1 if roll < 0.5 else self.rng.randint(2, 4) if roll < 0.85 else self.rng.randint(5, 9)
        )
        return " ".join(self.sentence(6, 20) for _ in range(count))

    def title(self) -> str:
        return self.sentence(2, 5).rstrip(".;:?!")


def front_matter(title: str, date: str, author: str = "León Trotsky") -> str:
    return f'---\ntitle: "{title}"\nauthor: {author}\ndate: {date}\nlang: es\n---\n\n'


def body(prose: Prose, pages: int, notes: int, headings_every: int = 0) -> str:
    """Markdown of about `pages` A5 pages with `notes` notes numbered from 1, in order.

    Each note's definition follows the paragraph that calls it.
    """
    paragraphs = []
    words = 0
    while words < pages * WORDS_PER_PAGE:
        paragraphs.append(prose.paragraph())
        words += len(paragraphs[-1].split())
    calls = sorted(prose.rng.choices(range(len(paragraphs)), k=notes))
    blocks = []
    number = 1
    for index, text in enumerate(paragraphs):
        if headings_every and index and index % headings_every == 0:
            blocks.append(f"## {prose.title()}")
        definitions = []
        for _ in range(calls.count(index)):
            text = _call_note(prose.rng, text, number)
            definitions.append(f"[^{number}]: {prose.note()}")
            number += 1
        blocks.append(text)
        blocks.extend(definitions)
    return "\n\n".join(blocks) + "\n"


def _call_note(rng: random.Random, text: str, number: int) -> str:
    """Put the call `[^number]` after a word of the paragraph, after any earlier call."""
    words = text.split(" ")
    last_call = max((i for i, w in enumerate(words) if "[^" in w), default=-1)
    where = rng.randrange(min(last_call + 1, len(words) - 1), len(words))
    words[where] += f"[^{number}]"
    return " ".join(words)


def project(folder: Path) -> Path:
    """An empty project folder: `publish.toml` marks its root."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "source").mkdir(parents=True)
    (folder / "publish.toml").write_text("")
    return folder


def make_document(folder: Path, sizes: Sizes, seed: int) -> Path:
    """The single long document: returns its path, relative to its project folder."""
    prose = Prose(random.Random(f"{seed}-document"))
    text = front_matter("Escritos del destierro", "1936-02-12") + body(
        prose, sizes.doc_pages, sizes.doc_notes, headings_every=25
    )
    path = project(folder) / "source" / "escritos.md"
    path.write_text(text, encoding="utf-8")
    return path.relative_to(folder)


def make_book(folder: Path, sizes: Sizes, chapters: int, seed: int) -> Path:
    """A book of `chapters` chapters in `source/libro/`: returns that folder, relative."""
    prose = Prose(random.Random(f"{seed}-book"))
    book = project(folder) / "source" / "libro"
    book.mkdir()
    names = []
    for number in range(1, chapters + 1):
        name = f"capitulo-{number:02d}.md"
        date = f"19{30 + number // 12:02d}-{number % 12 + 1:02d}-15"
        chapter = front_matter(f"{number}. {prose.title()}", date) + body(
            prose, sizes.chapter_pages, sizes.notes_per_chapter, headings_every=20
        )
        (book / name).write_text(chapter, encoding="utf-8")
        names.append(name)
    listed = "".join(f"  - {name}\n" for name in names)
    (book / "book.yaml").write_text(
        f'title: "Obras escogidas, {chapters} capítulos"\nauthor: León Trotsky\n'
        f"date: 1940\nlang: es\ndocuments:\n{listed}",
        encoding="utf-8",
    )
    return book.relative_to(folder)


def make_archive(folder: Path, sizes: Sizes, seed: int) -> Path:
    """An archive of short letters (1-2 pages, two or three notes each): returns `source`."""
    rng = random.Random(f"{seed}-archive")
    prose = Prose(rng)
    source = project(folder) / "source"
    for number in range(1, sizes.letters + 1):
        date = f"19{29 + number // 40:02d}-{number % 12 + 1:02d}-{number % 28 + 1:02d}"
        pages = rng.choice((1, 1, 1.5, 2))
        letter = (
            front_matter(f"Carta a {rng.choice(NAMES)}", date)
            + f"Estimado camarada {rng.choice(NAMES)}:\n\n"
            + body(prose, pages, rng.randint(2, 3))
            + "\nCon saludos comunistas,\n\nL. T.\n"
        )
        (source / f"carta-{number:03d}.md").write_text(letter, encoding="utf-8")
    return source.relative_to(folder)


# Measuring


@dataclass(frozen=True)
class Run:
    """One whole-process run.

    `peak_bytes` is the peak resident memory of its largest process; `others` is how many
    cores other programs on the machine kept busy meanwhile, on average (noise).
    """

    seconds: float
    cpu_seconds: float
    peak_bytes: int
    others: float


@dataclass(frozen=True)
class Measure:
    """The median of several runs, and the most the others loaded the machine in any."""

    seconds: float
    cpu_seconds: float
    peak_bytes: int
    others: float
    runs: int

    @classmethod
    def of(cls, runs: Sequence[Run]) -> Measure:
        return cls(
            statistics.median(r.seconds for r in runs),
            statistics.median(r.cpu_seconds for r in runs),
            int(statistics.median(r.peak_bytes for r in runs)),
            max(r.others for r in runs),
            len(runs),
        )


class CommandFailed(RuntimeError):
    pass


def busy_seconds() -> float:
    """CPU time spent by everything on the machine since boot, all cores (/proc/stat)."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(limit: float, busy: float = 0.3) -> None:
    """Wait (up to `limit` seconds) until other programs use less than `busy` of a core.

    Other work on a shared machine slows whatever runs; starting each run on a quiet
    machine keeps the two sides of a ratio comparable.
    """
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = busy_seconds()
        time.sleep(1.0)
        if busy_seconds() - before < busy:
            return


@dataclass(frozen=True)
class Runner:
    """Runs commands, logging their output to `log`, each after waiting for a quiet machine."""

    log: Path
    settle: float

    def run(self, command: Sequence[str], cwd: Path) -> Run:
        """Run `command` in `cwd`. Raises if it fails.

        `os.wait4` gives the child's rusage: its `ru_maxrss` is the peak of the child or of
        the largest of its own children (worker processes), in KiB on Linux; its CPU times
        include the children's.
        """
        wait_until_quiet(self.settle)
        with self.log.open("ab") as out:
            out.write(f"$ cd {cwd} && {' '.join(command)}\n".encode())
            out.flush()
            busy = busy_seconds()
            started = time.perf_counter()
            child = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - started
            busy = busy_seconds() - busy
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            tail = self.log.read_text(errors="replace").splitlines()[-15:]
            raise CommandFailed(
                f"{' '.join(command)} (in {cwd}) exited {child.returncode}:\n" + "\n".join(tail)
            )
        cpu = usage.ru_utime + usage.ru_stime
        done = Run(seconds, cpu, usage.ru_maxrss * 1024, max(0.0, (busy - cpu) / seconds))
        with self.log.open("a") as out:
            out.write(f"# {done}\n")
        return done


Step = Callable[[], Run]


def alternate(steps: Sequence[Step], runs: int) -> list[Measure]:
    """Run each step `runs` times, taking turns, and give the median of each."""
    results: list[list[Run]] = [[] for _ in steps]
    for _ in range(runs):
        for step, found in zip(steps, results, strict=True):
            found.append(step())
    return [Measure.of(found) for found in results]


def fresh(folder: Path) -> Path:
    """An empty output folder."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def publish_build(runner: Runner, cwd: Path, target: Path, out: str, *flags: str) -> Run:
    return runner.run([*PUBLISH, "build", str(target), "--out", out, *flags], cwd)


# The figures


@dataclass(frozen=True)
class Figure:
    """One row of the results table."""

    name: str
    ours: str
    theirs: str
    ratio: float | None
    target: str
    met: bool | None
    others: float = 0.0  # the most other programs loaded the machine during its runs

    def row(self) -> str:
        ratio = "" if self.ratio is None else f"{self.ratio:.3f}"
        met = {True: "yes", False: "**no**", None: ""}[self.met]
        cells = (self.name, self.ours, self.theirs, ratio, self.target, met, f"{self.others:.2f}")
        return "| " + " | ".join(cells) + " |"


def timing(m: Measure) -> str:
    return f"{m.seconds:.2f} s (CPU {m.cpu_seconds:.2f} s)"


def mebibytes(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def epub_figure(runner: Runner, folder: Path, doc: Path, runs: int) -> Figure:
    """publish → EPUB vs Pandoc → EPUB, the same Markdown file."""
    pandoc = pandoc_path()

    def ours() -> Run:
        return publish_build(runner, folder, doc, "out", "--format", "epub", "--force")

    def theirs() -> Run:
        return runner.run([pandoc, str(doc), "-o", "out/pandoc.epub"], folder)

    fresh(folder / "out")
    mine, peer = alternate([ours, theirs], runs)
    ratio = mine.seconds / peer.seconds
    return Figure(
        f"EPUB, single document ({note_count(folder / doc)} notes): publish vs Pandoc",
        timing(mine),
        timing(peer),
        ratio,
        "≤ 1.00",
        ratio <= 1.0,
        max(mine.others, peer.others),
    )


# Run in a helper process (untimed): the print HTML publish makes for the document,
# written beside the source so that its relative URLs resolve as they do for publish.
HTML_HELPER = """
import inspect
import sys
from pathlib import Path
from publish.reader import read_document
from publish.render import template_environment
from publish.resources import find_project_root, find_style
from publish.settings import Settings
from publish.writers import pdf

source = Path(sys.argv[1]).resolve()
root = find_project_root(source)
arguments = [read_document(source), template_environment(root)]
if "settings" in inspect.signature(pdf.render_html).parameters:
    arguments.append(Settings())  # the defaults: the generated projects set nothing
html = pdf.render_html(*arguments)
Path(sys.argv[2]).write_text(html, encoding="utf-8")
print(find_style(pdf.STYLE, root))
"""

# The baseline: WeasyPrint alone, one layout, with the style sheet, fonts and PDF tags
# publish uses.
WEASYPRINT = """
import sys
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

html, base, css, out = sys.argv[1:]
fonts = FontConfiguration()
sheets = [CSS(filename=css, font_config=fonts)]
HTML(filename=html, base_url=base).write_pdf(
    out, stylesheets=sheets, font_config=fonts, pdf_tags=True
)
"""


def print_html(folder: Path, doc: Path) -> tuple[Path, str]:
    """Write publish's print HTML beside `doc`; give its path and the style sheet's."""
    html = doc.with_suffix(".print.html")
    helper = subprocess.run(
        [sys.executable, "-c", HTML_HELPER, str(doc), str(html)],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    if helper.returncode != 0:
        raise CommandFailed(f"rendering the print HTML of {doc} failed:\n{helper.stderr}")
    return html, helper.stdout.strip().splitlines()[-1]


def pdf_figure(runner: Runner, folder: Path, doc: Path, runs: int) -> Figure:
    """publish → PDF vs WeasyPrint alone on publish's HTML and CSS."""
    html, css = print_html(folder, doc)
    baseline = [sys.executable, "-c", WEASYPRINT, str(html), str(doc.parent), css]

    def ours() -> Run:
        return publish_build(runner, folder, doc, "out", "--format", "pdf", "--force")

    def theirs() -> Run:
        return runner.run([*baseline, "out/weasyprint.pdf"], folder)

    fresh(folder / "out")
    mine, peer = alternate([ours, theirs], runs)
    pages = page_count(folder / "out" / f"{doc.stem}.pdf")
    alone = page_count(folder / "out" / "weasyprint.pdf")
    ratio = mine.seconds / peer.seconds
    return Figure(
        f"PDF, single document ({pages} pages; WeasyPrint alone: {alone}): "
        "publish vs WeasyPrint alone",
        timing(mine),
        timing(peer),
        ratio,
        "≤ 1.10",
        ratio <= 1.10,
        max(mine.others, peer.others),
    )


def archive_figures(runner: Runner, folder: Path, source: Path, runs: int) -> list[Figure]:
    """--jobs 2 vs --jobs 1 (both --force, all formats), and a no-op rebuild vs a full build.

    The no-op rebuild runs right after the --jobs 2 build, into the same folder.
    """

    def build(out: str, *flags: str) -> Step:
        def step() -> Run:
            return publish_build(runner, folder, source, out, "--format", "all", *flags)

        return step

    serial = build("out-1", "--force", "--jobs", "1")
    parallel = build("out-2", "--force", "--jobs", "2")
    noop = build("out-2", "--jobs", "2")
    fresh(folder / "out-1")
    fresh(folder / "out-2")
    one, two, unchanged = alternate([serial, parallel, noop], runs)
    speedup = one.seconds / two.seconds
    share = unchanged.seconds / two.seconds
    letters = len(list((folder / source).glob("*.md")))
    return [
        Figure(
            f"Archive, {letters} letters, EPUB + PDF: --jobs 2 vs --jobs 1 (speed-up)",
            timing(two),
            timing(one),
            speedup,
            "≥ 1.70",
            speedup >= 1.7,
            max(one.others, two.others),
        ),
        Figure(
            "Archive: CPU time, --jobs 2 vs --jobs 1 (the cost of the workers; no target)",
            f"{two.cpu_seconds:.2f} s",
            f"{one.cpu_seconds:.2f} s",
            two.cpu_seconds / one.cpu_seconds,
            "",
            None,
            max(one.others, two.others),
        ),
        Figure(
            "Archive: no-op rebuild vs full build (--jobs 2)",
            timing(unchanged),
            timing(two),
            share,
            "≤ 0.05",
            share <= 0.05,
            max(unchanged.others, two.others),
        ),
    ]


@dataclass(frozen=True)
class Growth:
    """One book of the growth series and its PDF build."""

    chapters: int
    pages: int
    measure: Measure


def book_growth(runner: Runner, books: Sequence[tuple[Path, Path]], runs: int) -> list[Growth]:
    """Each book's PDF build, `--jobs 1`, in its own project: time and peak memory.

    The books take turns, run after run, so that a slow spell of the machine hits every
    size of the series alike.
    """

    def step(folder: Path, book: Path) -> Step:
        flags = ("--format", "pdf", "--force", "--jobs", "1")
        return lambda: publish_build(runner, folder, book, "out", *flags)

    for folder, _book in books:
        fresh(folder / "out")
    measures = alternate([step(folder, book) for folder, book in books], runs)
    return [
        Growth(
            len(list((folder / book).glob("*.md"))),
            page_count(folder / "out" / f"{book.name}.pdf"),
            measure,
        )
        for (folder, book), measure in zip(books, measures, strict=True)
    ]


# How much more an added page may cost in the larger books than in the smaller ones.
LINEAR_SLACK = 1.25


def growth_figures(growth: Sequence[Growth]) -> list[Figure]:
    """Peak memory of the largest book, and whether time and memory grow linearly.

    Linear: the cost of each added page (between successive sizes) does not rise by more
    than `LINEAR_SLACK`; the fixed cost of starting Python and WeasyPrint drops out.
    """
    largest = growth[-1]
    others = max(g.measure.others for g in growth)
    figures = [
        Figure(
            f"Book PDF, {largest.pages} pages, {largest.chapters} chapters, --jobs 1: peak memory",
            mebibytes(largest.measure.peak_bytes),
            "",
            None,
            "< 1 GiB",
            largest.measure.peak_bytes < 2**30,
            largest.measure.others,
        )
    ]
    sizes = " → ".join(str(g.pages) for g in growth)
    for label, value, unit in (("time", _seconds, _ms), ("memory", _peak, _mib)):
        slopes = [
            (value(b) - value(a)) / max(1, b.pages - a.pages) for a, b in itertools.pairwise(growth)
        ]
        if not slopes:
            continue
        rise = slopes[-1] / slopes[0] if len(slopes) > 1 and slopes[0] > 0 else None
        figures.append(
            Figure(
                f"Book PDF {label}, {sizes} pages: cost per added page, last step vs first",
                unit(slopes[-1]),
                unit(slopes[0]),
                rise,
                f"≤ {LINEAR_SLACK:.2f} (linear)",
                None if rise is None else rise <= LINEAR_SLACK,
                others,
            )
        )
    return figures


def _seconds(g: Growth) -> float:
    return g.measure.seconds


def _peak(g: Growth) -> float:
    return g.measure.peak_bytes


def _ms(per_page: float) -> str:
    return f"{per_page * 1000:.0f} ms/page"


def _mib(per_page: float) -> str:
    return f"{per_page / 2**20:.2f} MiB/page"


def page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def note_count(markdown: Path) -> int:
    text = markdown.read_text(encoding="utf-8")
    return sum(line.startswith("[^") for line in text.splitlines())


# The report


def machine() -> dict[str, str]:
    """Where the figures came from."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    memory = next(
        int(line.split()[1]) * 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    pandoc = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True)
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{memory / 2**30:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "publish": f"{importlib.metadata.version('publish')} ({git_revision()})",
        "WeasyPrint": importlib.metadata.version("weasyprint"),
        "Pandoc": pandoc.stdout.split("\n", 1)[0].removeprefix("pandoc "),
    }


def git_revision() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()

    revision = git("rev-parse", "--short", "HEAD") or "no git"
    return revision + (" + uncommitted changes" if git("status", "--porcelain") else "")


def table(figures: Sequence[Figure]) -> str:
    lines = [
        "| figure | publish | peer / baseline | ratio | target | met? | other load |",
        "|---|---:|---:|---:|---|---|---:|",
    ]
    return "\n".join([*lines, *(f.row() for f in figures)])


def growth_table(growth: Sequence[Growth]) -> str:
    lines = [
        "| pages | chapters | time | peak memory | time per page | other load |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for g in growth:
        per_page = g.measure.seconds / max(1, g.pages)
        lines.append(
            f"| {g.pages} | {g.chapters} | {timing(g.measure)} | "
            f"{mebibytes(g.measure.peak_bytes)} | {_ms(per_page)} | {g.measure.others:.2f} |"
        )
    return "\n".join(lines)


def report(
    figures: Sequence[Figure],
    growth: Sequence[Growth],
    args: argparse.Namespace,
    done: bool = True,
) -> str:
    facts = "\n".join(f"- {key}: {value}" for key, value in machine().items())
    kind = "Quick (smoke test)" if args.quick else "Full"
    parts = [
        "# Benchmark results" + ("" if done else " (partial: the run is not finished)"),
        f"{kind} run of `bench/run.py`, seed {args.seed}, median of {args.runs} run(s) per "
        "figure, the books of the growth series included. Whole processes, wall time (CPU "
        "time of the process and its children in brackets); memory is the peak resident "
        "set of the largest process. *Other load*: the most cores other programs "
        "kept busy during any run of that figure, on average over the run (0 on a quiet "
        "machine).",
        table(figures),
    ]
    if growth:
        parts += ["## Book PDF growth (`--jobs 1`)", growth_table(growth)]
    parts += ["## Machine", facts]
    return "\n\n".join(parts) + "\n"


# Main


FIGURES = ("epub", "pdf", "archive", "books")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="runs per figure (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="small inputs and one run")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--seed", type=int, default=SEED, help=f"input seed (default {SEED})")
    parser.add_argument(
        "--only", choices=FIGURES, action="append", help="measure only these (repeatable)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=60.0,
        help="before each run, wait up to this many seconds for other programs to go "
        "quiet (default 60; 0 to never wait)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the table")
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    return args


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


Progress = Callable[[list[Figure], list[Growth]], None]


def benchmark(
    work: Path, args: argparse.Namespace, progress: Progress
) -> tuple[list[Figure], list[Growth]]:
    """Generate the inputs in `work` and measure the figures asked for.

    `progress` hears the figures so far after each one, so that a run cut short keeps them.
    """
    sizes = QUICK if args.quick else FULL
    wanted = set(args.only or FIGURES)
    runner = Runner(work / "commands.log", args.settle)
    figures: list[Figure] = []
    growth: list[Growth] = []
    if wanted & {"epub", "pdf"}:
        doc = make_document(work / "document", sizes, args.seed)
        if "epub" in wanted:
            say("EPUB: publish vs Pandoc …")
            figures.append(epub_figure(runner, work / "document", doc, args.runs))
            progress(figures, growth)
        if "pdf" in wanted:
            say("PDF: publish vs WeasyPrint alone …")
            figures.append(pdf_figure(runner, work / "document", doc, args.runs))
            progress(figures, growth)
    if "archive" in wanted:
        say(f"Archive: {sizes.letters} letters, --jobs 1, --jobs 2, no-op …")
        source = make_archive(work / "archive", sizes, args.seed)
        figures.extend(archive_figures(runner, work / "archive", source, args.runs))
        progress(figures, growth)
    if "books" in wanted:
        chapters = sizes.book_chapters
        say(f"Books of {', '.join(map(str, chapters))} chapters, in turn …")
        folders = {n: work / f"book-{n}" for n in chapters}
        books = [(folders[n], make_book(folders[n], sizes, n, args.seed)) for n in chapters]
        growth.extend(book_growth(runner, books, args.runs))
        figures.extend(growth_figures(growth))
    return figures, growth


def work_folder(keep: Path | None, prefix: str) -> Path:
    """The folder to work in: `--keep`'s (made if need be), or a new temporary one."""
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        return keep.resolve()
    return Path(tempfile.mkdtemp(prefix=prefix))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = work_folder(args.keep, "publish-bench-")
    say(f"Working in {work}")

    def progress(figures: list[Figure], growth: list[Growth]) -> None:
        args.results.write_text(report(figures, growth, args, done=False), encoding="utf-8")

    try:
        figures, growth = benchmark(work, args, progress)
    except CommandFailed as exc:
        say(f"failed: {exc}")
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = report(figures, growth, args)
    print(text)
    args.results.write_text(text, encoding="utf-8")
    say(f"Written to {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
