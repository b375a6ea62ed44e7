"""The cockpit as the shop's page, in a real Chromium: an admin sets the shop's name, logo URL and
colours in the console (a colour pair too low in contrast is refused at its field), and the
customer's rewards page shows them at 360 px wide under the page's strict policy, axe 0 serious
or critical. Screenshots and axe results under test-output/console/<test name>/."""

from __future__ import annotations

from cockpit_support import rewarded_customers
from selenium.webdriver.common.by import By

from support import TEST_ADMIN_KEY

UNSET = {"shop_name": "", "logo_url": "", "brand_color": "", "brand_text_color": ""}
LOGO = "https://cdn.kaffee.example/logo.svg"


def test_an_admin_brands_the_rewards_page_and_the_customer_sees_it_at_360px(
    console, http_server, admin
):
    rewarded_customers(admin)
    admin.upsert_customer("ann", {"name": "Ann Smith"})
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/shop")
    name = console.find("#shop-name-input")
    name.send_keys("Kaffee & Co")
    console.find("#shop-logo-url").send_keys(LOGO)
    background = console.find("#shop-brand-color")
    text = console.find("#shop-brand-text-color")
    background.send_keys("#1a3d2b")
    text.send_keys("#2b4d3b")  # dark green on dark green: unreadable
    console.text_in("#shop-contrast", "too low")
    console.find("#shop-save").click()
    # The server refuses it at the text colour's field, with the ratio it measured.
    console.text_in("#shop-brand-text-color-problem", "at least 4.5:1")
    assert admin.get_shop_branding() == UNSET
    text.clear()
    text.send_keys("#ffffff")
    console.text_in("#shop-contrast", "readable")
    console.screenshot("01-shop-look")
    console.check_accessibility("shop-look")
    console.find("#shop-save").click()
    console.text_in("#shop-saved", "Saved: Kaffee & Co")
    assert admin.get_shop_branding() == {
        "shop_name": "Kaffee & Co",
        "logo_url": LOGO,
        "brand_color": "#1a3d2b",
        "brand_text_color": "#ffffff",
    }
    [audited] = admin.list_audit_log(target_prefix="settings/shop_branding")
    assert audited["action"] == "SetShopBranding"

    # The customer's page, as a phone shows it.
    path = admin.create_cockpit_link("ann", 3600)["path"]
    console.driver.set_window_size(360, 800)
    console.driver.get(http_server.http.url + path.lstrip("/"))
    console.text_in("#shop-name", "Kaffee & Co")
    header = console.find("#shop-header")
    # The colours reach the page from the served stylesheet (no inline style is allowed).
    assert header.value_of_css_property("background-color") == "rgba(26, 61, 43, 1)"
    heading = console.find("#shop-name")
    assert heading.value_of_css_property("color") == "rgba(255, 255, 255, 1)"
    logo = console.driver.find_element(By.ID, "shop-logo")
    assert logo.get_attribute("src") == LOGO and logo.get_attribute("alt") == "Kaffee & Co logo"
    console.text_in("main", "Hello Ann Smith.")
    # Nothing wider than the screen.
    widest = console.driver.execute_script(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    assert widest <= 360, widest
    console.screenshot("02-cockpit-360px")
    console.check_accessibility("cockpit-branded")
    # No style was refused by the policy (an inline one would be, and logged).
    assert [m for m in console.console_errors() if "Content Security Policy" in m] == []
