"""`publish serve`, seen from a browser: headless Chromium (Debian's, driven by Playwright)
against a server started as the user starts it, over a small project of three documents.

The library page lists the books, a book's page shows its header and notes, a download is
the output byte for byte, the OPDS catalog is served, paths out of the output folder are
404, and a saved source shows in the open preview (its EPUB page and its PDF pages) within
two seconds.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pdfplumber
import pytest
from lxml import etree
from reading_engines import CHROMIUM, CHROMIUM_ARGS, require

REPO = Path(__file__).resolve().parent.parent
OPDS_SCHEMA = REPO / "tests" / "schema" / "opds-1.2" / "opds.rng"
ATOM = "{http://www.w3.org/2005/Atom}"
LIVE_SECONDS = 2.0  # from the save to the change being seen in the open preview

LETTER = """\
    ---
    title: "Carta a <b>Muste</b> & amigos"
    subtitle: Desde Barcelona
    author: Ana Pérez
    translator: Tom Smith
    date: 1936-02-03
    lang: es
    source: Letter to A. J. Muste, 1936
    publisher: Archivo Abierto
    rights: Dominio público
    subject: [cartas, guerra civil]
    ---

    Querido amigo, le escribo desde Barcelona.[^1]

    Le mando saludos de todos.[^2]

    [^1]: La ciudad estaba tranquila.
    [^2]: Y de los niños.
    """

ESSAY = """\
    ---
    title: On Printing
    author: [John Smith, Mary Jones]
    date: 1910
    lang: en
    ---

    Printing is the art of the many.[^1]

    [^1]: A note.
    """

DRAFT = """\
    ---
    title: A Draft
    author: Ada Lovelace
    date: 1843
    lang: en
    ---

    The engine weaves algebraic patterns.

    {extra}
    """


@dataclass
class Served:
    url: str
    project: Path
    out: Path
    process: subprocess.Popen[str]


def write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def start_serve(project: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """`publish serve --port 0 ARGS` in `project`, and the URL it prints."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", "serve", "--port", "0", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if found := re.search(r"http://\S+/", line):
            return process, found.group(0)
    process.wait(timeout=10)
    pytest.fail(f"publish serve did not start: {process.stderr.read() if process.stderr else ''}")


def _interruptible() -> None:
    """Ctrl-C as a terminal sends it: a test runner started in the background ignores
    SIGINT, and its children would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    project = tmp_path_factory.mktemp("served")
    (project / "publish.toml").write_text("")
    (project / "source").mkdir()
    write(project / "source" / "letter.md", LETTER)
    write(project / "source" / "essay.md", ESSAY)
    write(project / "source" / "draft.md", DRAFT.format(extra=""))
    (project / "styles").mkdir()
    (project / "styles" / "epub.css").write_text("/* the project's additions */\n")
    process, url = start_serve(project)
    try:
        yield Served(url, project, project / "build", process)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require(CHROMIUM.exists(), f"Debian's chromium is not installed ({CHROMIUM})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Python playwright is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(accept_downloads=True)  # type: ignore[attr-defined]
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_library_page_lists_every_book(served: Served, page: object) -> None:
    page.goto(served.url)
    books = page.locator("li.book")
    assert books.count() == 3
    text = page.locator("ul.books").inner_text()
    for expected in ("Carta a <b>Muste</b> & amigos", "Ana Pérez", "On Printing"):
        assert expected in text  # a title's markup is shown as text, never made an element
    assert "John Smith, Mary Jones" in text and "A Draft" in text and "Ada Lovelace" in text
    assert page.locator("ul.books b").count() == 0
    letter = books.filter(has_text="Ana Pérez")
    assert letter.locator("h2").get_attribute("lang") == "es"
    assert "1936-02-03" in letter.inner_text() and "EPUB" in letter.inner_text()
    assert re.search(r"PDF \d+ KiB", letter.inner_text())
    thumbnail = letter.locator("img")
    assert thumbnail.evaluate("image => image.complete && image.naturalWidth > 0")


def test_a_book_page_shows_its_header_formats_and_notes(served: Served, page: object) -> None:
    page.goto(served.url)
    page.get_by_role("link", name="Carta a <b>Muste</b> & amigos").click()
    page.wait_for_url("**/books/letter")
    assert page.locator("h1").inner_text() == "Carta a <b>Muste</b> & amigos"
    assert page.locator("article header").get_attribute("lang") == "es"
    header = page.locator("dl.header").inner_text()
    for expected in (
        "1936-02-03",
        "Letter to A. J. Muste, 1936",
        "Tom Smith",
        "Archivo Abierto",
        "Dominio público",
        "cartas, guerra civil",
    ):
        assert expected in header
    assert page.locator("dd.notes").inner_text() == "2"
    assert page.locator(".subtitle").inner_text() == "Desde Barcelona"
    assert page.locator("ul.formats li").count() == 2
    assert page.locator("img.cover").evaluate("image => image.naturalWidth > 0")
    assert page.locator("a.preview").get_attribute("href") == "/preview/letter"


def test_downloads_are_the_outputs_byte_for_byte(served: Served, page: object) -> None:
    page.goto(served.url + "books/letter")
    with page.expect_download() as download:
        page.get_by_role("link", name="letter.epub").click()
    saved = Path(download.value.path())
    assert download.value.suggested_filename == "letter.epub"
    assert saved.read_bytes() == (served.out / "letter.epub").read_bytes()

    answer = page.request.get(served.url + "files/letter.pdf")
    pdf = (served.out / "letter.pdf").read_bytes()
    assert answer.status == 200 and answer.body() == pdf
    headers = answer.headers
    assert headers["content-type"] == "application/pdf"
    assert headers["content-length"] == str(len(pdf))
    assert headers["content-disposition"].startswith('attachment; filename="letter.pdf"')
    assert headers["etag"] and headers["last-modified"]
    kepub = served.out / "essay.kepub.epub"  # a KEPUB built earlier (`--format kepub`)
    kepub.write_bytes((served.out / "essay.epub").read_bytes())
    try:
        answer = page.request.get(served.url + "files/essay.kepub.epub")
        assert answer.body() == kepub.read_bytes()
        assert answer.headers["content-type"] == "application/kepub+zip"
    finally:
        kepub.unlink()
    again = page.request.get(
        served.url + "files/letter.pdf", headers={"If-None-Match": headers["etag"]}
    )
    assert again.status == 304


def test_paths_out_of_the_library_are_not_found(served: Served, tmp_path: Path) -> None:
    outside = tmp_path / "outside.epub"
    outside.write_bytes((served.out / "essay.epub").read_bytes())
    (served.out / "linked.epub").symlink_to(outside)  # a readable book, but not in the folder
    try:
        host, port = served.url.removeprefix("http://").rstrip("/").split(":")
        for path in (
            "/files/../publish.toml",
            "/files/..%2Fsource%2Fletter.md",
            "/files/%2e%2e%2fpublish.toml",
            "/files/.publish-cache.json",
            "/files/letter.md",
            "/files/linked.epub",
            "/books/nobody",
            "/preview/nobody",
            "/preview/letter/epub/..%2F..%2Fpublish.toml",
            "/preview/letter/epub/EPUB/../../publish.toml",
            "/preview/letter/pdf/99.png",
            "/assets/../serve.py",
        ):
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            connection.request("GET", path)  # sent as it is: no client tidies the dots
            answer = connection.getresponse()
            assert answer.status == 404, path
            connection.close()
    finally:
        (served.out / "linked.epub").unlink()


def test_the_opds_catalog_is_served(served: Served, page: object) -> None:
    """What an e-reader given http://HOST:PORT/opds/ sees: valid OPDS feeds whose links
    lead to the books' files (byte for byte) and covers, and a search that answers."""
    schema = etree.RelaxNG(etree.parse(str(OPDS_SCHEMA)))
    start_url = served.url + "opds/"
    answer = page.request.get(start_url)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/atom+xml;profile=opds-catalog")
    start = etree.fromstring(answer.body())
    schema.assertValid(start)

    all_url = urljoin(start_url, feed_link(start, "http://opds-spec.org/sort/new"))
    books = etree.fromstring(page.request.get(all_url).body())
    schema.assertValid(books)
    letter = next(e for e in books.iter(ATOM + "entry") if "Muste" in e.findtext(ATOM + "title"))
    links = {link.get("type"): link.get("href") for link in letter.iter(ATOM + "link")}
    epub = page.request.get(urljoin(all_url, links["application/epub+zip"]))
    assert epub.body() == (served.out / "letter.epub").read_bytes()
    cover = page.request.get(urljoin(all_url, links["image/png"]))
    assert cover.status == 200 and cover.body().startswith(b"\x89PNG")

    found = page.request.get(start_url + "search.xml?q=muste")
    results = etree.fromstring(found.body())
    schema.assertValid(results)
    titles = [entry.findtext(ATOM + "title") for entry in results.iter(ATOM + "entry")]
    assert titles and all("Muste" in title for title in titles)
    assert page.request.get(served.url + "opds", max_redirects=0).status == 301


def feed_link(feed: etree._Element, rel: str) -> str:
    return next(link.get("href") for link in feed.iter(ATOM + "link") if link.get("rel") == rel)


def test_a_saved_source_shows_in_the_open_preview(served: Served, page: object) -> None:
    page.goto(served.url + "preview/draft")
    frame = page.frame(name="epub")
    assert frame is not None
    wait_until(lambda: page.evaluate("document.querySelector('#pdf img')?.complete === true"))
    wait_until(lambda: "algebraic patterns" in frame_text(page))
    first_image = page.locator("#pdf img").first
    before = first_image.get_attribute("src")

    state = page.locator("#state")
    assert state.inner_text() == "live"
    saved = time.perf_counter()
    write(served.project / "source" / "draft.md", DRAFT.format(extra="A phonograph sings."))
    epub_seen = wait_until(lambda: "phonograph" in frame_text(page))
    pdf_seen = wait_until(lambda: new_image_shown(page, before))
    print(
        f"\nlive preview: EPUB frame {epub_seen - saved:.2f} s, PDF page {pdf_seen - saved:.2f} s"
    )
    assert max(epub_seen, pdf_seen) - saved <= LIVE_SECONDS
    wait_until(lambda: state.inner_text() == "live")  # "building…" while it was rebuilt

    # The image shown is the new PDF's page: its version is the new PDF's, which has the word.
    pdf = served.out / "draft.pdf"
    with pdfplumber.open(pdf) as document:
        assert "phonograph" in document.pages[0].extract_text()
    assert f"v={pdf.stat().st_mtime_ns}" in (first_image.get_attribute("src") or "")


def test_a_build_error_is_shown_and_the_last_outputs_stay(served: Served, page: object) -> None:
    page.goto(served.url + "preview/draft")
    wait_until(lambda: "algebraic" in frame_text(page))
    epub = (served.out / "draft.epub").read_bytes()
    write(served.project / "source" / "draft.md", DRAFT.format(extra="Broken.[^9]"))
    problems = page.locator("#problems")
    problems.wait_for(state="visible", timeout=10_000)
    assert re.search(r"draft\.md:\d+: .*\[\^9\]", problems.inner_text())
    assert (served.out / "draft.epub").read_bytes() == epub  # the last good EPUB stays
    assert "algebraic" in frame_text(page)
    book_page = page.context.new_page()
    book_page.goto(served.url + "books/draft")
    assert "[^9]" in book_page.locator("ul.problems").inner_text()
    book_page.close()

    write(served.project / "source" / "draft.md", DRAFT.format(extra="Mended."))
    problems.wait_for(state="hidden", timeout=10_000)
    wait_until(lambda: "Mended" in frame_text(page))


def test_a_saved_style_restyles_the_open_preview(served: Served, page: object) -> None:
    page.goto(served.url + "preview/essay")
    wait_until(lambda: "Printing is the art" in frame_text(page))
    (served.project / "styles" / "epub.css").write_text("p { color: rgb(1, 2, 3); }\n")
    try:
        wait_until(lambda: paragraph_color(page) == "rgb(1, 2, 3)", timeout=30)
    finally:
        (served.project / "styles" / "epub.css").write_text("/* the project's additions */\n")


def paragraph_color(page: object) -> str:
    frame = page.frame(name="epub")  # type: ignore[attr-defined]
    try:
        return frame.locator("p").first.evaluate("p => getComputedStyle(p).color", timeout=1000)
    except Exception:  # the frame is between two documents
        return ""


def test_ctrl_c_stops_it_and_a_busy_port_is_an_error(served: Served) -> None:
    port = int(served.url.rstrip("/").rsplit(":", 1)[1])
    busy = subprocess.run(
        [sys.executable, "-m", "publish", "serve", "--no-build", "--port", str(port)],
        cwd=served.project,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert busy.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr

    process, url = start_serve(served.project, "--no-build")
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    # A browser's idle connection (one that never sends its request) does not hold it up.
    with socket.create_connection(("127.0.0.1", port)):
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def frame_text(page: object) -> str:
    frame = page.frame(name="epub")  # type: ignore[attr-defined]
    try:
        return frame.locator("body").inner_text(timeout=1000) if frame else ""
    except Exception:  # the frame is between two documents
        return ""


def new_image_shown(page: object, before: str | None) -> bool:
    return page.evaluate(  # type: ignore[attr-defined]
        """before => {
            const image = document.querySelector('#pdf img');
            return !!image && image.getAttribute('src') !== before
                && image.complete && image.naturalWidth > 0;
        }""",
        before,
    )


def wait_until(condition: object, timeout: float = 10.0) -> float:
    """Poll `condition` until it holds; the time it was first seen to hold."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if condition():  # type: ignore[operator]
            return time.perf_counter()
        time.sleep(0.05)
    pytest.fail("not seen in time")


def test_nothing_in_a_book_runs_in_the_preview(served: Served, page: object) -> None:
    """A book's text is untrusted: its scripts and event handlers do not run in the frame,
    while its own style sheet applies."""
    hostile = served.out / "hostile.epub"  # dropped into the folder by anyone, not built
    with (
        zipfile.ZipFile(served.out / "essay.epub") as book,
        zipfile.ZipFile(hostile, "w") as copy,
    ):
        for item in book.infolist():
            data = book.read(item)
            if item.filename == "EPUB/text.xhtml":
                data = data.replace(
                    b"</section>",
                    b"<script>document.body.setAttribute('data-ran', 'script')</script>"
                    b"<img src='nothing.png' onerror=\"document.body.setAttribute('data-ran', 'onerror')\"/>"
                    b"</section>",
                    1,
                )
            copy.writestr(item, data)
    try:
        page.goto(served.url + "preview/hostile")
        wait_until(lambda: "Printing is the art" in frame_text(page))
        time.sleep(0.3)  # time for the image to fail, had its handler been allowed
        frame = page.frame(name="epub")
        assert frame.locator("body[data-ran]").count() == 0
        assert frame.locator("script").count() == 1  # it is there, and did not run
        hyphens = frame.locator("body").evaluate("body => getComputedStyle(body).hyphens")
        assert hyphens == "auto"  # the book's epub.css applied (the default is "manual")
    finally:
        hostile.unlink()


def test_a_saved_file_rebuilds_its_own_target(tmp_path: Path) -> None:
    """A document's file rebuilds that document; a chapter, its book; a style, a shared
    image or a new source, every target (the build cache skips what did not change)."""
    from publish.serve import Rebuilder, Site

    source = tmp_path / "source"
    (source / "letters").mkdir(parents=True)
    (tmp_path / "publish.toml").write_text("")
    (source / "one.md").write_text("---\ntitle: One\n---\n\nText.\n")
    (source / "letters" / "book.yaml").write_text("title: Letters\ndocuments: [a.md]\n")
    (source / "letters" / "a.md").write_text("---\ntitle: A\n---\n\nText.\n")
    rebuilder = Rebuilder(Site(tmp_path / "build"), [source], [source])
    assert rebuilder.targets_of([source / "one.md"]) == [source / "one.md"]
    book = source / "letters" / "book.yaml"
    assert rebuilder.targets_of([source / "letters" / "a.md", book]) == [book]
    assert rebuilder.targets_of([source / "one.md", source / "letters" / "a.md"]) == [
        source / "one.md",
        book,
    ]
    assert rebuilder.targets_of([tmp_path / "styles" / "epub.css"]) is None
    assert rebuilder.targets_of([source / "two.md"]) is None


def test_a_source_folder_deleted_and_made_again_is_still_watched(tmp_path: Path) -> None:
    import shutil
    import threading

    from publish.serve import Rebuilder, Site

    (tmp_path / "publish.toml").write_text("")
    source, out = tmp_path / "source", tmp_path / "build"
    source.mkdir()
    (source / "one.md").write_text("---\ntitle: One\n---\n\nText.\n")
    site = Site(out)
    rebuilder = Rebuilder(site, [source], [source])
    assert rebuilder.build_all().ok
    watching = threading.Thread(target=rebuilder.watch, daemon=True)
    watching.start()
    try:
        time.sleep(1)
        shutil.rmtree(source)
        source.mkdir()
        (source / "two.md").write_text("---\ntitle: Two\n---\n\nText.\n")
        wait_until(lambda: (out / "two.pdf").exists(), timeout=30)
        time.sleep(1)  # the new folder's watch listens
        (source / "three.md").write_text("---\ntitle: Three\n---\n\nText.\n")
        wait_until(lambda: (out / "three.pdf").exists(), timeout=30)
    finally:
        site.stopping.set()
        watching.join(timeout=10)
    assert not watching.is_alive()
