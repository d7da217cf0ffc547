"""The books the reading-system tier opens: the samples, a corpus book and a generated book
of 150 notes, each built with both `notes` settings, once per test session.

`reading_book(name, notes)` builds on first use and returns the EPUB's path; every engine's
tests (tests/test_reading_*.py) share these files, so each book is built once per run.
"""

from __future__ import annotations

from pathlib import Path

from publish.builder import build

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# name → the source's path (a .md document or a book's folder), relative to the repository,
# or None for the generated book.
BOOKS: dict[str, str | None] = {
    "carta": "source/carta-muste-1936.md",
    "cartas": "source/cartas-y-manifiestos",
    "vindication": "tests/fixtures/corpus/vindication-of-the-rights-of-woman",
    "notes150": None,
}
NOTES_SETTINGS = ("chapter", "book")
KEPUB = "kepub"  # a book's KEPUB, notes per chapter ("kepub-book": notes for the book)

NOTE_BOOK_CHAPTERS = 3
NOTES_PER_CHAPTER = 50  # 150 notes in all


def write_note_book(folder: Path) -> Path:
    """A book of three chapters, 50 notes each: short ones, a note of two paragraphs, a
    note with a list and one with a quotation, and a note called twice per chapter."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"chapter-{n}.md" for n in range(1, NOTE_BOOK_CHAPTERS + 1)]
    (folder / "book.yaml").write_text(
        "title: A Book of Notes\nsubtitle: One hundred and fifty of them\n"
        "author: Ada Example\ntranslator: Ben Example\neditor: Cy Example\n"
        "date: 2024-05-01\nlang: en\nrights: Public domain\n"
        "source: '*Notes*, Example Press, 1900'\npublisher: Example Press\n"
        "page-list: print\n"  # page-break markers and a page-list for every reading system
        "documents:\n" + "".join(f"  - {name}\n" for name in names),
        encoding="utf-8",
    )
    for number, name in enumerate(names, 1):
        (folder / name).write_text(note_chapter(number), encoding="utf-8")
    return folder


def note_chapter(number: int) -> str:
    paragraphs, notes = [], []
    for note in range(1, NOTES_PER_CHAPTER + 1):
        label = f"n{note}"
        paragraphs.append(
            f"Paragraph {note} of chapter {number}, a sentence long enough to wrap on a small "
            f"screen and carry its note[^{label}] to the middle of a line."
        )
        if note == 1:
            body = "A first paragraph of the note.\n\n    And a second one, indented under it."
        elif note == 2:
            body = "A note with a list:\n\n    - one item\n    - another item"
        elif note == 3:
            body = "A note with a quotation:\n\n    > Quoted words, in the note."
        else:
            body = f"Note {note} of chapter {number}."
        notes.append(f"[^{label}]: {body}")
    paragraphs.append("The first note again[^n1], called a second time.")
    return (
        f"---\ntitle: Chapter {number}\n---\n\n"
        + "\n\n".join(paragraphs)
        + "\n\n"
        + "\n\n".join(notes)
        + "\n"
    )


def build_reading_book(name: str, edition: str, out_root: Path) -> Path:
    """Build book `name` under `out_root` as an EPUB with `notes: EDITION` (one of
    NOTES_SETTINGS), or as a KEPUB ("kepub", "kepub-book"); return the file's path."""
    relative = BOOKS[name]
    source = REPO / relative if relative else write_note_book(out_root / "sources" / name)
    out_dir = out_root / f"{name}-{edition}"
    fmt = KEPUB if edition.startswith(KEPUB) else "epub"
    notes = "book" if edition.endswith("book") else "chapter"
    report = build([source], out_dir, formats=(fmt,), overrides={"notes": notes})
    assert report.ok, [str(e) for e in report.errors]
    (book,) = out_dir.glob("*.epub")
    return book
