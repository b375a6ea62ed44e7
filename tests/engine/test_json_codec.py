"""The Rust proto3 JSON transcoder of the HTTP port (_engine.JsonCodec) against protobuf's own
json_format, message by message: the same JSON out, the same protobuf bytes in. The messages
are the load benchmark's carts and promotions (every rule and effect kind it makes, timestamps,
enums, repeated and optional fields) and answers made by a real engine evaluation."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import grpc
import orjson
import pytest
from google.protobuf import json_format, message_factory, timestamp_pb2
from grpc_health.v1 import health_pb2

from promocore import _engine
from promocore.server.grpc_server import ADMIN_SERVICE, CHECKOUT_SERVICE, EVENTS_SERVICE
from promocore.server.http_api import JsonTranscoder
from promocore.v1 import (
    admin_pb2,
    campaign_pb2,
    checkout_pb2,
    common_pb2,
    customer_pb2,
    events_pb2,
    loyalty_pb2,
)
from promocore.wire.plain import from_plain

from support import TEST_ADMIN_KEY, coupon

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import load_dataset

CODEC = JsonTranscoder((CHECKOUT_SERVICE, ADMIN_SERVICE, EVENTS_SERVICE))


def json_format_json(message) -> object:
    return json_format.MessageToDict(message)


def assert_same_both_ways(message) -> None:
    name = message.DESCRIPTOR.full_name
    ours = orjson.loads(CODEC.to_json(name, message.SerializeToString()))
    assert ours == json_format_json(message)
    text = orjson.dumps(json_format_json(message))
    assert type(message).FromString(CODEC.to_proto(name, text)) == message


def carts() -> list[checkout_pb2.ValidateRequest]:
    rng = random.Random(7)
    codes = {f"coupon-{n:02d}": [f"C{n}-{i}" for i in range(5)] for n in range(6)}
    return [
        from_plain(
            checkout_pb2.ValidateRequest, load_dataset.checkout_request(rng, f"order-{n}", codes)
        )
        for n in range(10)
    ]


@pytest.mark.parametrize("request_message", carts(), ids=lambda r: r.order.id)
def test_carts_transcode_as_json_format_does(request_message):
    assert_same_both_ways(request_message)


def test_campaigns_with_rules_effects_and_timestamps_transcode_as_json_format_does():
    rng = random.Random(load_dataset.SEED)
    for n in range(load_dataset.PROMOTIONS):
        campaign = from_plain(campaign_pb2.Campaign, load_dataset.promotion(n, rng))
        campaign.start_at.CopyFrom(timestamp_pb2.Timestamp(seconds=1_767_225_600 + n, nanos=n))
        assert_same_both_ways(admin_pb2.CreateCampaignRequest(campaign=campaign))


def test_an_engine_answer_transcodes_as_json_format_does(http_server, admin):
    coupon(admin, "c1", "SAVE1")
    request = checkout_pb2.ValidateRequest()
    request.order.currency = "EUR"
    request.order.items.add(sku="A", unit_price=2000, quantity=1)
    request.redeemables.add(code="SAVE1")
    request.redeemables.add(code="NOPE")
    with grpc.insecure_channel(f"127.0.0.1:{http_server.port}") as channel:
        raw = channel.unary_unary("/promocore.v1.CheckoutService/Validate")(
            request.SerializeToString(), metadata=(("x-api-key", TEST_ADMIN_KEY),)
        )
    answer = checkout_pb2.ValidateResponse.FromString(raw)
    assert answer.redeemables[0].allocations and answer.redeemables[1].reason
    assert_same_both_ways(answer)


def test_json_that_is_not_the_message_is_refused():
    for bad in (b'{"nope": 1}', b'{"order": {"items": [{"quantity": "many"}]}}', b"[", b"{} x"):
        with pytest.raises(ValueError):
            CODEC.to_proto("promocore.v1.ValidateRequest", bad)
    with pytest.raises(KeyError):
        CODEC.to_proto("promocore.v1.Nope", b"{}")


def test_every_promocore_message_goes_through_the_engine_codec():
    engine = _engine.JsonCodec()
    names = [
        message.full_name
        for file in CONTRACT_FILES
        for message in file.DESCRIPTOR.message_types_by_name.values()
    ]
    assert len(names) > 100 and all(engine.knows(name) for name in names)
    assert not engine.knows("grpc.health.v1.HealthCheckRequest")


def test_health_messages_transcode_through_json_format():
    codec = JsonTranscoder(["grpc.health.v1.Health"])
    name = "grpc.health.v1.HealthCheckResponse"
    answer = health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)
    assert orjson.loads(codec.to_json(name, answer.SerializeToString())) == {"status": "SERVING"}
    assert codec.to_proto(name, b'{"status": "SERVING"}') == answer.SerializeToString()
    with pytest.raises(ValueError):
        codec.to_proto(name, b'{"nope": 1}')


@pytest.mark.parametrize(
    "seconds,nanos",
    [
        (0, 0),
        (1_767_225_600, 0),
        (1_767_225_600, 500_000_000),
        (1_767_225_600, 123_000),
        (1_767_225_600, 7),
        (-1, 999_999_999),
        (-62_135_596_800, 0),  # 0001-01-01, the first instant proto3 JSON allows
        (253_402_300_799, 999_999_999),  # its last
    ],
)
def test_timestamps_read_as_json_format_writes_them(seconds, nanos):
    request = admin_pb2.CreateCampaignRequest()
    request.campaign.start_at.CopyFrom(timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos))
    assert_same_both_ways(request)


def test_timestamps_in_any_offset_are_read_as_the_same_instant():
    name = "promocore.v1.CreateCampaignRequest"
    berlin = CODEC.to_proto(name, b'{"campaign": {"startAt": "2026-03-01T01:30:00+01:00"}}')
    utc = CODEC.to_proto(name, b'{"campaign": {"startAt": "2026-03-01T00:30:00Z"}}')
    assert berlin == utc


def test_timestamps_outside_proto3_json_range_are_refused():
    name = "promocore.v1.CreateCampaignRequest"
    with pytest.raises(ValueError):
        CODEC.to_proto(name, b'{"campaign": {"startAt": "10000-01-01T00:00:00Z"}}')
    request = admin_pb2.CreateCampaignRequest()
    request.campaign.start_at.seconds = 253_402_300_800
    with pytest.raises(ValueError):
        CODEC.to_json(name, request.SerializeToString())


def _fill_randomly(message, rng: random.Random, depth: int = 0) -> None:
    """Sets a random subset of `message`'s fields (every kind the contract uses) to random
    values, sub-messages to a few levels."""
    for field in message.DESCRIPTOR.fields:
        if rng.random() < 0.4:
            continue
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            for n in range(rng.randrange(3)):
                key = f"k{n}-{rng.randrange(100)}"
                if value_field.message_type is None:
                    getattr(message, field.name)[key] = _scalar(value_field, rng)
                elif depth < 3:
                    _fill_randomly(getattr(message, field.name)[key], rng, depth + 1)
        elif field.is_repeated:
            for _ in range(rng.randrange(3)):
                if field.message_type is None:
                    getattr(message, field.name).append(_scalar(field, rng))
                elif depth < 3:
                    _fill_randomly(getattr(message, field.name).add(), rng, depth + 1)
        elif field.message_type is None:
            setattr(message, field.name, _scalar(field, rng))
        elif field.message_type.full_name == "google.protobuf.Timestamp":
            getattr(message, field.name).CopyFrom(
                timestamp_pb2.Timestamp(
                    seconds=rng.randrange(-(10**9), 4 * 10**9),
                    nanos=rng.choice((0, 0, 250_000_000, 1_000, rng.randrange(10**9))),
                )
            )
        elif depth < 3:
            _fill_randomly(getattr(message, field.name), rng, depth + 1)
            getattr(message, field.name).SetInParent()


def _scalar(field, rng: random.Random):
    kind = field.type
    if field.enum_type is not None:
        return rng.choice(field.enum_type.values).number
    if kind == field.TYPE_BOOL:
        return rng.random() < 0.5
    if kind == field.TYPE_STRING:
        return rng.choice(("", "a", "Crème brûlée ☕", 'quote " and \\ slash', "x" * 40))
    if kind == field.TYPE_BYTES:
        return rng.randbytes(rng.randrange(6))
    if kind in (field.TYPE_INT64, field.TYPE_SINT64, field.TYPE_SFIXED64):
        return rng.choice((0, 1, -1, 2**63 - 1, -(2**63), rng.randrange(-(10**12), 10**12)))
    if kind in (field.TYPE_UINT64, field.TYPE_FIXED64):
        return rng.choice((0, 1, 2**64 - 1, rng.randrange(10**12)))
    if kind in (field.TYPE_INT32, field.TYPE_SINT32, field.TYPE_SFIXED32):
        return rng.choice((0, 1, -1, 2**31 - 1, -(2**31)))
    if kind in (field.TYPE_UINT32, field.TYPE_FIXED32):
        return rng.choice((0, 1, 2**32 - 1))
    raise AssertionError(f"{field.full_name}: a field kind this test does not fill")


CONTRACT_FILES = (
    admin_pb2,
    campaign_pb2,
    checkout_pb2,
    common_pb2,
    customer_pb2,
    events_pb2,
    loyalty_pb2,
)


@pytest.mark.parametrize(
    "message_type",
    [
        message_factory.GetMessageClass(descriptor)
        for file in CONTRACT_FILES
        for descriptor in file.DESCRIPTOR.message_types_by_name.values()
    ],
    ids=lambda message_type: message_type.DESCRIPTOR.name,
)
def test_random_messages_of_every_type_transcode_as_json_format_does(message_type):
    rng = random.Random(message_type.DESCRIPTOR.full_name)
    for _ in range(20):
        message = message_type()
        _fill_randomly(message, rng)
        assert_same_both_ways(message)
