"""A code's redemption history in a real Chromium: from the codes list, open a code and read its
redemptions (time in the campaign's zone, order, customer, discount in money, rolled back or
not), a page at a time, with the keyboard; axe on the page."""

from __future__ import annotations

from datetime import UTC, datetime

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support import TEST_ADMIN_KEY, cart


def test_open_a_code_and_read_its_redemptions(console, admin, clock):
    admin.create_campaign(
        id="tokyo-5",
        name="5.00 EUR off",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        time_zone="Asia/Tokyo",
        effect={"amount_off_order": {"amount": 500}},
    )
    admin.create_code("tokyo-5", "TOKYO-A")
    admin.create_code("tokyo-5", "TOKYO-B")
    # 23:50 UTC on 1 March is 08:50 on 2 March in Tokyo.
    clock.set(int(datetime(2026, 3, 1, 23, 50, tzinfo=UTC).timestamp() * 1000))
    first = admin.redeem(
        cart(("BEANS", 3000, 1), id="order-first"),
        codes=["tokyo-a"],
        customer={"id": "ann"},
        idempotency_key="first",
    )["redemption"]
    for number in range(51):
        clock.advance(60_000)
        admin.redeem(
            cart(("BEANS", 2000, 1), id=f"order-{number}"),
            codes=["TOKYO-A"],
            idempotency_key=f"k{number}",
        )
    admin.redeem(cart(("BEANS", 2000, 1), id="order-b"), codes=["TOKYO-B"], idempotency_key="b")
    clock.advance(3_600_000)
    admin.rollback(first["id"], reason="returned")

    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/codes?campaign=tokyo-5")
    console.find("#code-list a.mono[href='#/codes']")
    [link] = [
        a
        for a in console.driver.find_elements(By.CSS_SELECTOR, "#code-list a.mono")
        if a.text == "TOKYO-A"
    ]
    link.send_keys(Keys.ENTER)  # the keyboard opens the code
    console.text_in("#code-redemptions-title", "Redemptions of TOKYO-A")
    header = [
        th.text for th in console.driver.find_elements(By.CSS_SELECTOR, "#code-redemptions th")
    ]
    assert header == ["When (Asia/Tokyo)", "Order", "Customer", "Discount", "Rolled back"]

    def rows() -> list[list[str]]:
        return [
            [td.text for td in row.find_elements(By.TAG_NAME, "td")]
            for row in console.driver.find_elements(By.CSS_SELECTOR, "#code-redemptions tbody tr")
        ]

    page = rows()
    assert len(page) == 50  # newest first: the 51 anonymous ones, then ann's
    assert page[0] == ["2026-03-02 09:41", "order-50", "anonymous", "5.00 EUR", "no"]
    assert all(row[2] == "anonymous" and row[1] != "order-b" for row in page)
    console.doc_screenshot("code-redemptions", show="#code-redemptions-title")
    console.check_accessibility("code-redemptions")

    console.find("#code-redemptions-next").send_keys(Keys.ENTER)
    console.text_in("#code-redemptions tbody", "order-first")
    assert rows() == [
        ["2026-03-02 08:51", "order-0", "anonymous", "5.00 EUR", "no"],
        ["2026-03-02 08:50", "order-first", "ann", "5.00 EUR", "yes, 2026-03-02 10:41 (returned)"],
    ]
    console.find("#code-redemptions-previous").send_keys(Keys.ENTER)
    console.text_in("#code-redemptions tbody", "order-50")
    assert len(rows()) == 50
