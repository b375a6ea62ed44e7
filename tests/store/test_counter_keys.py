"""The balance and code keys the store itself writes (CounterKeys: gift card and loyalty card
credits, a code's redeemed quantity) against the shared cases of tests/fixtures/counter_keys.json,
which the engine's counter_keys.rs (what a redemption writes and debits) is tested against too:
the balances Python credits are the ones the engine debits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promocore.store.counters import CounterKeys
from promocore.store.keys import normalize_code

CASES = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "counter_keys.json").read_text(encoding="utf-8")
)
WITH_CODE = [case for case in CASES if case["code"] is not None]


@pytest.mark.parametrize("case", WITH_CODE, ids=[case["description"] for case in WITH_CODE])
def test_code_and_balance_keys_match_the_shared_case(case):
    code = normalize_code(case["code"])
    deltas = case["deltas"]
    # A code's redemption counts one more use of the code.
    assert [CounterKeys.code_key(code).decode(), 1] in deltas
    amounts = case["amounts"]
    balance = {
        "CODE_KIND_GIFT_CARD": (CounterKeys.gift_balance_key(code), amounts["gift_amount"]),
        "CODE_KIND_LOYALTY_CARD": (CounterKeys.points_balance_key(code), amounts["points"]),
    }.get(case["code_kind"])
    if balance is not None and balance[1]:
        key, debit = balance
        assert [key.decode(), -debit] in deltas


def test_the_shared_cases_debit_both_balances():
    debited = {case["code_kind"] for case in WITH_CODE if case["amounts"]["gift_amount"]}
    debited |= {case["code_kind"] for case in WITH_CODE if case["amounts"]["points"]}
    assert debited == {"CODE_KIND_GIFT_CARD", "CODE_KIND_LOYALTY_CARD"}, debited
