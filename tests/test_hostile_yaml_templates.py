"""Hostile headers, settings and templates: an attacker's front matter, book.yaml,
pyproject.toml or project template ends in one clean `path:line` error with exit 1, or in a
whole, valid book; never in a traceback, a hang, or code run on the builder's machine."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, epubcheck_problems

HOSTILE = FIXTURES / "hostile" / "yaml"
PACKAGE_TEMPLATES = REPO / "publish" / "templates"


def run_publish(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`publish build` in its own process: an input that is not stopped would hang or eat the
    memory, and the timeout turns that into a failure instead of a stuck suite."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run(
        [sys.executable, "-m", "publish", "build", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def assert_one_clean_error(stderr: str, expected_start: str) -> None:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if ": warning: " not in line]
    assert len(errors) == 1, stderr
    assert errors[0].startswith(expected_start), stderr


# Class 3: YAML alias amplification, sizes and depths


def laughs(levels: int = 9, fan: int = 9) -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*lol{level - 1}"] * fan)
        lines.append(f"lol{level}: &lol{level} [{aliases}]")
    return "\n".join(lines)


BOMBS = {
    # 9 levels of 9 aliases: under a kilobyte standing for 387 million strings
    "billion laughs": (
        (HOSTILE / "billion-laughs.md").read_text(),
        "source/bomb.md:",
        "stand for more than",
    ),
    # the bomb as a setting, whose error message would print the whole value
    "bomb as a setting": (
        f"---\ntitle: T\n{laughs()}\nnotes: *lol9\n---\n\nx\n",
        "source/bomb.md:",
        "stand for more than",
    ),
    # one long text named by a few hundred aliases: 200 KB standing for 60 MB
    "long text aliased": (
        "---\ntitle: T\nx: &x " + "a" * 200_000 + "\nkeywords: [" + ", ".join(["*x"] * 300) + "]"
        "\n---\n\nx\n",
        "source/bomb.md:4: ",
        "stand for more than",
    ),
    # thousands of aliases, each small
    "many aliases": (
        "---\ntitle: T\nx: &x a\nkeywords: [" + ", ".join(["*x"] * 5000) + "]\n---\n\nx\n",
        "source/bomb.md:4: ",
        "more than 1000 aliases",
    ),
    # an alias inside what it names: a list that holds itself
    "recursive alias": (
        "---\ntitle: T\nkeywords: &a [x, *a]\n---\n\nx\n",
        "source/bomb.md:3: ",
        "the alias *a refers to itself",
    ),
    # ten thousand nested lists: Python's stack would run out
    "deep lists": (
        "---\ntitle: T\nx: " + "[" * 10_000 + "]" * 10_000 + "\n---\n\nx\n",
        "source/bomb.md:3: ",
        "nested more than 64 deep",
    ),
    "deep mappings": (
        "---\ntitle: T\nx:\n"
        + "".join("  " * depth + f"k{depth}:\n" for depth in range(1, 200))
        + "---\n\nx\n",
        "source/bomb.md:",
        "nested more than 64 deep",
    ),
    # a megabyte of small values, each of which costs time to read
    "a flood of values": (
        "---\ntitle: T\n"
        + "".join(f"k{n}: [a, b, {{c: d}}]\n" for n in range(45_000))
        + "---\n\nx\n",
        "source/bomb.md:",
        "more than 10,000 keys and values",
    ),
    # a header of more than a megabyte
    "huge header": (
        "---\ntitle: T\nabstract: " + "word " * 250_000 + "\n---\n\nx\n",
        "source/bomb.md:2: ",
        "the front matter is 1.2 MB; it may be at most 1 MB",
    ),
}


@pytest.mark.parametrize(("text", "where", "message"), BOMBS.values(), ids=BOMBS.keys())
def test_a_yaml_bomb_in_the_front_matter_is_stopped_before_it_goes_off(
    text, where, message, project
) -> None:
    (project / "source" / "bomb.md").write_text(text)

    result = run_publish(project, "--format", "epub")

    assert result.returncode == 1
    assert_one_clean_error(result.stderr, where)
    assert message in result.stderr
    assert not (project / "build" / "bomb.epub").exists()


def test_a_yaml_bomb_in_a_book_yaml_is_stopped_too(project) -> None:
    book = project / "source" / "laughs"
    book.mkdir()
    shutil.copy(HOSTILE / "billion-laughs-book.yaml", book / "book.yaml")
    (book / "one.md").write_text("---\ntitle: One\n---\n\nText.\n")

    result = run_publish(project, "--format", "epub")

    assert result.returncode == 1
    assert_one_clean_error(result.stderr, "source/laughs/book.yaml:")
    assert "stand for more than" in result.stderr


def test_a_broken_book_yaml_bomb_is_not_read_for_its_documents_either(project) -> None:
    """A book header with an error is still searched for its documents: that reading has
    the same limits (the documents hidden behind a deep nesting are not looked for)."""
    book = project / "source" / "deep"
    book.mkdir()
    nested = "[" * 10_000 + "]" * 10_000
    (book / "book.yaml").write_text(f"title: 3\nx: {nested}\ndocuments:\n  - one.md\n")
    (book / "one.md").write_text("---\ntitle: One\n---\n\nText.\n")

    result = run_publish(project, "--format", "epub")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "source/deep/book.yaml:2: the book header cannot be read: lists and mappings" in (
        result.stderr
    )


def test_a_modest_alias_is_still_read(write_source, project, run_cli) -> None:
    """Pandoc users may name a value once and use it twice: that is kept."""
    write_source(
        "alias.md",
        """---
title: Alias
author: &me Ana
translator: *me
defaults: &d {lang: es}
<<: *d
---

Texto.
""",
    )

    result = run_cli("build", "source/alias.md", "--format", "epub")

    assert result.code == 0, result.err
    with zipfile.ZipFile(project / "build" / "alias.epub") as epub:
        opf = epub.read("EPUB/content.opf").decode()
    assert opf.count(">Ana<") == 2
    assert "<dc:language>es</dc:language>" in opf


# Class 13: YAML keys that are not names, settings tables that are not tables, dates


KEYS = {
    "null key ~": (
        "~: T",
        "source/k.md:3: a key of the front matter must be a name, not YAML's null '~'",
    ),
    "null key null": ("null: T", "source/k.md:3: a key of the front matter must be a name"),
    "empty key": ('"": T', "source/k.md:3: a key of the front matter must be a name, not empty"),
    "list key": (
        "[a, b]: T",
        "source/k.md:3: a key of the front matter must be a name, not a list",
    ),
    "mapping key": (
        "? {a: b}\n: T",
        "source/k.md:3: a key of the front matter must be a name, not a mapping",
    ),
}


@pytest.mark.parametrize(("line", "expected"), KEYS.values(), ids=KEYS.keys())
def test_a_key_that_is_not_a_name_is_an_error_at_its_line(
    line, expected, write_source, run_cli
) -> None:
    write_source("k.md", f"---\ntitle: T\n{line}\n---\n\nx\n")

    result = run_cli("build", "source/k.md", "--format", "epub")

    assert result.code == 1
    assert_one_clean_error(result.err, expected)


@pytest.mark.parametrize("key", ["on", "off", "yes", "no", "true", "1", "2.5"])
def test_a_key_yaml_would_read_as_a_value_is_the_word_written(key, write_source, run_cli) -> None:
    """`on:` is YAML 1.1's true; Pandoc (YAML 1.2) reads the word, and so does publish: an
    unknown key, a warning at its line."""
    write_source("k.md", f"---\ntitle: T\n{key}: x\n---\n\nx\n")

    result = run_cli("check", "source/k.md")

    assert result.code == 0
    assert f"source/k.md:3: warning: unknown front matter key '{key}' is ignored" in result.err
    assert "Traceback" not in result.err


def test_a_key_in_a_book_yaml_that_is_not_a_name_is_an_error(project, run_cli) -> None:
    book = project / "source" / "b"
    book.mkdir()
    (book / "book.yaml").write_text("title: B\n~: x\ndocuments: [one.md]\n")
    (book / "one.md").write_text("---\ntitle: One\n---\n\nText.\n")

    result = run_cli("build", "--format", "epub")

    assert result.code == 1
    assert_one_clean_error(
        result.err, "source/b/book.yaml:2: a key of the book header must be a name"
    )


PYPROJECTS = {
    "tool is a number": ("tool = 1\n", 1, "'tool' must be a table ([tool]), not a value (1)"),
    "tool is an array of tables": (
        "[[tool]]\nx = 1\n",
        1,
        "'tool' must be a table ([tool]), not an array",
    ),
    "tool.publish is text": (
        '[tool]\nother = 1\npublish = "book"\n',
        3,
        "'tool.publish' must be a table ([tool.publish]), not text",
    ),
    "tool.publish is an array": (
        "[tool]\nx = 1\n[[tool.publish]]\nnotes = 'book'\n",
        3,
        "'tool.publish' must be a table ([tool.publish]), not an array",
    ),
    "dotted tool.publish": (
        "tool.publish = 3\n",
        1,
        "'tool.publish' must be a table ([tool.publish]), not a value (3)",
    ),
}


@pytest.mark.parametrize(("toml", "line", "message"), PYPROJECTS.values(), ids=PYPROJECTS.keys())
def test_a_tool_table_that_is_not_a_table_is_an_error_at_its_line(
    toml, line, message, tmp_path, monkeypatch, run_cli
) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "a.md").write_text("---\ntitle: A\n---\n\nx\n")
    monkeypatch.chdir(tmp_path)

    result = run_cli("build", "--format", "epub")

    assert result.code == 1
    assert_one_clean_error(result.err, f"pyproject.toml:{line}: {message}")


@pytest.mark.parametrize("year", [2108, 2400])
def test_a_book_whose_files_are_dated_after_2107_is_built_with_that_date(
    year, write_source, project, run_cli, monkeypatch
) -> None:
    """A book is dated by its newest file, and a machine with its clock set wrong dates
    files in the far future. A zip cannot date its entries after 2107: they take its last
    date, the OPF the true one; the text's own date plays no part."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    source = write_source("future.md", "---\ntitle: Future\ndate: 2024-01-01\n---\n\nText.\n")
    when = datetime.datetime(year, 1, 1, tzinfo=datetime.UTC).timestamp()
    os.utime(source, (when, when))

    result = run_cli("build", "source/future.md")

    assert result.code == 0, result.err
    epub = project / "build" / "future.epub"
    with zipfile.ZipFile(epub) as book:
        assert {info.date_time[0] for info in book.infolist()} == {2107}
        package = book.read("EPUB/content.opf").decode()
    assert f'<meta property="dcterms:modified">{year}-01-01T00:00:00Z</meta>' in package
    assert "<dc:date>2024-01-01</dc:date>" in package
    assert epubcheck_problems(epub) == []
    assert (project / "build" / "future.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("epoch", ["253402300800", "9" * 40])
def test_a_source_date_epoch_after_the_year_9999_is_one_line(
    epoch, write_source, project, run_cli, monkeypatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    write_source("a.md", "---\ntitle: A\n---\n\nText.\n")

    result = run_cli("build", "source/a.md", "--format", "epub")

    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.err.splitlines() == [
        f"SOURCE_DATE_EPOCH: {epoch[:30]}{'…' if len(epoch) > 30 else ''} seconds is after "
        "the year 9999: set it to an earlier time, or unset it"
    ]


# Class 11: control characters and noncharacters


RAW_CHARACTERS = {
    "form feed in the title": ("---\ntitle: A\fB\n---\n\nx\n", 2, "U+000C (a control character)"),
    "NUL in the header": (
        "---\ntitle: A\nauthor: B\x00\n---\n\nx\n",
        3,
        "U+0000 (a control character)",
    ),
    "escape in the body": (
        "---\ntitle: A\n---\n\nx\n\ny\x1b[31m\n",
        7,
        "U+001B (a control character)",
    ),
    "DEL in the body": ("---\ntitle: A\n---\n\nx\x7f\n", 5, "U+007F (a control character)"),
    "C1 control in a note": (
        "---\ntitle: A\n---\n\nx[^1]\n\n[^1]: n\x85\n",
        7,
        "U+0085 (a control character)",
    ),
    "U+FFFF in the body": ("---\ntitle: A\n---\n\nx\uffff\n", 5, "U+FFFF (a noncharacter)"),
    "U+FFFE in the title": ("---\ntitle: A\ufffe\n---\n\nx\n", 2, "U+FFFE (a noncharacter)"),
    "plane-16 noncharacter": ("---\ntitle: A\n---\n\n\U0010ffff\n", 5, "U+10FFFF (a noncharacter)"),
}


@pytest.mark.parametrize(
    ("text", "line", "what"), RAW_CHARACTERS.values(), ids=RAW_CHARACTERS.keys()
)
def test_a_character_no_text_holds_is_an_error_at_its_line(
    text, line, what, write_source, run_cli
) -> None:
    write_source("c.md", "")
    Path("source/c.md").write_text(text, encoding="utf-8")

    result = run_cli("build", "source/c.md")

    assert result.code == 1
    assert_one_clean_error(result.err, f"source/c.md:{line}: {what} is not allowed in text")


ESCAPED_CHARACTERS = {
    "form feed": ('"A\\fB"', "U+000C (a control character)"),
    "NUL": ('"A\\0B"', "U+0000 (a control character)"),
    "bell": ('"A\\aB"', "U+0007 (a control character)"),
    "lone surrogate": ('"A\\ud800B"', "U+D800 (a lone surrogate)"),
    "U+FFFF": ('"A\\uffffB"', "U+FFFF (a noncharacter)"),
}


@pytest.mark.parametrize(
    ("value", "what"), ESCAPED_CHARACTERS.values(), ids=ESCAPED_CHARACTERS.keys()
)
@pytest.mark.parametrize("key", ["title", "author", "keywords"])
def test_a_yaml_escape_for_such_a_character_is_an_error_at_its_key(
    key, value, what, write_source, run_cli
) -> None:
    header = {
        "title": f"title: {value}",
        "author": f"title: T\nauthor: {{name: {value}}}",
        "keywords": f"title: T\nkeywords: [a, {value}]",
    }[key]
    write_source("e.md", f"---\n{header}\n---\n\nx\n")

    result = run_cli("build", "source/e.md")

    assert result.code == 1
    line = 2 if key == "title" else 3
    assert_one_clean_error(
        result.err, f"source/e.md:{line}: '{key}': {what} is not allowed in text"
    )


def test_a_book_yaml_with_a_control_character_is_an_error(project, run_cli) -> None:
    book = project / "source" / "b"
    book.mkdir()
    (book / "book.yaml").write_text("title: B\nsubtitle: x\x0by\ndocuments: [one.md]\n")
    (book / "one.md").write_text("---\ntitle: One\n---\n\nText.\n")

    result = run_cli("build", "--format", "epub")

    assert result.code == 1
    assert_one_clean_error(
        result.err, "source/b/book.yaml:2: U+000B (a control character) is not allowed in text"
    )


def test_a_form_feed_by_character_reference_is_left_out_with_a_warning(
    write_source, project, run_cli
) -> None:
    """`&#12;` is the one control character Markdown's references still make: it is left
    out, with a warning at its line, and both books are whole and valid."""
    write_source(
        "ff.md",
        """---
title: Form feed
source: "Cited&#12;here"
---

# Head&#12;ing

Before&#12;after [link](#heading "ti&#12;tle"), &#0; &#xFFFF; &#xD800;.

<p>block&#12;html</p>
""",
    )

    result = run_cli("build", "source/ff.md")

    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    warning = "warning: U+000C (a control character) is not allowed in text; it is left out"
    assert f"source/ff.md:6: {warning}" in result.err
    assert f"source/ff.md:8: {warning}" in result.err
    epub = project / "build" / "ff.epub"
    assert epubcheck_problems(epub) == []
    with zipfile.ZipFile(epub) as book:
        pages = "".join(book.read(n).decode() for n in book.namelist() if n.endswith("html"))
        opf = book.read("EPUB/content.opf").decode()
    assert "Beforeafter" in pages and "Heading" in pages
    assert "<dc:source>Citedhere</dc:source>" in opf
    assert (project / "build" / "ff.pdf").read_bytes().startswith(b"%PDF")


def test_tabs_and_line_ends_of_every_kind_are_text(write_source, project, run_cli) -> None:
    Path("source/t.md").write_bytes(b"---\r\ntitle: Tabs\r\n---\r\n\r\nOne\ttwo\rthree\r\n")

    result = run_cli("build", "source/t.md", "--format", "epub")

    assert result.code == 0, result.err
    assert epubcheck_problems(project / "build" / "t.epub") == []


# Class 4: project templates run in Jinja's sandbox


ESCAPES = {
    "string's subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "a global's module": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "lipsum's globals": "{{ lipsum.__globals__['os'].system('touch pwned') }}",
    "the model's globals": "{{ meta.__class__.__init__.__globals__ }}",
    "a loop over subclasses": "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "a filter's internals": "{{ (labels_for.__code__) }}",
    "format strings": "{{ '{0.__class__}'.format(meta) }}",
    "a huge text": "{{ 'x' * 10**10 }}",
    "a huge power": "{{ 10 ** 100000000 }}",
}


@pytest.mark.parametrize("escape", ESCAPES.values(), ids=ESCAPES.keys())
@pytest.mark.parametrize(
    ("fmt", "template"), [("pdf", "print/document.html.j2"), ("epub", "epub/text.xhtml.j2")]
)
def test_a_template_cannot_escape_the_sandbox(
    fmt, template, escape, project, write_source, run_cli
) -> None:
    write_source("a.md", "---\ntitle: A\n---\n\nText.\n")
    path = project / "templates" / template
    path.parent.mkdir(parents=True)
    lines = (PACKAGE_TEMPLATES / template).read_text().splitlines()
    line = next(n for n, text in enumerate(lines) if text.startswith("<!DOCTYPE")) + 1
    lines.insert(line - 1, escape)
    path.write_text("\n".join(lines) + "\n")

    result = run_cli("build", "--format", fmt)

    assert result.code == 1
    assert_one_clean_error(
        result.err, f"source/a.md: cannot write the {fmt.upper()}: templates/{template}:{line}: "
    )
    assert not (project / "pwned").exists()
    assert not (project / "build" / f"a.{fmt}").exists()


def test_a_template_that_includes_a_file_outside_the_templates_is_refused(
    project, write_source, run_cli
) -> None:
    (project / "secret.txt").write_text("the builder's secret")
    write_source("a.md", "---\ntitle: A\n---\n\nText.\n")
    path = project / "templates" / "print" / "document.html.j2"
    path.parent.mkdir(parents=True)
    path.write_text('<p>\n{% include "../../secret.txt" %}\n')

    result = run_cli("build", "--format", "pdf")

    assert result.code == 1
    assert_one_clean_error(
        result.err,
        "source/a.md: cannot write the PDF: templates/print/document.html.j2:2: "
        "no template named '../../secret.txt'",
    )
    assert "the builder's secret" not in result.err


def test_every_package_template_still_renders_in_the_sandbox(
    project, write_source, run_cli
) -> None:
    """Filters, globals and macros work in the sandbox: a book with every part the
    templates draw (subtitle, people, abstract, dedication, contents, notes) builds."""
    write_source(
        "one.md",
        """---
title: One
subtitle: Sub
author: {name: Ana, affiliation: Uni}
translator: Bea
date: 1936-02-12
lang: es
source: "From *there*"
abstract: An abstract.
dedication: To you.
toc: true
---

# Part

Text[^a].

[^a]: A note.
""",
    )
    book = project / "source" / "b"
    book.mkdir()
    (book / "book.yaml").write_text("title: B\nlang: es\ndocuments: [../one.md]\n")

    result = run_cli("build", "--notes", "book")

    assert result.code == 0, result.err
    for name in ("one.epub", "b.epub"):
        assert epubcheck_problems(project / "build" / name) == []
