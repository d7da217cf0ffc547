"""A letter of eight notes in A5 whose last note is a page long (the issue's): built with the
command line, its notes break across pages and stay above every page's bottom margin, and
`publish check` passes it.

(`publish check` used to fail it, "text outside on page 2": it took the column's left edge
from the lines that start most often, which on a page of the long note's hanging lines are
the note's, 17 pt to the right of the column.)
"""

from __future__ import annotations

import random
from pathlib import Path

import pdfplumber
import pytest

from tests.pdf_helpers import content_box

WORDS = [
    "la",
    "carta",
    "del",
    "compañero",
    "habla",
    "de",
    "la",
    "huelga",
    "y",
    "del",
    "pan",
    "de",
    "los",
    "obreros",
    "en",
    "la",
    "ciudad",
]
NOTE_SIZE = 8.5  # print.css: notes in 8.5 pt
# How far a note's glyphs may reach under its last line's box, which ends at the margin:
# Charis SIL's descenders, in the notes' 11 pt lines.
DESCENDER_PT = 1.5


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "."


def letter_of_eight_notes(seed: int = 0) -> str:
    """Eight paragraphs, each calling a note; the eighth note is 45 sentences (a page)."""
    rng = random.Random(seed)
    paragraphs, notes = [], []
    for number in range(1, 9):
        text = " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))
        paragraphs.append(f"{text}[^{number}] {_sentence(rng)}")
        length = 45 if number == 8 else rng.randint(1, 3)
        notes.append(f"[^{number}]: " + " ".join(_sentence(rng) for _ in range(length)))
    front = "---\ntitle: Carta\nlang: es\ndate: 1936-01-01\n---\n\n"
    return front + "\n\n".join(paragraphs) + "\n\n" + "\n\n".join(notes) + "\n"


@pytest.fixture
def letter_pdf(project: Path, write_source, run_cli) -> Path:
    write_source("carta.md", letter_of_eight_notes())
    assert run_cli("build", "source/carta.md", "--format", "pdf").code == 0
    return project / "build" / "carta.pdf"


def test_the_notes_of_every_page_stay_above_the_bottom_margin(letter_pdf: Path) -> None:
    with pdfplumber.open(letter_pdf) as pdf:
        pages = [
            [c for c in page.chars if abs(c["size"] - NOTE_SIZE) < 0.3 and not c["text"].isspace()]
            for page in pdf.pages
        ]
        heights = [float(page.height) for page in pdf.pages]
    margins = [bottom for _top, bottom in content_box(letter_pdf)]

    assert sum(1 for chars in pages if chars) >= 2  # the long note goes on to another page
    for chars, height, bottom in zip(pages, heights, margins, strict=True):
        baselines = [height - c["matrix"][5] for c in chars]  # from the top, as pdfplumber's
        assert max(baselines, default=0) <= bottom
        assert max((c["bottom"] for c in chars), default=0) <= bottom + DESCENDER_PT


def test_publish_check_passes_the_letter(letter_pdf: Path, run_cli) -> None:
    result = run_cli("check", letter_pdf)

    assert result.code == 0, result.out
    assert "text outside" not in result.out
