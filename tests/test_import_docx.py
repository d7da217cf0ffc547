"""Importing a Word file: the story of an archive's .docx (a title, an author and a date
line, italics and bold, a heading, quotations, a list, a footnote and an endnote) imported,
built into both books, and read back as a reader sees it; then hostile files refused.

The Word files are written here as Word writes them, part by part (python-docx writes no
footnotes); one more is Pandoc's own .docx, where Pandoc is installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from publish.errors import SourceError
from publish.importers import read_draft
from tests.epub_helpers import epubcheck_problems
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

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {W_NS}>
  <w:docDefaults><w:rPrDefault><w:rPr><w:lang w:val="es-ES"/></w:rPr></w:rPrDefault></w:docDefaults>
  <w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
  <w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>
  <w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>
  <w:style w:type="paragraph" w:styleId="Capitulo"><w:name w:val="Capítulo"/><w:basedOn w:val="Heading1"/></w:style>
  <w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/></w:style>
  <w:style w:type="character" w:styleId="Emphasis"><w:name w:val="Emphasis"/><w:rPr><w:i/></w:rPr></w:style>
  <w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:rPr><w:b/></w:rPr></w:style>
</w:styles>"""


def paragraph(*runs: str, style: str = "", props: str = "") -> str:
    style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
    return f"<w:p><w:pPr>{style_xml}{props}</w:pPr>{''.join(runs)}</w:p>"


def run(text: str, props: str = "") -> str:
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'


def footnote_call(note_id: int, kind: str = "footnote") -> str:
    return f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Reference w:id="{note_id}"/></w:r>'


def notes_part(kind: str, notes: dict[int, list[str]]) -> str:
    """footnotes.xml or endnotes.xml: Word's two separator notes, then the notes."""
    separators = (
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
    )
    separators += f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:{kind}>'
    body = "".join(
        f'<w:{kind} w:id="{note_id}">'
        + "".join(
            f'<w:p><w:r><w:{kind}Ref/></w:r><w:r><w:t xml:space="preserve"> </w:t></w:r>{p}</w:p>'
            if i == 0
            else f"<w:p>{p}</w:p>"
            for i, p in enumerate(paragraphs)
        )
        + f"</w:{kind}>"
        for note_id, paragraphs in notes.items()
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><w:{kind}s {W_NS}>{separators}{body}</w:{kind}s>'


def write_docx(
    path: Path,
    body: str,
    footnotes: str = "",
    endnotes: str = "",
    core: str = "",
    extra_rels: str = "",
    document: str | None = None,
    numbering: str = "",
) -> Path:
    """A .docx as Word lays it out: content types, the package's and the document's
    relationships, the document, its styles, notes and core properties."""
    rels = [f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>']
    if footnotes:
        rels.append(f'<Relationship Id="rIdF" Type="{REL}/footnotes" Target="footnotes.xml"/>')
    if numbering:
        rels.append(f'<Relationship Id="rIdN" Type="{REL}/numbering" Target="numbering.xml"/>')
    if endnotes:
        rels.append(f'<Relationship Id="rIdE" Type="{REL}/endnotes" Target="endnotes.xml"/>')
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
        "word/_rels/document.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(rels)
        + extra_rels
        + "</Relationships>",
        "word/document.xml": document
        or f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W_NS} {R_NS}><w:body>{body}<w:sectPr/></w:body></w:document>',
        "word/styles.xml": STYLES,
    }
    if footnotes:
        parts["word/footnotes.xml"] = footnotes
    if endnotes:
        parts["word/endnotes.xml"] = endnotes
    if core:
        parts["docProps/core.xml"] = core
    if numbering:
        parts["word/numbering.xml"] = numbering
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as docx:
        for name, text in parts.items():
            docx.writestr(name, text)
    return path


CORE = """<?xml version="1.0" encoding="UTF-8"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator>
  <dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>
</cp:coreProperties>"""

ITALIC, BOLD = "<w:i/>", "<w:b/>"
INDENT = '<w:ind w:left="1134"/>'
NUMBERED = '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'
BULLET_UNDER = '<w:numPr><w:ilvl w:val="1"/><w:numId w:val="2"/></w:numPr>'
NUMBERING = f"""<?xml version="1.0" encoding="UTF-8"?><w:numbering {W_NS}>
<w:abstractNum w:abstractNumId="10"><w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/></w:lvl></w:abstractNum>
<w:abstractNum w:abstractNumId="20"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/></w:lvl>
<w:lvl w:ilvl="1"><w:numFmt w:val="bullet"/></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="10"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="20"/></w:num>
</w:numbering>"""
LINKED_IMAGE = (
    '<w:r><w:drawing><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:blip r:link="rIdImg"/></a:graphic></w:drawing></w:r>'
)


def letter_docx(folder: Path) -> Path:
    body = "".join(
        [
            paragraph(run("La represión en la URSS"), footnote_call(4), style="Title"),
            paragraph(run("León Trotsky")),
            paragraph(run("Coyoacán, 12 de febrero de 1936")),
            paragraph(
                run("Le agradezco mucho su carta y el recorte del "),
                run("New York Times", ITALIC),
                run(" concerniente a la carta de mi "),
                run("esposa", BOLD),
                footnote_call(1),
                run(". "),
                run("Nada", '<w:rStyle w:val="Strong"/>'),
                run(" más."),
            ),
            paragraph(run("La campaña en Europa"), style="Heading1"),
            paragraph(
                run("Los campos de concentración son la última invención"),
                footnote_call(2),
                run(" de Stalin"),
                LINKED_IMAGE,
                run("."),
            ),
            paragraph(
                run("Dijo el camarada: "),
                run("hay que luchar", '<w:rStyle w:val="Emphasis"/>'),
                endnote_call(),
                style="Quote",
            ),
            paragraph(run("Y siguió diciendo lo mismo."), footnote_call(7), style="Quote"),
            paragraph(
                run("Un pasaje sangrado que cita otro texto."),
                '<w:r><w:footnoteReference w:customMarkFollows="1" w:id="5"/><w:t>*</w:t></w:r>',
                props=INDENT,
            ),
            paragraph(run("primer punto"), props=NUMBERED),
            paragraph(run("segundo punto"), props=NUMBERED),
            paragraph(run("un subpunto"), props=BULLET_UNDER),
            paragraph(run("Un capítulo de estilo propio"), style="Capitulo"),
            "<w:tbl><w:tr><w:tc>"
            + paragraph(run("Celda uno"))
            + "</w:tc><w:tc>"
            + paragraph(run("Celda dos"))
            + "</w:tc></w:tr></w:tbl>",
            '<w:p><w:r><w:t>Texto </w:t></w:r><w:del w:id="9"><w:r><w:delText>borrado</w:delText></w:r></w:del><w:ins w:id="10"><w:r><w:t>insertado</w:t></w:r></w:ins><w:r><w:t> al final.</w:t></w:r></w:p>',
        ]
    )
    footnotes = notes_part(
        "footnote",
        {
            1: [
                run("Se trata de la carta de Natalia Sedova a propósito de su hijo ")
                + run("Serguei", ITALIC)
                + run(".")
            ],
            2: [run("Primer párrafo de la nota larga."), run("Segundo párrafo de la misma nota.")],
            3: [run("Una nota que nada llama.")],
            4: [run("Versión al castellano desde ") + run("Oeuvres", ITALIC) + run(", tomo 8.")],
        },
    )
    # A note whose call has a mark of its own: Word writes the mark as the note's first word.
    footnotes = footnotes.replace(
        "</w:footnotes>",
        '<w:footnote w:id="5"><w:p><w:r><w:t>*</w:t></w:r>'
        '<w:r><w:t xml:space="preserve"> Nota con asterisco.</w:t></w:r></w:p></w:footnote></w:footnotes>',
    )
    endnotes = notes_part("endnote", {1: [run("Palabras de un discurso de 1935.")]})
    return write_docx(
        folder / "carta.docx",
        body,
        footnotes,
        endnotes,
        CORE.format(title="Documento1", creator="Mecanógrafa", created="2019-05-03T10:00:00Z"),
        extra_rels=f'<Relationship Id="rIdImg" Type="{REL}/image" Target="http://127.0.0.1:9/secret.png" TargetMode="External"/>',
        numbering=NUMBERING,
    )


def endnote_call() -> str:
    return footnote_call(1, "endnote")


TEXT = (
    "Le agradezco mucho su carta y el recorte del New York Times concerniente a la carta de "
    "mi esposa. Nada más. La campaña en Europa Los campos de concentración son la última "
    "invención de Stalin. Dijo el camarada: hay que luchar Y siguió diciendo lo mismo. Un "
    "pasaje sangrado que cita otro texto. primer punto segundo punto un subpunto Un capítulo de estilo "
    "propio Celda uno Celda dos Texto insertado al final."
)
NOTES = [
    ("esposa", "Se trata de la carta de Natalia Sedova a propósito de su hijo Serguei."),
    ("invención", "Primer párrafo de la nota larga. Segundo párrafo de la misma nota."),
    ("luchar", "Palabras de un discurso de 1935."),
    ("texto", "Nota con asterisco."),
]


@pytest.fixture
def letter(project: Path) -> Path:
    return letter_docx(project)


def test_a_word_letter_is_imported_with_its_header_styles_and_notes(letter: Path) -> None:
    draft = read_draft(letter)
    assert draft.fields == {
        "title": "La represión en la URSS",
        "author": "León Trotsky",
        "date": "1936-02-12",
        "lang": "es-ES",
        "source": "Versión al castellano desde *Oeuvres*, tomo 8.",  # the title's note
    }
    markdown = draft.markdown()
    assert "*New York Times*" in markdown and "**esposa**[^1]. **Nada** más." in markdown
    assert "\n\nCelda uno\n\nCelda dos\n\n" in markdown
    assert "# La campaña en Europa" in markdown and "# Un capítulo de estilo propio" in markdown
    assert "> Dijo el camarada: *hay que luchar*[^e1]\n>\n> Y siguió diciendo lo mismo." in markdown
    assert "> Un pasaje sangrado" in markdown
    assert "1. primer punto\n\n1. segundo punto\n\n    - un subpunto\n\n#" in markdown
    assert "borrado" not in markdown and "Texto insertado al final." in markdown
    assert "[^2]: Primer párrafo de la nota larga.\n\n    Segundo párrafo" in markdown
    assert "[^e1]: Palabras de un discurso de 1935." in markdown
    assert "Una nota que nada llama" not in markdown
    guesses = {(g.kind, g.what): g for g in draft.guesses}
    assert guesses[("field", "author = León Trotsky")].where == "carta.docx: paragraph 2"
    assert guesses[("field", "date = 1936-02-12")].needs_look is False
    assert guesses[
        (
            "quote",
            "an indented paragraph read as a quotation: Un pasaje sangrado que cita otro texto.…",
        )
    ].needs_look
    assert any(g.kind == "dropped" and "1 footnote(s)" in g.what for g in draft.guesses)
    assert any(g.what.startswith("1 image(s) not imported") for g in draft.guesses)
    assert "lo mismo.\n" in markdown  # footnote 7 is not in the file: its call is left out
    assert any(g.what == "call [^4]: no such note" and g.needs_look for g in draft.guesses)
    assert [g.where for g in draft.guesses if g.kind == "note"] == [
        "carta.docx: paragraph 1",
        "carta.docx: paragraph 4",
        "carta.docx: paragraph 6",
        "carta.docx: paragraph 7",
        "carta.docx: paragraph 9",
    ]
    assert "> Un pasaje sangrado que cita otro texto.[^3]" in markdown  # the `*` is the call's
    assert "[^3]: Nota con asterisco." in markdown


def test_the_imported_letter_builds_to_both_books_with_its_words_notes_and_header(
    letter: Path, project: Path
) -> None:
    books = import_and_build(letter, project)
    assert is_subsequence(words(TEXT), epub_text_words(books.epub))
    assert epubcheck_problems(books.epub) == []
    assert is_subsequence(words(TEXT), pdf_text_words(books.pdf))
    assert_notes_at_calls(epub_notes_at_calls(books.epub), NOTES)
    for before, note in NOTES:
        assert pdf_note_on_call_page(books.pdf, before, note), (before, note)
    meta = epub_metadata(books.epub)
    assert meta["title"] == ["La represión en la URSS"] and meta["creator"] == ["León Trotsky"]
    assert meta["date"][0].startswith("1936-02-12") and meta["language"] == ["es-ES"]
    assert epub_metadata(books.epub)["source"] == ["Versión al castellano desde Oeuvres, tomo 8."]
    info = pdf_metadata(books.pdf)
    assert (info["Title"], info["Author"]) == ("La represión en la URSS", "León Trotsky")


def test_the_files_properties_fill_what_the_text_does_not_say(project: Path) -> None:
    body = paragraph(run("Estimado camarada Muste, le escribo."))
    core = CORE.format(title="Carta a Muste", creator="L. Trotsky", created="1936-02-12T00:00:00Z")
    draft = read_draft(write_docx(project / "sin.docx", body, core=core))
    assert draft.fields == {
        "title": "Carta a Muste",
        "author": "L. Trotsky",
        "date": "1936-02-12",
        "lang": "es-ES",
    }
    sure = {g.what: g.sure for g in draft.guesses}
    assert (
        sure["author = L. Trotsky"] < 0.8 and sure["date = 1936-02-12"] < 0.8
    )  # who typed it, when


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_a_word_file_from_pandoc_keeps_its_title_block_headings_lists_and_notes(
    project: Path,
) -> None:
    markdown = project / "origen.md"
    markdown.write_text(
        "---\ntitle: Sobre la huelga\nsubtitle: Eine Rede\nauthor: [Rosa Luxemburg, Leo Jogiches]\n"
        "date: 1906-09-15\nlang: de\n---\n\n"
        "Die *Masse* streikt[^1] heute.\n\n# Teil eins\n\n> Ein Zitat[^2].\n\n- eins\n- zwei\n\n"
        "[^1]: Erste Anmerkung.\n[^2]: Zweite *Anmerkung*.\n",
        encoding="utf-8",
    )
    docx = project / "huelga.docx"
    subprocess.run(["pandoc", str(markdown), "-o", str(docx)], check=True)
    draft = read_draft(docx)
    assert draft.fields == {
        "title": "Sobre la huelga",
        "subtitle": "Eine Rede",
        "author": ["Rosa Luxemburg", "Leo Jogiches"],
        "date": "1906-09-15",
        "lang": "de",
    }
    text = draft.markdown()
    for expected in (
        "Die *Masse* streikt[^1] heute.",
        "# Teil eins",
        "> Ein Zitat[^2].",
        "- eins\n\n- zwei",
        "[^1]: Erste Anmerkung.",
        "[^2]: Zweite *Anmerkung*.",
    ):
        assert expected in text


# Hostile files


def test_a_zip_bomb_is_refused_before_it_is_inflated(project: Path) -> None:
    bomb = write_docx(project / "bomba.docx", paragraph(run("x")))
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as docx:
        docx.writestr("word/footnotes.xml", b" " * (40 * 2**20))  # 40 MB of spaces: 40 KB zipped
    with zipfile.ZipFile(bomb) as docx:
        bloated = docx.getinfo("word/footnotes.xml")
    assert bloated.compress_size < 2**20
    rels = f'<Relationship Id="rIdF" Type="{REL}/footnotes" Target="footnotes.xml"/>'
    started = time.perf_counter()
    with pytest.raises(SourceError, match=r"footnotes.xml.*zip bomb"):
        read_draft(_with_rels(bomb, rels))
    assert time.perf_counter() - started < 2


def _with_rels(path: Path, rels: str) -> Path:
    """`path` with `rels` added to the document's relationships."""
    out = path.with_name(f"r-{path.name}")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
            target.writestr(info.filename, data)
    return out


def test_a_part_that_declares_entities_is_refused_and_nothing_is_read_from_the_disk(
    project: Path,
) -> None:
    secret = project / "secreto.txt"
    secret.write_text("CLAVE-SECRETA")
    document = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]>'
        f"<w:document {W_NS}><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
    )
    path = write_docx(project / "xxe.docx", "", document=document)
    with pytest.raises(SourceError, match="declares a DTD") as raised:
        read_draft(path)
    assert str(raised.value).startswith(f"{path}: ")


def test_a_file_that_is_not_a_word_file_is_an_error_naming_it(project: Path) -> None:
    path = project / "falso.docx"
    path.write_text("no soy un zip")
    with pytest.raises(SourceError, match=r"falso.docx: not a Word file"):
        read_draft(path)
    empty = project / "vacio.docx"
    with zipfile.ZipFile(empty, "w") as docx:
        docx.writestr("hola.txt", "hola")
    with pytest.raises(SourceError, match="no document part"):
        read_draft(empty)


# The corpus, through Pandoc's Word files and back

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
SEED = Path(__file__).parents[1] / "source" / "carta-muste-1936.md"


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
@pytest.mark.parametrize("book", ["communist-manifesto", "vindication-of-the-rights-of-woman"])
def test_the_corpus_as_pandocs_word_files_imports_back_word_for_word(
    book: str, project: Path
) -> None:
    assert_round_trip(sorted((CORPUS / book).glob("*.md")), project, "docx", [])


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_the_seed_letter_through_pandoc_word_file_imports_back_with_its_header_and_notes(
    project: Path,
) -> None:
    assert_round_trip([SEED], project, "docx", ["-s"])


RAISED = '<w:vertAlign w:val="superscript"/>'


def test_notes_typed_by_hand_in_a_word_file_are_placed_at_their_raised_numbers(
    project: Path,
) -> None:
    body = "".join(
        [
            paragraph(run("Carta"), style="Title"),
            paragraph(
                run("Le agradezco su carta"),
                run("1", RAISED),
                run(" y el recorte"),
                run("2", RAISED),
                run("."),
            ),
            paragraph(run("El metro"), run("2", RAISED), run(" cuadrado.")),
            paragraph(run("Notas"), style="Heading1"),
            paragraph(run("1", RAISED), run(" Natalia Sedova, su esposa.")),
            paragraph(run("2) Un recorte del "), run("Times", ITALIC), run(".")),
        ]
    )
    books = import_and_build(write_docx(project / "mano.docx", body), project)
    markdown = books.draft.markdown()
    assert "carta[^1] y el recorte[^2].\n\nEl metro^2^ cuadrado." in markdown
    assert "[^1]: Natalia Sedova, su esposa.\n\n[^2]: Un recorte del *Times*." in markdown
    assert "Notas" not in markdown
    wanted = [("carta", "Natalia Sedova, su esposa."), ("recorte", "Un recorte del Times.")]
    assert_notes_at_calls(epub_notes_at_calls(books.epub), wanted)
    for before, note in wanted:
        assert pdf_note_on_call_page(books.pdf, before, note)


def test_a_named_pipe_or_a_folder_is_refused_unread(project: Path) -> None:
    pipe = project / "tubo.docx"
    os.mkfifo(pipe)
    with pytest.raises(SourceError, match="not a regular file"):
        read_draft(pipe)  # a reader that opened it would wait for a writer for ever
    (project / "carpeta.html").mkdir()
    with pytest.raises(SourceError, match="not a regular file"):
        read_draft(project / "carpeta.html")


def test_importing_reaches_for_no_network(letter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("the importer opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert read_draft(letter).fields["title"] == "La represión en la URSS"  # its image is linked


def test_label_lines_under_the_title_give_the_date_source_and_translator(project: Path) -> None:
    body = "".join(
        [
            paragraph(run("Carta a Muste"), style="Title"),
            paragraph(run("Escrito: 12 de febrero de 1936, en Coyoacán.")),
            paragraph(run("Fuente: "), run("Oeuvres", ITALIC), run(", tomo 8, París, 1980.")),
            paragraph(run("Traducido por: Germinal.")),
            paragraph(run("Estimado camarada: le escribo.")),
        ]
    )
    draft = read_draft(write_docx(project / "fuente.docx", body))
    assert draft.fields == {
        "title": "Carta a Muste",
        "translator": "Germinal",
        "date": "1936-02-12",
        "source": "*Oeuvres*, tomo 8, París, 1980.",
        "lang": "es-ES",
    }
    assert draft.markdown().endswith("---\n\nEstimado camarada: le escribo.\n")
