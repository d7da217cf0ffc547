"""`publish new NAME`: a project a newcomer can build at once, in both formats."""

from __future__ import annotations

import zipfile
from pathlib import Path

from publish.preflight import preflight
from tests.conftest import epubcheck_problems


def test_a_new_project_builds_at_once(tmp_path: Path, monkeypatch, run_cli) -> None:
    monkeypatch.chdir(tmp_path)
    made = run_cli("new", "Cartas de 1936", "--lang", "es", "--title", 'Las "cartas"')
    assert made.code == 0 and "Cartas de 1936" in made.out
    project = tmp_path / "Cartas de 1936"
    assert (project / "publish.toml").read_text().startswith("# How this project")
    assert (project / "styles" / "print.css").exists() and (project / ".gitignore").exists()

    monkeypatch.chdir(project / "source")  # a command finds its project from any subfolder
    assert run_cli("check").code == 0
    assert run_cli("build", "--jobs", "1").code == 0

    epub = project / "build" / "cartas-de-1936.epub"
    assert epubcheck_problems(epub) == []
    with zipfile.ZipFile(epub) as book:
        opf = book.read("EPUB/content.opf").decode()
    assert 'Las "cartas"' in opf.replace("&quot;", '"') and "<dc:language>es<" in opf
    report = preflight(project / "build" / "cartas-de-1936.pdf")
    assert report.ok, report.findings
    notes = next(f for f in report.findings if f.check.startswith("Notes"))
    assert notes.detail.startswith("3 notes")  # at the foot of their calls' pages


def test_new_refuses_a_folder_that_holds_files(tmp_path: Path, monkeypatch, run_cli) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "notes.txt").write_text("mine")

    result = run_cli("new", "book")

    assert result.code == 1 and "book: already exists and is not an empty folder" in result.err
    assert [p.name for p in (tmp_path / "book").iterdir()] == ["notes.txt"]
