"""The console's campaign templates in a real Chromium: each is one click to a filled form that
the server accepts as it is, and the percent-off template becomes "15 % off orders from 50.00
EUR in category coffee, at most 30.00 EUR, weekends only, Europe/Berlin" with the builder."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from http_support import call
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from support import TEST_ADMIN_KEY, cart

TEMPLATES = """
const done = arguments[arguments.length - 1];
import("/console/templates.js").then((module) => done(module.TEMPLATES), (f) => done(String(f)));
"""


def parsed_rules(value):
    """A message's JSON with every ruleJson / rulesJson parsed (text layout aside)."""
    if isinstance(value, dict):
        return {
            key: json.loads(inner)
            if key in ("ruleJson", "rulesJson") and isinstance(inner, str) and inner
            else parsed_rules(inner)
            for key, inner in value.items()
        }
    if isinstance(value, list):
        return [parsed_rules(inner) for inner in value]
    return value


def test_every_template_is_a_form_the_server_accepts_as_it_is(console, http_server):
    console.sign_in(TEST_ADMIN_KEY)
    templates = console.driver.execute_async_script(TEMPLATES)
    assert len(templates) == 8, templates
    console.go("#/campaigns/new")
    console.find("#template-percent-off-minimum-spend")
    console.doc_screenshot("templates")
    for template in templates:
        console.go("#/campaigns/new")
        console.find(f"#template-{template['id']}").click()  # one click
        console.text_in(".templates h2", template["name"])
        assert console.find("#campaign-name").get_attribute("value") == template["campaign"]["name"]
        console.find("#campaign-id").send_keys(template["id"])
        console.screenshot(f"02-{template['id']}")
        console.find("#save-campaign").click()
        console.text_in("h1", template["campaign"]["name"])
        status, stored = call(
            http_server, "/promocore.v1.AdminService/GetCampaign", {"id": template["id"]}
        )
        assert status == 200
        wanted = template["campaign"]
        assert parsed_rules(stored.get("effect")) == parsed_rules(wanted.get("effect")), template[
            "id"
        ]
        assert stored.get("loyalty") == wanted.get("loyalty"), template["id"]
        assert parsed_rules(stored).get("rulesJson") == parsed_rules(wanted).get("rulesJson")
        assert stored["type"] == wanted["type"]
        for limit, value in wanted.get("limits", {}).items():
            assert stored["limits"][limit] == value
    console.check_accessibility("templates-form")
    assert console.console_errors() == []


def test_coffee_weekends_from_the_percent_off_template(console, admin):
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/new")
    console.find("#template-percent-off-minimum-spend").click()
    console.text_in("#rule-words", "order amount is at least 50.00 EUR")
    assert console.find("#campaign-percent").get_attribute("value") == "15"
    assert console.find("#campaign-cap").get_attribute("value") == "30.00"
    console.find("#campaign-id").send_keys("coffee-weekends")
    name = console.find("#campaign-name")
    name.clear()
    name.send_keys("15 % off coffee at weekends")
    zone = console.find("#campaign-time-zone")
    zone.clear()
    zone.send_keys("Europe/Berlin")

    rules = console.find("#rules-section")
    console.add_category_condition("coffee")
    rules.find_elements(By.CSS_SELECTOR, "button.add-condition")[-1].click()
    third = console.driver.find_elements(By.CSS_SELECTOR, "#rules-section .rule-condition")[-1]
    Select(third.find_element(By.CSS_SELECTOR, "select[aria-label='Subject']")).select_by_value(
        "context.day_of_week"
    )
    third = console.driver.find_elements(By.CSS_SELECTOR, "#rules-section .rule-condition")[-1]
    Select(third.find_element(By.CSS_SELECTOR, "select[aria-label='Operator']")).select_by_value(
        "in"
    )
    third = console.driver.find_elements(By.CSS_SELECTOR, "#rules-section .rule-condition")[-1]
    for day in ("6", "7"):
        third.find_element(By.XPATH, ".//button[contains(., '+ value')]").click()
        third.find_elements(By.CSS_SELECTOR, ".chip input")[-1].send_keys(day)
    console.text_in(
        "#rule-words",
        'order amount is at least 50.00 EUR and number of items where categories contains "coffee"'
        " is at least 1 and day of the week is one of 6, 7",
    )
    # The summary beside the form says it all as it is typed.
    console.text_in("#summary-gives", "15 % off the order, at most 30.00 EUR")
    console.text_in("#summary-when", "day of the week is one of 6, 7")
    console.text_in("#summary-runs", "(Europe/Berlin)")
    console.doc_screenshot("campaign-form-builder")
    console.find("#save-campaign").click()
    console.text_in("h1", "15 % off coffee at weekends")
    console.text_in("#main", "15 % off the order, at most 30.00 EUR")
    console.screenshot("02-campaign")
    stored = admin.get_campaign("coffee-weekends")
    assert stored["effect"] == {"percent_off_order": {"percent_bp": 1500, "cap": 3000}}
    assert stored["time_zone"] == "Europe/Berlin"
    assert stored["rules"] == {
        "all": [
            {"subject": "order.amount", "op": "gte", "value": 5000},
            {
                "subject": "items.quantity",
                "op": "gte",
                "value": 1,
                "filter": {"subject": "item.categories", "op": "contains", "value": "coffee"},
            },
            {"subject": "context.day_of_week", "op": "in", "value": [6, 7]},
        ]
    }
    assert console.console_errors() == []


@pytest.mark.parametrize("browser", ["Asia/Seoul"], indirect=True)
def test_weekend_double_points_from_its_template(console, admin, clock):
    """The template makes a loyalty program in the browser's zone (Seoul here) whose weekend
    orders earn double, by the server's earning, a weekday order single."""
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/new")
    console.find("#template-weekend-double-points").click()
    console.text_in(".templates h2", "Weekend double points")
    assert console.find("#campaign-time-zone").get_attribute("value") == "Asia/Seoul"
    console.find("#campaign-id").send_keys("weekend-points")
    console.find("#save-campaign").click()
    console.text_in("h1", "Double points at weekends")
    console.go("#/loyalty/weekend-points")
    console.text_in(
        "#loyalty-settings",
        "1 point per 1.00 EUR for a paid order, on Saturdays and Sundays only (Asia/Seoul)",
    )
    console.doc_screenshot("loyalty-weekend-double-points")
    console.check_accessibility("loyalty-weekend-points")

    card = admin.enroll_loyalty("weekend-points", "ann")["code"]
    earned = []
    # Friday 16:00 UTC is Saturday 01:00 in Seoul, Sunday 14:00 UTC is Sunday 23:00 there and
    # Sunday 16:00 UTC is Monday 01:00.
    for number, (day, hour) in enumerate(((6, 16), (8, 14), (8, 16))):
        clock.set(int(datetime(2026, 3, day, hour, 0, tzinfo=UTC).timestamp() * 1000))
        before = admin.get_loyalty_card(card)["points"]
        admin.redeem(
            cart(("BEANS", 2500, 1), id=f"order-{number}"),
            customer={"id": "ann"},
            codes=[card],
            idempotency_key=f"order-{number}",
        )
        earned.append(admin.get_loyalty_card(card)["points"] - before)
    assert earned == [50, 50, 25]  # Saturday, Sunday, Monday
