"""The import round trip of every sample and corpus book: each built to a PDF by publish,
the PDF imported back (publish.importers), the import compared with the source
(tests/import_roundtrip.py). Prints the README's "Import round trip" table.

    python bench/import_roundtrip.py            # the samples and the corpus books
    python bench/import_roundtrip.py --browser  # the same, made by Pandoc + Chromium instead
    python bench/import_roundtrip.py --typst    # the same, set by Typst (the test extra's)
    python bench/import_roundtrip.py some.pdf   # any PDF: its import's figures only

With --browser each source is made one HTML page by Pandoc (a book's documents one after
the other, each under its title as a heading) and printed to PDF by headless Chromium: a
ragged-right text, its notes after the text as a numbered list — a PDF made by another
tool than publish. With --typst each source is written in Typst's markup (a centred title
block, its notes as `#footnote`s; tests/import_roundtrip.py's `typst_pdf`) and set by Typst:
justified, hyphenated, the notes at the page's foot.

A script, not a test: tests/test_import_pdf.py asserts the figures of the letter and the
small book; the corpus books take a few minutes to build.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import publish  # noqa: E402
from publish.importers import read_draft  # noqa: E402
from tests.import_roundtrip import (  # noqa: E402
    browser_pdf,
    compare,
    read_markdown,
    read_source,
    typst_pdf,
)

SOURCES = (
    "source/carta-muste-1936.md",
    "source/cartas-y-manifiestos",
    "tests/fixtures/corpus/communist-manifesto",
    "tests/fixtures/corpus/vindication-of-the-rights-of-woman",
)


def publish_pdf(source: Path, out: Path) -> Path:
    (pdf,) = publish.build([source], out=out, formats=("pdf",), jobs=1, force=True)
    return pdf


def round_trip(source: Path, out: Path, make=publish_pdf) -> str:
    started = time.monotonic()
    draft = read_draft(make(source, out))
    figures = compare(read_source(source), read_markdown(draft.markdown()))
    seconds = time.monotonic() - started
    fields = f"{len(figures.fields_right)}/{len(figures.fields_right) + len(figures.fields_wrong)}"
    if figures.fields_wrong:
        fields += f" ({', '.join(figures.fields_wrong)} wrong)"
    return (
        f"| `{source.relative_to(REPO)}` | {figures.words:,} | {figures.matched_share:.2%} "
        f"| {figures.added_share:.2%} | {figures.notes_placed}/{figures.notes} | {fields} "
        f"| {seconds:.0f} s |"
    )


def main(arguments: list[str]) -> None:
    if arguments and arguments[0] not in ("--browser", "--typst"):
        for name in arguments:
            draft = read_draft(Path(name))
            looks = sum(guess.needs_look for guess in draft.guesses)
            print(
                f"{name}: {len(draft.blocks)} blocks, {len(draft.notes)} notes, "
                f"{len(draft.guesses)} guesses ({looks} to look at), fields {draft.fields}"
            )
        return
    print("| source | words | words matched | words added | notes placed | fields right | time |")
    print("| --- | --: | --: | --: | --: | --- | --: |")
    makers = {"--browser": browser_pdf, "--typst": typst_pdf}
    make = makers.get(arguments[0] if arguments else "", publish_pdf)
    with tempfile.TemporaryDirectory() as folder:
        for name in SOURCES:
            print(round_trip(REPO / name, Path(folder), make), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
