"""Campaign and code management through the real server."""

from __future__ import annotations

import pytest

from promocore import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

FIVE_OFF = {
    "id": "five-off",
    "name": "Five off",
    "type": "DISCOUNT_COUPONS",
    "currency": "EUR",
    "effect": {"amount_off_order": {"amount": 500}},
}


def test_updates_create_versions_and_old_versions_stay_readable(client):
    created = client.create_campaign(FIVE_OFF)
    assert (created["version"], created["status"], created["active"]) == (
        1,
        "CAMPAIGN_STATUS_ACTIVE",
        True,
    )
    updated = client.update_campaign({**FIVE_OFF, "effect": {"amount_off_order": {"amount": 700}}})
    assert updated["version"] == 2
    assert updated["created_at"] == created["created_at"]
    assert client.get_campaign("five-off", version=1)["effect"]["amount_off_order"]["amount"] == 500
    assert client.get_campaign("five-off")["effect"]["amount_off_order"]["amount"] == 700
    with pytest.raises(FailedPreconditionError):
        client.update_campaign(FIVE_OFF, expected_version=1)


def test_duplicate_ids_and_codes_are_refused(client):
    client.create_campaign(FIVE_OFF)
    with pytest.raises(AlreadyExistsError):
        client.create_campaign(FIVE_OFF)
    client.create_code("five-off", "Hello-1")
    with pytest.raises(AlreadyExistsError):
        client.create_code("five-off", "HELLO-1")  # same code, other case


def test_unknown_ids_are_not_found(client):
    with pytest.raises(NotFoundError):
        client.get_campaign("nope")
    with pytest.raises(NotFoundError):
        client.get_code("NOPE")
    with pytest.raises(NotFoundError):
        client.create_code("nope", "X-1")


def test_missing_required_fields_name_the_field(client):
    for missing, field in (
        ("name", "campaign.name"),
        ("type", "campaign.type"),
        ("effect", "campaign.effect"),
    ):
        values = {k: v for k, v in FIVE_OFF.items() if k != missing}
        with pytest.raises(InvalidArgumentError) as error:
            client.create_campaign(values)
        assert error.value.field == field


def test_generated_codes_are_unique_listed_and_paged(client):
    client.create_campaign(FIVE_OFF)
    codes = client.generate_codes("five-off", 250, redemption_quantity=2)
    assert len(set(c.upper() for c in codes)) == 250
    listed = client.list_codes("five-off")  # 3 pages of 100
    assert sorted(c["code"] for c in listed) == sorted(codes)
    assert {c["redemption_quantity"] for c in listed} == {2}


def test_generation_refuses_a_guessable_pattern(client):
    client.create_campaign(FIVE_OFF)
    with pytest.raises(InvalidArgumentError) as error:
        client.generate_codes("five-off", 100, code_config={"pattern": "###"})
    assert error.value.field == "count"
    assert client.list_codes("five-off") == []


def test_campaign_listing_pages_through_everything(client):
    for n in range(130):
        client.create_campaign({**FIVE_OFF, "id": f"c-{n:03d}"})
    assert [c["id"] for c in client.list_campaigns()] == [f"c-{n:03d}" for n in range(130)]
