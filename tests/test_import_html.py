"""Importing an archive's web page: the article and its notes, without the site around it,
built into both books and read back as a reader sees it; the common shapes of notes
(Pandoc's, an EPUB's asides, Wikipedia's, marxists.org's) each placed at its call; a page
that tries to reach out (scripts, entities, linked images) reads as text only."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from publish.errors import SourceError
from publish.importers import read_draft
from tests.epub_helpers import NS, OpenedEpub, epubcheck_problems
from tests.import_helpers import (
    assert_notes_at_calls,
    assert_round_trip,
    epub_metadata,
    epub_notes_at_calls,
    epub_text_words,
    import_and_build,
    is_subsequence,
    pdf_metadata,
    pdf_note_on_call_page,
    pdf_text_words,
    words,
)
from tests.pdf_helpers import page_texts

SITE = """<!DOCTYPE html>
<html lang="es">
<head>
  <meta charset="utf-8">
  <title>La represión en la URSS | Archivo Obrero</title>
  <meta name="author" content="León Trotsky">
  <meta property="article:published_time" content="2019-03-04T10:00:00Z">
  <script>document.write("GUIÓN");</script>
  <style>p {{ color: red }}</style>
  <link rel="stylesheet" href="http://127.0.0.1:9/style.css">
</head>
<body>
  <header class="site"><a href="/">ARCHIVO OBRERO</a> <form><input name="buscar" value="BUSCAR"></form></header>
  <nav><ul><li><a href="/autores">AUTORES</a></li><li><a href="/temas">TEMAS</a></li></ul></nav>
  <div class="columns">
  <article>
    <header>
      <h1>La represión en la URSS</h1>
      <p class="byline">por León Trotsky</p>
      <time datetime="1936-02-12">12 de febrero de 1936</time>
    </header>
    <p>Estimado camarada <em>Muste</em>,</p>
    <p>Le agradezco mucho su carta y el recorte del <i>New York Times</i> concerniente
       a la carta de mi <strong>esposa</strong>{call1}. Nada más.</p>
    <h2>La campaña</h2>
    <blockquote><p>Los campos de concentración son la última invención{call2} de Stalin<span class="footnote">Una nota escrita en su lugar.</span>.</p>
      <p>Esa imitación de los métodos de Hitler.</p></blockquote>
    <pre>Coyoacán,
   a 12 de febrero</pre>
    <p>Con <span style="font-style: italic">saludos</span> cordiales.</p>
    <ol><li>primer punto</li><li>segundo punto<ul><li>un subpunto</li></ul></li></ol>
    <img src="http://127.0.0.1:9/foto.jpg" alt="FOTO">
    <div class="share">COMPARTIR EN REDES</div>
    <noscript>ACTIVE JAVASCRIPT</noscript>
    {notes}
  </article>
  <aside class="sidebar"><h3 class="title">MÁS LEÍDOS</h3><p>OTRO ARTÍCULO <span class="date">1 de enero de 2020</span></p></aside>
  </div>
  <footer>COPYRIGHT DEL ARCHIVO</footer>
  <script src="http://127.0.0.1:9/tracker.js"></script>
</body>
</html>
"""
PANDOC_CALL = (
    '<a href="#fn{n}" class="footnote-ref" id="fnref{n}" role="doc-noteref"><sup>{n}</sup></a>'
)
PANDOC_NOTES = """<section class="footnotes footnotes-end-of-document" role="doc-endnotes">
<hr /><ol>
<li id="fn1"><p>Se trata de la carta de Natalia Sedova sobre su hijo <em>Serguei</em>.<a href="#fnref1" class="footnote-back" role="doc-backlink">↩︎</a></p></li>
<li id="fn2"><p>Primer párrafo de la nota.</p><p>Segundo párrafo de la nota.<a href="#fnref2" class="footnote-back" role="doc-backlink">↩︎</a></p></li>
</ol></section>"""
TEXT = (
    "Estimado camarada Muste, Le agradezco mucho su carta y el recorte del New York Times "
    "concerniente a la carta de mi esposa. Nada más. La campaña Los campos de concentración "
    "son la última invención de Stalin. Esa imitación de los métodos de Hitler. Coyoacán, a 12 "
    "de febrero Con saludos cordiales. primer punto "
    "segundo punto un subpunto"
)
NOTES = [
    ("esposa", "Se trata de la carta de Natalia Sedova sobre su hijo Serguei."),
    ("invención", "Primer párrafo de la nota. Segundo párrafo de la nota."),
    ("stalin", "Una nota escrita en su lugar."),
]
FURNITURE = "GUIÓN ARCHIVO BUSCAR AUTORES TEMAS FOTO COMPARTIR JAVASCRIPT LEÍDOS COPYRIGHT"


def page(project: Path, name: str, html: str, encoding: str = "utf-8") -> Path:
    path = project / name
    path.write_bytes(html.encode(encoding))
    return path


@pytest.fixture
def article(project: Path) -> Path:
    calls = {f"call{n}": PANDOC_CALL.format(n=n) for n in (1, 2)}
    return page(project, "represion.html", SITE.format(notes=PANDOC_NOTES, **calls))


def test_an_articles_page_is_imported_without_the_site_around_it(article: Path) -> None:
    draft = read_draft(article)
    assert draft.fields == {
        "title": "La represión en la URSS",
        "author": "León Trotsky",
        "date": "1936-02-12",
        "lang": "es",
    }
    markdown = draft.markdown()
    assert "*New York Times*" in markdown and "**esposa**[^1]" in markdown
    assert "# La campaña" in markdown  # the sections under the title, one level up
    assert (
        "> Los campos de concentración son la última invención[^2] de Stalin[^3].\n>\n> Esa"
        in markdown
    )
    assert "| Coyoacán,\n|    a 12 de febrero\n\nCon *saludos* cordiales." in markdown
    assert "1. primer punto\n\n1. segundo punto\n\n    - un subpunto\n\n[^1]" in markdown
    assert "[^2]: Primer párrafo de la nota.\n\n    Segundo párrafo de la nota." in markdown
    assert "↩" not in markdown and "\\[\\^" not in markdown
    for word in FURNITURE.split():
        assert word not in markdown
    by_what = {g.what: g for g in draft.guesses}
    assert by_what["author = León Trotsky"].where == "represion.html:19"
    assert by_what["the text is the page's <article>"].sure >= 0.8
    assert by_what["1 image(s) not imported (nothing the page links is fetched)"].needs_look
    assert [g.where for g in draft.guesses if g.kind == "note"] == [
        "represion.html:24",
        "represion.html:26",
        "represion.html:26",  # the note written at its call
    ]


def test_the_imported_page_builds_to_both_books_with_its_words_notes_and_header(
    article: Path, project: Path
) -> None:
    books = import_and_build(article, project)
    seen = epub_text_words(books.epub)
    assert is_subsequence(words(TEXT), seen)
    assert epubcheck_problems(books.epub) == []
    assert not set(words(FURNITURE)) & set(seen)
    assert_notes_at_calls(epub_notes_at_calls(books.epub), NOTES)
    printed = pdf_text_words(books.pdf)
    assert is_subsequence(words(TEXT), printed) and not set(words(FURNITURE)) & set(printed)
    for before, note in NOTES:
        assert pdf_note_on_call_page(books.pdf, before, note), (before, note)
    meta = epub_metadata(books.epub)
    assert meta["title"] == ["La represión en la URSS"] and meta["creator"] == ["León Trotsky"]
    assert meta["date"][0].startswith("1936-02-12") and meta["language"] == ["es"]
    info = pdf_metadata(books.pdf)
    assert (info["Title"], info["Author"]) == ("La represión en la URSS", "León Trotsky")


MARXISTS = """<html><head><title>Carta a Muste - Archivo Marxista</title></head>
<body>
<p class="nav"><a href="../index.htm">Índice</a></p>
<h1>Carta a Muste<sup><a href="#n0" name="f0">*</a></sup></h1>
<p class="fst">12 de febrero de 1936</p>
<p>Le agradezco su carta<a href="#n1" name="f1"><sup>[1]</sup></a> y el recorte.</p>
<p>Seguimos la lucha<sup class="anote"><a href="#n2" name="f2">2</a></sup> aquí.</p>
<hr>
<h3>Notas</h3>
<p class="endnote"><a name="n0" href="#f0">*</a> Fuente: <i>Oeuvres</i>, tomo 8.</p>
<p class="endnote"><a name="n1" href="#f1">[1]</a> Natalia Sedova, su esposa.</p>
<p class="endnote"><a name="n2" href="#f2">2</a>. Una nota después.</p>
<p class="footer">Digitalizado por el archivo.</p>
</body></html>
"""


def test_a_marxists_org_page_in_windows_1252_has_its_notes_at_their_calls(project: Path) -> None:
    path = page(project, "muste.htm", MARXISTS, encoding="windows-1252")
    books = import_and_build(path, project)
    draft = books.draft
    assert draft.fields == {
        "title": "Carta a Muste",
        "date": "1936-02-12",
        "source": "Fuente: *Oeuvres*, tomo 8.",  # the title's note
    }
    assert draft.markdown().count("[^") == 4  # two calls, two notes
    wanted = [("carta", "Natalia Sedova, su esposa."), ("lucha", "Una nota después.")]
    assert_notes_at_calls(epub_notes_at_calls(books.epub), wanted)
    for before, note in wanted:
        assert pdf_note_on_call_page(books.pdf, before, note)
    seen = epub_text_words(books.epub)
    assert is_subsequence(
        words("Le agradezco su carta y el recorte. Seguimos la lucha aquí."), seen
    )
    assert not {"índice", "notas", "digitalizado"} & set(seen)
    assert any(g.kind == "encoding" and g.needs_look for g in draft.guesses)


WIKI = """<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>Thing - Wikipedia</title></head><body>
<div id="mw-navigation"><nav><a href="/">Main page</a></nav></div>
<div id="content"><h1 id="firstHeading">Thing</h1>
<div id="mw-content-text"><p>The <b>thing</b> is a thing.<sup id="cite_ref-a_1-0" class="reference"><a href="#cite_note-a-1">[1]</a></sup> More text.<sup id="cite_ref-2" class="reference"><a href="#cite_note-2">[2]</a></sup></p>
<p>Long ago.<sup id="cite_ref-a_1-1" class="reference"><a href="#cite_note-a-1">[1]</a></sup></p>
<h2><span class="mw-headline">History</span><span class="mw-editsection">[edit]</span></h2>
<p>Then.<a class="footnote" href="#fn9" id="r9">3</a> <span class="sr-only">Footnote</span></p>
<table class="navbox"><tr><td>NAVBOX</td></tr></table>
<h2>References</h2>
<div class="reflist"><ol class="references">
<li id="cite_note-a-1"><span class="mw-cite-backlink">^ <a href="#cite_ref-a_1-0"><sup><i><b>a</b></i></sup></a> <a href="#cite_ref-a_1-1"><sup><i><b>b</b></i></sup></a></span> <span class="reference-text">Smith, <i>Things</i>, 1999.</span></li>
<li id="fn9">A plain note.</li>
<li id="cite_note-2"><span class="mw-cite-backlink"><b><a href="#cite_ref-2">^</a></b></span> <span class="reference-text">Jones 2001.</span></li>
</ol></div></div></div></body></html>"""

EPUB_ASIDES = """<html xmlns:epub="http://www.idpf.org/2007/ops" lang="fr"><head><title>Lettre | Archives de la Révolution</title>
<meta name="date" content="1936-02-12"></head><body><main>
<p>Une lettre<a epub:type="noteref" href="#n1">1</a> courte<span class="footnote">Une note <i>en ligne</i>.</span>.</p>
<aside epub:type="footnote" id="n1"><p>La note en aparté.</p></aside>
<p>Fin.</p></main></body></html>"""


def test_wikipedias_references_and_an_epubs_asides_are_notes_at_their_calls(project: Path) -> None:
    wiki = read_draft(page(project, "thing.html", WIKI))
    assert wiki.fields == {"title": "Thing", "lang": "en"}
    assert "The **thing** is a thing.[^1] More text.[^2]\n\nLong ago.[^1]" in wiki.markdown()
    assert "\n\n# History\n\nThen.[^3]\n\n[^1]" in wiki.markdown()  # no [edit], no navbox
    assert [(n.label, n.paragraphs) for n in wiki.notes] == [
        ("1", ("Smith, *Things*, 1999.",)),
        ("2", ("Jones 2001.",)),
        ("3", ("A plain note.",)),
    ]
    for gone in ("References", "Main page", "NAVBOX", "Footnote", "edit"):
        assert gone not in wiki.markdown()
    aside = read_draft(page(project, "lettre.html", EPUB_ASIDES))
    assert aside.fields == {"title": "Lettre", "date": "1936-02-12", "lang": "fr"}
    assert "Une lettre[^1] courte[^2].\n\nFin." in aside.markdown()
    assert [n.paragraphs for n in aside.notes] == [
        ("La note en aparté.",),
        ("Une note *en ligne*.",),
    ]


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_pandocs_standalone_page_keeps_its_title_block(project: Path) -> None:
    source = project / "origen.md"
    source.write_text(
        "---\ntitle: Über den Streik\nsubtitle: Eine Rede\nauthor: Rosa Luxemburg\ndate: 15. September 1906\nlang: de\n---\n\n"
        "Die *Masse* streikt[^1] heute.\n\n## Teil eins\n\nEnde.\n\n[^1]: Erste Anmerkung.\n",
        encoding="utf-8",
    )
    html = project / "streik.html"
    subprocess.run(["pandoc", "-s", str(source), "-o", str(html)], check=True)
    draft = read_draft(html)
    assert draft.fields == {
        "title": "Über den Streik",
        "subtitle": "Eine Rede",
        "author": "Rosa Luxemburg",
        "date": "1906-09-15",
        "lang": "de",
    }
    assert (
        "Die *Masse* streikt[^1] heute.\n\n# Teil eins\n\nEnde.\n\n[^1]: Erste Anmerkung."
        in draft.markdown()
    )


def test_a_page_that_reaches_out_is_read_as_text_only(project: Path) -> None:
    secret = project / "secreto.txt"
    secret.write_text("CLAVE")
    hostile = (
        f'<!DOCTYPE html [<!ENTITY x SYSTEM "file://{secret}">]><html><body><article>'
        '<p>Texto &x; &amp; más &lt;b&gt; y <b onclick="alert(1)">negrita</b>.</p>'
        '<p hidden>OCULTO</p><p style="display: none">INVISIBLE</p>'
        '<iframe src="http://127.0.0.1:9/"></iframe><object data="x.swf">OBJETO</object>'
        "<p>*No* es `código` ni [un](enlace) # ni 1. lista</p>"
        "</article></body></html>"
    )
    draft = read_draft(page(project, "hostil.html", hostile))
    markdown = draft.markdown()
    for word in ("CLAVE", "OCULTO", "INVISIBLE", "OBJETO", "alert"):
        assert word not in markdown
    assert "& más <b> y **negrita**." in markdown.replace("\\", "")
    assert "\\*No\\* es \\`código\\` ni \\[un\\](enlace) # ni 1. lista" in markdown


def test_a_page_nested_past_the_parsers_depth_is_an_error_at_its_line(project: Path) -> None:
    deep = "<html><body>\n<p>Arriba.</p>\n" + "<div>" * 400 + "<p>hondo</p>" + "</div>" * 400
    path = page(project, "hondo.html", deep)
    with pytest.raises(SourceError, match=r"hondo.html:3: elements nested more than 256 deep"):
        read_draft(path)


def test_a_long_page_with_many_notes_is_read_in_a_moment(project: Path) -> None:
    paragraphs = "".join(
        f'<p>Párrafo {i} del texto.<sup><a href="#fn{i}">{i}</a></sup></p>' for i in range(1, 1501)
    )
    notes = "".join(f'<li id="fn{i}">Nota {i}.</li>' for i in range(1, 1501))
    path = page(
        project,
        "largo.html",
        f"<article>{paragraphs}{'<p>más</p>' * 10000}<ol>{notes}</ol></article>",
    )
    started = time.perf_counter()
    draft = read_draft(path)
    assert time.perf_counter() - started < 5
    assert len(draft.notes) == 1500 and draft.notes[-1].paragraphs == ("Nota 1500.",)
    assert draft.blocks[1499].text == "Párrafo 1500 del texto.[^1500]"


def test_characters_a_source_may_not_hold_are_left_out(project: Path) -> None:
    path = page(project, "raro.html", "<p>Uno\x0c dos\x85 tres&#xFFFE; &#12;cuatro.</p>")
    books = import_and_build(path, project)
    assert "Uno dos tres cuatro." in books.source.read_text(encoding="utf-8")
    assert books.draft.fields == {"title": "raro"}  # no title in the page: its file's name
    assert [g.needs_look for g in books.draft.guesses if g.kind == "field"] == [True]


# The corpus, through Pandoc's web pages and back

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
SEED = Path(__file__).parents[1] / "source" / "carta-muste-1936.md"


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
@pytest.mark.parametrize("book", ["communist-manifesto", "vindication-of-the-rights-of-woman"])
def test_the_corpus_as_pandocs_web_pages_imports_back_word_for_word(
    book: str, project: Path
) -> None:
    assert_round_trip(sorted((CORPUS / book).glob("*.md")), project, "html", ["-s"])


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_the_seed_letter_through_pandoc_web_page_imports_back_with_its_header_and_notes(
    project: Path,
) -> None:
    assert_round_trip([SEED], project, "html", ["-s"])


# Word's "Save as web page" and LibreOffice's HTML export, as archives hold them
WORD_PAGE = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">
<head><meta http-equiv=Content-Type content="text/html; charset=windows-1252"><title>Carta</title>
<style><!-- p.MsoNormal {margin:0} --></style></head>
<body lang=ES style='tab-interval:35.4pt'><div class=WordSection1>
<p class=MsoTitle>Carta a Muste<o:p></o:p></p>
<p class=MsoNormal>Le agradezco su carta<a style='mso-footnote-id:ftn1' href="#_ftn1" name="_ftnref1" title=""><span class=MsoFootnoteReference><span style='mso-special-character:footnote'><![if !supportFootnotes]><span class=MsoFootnoteReference>[1]</span><![endif]></span></span></a> y el recorte.<o:p></o:p></p>
<p class=MsoNormal>&nbsp;<o:p></o:p></p>
</div>
<div style='mso-element:footnote-list'><![if !supportFootnotes]><br clear=all><hr align=left size=1 width="33%"><![endif]>
<div style='mso-element:footnote' id=ftn1><p class=MsoFootnoteText><a style='mso-footnote-id:ftn1' href="#_ftnref1" name="_ftn1" title=""><span class=MsoFootnoteReference><span style='mso-special-character:footnote'><![if !supportFootnotes]><span class=MsoFootnoteReference>[1]</span><![endif]></span></span></a> Natalia Sedova, su esposa.<o:p></o:p></p></div>
</div></body></html>
"""
LIBREOFFICE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title></title><meta name="author" content="León Trotsky"></head><body lang="es-ES" dir="ltr">
<p>Le agradezco su carta<a class="sdfootnoteanc" name="sdfootnote1anc" href="#sdfootnote1sym"><sup>1</sup></a> y el recorte.</p>
<div id="sdfootnote1"><p class="sdfootnote"><a class="sdfootnotesym" name="sdfootnote1sym" href="#sdfootnote1anc">1</a>Natalia Sedova, su esposa.</p></div>
</body></html>
"""


def test_word_and_libreoffice_web_pages_have_their_notes_at_their_calls(project: Path) -> None:
    word = read_draft(page(project, "carta.htm", WORD_PAGE, encoding="windows-1252"))
    assert word.fields == {"title": "Carta a Muste", "lang": "es"}
    libre = read_draft(page(project, "carta-lo.html", LIBREOFFICE_PAGE))
    assert libre.fields == {"title": "carta lo", "author": "León Trotsky", "lang": "es-ES"}
    for draft in (word, libre):
        assert draft.markdown().endswith(
            "---\n\nLe agradezco su carta[^1] y el recorte.\n\n[^1]: Natalia Sedova, su esposa.\n"
        )


GUTENBERG = """<html lang="en"><head><title>A Vindication | Project Gutenberg</title></head><body>
<div class="chapter"><h1>A Vindication</h1>
<p>In the present state of society<span class="pagenum"><a id="Page_21">[Pg 21]</a></span> it appears necessary to go back.</p>
<span class="pagenum"><a id="Page_22">[Pg 22]</a></span>
<p>Rousseau exerts himself to prove that all was right originally.</p>
<p>A third paragraph<span epub:type="pagebreak" role="doc-pagebreak" id="page23" title="23"></span> goes on.</p>
<p>As Wikisource marks<span class="pagenum ws-pagenum" id="xiv" data-page-number="xiv">[xiv]</span> them.</p>
<p>Once more<span class="pagenum"><a id="Page_21b">[Pg 21]</a></span>.</p>
</div></body></html>"""


def test_the_originals_page_numbers_are_kept_as_page_markers_in_both_books(project: Path) -> None:
    books = import_and_build(page(project, "vindication.html", GUTENBERG), project)
    markdown = books.draft.markdown()
    assert "society{pag=21} it" in markdown and "\n\n{pag=22}Rousseau" in markdown
    assert "paragraph{pag=23} goes" in markdown and "marks{pag=xiv} them" in markdown
    assert "Once more." in markdown  # page 21 is marked once
    epub = OpenedEpub(books.epub)
    ids = [
        s.get("id")
        for p in epub.spine()
        for s in p.tree.xpath("//x:span[@class='pag']", namespaces=NS)
    ]
    assert ids == ["pag-21", "pag-22", "pag-23", "pag-xiv"]
    printed = pdf_text_words(books.pdf)
    expected = [
        "society",
        "21",
        "it",
        "appears",
        "22",
        "rousseau",
        "paragraph",
        "23",
        "goes",
        "marks",
        "xiv",
        "them",
    ]
    assert is_subsequence(expected, printed)


TYPED = """<html lang="es"><body><h1>Carta</h1>
<p>Le agradezco su carta<sup>1</sup> y el recorte<sup>2</sup>.</p>
<p>En 1936 el 10<sup>3</sup> es un cubo, no una nota.</p>
<h3>Notas</h3>
<p><sup>1</sup> Natalia Sedova, su esposa.</p>
<p>2. Un recorte del <i>New York Times</i>.</p>
</body></html>"""


def test_notes_typed_by_hand_at_the_end_are_placed_at_their_raised_numbers(project: Path) -> None:
    books = import_and_build(page(project, "mano.html", TYPED), project)
    markdown = books.draft.markdown()
    assert "carta[^1] y el recorte[^2]." in markdown and "el 10^3^ es" in markdown
    assert "Notas" not in markdown
    wanted = [
        ("carta", "Natalia Sedova, su esposa."),
        ("recorte", "Un recorte del New York Times."),
    ]
    assert_notes_at_calls(epub_notes_at_calls(books.epub), wanted)
    for before, note in wanted:
        assert pdf_note_on_call_page(books.pdf, before, note)
    guesses = [g for g in books.draft.guesses if g.kind == "note"]
    assert [g.sure for g in guesses] == [0.8, 0.8]  # a person may look


def test_typed_notes_whose_calls_are_not_all_there_stay_text(project: Path) -> None:
    draft = read_draft(page(project, "mano2.html", TYPED.replace("recorte<sup>2</sup>", "recorte")))
    assert "1936 el 10^3^ es" in draft.markdown() and "carta^1^ y" in draft.markdown()
    assert draft.notes == [] and "Natalia Sedova" in draft.markdown()
    assert any(g.kind == "note" and g.needs_look for g in draft.guesses)


MIA = """<html><head><meta charset="utf-8"><title>León Trotsky: Carta a Muste (1936)</title></head>
<body>
<p class="title">León Trotsky</p>
<h1>Carta a A. J. Muste</h1>
<p class="information"><span class="info">Escrito:</span> 12 de febrero de 1936, en Coyoacán.<br>
<span class="info">Fuente:</span> <i>Oeuvres</i>, Tomo 8, EDI, París, 1980.<br>
<span class="info">Traducción:</span> por Germinal.<br>
<span class="info">Esta edición:</span> Marxists Internet Archive, 2024.</p>
<p>Estimado camarada Muste,</p>
<p>Le agradezco mucho su carta.</p>
</body></html>"""


def test_an_archives_information_block_gives_the_date_source_and_translator(
    project: Path,
) -> None:
    books = import_and_build(page(project, "muste-mia.html", MIA), project)
    assert books.draft.fields == {
        "title": "Carta a A. J. Muste",
        "author": "León Trotsky",
        "translator": "Germinal",
        "date": "1936-02-12",
        "source": "*Oeuvres*, Tomo 8, EDI, París, 1980.",
    }
    text = epub_text_words(books.epub)
    assert text[-8:] == words("Estimado camarada Muste, Le agradezco mucho su carta.")
    assert not {"escrito", "fuente", "edición", "archive"} & set(text[-8:])
    meta = epub_metadata(books.epub)
    assert meta["source"] == ["Oeuvres, Tomo 8, EDI, París, 1980."]
    assert "Germinal" in " ".join(page_texts(books.pdf))  # the translator on the title page
