"""Backtests through the real server (AdminService.Backtest over gRPC, the Rust engine, a real
LMDB store): the file formats and their errors, gzip, the live catalog and what is displaced,
segments and channels, the draft untouched and nothing written, who may run one."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
import pytest

from promocore import Client
from promocore.errors import InvalidArgumentError, PermissionDeniedError

DRAFT: dict[str, Any] = {
    "id": "threshold-draft",
    "name": "15 % off from 50 EUR, at most 30 EUR",
    "type": "DISCOUNT_COUPONS",
    "currency": "EUR",
    "time_zone": "Europe/Berlin",
    "draft": True,
    "rules": {"subject": "order.amount", "op": "gte", "value": 5000},
    "effect": {"percent_off_order": {"percent_bp": 1500, "cap": 3000}},
    "limits": {"per_customer": 1},
}
# (order id, time, customer, [(sku, price in cents, quantity, categories)], channel)
ORDERS = [
    ("o-1", "2026-11-02T23:30:00Z", "ann", [("BEANS", 1299, 4, "coffee")], "web"),  # 51.96
    ("o-2", "2026-11-03T09:00:00Z", "ann", [("BEANS", 1299, 4, "coffee")], "web"),  # limit
    ("o-3", "2026-11-03T10:00:00Z", "bob", [("MUG", 899, 5, "merch")], "app"),  # 5.05 short
    ("o-4", "2026-11-03T11:00:00Z", "cem", [("GRINDER", 4900, 2, "equipment")], "pos"),
    # Anonymous: a campaign with a per-customer limit needs a customer, as at checkout.
    ("o-5", "2026-11-03T12:00:00Z", "", [("GRINDER", 4900, 2, "equipment")], "pos"),
]


def jsonl(orders=ORDERS) -> bytes:
    lines = []
    for order_id, time, customer, items, channel in orders:
        order: dict[str, Any] = {
            "id": order_id,
            "currency": "EUR",
            "channel": channel,
            "items": [
                {"sku": sku, "unitPrice": str(price), "quantity": qty, "categories": [category]}
                for sku, price, qty, category in items
            ],
            "time": time,
        }
        if customer:
            order["customer_id"] = customer
        lines.append(orjson.dumps(order))
    return b"\n".join(lines) + b"\n"


def csv(orders=ORDERS) -> bytes:
    rows = ["order_id,time,customer,sku,price,quantity,categories,channel"]
    for order_id, time, customer, items, channel in orders:
        for sku, price, qty, category in items:
            rows.append(
                f"{order_id},{time},{customer},{sku},{price // 100}.{price % 100:02d},{qty},"
                f"{category},{channel}"
            )
    return ("\r\n".join(rows) + "\r\n").encode()


def test_the_answer_per_order_day_channel_and_near_miss(client: Client) -> None:
    report = client.backtest(jsonl(), campaign=DRAFT, per_order=True)
    assert [(o["order_id"], o["outcome"], o["discount"]) for o in report["per_order"]] == [
        ("o-1", "applied", 779),
        ("o-2", "limit_reached", 0),
        ("o-3", "near_miss", 0),
        ("o-4", "applied", 1470),
        ("o-5", "limit_reached", 0),
    ]
    assert (report["orders"], report["qualifying"], report["discount"]) == (5, 2, 2249)
    assert report["mean_discount"] == 1125  # 2249 / 2, half up
    assert report["amount"] == 5196 * 2 + 4495 + 9800 * 2
    assert report["amount_after"] == report["amount"] - 2249
    # Days are the campaign's: 23:30 UTC on the 2nd is the 3rd in Berlin.
    assert [(d["key"], d["orders"]) for d in report["per_day"]] == [("2026-11-03", 5)]
    channels = {g["key"]: (g["orders"], g["qualifying"]) for g in report["per_channel"]}
    assert channels == {"app": (1, 0), "pos": (2, 1), "web": (2, 1)}
    near = [(b["up_to"], b["orders"]) for b in report["near_misses"] if b["orders"]]
    assert near == [(1000, 1)]  # 4.95 EUR short: within 10.00, more than 5.00
    assert report["outcomes"]["limit_reached"] == 2
    assert report.get("exhausted_at") is None  # a per-customer limit is not the campaign's end
    limited = next(s for s in report["samples"] if s["outcome"] == "limit_reached")
    assert limited["reason"] == "customer_limit_exceeded" and limited["line"] == 2


def without_lines(report: dict[str, Any]) -> dict[str, Any]:
    """The report but the samples' line numbers (a CSV has a header, and a line per item)."""
    samples = [{**sample, "line": 0} for sample in report["samples"]]
    return {**report, "samples": samples}


def test_csv_and_gzip_give_the_same_answer(client: Client) -> None:
    reference = client.backtest(jsonl(), campaign=DRAFT)
    assert client.backtest(gzip.compress(jsonl()), campaign=DRAFT, orders_format="jsonl") == (
        reference
    )
    from_csv = client.backtest(csv(), campaign=DRAFT)
    assert without_lines(from_csv) == without_lines(reference)
    assert [sample["line"] for sample in from_csv["samples"]] == [2, 5, 4, 3, 6]
    # A file cut into many small messages, and a gzip cut anywhere.
    pieces = gzip.compress(csv())
    chunks = [pieces[i : i + 7] for i in range(0, len(pieces), 7)]
    assert client.backtest(chunks, campaign=DRAFT, orders_format="csv") == from_csv


@pytest.mark.parametrize(
    ("orders", "message"),
    [
        (
            b'{"id":"a","currency":"EUR","items":[{"sku":"A","unitPrice":"x","quantity":1}]}\n',
            "line 1: items[0].unitPrice:",
        ),
        (
            jsonl() + b'{"id":"b","currency":"EUR","colour":"red"}\n',
            "line 6: colour: unknown field",
        ),
        (
            jsonl() + b'{"id":"b","currency":"EUR","items":[],"time":"yesterday"}\n',
            "line 6: time: must be an RFC 3339 time",
        ),
        (
            jsonl()
            + b'{"id":"b","currency":"EUR","items":[{"sku":"A","unitPrice":"100","quantity":0}]}\n',
            "line 6: items[0].quantity:",
        ),
        (
            csv().replace(b"MUG,8.99,5", b"MUG,8.99,five"),
            "line 4: quantity: must be a whole number",
        ),
        (csv().replace(b"MUG,8.99,5", b"MUG,8.999,5"), "line 4: price:"),
        (b"order,sku,price,quantity\n", "line 1: order_id:"),
        (b"", "the file has no orders"),
        (b"\x1f\x8b\x08\x00garbage", "gzip"),
        (gzip.compress(jsonl())[:-20], "the gzip file is cut short"),
    ],
)
def test_a_bad_file_is_refused_naming_line_and_field(client, orders, message) -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        client.backtest(orders, campaign=DRAFT)
    assert refused.value.field == "orders"
    assert message in str(refused.value), str(refused.value)


def test_with_live_says_what_it_adds_and_displaces(client: Client) -> None:
    client.create_campaign(
        id="live-spend",
        name="5 % off from 40 EUR",
        type="PROMOTION",
        currency="EUR",
        rules={"subject": "order.amount", "op": "gte", "value": 4000},
        effect={"percent_off_order": {"percent_bp": 500}},
    )
    # The draft is not combined with it: where the draft applies, the promotion does not.
    draft = {**DRAFT, "stacking": {"not_combinable_with": ["live-spend"]}}
    alone = client.backtest(jsonl(), campaign=draft)
    assert (alone["with_live"], alone["displaced"], alone["live_discount_without"]) == (
        False,
        [],
        0,
    )
    report = client.backtest(jsonl(), campaign=draft, with_live=True)
    assert report["with_live"] is True
    # Without the draft the live promotion gives 5 % on every order; with it, only where the
    # draft does not apply (o-2: its limit, o-3: short, o-5: anonymous).
    assert report["live_discount_without"] == 260 + 260 + 225 + 490 + 490
    assert report["live_discount_with"] == 260 + 225 + 490
    assert report["displaced"] == [{"campaign_id": "live-spend", "orders": 2, "discount": 750}]
    assert report["discount"] == alone["discount"]


def test_a_stored_draft_stays_a_draft_and_nothing_is_written(client: Client) -> None:
    stored = client.create_campaign(DRAFT)
    audit_before = client.list_audit_log()
    report = client.backtest(jsonl(), campaign_id=DRAFT["id"])
    assert report["qualifying"] == 2
    after = client.get_campaign(DRAFT["id"])
    assert after["draft"] is True and after["version"] == stored["version"]
    assert client.campaign_report(DRAFT["id"])["redemptions"] == 0
    assert client.list_audit_log() == audit_before
    # Twice the same: the first run left no counter behind for the second.
    assert client.backtest(jsonl(), campaign_id=DRAFT["id"]) == report


def test_customers_segments_come_from_the_store(client: Client) -> None:
    client.upsert_customer("ann", {"tier": "gold"})
    client.create_segment("regulars", "Regulars", customer_ids=["ann"])
    gold_only = {
        **DRAFT,
        "rules": {"subject": "customer.attributes.tier", "op": "eq", "value": "gold"},
    }
    report = client.backtest(jsonl(), campaign=gold_only)
    segments = {g["key"]: (g["orders"], g["qualifying"]) for g in report["per_segment"]}
    assert segments == {"": (3, 0), "regulars": (2, 1)}


def test_only_admin_keys_backtest(client: Client, target: str) -> None:
    reader = client.create_api_key("reader", "read_only")
    with (
        Client(target, api_key=reader["secret"]) as read_only,
        pytest.raises(PermissionDeniedError),
    ):
        read_only.backtest(jsonl(), campaign=DRAFT)


def test_a_campaign_that_does_not_compile_names_its_field(client: Client) -> None:
    broken = {**DRAFT, "rules": {"subject": "order.amount", "op": "nearly", "value": 1}}
    with pytest.raises(InvalidArgumentError) as refused:
        client.backtest(jsonl(), campaign=broken)
    assert refused.value.field.startswith("campaign.rules")
    gift = {**DRAFT, "type": "GIFT_VOUCHERS", "effect": None, "rules": None}
    with pytest.raises(InvalidArgumentError) as refused:
        client.backtest(jsonl(), campaign=gift)
    assert refused.value.field == "campaign.type"
