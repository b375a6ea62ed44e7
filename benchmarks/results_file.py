"""What every benchmark calls when it finishes: its run, described as a Markdown section between
its own HTML comment markers, is recorded as one JSON line in benchmarks/history/<target>.jsonl,
and benchmarks/RESULTS.md is generated again from the history (benchmarks/results_page.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import results_page

RESULTS = results_page.PAGE
_MARKER = re.compile(r"<!--\s*([\w.-]+?):?\s*(?:begin|start)\s*-->")


def write_section(
    begin: str,
    end: str,
    section: str,
    path: Path = RESULTS,
    history: Path = results_page.HISTORY,
) -> None:
    """Records the run `section` describes (it starts with `begin`, ends with `end`, the
    markers naming the target) and regenerates the page at `path`."""
    del end  # the section ends with it; the target is named by `begin`
    found = _MARKER.match(begin)
    if found is None:
        raise ValueError(f"not a section marker: {begin!r}")
    record = results_page.record_of(found.group(1), section)
    record["recorded_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if not record["date"]:
        record["date"] = record["recorded_at"]
    results_page.append(record, history)
    results_page.write(path, history)
