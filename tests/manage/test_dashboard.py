"""GetDashboard through the real server: its figures are the campaign reports' over the same
days, its days are calendar days in the zone asked for, and the balances are what the gift card
and loyalty pages read."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from dashboard_support import BERLIN, berlin_days, set_berlin_time
from http_support import call, detail
from programs_support import gift_program, loyalty_program

from promocore import Client
from promocore.errors import InvalidArgumentError, PermissionDeniedError

from support import cart, coupon


def _redeem_across_days(client, clock) -> tuple[list[dict], dict[str, datetime]]:
    """60 redemptions from 1 March 23:30 Berlin on, over several local midnights, through two
    EUR campaigns (some orders with both) and one JPY campaign; 12 rolled back later."""
    for campaign_id, code, effect in (
        ("spring", "SPRING", {"percent_off_order": {"percent_bp": 1000}}),
        ("fiver", "FIVER", {"amount_off_order": {"amount": 500}}),
    ):
        client.create_campaign(
            id=campaign_id,
            name=campaign_id.title(),
            type="DISCOUNT_COUPONS",
            currency="EUR",
            time_zone="Europe/Berlin",
            effect=effect,
        )
        client.create_code(campaign_id, code)
    client.create_campaign(
        id="tokyo",
        name="Tokyo",
        type="DISCOUNT_COUPONS",
        currency="JPY",
        time_zone="Europe/Berlin",
        effect={"amount_off_order": {"amount": 300}},
    )
    client.create_code("tokyo", "TOKYO")
    rng = random.Random(11)
    set_berlin_time(clock, 2026, 3, 1, 23, 30)
    redemptions = []
    for number in range(60):
        clock.advance(rng.randrange(1, 150) * 60_000)
        customer = rng.choice(["ann", "bob", "cy", None])
        if number % 7 == 0:
            order, codes = cart(("MATCHA", 2500, 1), currency="JPY", id=f"j{number}"), ["TOKYO"]
        else:
            codes = ["SPRING", "FIVER"] if number % 3 == 0 else [rng.choice(["SPRING", "FIVER"])]
            order = cart(("TEA", rng.randrange(800, 9000), rng.randrange(1, 4)), id=f"o{number}")
        answer = client.redeem(
            order,
            codes=codes,
            customer={"id": customer} if customer else None,
            idempotency_key=f"k{number}",
        )
        assert answer["status"] == "SUCCEEDED"
        redemptions.append(answer["redemption"])
    rolled_back = {}
    for redemption in rng.sample(redemptions, 12):
        clock.advance(rng.randrange(1, 400) * 60_000)
        client.rollback(redemption["id"], reason="refund")
        rolled_back[redemption["id"]] = datetime.fromtimestamp(clock.now_ms() / 1000, BERLIN)
    return redemptions, rolled_back


def test_the_dashboard_equals_the_campaign_reports_over_the_same_days(client, clock):
    redemptions, rolled_back = _redeem_across_days(client, clock)
    first, last = date(2026, 3, 1), date(2026, 3, 8)

    board = client.dashboard(
        from_date=first.isoformat(), to_date=last.isoformat(), time_zone="Europe/Berlin"
    )

    assert (board["from_date"], board["to_date"], board["time_zone"]) == (
        "2026-03-01",
        "2026-03-08",
        "Europe/Berlin",
    )
    start, end = berlin_days(first, last)
    reports = {
        campaign_id: client.campaign_report(campaign_id, start=start, end=end)
        for campaign_id in ("spring", "fiver", "tokyo")
    }
    # Every top campaign's figures are its report's.
    assert {
        top["campaign_id"]: [
            top["redemptions"],
            top["rollbacks"],
            top["discount"],
            top["order_value"],
            top["currency"],
        ]
        for top in board["top_campaigns"]
    } == {
        campaign_id: [
            report["redemptions"],
            report["rollbacks"],
            report["total_discount"],
            report["total_order_value"],
            report["currency"],
        ]
        for campaign_id, report in reports.items()
    }
    ranked = [(t["redemptions"], t["discount"]) for t in board["top_campaigns"]]
    assert ranked == sorted(ranked, reverse=True)

    # Per currency: orders (one per redemption, whatever the campaigns it used), their discount
    # and value, and a series of every Berlin day, from the acknowledged answers.
    expected = {}
    for currency in ("EUR", "JPY"):
        daily = defaultdict(lambda: [0, 0, 0, 0])
        kept = []
        for redemption in redemptions:
            if redemption["totals"]["currency"] != currency:
                continue
            discount = sum(
                r["items_discount"] + r["shipping_discount"] for r in redemption["redeemables"]
            )
            value = redemption["totals"]["items_amount"]
            day = redemption["created_at"].astimezone(BERLIN).date().isoformat()
            daily[day][0] += 1
            daily[day][2] += discount
            daily[day][3] += value
            if redemption["id"] in rolled_back:
                rollback_day = rolled_back[redemption["id"]].date().isoformat()
                daily[rollback_day][1] += 1
                daily[rollback_day][2] -= discount
                daily[rollback_day][3] -= value
            else:
                kept.append((discount, value))
        expected[currency] = (len(kept), sum(d for d, _ in kept), sum(v for _, v in kept), daily)
    figures = {c["currency"]: c for c in board["currencies"]}
    assert [c["currency"] for c in board["currencies"]] == ["EUR", "JPY"]  # most orders first
    for currency, (orders, discount, value, daily) in expected.items():
        got = figures[currency]
        assert (got["redemptions"], got["discount"], got["order_value"]) == (
            orders,
            discount,
            value,
        )
        assert [d["day"] for d in got["daily"]] == [
            (first + timedelta(days=n)).isoformat() for n in range(8)
        ]
        assert {
            d["day"]: [d["redemptions"], d["rollbacks"], d["discount"], d["order_value"]]
            for d in got["daily"]
            if any((d["redemptions"], d["rollbacks"]))
        } == dict(daily)
    eur = figures["EUR"]
    # An order with both EUR campaigns is one order, its discount both campaigns' together.
    assert (
        eur["discount"] == reports["spring"]["total_discount"] + reports["fiver"]["total_discount"]
    )
    assert eur["redemptions"] < reports["spring"]["redemptions"] + reports["fiver"]["redemptions"]
    assert eur["rollbacks"] + figures["JPY"]["rollbacks"] == 12
    assert figures["JPY"]["discount"] == reports["tokyo"]["total_discount"] > 0
    # Two kinds of discount, amount off (fiver and tokyo) used more than percent off (spring).
    kinds = {k["kind"]: k["redemptions"] for k in board["discount_kinds"]}
    assert kinds == {
        "amount_off_order": reports["fiver"]["redemptions"] + reports["tokyo"]["redemptions"],
        "percent_off_order": reports["spring"]["redemptions"],
    }
    assert board["discount_kinds"][0]["kind"] == max(kinds, key=kinds.get)


def test_days_are_the_zone_s_own_and_the_range_keeps_what_is_inside(client, clock):
    coupon(client, "night", "NIGHT")
    # 00:30 in Berlin on 2 March is 23:30 on 1 March in UTC.
    set_berlin_time(clock, 2026, 3, 2, 0, 30)
    client.redeem(cart(("TEA", 1000, 1), id="late"), codes=["NIGHT"], idempotency_key="late")
    set_berlin_time(clock, 2026, 3, 3, 12, 0)
    client.redeem(cart(("TEA", 3000, 1), id="noon"), codes=["NIGHT"], idempotency_key="noon")

    berlin = client.dashboard(
        from_date="2026-03-02", to_date="2026-03-02", time_zone="Europe/Berlin"
    )
    utc = client.dashboard(from_date="2026-03-02", to_date="2026-03-02", time_zone="UTC")
    utc_before = client.dashboard(from_date="2026-03-01", to_date="2026-03-01")

    [berlin_eur] = berlin["currencies"]
    assert (berlin_eur["redemptions"], berlin_eur["order_value"]) == (1, 1000)
    assert [(d["day"], d["redemptions"]) for d in berlin_eur["daily"]] == [("2026-03-02", 1)]
    assert utc["currencies"] == [] and utc["top_campaigns"] == []
    [utc_eur] = utc_before["currencies"]
    assert (utc_before["time_zone"], utc_eur["redemptions"], utc_eur["order_value"]) == (
        "UTC",
        1,
        1000,
    )
    # Unset dates: the last 30 days up to today in the zone (3 March, Berlin).
    recent = client.dashboard(time_zone="Europe/Berlin")
    assert (recent["from_date"], recent["to_date"]) == ("2026-02-02", "2026-03-03")
    assert recent["currencies"][0]["redemptions"] == 2
    assert len(recent["currencies"][0]["daily"]) == 30


def test_gift_card_balance_and_loyalty_points_are_what_their_pages_read(client, clock):
    gift_program(client, "gift")
    cards = client.issue_gift_cards("gift", balance=2500, count=2)
    client.debit_gift_card(cards[0]["code"], 400, reason="broken mug", idempotency_key="d1")
    gift_program(client, "old-gift", expire_at=datetime(2026, 3, 2, tzinfo=BERLIN))
    client.issue_gift_cards("old-gift", balance=1000)
    loyalty_program(client, "club")
    ann = client.enroll_loyalty("club", "ann")
    bob = client.enroll_loyalty("club", "bob")
    client.adjust_points(ann["code"], 150, idempotency_key="a1", reason="welcome")
    client.adjust_points(bob["code"], 70, idempotency_key="b1", reason="welcome")

    board = client.dashboard()

    program = client.get_gift_card_program("gift")
    assert program["outstanding_balance"] == 2500 * 2 - 400
    assert board["gift_card_balance"] == [{"currency": "EUR", "amount": 4600 + 1000}]
    clock.advance(2 * 86_400_000)  # old-gift's cards expire: they hold nothing any more
    assert client.dashboard()["gift_card_balance"] == [{"currency": "EUR", "amount": 4600}]
    points = sum(client.get_loyalty_card(card["code"])["points"] for card in (ann, bob))
    assert board["loyalty_points"] == points == 220
    assert board["loyalty_pending_points"] == 0


def test_bad_ranges_are_refused_naming_the_field(client):
    with pytest.raises(InvalidArgumentError) as bad_zone:
        client.dashboard(time_zone="Mars/Olympus")
    assert bad_zone.value.field == "time_zone"
    with pytest.raises(InvalidArgumentError) as bad_date:
        client.dashboard(from_date="2026-13-01")
    assert bad_date.value.field == "from_date"
    with pytest.raises(InvalidArgumentError) as backwards:
        client.dashboard(from_date="2026-03-05", to_date="2026-03-01")
    assert backwards.value.field == "from_date"
    with pytest.raises(InvalidArgumentError) as too_long:
        client.dashboard(from_date="2024-01-01", to_date="2026-03-01")
    assert too_long.value.field == "from_date"
    with pytest.raises(InvalidArgumentError) as too_many:
        client.dashboard(top_campaigns=51)
    assert too_many.value.field == "top_campaigns"


def test_readers_may_read_the_dashboard_and_a_checkout_key_may_not(client, target):
    coupon(client, "c1", "SAVE1")
    client.redeem(cart(("TEA", 1000, 1), id="o1"), codes=["SAVE1"], idempotency_key="r1")
    for role in ("read_only", "support"):
        secret = client.create_api_key(f"{role} key", role)["secret"]
        with Client(target, api_key=secret, timeout=10) as reader:
            assert reader.dashboard()["currencies"][0]["redemptions"] == 1
    secret = client.create_api_key("shop", "checkout")["secret"]
    with Client(target, api_key=secret, timeout=10) as shop, pytest.raises(PermissionDeniedError):
        shop.dashboard()


def test_the_dashboard_over_http_json(http_server, admin, clock):
    coupon(admin, "c1", "SAVE1")
    admin.redeem(cart(("TEA", 1000, 1), id="o1"), codes=["SAVE1"], idempotency_key="r1")
    path = "/promocore.v1.AdminService/GetDashboard"
    status, board = call(http_server, path, {"fromDate": "2026-03-01", "timeZone": "Asia/Tokyo"})
    assert status == 200
    assert (board["fromDate"], board["toDate"], board["timeZone"]) == (
        "2026-03-01",
        "2026-03-01",
        "Asia/Tokyo",
    )
    [eur] = board["currencies"]
    assert (eur["redemptions"], eur["discount"], eur["orderValue"]) == ("1", "100", "1000")
    status, error = call(http_server, path, {"timeZone": "Mars/Base"})
    assert (status, error["code"]) == (400, "invalid_argument")
    assert detail(error, "google.rpc.BadRequest")["fieldViolations"][0]["field"] == "time_zone"
