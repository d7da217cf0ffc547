"""The README's Python API example, run as written in an empty folder, and what it promises:
`str` or `Path` everywhere, outputs returned, every problem raised at once."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import publish
from tests.conftest import REPO


def readme_example() -> str:
    """The first ```python block of the README's "Python API" section."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found, "the README's Python API section has no example"
    return found.group(1)


def test_the_readmes_example_runs_in_an_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    exec(compile(readme_example(), "README.md", "exec"), {"__name__": "readme"})

    assert (tmp_path / "build" / "letter.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "build" / "letter.epub").is_file()
    assert (tmp_path / "letter.epub").is_file()
    assert "source/missing.md: no such file or folder" in capsys.readouterr().out


LETTER = "---\ntitle: Carta\nlang: es\n---\n\nTexto.[^1]\n\n[^1]: Nota.\n"


def test_build_takes_str_or_path_and_returns_the_outputs(project: Path) -> None:
    (project / "source" / "carta.md").write_text(LETTER)

    by_str = publish.build("source/carta.md", out="out", formats=("epub",))
    by_path = publish.build([project / "source" / "carta.md"], out=project / "out", formats=["pdf"])

    assert by_str == [Path("out/carta.epub")]
    assert by_path == [project / "out" / "carta.pdf"]
    assert by_path[0].read_bytes().startswith(b"%PDF-")


def test_build_raises_every_problem_at_once(project: Path) -> None:
    source = project / "source"
    (source / "one.md").write_text("---\ntitle: One\n---\n\nText.[^1]\n")
    (source / "two.md").write_text("---\ntitle: Two\ndate: 1936-02-31\n---\n\nText.\n")

    with pytest.raises(publish.PublishError) as raised:
        publish.build("source", out="out")

    assert str(raised.value).splitlines() == [
        "source/one.md:5: footnote [^1] is never defined",
        "source/two.md:3: 'date' '1936-02-31' is not a real date",
    ]
    assert not (project / "out" / "one.pdf").exists()


def test_a_wrong_setting_or_format_is_a_publish_error(project: Path) -> None:
    (project / "source" / "carta.md").write_text(LETTER)

    with pytest.raises(publish.PublishError, match="setting 'trim'"):
        publish.build("source", trim="huge")
    with pytest.raises(publish.PublishError, match="unknown setting 'papersize'"):
        publish.read("source/carta.md", papersize="a5")
    with pytest.raises(publish.PublishError, match="unknown format 'docx'"):
        publish.build("source", formats=("docx",))


def test_read_gives_a_document_that_writes_its_files_or_their_bytes(project: Path) -> None:
    (project / "source" / "carta.md").write_text(LETTER)

    carta = publish.read(Path("source/carta.md"), trim="6x9in")

    assert carta.title == "Carta"
    assert carta.settings.trim == "6x9in"
    assert carta.write_pdf("carta.pdf") == Path("carta.pdf")
    assert carta.write_pdf() == Path("carta.pdf").read_bytes()  # the same build, the same bytes
    assert carta.write_epub()[:2] == b"PK"


def test_read_takes_markdown_text_too(project: Path) -> None:
    note = publish.read(LETTER)

    assert note.title == "Carta"
    assert note.write_pdf().startswith(b"%PDF-")
    with pytest.raises(
        publish.PublishError, match=r"text\.md:6: footnote \[\^2\] is never defined"
    ):
        publish.read(LETTER.replace("[^1]\n", "[^2]\n", 1))


def test_warnings_are_python_warnings(project: Path) -> None:
    (project / "source" / "carta.md").write_text(
        LETTER.replace("lang: es", "lang: es\ncolour: red")
    )

    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter("always")
        publish.build("source", out="out", formats=("epub",))

    assert [w.category for w in heard] == [publish.PublishWarning]
    assert "source/carta.md:4: warning: unknown front matter key" in str(heard[0].message)


def test_check_validates_and_writes_nothing(project: Path) -> None:
    (project / "source" / "carta.md").write_text(LETTER)

    assert publish.check("source") == []
    assert not (project / "build").exists()
    (project / "source" / "carta.md").write_text(LETTER.replace("[^1]:", "[^9]:"))
    with pytest.raises(publish.PublishError, match="never defined"):
        publish.check(["source"])
