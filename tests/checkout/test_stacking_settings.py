"""The stacking settings of issue 19 through the real server: stored by SetStackingRules
(validated by the engine, the field named on bad input), in force for the next Validate, and
the same through the CLI (`stacking get|set`) and campaign files (`kind: stacking_rules`)."""

from __future__ import annotations

import json

import pytest
import yaml

from promocore import InvalidArgumentError

from support import cart, promocore

HUNDRED = cart(("A", 10000, 1))  # 100.00 EUR
BEST = {
    "categories": [{"name": "vip", "exclusive": True}],
    "combination_mode": "BEST_FOR_CUSTOMER",
}


def discount(client, campaign_id: str, code: str, effect: dict, category: str = "") -> None:
    client.create_campaign(
        id=campaign_id,
        name=campaign_id,
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect=effect,
        stacking={"category": category} if category else {},
    )
    client.create_code(campaign_id, code)


def contest(client) -> None:
    """REG10 (10%), EUR5 (5.00 off) and the exclusive EXCL25 (25%)."""
    discount(client, "reg10", "REG10", {"percent_off_order": {"percent_bp": 1000}})
    discount(client, "eur5", "EUR5", {"amount_off_order": {"amount": 500}})
    discount(client, "excl25", "EXCL25", {"percent_off_order": {"percent_bp": 2500}}, "vip")


def test_best_for_customer_is_stored_and_decides_the_next_validate(client):
    contest(client)
    codes = ["REG10", "EUR5", "EXCL25"]
    client.set_stacking_rules({"categories": [{"name": "vip", "exclusive": True}]})
    before = client.validate(HUNDRED, codes=codes)
    assert before["totals"]["total_discount"] == 1500  # 10.00 + 5.00, in application order
    assert before["combinations"] == []

    client.set_stacking_rules(BEST)
    stored = client.get_stacking_rules()
    assert stored["combination_mode"] == "BEST_FOR_CUSTOMER"
    assert stored["exclusive_resolution"] == "EXCLUSIVE_RESOLUTION_UNSPECIFIED"
    answer = client.validate(HUNDRED, codes=codes)
    reg, eur, excl = answer["redeemables"]
    assert (excl["status"], excl["items_discount"]) == ("APPLICABLE", 2500)
    for left_out in (reg, eur):
        assert (left_out["status"], left_out["reason"]) == ("SKIPPED", "not_in_best_combination")
        assert left_out["skipped_by"]["code"] == "EXCL25"
    chosen, application_order, *_ = answer["combinations"]
    assert (chosen["chosen"], chosen["total_discount"]) == (True, 2500)
    assert [r["code"] for r in application_order["applied"]] == ["REG10", "EUR5"]
    assert application_order["application_order"] is True


def test_exclusive_wins_names_the_cause(client):
    discount(client, "reg10", "REG10", {"percent_off_order": {"percent_bp": 1000}})
    discount(client, "vip5", "VIP5", {"amount_off_order": {"amount": 500}}, "vip")
    client.set_stacking_rules(
        {
            "categories": [{"name": "vip", "exclusive": True}],
            "exclusive_resolution": "EXCLUSIVE_WINS",
        }
    )
    reg, vip = client.validate(HUNDRED, codes=["REG10", "VIP5"])["redeemables"]
    assert (vip["status"], vip["items_discount"]) == ("APPLICABLE", 500)
    assert (reg["status"], reg["reason"]) == ("SKIPPED", "exclusive_conflict")
    assert reg["skipped_by"]["code"] == "VIP5"


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"max_exclusive_applied": 0}, "rules.max_exclusive_applied"),
        ({"max_exclusive_applied": 31}, "rules.max_exclusive_applied"),
        ({"max_per_exclusive_category": 0}, "rules.max_per_exclusive_category"),
        ({"combination_mode": 7}, "rules.combination_mode"),
        ({"product_stack_policy": 9}, "rules.product_stack_policy"),
        (
            {"categories": [{"name": "vip", "calculation_base": 5}]},
            "rules.categories[0].calculation_base",
        ),
    ],
)
def test_invalid_settings_name_the_field(client, rules, field):
    with pytest.raises(InvalidArgumentError) as error:
        client.set_stacking_rules(rules)
    assert error.value.field == field


def test_cli_stacking_set_get_and_apply_a_stacking_file(target, tmp_path):
    rules_file = tmp_path / "stacking.yaml"
    rules_file.write_text(
        yaml.safe_dump(
            {
                "kind": "stacking_rules",
                "rules": {
                    "max_exclusive_applied": 2,
                    "application_order": "REQUESTED_ORDER",
                    "product_stack_policy": "SINGLE",
                    "categories": [{"name": "default", "calculation_base": "INITIAL_AMOUNT"}],
                },
            }
        )
    )
    promocore("stacking", "set", "-f", str(rules_file), target=target)
    shown = json.loads(promocore("stacking", "get", "-o", "json", target=target).stdout)
    assert shown["kind"] == "stacking_rules"
    assert shown["rules"]["max_exclusive_applied"] == 2
    assert shown["rules"]["application_order"] == "REQUESTED_ORDER"
    assert shown["rules"]["categories"][0]["calculation_base"] == "INITIAL_AMOUNT"

    # The YAML `stacking get` prints applies back unchanged; a change is applied with its diff.
    printed = tmp_path / "printed.yaml"
    printed.write_text(promocore("stacking", "get", target=target).stdout)
    assert promocore("apply", "-f", str(printed), target=target).stdout == (
        "stacking_rules unchanged\n"
    )
    document = yaml.safe_load(printed.read_text())
    document["rules"]["no_effect_policy"] = "REDEEM_ANYWAY"
    printed.write_text(yaml.safe_dump(document))
    applied = promocore("apply", "-f", str(printed), target=target).stdout
    assert applied.startswith("stacking_rules updated\n") and "REDEEM_ANYWAY" in applied
    shown = json.loads(promocore("stacking", "get", "-o", "json", target=target).stdout)
    assert shown["rules"]["no_effect_policy"] == "REDEEM_ANYWAY"

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"max_exclusive_applied": 0}))
    failed = promocore("stacking", "set", "-f", str(bad), target=target, check=False)
    assert failed.returncode != 0 and "rules.max_exclusive_applied" in failed.stderr


def test_best_for_customer_lists_no_combination_that_applies_nothing(client):
    contest(client)
    client.set_stacking_rules(BEST)
    answer = client.validate(HUNDRED, codes=["REG10", "EUR5"])
    listed = [
        (sorted(r["code"] for r in c["applied"]), c["total_discount"])
        for c in answer["combinations"]
    ]
    # Both (15.00), REG10 alone (10.00), EUR5 alone (5.00); leaving both out is no choice.
    assert listed == [(["EUR5", "REG10"], 1500), (["REG10"], 1000), (["EUR5"], 500)]
