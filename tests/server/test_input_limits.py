"""Input limits through a real server: beyond each, INVALID_ARGUMENT naming the field and the
limit (and nothing looked up or stored)."""

from __future__ import annotations

import grpc
import pytest

from promocore import Client, _engine
from promocore.errors import InvalidArgumentError, ResourceExhaustedError
from promocore.server.grpc_server import ServerOptions, start_server
from promocore.server.request_guard import HARD_CAP_FACTOR

from support import TEST_ADMIN_KEY, cart, coupon

SMALL_LIMIT = 8192


@pytest.fixture
def small_messages(tmp_path, clock):
    running = start_server(
        tmp_path / "data",
        "127.0.0.1:0",
        clock=clock,
        options=ServerOptions(max_message_bytes=SMALL_LIMIT),
    )
    try:
        with Client(f"127.0.0.1:{running.port}", api_key=TEST_ADMIN_KEY) as client:
            yield client
    finally:
        running.stop(grace=None)


def test_a_message_over_the_size_limit_is_invalid_argument(small_messages):
    padded = cart(("A", 1000, 1), metadata={"note": "x" * SMALL_LIMIT})
    with pytest.raises(InvalidArgumentError) as error:
        small_messages.validate(padded, codes=["ANY"])
    assert error.value.field == "request"
    assert str(SMALL_LIMIT) in error.value.description
    # Typed (admin) messages too, before they are parsed.
    with pytest.raises(InvalidArgumentError) as error:
        small_messages.create_campaign(
            name="n" * SMALL_LIMIT, type="DISCOUNT_COUPONS", currency="EUR"
        )
    assert error.value.field == "request"
    # Far beyond, gRPC refuses the message before promocore reads it.
    huge = cart(("A", 1000, 1), metadata={"note": "x" * SMALL_LIMIT * HARD_CAP_FACTOR})
    with pytest.raises(ResourceExhaustedError):
        small_messages.validate(huge, codes=["ANY"])
    # Under the limit all is well.
    answer = small_messages.validate(cart(("A", 1000, 1)), codes=["ANY"])
    assert answer["redeemables"][0]["reason"] == "code_not_found"


def test_too_many_redeemables_is_refused_before_any_lookup(client):
    count = _engine.MAX_REDEEMABLES + 1
    with pytest.raises(InvalidArgumentError) as error:
        client.validate(cart(("A", 1000, 1)), codes=[f"C{n}" for n in range(count)])
    assert error.value.field == "redeemables"
    assert str(_engine.MAX_REDEEMABLES) in error.value.description
    with pytest.raises(InvalidArgumentError) as error:
        client.redeem(
            cart(("A", 1000, 1), id="o1"),
            codes=[f"C{n}" for n in range(count)],
            idempotency_key="k1",
        )
    assert error.value.field == "redeemables"


def test_a_code_too_long_and_too_many_items_name_their_fields(client):
    coupon(client, "c1", "SAVE1")
    too_long = "X" * (_engine.MAX_CODE_CHARS + 1)
    with pytest.raises(InvalidArgumentError) as error:
        client.validate(cart(("A", 1000, 1)), codes=["SAVE1", too_long])
    assert error.value.field == "redeemables[1].code"
    assert str(_engine.MAX_CODE_CHARS) in error.value.description
    lines = [(f"SKU{n}", 100, 1) for n in range(_engine.MAX_ITEMS + 1)]
    with pytest.raises(InvalidArgumentError) as error:
        client.validate(cart(*lines), codes=["SAVE1"])
    assert error.value.field == "order.items"
    assert str(_engine.MAX_ITEMS) in error.value.description


def leaf() -> dict:
    return {"subject": "order.amount", "op": "gte", "value": 1}


def test_rules_too_deep_or_too_large_name_the_path(client):
    effect = {"amount_off_order": {"amount": 100}}
    deep: dict = leaf()
    for _ in range(32):
        deep = {"not": deep}
    with pytest.raises(InvalidArgumentError) as error:
        client.create_campaign(
            name="deep", type="DISCOUNT_COUPONS", currency="EUR", effect=effect, rules=deep
        )
    assert error.value.field == "campaign.rules" + ".not" * 32
    wide = {"any": [leaf() for _ in range(1000)]}
    with pytest.raises(InvalidArgumentError) as error:
        client.create_campaign(
            name="wide", type="DISCOUNT_COUPONS", currency="EUR", effect=effect, rules=wide
        )
    assert error.value.field == "campaign.rules.any[999]"
    assert "1000" in error.value.description
    assert client.list_campaigns() == []


def raw_call(target: str, method: str, payload: bytes) -> grpc.RpcError:
    """Sends `payload` as the request of `method`, with no client library between; returns the
    error it must answer."""
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary(
            method, request_serializer=lambda raw: raw, response_deserializer=lambda raw: raw
        )
        with pytest.raises(grpc.RpcError) as error:
            call(payload, metadata=(("x-api-key", TEST_ADMIN_KEY),), timeout=5)
    return error.value


def test_a_raw_oversized_request_gets_its_status_without_a_client_library(small_messages):
    payload = b"\x00" * (SMALL_LIMIT + 1)
    error = raw_call(small_messages.target, "/promocore.v1.CheckoutService/Validate", payload)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "request" in error.details()


def test_bytes_that_do_not_parse_are_invalid_argument_on_typed_rpcs_too(target):
    error = raw_call(target, "/promocore.v1.AdminService/GetCampaign", b"\x0a\xff\xff")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith("request: not a valid message")
