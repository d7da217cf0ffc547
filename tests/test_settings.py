"""Settings: package defaults < project file < front matter < command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.builder import BuildReport, target_settings
from publish.errors import SourceError
from publish.reader import read_document
from publish.resources import find_project_root
from publish.settings import Settings


def settings_of(source: Path, **flags: str) -> tuple[Settings, BuildReport]:
    report = BuildReport()
    doc = read_document(source, report.warnings.append)
    return target_settings(doc, find_project_root(source), flags, report), report


def test_defaults_are_a5_with_chapter_notes(write_source) -> None:
    settings, _ = settings_of(write_source("plain.md", "---\ntitle: T\n---\n\nText.\n"))

    assert settings == Settings()
    assert settings.page_size == ("148mm", "210mm")


def test_each_layer_overrides_the_one_before(project, write_source) -> None:
    (project / "publish.toml").write_text('trim = "a4"\nnotes = "book"\nbleed = "3mm"\n')
    source = write_source("doc.md", "---\ntitle: T\ntrim: 6x9in\nnotes: chapter\n---\n\nText.\n")

    settings, _ = settings_of(source, notes="book")

    assert (settings.trim, settings.notes, settings.bleed) == ("6x9in", "book", "3mm")
    assert settings.page_size == ("6in", "9in")


def test_pyproject_tool_table_is_read_when_there_is_no_publish_toml(project, write_source) -> None:
    (project / "publish.toml").unlink()
    (project / "pyproject.toml").write_text(
        '[tool.publish]\ntrim = "120mm x 190mm"\ncolour = "red"\n'
    )

    settings, report = settings_of(write_source("doc.md", "---\ntitle: T\n---\n\nText.\n"))

    assert settings.page_size == ("120mm", "190mm")
    assert [str(w) for w in report.warnings] == [
        "pyproject.toml:3: warning: unknown setting 'colour' is ignored"
    ]


def test_a_bad_setting_in_front_matter_names_its_line(write_source) -> None:
    source = write_source("doc.md", "---\ntitle: T\nnotes: margin\n---\n\nText.\n")

    with pytest.raises(SourceError) as error:
        read_document(source)

    assert (
        str(error.value)
        == "source/doc.md:3: setting 'notes' must be one of chapter, book, not 'margin'"
    )
