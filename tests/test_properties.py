"""Property tests: whatever document a volunteer writes (headings, lists, quotes, notes in
many places, several scripts, right-to-left text), it builds, its EPUB passes EPUBCheck with
every note linked both ways, and its PDF prints each note on the page of its call.

A few examples by default; `python -m pytest tests/test_properties.py --hypothesis-profile=long`
tries many more.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from publish.cli import main
from tests.conftest import epubcheck_problems
from tests.pdf_helpers import call_after, call_token, note_token, pages_words

XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
WORDS = [
    "carta", "camarada", "prisión", "naïve", "Straße", "œuvre", "перо", "книга", "λόγος",
    "ψυχή", "שלום", "ספר", "كتاب", "سلام", "čeština", "Łódź", "año", "fiancé",
]  # fmt: skip


@st.composite
def phrases(draw: st.DrawFn, low: int = 2, high: int = 14) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=low, max_size=high))
    if draw(st.booleans()) and len(words) > 2:
        words[1] = f"*{words[1]}*"
    return " ".join(words)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, int]:
    """A Markdown source and its number of notes; the n-th call follows the word C00n and
    the n-th note starts with N00n, so both can be found on a printed page."""
    blocks, notes = [], []
    for _ in range(draw(st.integers(3, 14))):
        kind = draw(st.sampled_from(["para", "para", "heading", "list", "quote"]))
        text = draw(phrases())
        if draw(st.booleans()):
            number = len(notes) + 1
            text += f" {call_token(number)}[^n{number}] " + draw(phrases(1, 4))
            note = f"{note_token(number)} {draw(phrases(1, 30))}"
            if draw(st.booleans()):
                note += f"\n\n    {draw(phrases())}"
            notes.append(f"[^n{number}]: {note}")
        blocks.append(
            {
                "para": text,
                "heading": f"## {text}",
                "list": f"- {text}\n- {draw(phrases())}",
                "quote": f"> {text}",
            }[kind]
        )
    lang = draw(st.sampled_from(["es", "en", "fr", "de", "ru"]))
    source = (
        f"---\ntitle: {draw(phrases(1, 5))!r}\nlang: {lang}\n---\n\n"
        + "\n\n".join(blocks + notes)
        + "\n"
    )
    return source, len(notes)


@given(documents())
def test_any_document_builds_into_two_sound_books(document: tuple[str, int]) -> None:
    source, note_count = document
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "publish.toml").write_text("")
        (project / "doc.md").write_text(source, encoding="utf-8")

        build = ["build", str(project / "doc.md"), "--out", str(project / "build"), "--jobs", "1"]
        assert main(build) == 0

        epub, pdf = project / "build" / "doc.epub", project / "build" / "doc.pdf"
        assert epubcheck_problems(epub) == []
        assert notes_linked_both_ways(epub) == note_count
        assert notes_on_the_page_of_their_call(pdf) == note_count


def notes_linked_both_ways(epub: Path) -> int:
    with zipfile.ZipFile(epub) as book:
        text = etree.fromstring(book.read("EPUB/text.xhtml"))
    calls = text.findall(".//x:a[@epub:type='noteref']", XHTML)
    for call in calls:
        [note] = text.xpath(f"//*[@id='{call.get('href')[1:]}']")
        assert note.get(f"{{{XHTML['epub']}}}type") == "footnote"
        backlinks = [a.get("href") for a in note.iterfind(".//x:a[@role='doc-backlink']", XHTML)]
        assert f"#{call.get('id')}" in backlinks
    return len(calls)


def notes_on_the_page_of_their_call(pdf: Path) -> int:
    found = 0
    for words in pages_words(pdf):
        for word in words:
            if match := re.fullmatch(r"C(\d{3})", word.text):
                number = int(match[1])
                assert call_after(word, words) == str(number)
                assert any(w.text == note_token(number) for w in words), f"note {number} strayed"
                found += 1
    return found
