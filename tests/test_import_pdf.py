"""Importing a PDF (publish.importers.pdf): publish's own PDFs read back into a source.

The round trip is the test (issue 16, part 3): a source built to a PDF by publish,
imported back, gives the source again — its words in order, every note at its call with
its text, the header's fields. The imported source then builds, to both formats.
"""

from __future__ import annotations

import random
import re
import shutil
import warnings
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

import publish
from publish.errors import SourceError
from publish.importers import read_draft
from publish.importers.draft import Draft
from publish.importers.pdf import Measures, Reading, parse_date, rejoin
from tests.import_roundtrip import (
    browser_pdf,
    compare,
    read_markdown,
    read_source,
    typst_pdf,
)
from tests.pdf_helpers import story_document

REPO = Path(__file__).resolve().parent.parent


def built_pdf(source: Path, out: Path) -> Path:
    (pdf,) = publish.build([source], out=out, formats=("pdf",))
    return pdf


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def epub_words(epub: Path) -> list[str]:
    """The words a reader sees in the EPUB's text documents (the navigation aside)."""
    parser = _Text()
    with zipfile.ZipFile(epub) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".xhtml") and not name.endswith("nav.xhtml"):
                parser.feed(archive.read(name).decode("utf-8"))
    return re.findall(r"\w+", " ".join(parser.parts))


def round_trip(source: Path, out: Path):
    draft = read_draft(built_pdf(source, out))
    return draft, compare(read_source(source), read_markdown(draft.markdown()))


def test_the_letter_comes_back_whole(project: Path) -> None:
    draft, figures = round_trip(REPO / "source" / "carta-muste-1936.md", project / "build")
    assert figures.words == 416
    assert figures.matched_share == 1.0 and figures.added == 0
    assert (figures.notes, figures.notes_placed) == (2, 2)
    assert figures.fields_wrong == [] and figures.fields_right == ["title", "author", "date"]
    fields = draft.fields
    assert fields["title"] == "[La represión en la URSS]"
    assert fields["author"] == "León Trotsky" and fields["date"] == "1936-02-12"
    assert fields["lang"] == "es" and fields["contact"] == "germinal_1917@yahoo.es"
    assert fields["source"].startswith("Versión al castellano desde “\\[La répression en URSS\\]”")
    # each note printed "— N. del E." at its end: the editor's, as the source says
    assert fields["notes-by"] == "editor" and fields["note-marks"] == {"editor": "arabic"}
    assert not any("N. del E." in note.paragraphs[0] for note in draft.notes)
    markdown = draft.markdown()
    # hyphens at the line ends undone, a compound's own hyphen kept, no running head
    assert "opinión" in markdown and "opi‐" not in markdown and "bolchevique-leninistas" in markdown
    assert "la carta de mi esposa[^1]." in markdown
    dropped = [guess.what for guess in draft.guesses if guess.kind == "dropped"]
    assert "running head or folio: León Trotsky" in dropped
    assert all(guess.where.startswith("carta-muste-1936.pdf") for guess in draft.guesses)


def test_the_imported_letter_builds_to_both_books_with_the_same_words(project: Path) -> None:
    """The import is a source: publish builds it, with no warning, and its EPUB says what
    the original's says."""
    original = Path(shutil.copy(REPO / "source" / "carta-muste-1936.md", project / "source"))
    draft = read_draft(built_pdf(original, project / "first"))
    imported = project / "source" / "imported.md"
    imported.write_text(draft.markdown(), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", publish.PublishWarning)
        written = publish.build(
            [original, imported], out=project / "again", formats=("epub", "pdf")
        )
    assert sorted(path.name for path in written) == [
        "carta-muste-1936.epub",
        "carta-muste-1936.pdf",
        "imported.epub",
        "imported.pdf",
    ]
    before = epub_words(project / "again" / "carta-muste-1936.epub")
    after = epub_words(project / "again" / "imported.epub")
    assert len(before) > 500 and before == after


def test_the_small_book_comes_back(project: Path) -> None:
    draft, figures = round_trip(REPO / "source" / "cartas-y-manifiestos", project / "build")
    assert figures.matched_share >= 0.999 and figures.added_share <= 0.001
    assert (figures.notes, figures.notes_placed) == (5, 5)
    assert figures.fields_wrong == []
    assert draft.fields["author"] == ["Karl Marx", "Friedrich Engels", "León Trotsky"]
    assert draft.fields["subtitle"] == "Tres textos, 1888–1936"
    headings = [(block.level, block.text) for block in draft.blocks if block.kind == "heading"]
    assert headings[:2] == [(1, "\\[La represión en la URSS\\]"), (1, "Preface")]
    # the title page, dedication, epigraph and contents are left out, each said
    fronts = [guess for guess in draft.guesses if guess.what.startswith("front page")]
    assert [guess.where for guess in fronts] == [
        f"cartas-y-manifiestos.pdf: page {page}" for page in (1, 3, 4, 5, 7, 9)
    ]
    # the letter's notes are the editor's, the Manifesto's the authors'
    assert draft.notes[0].paragraphs[0].startswith("{.editor} Se trata")
    assert draft.notes[2].paragraphs[0].startswith("Lassalle personally")
    imported = project / "source" / "imported.md"
    imported.write_text(draft.markdown(), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", publish.PublishWarning)
        written = publish.build([imported], out=project / "again", formats=("epub", "pdf"))
    assert [path.name for path in written] == ["imported.epub", "imported.pdf"]


def test_notes_broken_across_pages_are_joined(project: Path) -> None:
    """A 62-page document whose 150 notes run from a line to more than a page: each note
    continued at the next page's foot comes back whole, at its call."""
    source = project / "source" / "story.md"
    source.write_text(story_document().markdown, encoding="utf-8")
    draft, figures = round_trip(source, project / "build")
    assert figures.matched_share == 1.0 and figures.added == 0
    assert (figures.notes, figures.notes_placed) == (150, 150)
    continued = [guess for guess in draft.guesses if "continued from page" in guess.what]
    assert len(continued) >= 10


def test_page_markers_quotations_lists_italics_and_headings(project: Path, write_source) -> None:
    source = write_source(
        "marks.md",
        """
        ---
        title: A test of pages
        author: Ana Autora
        translator: Bea Traductora
        date: 1999-03-04
        lang: en
        ---

        ## First part

        Some text here that runs long enough to fill a whole line of the page and then
        more.{pag=206} More words after the page marker, and a quotation below here.

        > A quoted passage that is long enough to run over more than one line of the
        > printed page, to see its indent and size in print.

        After the *quote with italics* the text goes on[^a] with a list:

        1.  The first item, long enough to run over more than one line of the printed
            page, to see its hanging indent.
        2.  The second item.

        ### A subsection

        Text of the subsection.

        [^a]: The note's text, with *italics*.
        """,
    )
    draft = read_draft(built_pdf(source, project / "build"))
    assert draft.fields == {
        "title": "A test of pages",
        "author": "Ana Autora",
        "translator": "Bea Traductora",
        "date": "1999-03-04",
        "lang": "en",
    }
    assert [(block.kind, block.level, block.number) for block in draft.blocks] == [
        ("heading", 2, 0),
        ("paragraph", 0, 0),
        ("quote", 0, 0),
        ("paragraph", 0, 0),
        ("numbered", 1, 1),
        ("numbered", 1, 2),
        ("heading", 3, 0),
        ("paragraph", 0, 0),
    ]
    assert "then more.{pag=206} More words" in draft.blocks[1].text
    assert (
        draft.blocks[3].text == "After the *quote with italics* the text goes on[^1] with a list:"
    )
    assert draft.blocks[4].text.endswith("to see its hanging indent.")
    assert draft.blocks[6].text == "A subsection"
    assert [(note.label, note.paragraphs) for note in draft.notes] == [
        ("1", ("The note’s text, with *italics*.",))
    ]


def test_page_markers_in_the_margin_come_back_near_their_place(project: Path) -> None:
    words = [
        "the",
        "letter",
        "was",
        "sent",
        "from",
        "the",
        "island",
        "to",
        "the",
        "comrades",
        "of",
        "the",
        "league",
        "in",
        "the",
        "city",
    ]
    paragraphs = [
        " ".join(words[(start + i) % len(words)] for i in range(70)).capitalize()
        + (f" end.{{pag={206 + start}}} More" if start % 2 else "")
        + "."
        for start in range(14)
    ]
    source = project / "source" / "margins.md"
    source.write_text(
        "---\ntitle: Margins\nauthor: Ana\nlang: en\noriginal-pages: margin\n---\n\n"
        + "\n\n".join(paragraphs),
        encoding="utf-8",
    )
    draft, figures = round_trip(source, project / "build")
    assert figures.matched_share == 1.0 and figures.added == 0
    markers = re.findall(r"\{pag=(\d+)\}", draft.markdown())
    assert markers == [str(206 + start) for start in range(1, 14, 2)]
    placed = [guess for guess in draft.guesses if guess.kind == "page"]
    assert len(placed) == 7 and all(guess.needs_look for guess in placed)


@pytest.mark.skipif(
    not (shutil.which("pandoc") and shutil.which("chromium")), reason="needs Pandoc and Chromium"
)
@pytest.mark.parametrize("name", ["carta-muste-1936.md", "cartas-y-manifiestos"])
def test_a_browser_pdf_with_notes_after_the_text(project: Path, name: str) -> None:
    """Another tool's PDF: Pandoc's HTML printed by Chromium, its text ragged, its notes a
    numbered list after the text (with back-links ↩), its authors one a line."""
    source = REPO / "source" / name
    draft = read_draft(browser_pdf(source, project))
    figures = compare(read_source(source), read_markdown(draft.markdown()))
    assert figures.matched_share == 1.0 and figures.added == 0
    assert figures.notes_placed == figures.notes > 0
    assert figures.fields_wrong == []
    assert not any("↩" in note.paragraphs[0] for note in draft.notes)


def test_a_pdf_whose_notes_open_with_a_raised_mark(project: Path) -> None:
    """WeasyPrint alone, from hand-written HTML: the notes at the page foot open with a
    raised number (as LaTeX prints them), a running head and folios larger than the text."""
    import weasyprint  # the test's other tool; publish itself reaches it through its engine

    ordinals = [
        "First",
        "Second",
        "Third",
        "Fourth",
        "Fifth",
        "Sixth",
        "Seventh",
        "Eighth",
        "Ninth",
        "Tenth",
    ]
    text = (
        "The history of all hitherto existing society is the history of class struggles. "
        "Freeman and slave, patrician and plebeian, lord and serf, in a word, oppressor and "
        "oppressed, stood in constant opposition to one another. "
    )
    paragraphs = "".join(
        f'<p>{text * 2}Here is a call<span class="fn">{ordinal} note, with <i>italics</i>, '
        f"long enough to take more than one line at the foot of its page.</span> and more "
        f"text after it. {text}</p>"
        for ordinal in ordinals
    )
    style = """
        @page { size: A5; margin: 2cm; @bottom-center { content: counter(page); }
                @top-center { content: "Raised marks"; font-size: 8pt } }
        body { font: 11pt serif; text-align: justify; hyphens: auto }
        p { margin: 0; text-indent: 1.5em } h1 { text-align: center; font-size: 18pt }
        .center { text-align: center; text-indent: 0 } .fn { float: footnote; font-size: 8.5pt }
        ::footnote-call { vertical-align: super; font-size: 70%; line-height: 1 }
        ::footnote-marker { content: counter(footnote); vertical-align: super; font-size: 70% }
    """
    html = (
        f'<html lang="en"><head><title>Raised marks</title><style>{style}</style></head><body>'
        '<h1>Raised marks</h1><p class="center">Ana Autora</p>'
        f'<p class="center"><i>4 March 1999</i></p>{paragraphs}</body></html>'
    )
    pdf = project / "raised.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    draft = read_draft(pdf)
    assert draft.fields == {
        "title": "Raised marks",
        "author": "Ana Autora",
        "date": "1999-03-04",
        "lang": "en",
    }
    assert len(draft.blocks) == len(ordinals)
    for number, (block, note) in enumerate(zip(draft.blocks, draft.notes, strict=True), 1):
        assert f"Here is a call[^{number}] and more text after it." in block.text
        assert "Raised marks" not in block.text
        assert note.paragraphs == (
            f"{ordinals[number - 1]} note, with *italics*, long enough to take more than one "
            "line at the foot of its page.",
        )


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("12 de febrero de 1936", "1936-02-12"),
        ("February 12, 1936", "1936-02-12"),
        ("12 February 1936", "1936-02-12"),
        ("12 février 1936", "1936-02-12"),
        ("1er mai 1936", "1936-05-01"),
        ("12. Februar 1936", "1936-02-12"),
        ("1936-02-12", "1936-02-12"),
        ("Primera edición", ""),
    ],
)
def test_printed_dates_are_read_in_four_languages(text: str, date: str) -> None:
    assert parse_date(text) == date


@pytest.mark.parametrize(
    ("head", "tail", "vocabulary", "soft", "joined", "kind"),
    [
        ("to‐", "gether", set(), True, True, "rejoined"),  # publish's U+2010: a break
        ("well‐", "known", {"well-known"}, True, False, "kept-hyphen"),  # the text's own
        ("sharp-", "faced", set(), True, False, "kept-hyphen"),  # "-" beside U+2010 breaks
        ("hyphen-", "ation", set(), False, True, "rejoined"),  # a pyphen hyphenation point
        ("e-", "mail", set(), False, False, "kept-hyphen"),  # not one
        ("to-", "gether", {"together"}, False, True, "rejoined"),  # the text's own word
        ("Social\u00ad", "Democrats", set(), False, False, "kept-hyphen"),  # a capital after
    ],
)
def test_a_word_broken_at_a_line_end(head, tail, vocabulary, soft, joined, kind) -> None:
    reading = Reading(Draft(Path("x.pdf")), "x.pdf", Measures(10, 14, {}, {}, True, 0), "en")
    reading.vocabulary, reading.soft_hyphen = vocabulary, soft
    assert rejoin(reading, head, tail, 3) is joined
    (guess,) = reading.draft.guesses
    assert (guess.where, guess.kind) == ("x.pdf: page 3", kind)


def test_a_file_that_is_not_a_pdf_is_one_line(project: Path) -> None:
    broken = project / "broken.pdf"
    broken.write_text("not a PDF at all", encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        read_draft(broken)
    assert str(raised.value).startswith(f"{broken}: cannot read the PDF")


# -- PDFs set by Typst -------------------------------------------------------------------
# Typst sets a call with the font's superscript digit (at the text's size, not a smaller
# one), the notes smaller at the page's foot under a short rule drawn as a path, its
# hyphens with one glyph it may name U+00AD, repeated at the next line's start in Spanish.


def typst_round_trip(source: Path, out: Path):
    pytest.importorskip("typst")
    draft = read_draft(typst_pdf(source, out))
    return draft, compare(read_source(source), read_markdown(draft.markdown()))


def test_a_letter_set_by_typst_comes_back_whole(project: Path) -> None:
    draft, figures = typst_round_trip(REPO / "source" / "carta-muste-1936.md", project)
    assert figures.words == 416 and figures.matched_share == 1.0 and figures.added == 0
    assert (figures.notes, figures.notes_placed) == (2, 2)
    assert figures.fields_right == ["title", "author", "date"]
    assert draft.fields["date"] == "1936-02-12" and draft.fields["lang"] == "es"
    markdown = draft.markdown()
    assert "la carta de mi esposa[^1]." in markdown and "debe permanecer[^2]." in markdown
    # the notes at the foot, not in the text; the compound's hyphen kept once, no soft one
    assert markdown.count("Se trata de la carta") == 1
    assert "[^1]: Se trata de la carta" in markdown
    assert "bolchevique-leninistas" in markdown and "\u00ad" not in markdown
    assert "burócratas" in markdown and "personalmente estimado camarada Muste" in markdown


VOCABULARY = (
    "the committee answered every letter from the workers of the northern districts although "
    "printing remained difficult through winter because paper arrived late and expensive "
    "while distribution depended upon volunteers who carried bundles between towns meetings "
    "discussed wages hours housing schools newspapers cooperatives elections international "
    "solidarity against censorship persecution imprisonment exile"
)


def long_source(path: Path) -> Path:
    """A document of five A5 pages in Typst: two notes to most paragraphs, one note long
    enough to run on to the next page, a heading, a quotation and a list."""
    rng, words = random.Random(16), VOCABULARY.split()
    notes: list[str] = []

    def sentence(length: int) -> str:
        return " ".join(rng.choice(words) for _ in range(length)).capitalize() + "."

    def paragraph(sentences: int, calls: int) -> str:
        text = []
        for index in range(sentences):
            words = sentence(rng.randint(8, 18))
            if index < calls:
                number = len(notes) + 1
                words = f"{words[:-1]}[^{number}]."
                length = 8 if number == 4 else rng.randint(1, 3)
                notes.append(f"[^{number}]: " + " ".join(sentence(12) for _ in range(length)))
            text.append(words)
        return " ".join(text)

    blocks = [paragraph(5, 2), paragraph(7, 1), "## Distribution And Printing", paragraph(6, 2)]
    blocks += ["> " + paragraph(3, 0), paragraph(6, 1)]
    blocks += [f"- {sentence(9)}" for _ in range(3)]
    blocks += [paragraph(8, 2) for _ in range(6)]
    front = "---\ntitle: Letters from the Northern Districts\nauthor: Ada Workman\n"
    front += "date: 1921-03-05\nlang: en\n---\n\n"
    path.write_text(front + "\n\n".join(blocks + notes) + "\n", encoding="utf-8")
    return path


def test_a_longer_typst_document_with_notes_on_every_page(project: Path) -> None:
    source = long_source(project / "source" / "letters.md")
    draft, figures = typst_round_trip(source, project)
    assert figures.words > 1000 and figures.matched_share >= 0.99
    assert figures.added_share <= 0.01
    assert (figures.notes, figures.notes_placed) == (18, 18)
    assert figures.fields_right == ["title", "author", "date"]
    assert draft.fields["date"] == "1921-03-05"
    guesses = [(guess.where, guess.what) for guess in draft.guesses if guess.kind == "note"]
    # several notes to a page, and the long note run on from a page to the next
    placed = [where for where, what in guesses if "→ the call" in what]
    assert max(placed.count(where) for where in set(placed)) >= 3
    assert any("continued from page" in what for _, what in guesses)
    markdown = draft.markdown()
    assert "\n## Distribution And Printing\n" in markdown
    assert len(re.findall(r"^> ", markdown, re.M)) == 1
    assert len(re.findall(r"^- ", markdown, re.M)) == 3


def test_the_small_book_set_by_typst_comes_back(project: Path) -> None:
    _, figures = typst_round_trip(REPO / "source" / "cartas-y-manifiestos", project)
    assert figures.matched_share >= 0.999 and figures.added_share <= 0.001
    assert (figures.notes, figures.notes_placed) == (5, 5)
    assert figures.fields_wrong == []


@pytest.mark.parametrize(
    ("head", "tail", "joined"),
    [("produc\u00ad", "tion", True), ("wage\u00ad", "laborers", False)],
)
def test_a_soft_hyphen_that_may_be_a_words_own(head: str, tail: str, joined: bool) -> None:
    """A PDF that prints U+00AD within its lines (Typst's one hyphen glyph) leaves the
    hyphen at a line's end to the dictionary: a hyphenation point, or the word's own."""
    reading = Reading(Draft(Path("x.pdf")), "x.pdf", Measures(10, 14, {}, {}, True, 0), "en")
    reading.hyphen_named_soft = True
    assert rejoin(reading, head, tail, 1) is joined
