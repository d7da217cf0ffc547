"""Accepted input that EPUBCheck would refuse: validated at the door, or made valid (class 14).

An attacker or a careless author writes a year before 1000, a blank identifier, raw HTML
whose allow-listed attributes hold values EPUB refuses (`lang="!!"`, `colspan="abc"`,
`dir="foo"`) or whose elements stand outside their context (an `<li>` with no list, a
`<td>` with no row), links with schemes no reader opens (`javascript:`, `file:`, `foo:`),
and a project style sheet that reaches the network. Each case of the corpus folder
`tests/fixtures/hostile/14-epubcheck/` is built to both formats here, as the corpus
harness does: either a clean `path:line` error with exit 1, or books whose every EPUB
EPUBCheck passes (all checked in one JVM).
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from publish.cli import main
from publish.resources import style_references
from publish.sanitize import attribute_value, clean_block
from tests.epubcheck_batch import epubcheck_many

# This class's corpus, and class 9's (images with names to escape: each case one build;
# the rebuild after a change is tests/test_hostile_cache.py's).
CASES = Path(__file__).resolve().parent / "fixtures" / "hostile"
NAMES = sorted(
    f"{case.parent.name}/{case.name}"
    for folder in ("14-epubcheck", "09-cache")
    for case in (CASES / folder).iterdir()
    if (case / "case.toml").is_file()
)


@dataclass
class Run:
    case: dict
    folder: Path
    code: int
    printed: str  # stdout and stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every case built once, in a copy of its folder."""
    done = {}
    for name in NAMES:
        folder = tmp_path_factory.mktemp("case") / name.split("/")[1]
        shutil.copytree(CASES / name, folder)
        case = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.chdir(folder),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = main(case.get("args", ["build"]))
        done[name] = Run(case, folder, code, out.getvalue() + err.getvalue())
    return done


@pytest.fixture(scope="module")
def epubcheck(runs: dict[str, Run]) -> dict[Path, list[str]]:
    epubs = [epub for run in runs.values() for epub in (run.folder / "build").glob("*.epub")]
    return epubcheck_many(epubs)


def epub_text(epub: Path) -> str:
    with zipfile.ZipFile(epub) as book:
        pages = [n for n in book.namelist() if n.endswith(".xhtml")]
        texts = ["".join(etree.fromstring(book.read(n)).itertext()) for n in pages]
    return " ".join(" ".join(texts).split())


@pytest.mark.parametrize("name", NAMES)
def test_each_case_ends_in_a_clean_error_or_valid_books(name, runs, epubcheck) -> None:
    run = runs[name]
    case = run.case
    assert "Traceback" not in run.printed and "internal error" not in run.printed, run.printed
    where = case.get("where")
    message = case.get("message", "")
    if case["expect"] == "error":
        assert run.code == 1, run.printed
        pattern = rf"^{re.escape(where)}: (?!warning:).*{message}" if where else message
        assert re.search(pattern, run.printed, re.MULTILINE), run.printed
        assert not list((run.folder / "build").glob("*.epub")), "a refused source writes nothing"
        return
    assert run.code == 0, run.printed
    if case["expect"] == "warning":
        pattern = rf"^{re.escape(where)}: warning: .*{message}" if where else message
        assert re.search(pattern, run.printed, re.MULTILINE), run.printed
    epubs = list((run.folder / "build").glob("*.epub"))
    pdfs = list((run.folder / "build").glob("*.pdf"))
    assert epubs and pdfs, run.printed
    for epub in epubs:
        assert epubcheck[epub] == [], "EPUBCheck:\n" + "\n".join(epubcheck[epub])
        for words in case.get("printed", ()):
            assert words in epub_text(epub), f"{words!r} is lost from the EPUB"
    for pdf in pdfs:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
        for words in case.get("printed", ()):
            assert words in text, f"{words!r} is lost from the PDF"


def test_an_early_year_is_written_with_four_digits(runs) -> None:
    epub = runs["14-epubcheck/year-0950"].folder / "build" / "doc.epub"
    with zipfile.ZipFile(epub) as book:
        opf = book.read("EPUB/content.opf").decode()
    assert "<dc:date>0950-03-01</dc:date>" in opf
    assert '<meta property="dcterms:modified">0950-03-01T00:00:00Z</meta>' in opf


def test_a_blank_identifier_gets_the_generated_one(runs) -> None:
    epub = runs["14-epubcheck/blank-identifier"].folder / "build" / "doc.epub"
    with zipfile.ZipFile(epub) as book:
        opf = book.read("EPUB/content.opf").decode()
    assert re.search(r'<dc:identifier id="id">urn:uuid:[0-9a-f-]{36}</dc:identifier>', opf)


def test_odd_schemes_never_become_links(runs) -> None:
    epub = runs["14-epubcheck/odd-link-schemes"].folder / "build" / "doc.epub"
    with zipfile.ZipFile(epub) as book:
        page = book.read("EPUB/text.xhtml").decode()
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert "mailto:a@b.example" in hrefs and "tel:+123" in hrefs
    assert not [h for h in hrefs if re.match(r"(?i)(javascript|data|file|foo|vbscript):", h)]
    for scheme in ("javascript", "data", "file", "foo"):
        assert f"link to '{scheme}:" in runs["14-epubcheck/odd-link-schemes"].printed or scheme in {
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
        ("<li>x</li>", "x"),
        ("<td>x</td>", "x"),
        ("<figcaption>x</figcaption>", "x"),
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
