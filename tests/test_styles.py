"""A project's own style sheets add to the built-in design: a one-line styles/print.css
changes that one thing, and the book keeps its page footnotes, running heads and fonts. The
usual knobs are custom properties; replacing the whole design is a setting one asks for."""

from __future__ import annotations

import itertools
import shutil
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from lxml import etree

from publish.preflight import preflight
from publish.settings import MM
from tests.conftest import epubcheck_problems
from tests.pdf_helpers import font_dicts, pages_words
from tests.reading_engines import evaluate_in_chromium

XHTML = {"x": "http://www.w3.org/1999/xhtml"}
LETTER = "carta-muste-1936"


def write_style(project: Path, name: str, css: str) -> Path:
    (project / "styles").mkdir(exist_ok=True)
    path = project / "styles" / name
    path.write_text(css, encoding="utf-8")
    return path


def build(run_cli, *args: str) -> None:
    result = run_cli("build", *args)
    assert result.code == 0, result.err


def fonts(pdf: Path) -> set[str]:
    return {name.partition("+")[2] for name, _descriptor in font_dicts(pdf)}


def assert_the_design_is_kept(pdf: Path) -> None:
    """Page footnotes on their call's page, a running head on page 2, Charis SIL embedded,
    and the letter's copyright page last."""
    report = preflight(pdf)
    assert all(finding.ok for finding in report.findings), report.findings
    notes = next(f for f in report.findings if f.check.startswith("Notes"))
    assert notes.detail == "2 notes"
    first, second, copyright_page = pages_words(pdf)
    assert "Contacto:" in [w.text for w in copyright_page]
    top_of_text = min(w.top for w in second if w.is_body)
    assert [w.text for w in second if w.bottom < top_of_text] == ["León", "Trotsky"]
    text_bottom = max(w.bottom for w in first if w.is_body)
    assert any(w.is_note and w.top > text_bottom for w in first), "no notes at the foot"
    assert "Charis-SIL" in fonts(pdf)


def test_a_one_line_print_css_changes_one_thing(seed_letter, project, run_cli) -> None:
    write_style(project, "print.css", "h1 { color: red }\n")
    build(run_cli, "--format", "pdf")

    pdf = project / "build" / f"{LETTER}.pdf"
    with pdfplumber.open(pdf) as document:
        chars = document.pages[0].chars
    title = [c for c in chars if c["text"] == "L" and c["size"] > 15]
    body = [c for c in chars if 10 <= c["size"] <= 11]
    assert title and all(c["non_stroking_color"] == (1, 0, 0) for c in title)
    assert body and all(c["non_stroking_color"] in ((0,), (0, 0, 0), None) for c in body)
    assert_the_design_is_kept(pdf)


def test_the_body_font_is_a_custom_property(seed_letter, project, run_cli) -> None:
    """The README's example: a font file in the project's styles/fonts/, named on :root."""
    found = sorted(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"))
    if not found:
        pytest.skip("no DejaVu Sans on this machine to stand for a project's font")
    (project / "styles" / "fonts").mkdir(parents=True)
    shutil.copy(found[0], project / "styles" / "fonts" / "DejaVuSans.ttf")
    write_style(
        project,
        "print.css",
        '@font-face { font-family: "DejaVu Sans"; src: url(fonts/DejaVuSans.ttf); }\n'
        ':root { --body-font: "DejaVu Sans", sans-serif; }\n',
    )
    build(run_cli, "--format", "pdf")

    pdf = project / "build" / f"{LETTER}.pdf"
    with pdfplumber.open(pdf) as document:
        words = document.pages[1].extract_words(extra_attrs=["fontname", "size"])
    assert {w["fontname"].partition("+")[2] for w in words if w["size"] > 10} == {"DejaVu-Sans"}
    report = preflight(pdf)
    assert all(finding.ok for finding in report.findings), report.findings  # notes, fonts


KNOBS = """:root {
  --font-size: 12pt;
  --leading: 2;
  --text-indent: 3em;
  --paragraph-space: 6pt;
  --note-size: 9pt;
  --note-leading: 2;
  --page-margin-top: 30mm;
  --page-margin-bottom: 40mm;
  --page-margin-inner: 35mm;
  --page-margin-outer: 10mm;
}
"""


def test_each_documented_knob_changes_the_printed_page(write_source, project, run_cli) -> None:
    paragraph = " ".join(["The letter came late to the congress, and they argued long."] * 5)
    write_source(
        "knobs.md",
        f"---\ntitle: Knobs\nauthor: A. Writer\n---\n\n{paragraph}[^a]\n\n{paragraph}\n\n"
        + "\n\n".join([paragraph] * 8)
        + "\n\n[^a]: A note that runs over two lines at the least, as notes do when they "
        "have something to say about the letter.\n",
    )
    write_style(project, "print.css", KNOBS)
    build(run_cli, "source/knobs.md", "--format", "pdf")

    pdf = project / "build" / "knobs.pdf"
    with pdfplumber.open(pdf) as document:
        page = document.pages[2]  # a recto: the inner margin is on the left
        height = float(page.height)
        words = page.extract_words(extra_attrs=["size"])
    body = [w for w in words if abs(w["size"] - 12) < 0.1]
    notes = [w for w in pages_words(pdf)[0] if 8.9 < w.size < 9.1]
    lines = sorted({round(w["top"], 1) for w in body})
    starts = sorted({round(w["x0"], 1) for w in body})

    assert body, "the body text is 12 pt"
    assert notes, "the notes are 9 pt"
    assert min(lines) >= 30 * MM - 1  # top margin
    assert max(w["bottom"] for w in body) <= height - 40 * MM + 1  # bottom margin
    assert abs(starts[0] - 35 * MM) < 1  # inner margin, left on a recto
    assert max(w["x1"] for w in body) > float(page.width) - 10 * MM - 2  # outer margin
    steps = [b - a for a, b in itertools.pairwise(lines)]
    assert min(steps) == pytest.approx(24, abs=0.6)  # leading 2 × 12 pt
    assert any(abs(x - (35 * MM + 36)) < 1 for x in starts)  # indent 3 em of 12 pt
    assert any(abs(step - 30) < 0.6 for step in steps)  # a paragraph's gap: 24 + 6 pt
    note_lines = sorted({round(w.top, 1) for w in notes})
    assert note_lines[1] - note_lines[0] == pytest.approx(18, abs=0.6)  # note leading 2 × 9 pt


def test_replacing_the_design_is_a_setting(seed_letter, project, run_cli) -> None:
    write_style(project, "print.css", "body { font-family: serif }\n")
    write_style(project, "epub.css", "p { margin: 0 }\n")
    (project / "publish.toml").write_text('styles = "replace"\n')
    build(run_cli)

    pdf = project / "build" / f"{LETTER}.pdf"
    assert "Charis-SIL" not in fonts(pdf)  # only the project's sheet: no built-in fonts
    notes = next(f for f in preflight(pdf).findings if f.check.startswith("Notes"))
    assert notes.ok and notes.detail == "2 notes"
    epub = project / "build" / f"{LETTER}.epub"
    with zipfile.ZipFile(epub) as book:
        sheets = [name for name in book.namelist() if name.endswith(".css")]
        # Only the cover page's own sheet (no margin, for a one-screen cover) stays.
        assert sorted(sheets) == ["EPUB/styles/cover.css", "EPUB/styles/epub.css"]
        assert book.read("EPUB/styles/epub.css") == b"p { margin: 0 }\n"


def test_the_styles_setting_on_the_command_line_and_in_front_matter(
    seed_letter, project, run_cli
) -> None:
    write_style(project, "print.css", "body { font-family: serif }\n")
    build(run_cli, "--format", "pdf")
    pdf = project / "build" / f"{LETTER}.pdf"
    assert "Charis-SIL" in fonts(pdf)

    build(run_cli, "--format", "pdf", "--styles", "replace")
    assert "Charis-SIL" not in fonts(pdf), "the setting changed: the cache rebuilt the PDF"

    text = seed_letter.read_text(encoding="utf-8")
    seed_letter.write_text(text.replace("lang: es\n", "lang: es\nstyles: replace\n", 1))
    build(run_cli, "--format", "pdf", "--force")
    assert "Charis-SIL" not in fonts(pdf)
    assert run_cli("build", "--styles", "instead").code == 2


def test_an_epub_carries_both_sheets_linked_from_every_page(seed_letter, project, run_cli) -> None:
    write_style(
        project, "epub.css", ":root { --text-indent: 0; }\nh1 { font-variant: small-caps }\n"
    )
    build(run_cli, "--format", "epub")

    epub = project / "build" / f"{LETTER}.epub"
    with zipfile.ZipFile(epub) as book:
        pages = [name for name in book.namelist() if name.endswith(".xhtml")]
        assert b"hyphens: auto" in book.read("EPUB/styles/epub.css")
        assert b"small-caps" in book.read("EPUB/styles/project.css")
        for name in pages:
            links = etree.fromstring(book.read(name)).xpath(
                "//x:link[@rel='stylesheet']/@href", namespaces=XHTML
            )
            own = ["cover.css"] if name.endswith("/cover.xhtml") else []
            assert [link.rpartition("/")[2] for link in links] == [*own, "epub.css", "project.css"]
    assert epubcheck_problems(epub) == []


def test_a_style_sheet_outside_the_project_is_refused(
    seed_letter, project, run_cli, tmp_path_factory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "print.css"
    outside.write_text("body { color: red }\n")
    (project / "styles").mkdir()
    (project / "styles" / "print.css").symlink_to(outside)

    result = run_cli("build")

    assert result.code == 1
    assert "styles/print.css: style sheet 'styles/print.css' is outside the project" in result.err
    assert not (project / "build" / f"{LETTER}.pdf").exists()


def test_the_epub_writes_each_knob_as_its_value_so_every_reader_indents(
    seed_letter, project, run_cli
) -> None:
    """MuPDF takes `text-indent: var(--text-indent)` and then finds no value: every
    paragraph ran on unindented. The EPUB's sheets carry plain values, the project's own
    where its `:root` sets them."""
    pymupdf = pytest.importorskip("pymupdf")
    write_style(
        project,
        "epub.css",
        ":root { --text-indent: 3em; }\nh1 { margin-left: var(--text-indent) }\n",
    )
    build(run_cli, "--format", "epub")

    epub = project / "build" / f"{LETTER}.epub"
    with zipfile.ZipFile(epub) as book:
        sheets = {
            name: book.read(name).decode() for name in book.namelist() if name.endswith(".css")
        }
    assert not any("var(" in text for text in sheets.values())
    assert "text-indent: 3em;" in sheets["EPUB/styles/epub.css"]
    assert "h1 { margin-left: 3em }" in sheets["EPUB/styles/project.css"]

    document = pymupdf.open(epub)
    document.layout(width=600, height=800, fontsize=12)
    [lines] = [  # the lines of the letter's second paragraph, as MuPDF lays them out
        [line["bbox"][0] for line in block["lines"]]
        for page in document
        for block in page.get_text("dict")["blocks"]
        if block.get("lines") and block["lines"][0]["spans"][0]["text"].startswith("Le agradezco")
    ]
    assert lines[0] - lines[1] > 30  # its first line indented by 3em of 12pt (36pt)


def test_an_image_alone_in_its_paragraph_stays_inside_the_column(
    project, write_source, run_cli
) -> None:
    """An image without alt text is no figure, only a paragraph of one image: the
    paragraph's indent pushed an image as wide as the column out of it, on the screen and
    on the page."""
    from PIL import Image

    Image.new("RGB", (3000, 1000), (200, 100, 50)).save(
        project / "source" / "wide.png", dpi=(300, 300)
    )
    write_source("pic.md", "---\ntitle: A picture\n---\n\nText.\n\n![](wide.png)\n\nMore text.\n")
    build(run_cli)

    pdf = project / "build" / "pic.pdf"
    with pdfplumber.open(pdf) as document:
        [page] = [p for p in document.pages if p.images]
        assert page.page_number % 2 == 1  # a recto: the outer margin (16 mm) on the right
        column_right = page.width - 16 * MM
        assert page.images[0]["x1"] <= column_right + 0.5

    body, image = evaluate_in_chromium(
        project / "build" / "pic.epub",
        "text.xhtml",
        "() => [document.body, document.images[0]].map(e => e.getBoundingClientRect().right)",
        width=400,
    )
    assert image <= body


def test_a_heading_in_a_centred_div_is_centred(project, write_source, run_cli) -> None:
    """Every heading says its alignment (Kindle justifies what is not told otherwise), and
    one inside Pandoc's `::: center` goes with its div."""

    write_source("c.md", "---\ntitle: C\n---\n\n::: center\n## Centred\n\nText.\n:::\n\n## Left\n")
    build(run_cli, "--format", "epub")
    aligned = evaluate_in_chromium(
        project / "build" / "c.epub",
        "text.xhtml",
        "() => [...document.querySelectorAll('h2')].map(h => getComputedStyle(h).textAlign)",
    )
    assert aligned == ["center", "left"]
