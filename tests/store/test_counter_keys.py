"""The store's counter keys against the shared cases of tests/fixtures/counter_keys.json (the
engine's counter_keys.rs, which computes a redemption's writes, is tested against the same
file): the keys Python reads are the keys the engine writes."""

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
    deltas = keys.redemption_deltas(**case["amounts"])
    assert [[delta.key.decode(), delta.delta] for delta in deltas] == case["deltas"]
