"""The hostile corpus (tests/fixtures/hostile/, described in its README): each case is a
small project an attacker or a careless user would hand over, with what must happen.

Every case is run once, in this process, as `publish build` in its own copy of the project;
the EPUBs of the runs that succeed are checked in one JVM. Then each case is held to the
promises: exit 0 with whole books, EPUBCheck-clean, or exit 1 with one `path:line: message`
per problem; never a traceback; nothing from outside the project in a book; and the text a
case names printed in both books.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import html

from publish.cli import main
from tests.conftest import FIXTURES
from tests.epub_helpers import active_parts, tiny_png
from tests.epubcheck_batch import epubcheck_many
from tests.pdf_helpers import printed_words, words_of

CORPUS = FIXTURES / "hostile"
SECRET = "OUTSIDESECRET"
EXPECTATIONS = ("ok", "warning", "error")
# What the CLI prints on stderr: `path: message` or `path:line: message`, one per line.
PROBLEM_LINE = re.compile(r"^(?P<where>[^\s:][^:\n]*?(?::\d+)?): (?P<message>\S.*)$")


@dataclass(frozen=True)
class Case:
    """One case of the corpus, as its case.toml states it."""

    name: str
    folder: Path
    story: str
    expect: str
    where: str | None = None
    message: str | None = None
    args: tuple[str, ...] = ("build",)
    printed: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    make: tuple[dict[str, object], ...] = ()

    @classmethod
    def load(cls, case_toml: Path) -> Case:
        data = tomllib.loads(case_toml.read_text(encoding="utf-8"))
        case = cls(
            name=case_toml.parent.relative_to(CORPUS).as_posix(),
            folder=case_toml.parent,
            story=data.pop("story"),
            expect=data.pop("expect"),
            where=data.pop("where", None),
            message=data.pop("message", None),
            args=tuple(data.pop("args", ("build",))),
            printed=tuple(data.pop("printed", ())),
            env=data.pop("env", {}),
            make=tuple(data.pop("make", ())),
        )
        assert not data, f"{case.name}: unknown keys in case.toml: {sorted(data)}"
        assert case.expect in EXPECTATIONS, f"{case.name}: expect is one of {EXPECTATIONS}"
        return case


CASES = [Case.load(path) for path in sorted(CORPUS.glob("*/*/case.toml"))]


@dataclass
class Run:
    """What one case's run did: exit code, what it printed, and the books it left."""

    code: int
    out: str
    err: str
    books: list[Path]


def outside_folder(root: Path) -> Path:
    """A folder beside the project whose files all carry the secret word."""
    outside = root / "outside"
    outside.mkdir()
    for suffix in ("css", "md", "html", "yaml", "ttf", "txt"):
        (outside / f"secret.{suffix}").write_text(f"{SECRET}\n", encoding="utf-8")
    (outside / "secret.png").write_bytes(tiny_png() + SECRET.encode())
    return outside


def make(project: Path, outside: Path, item: dict[str, object]) -> None:
    """Write one `[[make]]` item of a case into its project."""
    (kind, name), *_ = (
        (k, v) for k, v in item.items() if k in ("file", "symlink", "fifo", "folder")
    )
    path = project / str(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "file":
        text = str(item.get("text", "")) * int(item.get("repeat", 1))  # type: ignore[arg-type]
        path.write_text(f"{item.get('head', '')}{text}{item.get('tail', '')}", encoding="utf-8")
    elif kind == "symlink":
        path.symlink_to(str(item["to"]).format(outside=outside))
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir(parents=True, exist_ok=True)


def arguments(case: Case) -> list[str]:
    """The case's command; a build runs its jobs in this process (a pool per case is slow)."""
    args = list(case.args)
    if args[0] == "build" and not any(a in ("-j", "--jobs") for a in args):
        args[1:1] = ["--jobs", "1"]
    return args


def prepared(case: Case, root: Path) -> Path:
    """The case's project, copied under `root` beside its outside folder, made whole."""
    project = root / "project"
    shutil.copytree(case.folder, project, ignore=shutil.ignore_patterns("case.toml"))
    outside = outside_folder(root)
    for item in case.make:
        make(project, outside, item)
    if not any(os.path.lexists(project / name) for name in ("publish.toml", "pyproject.toml")):
        (project / "publish.toml").write_text("")
    return project


def run(case: Case, root: Path) -> Run:
    project = prepared(case, root)
    out, err = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        patch.chdir(project)
        for key, value in case.env.items():
            patch.setenv(key, value)
        code = main(arguments(case))
    books = sorted(p for p in (project / "build").glob("*") if p.suffix in (".epub", ".pdf"))
    return Run(code, out.getvalue(), err.getvalue(), books)


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Run]:
    """The cases this session tests (all of them, or those `-k` selects), each run once."""
    selected = {
        params["case"].name
        for item in request.session.items
        if item.module is request.module
        and "case" in (params := getattr(getattr(item, "callspec", None), "params", {}))
    }
    return {c.name: run(c, tmp_path_factory.mktemp("hostile")) for c in CASES if c.name in selected}


@pytest.fixture(scope="module")
def epub_problems(runs: dict[str, Run]) -> dict[Path, list[str]]:
    epubs = [
        book for r in runs.values() if r.code == 0 for book in r.books if book.suffix == ".epub"
    ]
    return epubcheck_many(epubs)


def epub_bytes(epub: Path) -> bytes:
    """Every file of an EPUB, unpacked."""
    with zipfile.ZipFile(epub) as archive:
        return b"\n".join(archive.read(name) for name in archive.namelist())


def epub_words(epub: Path) -> list[str]:
    """The words of an EPUB's pages, in order."""
    with zipfile.ZipFile(epub) as archive:
        pages = [n for n in archive.namelist() if n.endswith(".xhtml")]
        return words_of(
            " ".join(" ".join(html.fromstring(archive.read(n)).itertext()) for n in pages)
        )


def says(words: list[str], text: str) -> bool:
    """Whether `text`'s words are among `words`, together and in order."""
    return f" {' '.join(words_of(text))} " in f" {' '.join(words)} "


def test_the_corpus_is_larger_than_the_list_of_the_issue() -> None:
    assert len(CASES) > 115
    assert len({case.name.split("/")[0] for case in CASES}) >= 18  # class 17 (watch) is not a build


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_hostile_case_ends_as_it_must(case: Case, runs, epub_problems) -> None:
    result = runs[case.name]
    told = result.out + result.err
    assert "Traceback" not in told and "internal error" not in told, told
    problems = [line for line in result.err.splitlines() if line.strip()]
    for line in problems:
        assert PROBLEM_LINE.match(line), f"not a `path:line: message` line: {line!r}"

    if case.expect == "error":
        assert result.code == 1, f"{case.story}: exit {result.code}, expected an error\n{told}"
        assert problems, f"{case.story}: exit 1 without a message"
    else:
        assert result.code == 0, f"{case.story}: exit {result.code}\n{told}"
        assert {b.suffix for b in result.books} == {".epub", ".pdf"}, told
        for book in result.books:
            if book.suffix == ".epub":
                assert epub_problems[book] == [], "EPUBCheck:\n" + "\n".join(epub_problems[book])
        warnings = [line for line in problems if ": warning: " in line]
        assert bool(warnings) == (case.expect == "warning"), told
    if case.where:
        assert any(line.startswith(f"{case.where}: ") for line in problems), told
    if case.message:
        assert re.search(case.message, told), f"{case.message!r} not in\n{told}"

    words = {".epub": [], ".pdf": []}
    for book in result.books:
        if book.suffix == ".epub":
            assert SECRET.encode() not in epub_bytes(book), f"{book.name} holds an outside file"
            assert active_parts(book) == [], f"{book.name} holds active content"
        words[book.suffix] += epub_words(book) if book.suffix == ".epub" else printed_words(book)
    for suffix, found in words.items():
        assert SECRET.casefold() not in found, f"a {suffix} prints a file from outside"
        for text in case.printed:
            assert says(found, text), f"{text!r} is not in the {suffix} books"
