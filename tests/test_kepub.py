"""`--format kepub`: the EPUB for Kobo's readers, `NAME.kepub.epub`, as Kobo's own conversion
and kepubify (github.com/pgaskin/kepubify, kepub/transform.go) make it.

A reader with a Kobo builds the letter with `--format kepub`, copies the file to the reader
and opens it: every sentence is a span Kobo can highlight and bookmark (`kobo.P.S`, counted
as kepubify counts), the text reads as in the EPUB, and a note call still opens its note,
whose back link returns to the call.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import epubcheck_problems
from epub_helpers import EPUB_TYPE, NS, OpenedEpub, active_parts
from lxml import etree
from reading_books import BOOKS, KEPUB
from reading_engines import ARTIFACTS

from publish.cli import main
from publish.writers.kepub import (
    KOBO_STYLE,
    KOBO_STYLE_CLASS,
    add_kobo_spans,
    close_explicitly,
    split_sentences,
)
from tests.epubcheck_batch import epubcheck_many

KOBO_SPAN = re.compile(r"kobo\.(\d+)\.(\d+)")

LETTER = """\
---
title: A Letter to Kobo
author: Ada Example
date: 2024-05-01
lang: en
---

Dear reader,

The first sentence is here. The second one shouts! Does the third ask? Yes.

A sentence with a note[^1]. And one after it.

[^1]: The note has its own text. It has two sentences.
"""


# kepubify's sentences


def kepubify_regexp_split(text: str) -> list[str]:
    """kepubify's first, regexp-based splitSentences (kepub/transform_test.go), which its
    state machine is tested against: `((?ms).*?[\\.\\!\\?]['"”’“…]?\\s+)`, Go's \\s being
    ASCII white space."""
    matches = list(re.finditer(r"(.*?[.!?]['\"”’“…]?[\t\n\f\r ]+)", text, re.S | re.M))
    if not matches:
        return [text]
    pieces, position = [], 0
    for match in matches:
        pieces.append(text[position : match.end()])
        position = match.end()
    if position < len(text):
        pieces.append(text[position:])
    return pieces


# kepubify's own test sentences (kepub/transform_test.go, testSentences), less the invalid
# UTF-8 ones a Python string cannot hold.
KEPUBIFY_SENTENCES = [
    " ! Lorem ipsum dolor, sit amet. Consectetur adipiscing elit?\n Sed do eiusmod tempor "
    'incididunt!?! Ut labore et dolore "magna aliqua.". Ut enim ad “minim veniam”, quis '
    "nostrud exercitation 'ullamco laboris' nisi ut aliquip ex ea commodo consequat?… Duis "
    "aute irure dolor in reprehenderit in voluptate velit’s esse cillum dolore eu fugiat nulla "
    "pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia "
    "deserunt mollit anim id est laborum.      sdfsdfsdf",
    "Lorem ipsum dolor, sit amet. Consectetur adipiscing elit? Sed do eiusmod tempor "
    "incididunt!?! Ut labore et dolore magna aliqua.",
    "Lorem ipsum dolor sit amet. Consectetur adipiscing elit ut labore et dolore magna "
    "aliqua. " * 40,
    "                                ",
    "...       !!!       ???       .'.'.'.'   ",
    "test\u00a0.\u0080.\u00a0.",
    "",
    "🌝. 🌝      🌝.    🌝",
    "!",
    "? ",
    "? ?",
    "?  ",
    "  ?  ",
    " ?'  .",
    " ?'  .   ",
]


@pytest.mark.parametrize("text", KEPUBIFY_SENTENCES)
def test_sentences_split_as_kepubify_splits_them(text: str) -> None:
    """A sentence ends after `.`, `!` or `?`, one closing quote, and white space, which
    stays with it; nothing is lost."""
    assert split_sentences(text) == kepubify_regexp_split(text)
    assert "".join(split_sentences(text)) == text


# kepubify's own cases for transformContentKoboSpans (kepub/transform_test.go), as XHTML.
KEPUBIFY_SPAN_CASES = {
    "a segment per sentence, from 1": (
        "<p>Sentence 1. Sentence 2. Sentence 3.</p>",
        '<p><span class="koboSpan" id="kobo.1.1">Sentence 1. </span><span class="koboSpan" '
        'id="kobo.1.2">Sentence 2. </span><span class="koboSpan" id="kobo.1.3">Sentence 3.'
        "</span></p>",
    ),
    "a paragraph per p, ul, ol or table": (
        "<p>Sentence 1. Sentence 2.</p><p>Sentence 3.</p><ul><li>Sentence 4</li><li>Sentence 5"
        "</li></ul><ol><li>Sentence 6</li><li>Sentence 7</li></ol><table><tbody><tr><td>Test"
        "</td></tr><tr><td>Test</td></tr></tbody></table>",
        '<p><span class="koboSpan" id="kobo.1.1">Sentence 1. </span><span class="koboSpan" '
        'id="kobo.1.2">Sentence 2.</span></p><p><span class="koboSpan" id="kobo.2.1">Sentence '
        '3.</span></p><ul><li><span class="koboSpan" id="kobo.3.1">Sentence 4</span></li><li>'
        '<span class="koboSpan" id="kobo.3.2">Sentence 5</span></li></ul><ol><li><span '
        'class="koboSpan" id="kobo.4.1">Sentence 6</span></li><li><span class="koboSpan" '
        'id="kobo.4.2">Sentence 7</span></li></ol><table><tbody><tr><td><span class="koboSpan" '
        'id="kobo.5.1">Test</span></td></tr><tr><td><span class="koboSpan" id="kobo.5.2">Test'
        "</span></td></tr></tbody></table>",
    ),
    "stray text joins the next sentence": (
        "<p>Sentence 1. Sentence 2. Stray text\nAnother sentence.</p>",
        '<p><span class="koboSpan" id="kobo.1.1">Sentence 1. </span><span class="koboSpan" '
        'id="kobo.1.2">Sentence 2. </span><span class="koboSpan" id="kobo.1.3">Stray text\n'
        "Another sentence.</span></p>",
    ),
    "white space outside a p is kept bare": (
        "<p>This is a test.\n    This is another sentence on the next line.<span> </span>"
        "Another sentence.</p>\n    <p>Another paragraph.</p><p> </p><p></p>",
        '<p><span class="koboSpan" id="kobo.1.1">This is a test.\n    </span><span '
        'class="koboSpan" id="kobo.1.2">This is another sentence on the next line.</span>'
        '<span> </span><span class="koboSpan" id="kobo.1.3">Another sentence.</span></p>\n'
        '    <p><span class="koboSpan" id="kobo.2.1">Another paragraph.</span></p><p><span '
        'class="koboSpan" id="kobo.3.1"> </span></p><p></p>',
    ),
    "segments split on nested formatting and links": (
        '<p>Sentence<b> 1. Sente<i>nce <span>2. Se</span>nt</i>en<a href="test.html">ce 3. '
        "Another word</a></b></p>",
        '<p><span class="koboSpan" id="kobo.1.1">Sentence</span><b><span class="koboSpan" '
        'id="kobo.1.2"> 1. </span><span class="koboSpan" id="kobo.1.3">Sente</span><i><span '
        'class="koboSpan" id="kobo.1.4">nce </span><span><span class="koboSpan" id="kobo.1.5">'
        '2. </span><span class="koboSpan" id="kobo.1.6">Se</span></span><span class="koboSpan" '
        'id="kobo.1.7">nt</span></i><span class="koboSpan" id="kobo.1.8">en</span><a '
        'href="test.html"><span class="koboSpan" id="kobo.1.9">ce 3. </span><span '
        'class="koboSpan" id="kobo.1.10">Another word</span></a></b></p>',
    ),
    "script, style, pre, audio and video untouched": (
        "<p>Touch this.</p><script>not this</script><style>or this</style><pre>or this</pre>"
        "<audio>or this</audio><video>or this</video><p>Touch this.</p>",
        '<p><span class="koboSpan" id="kobo.1.1">Touch this.</span></p><script>not this'
        "</script><style>or this</style><pre>or this</pre><audio>or this</audio><video>or this"
        '</video><p><span class="koboSpan" id="kobo.2.1">Touch this.</span></p>',
    ),
    "an image is a paragraph in a span": (
        '<p>One.</p><img src="test"/><p>Three.</p>',
        '<p><span class="koboSpan" id="kobo.1.1">One.</span></p><span class="koboSpan" '
        'id="kobo.2.1"><img src="test"/></span><p><span class="koboSpan" id="kobo.3.1">Three.'
        "</span></p>",
    ),
    "no new paragraph without a span": (
        "<p>One.</p><p> </p><p><!-- comment --></p><p>Two.</p><p><b>Three.</b></p>",
        '<p><span class="koboSpan" id="kobo.1.1">One.</span></p><p><span class="koboSpan" '
        'id="kobo.2.1"> </span></p><p><!-- comment --></p><p><span class="koboSpan" '
        'id="kobo.3.1">Two.</span></p><p><b><span class="koboSpan" id="kobo.4.1">Three.</span>'
        "</b></p>",
    ),
    "svg and math untouched": (
        '<svg xmlns="http://www.w3.org/2000/svg"><g><text y="20">kepubify</text></g></svg>'
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi><mo>=</mo></math>',
        '<svg xmlns="http://www.w3.org/2000/svg"><g><text y="20">kepubify</text></g></svg>'
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi><mo>=</mo></math>',
    ),
    "headings are paragraphs; no split after a colon or a period without space": (
        '<div class="c"><p class="ad"><img src="a.jpg" alt="image"/></p></div>\n    <h2>The '
        "Collection: All Of Your Favourite Classic Stories</h2>\n    <p></p>\n    <p>Carr, "
        "A.R.</p>",
        '<div class="c"><p class="ad"><span class="koboSpan" id="kobo.1.1"><img src="a.jpg" '
        'alt="image"/></span></p></div>\n    <h2><span class="koboSpan" id="kobo.2.1">The '
        "Collection: All Of Your Favourite Classic Stories</span></h2>\n    <p></p>\n    <p>"
        '<span class="koboSpan" id="kobo.3.1">Carr, A.R.</span></p>',
    ),
}


@pytest.mark.parametrize("case", KEPUBIFY_SPAN_CASES, ids=list(KEPUBIFY_SPAN_CASES))
def test_spans_are_numbered_as_kepubify_numbers_them(case: str) -> None:
    given, expected = KEPUBIFY_SPAN_CASES[case]
    body = etree.fromstring(f'<body xmlns="http://www.w3.org/1999/xhtml">{given}</body>')
    add_kobo_spans(body)
    close_explicitly(body)
    inside = etree.tostring(body, encoding="unicode")
    inside = inside.split(">", 1)[1].rsplit("</body>", 1)[0]
    assert inside == expected


# The reader's story


def test_a_reader_builds_the_letter_for_her_kobo(project, write_source, run_cli) -> None:
    """`--format kepub` writes NAME.kepub.epub (and nothing else); each sentence of a
    paragraph is a koboSpan of its own, numbered as kepubify numbers it; the note call still
    opens its note, whose back link returns to the call; EPUBCheck finds nothing; the text
    reads as the EPUB's; a rebuild gives the same bytes."""
    write_source("letter.md", LETTER)
    result = run_cli("build", "--format", "kepub", "--out", "build")
    assert result.code == 0, result.err
    assert sorted(p.name for p in (project / "build").glob("*.epub")) == ["letter.kepub.epub"]
    assert "letter.kepub.epub" in "".join(result.out.split())  # the summary names it
    kepub = project / "build" / "letter.kepub.epub"
    text = OpenedEpub(kepub).spine_page("text.xhtml")

    paragraphs = text.tree.findall(".//x:p", NS)
    second = [span_of(s) for s in paragraphs[1].findall("x:span", NS)]
    # The title is kepubify's paragraph 1, "Dear reader," 2, this paragraph 3.
    assert second == [
        ("kobo.3.1", "The first sentence is here. "),
        ("kobo.3.2", "The second one shouts! "),
        ("kobo.3.3", "Does the third ask? "),
        ("kobo.3.4", "Yes."),
    ]

    # The call is a link to an aside Kobo shows as a pop-up; its back link leads back.
    [call] = text.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS)
    assert "".join(call.itertext()) == "1"
    note = text.by_id(call.get("href").lstrip("#"))
    assert note.tag == f"{{{NS['x']}}}aside" and note.get(EPUB_TYPE) == "footnote"
    [back] = note.xpath(".//x:a[@role='doc-backlink']", namespaces=NS)
    assert back.get("href") == f"#{call.get('id')}"
    note_spans = [span_of(s) for s in note.iter(f"{{{NS['x']}}}span") if is_kobo(s)]
    assert tuple(t.strip() for _, t in note_spans if t.strip() not in ("", "1")) == (
        "The note has its own text.",
        "It has two sentences.",
    )

    assert epubcheck_problems(kepub) == []
    assert active_parts(kepub) == []

    assert run_cli("build", "--format", "epub", "--out", "build").code == 0
    assert page_texts(kepub) == page_texts(project / "build" / "letter.epub")

    before = kepub.read_bytes()
    assert run_cli("build", "--format", "kepub", "--out", "build", "--force").code == 0
    assert kepub.read_bytes() == before


def test_every_page_is_wrapped_and_styled_as_kobo_does(project, write_source, run_cli) -> None:
    """Each page's body holds `div#book-columns > div#book-inner` and nothing else, its head
    ends with the kobostylehacks style; every koboSpan id is unique in its page."""
    write_source("letter.md", LETTER)
    assert run_cli("build", "--format", "kepub").code == 0
    book = OpenedEpub(project / "build" / "letter.kepub.epub")
    for page in book.spine(linear_only=False):
        body = page.tree.find("x:body", NS)
        [columns] = body
        assert columns.get("id") == "book-columns" and not (body.text or "").strip()
        [inner] = columns
        assert inner.get("id") == "book-inner"
        style = page.tree.find("x:head", NS)[-1]
        assert style.tag == f"{{{NS['x']}}}style" and style.get("class") == KOBO_STYLE_CLASS
        assert style.text == KOBO_STYLE
        ids = [s.get("id") for s in page.tree.iter(f"{{{NS['x']}}}span") if is_kobo(s)]
        assert ids and len(ids) == len(set(ids)), page.name


def test_all_stays_the_epub_and_the_pdf_and_kepub_has_its_cache(
    seed_letter, project, run_cli
) -> None:
    """`--format all` writes no KEPUB; a second `--format kepub` finds it up to date."""
    assert run_cli("build", "--format", "all").code == 0
    assert not list((project / "build").glob("*.kepub.epub"))
    assert run_cli("build", "--format", "kepub").code == 0
    again = run_cli("build", "--format", "kepub")
    assert again.code == 0 and "up to date" in again.out


def test_an_id_of_the_text_that_a_kobo_span_would_take_is_moved(
    project, write_source, run_cli
) -> None:
    """A heading the author named `kobo.2.1` (kepubify's id for the heading's own span)
    keeps a link to it working: its id becomes `publish-kobo.2.1` in the KEPUB, the link,
    the contents and the NCX follow, and every id stays unique (EPUBCheck finds nothing)."""
    write_source(
        "letter.md",
        "---\ntitle: Ids\nlang: en\n---\n\n# A heading {#kobo.2.1}\n\n"
        "Back to [the heading](#kobo.2.1). Then more.\n",
    )
    assert run_cli("build", "--format", "kepub").code == 0
    kepub = project / "build" / "letter.kepub.epub"
    assert epubcheck_problems(kepub) == []
    text = OpenedEpub(kepub).spine_page("text.xhtml")
    [link] = text.tree.xpath("//x:a[starts-with(@href, '#')]", namespaces=NS)
    heading = text.by_id(link.get("href")[1:])
    assert heading.tag == f"{{{NS['x']}}}h1" and "".join(heading.itertext()) == "A heading"
    assert link.get("href") == "#publish-kobo.2.1"
    assert "text.xhtml#publish-kobo.2.1" in OpenedEpub(kepub).zip.read("EPUB/toc.ncx").decode()


def test_a_failed_kepub_leaves_the_last_one_and_names_itself(
    project, write_source, run_cli, monkeypatch
) -> None:
    """When the EPUB it is made from cannot be written, the error names the KEPUB, and the
    KEPUB of the last build stays as it was, with no temporary file left beside it."""
    from publish.errors import OutputError, SourceLocation
    from publish.writers import kepub as kepub_writer

    write_source("letter.md", LETTER)
    assert run_cli("build", "--format", "kepub").code == 0
    kepub = project / "build" / "letter.kepub.epub"
    before = kepub.read_bytes()

    def full_disk(_target, _env, out_path, **_options) -> None:
        raise OutputError(
            "cannot write the EPUB: No space left on device", SourceLocation(str(out_path))
        )

    monkeypatch.setattr(kepub_writer, "write_epub", full_disk)
    result = run_cli("build", "--format", "kepub", "--force", "--jobs", "1")
    assert result.code == 1
    assert f"{Path('build') / 'letter.kepub.epub'}: cannot write the KEPUB: No space" in result.err
    assert kepub.read_bytes() == before
    assert sorted(p.name for p in (project / "build").iterdir() if p.name.startswith(".")) == [
        ".publish-cache.json",
        ".publish.lock",
    ]


# The samples, the corpus book and the book of 150 notes


@pytest.fixture(scope="session")
def kepub_of(reading_book):
    """`kepub_of(name, notes)`: reading_books.BOOKS[name] as a KEPUB and as an EPUB, both
    built with that `notes` setting."""
    kepub = {"chapter": KEPUB, "book": f"{KEPUB}-book"}
    return lambda name, notes: (reading_book(name, kepub[notes]), reading_book(name, notes))


READING = [(name, notes) for name in BOOKS for notes in ("chapter", "book")]


@pytest.fixture(scope="module")
def kepub_problems(kepub_of) -> dict[Path, list[str]]:
    """EPUBCheck's findings on every KEPUB of READING, in one JVM."""
    return epubcheck_many(kepub_of(name, notes)[0] for name, notes in READING)


@pytest.mark.parametrize(("name", "notes"), READING)
def test_each_book_as_a_kepub_reads_as_its_epub(
    kepub_of, kepub_problems, name: str, notes: str
) -> None:
    """EPUBCheck finds nothing; the text of each page is the EPUB's; every paragraph's text
    is all inside koboSpans; every note call leads to its aside and every back link to a
    call, as in the EPUB."""
    kepub, epub = kepub_of(name, notes)
    assert kepub_problems[kepub] == []
    assert page_texts(kepub) == page_texts(epub)
    assert note_links(kepub) == note_links(epub)
    for page in OpenedEpub(kepub).spine(linear_only=False):
        for paragraph in page.tree.iter(f"{{{NS['x']}}}p"):
            bare = [t for t in bare_text(paragraph) if t.strip()]
            assert not bare, (page.name, bare)


# Helpers


def is_kobo(element: etree._Element) -> bool:
    return element.get("class") == "koboSpan" and bool(KOBO_SPAN.fullmatch(element.get("id", "")))


def span_of(span: etree._Element) -> tuple[str, str]:
    assert is_kobo(span)
    return span.get("id"), "".join(span.itertext())


def page_texts(path: Path) -> list[tuple[str, str]]:
    return [(p.name, p.text()) for p in OpenedEpub(path).spine(linear_only=False)]


def bare_text(element: etree._Element) -> list[str]:
    """Text under `element` that no koboSpan holds (MathML and SVG aside)."""
    if etree.QName(element).localname in ("math", "svg") or is_kobo(element):
        return []
    found = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            found += bare_text(child)
        found.append(child.tail or "")
    return found


def note_links(path: Path) -> list[tuple[str, str, str, str]]:
    """(page, call id, note page, note id) for each call, and where each back link leads:
    the kepub's must be the EPUB's, each leading to a note (an aside epub:type="footnote",
    or with `notes: book` an endnote on the notes page)."""
    book = OpenedEpub(path)
    pages = {p.name: p for p in book.spine(linear_only=False)}
    links = []
    for page in pages.values():
        for call in page.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS):
            where, ident = page.target(call.get("href"))
            note = pages[where].by_id(ident)
            assert note is not None and note.get(EPUB_TYPE) in ("footnote", "endnote")
            links.append((page.name, call.get("id"), where, ident))
        for back in page.tree.xpath("//x:a[@role='doc-backlink']", namespaces=NS):
            where, ident = page.target(back.get("href"))
            called = pages[where].by_id(ident)
            assert called is not None and called.get(EPUB_TYPE) == "noteref"
            links.append((page.name, "back", where, ident))
    return links


# MuPDF (PyMuPDF) lays the KEPUB out as it lays out the EPUB. (MuPDF's, Ace's and calibre's
# own tests read two KEPUBs as well: tests/test_reading_tools.py.)


@pytest.mark.parametrize("name", list(BOOKS))
def test_mupdf_lays_out_the_kepub_as_the_epub(kepub_of, name: str) -> None:
    """MuPDF opens the KEPUB at the same number of pages as the EPUB, and every link (each
    note call, each back link, the contents) leads from the same page to the same place:
    the spans and the book divs change nothing a reader sees. Its numbers and a picture of
    the first page with a link that MuPDF follows are kept in
    test-artifacts/reading-systems/."""
    import pymupdf

    kepub, epub = kepub_of(name, "chapter")
    laid_out = {path: pymupdf.open(path) for path in (kepub, epub)}
    links = {path: mupdf_links(book) for path, book in laid_out.items()}
    assert laid_out[kepub].page_count == laid_out[epub].page_count
    assert links[kepub] == links[epub]
    resolved = [link for link in links[kepub] if link[1] >= 0]
    calls = sum(
        len(p.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS))
        for p in OpenedEpub(kepub).spine(linear_only=False)
    )
    assert len(resolved) >= calls  # each call (a back link may share a place with another)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    book = laid_out[kepub]
    first_link = min((page for page, _, _ in resolved), default=0)
    book[first_link].get_pixmap(dpi=72).save(ARTIFACTS / f"mupdf-kepub-{name}-chapter.png")
    numbers = {
        "engine": "mupdf",
        "book": name,
        "format": "kepub",
        "pages": book.page_count,
        "note_calls": calls,
        "links_resolved": len(resolved),
        "links_as_in_the_epub": links[kepub] == links[epub],
    }
    (ARTIFACTS / f"mupdf-kepub-{name}-chapter.json").write_text(json.dumps(numbers, indent=1))


def mupdf_links(book) -> list[tuple[int, int, float]]:
    """(page, target page, target height) of the links MuPDF finds, each once (a link whose
    words are in several spans or lines is several boxes)."""
    return sorted(
        {
            (number, link.get("page", -1), round(link["to"].y, 1) if "to" in link else 0.0)
            for number, page in enumerate(book)
            for link in page.get_links()
        }
    )


# Every source the tests own


@pytest.fixture(scope="module")
def every_kepub(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Path, list[str]]]:
    """Every fixture, corpus book and sample (tests/test_fixtures_build.TARGETS) built as a
    KEPUB and an EPUB; EPUBCheck's findings on each KEPUB, in one JVM."""
    from tests.test_fixtures_build import TARGETS, copied_tree, make_missing_images

    root = tmp_path_factory.mktemp("kepub-project")
    copied_tree(root)
    make_missing_images(root, TARGETS)
    out = root / "build"
    for fmt in ("epub", "kepub"):
        main(["build", *(str(root / name) for name in TARGETS), "--format", fmt, "--out", str(out)])
    return out, epubcheck_many(out.glob("*.kepub.epub"))


def fixture_targets() -> list[str]:
    from tests.test_fixtures_build import TARGETS

    return TARGETS


@pytest.mark.parametrize("name", fixture_targets())
def test_every_source_as_a_kepub_passes_epubcheck_and_reads_as_its_epub(
    every_kepub, name: str
) -> None:
    """MathML, tables, code, figures, lists, quotations, notes in every block: each source's
    KEPUB passes EPUBCheck, and each page's text is its EPUB's."""
    from tests.test_fixtures_build import output_stem

    out, problems = every_kepub
    kepub = out / f"{output_stem(name)}.kepub.epub"
    assert kepub.is_file(), f"{name} built no KEPUB"
    assert problems[kepub] == [], "EPUBCheck:\n" + "\n".join(problems[kepub])
    assert page_texts(kepub) == page_texts(out / f"{output_stem(name)}.epub")
