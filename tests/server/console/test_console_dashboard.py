"""The dashboard, the console's home, in a real Chromium: after 20 redemptions and 3 rollbacks
its figures are the report RPC's, its charts are drawn by plotly.js served from this server
under the console's strict CSP, their axes read as counts and money, and the page works with
the keyboard and passes axe."""

from __future__ import annotations

import random
import re
from datetime import datetime

from dashboard_support import berlin_days, set_berlin_time
from programs_support import gift_program, loyalty_program
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support import TEST_ADMIN_KEY, cart


def eur(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d} EUR"


def _twenty_redemptions(admin, clock) -> None:
    for campaign_id, name, effect in (
        ("coffee-15", "15 % off coffee", {"percent_off_order": {"percent_bp": 1500}}),
        ("tea-5", "5.00 EUR off tea", {"amount_off_order": {"amount": 500}}),
    ):
        admin.create_campaign(
            id=campaign_id,
            name=name,
            type="DISCOUNT_COUPONS",
            currency="EUR",
            time_zone="Europe/Berlin",
            effect=effect,
        )
        admin.create_code(campaign_id, campaign_id.upper())
    rng = random.Random(3)
    set_berlin_time(clock, 2026, 2, 24, 9, 0)
    redemptions = []
    for number in range(20):
        clock.advance(rng.randrange(60, 600) * 60_000)
        code = "COFFEE-15" if number % 3 else "TEA-5"
        answer = admin.redeem(
            cart(("BEANS", rng.randrange(1500, 8000), 1), id=f"order-{number}"),
            codes=[code],
            customer={"id": f"customer-{number % 6}"},
            idempotency_key=f"order-{number}",
        )
        assert answer["status"] == "SUCCEEDED"
        redemptions.append(answer["redemption"])
    for redemption in redemptions[2:9:3]:
        clock.advance(3_600_000)
        admin.rollback(redemption["id"], reason="returned")
    gift_program(admin, "gift")
    admin.issue_gift_cards("gift", balance=2500, count=3)
    loyalty_program(admin, "club")
    card = admin.enroll_loyalty("club", "customer-1")
    admin.adjust_points(card["code"], 340, idempotency_key="p1", reason="welcome")
    set_berlin_time(clock, 2026, 3, 1, 18, 0)


def test_read_the_dashboard_after_20_redemptions(console, admin, clock):
    _twenty_redemptions(admin, clock)
    start, end = berlin_days(datetime(2026, 1, 31).date(), datetime(2026, 3, 1).date())
    reports = {
        campaign_id: admin.campaign_report(campaign_id, start=start, end=end)
        for campaign_id in ("coffee-15", "tea-5")
    }
    assert sum(r["redemptions"] + r["rollbacks"] for r in reports.values()) == 20

    console.sign_in(TEST_ADMIN_KEY)  # the dashboard is the home
    section = "#dash-EUR"
    console.text_in("#dash-period", "2026-01-31 to 2026-03-01, days in Europe/Berlin")

    def figure(name: str) -> str:
        return console.find(f"{section} [data-figure='{name}']").text

    # The figures are the reports' (each order used one campaign: the sums are the orders').
    assert figure("redemptions") == str(sum(r["redemptions"] for r in reports.values())) == "17"
    assert figure("rollbacks") == "3"
    assert figure("discount") == eur(sum(r["total_discount"] for r in reports.values()))
    assert figure("order-value") == eur(sum(r["total_order_value"] for r in reports.values()))
    rows = console.driver.find_elements(By.CSS_SELECTOR, "#dash-top tbody tr")
    shown = {
        cells[0]: cells[2:6]
        for cells in ([td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows)
    }
    assert shown == {
        name: [
            str(reports[campaign_id]["redemptions"]),
            str(reports[campaign_id]["rollbacks"]),
            eur(reports[campaign_id]["total_discount"]),
            eur(reports[campaign_id]["total_order_value"]),
        ]
        for campaign_id, name in (("coffee-15", "15 % off coffee"), ("tea-5", "5.00 EUR off tea"))
    }
    most = max(reports, key=lambda c: reports[c]["redemptions"])
    kind = {"coffee-15": "Percent off the order", "tea-5": "Amount off the order"}[most]
    console.text_in("#dash-most-used", f"Most used: {kind} ({reports[most]['redemptions']} ")
    assert figure_in(console, "gift-card-balance") == "75.00 EUR"
    assert figure_in(console, "loyalty-points") == "340"

    # The charts: plotly's SVG, drawn from /console/vendor/, axes as people read them.
    for chart in ("redemptions", "discount"):
        console.find(f"{section}-{chart}-chart svg.main-svg")
    console.find("#dash-top-chart svg.main-svg")
    counts = _ticks(console, f"{section}-redemptions-chart")
    assert all(re.fullmatch(r"\d+", tick) for tick in counts), counts
    money_ticks = _ticks(console, f"{section}-discount-chart")
    assert all(re.fullmatch(r"\d[\d,]*\.\d\d EUR", tick) for tick in money_ticks), money_ticks
    for ticks in (counts, money_ticks):
        assert len(ticks) == len(set(ticks)) >= 3, ticks
    days = [
        t.text
        for t in console.driver.find_elements(
            By.CSS_SELECTOR, f"{section}-discount-chart .xtick text"
        )
    ]
    assert days and all(re.fullmatch(r"\d{1,2} (Jan|Feb|Mar)", day) for day in days), days
    assert console.console_errors() == []  # no CSP violation, no script error
    console.doc_screenshot("dashboard")
    console.check_accessibility("dashboard")

    # The keyboard: the period's fields in order, Enter shows; a wrong zone is said at its field.
    zone = console.find("#dash-zone")
    zone.send_keys(Keys.CONTROL, "a")
    zone.send_keys("Mars/Base" + Keys.ENTER)
    console.text_in("#dash-zone-problem", "Pick a time zone from the list")
    assert console.driver.switch_to.active_element == zone
    zone.send_keys(Keys.CONTROL, "a")
    zone.send_keys("UTC")

    # Back to From with the keyboard; a date field is typed month, day, year (en-US).
    # Shift+Tab steps back through the fields (and a date field's year, day and month) to what
    # comes before the form; Tab then enters From at its month.
    def focused() -> str:
        return console.driver.switch_to.active_element.get_attribute("id") or ""

    for _ in range(12):
        console.driver.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
        if focused() not in ("dash-zone", "dash-to", "dash-from"):
            break
    console.driver.switch_to.active_element.send_keys(Keys.TAB)
    assert focused() == "dash-from"
    console.driver.switch_to.active_element.send_keys("02252026")
    to_date = console.find("#dash-to")
    to_date.send_keys("02262026" + Keys.ENTER)
    console.text_in("#dash-period", "2026-02-25 to 2026-02-26, days in UTC")
    expected = admin.dashboard(from_date="2026-02-25", to_date="2026-02-26", time_zone="UTC")
    [eur_figures] = expected["currencies"]
    console.text_in(f"{section} [data-figure='redemptions']", str(eur_figures["redemptions"]))
    assert figure("discount") == eur(eur_figures["discount"])
    console.screenshot("dashboard-two-days")


def figure_in(console, name: str) -> str:
    return console.find(f"#dash-balances [data-figure='{name}']").text


def _ticks(console, chart: str) -> list[str]:
    return [
        tick.text
        for tick in console.driver.find_elements(By.CSS_SELECTOR, f"{chart} .ytick text")
        if tick.text
    ]


def test_a_read_only_key_reads_the_dashboard(console, admin, clock):
    _twenty_redemptions(admin, clock)
    read_only = admin.create_api_key("analyst", "read_only")["secret"]
    console.sign_in(read_only)
    console.text_in("#dash-EUR [data-figure='redemptions']", "17")
    console.check_accessibility("dashboard-read-only")
