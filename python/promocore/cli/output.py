"""What the CLI draws for people: tables, and the progress of a long command. In a terminal they
come from rich (a table with a header; a progress bar with its rate and time left, ending with a
newline); when the output is a pipe or a file they are plain lines, stable for scripts (a table
row per line, the command's own format; one summary line when a long command ends)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

Row = Sequence[Any]


def print_table(headers: Sequence[str], rows: Sequence[Row], plain: Callable[[Row], str]) -> None:
    """`rows` under `headers` in a terminal; else each row as `plain(row)` on its own line."""
    if not sys.stdout.isatty():
        for row in rows:
            print(plain(row))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, box=None, header_style="bold", pad_edge=False)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    Console().print(table)


class Progress:
    """`on_progress(done, total)` for a long command, drawn on stderr; use as a context manager
    so the bar ends (or the summary line is printed) once the command is done."""

    def __init__(self, noun: str) -> None:
        self._noun = noun
        self._terminal = sys.stderr.isatty()
        self._started = time.monotonic()
        self._done = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self._terminal:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                BarColumn(),
                TaskProgressColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self._task = self._bar.add_task(self._noun, total=None, rate="")
            self._bar.start()
        return self

    def __call__(self, done: int, total: int) -> None:
        self._done = done
        if self._bar is not None:
            elapsed = max(time.monotonic() - self._started, 1e-9)
            rate = f"{done / elapsed:,.0f} {self._noun}/s"
            self._bar.update(self._task, completed=done, total=total, rate=rate)

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.stop()  # leaves the finished bar and ends its line
            return
        if exc_info[0] is None:
            elapsed = time.monotonic() - self._started
            rate = self._done / elapsed if elapsed > 0 else 0.0
            print(
                f"{self._done:,} {self._noun} in {elapsed:.1f} s ({rate:,.0f} {self._noun}/s)",
                file=sys.stderr,
            )


def write_chunks(chunks: Iterable[bytes], file: Path | None) -> None:
    """An export's chunks into `file`, or to standard output without one."""
    if file is None:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        return
    with file.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
