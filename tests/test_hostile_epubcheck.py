"""Accepted input that EPUBCheck would refuse: validated at the door, or made valid (class 14).

An attacker or a careless author writes a year before 1000, a blank identifier, raw HTML
whose allow-listed attributes hold values EPUB refuses (`lang="!!"`, `colspan="abc"`,
`dir="foo"`) or whose elements stand outside their context (an `<li>` with no list, a
`<td>` with no row), links with schemes no reader opens (`javascript:`, `file:`, `foo:`),
and a project style sheet that reaches the network. The corpus folder
`tests/fixtures/hostile/14-epubcheck/` holds the cases (built by the corpus test); here,
what their books hold, and the pieces that make them valid.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from publish.resources import style_references
from publish.sanitize import attribute_value, clean_block
from tests.test_hostile_corpus import CASES, Run, run


def built(name: str, tmp_path: Path) -> Run:
    """One case of the corpus (tests/fixtures/hostile/, where the corpus test builds them
    all), built again to look inside its books."""
    return run(next(case for case in CASES if case.name == name), tmp_path)


def opf(result: Run) -> str:
    epub = next(book for book in result.books if book.suffix == ".epub")
    with zipfile.ZipFile(epub) as book:
        return book.read("EPUB/content.opf").decode()


def test_an_early_year_is_written_with_four_digits(tmp_path: Path) -> None:
    package = opf(built("14-epubcheck/year-0950", tmp_path))
    assert "<dc:date>0950-03-01</dc:date>" in package
    # The release is dated by its files, not by the text's tenth-century date.
    assert re.search(r'<meta property="dcterms:modified">\d{4}-\d\d-\d\dT[\d:]{8}Z</meta>', package)
    assert "0950-03-01T" not in package


def test_a_blank_identifier_gets_the_generated_one(tmp_path: Path) -> None:
    package = opf(built("14-epubcheck/blank-identifier", tmp_path))
    assert re.search(r'<dc:identifier id="id">urn:uuid:[0-9a-f-]{36}</dc:identifier>', package)


def test_odd_schemes_never_become_links(tmp_path: Path) -> None:
    result = built("14-epubcheck/odd-link-schemes", tmp_path)
    epub = next(book for book in result.books if book.suffix == ".epub")
    with zipfile.ZipFile(epub) as book:
        page = book.read("EPUB/text.xhtml").decode()
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert "mailto:a@b.example" in hrefs and "tel:+123" in hrefs
    assert not [h for h in hrefs if re.match(r"(?i)(javascript|data|file|foo|vbscript):", h)]
    for scheme in ("javascript", "data", "file", "foo"):
        assert f"link to '{scheme}:" in result.err or scheme in {
            "javascript",
            "data",
            "file",
        }  # markdown-it refuses these three itself: they stay text, never a link


@pytest.mark.parametrize(
    ("name", "value", "kept"),
    [
        ("lang", "es", "es"),
        ("lang", "en-GB", "en-GB"),
        ("lang", "not a lang!", None),
        ("lang", "!!", None),
        ("dir", "RTL", "rtl"),
        ("dir", "foo", None),
        ("colspan", "2", "2"),
        ("colspan", "abc", None),
        ("colspan", "0", None),
        ("colspan", "-1", None),
        ("rowspan", "-1", None),
        ("start", "x", None),
        ("start", "-3", "-3"),
        ("scope", "col", "col"),
        ("scope", "diagonal", None),
        ("reversed", "no", "reversed"),
        ("datetime", "1936-02-12", "1936-02-12"),
        ("datetime", "1936", "1936"),
        ("datetime", "garbage", None),
        ("title", "anything <at> all", "anything <at> all"),
    ],
)
def test_allowed_attributes_keep_only_values_epub_allows(name, value, kept) -> None:
    assert attribute_value(name, value) == kept


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("<li>x</li>", "<div>x</div>"),
        ("<td>x</td>", "x"),
        ("<figcaption>x</figcaption>", "<div>x</div>"),
        ("<dt>term</dt><dd>definition</dd>", "<div>term</div><div>definition</div>"),
        ("<div><tr><td>x</td></tr></div>", "<div>x</div>"),
        ("<ul><li>a</li></ul>", "<ul><li>a</li></ul>"),
        (
            "<figure><figcaption>c</figcaption></figure>",
            "<figure><figcaption>c</figcaption></figure>",
        ),
        ('<td colspan="abc">x</td>', "x"),
        ('<p dir="foo" lang="es">x</p>', '<p lang="es">x</p>'),
    ],
)
def test_block_html_out_of_context_keeps_its_words_not_its_tags(raw, cleaned) -> None:
    assert clean_block(raw) == cleaned


def test_a_sheet_is_read_for_every_url_with_its_line(tmp_path: Path) -> None:
    sheet = tmp_path / "epub.css"
    sheet.write_text(
        "p { color: red; }\n"
        "@import 'https://a.example/x.css';\n"
        "@media screen { body { background: url(HTTP://b.example/y.png) } }\n"
        "li { list-style-image: url(#marker); }\n"
        "q { background-image: image-set('//c.example/z.png' 1x); }\n"
        "i { background: url(data:image/gif;base64,R0lGOD==); }\n"
    )
    found = [(e.location.line, e.message.split("'")[1]) for e in style_references(sheet, "s", True)]
    assert found == [
        (2, "https://a.example/x.css"),
        (3, "HTTP://b.example/y.png"),
        (5, "//c.example/z.png"),
    ]
