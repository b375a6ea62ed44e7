"""The web console in a real headless Chromium (Debian's chromium and chromedriver, installed by
`make install`), driven with Selenium against a real server's HTTP port. The browser, the
`console` steps and the screenshots (test-output/console/<test name>/) are console_support.py's.
"""

from __future__ import annotations

import http.client

import orjson
from cockpit_support import rewarded_customers
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from promocore.server.grpc_server import RunningServer

from support import TEST_ADMIN_KEY, cart


def validate_over_http(server: RunningServer, code: str) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", server.http.port, timeout=10)
    body = {
        "order": {"currency": "EUR", "items": [{"sku": "A", "unitPrice": "5000", "quantity": 1}]},
        "redeemables": [{"code": code}],
    }
    connection.request(
        "POST",
        "/promocore.v1.CheckoutService/Validate",
        body=orjson.dumps(body),
        headers={"Content-Type": "application/json", "x-api-key": TEST_ADMIN_KEY},
    )
    response = connection.getresponse()
    assert response.status == 200
    return orjson.loads(response.read())


def test_a_marketer_creates_generates_disables_and_reads_the_report(console, http_server, admin):
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns")  # the home is the dashboard
    console.text_in("#campaign-list", "No campaign matches")
    console.screenshot("02-campaigns")
    console.check_accessibility("campaigns")

    # Create a campaign through the form, its rule with the builder (no JSON typed; the compile
    # errors are test_console_rule_builder.py's).
    console.find("#new-campaign").click()
    console.find("#campaign-id").send_keys("spring-10")
    console.find("#campaign-name").send_keys("Spring: 10.00 EUR off")
    console.find("#campaign-amount").send_keys("10")
    console.find("#rules-section button.add-condition").click()
    console.find("#rules-section input[aria-label^='Order amount is at least']").send_keys("30")
    console.text_in("#rule-words", "order amount is at least 30.00 EUR")
    console.screenshot("03-rule-builder")
    console.find("#save-campaign").click()
    console.text_in("h1", "Spring: 10.00 EUR off")
    console.screenshot("04-campaign")
    created = admin.get_campaign("spring-10")
    assert created["effect"] == {"amount_off_order": {"amount": 1000}}
    assert created["rules"] == {"subject": "order.amount", "op": "gte", "value": 3000}

    # Generate 10,000 codes with the progress bar reaching 100 %.
    console.go("#/codes?campaign=spring-10")
    Select(console.find("#codes-campaign")).select_by_value("spring-10")
    count = console.find("#generate-count")
    count.clear()
    count.send_keys("10000")
    console.find("#generate").click()
    console.text_in("#generate-result", "10,000 codes generated", timeout=120)
    assert console.find("#generate-progress").get_attribute("value") == "100"
    assert console.find("#generate-progress-text").text.startswith("100 %")
    console.doc_screenshot("codes-generated")
    console.check_accessibility("codes")
    codes = admin.list_codes("spring-10")
    assert len(codes) == 10_000
    one_code = codes[0]["code"]

    # Search it, with its QR preview; export the CSV.
    console.find("#code-search").send_keys(one_code + Keys.ENTER)
    console.text_in("#found-code", one_code)
    qr = console.find("#code-result img.qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    console.find("#export-csv").click()
    link = console.find("#csv-link")
    assert "spring-10-codes.csv" in link.text
    console.screenshot("06-code-search-qr-export")

    # 10,000 codes a page at a time with their total; narrowed to a prefix; one disabled
    # (asked first), and Validate refuses it.
    console.text_in("#codes-total", "1\N{EN DASH}50 of 10,000 codes.")
    console.find("#codes-next").click()
    console.text_in("#codes-total", "51\N{EN DASH}100 of 10,000 codes.")
    other = codes[2]["code"]
    console.find("#codes-prefix").send_keys(other[:9])
    console.find("#codes-filter").click()
    matching = len(admin.list_codes("spring-10", prefix=other[:9]))
    console.text_in("#codes-total", f"of {matching:,} codes starting with “{other[:9]}”")
    console.find("#code-list a.mono[href='#/codes']").click()
    search = console.find("#code-search")
    search.clear()
    search.send_keys(other + Keys.ENTER)
    console.text_in("#found-code", other)
    console.find("#code-toggle").click()
    console.text_in("#disable-code-question", f"Disable {other}?")
    console.find("#confirm-disable-code").click()
    console.text_in("#found-state", "disabled")
    refused = validate_over_http(http_server, other)["redeemables"][0]
    assert refused["status"] == "INAPPLICABLE"
    console.screenshot("06b-code-disabled")
    console.check_accessibility("codes")

    # A redemption for the report, then the kill switch.
    assert validate_over_http(http_server, one_code)["redeemables"][0]["status"] == "APPLICABLE"
    admin.redeem(cart(("A", 5000, 1), id="order-1"), codes=[one_code], idempotency_key="order-1")
    console.go("#/campaigns/spring-10")
    console.find("#kill-switch").click()
    # Asked first, with a reason for the audit log.
    console.text_in("#kill-question", "Every checkout refuses its codes and promotion at once")
    console.find("#confirm-kill").click()
    console.text_in("#kill-reason-problem", "Say why")
    console.find("#kill-reason").send_keys("code leaked on a coupon site")
    console.find("#confirm-kill").click()
    console.find("#disabled-flag")
    [kill] = [e for e in admin.list_audit_log() if e["action"] == "SetCampaignActive"]
    assert kill["after"]["reason"] == "code leaked on a coupon site"
    console.screenshot("07-campaign-disabled")
    answer = validate_over_http(http_server, codes[1]["code"])
    assert answer["redeemables"][0]["status"] == "INAPPLICABLE"
    assert answer["redeemables"][0]["reason"] == "campaign_inactive"

    # Versions: the edit made v2 (the kill switch too); the diff shows a change.
    console.find("#edit-campaign").click()
    name = console.find("#campaign-name")
    name.clear()
    name.send_keys("Spring: 10.00 EUR off (edited)")
    console.find("#save-campaign").click()
    console.text_in("h1", "(edited)")
    edited = admin.get_campaign("spring-10")
    assert edited["effect"] == {"amount_off_order": {"amount": 1000}}  # kept by the form
    assert edited["version"] > created["version"]
    console.find("#diff-from")
    console.find("form[aria-label='Compare versions'] button").click()
    console.text_in("#diff", "(edited)")
    assert console.driver.find_elements(By.CSS_SELECTOR, "#diff .add")
    console.screenshot("08-versions-diff")

    # The report chart.
    console.go("#/reports/spring-10")
    console.find("#report-redemptions-chart svg.main-svg")  # drawn by plotly.js
    bars = console.driver.find_elements(By.CSS_SELECTOR, "#report-redemptions-chart .point path")
    assert bars, "a bar for the one redemption"
    ticks = [
        t.text
        for t in console.driver.find_elements(By.CSS_SELECTOR, "#report-discount-chart .ytick text")
    ]
    assert ticks and all(tick.endswith(" EUR") for tick in ticks), ticks
    console.text_in("#report-totals", "1 redemptions")
    console.doc_screenshot("report")
    console.check_accessibility("report")
    assert console.console_errors() == []


def test_support_looks_up_a_customer_and_rolls_back_a_redemption(console, http_server, admin):
    admin.create_campaign(
        id="c5",
        name="5 off",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 500}},
    )
    admin.create_code("c5", "FIVE")
    admin.upsert_customer("cust-7", {"country": "DE", "tier": "gold"})
    redeemed = admin.redeem(
        cart(("A", 5000, 1), id="order-7"),
        codes=["FIVE"],
        customer={"id": "cust-7"},
        idempotency_key="order-7",
    )
    redemption_id = redeemed["redemption"]["id"]

    console.sign_in(TEST_ADMIN_KEY)
    console.find("#nav a[href='#/customers']").click()
    console.find("#customer-search").send_keys("cust-7" + Keys.ENTER)
    console.find("#customer-list a[href='#/customers/cust-7']").click()
    console.text_in("#customer-heading", "cust-7")
    console.text_in("#customer", "gold")
    console.find("#wallet table, #wallet p")
    console.text_in("#redemptions", redemption_id)
    console.screenshot("10-customer")
    console.check_accessibility("customer")
    console.find("#redemptions button.rollback").click()
    # A reason first, then the confirmation naming the redemption.
    console.text_in("#rollback-question", f"Roll back {redemption_id} of order order-7?")
    console.find("#confirm-rollback").click()
    console.text_in("#rollback-reason-problem", "Say why")
    console.find("#rollback-reason").send_keys("order returned")
    console.screenshot("11-rollback-confirmation")
    console.find("#confirm-rollback").click()
    console.text_in("#rollback-notice", "rolled back")
    console.text_in("#redemptions .redemption-status", "rolled back")
    console.screenshot("11-rolled-back")
    rolled_back = admin.get_redemption(redemption_id)
    assert rolled_back["status"] == "ROLLED_BACK"
    assert rolled_back["rollback_reason"] == "order returned"

    console.go("#/audit")
    console.text_in("#audit", "CreateCampaign")
    console.screenshot("12-audit-log")
    console.go("#/keys")
    Select(console.find("#key-role")).select_by_value("ROLE_POS")
    console.find("#key-name").send_keys("till 9" + Keys.ENTER)
    console.find("#created-key .secret")
    console.text_in("#keys", "till 9")
    console.screenshot("13-api-keys")
    console.check_accessibility("api-keys")
    # The key signed in here has no Revoke; another is revoked once confirmed.
    console.text_in("#key-in-use", "signed in with it")
    [revoke] = console.driver.find_elements(By.CSS_SELECTOR, "#keys button.revoke-key")
    revoke.click()
    console.text_in("#revoke-question", "Revoke the pos key “till 9”?")
    console.find("#confirm-revoke").click()
    console.wait(
        lambda driver: not driver.find_elements(By.CSS_SELECTOR, "#keys button.revoke-key")
    )
    [till] = [k for k in admin.list_api_keys() if k["name"] == "till 9"]
    assert till["revoked_at"] is not None
    assert console.console_errors() == []


def test_a_read_only_key_sees_everything_and_changes_nothing(console, http_server, admin):
    admin.create_campaign(
        id="c1",
        name="one",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 100}},
    )
    read_only = admin.create_api_key("analyst", "read_only")["secret"]
    console.sign_in(read_only)
    console.text_in("#who", "read-only")
    assert not console.driver.find_elements(By.CSS_SELECTOR, "#new-campaign")
    assert (
        console.driver.find_element(By.CSS_SELECTOR, "#nav a[href='#/keys']").is_displayed()
        is False
    )
    console.go("#/campaigns/c1")
    assert console.find("#kill-switch").get_attribute("disabled") is not None
    console.screenshot("14-read-only")
    # The audit log by URL: said to be the admin's, and the server refuses it anyway.
    console.go("#/audit")
    console.text_in("#admin-only", "Audit log: admin keys only")
    assert "CreateCampaign" not in console.driver.page_source


def test_a_wrong_key_is_refused_with_the_reason(console):
    console.driver.get(console.base_url)
    field = console.find("#api-key")
    field.send_keys("pck_0000000000000000_wrong" + Keys.ENTER)
    console.text_in(".error", "unauthenticated")
    console.screenshot("15-wrong-key")
    console.check_accessibility("sign-in-refused")
    # Nothing kept: the key is forgotten, the sign-in form is back.
    assert console.driver.execute_script("return sessionStorage.length") == 0


def test_a_customer_sees_their_cockpit_and_a_tampered_link_is_refused(console, http_server, admin):
    rewarded_customers(admin)
    path = admin.create_cockpit_link("ann", 3600)["path"]
    base = http_server.http.url.rstrip("/")
    console.driver.get(base + path)
    console.text_in("#cockpit-codes", "ANN-WELCOME")
    assert console.find("#points-club").text == "400"
    assert console.find(".tier").text == "Silver"
    qr = console.find("#cockpit-codes img.qr")
    assert console.driver.execute_script("return arguments[0].naturalWidth", qr) > 0
    assert "BOB-WELCOME" not in console.driver.page_source
    console.screenshot("16-cockpit")
    console.check_accessibility("cockpit")
    # On a phone: 360 px wide, nothing wider than the screen.
    console.driver.set_window_size(360, 800)
    console.driver.get(base + path)
    console.text_in("#cockpit-codes", "ANN-WELCOME")
    width = console.driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 360
    console.screenshot("16-cockpit-360px")
    console.check_accessibility("cockpit-360px")
    console.driver.set_window_size(1280, 1000)
    # One character of the signature changed.
    position = len(path) - 5
    changed = "B" if path[position] == "A" else "A"
    console.driver.get(base + path[:position] + changed + path[position + 1 :])
    console.text_in("#refused", "does not open a rewards page")
    assert "ANN-WELCOME" not in console.driver.page_source
    assert "400" not in console.driver.page_source
    console.screenshot("17-cockpit-tampered-link")
    assert console.console_errors() == []


def test_editing_keeps_an_effect_the_form_does_not_edit(console, http_server, admin):
    formula = {"formula": {"expression": "min(order.amount * 10%, 5.00)"}}
    admin.create_campaign(
        id="tiers", name="tiers", type="PROMOTION", currency="EUR", effect=formula
    )
    stored = admin.get_campaign("tiers")["effect"]
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/campaigns/tiers/edit")
    assert (
        "As stored: formula" in Select(console.find("#campaign-effect")).first_selected_option.text
    )
    name = console.find("#campaign-name")
    name.clear()
    name.send_keys("Spend 50, save 5" + Keys.ENTER)
    console.text_in("h1", "Spend 50, save 5")
    assert admin.get_campaign("tiers")["effect"] == stored
    assert stored["formula"] == formula["formula"]
