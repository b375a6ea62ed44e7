"""Writes the fixture of the engine's backtest benchmark (`cargo bench -p promocore-engine --bench
backtest`): `make bench-backtest`'s campaign and the first orders of its file, with the report
the engine gives for them (so the benchmark can check that a faster engine answers the same).

The orders are bench_backtest.py's (20-line carts of the load data set, one every 2.6 s), their
customers drawn from a pool of ORDERS / 20 so that each has about 20 orders, as each of the
50,000 customers of the 1,000,000-order run has: the mix of outcomes (about 15 % qualifying,
80 % past the per-customer limit, 5 % near misses) is that run's.

    .venv/bin/python benchmarks/dump_backtest_fixture.py [--orders 400] [--out ...]

File format (integers little-endian; a chunk is a u32 length and the bytes), read by
rust/engine/benches/backtest.rs:
    b"PCBT1\\n"; chunk (Campaign bytes, as the server compiles it); chunk (campaign id);
    chunk (the Code record every order presents); u32 samples per outcome; chunk (the orders,
    JSON Lines); chunk (the BacktestReport bytes the engine gave).
"""

from __future__ import annotations

import argparse
import struct
import tempfile
from pathlib import Path

import bench_backtest

from promocore import _engine
from promocore.v1 import campaign_pb2
from promocore.wire.plain import from_plain

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "rust/engine/benches/fixtures/backtest_orders.bin"
MAGIC = b"PCBT1\n"
ORDERS_PER_CUSTOMER = 20
SAMPLES_PER_OUTCOME = 5


def chunk(data: bytes) -> bytes:
    return struct.pack("<I", len(data)) + data


def campaign_bytes() -> bytes:
    """The campaign as the server backtests it (manage/backtest.py: active, not a draft)."""
    campaign = from_plain(campaign_pb2.Campaign, bench_backtest.CAMPAIGN)
    campaign.active = True
    campaign.draft = False
    encoded = campaign.SerializeToString()
    _engine.compile_campaign(encoded)
    return encoded


def orders_file(count: int) -> bytes:
    """The first `count` orders of bench_backtest.py's file, customers from a smaller pool."""
    with tempfile.TemporaryDirectory(prefix="backtest-fixture-") as tmp:
        path = Path(tmp) / "orders.jsonl"
        bench_backtest.write_orders(path, count)
        lines = path.read_bytes().splitlines()
    pool = max(count // ORDERS_PER_CUSTOMER, 1)
    # Each line names its customer as "customer_id":"customer-N"; N is folded into the pool.
    remapped = []
    for line in lines:
        head, _, rest = line.partition(b'"customer_id":"customer-')
        number, _, tail = rest.partition(b'"')
        folded = int(number) % pool
        remapped.append(head + b'"customer_id":"customer-' + str(folded).encode() + b'"' + tail)
    return b"".join(line + b"\n" for line in remapped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--orders", type=int, default=400)
    args = parser.parse_args()

    campaign = campaign_bytes()
    campaign_id = bench_backtest.CAMPAIGN["id"]
    code_record = campaign_pb2.Code(
        campaign_id=campaign_id, kind=campaign_pb2.CODE_KIND_DISCOUNT, active=True
    ).SerializeToString()
    orders = orders_file(args.orders)
    plan = _engine.CheckoutPlan([_engine.compile_campaign(campaign)])
    backtest = _engine.Backtest(
        plan,
        campaign_id,
        code_record=code_record,
        format="jsonl",
        samples_per_outcome=SAMPLES_PER_OUTCOME,
    )
    customers = backtest.feed(orders, True)
    backtest.evaluate([None] * len(customers))
    report = backtest.report()
    args.out.write_bytes(
        MAGIC
        + chunk(campaign)
        + chunk(campaign_id.encode())
        + chunk(code_record)
        + struct.pack("<I", SAMPLES_PER_OUTCOME)
        + chunk(orders)
        + chunk(report)
    )
    print(f"{args.out}: {args.orders} orders, {len(orders):,} bytes of JSON Lines")


if __name__ == "__main__":
    main()
