"""Reservations: Validate holds the last slot for a session; others are told why; Redeem with
the session consumes it; ReleaseReservation frees it; expiry frees it with no sweeper."""

from __future__ import annotations

import pytest

from promocore import InvalidArgumentError

from support import cart, coupon

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

ORDER = cart(("BEANS", 2000, 1), id="order-r")


@pytest.fixture
def last_slot(client):
    return coupon(client, "last-slot", "ONLY-ONE", limits={"total_redemptions": 1})


def hold(client, code, session, ttl=60):
    return client.validate(
        ORDER, codes=[code], reservation={"session_key": session, "ttl_seconds": ttl}
    )


def test_a_held_slot_is_refused_to_other_sessions_and_consumed_by_its_own(client, last_slot):
    held = hold(client, last_slot, "cart-a")
    assert held["valid"] is True
    assert held["reservation"]["session_key"] == "cart-a"

    [other] = client.validate(ORDER, codes=[last_slot])["redeemables"]
    assert (other["status"], other["reason"]) == ("INAPPLICABLE", "reserved_by_other_session")
    [other_hold] = hold(client, last_slot, "cart-b")["redeemables"]
    assert other_hold["reason"] == "reserved_by_other_session"
    refused = client.redeem(ORDER, codes=[last_slot], idempotency_key="b-pays")
    assert refused["redeemables"][0]["reason"] == "reserved_by_other_session"

    paid = client.redeem(ORDER, codes=[last_slot], idempotency_key="a-pays", session_key="cart-a")
    assert paid["status"] == "SUCCEEDED"
    [after] = client.validate(ORDER, codes=[last_slot])["redeemables"]
    assert after["reason"] == "campaign_limit_exceeded"  # used up, no longer merely held


def test_release_frees_the_slot(client, last_slot):
    hold(client, last_slot, "cart-a")
    assert client.release_reservation("cart-a") == 1
    assert client.release_reservation("cart-a") == 0
    assert client.validate(ORDER, codes=[last_slot])["valid"] is True


def test_an_expired_hold_counts_for_nothing(client, clock, last_slot):
    hold(client, last_slot, "cart-a", ttl=30)
    clock.advance(29_999)
    assert client.validate(ORDER, codes=[last_slot])["redeemables"][0]["reason"] == (
        "reserved_by_other_session"
    )
    clock.advance(1)
    assert client.validate(ORDER, codes=[last_slot])["valid"] is True
    assert hold(client, last_slot, "cart-b")["valid"] is True


def test_validating_again_replaces_the_sessions_own_hold(client, last_slot):
    hold(client, last_slot, "cart-a")
    again = hold(client, last_slot, "cart-a")
    assert again["valid"] is True


def test_a_hold_on_a_slot_that_is_not_the_last_does_not_block_others(client):
    coupon(client, "two-slots", "TWO", limits={"total_redemptions": 2})
    hold(client, "TWO", "cart-a")
    assert client.redeem(ORDER, codes=["TWO"], idempotency_key="b")["status"] == "SUCCEEDED"
    assert client.redeem(ORDER, codes=["TWO"], idempotency_key="c")["status"] == "FAILED"


def test_the_writer_deletes_expired_sessions_and_keeps_the_others(server, client, clock):
    coupon(client, "first", "FIRST", limits={"total_redemptions": 1})
    coupon(client, "second", "SECOND", limits={"total_redemptions": 1})
    hold(client, "FIRST", "cart-a", ttl=30)
    clock.advance(10_000)
    hold(client, "SECOND", "cart-b", ttl=30)
    clock.advance(20_000)  # cart-a has expired, cart-b has 10 s left
    client.release_reservation("no-such-session")  # a write batch: its housekeeping runs
    with server.store.read() as txn:
        sessions = [bytes(key) for key, _ in txn.cursor(db=server.store.tables.sessions)]
    assert sessions == [b"cart-b"]


@pytest.mark.parametrize(
    ("reservation", "field"),
    [
        ({"session_key": "", "ttl_seconds": 60}, "reservation.session_key"),
        ({"session_key": "s", "ttl_seconds": 0}, "reservation.ttl_seconds"),
        ({"session_key": "s", "ttl_seconds": 3601}, "reservation.ttl_seconds"),
    ],
)
def test_bad_reservation_requests_name_the_field(client, last_slot, reservation, field):
    with pytest.raises(InvalidArgumentError) as error:
        client.validate(ORDER, codes=[last_slot], reservation=reservation)
    assert error.value.field == field
