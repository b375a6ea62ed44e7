"""`promocore giftcards|loyalty|history|referral|events` as a user runs them."""

from __future__ import annotations

import csv
import io
import json

from programs_support import gift_program, loyalty_program, referral_program

from support import cart, promocore


def test_balance_points_and_history_from_the_command_line(client, target):
    gift_program(client)
    loyalty_program(
        client,
        earning_rules=[
            {
                "id": "news",
                "trigger": "EARN_ON_CUSTOM_EVENT",
                "event_name": "newsletter_signup",
                "points": 30,
            }
        ],
    )
    issued = json.loads(
        promocore(
            "-o", "json", "giftcards", "issue", "gift", "--balance", "2500", target=target
        ).stdout
    )
    code = issued[0]["code"]
    topped = promocore("giftcards", "top-up", code, "1000", target=target).stdout
    assert f"{code}  35.00 EUR" in topped
    assert "35.00 EUR" in promocore("giftcards", "balance", code, target=target).stdout
    history = promocore("history", code, target=target).stdout.splitlines()
    assert [line.split()[1:3] for line in history] == [["CREDIT", "+2500"], ["CREDIT", "+1000"]]

    card = json.loads(
        promocore("-o", "json", "loyalty", "enroll", "club", "ann", target=target).stdout
    )["code"]
    earned = promocore("events", "track", "ann", "newsletter_signup", target=target).stdout
    assert earned.strip() == "points earned: 30"
    promocore("loyalty", "adjust", card, "-10", "--reason", "typo", target=target)
    assert "points 20 " in promocore("loyalty", "points", card, target=target).stdout

    refused = promocore("giftcards", "top-up", code, "0", target=target, check=False)
    assert refused.returncode == 1 and "amount" in refused.stderr

    debited = promocore(
        "giftcards", "debit", code, "500", "--reason", "paid by phone", target=target
    ).stdout
    assert f"{code}  30.00 EUR" in debited
    no_reason = promocore("giftcards", "debit", code, "500", target=target, check=False)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    program = promocore("giftcards", "program", "gift", target=target).stdout
    assert program.strip() == (
        "gift: 1 cards, outstanding 30.00 EUR on 1 cards, 0.00 EUR left on expired cards"
    )


def test_gift_cards_export_and_referees_from_the_command_line(client, target, tmp_path):
    referral_program(client)  # its gift card program "gift" too
    cards = client.issue_gift_cards("gift", count=2, balance=1250)
    client.debit_gift_card(cards[0]["code"], 1250, reason="used", idempotency_key="d-1")
    everything = promocore("giftcards", "export", "gift", target=target).stdout
    rows = list(csv.DictReader(io.StringIO(everything)))
    assert sorted((row["code"], row["balance"]) for row in rows) == sorted(
        [(cards[0]["code"], "0.00"), (cards[1]["code"], "12.50")]
    )
    saved = tmp_path / "with-balance.csv"
    promocore(
        "giftcards", "export", "gift", "--state", "with-balance", "-f", str(saved), target=target
    )
    assert [row["code"] for row in csv.DictReader(saved.open())] == [cards[1]["code"]]

    code = client.create_referral_code("friends", "rita")["code"]
    client.redeem(
        cart(("BOOTS", 6000, 1), id="o-sam"),
        codes=[code],
        customer={"id": "sam"},
        idempotency_key="k-sam",
    )
    [line] = promocore("referral", "referees", code, target=target).stdout.splitlines()
    assert line.startswith("sam  rewarded  ")
    assert line.endswith("points 100  gift credit 2.50")
    listed = json.loads(promocore("-o", "json", "referral", "referees", code, target=target).stdout)
    assert [(r["customer_id"], r["status"]) for r in listed] == [("sam", "REFEREE_REWARDED")]
