"""Every source the tests own builds to both books: the fixtures (tests/fixtures/*.md and
its books), the corpus books and the sample sources in source/. Each EPUB passes EPUBCheck;
each PDF prints every note's text, starting on the page of its call.

Everything is built once, by one `publish build` (in parallel worker processes, as a user
would), and the EPUBs are checked in one JVM: a JVM start costs seconds.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from publish import model as m
from publish.cli import main
from publish.preflight import preflight
from publish.reader import read_book, read_document
from tests.conftest import FIXTURES, REPO
from tests.epub_helpers import tiny_png
from tests.epubcheck_batch import epubcheck_many
from tests.pdf_helpers import is_subsequence, printed_words, words_of

# Where each kind of source lives, relative to the copied project.
PATTERNS = (
    "fixtures/*.md",
    "fixtures/*/book.yaml",
    "fixtures/corpus/*/book.yaml",
    "source/*.md",
    "source/*/book.yaml",
)


def copied_tree(root: Path) -> None:
    """The fixtures (the broken ones are test_errors') and source/, in one project."""
    shutil.copytree(FIXTURES, root / "fixtures", ignore=shutil.ignore_patterns("broken"))
    shutil.copytree(REPO / "source", root / "source")
    (root / "publish.toml").write_text("")


def target_names() -> list[str]:
    """Each target, named by its path in the project (a book by its folder)."""
    root = Path(__file__).resolve().parent
    trees = {"fixtures": FIXTURES, "source": REPO / "source"}
    names = []
    for pattern in PATTERNS:
        top, _, rest = pattern.partition("/")
        for path in sorted(trees[top].glob(rest)):
            relative = f"{top}/{path.relative_to(trees[top]).as_posix()}"
            names.append(relative.removesuffix("/book.yaml"))
    assert names, f"no sources found from {root}"
    return names


TARGETS = target_names()


def output_stem(name: str) -> str:
    return Path(name).stem if name.endswith(".md") else Path(name).name


def read(root: Path, name: str) -> m.Document | m.Book:
    path = root / name
    return (
        read_document(path) if name.endswith(".md") else read_book(path / "book.yaml", None, root)
    )


def make_missing_images(root: Path, names: list[str]) -> None:
    """The fixtures name images they do not ship (tests write them): small real PNGs."""
    for name in names:
        try:
            target = read(root, name)
        except Exception:  # a source this branch cannot read yet fails in the build
            continue
        for document in target.documents:
            for image in m.iter_images(document):
                path = Path(document.path).parent / image.src
                if "://" not in image.src and not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(tiny_png())


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the project, its output folder) with every target built to EPUB and PDF."""
    root = tmp_path_factory.mktemp("fixtures-project")
    copied_tree(root)
    make_missing_images(root, TARGETS)
    out = root / "build"
    main(["build", *(str(root / name) for name in TARGETS), "--out", str(out)])
    return root, out


@pytest.fixture(scope="session")
def epub_problems(built: tuple[Path, Path]) -> dict[str, list[str]]:
    """EPUBCheck's problems for each EPUB built, all checked in one JVM."""
    _root, out = built
    return {epub.stem: problems for epub, problems in epubcheck_many(out.glob("*.epub")).items()}


@pytest.mark.parametrize("name", TARGETS)
def test_each_source_builds_an_epub_that_epubcheck_passes(name, built, epub_problems) -> None:
    _root, out = built
    stem = output_stem(name)

    assert (out / f"{stem}.epub").is_file(), f"{name} built no EPUB"
    assert epub_problems[stem] == [], "EPUBCheck:\n" + "\n".join(epub_problems[stem])


@pytest.mark.parametrize("name", TARGETS)
def test_each_source_prints_every_note_on_the_page_of_its_call(name, built) -> None:
    root, out = built
    pdf = out / f"{output_stem(name)}.pdf"
    assert pdf.is_file(), f"{name} built no PDF"
    target = read(root, name)

    printed = printed_words(pdf)
    for document in target.documents:
        for note in document.notes:
            words = note_words(document, note)
            where = f"{document.path}: note {note.number}"
            assert starts_together(printed, words[:8]), f"{where} does not start as written"
            assert is_subsequence(words, printed), f"{where} is not printed whole"
    notes_check = next(f for f in preflight(pdf).findings if f.check.startswith("Notes"))
    assert notes_check.ok, notes_check.detail


def note_words(document: m.Document, note: m.Footnote) -> list[str]:
    """The words a note prints: its text, inline code and code blocks."""
    alone = dataclasses.replace(document, blocks=(), notes=(note,))
    texts = [node.text for node in m.walk(alone) if isinstance(node, m.Text | m.Code | m.CodeBlock)]
    return words_of(" ".join(texts))


def starts_together(words: list[str], run: list[str]) -> bool:
    """Whether `run` is printed in one place: in order, with at most as many other words
    (the markers of a list) among them."""
    return any(
        is_subsequence(run, words[i : i + 2 * len(run)])
        for i, word in enumerate(words)
        if word == run[0]
    )
