"""The counter keys the store reads (CounterKeys) against the shared cases of
tests/fixtures/counter_keys.json, which the engine's counter_keys.rs (what a redemption writes)
is tested against too: the keys Python reads are the keys the engine writes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from promocore.store.counters import CounterKeys
from promocore.store.keys import normalize_code
from promocore.v1 import campaign_pb2

CASES = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "counter_keys.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_redemption_deltas_match_the_shared_case(case):
    now = datetime.fromisoformat(case["now"].replace("Z", "+00:00"))
    keys = CounterKeys.build(
        campaign_id=case["campaign_id"],
        time_zone=case["time_zone"],
        normalized_code=normalize_code(case["code"]) if case["code"] is not None else None,
        customer_id=case["customer_id"],
        now_ms=round(now.timestamp() * 1000),
        code_kind=campaign_pb2.CodeKind.Value(case["code_kind"]),
    )
    amounts = case["amounts"]
    # The engine writes, in this order, the slot counters (+1 each), the two budgets and the
    # balance debits; Python reads the same keys through these fields.
    slots = [
        keys.code_redeemed,
        keys.campaign_redemptions,
        keys.campaign_day,
        keys.customer_redemptions,
        keys.customer_day,
        keys.customer_week,
        keys.customer_month,
    ]
    expected = [[key.decode(), 1] for key in slots if key is not None]
    expected.append([keys.discount_given.decode(), amounts["discount"]])
    expected.append([keys.order_value.decode(), amounts["order_value"]])
    for key, debit in (
        (keys.gift_balance, amounts["gift_amount"]),
        (keys.points_balance, amounts["points"]),
    ):
        if key is not None and debit:
            expected.append([key.decode(), -debit])
    assert expected == case["deltas"]
