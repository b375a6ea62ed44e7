"""The server as a gRPC citizen: health, reflection, UNIMPLEMENTED for later RPCs, durability
across a restart on the same data directory."""

from __future__ import annotations

import grpc
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from promocore import Client
from promocore.server.grpc_server import start_server

from support import cart


def test_health_reports_serving_for_every_service(target):
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "promocore.v1.CheckoutService", "promocore.v1.AdminService"):
            answer = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_health_watch_streams_the_status(target):
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service="promocore.v1.CheckoutService")
        responses = stub.Watch(request, timeout=5)
        assert next(responses).status == health_pb2.HealthCheckResponse.SERVING
        responses.cancel()


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


def v1_reflection(channel: grpc.Channel, *requests: reflection_pb2.ServerReflectionRequest):
    """Asks the grpc.reflection.v1 service, as grpcurl and current tools do first. Its messages
    are v1alpha's, field for field, so v1alpha's classes encode and decode them."""
    call = channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    return list(call(iter(requests), timeout=5))


def test_reflection_v1_lists_and_describes_the_services(target):
    with grpc.insecure_channel(target) as channel:
        [listing, checkout, itself] = v1_reflection(
            channel,
            reflection_pb2.ServerReflectionRequest(list_services="*"),
            reflection_pb2.ServerReflectionRequest(
                file_containing_symbol="promocore.v1.CheckoutService"
            ),
            reflection_pb2.ServerReflectionRequest(
                file_containing_symbol="grpc.reflection.v1.ServerReflection"
            ),
        )
    names = {s.name for s in listing.list_services_response.service}
    assert {
        "promocore.v1.CheckoutService",
        "promocore.v1.AdminService",
        "promocore.v1.EventsService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    } <= names
    described = descriptor_pb2.FileDescriptorProto.FromString(
        checkout.file_descriptor_response.file_descriptor_proto[0]
    )
    assert "CheckoutService" in [service.name for service in described.service]
    # The v1 service describes itself in its own package, as tools expect.
    reflection_file = descriptor_pb2.FileDescriptorProto.FromString(
        itself.file_descriptor_response.file_descriptor_proto[0]
    )
    assert reflection_file.package == "grpc.reflection.v1"
    [method] = reflection_file.service[0].method
    assert method.input_type == ".grpc.reflection.v1.ServerReflectionRequest"


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
