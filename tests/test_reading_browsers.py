"""The reading-system tier, web engines: publish's EPUBs opened as a reader opens them in
epub.js, in foliate-js wired as the Foliate app wires it (footnote popover) and in Readium's
web navigator, on Debian's chromium driven by Playwright, at a phone's size (600 × 800).

For every engine × book (the samples, Vindication, a book of 150 notes) × notes setting:
clicking a note call shows the note (a popup in Foliate, a jump elsewhere), the note's back
link brings the reader back to the page where the call is, the cover is one page with the
whole image on it, and where Foliate hides the footnotes nothing empty is left at the end of
a chapter. Each case leaves a screenshot and the engine's counts in
test-artifacts/reading-systems/ (ENGINE-BOOK-NOTES.png, ENGINE.json).

Locally a missing chromium, Playwright or node_modules skips these tests; under CI=true it
fails them (tests/reading_engines.require).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import pytest
from reading_books import BOOKS, KEPUB, NOTES_SETTINGS
from reading_engines import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Book,
    BookServer,
    NoteCall,
    require_browser_engines,
)

ENGINES = ("epubjs", "foliate", "readium")
# Each book with both notes settings, and two as KEPUBs (an EPUB to these engines).
CASES = [(book, notes) for book in BOOKS for notes in NOTES_SETTINGS]
CASES += [("carta", KEPUB), ("notes150", KEPUB)]
VIEWPORT = {"width": 600, "height": 800}
WAIT_MS = 5000  # a click's effect: the note shown, or the page of the call back
NAVIGATION_MS = 15000  # opening a book, going to a place in it


@pytest.fixture(scope="module")
def browser():
    require_browser_engines()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = BookServer(tmp_path_factory.mktemp("reading-browsers"))
    yield server
    server.close()


_results_lock = threading.Lock()


@pytest.fixture(scope="module", autouse=True)
def fresh_counts():
    """Each run writes its own counts: the engines' JSON files start empty."""
    for engine in ENGINES:
        (ARTIFACTS / f"{engine}.json").unlink(missing_ok=True)


def record(engine: str, case: str, **numbers: object) -> None:
    """Merge `numbers` into test-artifacts/reading-systems/ENGINE.json under `case`."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{engine}.json"
    with _results_lock:
        data = json.loads(path.read_text("utf-8")) if path.exists() else {}
        data.setdefault(case, {}).update(numbers)
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")


@dataclass
class Reader:
    """One engine with one book open in its own page of the module's browser."""

    page: object
    engine: str
    book: Book
    errors: list[str] = field(default_factory=list)  # uncaught in the harness's own code
    engine_errors: list[str] = field(default_factory=list)  # inside the engine's package

    def page_error(self, error: object) -> None:
        """An uncaught error: the harness's own fail the test; the engine's are recorded
        (foliate-js, for one, can throw from a popup view closed while it still lays out,
        which the reader never sees)."""
        stack = getattr(error, "stack", "") or ""
        top = next((line for line in stack.splitlines() if line.strip().startswith("at ")), "")
        where = self.engine_errors if "/node_modules/" in top else self.errors
        where.append(str(error))

    def js(self, expression: str, arg: object = None) -> object:
        return self.page.evaluate(expression, arg)

    def call(self, method: str, arg: object) -> object:
        """Await `reader.METHOD(arg)` in the page, at most NAVIGATION_MS: an engine that
        never settles fails the test instead of hanging it."""
        return self.js(
            """([method, arg, ms]) => Promise.race([
                reader[method](arg),
                new Promise((_, reject) => setTimeout(
                    () => reject(new Error(`reader.${method}(${arg}) did not settle in ${ms} ms`)), ms)),
            ])""",
            [method, arg, NAVIGATION_MS],
        )

    def go(self, href: str) -> None:
        self.call("goTo", href)

    def shown(self, element_id: str) -> float:
        """How much of the element is on the screen (0 to 1)."""
        return self.js("s => reader.shown(s)", f'[id="{element_id}"]')

    def wait(self, condition: str, arg: object = None) -> bool:
        try:
            self.page.wait_for_function(condition, arg=arg, timeout=WAIT_MS, polling=50)
            return True
        except Exception:  # playwright's TimeoutError: the reader saw nothing happen
            return False

    def click(self, point: dict | None) -> bool:
        if not point:
            return False
        self.page.mouse.click(point["x"], point["y"])
        return True

    def screenshot(self, notes: str, suffix: str = "") -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = f"{self.engine}-{self.book.key.rsplit('-', 1)[0]}-{notes}{suffix}.png"
        self.page.screenshot(path=str(ARTIFACTS / name))


@pytest.fixture
def open_book(browser, server, reading_book):
    pages = []

    def open_(engine: str, name: str, notes: str) -> Reader:
        book = server.add_book(reading_book(name, notes), f"{name}-{notes}")
        page = browser.new_page(viewport=VIEWPORT)
        pages.append(page)
        reader = Reader(page, engine, book)
        page.on("pageerror", reader.page_error)
        page.goto(server.url("rs", "harness", f"{engine}.html"))
        page.wait_for_function("window.readerReady === true", timeout=10000)
        if engine == "readium":
            url = server.url("books", book.key, book.opf_dir, "manifest.json")
        else:
            url = server.url("books", f"{book.key}.epub")
        reader.call("open", url)
        return reader

    yield open_
    for page in pages:
        page.close()


def note_shown(reader: Reader, call: NoteCall) -> bool:
    """After a click on the call: Foliate pops the note up; the others jump to it."""
    if reader.engine == "foliate":
        return reader.wait("t => (reader.popupText() ?? '').includes(t)", call.text)
    return reader.wait(
        """([sel, t]) => (reader.settled?.() ?? true) && reader.shown(sel) > 0
            && reader.text().includes(t)""",
        [f'[id="{call.note_id}"]', call.text],
    )


def back_to_call(reader: Reader, call: NoteCall) -> bool:
    """Click the note's back link for this call; true when the call is on the screen again
    (and, in Foliate, the popup gone)."""
    link = f'a[role~="doc-backlink"][href$="#{call.call_id}"]'
    if reader.engine == "foliate":
        point = reader.js("s => reader.popupPoint(s)", link)
    else:
        point = reader.js("s => reader.point(s)", link)
    if not reader.click(point):
        return False
    return reader.wait(
        """sel => (reader.settled?.() ?? true) && reader.shown(sel) > 0.5
            && !document.querySelector('dialog[open]')""",
        f'[id="{call.call_id}"]',
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "notes"), CASES)
def test_note_calls_show_the_note_and_back_links_return_to_the_call(open_book, engine, name, notes):
    reader = open_book(engine, name, notes)
    calls = reader.book.calls
    assert calls, f"{name} has note calls to try"
    opened, landed, story = 0, 0, []
    for number, call in enumerate(calls):
        reader.go(call.label)
        assert reader.wait(
            "sel => (reader.settled?.() ?? true) && reader.shown(sel) > 0.5",
            f'[id="{call.call_id}"]',
        ), f"{engine} shows the page of the call {call.label} when asked to go there"
        shown = reader.click(reader.js("s => reader.point(s)", f'[id="{call.call_id}"]'))
        shown = shown and note_shown(reader, call)
        opened += shown
        if number == 0:
            reader.screenshot(notes)
        back = shown and back_to_call(reader, call)
        landed += back
        if not shown:
            story.append(f"clicking the call {call.label} does not show the note ({call.text!r})")
        elif not back:
            story.append(f"the back link of the note called at {call.label} does not return there")
    record(
        engine,
        f"{name}-{notes}",
        notes_opened=opened,
        notes_tried=len(calls),
        backlinks_landing=landed,
        backlinks_tried=len(calls),
        engine_errors=reader.engine_errors,
    )
    assert not story, f"{engine}, {name} (notes {notes}): " + "; ".join(story)
    assert not reader.errors, reader.errors


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "notes"), CASES)
def test_the_cover_is_one_page_with_the_whole_image(open_book, engine, name, notes):
    reader = open_book(engine, name, notes)
    reader.wait("() => (reader.settled?.() ?? true) && reader.shown('img') > 0")
    pages = reader.js("reader.sectionPages()")
    image = reader.js("reader.shown('img')")
    record(engine, f"{name}-{notes}", cover_pages=pages, cover_image_shown=round(image, 3))
    assert pages == 1, f"{engine} lays {name}'s cover out over {pages} pages"
    assert image > 0.99, f"{engine} shows {image:.0%} of {name}'s cover image on its page"


@pytest.mark.parametrize(("name", "notes"), CASES)
def test_foliate_leaves_nothing_empty_where_it_hides_the_notes(open_book, name, notes):
    """Foliate leaves footnote asides out of the running text (they pop up at their calls):
    the last page of every chapter must end with the text, not with an empty "Notes"
    heading or a rule over nothing."""
    reader = open_book("foliate", name, notes)
    leftovers, blank_last_pages = {}, 0
    for href in reader.book.chapters_with_notes:
        index = reader.js("h => reader.indexOf(h)", href)
        end = reader.call("chapterEnd", index)
        if end["leftovers"]:
            leftovers[href] = end["leftovers"]
        if not end["textOnLastPage"]:
            leftovers.setdefault(href, []).append("a last page without text")
            blank_last_pages += 1
        if reader.book.calls and href == reader.book.calls[0].doc:
            reader.screenshot(notes, "-chapter-end")
    record(
        "foliate",
        f"{name}-{notes}",
        chapters_with_notes=len(reader.book.chapters_with_notes),
        chapters_ending_with_empty_notes=len(leftovers),
        chapters_whose_last_page_has_no_text=blank_last_pages,
    )
    assert not leftovers, (
        f"in Foliate, {len(leftovers)} of {len(reader.book.chapters_with_notes)} chapters of "
        f"{name} (notes {notes}) end with something empty after the text: "
        + "; ".join(f"{href}: {items}" for href, items in list(leftovers.items())[:3])
    )
