"""Captures what the server hands the Rust engine for Validate requests of the load data set, as
the fixture of the engine's criterion benchmark (`make bench-engine-rust`).

A real server (in this process, on 127.0.0.1) is loaded with benchmarks/load_dataset.py's data;
Validate requests like `make bench`'s ValidateUser sends (20-item cart, 3 codes, auto promotions
joining) go through gRPC, and the engine call of each is recorded as it happens: the caller's
request bytes, the EvaluationContext bytes, the serialized Campaign of every campaign slot, and
the engine's answer (so the benchmark's tests can check that a faster engine answers the same).

    .venv/bin/python benchmarks/dump_engine_fixture.py [--out rust/engine/benches/fixtures/...]

File format (all integers u32 little-endian), read by rust/engine/benches/fixture.rs:
    b"PCEF1\\n", campaign count, then per campaign: length, Campaign bytes;
    case count, then per case: label length, label (UTF-8), request length, request bytes,
    context length, context bytes, slot count, slot count x campaign index, answer length,
    answer bytes.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
import tempfile
from pathlib import Path

import grpc

from promocore import Client, checkout
from promocore.api_keys import new_key
from promocore.plain import from_plain
from promocore.server import ServerOptions, start_server
from promocore.v1 import checkout_pb2

import load_dataset

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "rust/engine/benches/fixtures/load_validate.bin"
MAGIC = b"PCEF1\n"
VALIDATE = "/promocore.v1.CheckoutService/Validate"
SEED = "engine-fixture"


def validate_request(rng: random.Random, n: int, codes: dict[str, list[str]], explain: bool):
    """As benchmarks/locustfile.py's ValidateUser builds them (plus explain_promotions)."""
    plain = {
        "order": load_dataset.cart(rng, f"order-{n}", "web"),
        "customer": load_dataset.customer(rng),
        "redeemables": [{"code": c} for c in load_dataset.request_codes(rng, codes)],
        "options": {"include_promotions": True, "explain_promotions": explain},
    }
    return from_plain(checkout_pb2.ValidateRequest, plain).SerializeToString()


class Recorder:
    """Wraps promocore.checkout.evaluate, keeping every engine call's inputs and answer."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, bytes, list[tuple[str, int]], bytes]] = []
        self._evaluate = checkout.evaluate

    def __enter__(self) -> Recorder:
        def recording(request: bytes, resolution: checkout.Resolution) -> bytes:
            answer = self._evaluate(request, resolution)
            slots = [(campaign.id, campaign.version) for campaign in resolution.campaigns]
            self.calls.append((request, resolution.context_bytes(), slots, answer))
            return answer

        checkout.evaluate = recording
        return self

    def __exit__(self, *_exc) -> None:
        checkout.evaluate = self._evaluate


def u32(value: int) -> bytes:
    return struct.pack("<I", value)


def chunk(data: bytes) -> bytes:
    return u32(len(data)) + data


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
            if len(recorder.calls) != len(labelled):
                sys.exit(f"expected {len(labelled)} engine calls, recorded {len(recorder.calls)}")
            with running.store.read() as txn:
                catalog = running.store.catalog
                wanted = sorted({slot for call in recorder.calls for slot in call[2]})
                campaign_bytes = {
                    key: catalog.campaign_bytes(txn, key[0], key[1]) for key in wanted
                }
        finally:
            running.stop(grace=1)

    index = {key: position for position, key in enumerate(campaign_bytes)}
    out = bytearray(MAGIC)
    out += u32(len(campaign_bytes))
    for raw in campaign_bytes.values():
        out += chunk(raw)
    out += u32(len(recorder.calls))
    for (label, _), (request, context, slots, answer) in zip(labelled, recorder.calls, strict=True):
        out += chunk(label.encode()) + chunk(request) + chunk(context)
        out += u32(len(slots)) + b"".join(u32(index[slot]) for slot in slots)
        out += chunk(answer)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(bytes(out))
    print(
        f"{args.out}: {len(campaign_bytes)} campaigns, {len(recorder.calls)} cases, "
        f"{len(out):,} bytes"
    )


if __name__ == "__main__":
    main()
