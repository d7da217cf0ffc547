"""Pandoc's own test documents, read by publish as Pandoc reads them.

Pandoc's `test/testsuite.txt` and `test/pipe-tables.txt` are GPL-licensed and not copied
here: point `PANDOC_TESTS` at the `test/` folder of a Pandoc checkout to run this
acceptance check (`PANDOC_TESTS=~/src/pandoc/test python -m pytest tests/test_pandoc_suite.py`).
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
from epub_helpers import epubcheck_problems
from lxml import etree
from pandoc_helpers import pandoc_html, reader_words, remove_keeping_tail, share_in_order
from pdf_helpers import page_texts
from PIL import Image

from publish.cli import main

PANDOC_TESTS = os.environ.get("PANDOC_TESTS", "")
pytestmark = pytest.mark.skipif(
    not (PANDOC_TESTS and Path(PANDOC_TESTS, "testsuite.txt").is_file()),
    reason="PANDOC_TESTS does not name Pandoc's test/ folder",
)
XHTML = "{http://www.w3.org/1999/xhtml}"


def with_yaml_header(name: str, folder: Path) -> Path:
    """The test document with a YAML header instead of Pandoc's `%` title block."""
    text = Path(PANDOC_TESTS, name).read_text(encoding="utf-8")
    lines = text.split("\n")
    title, authors, date = "Pipe tables", "", ""
    if lines[0].startswith("% "):
        title, authors, date = (line[2:] for line in lines[:3])
        text = "\n".join(lines[3:])
    header = f"---\ntitle: {title}\n" + (f"author: [{authors}]\ndate: {date}\n" if authors else "")
    source = folder / name.replace(".txt", ".md")
    source.write_text(header + "---\n\n" + text, encoding="utf-8")
    return source


@pytest.mark.parametrize("name", ["testsuite.txt", "pipe-tables.txt"])
def test_pandocs_test_document_builds_and_reads_as_pandoc_reads_it(name, tmp_path) -> None:
    (tmp_path / "publish.toml").write_text("")
    for image, size in (("lalune.jpg", (640, 480)), ("movie.jpg", (32, 32))):
        Image.new("RGB", size, "gray").save(tmp_path / image)
    source = with_yaml_header(name, tmp_path)

    assert main(["build", str(source), "--out", str(tmp_path / "build"), "--jobs", "1"]) == 0

    epub = tmp_path / "build" / source.with_suffix(".epub").name
    assert epubcheck_problems(epub) == []
    with zipfile.ZipFile(epub) as book:
        page = etree.fromstring(book.read("EPUB/text.xhtml"))
    [body] = page.iter(f"{XHTML}body")
    for apparatus in body.xpath("//*[@class='title' or @class='note-back']"):
        remove_keeping_tail(apparatus)
    pandoc = pandoc_html(source)
    for element in pandoc.xpath("//a[@role='doc-backlink'] | //span[contains(@class, 'math')]"):
        element.drop_tree()
    assert share_in_order(reader_words(pandoc), reader_words(body)) >= 0.99
    assert len(pandoc.xpath("//table")) == len(list(body.iter(f"{XHTML}table")))

    printed = " ".join(page_texts(epub.with_suffix(".pdf")))
    for syntax in (r"\$\$", r"\\frac", r"\\begin", r":::", r"\|---", r"\{#"):
        assert not re.search(syntax, printed), syntax
