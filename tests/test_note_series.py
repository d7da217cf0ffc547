"""A translated, annotated text: the author's notes, the translator's and the editor's, each
numbered on its own (1 2 / a b / * †), each named by its label ("— N. del T."), built to
both formats and read back as a reader sees them: the PDF's calls and the notes at the foot
of their pages (series by series with `note-order`), the EPUB's pop-up notes with their
marks, labels and links both ways, and a series placed at the end in both."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from epub_helpers import (
    EPUB_TYPE,
    NS,
    SEED_LETTER,
    OpenedEpub,
    Page,
    build_epub,
    epubcheck_problems,
)
from lxml import etree
from pypdf import PdfReader

from publish.errors import PublishError
from publish.reader import read_document
from tests.pdf_helpers import CALL_MAX_SIZE, Word, build_pdf, page_texts, pages_words
from tests.reading_engines import evaluate_in_chromium

FILLER = (
    "La carta llegó con retraso y fue leída en voz alta ante el comité, que discutió cada "
    "una de sus frases durante la noche entera sin llegar a un acuerdo definitivo. "
)

SOURCE = f"""---
title: Carta anotada
lang: es
---

Primer párrafo: AUTA[^1], TRADA[^t1] y EDITA[^e1].

{(FILLER * 6 + chr(10) + chr(10)) * 5}
Último párrafo: AUTB[^2], TRADB[^t2] y EDITB[^e2].

[^1]: Nota NAUTA del autor.
[^t1]: {{.translator}} Nota NTRADA del traductor.
[^e1]: {{.editor}} Nota NEDITA del editor.
[^2]: Nota NAUTB del autor.
[^t2]: {{.translator}} Nota NTRADB del traductor.
[^e2]: {{.editor}} Nota NEDITB del editor.
"""

# Each called word, the mark its call prints, and the word its note says.
CALLS = {
    "AUTA": ("1", "NAUTA"),
    "TRADA": ("a", "NTRADA"),
    "EDITA": ("*", "NEDITA"),
    "AUTB": ("2", "NAUTB"),
    "TRADB": ("b", "NTRADB"),
    "EDITB": ("†", "NEDITB"),
}
LABELS = {"NAUTA": "", "NAUTB": "", "NTRADA": "— N. del T.", "NTRADB": "— N. del T."}
LABELS |= {"NEDITA": "— N. del E.", "NEDITB": "— N. del E."}
SERIES = {"AUTA": "author", "AUTB": "author", "TRAD": "translator", "EDIT": "editor"}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("series") / "carta.md"
    path.write_text(SOURCE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pdf(source: Path) -> Path:
    return build_pdf(source, source.with_suffix(".pdf"))


@pytest.fixture(scope="module")
def epub(source: Path) -> Path:
    return build_epub(source)


def _call_after(word: Word, words: list[Word]) -> str | None:
    """The small mark printed right after `word` (its note call)."""
    for other in words:
        touching = abs(other.x0 - word.x1) < 1.5 and other.top < word.bottom
        if touching and other.bottom > word.top and other.size <= CALL_MAX_SIZE:
            return other.text
    return None


def test_each_series_counts_on_its_own(source: Path) -> None:
    notes = read_document(source).notes
    assert [(n.series, n.mark) for n in notes] == [
        ("author", "1"), ("translator", "a"), ("editor", "*"),
        ("author", "2"), ("translator", "b"), ("editor", "†"),
    ]  # fmt: skip
    assert [n.number for n in notes] == [1, 2, 3, 4, 5, 6]  # the ids stay as they were
    assert "{.translator}" not in str(notes[1].children)


def test_the_pdf_prints_each_series_mark_at_the_call_and_its_note_on_that_page(
    pdf: Path,
) -> None:
    words, texts = pages_words(pdf), page_texts(pdf)
    assert len(words) >= 2, "the calls should fall on different pages"
    pages_of = set()
    for called, (mark, note_word) in CALLS.items():
        page = next(i for i, page in enumerate(words) if any(w.text == called for w in page))
        pages_of.add(page)
        word = next(w for w in words[page] if w.text == called)
        assert _call_after(word, words[page]) == mark, called
        # The note opens with the same mark at the foot of that page, and ends with its label.
        marker = mark + "." if mark.isalnum() else mark
        expected = f"{marker} Nota {note_word} del"
        assert expected in texts[page], f"{expected!r} not on page {page + 1}"
        after = texts[page].split(note_word, 1)[1]
        ending = re.match(r" del (autor|traductor|editor)\.( — N\. del [TE]\.)?", after)
        assert ending is not None and (ending[2] or "").strip() == LABELS[note_word]
        note = next(w for w in words[page] if w.text == note_word)
        assert note.top > word.top and note.size < word.size  # at the foot, smaller
    assert len(pages_of) == 2


def test_the_pdf_keeps_every_series_in_one_note_area_in_call_order(pdf: Path) -> None:
    first = page_texts(pdf)[0]
    order = [first.index(word) for word in ("NAUTA", "NTRADA", "NEDITA")]
    assert order == sorted(order)


def test_publish_check_still_matches_each_call_with_its_note(
    pdf: Path, run_cli: Callable[..., object]
) -> None:
    result = run_cli("check", pdf)
    assert result.code == 0, result.out + result.err


def test_the_epub_marks_each_note_with_its_series(epub: Path) -> None:
    book = OpenedEpub(epub)
    page = book.page(book.resolve("text.xhtml"))
    calls = page.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS)
    assert [call.text for call in calls] == ["1", "a", "*", "2", "b", "†"]
    for call, (mark, note_word) in zip(calls, CALLS.values(), strict=True):
        note = page.by_id(call.get("href").removeprefix("#"))
        assert note is not None and note.get(EPUB_TYPE) == "footnote"
        assert note.get("id") == f"fn-{calls.index(call) + 1}"
        series = SERIES[note_word[1:5]]
        classes = note.get("class").split()
        assert ("translator-note" in classes) == (series == "translator")
        assert ("editor-note" in classes) == (series == "editor")
        back = note.xpath(".//x:a[@role='doc-backlink']", namespaces=NS)[0]
        assert back.text == mark and back.get("href") == f"#{call.get('id')}"
        assert page.by_id(call.get("id")) is call
        text = " ".join("".join(note.itertext()).split())
        assert text == f"{mark} Nota {note_word} del {_whose(series)}. {LABELS[note_word]}".strip()
    problems = epubcheck_problems(epub)
    assert problems == [], "EPUBCheck:\n" + "\n".join(problems)


def _whose(series: str) -> str:
    return {"author": "autor", "translator": "traductor", "editor": "editor"}[series]


def test_a_header_gives_every_note_to_a_series_with_its_own_marks_and_label(
    write_source: Callable[[str, str], Path],
) -> None:
    path = write_source(
        "letter.md",
        "---\ntitle: A letter\nlang: en\nnotes-by: editor\n"
        "note-marks: {editor: roman, translator: arabic}\n"
        'note-labels: {editor: "Eds."}\n---\n\n'
        "One[^a], two[^b], three[^c].\n\n"
        "[^a]: The editors' first.\n[^b]: {.translator} The translator's.\n"
        "[^c]: {.author} The author's own.\n",
    )
    document = read_document(path)
    assert [(n.series, n.mark) for n in document.notes] == [
        ("editor", "i"), ("translator", "1"), ("author", "1"),
    ]  # fmt: skip
    book = OpenedEpub(build_epub(path))
    page = book.page(book.resolve("text.xhtml"))
    notes = page.tree.xpath("//x:aside", namespaces=NS)
    texts = [" ".join("".join(note.itertext()).split()) for note in notes]
    assert texts == [
        "i The editors’ first. — Eds.",
        "1 The translator’s. — Trans.",
        "1 The author’s own.",
    ]
    pdf = build_pdf(path, path.with_suffix(".pdf"))
    printed = page_texts(pdf)[0]
    assert "i. The editors’ first. — Eds." in printed
    assert "1. The translator’s. — Trans." in printed


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("notes-by: editors", "'notes-by' must be one of 'author', 'translator', 'editor'"),
        ("note-marks: {editor: greek}", "'note-marks' of the editor's notes must be one of"),
        ("note-labels: {publisher: X}", "'note-labels' names no series 'publisher'"),
        ("note-place: {editor: margin}", "'note-place' of the editor's notes must be one of"),
        ("note-order: [editor, editors]", "'note-order' names no series 'editors'"),
        ("note-order: [editor, editor]", "'note-order' names a series twice"),
        ("note-order: {editor: 1}", "'note-order' must list series"),
    ],
)
def test_a_wrong_series_setting_is_an_error_at_its_line(
    write_source: Callable[[str, str], Path], header: str, message: str
) -> None:
    path = write_source("bad.md", f"---\ntitle: T\n{header}\n---\n\nText.\n")
    with pytest.raises(PublishError) as error:
        read_document(path)
    assert f"bad.md:3: {message}" in str(error.value)


def test_the_seed_letters_notes_are_the_editors(tmp_path: Path) -> None:
    """The letter's notes speak of Trotsky in the third person: the editor's, numbered 1 2
    (`note-marks: {editor: arabic}`, the only series of the letter), labelled in both books."""
    source = Path(shutil.copy(SEED_LETTER, tmp_path / "carta.md"))
    assert [(n.series, n.mark) for n in read_document(source).notes] == [
        ("editor", "1"), ("editor", "2"),
    ]  # fmt: skip
    printed = " ".join(page_texts(build_pdf(source, tmp_path / "carta.pdf")))
    assert "circulaban rumores alarmantes. — N. del E." in printed
    assert "simplemente a la educación. — N. del E." in printed
    book = OpenedEpub(build_epub(source))
    page = book.page(book.resolve("text.xhtml"))
    notes = page.tree.xpath("//x:aside", namespaces=NS)
    assert [note.get("class") for note in notes] == ["note editor-note"] * 2
    labels = [note.xpath(".//x:span[@class='note-label']", namespaces=NS)[0].text for note in notes]
    assert labels == [" — N. del E."] * 2


BOOK_YAML = """title: Dos textos
lang: es
documents: [uno.md, two.md]
"""
CHAPTER_ES = """---
title: Uno
lang: es
---

Texto[^1] y traductor[^t1].

[^1]: Del autor.
[^t1]: {.translator} Del traductor.
"""
CHAPTER_EN = """---
title: Two
lang: en
notes-by: editor
---

Text[^x] and translator[^y].

[^x]: The editor's.
[^y]: {.translator} The translator's.
"""


@pytest.mark.parametrize("notes", ["chapter", "book"])
def test_a_books_chapters_each_count_their_series_and_label_them_in_their_language(
    project: Path, run_cli: Callable[..., object], notes: str
) -> None:
    folder = project / "source" / "dos"
    folder.mkdir()
    (folder / "book.yaml").write_text(BOOK_YAML, encoding="utf-8")
    (folder / "uno.md").write_text(CHAPTER_ES, encoding="utf-8")
    (folder / "two.md").write_text(CHAPTER_EN, encoding="utf-8")
    result = run_cli("build", "source/dos", "--notes", notes)
    assert result.code == 0, result.err
    epub = OpenedEpub(project / "build" / "dos.epub")
    notes_pages = (
        ["endnotes.xhtml"] if notes == "book" else ["chapter-01.xhtml", "chapter-02.xhtml"]
    )
    found = [
        " ".join("".join(note.itertext()).split())
        for name in notes_pages
        for note in epub.page(epub.resolve(name)).tree.xpath(
            "//*[contains(concat(' ', @class, ' '), ' note ')]", namespaces=NS
        )
    ]
    assert found == [
        "1 Del autor.",
        "a Del traductor. — N. del T.",
        "* The editor’s. — Ed.",
        "a The translator’s. — Trans.",
    ]
    problems = epubcheck_problems(project / "build" / "dos.epub")
    assert problems == [], "EPUBCheck:\n" + "\n".join(problems)
    printed = " ".join(page_texts(project / "build" / "dos.pdf"))
    for note in ("1. Del autor.", "a. Del traductor. — N. del T.", "* The editor’s. — Ed."):
        assert note in printed
    assert "a. The translator’s. — Trans." in printed
    assert run_cli("check", project / "build" / "dos.pdf").code == 0


END_SOURCE = (
    "---\ntitle: Al final\nlang: es\nnote-place: {editor: end}\n---\n\n"
    "Autor[^1], editor[^e1], traductor[^t1] y editor[^e2].\n\n"
    "[^1]: Nota NAUTOR.\n[^t1]: {.translator} Nota NTRAD.\n"
    "[^e1]: {.editor} Nota NEDUNO.\n[^e2]: {.editor} Nota NEDDOS.\n"
)


def test_a_series_placed_at_the_end_prints_after_the_text_in_the_pdf(
    write_source: Callable[[str, str], Path], run_cli: Callable[..., object]
) -> None:
    path = write_source("fin.md", END_SOURCE)
    pdf = build_pdf(path, path.with_suffix(".pdf"))
    [page] = page_texts(pdf)
    # The editor's notes follow the text under their title; the others stay at the foot.
    at_end = page.index("Notas (N. del E.) * Nota NEDUNO. — N. del E. † Nota NEDDOS. — N. del E.")
    assert page.index("1. Nota NAUTOR.") > at_end and page.index("a. Nota NTRAD.") > at_end
    words = pages_words(pdf)[0]
    editor = next(w for w in words if w.text == "editor")
    assert _call_after(editor, words) == "*"
    # Each end note links back to its call, and its call to it.
    reader = PdfReader(pdf)
    links = {str(link.get_object().get("/Dest")) for link in reader.pages[0]["/Annots"]}
    assert links == {"en-2", "enref-2", "en-4", "enref-4"}
    assert {"en-2", "enref-2", "en-4", "enref-4"} <= set(reader.named_destinations)
    assert run_cli("check", pdf).code == 0


def _flat(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _series_endnotes(page: Page, title: str, prefix: str = "") -> list[str]:
    """The one endnotes section of `page` (a series placed at the end), checked as a reader
    of it meets it: after the text, under `title`, each note linked to its call and back.
    Gives the notes' texts."""
    [section] = page.tree.xpath("//x:section[@epub:type='endnotes']", namespaces=NS)
    text = page.tree.xpath("//x:section[contains(@class, 'text')]", namespaces=NS)[0]
    assert text.getnext() is section and section.get("role") == "doc-endnotes"
    heading = page.by_id(section.get("aria-labelledby"))
    assert heading is not None and heading.getparent() is section and _flat(heading) == title
    notes = section.xpath("x:ol/x:li", namespaces=NS)
    for note in notes:
        assert note.get(EPUB_TYPE) == "endnote" and note.get("id").startswith(f"{prefix}fn-")
        [back] = note.xpath(".//x:a[@role='doc-backlink']", namespaces=NS)
        call = page.by_id(back.get("href").removeprefix("#"))
        assert call is not None and call.get(EPUB_TYPE) == "noteref"
        assert call.get("href") == f"#{note.get('id')}" and call.text == back.text
    return [_flat(note) for note in notes]


def test_a_series_placed_at_the_end_is_endnotes_in_the_epub_the_others_pop_ups(
    write_source: Callable[[str, str], Path],
) -> None:
    book = OpenedEpub(build_epub(write_source("fin.md", END_SOURCE)))
    page = book.page(book.resolve("text.xhtml"))
    assert _series_endnotes(page, "Notas (N. del E.)") == [
        "* Nota NEDUNO. — N. del E.",
        "† Nota NEDDOS. — N. del E.",
    ]
    popups = page.tree.xpath("//x:aside[@epub:type='footnote']", namespaces=NS)
    assert [_flat(note) for note in popups] == ["1 Nota NAUTOR.", "a Nota NTRAD. — N. del T."]
    problems = epubcheck_problems(Path(book.zip.filename))
    assert problems == [], "EPUBCheck:\n" + "\n".join(problems)


def test_in_chromium_the_endnotes_title_shows_and_every_note_link_lands(
    write_source: Callable[[str, str], Path],
) -> None:
    """Chromium, the web reading engines' core, lays the page out: the title over the end
    series has a height, and each call and backlink names an element of the page."""
    shown = evaluate_in_chromium(
        build_epub(write_source("fin.md", END_SOURCE)),
        "text.xhtml",
        """() => ({
            title: document.querySelector('[role=doc-endnotes] h2').getBoundingClientRect().height,
            links: [...document.querySelectorAll('a[href^="#"]')]
                .map(a => !!document.getElementById(a.getAttribute('href').slice(1))),
        })""",
    )
    assert shown["title"] > 0 and shown["links"] == [True] * 8


def test_in_mupdf_the_endnotes_title_shows_and_every_note_link_lands(
    write_source: Callable[[str, str], Path],
) -> None:
    """MuPDF lays the book out as pages (as SumatraPDF and other MuPDF readers do): the
    title stands on its own line over the editor's notes, and the calls and backlinks are
    links within the book."""
    import pymupdf

    book = pymupdf.open(build_epub(write_source("fin.md", END_SOURCE)))
    [page] = [page for page in book if "NEDUNO" in page.get_text()]
    lines = page.get_text().splitlines()
    assert lines[lines.index("Notas (N. del E.)") + 1] == "* Nota NEDUNO. — N. del E."
    links = page.get_links()
    assert len(links) == 8  # four calls, four backlinks
    assert all(link["kind"] == pymupdf.LINK_GOTO and link["page"] >= 0 for link in links)


def test_a_books_chapter_gives_its_end_series_after_its_own_text(
    project: Path, run_cli: Callable[..., object]
) -> None:
    folder = project / "source" / "dos"
    folder.mkdir()
    (folder / "book.yaml").write_text(BOOK_YAML, encoding="utf-8")
    placed = "---\nnote-place: {translator: end}\n"
    (folder / "uno.md").write_text(CHAPTER_ES.replace("---\n", placed, 1), encoding="utf-8")
    placed = "---\nnote-place: {editor: end}\n"
    (folder / "two.md").write_text(CHAPTER_EN.replace("---\n", placed, 1), encoding="utf-8")
    result = run_cli("build", "source/dos")
    assert result.code == 0, result.err
    epub = OpenedEpub(project / "build" / "dos.epub")
    first = epub.page(epub.resolve("chapter-01.xhtml"))
    assert _series_endnotes(first, "Notas (N. del T.)", "c1-") == ["a Del traductor. — N. del T."]
    second = epub.page(epub.resolve("chapter-02.xhtml"))
    assert _series_endnotes(second, "Notes (Ed.)", "c2-") == ["* The editor’s. — Ed."]
    popups = [
        _flat(note)
        for page in (first, second)
        for note in page.tree.xpath("//x:aside[@epub:type='footnote']", namespaces=NS)
    ]
    assert popups == ["1 Del autor.", "a The translator’s. — Trans."]
    problems = epubcheck_problems(project / "build" / "dos.epub")
    assert problems == [], "EPUBCheck:\n" + "\n".join(problems)
    printed = " ".join(page_texts(project / "build" / "dos.pdf"))
    assert "Notas (N. del T.) a. Del traductor. — N. del T." in printed
    assert "Notes (Ed.) * The editor’s. — Ed." in printed
    assert run_cli("check", project / "build" / "dos.pdf").code == 0


ORDER_SOURCE = """---
title: Orden
lang: es
note-order: [author, translator, editor]
---

Primero el editor[^e1], el traductor[^t1] y el autor[^1]; otro editor[^e2] y otro autor[^2].

[^1]: Nota NAUTUNO del autor.
[^2]: Nota NAUTDOS del autor.
[^t1]: {.translator} Nota NTRADUNO del traductor.
[^e1]: {.editor} Nota NEDUNO del editor.
[^e2]: {.editor} Nota NEDDOS del editor.
"""
CALL_ORDER = ["NEDUNO", "NTRADUNO", "NAUTUNO", "NEDDOS", "NAUTDOS"]


def _notes_down_the_page(words: list[Word], wanted: list[str]) -> list[str]:
    """The `wanted` note words at the page's foot, as a reader meets them: top to bottom."""
    found = [word for word in words if word.text in wanted and word.is_note]
    return [word.text for word in sorted(found, key=lambda word: word.top)]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("[author, translator, editor]", ["NAUTUNO", "NAUTDOS", "NTRADUNO", "NEDUNO", "NEDDOS"]),
        # The series not listed follow, in the order author, translator, editor.
        ("[editor]", ["NEDUNO", "NEDDOS", "NAUTUNO", "NAUTDOS", "NTRADUNO"]),
    ],
)
def test_note_order_sets_the_series_in_order_within_the_pages_note_area(
    write_source: Callable[[str, str], Path],
    run_cli: Callable[..., object],
    order: str,
    expected: list[str],
) -> None:
    path = write_source("orden.md", ORDER_SOURCE.replace("[author, translator, editor]", order))
    pdf = build_pdf(path, path.with_suffix(".pdf"))
    [words] = pages_words(pdf)
    assert _notes_down_the_page(words, CALL_ORDER) == expected
    text = page_texts(pdf)[0]
    assert "* Nota NEDUNO del editor. — N. del E." in text  # each note whole, with its mark
    assert "2. Nota NAUTDOS del autor." in text
    assert run_cli("check", pdf).code == 0  # every note on its call's page
    # The EPUB's notes are pop-ups, one at a time: they stay in the order of their calls.
    book = OpenedEpub(build_epub(path))
    asides = book.page(book.resolve("text.xhtml")).tree.xpath("//x:aside", namespaces=NS)
    assert [_flat(note).split()[2] for note in asides] == CALL_ORDER


def test_without_note_order_a_pages_notes_keep_the_order_of_their_calls(
    write_source: Callable[[str, str], Path],
) -> None:
    path = write_source(
        "orden.md", ORDER_SOURCE.replace("note-order: [author, translator, editor]\n", "")
    )
    [words] = pages_words(build_pdf(path, path.with_suffix(".pdf")))
    assert _notes_down_the_page(words, CALL_ORDER) == CALL_ORDER


LONG_NOTE = " ".join(["Una frase larga NLARGA del traductor sobre la carta y su historia."] * 25)


def test_a_note_that_goes_on_overleaf_ends_its_pages_notes_whatever_its_series(
    write_source: Callable[[str, str], Path], run_cli: Callable[..., object]
) -> None:
    """The editor's and the author's notes come in the set order above it; its rest opens
    the next page's notes."""
    source = (
        "---\ntitle: Larga\nlang: es\nnote-order: [author, editor, translator]\n---\n\n"
        f"{FILLER * 6}\n\nEditor[^e1], autor[^1] y traductor[^t1]. {FILLER * 8}\n\n"
        "[^1]: Nota NAUTOR del autor.\n[^e1]: {.editor} Nota NEDITOR del editor.\n"
        f"[^t1]: {{.translator}} Nota NTRAD. {LONG_NOTE}\n"
    )
    pdf = build_pdf(write_source("larga.md", source), Path("larga.pdf"))
    words = pages_words(pdf)
    page = next(i for i, page in enumerate(words) if any(w.text == "NTRAD." for w in page))
    assert _notes_down_the_page(words[page], ["NAUTOR", "NEDITOR", "NTRAD."]) == [
        "NAUTOR", "NEDITOR", "NTRAD.",
    ]  # fmt: skip
    # The translator's note breaks: its rest is at the top of the next page's notes.
    texts = page_texts(pdf)
    assert "NLARGA" in texts[page] and "NLARGA" in texts[page + 1]
    on_next = [w for w in words[page + 1] if w.is_note]
    assert on_next and on_next[0].top <= min(w.top for w in on_next if w.text == "NLARGA")
    assert sum(text.count("NLARGA") for text in texts) == 25  # none lost
    assert run_cli("check", pdf).code == 0


def test_on_weasyprints_public_api_alone_note_order_is_said_to_be_left_out(
    write_source: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import weasyprint

    from publish.render import template_environment
    from publish.writers.pdf import write_pdf

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    path = write_source("orden.md", ORDER_SOURCE)
    heard: list[str] = []
    write_pdf(
        read_document(path),
        template_environment(None),
        path.with_suffix(".pdf"),
        warn=lambda warning: heard.append(str(warning)),
    )
    [words] = pages_words(path.with_suffix(".pdf"))
    assert _notes_down_the_page(words, CALL_ORDER) == CALL_ORDER
    assert len(heard) == 1 and "keep the order of their calls, not 'note-order'" in heard[0]


def test_the_mark_styles_go_on_past_their_first_round() -> None:
    from publish.note_series import mark

    assert [mark("alpha", n) for n in (1, 2, 26, 27, 28)] == ["a", "b", "z", "aa", "ab"]
    assert [mark("symbols", n) for n in (1, 2, 3, 6, 7, 8)] == ["*", "†", "‡", "¶", "**", "††"]
    assert [mark("roman", n) for n in (1, 4, 9, 14, 40)] == ["i", "iv", "ix", "xiv", "xl"]
    assert [mark("arabic", n) for n in (1, 10)] == ["1", "10"]


def test_an_inline_note_takes_its_series_too(write_source: Callable[[str, str], Path]) -> None:
    path = write_source(
        "inline.md", "---\ntitle: T\nlang: fr\n---\n\nTexte^[{.editor} Une note.] et^[Autre.].\n"
    )
    book = OpenedEpub(build_epub(path))
    notes = book.page(book.resolve("text.xhtml")).tree.xpath("//x:aside", namespaces=NS)
    texts = [" ".join("".join(note.itertext()).split()) for note in notes]
    assert texts == ["* Une note. — N.d.É.", "1 Autre."]
