"""`make test-redis`: the Redis store against its acceptance criteria, in one run.

1. The store conformance suite on Redis: `pytest -m conformance -k redis` (the tests marked
   `conformance`, which run on LMDB too). conformance_failed counts failed and errored tests;
   a run that collects no test is a failure (conformance_failed null), never a pass.
2. The multi-node tests, `pytest tests/e2e/test_redis_nodes.py` with $PROMOCORE_REDIS_FIGURES set to
   a temporary directory where they write their figures: two_node_race.json
   (two_node_oversold), kill_switch.json (disable_propagation_s), restart.json
   (lost_acked_after_restart, acked, restarts). A figure whose file is missing (its test did not
   run) is null and fails the run.
3. Redeem throughput, Redis vs LMDB side by side (redis_bench.py; writes its RESULTS.md
   section).

pytest's output goes to stderr; stdout gets one JSON object, the last line. Exit status 1 when
a suite failed, a figure is missing, or conformance_failed, two_node_oversold or
lost_acked_after_restart is not 0 (or a disable took longer than 1 s to reach the other node).

    .venv/bin/python benchmarks/test_redis.py [--seconds 12] [--rounds 2] [--skip-bench]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import traceback
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import redis_bench  # noqa: E402

FIGURES_ENV = "PROMOCORE_REDIS_FIGURES"
NODES_TESTS = "tests/e2e/test_redis_nodes.py"
# figure file -> {field in that file: key in the summary}
FIGURE_FILES = {
    "two_node_race.json": {"two_node_oversold": "two_node_oversold"},
    "kill_switch.json": {"disable_propagation_s": "disable_propagation_s"},
    "restart.json": {
        "lost_acked_after_restart": "lost_acked_after_restart",
        "acked": "restart_acked",
        "restarts": "redis_restarts",
    },
}
MUST_BE_ZERO = ("conformance_failed", "two_node_oversold", "lost_acked_after_restart")
DISABLE_PROPAGATION_LIMIT_S = 1.0
SUITE_TIMEOUT_S = 3600


def pytest(arguments: list[str], junit: Path, env: dict[str, str] | None = None) -> dict:
    """Runs pytest (output to stderr) and counts its outcomes from the JUnit XML report."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        *arguments,
    ]
    print(f"$ {' '.join(command[1:])}", file=sys.stderr, flush=True)
    try:
        status = subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=sys.stderr,
            timeout=SUITE_TIMEOUT_S,
        ).returncode
    except subprocess.TimeoutExpired:
        status = None
    outcome = {"exit_status": status, **junit_counts(junit)}
    # 0: every collected test passed; 5: none collected; anything else: a failure of some kind.
    outcome["ok"] = status == 0 and outcome["collected"] is not None and outcome["collected"] > 0
    return outcome


def junit_counts(junit: Path) -> dict:
    """tests / failed (failures + errors) / skipped / passed of a JUnit XML report; None when
    pytest wrote none (it did not get that far)."""
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        return {"collected": None, "failed": None, "skipped": None, "passed": None}
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return {
        "collected": tests,
        "failed": failed,
        "skipped": skipped,
        "passed": tests - failed - skipped,
    }


def conformance(tmp: Path) -> dict:
    suite = ["-m", "conformance and not slow", "-k", "redis"]
    outcome = pytest(suite, tmp / "conformance.xml")
    failed = outcome["failed"]
    if not outcome["collected"]:
        failed = None  # nothing ran (or pytest could not report): not a pass
    elif failed == 0 and not outcome["ok"]:
        failed = None  # pytest failed without a failed test in its report (e.g. a timeout)
    return {
        "conformance_failed": failed,
        "conformance_passed": outcome["passed"],
        "conformance_skipped": outcome["skipped"],
        "conformance_ok": outcome["ok"] and failed == 0,
    }


def nodes(tmp: Path) -> dict:
    figures_dir = tmp / "figures"
    figures_dir.mkdir()
    summary: dict = {}
    if not (ROOT / NODES_TESTS).exists():
        print(f"{NODES_TESTS} is missing: the multi-node figures are null", file=sys.stderr)
        outcome = {"ok": False, "collected": None, "failed": None, "passed": None}
    else:
        outcome = pytest([NODES_TESTS], tmp / "nodes.xml", env={FIGURES_ENV: str(figures_dir)})
    summary["nodes_ok"] = outcome["ok"] and outcome["failed"] == 0
    summary["nodes_failed"] = outcome["failed"]
    summary["nodes_passed"] = outcome["passed"]
    missing = []
    for name, fields in FIGURE_FILES.items():
        try:
            data = orjson.loads((figures_dir / name).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            data = None
            missing.append(name)
        for field, key in fields.items():
            summary[key] = data.get(field) if isinstance(data, dict) else None
            if data is not None and summary[key] is None and name not in missing:
                missing.append(name)
    summary["figures_missing"] = missing
    return summary


def bench(args: argparse.Namespace, command: str) -> dict:
    """The throughput figures; bench_ok None when skipped, False when it failed."""
    none = {
        "redeem_rps_redis": None,
        "redeem_rps_lmdb": None,
        "redeem_rps_redis_vs_lmdb": None,
        "redis_commands_per_redeem": None,
        "redis_input_bytes_per_redeem": None,
    }
    if args.skip_bench:
        return {"bench_ok": None, **none}
    options = ["--seconds", str(args.seconds), "--rounds", str(args.rounds)]
    try:
        figures = redis_bench.run(redis_bench.parse_args(options), command)
    except Exception:
        traceback.print_exc()
        return {"bench_ok": False, **none}
    errors = figures["errors_redis"] + figures["errors_lmdb"] + figures["not_succeeded"]
    return {
        "bench_ok": errors == 0,
        "redeem_rps_redis": figures["redeem_rps_redis"],
        "redeem_rps_lmdb": figures["redeem_rps_lmdb"],
        "redeem_rps_redis_vs_lmdb": figures["redeem_rps_redis_vs_lmdb"],
        "redeem_errors": errors,
        "redis_round_trips_per_redeem": figures["redis_round_trips_per_redeem"],
        "redis_commands_per_redeem": figures["redis_commands_per_redeem"],
        "redis_commandstats_per_redeem": figures["redis_commandstats_per_redeem"],
        "redis_input_bytes_per_redeem": figures["redis_input_bytes_per_redeem"],
    }


def failures(summary: dict) -> list[str]:
    """Why this run fails (empty: it passes)."""
    found = [f"{key} is {summary[key]}, not 0" for key in MUST_BE_ZERO if summary[key] != 0]
    for suite in ("conformance_ok", "nodes_ok", "bench_ok"):
        if summary[suite] is False:
            found.append(f"{suite.removesuffix('_ok')} failed")
    if summary["figures_missing"]:
        found.append(f"figure files missing: {', '.join(summary['figures_missing'])}")
    propagation = summary["disable_propagation_s"]
    if propagation is None or propagation > DISABLE_PROPAGATION_LIMIT_S:
        found.append(f"disable_propagation_s is {propagation}, not <= 1")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="per throughput run")
    parser.add_argument("--rounds", type=int, default=2, help="throughput runs per backend")
    parser.add_argument("--skip-bench", action="store_true", help="no throughput measurement")
    args = parser.parse_args()
    command = redis_bench.command_line("test_redis.py", "test-redis", sys.argv[1:])

    with tempfile.TemporaryDirectory(prefix="promocore-test-redis-") as tmp:
        summary = {**conformance(Path(tmp)), **nodes(Path(tmp))}
    summary.update(bench(args, command))
    problems = failures(summary)
    for problem in problems:
        print(f"test-redis: {problem}", file=sys.stderr)
    ordered = {
        key: summary.pop(key)
        for key in (
            "conformance_failed",
            "conformance_passed",
            "two_node_oversold",
            "lost_acked_after_restart",
            "disable_propagation_s",
            "redeem_rps_redis",
            "redeem_rps_lmdb",
            "redeem_rps_redis_vs_lmdb",
        )
    }
    print(orjson.dumps({**ordered, **summary, "ok": not problems}).decode(), flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
