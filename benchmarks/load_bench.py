"""`make bench`: locust against a real server, promocore's cost measured against the grpcio floor.

1. Starts `promocore serve` (workers = cores) on a fresh store and loads the seeded data set of
   load_dataset.py (100 auto promotions, 10,000 codes, 20-item carts, 3 codes per request).
2. Single-RPC phases, the same locust client and user count each: a health check (the framework
   floor), Validate, durable Redeem. Server CPU time per RPC is read from the worker processes'
   /proc stats, so the load generator's share of the cores does not count. The shed fraction of
   a phase is its RESOURCE_EXHAUSTED answers (load shedding) over its requests.
3. A mixed phase: checkout (Qualify -> Validate -> Redeem), POS and admin users together.
4. The TV-ad spike on the limit-1,000 campaign (locust_spike.py), up to 500 users.
5. The HTTP door against gRPC (http_bench.py, on its own one-worker server): Validate latency
   on a kept-alive connection, server CPU per Validate and throughput at 32 users, HTTP/JSON
   over gRPC (`--no-http` leaves it out).

Writes benchmarks/results/load_bench.json, a section of benchmarks/RESULTS.md and the latency
plot benchmarks/results/load_latency.png (none of them with --no-write); prints one JSON object
as its last line. `--server-arg=ARG` (repeatable) passes ARG to `promocore serve`, to compare
server settings side by side.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT / "tests" / "support"))  # ServerProcess: the server as users run it
sys.path.insert(0, str(BENCH))

from stress import machine  # noqa: E402

from promocore import Client  # noqa: E402
from promocore.store.keys import decode_counter  # noqa: E402
from promocore.store.tables import open_readonly  # noqa: E402

import load_dataset  # noqa: E402
import profile_summary  # noqa: E402
from results_file import write_section  # noqa: E402
from support import ServerProcess  # noqa: E402

OUTPUT = BENCH / "results"
BEGIN, END = "<!-- load_bench:begin -->", "<!-- load_bench:end -->"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far (fields 14 and 15 of /proc/PID/stat)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def locust(
    target: str,
    prefix: Path,
    users: list[str],
    *,
    locustfile: str = "locustfile.py",
    count: int = 0,
    seconds: float = 0,
    env: dict[str, str],
) -> dict[str, dict]:
    """Runs locust headless; returns its final stats rows by request name."""
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(BENCH / locustfile),
        "--headless",
        "--host",
        target,
        "--csv",
        str(prefix),
        "--csv-full-history",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    if count:
        command += [
            "-u",
            str(count),
            "-r",
            str(count),
            "-t",
            f"{round(seconds)}s",
            "--stop-timeout",
            "5",
        ]
    log = prefix.with_suffix(".log")
    with log.open("wb") as output:
        subprocess.run(
            [*command, *users],
            env={**os.environ, **env},
            check=False,
            cwd=BENCH,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    if not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"locust wrote no stats: {log.read_text()[-3000:]}")
    with open(f"{prefix}_stats.csv", newline="") as stats:
        return {row["Name"]: row for row in csv.DictReader(stats)}


def phase(server: ServerProcess, workdir: Path, user: str, name: str, args, env) -> dict:
    """One single-RPC phase: RPCs answered, RPS, server CPU per RPC and the shed fraction."""
    pids = server.worker_pids()
    # The phase's own outcomes file: errors by status code, counted by the locustfile.
    outcomes = workdir / f"{user}-outcomes.json"
    before, started = cpu_seconds(pids), time.monotonic()
    rows = locust(
        server.target,
        workdir / user,
        [user],
        count=args.users,
        seconds=args.seconds,
        env={**env, "PROMOCORE_BENCH_OUTCOMES": str(outcomes)},
    )
    elapsed, cpu = time.monotonic() - started, cpu_seconds(pids) - before
    if name not in rows:
        raise RuntimeError(f"no {name} finished in the {user} phase: make --seconds longer")
    row = rows[name]
    requests, failures = int(row["Request Count"]), int(row["Failure Count"])
    errors = orjson.loads(outcomes.read_bytes())["errors"]
    shed = errors.get(f"{name}:RESOURCE_EXHAUSTED", 0)
    # Per answered RPC: a shed one (RESOURCE_EXHAUSTED) costs microseconds and would flatter it.
    answered = requests - failures
    return {
        "requests": requests,
        "failures": failures,
        "shed": shed,
        "shed_fraction": shed / max(1, requests),
        # Answered RPCs per second (locust's Requests/s counts the refused ones too).
        "rps": float(row["Requests/s"]) * answered / max(1, requests),
        "cpu_us_per_rpc": cpu / max(1, answered) * 1e6,
        "server_cpu_s": cpu,
        "elapsed_s": elapsed,
        "p50_ms": float(row["50%"]),
        "p99_ms": float(row["99%"]),
    }


def promotions_per_cart(client: Client, codes: dict[str, list[str]]) -> dict[str, float]:
    """How the seeded carts meet the catalog: joined promotions that are valid (applied or
    stacked out) and applied, on average over 64 carts."""
    rng = random.Random(load_dataset.SEED)
    valid = applied = 0
    samples = 64
    for n in range(samples):
        answer = client.validate(
            load_dataset.cart(rng, f"probe-{n}"),
            codes=load_dataset.request_codes(rng, codes),
            customer=load_dataset.customer(rng),
            include_promotions=True,
        )
        joined = answer["redeemables"][load_dataset.CODES_PER_REQUEST :]
        valid += sum(r["status"] != "INAPPLICABLE" for r in joined)
        applied += sum(r["status"] == "APPLICABLE" for r in joined)
    return {"valid": valid / samples, "applied": applied / samples}


def profiled_phase(server: ServerProcess, workdir: Path, user: str, args, env) -> list[str]:
    """The phase again with py-spy sampling every worker; the layer summary as markdown."""
    (OUTPUT / "profiles").mkdir(exist_ok=True)
    outputs = [OUTPUT / "profiles" / f"{user}-{n}.spy" for n in range(len(server.worker_pids()))]
    spies = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(pid),
                "--native",
                "--rate",
                "200",
                "--format",
                "raw",
                "--duration",
                str(max(1, round(args.seconds) - 4)),
                "-o",
                str(output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid, output in zip(server.worker_pids(), outputs, strict=True)
    ]
    locust(
        server.target,
        workdir / f"{user}-profiled",
        [user],
        count=args.users,
        seconds=args.seconds,
        env=env,
    )
    for spy in spies:
        spy.wait(timeout=60)
    return profile_summary.markdown([o for o in outputs if o.exists()], f"`{user}` workers")


def spike_redemptions_in_store(data_dir: Path) -> int:
    """The spike campaign's redemption counter as the store holds it (read after the server
    stopped: the acknowledged count must equal it)."""
    # The campaign's redemption counter as the engine names it (rust/engine/src/counter_keys.rs).
    key = f"campaign/{load_dataset.SPIKE_CAMPAIGN}/redemptions".encode()
    env, tables = open_readonly(data_dir)
    try:
        with env.begin() as txn:
            raw = txn.get(key, db=tables.counters)
    finally:
        env.close()
    return decode_counter(raw) if raw else 0


def history(prefix: Path, name: str) -> list[tuple[float, float, float]]:
    """(seconds since start, p50 ms, p99 ms) per second of one request name."""
    points = []
    with open(f"{prefix}_stats_history.csv", newline="") as rows:
        for row in csv.DictReader(rows):
            if row["Name"] == name and row["99%"] not in ("N/A", ""):
                points.append((int(row["Timestamp"]), float(row["50%"]), float(row["99%"])))
    start = points[0][0] if points else 0
    return [(t - start, p50, p99) for t, p50, p99 in points]


def plot(series: dict[str, list[tuple[float, float, float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(series), 1, figsize=(9, 3.2 * len(series)), squeeze=False)
    for axis, (title, points) in zip(axes[:, 0], series.items(), strict=True):
        seconds = [p[0] for p in points]
        axis.plot(seconds, [p[1] for p in points], label="p50")
        axis.plot(seconds, [p[2] for p in points], label="p99")
        axis.set_title(title)
        axis.set_xlabel("seconds")
        axis.set_ylabel("ms (rolling percentile, locust)")
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


HTTP_FIGURES = (
    "http_keepalive_p50_ms",
    "grpc_keepalive_p50_ms",
    "http_validate_cpu_ratio",
    "http_throughput_ratio",
)


def http_door(users: int, seconds: float) -> dict:
    """benchmarks/http_bench.py's figures (it starts its own one-worker server)."""
    shown = subprocess.run(
        [
            sys.executable,
            str(BENCH / "http_bench.py"),
            "--users",
            str(users),
            "--seconds",
            str(seconds),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return orjson.loads(shown.stdout.strip().splitlines()[-1])


def write_results(summary: dict, details: dict, command: str) -> None:
    phases = details["phases"]
    lines = [
        BEGIN,
        "## Load: locust against the grpcio floor (`make bench`)",
        "",
        f"Command: `{command}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        f"Machine: {details['machine']}.",
        f"Server: `{details['server_command']}`; locust in one process, "
        f"{details['users']} users per single-RPC phase, {details['seconds']} s each. Server CPU "
        "is read from the workers' /proc stats; the ratios come from phases of the same run. "
        f"Of the {load_dataset.PROMOTIONS} auto promotions, "
        f"{details['promotions_per_cart']['valid']:.1f} are valid for the average cart and "
        f"{details['promotions_per_cart']['applied']:.1f} apply after stacking.",
        "",
        "| phase | RPCs | RPS | server CPU / RPC (µs) | ratio to floor | p50 ms | p99 ms "
        "| failures | shed (RESOURCE_EXHAUSTED / RPCs) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    floor = phases["noop"]["cpu_us_per_rpc"]
    for name, figures in phases.items():
        lines.append(
            f"| {name} | {figures['requests']} | {figures['rps']:.0f} | "
            f"{figures['cpu_us_per_rpc']:.0f} | {figures['cpu_us_per_rpc'] / floor:.2f} | "
            f"{figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} | {figures['failures']} | "
            f"{figures['shed_fraction']:.3f} |"
        )
    spike = details["spike"]
    lines += [
        "",
        f"Mixed phase (checkout + POS + admin users): {details['mixed']}.",
        "",
        f"Spike (limit {load_dataset.SPIKE_LIMIT}, up to {details['spike_users']} users, "
        f"steady -> 10x in 10 s -> hold 20 s -> drop): outcomes {spike['outcomes']}, RPC errors "
        f"{spike['errors'] or 'none'}, store counter {spike['store_count']}, p99 "
        f"{summary['spike_p99_ms']} ms. Latency over time: `benchmarks/results/load_latency.png`.",
        "",
        *(
            ["### Where a worker's CPU goes (py-spy, extra phases)", "", *details["profiles"]]
            if details["profiles"]
            else []
        ),
        "```json",
        orjson.dumps(summary).decode(),
        "```",
        END,
    ]
    write_section(BEGIN, END, "\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each single-RPC phase")
    parser.add_argument("--users", type=int, default=32, help="users of each single-RPC phase")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--spike-users", type=int, default=500)
    parser.add_argument("--threads", type=int, help="RPC threads per worker (serve's default)")
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="one more argument of `promocore serve` (repeatable; write --server-arg=--flag)",
    )
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print only; leave RESULTS.md and benchmarks/results/ as they are",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also sample the workers with py-spy (extra phases)"
    )
    parser.add_argument(
        "--no-http", action="store_true", help="leave out the HTTP door's figures (http_bench.py)"
    )
    args = parser.parse_args()
    OUTPUT.mkdir(exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="promocore-bench-") as tmp:
        workdir = Path(tmp)
        data_dir = workdir / "data"
        extra = (*(("--threads", str(args.threads)) if args.threads else ()), *args.server_arg)
        server = ServerProcess(data_dir, workers=args.workers, extra=extra).start()
        try:
            with Client(server.target, timeout=60) as client:
                codes = load_dataset.load(client)
                per_cart = promotions_per_cart(client, codes)
            codes_path = workdir / "codes.json"
            codes_path.write_bytes(orjson.dumps(codes))
            outcomes_path = workdir / "outcomes.json"
            env = {
                "PROMOCORE_BENCH_CODES": str(codes_path),
                "PROMOCORE_BENCH_OUTCOMES": str(outcomes_path),
            }
            phases = {
                name: phase(server, workdir, user, rpc, args, env)
                for name, user, rpc in (
                    ("noop", "NoopUser", "Check"),
                    ("validate", "ValidateUser", "Validate"),
                    ("redeem", "RedeemUser", "Redeem"),
                )
            }
            profiles = (
                [
                    line
                    for user in ("ValidateUser", "RedeemUser")
                    for line in (*profiled_phase(server, workdir, user, args, env), "")
                ]
                if args.profile
                else []
            )
            mixed_rows = locust(
                server.target,
                workdir / "mixed",
                ["CheckoutUser", "PosUser", "AdminUser"],
                count=100,
                seconds=args.seconds,
                env=env,
            )
            mixed = {
                name: f"{int(row['Request Count'])} calls, p99 {row['99%']} ms"
                for name, row in mixed_rows.items()
                if name != "Aggregated"
            }
            spike_rows = locust(
                server.target,
                workdir / "spike",
                ["SpikeUser"],
                locustfile="locust_spike.py",
                env={
                    **env,
                    "PROMOCORE_SPIKE_USERS": str(args.spike_users),
                    "PROMOCORE_BENCH_DEADLINE_S": "5",
                },
            )
            spike_out = orjson.loads(outcomes_path.read_bytes())
            series = {
                "mixed phase: Redeem": history(workdir / "mixed", "Redeem"),
                "TV spike: Redeem of the limit-1,000 code": history(
                    workdir / "spike", "Redeem spike"
                ),
            }
        finally:
            server.stop()
        store_count = spike_redemptions_in_store(data_dir)

    http = None if args.no_http else http_door(args.users, args.seconds)
    outcomes = Counter(spike_out["spike"])
    errors = spike_out["errors"]
    shed = sum(n for kind, n in errors.items() if kind.endswith(":RESOURCE_EXHAUSTED"))
    unanswered = sum(n for kind, n in errors.items() if kind.startswith("Redeem spike:")) - shed
    floor = phases["noop"]
    summary = {
        "validate_cpu_ratio": round(
            phases["validate"]["cpu_us_per_rpc"] / floor["cpu_us_per_rpc"], 2
        ),
        "redeem_cpu_ratio": round(phases["redeem"]["cpu_us_per_rpc"] / floor["cpu_us_per_rpc"], 2),
        "validate_throughput_ratio": round(phases["validate"]["rps"] / floor["rps"], 3),
        "spike_successes": outcomes.get("succeeded", 0),
        "spike_limit": load_dataset.SPIKE_LIMIT,
        "spike_unanswered": unanswered,
        "spike_p99_ms": float(spike_rows["Redeem spike"]["99%"]),
        "spike_store_count": store_count,
        "spike_shed": shed,
        "noop_cpu_us": round(floor["cpu_us_per_rpc"], 1),
        "validate_cpu_us": round(phases["validate"]["cpu_us_per_rpc"], 1),
        "redeem_cpu_us": round(phases["redeem"]["cpu_us_per_rpc"], 1),
        "validate_shed_fraction": round(phases["validate"]["shed_fraction"], 4),
        **({name: http.get(name) for name in HTTP_FIGURES} if http is not None else {}),
    }
    details = {
        "machine": machine(),
        "workers": args.workers,
        "server_command": shlex.join(
            ["promocore", "serve", "--workers", str(args.workers), *extra]
        ),
        "users": args.users,
        "seconds": args.seconds,
        "spike_users": args.spike_users,
        "promotions_per_cart": per_cart,
        "phases": phases,
        "profiles": profiles,
        "mixed": mixed,
        "spike": {"outcomes": dict(outcomes), "errors": errors, "store_count": store_count},
        "http": http,
    }
    if not args.no_write:
        (OUTPUT / "load_bench.json").write_bytes(
            orjson.dumps({"summary": summary, **details}, option=orjson.OPT_INDENT_2)
        )
        plot(series, OUTPUT / "load_latency.png")
        command = "make bench" if os.environ.get("MAKELEVEL") else shlex.join(sys.argv)
        write_results(summary, details, command)
    print(orjson.dumps(summary).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
