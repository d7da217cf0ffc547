"""Bad sources: a clear `path:line: message`, a non-zero exit, and the last good book kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from publish.errors import OutputError
from publish.writers import atomic_output
from tests.conftest import FIXTURES

BROKEN = FIXTURES / "broken"

# Each file of tests/fixtures/broken/, and what the user is told about it.
CASES = {
    "undefined-note.md": "5: footnote [^3] is never defined",
    "note-defined-twice.md": "9: footnote [^a] is defined twice (first on line 7)",
    "note-never-called.md": "7: footnote [^lonely] is defined but never called",
    "note-calls-note.md": "7: a footnote cannot call another footnote",
    "empty.md": "1: the document has no front matter",
    "no-front-matter.md": "1: the document has no front matter",
    "missing-title.md": "2: the front matter needs a non-empty 'title'",
    "empty-title.md": "3: the front matter needs a non-empty 'title'",
    "invalid-yaml.md": "3: invalid YAML in the front matter",
    "front-matter-list.md": "2: the front matter must be a mapping of keys to values",
    "author-number.md": "3: 'author' must be a name or a list of names",
    "date-list.md": "3: 'date' must be text such as 1936-02-12 or c. 1830, not a list",
    "impossible-date.md": "3: 'date' '1936-02-31' is not a real date",
    "unknown-lang.md": "3: unknown language 'qq-zz' in 'lang'",
    "bad-setting.md": "3: setting 'notes' must be one of chapter, book, not 'margin'",
    "latin1.md": "5: the file is not UTF-8 text",
    "missing-image.md": "5: image 'lost.png' not found",
}


@pytest.fixture
def last_good_book(project: Path) -> dict[Path, bytes]:
    """Outputs from an earlier, good build: a failed build must leave them as they are."""
    build = project / "build"
    build.mkdir()
    books = {
        build / "bad.epub": b"PK earlier good epub",
        build / "bad.pdf": b"%PDF earlier good pdf",
    }
    for path, data in books.items():
        path.write_bytes(data)
    return books


def assert_untouched(books: dict[Path, bytes]) -> None:
    for path, data in books.items():
        assert path.read_bytes() == data, f"{path} was changed"
    folder = next(iter(books)).parent
    assert sorted(folder.iterdir()) == sorted(books), "a stray file was left in build/"


@pytest.mark.parametrize("name, message", CASES.items(), ids=CASES.keys())
def test_bad_source_is_reported_with_file_and_line(
    name, message, project, run_cli, last_good_book
) -> None:
    shutil.copy(BROKEN / name, project / "source" / "bad.md")

    result = run_cli("build", "source/bad.md")

    assert result.code == 1
    assert f"source/bad.md:{message}" in result.err
    assert result.err.count("source/bad.md:") == 1, "the error is printed once"
    assert_untouched(last_good_book)


def test_a_source_too_large_to_be_a_document_is_refused(project, run_cli, last_good_book) -> None:
    with open(project / "source" / "bad.md", "wb") as big:
        big.write(b"---\ntitle: Big\n---\n\n")
        big.write(b"Lorem ipsum dolor sit amet. " * (50 * 2**20 // 28))

    result = run_cli("build", "source/bad.md")

    assert result.code == 1
    assert "source/bad.md: the file is 50.0 MB; a source may be at most 10 MB" in result.err
    assert_untouched(last_good_book)


def test_deeply_nested_quotes_and_lists_are_an_error_not_lost_text(write_source, run_cli) -> None:
    # markdown-it stops reading past its nesting limit: the text would be lost silently.
    write_source("deep.md", "---\ntitle: Deep\n---\n\n" + "> " * 10_000 + "deep\n")
    lists = "".join("  " * level + "- item\n" for level in range(2_000))
    write_source("lists.md", "---\ntitle: Lists\n---\n\n" + lists)

    result = run_cli("check", "source/deep.md", "source/lists.md")

    assert result.code == 1
    assert "source/deep.md:5: the text is nested deeper than 50 levels" in result.err
    assert "source/lists.md:" in result.err and "Traceback" not in result.err


def test_byte_order_mark_and_windows_line_ends_are_read_as_text(project, run_cli) -> None:
    text = "---\r\ntitle: T\r\n---\r\n\r\nA call[^a].\r\n\r\n[^a]: Note.\r\n"
    (project / "source" / "crlf.md").write_bytes(b"\xef\xbb\xbf" + text.encode())

    assert run_cli("check", "source/crlf.md").code == 0


def test_unknown_key_is_a_warning_not_a_failure(write_source, run_cli) -> None:
    write_source("odd.md", "---\ntitle: T\ncolour: blue\n---\n\nText.\n")

    result = run_cli("check", "source/odd.md")

    assert result.code == 0
    assert "source/odd.md:3: warning: unknown front matter key 'colour' is ignored" in result.err


def test_one_broken_document_does_not_stop_the_others(write_source, run_cli, project) -> None:
    write_source("good.md", "---\ntitle: Good\n---\n\nFine[^n].\n\n[^n]: A note.\n")
    write_source("bad.md", "---\ntitle: Bad\n---\n\nBroken[^x].\n")

    result = run_cli("build", "source", "--format", "epub")

    assert result.code == 1
    assert "source/bad.md:5: footnote [^x] is never defined" in result.err
    assert [p.name for p in (project / "build").iterdir() if not p.name.startswith(".")] == [
        "good.epub"
    ]


def test_missing_path_is_reported(project, run_cli) -> None:
    result = run_cli("check", "source/nowhere.md")

    assert result.code == 1
    assert "source/nowhere.md: no such file or folder" in result.err


def test_failed_write_keeps_the_previous_output(tmp_path: Path) -> None:
    book = tmp_path / "book.pdf"
    book.write_bytes(b"%PDF good")

    with pytest.raises(RuntimeError), atomic_output(book) as tmp:
        tmp.write_bytes(b"%PDF half")
        raise RuntimeError("renderer crashed mid-way")

    assert book.read_bytes() == b"%PDF good"
    assert list(tmp_path.iterdir()) == [book]


def test_output_folder_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "build").write_text("not a folder")

    with pytest.raises(OutputError), atomic_output(tmp_path / "build" / "x.epub"):
        pass


BOOK_CASES = {
    "missing document": (
        "title: B\ndocuments:\n  - one.md\n  - two.md\n",
        "source/book/book.yaml:4: 'two.md' is listed in 'documents' but does not exist",
    ),
    "document listed twice": (
        "title: B\ndocuments:\n  - one.md\n  - ./one.md\n",
        "source/book/book.yaml:4: './one.md' is listed twice in 'documents' (first on line 3)",
    ),
    "document outside the project": (
        "title: B\ndocuments: [one.md, ../../../outside.md]\n",
        "source/book/book.yaml:2: '../../../outside.md' is outside the project folder",
    ),
    "no documents": (
        "title: B\n",
        "source/book/book.yaml:1: 'documents' must list the book's Markdown files",
    ),
    "no title": (
        "documents: [one.md]\n",
        "source/book/book.yaml:1: the book header needs a non-empty 'title'",
    ),
}


@pytest.mark.parametrize("book_yaml, message", BOOK_CASES.values(), ids=BOOK_CASES.keys())
def test_bad_book_is_reported_with_file_and_line(book_yaml, message, project, run_cli) -> None:
    book = project / "source" / "book"
    book.mkdir()
    (book / "one.md").write_text("---\ntitle: One\n---\n\nText.\n")
    (project.parent / "outside.md").write_text("---\ntitle: Out\n---\n\nText.\n")
    (book / "book.yaml").write_text(book_yaml)

    result = run_cli("build", "source/book")

    assert result.code == 1
    assert message in result.err
    assert not (project / "build").exists()
