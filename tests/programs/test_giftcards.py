"""Gift cards end to end over gRPC: issue, partial use across orders, top-up, expiry, ledger."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from programs_support import gift_program

from promocore.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)

from support import NOW, cart, check_report, coupon

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance


def test_a_gift_card_pays_partially_across_two_orders_and_is_topped_up(client, server):
    gift_program(client)
    [card] = client.issue_gift_cards("gift", balance=5000, customer_id="ann")
    code = card["code"]
    assert (card["balance"], card["currency"], card["customer_id"]) == (5000, "EUR", "ann")

    first = client.redeem(
        cart(("MUG", 1800, 1), id="o-1"), codes=[code], customer={"id": "ann"}, idempotency_key="k1"
    )
    assert first["totals"]["gift_card_amount"] == 1800
    assert client.get_gift_card(code)["balance"] == 3200

    second = client.redeem(
        cart(("LAMP", 4500, 1), id="o-2"),
        codes=[code],
        customer={"id": "ann"},
        idempotency_key="k2",
    )
    assert (second["totals"]["gift_card_amount"], second["totals"]["total_to_pay"]) == (3200, 1300)
    assert client.get_gift_card(code)["balance"] == 0

    topped = client.top_up_gift_card(code, 2500, idempotency_key="top-1")
    assert topped["balance"] == 2500
    # A retry of the same top-up is answered once, not credited twice.
    assert client.top_up_gift_card(code, 2500, idempotency_key="top-1")["balance"] == 2500
    with pytest.raises(AlreadyExistsError):
        client.top_up_gift_card(code, 9900, idempotency_key="top-1")
    assert client.get_gift_card(code)["balance"] == 2500

    client.rollback(second["redemption"]["id"], reason="returned")
    assert client.get_gift_card(code)["balance"] == 5700

    ledger = client.list_ledger(code)
    assert [(e["kind"], e["delta"], e["balance_after"]) for e in ledger] == [
        ("LEDGER_CREDIT", 5000, 5000),
        ("LEDGER_DEBIT", -1800, 3200),
        ("LEDGER_DEBIT", -3200, 0),
        ("LEDGER_CREDIT", 2500, 2500),
        ("LEDGER_REFUND", 3200, 5700),
    ]
    assert ledger[1]["redemption_id"] == first["redemption"]["id"]
    status, report = check_report(server.store.location)
    assert (status, report["problems"], report["cards"]) == (0, [], 1)


def test_an_expired_gift_card_neither_pays_nor_takes_top_ups(client, clock):
    gift_program(client)
    expire_at = NOW + timedelta(days=30)
    [card] = client.issue_gift_cards("gift", balance=2000, expire_at=expire_at)
    assert card["expire_at"] == expire_at
    order = cart(("MUG", 1000, 1))
    assert client.validate(order, codes=[card["code"]])["totals"]["gift_card_amount"] == 1000

    clock.advance(30 * 86_400_000)
    late = client.validate(order, codes=[card["code"]])
    assert late["redeemables"][0]["reason"] == "expired"
    assert late["totals"]["gift_card_amount"] == 0
    with pytest.raises(FailedPreconditionError) as refused:
        client.top_up_gift_card(card["code"], 500, idempotency_key="late")
    assert refused.value.reason == "expired"
    assert client.get_gift_card(card["code"])["balance"] == 2000


def test_bulk_issue_gives_distinct_cards_each_with_its_balance(client, server):
    gift_program(client, code_config={"pattern": "GIFT-########"})
    cards = client.issue_gift_cards("gift", balance=1500, count=25)
    assert len({c["code"] for c in cards}) == 25
    assert all(c["code"].startswith("GIFT-") and c["balance"] == 1500 for c in cards)
    assert client.get_gift_card(cards[7]["code"])["balance"] == 1500
    assert check_report(server.store.location)[1]["cards"] == 25


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"balance": 0}, "balance"),
        ({"balance": 100, "count": 0}, "count"),
        ({"balance": 100, "count": 2, "customer_id": "ann"}, "customer_id"),
    ],
)
def test_bad_issue_requests_name_the_field(client, fields, field):
    gift_program(client)
    with pytest.raises(InvalidArgumentError) as error:
        client.issue_gift_cards("gift", **fields)
    assert error.value.field == field


def test_top_up_needs_a_positive_amount(client):
    gift_program(client)
    [card] = client.issue_gift_cards("gift", balance=100)
    with pytest.raises(InvalidArgumentError) as error:
        client.top_up_gift_card(card["code"], -5, idempotency_key="neg")
    assert error.value.field == "amount"


def test_a_debit_by_hand_needs_a_reason_never_goes_below_zero_and_is_audited(client, server):
    gift_program(client)
    [card] = client.issue_gift_cards("gift", balance=2500)
    code = card["code"]
    with pytest.raises(InvalidArgumentError) as missing:
        client.debit_gift_card(code, 500, reason=" ", idempotency_key="d-0")
    assert missing.value.field == "reason"
    with pytest.raises(FailedPreconditionError) as beyond:
        client.debit_gift_card(code, 2501, reason="paid elsewhere", idempotency_key="d-1")
    assert beyond.value.reason == "insufficient_balance"
    debited = client.debit_gift_card(code, 1000, reason="paid by phone", idempotency_key="d-2")
    assert debited["balance"] == 1500
    # The retry is answered once, not debited twice.
    assert (
        client.debit_gift_card(code, 1000, reason="paid by phone", idempotency_key="d-2")["balance"]
        == 1500
    )
    topped = client.top_up_gift_card(code, 250, idempotency_key="t-1", reason="goodwill")
    assert topped["balance"] == 1750
    ledger = client.list_ledger(code)
    assert [(e["kind"], e["delta"], e["balance_after"], e["reason"]) for e in ledger] == [
        ("LEDGER_CREDIT", 2500, 2500, "issued"),
        ("LEDGER_DEBIT", -1000, 1500, "paid by phone"),
        ("LEDGER_CREDIT", 250, 1750, "goodwill"),
    ]
    audited = [(e["action"], e["target"]) for e in client.list_audit_log(target_prefix="giftcard/")]
    assert audited == [("TopUpGiftCard", f"giftcard/{code}"), ("DebitGiftCard", f"giftcard/{code}")]
    status, report = check_report(server.store.location)
    assert (status, report["problems"]) == (0, [])


def test_a_program_totals_its_outstanding_and_expired_balance(client, clock):
    gift_program(client)
    client.issue_gift_cards("gift", count=3, balance=2500)
    [spent] = client.issue_gift_cards("gift", balance=1000)
    client.debit_gift_card(spent["code"], 1000, reason="used up", idempotency_key="d-1")
    soon = NOW + timedelta(days=1)
    client.issue_gift_cards("gift", count=2, balance=4000, expire_at=soon)
    totals = client.get_gift_card_program("gift")
    assert totals == {
        "campaign_id": "gift",
        "currency": "EUR",
        "cards": 6,
        "outstanding_balance": 3 * 2500 + 2 * 4000,
        "cards_with_balance": 5,
        "expired_balance": 0,
    }
    clock.advance(2 * 24 * 3600 * 1000)
    later = client.get_gift_card_program("gift")
    assert (later["outstanding_balance"], later["expired_balance"]) == (3 * 2500, 2 * 4000)


def exported(client, campaign_id: str, **options) -> list[dict[str, str]]:
    text = b"".join(client.export_gift_cards(campaign_id, **options)).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_a_program_exports_its_cards_filtered_with_balances_in_money(client, clock):
    gift_program(client)
    client.create_campaign(id="yen", name="yen", type="GIFT_VOUCHERS", currency="JPY")
    full = client.issue_gift_cards("gift", count=3, balance=2500)
    [spent] = client.issue_gift_cards("gift", balance=1000, customer_id="ann")
    client.debit_gift_card(spent["code"], 1000, reason="used up", idempotency_key="d-1")
    soon = NOW + timedelta(days=1)
    expiring = client.issue_gift_cards("gift", count=2, balance=4000, expire_at=soon)
    client.set_code_active(full[0]["code"], False)
    [yen] = client.issue_gift_cards("yen", balance=5000)

    rows = exported(client, "gift")
    assert len(rows) == 6
    assert list(rows[0]) == [
        "code", "currency", "balance", "state", "expires_at", "customer_id", "issued_at"
    ]  # fmt: skip
    by_code = {row["code"]: row for row in rows}
    assert by_code[full[1]["code"]]["balance"] == "25.00"
    assert by_code[full[1]["code"]]["state"] == "with balance"
    assert by_code[full[0]["code"]]["state"] == "disabled"
    assert (by_code[spent["code"]]["balance"], by_code[spent["code"]]["state"]) == ("0.00", "empty")
    assert by_code[spent["code"]]["customer_id"] == "ann"
    assert by_code[expiring[0]["code"]]["expires_at"] == soon.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {row["issued_at"] for row in rows} == {NOW.strftime("%Y-%m-%dT%H:%M:%SZ")}
    # Every card's balance in money is the card's balance in minor units.
    for row in rows:
        assert Decimal(row["balance"]) * 100 == client.get_gift_card(row["code"])["balance"]
    # The yen card: no minor digits.
    assert exported(client, "yen")[0]["balance"] == "5000"
    assert exported(client, "yen")[0]["code"] == yen["code"]

    with_balance = exported(client, "gift", filter="GIFT_CARDS_WITH_BALANCE")
    assert {row["code"] for row in with_balance} == {
        full[1]["code"],
        full[2]["code"],
        *(card["code"] for card in expiring),
    }
    assert [row["code"] for row in exported(client, "gift", filter="GIFT_CARDS_EMPTY")] == [
        spent["code"]
    ]
    assert [row["code"] for row in exported(client, "gift", filter="GIFT_CARDS_DISABLED")] == [
        full[0]["code"]
    ]
    assert exported(client, "gift", filter="GIFT_CARDS_EXPIRED") == []
    clock.advance(2 * 24 * 3600 * 1000)
    expired = exported(client, "gift", filter="GIFT_CARDS_EXPIRED")
    assert sorted(row["code"] for row in expired) == sorted(card["code"] for card in expiring)
    assert {row["balance"] for row in expired} == {"40.00"}
    # A prefix narrows the export (case-insensitive).
    prefix = full[1]["code"][:-1].lower()
    assert full[1]["code"] in {row["code"] for row in exported(client, "gift", prefix=prefix)}
    assert all(
        row["code"].upper().startswith(prefix.upper())
        for row in exported(client, "gift", prefix=prefix)
    )


def test_a_gift_card_export_names_a_wrong_field(client):
    gift_program(client)
    client.create_campaign(
        id="plain", name="plain", type="DISCOUNT_COUPONS", currency="EUR",
        effect={"amount_off_order": {"amount": 100}},
    )  # fmt: skip
    with pytest.raises(InvalidArgumentError) as error:
        exported(client, "")
    assert error.value.field == "campaign_id"
    with pytest.raises(FailedPreconditionError):
        exported(client, "plain")


# The refusals below are decided before any balance is read or written, the same on every
# backend: they use `admin` (a server on LMDB) rather than running once per backend.
def test_issuing_needs_a_gift_program_named(admin):
    admin.create_campaign(
        id="plain", name="plain", type="DISCOUNT_COUPONS", currency="EUR",
        effect={"amount_off_order": {"amount": 100}},
    )  # fmt: skip
    with pytest.raises(InvalidArgumentError) as missing:
        admin.issue_gift_cards("", balance=100)
    assert missing.value.field == "campaign_id"
    with pytest.raises(FailedPreconditionError) as wrong_kind:
        admin.issue_gift_cards("plain", balance=100)
    assert wrong_kind.value.reason == "not_a_gift_campaign"
    assert admin.list_codes("plain") == []


def test_issuing_more_cards_than_the_pattern_can_hide_is_refused(admin):
    # "GC-##" over the 31 alphanumeric characters: 31 * 31 = 961 codes. One card needs a space
    # of 10,000 codes per card to keep a guess below 1 in 10,000: even 1 card is too many.
    gift_program(admin, code_config={"pattern": "GC-##"})
    with pytest.raises(InvalidArgumentError) as error:
        admin.issue_gift_cards("gift", balance=100, count=1)
    assert error.value.field == "count"
    assert admin.get_gift_card_program("gift")["cards"] == 0


def test_a_code_that_is_not_a_gift_card_takes_no_balance_change(admin):
    coupon(admin, "plain", "SAVE1")
    with pytest.raises(FailedPreconditionError) as top_up:
        admin.top_up_gift_card("SAVE1", 500, idempotency_key="t-1")
    assert top_up.value.reason == "not_a_gift_card"
    with pytest.raises(FailedPreconditionError) as read:
        admin.get_gift_card("SAVE1")
    assert read.value.reason == "not_a_gift_card"
    with pytest.raises(InvalidArgumentError) as no_code:
        admin.top_up_gift_card("", 500, idempotency_key="t-2")
    assert no_code.value.field == "code"
    with pytest.raises(NotFoundError):
        admin.top_up_gift_card("NO-SUCH-CARD", 500, idempotency_key="t-3")


def test_a_hand_debit_needs_a_positive_amount_and_a_reason_of_at_most_200_characters(admin):
    gift_program(admin)
    [card] = admin.issue_gift_cards("gift", balance=2500)
    with pytest.raises(InvalidArgumentError) as zero:
        admin.debit_gift_card(card["code"], 0, reason="nothing", idempotency_key="d-1")
    assert zero.value.field == "amount"
    with pytest.raises(InvalidArgumentError) as long_reason:
        admin.debit_gift_card(card["code"], 100, reason="x" * 201, idempotency_key="d-2")
    assert long_reason.value.field == "reason"
    # 200 characters is still a reason; the ledger keeps it whole.
    admin.debit_gift_card(card["code"], 100, reason="y" * 200, idempotency_key="d-3")
    # 2500 issued - 100 debited = 2400 left.
    assert admin.get_gift_card(card["code"])["balance"] == 2400
    assert admin.list_ledger(card["code"])[-1]["reason"] == "y" * 200


def test_a_program_read_names_a_missing_or_wrong_campaign(admin):
    coupon(admin, "plain", "SAVE1")
    with pytest.raises(InvalidArgumentError) as missing:
        admin.get_gift_card_program("")
    assert missing.value.field == "campaign_id"
    with pytest.raises(FailedPreconditionError) as wrong_kind:
        admin.get_gift_card_program("plain")
    assert wrong_kind.value.reason == "not_a_gift_campaign"
    with pytest.raises(NotFoundError):
        admin.get_gift_card_program("nope")
