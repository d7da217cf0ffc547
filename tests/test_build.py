"""The user's first story: the sample letter in `source/` becomes two books in `build/`."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pdfplumber

from tests.conftest import epubcheck_problems


def test_publish_build_writes_both_books_of_the_letter(seed_letter, project, run_cli) -> None:
    result = run_cli("build")

    assert result.code == 0, result.err
    epub, pdf = project / "build/carta-muste-1936.epub", project / "build/carta-muste-1936.pdf"
    assert "build/carta-muste-1936.epub" in result.out
    assert epubcheck_problems(epub) == []
    with zipfile.ZipFile(epub) as book:
        opf = book.read("EPUB/content.opf").decode()
    assert "<dc:title>[La represión en la URSS]</dc:title>" in opf
    with pdfplumber.open(pdf) as doc:
        first_page = doc.pages[0].extract_text()
        last_page = doc.pages[-1].extract_text()
    for field in ("[La represión en la URSS]", "León Trotsky", "12 de febrero de 1936"):
        assert field in first_page
    assert "germinal_1917@yahoo.es" in last_page  # on the copyright page


def test_format_and_out_choose_what_is_written_and_where(seed_letter, project, run_cli) -> None:
    result = run_cli("build", "source/carta-muste-1936.md", "--format", "epub", "--out", "out")

    assert result.code == 0, result.err
    assert [p.name for p in (project / "out").iterdir() if not p.name.startswith(".")] == [
        "carta-muste-1936.epub"
    ]
    assert not (project / "build").exists()


def test_check_reads_sources_and_writes_nothing(seed_letter, project, run_cli) -> None:
    result = run_cli("check", "source/")

    assert result.code == 0
    assert not (project / "build").exists()


def test_bad_usage_exits_2(project, run_cli) -> None:
    assert run_cli("build", "--format", "docx").code == 2


def test_python_dash_m_publish_runs_the_same_command(seed_letter, project) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "publish", "check", "source"], capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr


def test_a_build_from_a_folder_of_the_project_builds_the_project(
    seed_letter, project, run_cli, monkeypatch
) -> None:
    """From `source/` (or any folder below the project), `publish build` and `publish check`
    find the project above: its sources, its settings, its build/ folder."""
    (project / "publish.toml").write_text('notes = "book"\n')
    monkeypatch.chdir(project / "source")

    assert run_cli("check").code == 0
    result = run_cli("build", "--format", "epub")

    assert result.code == 0, result.err
    epub = project / "build" / "carta-muste-1936.epub"
    assert epub.exists() and not (project / "source" / "build").exists()
    with zipfile.ZipFile(epub) as book:
        assert "EPUB/endnotes.xhtml" in book.namelist()  # the project's setting applied
