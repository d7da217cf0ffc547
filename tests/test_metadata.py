"""Pandoc's metadata: people with affiliations, keywords, abstract, a date as written,
a dedication and the contents' depth and title, in the EPUB and in the PDF; and every
problem of a header told in one run."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from publish import model as m
from publish.errors import SourceErrors
from publish.reader import read_document
from tests.epub_helpers import NS, OpenedEpub, build_epub, epubcheck_problems
from tests.pdf_helpers import build_pdf, page_texts

# A letter from an archive, with the header a Pandoc user writes.
LETTER = """\
---
title: Carta a Engels
subtitle: Desde el exilio
author:
  - name: Jenny Marx
    affiliation: Archivo Familiar de Londres
    email: jenny@example.org
  - Helene Demuth
translator:
  - name: Ana Ruiz
    affiliation: [Universidad de Sevilla]
keywords: [cartas, exilio, Londres]
subject: cartas
abstract: |
  Una carta *sobre* el exilio.

  Escrita en Londres.
date: c. 1830
lang: es
dedication: |
  A la memoria de *Franziska*.
toc-depth: 1
toc-title: Lo que contiene
---

Querido amigo:

# Primera parte

Texto de la primera parte.

## Un apartado

Texto del apartado.

# Segunda parte

Texto de la segunda parte.
"""


@pytest.fixture
def letter(write_source):
    return write_source("carta.md", LETTER)


def test_the_header_reads_pandocs_metadata(letter) -> None:
    meta = read_document(letter).meta

    assert meta.authors == ("Jenny Marx", "Helene Demuth")
    assert meta.affiliation("Jenny Marx") == "Archivo Familiar de Londres"
    assert meta.affiliation("Ana Ruiz") == "Universidad de Sevilla"
    assert meta.subjects == ("cartas", "exilio", "Londres")
    assert meta.description == "Una carta sobre el exilio. Escrita en Londres."
    assert (meta.date, meta.date_text) == (m.PartialDate(1830), "c. 1830")
    assert meta.toc_depth == 1 and meta.toc_title == "Lo que contiene"


@pytest.mark.parametrize(
    "written, machine, shown",
    [
        ("c. 1830", m.PartialDate(1830), "c. 1830"),
        ("'[1829?]'", m.PartialDate(1829), "[1829?]"),
        ("primavera de 1848", m.PartialDate(1848), "primavera de 1848"),
        ("sin fecha", None, "sin fecha"),
        ("1936-02-12", m.PartialDate(1936, 2, 12), ""),  # exact: printed «12 de febrero…»
        ("'1936-02'", m.PartialDate(1936, 2), ""),
    ],
)
def test_a_date_is_kept_as_written_with_a_machine_date_when_one_can_be_found(
    write_source, written, machine, shown
) -> None:
    source = write_source("d.md", f"---\ntitle: T\ndate: {written}\n---\n\nText.\n")

    meta = read_document(source).meta

    assert (meta.date, meta.date_text) == (machine, shown)


def test_the_epub_carries_the_metadata_and_shows_it(letter) -> None:
    epub = build_epub(letter)

    assert epubcheck_problems(epub) == []
    book = OpenedEpub(epub)
    assert [s.text for s in book.metadata("subject")] == ["cartas", "exilio", "Londres"]
    descriptions = [d.text for d in book.metadata("description")]
    # The second says what calibre keeps no field for (and so would drop from its AZW3).
    assert descriptions == [
        "Una carta sobre el exilio. Escrita en Londres.",
        "Traducción de Ana Ruiz.",
    ]
    assert [d.text for d in book.metadata("date")] == ["1830"]
    titles = {t.get("id"): t.text for t in book.metadata("title")}
    assert titles == {"title": "Carta a Engels", "subtitle": "Desde el exilio"}
    assert book.meta_property("title-type", "#subtitle") == ["subtitle"]
    assert book.meta_property("title-type", "#title") == ["main"]
    affiliation = book.meta_property("schema:affiliation", "#author-1")
    assert affiliation == ["Archivo Familiar de Londres"]
    assert book.meta_property("schema:affiliation", "#trl-1") == ["Universidad de Sevilla"]

    spine = [page.name.rsplit("/", 1)[-1] for page in book.spine()]
    assert spine == ["cover.xhtml", "header.xhtml", "dedication.xhtml", "text.xhtml"]
    header = book.spine_page("header.xhtml").text()
    assert "c. 1830" in header
    assert "Jenny Marx, Archivo Familiar de Londres" in header
    dedication = book.spine_page("dedication.xhtml")
    assert dedication.text() == "A la memoria de Franziska."
    assert dedication.tree.xpath("//*[@*[local-name()='type']='dedication']")

    nav = book.nav()
    assert nav.by_id("toc-title").text == "Lo que contiene"
    entries = ["".join(a.itertext()) for a in nav.by_id("toc").iter("{*}a")]
    assert entries == ["Portada", "Carta a Engels", "Primera parte", "Segunda parte"]


def test_the_pdf_carries_the_metadata_and_shows_it(letter, tmp_path) -> None:
    pdf = build_pdf(letter, tmp_path / "carta.pdf")

    info = PdfReader(pdf).metadata
    assert info.title == "Carta a Engels"
    assert info.author == "Jenny Marx, Helene Demuth"
    assert info["/Keywords"] == "cartas, exilio, Londres"
    assert info.subject == "Una carta sobre el exilio. Escrita en Londres."
    pages = page_texts(pdf)
    assert "c. 1830" in pages[0]
    assert "Archivo Familiar de Londres" in pages[0]
    assert "Franziska" not in pages[0]
    assert pages[1].strip() == "A la memoria de Franziska."  # alone on its page, no folio
    assert "Querido amigo" in pages[2]


def test_a_document_with_toc_prints_its_contents(write_source, tmp_path) -> None:
    source = write_source(
        "toc.md",
        "---\ntitle: T\ntoc: true\ntoc-title: Índice general\n---\n\n"
        "# Uno\n\nTexto.\n\n## Uno y medio\n\nMás.\n\n# Dos\n\nFin.\n",
    )

    pages = page_texts(build_pdf(source, tmp_path / "toc.pdf"))
    book = OpenedEpub(build_epub(source))

    assert "Índice general" in pages[0]
    assert "Uno y medio" in pages[0].split("Texto.")[0]  # listed before the text begins
    assert "nav.xhtml" in [page.name.rsplit("/", 1)[-1] for page in book.spine()]


def test_a_book_without_toc_keeps_its_nav_out_of_the_reading_order(project, write_source) -> None:
    """…and its documents' dedications open their chapters."""
    from publish.reader import read_book
    from publish.render import template_environment
    from publish.writers.epub import write_epub

    write_source("a.md", "---\ntitle: A\ndedication: To *G.*\n---\n\n# Part\n\nText.\n")
    yaml = "title: Book\ntoc: false\ndedication: For *F.*\ndocuments: [../a.md]\n"
    (project / "source" / "book").mkdir()
    (project / "source" / "book" / "book.yaml").write_text(yaml)
    book = read_book(project / "source" / "book" / "book.yaml", project_root=project)
    out = project / "book.epub"
    write_epub(book, template_environment(), out)

    assert epubcheck_problems(out) == []
    linear = [page.name.rsplit("/", 1)[-1] for page in OpenedEpub(out).spine()]
    assert linear == ["cover.xhtml", "header.xhtml", "dedication.xhtml", "chapter-01.xhtml"]
    # The nav is out of the spine: a non-linear page is one calibre's checker warns of.
    assert "nav.xhtml" not in [p.name.rsplit("/", 1)[-1] for p in OpenedEpub(out).spine(False)]
    assert OpenedEpub(out).nav().tree.xpath("//x:nav[@epub:type='toc']", namespaces=NS)
    chapter = OpenedEpub(out).spine_page("chapter-01.xhtml")
    assert "".join(chapter.tree.xpath("//*[@class='dedication']//text()")).strip() == "To G."


def test_every_problem_of_a_header_is_told_in_one_run(write_source, run_cli) -> None:
    source = write_source(
        "bad.md",
        "---\ntitle: T\nauthor: 3\ntoc-depth: 9\ndate: 1936-02-31\nnotes: margin\n---\n\nText.\n",
    )

    with pytest.raises(SourceErrors) as raised:
        read_document(source)

    told = [(e.location.line, e.message) for e in raised.value.errors]
    assert [line for line, _ in told] == [3, 4, 5, 6]
    assert "'author' must be a name" in told[0][1]
    assert "'toc-depth' must be a heading level from 1 to 6" in told[1][1]
    assert "is not a real date" in told[2][1]
    assert "setting 'notes' must be one of" in told[3][1]
    assert run_cli("check", "source/bad.md").code == 1


def test_a_misspelt_key_gets_a_suggestion(write_source, run_cli) -> None:
    write_source("typo.md", "---\ntitle: T\ntitel: U\ntoc-dept: 2\npdf-varient: x\n---\n\nText.\n")

    result = run_cli("check", "source/typo.md")

    assert result.code == 0
    assert (
        "source/typo.md:3: warning: unknown front matter key 'titel' is ignored; "
        "did you mean 'title'?" in result.err
    )
    assert "did you mean 'toc-depth'?" in result.err
    assert "did you mean 'pdf-variant'?" in result.err  # a setting is a known key too
