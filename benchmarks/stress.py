"""`make stress`: the exactness claims under pressure, measured in one run.

1. Race trials: a server of 4 workers; in each trial 200 clients in 8 processes race a campaign
   limited to 50 redemptions in total and 2 per customer (40 customers). Oversold = successes
   beyond a limit, summed over trials.
2. Crash test: kill -9 of the whole server at random moments under load, restart, verify that
   every acknowledged redemption is in the log and `promocore check` passes.
3. Group commit: durable redeems/s with group commit vs one transaction and sync per redeem
   (`--max-batch 1`), same load, same run; and vs the same server with `--durability process`
   (no fsync), the durable and unsynced servers alternating, DURABILITY_ROUNDS rounds each.
4. Hot campaign: p99 of redeems of an unlimited campaign, alone and while 200 clients hammer a
   limited one; the same for one closed-loop Validate client (of the quiet campaign's code).
   Beside it, the machine's own floor in the same run: one health-check client of a second,
   idle server, alone and while the same hammer hits the first. On two shared cores the
   Validate ratio mostly measures the machine; Validate's ratio divided by the floor's
   (`validate_vs_health_under_hammer`) measures what promocore adds to it.

Writes a section of benchmarks/RESULTS.md (not with --no-write) and prints one JSON object as
its last line.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import lmdb
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))  # the test harnesses drive the same scenarios
LOAD = ROOT / "benchmarks" / "redeem_load.py"

from promocore import Client  # noqa: E402

from crash_harness import crash_cycles  # noqa: E402
from race_harness import race  # noqa: E402
from redeem_load import run_processes  # noqa: E402
from results_file import write_section  # noqa: E402
from support import ServerProcess, coupon  # noqa: E402

RACE_LIMIT = 50
RACE_PER_CUSTOMER = 2
RACE_CLIENTS = 200
RACE_CUSTOMERS = 40
# Durable and unsynced servers alternate this many times each, so drift on a shared machine
# hits both; the group-commit figures are the mean of the durable rounds.
DURABILITY_ROUNDS = 2
# Per-redeem write-set figures of a throughput measurement (durable_rps).
WRITE_SET_FIGURES = (
    "kb_written_per_redeem",
    "pages_per_redeem",
    "redeems_per_commit",
    "file_growth_pages_per_redeem",
)


def create(client: Client, campaign_id: str, limits: dict) -> str:
    return coupon(client, campaign_id, campaign_id.upper(), limits=limits)


def race_trials(workdir: Path, trials: int) -> dict:
    oversold = wrong_reasons = wrong_counts = 0
    with ServerProcess(workdir / "race", workers=4) as server:
        for trial in range(trials):
            with Client(server.target) as client:
                code = create(
                    client,
                    f"race-{trial}",
                    {"total_redemptions": RACE_LIMIT, "per_customer": RACE_PER_CUSTOMER},
                )
            requests = [
                {"code": code, "customer": f"c{n % RACE_CUSTOMERS}", "key": f"r{trial}-{n}"}
                for n in range(RACE_CLIENTS)
            ]
            outcomes = race(server.target, requests)
            succeeded = [o for o in outcomes if o.get("status") == "SUCCEEDED"]
            per_customer = Counter(o["customer"] for o in succeeded)
            oversold += max(0, len(succeeded) - RACE_LIMIT)
            oversold += sum(max(0, n - RACE_PER_CUSTOMER) for n in per_customer.values())
            wrong_counts += len(succeeded) != RACE_LIMIT
            reasons = {o.get("reason") for o in outcomes if o.get("status") != "SUCCEEDED"}
            wrong_reasons += not reasons <= {"campaign_limit_exceeded", "customer_limit_exceeded"}
            print(f"race trial {trial + 1}/{trials}: {len(succeeded)} successes", file=sys.stderr)
    return {
        "trials": trials,
        "oversold": oversold,
        "trials_not_exactly_k": wrong_counts,
        "trials_with_wrong_reasons": wrong_reasons,
    }


def durable_rps(
    workdir: Path,
    name: str,
    extra: tuple[str, ...],
    seconds: float,
    server_python: str = sys.executable,
) -> dict:
    """Redeems/s of one server under the load, and its write set: what the server's processes
    made the kernel write (/proc/<pid>/io write_bytes) and LMDB's commits, per redeem.
    `server_python`: the interpreter whose promocore serves (another checkout's, to compare)."""
    workers = os.cpu_count() or 1
    with ServerProcess(
        workdir / name, workers=workers, extra=extra, python=server_python
    ) as server:
        with Client(server.target) as client:
            code = create(client, "throughput", {})
        pids = [server.process.pid, *server.worker_pids()]
        written_before = written_bytes(pids)
        lmdb_before = lmdb_figures(server.data_dir)
        results = run_processes(server.target, code, name, seconds=seconds, processes=4, threads=16)
        written = written_bytes(pids) - written_before
        lmdb_after = lmdb_figures(server.data_dir)
    count = sum(r["count"] for r in results)
    redeems = max(1, sum(r["succeeded"] for r in results))
    page_size = lmdb_after["page_size"]
    return {
        "redeems_per_s": count / seconds,
        "errors": sum(r["errors"] for r in results),
        "kb_written_per_redeem": written / 1024 / redeems,
        # The store writes through its map (store/tables.py): no write calls, and each page a
        # commit changed is one page-cache page written at the sync, so write_bytes counts
        # LMDB's pages (the few log lines are noise).
        "pages_per_redeem": written / page_size / redeems,
        "redeems_per_commit": redeems / max(1, lmdb_after["commits"] - lmdb_before["commits"]),
        "file_growth_pages_per_redeem": (lmdb_after["last_page"] - lmdb_before["last_page"])
        / redeems,
    }


def written_bytes(pids: list[int]) -> int:
    """Bytes the processes caused to be written to storage so far (/proc/<pid>/io
    write_bytes, summed)."""
    written = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                written += int(line.split()[1])
    return written


def lmdb_figures(data_dir: Path) -> dict:
    """LMDB's own counts of the store: transactions committed, last page used, page size."""
    env = lmdb.open(str(data_dir), readonly=True, lock=True, max_dbs=64)
    try:
        info = env.info()
        return {
            "commits": info["last_txnid"],
            "last_page": info["last_pgno"],
            "page_size": env.stat()["psize"],
        }
    finally:
        env.close()


def durability_rounds(
    workdir: Path,
    seconds: float,
    count: int = DURABILITY_ROUNDS,
    server_python: str = sys.executable,
) -> dict:
    """Durable group-commit redeems/s and the same server with `--durability process` (no
    fsync), same load, alternating; each figure the mean of its rounds."""
    rounds: dict[str, list[dict]] = {"durable": [], "unsynced": []}
    for n in range(count):
        durable = durable_rps(workdir, f"durable-{n}", (), seconds, server_python)
        rounds["durable"].append(durable)
        unsynced = ("--durability", "process")
        rounds["unsynced"].append(
            durable_rps(workdir, f"unsynced-{n}", unsynced, seconds, server_python)
        )
    return {
        name: {
            "redeems_per_s": statistics.mean(r["redeems_per_s"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "rounds": [round(r["redeems_per_s"]) for r in runs],
            **{
                figure: round(statistics.mean(r[figure] for r in runs), 2)
                for figure in WRITE_SET_FIGURES
            },
        }
        for name, runs in rounds.items()
    }


def percentile(latencies: list[float], q: float) -> float:
    return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0


def hot_campaign(workdir: Path, seconds: float) -> dict:
    """p99 of a quiet unlimited campaign alone, beside 200 clients hammering a limited campaign,
    and (the control, same load) beside 200 clients hammering an unlimited one. Then one
    Validate client (the quiet code, nothing written) alone and beside the limited hammer, and
    one health-check client of a second, idle server alone and beside the same hammer."""
    workers = os.cpu_count() or 1
    with (
        ServerProcess(workdir / "hot", workers=workers) as server,
        ServerProcess(workdir / "idle", workers=workers) as idle,
    ):
        with Client(server.target) as client:
            quiet = create(client, "quiet", {})
            limited = create(client, "hot-limited", {"total_redemptions": 10**9, "per_day": 10**9})
            unlimited = create(client, "hot-unlimited", {})
        figures = {"alone": quiet_latencies(server.target, quiet, "alone", seconds, hammer=None)}
        for name, code in (("beside_limited", limited), ("beside_unlimited", unlimited)):
            figures[name] = quiet_latencies(server.target, quiet, name, seconds, hammer=code)
        for name, code in (("validate_alone", None), ("validate_beside_limited", limited)):
            figures[name] = quiet_latencies(
                server.target, quiet, name, seconds, hammer=code, threads=1, extra=("--validate",)
            )
        for name, code in (("health_alone", None), ("health_beside_limited", limited)):
            figures[name] = quiet_latencies(
                idle.target,
                quiet,
                name,
                seconds,
                hammer=code,
                hammer_target=server.target,
                threads=1,
                extra=("--health",),
            )
    return {
        name: {
            "p50_ms": round(percentile(latencies, 0.5), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2),
            "samples": len(latencies),
        }
        for name, latencies in figures.items()
    }


def quiet_latencies(
    target: str,
    quiet: str,
    name: str,
    seconds: float,
    *,
    hammer: str | None,
    hammer_target: str | None = None,
    threads: int = 4,
    extra: tuple[str, ...] = (),
) -> list[float]:
    """Latencies of `threads` closed-loop clients of the quiet code at `target` (Redeem, or what
    `extra` asks of redeem_load.py), alone or while 200 clients in 4 processes redeem `hammer`
    at `hammer_target` (default: the same server)."""
    hammering = []
    if hammer is not None:
        start_at = time.time() + 3.0
        hammering = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(LOAD),
                    hammer_target or target,
                    hammer,
                    f"{name}-hot{p}",
                    "--seconds",
                    str(seconds + 1),
                    "--threads",
                    "50",
                    "--start-at",
                    str(start_at),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for p in range(4)
        ]
        time.sleep(1.0)  # the hammering starts first
    [measured] = run_processes(
        target, quiet, name, seconds=seconds, processes=1, threads=threads, extra=extra
    )
    for process in hammering:
        process.communicate(timeout=seconds + 120)
    return sorted(measured["latencies_ms"])


def fsync_latency_ms(directory: Path) -> float:
    probe = directory / "fsync-probe"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT)
    samples = []
    try:
        for _ in range(200):
            os.write(fd, b"x" * 4096)
            started = time.perf_counter()
            os.fsync(fd)
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        os.close(fd)
        probe.unlink()
    return round(statistics.median(samples), 3)


def synced_page_write_kb(directory: Path, file_pages: int = 1024, samples: int = 50) -> float:
    """KB of /proc/self/io write_bytes that one 4 KB write() and its fdatasync cost, in a file of
    `file_pages` pages written whole before: what write_bytes would count for each page LMDB
    wrote with write calls. On some kernels and file systems it is far more than the 4 KB
    written (measured: 2 MB, Linux 6.18, ext4): the kernel counts the whole page-cache folio a
    write dirties, and a file written in large writes is cached in large folios. The store
    writes through its map instead (store/tables.py), whose pages stay single pages."""
    probe = directory / "write-bytes-probe"
    fd = os.open(probe, os.O_RDWR | os.O_CREAT)
    try:
        os.pwrite(fd, bytes(4096 * file_pages), 0)
        os.fsync(fd)
        before = written_bytes([os.getpid()])
        for n in range(samples):
            os.pwrite(fd, b"x" * 4096, (n * 7 % file_pages) * 4096)
            os.fdatasync(fd)
        return round((written_bytes([os.getpid()]) - before) / samples / 1024, 1)
    finally:
        os.close(fd)
        probe.unlink()


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def write_results(summary: dict, details: dict, command: str) -> None:
    begin, end = "<!-- stress:begin -->", "<!-- stress:end -->"
    gc = details["group_commit"]
    hot = details["hot_campaign"]
    crash = details["crash"]
    race_row = (
        f"{summary['trials']} trials, oversold {summary['oversold']}, trials not exactly 50: "
        f"{details['race']['trials_not_exactly_k']}"
    )
    crash_row = (
        f"{crash['kills']} kills, {crash['acked']} acknowledged, lost {summary['lost_acked']}, "
        f"`check` failures {len(crash['check_failures'])}"
    )

    batched_rps = gc["group_commit"]["redeems_per_s"]
    single_rps = gc["one_commit_per_redeem"]["redeems_per_s"]
    unsynced_rps = gc["unsynced"]["redeems_per_s"]
    rounds = len(gc["group_commit"]["rounds"])

    def latency(name: str) -> str:
        return f"{hot[name]['p50_ms']} / {hot[name]['p99_ms']} ms"

    def rounds_of(name: str) -> str:
        return ", ".join(str(r) for r in gc[name]["rounds"])

    durable_row = f"durable redeems/s, group commit (mean of {rounds_of('group_commit')})"
    unsynced_row = (
        "redeems/s, same server with `--durability process`, no fsync (mean of "
        f"{rounds_of('unsynced')}; the {rounds} rounds alternate with the durable ones)"
    )
    ratio = summary["validate_p99_under_redeem_hammer_ratio"]
    kb_row = "KB the server's processes wrote per durable redeem, `kb_written_per_redeem`"
    pages_row = (
        f"the same in LMDB pages, `pages_per_redeem` ({summary['redeems_per_commit']:.1f} "
        "redeems per commit)"
    )
    validate_alone = (
        f"one Validate client p50 / p99, alone ({hot['validate_alone']['samples']} calls)"
    )
    floor = summary["health_p99_under_hammer_ratio"]
    quotient = summary["validate_vs_health_under_hammer"]
    health_alone = (
        "one health-check client of a second, idle server, p50 / p99, alone "
        f"({hot['health_alone']['samples']} calls)"
    )
    validate_hammered = (
        "... while 200 clients hammer Redeem of the limited campaign "
        f"({hot['validate_beside_limited']['samples']} calls)"
    )

    section = f"""{begin}
## Limits under concurrency (`make stress`)

Command: `{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {machine()};
median fsync on the data disk {details["fsync_ms"]} ms. Load generators run on the same
machine as the server.

| check | result |
| --- | --- |
| race (4 workers; 200 clients, 8 processes; limit 50, 2 per customer) | {race_row} |
| crash test (kill -9 of the server under load) | {crash_row} |
| {durable_row} | {batched_rps:.0f} |
| durable redeems/s, one commit per redeem (`--max-batch 1`) | {single_rps:.0f} |
| group commit speedup (same run) | {summary["group_commit_speedup"]:.2f} |
| {unsynced_row} | {unsynced_rps:.0f} |
| durable / unsynced, `durable_vs_unsynced` (same run) | {summary["durable_vs_unsynced"]:.2f} |
| {kb_row} | {summary["kb_written_per_redeem"]:.1f} |
| {pages_row} | {summary["pages_per_redeem"]:.1f} |
| quiet campaign redeem p50 / p99, alone | {latency("alone")} |
| ... while 200 clients hammer a limited campaign | {latency("beside_limited")} |
| ... while 200 clients hammer an unlimited campaign (control) | {latency("beside_unlimited")} |
| {validate_alone} | {latency("validate_alone")} |
| {validate_hammered} | {latency("validate_beside_limited")} |
| Validate p99 under the hammer / alone, `validate_p99_under_redeem_hammer_ratio` | {ratio:.2f} |
| {health_alone} | {latency("health_alone")} |
| ... while the same hammer hits the first server | {latency("health_beside_limited")} |
| the machine's floor: health p99 beside / alone, `health_p99_under_hammer_ratio` | {floor:.2f} |
| Validate's ratio / the floor's, `validate_vs_health_under_hammer` | {quotient:.2f} |

Group commit amortizes the commit (page writes and LMDB's two syncs) over a batch; what it
cannot amortize is the per-redeem CPU (about 0.35 ms of Python in the writer, profiled), so the
speedup is bounded near (cpu + commit) / cpu. With a sync of {details["fsync_ms"]} ms on this
disk that bound is low; on disks where a sync costs milliseconds the same code gains far more.
The hammering load saturates both cores; the control row shows how much of the quiet
campaign's latency is that load rather than the limit. The health rows are the machine's floor in
the same run: a second server that does no promocore work at all, its one client answered while
the load generators and the hammered workers share the same cores. Validate's ratio divided by
that floor's is what promocore adds.
{end}"""
    write_section(begin, end, section)


def write_set_summary(durable: dict, unsynced: dict) -> dict:
    """The durable round's write set and the durable / unsynced ratio, for the JSON line."""
    return {
        "durable_vs_unsynced": round(
            durable["redeems_per_s"] / max(unsynced["redeems_per_s"], 1e-9), 3
        ),
        **{figure: durable[figure] for figure in WRITE_SET_FIGURES},
    }


def quick(seconds: float, server_python: str) -> int:
    """`--quick`: one durable and one unsynced round, to see the write set while changing it
    (noisy: one round each, on a machine that is rarely idle)."""
    with tempfile.TemporaryDirectory(prefix="promocore-stress-", dir=ROOT) as tmp:
        durability = durability_rounds(Path(tmp), seconds, count=1, server_python=server_python)
        synced_page_kb = synced_page_write_kb(Path(tmp))
    durable, unsynced = durability["durable"], durability["unsynced"]
    summary = {
        "durable_redeems_per_s": round(durable["redeems_per_s"]),
        "unsynced_redeems_per_s": round(unsynced["redeems_per_s"]),
        **write_set_summary(durable, unsynced),
        "unsynced_kb_written_per_redeem": unsynced["kb_written_per_redeem"],
        "synced_page_write_kb": synced_page_kb,
        "errors": durable["errors"] + unsynced["errors"],
    }
    print(orjson.dumps(summary).decode())
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=8.0, help="per throughput measurement")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only the durability rounds (one durable, one unsynced); print only",
    )
    parser.add_argument(
        "--server-python",
        default=sys.executable,
        help="with --quick: the interpreter whose promocore serves (another checkout's venv)",
    )
    args = parser.parse_args()
    if args.quick:
        return quick(args.seconds, args.server_python)
    command = (
        "make stress" if len(sys.argv) == 1 else " ".join(["benchmarks/stress.py", *sys.argv[1:]])
    )

    with tempfile.TemporaryDirectory(prefix="promocore-stress-", dir=ROOT) as tmp:
        workdir = Path(tmp)
        details: dict = {
            "fsync_ms": fsync_latency_ms(workdir),
            "synced_page_write_kb": synced_page_write_kb(workdir),
        }
        details["race"] = race_trials(workdir, args.trials)
        crash = crash_cycles(workdir / "crash", kills=args.kills, seed=int(time.time()))
        details["crash"] = crash.__dict__
        durability = durability_rounds(workdir, args.seconds)
        batched, unsynced = durability["durable"], durability["unsynced"]
        single = durable_rps(workdir, "single", ("--max-batch", "1"), args.seconds)
        details["group_commit"] = {
            "group_commit": batched,
            "one_commit_per_redeem": single,
            "unsynced": unsynced,
        }
        details["hot_campaign"] = hot_campaign(workdir, args.seconds)

    hot = details["hot_campaign"]
    summary = {
        "trials": args.trials,
        "oversold": details["race"]["oversold"],
        "lost_acked": len(crash.lost_acked),
        "group_commit_speedup": round(
            batched["redeems_per_s"] / max(single["redeems_per_s"], 1e-9), 2
        ),
        "crash_kills": crash.kills,
        "check_failures": len(crash.check_failures),
        "durable_redeems_per_s": round(batched["redeems_per_s"]),
        "quiet_p99_ms_beside_hot_limited": details["hot_campaign"]["beside_limited"]["p99_ms"],
        "quiet_p99_ms_beside_hot_unlimited": details["hot_campaign"]["beside_unlimited"]["p99_ms"],
        "quiet_p99_ms_alone": details["hot_campaign"]["alone"]["p99_ms"],
        "fsync_ms": details["fsync_ms"],
        "synced_page_write_kb": details["synced_page_write_kb"],
        "unsynced_redeems_per_s": round(unsynced["redeems_per_s"]),
        **write_set_summary(batched, unsynced),
        "validate_p99_ms_alone": hot["validate_alone"]["p99_ms"],
        "validate_p99_ms_under_redeem_hammer": hot["validate_beside_limited"]["p99_ms"],
        "validate_p99_under_redeem_hammer_ratio": round(
            hot["validate_beside_limited"]["p99_ms"] / max(hot["validate_alone"]["p99_ms"], 1e-9),
            2,
        ),
        "health_p99_ms_alone": hot["health_alone"]["p99_ms"],
        "health_p99_ms_under_redeem_hammer": hot["health_beside_limited"]["p99_ms"],
        "health_p99_under_hammer_ratio": round(
            hot["health_beside_limited"]["p99_ms"] / max(hot["health_alone"]["p99_ms"], 1e-9), 2
        ),
    }
    summary["validate_vs_health_under_hammer"] = round(
        summary["validate_p99_under_redeem_hammer_ratio"]
        / max(summary["health_p99_under_hammer_ratio"], 1e-9),
        2,
    )
    if not args.no_write:
        write_results(summary, details, command)
    print(orjson.dumps(summary).decode())
    return 0 if summary["oversold"] == 0 and summary["lost_acked"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
