"""Coupon checkout end to end through a real server: create, generate, validate, redeem,
retry, rollback, and bad input."""

from __future__ import annotations

import threading

import grpc
import pytest

from promocore import AlreadyExistsError, FailedPreconditionError, InvalidArgumentError

from support import TEST_ADMIN_KEY, cart

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

TEN_PERCENT_FROM_30 = {
    "name": "Ten percent from 30.00",
    "type": "DISCOUNT_COUPONS",
    "currency": "EUR",
    "rules": {"subject": "order.amount", "op": "gte", "value": 3000},
    "effect": {"percent_off_order": {"percent_bp": 1000, "cap": 2000}},
    "code_redemption_quantity": 1,
}
# 2 x 12.99 + 1 x 8.99 = 34.97 EUR; 10% = 3.497 -> 3.50 EUR (half up).
BIG_CART = cart(("BEANS", 1299, 2, ["coffee"]), ("MUG", 899, 1), id="order-1")
SMALL_CART = cart(("MUG", 899, 2), id="order-2")


@pytest.fixture
def single_use_codes(client):
    campaign = client.create_campaign(TEN_PERCENT_FROM_30)
    codes = client.generate_codes(campaign["id"], 3)
    return campaign, codes


def test_validate_answers_the_discount_with_its_allocation(client, single_use_codes):
    campaign, codes = single_use_codes
    answer = client.validate(BIG_CART, codes=[codes[0]])
    assert answer["valid"] is True
    [result] = answer["redeemables"]
    assert result["status"] == "APPLICABLE"
    assert result["campaign_id"] == campaign["id"]
    assert result["items_discount"] == 350
    # 350 over lines of 2598 and 899: shares 259.8 and 90.2 -> 260 and 90 (largest remainder).
    assert [a["discount"] for a in result["allocations"]] == [260, 90]
    totals = answer["totals"]
    assert (totals["amount"], totals["total_discount"], totals["total_to_pay"]) == (3497, 350, 3147)


def test_validate_explains_a_no_with_reason_message_and_near_miss(client, single_use_codes):
    _, codes = single_use_codes
    answer = client.validate(SMALL_CART, codes=[codes[0], "NO-SUCH-CODE"])
    assert answer["valid"] is False
    rules_failure, unknown = answer["redeemables"]
    assert rules_failure["status"] == "INAPPLICABLE"
    assert rules_failure["reason"] == "rules_not_met"
    assert rules_failure["message"]
    explanation = rules_failure["explanation"]
    assert explanation["subject"] == "order.amount"
    assert explanation["operator"] == "gte"
    assert (explanation["expected"], explanation["actual"]) == (3000, 1798)
    assert explanation["near_miss"]["missing"] == 3000 - 1798
    assert explanation["near_miss"]["unit"] == "amount"
    assert unknown["status"] == "INAPPLICABLE"
    assert unknown["reason"] == "code_not_found"
    assert unknown["message"]


def test_a_retry_answers_the_results_that_did_not_apply_in_their_places(client, single_use_codes):
    _, codes = single_use_codes
    requested = ["NO-SUCH-CODE", codes[1], "ANOTHER-UNKNOWN"]
    first = client.redeem(BIG_CART, codes=requested, idempotency_key="pay-mixed")
    assert first["status"] == "SUCCEEDED"
    assert [r["status"] for r in first["redeemables"]] == [
        "INAPPLICABLE",
        "APPLICABLE",
        "INAPPLICABLE",
    ]
    retry = client.redeem(BIG_CART, codes=requested, idempotency_key="pay-mixed")
    assert retry["replayed"] is True
    del retry["replayed"], first["replayed"]
    assert retry == first


def test_redeem_is_exactly_once_and_rollback_frees_the_slot(client, single_use_codes):
    _, codes = single_use_codes
    code = codes[0].lower()  # codes are case-insensitive

    first = client.redeem(BIG_CART, codes=[code], idempotency_key="pay-1")
    assert first["status"] == "SUCCEEDED"
    assert first["replayed"] is False
    redemption_id = first["redemption"]["id"]
    assert first["redemption"]["totals"]["total_discount"] == 350

    again = client.redeem(BIG_CART, codes=[code], idempotency_key="pay-2")
    assert again["status"] == "FAILED"
    assert again["redeemables"][0]["reason"] == "code_quantity_exceeded"

    retry = client.redeem(BIG_CART, codes=[code], idempotency_key="pay-1")
    assert retry["replayed"] is True
    assert retry["redemption"]["id"] == redemption_id
    assert retry["redeemables"] == first["redeemables"]
    assert client.get_code(code)["redeemed_quantity"] == 1

    with pytest.raises(AlreadyExistsError) as reused:
        client.redeem(SMALL_CART, codes=[code], idempotency_key="pay-1")
    assert reused.value.reason == "idempotency_key_reused"

    rolled_back = client.rollback(redemption_id, reason="refund")
    assert rolled_back["redemption"]["status"] == "ROLLED_BACK"
    assert client.get_code(code)["redeemed_quantity"] == 0
    assert client.get_redemption(redemption_id)["rollback_reason"] == "refund"

    with pytest.raises(FailedPreconditionError) as twice:
        client.rollback(redemption_id)
    assert twice.value.reason == "already_rolled_back"
    assert client.get_code(code)["redeemed_quantity"] == 0

    freed = client.redeem(BIG_CART, codes=[code], idempotency_key="pay-3")
    assert freed["status"] == "SUCCEEDED"
    assert client.get_code(code)["redeemed_quantity"] == 1


def test_concurrent_redeems_of_one_code_never_exceed_its_quantity(client):
    campaign = client.create_campaign({**TEN_PERCENT_FROM_30, "code_redemption_quantity": None})
    client.create_code(campaign["id"], "RACE-5", redemption_quantity=5)
    outcomes: list[dict] = []

    def redeem(n: int) -> None:
        outcomes.append(client.redeem(BIG_CART, codes=["RACE-5"], idempotency_key=f"race-{n}"))

    threads = [threading.Thread(target=redeem, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    succeeded = [o for o in outcomes if o["status"] == "SUCCEEDED"]
    failed = [o for o in outcomes if o["status"] == "FAILED"]
    assert len(succeeded) == 5
    assert {o["redeemables"][0]["reason"] for o in failed} == {"code_quantity_exceeded"}
    assert client.get_code("RACE-5")["redeemed_quantity"] == 5


def test_disabled_campaign_answers_campaign_inactive(client, single_use_codes):
    campaign, codes = single_use_codes
    client.disable_campaign(campaign["id"])
    [result] = client.validate(BIG_CART, codes=[codes[0]])["redeemables"]
    assert (result["status"], result["reason"]) == ("INAPPLICABLE", "campaign_inactive")
    client.enable_campaign(campaign["id"])
    [result] = client.validate(BIG_CART, codes=[codes[0]])["redeemables"]
    assert result["status"] == "APPLICABLE"


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (cart(("MUG", 899, 0)), "order.items[0].quantity"),
        (cart(("MUG", -1, 1)), "order.items[0].unit_price"),
        (cart(("MUG", 899, 1), currency="euro"), "order.currency"),
        ({"currency": "EUR", "items": []}, "order.items"),
    ],
)
def test_malformed_cart_is_invalid_argument_naming_the_field(
    client, single_use_codes, order, field
):
    _, codes = single_use_codes
    with pytest.raises(InvalidArgumentError) as error:
        client.validate(order, codes=[codes[0]])
    assert error.value.field == field


def test_redeem_without_idempotency_key_names_the_field(client, single_use_codes):
    _, codes = single_use_codes
    with pytest.raises(InvalidArgumentError) as error:
        client.redeem(BIG_CART, codes=[codes[0]], idempotency_key="")
    assert error.value.field == "idempotency_key"
    assert client.get_code(codes[0])["redeemed_quantity"] == 0


def test_redeem_without_order_id_names_the_field(client, single_use_codes):
    _, codes = single_use_codes
    order = {k: v for k, v in BIG_CART.items() if k != "id"}
    with pytest.raises(InvalidArgumentError) as error:
        client.redeem(order, codes=[codes[0]], idempotency_key="no-order-id")
    assert error.value.field == "order.id"


def test_bytes_that_are_not_a_request_are_invalid_argument(target):
    with grpc.insecure_channel(target) as channel:
        validate = channel.unary_unary(
            "/promocore.v1.CheckoutService/Validate",
            request_serializer=lambda raw: raw,
            response_deserializer=lambda raw: raw,
        )
        with pytest.raises(grpc.RpcError) as error:
            validate(b"\xff\xff\xff\xff", timeout=5, metadata=(("x-api-key", TEST_ADMIN_KEY),))
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "request" in error.value.details()


def test_an_invalid_rule_is_refused_on_create_with_its_path(client):
    bad = {
        **TEN_PERCENT_FROM_30,
        "rules": {"all": [{"subject": "order.amount", "op": "gtee", "value": 1}]},
    }
    with pytest.raises(InvalidArgumentError) as error:
        client.create_campaign(bad)
    assert error.value.field == "campaign.rules.all[0].op"
    assert client.list_campaigns() == []
