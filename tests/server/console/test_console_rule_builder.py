"""The console's rule builder in a real Chromium: every rule the engine accepts in the engine
fixtures (tests/fixtures/engine, which the Rust engine's own tests read too) and in docs/rules.md
round-trips through the builder's real code unchanged; a marketer builds a rule with no JSON
typed, reads it in the engine's words, and sees a compile error at its condition."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from promocore import _engine

from support import TEST_ADMIN_KEY

ROOT = Path(__file__).resolve().parents[3]


def _rules_in(value, found: list[str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "rules" and isinstance(inner, dict | list):
                found.append(json.dumps(inner))
            elif key == "rules_json" and isinstance(inner, str):
                found.append(inner)
            else:
                _rules_in(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _rules_in(inner, found)


def accepted_rules() -> list[str]:
    """The rules of the engine fixtures and the examples of docs/rules.md that the engine
    compiles (the compile error cases are left out by the engine itself), each once."""
    found: list[str] = []
    for fixture in sorted((ROOT / "tests" / "fixtures" / "engine").glob("*.json")):
        _rules_in(json.loads(fixture.read_text()), found)
    docs = (ROOT / "docs" / "rules.md").read_text()
    found += re.findall(r"`(\{\"subject\".*?\})`", docs)
    found += re.findall(r"```json\n(.*?)\n```", docs, flags=re.DOTALL)
    accepted: dict[str, str] = {}
    for text in found:
        try:
            _engine.describe_rules(text, "EUR")
        except (_engine.CompileError, ValueError):
            continue
        accepted.setdefault(json.dumps(json.loads(text), sort_keys=True), text)
    return list(accepted.values())


ROUND_TRIP = """
const [rules, done] = [arguments[0], arguments[arguments.length - 1]];
import("/console/rule_builder.js").then((builder) => {
  const context = {currency: () => "EUR", zone: () => "Europe/Berlin", changed: () => {}};
  done(rules.map((text) => {
    try {
      const view = builder.ruleBuilder(text, context);
      document.body.append(view.element);  // drawn on the page, read back from its inputs
      const answer = {
        unchanged: view.read(),
        retyped: view.read(true),
        conditions: view.element.querySelectorAll(".rule-condition").length,
        asJson: [...view.element.querySelectorAll("input.mono")].length,
      };
      view.element.remove();
      return answer;
    } catch (failure) {
      return {error: String(failure && failure.stack || failure)};
    }
  }));
}, (failure) => done([{error: String(failure)}]));
"""


def exact(text: str):
    return json.loads(text, parse_float=Decimal) if text.strip() else None


def test_every_rule_the_engine_accepts_round_trips_through_the_builder(console):
    rules = accepted_rules()
    assert len(rules) >= 60, len(rules)  # the fixtures and the docs' examples
    console.sign_in(TEST_ADMIN_KEY)
    answers = console.driver.execute_async_script(ROUND_TRIP, rules)
    failures = []
    typed_conditions = as_json = 0
    for text, answer in zip(rules, answers, strict=True):
        if "error" in answer:
            failures.append((text, answer["error"]))
            continue
        # Left as shown: exactly the rule as it came.
        if exact(answer["unchanged"]) != exact(text):
            failures.append((text, "unchanged", answer["unchanged"]))
        # Every value re-read from the text the builder shows it as (as if typed again): the
        # same rule for the engine (its words are equal), amounts back to the same minor units.
        if _engine.describe_rules(answer["retyped"], "EUR") != _engine.describe_rules(text, "EUR"):
            failures.append((text, "retyped", answer["retyped"]))
        typed_conditions += answer["conditions"] - answer["asJson"]
        as_json += answer["asJson"]
    print(f"{len(rules)} rules, {typed_conditions} conditions typed, {as_json} as JSON")
    assert failures == []
    # Values shown as JSON are the rare ones no typed input fits (a list mixing types...).
    assert as_json * 20 <= typed_conditions, (as_json, typed_conditions)


def test_a_marketer_builds_a_rule_without_json(console, admin):
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/new")
    console.find("#campaign-id").send_keys("coffee-weekend")
    console.find("#campaign-name").send_keys("Coffee weekends")
    zone = console.find("#campaign-time-zone")
    zone.clear()
    zone.send_keys("Europe/Berlin")
    Select(console.find("#campaign-effect")).select_by_value("percentOffOrder")
    console.find("#campaign-percent").send_keys("15")
    console.find("#campaign-cap").send_keys("30")
    console.text_in("#rule-words", "every cart")

    rules = console.find("#rules-section")
    rules.find_element(By.CSS_SELECTOR, "button.add-condition").click()
    # Order amount is at least 50.00 EUR (the default subject and operator of a new condition).
    first = console.find("#rules-section .rule-condition")
    assert (
        Select(
            first.find_element(By.CSS_SELECTOR, "select[aria-label='Subject']")
        ).first_selected_option.text
        == "Order amount"
    )
    first.find_element(By.CSS_SELECTOR, "input[aria-label^='Order amount is at least']").send_keys(
        "50"
    )
    console.text_in("#rule-words", "order amount is at least 50.00 EUR")

    # And an item in category coffee.
    console.add_category_condition("coffee")

    # And weekends: a group "any" of day of week in 6, 7 (Saturday, Sunday).
    rules.find_elements(By.CSS_SELECTOR, "button.add-group")[-1].click()
    group = console.driver.find_elements(By.CSS_SELECTOR, "#rules-section .rule-group .rule-group")[
        -1
    ]
    condition = group.find_element(By.CSS_SELECTOR, ".rule-condition")
    Select(condition.find_element(By.CSS_SELECTOR, "select[aria-label='Subject']")).select_by_value(
        "context.now"
    )
    condition = group.find_element(By.CSS_SELECTOR, ".rule-condition")
    Select(
        condition.find_element(By.CSS_SELECTOR, "select[aria-label='Operator']")
    ).select_by_value("day_of_week")
    console.text_in(
        "#rule-words",
        'order amount is at least 50.00 EUR and number of items where categories contains "coffee"'
        " is at least 1 and (the current time falls on Sat, Sun)",
    )
    console.screenshot("01-rule-builder")
    console.check_accessibility("rule-builder")

    # The JSON is there, in the advanced view, in minor units.
    console.find("#rules-advanced summary").click()
    advanced = json.loads(console.find("#campaign-rules").get_attribute("value"))
    assert advanced["all"][0] == {"subject": "order.amount", "op": "gte", "value": 5000}
    console.find("#rules-advanced summary").click()

    console.find("#save-campaign").send_keys(Keys.ENTER)
    console.text_in("h1", "Coffee weekends")
    stored = admin.get_campaign("coffee-weekend")
    assert stored["rules"] == {
        "all": [
            {"subject": "order.amount", "op": "gte", "value": 5000},
            {
                "subject": "items.quantity",
                "op": "gte",
                "value": 1,
                "filter": {"subject": "item.categories", "op": "contains", "value": "coffee"},
            },
            {"any": [{"subject": "context.now", "op": "day_of_week", "value": [6, 7]}]},
        ]
    }
    assert stored["time_zone"] == "Europe/Berlin"
    assert console.console_errors() == []


# The age compared with a string: a compile error at rules.all[1].any[1].
AGE_AS_TEXT = (
    '{"all": [{"subject": "order.amount", "op": "gte", "value": 3000},'
    ' {"any": [{"subject": "order.channel", "op": "eq", "value": "web"},'
    ' {"subject": "customer.attributes.age", "op": "gte", "value": "18"}]}]}'
)


def test_a_compile_error_is_shown_at_its_condition(console, admin):
    admin.create_campaign(
        id="adults",
        name="Adults",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 500}},
    )
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/adults/edit")
    console.find("#rules-advanced summary").click()
    rules = console.find("#campaign-rules")
    rules.clear()
    rules.send_keys(AGE_AS_TEXT + Keys.TAB)  # the builder takes the JSON when the box is left
    # Live: the engine's compile error, at the condition it names (no save needed).
    console.text_in("#rule-words", "rules.all[1].any[1]")
    marked = console.find("#rules-section .at-error")
    assert marked.get_attribute("data-error-path").startswith("rules.all[1].any[1]")
    assert "customer.attributes.age" in marked.text or marked.find_elements(
        By.CSS_SELECTOR, "input[value='age']"
    )
    console.screenshot("01-compile-error-live")
    # Saved anyway: the server's error, marked at the same condition, its first input focused.
    console.find("#save-campaign").click()
    console.text_in("#form-errors", "invalid_argument")
    marked = console.find("#rules-section .at-error")
    assert marked.get_attribute("data-error-path").startswith("rules.all[1].any[1]")
    focused = console.driver.switch_to.active_element
    assert marked.find_elements(By.XPATH, ".//*") and focused in marked.find_elements(
        By.CSS_SELECTOR, "select, input, button"
    )
    console.screenshot("02-compile-error-on-save")
    console.check_accessibility("rule-builder-error")


def test_the_builder_works_with_the_keyboard_alone(console, admin):
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/new")
    console.find("#campaign-id").send_keys("web-only")
    console.find("#campaign-name").send_keys("Web only")
    console.find("#campaign-amount").send_keys("5")
    console.find("#rules-section button.add-condition").send_keys(Keys.ENTER)
    keys = ActionChains(console.driver)

    def focused(label: str):
        active = console.driver.switch_to.active_element
        assert (active.get_attribute("aria-label") or "").startswith(label), active.get_attribute(
            "outerHTML"
        )
        return active

    # The new condition has the focus on its subject; arrows pick "Sales channel".
    focused("Subject")
    for _ in range(6):
        keys.send_keys(Keys.ARROW_DOWN).perform()
    assert Select(focused("Subject")).first_selected_option.text == "Sales channel"
    keys.send_keys(Keys.TAB).perform()
    assert Select(focused("Operator")).first_selected_option.text == "is"
    keys.send_keys(Keys.TAB).perform()
    focused("Sales channel is")
    keys.send_keys("web").perform()
    console.text_in("#rule-words", 'order channel is "web"')
    console.screenshot("01-keyboard-condition")
    keys.send_keys(Keys.ENTER).perform()  # Enter saves the form
    console.text_in("h1", "Web only")
    assert admin.get_campaign("web-only")["rules"] == {
        "subject": "order.channel",
        "op": "eq",
        "value": "web",
    }
