"""Instructions per Validate evaluation through a CheckoutPlan, without stacking rules and with
every stacking setting but the search set (bench_engine.ALL_SETTINGS): the settings' cost as a
count that does not move with the machine's load (issue 19's ≤ 5 %).

    python benchmarks/stacking_instructions.py            # runs itself under valgrind 3 times

Each run under `valgrind --tool=callgrind` does the same set-up, then `--passes` passes over
bench_engine's 200 standard-mix carts (prepare with the code's stored record, evaluate), with
the default plan, the settings plan, or none; instructions per evaluation = (run - run with
none) / evaluations. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

import bench_engine

MODES = ("none", "defaults", "settings")


def evaluate(mode: str, passes: int) -> None:
    requests, run_defaults, run_settings = bench_engine.stacking_plans()
    if mode == "none":
        return
    run = run_defaults if mode == "defaults" else run_settings
    for _ in range(passes):
        for request in requests:
            run(request)


def instructions(mode: str, passes: int, workdir: Path) -> int:
    out = workdir / f"callgrind.{mode}"
    run = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--run",
            mode,
            "--passes",
            str(passes),
        ],
        capture_output=True,
        text=True,
        check=True,
        # One hash seed for every run: Python's string hashing otherwise moves the counts.
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return int(re.search(r"Collected : (\d+)", run.stderr).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--run", choices=MODES, help="(internal) one run, under valgrind")
    args = parser.parse_args()
    if args.run:
        evaluate(args.run, args.passes)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        counts = {mode: instructions(mode, args.passes, Path(tmp)) for mode in MODES}
    evaluations = args.passes * bench_engine.CARTS
    per_eval = {
        mode: (counts[mode] - counts["none"]) / evaluations for mode in ("defaults", "settings")
    }
    print(
        orjson.dumps(
            {
                "instructions_per_eval_defaults": round(per_eval["defaults"]),
                "instructions_per_eval_settings": round(per_eval["settings"]),
                "stacking_settings_cost_percent": round(
                    (per_eval["settings"] / per_eval["defaults"] - 1) * 100, 2
                ),
                "evaluations": evaluations,
            }
        ).decode()
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
