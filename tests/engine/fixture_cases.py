"""Reading the shared engine fixtures (tests/fixtures/engine, format in its README): building
the request, context and campaign bytes of a case, and checking an answer against `expected`.
Used for the engine (test_fixtures.py) and the reference evaluator (test_reference.py)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from google.protobuf import json_format
from google.protobuf.message import Message

from promocore.v1 import campaign_pb2, checkout_pb2, common_pb2
from promocore.v1.internal import evaluation_pb2

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engine"
BASE_CAMPAIGN = {
    "id": "base",
    "name": "Base",
    "type": "DISCOUNT_COUPONS",
    "currency": "EUR",
    "effect": {"amount_off_order": {"amount": 100}},
}
DEFAULT_NOW = "2025-01-15T12:00:00Z"
FILTER_KEYS = ("filter", "buy_filter", "get_filter")


def cases(kind: str) -> list[Any]:
    """pytest params of every compile ("compile") or checkout ("checkout") case."""
    params = []
    for path in sorted(FIXTURES.glob("*.json")):
        if (path.name == "compile_errors.json") != (kind == "compile"):
            continue
        for index, case in enumerate(orjson.loads(path.read_bytes())):
            params.append(pytest.param(case, id=f"{path.stem}[{index}]"))
    return params


def parse(values: dict[str, Any], message: Message) -> Message:
    return json_format.ParseDict(values, message)


def _filters_to_json(effect: dict[str, Any]) -> None:
    """Effect filters written as {"rule": <rule>} become {"rule_json": "..."}."""
    for body in effect.values():
        for key in FILTER_KEYS:
            if isinstance(body, dict) and "rule" in body.get(key, {}):
                body[key] = {"rule_json": orjson.dumps(body[key]["rule"]).decode()}


def campaign_bytes(values: dict[str, Any]) -> bytes:
    values = copy.deepcopy(values)
    if "rules" in values:
        values["rules_json"] = orjson.dumps(values.pop("rules")).decode()
    if "effect" in values:
        _filters_to_json(values["effect"])
    return parse(values, campaign_pb2.Campaign()).SerializeToString()


def compile_case_campaign(case: dict[str, Any]) -> bytes:
    campaign = copy.deepcopy(case.get("campaign", BASE_CAMPAIGN))
    for key in ("rules", "rules_json"):
        if key in case:
            campaign[key] = case[key]
    return campaign_bytes(campaign)


@dataclass
class Built:
    request: bytes
    context: bytes
    campaigns: list[bytes]
    lines: int


def build(case: dict[str, Any]) -> Built:
    campaigns = case.get("campaigns") or ([case["campaign"]] if "campaign" in case else [])
    redeemables = case.get("redeemables")
    if redeemables is None and "code" in case:
        resolved = {k: case[k] for k in ("counters", "held_by_other_session") if k in case}
        redeemables = [{"code": case["code"]["code"], "code_record": case["code"], **resolved}]

    request = checkout_pb2.ValidateRequest()
    if "order" in case:
        parse(case["order"], request.order)
    if "customer" in case:
        customer = dict(case["customer"])
        if "attributes" in customer:
            customer["attributes_json"] = orjson.dumps(customer.pop("attributes")).decode()
        parse(customer, request.customer)
    if "options" in case:
        parse(case["options"], request.options)

    now = datetime.fromisoformat(case.get("now", DEFAULT_NOW))
    context = evaluation_pb2.EvaluationContext(now_unix_ms=int(now.timestamp() * 1000))
    for redeemable in redeemables or []:
        target = {
            k: redeemable[k]
            for k in ("code", "promotion_id", "amount", "points")
            if k in redeemable
        }
        parse(target, request.redeemables.add())
        resolved = context.redeemables.add(
            campaign_slot=redeemable.get("campaign", 0),
            held_by_other_session=redeemable.get("held_by_other_session", False),
        )
        if "code_record" in redeemable:
            parse(redeemable["code_record"], resolved.code)
        if "counters" in redeemable:
            parse(redeemable["counters"], resolved.counters)
    for promotion in case.get("promotions", []):
        resolved = context.promotions.add(campaign_slot=promotion["campaign"])
        if "counters" in promotion:
            parse(promotion["counters"], resolved.counters)
    if "stacking_rules" in case:
        parse(case["stacking_rules"], context.stacking_rules)
    if "profile" in case:
        profile = dict(case["profile"])
        if "attributes" in profile:
            profile["attributes_json"] = orjson.dumps(profile.pop("attributes")).decode()
        parse(profile, context.customer)
    return Built(
        request.SerializeToString(),
        context.SerializeToString(),
        [campaign_bytes(c) for c in campaigns],
        len(request.order.items),
    )


def _added(items) -> list[dict[str, Any]]:
    return [
        {
            "item_index": added.item_index,
            "sku": added.item.sku,
            "quantity": added.item.quantity,
            "unit_price": added.item.unit_price,
        }
        for added in items
    ]


def _check_explanation(got, expected: dict[str, Any] | None, with_messages: bool) -> None:
    if expected is None:
        assert not got.HasField("explanation")
        return
    explanation = got.explanation
    for key, value in expected.items():
        if key in ("message", "expected_json", "actual_json") and not with_messages:
            continue
        if key != "near_miss":
            assert getattr(explanation, key) == value, key
        elif value is None:
            assert not explanation.HasField("near_miss")
        else:
            for name, field_value in value.items():
                if name in ("message", "subject", "currency") and not with_messages:
                    continue
                assert getattr(explanation.near_miss, name) == field_value, f"near_miss.{name}"


def _redeemable(redeemable) -> dict[str, Any]:
    return json_format.MessageToDict(redeemable, preserving_proto_field_name=True)


def _combinations(answer: checkout_pb2.ValidateResponse) -> list[dict[str, Any]]:
    return [
        {
            "applied": [_redeemable(r) for r in combination.applied],
            "total_discount": combination.total_discount,
            "chosen": combination.chosen,
            "application_order": combination.application_order,
        }
        for combination in answer.combinations
    ]


def _check_result(got, expected: dict[str, Any], lines: int, with_messages: bool) -> None:
    for key, value in expected.items():
        if key == "status":
            assert common_pb2.RedeemableStatus.Name(got.status) == value
        elif key == "allocations":
            per_line = [0] * (lines + len(got.added_items))
            for allocation in got.allocations:
                per_line[allocation.item_index] += allocation.discount
            assert per_line == value, "allocations"
        elif key == "explanation":
            _check_explanation(got, value, with_messages)
        elif key in ("message", "message_contains") and not with_messages:
            continue
        elif key == "message_contains":
            assert value in got.message
        elif key == "added_items":
            assert _added(got.added_items) == value
        elif key == "redeemable":
            assert _redeemable(got.redeemable) == value
        elif key == "skipped_by":
            assert (_redeemable(got.skipped_by) if got.HasField("skipped_by") else None) == value
        else:
            assert getattr(got, key) == value, key


def check_response(
    answer: checkout_pb2.ValidateResponse, case: dict[str, Any], lines: int, *, with_messages: bool
) -> None:
    """Checks every key of `expected` (messages only when `with_messages`)."""
    expected = case["expected"]
    if "valid" in expected:
        assert answer.valid == expected["valid"]
    results = list(expected.get("results", []))
    if "results" in expected:
        assert len(answer.redeemables) == len(results)
    shorthand = {
        k: v
        for k, v in expected.items()
        if k not in ("valid", "results", "totals", "response_added_items", "combinations")
    }
    if shorthand:
        results.insert(0, shorthand)
    for got, want in zip(answer.redeemables, results, strict=False):
        _check_result(got, want, lines, with_messages)
    for key, value in expected.get("totals", {}).items():
        assert getattr(answer.totals, key) == value, f"totals.{key}"
    if "response_added_items" in expected:
        assert _added(answer.added_items) == expected["response_added_items"]
    if "combinations" in expected:
        assert _combinations(answer) == expected["combinations"]
