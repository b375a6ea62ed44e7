"""Campaign reports through the real server: every figure equals what the acknowledged
redemptions and rollbacks imply, day boundaries in the campaign's time zone."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from support import cart, coupon

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

BERLIN = ZoneInfo("Europe/Berlin")


def test_report_figures_equal_what_the_redemption_log_implies(client, clock):
    client.create_campaign(
        id="spring",
        name="Spring",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        time_zone="Europe/Berlin",
        effect={"percent_off_order": {"percent_bp": 1000}},
    )
    client.create_code("spring", "SPRING")
    coupon(client, "other", "OTHER")
    rng = random.Random(7)
    # 23:30 Berlin on 1 March: redemptions straddle local midnights (UTC days would differ).
    clock.set(int(datetime(2026, 3, 1, 23, 30, tzinfo=BERLIN).timestamp() * 1000))
    redemptions = []
    for number in range(60):
        clock.advance(rng.randrange(1, 120) * 60_000)
        customer = rng.choice(["ann", "bob", "cy", "dee", None])
        codes = ["SPRING", "OTHER"] if number % 4 == 0 else ["SPRING"]
        answer = client.redeem(
            cart(("TEA", rng.randrange(500, 9000), rng.randrange(1, 4)), id=f"o{number}"),
            codes=codes,
            customer={"id": customer} if customer else None,
            idempotency_key=f"k{number}",
        )
        assert answer["status"] == "SUCCEEDED"
        redemptions.append(answer["redemption"])
    rolled_back = {}
    for redemption in rng.sample(redemptions, 12):
        clock.advance(rng.randrange(1, 600) * 60_000)
        client.rollback(redemption["id"], reason="refund")
        rolled_back[redemption["id"]] = datetime.fromtimestamp(clock.now_ms() / 1000, BERLIN)

    report = client.campaign_report("spring")

    expected_daily = defaultdict(lambda: [0, 0, 0, 0])
    kept = []
    for redemption in redemptions:
        [spring] = [r for r in redemption["redeemables"] if r["campaign_id"] == "spring"]
        discount = spring["items_discount"] + spring["shipping_discount"]
        value = redemption["totals"]["items_amount"]
        day = redemption["created_at"].astimezone(BERLIN).date().isoformat()
        expected_daily[day][0] += 1
        expected_daily[day][2] += discount
        expected_daily[day][3] += value
        if redemption["id"] in rolled_back:
            rollback_day = rolled_back[redemption["id"]].date().isoformat()
            expected_daily[rollback_day][1] += 1
            expected_daily[rollback_day][2] -= discount
            expected_daily[rollback_day][3] -= value
        else:
            kept.append((redemption["customer_id"], discount, value))
    assert report["currency"] == "EUR"
    assert report["redemptions"] == len(kept) == 48
    assert report["rollbacks"] == 12
    assert report["unique_customers"] == len({c for c, _, _ in kept if c})
    assert report["total_discount"] == sum(d for _, d, _ in kept) > 0
    assert report["total_order_value"] == sum(v for _, _, v in kept) > 0
    assert {
        d["day"]: [d["redemptions"], d["rollbacks"], d["discount"], d["order_value"]]
        for d in report["daily"]
    } == dict(expected_daily)
    assert len(report["daily"]) >= 2
    assert sum(d["discount"] for d in report["daily"]) == report["total_discount"]
    # The other campaign's figures are its own.
    other = client.campaign_report("other")
    assert other["redemptions"] + other["rollbacks"] == 15


def test_a_range_keeps_the_events_inside_it(client, clock):
    coupon(client, "ranged", "RANGED")
    start = datetime.fromtimestamp(clock.now_ms() / 1000).astimezone()
    for number in range(3):
        client.redeem(
            cart(("TEA", 1000, 1), id=f"o{number}"), codes=["RANGED"], idempotency_key=f"r{number}"
        )
        clock.advance(3_600_000)
    report = client.campaign_report(
        "ranged", start=start + timedelta(minutes=30), end=start + timedelta(hours=5)
    )
    assert (report["redemptions"], report["total_discount"]) == (2, 200)


def test_ab_variants_split_customers_stably_and_report_per_variant(client):
    client.create_campaign(
        id="ab",
        name="AB",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 500}},
        variants=[
            {"name": "control", "weight": 1},
            {"name": "bigger", "weight": 1, "effect": {"amount_off_order": {"amount": 800}}},
        ],
    )
    client.create_code("ab", "AB")
    customers = [f"customer-{n}" for n in range(40)]
    seen: dict[str, str] = {}
    figures = defaultdict(lambda: [0, 0, 0])
    for round_number in range(2):
        for number, customer in enumerate(customers):
            answer = client.redeem(
                cart(("TEA", 3000, 1), id=f"o{round_number}-{number}"),
                codes=["AB"],
                customer={"id": customer},
                idempotency_key=f"ab-{round_number}-{number}",
            )
            [result] = answer["redemption"]["redeemables"]
            variant = result["variant"]
            # A customer stays in one variant; each variant gives its own effect.
            assert seen.setdefault(customer, variant) == variant
            assert result["items_discount"] == {"control": 500, "bigger": 800}[variant]
            figures[variant][0] += 1
            figures[variant][1] += result["items_discount"]
            figures[variant][2] += 3000
    assert set(seen.values()) == {"control", "bigger"}  # 40 customers, 50/50: both used
    report = client.campaign_report("ab")
    assert {
        v["variant"]: [v["redemptions"], v["discount"], v["order_value"]]
        for v in report["variants"]
    } == dict(figures)
    assert report["unique_customers"] == 40


def test_cli_report_prints_the_figures_and_plots_the_series(target, client, clock, tmp_path):
    coupon(client, "plotted", "PLOT", effect={"amount_off_order": {"amount": 250}})
    for number in range(5):
        client.redeem(
            cart(("TEA", 1000, 1), id=f"p{number}"),
            codes=["PLOT"],
            customer={"id": f"c{number % 2}"},
            idempotency_key=f"p{number}",
        )
        clock.advance(86_400_000)
    plot = tmp_path / "report.png"
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "promocore.cli",
            "--target",
            target,
            "report",
            "plotted",
            "--plot",
            str(plot),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "redemptions       5  (rollbacks 0)" in shown
    assert "unique customers  2" in shown
    assert "total discount    12.50 EUR" in shown
    assert shown.count("2026-03-0") == 5  # one line per day
    assert plot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and plot.stat().st_size > 5000


def test_the_report_counts_the_campaign_s_codes(client):
    coupon(client, "spring", "SPRING-1")
    for number in range(2, 6):
        client.create_code("spring", f"SPRING-{number}")
    coupon(client, "spring2", "SPRING2-1")  # a campaign id that starts like the other's
    assert client.campaign_report("spring")["codes"] == 5
    assert client.campaign_report("spring2")["codes"] == 1
