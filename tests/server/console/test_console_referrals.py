"""The console's referral page in a real Chromium: the program's terms in words, a referrer's
code made for a customer, and after their friends' orders the friends converted and the rewards
given, and each friend with status, time and the reward it earned. Screenshots and axe results
under test-output/console/<test name>/."""

from __future__ import annotations

from programs_support import referral_program
from selenium.webdriver.common.by import By

from support import TEST_ADMIN_KEY, cart


def test_a_referrer_gets_a_code_and_the_page_counts_their_friends(console, http_server, admin):
    referral_program(admin, max_rewards_per_referrer=2)
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/referrals")
    console.text_in(
        "#referral-earns",
        "The referrer earns 100 points in club and 2.50 EUR on a gift card of gift per friend "
        "whose order is redeemed, for at most 2 friends.",
    )
    console.text_in("#referrer-codes", "No referrer yet.")
    console.find("#referrer-customer").send_keys("rita")
    console.find("#make-referrer-code").click()
    console.text_in("#referrer-code", "rita's code: ")
    code = console.find("#referrer-code .mono").text
    assert admin.create_referral_code("friends", "rita")["code"] == code
    for friend in ("sam", "tom", "uma"):
        admin.redeem(
            cart(("BOOTS", 6000, 1), id=f"o-{friend}"),
            codes=[code],
            customer={"id": friend},
            idempotency_key=f"k-{friend}",
        )
    console.go("#/campaigns")
    console.go("#/referrals/friends")
    console.text_in("#referrer-codes", code)
    [row] = console.driver.find_elements(By.CSS_SELECTOR, "#referrer-codes tbody tr")
    cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
    assert cells == ["rita", code, "3", "2", "200", "5.00 EUR", "Friends"]
    stats = admin.get_referral_stats(code)
    assert (stats["conversions"], stats["rewarded_conversions"]) == (3, 2)
    console.screenshot("01-referrers")
    console.check_accessibility("referrals")

    # Each friend: status, time, what converted them, the reward rita got for them.
    console.find("#referrer-codes button.show-referees").click()
    console.text_in("#referees-heading", "Friends of rita")
    rows = console.driver.find_elements(By.CSS_SELECTOR, "#referees tbody tr")
    shown = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    referees = admin.list_referees(code)
    assert (
        [row[0] for row in shown] == [r["customer_id"] for r in referees] == ["sam", "tom", "uma"]
    )
    assert [row[1] for row in shown] == [
        "converted, referrer rewarded",
        "converted, referrer rewarded",
        "converted, no reward (the referrer's cap was reached)",
    ]
    assert [row[4] for row in shown] == [
        "100 points and 2.50 EUR",
        "100 points and 2.50 EUR",
        "nothing",
    ]
    assert all(row[3].startswith("redemption ") for row in shown)
    assert all(row[2] for row in shown)  # when
    console.screenshot("02-friends")
    console.check_accessibility("referrals-friends")
    assert console.console_errors() == []
