"""The books in the reading systems that are not browsers: MuPDF (through PyMuPDF), calibre 6
(its AZW3 conversion, its metadata and its Check Book) and Ace by DAISY.

Each engine measures every book once (module fixtures), writes what it found to
test-artifacts/reading-systems/ENGINE.json for the README's table, and the tests then read
like a reader's story over those measurements. A missing engine skips here, and fails
under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from reading_engines import ARTIFACTS, CHROMIUM, require
from reading_tools_helpers import (
    BOOK_CASES,
    NODE_BIN,
    calibre,
    calibre_found,
    case_id,
    check_book,
    ebook_meta,
    note_calls,
    note_links,
    opf_fields,
    repeated_titles,
    squeeze,
    toc_titles,
    write_findings,
)

# ---------------------------------------------------------------------------------------
# MuPDF: the EPUB laid out as pages, the way MuPDF-based readers (SumatraPDF, zathura,
# KOReader's crengine aside) show it.

PAGE_SIZES = {"phone": (360, 640), "e-reader": (600, 800), "tablet": (768, 1024)}
FONT_SIZE = 12
PICTURE_SIZE = "e-reader"


def mupdf_measure(pymupdf, epub: Path, name: str, notes: str) -> dict:
    """Lay the book out at every page size and follow every note link both ways."""
    calls = note_calls(epub)
    doc = pymupdf.open(epub)
    sizes = {}
    for size, (width, height) in PAGE_SIZES.items():
        doc.layout(width=width, height=height, fontsize=FONT_SIZE)
        links = {}

        def links_on(number: int, links=links) -> list[dict]:
            if number not in links:
                links[number] = doc[number].get_links() if 0 <= number < doc.page_count else []
            return links[number]

        def lands(link: dict, place: tuple) -> bool:
            return link.get("page") == place[0] and abs(link["to"].y - place[2]) < 1

        # Each page's words, and whether it shows a picture (a block of type 1).
        flags = pymupdf.TEXTFLAGS_BLOCKS | pymupdf.TEXT_PRESERVE_IMAGES
        blocks = [page.get_text("blocks", flags=flags) for page in doc]
        texts = ["".join(b[4] for b in page if b[6] == 0) for page in blocks]
        shows_image = [any(b[6] == 1 for b in page) for page in blocks]
        found = Counter()
        missing = []
        for call in calls:
            at_call = doc.resolve_link(f"{call.page}#{call.call_id}")
            at_note = doc.resolve_link(f"{call.note_page}#{call.note_id}")
            # The page the reader taps the call on: MuPDF places the anchor of a call
            # whose line moved to the next page at the foot of the page before.
            call_pages = [
                number
                for number in (at_call[0], at_call[0] + 1)
                if at_call[0] >= 0 and any(lands(lk, at_note) for lk in links_on(number))
            ]
            opens = bool(call_pages)
            shown = at_note[0] >= 0 and squeeze(call.note_text)[:24] in squeeze(
                "".join(texts[n] for n in (at_note[0], at_note[0] + 1) if n < doc.page_count)
            )
            # The note's back link to this call, on the note's page (or the next, for a
            # note that starts at the foot of a page): where it turns to.
            back = (call.page, call.call_id) in call.back_hrefs
            back_there = back and any(
                lands(lk, at_call)
                for number in (at_note[0], at_note[0] + 1)
                for lk in links_on(number)
            )
            on_call_page = back_there and opens and at_call[0] == call_pages[0]
            page_early = back_there and opens and at_call[0] == call_pages[0] - 1
            found.update(
                calls_opening_note=opens,
                notes_shown=shown,
                back_links=back,
                back_links_landing_on_call_page=on_call_page,
                back_links_landing_a_page_early=page_early,
            )
            if not (opens and shown and on_call_page):
                missing.append(
                    f"{call.call_id}: opens={opens} note shown={shown} "
                    f"back link lands on the call's page={on_call_page} "
                    f"(at the foot of the page before={page_early})"
                )
        cover_pages = doc.chapter_page_count(0)
        blank = [
            page.number
            for page in doc
            if page.number >= cover_pages
            and not texts[page.number].strip()
            and not shows_image[page.number]
        ]
        cover_image = any(shows_image[:cover_pages])
        sizes[size] = {
            "pages": doc.page_count,
            "cover_pages": cover_pages,
            "cover_shows_image": cover_image,
            "blank_pages": blank,
            "calls": len(calls),
            **{
                key: found[key]
                for key in (
                    "calls_opening_note",
                    "notes_shown",
                    "back_links",
                    "back_links_landing_on_call_page",
                    "back_links_landing_a_page_early",
                )
            },
            "problems": missing[:10],
        }
        if size == PICTURE_SIZE:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            stem = f"mupdf-{name}-{notes}"
            cover = ([n for n in range(cover_pages) if shows_image[n]] or [0])[0]
            doc[cover].get_pixmap().save(ARTIFACTS / f"{stem}-cover.png")
            if calls:
                at_note = doc.resolve_link(f"{calls[0].note_page}#{calls[0].note_id}")
                doc[at_note[0]].get_pixmap().save(ARTIFACTS / f"{stem}-notes.png")
            else:
                doc[min(3, doc.page_count - 1)].get_pixmap().save(ARTIFACTS / f"{stem}.png")
    return sizes


@pytest.fixture(scope="module")
def mupdf(reading_book) -> dict:
    """Every book in MuPDF at every page size: {"book-notes": {size: findings}}."""
    try:
        import pymupdf
    except ImportError:
        pymupdf = None
    require(pymupdf is not None, "PyMuPDF")
    findings = {
        case_id(case): mupdf_measure(pymupdf, reading_book(*case), *case) for case in BOOK_CASES
    }
    findings["_engine"] = {"mupdf": pymupdf.mupdf_version, "pymupdf": pymupdf.__version__}
    write_findings("mupdf", findings)
    return findings


@pytest.mark.parametrize("size", PAGE_SIZES)
@pytest.mark.parametrize("case", BOOK_CASES, ids=case_id)
def test_mupdf_cover_is_one_page(mupdf, case, size):
    """Opening the book shows its cover, alone on one screen: no blank page before or after."""
    found = mupdf[case_id(case)][size]
    assert found["cover_pages"] == 1, (
        f"MuPDF lays the cover out over {found['cover_pages']} pages at {size} size"
    )
    assert found["cover_shows_image"]


@pytest.mark.parametrize("size", PAGE_SIZES)
@pytest.mark.parametrize("case", BOOK_CASES, ids=case_id)
def test_mupdf_note_calls_open_notes_and_back_links_return(mupdf, case, size):
    """Tapping the call of a note turns to the page where the note's text is; the note's
    back link turns back to the page of the call."""
    found = mupdf[case_id(case)][size]
    assert found["calls"] > 0
    assert found["calls_opening_note"] == found["calls"], found["problems"]
    assert found["notes_shown"] == found["calls"], found["problems"]
    assert found["back_links"] == found["calls"], found["problems"]
    # MuPDF's own quirk: the anchor of a call whose line went over to the next page is
    # placed at the foot of the page before, and a link to it turns to that page.
    assert (
        found["back_links_landing_on_call_page"] + found["back_links_landing_a_page_early"]
        == found["calls"]
    ), found["problems"]


@pytest.mark.parametrize("size", PAGE_SIZES)
@pytest.mark.parametrize("case", BOOK_CASES, ids=case_id)
def test_mupdf_no_blank_page_after_the_cover(mupdf, case, size):
    """Paging through the book, every page after the cover shows words or a picture."""
    assert mupdf[case_id(case)][size]["blank_pages"] == []


# ---------------------------------------------------------------------------------------
# calibre 6: the AZW3 a Kindle gets from calibre, the metadata its library shows, and the
# ebook editor's Check Book.

# calibre's conversion is the slow part: these cases make the round trip.
ROUND_TRIP = [
    ("carta", "chapter"),
    ("vindication", "chapter"),
    ("notes150", "chapter"),
    ("notes150", "book"),
    ("notes150", "kepub"),
]
# calibre shows ISO 639-2 languages.
LANGUAGES = {"en": "eng", "es": "spa", "fr": "fra", "de": "deu", "it": "ita", "pt": "por"}


@pytest.fixture(scope="module")
def calibre_books(reading_book, tmp_path_factory) -> dict:
    """Every book through calibre: Check Book on each EPUB, `ebook-meta` on each EPUB, and
    for the round-trip cases EPUB → AZW3 → EPUB with `ebook-meta` on the AZW3."""
    require(calibre_found(), "calibre (ebook-convert, ebook-meta, calibre-debug)")
    out = tmp_path_factory.mktemp("calibre")
    epubs = {case: reading_book(*case) for case in BOOK_CASES}

    def round_trip(case):
        azw3 = out / f"{case_id(case)}.azw3"
        back = out / f"{case_id(case)}-from-azw3.epub"
        calibre("ebook-convert", epubs[case], azw3)
        calibre("ebook-convert", azw3, back)
        return case, azw3, back

    with ThreadPoolExecutor(max_workers=2) as pool:
        checked = pool.submit(check_book, list(epubs.values()))
        trips = list(pool.map(round_trip, ROUND_TRIP))
        metas = dict(
            zip(
                [("epub", case) for case in BOOK_CASES] + [("azw3", case) for case, *_ in trips],
                pool.map(
                    ebook_meta,
                    [epubs[case] for case in BOOK_CASES] + [azw3 for _, azw3, _ in trips],
                ),
                strict=True,
            )
        )
        checks = checked.result()

    findings: dict = {}
    for case in BOOK_CASES:
        problems = checks[str(epubs[case])]
        findings[case_id(case)] = {
            "check_book": {
                level: [
                    f"{p['check']} {p['file']}:{p['line']}: {p['message']}"
                    for p in problems
                    if p["level"] == level
                ]
                for level in ("critical", "error", "warning", "info")
            },
            "epub_metadata": metas[("epub", case)],
        }
    for case, _azw3, back in trips:
        before, after = note_links(epubs[case]), note_links(back)
        findings[case_id(case)]["azw3_round_trip"] = {
            "calls": before.calls,
            "calls_surviving": after.calls_to_notes,
            "back_links": before.back_links,
            "back_links_surviving": after.back_links_to_calls,
            "toc_epub": toc_titles(epubs[case]),
            "toc_after_round_trip": toc_titles(back),
        }
        findings[case_id(case)]["azw3_metadata"] = metas[("azw3", case)]
    findings["_engine"] = {"calibre": calibre("ebook-convert", "--version").splitlines()[0]}
    write_findings("calibre", findings)
    return {"findings": findings, "epubs": epubs}


@pytest.mark.parametrize("case", ROUND_TRIP, ids=case_id)
def test_calibre_azw3_keeps_every_note_link(calibre_books, case):
    """Converted to AZW3 by calibre and back, every call still leads to its note and every
    note's back link still leads to its call."""
    trip = calibre_books["findings"][case_id(case)]["azw3_round_trip"]
    assert trip["calls"] > 0
    assert trip["calls_surviving"] == trip["calls"]
    assert trip["back_links_surviving"] == trip["back_links"] >= trip["calls"] // 2


@pytest.mark.parametrize("case", ROUND_TRIP, ids=case_id)
def test_calibre_azw3_keeps_the_contents_once(calibre_books, case):
    """The Kindle's table of contents lists what the EPUB's does, each entry once."""
    trip = calibre_books["findings"][case_id(case)]["azw3_round_trip"]
    assert trip["toc_after_round_trip"] == trip["toc_epub"]
    assert repeated_titles(trip["toc_epub"]) == []


def shown(fields: dict[str, str]) -> str:
    return " ".join(" ".join(fields.values()).split())


# Each file calibre reads: some of the books, and the AZW3 made of each of ROUND_TRIP.
CALIBRE_FILES = [("epub", case) for case in BOOK_CASES[::2]] + [("azw3", c) for c in ROUND_TRIP]


@pytest.mark.parametrize(
    ("kind", "case"), CALIBRE_FILES, ids=lambda v: v if isinstance(v, str) else case_id(v)
)
def test_calibre_shows_the_books_metadata(calibre_books, case, kind):
    """calibre's library shows the book's title, authors, publisher, language and date."""
    book = calibre_books["findings"][case_id(case)]
    fields = book[f"{kind}_metadata"]
    expected = opf_fields(calibre_books["epubs"][case])
    assert expected["title"][0] in fields["Title"]
    assert fields["Author(s)"].split(" [")[0] == " & ".join(expected["authors"])
    if expected["publisher"]:
        assert fields.get("Publisher") == expected["publisher"][0]
    language = expected["language"][0].split("-")[0]
    assert fields["Languages"].split(", ")[0] == LANGUAGES.get(language, language)
    # calibre keeps a date without a time to the month (its day may be one off), and a
    # year alone to the year.
    given = expected["date"][0][:7]
    assert fields["Published"][: len(given)] == given


@pytest.mark.parametrize(
    ("kind", "case"), CALIBRE_FILES, ids=lambda v: v if isinstance(v, str) else case_id(v)
)
def test_calibre_shows_translator_editor_source_and_rights(calibre_books, case, kind):
    """The translator, the editor, the source and the rights reach calibre's metadata,
    from the EPUB and from the AZW3 calibre makes of it."""
    fields = calibre_books["findings"][case_id(case)][f"{kind}_metadata"]
    expected = opf_fields(calibre_books["epubs"][case])
    wanted = {
        key: value
        for key in ("translator", "editor", "source", "rights")
        for value in expected[key]
    }
    if not wanted:
        pytest.skip("the book has no translator, editor, source or rights")
    missing = {
        key: value for key, value in wanted.items() if squeeze(value) not in squeeze(shown(fields))
    }
    assert missing == {}, f"calibre shows only {sorted(fields)}"


@pytest.mark.parametrize("case", BOOK_CASES, ids=case_id)
def test_calibre_check_book_finds_no_error(calibre_books, case):
    """calibre's Check Book (the ebook editor's checker) finds no error in the EPUB."""
    check = calibre_books["findings"][case_id(case)]["check_book"]
    assert check["critical"] + check["error"] == []


# ---------------------------------------------------------------------------------------
# Ace by DAISY: the accessibility checker publishers use.

ACE = NODE_BIN / "ace-puppeteer"


def ace_report(epub: Path, out: Path) -> dict:
    done = subprocess.run(
        [str(ACE), "-f", "-s", "-o", str(out), str(epub)],
        capture_output=True,
        text=True,
        env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": str(CHROMIUM)},
        timeout=300,
    )
    report = out / "report.json"
    assert done.returncode == 0 and report.exists(), f"Ace failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(report.read_text(encoding="utf-8"))


def ace_issues(report: dict) -> dict[str, dict[str, int]]:
    """Ace's failed checks: {impact: {rule: how many}}."""
    found: dict[str, Counter] = {}
    for document in report.get("assertions", []):
        for check in document.get("assertions", []):
            if check["earl:result"]["earl:outcome"] != "fail":
                continue
            test = check["earl:test"]
            found.setdefault(test["earl:impact"], Counter())[test["dct:title"]] += 1
    return {impact: dict(rules) for impact, rules in found.items()}


@pytest.fixture(scope="module")
def ace(reading_book, tmp_path_factory) -> dict:
    """Ace's issues for every book: {"book-notes": {impact: {rule: count}}}."""
    require(
        ACE.exists() and CHROMIUM.exists(),
        "Ace by DAISY (npm ci in tests/reading_systems) or chromium",
    )
    out = tmp_path_factory.mktemp("ace")
    epubs = {case: reading_book(*case) for case in BOOK_CASES}
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = pool.map(lambda case: ace_report(epubs[case], out / case_id(case)), BOOK_CASES)
        issues = {case: ace_issues(r) for case, r in zip(BOOK_CASES, reports, strict=True)}
    findings = {
        case_id(case): {
            "by_impact": {impact: sum(rules.values()) for impact, rules in found.items()},
            "rules": found,
        }
        for case, found in issues.items()
    }
    version = subprocess.run([str(ACE), "--version"], capture_output=True, text=True)
    findings["_engine"] = {"ace": version.stdout.strip()}
    write_findings("ace", findings)
    return findings


@pytest.mark.parametrize("case", BOOK_CASES, ids=case_id)
def test_ace_finds_no_critical_or_serious_issue(ace, case):
    """Ace by DAISY finds nothing critical or serious for a reader using assistive technology."""
    issues = ace[case_id(case)]["rules"]
    assert issues.get("critical", {}) == {}
    assert issues.get("serious", {}) == {}


@pytest.mark.parametrize("case", BOOK_CASES, ids=case_id)
def test_ace_finds_no_moderate_issue(ace, case):
    """Ace's moderate issues are fixed (the README justifies any that stays)."""
    assert ace[case_id(case)]["rules"].get("moderate", {}) == {}


def test_tools_are_where_ci_installs_them():
    """CI installs every engine this module drives (.ci/run)."""
    if os.environ.get("CI") != "true":
        pytest.skip("only CI must have every engine")
    assert calibre_found() and ACE.exists() and CHROMIUM.exists() and shutil.which("node")
