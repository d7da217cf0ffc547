"""Pandoc's inline Markdown, as a Pandoc user writes it, in both books: attributes, bracketed
spans, sup/sub/strikeout, implicit figures, heading identifiers and internal links."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from lxml import etree
from PIL import Image
from pypdf import PdfReader

from tests.conftest import epubcheck_problems
from tests.epub_helpers import NS
from tests.pdf_helpers import page_texts

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Enough text to push what follows onto a later page.
FILLER = "\n\n".join(
    "Párrafo de relleno para que la sección segunda empiece en otra página del libro, "
    "con frases largas que ocupan sitio y no dicen nada nuevo. " * 4
    for _ in range(8)
)

LETTER = f"""\
---
title: Carta de prueba
lang: es
---

# Primera parte {{#inicio .apertura}}

Escribo a [Juan Pérez]{{.smallcaps}} desde el número 12^bis^ de la calle; el agua es
H~2~O y ~~no~~ es 2^10^ veces mejor[^mi nota]. Una frase en francés:
[une phrase en "français" !]{{lang=fr}}, "dijo". Véase [la figura](#fig:cuadro){{.ref}}
y [la sección segunda](#segunda-parte), o `print()`{{.python #cod}}.^[Una nota en línea.]

![Un *cuadro* azul](cuadro.png){{#fig:cuadro width=60%}}

Una imagen en línea, ![icono](cuadro.png){{height=1em}}, no es una figura.

{FILLER}

## Segunda parte

```{{.python #ejemplo}}
print("hola")
```

## Sin número {{-}}

## Fuera del índice {{.unnumbered .unlisted}}

[^mi nota]: Una nota cuya etiqueta tiene un espacio, y [un enlace](#segunda-parte).
"""


def write(project: Path, name: str, text: str) -> Path:
    path = project / "source" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def letter(project: Path) -> Path:
    Image.new("RGB", (1800, 1200), (120, 160, 200)).save(project / "source" / "cuadro.png")
    return write(project, "carta.md", LETTER)


@pytest.fixture
def letter_books(letter: Path, project: Path, run_cli) -> tuple[Path, Path]:
    result = run_cli("build", letter)
    assert result.code == 0, result.err
    assert "warning:" not in result.err
    return project / "build" / "carta.epub", project / "build" / "carta.pdf"


def xhtml(epub: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(epub) as book:
        return etree.fromstring(book.read(f"EPUB/{name}"))


def xpath(tree: etree._Element, path: str) -> list:
    return tree.xpath(path, namespaces=NS)


def test_the_epub_gets_each_construct_as_the_structure_it_is(letter_books) -> None:
    epub, _ = letter_books
    assert epubcheck_problems(epub) == []
    page = xhtml(epub, "text.xhtml")

    [small] = xpath(page, "//x:span[@class='smallcaps']")
    assert small.text == "Juan Pérez"
    [french] = xpath(page, "//x:span[@lang='fr']")
    assert french.get(XML_LANG) == "fr"
    # French quotes and spacing inside, the document's Spanish ones around it.
    assert french.text == "une phrase en «\u00a0français\u00a0»\u202f!"
    assert french.tail.startswith(", «dijo».")
    assert [e.text for e in xpath(page, "//x:p//x:sup")] == ["bis", "10"]
    assert [e.text for e in xpath(page, "//x:sub")] == ["2"]
    assert [e.text for e in xpath(page, "//x:del")] == ["no"]
    [code] = xpath(page, "//x:code[@id='cod']")
    assert code.get("class") == "python" and code.text == "print()"
    assert xpath(page, "//x:pre[@id='ejemplo']/@class") == ["python"]

    [figure] = xpath(page, "//x:figure")
    assert figure.get("id") == "fig:cuadro"
    [image] = xpath(figure, "x:img")
    assert image.get("alt") == "Un cuadro azul" and image.get("style") == "width: 60%"
    caption = xpath(figure, "x:figcaption")[0]
    assert "".join(caption.itertext()) == "Un cuadro azul" and xpath(caption, "x:em")
    [inline] = xpath(page, "//x:p/x:img")
    assert inline.get("style") == "height: 1em"

    headings = xpath(page, "//x:section[@class='text']/*[self::x:h1 or self::x:h2][@id]")
    assert [(h.get("id"), h.get("class")) for h in headings] == [
        ("inicio", "apertura"),
        ("segunda-parte", None),
        ("sin-número", "unnumbered"),
        ("fuera-del-índice", "unnumbered unlisted"),
    ]
    contents = xpath(xhtml(epub, "nav.xhtml"), "//x:nav[@id='toc']//x:a/@href")
    assert "text.xhtml#sin-número" in contents and "text.xhtml#fuera-del-índice" not in contents
    # Every link within the page lands on an element of it (EPUBCheck checks it too).
    for href in xpath(page, "//x:a/@href"):
        assert href.startswith("#") and page.xpath("//*[@id=$i]", i=href[1:]), href
    assert xpath(page, "//x:a[@class='ref']/@href") == ["#fig:cuadro"]

    notes = ["".join(n.itertext()) for n in xpath(page, "//x:aside")]
    assert "Una nota cuya etiqueta tiene un espacio" in notes[0]
    assert "Una nota en línea." in notes[1]
    text = "".join(page.itertext())
    for literal in ("{", "}", "^", "~", "[^"):
        assert literal not in text


def test_the_pdf_prints_each_construct_and_links_inside_itself(letter_books) -> None:
    _, pdf_path = letter_books
    text = " ".join(page_texts(pdf_path))
    for literal in ("{.smallcaps}", "{#", "^", "~", "[une", "]{"):
        assert literal not in text
    assert "Un cuadro azul" in text  # the caption
    assert "Una nota cuya etiqueta tiene un espacio" in text

    reader = PdfReader(pdf_path)
    bookmarks = [item.title for item in _flat(reader.outline)]
    assert "Sin número" in bookmarks and "Fuera del índice" not in bookmarks
    pages = {
        name: reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()
    }
    heading_page = next(i for i, t in enumerate(page_texts(pdf_path)) if "Segunda parte" in t)
    assert pages["segunda-parte"] == heading_page > 0
    links = [
        (number, str(annot.get_object().get("/Dest")))
        for number, page in enumerate(reader.pages)
        for annot in page.get("/Annots", [])
        if annot.get_object().get("/Dest") is not None
    ]
    assert (0, "segunda-parte") in links  # from the text, on the first page
    assert {dest for _, dest in links} >= {"fig:cuadro", "segunda-parte"}
    assert all(dest in pages for _, dest in links)


def test_the_pdf_sets_small_caps_with_the_fonts_own_glyphs(letter_books) -> None:
    _, pdf_path = letter_books
    with pdfplumber.open(pdf_path) as pdf:
        chars = pdf.pages[0].chars
    text = "".join(c["text"] for c in chars)
    small_a = chars[text.index("Juan") + 2]
    # The same letter in ordinary lower case, in the word "calle" of the same line.
    plain_a = chars[text.index("calle") + 1]
    assert small_a["text"] == plain_a["text"] == "a"
    assert small_a["size"] == plain_a["size"]
    assert small_a["width"] > plain_a["width"] * 1.1  # a small capital is broader


def test_headings_get_pandocs_identifiers(project: Path, run_cli) -> None:
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed")
    headings = [
        "Hello, *World*!",
        '1. Intro: the "start"',
        "Intro -- again",
        "Intro -- again",
        "Maître d'hôtel",
        "*Dogs*?--in *my* house?",
        "[HTML], [S5], or [RTF]?",
        "33",
        "Año 1936: la carta",
        "`code` and **bold** x_y",
        "Note here[^1]",
        "Inline^[a note] note",
        "Dots... and v1.2.3",
        "Under_score and hyphen-ated",
        "A & B / C",
        "...",
        "Ελληνικά κείμενα",
        "Link [to text](http://x.org) here",
        "intro-again",
        "Intro -- again",
        "Intro-again-2",
        "Intro -- again",
        "With [a span]{.smallcaps} and H~2~O",
    ]
    body = "\n\n".join(f"## {h}" for h in headings)
    refs = "[^1]: a note\n\n[HTML]: http://x\n[S5]: http://y\n[RTF]: http://z\n"
    source = write(project, "ids.md", f"---\ntitle: Ids\n---\n\n{body}\n\n{refs}")
    pandoc = subprocess.run(
        ["pandoc", "-f", "markdown", "-t", "html5", str(source)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    expected = re.findall(r'<h2 id="([^"]*)"', pandoc)

    assert run_cli("build", source, "--format", "epub").code == 0
    page = xhtml(project / "build" / "ids.epub", "text.xhtml")
    assert xpath(page, "//x:section[@class='text']/x:h2/@id") == expected
    assert len(expected) == len(headings)


def test_a_link_to_an_id_nothing_has_is_an_error_at_its_line(project: Path, run_cli) -> None:
    write(project, "roto.md", """\
        ---
        title: Roto
        ---

        # Un título

        Un [enlace](#un-título) que sí lleva a algo.

        Otro [enlace](#ninguna) que no.
        """)  # fmt: skip
    result = run_cli("build", "source/roto.md")
    assert result.code == 1
    assert "source/roto.md:9: the link to '#ninguna' leads nowhere" in result.err
    assert "un-título" not in result.err


def test_links_between_a_books_documents_keep_their_fragment(project: Path, run_cli) -> None:
    write(project, "libro/book.yaml", """\
        title: Libro
        lang: es
        documents: [uno.md, dos.md]
        """)  # fmt: skip
    write(project, "libro/uno.md", """\
        ---
        title: Uno
        ---

        # Comienzo

        Véase [la sección del segundo](dos.md#una-sección), [el segundo](dos.md)
        y [el comienzo](#comienzo).[^n]

        [^n]: También [en una nota](dos.md#una-sección) y [aquí](#comienzo).
        """)  # fmt: skip
    write(project, "libro/dos.md", "---\ntitle: Dos\n---\n\n# Comienzo\n\n" + FILLER + """

## Una sección

De vuelta [al primero](uno.md#comienzo), o a [otra cosa](tres.md).
""")  # fmt: skip
    result = run_cli("build", "source/libro", "--notes", "book")
    assert result.code == 0, result.err
    assert "source/libro/dos.md:25: warning: the link to 'tres.md' leads to nothing" in result.err

    epub = project / "build" / "libro.epub"
    assert epubcheck_problems(epub) == []
    one, two = xhtml(epub, "chapter-01.xhtml"), xhtml(epub, "chapter-02.xhtml")
    assert xpath(one, "//x:p/x:a/@href")[:3] == [
        "chapter-02.xhtml#c2-una-sección",
        "chapter-02.xhtml",
        "#c1-comienzo",
    ]
    assert xpath(two, "//x:h2/@id") == ["c2-una-sección"]
    assert xpath(two, "//x:p/x:a/@href") == ["chapter-01.xhtml#c1-comienzo"]
    notes = xhtml(epub, "endnotes.xhtml")
    assert xpath(notes, "//x:li//x:p/x:a/@href") == [
        "chapter-02.xhtml#c2-una-sección",
        "chapter-01.xhtml#c1-comienzo",
    ]

    reader = PdfReader(project / "build" / "libro.pdf")
    pages = {
        name: reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()
    }
    texts = page_texts(project / "build" / "libro.pdf")
    section_page = next(i for i, t in enumerate(texts) if "Una sección De vuelta" in t)
    assert pages["d2-una-sección"] == section_page
    links = {
        str(annot.get_object()["/Dest"])
        for page in reader.pages
        for annot in page.get("/Annots", [])
        if "/Dest" in annot.get_object()
    }
    assert {"d2-una-sección", "d2-document", "d1-comienzo"} <= links


def test_a_link_to_an_id_another_document_lacks_is_an_error(project: Path, run_cli) -> None:
    write(project, "libro/book.yaml", "title: Libro\ndocuments: [uno.md, dos.md]\n")
    write(project, "libro/uno.md", "---\ntitle: Uno\n---\n\nA [link](dos.md#nada).\n")
    write(project, "libro/dos.md", "---\ntitle: Dos\n---\n\n# Algo\n")
    result = run_cli("check", "source/libro")
    assert result.code == 1
    assert "source/libro/uno.md:5: the link to 'dos.md#nada' leads nowhere" in result.err


def test_a_tall_figure_fits_its_page_with_its_caption(project: Path, run_cli) -> None:
    Image.new("RGB", (1200, 6000), (200, 120, 120)).save(project / "source" / "alto.png")
    write(project, "alta.md", """\
        ---
        title: Alta
        ---

        Un párrafo antes.

        ![Una imagen muy alta](alto.png)

        Un párrafo después.
        """)  # fmt: skip
    assert run_cli("build", "source/alta.md").code == 0
    epub = xhtml(project / "build" / "alta.epub", "text.xhtml")
    assert xpath(epub, "//x:figure/x:figcaption/text()") == ["Una imagen muy alta"]

    with pdfplumber.open(project / "build" / "alta.pdf") as pdf:
        [(number, image)] = [(n, i) for n, p in enumerate(pdf.pages) for i in p.images]
        page = pdf.pages[number]
        caption = [w for w in page.extract_words() if w["text"] == "alta"]
        assert caption and caption[0]["top"] > image["bottom"]  # under it, on its page
        assert image["top"] >= 18 / 25.4 * 72 - 1  # inside the top margin
        assert caption[0]["bottom"] <= page.height - 22 / 25.4 * 72 + 1  # above the bottom one


def test_pandocs_own_inline_tests_read_as_pandoc_reads_them(project: Path, run_cli) -> None:
    # From Pandoc's test/testsuite.txt, "Inline Markup" and "Footnotes".
    write(project, "suite.md", r"""
        ---
        title: Pandoc Test Suite
        ---

        ~~This is *strikeout*.~~

        Superscripts:  a^bc^d a^*hello*^ a^hello\ there^.

        Subscripts: H~2~O, H~23~O, H~many\ of\ them~O.

        These should not be superscripts or subscripts,
        because of the unescaped spaces:  a^b c^d, a~b c~d.

        This should *not* be a footnote reference, because it
        contains a space.[^my note]  Here is an inline note.^[This
        is *easier* to type.]
        """)  # fmt: skip
    result = run_cli("build", "source/suite.md")
    assert result.code == 0, result.err
    assert "source/suite.md:15: warning: [^my note] is printed as text" in result.err

    page = xhtml(project / "build" / "suite.epub", "text.xhtml")
    paragraphs = [
        re.sub(r"[ \n]+", " ", "".join(p.itertext())) for p in xpath(page, "//x:section/x:p")
    ]
    assert paragraphs[:4] == [
        "This is strikeout.",
        "Superscripts: abcd ahello ahello\u00a0there.",
        "Subscripts: H2O, H23O, Hmany\u00a0of\u00a0themO.",
        "These should not be superscripts or subscripts, because of the unescaped spaces: "
        "a^b c^d, a~b c~d.",
    ]
    assert xpath(page, "//x:del/x:em/text()") == ["strikeout"]
    assert xpath(page, "//x:sup/x:em/text()") == ["hello"]
    assert "contains a space.[^my note]" in paragraphs[4]
    text = " ".join(page_texts(project / "build" / "suite.pdf"))
    assert "a^b c^d, a~b c~d." in text and "[^my note]" in text
    # Only the literal ones: sup, sub and strikeout are set, not printed as marks.
    assert text.count("^") == 3 and text.count("~") == 2 and "*" not in text


def test_an_id_given_twice_is_an_error_at_its_second_line(project: Path, run_cli) -> None:
    write(project, "doble.md", """\
        ---
        title: Doble
        ---

        # Introducción

        ## Otra {#introducción}
        """)  # fmt: skip
    result = run_cli("check", "source/doble.md")
    assert result.code == 1
    assert "source/doble.md:7: the id 'introducción' is used twice (first on line 5)" in result.err


def _flat(outline: list) -> list:
    return [
        leaf for item in outline for leaf in (_flat(item) if isinstance(item, list) else [item])
    ]
