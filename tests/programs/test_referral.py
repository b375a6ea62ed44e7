"""Referral programs end to end over gRPC: the referee's discount, the referrer's reward once per
conversion and up to the cap, self-referral refused."""

from __future__ import annotations

import pytest
from programs_support import referral_program

from promocore.errors import FailedPreconditionError, InvalidArgumentError
from promocore.v1 import admin_pb2

from support import cart, check_report

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance


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


def test_each_referee_is_listed_with_status_time_and_reward(client, clock):
    referral_program(client, max_rewards_per_referrer=2, conversion_event="first_order_shipped")
    code = client.create_referral_code("friends", "rita")["code"]
    # vic signs up with the code (an event carrying it that is not the conversion event).
    client.track_event("vic", "signed_up", {"referral_code": code})
    started = clock.now_ms()
    orders = {}
    for friend in ("sam", "tom", "uma"):
        clock.advance(60_000)
        orders[friend] = buy(client, code, friend, 1)["redemption"]["id"]
    referees = client.list_referees(code)
    assert [r["customer_id"] for r in referees] == ["vic", "sam", "tom", "uma"]
    by_id = {r["customer_id"]: r for r in referees}
    assert by_id["vic"]["status"] == "REFEREE_SIGNED_UP"
    assert by_id["vic"]["converted_by"] == "event signed_up"
    for friend in ("sam", "tom"):
        assert by_id[friend]["status"] == "REFEREE_REWARDED"
        assert by_id[friend]["points_given"] == 100
        assert by_id[friend]["gift_credit_given"] == 250
        assert by_id[friend]["converted_by"] == f"redemption {orders[friend]}"
    # The cap (2) was reached: uma converted, rita got nothing for her.
    assert by_id["uma"]["status"] == "REFEREE_CONVERTED_OVER_CAP"
    assert by_id["uma"].get("points_given", 0) == 0
    times = [by_id[f]["converted_at"] for f in ("sam", "tom", "uma")]
    assert times == sorted(times) and len(set(times)) == 3
    assert by_id["sam"]["converted_at"].timestamp() * 1000 == started + 60_000
    # The per-referee rewards add up to the referrer's stats.
    stats = client.get_referral_stats(code)
    assert stats["points_earned"] == sum(r.get("points_given", 0) for r in referees)
    assert stats["gift_credit_earned"] == sum(r.get("gift_credit_given", 0) for r in referees)
    assert stats["conversions"] == 3  # signing up is not converting

    # vic converts later with the conversion event, past the cap: converted, not rewarded.
    client.track_event("vic", "first_order_shipped", {"referral_code": code})
    vic = {r["customer_id"]: r for r in client.list_referees(code)}["vic"]
    assert vic["status"] == "REFEREE_CONVERTED_OVER_CAP"
    assert vic["converted_by"] == "event first_order_shipped"
    assert client.get_referral_stats(code)["conversions"] == 4


def test_referees_page_and_refuse_what_is_not_a_referral_code(client):
    referral_program(client)
    code = client.create_referral_code("friends", "rita")["code"]
    for friend in ("a1", "a2", "a3"):
        buy(client, code, friend, 1)
    first = client._call(
        client._admin.ListReferees,
        admin_pb2.ListRefereesRequest(code=code, page={"page_size": 2}),
    )
    assert [r.customer_id for r in first.referees] == ["a1", "a2"]
    second = client._call(
        client._admin.ListReferees,
        admin_pb2.ListRefereesRequest(
            code=code, page={"page_size": 2, "page_token": first.next_page_token}
        ),
    )
    assert ([r.customer_id for r in second.referees], second.next_page_token) == (["a3"], "")
    with pytest.raises(InvalidArgumentError) as error:
        client.list_referees("")
    assert error.value.field == "code"
    client.create_campaign(
        id="plain",
        name="plain",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 100}},
    )
    client.create_code("plain", "PLAIN-1")
    with pytest.raises(FailedPreconditionError):
        client.list_referees("PLAIN-1")


# The refusals below are decided before anything is written, the same on every backend: they
# use `admin` (a server on LMDB) rather than running once per backend.
def test_a_referrer_code_needs_a_referral_program_and_a_customer_and_is_made_once(admin):
    referral_program(admin)
    with pytest.raises(InvalidArgumentError) as no_campaign:
        admin.create_referral_code("", "rita")
    assert no_campaign.value.field == "campaign_id"
    with pytest.raises(InvalidArgumentError) as no_customer:
        admin.create_referral_code("friends", "")
    assert no_customer.value.field == "customer_id"
    with pytest.raises(FailedPreconditionError) as not_referral:
        admin.create_referral_code("club", "rita")
    assert not_referral.value.reason == "not_a_referral_program"
    first = admin.create_referral_code("friends", "rita")
    # Asked again: rita's code, not a second one.
    assert admin.create_referral_code("friends", "rita")["code"] == first["code"]
    assert [c["code"] for c in admin.list_codes("friends")] == [first["code"]]


def test_referral_stats_are_read_of_a_referral_code_only(admin):
    referral_program(admin)
    code = admin.create_referral_code("friends", "rita")["code"]
    stats = admin.get_referral_stats(code)
    assert (stats["code"], stats["referrer_customer_id"]) == (code, "rita")
    with pytest.raises(InvalidArgumentError) as no_code:
        admin.get_referral_stats("")
    assert no_code.value.field == "code"
    card = admin.enroll_loyalty("club", "rita")["code"]
    with pytest.raises(FailedPreconditionError) as loyalty_card:
        admin.get_referral_stats(card)
    assert loyalty_card.value.reason == "not_a_referral_code"


@pytest.mark.parametrize("token", ["abc", "2"])
def test_a_referees_page_token_the_list_did_not_give_is_refused(admin, token):
    referral_program(admin)
    code = admin.create_referral_code("friends", "rita")["code"]
    buy(admin, code, "a1", 1)  # one referee: "0" and "1" are the only offsets within the list
    with pytest.raises(InvalidArgumentError) as error:
        admin._call(
            admin._admin.ListReferees,
            admin_pb2.ListRefereesRequest(code=code, page={"page_token": token}),
        )
    assert error.value.field == "page.page_token"
