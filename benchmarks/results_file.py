"""benchmarks/RESULTS.md is shared by every benchmark: each owns one section between its own
HTML comment markers and rewrites only that section, so a run never disturbs the others."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(begin: str, end: str, section: str, path: Path = RESULTS) -> None:
    """Puts `section` (which starts with `begin` and ends with `end`) where the previous one
    was, or at the end of the file the first time."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    start = text.find(begin)
    stop = text.find(end, start) if start >= 0 else -1
    if start >= 0 and stop >= 0:
        text = text[:start] + section + text[stop + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
