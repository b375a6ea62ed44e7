"""Campaigns as files: `promocore apply -f` creates, shows the diff, is a no-op the second time,
and `promocore get campaign X -o yaml` prints a file that applies back unchanged."""

from __future__ import annotations

import pytest
import yaml

from promocore.client.campaign_files import (
    apply_document,
    apply_stacking_document,
    load_documents,
    stacking_document,
)
from promocore.errors import InvalidArgumentError

from support import promocore

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

CAMPAIGN_YAML = """\
id: happy-hour
name: Happy hour 15%
type: DISCOUNT_COUPONS
currency: EUR
time_zone: Europe/Berlin
validity_windows:
  - days_of_week: [1, 2, 3, 4, 5]
    start_time: "17:00"
    end_time: "19:00"
rules:
  all:
    - {subject: order.amount, op: gte, value: 2000}
    - {subject: customer.attributes.country, op: in, value: [DE, AT]}
effect:
  percent_off_order: {percent_bp: 1500, cap: 1000}
limits:
  per_customer: 1
  total_redemptions: 0
code_config: {pattern: "HH-######", charset_preset: alphanumeric}
metadata: {team: growth, channel: [web, app]}
expire_at: "2026-12-31T23:00:00Z"
---
id: welcome
name: Welcome 5
type: DISCOUNT_COUPONS
currency: EUR
active: false
effect:
  amount_off_order: {amount: 500}
"""


def test_apply_twice_is_a_no_op_and_get_yaml_round_trips(target, client, tmp_path):
    path = tmp_path / "campaigns.yaml"
    path.write_text(CAMPAIGN_YAML)

    first = promocore("apply", "-f", str(path), target=target).stdout
    assert "campaign/happy-hour created (version 1)" in first
    assert "campaign/welcome created (version 1)" in first
    assert "+  percent_off_order:" in first  # the diff of a creation: every line added
    happy = client.get_campaign("happy-hour")
    assert happy["limits"]["total_redemptions"] == 0  # an explicit zero limit, not "unset"
    assert happy["metadata"] == {"team": "growth", "channel": ["web", "app"]}
    assert client.get_campaign("welcome")["active"] is False

    second = promocore("apply", "-f", str(path), target=target).stdout
    assert second.splitlines() == [
        "campaign/happy-hour unchanged (version 1)",
        "campaign/welcome unchanged (version 1)",
    ]
    assert client.get_campaign("happy-hour")["version"] == 1

    exported = promocore("get", "campaign", "happy-hour", "-o", "yaml", target=target).stdout
    document = yaml.safe_load(exported)
    assert "version" not in document and "status" not in document
    assert document["rules"] == yaml.safe_load(CAMPAIGN_YAML.split("---")[0])["rules"]
    round_trip = tmp_path / "happy-hour.yaml"
    round_trip.write_text(exported)
    again = promocore("apply", "-f", str(round_trip), target=target).stdout
    assert again.strip() == "campaign/happy-hour unchanged (version 1)"
    assert (
        promocore("get", "campaign", "happy-hour", "-o", "yaml", target=target).stdout == exported
    )


def test_a_changed_file_updates_with_a_diff_of_the_change(target, client, tmp_path):
    path = tmp_path / "campaigns.yaml"
    path.write_text(CAMPAIGN_YAML)
    promocore("apply", "-f", str(path), target=target)
    path.write_text(CAMPAIGN_YAML.replace("percent_bp: 1500", "percent_bp: 2000"))

    output = promocore("apply", "-f", str(path), target=target).stdout
    assert "campaign/happy-hour updated (version 2)" in output
    assert "campaign/welcome unchanged (version 1)" in output
    changed = [
        line
        for line in output.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == ["-    percent_bp: 1500", "+    percent_bp: 2000"]
    assert client.get_campaign("happy-hour")["effect"]["percent_off_order"]["percent_bp"] == 2000
    assert (
        client.get_campaign("happy-hour", version=1)["effect"]["percent_off_order"]["percent_bp"]
        == 1500
    )


def test_a_bad_file_names_the_field_and_changes_nothing(target, client, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\nname: Bad\ntype: DISCOUNT_COUPONS\ncurrency: EUR\neffect:\n"
        "  percent_off_order: {percent_bp: 20000}\n"
    )
    failed = promocore("apply", "-f", str(path), target=target, check=False)
    assert failed.returncode != 0
    assert "campaign.effect.percent_off_order.percent_bp" in failed.stderr
    assert client.list_campaigns() == []
    path.write_text("name: No id\n")
    failed = promocore("apply", "-f", str(path), target=target, check=False)
    assert failed.returncode != 0 and ".id: required" in failed.stderr


# Reading a file refuses it before any server is asked, naming the document and field.
@pytest.mark.parametrize(
    ("name", "text", "field"),
    [
        ("bad.yaml", "id: [unclosed\n", "{path}"),  # not YAML
        ("list.yaml", "- one\n- two\n", "{path}[0]"),  # a list, not a mapping
        ("kind.yaml", "kind: campaign\nid: x\n", "{path}[0].kind"),
        ("rules.yaml", "kind: stacking_rules\nrules: [1, 2]\n", "{path}[0].rules"),
        ("noid.yaml", "id: first\nname: A\n---\nname: B\n", "{path}[1].id"),
        ("noid.json", '[{"id": "first"}, {"name": "B"}]', "{path}[1].id"),
    ],
)
def test_a_file_apply_cannot_match_by_id_is_refused_naming_the_document(
    tmp_path, name, text, field
):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidArgumentError) as error:
        load_documents(path)
    assert error.value.field == field.format(path=path)


def test_a_json_file_may_hold_one_campaign_or_a_list(tmp_path):
    one = tmp_path / "one.json"
    one.write_text('{"id": "a", "name": "A"}')
    assert load_documents(one) == [{"id": "a", "name": "A"}]
    listed = tmp_path / "listed.JSON"  # the suffix in any case
    listed.write_text('[{"id": "a"}, {"id": "b"}]')
    assert [document["id"] for document in load_documents(listed)] == ["a", "b"]


def test_apply_creates_leaves_alone_then_updates_the_version_it_read(admin):
    # `admin`: a server on LMDB; applying is client-side logic over the admin RPCs.
    document = {
        "id": "welcome",
        "name": "Welcome 5",
        "type": "DISCOUNT_COUPONS",
        "currency": "EUR",
        "effect": {"amount_off_order": {"amount": 500}},
    }
    created = apply_document(admin, document)
    assert (created.action, created.version) == ("created", 1)
    assert "+  amount_off_order:" in created.diff
    # The defaults spelled out (active: true) are no change.
    same = apply_document(admin, {**document, "active": True})
    assert (same.action, same.version, same.diff) == ("unchanged", 1, "")
    changed = apply_document(admin, {**document, "effect": {"amount_off_order": {"amount": 700}}})
    assert (changed.action, changed.version) == ("updated", 2)
    assert "-    amount: 500\n" in changed.diff and "+    amount: 700\n" in changed.diff
    assert admin.get_campaign("welcome")["effect"]["amount_off_order"]["amount"] == 700


def test_a_stacking_document_sets_the_rules_only_when_they_differ(admin):
    document = stacking_document({"max_applied": 3})
    first = apply_stacking_document(admin, document)
    assert first.action == "updated"
    assert "-max_applied: null\n+max_applied: 3\n" in first.diff
    assert admin.get_stacking_rules()["max_applied"] == 3
    assert apply_document(admin, document).action == "unchanged"
    audited = [e["action"] for e in admin.list_audit_log(target_prefix="settings/")]
    assert len(audited) == 1  # the second apply wrote nothing
