"""Bad sources: a clear `path:line: message`, a non-zero exit, and the last good book kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.errors import OutputError
from publish.writers import atomic_output

GOOD_BODY = "Body text.\n"

CASES = {
    "undefined note": (
        "---\ntitle: T\n---\n\nA call[^3] to nothing.\n",
        "source/bad.md:5: footnote [^3] is never defined",
    ),
    "undefined note with a space in its label": (
        "---\ntitle: T\n---\n\nA call[^no such] to nothing.\n",
        "source/bad.md:5: footnote [^no such] is never defined",
    ),
    "note defined twice": (
        "---\ntitle: T\n---\n\nA call[^a].\n\n[^a]: One.\n\n[^a]: Two.\n",
        "source/bad.md:9: footnote [^a] is defined twice (first on line 7)",
    ),
    "note never called": (
        "---\ntitle: T\n---\n\nNo call.\n\n[^lonely]: Nobody calls me.\n",
        "source/bad.md:7: footnote [^lonely] is defined but never called",
    ),
    "note calling a note": (
        "---\ntitle: T\n---\n\nA call[^a].\n\n[^a]: Calls[^b].\n\n[^b]: Inner.\n",
        "source/bad.md:7: a footnote cannot call another footnote",
    ),
    "no front matter": (
        "# Just a heading\n",
        "source/bad.md:1: the document has no front matter",
    ),
    "missing title": (
        "---\nauthor: Someone\n---\n\nText.\n",
        "source/bad.md:2: the front matter needs a non-empty 'title'",
    ),
    "empty title": (
        "---\nauthor: Someone\ntitle: '  '\n---\n\nText.\n",
        "source/bad.md:3: the front matter needs a non-empty 'title'",
    ),
    "invalid YAML": (
        "---\ntitle: T\nauthor: [unclosed\n---\n\nText.\n",
        "source/bad.md:3: invalid YAML in the front matter",
    ),
    "front matter not a mapping": (
        "---\n- just\n- a list\n---\n\nText.\n",
        "source/bad.md:2: the front matter must be a mapping of keys to values",
    ),
    "author is a number": (
        "---\ntitle: T\nauthor: 3\n---\n\nText.\n",
        "source/bad.md:3: 'author' must be a name or a list of names",
    ),
    "date is not a date": (
        "---\ntitle: T\ndate: yesterday\n---\n\nText.\n",
        "source/bad.md:3: 'date' must be YYYY-MM-DD, YYYY-MM or YYYY, not 'yesterday'",
    ),
    "impossible date": (
        "---\ntitle: T\ndate: 1936-02-31\n---\n\nText.\n",
        "source/bad.md:3: 'date' '1936-02-31' is not a real date",
    ),
    "unknown language": (
        "---\ntitle: T\nlang: qq-zz\n---\n\nText.\n",
        "source/bad.md:3: unknown language 'qq-zz' in 'lang'",
    ),
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


@pytest.mark.parametrize("text, message", CASES.values(), ids=CASES.keys())
def test_bad_source_is_reported_with_file_and_line(
    text, message, project, run_cli, last_good_book
) -> None:
    (project / "source" / "bad.md").write_text(text, encoding="utf-8")

    result = run_cli("build", "source/bad.md")

    assert result.code == 1
    assert message in result.err
    assert result.err.startswith(message.split(": ")[0] + ": ")
    assert_untouched(last_good_book)


def test_file_that_is_not_utf8_names_its_line(project, run_cli, last_good_book) -> None:
    data = "---\ntitle: T\n---\n\nCaf\u00e9 ok.\n".encode() + b"Caf\xe9 latin-1.\n"
    (project / "source" / "bad.md").write_bytes(data)

    result = run_cli("build", "source/bad.md")

    assert result.code == 1
    assert "source/bad.md:6: the file is not UTF-8 text" in result.err
    assert_untouched(last_good_book)


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
