"""Server CPU per RPC of `make bench`'s single-RPC phases for servers started with different
options, side by side in one run: what an option costs the checkout path.

    .venv/bin/python benchmarks/compare_servers.py --name metrics \\
        --variant "off=" --variant "on=--metrics-listen=127.0.0.1:0" [--rounds 3] [--seconds 10]

`--variant-python NAME=PATH` serves variant NAME with another interpreter, e.g. the venv of an
older checkout (`git worktree add`, `make install` there), to measure a change before and after
side by side:

    .venv/bin/python benchmarks/compare_servers.py --name change --variant "before=" \
        --variant-python before=../before/.venv/bin/python --variant "after=" --redeem

Each round starts one server per variant in turn (the order alternates between rounds), loads
benchmarks/load_dataset.py and runs the noop, Validate and Redeem phases of load_bench.py
(locust, 32 users). Prints and records (a section of benchmarks/RESULTS.md named after --name)
the median over the rounds of each phase's server CPU per RPC with its spread, and the
Validate/Redeem ratios to the noop floor; last line JSON.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import load_bench  # noqa: E402
from stress import machine  # noqa: E402

from promocore import Client  # noqa: E402

import load_dataset  # noqa: E402
from results_file import write_section  # noqa: E402
from support import ServerProcess  # noqa: E402

PHASES = (("noop", "NoopUser", "Check"), ("validate", "ValidateUser", "Validate"))
REDEEM = ("redeem", "RedeemUser", "Redeem")


def measure(extra: list[str], python: str, args: argparse.Namespace) -> dict[str, dict]:
    """One server with `extra` options, served by `python`: each phase's figures."""
    with tempfile.TemporaryDirectory(prefix="promocore-compare-") as tmp:
        workdir = Path(tmp)
        server = ServerProcess(
            workdir / "data", workers=args.workers, extra=tuple(extra), python=python
        )
        server.start()
        try:
            with Client(server.target, timeout=60) as client:
                codes = load_dataset.load(client)
            codes_path = workdir / "codes.json"
            codes_path.write_bytes(orjson.dumps(codes))
            env = {
                "PROMOCORE_BENCH_CODES": str(codes_path),
                "PROMOCORE_BENCH_OUTCOMES": str(workdir / "outcomes.json"),
            }
            phases = (*PHASES, REDEEM) if args.redeem else PHASES
            return {
                name: load_bench.phase(server, workdir, user, rpc, args, env)
                for name, user, rpc in phases
            }
        finally:
            server.stop()


def summarize(runs: list[dict[str, dict]]) -> dict[str, dict]:
    """Median and spread over the rounds of each phase's CPU per RPC, and the ratios."""
    summary: dict[str, dict] = {}
    for phase in runs[0]:
        values = [run[phase]["cpu_us_per_rpc"] for run in runs]
        summary[phase] = {
            "cpu_us_median": round(statistics.median(values), 1),
            "cpu_us_min": round(min(values), 1),
            "cpu_us_max": round(max(values), 1),
            "shed": sum(run[phase]["failures"] for run in runs),
        }
    for phase in summary:
        if phase != "noop":
            ratios = [run[phase]["cpu_us_per_rpc"] / run["noop"]["cpu_us_per_rpc"] for run in runs]
            summary[phase]["ratio_median"] = round(statistics.median(ratios), 2)
    return summary


def write_results(name: str, variants: dict[str, str], results: dict, args, command: str) -> None:
    begin, end = f"<!-- compare_{name}:begin -->", f"<!-- compare_{name}:end -->"
    lines = [
        begin,
        f"## Server options side by side: {name} (`benchmarks/compare_servers.py`)",
        "",
        f"Command: `{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {machine()}.",
        f"{args.rounds} rounds; each round starts one server per variant (order alternating), "
        f"`--workers {args.workers}`, the load_bench data set, locust with {args.users} users, "
        f"{args.seconds:g} s per phase. Server CPU per RPC from the workers' /proc stats: "
        "median over the rounds (min to max).",
        "",
        "| variant | server options | phase | CPU µs / RPC | ratio to noop (median) | shed |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for variant, summary in results.items():
        for phase, figures in summary.items():
            lines.append(
                f"| {variant} | `{variants[variant] or '(defaults)'}` | {phase} | "
                f"{figures['cpu_us_median']} "
                f"({figures['cpu_us_min']} to {figures['cpu_us_max']}) | "
                f"{figures.get('ratio_median', '')} | {figures['shed']} |"
            )
    lines += ["", "```json", orjson.dumps(results).decode(), "```", end]
    write_section(begin, end, "\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="what is compared (the section's name)")
    parser.add_argument(
        "--variant",
        action="append",
        required=True,
        help="NAME=SERVER OPTIONS (shell words, may be empty); repeat for each server",
    )
    parser.add_argument(
        "--variant-python",
        action="append",
        default=[],
        help="NAME=PATH: serve variant NAME with this interpreter (another checkout's venv)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--redeem", action="store_true", help="measure the Redeem phase too")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    args = parser.parse_args()
    variants = dict(spec.partition("=")[::2] for spec in args.variant)
    pythons = dict(spec.partition("=")[::2] for spec in args.variant_python)
    unknown = set(pythons) - set(variants)
    if unknown:
        parser.error(f"--variant-python names no --variant: {', '.join(sorted(unknown))}")
    runs: dict[str, list] = {name: [] for name in variants}
    for round_index in range(args.rounds):
        order = list(variants) if round_index % 2 == 0 else list(reversed(variants))
        for name in order:
            python = pythons.get(name, sys.executable)
            figures = measure(shlex.split(variants[name]), python, args)
            runs[name].append(figures)
            shown = {phase: round(f["cpu_us_per_rpc"]) for phase, f in figures.items()}
            print(f"round {round_index + 1} {name}: CPU us/RPC {shown}", flush=True)
    results = {name: summarize(rounds) for name, rounds in runs.items()}
    if not args.no_write:
        write_results(args.name, variants, results, args, shlex.join(sys.argv))
    print(orjson.dumps(results).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
