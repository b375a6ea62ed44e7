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
from google.protobuf import json_format, timestamp_pb2

from promocore.server.grpc_server import ADMIN_SERVICE, CHECKOUT_SERVICE, EVENTS_SERVICE
from promocore.server.http_api import json_codec_of
from promocore.v1 import admin_pb2, campaign_pb2, checkout_pb2
from promocore.wire.plain import from_plain

from support import TEST_ADMIN_KEY, coupon

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import load_dataset

CODEC = json_codec_of((CHECKOUT_SERVICE, ADMIN_SERVICE, EVENTS_SERVICE))


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
