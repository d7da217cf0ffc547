"""An archive built on a Dask cluster: a scheduler and two workers started here, on
127.0.0.1, with no disk shared but the machine's; one worker killed in the middle."""

from __future__ import annotations

import io
import signal
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

import publish
from publish import builder as publish_build
from publish import cluster
from tests.conftest import REPO

distributed = pytest.importorskip("distributed")

LETTER = """\
---
title: Letter {n}
author: {author}
date: 1936-{month:02d}-{day:02d}
lang: {lang}
---

# To the committee

Dear friends,[^a] this is letter number {n} of the archive.

## The strike

We met on the {day}th and spoke of the strike.[^b]

[^a]: The committee of {month}.
[^b]: Note {n} is a long note, so that the page has a foot.
"""


def letter(n: int) -> str:
    author = ("A. J. Muste", "Rosa Writer", "Jean Auteur")[n % 3]
    lang = ("en", "es", "fr")[n % 3]
    return LETTER.format(n=n, author=author, month=n % 12 + 1, day=n % 28 + 1, lang=lang)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """`dask scheduler` and two `dask worker` processes (one thread each, no nanny that
    would bring a killed worker back), started from the command line."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.log = folder / "cluster.log"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(self.port))
        for name in ("worker-a", "worker-b"):
            self.start(
                name, "worker", self.address, "--name", name, "--nthreads", "1", "--no-nanny"
            )
        with distributed.Client(self.address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)

    def start(self, name: str, *args: str) -> None:
        command = [sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]]
        command += ["--no-dashboard"]
        with self.log.open("ab") as log:
            self.processes[name] = subprocess.Popen(
                command, cwd=self.log.parent, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait()

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield started
    finally:
        started.stop()


def opf_title(epub: Path) -> str:
    return opf_title_of(epub.read_bytes())


def opf_title_of(epub: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(epub)) as book:
        assert book.testzip() is None
        opf = next(name for name in book.namelist() if name.endswith(".opf"))
        text = book.read(opf).decode()
    return text.split("<dc:title", 1)[1].split(">", 1)[1].split("<", 1)[0]


def test_an_archive_is_built_whole_when_a_worker_is_killed_in_the_middle(
    dask_cluster, project, write_source
) -> None:
    for n in range(1, 201):
        write_source(f"letter-{n:03d}.md", letter(n))
    done: list[publish_build.Outcome] = []

    def on_done(outcome: publish_build.Outcome) -> None:
        done.append(outcome)
        if len(done) == 40:  # the other 360 outputs are queued or being built
            dask_cluster.kill("worker-a")

    report = publish_build.build(
        [project / "source"], project / "build", scheduler=dask_cluster.address, on_done=on_done
    )

    assert report.errors == []
    assert dask_cluster.processes["worker-a"].returncode == -signal.SIGKILL
    names = sorted(path.name for path in (project / "build").iterdir())
    expected = sorted(f"letter-{n:03d}.{fmt}" for n in range(1, 201) for fmt in ("epub", "pdf"))
    assert [name for name in names if not name.startswith(".")] == expected  # no temporaries
    for n in range(1, 201):
        epub, pdf = (project / "build" / f"letter-{n:03d}.{fmt}" for fmt in ("epub", "pdf"))
        assert opf_title(epub) == f"Letter {n}"
        text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert f"letter number {n} of the archive" in text
        assert f"Note {n} is a long note" in text

    # The same bytes as a build on this machine.
    sample = [project / "source" / f"letter-{n:03d}.md" for n in (1, 77, 200)]
    assert publish_build.build(sample, project / "here").errors == []
    for here in (project / "here").glob("letter-*"):
        assert here.read_bytes() == (project / "build" / here.name).read_bytes()

    # The build cache holds across the cluster: nothing is sent again.
    again = publish_build.build(
        [project / "source"], project / "build", scheduler=dask_cluster.address
    )
    assert again.errors == [] and len(again.outcomes) == 400
    assert all(outcome.skipped for outcome in again.outcomes)


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[str]:
    """A LocalCluster in this process: two workers of one thread each."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as started:
        yield started.scheduler_address


def test_the_project_names_its_scheduler_and_the_summary_is_as_on_one_machine(
    local_cluster, project, write_source, run_cli
) -> None:
    (project / "publish.toml").write_text(f'scheduler = "{local_cluster}"\ntrim = "a5"\n')
    for n in (1, 2):
        write_source(f"letter-{n}.md", letter(n))

    result = run_cli("build")

    assert result.code == 0, result.err
    for name in ("letter-1.epub", "letter-1.pdf", "letter-2.epub", "letter-2.pdf"):
        assert name in result.out
        assert (project / "build" / name).stat().st_size > 0
    assert "1" in result.out  # a letter's PDF is one page


def test_a_workers_failure_names_the_users_file_and_line(
    local_cluster, project, write_source, run_cli
) -> None:
    write_source("letter-1.md", letter(1))
    (project / "templates" / "print").mkdir(parents=True)
    (project / "templates" / "print" / "document.html.j2").write_text(
        "<html>\n{{ document.nothing.here() }}\n</html>\n"
    )

    result = run_cli("build", "--scheduler", local_cluster)

    assert result.code == 1
    assert "source/letter-1.md: cannot write the PDF: templates/print/document.html.j2:2:" in (
        result.err
    )
    assert "publish-task-" not in result.err  # never the worker's copy of the project
    assert (project / "build" / "letter-1.epub").is_file()


def test_a_scheduler_nobody_answers_at_is_one_error(
    project, write_source, run_cli, monkeypatch
) -> None:
    write_source("letter-1.md", letter(1))
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 2)

    result = run_cli("build", "--scheduler", f"tcp://127.0.0.1:{free_port()}")

    assert result.code == 1
    assert "--scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:" in result.err
    assert not (project / "build" / "letter-1.epub").exists()


def test_a_manuscript_cannot_name_a_scheduler(project, write_source, run_cli) -> None:
    source = letter(1).replace("lang: en", "lang: en\nscheduler: tcp://198.51.100.7:8786")
    write_source("letter-1.md", source)

    built_here = run_cli("build", "--format", "epub")

    assert built_here.code == 0  # here: 198.51.100.7 is never asked (it would not answer)
    assert (project / "build" / "letter-1.epub").is_file()


def test_a_scheduler_setting_is_checked(project, write_source, run_cli) -> None:
    write_source("letter-1.md", letter(1))
    (project / "publish.toml").write_text('trim = "a5"\nscheduler = "http://example.com"\n')

    result = run_cli("build")

    assert result.code == 1
    assert "publish.toml:2: setting 'scheduler' must be a Dask scheduler's address" in result.err
    assert run_cli("build", "--scheduler", "example.com").code == 2  # a usage error


def test_a_cluster_writes_into_an_output_folder_at_a_url(
    local_cluster, project, write_source, run_cli
) -> None:
    """The workers send each output to the folder themselves (an in-memory file system,
    shared by this process's workers, stands for a bucket)."""
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")
    for n in (1, 2):
        write_source(f"letter-{n}.md", letter(n))
    memory.pipe_file("/archive/.letter-1.epub.publish-0f3c.tmp", b"half a book")  # a killed build's

    result = run_cli("build", "--scheduler", local_cluster, "--out", "memory://archive")

    assert result.code == 0, result.err
    assert "memory://archive/letter-1.epub" in result.out
    assert sorted(memory.ls("/archive", detail=False)) == [
        "/archive/.publish-cache.json",
        "/archive/letter-1.epub",
        "/archive/letter-1.pdf",
        "/archive/letter-2.epub",
        "/archive/letter-2.pdf",
    ]
    assert opf_title_of(memory.cat_file("/archive/letter-2.epub")) == "Letter 2"
    assert not (project / "build").exists()  # nothing written here

    again = run_cli("build", "--scheduler", local_cluster, "--out", "memory://archive")
    assert again.out.count("up to date") == 4


def test_a_build_here_writes_into_an_output_folder_at_a_url(
    project, write_source, tmp_path
) -> None:
    write_source("letter-1.md", letter(1))
    url = f"file://{tmp_path}/bucket/books"

    written = publish.build(project / "source", url, formats=["epub"])

    assert written == [f"{url}/letter-1.epub"]
    local = publish.build(project / "source", project / "here", formats=["epub"])
    assert (tmp_path / "bucket" / "books" / "letter-1.epub").read_bytes() == local[0].read_bytes()


def test_a_task_that_kills_every_worker_it_is_given_is_its_outputs_error(
    project, write_source
) -> None:
    """Dask gives up on a task after it killed `allowed-failures` workers (KilledWorker)."""
    write_source("letter-1.md", letter(1))
    job = publish_build.plan_jobs(
        publish_build.read_targets([project / "source"], publish_build.BuildReport()),
        project / "build",
        ["pdf"],
        {},
        publish_build.BuildReport(),
    )[0]

    class Lost:
        def result(self) -> None:
            raise distributed.KilledWorker("build_task-1", "tcp://127.0.0.1:1", 3)

    [result] = cluster._received([job], Lost())

    assert result.outcome is None
    assert str(result.error) == (
        "source/letter-1.md: cannot write the PDF: the worker process writing it stopped "
        "unexpectedly (out of memory, or killed?)"
    )
    assert not (project / "build" / "letter-1.pdf").exists()


def test_the_sample_book_and_letter_are_the_same_built_on_a_cluster(
    local_cluster, tmp_path
) -> None:
    """The repository's sources: a book of three documents with notes and links between
    them, and the 1936 letter, with the project's styles and fonts sent to the workers."""
    remote = publish.build(REPO / "source", tmp_path / "cluster", scheduler=local_cluster)
    here = publish.build(REPO / "source", tmp_path / "here")

    assert sorted(Path(path).name for path in remote) == sorted(path.name for path in here)
    for path in here:
        assert (tmp_path / "cluster" / path.name).read_bytes() == path.read_bytes()
