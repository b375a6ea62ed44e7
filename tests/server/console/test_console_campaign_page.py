"""A campaign's page in a real Chromium, as a summary a marketer reads: what it gives and when
in words, its dates in its zone, limits with their usage, codes and figures so far, and what
changed between two versions in words and money."""

from __future__ import annotations

from datetime import UTC, datetime

from selenium.webdriver.common.by import By

from support import TEST_ADMIN_KEY, cart


def test_the_campaign_page_says_what_the_campaign_does_and_how_far_it_went(console, admin):
    admin.create_campaign(
        id="coffee-15",
        name="15 % off coffee",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        time_zone="Europe/Berlin",
        start_at=datetime(2026, 2, 1, 0, 0, tzinfo=UTC),
        expire_at=datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
        validity_windows=[{"days_of_week": [6, 7]}],  # weekends (the clock's now is a Sunday)
        effect={"percent_off_order": {"percent_bp": 1500, "cap": 3000}},
        rules_json='{"subject": "order.amount", "op": "gte", "value": 5000}',
        limits={"total_redemptions": 4, "per_customer": 2, "budget_discount": 10000},
    )
    for number in range(1, 4):
        admin.create_code("coffee-15", f"COFFEE-{number}")
    for number, price in ((1, 6000), (2, 10000)):
        answer = admin.redeem(
            cart(("BEANS", price, 1), id=f"order-{number}"),
            codes=[f"COFFEE-{number}"],
            customer={"id": "ann"},
            idempotency_key=f"order-{number}",
        )
        assert answer["status"] == "SUCCEEDED"
    report = admin.campaign_report("coffee-15")
    assert (report["redemptions"], report["total_discount"]) == (2, 900 + 1500)

    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/coffee-15")
    assert console.find("#campaign-effect-words").text == "15 % off the order, at most 30.00 EUR"
    console.text_in("#campaign-rule", "order amount is at least 50.00 EUR")
    console.text_in(
        "#campaign-dates",
        "from 2026-02-01 01:00 until 2027-01-01 00:00,"
        " on Sat, Sun 00:00\u201324:00 (Europe/Berlin)",
    )
    console.text_in(
        "#campaign-so-far",
        "So far: 2 redemptions by 1 customer, 24.00 EUR of discount on orders worth 160.00 EUR"
        " · 3 codes",
    )
    redemptions = console.find("#usage-redemptions")
    assert (redemptions.get_attribute("value"), redemptions.get_attribute("max")) == ("2", "4")
    console.text_in("#usage-redemptions-label", "Redemptions: 2 of 4 (50 %)")
    budget = console.find("#usage-budget")
    assert (budget.get_attribute("value"), budget.get_attribute("max")) == ("2400", "10000")
    console.text_in("#usage-budget-label", "Discount budget: 24.00 EUR of 100.00 EUR (24 %)")
    console.text_in("#campaign-per-customer", "2 per customer")
    console.doc_screenshot("campaign-page")
    console.check_accessibility("campaign-page")

    # A new version through the form: the diff says what changed, in words and money.
    console.find("#edit-campaign").click()
    cap = console.find("#campaign-cap")
    cap.clear()
    cap.send_keys("25")
    console.find("#save-campaign").click()
    console.text_in("#campaign-effect-words", "at most 25.00 EUR")
    console.find("form[aria-label='Compare versions'] button").click()
    console.text_in("#diff", "v1 → v2")
    rows = [
        [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td")]
        for row in console.driver.find_elements(By.CSS_SELECTOR, "#diff table tbody tr")
    ]
    assert rows == [
        [
            "Gives",
            "15 % off the order, at most 30.00 EUR",
            "15 % off the order, at most 25.00 EUR",
        ]
    ]
    console.driver.execute_script(
        "document.getElementById('diff').scrollIntoView({block: 'center'})"
    )
    console.doc_screenshot("versions-in-words")
    console.check_accessibility("campaign-page-diff")

    # The audit log says the same, in words and money.
    console.go("#/audit")
    console.text_in(
        "#audit",
        "Gives: 15 % off the order, at most 30.00 EUR → 15 % off the order, at most 25.00 EUR",
    )
    console.text_in("#audit", "When: order amount is at least 50.00 EUR")  # the creation
    console.screenshot("03-audit-in-words")
    console.check_accessibility("audit-log")
    assert console.console_errors() == []
