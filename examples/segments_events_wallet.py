"""A runnable tour of customers, segments, events, distributions, the wallet and the integration
event stream against a live promocore server.

    promocore serve --data-dir /tmp/tour --workers 1 &
    python examples/segments_events_wallet.py --target 127.0.0.1:50051

It upserts a customer, defines a dynamic segment ("spent over 1,000.00 in the last 365 days")
and a distribution that thanks its new members with a code, pays two orders so the customer
enters it, tracks an abandoned cart that issues another code, then asks Qualify for the
customer's wallet and reads the integration events (WatchEvents) the tour caused. Every answer
is checked against what the comments work out by hand; it prints each step and exits 1 at the
end if anything differed (2 if the server could not be reached). Ids carry a random suffix, so
the tour can run more than once against the same server. Birthdays and inactivity need a clock
the tour cannot move: see tests/cdp/test_scheduler.py, run with an injected clock.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import Any

from promocore import Client, PromocoreError

MISMATCHES: list[str] = []


def expect(what: str, actual: Any, expected: Any) -> None:
    ok = actual == expected
    print(
        f"  {'ok ' if ok else 'BAD'} {what}: {actual!r}"
        + ("" if ok else f" (expected {expected!r})")
    )
    if not ok:
        MISMATCHES.append(what)


def order(order_id: str, amount: int) -> dict[str, Any]:
    return {
        "id": order_id,
        "currency": "EUR",
        "items": [{"sku": "SOFA", "unit_price": amount, "quantity": 1}],
    }


def coupons(client: Client, campaign_id: str, amount: int) -> None:
    """A coupon campaign whose codes are generated per customer (amount off the order)."""
    client.create_campaign(
        id=campaign_id,
        name=campaign_id,
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": amount}},
        code_config={"pattern": "########", "prefix": "TOUR-"},
        code_redemption_quantity=1,
    )


def last_sequence(client: Client) -> int:
    events = list(client.watch_events(backlog_only=True))
    return events[-1]["sequence"] if events else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="127.0.0.1:50051", help="server HOST:PORT")
    args = parser.parse_args()
    run = secrets.token_hex(3)
    ann, bob = f"ann-{run}", f"bob-{run}"
    try:
        with Client(args.target) as client:
            tour(client, run, ann, bob)
    except PromocoreError as error:
        print(f"error from the server: {error}", file=sys.stderr)
        return 2
    if MISMATCHES:
        print(f"{len(MISMATCHES)} answers differed: {', '.join(MISMATCHES)}", file=sys.stderr)
        return 1
    print("every answer matched")
    return 0


def tour(client: Client, run: str, ann: str, bob: str) -> None:
    cursor = last_sequence(client)

    print("Customers")
    client.upsert_customer(ann, {"tour": run, "country": "FR", "tags": ["sofa"]})
    merged = client.upsert_customer(
        ann, {"tags": None, "city": "Lyon"}, contact={"sms_opt_out": True}
    )
    # Attributes merge key by key; null removes one.
    expect(
        "merged attributes", merged["attributes"], {"tour": run, "country": "FR", "city": "Lyon"}
    )
    client.upsert_customer(bob, {"tour": run})

    print("A dynamic segment and its distribution")
    segment = f"big-spenders-{run}"
    client.create_segment(
        segment,
        "Spent over 1,000.00 in the last 365 days",
        rules={
            "all": [
                {"subject": "customer.attributes.tour", "op": "eq", "value": run},
                {"subject": "customer.aggregates.spent_last_365_days", "op": "gt", "value": 100000},
            ]
        },
    )
    coupons(client, f"thanks-{run}", 1000)
    client.create_distribution(
        {
            "name": "Thank big spenders",
            "trigger": "TRIGGER_SEGMENT_ENTERED",
            "segment_id": segment,
            "campaign_id": f"thanks-{run}",
        }
    )
    client.create_campaign(
        id=f"vip-{run}",
        name="3% off for big spenders",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"percent_off_order": {"percent_bp": 300}},
        rules={"subject": "customer.segments", "op": "contains", "value": segment},
    )
    client.create_code(f"vip-{run}", f"VIP-{run}")

    print("Two orders: the customer enters the segment after the second")
    client.create_campaign(
        id=f"order-{run}",
        name="1% off",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"percent_off_order": {"percent_bp": 100}},
    )
    client.create_code(f"order-{run}", f"ORDER-{run}")
    for number in (1, 2):
        paid = client.redeem(
            order(f"o{number}-{run}", 60000),
            codes=[f"ORDER-{run}"],
            customer={"id": ann},
            idempotency_key=f"tour-{number}-{run}",
        )
        # 600.00 - 1% = 594.00 per order.
        expect(f"order {number} paid", paid["totals"]["amount_after_discounts"], 59400)
        segments = client.get_customer(ann)["segments"]
        expect(f"segments after order {number}", segments, [] if number == 1 else [segment])
    aggregates = client.get_customer(ann)["aggregates"]
    expect("orders count", aggregates["orders_count"], 2)
    expect("total spent", aggregates["total_spent"], 118800)
    expect("campaign redemptions", aggregates["campaign_redemptions"], {f"order-{run}": 2})
    expect("members", client.list_segment_members(segment), [ann])
    # The segment is readable by campaign rules at once.
    vip = client.validate(order(f"o3-{run}", 10000), codes=[f"VIP-{run}"], customer={"id": ann})
    expect("big spender's 3% code", vip["totals"]["total_discount"], 300)
    not_vip = client.validate(order(f"o3-{run}", 10000), codes=[f"VIP-{run}"], customer={"id": bob})
    expect("others' 3% code", not_vip["redeemables"][0]["status"], "INAPPLICABLE")

    print("An abandoned cart issues a come-back code")
    coupons(client, f"come-back-{run}", 500)
    event = f"cart_abandoned_{run}"
    client.create_distribution(
        {
            "name": "Come back",
            "trigger": "TRIGGER_CUSTOM_EVENT_TRACKED",
            "event_name": event,
            "campaign_id": f"come-back-{run}",
        }
    )
    tracked = client.track_event(ann, event, {"cart_value": 4200})
    expect("codes issued by the event", len(tracked["issued_codes"]), 1)
    again = client.track_event(ann, event)
    expect("a second abandoned cart (once per customer)", again.get("issued_codes", []), [])

    print("The wallet")
    wallet = client.qualify(order(f"o4-{run}", 5000), customer={"id": ann})
    mine = [
        (e["source"], e["result"]["campaign_id"], e["result"]["items_discount"])
        for e in wallet.get("entries", [])
        if e["result"]["campaign_id"].endswith(run)
    ]
    # Best deal first: 10.00 (thanks), then 5.00 (come back); both are assigned to ann.
    expect(
        "assigned codes, best first",
        mine,
        [("ASSIGNED_CODE", f"thanks-{run}", 1000), ("ASSIGNED_CODE", f"come-back-{run}", 500)],
    )
    come_back = tracked["issued_codes"][0]
    checked = client.validate(order(f"o4-{run}", 5000), codes=[come_back], customer={"id": ann})
    expect("the come-back code validates", checked["totals"]["total_discount"], 500)

    print("Integration events")
    events = [
        e
        for e in client.watch_events(after_sequence=cursor, backlog_only=True)
        if e.get("customer_id") == ann
    ]
    kinds = [e["type"] for e in events]
    expect(
        "event types",
        kinds,
        [
            "EVENT_REDEEMED",
            "EVENT_REDEEMED",
            "EVENT_SEGMENT_ENTERED",
            "EVENT_CODE_ISSUED",
            "EVENT_CODE_ISSUED",
        ],
    )
    expect(
        "sequences increase", [e["sequence"] for e in events], sorted(e["sequence"] for e in events)
    )
    # Ann opted out of SMS: integrations may email her only.
    expect("contactable channels", {tuple(e["contactable_channels"]) for e in events}, {("email",)})


if __name__ == "__main__":
    sys.exit(main())
