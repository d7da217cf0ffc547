"""Links between documents are followed by their path, never by their file name: in a book
whose chapters are `one/ch.md` and `two/ch.md`, `../one/ch.md#same` leads to the first
and `ch.md#same` to the chapter it is written in, in the EPUB (pages, endnotes, header)
and in the PDF (its internal links); a file of the same name outside the book is not
a chapter of it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from tests.conftest import epubcheck_problems

FRONT = "---\ntitle: {title}\n---\n\n"
BOOK = {
    "source/bk/book.yaml": (
        "title: Two chapters named ch.md\nsource: 'From [one](one/ch.md)'\n"
        "dedication: 'To [two](two/ch.md#same)'\ndocuments:\n  - one/ch.md\n  - two/ch.md\n"
    ),
    "source/bk/one/ch.md": FRONT.format(title="One")
    + "ONE-WORDS [to two](../two/ch.md#same), [to itself](ch.md#same), "
    "[two's start](../two/ch.md).[^n]\n\n# Same {#same}\n\n"
    "[^n]: A note of one: [two again](../two/ch.md#same), [itself](ch.md#same).\n",
    "source/bk/two/ch.md": FRONT.format(title="Two")
    + "TWO-WORDS [to one](../one/ch.md#same), [to itself](ch.md#same), "
    "[the long way](../../bk/one/./ch.md#same), [three](../three/ch.md).[^n]\n\n"
    "# Same {#same}\n\n"
    "[^n]: A note of two: [one again](../one/ch.md#same), [itself](./ch.md#same).\n",
    # Same name, same id, not in the book.
    "source/bk/three/ch.md": FRONT.format(title="Three") + "# Same {#same}\n",
}


def write_book(project: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def hrefs(epub: Path, page: str) -> dict[str, str]:
    """Each link's words on an EPUB page, with where it leads (notes' own links left out)."""
    with zipfile.ZipFile(epub) as book:
        markup = book.read(f"EPUB/{page}").decode()
    links = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', markup)
    return {words: href for href, words in links if "fn" not in href}


def test_same_named_chapters_link_by_path_in_the_epub(project, run_cli) -> None:
    write_book(project, BOOK)

    result = run_cli("build", "source/bk", "--format", "epub", "--notes", "book")

    assert result.code == 0, result.err
    assert (
        "source/bk/two/ch.md:5: warning: the link to '../three/ch.md' leads to nothing in the "
        "book; its words are kept"
    ) in result.err
    epub = project / "build" / "bk.epub"
    assert hrefs(epub, "chapter-01.xhtml") == {
        "to two": "chapter-02.xhtml#c2-same",
        "to itself": "chapter-01.xhtml#c1-same",
        "two’s start": "chapter-02.xhtml",
    }
    assert hrefs(epub, "chapter-02.xhtml") == {
        "to one": "chapter-01.xhtml#c1-same",
        "to itself": "chapter-02.xhtml#c2-same",
        "the long way": "chapter-01.xhtml#c1-same",
    }
    with zipfile.ZipFile(epub) as book:  # both chapters' notes on one page
        notes = book.read("EPUB/endnotes.xhtml").decode()
    assert re.findall(r'<a href="([^"]*)">(?:itself|two again|one again)</a>', notes) == [
        "chapter-02.xhtml#c2-same",  # one's note: two again
        "chapter-01.xhtml#c1-same",  # one's note: itself
        "chapter-01.xhtml#c1-same",  # two's note: one again
        "chapter-02.xhtml#c2-same",  # two's note: itself
    ]
    front = {**hrefs(epub, "copyright.xhtml"), **hrefs(epub, "dedication.xhtml")}
    assert front == {"one": "chapter-01.xhtml", "two": "chapter-02.xhtml#c2-same"}
    assert epubcheck_problems(epub) == []


def pdf_links(pdf: Path) -> list[tuple[str, str]]:
    """(which chapter's words are on the page, the named destination) for each link."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(pdf).pages:
        text = page.extract_text()
        chapter = "one" if "ONE-WORDS" in text else "two" if "TWO-WORDS" in text else ""
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link" and chapter:
                found.append((chapter, str(annotation.get("/Dest"))))
    return found


def test_same_named_chapters_link_by_path_in_the_pdf(project, run_cli) -> None:
    write_book(project, BOOK)

    result = run_cli("build", "source/bk", "--format", "pdf")

    assert result.code == 0, result.err
    links = pdf_links(project / "build" / "bk.pdf")
    # In reading order: the text's links, then its note's (a page footnote).
    assert [dest for chapter, dest in links if chapter == "one"] == [
        "d2-same", "d1-same", "d2-document", "d2-same", "d1-same",
    ]  # fmt: skip
    assert [dest for chapter, dest in links if chapter == "two"] == [
        "d1-same", "d2-same", "d1-same", "d1-same", "d2-same",
    ]  # fmt: skip


def test_an_id_only_the_namesake_has_is_an_error_at_the_link(project, run_cli) -> None:
    write_book(
        project,
        {
            "source/bk/book.yaml": "title: Bk\ndocuments:\n  - one/ch.md\n  - two/ch.md\n",
            "source/bk/one/ch.md": FRONT.format(title="One") + "# Only one {#only-one}\n",
            "source/bk/two/ch.md": FRONT.format(title="Two")
            + "Text.\n\nSee [here](ch.md#only-one) and [there](../two/ch.md#only-one).\n",
        },
    )

    result = run_cli("build", "source/bk")

    assert result.code == 1
    says = "has no heading or element with the id 'only-one'"
    assert sorted(result.err.splitlines()) == [
        f"source/bk/two/ch.md:7: the link to '../two/ch.md#only-one' leads nowhere: "
        f"source/bk/two/ch.md {says}",
        f"source/bk/two/ch.md:7: the link to 'ch.md#only-one' leads nowhere: "
        f"source/bk/two/ch.md {says}",
    ]
    assert not (project / "build" / "bk.epub").exists()


def test_a_document_alone_never_links_to_its_namesake(project, run_cli) -> None:
    write_book(
        project,
        {
            "source/a/ch.md": FRONT.format(title="A") + "Read [B](../b/ch.md#x).\n\n# X {#x}\n",
            "source/b/ch.md": FRONT.format(title="B") + "# X {#x}\n",
        },
    )

    result = run_cli("build", "source/a/ch.md", "--format", "epub")

    assert result.code == 0
    assert "source/a/ch.md:5: warning: the link to '../b/ch.md#x' leads to nothing" in result.err
    with zipfile.ZipFile(project / "build" / "ch.epub") as book:
        text = book.read("EPUB/text.xhtml").decode()
    assert "Read B." in text and 'href="#x"' not in text and "ch.md" not in text
