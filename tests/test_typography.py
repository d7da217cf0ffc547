"""Typography follows the language of the text: the XHTML both books are rendered from."""

from __future__ import annotations

import pytest
from markupsafe import escape

from publish import model as m
from publish.reader import parse_document
from publish.render import HtmlSerializer

NBSP, NNBSP = "\u00a0", "\u202f"

CASES = [
    ("en", "He said \"a 'word'\" -- then --- more...", "He said “a ‘word’” – then — more…"),
    ("en-GB", 'It is "so".', "It is “so”."),
    ("es", "Dijo \"una 'palabra'\" y calló...", "Dijo «una “palabra”» y calló…"),
    (
        "fr",
        'Il dit "oui" ; puis : quoi ?! Non !',
        f"Il dit «{NBSP}oui{NBSP}»{NNBSP}; puis{NNBSP}: quoi{NNBSP}?! Non{NNBSP}!",
    ),
    ("fr", "Voir http://exemple.fr et 10:30.", "Voir http://exemple.fr et 10:30."),
    ("de", "Er sagte \"ein 'Wort'\".", "Er sagte „ein ‚Wort‘“."),
]


@pytest.mark.parametrize("lang, source, expected", CASES)
def test_quotes_dashes_and_spaces_follow_the_language(lang, source, expected) -> None:
    doc = parse_document(f"---\ntitle: T\nlang: {lang}\n---\n\n{source}\n", "t.md", lambda w: None)

    assert HtmlSerializer(note_call=str).blocks(doc.blocks) == f"<p>{escape(expected)}</p>"


def test_code_is_left_as_typed() -> None:
    doc = parse_document('---\ntitle: T\nlang: es\n---\n\nUse `"x" -- y...` here.\n', "t.md", print)

    code = next(node for node in doc.blocks[0].children if isinstance(node, m.Code))
    assert code.text == '"x" -- y...'
