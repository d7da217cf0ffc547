"""The last tracebacks of class 13: a template that includes, extends or calls itself, a
cover font that is not a font, a settings file that loops, is a folder, or sets a value of
the wrong type; each is one `path:line: message`, exit 1. And `publish check` looks at what
a build reads besides the sources (the settings, the project's templates, the cover's
fonts), so that it finds what the build would stop on, at the same place."""

from __future__ import annotations

from pathlib import Path

import pytest

LETTER = "---\ntitle: A letter\n---\n\nThe letter's words.\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_clean(result, *lines: str) -> None:
    """Exit 1 and exactly these problem lines: no traceback, no internal error."""
    assert result.code == 1, result
    assert "Traceback" not in result.out + result.err
    assert "internal error" not in result.err
    assert [line for line in result.err.splitlines() if line.strip()] == list(lines)


TEMPLATES = {
    "syntax error": (
        "print/section.html.j2",
        "<section>\n{% if %}\n</section>\n",
        "templates/print/section.html.j2:2: Expected an expression, got 'end of statement block'",
    ),
    "missing include": (
        "print/section.html.j2",
        "<section>\n{% include 'nosuch.j2' %}\n",
        "templates/print/section.html.j2:2: no template named 'nosuch.j2' "
        "(a template includes only templates)",
    ),
    "includes itself": (
        "print/section.html.j2",
        "<section>\n\n{% include 'print/section.html.j2' %}\n",
        "templates/print/section.html.j2:3: the template includes, imports or extends itself "
        "(print/section.html.j2 → print/section.html.j2)",
    ),
    "extends itself": (
        "epub/text.xhtml.j2",
        "{% extends 'epub/text.xhtml.j2' %}\n",
        "templates/epub/text.xhtml.j2:1: the template includes, imports or extends itself "
        "(epub/text.xhtml.j2 → epub/text.xhtml.j2)",
    ),
    "ring through the package's": (
        "epub/notes.xhtml.j2",
        "{# notes #}\n{% include 'epub/text.xhtml.j2' %}\n",
        "templates/epub/notes.xhtml.j2:2: the template includes, imports or extends itself "
        "(epub/notes.xhtml.j2 → epub/text.xhtml.j2 → epub/fields.xhtml.j2 → epub/notes.xhtml.j2)",
    ),
}


@pytest.mark.parametrize(("name", "text", "told"), TEMPLATES.values(), ids=TEMPLATES.keys())
def test_check_finds_a_broken_template_at_its_line(project, run_cli, name, text, told) -> None:
    write(project / "source" / "letter.md", LETTER)
    write(project / "templates" / name, text)

    assert_clean(run_cli("check"), told)


def test_check_passes_a_project_of_good_templates(project, run_cli) -> None:
    write(project / "source" / "letter.md", LETTER)
    package = Path(__file__).resolve().parent.parent / "publish" / "templates"
    for template in package.rglob("*.j2"):
        write(project / "templates" / template.relative_to(package), template.read_text())
    write(project / "templates" / "epub" / "extra.j2", "{% include 'maybe.j2' ignore missing %}\n")

    result = run_cli("check")

    assert result.code == 0, result.err


RECURSIONS = {
    "includes itself": (
        "print/section.html.j2",
        "pdf",
        "<section>\n{% include 'print/section.html.j2' %}\n",
        "templates/print/section.html.j2:2",
    ),
    "extends itself": (
        "epub/text.xhtml.j2",
        "epub",
        "{% extends 'epub/text.xhtml.j2' %}\n",
        "templates/epub/text.xhtml.j2:1",
    ),
    "a macro calls itself": (
        "epub/text.xhtml.j2",
        "epub",
        "{% macro again() %}{{ again() }}{% endmacro %}\n{{ again() }}\n",
        "templates/epub/text.xhtml.j2:1",
    ),
    "a ring through the package's": (
        "epub/notes.xhtml.j2",
        "epub",
        "a\n\n{% include 'epub/text.xhtml.j2' %}\n",
        "templates/epub/notes.xhtml.j2:3",
    ),
}


@pytest.mark.parametrize(
    ("name", "fmt", "text", "where"), RECURSIONS.values(), ids=RECURSIONS.keys()
)
def test_a_template_without_end_is_named_not_a_recursion_error(
    project, run_cli, name, fmt, text, where
) -> None:
    write(project / "source" / "letter.md", LETTER)
    write(project / "templates" / name, text)

    result = run_cli("build", "--format", fmt)

    assert_clean(
        result,
        f"source/letter.md: cannot write the {fmt.upper()}: {where}: "
        "the template includes, extends or calls itself without end",
    )


def test_a_cover_font_that_is_not_a_font_is_named(project, run_cli) -> None:
    write(project / "source" / "letter.md", LETTER)
    write(project / "styles" / "fonts" / "CharisSIL-Bold.ttf", "not a font\n")
    told = "styles/fonts/CharisSIL-Bold.ttf: the font cannot be read (unknown file format)"

    assert_clean(run_cli("check"), told)
    assert_clean(run_cli("build", "--format", "epub"), told)


def test_a_cover_font_that_is_a_link_loop_is_named(project, run_cli) -> None:
    write(project / "source" / "letter.md", LETTER)
    (project / "styles" / "fonts").mkdir(parents=True)
    (project / "styles" / "fonts" / "CharisSIL-Italic.ttf").symlink_to("CharisSIL-Italic.ttf")

    result = run_cli("build", "--format", "epub")

    # A link that leads nowhere is not a font of the project: the package's is used.
    assert result.code == 0, result.err
    assert "Traceback" not in result.err


SETTINGS = ["notes", "trim", "bleed", "marks", "pdf-variant", "start", "styles"]
WRONG = {"a list": "[1, 2]", "a table": "{ a = 1 }", "a number": "7.5", "a boolean": "true",
         "a date": "1979-05-27", "infinity": "inf"}  # fmt: skip


@pytest.mark.parametrize("key", SETTINGS)
@pytest.mark.parametrize("value", WRONG.values(), ids=WRONG.keys())
@pytest.mark.parametrize("file", ["publish.toml", "pyproject.toml"])
def test_a_setting_of_the_wrong_type_is_an_error_at_its_line(
    project, run_cli, key, value, file
) -> None:
    write(project / "source" / "letter.md", LETTER)
    (project / "publish.toml").unlink()
    table = "[tool.publish]\n" if file == "pyproject.toml" else "# settings\n"
    write(project / file, f"{table}\n{key} = {value}\n")

    for command in ("build", "check"):
        result = run_cli(command)
        assert result.code == 1, result
        assert "Traceback" not in result.err and "internal error" not in result.err
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"{file}:3: setting '{key}' must be ")


@pytest.mark.parametrize("kind", ["a link to itself", "a folder", "a link to nothing"])
@pytest.mark.parametrize("file", ["publish.toml", "pyproject.toml"])
def test_a_settings_file_that_is_not_a_file_is_refused(project, run_cli, kind, file) -> None:
    write(project / "source" / "letter.md", LETTER)
    (project / "publish.toml").unlink()
    settings = project / file
    if kind == "a folder":
        settings.mkdir()
    else:
        settings.symlink_to(file if kind == "a link to itself" else "nowhere.toml")

    for command in ("build", "check"):
        result = run_cli(command)
        assert result.code == 1, result
        assert "Traceback" not in result.err
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"{file}: "), lines
    assert not (project / "build" / "letter.epub").exists()
