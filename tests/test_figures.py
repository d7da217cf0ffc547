"""Figures as a reader and a printer see them: captioned, never wider than the column nor
indented, and in print one that does not fit waits for the next page while the text flows
on before it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pdfplumber
from PIL import Image

from tests.pdf_helpers import pages_words
from tests.reading_engines import evaluate_in_chromium

LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat."
)


def write_image(project: Path, name: str, size: tuple[int, int]) -> None:
    Image.new("RGB", size, (190, 90, 40)).save(project / "source" / name, dpi=(300, 300))


def column(words: list) -> tuple[float, float]:
    """Where the page's body text starts and ends: its justified lines fill the column."""
    body = [word for word in words if word.is_body]
    return min(word.x0 for word in body), max(word.x1 for word in body)


def test_figures_are_captioned_and_never_wider_than_the_column(
    project, write_source, run_cli
) -> None:
    write_image(project, "wide.png", (3000, 1500))
    write_source(
        "figs.md",
        f"""
        ---
        title: Figures
        lang: en
        ---

        {LOREM}

        ![The harbour in 1936](wide.png)

        {LOREM}

        ![](wide.png) opens this paragraph, which would otherwise be indented. {LOREM}

        ![Asked wider than the page](wide.png){{width=150%}}

        {LOREM} {LOREM}
        """,
    )
    assert run_cli("build", "--jobs", "1").code == 0

    with zipfile.ZipFile(project / "build" / "figs.epub") as epub:
        text = epub.read("EPUB/text.xhtml").decode()
    assert "<figcaption" in text and "The harbour in 1936</figcaption>" in text
    rights = evaluate_in_chromium(
        project / "build" / "figs.epub",
        "text.xhtml",
        "() => [document.body, ...document.images].map(e => e.getBoundingClientRect().right)",
        width=400,
    )
    assert all(right <= rights[0] for right in rights[1:])

    pdf = project / "build" / "figs.pdf"
    with pdfplumber.open(pdf) as opened:
        images = [(number, image) for number, page in enumerate(opened.pages)
                  for image in page.images]  # fmt: skip
        captions = opened.pages[0].extract_text() + opened.pages[1].extract_text()
    assert len(images) == 3 and "The harbour in 1936" in captions
    words = pages_words(pdf)
    for number, image in images:
        left, right = column(words[number])
        assert left - 0.5 <= image["x0"] and image["x1"] <= right + 0.5, (number, image)
    report = run_cli("check", pdf).out
    assert re.search(r"Images inside the margins\s+pass", report)


def test_a_figure_too_tall_for_the_room_left_waits_for_the_next_page(
    project, write_source, run_cli
) -> None:
    """The text after it fills the page the figure could not: no half-empty page."""
    write_image(project, "tall.png", (1500, 2100))
    write_source(
        "tall.md",
        f"""
        ---
        title: A tall figure
        lang: en
        ---

        {LOREM} {LOREM}

        ![A tall figure](tall.png)

        Flowing on. {LOREM}

        {LOREM}

        {LOREM} {LOREM} {LOREM}

        {LOREM} {LOREM} {LOREM}
        """,
    )
    assert run_cli("build", "--jobs", "1").code == 0

    pdf = project / "build" / "tall.pdf"
    with pdfplumber.open(pdf) as opened:
        first, second = opened.pages[0], opened.pages[1]
        assert not first.images and len(second.images) == 1
        assert "Flowing on." in first.extract_text()
        figure_top = second.images[0]["top"]
    words = pages_words(pdf)
    text_top = min(word.top for word in words[2] if word.is_body)  # a page of text alone
    text_bottom = max(word.bottom for word in words[0] if word.is_body)
    assert figure_top <= text_top + 1  # the figure heads its page
    assert text_bottom > first_page_room(pdf)  # the first page is full

    with zipfile.ZipFile(project / "build" / "tall.epub") as epub:
        text = epub.read("EPUB/text.xhtml").decode()
    assert text.index("A tall figure</figcaption>") < text.index("Flowing on.")  # as written


def first_page_room(pdf: Path) -> float:
    """Three quarters down the first page: text reaching lower fills what the figure left."""
    with pdfplumber.open(pdf) as opened:
        return opened.pages[0].height * 0.75


def test_check_fails_an_image_standing_out_of_the_margins(project, write_source, run_cli) -> None:
    write_image(project, "wide.png", (3000, 1500))
    (project / "styles").mkdir()
    (project / "styles" / "print.css").write_text("figure img { max-width: none; width: 160mm; }")
    write_source("out.md", f"---\ntitle: Out\n---\n\n{LOREM}\n\n![Too wide](wide.png)\n")
    assert run_cli("build", "--format", "pdf", "--jobs", "1").code == 0

    result = run_cli("check", project / "build" / "out.pdf")
    assert result.code == 1
    assert re.search(
        r"Images inside the margins\s+FAIL\s+an image outside\s+on\s+page 1", result.out
    )
