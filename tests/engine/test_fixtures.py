"""The shared engine fixtures (tests/fixtures/engine, format in its README) run through the
Python binding, byte for byte as the server calls it. The Rust test runs the same files."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from google.protobuf import json_format
from google.protobuf.message import Message

from promocore import _engine
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


def _cases(kind: str) -> list[Any]:
    params = []
    for path in sorted(FIXTURES.glob("*.json")):
        if (path.name == "compile_errors.json") != (kind == "compile"):
            continue
        for index, case in enumerate(orjson.loads(path.read_bytes())):
            params.append(pytest.param(case, id=f"{path.stem}[{index}]"))
    return params


def _parse(values: dict[str, Any], message: Message) -> Message:
    return json_format.ParseDict(values, message)


def _campaign_bytes(values: dict[str, Any]) -> bytes:
    values = copy.deepcopy(values)
    if "rules" in values:
        values["rules_json"] = orjson.dumps(values.pop("rules")).decode()
    return _parse(values, campaign_pb2.Campaign()).SerializeToString()


@pytest.mark.parametrize("case", _cases("compile"))
def test_compile_error(case):
    campaign = copy.deepcopy(case.get("campaign", BASE_CAMPAIGN))
    for key in ("rules", "rules_json"):
        if key in case:
            campaign[key] = case[key]
    with pytest.raises(_engine.CompileError) as error:
        _engine.compile_campaign(_campaign_bytes(campaign))
    assert error.value.path == case["expected_path"]
    assert case["expected_reason_contains"] in error.value.reason


def _build(case: dict[str, Any]) -> tuple[bytes, bytes, list[_engine.CompiledCampaign], int]:
    campaigns = case.get("campaigns") or ([case["campaign"]] if "campaign" in case else [])
    compiled = [_engine.compile_campaign(_campaign_bytes(c)) for c in campaigns]
    redeemables = case.get("redeemables")
    if redeemables is None and "code" in case:
        resolved = {k: case[k] for k in ("counters", "held_by_other_session") if k in case}
        redeemables = [{"code": case["code"]["code"], "code_record": case["code"], **resolved}]

    request = checkout_pb2.ValidateRequest()
    if "order" in case:
        _parse(case["order"], request.order)
    if "customer" in case:
        customer = dict(case["customer"])
        if "attributes" in customer:
            customer["attributes_json"] = orjson.dumps(customer.pop("attributes")).decode()
        _parse(customer, request.customer)
    if "options" in case:
        _parse(case["options"], request.options)

    now = datetime.fromisoformat(case.get("now", DEFAULT_NOW))
    context = evaluation_pb2.EvaluationContext(now_unix_ms=int(now.timestamp() * 1000))
    for redeemable in redeemables or []:
        target = {
            k: redeemable[k]
            for k in ("code", "promotion_id", "amount", "points")
            if k in redeemable
        }
        _parse(target, request.redeemables.add())
        resolved = context.redeemables.add(
            campaign_slot=redeemable.get("campaign", 0),
            held_by_other_session=redeemable.get("held_by_other_session", False),
        )
        if "code_record" in redeemable:
            _parse(redeemable["code_record"], resolved.code)
        if "counters" in redeemable:
            _parse(redeemable["counters"], resolved.counters)
    for promotion in case.get("promotions", []):
        resolved = context.promotions.add(campaign_slot=promotion["campaign"])
        if "counters" in promotion:
            _parse(promotion["counters"], resolved.counters)
    return (
        request.SerializeToString(),
        context.SerializeToString(),
        compiled,
        len(request.order.items),
    )


def _check_explanation(got: checkout_pb2.RedeemableResult, expected: dict[str, Any] | None) -> None:
    if expected is None:
        assert not got.HasField("explanation")
        return
    explanation = got.explanation
    for key, value in expected.items():
        if key != "near_miss":
            assert getattr(explanation, key) == value, key
        elif value is None:
            assert not explanation.HasField("near_miss")
        else:
            for field, field_value in value.items():
                assert getattr(explanation.near_miss, field) == field_value, f"near_miss.{field}"


def _check_result(got: checkout_pb2.RedeemableResult, expected: dict[str, Any], lines: int) -> None:
    for key, value in expected.items():
        if key == "status":
            assert common_pb2.RedeemableStatus.Name(got.status) == value
        elif key == "allocations":
            per_line = [0] * lines
            for allocation in got.allocations:
                per_line[allocation.item_index] += allocation.discount
            assert per_line == value
        elif key == "explanation":
            _check_explanation(got, value)
        elif key == "message_contains":
            assert value in got.message
        elif key == "redeemable":
            assert (
                json_format.MessageToDict(got.redeemable, preserving_proto_field_name=True) == value
            )
        else:
            assert getattr(got, key) == value, key


@pytest.mark.parametrize("case", _cases("checkout"))
def test_checkout(case):
    request, context, compiled, lines = _build(case)
    expected = case["expected"]
    if "request_error" in expected:
        with pytest.raises(_engine.InvalidRequestError) as error:
            _engine.evaluate_checkout(request, context, compiled)
        assert error.value.field == expected["request_error"]["field"]
        assert expected["request_error"].get("reason_contains", "") in error.value.reason
        return
    answer = checkout_pb2.ValidateResponse.FromString(
        _engine.evaluate_checkout(request, context, compiled)
    )
    if "valid" in expected:
        assert answer.valid == expected["valid"]
    results = list(expected.get("results", []))
    if "results" in expected:
        assert len(answer.redeemables) == len(results)
    shorthand = {k: v for k, v in expected.items() if k not in ("valid", "results", "totals")}
    if shorthand:
        results.insert(0, shorthand)
    for got, want in zip(answer.redeemables, results, strict=False):
        _check_result(got, want, lines)
    for key, value in expected.get("totals", {}).items():
        assert getattr(answer.totals, key) == value, f"totals.{key}"
