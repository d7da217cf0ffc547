"""`publish import` of plain text extracted from a PDF: the seed letter's text imports to a
source whose books read as the hand-made source's; end-of-line hyphens are undone only where
the joined word is a word; every guess is reported, with what needs a person's look."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest
import yaml
from epub_helpers import NS, OpenedEpub, build_epub
from lxml import etree
from pdf_helpers import (
    build_pdf,
    is_subsequence,
    joined,
    pages_words,
    printed_words,
    words_of,
)

from publish.errors import SourceError
from publish.importers import IMPORTERS
from publish.importers.draft import LOOK_BELOW
from publish.importers.text import import_file
from publish.importers.text_tools import (
    Vocabulary,
    find_date,
    guess_language,
    header_field,
    match_calls,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_TEXT = FIXTURES / "import" / "carta-muste-1936.txt"  # the seed, as extracted from its PDF
HAND_MADE = Path(__file__).resolve().parents[1] / "source" / "carta-muste-1936.md"
# The hand-made source's own PDF, built by publish, as poppler's `pdftotext` (22.12) reads
# it: no blank lines, words broken with U+2010 at line ends, the notes at the page foot
# with no rule above them, a running head, a folio, form feeds between pages.
ROUND_TRIP_TEXT = FIXTURES / "import" / "carta-muste-1936.pdftotext.txt"


# The seed letter: imported, then built as the hand-made source is


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The EPUBs of the hand-made source and of the imported text, and the imported's PDF."""
    folder = tmp_path_factory.mktemp("import-letter")
    (folder / "publish.toml").write_text("")
    imported = folder / "imported.md"
    imported.write_text(import_file(SEED_TEXT).markdown(), encoding="utf-8")
    hand_made = Path(shutil.copy(HAND_MADE, folder / "hand-made.md"))
    round_trip = folder / "round-trip.md"
    round_trip.write_text(import_file(ROUND_TRIP_TEXT).markdown(), encoding="utf-8")
    return {
        "round-trip": build_epub(round_trip, folder),
        "hand-made": build_epub(hand_made, folder),
        "imported": build_epub(imported, folder),
        "imported-pdf": build_pdf(imported, folder / "imported.pdf", folder),
        "imported-source": imported,
    }


def text_paragraphs(epub: Path) -> list[list[str]]:
    """The words of each paragraph of the text page, as a reader reads them: the notes and
    the calls' marks left out."""
    page = OpenedEpub(epub).spine_page("text.xhtml")
    body = copy.deepcopy(page.tree.find("x:body", NS))
    for left_out in body.xpath("//x:aside | //x:a[@epub:type='noteref']", namespaces=NS):
        left_out.getparent().remove(left_out) if left_out.tag.endswith("aside") else _drop(left_out)
    return [words_of("".join(p.itertext())) for p in body.iter(f"{{{NS['x']}}}p")]


def _drop(element: etree._Element) -> None:
    """Remove `element` but keep the text that follows it (the call's tail: `.`)."""
    parent, tail = element.getparent(), element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def notes_and_calls(epub: Path) -> list[tuple[list[str], str]]:
    """Each note's words, with the word its call follows in the text."""
    page = OpenedEpub(epub).spine_page("text.xhtml")
    found = []
    for call in page.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS):
        before = call.getprevious().tail if call.getprevious() is not None else None
        before = before or call.getparent().text or ""
        note = page.by_id(call.get("href").removeprefix("#"))
        found.append((words_of("".join(note.itertext())), words_of(before)[-1]))
    return found


def header(epub: Path) -> dict[str, list[str]]:
    book = OpenedEpub(epub)
    fields = {name: [e.text for e in book.metadata(name)] for name in ("title", "creator", "date")}
    fields["language"] = [e.text for e in book.metadata("language")]
    fields["source"] = [" ".join(words_of(e.text)) for e in book.metadata("source")]
    copyright_page = book.spine_page("copyright.xhtml").text()
    fields["contact"] = [copyright_page.split("Contacto:")[1].split()[0]]
    return fields


def test_the_imported_letter_reads_as_the_hand_made_one_word_for_word(letters) -> None:
    imported, hand_made = (
        text_paragraphs(letters["imported"]),
        text_paragraphs(letters["hand-made"]),
    )
    assert sum(len(p) for p in imported) == 415  # `bolchevique-leninistas` read as one
    assert imported == hand_made  # the same words in the same paragraphs


def test_the_imported_letters_notes_stand_at_their_calls_with_their_text(letters) -> None:
    imported = notes_and_calls(letters["imported"])
    assert [before for _, before in imported] == ["esposa", "permanecer"]
    # The hand-made source says its notes are the editor's (`notes-by: editor`), which
    # labels each "N. del E."; the text does not say whose they are.
    hand_made = [(note[:-3], before) for note, before in notes_and_calls(letters["hand-made"])]
    assert [note[-3:] for note, _ in notes_and_calls(letters["hand-made"])] == [
        ["n", "del", "e"]
    ] * 2
    assert imported == hand_made


def test_the_imported_letters_header_is_the_hand_made_ones(letters) -> None:
    imported = header(letters["imported"])
    assert imported == header(letters["hand-made"])
    assert imported["title"] == ["[La represión en la URSS]"]
    assert imported["creator"] == ["León Trotsky"]
    assert imported["date"] == ["1936-02-12"]
    assert imported["language"] == ["es"]
    assert imported["contact"] == ["germinal_1917@yahoo.es"]
    assert imported["source"][0].startswith("versión al castellano desde la répression en urss")


def printed(pdf: Path, kind: str) -> list[str]:
    """The words a PDF prints at the body's size, or at the notes', in reading order; a word
    broken at a line end (or a page's: `mayo‐` above the notes, `ría` on the next) joined."""
    pages = pages_words(pdf)
    words = [w.text for page in pages for w in page if getattr(w, f"is_{kind}")]
    return words_of(" ".join(joined(words)))


def test_the_imported_letter_prints_its_text_and_both_notes(letters) -> None:
    body, notes = printed(letters["imported-pdf"], "body"), printed(letters["imported-pdf"], "note")
    text = [word for paragraph in text_paragraphs(letters["imported"]) for word in paragraph]
    assert is_subsequence(text, body)
    for note, _ in notes_and_calls(letters["imported"]):
        assert is_subsequence(note[1:], notes)  # its words, after its mark


def test_the_import_reports_each_field_and_note_with_its_line() -> None:
    draft = import_file(SEED_TEXT)
    found = {(g.where.rsplit(":", 1)[1], g.kind, g.what.split(" (")[0]) for g in draft.guesses}
    assert {
        ("100", "field", "title = [La represión en la URSS]"),
        ("101", "field", "author = León Trotsky"),
        ("103", "field", "date = 1936-02-12"),
        ("119", "field", "contact = germinal_1917@yahoo.es"),
        ("96", "note", "note 1 called at «…a carta de mi esposa1»"),
        ("124", "note", "note 2 called at «…onal debe permanecer2»"),
    } <= found
    [page] = [g for g in draft.guesses if g.kind == "page"]  # the text goes on past the foot
    assert page.where.endswith(":107") and page.needs_look


def test_the_text_of_publishs_own_pdf_of_the_letter_imports_back_to_its_source(letters) -> None:
    """The round trip: source → PDF → pdftotext → import → EPUB reads as the source's EPUB."""
    words = [word for paragraph in text_paragraphs(letters["round-trip"]) for word in paragraph]
    hand_made = [word for paragraph in text_paragraphs(letters["hand-made"]) for word in paragraph]
    assert words == hand_made  # every word, in order (`mayo‐` and `ría` across the notes too)
    notes = [(note[:-3], before) for note, before in notes_and_calls(letters["hand-made"])]
    assert notes_and_calls(letters["round-trip"]) == notes
    assert header(letters["round-trip"]) == header(letters["hand-made"])


def test_the_round_trip_reports_the_page_foot_it_left_out() -> None:
    guesses = import_file(ROUND_TRIP_TEXT).guesses
    said = {(g.where.rsplit(":", 1)[1], g.kind, g.what) for g in guesses}
    head = "'León Trotsky' tops a page amid a broken word: a running head, left out"
    assert ("30", "dropped", head) in said
    assert ("59", "page", "folio 2: the page's number, left out") in said
    assert ("26", "note", "note 1 called at «…a carta de mi esposa1»") in said
    assert ("25", "rejoined", "mayo-ría → mayoría: 'mayoría' is written unbroken elsewhere") in said
    unsure = [g.where.rsplit(":", 1)[1] for g in guesses if g.kind == "paragraph"]
    assert unsure == ["18", "33"]  # where the text went on: a person looks
    assert all(g.needs_look for g in guesses if g.kind == "paragraph")


# The Communist Manifesto of the corpus, built by publish into one PDF (a title page, the
# contents, running heads, folios, notes at the page foot numbered again in each chapter)
# and read back by pdftotext 22.12.
CORPUS_BOOK = FIXTURES / "corpus" / "communist-manifesto"
CORPUS_TEXT = FIXTURES / "import" / "communist-manifesto.pdftotext.txt"
_CALL = re.compile(r"\[\^([^\]]+)\]")
_DEFINITION = re.compile(r"^\[\^([^\]]+)\]:[ \t]*(.*(?:\n(?:[ \t]+.*|[ \t]*$))*)", re.M)


def corpus_text() -> tuple[list[str], list[tuple[list[str], str]]]:
    """The book's words in order (its Markdown's markup left out), and each note's words
    with the word its call follows, in the order of the calls."""
    words: list[str] = []
    notes: list[tuple[list[str], str]] = []
    for name in yaml.safe_load((CORPUS_BOOK / "book.yaml").read_text())["documents"]:
        text = (CORPUS_BOOK / name).read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        definitions = {label: body for label, body in _DEFINITION.findall(text)}
        body = _DEFINITION.sub("", text)
        for call in _CALL.finditer(body):
            before = words_of(_CALL.sub("", body[: call.start()]))[-1]
            notes.append((words_of(definitions[call.group(1)]), before))
        words += words_of(re.sub(r"\{[^}]*\}|\]\([^)]*\)", " ", _CALL.sub("", body)))
    return words, notes


def in_order(wanted: list[str], got: list[str], reach: int = 60) -> int:
    """How many of `wanted` are found in `got` in the same order (a word looked for within
    `reach` words of the last one found)."""
    found, at = 0, 0
    for word in wanted:
        if word in got[at : at + reach]:
            at = got.index(word, at) + 1
            found += 1
    return found


def test_the_text_of_publishs_own_pdf_of_a_corpus_book_imports_back() -> None:
    draft = import_file(CORPUS_TEXT)
    words, notes = corpus_text()
    imported = words_of(_CALL.sub("", " ".join(block.text for block in draft.blocks)))
    assert len(words) == 13213
    assert in_order(words, imported) / len(words) >= 0.999  # measured: 13212 of 13213
    assert len(imported) <= len(words) * 1.005  # the page's furniture left out
    placed = []
    for block in draft.blocks:
        for call in _CALL.finditer(block.text):
            placed.append(words_of(_CALL.sub("", block.text[: call.start()]))[-1])
    imported_notes = [words_of(" ".join(note.paragraphs)) for note in draft.notes]
    assert list(zip(imported_notes, placed, strict=True)) == notes  # all 10, each at its call
    assert {name: draft.fields.get(name) for name in ("title", "author", "translator", "lang")} == {
        "title": "The Communist Manifesto",
        "author": ["Karl Marx", "Friedrich Engels"],
        "translator": "Samuel Moore",
        "lang": "en",
    }
    assert draft.fields["source"].startswith("Manifest der Kommunistischen Partei, London, 1848")


# End-of-line hyphens


def imported_text(tmp_path: Path, text: str) -> tuple[str, list]:
    path = tmp_path / "texto.txt"
    path.write_text(text, encoding="utf-8")
    draft = import_file(path)
    return "\n\n".join(block.text for block in draft.blocks), draft.guesses


SPANISH = (
    "En el curso de los últimos meses se han producido muchas expulsiones en el partido y\n"
    "la aplastante mayo-\n"
    "ría es enviada a campos de concentración para los bolchevique-\n"
    "leninistas, que son la última invención de Stalin en la URSS de los años treinta.\n"
    "\n"
    "Los bolchevique-leninistas resisten en los campos y la mayoría de ellos no cede.\n"
)


def test_a_word_broken_at_a_hyphenation_point_is_joined(tmp_path: Path) -> None:
    text, guesses = imported_text(tmp_path, SPANISH)
    assert "la aplastante mayoría es enviada" in text
    [joined] = [g for g in guesses if g.kind == "rejoined"]
    assert joined.where.endswith("texto.txt:2") and "mayo-ría → mayoría" in joined.what
    assert not joined.needs_look


def test_a_hyphenated_word_the_text_writes_so_elsewhere_keeps_its_hyphen(tmp_path: Path) -> None:
    text, guesses = imported_text(tmp_path, SPANISH)
    assert "para los bolchevique-leninistas, que son" in text
    [kept] = [g for g in guesses if g.kind == "kept-hyphen"]
    assert kept.where.endswith("texto.txt:3") and "written so elsewhere" in kept.what
    assert kept.sure >= LOOK_BELOW


def test_the_hyphenation_dictionary_joins_a_word_the_text_writes_nowhere_else(
    tmp_path: Path,
) -> None:
    text, guesses = imported_text(
        tmp_path,
        "Esos campos de concen-\ntración son la última invención de Stalin y de su camarilla.\n",
    )
    assert "campos de concentración son" in text
    [joined] = [g for g in guesses if g.kind == "rejoined"]
    assert "hyphenation point of 'concentración' (es)" in joined.what


def test_an_unknown_split_keeps_its_hyphen_and_asks_for_a_look(tmp_path: Path) -> None:
    text, guesses = imported_text(
        tmp_path,
        "Esos campos de concentr-\nación son la última invención de Stalin y de su camarilla.\n",
    )
    assert "campos de concentr-ación son" in text
    [kept] = [g for g in guesses if g.kind == "kept-hyphen"]
    assert kept.needs_look and kept.where.endswith("texto.txt:1")


def test_a_range_of_numbers_broken_at_a_line_end_is_one_again(tmp_path: Path) -> None:
    text, guesses = imported_text(
        tmp_path, "Los procesos de Moscú, en los años 1936-\n1938, acabaron con la vieja guardia.\n"
    )
    assert "en los años 1936-1938, acabaron" in text
    assert not [g for g in guesses if g.kind in ("rejoined", "kept-hyphen")]


def test_the_vocabulary_leaves_out_the_halves_of_broken_words() -> None:
    vocabulary = Vocabulary(["la aplastante mayo-", "ría es enviada", "los bolchevique-leninistas"])
    assert vocabulary.words["mayo"] == 0 and vocabulary.words["aplastante"] == 1
    assert vocabulary.compounds["bolchevique-leninistas"] == 1


# Header fields, dates, language, notes


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("12 de febrero de 1936", "1936-02-12"),
        ("Coyoacán, 3 de setiembre de 1938", "1938-09-03"),
        ("February 12, 1936", "1936-02-12"),
        ("12th February 1936", "1936-02-12"),
        ("1er mars 1936", "1936-03-01"),
        ("12 février 1936", "1936-02-12"),
        ("12. Februar 1936", "1936-02-12"),
        ("3. März 1919", "1919-03-03"),
        ("12 febbraio 1936", "1936-02-12"),
        ("1936-02-12", "1936-02-12"),
        ("12/02/1936", "1936-02-12"),
        ("12.02.1936", "1936-02-12"),
    ],
)
def test_a_date_written_out_is_read_as_year_month_day(written: str, iso: str) -> None:
    found = find_date(written, "es")
    assert found is not None and found.iso == iso


def test_a_numeric_date_in_english_puts_the_month_first_unless_it_cannot() -> None:
    assert find_date("2/12/1936", "en").iso == "1936-02-12"
    assert find_date("2/12/1936", "fr").iso == "1936-12-02"
    assert find_date("25/12/1936", "en").iso == "1936-12-25"
    assert find_date("31 de febrero de 1936", "es") is None


@pytest.mark.parametrize(
    ("paragraph", "name", "value"),
    [
        (
            "(Versión al castellano desde “Oeuvres”, tomo 8)",
            "source",
            "Versión al castellano desde “Oeuvres”, tomo 8",
        ),
        (
            "Translated from the Russian original in Byulleten Oppozitsii",
            "source",
            "Translated from the Russian original in Byulleten Oppozitsii",
        ),
        (
            "Traduit de l'anglais par la rédaction",
            "source",
            "Traduit de l'anglais par la rédaction",
        ),
        ("Traducción de Juan Pérez", "translator", "Juan Pérez"),
        ("Translated by John G. Wright", "translator", "John G. Wright"),
        ("Contacto: archivo@example.org", "contact", "archivo@example.org"),
        ("https://www.marxists.org/espanol/", "contact", "https://www.marxists.org/espanol/"),
        ("[The Crisis of the French Section]", "title", "[The Crisis of the French Section]"),
        ("12 février 1936", "date", "1936-02-12"),
    ],
)
def test_a_header_paragraph_is_read_as_its_field(paragraph: str, name: str, value: str) -> None:
    found = header_field(paragraph, "es")
    assert (found.name, found.value) == (name, value)


def test_a_paragraph_of_running_text_is_no_header_field() -> None:
    assert header_field("Estimado camarada Muste,", "es") is None
    assert (
        header_field("En el curso de los últimos meses se han producido más de diez mil.", "es")
        is None
    )


def test_the_language_is_guessed_from_the_texts_own_stopwords() -> None:
    assert guess_language(SEED_TEXT.read_text(encoding="utf-8"))[0] == "es"
    english = (
        "It was the best of times, it was the worst of times; the age of wisdom and of folly, " * 3
    )
    assert guess_language(english)[0] == "en"
    german = (
        "Der Brief ist nicht von ihm, sondern von der Frau, die mit dem Sohn in der Stadt wohnt. "
        * 2
    )
    assert guess_language(german)[0] == "de"
    _, sure = guess_language("Le chat.")
    assert sure < LOOK_BELOW


def test_a_decimal_number_is_no_call_and_a_closing_quote_may_carry_one() -> None:
    paragraphs = [
        "Section 5.1 y el 3,5 por ciento",
        "their error.’2 As they",
        "La sección 5.1 otra vez.",
    ]
    calls = match_calls(paragraphs, ["1", "2"])
    assert calls[0] is None
    assert (calls[1].paragraph, paragraphs[1][calls[1].start : calls[1].end]) == (1, "2")


def test_calls_are_matched_in_order_glued_after_a_word_or_in_brackets() -> None:
    paragraphs = ["Un año 1936 y la carta de mi esposa1. Luego otra*.", "Y al fin [2] y «dijo»3"]
    calls = match_calls(paragraphs, ["1", "*", "2", "3"])
    assert [(c.paragraph, paragraphs[c.paragraph][c.start : c.end]) for c in calls] == [
        (0, "1"),
        (0, "*"),
        (1, "[2]"),
        (1, "3"),
    ]
    assert match_calls(["sin llamada"], ["4"]) == [None]


def test_superscript_calls_and_markers_are_matched(tmp_path: Path) -> None:
    path = tmp_path / "carta.txt"
    path.write_text(
        "Le agradezco mucho su carta y el recorte concerniente a la carta de mi esposa¹. Nuestra\n"
        "alianza bajo la bandera de la IV Internacional debe permanecer².\n"
        "¹ Natalia Sedova, a propósito de la suerte de su hijo Serguei.\n"
        "² Trotsky le daba una gran importancia a la conquista de Muste.\n",
        encoding="utf-8",
    )
    draft = import_file(path)
    [text] = [block.text for block in draft.blocks]
    assert "mi esposa[^1]. Nuestra" in text and text.endswith("permanecer[^2].")
    assert [note.paragraphs[0][:16] for note in draft.notes] == [
        "Natalia Sedova, ",
        "Trotsky le daba ",
    ]


def test_notes_after_a_rule_of_underscores_are_matched_to_their_calls(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt"
    path.write_text(
        "[A Letter]\n\nLeon Trotsky\n\nFebruary 12, 1936\n\n"
        "Dear comrade, thank you for the clipping of the New York Times about my wife's letter1\n"
        "and for yours, which reached us in time. We hope to see you soon in Mexico.*\n"
        "__________\n"
        "1 Natalia Sedova's letter to the world's public opinion.\n"
        "* The letter was written in Norway.\n",
        encoding="utf-8",
    )
    draft = import_file(path)
    assert draft.fields == {
        "title": "[A Letter]",
        "author": "Leon Trotsky",
        "date": "1936-02-12",
        "lang": "en",
    }
    [text] = [block.text for block in draft.blocks]
    assert "my wife's letter[^1] and for yours" in text and text.endswith("Mexico.[^n2]")
    assert [(n.label, n.paragraphs) for n in draft.notes] == [
        ("1", ("Natalia Sedova's letter to the world's public opinion.",)),
        ("n2", ("The letter was written in Norway.",)),
    ]


def test_a_short_first_line_a_byline_and_the_translation_fill_the_header(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_text(
        "The Crisis of the French Section\n\nby Leon Trotsky\n\n"
        "Translated from the Russian original in the Bulletin of the Opposition\n\n"
        "Translated by John G. Wright\n\n"
        "The crisis of the French section has lasted for months, and it is not over yet. The\n"
        "comrades who left it did so in the name of the mass work that they had refused before.\n",
        encoding="utf-8",
    )
    draft = import_file(path)
    assert draft.fields == {
        "title": "The Crisis of the French Section",
        "author": "Leon Trotsky",
        "lang": "en",
        "source": "Translated from the Russian original in the Bulletin of the Opposition",
        "translator": "John G. Wright",
    }
    [title] = [g for g in draft.guesses if g.what.startswith("title =")]
    assert title.needs_look  # a short first line may be the text's own
    [text] = [block.text for block in draft.blocks]
    assert text.startswith("The crisis of the French section") and text.endswith("refused before.")


def test_a_short_line_before_a_paragraph_is_a_heading_to_look_at(tmp_path: Path) -> None:
    path = tmp_path / "capitulo.txt"
    path.write_text(
        "Estimado camarada Muste,\n\nLa primera parte de la carta termina aquí, con un punto.\n\n"
        "La represión en la URSS\n\n"
        "En el curso de los últimos meses se han producido más de diez mil, puede que veinte\n"
        "mil, expulsiones en el partido ruso. Solamente una fracción de los expulsados va a\n"
        "prisión.\n",
        encoding="utf-8",
    )
    draft = import_file(path)
    assert [(block.kind, block.text[:24]) for block in draft.blocks] == [
        ("paragraph", "Estimado camarada Muste,"),
        ("paragraph", "La primera parte de la c"),
        ("heading", "La represión en la URSS"),
        ("paragraph", "En el curso de los últim"),
    ]
    [heading] = [g for g in draft.guesses if g.kind == "heading"]
    assert heading.where.endswith("capitulo.txt:5") and heading.needs_look
    assert "\n## La represión en la URSS\n" in draft.markdown()


def test_endnotes_under_their_heading_are_matched_and_the_heading_left_out(
    tmp_path: Path,
) -> None:
    path = tmp_path / "articulo.txt"
    path.write_text(
        "La burocracia de Stalin1 expulsa a los bolchevique-leninistas del partido ruso y los\n"
        "envía a campos de concentración2, donde las condiciones materiales son miserables.\n\n"
        "Notas\n\n"
        "1. Véase la carta a Muste del 12 de febrero de 1936.\n"
        "2. Sobre los campos, véase el Boletín de la Oposición.\n",
        encoding="utf-8",
    )
    draft = import_file(path)
    [text] = [block.text for block in draft.blocks]
    assert "Stalin[^1] expulsa" in text and "concentración[^2], donde" in text
    assert [note.paragraphs for note in draft.notes] == [
        ("Véase la carta a Muste del 12 de febrero de 1936.",),
        ("Sobre los campos, véase el Boletín de la Oposición.",),
    ]
    assert any(g.what == "'Notas' heads the notes: left out" for g in draft.guesses)


def test_the_originals_pages_the_text_shows_become_page_markers(tmp_path: Path) -> None:
    """«[p. 206]» in the text: where page 206 of the original begins, in both books."""
    (tmp_path / "publish.toml").write_text("")
    path = tmp_path / "carta.txt"
    path.write_text(
        "Le agradezco mucho su carta y el recorte del New York Times concerniente a la carta\n"
        "de mi esposa1. [p. 206] No puede desecharse que nuestro hijo haya sido llevado del\n"
        "destierro de nuevo a la prisión. [207] Desde hace mucho tiempo la camarilla de Stalin\n"
        "trata de convencer a sus prisioneros. [208] Por ello, algunos de mis amigos plantean.\n"
        "__________\n"
        "1 Se trata de la carta de Natalia Sedova [p. 3 de la edición francesa].\n",
        encoding="utf-8",
    )
    draft = import_file(path)
    [text] = [block.text for block in draft.blocks]
    assert "esposa[^1]. {pag=206} No puede" in text
    assert "prisión. {pag=207} Desde" in text and "prisioneros. {pag=208} Por ello" in text
    assert draft.fields["title"] == "carta"  # none found: the file's name, to look at
    assert [g.sure for g in draft.guesses if g.what.startswith("title =")] == [0.3]
    pages = [g for g in draft.guesses if g.kind == "page" and "of the original" in g.what]
    assert [(g.what.split()[1], g.sure) for g in pages] == [
        ("206", 0.9),
        ("207", 0.7),
        ("208", 0.7),
    ]
    source = tmp_path / "carta.md"
    source.write_text(draft.markdown(), encoding="utf-8")
    page = OpenedEpub(build_epub(source, tmp_path)).spine_page("text.xhtml")
    marks = page.tree.xpath("//x:span[@class='pag']", namespaces=NS)
    assert [(m.get("id"), m.text) for m in marks] == [
        ("pag-206", "[206]"),
        ("pag-207", "[207]"),
        ("pag-208", "[208]"),
    ]
    printed = printed_words(build_pdf(source, tmp_path / "carta.pdf", tmp_path))
    assert is_subsequence(["esposa1", "206", "no", "puede"], printed)  # the call's 1 glued
    assert is_subsequence(["prisión", "207", "desde"], printed)


def test_a_note_without_a_call_is_kept_and_asks_for_a_look(tmp_path: Path) -> None:
    path = tmp_path / "nota.txt"
    path.write_text(
        "Un texto sin llamada alguna a la nota.\n__________\n7 La nota.\n", encoding="utf-8"
    )
    draft = import_file(path)
    [note] = [g for g in draft.guesses if g.kind == "note"]
    assert note.needs_look and "no call found" in note.what
    assert draft.blocks[-1].text.endswith("[^7]")


def test_a_text_that_is_not_utf8_is_read_as_windows_1252_and_said(tmp_path: Path) -> None:
    path = tmp_path / "carta.txt"
    path.write_bytes(
        "Estimado camarada Muste, le agradezco la campaña de su partido.\n".encode("cp1252")
    )
    draft = import_file(path)
    assert draft.blocks[0].text == "Estimado camarada Muste, le agradezco la campaña de su partido."
    [read] = [g for g in draft.guesses if "Windows-1252" in g.what]
    assert read.needs_look


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no text found to import"),
        (b"PK\x03\x04\x00\x00", "not a text file (too large, or binary)"),
    ],
)
def test_a_file_without_text_is_an_error_naming_it(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "vacio.txt"
    path.write_bytes(content)
    with pytest.raises(SourceError) as raised:
        import_file(path)
    assert str(raised.value) == f"{path}: {message}"


def test_the_source_field_is_written_as_markdown_that_reads_back_as_itself(tmp_path: Path) -> None:
    path = tmp_path / "carta.txt"
    path.write_text(
        "(Versión al castellano desde *Oeuvres* [tomo 8])\n\nEstimado camarada Muste, le agradezco la carta.\n",
        encoding="utf-8",
    )
    draft = import_file(path)
    assert draft.fields["source"] == "Versión al castellano desde \\*Oeuvres\\* \\[tomo 8\\]"


# The command


def test_import_writes_the_source_and_reports_its_guesses(project: Path, run_cli) -> None:
    result = run_cli("import", SEED_TEXT)
    assert result.code == 0, result.err
    written = project / "source" / "carta-muste-1936.md"
    assert written.read_text(encoding="utf-8") == import_file(SEED_TEXT).markdown()
    assert "what was guessed" in result.out and "León Trotsky" in result.out
    assert "look" in result.out  # the paragraph that goes on past the page foot
    assert "✓ source/carta-muste-1936.md" in result.out


def test_an_imported_source_builds_at_once(project: Path, run_cli) -> None:
    assert run_cli("import", SEED_TEXT).code == 0
    result = run_cli("build", "source/carta-muste-1936.md")
    assert result.code == 0, result.err
    assert result.err == ""  # no warning either
    for output in ("carta-muste-1936.epub", "carta-muste-1936.pdf"):
        assert (project / "build" / output).stat().st_size > 0


def test_import_never_overwrites_a_source_without_force(project: Path, run_cli) -> None:
    target = project / "source" / "carta-muste-1936.md"
    target.write_text("mine\n")
    result = run_cli("import", SEED_TEXT)
    assert result.code == 1
    assert result.err.startswith("source/carta-muste-1936.md: exists already")
    assert target.read_text() == "mine\n"
    assert run_cli("import", SEED_TEXT, "--force").code == 0
    assert target.read_text(encoding="utf-8").startswith("---\ntitle:")
    assert [p.name for p in target.parent.iterdir()] == ["carta-muste-1936.md"]  # no temporary


def test_import_out_names_the_source(project: Path, run_cli) -> None:
    assert run_cli("import", SEED_TEXT, "--out", "texts/carta.md").code == 0
    assert (project / "texts" / "carta.md").is_file()
    assert list((project / "source").iterdir()) == []


def test_a_dry_run_prints_the_report_and_writes_nothing(project: Path, run_cli) -> None:
    result = run_cli("import", SEED_TEXT, "--dry-run")
    assert result.code == 0
    assert "date = 1936-02-12" in result.out and "✓" not in result.out
    assert sorted(p.name for p in project.rglob("*")) == ["publish.toml", "source"]


def test_a_folder_imports_each_file_and_ends_with_a_summary_table(project: Path, run_cli) -> None:
    inbox = project / "inbox"
    inbox.mkdir()
    shutil.copy(SEED_TEXT, inbox)
    (inbox / "nota.txt").write_text("Un texto breve de una sola línea, sin notas ni fecha.\n")
    (inbox / "leeme.odt").write_bytes(b"not imported: publish reads no .odt")
    result = run_cli("import", inbox)
    assert result.code == 0, result.err
    assert sorted(p.name for p in (project / "source").iterdir()) == [
        "carta-muste-1936.md",
        "nota.md",
    ]
    table = result.out[result.out.index("2 files imported") :]
    for heading in ("file", "words", "notes matched", "fields found", "guesses to look at"):
        assert heading.split()[0] in table
    [carta] = [line for line in table.splitlines() if "carta-muste" in line]
    assert carta.split()[1:4] == ["416", "2/2", "title,"]
    [nota] = [line for line in table.splitlines() if "nota.txt" in line]
    assert nota.split()[1:4] == ["11", "0/0", "title?"]  # no title: the file's name, to look at


def test_an_unknown_suffix_is_an_error_naming_the_file(project: Path, run_cli) -> None:
    (project / "carta.odt").write_bytes(b"PK")
    result = run_cli("import", "carta.odt")
    assert result.code == 1
    assert result.err.strip().startswith("carta.odt: cannot import a '.odt' file")
    assert "Traceback" not in result.err


def test_a_format_without_its_importer_is_a_one_line_error(
    project: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(IMPORTERS, ".rtf", "rtf")  # named, but no publish/importers/rtf.py
    (project / "carta.rtf").write_text("{\\rtf1 carta}")
    result = run_cli("import", "carta.rtf")
    assert result.code == 1
    assert (
        result.err.strip()
        == "carta.rtf: cannot import a '.rtf' file: this copy of publish has no rtf importer"
    )


def test_a_file_an_importer_fails_on_does_not_stop_the_folder(
    project: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import publish.importers.text as text_importer

    inbox = project / "inbox"
    inbox.mkdir()
    shutil.copy(SEED_TEXT, inbox / "a.txt")
    (inbox / "b.txt").write_text("roto\n")
    real = text_importer.import_file

    def failing(path: Path):
        if path.name == "b.txt":
            raise RuntimeError("an importer's bug")
        return real(path)

    monkeypatch.setattr(text_importer, "import_file", failing)
    result = run_cli("import", inbox)
    assert result.code == 1
    assert (
        result.err.strip()
        == f"{inbox / 'b.txt'}: cannot import the file: RuntimeError: an importer's bug"
    )
    assert (project / "source" / "a.md").is_file() and not (project / "source" / "b.md").exists()
    assert "failed" in result.out  # b.txt's row in the summary


def test_a_missing_file_is_an_error_naming_it(project: Path, run_cli) -> None:
    result = run_cli("import", "nada.txt")
    assert (result.code, result.err.strip()) == (1, "nada.txt: no such file or folder")
