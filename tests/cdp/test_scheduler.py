"""Time-based triggers (birthday, inactivity) run by the server's scheduler: the tests drive it
with the injected clock and one deterministic tick at a time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cdp_support import backlog, pay, small_promotion, welcome_coupons

from promocore import Client
from promocore.server.grpc_server import RunningServer, ServerOptions, start_server

DAY_MS = 86_400_000


@pytest.fixture
def server(tmp_path, clock) -> Iterator[RunningServer]:
    """A server whose scheduler runs only when the test ticks it."""
    running = start_server(
        tmp_path / "data",
        "127.0.0.1:0",
        clock=clock,
        options=ServerOptions(scheduler_interval_s=0),
    )
    try:
        yield running
    finally:
        running.stop(grace=None)


@pytest.fixture
def client(server) -> Iterator[Client]:
    with Client(f"127.0.0.1:{server.port}", timeout=10) as connected:
        yield connected


def test_a_birthday_distribution_fires_on_the_day_once_a_year(server, client, clock):
    welcome_coupons(client, "birthday")
    client.create_distribution(
        {"name": "Birthday", "trigger": "TRIGGER_BIRTHDAY", "campaign_id": "birthday"}
    )
    # The clock is 2026-03-01 12:00 UTC.
    client.upsert_customer("ann", {"birthday": "1990-03-02"})
    client.upsert_customer("bob", {"birthday": "1985-07-14"})
    client.upsert_customer("cid", {"birthday": "not a date"})
    assert server.scheduler.tick() == []

    clock.advance(DAY_MS)  # 2026-03-02: ann's birthday
    [code] = server.scheduler.tick()
    assert server.scheduler.tick() == []  # the same day again: nothing new
    issued = backlog(client, types=["EVENT_CODE_ISSUED"])
    assert [(e["customer_id"], e["code"]) for e in issued] == [("ann", code)]

    clock.advance(365 * DAY_MS)  # 2027-03-02: next year
    [next_year] = server.scheduler.tick()
    assert next_year != code
    assert len(backlog(client, types=["EVENT_CODE_ISSUED"])) == 2


def test_a_birthday_follows_the_campaign_time_zone(server, client, clock):
    client.create_campaign(
        id="tokyo-birthday",
        name="tokyo",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        time_zone="Asia/Tokyo",
        effect={"amount_off_order": {"amount": 100}},
    )
    client.create_distribution(
        {"name": "Birthday", "trigger": "TRIGGER_BIRTHDAY", "campaign_id": "tokyo-birthday"}
    )
    # 2026-03-01 12:00 UTC is 21:00 in Tokyo; at 15:00 UTC it is 2026-03-02 there.
    client.upsert_customer("ann", {"birthday": "2000-03-02"})
    assert server.scheduler.tick() == []
    clock.advance(3 * 3_600_000)
    assert len(server.scheduler.tick()) == 1


def test_an_inactive_customer_gets_one_win_back_code(server, client, clock):
    small_promotion(client)
    welcome_coupons(client, "win-back")
    client.create_distribution(
        {
            "name": "Win back",
            "trigger": "TRIGGER_INACTIVE",
            "inactive_days": 30,
            "campaign_id": "win-back",
        }
    )
    pay(client, "ann", 3000, "k1")
    clock.advance(29 * DAY_MS)
    assert server.scheduler.tick() == []
    clock.advance(DAY_MS)
    [code] = server.scheduler.tick()
    clock.advance(DAY_MS)
    assert server.scheduler.tick() == []
    assert client.get_customer("ann")["aggregates"]["orders_count"] == 1
    assert [e["code"] for e in backlog(client, types=["EVENT_CODE_ISSUED"])] == [code]


def test_the_tick_moves_customers_in_and_out_of_time_dependent_segments(server, client, clock):
    small_promotion(client)
    client.create_segment(
        "lapsed",
        "No order for 90 days",
        rules={
            "subject": "customer.aggregates.last_order_at",
            "op": "more_than_ago",
            "value": "90d",
        },
    )
    pay(client, "ann", 3000, "k1")
    assert client.get_customer("ann")["segments"] == []
    clock.advance(91 * DAY_MS)
    server.scheduler.tick()
    assert client.get_customer("ann")["segments"] == ["lapsed"]
    pay(client, "ann", 3000, "k2")  # ordering again re-evaluates at once
    assert client.get_customer("ann")["segments"] == []


def test_points_about_to_expire_are_announced_once(server, client, clock):
    client.create_campaign(
        id="club",
        name="club",
        type="LOYALTY_PROGRAM",
        currency="EUR",
        loyalty={"points_rate_money": 1, "points_rate_points": 1, "expiry": {"after_months": 1}},
    )
    card = client.enroll_loyalty("club", "ann")["code"]
    client.adjust_points(card, 500, idempotency_key="grant")  # expires 2026-04-01 12:00
    server.scheduler.tick()
    assert backlog(client, types=["EVENT_POINTS_EXPIRING"]) == []  # 31 days away
    clock.advance(2 * DAY_MS)
    server.scheduler.tick()
    server.scheduler.tick()
    [event] = backlog(client, types=["EVENT_POINTS_EXPIRING"])
    assert (event["customer_id"], event["code"]) == ("ann", card)
    assert event["data"]["points"] == 500
