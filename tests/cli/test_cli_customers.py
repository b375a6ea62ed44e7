"""`promocore customers|segments|distributions|publish|events` as a user runs them."""

from __future__ import annotations

import json

from cdp_support import welcome_coupons

from support import promocore


def test_customers_segments_distributions_and_the_event_stream(client, target):
    welcome_coupons(client, "come-back")
    upserted = promocore(
        "customers",
        "upsert",
        "ann",
        "--attr",
        "country=FR",
        "--attr",
        "age=31",
        "--email-opt-out",
        target=target,
    ).stdout
    assert upserted.startswith("ann  orders 0  spent 0  segments -")
    assert client.get_customer("ann")["attributes"] == {"country": "FR", "age": 31}
    assert client.get_customer("ann")["contact"]["email_opt_out"] is True

    rules = json.dumps({"subject": "customer.attributes.country", "op": "eq", "value": "FR"})
    created = promocore(
        "segments", "create", "french", "--name", "French", "--rules", rules, target=target
    ).stdout
    assert created.strip() == "french  dynamic  size 1  French"
    assert promocore("segments", "members", "french", target=target).stdout.split() == ["ann"]

    promocore(
        "distributions",
        "create",
        "come-back",
        "--trigger",
        "event",
        "--event",
        "cart_abandoned",
        target=target,
    )
    tracked = promocore("events", "track", "ann", "cart_abandoned", target=target).stdout
    code = tracked.splitlines()[1].removeprefix("code issued: ")
    assert code.startswith("COME-BACK-")

    lines = promocore("events", "watch", target=target).stdout.splitlines()
    events = [json.loads(line) for line in lines]
    assert [(e["type"], e["customer_id"]) for e in events] == [
        ("EVENT_SEGMENT_ENTERED", "ann"),
        ("EVENT_CODE_ISSUED", "ann"),
    ]
    assert events[1]["code"] == code and events[1]["contactable_channels"] == ["sms"]
    after = promocore("events", "watch", "--after", "1", target=target).stdout.splitlines()
    assert [json.loads(line)["sequence"] for line in after] == [2]
