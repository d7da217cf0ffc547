"""Reading sources: what the model keeps of a Markdown file with front matter."""

from __future__ import annotations

from publish import model as m
from publish.reader import read_document
from publish.render import long_date


def test_seed_letter_reads_with_its_header_and_two_notes(seed_letter) -> None:
    letter = read_document(seed_letter)

    assert letter.meta.title == "[La represión en la URSS]"
    assert letter.meta.authors == ("León Trotsky",)
    assert letter.meta.date == m.PartialDate(1936, 2, 12)
    assert letter.meta.lang == "es"
    assert letter.meta.contact == "germinal_1917@yahoo.es"
    assert [note.number for note in letter.notes] == [1, 2]
    assert "Natalia Sedova" in str(letter.notes[0].children)
    assert "Muster" in str(letter.notes[1].children)


def test_notes_are_numbered_in_the_order_they_are_first_called(write_source) -> None:
    path = write_source(
        "order.md",
        """
        ---
        title: Order
        ---

        First call[^z], inline ^[Inline *note*.], then[^a] and again[^z].

        [^a]: Defined first.

        [^z]: Defined last.
            With a second line.

            And a second paragraph.
        """,
    )

    doc = read_document(path)

    assert [(n.number, n.label, n.calls) for n in doc.notes] == [
        (1, "z", (5, 5)),
        (2, "", (5,)),
        (3, "a", (5,)),
    ]
    calls = [node for node in doc.blocks[0].children if isinstance(node, m.NoteRef)]
    assert [(c.number, c.call) for c in calls] == [(1, 1), (2, 1), (3, 1), (1, 2)]
    assert len(doc.notes[0].children) == 2
    assert doc.notes[0].line == 9


def test_every_node_keeps_its_source_line(write_source) -> None:
    path = write_source(
        "lines.md",
        "---\ntitle: Lines\n---\n\n# Heading\n\nOne\ntwo[^n]\n\n> quoted\n\n- item\n\n[^n]: Note.\n",
    )

    doc = read_document(path)

    heading, paragraph, quote, listing = doc.blocks
    assert (heading.line, paragraph.line, quote.line, listing.line) == (5, 7, 10, 12)
    assert [node.line for node in paragraph.children] == [7, 7, 8, 8]


def test_identifier_is_stable_and_derived_from_the_header(write_source) -> None:
    text = "---\ntitle: Same\nauthor: A\ndate: 1900\n---\n\nText.\n"
    first = read_document(write_source("one.md", text)).meta.identifier
    second = read_document(write_source("two.md", text)).meta.identifier

    assert first == second
    assert first.startswith("urn:uuid:")


def test_dates_are_written_as_readers_of_the_language_write_them() -> None:
    assert long_date(m.PartialDate(1936, 2, 12), "es") == "12 de febrero de 1936"
    assert long_date(m.PartialDate(1936, 2, 12), "en") == "February 12, 1936"
    assert long_date(m.PartialDate(1936, 2, 12), "fr") == "12 février 1936"
    assert long_date(m.PartialDate(1936, 2), "es") == "febrero de 1936"
    assert long_date(m.PartialDate(1936), "de") == "1936"
