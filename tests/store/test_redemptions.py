"""A redemption is written once (store/redemptions.py): what is read back from its record, a
retried key's first answer and the redemption's integration event, is what was answered and
announced the first time, a rollback in between or not."""

from __future__ import annotations

import pytest

from support import coupon

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

ORDER = {
    "id": "order-1",
    "currency": "EUR",
    "items": [{"sku": "A", "unit_price": 2500, "quantity": 2}],
}


def redeem(client, key: str = "pay-1") -> dict:
    # NOPE is no code: its result does not apply, and the answer keeps it in its place.
    return client.redeem(
        ORDER, codes=["NOPE", "SAVE1"], idempotency_key=key, customer={"id": "ann"}
    )


def test_a_retry_answers_the_first_answer_before_and_after_a_rollback(client):
    coupon(client, "save", "SAVE1")
    first = redeem(client)
    assert first["status"] == "SUCCEEDED"
    assert [r["status"] for r in first["redeemables"]] == ["INAPPLICABLE", "APPLICABLE"]
    assert redeem(client) == {**first, "replayed": True}
    client.rollback(first["redemption"]["id"], reason="refund")
    assert redeem(client) == {**first, "replayed": True}
    assert client.get_redemption(first["redemption"]["id"])["status"] == "ROLLED_BACK"


def test_the_redemption_event_says_what_the_redemption_did(client):
    coupon(client, "save", "SAVE1")
    redemption = redeem(client)["redemption"]
    [event] = [e for e in client.watch_events(backlog_only=True) if e["type"] == "EVENT_REDEEMED"]
    assert event["redemption_id"] == redemption["id"]
    assert event["time"] == redemption["created_at"]
    assert (event["customer_id"], event["campaign_id"], event["code"]) == ("ann", "save", "SAVE1")
    totals = redemption["totals"]
    assert event["data"] == {
        "amount": totals["amount_after_discounts"],
        "campaign_ids": ["save"],
        "codes": ["SAVE1"],
        "currency": "EUR",
        "order_id": "order-1",
        "total_discount": totals["total_discount"],
    }
