"""Plain Python values <-> protobuf messages (what the client speaks)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from promocore import InvalidArgumentError
from promocore.v1 import campaign_pb2
from promocore.wire.plain import from_plain, to_plain


def test_round_trip_keeps_integers_enums_times_and_json_fields():
    values = {
        "id": "c1",
        "name": "Round trip",
        "type": "DISCOUNT_COUPONS",
        "currency": "EUR",
        "start_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "rules": {"subject": "order.amount", "op": "gte", "value": 9_007_199_254_740_993},
        "effect": {"percent_off_order": {"percent_bp": 1000, "cap": 500}},
        "limits": {"total_redemptions": 0},
    }
    message = from_plain(campaign_pb2.Campaign, values)
    assert message.effect.percent_off_order.cap == 500
    plain = to_plain(message)
    assert plain["type"] == "DISCOUNT_COUPONS"
    assert plain["start_at"] == values["start_at"]
    # 2**53 + 1 would not survive a float; the rule keeps it exact.
    assert plain["rules"]["value"] == 9_007_199_254_740_993
    assert plain["effect"]["percent_off_order"] == {"percent_bp": 1000, "cap": 500}
    # A limit set to 0 (nobody may redeem) differs from an absent limit (unlimited).
    assert plain["limits"]["total_redemptions"] == 0
    assert plain["limits"]["per_customer"] is None
    assert plain["active"] is None


def test_raw_json_string_under_the_json_name_is_kept_as_is():
    message = from_plain(
        campaign_pb2.Campaign,
        {"rules_json": '{"not": {"subject": "customer.id", "op": "exists", "value": true}}'},
    )
    assert message.rules_json.startswith('{"not"')


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"nmae": "typo"}, "campaign.nmae"),
        (
            {"effect": {"amount_off_order": {"amount": "5.00"}}},
            "campaign.effect.amount_off_order.amount",
        ),
        ({"type": "COUPONS"}, "campaign.type"),
        ({"start_at": "yesterday"}, "campaign.start_at"),
        ({"variants": {"name": "A"}}, "campaign.variants"),
    ],
)
def test_bad_values_name_their_path(values, field):
    with pytest.raises(InvalidArgumentError) as error:
        from_plain(campaign_pb2.Campaign, values, "campaign")
    assert error.value.field == field
