"""Helpers for the importers' tests: the imported source built into both books, and what a
reader sees in them (the words in order, each note's text at its call, the header)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from publish.importers import read_draft
from publish.importers.draft import Draft
from tests.epub_helpers import NS, OpenedEpub, build_epub
from tests.pdf_helpers import (
    build_pdf,
    call_after,
    is_subsequence,
    pages_words,
    printed_words,
    words_of,
)


@dataclass
class Books:
    draft: Draft
    source: Path
    epub: Path
    pdf: Path


def import_and_build(path: Path, project: Path) -> Books:
    """`path` imported through `read_draft`, written as `source/NAME.md` of `project` and
    built into an EPUB and a PDF by the real pipeline."""
    draft = read_draft(path)
    source = project / "source" / f"{path.stem}.md"
    source.write_text(draft.markdown(), encoding="utf-8")
    epub = build_epub(source, project_root=project, out=project / f"{path.stem}.epub")
    pdf = build_pdf(source, project / f"{path.stem}.pdf", project_root=project)
    return Books(draft, source, epub, pdf)


def epub_text_words(epub: Path) -> list[str]:
    """The words of the EPUB's text page(s), notes left out (they are read at their calls)."""
    book = OpenedEpub(epub)
    words: list[str] = []
    for page in book.spine():
        body = page.tree.find("x:body", NS)
        for aside in body.xpath(".//x:aside", namespaces=NS):
            aside.getparent().remove(aside)
        words += words_of(" ".join(body.itertext()))
    return words


def epub_notes_at_calls(epub: Path) -> list[tuple[str, str]]:
    """(the word before each call, the text of the note it opens), in the text's order."""
    book = OpenedEpub(epub)
    found = []
    for page in book.spine():
        for call in page.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS):
            before = _text_before(call)
            note = page.by_id(call.get("href").removeprefix("#"))
            found.append(
                (before, " ".join("".join(note.itertext()).split()) if note is not None else "")
            )
    return found


def _text_before(call) -> str:
    """The last word before `call` in its paragraph (or list item, or quotation)."""
    blocks = {f"{{{NS['x']}}}{tag}" for tag in ("p", "li", "blockquote", "h1", "h2", "h3")}
    paragraph = call.getparent()
    while paragraph.tag not in blocks:
        paragraph = paragraph.getparent()
    words = words_of("".join(_text_up_to(paragraph, call)))
    return words[-1] if words else ""


def _text_up_to(element, stop) -> list[str]:
    """The text of `element` before `stop`, in document order."""
    out: list[str] = []

    def walk(node) -> bool:
        if node is stop:
            return True
        out.append(node.text or "")
        for child in node:
            if walk(child):
                return True
            out.append(child.tail or "")
        return False

    walk(element)
    return out


def pdf_note_on_call_page(pdf: Path, before: str, note: str) -> bool:
    """Whether a page prints a call after the word `before` and, at its foot in the notes'
    size, the words of `note`."""
    wanted = words_of(note)
    for words in pages_words(pdf):
        calls = [w for w in words if _ends(w.text, before) and call_after(w, words)]
        if calls and is_subsequence(
            wanted, [x for w in words if w.is_note for x in words_of(w.text)]
        ):
            return True
    return False


def _ends(printed: str, word: str) -> bool:
    """Whether a printed word is `word` or, hyphenated at a line end, its last part."""
    last = words_of(printed)[-1:]
    return bool(last) and (last[0] == word or (len(last[0]) > 1 and word.endswith(last[0])))


def pdf_metadata(pdf: Path) -> dict[str, str]:
    info = PdfReader(pdf).metadata or {}
    return {key.lstrip("/"): str(value) for key, value in info.items()}


def epub_metadata(epub: Path) -> dict[str, list[str]]:
    book = OpenedEpub(epub)
    return {
        name: [" ".join((e.text or "").split()) for e in book.metadata(name)]
        for name in ("title", "creator", "date", "language", "source")
    }


def words(text: str) -> list[str]:
    return words_of(re.sub(r"\[\^\w+\]", " ", text))


def assert_notes_at_calls(found: list[tuple[str, str]], wanted: list[tuple[str, str]]) -> None:
    """Each call after its word, opening a note with the wanted text (and its number)."""
    assert [before for before, _ in found] == [before for before, _ in wanted]
    for (_, note), (before, text) in zip(found, wanted, strict=True):
        assert is_subsequence(words(text), words(note)), (before, note, text)


def pdf_text_words(pdf: Path) -> list[str]:
    """The PDF's words in order, a note's number taken off the word it is printed after
    (`esposa1` is `esposa` and its call)."""
    return [re.sub(r"(?<=[^\W\d])\d+$", "", word) for word in printed_words(pdf)]


@dataclass
class Reading:
    """A source as Pandoc reads it: the text's words (notes aside) and, for each call, the
    word before it and its note's words."""

    words: list[str]
    notes: list[tuple[str, list[str]]]


def pandoc_reading(source: Path) -> Reading:
    from tests.pandoc_helpers import pandoc_html, reader_words

    root = pandoc_html(source)
    notes = []
    for call in root.xpath("//a[contains(@class, 'footnote-ref')]"):
        note = root.xpath("//li[@id=$id]", id=call.get("href", "").lstrip("#"))[0]
        for back in note.xpath(".//a[contains(@class, 'footnote-back')]"):
            back.getparent().remove(back)
        block = next(
            a
            for a in call.iterancestors()
            if a.tag in {"p", "li", "blockquote", "h1", "h2", "h3", "h4", "div"}
        )
        before = words_of("".join(_text_up_to(block, call)))
        notes.append((before[-1] if before else "", words_of(" ".join(note.itertext()))))
    for section in root.xpath("//section[contains(@class, 'footnotes')]"):
        section.getparent().remove(section)
    for call in root.xpath("//a[contains(@class, 'footnote-ref')]"):
        call.getparent().remove(call) if not call.tail else call.drop_tree()
    return Reading(reader_words(root), notes)


def assert_round_trip(sources: list[Path], project: Path, suffix: str, options: list[str]) -> None:
    """Each of `sources` made a `suffix` file by Pandoc and imported back reads, as Pandoc
    reads it, as the original: ≥ 99.9% of the words in order (list numbers aside), every
    note after the same word with the same words, the title, authors, date and language;
    any other field found is marked for a look."""
    import subprocess

    import yaml

    from tests.pandoc_helpers import share_in_order

    for source in sources:
        made = project / f"{source.stem}.{suffix}"
        subprocess.run(["pandoc", str(source), "-o", str(made), *options], check=True)
        draft = read_draft(made)
        imported = project / f"{source.stem}.imported.md"
        imported.write_text(draft.markdown(), encoding="utf-8")
        original, back = pandoc_reading(source), pandoc_reading(imported)
        assert share_in_order(original.words, back.words) >= 0.999, source.name
        assert back.notes == original.notes, source.name
        header = yaml.safe_load(source.read_text(encoding="utf-8").split("---")[1])
        for key in ("title", "author", "date", "lang"):  # one author: a name or a list of one
            ours, theirs = draft.fields.get(key), header.get(key)
            theirs = str(theirs) if key == "date" and theirs else theirs
            assert ours == theirs or [ours] == theirs or key not in header, (source.name, key)
        extra = [
            g for g in draft.guesses if g.kind == "field" and g.what.split(" = ")[0] not in header
        ]
        assert all(g.needs_look for g in extra), extra  # a Word file's creation date
