"""WeasyPrint behind one door (`publish.writers.engine`): importing publish changes nothing in
WeasyPrint or pydyf, a build puts back what it replaced, two PDFs made at once on two
threads both come out right, and on a WeasyPrint publish does not know (or whose internals
are gone) the PDF is still written, its long notes moved whole, with one warning.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pdfplumber
import pytest
import weasyprint
from weasyprint import HTML

import publish
from publish.writers import engine
from publish.writers.engine import weasyprint70
from tests.conftest import REPO

LINE = "The strike went on through the winter, and the bakers kept the ovens warm at night."


def letter(note_lines: int = 30, title: str = "A letter") -> str:
    """Three paragraphs, then a note called near the foot of page 1 that is too long for
    the room left there (but shorter than a page); `Nxx` words number its sentences."""
    body = "\n\n".join(" ".join([LINE] * 4) for _ in range(3))
    note = " ".join(f"N{i:02d} the note goes on about the bakers." for i in range(note_lines))
    return (
        f"---\ntitle: {title}\nlang: en\n---\n\n{body}\n\nThe last word.[^long] "
        f"{' '.join([LINE] * 3)}\n\n{' '.join([LINE] * 6)}\n\n[^long]: {note}\n"
    )


def note_pages(pdf: bytes) -> list[int]:
    """How many of the long note's numbered sentences each page prints."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [
            sum(1 for w in page.extract_words() if w["text"][:1] == "N" and w["text"][1:].isdigit())
            for page in document.pages
        ]


def broken(pdf: bytes, note_lines: int = 30) -> bool:
    """Whether the long note printed all its sentences on two pages, from the call's on."""
    counts = note_pages(pdf)
    return counts[0] > 0 and counts[1] > 0 and sum(counts) == note_lines


def moved_whole(pdf: bytes, note_lines: int = 30) -> bool:
    """Whether the long note printed all its sentences on one page after its call's."""
    counts = note_pages(pdf)
    return counts[0] == 0 and note_lines in counts


def page_texts(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [page.extract_text() for page in document.pages]


def write_pdf(text: str) -> tuple[bytes, list[str]]:
    """The PDF of `text`, and the warnings it gave."""
    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter("always")
        pdf = publish.read(text).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf, [str(warning.message) for warning in heard]


# Nothing changed by an import, nor left changed by a build


SNAPSHOT = r"""
import gc, importlib, json, pkgutil, sys, types
import pydyf, weasyprint
from weasyprint import HTML
HTML(string="<p>warm-up</p>").write_pdf()  # WeasyPrint's own lazy state, settled first
import weasyprint.css, weasyprint.document, weasyprint.layout, weasyprint.layout.block
import weasyprint.layout.page

OWNERS = {
    "weasyprint": weasyprint, "weasyprint.document": weasyprint.document,
    "weasyprint.layout": weasyprint.layout, "weasyprint.layout.page": weasyprint.layout.page,
    "weasyprint.layout.block": weasyprint.layout.block, "weasyprint.css": weasyprint.css,
    "LayoutContext": weasyprint.layout.LayoutContext, "Document": weasyprint.Document,
    "HTML": weasyprint.HTML, "pydyf": pydyf, "pydyf.PDF": pydyf.PDF,
}

def snapshot():
    shot = {name: {k: id(v) for k, v in vars(owner).items()} for name, owner in OWNERS.items()}
    return shot, gc.get_threshold()

def changes(before, after):
    '''Names replaced or removed, and names added that are not submodules just imported.'''
    found = []
    for name, owner in OWNERS.items():
        old, new = before[0][name], after[0][name]
        found += [f"{name}.{k}" for k in old if new.get(k) != old[k]]
        found += [f"{name}.{k} (added)" for k in new.keys() - old.keys()
                  if not isinstance(vars(owner)[k], types.ModuleType)]
    if before[1] != after[1]:
        found.append(f"gc thresholds {before[1]} -> {after[1]}")
    return found

first = snapshot()
import publish
names = [m.name for m in pkgutil.walk_packages(publish.__path__, "publish.")
         if m.name != "publish.__main__"]  # the command line, which runs when imported
for name in names:
    importlib.import_module(name)
after_import = snapshot()
text = sys.argv[1]
pdf = publish.read(text).write_pdf()
after_build = snapshot()
print(json.dumps({"modules": names, "import": changes(first, after_import),
                  "build": changes(first, after_build), "pdf": pdf[:5].decode()}))
"""


@pytest.fixture(scope="module")
def imported_and_built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """In a fresh interpreter: WeasyPrint and pydyf's attributes before and after importing
    every publish module, and after a build with a long note (the internals applied)."""
    folder = tmp_path_factory.mktemp("fresh")
    (folder / "publish.toml").write_text("")
    run = subprocess.run(
        [sys.executable, "-c", SNAPSHOT, letter()],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_importing_every_publish_module_leaves_weasyprint_and_pydyf_as_they_were(
    imported_and_built: dict,
) -> None:
    assert {"publish.writers.pdf", "publish.writers.engine.weasyprint70"} <= set(
        imported_and_built["modules"]
    )
    assert imported_and_built["import"] == []


def test_a_build_puts_back_all_it_replaced_in_weasyprint_and_pydyf(
    imported_and_built: dict,
) -> None:
    assert imported_and_built["pdf"] == "%PDF-"
    assert imported_and_built["build"] == []


def test_importing_publish_loads_neither_weasyprint_nor_the_reader() -> None:
    code = (
        "import sys, publish; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('weasyprint', 'pydyf', 'ebooklib', 'jinja2', 'markdown_it') or m.startswith('publish.')))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert run.stdout.strip() == "['publish.errors']"


# The public API alone: long notes move whole, with one warning


def test_on_a_weasyprint_publish_was_not_tested_with_a_long_note_moves_whole_with_one_warning(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    split, heard = write_pdf(letter())
    assert heard == []
    assert broken(split)

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    whole, heard = write_pdf(letter())

    assert moved_whole(whole)
    assert len(heard) == 1
    assert "WeasyPrint 71.0 is not one publish was tested with (69.x, 70.x)" in heard[0]
    assert "moves whole to the next page" in heard[0]


def test_when_weasyprint_internals_are_gone_the_pdf_is_written_and_weasyprint_put_back(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The note-splitting context is put in place, then the next name is missing: the
    context is taken back out before WeasyPrint lays out alone."""
    context = weasyprint.document.LayoutContext
    monkeypatch.setattr(weasyprint70, "page_layout", object())  # no `block_level_layout`

    pdf, heard = write_pdf(letter())

    assert moved_whole(pdf)
    assert len(heard) == 1
    assert "internals are not as expected (AttributeError" in heard[0]
    assert weasyprint.document.LayoutContext is context


def test_when_weasyprint_changed_under_the_internals_the_pdf_is_laid_out_again_alone(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name is there but no longer means what it did: the layout fails half-way, and the
    PDF is laid out again by WeasyPrint's own code."""

    def changed(*_args: object) -> None:
        raise TypeError("layout_footnote() takes 2 positional arguments but 3 were given")

    monkeypatch.setattr(weasyprint70.NoteSplittingContext, "layout_footnote", changed)

    pdf, heard = write_pdf(letter())

    assert moved_whole(pdf)
    assert len(heard) == 1
    assert "internals are not as expected (TypeError: layout_footnote()" in heard[0]
    assert weasyprint.document.LayoutContext is weasyprint70.LayoutContext


def test_a_pdf_build_warns_once_through_the_command_line_too(
    project: Path, write_source, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_source("letter.md", letter())
    monkeypatch.setattr(weasyprint, "__version__", "71.0")

    result = run_cli("build", "source/letter.md", "--format", "pdf")

    assert result.code == 0
    assert (project / "build" / "letter.pdf").stat().st_size > 0
    assert (result.out + result.err).count("moves whole to the next page") == 1


# Threads


def test_two_pdfs_made_at_once_on_two_threads_both_come_out_right(project: Path) -> None:
    texts = [letter(30, "First letter"), letter(26, "Second letter")]
    alone = [write_pdf(text)[0] for text in texts]
    together: list[bytes | None] = [None, None]

    def make(index: int) -> None:
        together[index] = publish.read(texts[index]).write_pdf()

    threads = [threading.Thread(target=make, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert together == alone
    assert broken(alone[0]) and broken(alone[1], 26)  # each broke its long note, as alone


def test_weasyprint_on_another_thread_meanwhile_lays_out_as_weasyprint_does(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A program's own WeasyPrint PDF, made while publish lays out its own: it gets
    WeasyPrint's own layout (its long note moved whole), not publish's."""
    html = (
        "<style>@page { size: A5 } .n { float: footnote }</style>"
        + f"<p>{' '.join([LINE] * 30)}<span class=n>"
        + " ".join(f"N{i:02d} the note goes on." for i in range(60))
        + "</span></p>"
    )
    own = HTML(string=html).write_pdf()
    meanwhile: list[bytes] = []
    continued_notes = weasyprint70.continued_notes

    def during_publish_layout(laid_out: object) -> set[str]:
        # Called inside publish's session, with its replacements in place.
        assert weasyprint.document.LayoutContext is not weasyprint70.LayoutContext
        other = threading.Thread(target=lambda: meanwhile.append(HTML(string=html).write_pdf()))
        other.start()
        other.join(timeout=300)
        return continued_notes(laid_out)

    monkeypatch.setattr(weasyprint70, "continued_notes", during_publish_layout)
    pdf, _heard = write_pdf(letter())

    assert broken(pdf)
    assert page_texts(meanwhile[0]) == page_texts(own)
    assert weasyprint.document.LayoutContext is weasyprint70.LayoutContext


def test_the_lock_is_held_for_the_whole_of_a_session() -> None:
    with engine.session():
        holder = threading.Thread(target=lambda: acquired.append(engine.RENDER_LOCK.acquire(False)))
        acquired: list[bool] = []
        holder.start()
        holder.join()
    assert acquired == [False]
    assert engine.RENDER_LOCK.acquire(False)
    engine.RENDER_LOCK.release()
