"""Where a PDF build's time and memory go: each WeasyPrint layout of one `publish build`.

Runs the build in this process with `weasyprint.HTML.render` wrapped, and prints, for every
layout, its time and the process's peak memory after it; then the build's total.

    cd <project> && python <repo>/bench/layouts.py source/escritos.md
    cd <project> && python <repo>/bench/layouts.py source/libro        # a book folder
    cd <project> && python <repo>/bench/layouts.py --one-layout source/libro

`--one-layout` skips publish's note fixing (`pdf_notes.lay_out`): one layout, as WeasyPrint
alone would do it, so the rest of the pipeline is measured without the extra layouts.

Not a test and not part of the benchmark's figures: a diagnostic for bench/README.md.
"""

from __future__ import annotations

import functools
import logging
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

from weasyprint import HTML


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(render: Callable[..., Any]) -> Callable[..., Any]:
    """`HTML.render`, printing each call's time and the peak memory after it."""
    count = 0

    @functools.wraps(render)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal count
        count += 1
        started = time.perf_counter()
        laid_out = render(*args, **kwargs)
        seconds = time.perf_counter() - started
        pages = len(laid_out.pages)
        print(
            f"layout {count}: {pages} pages, {seconds:6.1f} s, peak {peak_mib():6.0f} MiB",
            flush=True,
        )
        return laid_out

    return wrapper


def one_layout(html: HTML, fonts: Any, options: dict[str, Any]) -> tuple[Any, None]:
    return html.render(font_config=fonts, **options), None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    single = "--one-layout" in args
    args = [arg for arg in args if arg != "--one-layout"]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("publish").setLevel(logging.INFO)  # the pagination stats, if logged
    HTML.render = timed(HTML.render)  # type: ignore[method-assign]

    from publish.cli import main as publish
    from publish.writers import pdf

    if single:
        pdf.lay_out = one_layout  # type: ignore[assignment]

    print(f"start: peak {peak_mib():.0f} MiB", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        build = ["build", args[0], "--format", "pdf", "--force", "--jobs", "1", "--out", out]
        code = publish(build)
    print(f"build: {time.perf_counter() - started:.1f} s, peak {peak_mib():.0f} MiB", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
