"""Hostile files in a project: symlinks to files elsewhere, to devices, FIFOs, symlink loops.

The attacker hands over a project (an archive, a repository) whose sources, style sheets,
fonts, templates or images are not what their names say: a link to `~/.ssh/id_rsa`, to
`/dev/zero`, a named pipe nobody writes to, a link that leads to itself. Whatever it holds,
`publish check` and `publish build` end within seconds with one `path: message` line and
exit 1 (or, for a file publish has a built-in stand-in for, build without it), never read
the file outside the project, and never show a traceback.

Each story runs the CLI in its own process with a timeout: a build that hangs on a FIFO
fails its test instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

SECRET = "TOP-SECRET-d41d8cd98f00b204"  # what the file outside the project holds
TIMEOUT = 30

DOCUMENT = "---\ntitle: Harmless\n---\n\nA harmless paragraph.\n"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def publish(project: Path, *args: str) -> Run:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "publish", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,  # a hang is a failure, not a stuck suite
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with one harmless document, and a secret next to it (outside)."""
    root = tmp_path / "project"
    (root / "source").mkdir(parents=True)
    (root / "publish.toml").write_text("")
    (root / "source" / "harmless.md").write_text(DOCUMENT)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = f"---\ntitle: {SECRET}\n---\n\n{SECRET}\n"
    for name in ("secret.md", "secret.css", "secret.ttf", "secret.j2", "secret.png"):
        (outside / name).write_text(secret if name.endswith(".md") else SECRET)
    (outside / "book").mkdir()
    (outside / "book" / "book.yaml").write_text(f"title: {SECRET}\ndocuments: [ch.md]\n")
    (outside / "book" / "ch.md").write_text(secret)
    (outside / "print.css").write_text(f"/* {SECRET} */ body {{ color: red }}\n")
    os.mkfifo(outside / "pipe")
    return root


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def link(path: Path, to: str | Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(to)


def fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def assert_refused(run: Run, where: str, says: str) -> None:
    """Exit 1, one problem line `where: …says…`, no traceback, no secret."""
    assert run.code == 1, run
    assert "Traceback" not in run.out + run.err
    assert SECRET not in run.out + run.err
    assert len(run.lines) == 1, run.lines
    assert run.lines[0].startswith(f"{where}: "), run.lines
    assert says in run.lines[0], run.lines


# What the attacker leaves in the project, where the error must point, and what it says.
Plant = Callable[[Path], None]

READ_STAGE: dict[str, tuple[Plant, str, str]] = {
    # Sources
    "a source that links to a file outside": (
        lambda p: link(p / "source" / "leak.md", p.parent / "outside" / "secret.md"),
        "source/leak.md",
        "leads outside the project folder",
    ),
    "a source that links to a file outside by a relative path": (
        lambda p: link(p / "source" / "leak.md", "../../outside/secret.md"),
        "source/leak.md",
        "leads outside the project folder",
    ),
    "a source that is a FIFO": (
        lambda p: fifo(p / "source" / "pipe.md"),
        "source/pipe.md",
        "is not a regular file (a named pipe)",
    ),
    "a source that links to a FIFO inside the project": (
        lambda p: (fifo(p / "pipe"), link(p / "source" / "pipe.md", "../pipe")),
        "source/pipe.md",
        "is not a regular file (a named pipe)",
    ),
    "a source that links to a FIFO outside": (
        lambda p: link(p / "source" / "pipe.md", p.parent / "outside" / "pipe"),
        "source/pipe.md",
        "leads outside the project folder",
    ),
    "a source that links to /dev/zero": (
        lambda p: link(p / "source" / "zero.md", "/dev/zero"),
        "source/zero.md",
        "leads outside the project folder",
    ),
    "a source that links to /dev/urandom": (
        lambda p: link(p / "source" / "random.md", "/dev/urandom"),
        "source/random.md",
        "leads outside the project folder",
    ),
    "a source that links to itself": (
        lambda p: link(p / "source" / "loop.md", "loop.md"),
        "source/loop.md",
        "cannot follow the symbolic links",
    ),
    "two sources that link to each other": (
        lambda p: (
            link(p / "source" / "ping.md", "pong.txt"),
            link(p / "source" / "pong.txt", "ping.md"),
        ),
        "source/ping.md",
        "cannot follow the symbolic links",
    ),
    "a folder named like a source": (
        lambda p: (p / "source" / "folder.md").mkdir(),
        "source/folder.md",
        "is not a regular file (a folder)",
    ),
    "a broken link named like a source": (
        lambda p: link(p / "source" / "gone.md", "nowhere.md"),
        "source/gone.md",
        "no such file",
    ),
    # Books
    "a book.yaml that links to one outside": (
        lambda p: (
            write(p / "source" / "book" / "ch.md", DOCUMENT),
            link(p / "source" / "book" / "book.yaml", p.parent / "outside" / "book" / "book.yaml"),
        ),
        "source/book/book.yaml",
        "leads outside the project folder",
    ),
    "a book folder that links to a folder outside": (
        lambda p: link(p / "source" / "book", p.parent / "outside" / "book"),
        "source/book/book.yaml",
        "leads outside the project folder",
    ),
    "a book.yaml that is a FIFO": (
        lambda p: fifo(p / "source" / "book" / "book.yaml"),
        "source/book/book.yaml",
        "is not a regular file (a named pipe)",
    ),
    "a book.yaml that links to /dev/zero": (
        lambda p: link(p / "source" / "book" / "book.yaml", "/dev/zero"),
        "source/book/book.yaml",
        "leads outside the project folder",
    ),
    "a chapter that is a FIFO": (
        lambda p: (
            write(p / "source" / "book" / "book.yaml", "title: B\ndocuments: [ch.md]\n"),
            fifo(p / "source" / "book" / "ch.md"),
        ),
        "source/book/ch.md",
        "is not a regular file (a named pipe)",
    ),
    "a chapter that links to /dev/urandom": (
        lambda p: (
            write(p / "source" / "book" / "book.yaml", "title: B\ndocuments: [ch.md]\n"),
            link(p / "source" / "book" / "ch.md", "/dev/urandom"),
        ),
        "source/book/book.yaml:2",
        "is outside the project folder",
    ),
    "a chapter that links to itself": (
        lambda p: (
            write(p / "source" / "book" / "book.yaml", "title: B\ndocuments: [ch.md]\n"),
            link(p / "source" / "book" / "ch.md", "ch.md"),
        ),
        "source/book/book.yaml:2",
        "cannot follow the symbolic links",
    ),
    # Style sheets
    "a styles folder that links to a folder outside": (
        lambda p: link(p / "styles", p.parent / "outside"),
        "styles",
        "leads outside the project folder",
    ),
    "a style sheet that links to a file outside": (
        lambda p: link(p / "styles" / "epub.css", p.parent / "outside" / "secret.css"),
        "styles/epub.css",
        "is outside the project folder",
    ),
    "a style sheet that is a FIFO": (
        lambda p: fifo(p / "styles" / "epub.css"),
        "styles/epub.css",
        "is not a regular file (a named pipe)",
    ),
    "a style sheet that links to /dev/zero": (
        lambda p: link(p / "styles" / "print.css", "/dev/zero"),
        "styles/print.css",
        "is outside the project folder",
    ),
    "a style sheet that links to itself": (
        lambda p: link(p / "styles" / "print.css", "print.css"),
        "styles/print.css",
        "cannot follow the symbolic links",
    ),
    "a style sheet of gigabytes": (
        lambda p: (
            (p / "styles").mkdir(),
            os.truncate(write(p / "styles" / "print.css", "body {}\n"), 2**31),
        ),
        "styles/print.css",
        "MB is read",
    ),
    # Images
    "an image that is a FIFO": (
        lambda p: (
            fifo(p / "source" / "pipe.png"),
            write(p / "source" / "harmless.md", DOCUMENT + "\n![a pipe](pipe.png)\n"),
        ),
        "source/harmless.md:7",
        "is not a regular file (a named pipe)",
    ),
    "an image that links to /dev/urandom": (
        lambda p: (
            link(p / "source" / "noise.png", "/dev/urandom"),
            write(p / "source" / "harmless.md", DOCUMENT + "\n![noise](noise.png)\n"),
        ),
        "source/harmless.md:7",
        "is outside the project folder",
    ),
    "an image that links to itself": (
        lambda p: (
            link(p / "source" / "loop.png", "loop.png"),
            write(p / "source" / "harmless.md", DOCUMENT + "\n![loop](loop.png)\n"),
        ),
        "source/harmless.md:7",
        "cannot follow the symbolic links",
    ),
    "a cover image that is a FIFO": (
        lambda p: (
            fifo(p / "source" / "cover.png"),
            write(
                p / "source" / "harmless.md",
                DOCUMENT.replace("---\n\n", "cover-image: cover.png\n---\n\n"),
            ),
        ),
        "source/harmless.md:2",
        "is not a regular file (a named pipe)",
    ),
}


@pytest.mark.parametrize("story", READ_STAGE)
@pytest.mark.parametrize("command", ["check", "build"])
def test_a_hostile_file_is_refused_before_it_is_read(
    project: Path, story: str, command: str
) -> None:
    plant, where, says = READ_STAGE[story]
    plant(project)

    run = publish(project, command, "source", *(["--format", "epub"] if command == "build" else []))

    assert_refused(run, where, says)
    assert not (project / "build" / "leak.epub").exists()


def test_a_fifo_named_on_the_command_line_is_refused(project: Path) -> None:
    fifo(project / "source" / "pipe.md")

    for command in ("check", "build"):
        assert_refused(publish(project, command, "source/pipe.md"), "source/pipe.md", "named pipe")


# Files only a build reads: fonts a style sheet loads, the project's templates.

BUILD_STAGE: dict[str, tuple[Plant, str, str, str]] = {
    "a font that links to a file outside": (
        lambda p: link(p / "styles" / "fonts" / "x.ttf", p.parent / "outside" / "secret.ttf"),
        "pdf",
        "styles/print.css:1",
        "which is outside the project folder",
    ),
    "a font that is a FIFO": (
        lambda p: fifo(p / "styles" / "fonts" / "x.ttf"),
        "pdf",
        "styles/print.css:1",
        "which is not a file here",
    ),
    "a font that links to /dev/zero": (
        lambda p: link(p / "styles" / "fonts" / "x.ttf", "/dev/zero"),
        "pdf",
        "styles/print.css:1",
        "which is outside the project folder",
    ),
    "a font that links to itself": (
        lambda p: link(p / "styles" / "fonts" / "x.ttf", "x.ttf"),
        "pdf",
        "styles/print.css:1",
        "which cannot be found",
    ),
    "a template that links to a file outside": (
        lambda p: link(
            p / "templates" / "epub" / "text.xhtml.j2", p.parent / "outside" / "secret.j2"
        ),
        "epub",
        "templates/epub/text.xhtml.j2",
        "leads outside the project folder",
    ),
    "a templates folder that links to a folder outside": (
        lambda p: (
            link(p / "templates", p.parent / "outside"),
            link(p.parent / "outside" / "epub" / "text.xhtml.j2", "../secret.j2"),
        ),
        "epub",
        "templates/epub/text.xhtml.j2",
        "leads outside the project folder",
    ),
    "a template that is a FIFO": (
        lambda p: fifo(p / "templates" / "print" / "document.html.j2"),
        "pdf",
        "templates/print/document.html.j2",
        "is not a regular file (a named pipe)",
    ),
    "a template that links to /dev/zero": (
        lambda p: link(p / "templates" / "epub" / "text.xhtml.j2", "/dev/zero"),
        "epub",
        "templates/epub/text.xhtml.j2",
        "leads outside the project folder",
    ),
    "a template that links to itself": (
        lambda p: link(p / "templates" / "epub" / "text.xhtml.j2", "text.xhtml.j2"),
        "epub",
        "templates/epub/text.xhtml.j2",
        "cannot follow the symbolic links",
    ),
    "a template that includes a file outside": (
        lambda p: (
            write(p / "templates" / "epub" / "text.xhtml.j2", '{% include "epub/leak.j2" %}\n'),
            link(p / "templates" / "epub" / "leak.j2", p.parent / "outside" / "secret.j2"),
        ),
        "epub",
        "templates/epub/leak.j2",
        "leads outside the project folder",
    ),
}


@pytest.mark.parametrize("story", BUILD_STAGE)
def test_a_hostile_font_or_template_stops_its_output(project: Path, story: str) -> None:
    plant, fmt, where, says = BUILD_STAGE[story]
    if "font" in story:  # the project's sheet loads the font
        write(
            project / "styles" / "print.css",
            '@font-face { font-family: "X"; src: url(fonts/x.ttf) } body { font-family: "X" }\n',
        )
    plant(project)

    run = publish(project, "build", "source", "--format", fmt)

    assert_refused(run, where, says)
    assert not (project / "build" / f"harmless.{fmt}").exists()


def test_cover_fonts_that_link_outside_are_not_used(project: Path) -> None:
    """The drawn cover takes Charis SIL from the project's `styles/fonts/` when it has it: a
    link there to a FIFO outside would hang the build if it were opened."""
    for face in ("Regular", "Italic", "Bold"):
        link(
            project / "styles" / "fonts" / f"CharisSIL-{face}.ttf",
            project.parent / "outside" / "pipe",
        )

    run = publish(project, "build", "source", "--format", "epub")

    assert run.code == 0, run
    assert (project / "build" / "harmless.epub").is_file()


def test_a_link_to_a_fifo_among_the_styles_does_not_hang_the_build(project: Path) -> None:
    """Every file under `styles/` and `templates/` counts for the incremental cache: a link
    to a file elsewhere is not hashed (nor read), a FIFO not opened."""
    link(project / "styles" / "fonts" / "elsewhere.ttf", project.parent / "outside" / "pipe")
    fifo(project / "styles" / "pipe.css")
    link(project / "templates" / "epub" / "unused.j2", project.parent / "outside" / "pipe")

    run = publish(project, "build", "source", "--format", "epub")

    assert run.code == 0, run
    assert (project / "build" / "harmless.epub").is_file()


def test_links_inside_the_project_still_work(project: Path) -> None:
    """A source, a style sheet and a template may be links to files inside the project."""
    write(project / "shared" / "letter.md", DOCUMENT)
    link(project / "source" / "letter.md", "../shared/letter.md")
    write(project / "shared" / "epub.css", "p { text-indent: 1em }\n")
    link(project / "styles" / "epub.css", "../shared/epub.css")

    run = publish(project, "build", "source", "--format", "epub")

    assert run.code == 0, run
    assert (project / "build" / "letter.epub").is_file()


def test_a_settings_file_that_links_outside_is_refused_unread(project: Path) -> None:
    """A `pyproject.toml` that is a link to someone's other project: its keys would show
    in warnings ('unknown setting …') if it were read."""
    (project / "publish.toml").unlink()
    (project.parent / "outside" / "pyproject.toml").write_text(f'[tool.publish]\n"{SECRET}" = 1\n')
    link(project / "pyproject.toml", project.parent / "outside" / "pyproject.toml")

    run = publish(project, "build", "source", "--format", "epub")

    assert_refused(run, "pyproject.toml", "leads outside the project folder")
