"""The console's loyalty page in a real Chromium, as the loyalty team uses it: the program in
words (earning rules, tiers, rewards), a member found by customer id, points adjusted by hand
with a reason (taking away confirmed), a reward bought for the member (confirmed); the member's
cockpit then shows the points left and the reward within reach. Screenshots and axe results under
test-output/console/<test name>/."""

from __future__ import annotations

from cockpit_support import rewarded_customers
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from support import TEST_ADMIN_KEY


def test_an_admin_adjusts_points_buys_a_reward_and_the_cockpit_shows_what_is_left(
    console, http_server, admin
):
    rewarded_customers(admin)  # ann: 400 points at Silver; Gold from 500; a mug at 300
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/loyalty")
    console.text_in("#loyalty-settings", "1 point per 1.00 EUR for a paid order")
    console.text_in("#loyalty-settings", "500 points earned per year")
    console.text_in("#loyalty-settings", "A bag of beans")
    console.screenshot("01-program")
    console.check_accessibility("loyalty-program")

    console.find("#member-search").send_keys("ann")
    console.find("#member-find").click()
    console.text_in("#member-points", "400 points")
    console.text_in("#member-tier", "Silver")
    console.text_in(
        "#member-progress", "Gold from 500 points earned per year: 400 points earned so far"
    )

    # Points without a reason are refused beside the field; the focus stays there.
    console.find("#adjust-points").send_keys("150")
    console.find("#adjust").click()
    console.text_in("#adjust-reason-problem", "Say why")
    assert console.driver.switch_to.active_element == console.find("#adjust-reason")
    console.find("#adjust-reason").send_keys("missing points of order 17")
    console.find("#adjust").click()
    console.text_in("#member-points", "550 points")
    # Points given by hand are points to spend; tiers count what was earned in the period.
    console.text_in("#member-tier", "Silver")
    console.text_in("#member-progress", "400 points earned so far")
    console.screenshot("02-adjusted")

    # Taking points away asks first, naming how many.
    console.find("#adjust-points").send_keys("-50")
    console.find("#adjust-reason").send_keys("points given twice")
    console.find("#adjust").click()
    console.text_in("#adjust-question", "Take 50 points away from ann (550 points to spend now)?")
    console.screenshot("03-take-away-confirmation")
    console.find("#confirm-adjust").click()
    console.text_in("#member-points", "500 points")

    # A reward bought for the member, confirmed.
    Select(console.find("#reward-choice")).select_by_value("mug")
    console.find("#buy-reward").click()
    console.text_in("#reward-question", "Buy A mug for ann with 300 points?")
    console.find("#confirm-reward").click()
    console.text_in("#reward-bought", "A mug bought: free MUG.")
    console.text_in("#member-points", "200 points")
    rows = [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in console.driver.find_elements(By.CSS_SELECTOR, "#member-card table tbody tr")
    ]
    assert [row[1:5] for row in rows[-3:]] == [
        ["adjusted by hand", "150", "550", "missing points of order 17"],
        ["adjusted by hand", "-50", "500", "points given twice"],
        ["spent", "-300", "200", "reward: A mug"],
    ]
    console.screenshot("04-ledger")
    console.check_accessibility("loyalty-member")
    card = admin.get_loyalty_card(campaign_id="club", customer_id="ann")
    assert (card["points"], card["tier_id"]) == (200, "silver")

    # The member's own page: the points left and what they still buy.
    path = admin.create_cockpit_link("ann", 3600)["path"]
    console.driver.get(http_server.http.url.rstrip("/") + path)
    console.text_in("#points-club", "200")
    console.text_in(".tier", "Silver")
    console.text_in(".near-misses", "100 more points for A mug")
    console.screenshot("05-cockpit")
    assert console.console_errors() == []


def test_a_read_only_key_reads_a_member_and_changes_nothing(console, http_server, admin):
    rewarded_customers(admin)
    reader = admin.create_api_key("analyst", "read_only")["secret"]
    console.sign_in(reader)
    console.go("#/loyalty")
    console.find("#member-search").send_keys("ann")
    console.find("#member-find").click()
    console.text_in("#member-points", "400 points")
    assert console.driver.find_elements(By.ID, "adjust") == []
    assert console.driver.find_elements(By.ID, "buy-reward") == []
    console.screenshot("01-read-only")


def test_an_admin_adds_a_tier_and_a_reward_in_forms_and_the_member_sees_them(
    console, http_server, admin
):
    rewarded_customers(admin)  # ann: 400 points earned this year, Silver (0) < Gold (500)
    console.sign_in(TEST_ADMIN_KEY)
    console.go("#/loyalty/club")
    console.find("#loyalty-editor summary").click()
    # A tier between Silver and Gold, typed as people do: no ids, no JSON.
    buttons = {
        b.text: b for b in console.driver.find_elements(By.CSS_SELECTOR, "#loyalty-editor button")
    }
    buttons["+ Tier"].click()
    new_tier = console.driver.find_elements(By.CSS_SELECTOR, "#tiers-rows li")[-1]
    new_tier.find_element(By.CSS_SELECTOR, ".tier-name").send_keys("Platinum")
    new_tier.find_element(By.CSS_SELECTOR, ".tier-from").send_keys("300")
    multiplier = new_tier.find_element(By.CSS_SELECTOR, ".tier-multiplier")
    multiplier.clear()
    multiplier.send_keys("1.5")
    buttons["+ Reward"].click()
    new_reward = console.driver.find_elements(By.CSS_SELECTOR, "#rewards-rows li")[-1]
    new_reward.find_element(By.CSS_SELECTOR, ".reward-name").send_keys("A tote bag")
    cost = new_reward.find_element(By.CSS_SELECTOR, ".reward-cost")
    cost.send_keys("450")
    # A reward that gives nothing is said at its field.
    console.find("#save-settings").click()
    console.text_in("#rewards-rows .field-error", "Say what the reward gives")
    new_reward.find_element(By.CSS_SELECTOR, ".reward-sku").send_keys("TOTE")
    console.screenshot("01-settings-form")
    console.find("#save-settings").click()
    console.text_in("#loyalty-settings", "Platinum")
    console.text_in("#loyalty-settings", "A tote bag")
    program = admin.get_campaign("club")["loyalty"]
    platinum = next(tier for tier in program["tiers"] if tier["name"] == "Platinum")
    assert (platinum["id"], platinum["threshold"], platinum["multiplier_bp"]) == (
        "platinum",
        300,
        15000,
    )
    tote = next(reward for reward in program["rewards"] if reward["name"] == "A tote bag")
    assert (tote["points_cost"], tote["effect"]) == (450, {"free_product_sku": "TOTE"})
    assert [rule["id"] for rule in program["earning_rules"]] == ["per-euro"]  # kept as it was
    console.screenshot("02-saved")
    console.check_accessibility("loyalty-settings")

    # 100 points by hand: the tote bag is within reach; the tier is Platinum.
    console.find("#member-search").send_keys("ann")
    console.find("#member-find").click()
    console.text_in("#member-tier", "Platinum")
    console.find("#adjust-points").send_keys("100")
    console.find("#adjust-reason").send_keys("welcome to Platinum")
    console.find("#adjust").click()
    console.text_in("#member-points", "500 points")
    path = admin.create_cockpit_link("ann", 3600)["path"]
    console.driver.get(http_server.http.url.rstrip("/") + path)
    console.text_in(".tier", "Platinum")
    console.text_in(".affordable", "A tote bag — 450 points")
    console.screenshot("03-cockpit")
