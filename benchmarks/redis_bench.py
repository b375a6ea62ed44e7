"""Redeem throughput on the Redis store against LMDB, side by side in one run.

The same server settings (`promocore serve --workers 2`), the same load (redeem_load.py: client
processes x threads, closed loop, a new idempotency key per redeem, one coupon of an unlimited
campaign, the load data set's 20-line carts) against a server on a fresh LMDB directory and one
on a fresh private redis-server (AOF, appendfsync always: the no-loss setting). The backends
alternate (LMDB, Redis, LMDB, Redis, ...) so that drift of a shared machine hits both alike.

Besides redeems/s it records what bounds the Redis figure: round trips to Redis per redeem (the
client reads redis-server processed during the timed run: a pipeline of several commands is one),
the commands per redeem by name, CPU per redeem of the server's workers and of redis-server, and
how busy the machine was.

    .venv/bin/python benchmarks/redis_bench.py [--rounds 2] [--seconds 12]

Writes its section of benchmarks/RESULTS.md and prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import socket
import statistics
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
# ServerProcess, RedisServer: as the tests run them
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(BENCH))

from load_bench import cpu_seconds  # noqa: E402
from stress import fsync_latency_ms, machine, percentile  # noqa: E402

from promocore import Client  # noqa: E402

from redeem_load import run_processes  # noqa: E402
from redis_support import RedisServer  # noqa: E402
from results_file import write_section  # noqa: E402
from support import ServerProcess, coupon  # noqa: E402

_QUOTED = re.compile(rb'"((?:[^"\\]|\\.)*)"')
BEGIN, END = "<!-- redis_bench:begin -->", "<!-- redis_bench:end -->"
BACKENDS = ("lmdb", "redis")
CODE = "THROUGHPUT"
MONITOR_SECONDS = 3.0


def children_cpu_seconds() -> float:
    """CPU time of this process's children that have exited and been waited for: the load
    processes once run_processes returns (the server and redis-server are still running)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all cores so far, from the first line of /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


class MonitorCount:
    """Counts the commands a redis-server executes (MONITOR), split into those clients sent
    (several to a round trip when pipelined) and those the store's scripts run inside Redis;
    tells the commit script from the cursor-walk script by their arguments (not by SHA-1, which
    changes with the script), and a commit that wrote (its reads still held) from one that found
    a conflict (no write follows it). MONITOR slows redis-server down, so it only runs in a
    phase of its own after the timed one."""

    WRITES = (b"HSET", b"HDEL", b"ZADD", b"ZREM")

    def __init__(self, redis: RedisServer) -> None:
        self.redis = redis
        self.round_trips: Counter[str] = Counter()
        self.in_scripts = 0
        self.commits = self.conflicts = self.walks = 0
        self._marker = f"redis-bench-end-{os.getpid()}-{time.monotonic_ns()}".encode()
        self._ended = threading.Event()
        self._marker_seen = False
        self._open_commit = False  # a commit script whose writes have not been seen (yet)
        self._socket = socket.create_connection((redis.host, redis.port))
        self._socket.sendall(b"MONITOR\r\n")
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Reads everything the server executed up to now, then stops."""
        with contextlib.closing(self.redis.client()) as client:
            client.echo(self._marker)  # the last line to count
        self._ended.wait(timeout=60)
        self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()
        self._thread.join(timeout=10)
        self._end_commit()
        if not self._marker_seen:
            raise RuntimeError("MONITOR output did not reach the end marker")

    def _read(self) -> None:
        pending = b""
        try:
            with contextlib.suppress(OSError):
                while chunk := self._socket.recv(1 << 20):
                    lines = (pending + chunk).split(b"\r\n")
                    pending = lines.pop()
                    for line in lines:
                        if self._marker in line:
                            self._marker_seen = True
                            return
                        self._line(line)
        finally:
            self._ended.set()

    def _line(self, line: bytes) -> None:
        # +1700000000.123456 [0 127.0.0.1:40000] "HGET" "key" "field", or [0 lua] from a script
        source_end = line.find(b"] ")
        if not line.startswith(b"+") or source_end < 0:
            return
        rest = line[source_end + 2 :]
        name = rest[: rest.find(b" ")].strip(b'"').upper() if b" " in rest else rest.strip(b'"')
        if line[:source_end].endswith(b" lua"):
            self.in_scripts += 1
            if self._open_commit and name in self.WRITES:
                self._open_commit = False  # its checks held: it committed
            return
        self._end_commit()
        self.round_trips[name.decode(errors="replace").lower()] += 1
        if name == b"EVALSHA":
            if self._first_argument(rest).isdigit():
                self.commits += 1  # ARGV starts with the number of reads to re-check
                self._open_commit = True
            else:
                self.walks += 1  # ARGV starts with a ZRANGEBYLEX bound: -, +, [key or (key

    @staticmethod
    def _first_argument(rest: bytes) -> bytes:
        """ARGV[1] of `"EVALSHA" "sha" "numkeys" "key"... "arg"...` (MONITOR quotes each)."""
        tokens = _QUOTED.finditer(rest)
        next(tokens), next(tokens)  # EVALSHA, sha
        numkeys = int(next(tokens).group(1))
        for _ in range(numkeys):
            next(tokens)
        found = next(tokens, None)
        return found.group(1) if found is not None else b""

    def _end_commit(self) -> None:
        if self._open_commit:
            self.conflicts += 1
            self._open_commit = False


def measure(backend: str, workdir: Path, run: int, args: argparse.Namespace) -> dict:
    """One measurement: a fresh store of `backend`, a fresh server on it, the load. On Redis, a
    short second phase under MONITOR then counts the commands per redeem."""
    with contextlib.ExitStack() as stack:
        redis = None
        extra: tuple[str, ...] = ()
        if backend == "redis":
            redis = stack.enter_context(RedisServer(workdir / f"redis-{run}"))
            extra = ("--store", redis.url)
        server = stack.enter_context(
            ServerProcess(workdir / f"{backend}-{run}", workers=args.workers, extra=extra)
        )
        with Client(server.target) as client:
            coupon(client, "throughput", CODE, limits={})
        pids = server.worker_pids()
        watched = pids + ([redis.pid] if redis is not None else [])
        cpu_before = {pid: cpu_seconds([pid]) for pid in watched}
        reads_before = reads_processed(redis) if redis is not None else 0
        traffic_before = command_traffic(redis) if redis is not None else (0, 0)
        busy_before = machine_busy()
        load_cpu_before = children_cpu_seconds()
        results = load(server.target, f"{backend}{run}-", args.seconds, args)
        busy_after = machine_busy()
        reads = reads_processed(redis) - reads_before if redis is not None else 0
        traffic_after = command_traffic(redis) if redis is not None else (0, 0)
        cpu = {pid: cpu_seconds([pid]) - before for pid, before in cpu_before.items()}
        load_cpu = children_cpu_seconds() - load_cpu_before
        figures = summarize_load(results, args.seconds)
        figures.update(
            {
                "backend": backend,
                "run": run,
                "workers_cpu_s": sum(cpu[pid] for pid in pids),
                "load_cpu_s": load_cpu,
                "machine_busy": round(
                    (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1]), 3
                ),
            }
        )
        if redis is not None:
            figures["redis_cpu_s"] = cpu[redis.pid]
            figures["redis_reads"] = reads
            figures["redis_commands"] = traffic_after[0] - traffic_before[0]
            figures["redis_input_bytes"] = traffic_after[1] - traffic_before[1]
            monitor = MonitorCount(redis)
            try:
                monitored = load(server.target, f"monitored{run}-", MONITOR_SECONDS, args)
            finally:
                monitor.close()
            redeems = max(1, sum(r["count"] for r in monitored))
            during_monitor = summarize_load(monitored, MONITOR_SECONDS)
            figures["errors"] += during_monitor["errors"]
            figures["not_succeeded"] += during_monitor["not_succeeded"]
            figures["round_trip_us"] = round_trip_us(redis)
            figures["monitored"] = {
                "redeems": redeems,
                "round_trips": dict(monitor.round_trips),
                "in_scripts": monitor.in_scripts,
                "commits": monitor.commits,
                "conflicts": monitor.conflicts,
                "walks": monitor.walks,
            }
    return figures


def reads_processed(redis: RedisServer) -> int:
    """How many times redis-server has read a client's socket: one per round trip (a request,
    or a pipeline of several sent together), whatever the number of commands in it."""
    with contextlib.closing(redis.client()) as client:
        return int(client.info("stats")["total_reads_processed"])


def command_traffic(redis: RedisServer) -> tuple[int, int]:
    """(commands executed, bytes received from clients) by redis-server so far: the sum of INFO
    commandstats calls (a script's own commands included) and INFO stats
    total_net_input_bytes. Each reading adds its own INFO commands (a handful per load run)."""
    with contextlib.closing(redis.client()) as client:
        calls = sum(int(stat["calls"]) for stat in client.info("commandstats").values())
        return calls, int(client.info("stats")["total_net_input_bytes"])


def round_trip_us(redis: RedisServer, samples: int = 2000) -> float:
    """Median time of one HGET from Python (redis-py, as the workers) to the idle server."""
    with contextlib.closing(redis.client()) as client:
        client.hset("round-trip-probe", "key", "value")
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            client.hget("round-trip-probe", "key")
            times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1e6, 1)


def load(target: str, prefix: str, seconds: float, args: argparse.Namespace) -> list[dict]:
    return run_processes(
        target,
        CODE,
        prefix,
        seconds=seconds,
        processes=args.processes,
        threads=args.threads,
        extra=("--dataset-cart",),
    )


def summarize_load(results: list[dict], seconds: float) -> dict:
    count = sum(r["count"] for r in results)
    latencies = sorted(ms for r in results for ms in r["latencies_ms"])
    return {
        "redeems": count,
        "redeems_per_s": count / seconds,
        "errors": sum(r["errors"] for r in results),
        "not_succeeded": count - sum(r["succeeded"] for r in results),
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
    }


def summarize(
    runs: list[dict], args: argparse.Namespace, fsync_ms: float, load_average: str
) -> dict:
    by_backend = {b: [r for r in runs if r["backend"] == b] for b in BACKENDS}
    rps = {b: statistics.mean(r["redeems_per_s"] for r in rs) for b, rs in by_backend.items()}
    pair_ratios = [
        redis["redeems_per_s"] / max(lmdb["redeems_per_s"], 1e-9)
        for lmdb, redis in zip(by_backend["lmdb"], by_backend["redis"], strict=True)
    ]

    def per_redeem_us(backend: str, field: str) -> float:
        rs = by_backend[backend]
        return 1e6 * sum(r[field] for r in rs) / max(1, sum(r["redeems"] for r in rs))

    redis_runs = by_backend["redis"]
    monitored = [r["monitored"] for r in redis_runs]
    monitored_redeems = sum(m["redeems"] for m in monitored)
    round_trips: Counter[str] = Counter()
    for m in monitored:
        round_trips.update(m["round_trips"])

    def monitored_per_redeem(field: str) -> float:
        return round(sum(m[field] for m in monitored) / monitored_redeems, 2)

    commits = sum(m["commits"] for m in monitored)
    commands = sum(round_trips.values())
    return {
        "redeem_rps_redis": round(rps["redis"], 1),
        "redeem_rps_lmdb": round(rps["lmdb"], 1),
        "redeem_rps_redis_vs_lmdb": round(rps["redis"] / max(rps["lmdb"], 1e-9), 3),
        "pair_ratios": [round(r, 3) for r in pair_ratios],
        "errors_redis": sum(r["errors"] for r in redis_runs),
        "errors_lmdb": sum(r["errors"] for r in by_backend["lmdb"]),
        "not_succeeded": sum(r["not_succeeded"] for r in runs),
        "p99_ms_redis": max(r["p99_ms"] for r in redis_runs),
        "p99_ms_lmdb": max(r["p99_ms"] for r in by_backend["lmdb"]),
        "redis_round_trips_per_redeem": round(
            sum(r["redis_reads"] for r in redis_runs)
            / max(1, sum(r["redeems"] for r in redis_runs)),
            2,
        ),
        "redis_commands_per_redeem": round(commands / monitored_redeems, 2),
        # From INFO deltas over the unmonitored load (commands inside scripts count).
        "redis_commandstats_per_redeem": round(
            sum(r["redis_commands"] for r in redis_runs)
            / max(1, sum(r["redeems"] for r in redis_runs)),
            2,
        ),
        "redis_input_bytes_per_redeem": round(
            sum(r["redis_input_bytes"] for r in redis_runs)
            / max(1, sum(r["redeems"] for r in redis_runs))
        ),
        "redis_commands_per_redeem_by_command": {
            name: round(n / monitored_redeems, 2)
            for name, n in round_trips.most_common()
            if n / monitored_redeems >= 0.01
        },
        "redis_round_trip_us_idle": statistics.median(r["round_trip_us"] for r in redis_runs),
        "redis_script_commands_per_redeem": monitored_per_redeem("in_scripts"),
        "redis_walk_scripts_per_redeem": monitored_per_redeem("walks"),
        "redis_commits_per_redeem": monitored_per_redeem("commits"),
        "redis_commit_conflict_share": round(
            sum(m["conflicts"] for m in monitored) / max(1, commits), 3
        ),
        "workers_cpu_us_per_redeem_redis": round(per_redeem_us("redis", "workers_cpu_s")),
        "workers_cpu_us_per_redeem_lmdb": round(per_redeem_us("lmdb", "workers_cpu_s")),
        "load_cpu_us_per_redeem_redis": round(per_redeem_us("redis", "load_cpu_s")),
        "load_cpu_us_per_redeem_lmdb": round(per_redeem_us("lmdb", "load_cpu_s")),
        "redis_server_cpu_us_per_redeem": round(per_redeem_us("redis", "redis_cpu_s")),
        "machine_busy_redis": round(statistics.mean(r["machine_busy"] for r in redis_runs), 3),
        "machine_busy_lmdb": round(
            statistics.mean(r["machine_busy"] for r in by_backend["lmdb"]), 3
        ),
        "fsync_ms": fsync_ms,
        "rounds": args.rounds,
        "seconds": args.seconds,
        "workers": args.workers,
        "clients": args.processes * args.threads,
        "processes": args.processes,
        "load_average": load_average,
    }


def cpu_per_redeem_us(summary: dict, backend: str) -> int:
    """Workers + load generators (+ redis-server) CPU per redeem."""
    total = (
        summary[f"workers_cpu_us_per_redeem_{backend}"]
        + summary[f"load_cpu_us_per_redeem_{backend}"]
    )
    return total + (summary["redis_server_cpu_us_per_redeem"] if backend == "redis" else 0)


def bound_sentence(summary: dict) -> str:
    """What the figures say bounds the Redis throughput: the round trips a redeem makes, and
    whether the CPU per redeem of everything on the machine explains the ratio."""
    by_command = summary["redis_commands_per_redeem_by_command"]
    trips = summary["redis_round_trips_per_redeem"]
    rtt_us = summary["redis_round_trip_us_idle"]
    reads = ", ".join(
        f"{n} {name.upper()}" for name, n in by_command.items() if not name.startswith("eval")
    )
    round_trips = (
        f"A redeem on Redis made {trips} round trips to redis-server (socket reads it processed "
        f"in the timed runs; several commands pipelined together are one), sending "
        f"{summary['redis_commands_per_redeem']} commands ({reads}, "
        f"{summary['redis_walk_scripts_per_redeem']} cursor-walk scripts and "
        f"{summary['redis_commits_per_redeem']} commit scripts: one "
        "per group-commit batch, plus reruns; "
        f"{summary['redis_commit_conflict_share']:.0%} of the commits found a conflict and reran "
        "their batch); redis-server ran "
        f"{summary['redis_script_commands_per_redeem']} commands per redeem inside the scripts. "
        f"At the idle round trip from Python measured here ({rtt_us:.0f} µs) the round trips "
        f"alone are {trips * rtt_us / 1000:.2f} ms per redeem of a worker's one writer thread."
    )
    lmdb_cpu, redis_cpu = cpu_per_redeem_us(summary, "lmdb"), cpu_per_redeem_us(summary, "redis")
    predicted = lmdb_cpu / max(redis_cpu, 1)
    measured = summary["redeem_rps_redis_vs_lmdb"]
    cpu = (
        f"CPU per redeem, workers + load generators + redis-server: {redis_cpu} µs on Redis "
        f"against {lmdb_cpu} µs on LMDB (workers {summary['workers_cpu_us_per_redeem_redis']} "
        f"against {summary['workers_cpu_us_per_redeem_lmdb']} µs: redis-py and the read-set "
        f"bookkeeping; redis-server {summary['redis_server_cpu_us_per_redeem']} µs), so if CPU "
        f"were all that bounds both, Redis would reach {predicted:.2f} of LMDB's redeems/s; it "
        f"reached {measured:.2f}."
    )
    if abs(measured / max(predicted, 1e-9) - 1) <= 0.15:
        verdict = (
            "The CPU per redeem accounts for the ratio: on this machine (cores busy "
            f"{summary['machine_busy_redis']:.0%} during the Redis runs, other sessions "
            "included) the Redis figure is bounded by CPU, the extra being the worker side of "
            "the round trips and redis-server's work, not by waiting on Redis."
        )
    elif measured < predicted:
        verdict = (
            "Redis reached less than its CPU per redeem allows, so waiting bounds it too: the "
            "round trips are sequential in each worker's writer thread, and every commit waits "
            "for redis-server's fsync of the AOF (appendfsync always)."
        )
    else:
        verdict = (
            "Redis reached more than the CPU per redeem predicts, so CPU does not bound LMDB "
            "alone here (e.g. LMDB's fsync per group commit does)."
        )
    return f"{round_trips} {cpu} {verdict}"


def paragraph(text: str) -> str:
    return textwrap.fill(text, width=100, break_long_words=False, break_on_hyphens=False)


def write_results(summary: dict, runs: list[dict], command: str) -> None:
    rows = [
        f"| {r['run'] + 1} | {r['backend']} | {r['redeems']} | {r['redeems_per_s']:.0f} | "
        f"{r['p50_ms']} / {r['p99_ms']} | {r['errors']} | {r['not_succeeded']} | "
        f"{r['machine_busy']:.0%} |"
        for r in runs
    ]
    setup = (
        f"Command: `{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {machine()}; median "
        f"fsync on the data disk {summary['fsync_ms']} ms; load average "
        f"{summary['load_average']} at the start (other sessions share the machine). Both "
        f"backends: `promocore serve --workers {summary['workers']}`, {summary['clients']} "
        f"closed-loop clients (redeem_load.py `--dataset-cart`, {summary['processes']} processes "
        f"on the same machine) for {summary['seconds']:g} s, a new idempotency key per redeem, "
        "one coupon of an unlimited campaign, the load data set's 20-line carts. LMDB: a fresh "
        "`--data-dir` (durability full). Redis: a fresh private redis-server with `appendonly "
        "yes`, `appendfsync always` (no acknowledged redemption lost), `--store "
        f"redis://127.0.0.1:PORT/0`. The backends alternate, {summary['rounds']} runs each. "
        "Round trips are redis-server's client socket reads (INFO stats total_reads_processed) "
        "during the timed runs; commands are counted with MONITOR during a further "
        f"{MONITOR_SECONDS:g} s of the same load after each timed Redis run (MONITOR slows Redis "
        "down, so never while timed)."
    )
    ratio = (
        f"**redeem_rps_redis_vs_lmdb = {summary['redeem_rps_redis_vs_lmdb']}** (mean Redis "
        "redeems/s over mean LMDB redeems/s; per alternating pair: "
        f"{', '.join(str(r) for r in summary['pair_ratios'])})."
    )
    lines = [
        BEGIN,
        "## Redeem throughput, Redis store vs LMDB (`make test-redis`)",
        "",
        paragraph(setup),
        "",
        "| run | backend | redeems | redeems/s | p50 / p99 ms | RPC errors | not SUCCEEDED "
        "| machine busy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "| figure | Redis | LMDB |",
        "| --- | --- | --- |",
        f"| redeems/s (mean of runs) | {summary['redeem_rps_redis']:.0f} | "
        f"{summary['redeem_rps_lmdb']:.0f} |",
        f"| worker CPU per redeem (µs) | {summary['workers_cpu_us_per_redeem_redis']} | "
        f"{summary['workers_cpu_us_per_redeem_lmdb']} |",
        f"| load generators' CPU per redeem (µs) | {summary['load_cpu_us_per_redeem_redis']} | "
        f"{summary['load_cpu_us_per_redeem_lmdb']} |",
        f"| redis-server CPU per redeem (µs) | {summary['redis_server_cpu_us_per_redeem']} | — |",
        f"| round trips to the store per redeem | {summary['redis_round_trips_per_redeem']} | "
        "— (in-process) |",
        f"| commands to the store per redeem | {summary['redis_commands_per_redeem']} | — |",
        "",
        paragraph(ratio),
        "",
        paragraph(bound_sentence(summary)),
        END,
    ]
    write_section(BEGIN, END, "\n".join(lines))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="runs per backend, alternating")
    parser.add_argument("--seconds", type=float, default=12.0, help="load per run")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--threads", type=int, default=16, help="clients per load process")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, command: str) -> dict:
    """Measures, writes the RESULTS.md section, returns the summary."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="promocore-redis-bench-", dir=ROOT) as tmp:
        workdir = Path(tmp)
        fsync_ms = fsync_latency_ms(workdir)
        load_average = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        for round_ in range(args.rounds):
            for backend in BACKENDS:
                figures = measure(backend, workdir, round_, args)
                print(
                    f"redis_bench run {round_ + 1}/{args.rounds} {backend}: "
                    f"{figures['redeems_per_s']:.0f} redeems/s, errors {figures['errors']}, "
                    f"not succeeded {figures['not_succeeded']}",
                    file=sys.stderr,
                )
                runs.append(figures)
    summary = summarize(runs, args, fsync_ms, load_average)
    write_results(summary, runs, command)
    return summary


def command_line(script: str, make_target: str, argv: list[str]) -> str:
    """How this run was started: the make target when make ran it without options."""
    if os.environ.get("MAKELEVEL") and not argv:
        return f"make {make_target}"
    return " ".join([f".venv/bin/python benchmarks/{script}", *argv])


def main() -> int:
    args = parse_args()
    summary = run(args, command_line("redis_bench.py", "test-redis", sys.argv[1:]))
    print(orjson.dumps(summary).decode())
    failed = summary["errors_redis"] + summary["errors_lmdb"] + summary["not_succeeded"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
