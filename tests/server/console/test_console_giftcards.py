"""The console's gift card page in a real Chromium, as the revenue team uses it: issue a batch in
currency units, find a card, top it up and debit it with a reason (the debit confirmed), read the
ledger in money, disable a card; the same page read-only for a read-only key. Screenshots and
axe results under test-output/console/<test name>/."""

from __future__ import annotations

import csv
import io

from programs_support import gift_program
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from support import TEST_ADMIN_KEY, cart


def test_an_admin_issues_1000_cards_tops_one_up_debits_it_and_reads_the_ledger(
    console, http_server, admin
):
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/giftcards")
    console.text_in("#no-program", "No gift card program yet")
    console.screenshot("01-no-program")
    admin.create_campaign(
        id="xmas",
        name="Christmas gift cards",
        type="GIFT_VOUCHERS",
        currency="EUR",
        time_zone="Europe/Berlin",
    )

    console.go("#/campaigns")
    console.go("#/giftcards")
    console.text_in("#giftcard-outstanding", "0.00 EUR")
    # Nothing typed in cents: 25.00 EUR each, expiring at the end of next year in Berlin.
    count = console.find("#issue-count")
    count.clear()
    count.send_keys("1,000")
    console.find("#issue-amount").send_keys("25")
    console.find("#issue").click()
    console.text_in("#issued", "1,000 gift cards of 25.00 EUR issued", timeout=120)
    console.text_in("#giftcard-outstanding", "25000.00 EUR")
    console.text_in("#giftcard-cards", "1,000")
    assert admin.get_gift_card_program("xmas")["outstanding_balance"] == 1000 * 2500
    console.screenshot("02-issued")
    console.check_accessibility("giftcards-issued")
    code = console.find(".issued-code").text

    # A wrong amount is said beside its field, and the focus stays there.
    console.find("#giftcard-code").send_keys(code)
    console.find("#giftcard-find").click()
    console.text_in("#giftcard-balance", "25.00 EUR")
    amount = console.find("#change-amount")
    amount.send_keys("12.345")
    console.find("#top-up").click()
    console.text_in("#change-amount-problem", "EUR has 2 decimals")
    assert console.driver.switch_to.active_element == amount

    amount.clear()
    amount.send_keys("10.50")
    console.find("#change-reason").send_keys("goodwill after a late delivery")
    console.find("#top-up").click()
    console.text_in("#giftcard-balance", "35.50 EUR")

    # A debit needs a reason and a confirmation naming what it takes.
    console.find("#change-amount").send_keys("5")
    console.find("#debit").click()
    console.text_in("#change-reason-problem", "needs a reason")
    console.find("#change-reason").send_keys("paid by phone")
    console.find("#debit").click()
    console.text_in("#debit-question", f"Take 5.00 EUR off {code}, leaving 30.50 EUR?")
    console.screenshot("03-debit-confirmation")
    console.find("#confirm-debit").click()
    console.text_in("#giftcard-balance", "30.50 EUR")
    rows = [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in console.driver.find_elements(By.CSS_SELECTOR, "#giftcard table tbody tr")
    ]
    assert [row[1:] for row in rows] == [
        ["credit", "25.00 EUR", "25.00 EUR", "issued"],
        ["credit", "10.50 EUR", "35.50 EUR", "goodwill after a late delivery"],
        ["debit", "-5.00 EUR", "30.50 EUR", "paid by phone"],
    ]
    assert all(row[0].endswith("(Europe/Berlin)") for row in rows)
    assert admin.get_gift_card(code)["balance"] == 3050
    console.screenshot("04-ledger")
    console.check_accessibility("giftcards-card")

    # The card pays at checkout; disabled (confirmed), checkout refuses it.
    paid = admin.validate(cart(("MUG", 1000, 1)), codes=[code])
    assert paid["totals"]["gift_card_amount"] == 1000
    console.find("#toggle-card").click()
    console.find("#confirm-disable").click()
    console.text_in("#giftcard-state", "disabled")
    refused = admin.validate(cart(("MUG", 1000, 1)), codes=[code])
    assert refused["redeemables"][0]["status"] == "INAPPLICABLE"
    console.screenshot("05-disabled")
    actions = [(e["action"], e["actor"]) for e in admin.list_audit_log(target_prefix="giftcard/")]
    assert [action for action, _ in actions] == ["DebitGiftCard", "TopUpGiftCard"]
    assert console.console_errors() == []


def test_a_read_only_key_reads_the_program_and_changes_nothing(console, http_server, admin):
    gift_program(admin, "xmas")
    [card] = admin.issue_gift_cards("xmas", balance=2500)
    reader = admin.create_api_key("analyst", "read_only")["secret"]
    console.sign_in(reader)
    console.go("#/giftcards")
    console.text_in("#giftcard-outstanding", "25.00 EUR")
    assert console.driver.find_elements(By.ID, "issue") == []
    console.find("#giftcard-code").send_keys(card["code"])
    console.find("#giftcard-find").click()
    console.text_in("#giftcard-balance", "25.00 EUR")
    assert console.driver.find_elements(By.ID, "top-up") == []
    assert console.driver.find_elements(By.ID, "toggle-card") == []
    console.screenshot("01-read-only")
    console.check_accessibility("giftcards-read-only")


def test_an_admin_exports_the_cards_holding_a_balance_as_csv_in_money(
    console, http_server, admin, tmp_path
):
    gift_program(admin)
    cards = admin.issue_gift_cards("gift", count=3, balance=2550)
    admin.debit_gift_card(cards[0]["code"], 2550, reason="spent in shop", idempotency_key="d-1")
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/giftcards/gift")
    Select(console.find("#giftcard-export-filter")).select_by_visible_text(
        "cards holding a balance"
    )
    console.find("#giftcard-export").click()
    console.text_in("#giftcard-export-result", "2 cards: Download gift-gift-cards-with-balance.csv")
    link = console.find("#giftcard-csv-link")
    assert link.get_attribute("download") == "gift-gift-cards-with-balance.csv"
    # Downloaded as a person would: the link clicked, the file saved by the browser.
    console.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    link.click()
    saved = tmp_path / "gift-gift-cards-with-balance.csv"
    console.wait(lambda _: saved.exists() and saved.stat().st_size > 0)
    downloaded = saved.read_text()
    rows = list(csv.DictReader(io.StringIO(downloaded)))
    assert sorted(row["code"] for row in rows) == sorted(card["code"] for card in cards[1:])
    assert {(row["currency"], row["balance"], row["state"]) for row in rows} == {
        ("EUR", "25.50", "with balance")
    }
    # The file is the server's export, byte for byte.
    server = b"".join(admin.export_gift_cards("gift", filter="GIFT_CARDS_WITH_BALANCE")).decode()
    assert downloaded == server
    console.screenshot("01-export")
    console.check_accessibility("giftcards-export")
    assert console.console_errors() == []
