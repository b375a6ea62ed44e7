"""The audit log: every admin change with who, when, before and after, queryable over gRPC."""

from __future__ import annotations

import orjson
import pytest

from promocore import Client, InvalidArgumentError
from promocore.manage.api_keys import key_id_of

from support import TEST_ADMIN_KEY

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

FIVE_OFF = {
    "id": "five",
    "name": "Five",
    "type": "DISCOUNT_COUPONS",
    "currency": "EUR",
    "effect": {"amount_off_order": {"amount": 500}},
}


def test_every_admin_change_is_logged_with_actor_time_and_states(target, client, clock):
    marketer = client.create_api_key("marketer", "admin")
    script = client.create_api_key("import script", "admin")
    with Client(target, api_key=marketer["secret"]) as keyed:
        keyed.create_campaign(FIVE_OFF)
    clock.advance(60_000)
    client.update_campaign({**FIVE_OFF, "effect": {"amount_off_order": {"amount": 700}}})
    client.disable_campaign("five")
    client.create_code("five", "FIVE-1")
    client.set_code_active("FIVE-1", False)
    with Client(target, api_key=script["secret"]) as keyed:  # streaming RPCs carry the actor too
        keyed.generate_codes("five", 25, return_codes=False)
        keyed.import_codes("five", b"code\nIMPORTED-1\nIMPORTED-2\n")
    client.duplicate_campaign("five", new_id="five-copy")
    client.set_stacking_rules({"max_applied": 3})
    client.get_campaign("five")  # reads are not changes

    entries = [e for e in client.list_audit_log() if e["action"] != "CreateApiKey"]
    assert [(e["action"], e["target"]) for e in entries] == [
        ("SetStackingRules", "settings/stacking_rules"),
        ("DuplicateCampaign", "campaign/five-copy"),
        ("ImportCodes", "campaign/five/codes"),
        ("GenerateCodes", "campaign/five/codes"),
        ("SetCodeActive", "code/FIVE-1"),
        ("CreateCode", "code/FIVE-1"),
        ("SetCampaignActive", "campaign/five"),
        ("UpdateCampaign", "campaign/five"),
        ("CreateCampaign", "campaign/five"),
    ]
    assert [e["sequence"] for e in entries] == list(range(9, 0, -1))
    created, updated = entries[-1], entries[-2]
    # The authenticated key's id, never its secret.
    assert created["actor"] == f"key:{marketer['api_key']['id']}"
    assert marketer["secret"] not in orjson.dumps(entries).decode()
    # The `client` fixture's calls carry the suite's admin key.
    assert updated["actor"] == f"key:{key_id_of(TEST_ADMIN_KEY)}"
    assert created["before"] is None
    assert created["after"]["effect"]["amount_off_order"]["amount"] == 500
    assert updated["before"]["effect"]["amount_off_order"]["amount"] == 500
    assert updated["after"]["effect"]["amount_off_order"]["amount"] == 700
    assert (updated["after"]["version"], updated["before"]["version"]) == (2, 1)
    assert (updated["created_at"] - created["created_at"]).total_seconds() == 60
    switched = entries[-3]
    assert (switched["before"]["active"], switched["after"]["active"]) == (True, False)
    assert entries[3]["after"]["generated"] == 25
    assert entries[3]["actor"] == entries[2]["actor"] == f"key:{script['api_key']['id']}"
    assert entries[2]["after"] == {"imported": 2}


def test_the_log_filters_by_target_and_pages_newest_first(client):
    for number in range(7):
        client.create_campaign({**FIVE_OFF, "id": f"c{number}"})
    client.create_code("c0", "C0-CODE")
    campaigns = client.list_audit_log(target_prefix="campaign/")
    assert [e["target"] for e in campaigns] == [f"campaign/c{n}" for n in range(6, -1, -1)]
    assert [e["target"] for e in client.list_audit_log(target_prefix="code/")] == ["code/C0-CODE"]
    assert [e["target"] for e in client.list_audit_log(limit=2)] == ["code/C0-CODE", "campaign/c6"]


def test_a_failed_change_logs_nothing(client):
    client.create_campaign(FIVE_OFF)
    with pytest.raises(InvalidArgumentError):
        client.import_codes("five", b"code\nOK-1\nbad code\twith tab\n")
    assert [e["action"] for e in client.list_audit_log()] == ["CreateCampaign"]
