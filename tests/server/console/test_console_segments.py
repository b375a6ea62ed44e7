"""The console's segment builder in a real Chromium: every segment-language rule of the engine
fixtures, docs/rules.md and the examples round-trips through the campaigns' rule builder in its
segment scope (customer and time subjects) unchanged; a marketer builds "customers with at least
3 orders in country DE" with no JSON typed, reads it in words, sees the live count, saves, and
the server's membership equals the count. Screenshots and axe results under
test-output/console/<test name>/."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from test_console_rule_builder import accepted_rules, exact

from promocore import _engine

from support import TEST_ADMIN_KEY, cart

ROOT = Path(__file__).resolve().parents[3]
SEGMENT_SUBJECTS = ("customer.", "context.")


def _subjects(rule) -> list[str]:
    if isinstance(rule, dict):
        found = [rule["subject"]] if "subject" in rule else []
        for key, inner in rule.items():
            if key != "filter":
                found += _subjects(inner)
        return found
    if isinstance(rule, list):
        return [subject for inner in rule for subject in _subjects(inner)]
    return []


def _example_segment_rules() -> list[str]:
    """The `rules=` of every create_segment call in examples/ and the segment tests whose rule
    is written out (no names computed at run time)."""
    found = []
    sources = [*(ROOT / "examples").glob("*.py"), *(ROOT / "tests" / "cdp").glob("test_*.py")]
    for source in sources:
        tree = ast.parse(source.read_text())
        constants = {
            target.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") in (
                "create_segment", "count_segment_members"
            )):  # fmt: skip
                continue
            for value in [k.value for k in node.keywords if k.arg == "rules"] + node.args[:1]:
                value = constants.get(value.id, value) if isinstance(value, ast.Name) else value
                try:
                    found.append(json.dumps(ast.literal_eval(value)))
                except ValueError:
                    continue
    return [text for text in found if text.startswith(("{", "["))]


def segment_rules() -> list[str]:
    """Every rule the engine accepts whose subjects are all a segment's (customer.*, context.*)."""
    rules = {}
    for text in accepted_rules() + _example_segment_rules():
        try:
            _engine.compile_segment_rule(text)
        except _engine.CompileError:
            continue
        subjects = _subjects(json.loads(text))
        if subjects and all(subject.startswith(SEGMENT_SUBJECTS) for subject in subjects):
            rules.setdefault(json.dumps(json.loads(text), sort_keys=True), text)
    return list(rules.values())


ROUND_TRIP = """
const [rules, done] = [arguments[0], arguments[arguments.length - 1]];
import("/console/rule_builder.js").then((builder) => {
  const context = {currency: () => "EUR", zone: () => "UTC", changed: () => {}};
  done(rules.map((text) => {
    try {
      const view = builder.ruleBuilder(text, context, {itemScope: builder.SEGMENT_SCOPE});
      document.body.append(view.element);
      const subjects = [...view.element.querySelectorAll("select[aria-label='Subject']")];
      const answer = {
        unchanged: view.read(),
        retyped: view.read(true),
        // Offered a subject outside the segment's: any option not customer.* / context.*.
        offered: [...new Set(subjects.flatMap((s) => [...s.options].map((o) => o.value)))],
        asWritten: subjects.filter((s) => s.value === "").length,
      };
      view.element.remove();
      return answer;
    } catch (failure) {
      return {error: String(failure && failure.stack || failure)};
    }
  }));
}, (failure) => done([{error: String(failure)}]));
"""


def test_every_segment_rule_round_trips_through_the_segment_builder(console):
    rules = segment_rules()
    assert len(rules) >= 15, len(rules)
    console.sign_in(TEST_ADMIN_KEY)
    answers = console.driver.execute_async_script(ROUND_TRIP, rules)
    failures = []
    for text, answer in zip(rules, answers, strict=True):
        if "error" in answer:
            failures.append((text, answer["error"]))
            continue
        if exact(answer["unchanged"]) != exact(text):
            failures.append((text, "unchanged", answer["unchanged"]))
        if _engine.describe_rules(answer["retyped"], "EUR") != _engine.describe_rules(text, "EUR"):
            failures.append((text, "retyped", answer["retyped"]))
        if answer["asWritten"]:
            failures.append((text, "a subject the segment builder does not offer"))
        outside = [v for v in answer["offered"] if v and not v.startswith(SEGMENT_SUBJECTS)]
        if outside:
            failures.append((text, "offered", outside))
    print(f"{len(rules)} segment rules round-tripped")
    assert failures == []


def test_a_marketer_builds_a_segment_and_its_live_count_is_the_saved_membership(console, admin):
    people = [("ann", "DE", 3), ("bob", "DE", 1), ("cara", "AT", 4), ("dora", "DE", 5)]
    # A 1% promotion: every order is redeemed and counts in the customer's orders.
    admin.create_campaign(
        id="one-percent",
        name="1% off",
        type="PROMOTION",
        currency="EUR",
        effect={"percent_off_order": {"percent_bp": 100}},
    )
    for customer_id, country, orders in people:
        admin.upsert_customer(customer_id, {"country": country})
        for number in range(orders):
            key = f"{customer_id}-{number}"
            admin.redeem(
                cart(("SKU-1", 2500, 1), id=key),
                idempotency_key=key,
                customer={"id": customer_id},
                include_promotions=True,
            )
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/segments")
    console.text_in("#segments", "No segment yet.")
    console.find("#segment-id").send_keys("de-regulars")
    console.find("#segment-name").send_keys("Regulars in Germany")
    builder = console.find("#segments .rule-builder")
    builder.find_element(By.CSS_SELECTOR, "button.add-condition").click()
    # A new condition starts at the customer's number of orders, is at least.
    first = console.find("#segments .rule-condition")
    assert (
        Select(
            first.find_element(By.CSS_SELECTOR, "select[aria-label='Subject']")
        ).first_selected_option.text
        == "Customer's number of orders"
    )
    first.find_element(
        By.CSS_SELECTOR, 'input[aria-label^="Customer\'s number of orders"]'
    ).send_keys("3")
    console.text_in("#segment-count", "3 customers of 4 match now.")  # ann, cara, dora

    builder.find_elements(By.CSS_SELECTOR, "button.add-condition")[-1].click()

    def second():
        return console.driver.find_elements(By.CSS_SELECTOR, "#segments .rule-condition")[1]

    Select(second().find_element(By.CSS_SELECTOR, "select[aria-label='Subject']")).select_by_value(
        "customer.attributes"
    )
    path = second().find_element(By.CSS_SELECTOR, "input[aria-label='Attribute path']")
    path.clear()
    path.send_keys("country")
    Select(second().find_element(By.CSS_SELECTOR, "select[aria-label='Operator']")).select_by_value(
        "eq"
    )
    value = second().find_elements(By.CSS_SELECTOR, ".rule-line input")[1]
    value.send_keys("DE")
    console.text_in("#segment-words", "customer's number of orders is at least 3 and")
    console.text_in("#segment-count", "2 customers of 4 match now.")  # ann, dora
    counted = int(console.find("#segment-count-number").get_attribute("data-matched"))
    console.screenshot("01-segment-builder")
    console.check_accessibility("segment-builder")

    console.find("#segment-save").click()
    console.text_in("#segment-heading", "Regulars in Germany")
    console.text_in("#segment-members", "dora")
    members = admin.list_segment_members("de-regulars")
    assert members == ["ann", "dora"]
    assert counted == len(members)
    assert console.find("#segment-size").text == str(len(members))
    stored = next(s for s in admin.list_segments() if s["id"] == "de-regulars")
    assert stored["rules"] == {
        "all": [
            {"subject": "customer.aggregates.orders_count", "op": "gte", "value": 3},
            {"subject": "customer.attributes.country", "op": "eq", "value": "DE"},
        ]
    }
    console.screenshot("02-segment-saved")
    console.check_accessibility("segment")
    # A changed copy starts from the saved rule, counted at once.
    console.find("#segment-copy").click()
    console.text_in("#segment-count", "2 customers of 4 match now.")
    assert console.driver.switch_to.active_element.get_attribute("id") == "segment-id"
    assert console.console_errors() == []
