"""The console's backtest in a real headless Chromium against a real server: on a draft
campaign's page, upload the demo orders file, watch the progress bar, read the totals, the
near-miss chart (plotly, as the dashboard's) and the sample orders; the draft stays a draft.
axe checks the page."""

from __future__ import annotations

from pathlib import Path

import yaml

from support import TEST_ADMIN_KEY

REPO = Path(__file__).resolve().parents[3]
DEMO_ORDERS = REPO / "examples" / "backtest" / "demo-orders.jsonl"
DRAFT = REPO / "examples" / "backtest" / "draft.yaml"


def test_backtest_a_draft_on_the_demo_orders(console, admin):
    draft = yaml.safe_load(DRAFT.read_text())
    admin.create_campaign(draft)
    expected = admin.backtest(DEMO_ORDERS.read_bytes(), campaign_id=draft["id"])

    console.sign_in(TEST_ADMIN_KEY)
    console.go(f"#/campaigns/{draft['id']}")
    console.find("#backtest-file").send_keys(str(DEMO_ORDERS))
    # The bar starts at 0 and the run is under way once the button is pressed.
    assert console.find("#backtest-progress").get_attribute("value") == "0"
    console.find("#backtest-run").click()
    console.text_in("#backtest-progress-text", "Done: 1,500 orders")
    assert console.find("#backtest-progress").get_attribute("value") == "100"

    console.text_in("#backtest-orders", "1,500")
    qualifying = f"{int(expected['qualifying']):,}"
    assert console.find("#backtest-qualifying").text.startswith(qualifying)
    assert "1999.58 EUR" in console.find("#backtest-discount").text
    # The budget's end in the campaign's zone (Berlin: UTC+1 in November).
    assert "2026-11-17 15:53" in console.find("#backtest-exhausted").text
    assert "Europe/Berlin" in console.find("#backtest-exhausted").text

    # The near-miss chart (plotly, served by this server): one bar per bucket, its figures the
    # report's, also said to screen readers in its label.
    console.find("#backtest-near-miss-chart svg.main-svg")
    console.find("#backtest-days-chart svg.main-svg")
    amounts = [b for b in expected["near_misses"] if b["unit"] == "amount"]
    label = console.find("#backtest-near-miss-chart").get_attribute("aria-label")
    assert label.startswith("Orders short of the threshold, by how much: ≤ 1.00 EUR ")
    assert [int(part.rsplit(" ", 1)[1]) for part in label.split(": ", 1)[1].split(", ")] == [
        int(bucket["orders"]) for bucket in amounts
    ]
    bucket_names = [
        tick.text
        for tick in console.driver.find_elements(
            "css selector", "#backtest-near-miss-chart .ytick text"
        )
    ]
    bounds = ["1.00", "5.00", "10.00", "20.00", "50.00"]
    assert sorted(bucket_names) == sorted(
        [f"≤ {bound} EUR" for bound in bounds] + ["> 50.00 EUR"]
    ), bucket_names
    assert "≤ 1.00 EUR" in console.find("#backtest-near-misses table").text
    samples = console.find("#backtest-samples table").text
    assert "demo-00002" in samples and "near miss" in samples
    console.driver.execute_script("document.getElementById('backtest').scrollIntoView()")
    console.screenshot("01-backtest-demo-orders")
    console.driver.execute_script(
        "document.getElementById('backtest-near-misses').scrollIntoView()"
    )
    console.screenshot("02-backtest-near-misses")
    console.check_accessibility("backtest")
    assert admin.get_campaign(draft["id"])["draft"] is True
    assert console.console_errors() == []


def test_a_bad_line_is_shown_with_its_line_and_field(console, admin, tmp_path):
    draft = yaml.safe_load(DRAFT.read_text())
    admin.create_campaign(draft)
    bad = tmp_path / "orders.jsonl"
    bad.write_text('{"id":"a","currency":"EUR","items":[{"sku":"A","unitPrice":"x"}]}\n')
    console.sign_in(TEST_ADMIN_KEY)
    console.go(f"#/campaigns/{draft['id']}")
    console.find("#backtest-file").send_keys(str(bad))
    console.find("#backtest-run").click()
    console.text_in("#backtest-result .error", "line 1: items[0].unitPrice")
    console.text_in("#backtest-progress-text", "Stopped.")
