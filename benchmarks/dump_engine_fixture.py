"""Captures what the server hands the Rust engine for Validate requests of the load data set, as
the fixture of the engine's criterion benchmark (`make bench-engine-rust`).

A real server (in this process, on 127.0.0.1) is loaded with benchmarks/load_dataset.py's data;
Validate requests like `make bench`'s ValidateUser sends (20-item cart, 3 codes, auto promotions
joining) go through gRPC, and the engine calls of each are recorded as they happen: the catalog
the server's CheckoutPlan was built from (each campaign's stored bytes, the stacking rules; the
engine decides which read counters and which join), then per request the arguments of
`CheckoutPlan.prepare` (request bytes, instant, stored code records, profile), the counters read
for `PreparedCheckout.evaluate`, and the engine's answer (so the benchmark's tests can check that
a faster engine answers the same).

    .venv/bin/python benchmarks/dump_engine_fixture.py [--out rust/engine/benches/fixtures/...]

File format (integers little-endian; an optional chunk is a u8 0/1 then, if 1, the chunk),
read by rust/engine/benches/fixture.rs:
    b"PCEF3\\n"; u32 campaign count, then per campaign: chunk (Campaign bytes); optional chunk
    (StackingRules bytes); u32 case count, then per case:
    chunk (label), chunk (request), i64 now_ms, u32 record count x optional chunk (Code bytes),
    optional chunk (CustomerProfile bytes), u32 n x i64 values, u32 n x u8 held, u32 n x i64
    points, chunk (ValidateResponse bytes). A chunk is a u32 length and the bytes.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
import tempfile
from pathlib import Path

import grpc

from promocore import Client, _engine
from promocore.checkout import flows as checkout
from promocore.checkout.compiled import CompiledCampaigns
from promocore.manage.api_keys import new_key
from promocore.server.grpc_server import ServerOptions, start_server
from promocore.v1 import checkout_pb2
from promocore.wire.plain import from_plain

import load_dataset

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "rust/engine/benches/fixtures/load_validate.bin"
MAGIC = b"PCEF3\n"
VALIDATE = "/promocore.v1.CheckoutService/Validate"
SEED = "engine-fixture"


def validate_request(rng: random.Random, n: int, codes: dict[str, list[str]], explain: bool):
    """As benchmarks/locustfile.py's ValidateUser builds them (plus explain_promotions)."""
    plain = load_dataset.checkout_request(rng, f"order-{n}", codes)
    plain["options"]["explain_promotions"] = explain
    return from_plain(checkout_pb2.ValidateRequest, plain).SerializeToString()


class Recorder:
    """Wraps promocore.checkout.flows.engine_call, keeping each Validate's prepare and evaluate."""

    def __init__(self) -> None:
        self.prepared: list[tuple] = []
        self.evaluated: list[tuple] = []
        self._engine_call = checkout.engine_call

    def __enter__(self) -> Recorder:
        def recording(function, *args):
            result = self._engine_call(function, *args)
            if isinstance(getattr(function, "__self__", None), _engine.CheckoutPlan):
                self.prepared.append(args)
            elif getattr(function, "__name__", "") == "evaluate":
                values, held, points = args if args else ([], [], [])
                self.evaluated.append((values, held, points, result))
            return result

        checkout.engine_call = recording
        return self

    def __exit__(self, *_exc) -> None:
        checkout.engine_call = self._engine_call


def u8(value: bool) -> bytes:
    return struct.pack("<B", int(value))


def u32(value: int) -> bytes:
    return struct.pack("<I", value)


def chunk(data: bytes) -> bytes:
    return u32(len(data)) + data


def optional(data: bytes | None) -> bytes:
    return u8(False) if data is None else u8(True) + chunk(data)


def plan_catalog(running) -> tuple[list[bytes], bytes | None]:
    """What promocore.checkout.compiled's CatalogSnapshot.checkout_plan builds the plan from, in its
    order: the stored campaigns' bytes and the stacking rules' bytes (Validate never reads the
    public codes)."""
    store = running.store
    with store.read() as txn:
        snapshot = CompiledCampaigns(store.catalog).snapshot(txn)
        campaigns = [
            store.catalog.campaign_bytes(txn, entry.campaign.id, entry.campaign.version)
            for entry in snapshot.by_id.values()
        ]
    rules = snapshot.stacking_rules
    return campaigns, None if rules is None else rules.SerializeToString()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--load", type=int, default=40, help="Validate requests as make bench's")
    parser.add_argument("--explain", type=int, default=8, help="the same with explain_promotions")
    args = parser.parse_args()

    admin_key = new_key()
    with tempfile.TemporaryDirectory(prefix="promocore-fixture-") as tmp:
        options = ServerOptions(bootstrap_admin_key=admin_key, background_duties=False)
        running = start_server(Path(tmp) / "data", "127.0.0.1:0", options=options)
        try:
            target = f"127.0.0.1:{running.port}"
            with Client(target, admin_key, timeout=120) as client:
                codes = load_dataset.load(client)
            rng = random.Random(SEED)
            labelled = [
                (label, validate_request(rng, n, codes, label == "explain"))
                for n, label in enumerate(["load"] * args.load + ["explain"] * args.explain)
            ]
            with grpc.insecure_channel(target) as channel, Recorder() as recorder:
                validate = channel.unary_unary(VALIDATE)
                for _label, request in labelled:
                    validate(request, timeout=30, metadata=(("x-api-key", admin_key),))
            calls = len(labelled)
            if len(recorder.prepared) != calls or len(recorder.evaluated) != calls:
                sys.exit(
                    f"expected {calls} prepare and evaluate calls, recorded "
                    f"{len(recorder.prepared)} and {len(recorder.evaluated)}"
                )
            campaigns, stacking_rules = plan_catalog(running)
        finally:
            running.stop(grace=1)

    out = bytearray(MAGIC)
    out += u32(len(campaigns))
    for raw in campaigns:
        out += chunk(raw)
    out += optional(stacking_rules)
    out += u32(calls)
    for (label, _), prepared, evaluated in zip(
        labelled, recorder.prepared, recorder.evaluated, strict=True
    ):
        request, now_ms, records, profile = prepared
        values, held, points, answer = evaluated
        out += chunk(label.encode()) + chunk(request) + struct.pack("<q", now_ms)
        out += u32(len(records))
        out += b"".join(optional(None if r is None else bytes(r)) for r in records)
        out += optional(profile)
        out += u32(len(values)) + b"".join(struct.pack("<q", v) for v in values)
        out += u32(len(held)) + b"".join(u8(h) for h in held)
        out += u32(len(points)) + b"".join(struct.pack("<q", p) for p in points)
        out += chunk(answer)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(bytes(out))
    print(f"{args.out}: {len(campaigns)} campaigns, {calls} cases, {len(out):,} bytes")


if __name__ == "__main__":
    main()
