"""Hostile output folders and names: two sources never share one output, the build removes
only the temporary files it made, links in a PDF never point into the builder's disk, page
sizes are printable, file names are shown as written, and an unusable output folder is one
line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import epubcheck_problems

LETTER = "---\ntitle: {title}\n---\n\nText of {title}.\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# Class 7: two targets, one output name


def test_a_document_beside_a_book_of_its_name_is_refused(project, run_cli) -> None:
    write(project / "source" / "letters.md", LETTER.format(title="Standalone"))
    write(project / "source" / "letters" / "one.md", LETTER.format(title="One"))
    write(project / "source" / "letters" / "book.yaml", "title: Letters\ndocuments:\n  - one.md\n")

    result = run_cli("build", "--format", "epub")

    assert result.code == 1
    assert (
        "source/letters.md: its output build/letters.epub is also the output of "
        "source/letters/book.yaml; rename one"
    ) in result.err
    assert "Traceback" not in result.err
    assert not (project / "build" / "letters.epub").exists(), "neither is written"


def test_two_documents_of_one_name_in_two_folders_are_refused(project, run_cli) -> None:
    write(project / "source" / "a" / "x.md", LETTER.format(title="A"))
    write(project / "source" / "b" / "x.md", LETTER.format(title="B"))
    write(project / "source" / "other.md", LETTER.format(title="Other"))

    result = run_cli("build", "source/a/x.md", "source/b/x.md", "source/other.md")

    assert result.code == 1
    assert (
        "source/a/x.md: its outputs build/x.epub and build/x.pdf are also the outputs of "
        "source/b/x.md; rename one"
    ) in result.err
    written = sorted(p.name for p in (project / "build").iterdir() if not p.name.startswith("."))
    assert written == ["other.epub", "other.pdf"]


def test_names_that_differ_only_in_case_are_one_output(project, run_cli) -> None:
    write(project / "source" / "a" / "Note.md", LETTER.format(title="A"))
    write(project / "source" / "b" / "note.md", LETTER.format(title="B"))

    result = run_cli("build", "source/a/Note.md", "source/b/note.md", "--format", "epub")

    assert result.code == 1
    assert "source/a/Note.md: its output build/note.epub is also the output of" in result.err
    assert not list((project / "build").glob("*.epub"))


def test_one_source_named_twice_is_built_once(project, run_cli) -> None:
    write(project / "source" / "x.md", LETTER.format(title="X"))

    result = run_cli("build", "source/x.md", "source/../source/x.md", "--format", "epub")

    assert result.code == 0, result.err
    assert result.out.count("x.epub") == 1


# Class 12: the build removes only its own temporary files


def test_the_users_own_tmp_files_in_the_output_folder_are_kept(project, run_cli) -> None:
    write(project / "source" / "x.md", LETTER.format(title="X"))
    build = project / "build"
    mine = [write(build / name, "mine") for name in (".notes.tmp", ".x.epub.tmp", ".a.b.tmp")]
    stale = write(build / ".x.epub.publish-k2j4h1.tmp", "left by a killed build")

    assert run_cli("build", "--format", "epub").code == 0

    assert all(path.read_text() == "mine" for path in mine)
    assert not stale.exists()
    assert epubcheck_problems(build / "x.epub") == []


# Class 8: links in a PDF never lead into the builder's disk

LINKS_BOOK = {
    "source/bk/book.yaml": (
        "title: Bk\nsource: '[the notes](notes.txt)'\nabstract: 'See [up](../notes.txt).'\n"
        "dedication: 'To [x](x.md)'\ndocuments:\n  - one/ch.md\n  - two.md\n"
    ),
    "source/bk/one/ch.md": (
        "---\ntitle: Ch\nsource: '[s](notes.txt)'\n---\n\n"
        "[two](../two.md#end), [notes](notes.txt), [up](../../x.md), [absent](other.md),\n"
        "[dot](.), [host](//example.com/a), [drive](C:/x.md), [web](https://example.com/),\n"
        '[mail](mailto:a@example.com), <a href="../notes.txt">raw</a>.\n'
    ),
    "source/bk/two.md": "---\ntitle: Two\n---\n\nBack to [one](one/ch.md).\n\n# End {#end}\n",
    "source/single.md": (
        "---\ntitle: Single\n---\n\n[other](other.md), [notes](notes.txt), [up](../x.md),"
        " [self](single.md#s).\n\n# S {#s}\n"
    ),
    "source/notes.txt": "notes\n",
}


def link_targets(pdf: Path) -> list[str]:
    """Each link annotation's URI, or `#name` for a link within the PDF."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(pdf).pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link":
                action = annotation.get("/A") or {}
                found.append(str(action.get("/URI") or f"#{annotation.get('/Dest')}"))
    return found


def test_relative_links_in_a_pdf_are_dropped_not_turned_into_file_urls(
    project, run_cli, monkeypatch, tmp_path_factory
) -> None:
    for name, text in LINKS_BOOK.items():
        write(project / name, text)
    elsewhere = tmp_path_factory.mktemp("a-much-longer-folder-name") / "checkout"
    for name, text in LINKS_BOOK.items():
        write(elsewhere / name, text)
    write(elsewhere / "publish.toml", "")

    assert run_cli("build", "--format", "pdf").code == 0
    monkeypatch.chdir(elsewhere)
    assert run_cli("build", "--format", "pdf").code == 0

    for name in ("bk.pdf", "single.pdf"):
        targets = link_targets(project / "build" / name)
        assert targets, name
        assert not [t for t in targets if not t.startswith(("#", "https:", "mailto:"))], targets
        here, there = (root / "build" / name for root in (project, elsewhere))
        assert here.read_bytes() == there.read_bytes(), f"{name} differs between checkouts"
        assert str(project).encode() not in here.read_bytes()
    assert set(link_targets(project / "build" / "bk.pdf")) >= {
        "https://example.com/",
        "mailto:a@example.com",
    }


# Class 16: a page a printer can print

PAGE_SIZES = {
    "no page": ("trim", "0x0mm", "must be from 50mm to 1000mm on each side, not '0x0mm'"),
    "a thread": ("trim", "10mmx200mm", "must be from 50mm to 1000mm on each side"),
    "a road": ("trim", "148mmx100000mm", "must be from 50mm to 1000mm on each side"),
    "a huge inch": ("trim", "5inx99999999999999999999999999in", "must be from 50mm to 1000mm"),
    "no size": ("trim", "100000mm", "or WIDTHxHEIGHT with units, not '100000mm'"),
    "an exponent": ("trim", "1e20mm", "or WIDTHxHEIGHT with units, not '1e20mm'"),
    "a wide bleed": ("bleed", "21mm", "must be from 0mm to 20mm, not '21mm'"),
    "a huge bleed": ("bleed", "100000mm", "must be from 0mm to 20mm, not '100000mm'"),
    "an exponent bleed": ("bleed", "1e20mm", "must be a length such as 3mm"),
}


@pytest.mark.parametrize(("key", "value", "told"), PAGE_SIZES.values(), ids=PAGE_SIZES.keys())
def test_an_unprintable_page_size_is_refused_where_it_is_set(
    key, value, told, project, run_cli
) -> None:
    write(project / "source" / "front.md", f"---\ntitle: F\n{key}: {value}\n---\n\nText.\n")
    write(project / "source" / "ok.md", LETTER.format(title="Ok"))

    in_front = run_cli("build", "source/front.md", "--format", "pdf")
    flag = run_cli("build", "source/ok.md", "--format", "pdf", f"--{key}", value)
    write(project / "publish.toml", f'{key} = "{value}"\n')
    in_toml = run_cli("build", "source/ok.md", "--format", "pdf")

    assert in_front.code == 1 and in_toml.code == 1
    assert in_front.err.startswith(f"source/front.md:3: setting '{key}' ") and told in in_front.err
    assert f"publish.toml:1: setting '{key}' " in in_toml.err and told in in_toml.err
    assert "Traceback" not in in_front.err + in_toml.err
    assert flag.code == 2 and f"Invalid value for --{key}: setting '{key}' " in flag.err
    assert told in flag.err
    assert not (project / "build").exists()


def test_the_largest_page_and_bleed_allowed_are_printed(project, run_cli) -> None:
    write(project / "source" / "big.md", LETTER.format(title="Big"))

    result = run_cli("build", "--format", "pdf", "--trim", "1000mmx50mm", "--bleed", "20mm")

    assert result.code == 0, result.err


# Class 19: file names are shown as written, never read as markup or terminal codes


def test_markup_in_file_names_is_shown_as_written(project, run_cli) -> None:
    names = ["[red]x.md", "[link=mailto:a@b]y.md", "[bold", "e\x1b[2Jz.md"]
    for name in names[:2] + names[3:]:
        write(project / "source" / name, LETTER.format(title="Named"))
    write(project / "source" / "[bold" / "]b.md", LETTER.format(title="B"))
    write(project / "source" / "[bold" / "book.yaml", "title: B\ndocuments:\n  - ']b.md'\n")
    write(project / "source" / "[i]bad.md", "---\ntitle: Bad\n---\n\nA note[^none].\n")

    result = run_cli("build", "--format", "epub", "--out", "o[b]")

    assert result.code == 1
    for shown in ("[red]x.epub", "[link=mailto:a@b]y.epub", "[bold.epub"):
        assert f"o[b]/{shown}" in result.out, result.out
    assert "o[b]/e\\x1b[2Jz.epub" in result.out
    assert "\x1b" not in result.out + result.err
    assert "source/[i]bad.md:5: footnote [^none] is never defined" in result.err


# Class 13: an output folder that cannot be used is one line


def test_an_output_folder_that_is_a_file_is_one_line(project, run_cli) -> None:
    write(project / "source" / "x.md", LETTER.format(title="X"))
    write(project / "build", "a file where the books go\n")
    write(project / "notes", "a file\n")

    default = run_cli("build", "--format", "epub")
    below = run_cli("build", "--format", "epub", "--out", "notes/books")

    assert (default.code, default.err) == (1, "build: the output folder is a file\n")
    assert (below.code, below.err) == (
        1,
        "notes/books: cannot make the output folder: Not a directory\n",
    )
    assert (project / "build").read_text() == "a file where the books go\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_output_folder_is_one_line(project, run_cli) -> None:
    write(project / "source" / "x.md", LETTER.format(title="X"))
    (project / "build").mkdir()
    (project / "build").chmod(0o555)
    try:
        result = run_cli("build", "--format", "epub")
    finally:
        (project / "build").chmod(0o755)

    assert result.code == 1
    assert result.err.startswith("build") and "permission denied" in result.err.lower()
    assert len(result.err.splitlines()) == 1 and "Traceback" not in result.err


@pytest.mark.parametrize(
    ("name", "what"), [(".publish.lock", "lock file"), (".publish-cache.json", "cache")]
)
def test_a_folder_where_the_build_keeps_its_lock_or_cache_is_one_line(
    name, what, project, run_cli
) -> None:
    write(project / "source" / "x.md", LETTER.format(title="X"))
    write(project / "build" / name / "kept.txt", "the user's\n")

    result = run_cli("build", "--format", "epub")

    assert result.code == 1
    assert result.err == f"build/{name}: the build's {what} is not a file; remove it\n"
    assert (project / "build" / name / "kept.txt").read_text() == "the user's\n"
    assert not (project / "build" / "x.epub").exists()


def test_an_output_that_is_a_folder_is_one_line_and_the_others_are_written(
    project, run_cli
) -> None:
    write(project / "source" / "x.md", LETTER.format(title="X"))
    write(project / "source" / "y.md", LETTER.format(title="Y"))
    (project / "build" / "x.epub").mkdir(parents=True)

    result = run_cli("build", "--format", "epub")

    assert result.code == 1
    assert result.err == "build/x.epub: cannot write the EPUB: Is a directory\n"
    assert epubcheck_problems(project / "build" / "y.epub") == []
