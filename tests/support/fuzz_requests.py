"""Malformed requests against a live `promocore serve`: seeded mutations of valid request bytes
for every unary RPC, sent raw (no client library between), each answer classified.

    python tests/support/fuzz_requests.py [REQUESTS] [SEED]

A crash is an answer no handler chose — UNKNOWN or INTERNAL (an exception escaped), or the
connection lost — or a worker process that died (the supervisor would restart it silently, so
the worker pids are compared before and after). A hang is an RPC that runs into its deadline.
The last line printed is one JSON object with the counts.
"""

from __future__ import annotations

import collections
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import orjson
from grpc_health.v1 import health_pb2, health_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from promocore import Client
from promocore.v1 import admin_pb2, campaign_pb2, checkout_pb2, common_pb2

from support import TEST_ADMIN_KEY, ServerProcess

DEFAULT_REQUESTS = 100_000
DEADLINE_S = 10.0
IN_FLIGHT = 8
CRASH_CODES = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE}
SPECIAL_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x08, 0x0A, 0x12, 0x1A, 0x22)


def seeds() -> list[tuple[str, bytes]]:
    """(method path, valid request bytes) for the unary RPCs, around the demo data set."""
    order = common_pb2.Order(
        id="fuzz-order",
        currency="EUR",
        shipping_amount=490,
        items=[
            common_pb2.Item(sku="BEANS", unit_price=1200, quantity=2, categories=["coffee"]),
            common_pb2.Item(sku="MUG", unit_price=1400, quantity=1),
        ],
    )
    customer = common_pb2.CustomerRef(id="cust-1", attributes_json='{"tier": "gold"}')
    redeemables = [
        checkout_pb2.Redeemable(code="WELCOME10"),
        checkout_pb2.Redeemable(code="COFFEE5"),
    ]
    validate = checkout_pb2.ValidateRequest(order=order, customer=customer, redeemables=redeemables)
    validate.options.include_promotions = True
    reserve = checkout_pb2.ValidateRequest()
    reserve.CopyFrom(validate)
    reserve.reservation.session_key = "fuzz-session"
    reserve.reservation.ttl_seconds = 60
    redeem = checkout_pb2.RedeemRequest(
        order=order, customer=customer, redeemables=redeemables, idempotency_key="fuzz-key"
    )
    campaign = campaign_pb2.Campaign(
        id="fuzz-campaign",
        name="Fuzz",
        type=campaign_pb2.DISCOUNT_COUPONS,
        currency="EUR",
        rules_json='{"all": [{"subject": "order.amount", "op": "gte", "value": 1000},'
        ' {"subject": "customer.attributes.tier", "op": "in", "value": ["gold"]}]}',
    )
    campaign.effect.percent_off_order.percent_bp = 1000
    code = campaign_pb2.Code(campaign_id="fuzz-campaign", code="FUZZ-1")
    checkout = "/promocore.v1.CheckoutService/"
    admin = "/promocore.v1.AdminService/"
    messages = [
        (checkout + "Validate", validate),
        (checkout + "Validate", reserve),
        (checkout + "Redeem", redeem),
        (checkout + "Qualify", checkout_pb2.QualifyRequest(order=order, customer=customer)),
        (checkout + "Rollback", checkout_pb2.RollbackRequest(redemption_id="rdm_x", reason="r")),
        (checkout + "ReleaseReservation", checkout_pb2.ReleaseReservationRequest(session_key="s")),
        (admin + "CreateCampaign", admin_pb2.CreateCampaignRequest(campaign=campaign)),
        (admin + "UpdateCampaign", admin_pb2.UpdateCampaignRequest(campaign=campaign)),
        (admin + "GetCampaign", admin_pb2.GetCampaignRequest(id="fuzz-campaign")),
        (admin + "ListCampaigns", admin_pb2.ListCampaignsRequest()),
        (admin + "SetCampaignActive", admin_pb2.SetCampaignActiveRequest(id="fuzz-campaign")),
        (admin + "CreateCode", admin_pb2.CreateCodeRequest(code=code)),
        (admin + "GetCode", admin_pb2.GetCodeRequest(code="WELCOME10")),
        (admin + "ListCodes", admin_pb2.ListCodesRequest(campaign_id="fuzz-campaign")),
        (admin + "SetCodeActive", admin_pb2.SetCodeActiveRequest(code="FUZZ-1", active=True)),
        (admin + "GetStackingRules", admin_pb2.GetStackingRulesRequest()),
        (admin + "SetStackingRules", admin_pb2.SetStackingRulesRequest()),
        (admin + "DescribeRules", admin_pb2.DescribeRulesRequest(rules_json="{}", currency="EUR")),
        (admin + "GetRedemption", admin_pb2.GetRedemptionRequest(id="rdm_x")),
        (admin + "ListApiKeys", admin_pb2.ListApiKeysRequest()),
    ]
    return [(method, message.SerializeToString()) for method, message in messages]


def mutate(rng: random.Random, data: bytes, other: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        choice = rng.randrange(7)
        if choice == 0 and out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        elif choice == 1 and out:
            out[rng.randrange(len(out))] = rng.choice(SPECIAL_BYTES)
        elif choice == 2:
            at = rng.randint(0, len(out))
            out[at:at] = rng.randbytes(rng.randint(1, 16))
        elif choice == 3 and out:
            at = rng.randrange(len(out))
            del out[at : at + rng.randint(1, 16)]
        elif choice == 4 and other:
            start = rng.randrange(len(other))
            at = rng.randint(0, len(out))
            out[at:at] = other[start : start + rng.randint(1, 64)]
        elif choice == 5:
            # A varint as long as protobuf allows, or longer.
            at = rng.randint(0, len(out))
            out[at:at] = b"\xff" * rng.randint(1, 11) + b"\x01"
        else:
            del out[rng.randint(0, len(out)) :]
    return bytes(out)


def run(requests: int, seed: int) -> dict:
    rng = random.Random(seed)
    corpus = seeds()
    workdir = Path(tempfile.mkdtemp(prefix="promocore-fuzz-"))
    # Anti-enumeration off: it would soon answer every checkout RESOURCE_EXHAUSTED and the
    # parsing behind it would go untested.
    extra = (
        "--demo-if-empty",
        "--guesses-per-key=0",
        "--guesses-per-customer=0",
        "--guesses-per-address=0",
    )
    statuses: collections.Counter = collections.Counter()
    crashes: list[str] = []
    hangs = 0
    with ServerProcess(workdir / "data", workers=2, extra=extra) as server:
        workers_before = sorted(server.worker_pids())
        channel = grpc.insecure_channel(server.target)
        calls = {
            method: channel.unary_unary(
                method, request_serializer=lambda b: b, response_deserializer=lambda b: b
            )
            for method, _ in corpus
        }
        keys = [TEST_ADMIN_KEY] * 18 + ["", "pck_0123456789abcdef_nope"]

        def send(index: int) -> tuple[int, str, grpc.StatusCode]:
            method, data = corpus[index % len(corpus)]
            local = random.Random(seed * 1_000_003 + index)
            _, other = local.choice(corpus)
            payload = mutate(local, data, other)
            metadata = (("x-api-key", local.choice(keys)),)
            try:
                calls[method](payload, timeout=DEADLINE_S, metadata=metadata)
                return index, method, grpc.StatusCode.OK
            except grpc.RpcError as error:
                return index, method, error.code()

        started = time.monotonic()
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            order = list(range(requests))
            rng.shuffle(order)
            for index, method, code in pool.map(send, order, chunksize=64):
                statuses[code.name] += 1
                if code in CRASH_CODES:
                    crashes.append(f"{method} #{index}: {code.name}")
                elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
                    hangs += 1
        seconds = time.monotonic() - started
        channel.close()
        healthy = _healthy(server) and sorted(server.worker_pids()) == workers_before
    return {
        "request_execs": requests,
        "crashes": len(crashes),
        "hangs": hangs,
        "server_healthy": healthy,
        "statuses": dict(statuses),
        "first_crashes": crashes[:5],
        "seconds": round(seconds, 1),
        "seed": seed,
    }


def _healthy(server: ServerProcess) -> bool:
    """Health says SERVING and a real checkout still gets its answer."""
    with grpc.insecure_channel(server.target) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=5
        )
    with Client(server.target, api_key=TEST_ADMIN_KEY, timeout=10) as client:
        order = {"currency": "EUR", "items": [{"sku": "BEANS", "unit_price": 5000, "quantity": 1}]}
        answer = client.validate(order, codes=["WELCOME10"])
    return (
        health.status == health_pb2.HealthCheckResponse.SERVING
        and answer["redeemables"][0]["status"] == "APPLICABLE"
    )


def main() -> int:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REQUESTS
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    result = run(requests, seed)
    print(orjson.dumps(result).decode())
    return 0 if result["crashes"] == 0 and result["hangs"] == 0 and result["server_healthy"] else 1


if __name__ == "__main__":
    sys.exit(main())
