"""A clock that jumps: redemption times never go back (max(clock, last + 1 ms) per store), so a
per-day limit counts no day twice across a backward step; a hold made before a backward step
stops counting instead of holding its slot until the clock catches up."""

from __future__ import annotations

from datetime import datetime

from support import cart, coupon

ORDER = cart(("BEANS", 2000, 1))
HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS


def redeem(client, key: str, code: str, customer: str = "alice") -> dict:
    return client.redeem(
        {**ORDER, "id": key}, idempotency_key=key, codes=[code], customer={"id": customer}
    )


def created_ms(answer: dict) -> int:
    created: datetime = answer["redemption"]["created_at"]
    return round(created.timestamp() * 1000)


def test_a_per_day_limit_counts_no_day_twice_across_a_backward_step(client, clock):
    code = coupon(client, "daily", "DAILY", limits={"per_customer_per_day": 1})
    assert redeem(client, "first", code)["status"] == "SUCCEEDED"
    clock.advance(-DAY_MS)
    refused = redeem(client, "after-a-day-back", code)
    assert refused["status"] == "FAILED"
    assert refused["redeemables"][0]["reason"] == "daily_limit_exceeded"
    clock.advance(DAY_MS)  # the clock set right again: still the same day
    assert redeem(client, "set-right", code)["status"] == "FAILED"
    clock.advance(DAY_MS)  # a real new day
    assert redeem(client, "next-day", code)["status"] == "SUCCEEDED"


def test_redemption_times_never_go_back(client, clock):
    code = coupon(client, "open", "OPEN")
    first = redeem(client, "one", code)
    clock.advance(-DAY_MS)
    second = redeem(client, "two", code, customer="bob")
    third = redeem(client, "three", code, customer="carol")
    assert created_ms(second) == created_ms(first) + 1
    assert created_ms(third) == created_ms(first) + 2
    clock.advance(DAY_MS + 5000)  # the clock passes the last time again: it is used
    fourth = redeem(client, "four", code, customer="dave")
    assert created_ms(fourth) == clock.now_ms()


def test_a_hold_made_before_a_backward_step_stops_counting(client, clock):
    code = coupon(client, "last-slot", "ONLY-ONE", limits={"total_redemptions": 1})
    reservation = {"session_key": "cart-a", "ttl_seconds": 120}
    assert client.validate(ORDER, codes=[code], reservation=reservation)["valid"] is True
    assert client.validate(ORDER, codes=[code])["redeemables"][0]["reason"] == (
        "reserved_by_other_session"
    )
    clock.advance(-DAY_MS)
    other = {"session_key": "cart-b", "ttl_seconds": 120}
    assert client.validate(ORDER, codes=[code], reservation=other)["valid"] is True
