"""Time and memory of every case of the hostile corpus (tests/fixtures/hostile/), each built
in a process of its own under a memory limit, as an attacker's input would be.

    python bench/hostile.py                  # every case; 1 GiB and 60 s each
    python bench/hostile.py 06-costly-input  # the cases whose name starts so
    python bench/hostile.py --limit-mib 512 --timeout 20

It prints one line per case (exit code, wall time, peak memory, size of the input, seconds
per MB) and, last, the cases over the promise: more than a few seconds per megabyte
(`--seconds-per-mib`, at least one second for any input), the memory limit, or the timeout.
Exit 1 if any case is over. A script, not a test: nothing in tests/ runs it.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.test_hostile_corpus import CASES, Case, arguments, prepared  # noqa: E402

MiB = 2**20


@dataclass
class Measure:
    case: Case
    code: int | None  # None: killed at the timeout
    seconds: float
    peak_mib: float
    input_mib: float

    def over(self, seconds_per_mib: float) -> str | None:
        if self.code is None:
            return "timed out"
        if self.code not in (0, 1):
            return f"exit {self.code} (the memory limit, or a crash)"
        if self.seconds > max(1.0, self.input_mib) * seconds_per_mib:
            return f"{self.seconds:.1f} s for {self.input_mib:.2f} MB"
        return None


def input_size(project: Path) -> float:
    """The project's files, in MiB (links and pipes not followed)."""
    sizes = (p.lstat().st_size for p in project.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(sizes) / MiB


def measure(case: Case, limit_mib: int, timeout: float) -> Measure:
    with tempfile.TemporaryDirectory() as folder:
        project = prepared(case, Path(folder))
        size = input_size(project)  # before the run: its outputs are not input
        env = {**os.environ, **case.env, "PYTHONPATH": str(REPO)}

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_mib * MiB, limit_mib * MiB))

        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "publish", *arguments(case)],
            cwd=project,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=limit,
        )
        try:
            _pid, status, usage = _wait(process, timeout)
            code: int | None = os.waitstatus_to_exitcode(status)
        except subprocess.TimeoutExpired:
            process.kill()
            _pid, _status, usage = os.wait4(process.pid, 0)
            code = None
        seconds = time.perf_counter() - start
        return Measure(case, code, seconds, usage.ru_maxrss / 1024, size)


def _wait(
    process: subprocess.Popen[bytes], timeout: float
) -> tuple[int, int, resource.struct_rusage]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = status
            return pid, status, usage
        time.sleep(0.02)
    raise subprocess.TimeoutExpired(process.args, timeout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", nargs="*", help="only the cases whose name starts so")
    parser.add_argument("--limit-mib", type=int, default=1024)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--seconds-per-mib", type=float, default=5)
    options = parser.parse_args()
    cases = [c for c in CASES if not options.prefix or c.name.startswith(tuple(options.prefix))]

    over = []
    print(f"{'case':58} {'exit':>4} {'time':>8} {'peak':>9} {'input':>9}")
    for case in cases:
        result = measure(case, options.limit_mib, options.timeout)
        code = "—" if result.code is None else str(result.code)
        print(
            f"{case.name[:58]:58} {code:>4} {result.seconds:7.2f}s {result.peak_mib:7.0f}MB"
            f" {result.input_mib:7.2f}MB",
            flush=True,
        )
        if why := result.over(options.seconds_per_mib):
            over.append(f"{case.name}: {why}")
    print(f"\n{len(cases)} cases, {len(over)} over the promise")
    print("\n".join(over))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
