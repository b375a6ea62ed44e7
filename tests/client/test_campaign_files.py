"""Campaigns as files: `promocore apply -f` creates, shows the diff, is a no-op the second time,
and `promocore get campaign X -o yaml` prints a file that applies back unchanged."""

from __future__ import annotations

import pytest
import yaml

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
