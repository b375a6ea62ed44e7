"""Distributions and code publication through the real server: what a distribution must name
before it is stored, and which codes a publication may hand to a customer."""

from __future__ import annotations

import pytest
from programs_support import gift_program

from promocore.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)

from support import coupon

ORDER_PAID = {"name": "thanks", "trigger": "TRIGGER_ORDER_PAID", "campaign_id": "thanks"}


@pytest.fixture
def thanks(client) -> str:
    """A DISCOUNT_COUPONS campaign "thanks" whose codes a distribution may issue."""
    return coupon(client, "thanks", "THANKS-1")


# Each input breaks one rule of Distributions.create; the refusal names that field.
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "two words"}, "distribution.id"),
        ({"trigger": "DISTRIBUTION_TRIGGER_UNSPECIFIED"}, "distribution.trigger"),
        ({"trigger": "TRIGGER_SEGMENT_ENTERED", "segment_id": "vip"}, "distribution.segment_id"),
        ({"trigger": "TRIGGER_CUSTOM_EVENT_TRACKED"}, "distribution.event_name"),
        # 3650 days is the longest inactivity a distribution waits for.
        ({"trigger": "TRIGGER_INACTIVE", "inactive_days": 3651}, "distribution.inactive_days"),
        ({"campaign_id": ""}, "distribution.campaign_id"),
    ],
)
def test_a_distribution_names_the_field_it_lacks(client, thanks, changes, field):
    with pytest.raises(InvalidArgumentError) as error:
        client.create_distribution({**ORDER_PAID, **changes})
    assert error.value.field == field
    assert client.list_distributions() == []


def test_a_distribution_issues_only_discount_codes_of_a_campaign_that_exists(client):
    gift_program(client)
    with pytest.raises(InvalidArgumentError) as gift:
        client.create_distribution({**ORDER_PAID, "campaign_id": "gift"})
    assert gift.value.field == "distribution.campaign_id"
    with pytest.raises(NotFoundError):
        client.create_distribution({**ORDER_PAID, "campaign_id": "nope"})
    assert client.list_distributions() == []


def test_a_distribution_id_is_given_once_and_one_is_made_when_none_is_given(client, thanks):
    named = client.create_distribution({**ORDER_PAID, "id": "after-order"})
    assert named["id"] == "after-order"
    with pytest.raises(AlreadyExistsError):
        client.create_distribution({**ORDER_PAID, "id": "after-order"})
    made = client.create_distribution(ORDER_PAID)
    # "dst_" and 8 random bytes in hex.
    assert made["id"].startswith("dst_") and len(made["id"]) == 4 + 16
    birthday = client.create_distribution({**ORDER_PAID, "trigger": "TRIGGER_BIRTHDAY"})
    # A birthday distribution reads the "birthday" attribute unless told otherwise.
    assert birthday["birthday_attribute"] == "birthday"
    listed = {d["id"] for d in client.list_distributions()}
    assert listed == {"after-order", made["id"], birthday["id"]}


def test_publishing_an_existing_code_checks_its_campaign_and_owner(client, thanks):
    coupon(client, "other", "OTHER-1")
    with pytest.raises(InvalidArgumentError) as no_campaign:
        client.publish_code("", "ann")
    assert no_campaign.value.field == "campaign_id"
    with pytest.raises(InvalidArgumentError) as bad_customer:
        client.publish_code("thanks", "ann smith")
    assert bad_customer.value.field == "customer_id"
    with pytest.raises(NotFoundError):
        client.publish_code("thanks", "ann", code="NO-SUCH-CODE")
    with pytest.raises(InvalidArgumentError) as elsewhere:
        client.publish_code("thanks", "ann", code="OTHER-1")
    assert elsewhere.value.field == "code"

    assert client.publish_code("thanks", "ann", code="THANKS-1")["code"] == "THANKS-1"
    assert client.get_code("THANKS-1")["assigned_customer_id"] == "ann"
    # Published to the same customer again: the same code, no error.
    assert client.publish_code("thanks", "ann", code="THANKS-1")["code"] == "THANKS-1"
    with pytest.raises(FailedPreconditionError) as taken:
        client.publish_code("thanks", "bob", code="THANKS-1")
    assert taken.value.reason == "code_assigned"
    assert client.get_code("THANKS-1")["assigned_customer_id"] == "ann"


def test_a_gift_program_issues_no_discount_code_to_publish(client):
    gift_program(client)
    with pytest.raises(FailedPreconditionError) as refused:
        client.publish_code("gift", "ann")
    assert refused.value.reason == "not_issuable"
