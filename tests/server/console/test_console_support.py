"""A support agent's whole task in a real Chromium, with a support key: find a customer by
e-mail, read their wallet with money in currency units, roll back a redemption with a reason
(confirmed), send a rewards link that opens their page, withdraw it. Screenshots and axe results
under test-output/console/<test name>/."""

from __future__ import annotations

import io

import zxingcpp
from cockpit_support import rewarded_customers
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support import cart


def test_a_support_agent_finds_a_customer_by_email_rolls_back_and_sends_a_rewards_link(
    console, http_server, admin
):
    rewarded_customers(admin)
    admin.upsert_customer("ann", {"name": "Ann Smith", "email": "ann.smith@example.com"})
    paid = admin.redeem(
        cart(("MUG", 2000, 1), id="order-2"),
        codes=["ANN-WELCOME"],
        customer={"id": "ann"},
        idempotency_key="order-2",
    )
    support = admin.create_api_key("desk", "support")
    console.sign_in(support["secret"])
    console.text_in("#who", "support key")
    # No campaign or key controls for support.
    assert (
        console.driver.find_element(By.CSS_SELECTOR, "#nav a[href='#/keys']").is_displayed()
        is False
    )

    console.go("#/customers")
    console.find("#customer-search").send_keys("Ann.Smith@" + Keys.ENTER)
    console.text_in("#customer-count", "1 found")
    console.screenshot("01-found-by-email")
    console.check_accessibility("customer-search")
    console.find("#customer-list a[href='#/customers/ann']").click()
    console.text_in("#customer-heading", "ann")
    # The wallet for an example cart in currency units; gift card balance in money.
    console.text_in("#wallet", "ANN-WELCOME")
    console.text_in("#wallet", "25.00 EUR")
    console.text_in("#wallet", "Silver")  # the tier by its name, not its id
    console.check_accessibility("customer")

    # Roll back with a reason, confirmed.
    console.text_in("#redemptions", paid["redemption"]["id"])
    console.find("#redemptions button.rollback").click()
    console.find("#rollback-reason").send_keys("mug arrived broken")
    console.find("#confirm-rollback").click()
    console.text_in("#rollback-notice", "rolled back")
    assert admin.get_redemption(paid["redemption"]["id"])["rollback_reason"] == "mug arrived broken"
    [audited] = admin.list_audit_log(target_prefix="redemption/")
    assert audited["actor"] == f"key:{support['api_key']['id']}"
    console.screenshot("02-rolled-back")

    # A rewards link: it opens ann's page; withdrawn, it opens nothing.
    console.find("#make-link").click()
    link = console.find("#rewards-link").get_attribute("href")
    assert "/cockpit/" in link
    console.screenshot("03-rewards-link")
    console.check_accessibility("customer-with-link")
    console.find("#withdraw-links").click()
    console.text_in("#withdraw-question", "Withdraw every rewards link of ann?")
    console.find("#confirm-withdraw").click()
    console.text_in("#links-withdrawn", "stopped working")
    console.driver.get(link)
    console.text_in("#refused", "does not open a rewards page")
    console.check_accessibility("cockpit-withdrawn")

    # Points by hand, within the limit an admin set; beyond it, the server says so at the field.
    admin.set_support_limits(max_points_adjustment=100)
    console.driver.get(http_server.http.url)
    console.go("#/loyalty/club")
    console.find("#member-search").send_keys("ann")
    console.find("#member-find").click()
    console.text_in("#member-points", "400 points")
    assert console.driver.find_elements(By.ID, "buy-reward") == []  # an admin's
    console.find("#adjust-points").send_keys("150")
    console.find("#adjust-reason").send_keys("missing points")
    console.find("#adjust").click()
    console.text_in("#adjust-result", "over_support_limit")
    console.text_in("#adjust-result", "at most 100 points")
    points = console.find("#adjust-points")
    points.clear()
    points.send_keys("100")
    console.find("#adjust").click()
    console.text_in("#member-points", "500 points")
    console.screenshot("04-support-adjusts-points")
    assert console.console_errors() == []


def test_the_rewards_links_qr_code_scans_back_to_the_link(console, http_server, admin):
    """The QR code on the customer page, as the browser draws it, read by a real decoder
    (zxing-cpp) from a screenshot: it holds exactly the link shown beside it, which opens the
    customer's page."""
    rewarded_customers(admin)
    support = admin.create_api_key("desk", "support")
    console.sign_in(support["secret"])
    console.go("#/customers/ann")
    console.text_in("#customer-heading", "ann")
    console.find("#make-link").click()
    link = console.find("#rewards-link").get_attribute("href")
    qr = console.find("#rewards-link-qr")
    console.wait(lambda driver: driver.execute_script("return arguments[0].complete", qr))
    console.screenshot("01-rewards-link-qr")
    console.check_accessibility("customer-with-qr")
    scanned = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot_as_png)))
    assert [(found.format.name, found.text) for found in scanned] == [("QRCode", link)]
    assert link.startswith(http_server.http.url) and "/cockpit/" in link
    console.driver.get(scanned[0].text)
    console.text_in("main", "ANN-WELCOME")
    assert console.console_errors() == []
