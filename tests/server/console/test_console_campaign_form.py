"""The console's campaign form in a real Chromium: money and percent as people write them, field
errors that stay beside their field, and dates in the campaign's time zone whatever the
browser's (Chromium run with TZ=America/New_York and TZ=Asia/Seoul)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from support import TEST_ADMIN_KEY

MONEY_MODULE = """
const done = arguments[arguments.length - 1];
import("/console/money.js").then((money) => {
  const read = (text, currency) => {
    try { return money.parseMoney(text, currency); }
    catch (problem) { return "problem: " + problem.message; }
  };
  done({
    parsed: arguments[0].map(([text, currency]) => read(text, currency)),
    shown: arguments[1].map(([minor, currency]) => money.formatMoney(minor, currency)),
    percent: [money.parsePercent("15"), money.parsePercent("12,5 %"), money.formatPercent(1500),
              money.formatPercent(1250), money.formatPercent(5)],
  });
}, (failure) => done({error: String(failure)}));
"""


def test_money_is_read_and_shown_in_the_currency_s_own_decimals(console):
    """The console's money module, as the browser runs it: EUR 2 decimals, JPY none, KWD 3."""
    console.sign_in(TEST_ADMIN_KEY)
    typed = [
        ("12.99", "EUR"),
        ("12,99", "EUR"),
        ("1 299.50 EUR", "EUR"),
        ("1500", "JPY"),
        ("12.345", "KWD"),
        ("0.5", "KWD"),
        ("1.5", "JPY"),
        ("12.999", "EUR"),
        ("1,500", "EUR"),
        ("ten", "EUR"),
        ("-3", "EUR"),
        ("9223372036854775.807", "KWD"),
        ("9223372036854775.808", "KWD"),
    ]
    shown = [(1299, "EUR"), ("1500", "JPY"), ("12345", "KWD"), (5, "EUR"), (-1299, "eur")]
    answer = console.driver.execute_async_script(MONEY_MODULE, typed, shown)
    assert "error" not in answer, answer
    parsed = answer["parsed"]
    assert parsed[:6] == ["1299", "1299", "129950", "1500", "12345", "500"]
    assert parsed[6] == "problem: JPY has no decimals: write a whole amount, e.g. 1500."
    assert parsed[7] == "problem: EUR has 2 decimals: 12.999 has more."
    assert parsed[8].startswith('problem: "1,500" could be read two ways')
    assert parsed[9].startswith('problem: "ten" is not an amount')
    assert parsed[10] == "problem: Enter an amount of at least 0."
    assert parsed[11] == str(2**63 - 1)  # int64's largest, exactly (no binary float)
    assert parsed[12] == "problem: This amount is too large."
    assert answer["shown"] == ["12.99 EUR", "1500 JPY", "12.345 KWD", "0.05 EUR", "-12.99 EUR"]
    assert answer["percent"] == [1500, 1250, "15 %", "12.5 %", "0.05 %"]


def test_a_percent_campaign_is_typed_in_percent_and_currency_units(console, admin):
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/new")
    console.find("#campaign-id").send_keys("coffee-15")
    console.find("#campaign-name").send_keys("15 % off coffee")
    Select(console.find("#campaign-effect")).select_by_value("percentOffOrder")
    # Amount is hidden for a percent effect; percent and cap are shown.
    assert not console.find("#campaign-percent").get_attribute("aria-invalid")
    assert not console.driver.find_element(By.ID, "campaign-amount").is_displayed()
    cap = console.find("#campaign-cap")
    cap.send_keys("30.001")

    # Percent left empty: said beside Percent, which takes the focus.
    console.find("#save-campaign").click()
    console.text_in("#campaign-percent-problem", "Enter a percentage")
    assert console.driver.switch_to.active_element.get_attribute("id") == "campaign-percent"
    assert console.find("#campaign-percent").get_attribute("aria-invalid") == "true"
    assert "campaign-percent-problem" in console.find("#campaign-percent").get_attribute(
        "aria-describedby"
    )
    console.text_in("#campaign-cap-problem", "EUR has 2 decimals")
    console.text_in("#form-errors", "2 things to fix")
    assert "basis points" not in console.find("#form-errors").text
    console.screenshot("01-percent-empty")
    console.check_accessibility("campaign-form-with-errors")

    # A newer mistake replaces the older messages: only the percent's remains.
    percent = console.find("#campaign-percent")
    percent.send_keys("150")
    cap.clear()
    cap.send_keys("30")
    console.find("#save-campaign").click()
    console.text_in("#campaign-percent-problem", "above 0 and at most 100")
    assert not console.driver.find_elements(By.ID, "campaign-cap-problem")
    assert console.find("#form-errors").text.count("Percent off") == 1
    assert "One thing to fix" in console.find("#form-errors").text
    assert console.driver.switch_to.active_element.get_attribute("id") == "campaign-percent"
    console.screenshot("02-percent-too-high")

    percent.clear()
    percent.send_keys("15" + Keys.ENTER)  # the keyboard saves
    console.text_in("h1", "15 % off coffee")
    console.text_in("#main", "15 % off the order, at most 30.00 EUR")
    console.screenshot("03-campaign")
    assert admin.get_campaign("coffee-15")["effect"] == {
        "percent_off_order": {"percent_bp": 1500, "cap": 3000}
    }

    # Editing shows the stored values as they were typed.
    console.find("#edit-campaign").click()
    assert console.find("#campaign-percent").get_attribute("value") == "15"
    assert console.find("#campaign-cap").get_attribute("value") == "30.00"
    assert console.find("label[for='campaign-cap']").text == "At most (EUR)"
    console.check_accessibility("campaign-form")
    assert console.console_errors() == []


@pytest.mark.parametrize(
    ("currency", "too_precise", "typed", "minor", "shown"),
    [
        ("JPY", "1500.5", "1500", 1500, "1500 JPY"),
        ("KWD", "12.3451", "12.345", 12345, "12.345 KWD"),
    ],
)
def test_zero_and_three_decimal_currencies(
    console, admin, currency, too_precise, typed, minor, shown
):
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/new")
    campaign_id = f"off-{currency.lower()}"
    console.find("#campaign-id").send_keys(campaign_id)
    console.find("#campaign-name").send_keys(f"{shown} off")
    currency_input = console.find("#campaign-currency")
    currency_input.clear()
    currency_input.send_keys(currency)
    # The unit in the labels follows the currency as it is typed.
    console.text_in("label[for='campaign-amount']", f"({currency})")
    amount = console.find("#campaign-amount")
    amount.send_keys(too_precise)
    budget = console.find("#campaign-budget")
    budget.send_keys("100" + Keys.TAB)  # checked when left
    console.find("#save-campaign").click()
    console.text_in("#campaign-amount-problem", f"{currency} has")
    console.screenshot(f"01-{currency}-too-many-decimals")
    amount.clear()
    amount.send_keys(typed)
    console.find("#save-campaign").click()
    console.text_in("#main", f"{shown} off the order")
    console.screenshot(f"02-{currency}-campaign")
    stored = admin.get_campaign(campaign_id)
    assert stored["effect"] == {"amount_off_order": {"amount": minor}}
    assert stored["limits"]["budget_discount"] == (100 if currency == "JPY" else 100_000)


@pytest.mark.parametrize("browser", ["America/New_York", "Asia/Seoul"], indirect=True)
def test_dates_are_in_the_campaign_s_zone_whatever_the_browser_s(browser, console, admin, request):
    start = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    expire = datetime(2026, 7, 1, 0, 0, 30, tzinfo=UTC)  # seconds, kept as they are
    admin.create_campaign(
        id="summer",
        name="Summer",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        time_zone="Europe/Berlin",
        start_at=start,
        expire_at=expire,
        effect={"amount_off_order": {"amount": 500}},
    )
    console.sign_in(TEST_ADMIN_KEY)
    browser_zone = console.driver.execute_script(
        "return Intl.DateTimeFormat().resolvedOptions().timeZone"
    )
    assert browser_zone == request.node.callspec.params["browser"]  # TZ reached the browser
    console.go("#/campaigns/summer")
    console.text_in(
        "#campaign-dates", "from 2026-06-01 02:00 until 2026-07-01 02:00:30 (Europe/Berlin)"
    )
    console.find("#edit-campaign").click()
    assert console.find("#campaign-time-zone").get_attribute("value") == "Europe/Berlin"
    assert console.find("#campaign-start").get_attribute("value") == "2026-06-01T02:00"
    assert console.find("#campaign-expire").get_attribute("value") == "2026-07-01T02:00:30"
    assert console.find("label[for='campaign-start']").text == "Starts (Europe/Berlin)"
    console.text_in("#dates-zone", "Europe/Berlin")
    console.screenshot(f"01-edit-in-{browser_zone.replace('/', '-')}")
    console.check_accessibility("campaign-form-dates")

    # An unchanged save changes no date; nor do three more.
    for _ in range(3):
        console.find("#save-campaign").click()
        console.text_in("#campaign-dates", "Europe/Berlin")
        saved = admin.get_campaign("summer")
        assert (saved["start_at"], saved["expire_at"]) == (start, expire)
        console.find("#edit-campaign").click()
        console.find("#campaign-start")
    assert saved["version"] >= 4

    # A date typed in the form is read in the campaign's zone (Berlin is UTC+2 in June).
    field = console.find("#campaign-start")
    console.driver.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
        field,
        "2026-06-02T09:00",
    )
    console.find("#save-campaign").click()
    console.text_in("#campaign-dates", "from 2026-06-02 09:00")
    saved = admin.get_campaign("summer")
    assert saved["start_at"] == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
    assert saved["expire_at"] == expire
    console.screenshot("02-start-moved-in-berlin-time")

    # A new campaign starts in the browser's zone, and says so.
    console.go("#/campaigns/new")
    assert console.find("#campaign-time-zone").get_attribute("value") == browser_zone
    zone = console.find("#campaign-time-zone")
    zone.clear()
    zone.send_keys("Mars/Olympus" + Keys.TAB)
    console.text_in("#campaign-time-zone-problem", "is not a time zone")
    console.screenshot("03-unknown-zone")
    assert console.console_errors() == []
