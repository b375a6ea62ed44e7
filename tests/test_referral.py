"""Referral programs end to end over gRPC: the referee's discount, the referrer's reward once per
conversion and up to the cap, self-referral refused."""

from __future__ import annotations

from programs_support import referral_program

from support import cart, check_report


def buy(client, code: str, customer: str, n: int) -> dict:
    return client.redeem(
        cart(("BOOTS", 6000, 1), id=f"o-{customer}-{n}"),
        codes=[code],
        customer={"id": customer},
        idempotency_key=f"k-{customer}-{n}",
    )


def test_referees_get_the_discount_and_the_referrer_is_rewarded_once_each_up_to_the_cap(
    client, server
):
    referral_program(client, max_rewards_per_referrer=2)
    code = client.create_referral_code("friends", "rita")["code"]
    assert client.create_referral_code("friends", "rita")["code"] == code

    first = buy(client, code, "sam", 1)
    assert (first["status"], first["totals"]["total_discount"]) == ("SUCCEEDED", 500)
    stats = client.get_referral_stats(code)
    assert (stats["conversions"], stats["rewarded_conversions"]) == (1, 1)
    assert (stats["points_earned"], stats["gift_credit_earned"]) == (100, 250)
    rita = client.get_loyalty_card(campaign_id="club", customer_id="rita")
    assert rita["points"] == 100

    # The same referee again: no second discount, no second reward.
    again = buy(client, code, "sam", 2)
    assert again["redeemables"][0]["reason"] == "customer_limit_exceeded"
    assert client.get_referral_stats(code)["rewarded_conversions"] == 1

    buy(client, code, "tom", 1)
    buy(client, code, "uma", 1)  # a third conversion, beyond the cap of two rewards
    stats = client.get_referral_stats(code)
    assert (stats["conversions"], stats["rewarded_conversions"]) == (3, 2)
    assert (stats["points_earned"], stats["gift_credit_earned"]) == (200, 500)
    assert client.get_loyalty_card(campaign_id="club", customer_id="rita")["points"] == 200
    gift_ledger = [e for e in client.list_codes("gift")]
    assert [c["assigned_customer_id"] for c in gift_ledger] == ["rita"]
    assert client.get_gift_card(gift_ledger[0]["code"])["balance"] == 500

    status, report = check_report(server.store.location)
    assert (status, report["problems"]) == (0, [])


def test_a_referrer_cannot_redeem_their_own_code(client):
    referral_program(client)
    code = client.create_referral_code("friends", "rita")["code"]
    own = client.validate(cart(("BOOTS", 6000, 1)), codes=[code], customer={"id": "rita"})
    result = own["redeemables"][0]
    assert (result["status"], result["reason"]) == ("INAPPLICABLE", "self_referral")
    refused = buy(client, code, "rita", 1)
    assert refused["status"] == "FAILED"
    assert client.get_referral_stats(code)["conversions"] == 0


def test_a_configured_event_converts_a_referral(client):
    referral_program(client, conversion_event="account_verified")
    code = client.create_referral_code("friends", "rita")["code"]
    client.track_event("vic", "account_verified", {"referral_code": code})
    client.track_event("vic", "account_verified", {"referral_code": code})
    client.track_event("rita", "account_verified", {"referral_code": code})
    stats = client.get_referral_stats(code)
    assert (stats["conversions"], stats["points_earned"]) == (1, 100)
