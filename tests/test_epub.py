"""The EPUB a reader gets: valid for EPUBCheck, notes that pop up and lead back, a header
page and package metadata that say what the text is.

Each book is built through the real pipeline (reader → templates → writer). EPUBCheck
starts a JVM per call, so only three books are checked: the seed letter, a document using
every header field and note form, and the golden fixture.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
from pathlib import Path

import pytest
from epub_helpers import (
    EPUB_TYPE,
    FIXTURES,
    GOLDEN,
    NS,
    SEED_LETTER,
    OpenedEpub,
    Page,
    build_epub,
    epubcheck_problems,
    tiny_png,
)

from publish.errors import OutputError, ResourceError
from publish.reader import read_document


def copy_source(source: Path, folder: Path) -> Path:
    """A copy of the source, dated as the original: the same input for a build."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(source, folder / source.name))


def w3c_time(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(int(seconds), datetime.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def build_without_epoch(source: Path, project_root: Path | None = None) -> Path:
    """Build with the dates the source gives, whatever SOURCE_DATE_EPOCH the shell has."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        return build_epub(source, project_root)


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed letter, built once for the tests that only read it."""
    return build_without_epoch(copy_source(SEED_LETTER, tmp_path_factory.mktemp("letter")))


@pytest.fixture(scope="module")
def rich_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every header field, a note called twice, an inline note, a long note, headings, an image."""
    folder = tmp_path_factory.mktemp("rich")
    (folder / "images").mkdir()
    (folder / "images" / "figura.png").write_bytes(tiny_png())
    return build_without_epoch(copy_source(FIXTURES / "epub-everything.md", folder))


def text_page(book: OpenedEpub) -> Page:
    """The text page, after the cover and the header page."""
    return book.spine_page("text.xhtml")


def assert_notes_link_both_ways(page: Page) -> None:
    """Each call opens a footnote aside that links back to it, and each way back lands on a call."""
    calls = page.tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS)
    assert calls, "the text calls no notes"
    for call in calls:
        assert call.get("role") == "doc-noteref"
        assert call.find("x:sup", NS) is None, "a <sup> inside the call stops Apple Books' pop-up"
        note = page.by_id(call.get("href").removeprefix("#"))
        assert note is not None, f"call {call.get('id')} points nowhere"
        assert (note.tag, note.get(EPUB_TYPE)) == (f"{{{NS['x']}}}aside", "footnote")
        assert note.get("role") == "doc-footnote"
        backs = note.xpath(".//x:a[@role='doc-backlink']/@href", namespaces=NS)
        assert f"#{call.get('id')}" in backs, f"note {note.get('id')} has no way back to its call"
    for back in page.tree.xpath("//x:a[@role='doc-backlink']", namespaces=NS):
        target = page.by_id(back.get("href").removeprefix("#"))
        assert target is not None and target.get(EPUB_TYPE) == "noteref"


# The seed letter


def test_the_seed_letter_passes_epubcheck_without_errors_or_warnings(letter: Path) -> None:
    problems = epubcheck_problems(letter)
    assert problems == [], "EPUBCheck:\n" + "\n".join(problems)


def test_the_letters_two_notes_pop_up_and_lead_back(letter: Path) -> None:
    page = text_page(OpenedEpub(letter))
    assert_notes_link_both_ways(page)
    assert [a.get("id") for a in page.tree.xpath("//x:aside", namespaces=NS)] == ["fn-1", "fn-2"]


def test_the_letters_package_says_who_wrote_what_when(letter: Path) -> None:
    book = OpenedEpub(letter)
    [title] = book.metadata("title")
    [creator] = book.metadata("creator")
    assert title.text == "[La represión en la URSS]"
    assert creator.text == "León Trotsky"
    assert book.meta_property("role", refines=f"#{creator.get('id')}") == ["aut"]
    assert [d.text for d in book.metadata("date")] == ["1936-02-12"]
    assert [lang.text for lang in book.metadata("language")] == ["es"]
    [source] = book.metadata("source")
    assert "en Oeuvres, Tomo 8, Institut Léon Trotsky" in source.text  # plain text, no *
    [identifier] = book.metadata("identifier")
    assert identifier.text == read_document(SEED_LETTER).meta.identifier
    assert book.meta_property("dcterms:modified") == [w3c_time(SEED_LETTER.stat().st_mtime)]


def test_the_letter_opens_on_a_title_page_then_its_copyright_page(letter: Path) -> None:
    """Who wrote what and when on the title page; the original's source and the contact on
    the copyright page after it, which reading systems and assistive technology know."""
    book = OpenedEpub(letter)
    header = book.spine_page("header.xhtml")
    text = header.text()
    for shown in ("[La represión en la URSS]", "León Trotsky", "12 de febrero de 1936"):
        assert shown in text
    assert "germinal_1917@yahoo.es" not in text
    assert header.tree.get("lang") == "es"
    assert header.tree.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    copyright_page = book.spine_page("copyright.xhtml")
    for shown in (
        "Fuente: Versión al castellano desde “[La répression en URSS]”, en Oeuvres, Tomo 8",
        "Contacto: germinal_1917@yahoo.es",
    ):
        assert shown in copyright_page.text()
    assert copyright_page.tree.xpath("//*[@epub:type='copyright-page']", namespaces=NS)
    assert copyright_page.tree.xpath("//x:em/text()", namespaces=NS) == ["Oeuvres"]
    links = copyright_page.tree.xpath("//x:a/@href", namespaces=NS)
    assert links == ["mailto:germinal_1917@yahoo.es"]
    spine = [page.name.rsplit("/", 1)[-1] for page in book.spine()]
    assert spine[:3] == ["cover.xhtml", "header.xhtml", "copyright.xhtml"]


def test_the_letters_text_page_has_its_title_style_and_every_paragraph(letter: Path) -> None:
    book = OpenedEpub(letter)
    page = text_page(book)
    assert page.tree.xpath("//x:h1/text()", namespaces=NS) == ["[La represión en la URSS]"]
    assert page.tree.findtext("x:head/x:title", namespaces=NS) == "[La represión en la URSS]"
    [css] = page.tree.xpath("//x:link[@rel='stylesheet']/@href", namespaces=NS)
    assert b"hyphens: auto" in book.zip.read(book.resolve(css))
    assert "Estimado camarada Muste," in page.text()
    assert "nuestra alianza bajo la bandera de la IV Internacional" in page.text()


def test_a_book_is_dated_when_its_newest_input_changed_never_by_its_texts_date(
    project: Path, write_source
) -> None:
    """`dcterms:modified` is the release's date: an edit to the text or to the project's
    style sheet moves it; the 1936 date of the letter never stands in for it."""
    source = write_source("letter.md", "---\ntitle: A letter\ndate: 1936-02-12\n---\n\nText.\n")
    for path in (source, project / "publish.toml"):  # the project's settings are an input too
        os.utime(path, (1_700_000_000, 1_700_000_000))
    modified = lambda: OpenedEpub(build_without_epoch(source, project)).meta_property(  # noqa: E731
        "dcterms:modified"
    )
    assert modified() == ["2023-11-14T22:13:20Z"]
    (project / "styles").mkdir()
    (project / "styles" / "epub.css").write_text("p { text-indent: 2em; }\n")
    os.utime(project / "styles" / "epub.css", (1_800_000_000, 1_800_000_000))
    assert modified() == ["2027-01-15T08:00:00Z"]


def test_source_date_epoch_dates_the_book(
    project: Path, write_source, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_source("letter.md", "---\ntitle: A letter\ndate: 1936-02-12\n---\n\nText.\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    epub = build_epub(source, project)
    assert OpenedEpub(epub).meta_property("dcterms:modified") == ["2020-09-13T12:26:40Z"]


def test_building_the_same_source_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    first = build_without_epoch(copy_source(SEED_LETTER, tmp_path / "a"))
    second = build_without_epoch(copy_source(SEED_LETTER, tmp_path / "b"))
    assert first.read_bytes() == second.read_bytes()


# A document using everything


def test_a_document_with_every_field_and_note_form_passes_epubcheck(rich_book: Path) -> None:
    problems = epubcheck_problems(rich_book)
    assert problems == [], "EPUBCheck:\n" + "\n".join(problems)


def test_a_note_called_twice_leads_back_to_both_calls(rich_book: Path) -> None:
    page = text_page(OpenedEpub(rich_book))
    assert_notes_link_both_ways(page)
    backs = page.by_id("fn-1").xpath(".//x:a[@role='doc-backlink']/@href", namespaces=NS)
    assert backs == ["#fnref-1", "#fnref-1-2"]
    long_note = page.by_id("fn-3")
    assert len(long_note.findall("x:p", NS)) == 2
    assert long_note.xpath(".//x:li/text()", namespaces=NS) == ["uno", "dos"]
    # The note's number, its link back, opens its first paragraph.
    assert page.by_id("fn-2").xpath("string(x:p)", namespaces=NS) == "2 Nota breve en línea."


def test_translators_editors_and_publisher_are_credited(rich_book: Path) -> None:
    book = OpenedEpub(rich_book)
    roles = {
        c.text: book.meta_property("role", refines=f"#{c.get('id')}")
        for c in book.metadata("creator") + book.metadata("contributor")
    }
    assert roles == {
        "Ana Autora": ["aut"],
        "Beto Autor": ["aut"],
        "Carla Traductora": ["trl"],
        "Dani Traductor": ["trl"],
        "Eva Editora": ["edt"],
    }
    assert [p.text for p in book.metadata("publisher")] == ["Ediciones Ejemplo"]
    assert [r.text for r in book.metadata("rights")] == ["Dominio público."]
    header = book.spine_page("header.xhtml").text()
    for shown in (
        "Una antología",
        "Traducción de Carla Traductora, Dani Traductor",
        "Edición de Eva Editora",
        "marzo de 1936",
        "Ediciones Ejemplo",
    ):
        assert shown in header
    copyright_page = book.spine_page("copyright.xhtml").text()
    for shown in (
        "Dominio público.",
        "Traducción de Carla Traductora, Dani Traductor",
        "Edita Ediciones Ejemplo",
    ):
        assert shown in copyright_page


def test_the_table_of_contents_lists_the_header_page_the_text_and_its_headings(
    rich_book: Path,
) -> None:
    book = OpenedEpub(rich_book)
    [nav_href] = book.opf.xpath("//opf:item[@properties='nav']/@href", namespaces=NS)
    nav = book.page(book.resolve(nav_href))
    toc = nav.tree.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)
    assert [(a.text, a.get("href")) for a in toc] == [
        ("Portada", "header.xhtml"),
        ("Cartas de prueba", "text.xhtml"),
        ("Primera parte", "text.xhtml#primera-parte"),
        ("Una sección", "text.xhtml#una-sección"),
        ("Segunda parte", "text.xhtml#segunda-parte"),
    ]
    text = text_page(book)
    assert text.by_id("una-sección").text == "Una sección"


def test_images_are_packed_into_the_book(rich_book: Path) -> None:
    book = OpenedEpub(rich_book)
    [src] = text_page(book).tree.xpath("//x:img/@src", namespaces=NS)
    assert book.zip.read(book.resolve(src)) == tiny_png()


# Errors the user can fix


def source_with_body(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "doc.md"
    source.write_text(f"---\ntitle: Images\n---\n\nIntro.\n\n{body}\n", encoding="utf-8")
    return source


def test_a_missing_image_names_the_file_and_line(tmp_path: Path) -> None:
    source = source_with_body(tmp_path, "![A figure](missing.png)")
    with pytest.raises(ResourceError, match=r"missing\.png") as caught:
        build_epub(source)
    assert str(caught.value.location).endswith("doc.md:7")
    assert not source.with_suffix(".epub").exists()


def test_an_image_outside_the_project_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(tiny_png())
    source = source_with_body(tmp_path / "project", "![A figure](../secret.png)")
    with pytest.raises(ResourceError, match="outside the project") as caught:
        build_epub(source, project_root=tmp_path / "project")
    assert caught.value.location.line == 7


def test_an_unwritable_output_is_an_output_error(tmp_path: Path) -> None:
    source = source_with_body(tmp_path, "No images.")
    source.with_suffix(".epub").mkdir()  # a folder where the book should go
    with pytest.raises(OutputError, match="cannot write"):
        build_epub(source)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# Golden file


def test_the_text_page_matches_its_golden_file(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Any change to the EPUB's text markup shows here; `pytest --regen-golden` accepts it."""
    epub_path = build_without_epoch(copy_source(FIXTURES / "golden-notes.md", tmp_path))
    book = OpenedEpub(epub_path)
    rendered = book.zip.read(text_page(book).name).decode("utf-8")
    golden = GOLDEN / "golden-notes.text.xhtml"
    if request.config.getoption("--regen-golden"):
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")
    problems = epubcheck_problems(epub_path)  # English, a year-only date
    assert problems == [], "EPUBCheck:\n" + "\n".join(problems)
    assert re.search(
        r'<time datetime="1792">1792</time>', book.zip.read("EPUB/header.xhtml").decode()
    )
