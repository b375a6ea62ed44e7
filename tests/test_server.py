"""The server as a gRPC citizen: health, reflection, UNIMPLEMENTED for later RPCs, durability
across a restart on the same data directory."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from promocore import Client
from promocore.server import start_server

from support import cart


def test_health_reports_serving_for_every_service(target):
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "promocore.v1.CheckoutService", "promocore.v1.AdminService"):
            answer = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_services(target):
    with grpc.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        [answer] = list(stub.ServerReflectionInfo(iter([request]), timeout=5))
        names = {s.name for s in answer.list_services_response.service}
    assert {
        "promocore.v1.CheckoutService",
        "promocore.v1.AdminService",
        "promocore.v1.EventsService",
        "grpc.health.v1.Health",
    } <= names


def test_acknowledged_redemptions_survive_a_restart(tmp_path, clock):
    data_dir = tmp_path / "data"
    running = start_server(data_dir, "127.0.0.1:0", clock=clock)
    with Client(f"127.0.0.1:{running.port}") as client:
        campaign = client.create_campaign(
            name="Five off",
            type="DISCOUNT_COUPONS",
            currency="EUR",
            effect={"amount_off_order": {"amount": 500}},
        )
        client.create_code(campaign["id"], "KEEP-ME", redemption_quantity=1)
        redeemed = client.redeem(
            cart(("MUG", 899, 1), id="o-1"), codes=["KEEP-ME"], idempotency_key="k-1"
        )
    running.stop(grace=None)

    restarted = start_server(data_dir, "127.0.0.1:0", clock=clock)
    try:
        with Client(f"127.0.0.1:{restarted.port}") as client:
            assert client.get_code("KEEP-ME")["redeemed_quantity"] == 1
            stored = client.get_redemption(redeemed["redemption"]["id"])
            assert stored["status"] == "SUCCEEDED"
            retry = client.redeem(
                cart(("MUG", 899, 1), id="o-1"), codes=["KEEP-ME"], idempotency_key="k-1"
            )
            assert retry["replayed"] is True
            assert retry["redemption"]["id"] == redeemed["redemption"]["id"]
    finally:
        restarted.stop(grace=None)
