"""The console's "Try a cart" panel in a real headless Chromium against a real server: the cart
now, and at a preview time typed in the campaign's time zone (labelled with it)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By

from support import TEST_ADMIN_KEY

SEOUL = ZoneInfo("Asia/Seoul")


def test_try_a_cart_at_a_preview_time_in_the_campaign_zone(console, admin, clock):
    # Saturdays 23:00-24:00 in Seoul only: 23:30 read in another zone (the browser's own, or
    # UTC) falls outside it, so an "applies" shows the time was taken as Seoul's.
    admin.create_campaign(
        id="late-saturday",
        name="Late Saturday",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        time_zone="Asia/Seoul",
        validity_windows=[{"days_of_week": [6], "start_time": "23:00", "end_time": "24:00"}],
        effect={"amount_off_order": {"amount": 300}},
    )
    admin.create_code("late-saturday", "LATE-1")
    clock.set(int(datetime(2026, 12, 14, 10, 0, tzinfo=SEOUL).timestamp() * 1000))  # a Monday

    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/late-saturday")
    label = console.find("label[for='try-at']").text
    assert "Asia/Seoul" in label
    console.find("#try-code").send_keys("LATE-1")
    cart = console.find("#try-cart")
    cart.clear()
    cart.send_keys("BEANS:12.99:2")

    console.find("#try-submit").click()  # now: Monday morning
    console.text_in("#try-result", "outside_validity_window")

    def try_at(local: str) -> str:
        at = console.find("#try-at")
        console.driver.execute_script("arguments[0].value = arguments[1]", at, local)
        console.find("#try-submit").click()
        console.text_in("#try-result", local.replace("T", " "))
        return console.find("#try-result p").get_attribute("data-status")

    assert try_at("2026-12-12T23:30") == "APPLICABLE"
    assert "3.00 EUR off" in console.find("#try-result").text
    console.screenshot("01-try-a-cart-preview")
    assert try_at("2026-12-12T22:30") == "INAPPLICABLE"
    assert try_at("2026-12-13T00:10") == "INAPPLICABLE"
    assert not console.driver.find_elements(By.CSS_SELECTOR, "#try-result .error")
    assert console.console_errors() == []


def test_a_support_key_signs_in_and_previews(console, admin, clock):
    admin.create_campaign(
        id="weekend",
        name="Weekends",
        type="PROMOTION",
        currency="EUR",
        time_zone="Asia/Seoul",
        validity_windows=[{"days_of_week": [6, 7]}],
        effect={"amount_off_order": {"amount": 200}},
    )
    clock.set(int(datetime(2026, 12, 14, 10, 0, tzinfo=SEOUL).timestamp() * 1000))  # a Monday
    support = admin.create_api_key("support desk", "support")["secret"]
    console.sign_in(support)
    console.text_in("#who", "support key")  # no campaign control is offered
    console.go("#/campaigns/weekend")
    assert console.find("#kill-switch").get_attribute("disabled") is not None
    assert not console.driver.find_elements(By.CSS_SELECTOR, "#try-code")  # a promotion
    at = console.find("#try-at")
    console.driver.execute_script("arguments[0].value = arguments[1]", at, "2026-12-13T09:00")
    console.find("#try-submit").click()
    console.text_in("#try-result", "Applies at 2026-12-13 09:00 Asia/Seoul: 2.00 EUR off.")
    console.screenshot("01-support-previews-a-promotion")
    assert console.console_errors() == []


def test_try_a_cart_applies_at_60_and_names_the_near_miss_at_40(console, admin):
    admin.create_campaign(
        id="fifteen",
        name="15 % from 50.00",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"percent_off_order": {"percent_bp": 1500, "cap": 3000}},
        rules={"subject": "order.amount", "op": "gte", "value": 5000},
    )
    admin.create_code("fifteen", "FIFTEEN")
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/fifteen")
    console.find("#try-code").send_keys("FIFTEEN")
    cart = console.find("#try-cart")
    cart.clear()
    cart.send_keys("BEANS:60.00:1")
    console.find("#try-submit").click()
    console.text_in("#try-result", "Applies now: 9.00 EUR off.")
    cart.clear()
    cart.send_keys("BEANS:40:1")
    console.find("#try-submit").click()
    console.text_in("#try-result", "rules_not_met")
    console.text_in("#try-near-miss", "Add 10.00 EUR to get 15% off (at most 30.00 EUR)")
    console.doc_screenshot("try-a-cart-near-miss", show="#try-result")
    # Prices as people write them: a third decimal is said at the field.
    cart.clear()
    cart.send_keys("BEANS:40.001:1")
    console.find("#try-submit").click()
    console.text_in("#try-cart-problem", "EUR has 2 decimals")
