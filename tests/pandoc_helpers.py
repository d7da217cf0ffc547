"""Reading a source as Pandoc reads it, to hold publish's reading against it word for word."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree, html

MATHML = "{http://www.w3.org/1998/Math/MathML}math"


def pandoc_html(source: Path, *options: str) -> etree._Element:
    """Pandoc's HTML5 of `source` (the test is skipped where Pandoc is not installed)."""
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed")
    done = subprocess.run(
        ["pandoc", "-f", "markdown", "-t", "html5", *options, str(source)],
        capture_output=True,
        text=True,
        check=True,
    )
    return html.fromstring(f"<div>{done.stdout}</div>")


def reader_words(root: etree._Element) -> list[str]:
    """The words a reader sees: neither math nor what a script says (Pandoc keeps raw
    HTML as it is; a book keeps no script)."""
    for math in [*root.iter(MATHML), *root.iter("math", "script")]:
        math.getparent().remove(math) if math.tail is None else _drop_keeping_tail(math)
    return re.findall(r"\w+", " ".join(root.itertext()))


def share_in_order(theirs: list[str], ours: list[str]) -> float:
    """How much of `theirs` is in `ours`, in the same order (1.0: all of it)."""
    matcher = difflib.SequenceMatcher(None, theirs, ours, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(theirs))


def _drop_keeping_tail(element: etree._Element) -> None:
    parent, previous = element.getparent(), element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + element.tail
    else:
        parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def remove_keeping_tail(element: etree._Element) -> None:
    """Take `element` out, leaving the text after it (lxml's `remove` takes that too)."""
    before, parent = element.getprevious(), element.getparent()
    if before is not None:
        before.tail = (before.tail or "") + (element.tail or "")
    else:
        parent.text = (parent.text or "") + (element.tail or "")
    parent.remove(element)
