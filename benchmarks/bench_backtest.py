"""`make bench-backtest`: a campaign backtested on 1,000,000 past orders, through the real server.

1. The orders: 1,000,000 carts of the load data set (`load_dataset.checkout_request`: 20 lines,
   a customer of 50,000) written as a JSON Lines file (Validate's order plus customer_id and
   time), one order every 2.6 s over a month; written once per run, not timed.
2. The campaign (given whole, not stored): 10 % off orders from 300.00 EUR, at most 25.00 EUR,
   3 times per customer: a threshold, a cap and a per-customer limit, simulated in order.
3. `AdminService.Backtest` through a `promocore serve --workers 0` process, the file streamed
   from disk in 512 KiB messages, timed from the client: orders_per_s is orders / wall seconds
   of the whole RPC (upload, parsing, evaluation, report); the server's CPU seconds beside it.
4. Peak RSS of the server process (VmHWM).

Prints one JSON object as its last line: orders_per_s (goal >= 150,000 on one core), peak_rss_mb
(goal <= 1,024) and the report's totals.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from bench_codes import cpu_seconds, proc_kb  # noqa: E402

from promocore import Client  # noqa: E402
from promocore.client.core import BACKTEST_CHUNK_BYTES  # noqa: E402

import load_dataset  # noqa: E402
from results_file import write_section  # noqa: E402
from support import ServerProcess  # noqa: E402

SECTION_START = "<!-- bench_backtest: start -->"
SECTION_END = "<!-- bench_backtest: end -->"

CAMPAIGN = {
    "id": "bench-draft",
    "name": "10 % off from 300 EUR, at most 25 EUR, 3 per customer",
    "type": "DISCOUNT_COUPONS",
    "currency": load_dataset.CURRENCY,
    "time_zone": "Europe/Berlin",
    "rules": {"subject": "order.amount", "op": "gte", "value": 30_000},
    "effect": {"percent_off_order": {"percent_bp": 1_000, "cap": 2_500}},
    "limits": {"per_customer": 3},
}
START_S = 1_793_491_200  # 2026-11-01T00:00:00Z
SPACING_MS = 2_600
# The codes checkout_request draws from (the file keeps no codes: the backtest gives each order
# one of the campaign's own); the same draws as the other benchmarks' carts.
CODES = {f"coupon-{n:02d}": [f"C{n:02d}-000000"] for n in range(load_dataset.COUPON_CAMPAIGNS)}


def write_orders(path: Path, count: int) -> None:
    rng = random.Random(load_dataset.SEED)
    with path.open("wb") as file:
        for number in range(count):
            request = load_dataset.checkout_request(rng, f"order-{number}", CODES)
            order = request["order"]
            order["customer_id"] = request["customer"]["id"]
            seconds, millis = divmod(START_S * 1000 + number * SPACING_MS, 1000)
            order["time"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + (
                f".{millis:03d}Z"
            )
            file.write(orjson.dumps(order) + b"\n")


def chunks(path: Path):
    with path.open("rb") as file:
        while chunk := file.read(BACKTEST_CHUNK_BYTES):
            yield chunk


def run(count: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-backtest-") as tmp:
        orders = Path(tmp) / "orders.jsonl"
        write_orders(orders, count)
        size = orders.stat().st_size
        with (
            ServerProcess(Path(tmp) / "data", workers=0) as server,
            Client(server.target) as client,
        ):
            pid = server.process.pid
            cpu_before = cpu_seconds(pid)
            started = time.perf_counter()
            report = client.backtest(chunks(orders), campaign=CAMPAIGN, orders_size=size)
            elapsed = time.perf_counter() - started
            server_cpu = cpu_seconds(pid) - cpu_before
            peak_rss_kb = proc_kb(pid, "VmHWM")
    return {
        "orders": report["orders"],
        "orders_per_s": round(report["orders"] / elapsed),
        "orders_per_server_cpu_s": round(report["orders"] / server_cpu),
        "seconds": round(elapsed, 2),
        "server_cpu_seconds": round(server_cpu, 2),
        "file_mb": round(size / 2**20, 1),
        "peak_rss_mb": round(peak_rss_kb / 1024, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "qualifying": report["qualifying"],
        "discount": report["discount"],
        "mean_discount": report["mean_discount"],
        "amount": report["amount"],
        "amount_after": report["amount_after"],
        "limit_reached": report["outcomes"]["limit_reached"],
        "near_miss": report["outcomes"]["near_miss"],
    }


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    return (
        f"{os.cpu_count()} CPUs (nproc), {model}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def write_results(result: dict) -> None:
    """Records the run in benchmarks/history/bench_backtest.jsonl and regenerates RESULTS.md."""
    command = "make bench-backtest  # .venv/bin/python benchmarks/bench_backtest.py"
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        SECTION_START,
        "## A campaign backtested on past orders (`make bench-backtest`)",
        "",
        f"- command: `{command}`",
        f"- machine: {machine()}; load average {result['load_average_1m']:.1f} at the end "
        "(the VM's 2 cores are shared with other jobs)",
        f"- date: {now}",
        f"- {result['orders']:,} load-data-set orders (20-line carts, {result['file_mb']} MB of "
        "JSON Lines) through `AdminService.Backtest` of a `promocore serve --workers 0` process: "
        "10 % off from 300.00 EUR, at most 25.00 EUR, 3 per customer",
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| orders/s (wall, whole RPC; goal >= 150,000) | {result['orders_per_s']:,} |",
        f"| orders per server CPU second | {result['orders_per_server_cpu_s']:,} |",
        f"| seconds / server CPU seconds | {result['seconds']} / {result['server_cpu_seconds']} |",
        f"| server peak RSS (goal <= 1,024 MB) | {result['peak_rss_mb']} MB |",
        f"| qualifying / limit reached / near miss | {result['qualifying']:,} / "
        f"{result['limit_reached']:,} / {result['near_miss']:,} |",
        f"| discount / amount (minor units) | {result['discount']:,} / {result['amount']:,} |",
        "",
        SECTION_END,
    ]
    write_section(SECTION_START, SECTION_END, "\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args()
    result = run(args.count)
    write_results(result)
    print(orjson.dumps(result).decode())
    return 0 if result["orders"] == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
