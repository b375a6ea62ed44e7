"""benchmarks/RESULTS.md, generated: the latest figures of each benchmark target, from the runs
recorded in benchmarks/history/ (one JSON line per run, `<target>.jsonl`).

Each benchmark ends with `results_file.write_section`, which records its run here and
regenerates the page; `python benchmarks/results_page.py` regenerates it from the history
alone. The page holds what a reader needs (what ran, where, when, the figures); a run's notes
and its earlier runs stay in the history.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).parent
HISTORY = HERE / "history"
PAGE = HERE / "RESULTS.md"
WIDTH = 120
# The make targets in the order of the page (a benchmark that is no make target, such as
# compare_servers.py, is kept in the history only).
TARGETS = {
    "load_bench": "make bench",
    "stress": "make stress",
    "overload": "make overload",
    "bench_engine": "make bench-engine",
    "bench_engine_rust": "make bench-engine-rust",
    "bench_codes": "make bench-codes",
    "bench_wallet": "make bench-wallet",
    "bench_backtest": "make bench-backtest",
    "redis_bench": "make test-redis",
}
_META = re.compile(r"^(?:- )?(command|machine|date|run)\s*:\s*(.*)$", re.IGNORECASE)
_DATE = re.compile(r"\b(20\d\d-\d\d-\d\d(?: \d\d:\d\d(?: UTC)?)?)")


def record_of(target: str, section: str) -> dict[str, Any]:
    """A run as the history keeps it, from the Markdown section a benchmark wrote: its title,
    what ran where and when, its tables and its notes."""
    lines = section.splitlines()
    title = next((line[3:].strip() for line in lines if line.startswith("## ")), target)
    meta: dict[str, str] = {}
    about: list[str] = []
    notes: list[str] = []
    tables: list[dict[str, Any]] = []
    table: dict[str, Any] | None = None
    caption: list[str] = []
    for line in lines:
        if line.startswith("<!--") or line.startswith("## "):
            continue
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if table is None:
                # The paragraph right above a table is its caption; earlier ones are notes.
                while caption and not caption[-1].strip():
                    caption.pop()
                blank = max((i for i, text in enumerate(caption) if not text.strip()), default=-1)
                notes += caption[: blank + 1]
                label = " ".join(caption[blank + 1 :]).strip()
                table = {"caption": label, "header": cells, "rows": []}
                tables.append(table)
                caption = []
            elif not all(set(cell) <= set("-: ") for cell in cells):
                table["rows"].append(cells)
            continue
        table = None
        found = _META.match(line.strip())
        if found:
            meta[found.group(1).lower()] = found.group(2).strip()
        elif tables:
            caption.append(line)
        else:
            about.append(line)
    notes += caption
    described = "\n".join(about).strip()
    date = _DATE.search(meta.get("date") or described)
    return {
        "target": target,
        "title": title,
        "date": date.group(1) if date else "",
        "meta": meta,
        "about": described,
        "tables": tables,
        "notes": "\n".join(notes).strip(),
    }


def append(record: dict[str, Any], history: Path = HISTORY) -> None:
    history.mkdir(exist_ok=True)
    with (history / f"{record['target']}.jsonl").open("ab") as out:
        out.write(orjson.dumps(record) + b"\n")


def latest(history: Path = HISTORY) -> dict[str, dict[str, Any]]:
    """The last recorded run of each target."""
    runs: dict[str, dict[str, Any]] = {}
    for path in sorted(history.glob("*.jsonl")):
        for line in path.read_bytes().splitlines():
            if line.strip():
                record = orjson.loads(line)
                runs[record["target"]] = record
    return runs


def render(runs: dict[str, dict[str, Any]]) -> str:
    out = [
        "# Benchmark results",
        "",
        *_wrap(
            "The latest run of each benchmark target, generated from benchmarks/history/ (one JSON "
            "line per run, with the notes of each run and every earlier one) by "
            "benchmarks/results_page.py, which each target calls when it finishes. Figures from a "
            "shared 2-core machine move between runs: compare runs of one session."
        ),
    ]
    for target, make in TARGETS.items():
        run = runs.get(target)
        if run is None:
            continue
        out += ["", f"## {run['title']}", ""]
        out += _wrap(f"Run: {_run_line(run, make)}", indent="  ")
        for table in run["tables"]:
            out += _table(table)
    return "\n".join(out) + "\n"


def _table(table: dict[str, Any]) -> list[str]:
    """A table as a list, one entry per row (a table of short pairs on one paragraph)."""
    header, rows = table["header"], table["rows"]
    caption = re.split(r"(?<=[.:])\s", table["caption"])[0].rstrip(":.")
    if all(len(row) == 2 and len(row[0]) + len(row[1]) < 40 for row in rows):
        pairs = "; ".join(f"{label} {value}" for label, value in rows)
        return _wrap(f"{caption}: {pairs}" if caption else pairs)
    lines = _wrap(caption + ":") if caption else []
    for row in rows:
        values = [f"{name}: {value}" for name, value in zip(header[1:], row[1:], strict=False)]
        label = f"{header[0]} {row[0]}" if row[0].replace(",", "").isdigit() else row[0]
        lines += _wrap(f"- {label} — {'; '.join(values)}", indent="  ")
    return lines


def _run_line(run: dict[str, Any], make: str) -> str:
    """What ran, where and when: the run's command, machine and date lines, or the first line
    of its description."""
    meta = run["meta"]
    if "machine" in meta:
        command = meta.get("command", f"`{make}`").split("#")[0].strip().rstrip("`").strip() + "`"
        return "; ".join(part for part in (command, meta["machine"], run["date"]) if part)
    if "command" in meta:
        return meta["command"]
    return run["about"].split("\n")[0] if run["about"] else f"`{make}`"


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, subsequent_indent=indent, break_on_hyphens=False) or [""]


def write(page: Path = PAGE, history: Path = HISTORY) -> None:
    page.write_text(render(latest(history)))


if __name__ == "__main__":
    write()
