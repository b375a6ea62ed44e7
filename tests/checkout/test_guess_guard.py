"""Anti-enumeration: unknown codes counted per API key, per customer and per client address;
past the threshold RESOURCE_EXHAUSTED with RetryInfo, while other callers keep their answers."""

from __future__ import annotations

import random
import string

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from promocore import Client
from promocore.checkout.guess_guard import GuessLimits
from promocore.errors import ResourceExhaustedError
from promocore.server.grpc_server import ServerOptions, start_server
from promocore.v1 import checkout_pb2, checkout_pb2_grpc

from support import TEST_ADMIN_KEY, cart, coupon

WINDOW_MS = 60_000


@pytest.fixture
def guarded(tmp_path, clock):
    """A server on every local address (IPv4 and IPv6), so two callers on one machine can come
    from two client addresses: 127.0.0.1 and ::1."""
    limits = GuessLimits(window_ms=WINDOW_MS, per_key=50, per_customer=20, per_address=200)
    running = start_server(
        tmp_path / "data", "[::]:0", clock=clock, options=ServerOptions(guess_limits=limits)
    )
    try:
        yield running
    finally:
        running.stop(grace=None)


def guess(code: str, customer: str = "") -> checkout_pb2.ValidateRequest:
    request = checkout_pb2.ValidateRequest(redeemables=[{"code": code}])
    request.order.currency = "EUR"
    request.order.items.add(sku="A", unit_price=1000, quantity=1)
    if customer:
        request.customer.id = customer
    return request


def retry_delay_ms(error: grpc.RpcError) -> int:
    for detail in rpc_status.from_call(error).details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return info.retry_delay.ToMilliseconds()
    return 0


def test_ten_thousand_guesses_from_one_key_are_throttled_while_another_key_succeeds(guarded, clock):
    port = guarded.port
    with Client(f"127.0.0.1:{port}", api_key=TEST_ADMIN_KEY) as admin:
        code = coupon(admin, "c1", "REALCODE")
        guesser_key = admin.create_api_key("leaked", "checkout")["secret"]
        shop_key = admin.create_api_key("shop", "checkout")["secret"]
    rng = random.Random(8)
    answered = throttled = 0
    shop_successes = 0
    with (
        grpc.insecure_channel(f"[::1]:{port}") as guesser_channel,
        Client(f"127.0.0.1:{port}", api_key=shop_key) as shop,
    ):
        guesser = checkout_pb2_grpc.CheckoutServiceStub(guesser_channel)
        for attempt in range(10_000):
            candidate = "".join(rng.choices(string.ascii_uppercase + string.digits, k=8))
            # A fresh customer id each time: only the key and the address can catch it.
            request = guess(candidate, customer=f"cust-{attempt}")
            try:
                answer = guesser.Validate(request, metadata=(("x-api-key", guesser_key),))
                assert answer.redeemables[0].reason == "code_not_found"
                answered += 1
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, error
                assert 0 < retry_delay_ms(error) <= WINDOW_MS
                throttled += 1
            if attempt % 250 == 0:
                result = shop.validate(cart(("A", 1000, 1)), codes=[code])
                assert result["redeemables"][0]["status"] == "APPLICABLE"
                shop_successes += 1
    assert (answered, throttled, shop_successes) == (50, 9_950, 40)

    # The window slides: a minute later the key may try again.
    clock.advance(WINDOW_MS)
    with grpc.insecure_channel(f"[::1]:{port}") as channel:
        answer = checkout_pb2_grpc.CheckoutServiceStub(channel).Validate(
            guess("NOPE"), metadata=(("x-api-key", guesser_key),)
        )
        assert answer.redeemables[0].reason == "code_not_found"


def test_one_customer_guessing_through_two_keys_is_throttled_as_a_customer(guarded):
    target = f"127.0.0.1:{guarded.port}"
    with Client(target, api_key=TEST_ADMIN_KEY) as admin:
        keys = [admin.create_api_key(f"k{i}", "checkout")["secret"] for i in range(2)]
    clients = [Client(target, api_key=key) for key in keys]
    try:
        for attempt in range(20):
            clients[attempt % 2].validate(
                cart(("A", 1000, 1)), codes=[f"GUESS{attempt}"], customer={"id": "mallory"}
            )
        with pytest.raises(ResourceExhaustedError) as refused:
            clients[0].validate(cart(("A", 1000, 1)), codes=["ANY"], customer={"id": "mallory"})
        assert refused.value.reason == "too_many_failed_lookups"
        assert refused.value.retry_after_ms == WINDOW_MS
        assert "customer" in refused.value.message
        # Another customer through the same keys is not affected.
        clients[1].validate(cart(("A", 1000, 1)), codes=["ANY"], customer={"id": "alice"})
    finally:
        for client in clients:
            client.close()


def test_one_address_guessing_through_many_keys_is_throttled_as_an_address(guarded):
    target = f"[::1]:{guarded.port}"
    with Client(f"127.0.0.1:{guarded.port}", api_key=TEST_ADMIN_KEY) as admin:
        keys = [admin.create_api_key(f"k{i}", "checkout")["secret"] for i in range(5)]
    clients = [Client(target, api_key=key) for key in keys]
    try:
        for attempt in range(200):  # 40 per key: under the key limit of 50
            clients[attempt % 5].validate(cart(("A", 1000, 1)), codes=[f"GUESS{attempt}"])
        with pytest.raises(ResourceExhaustedError) as refused:
            clients[0].validate(cart(("A", 1000, 1)), codes=["ANY"])
        assert "address" in refused.value.message
    finally:
        for client in clients:
            client.close()
    # The same keys from another address still get answers.
    with Client(f"127.0.0.1:{guarded.port}", api_key=keys[0]) as elsewhere:
        answer = elsewhere.validate(cart(("A", 1000, 1)), codes=["ANY"])
        assert answer["redeemables"][0]["reason"] == "code_not_found"


def test_redeem_counts_unknown_codes_too(guarded):
    target = f"127.0.0.1:{guarded.port}"
    with Client(target, api_key=TEST_ADMIN_KEY) as admin:
        key = admin.create_api_key("k", "checkout")["secret"]
    with Client(target, api_key=key) as caller:
        for attempt in range(50):
            caller.redeem(
                cart(("A", 1000, 1), id=f"o{attempt}"),
                codes=[f"GUESS{attempt}"],
                idempotency_key=f"r{attempt}",
            )
        with pytest.raises(ResourceExhaustedError):
            caller.redeem(cart(("A", 1000, 1), id="o-last"), codes=["X"], idempotency_key="x")
