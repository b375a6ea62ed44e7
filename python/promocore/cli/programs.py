"""`promocore giftcards|loyalty|referral|history`: balances, points and ledgers from the
command line (registered by cli/main.py)."""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from promocore.cli.output import write_chunks
from promocore.client.core import Client

ClientFactory = Callable[[argparse.Namespace], Client]
# `giftcards export --state`: ExportGiftCardsRequest.filter.
GIFT_CARD_STATES = {
    "all": "GIFT_CARDS_ALL",
    "with-balance": "GIFT_CARDS_WITH_BALANCE",
    "empty": "GIFT_CARDS_EMPTY",
    "expired": "GIFT_CARDS_EXPIRED",
    "disabled": "GIFT_CARDS_DISABLED",
}
Printer = Callable[[argparse.Namespace, Any], int]
# `command(parser, run, text)`, made by client_command.
Command = Callable[
    [argparse.ArgumentParser, Callable[[Client, argparse.Namespace], Any], Callable[[Any], str]],
    None,
]


def client_command(client: ClientFactory, printer: Printer) -> Command:
    """Makes `command(parser, run, text)`: the parser runs `run(client, args)` and prints its
    answer as JSON (`-o json`) or through `text`."""

    def command(
        parser: argparse.ArgumentParser,
        run: Callable[[Client, argparse.Namespace], Any],
        text: Callable[[Any], str],
    ) -> None:
        def execute(args: argparse.Namespace) -> int:
            with client(args) as connected:
                value = run(connected, args)
            if args.output == "json":
                return printer(args, value)
            print(text(value))
            return 0

        parser.set_defaults(run=execute)

    return command


def add_program_commands(commands: Any, client: ClientFactory, printer: Printer) -> None:
    command = client_command(client, printer)
    _add_gift_card_commands(commands, client, command)
    _add_loyalty_commands(commands, command)
    history = commands.add_parser("history", help="the ledger of a gift card or loyalty card")
    history.add_argument("code")
    command(history, lambda c, a: c.list_ledger(a.code), _ledger_text)
    _add_referral_commands(commands, command)


# The --idempotency-key option of the commands that change a balance.
IDEMPOTENCY_KEY: dict[str, Any] = {
    "default": None,
    "help": "idempotency key (default: a new one: not a retry)",
}


def _add_gift_card_commands(commands: Any, client: ClientFactory, command: Command) -> None:
    gift = commands.add_parser(
        "giftcards", help="issue, top up and read gift cards"
    ).add_subparsers(metavar="ACTION", required=True)
    issue = gift.add_parser("issue", help="issue gift cards of a GIFT_VOUCHERS campaign")
    issue.add_argument("campaign_id")
    issue.add_argument("--balance", type=int, required=True, help="minor units per card")
    issue.add_argument("--count", type=int, default=1, help="cards to issue (default 1)")
    issue.add_argument("--customer", default="", help="assign the (single) card to a customer")
    issue.add_argument("--expire-at", type=datetime.fromisoformat, help="RFC 3339 expiry")
    command(
        issue,
        lambda c, a: c.issue_gift_cards(
            a.campaign_id,
            balance=a.balance,
            count=a.count,
            customer_id=a.customer,
            expire_at=a.expire_at,
        ),
        lambda cards: "\n".join(_gift_line(card) for card in cards),
    )
    balance = gift.add_parser("balance", help="a gift card's balance")
    balance.add_argument("code")
    command(balance, lambda c, a: c.get_gift_card(a.code), _gift_line)
    top_up = gift.add_parser("top-up", help="add balance to a gift card")
    top_up.add_argument("code")
    top_up.add_argument("amount", type=int, help="minor units")
    top_up.add_argument("--reason", default="", help="why, kept in the card's ledger")
    top_up.add_argument("--idempotency-key", **IDEMPOTENCY_KEY)
    command(
        top_up,
        lambda c, a: c.top_up_gift_card(a.code, a.amount, idempotency_key=_key(a), reason=a.reason),
        _gift_line,
    )
    debit = gift.add_parser("debit", help="take balance off a gift card by hand, with a reason")
    debit.add_argument("code")
    debit.add_argument("amount", type=int, help="minor units, at most the balance")
    debit.add_argument("--reason", required=True, help="why, kept in the ledger and audit log")
    debit.add_argument("--idempotency-key", **IDEMPOTENCY_KEY)
    command(
        debit,
        lambda c, a: c.debit_gift_card(a.code, a.amount, reason=a.reason, idempotency_key=_key(a)),
        _gift_line,
    )
    program = gift.add_parser("program", help="a program's cards and outstanding balance")
    program.add_argument("campaign_id")
    command(program, lambda c, a: c.get_gift_card_program(a.campaign_id), _program_text)
    export = gift.add_parser(
        "export", help="write a program's cards as CSV, balances in the currency's units"
    )
    export.add_argument("campaign_id")
    export.add_argument(
        "--state", choices=sorted(GIFT_CARD_STATES), default="all", help="only these cards"
    )
    export.add_argument("--prefix", default="", help="only codes starting with this")
    export.add_argument("-f", "--file", type=Path, help="output file (default: stdout)")

    def run_export(args: argparse.Namespace) -> int:
        with client(args) as connected:
            chunks = connected.export_gift_cards(
                args.campaign_id, prefix=args.prefix, filter=GIFT_CARD_STATES[args.state]
            )
            write_chunks(chunks, args.file)
        return 0

    export.set_defaults(run=run_export)


def _add_loyalty_commands(commands: Any, command: Command) -> None:
    loyalty = commands.add_parser("loyalty", help="loyalty cards, points and rewards")
    loyalty_actions = loyalty.add_subparsers(metavar="ACTION", required=True)
    enroll = loyalty_actions.add_parser("enroll", help="a customer's card in a program")
    enroll.add_argument("campaign_id")
    enroll.add_argument("customer_id")
    command(enroll, lambda c, a: c.enroll_loyalty(a.campaign_id, a.customer_id), _card_text)
    points = loyalty_actions.add_parser("points", help="a loyalty card's points and tier")
    points.add_argument("code")
    command(points, lambda c, a: c.get_loyalty_card(a.code), _card_text)
    adjust = loyalty_actions.add_parser("adjust", help="add (or remove, negative) points")
    adjust.add_argument("code")
    adjust.add_argument("points", type=int)
    adjust.add_argument("--reason", default="", help="why, kept in the card's history")
    adjust.add_argument("--idempotency-key", **IDEMPOTENCY_KEY)
    command(
        adjust,
        lambda c, a: c.adjust_points(a.code, a.points, reason=a.reason, idempotency_key=_key(a)),
        _card_text,
    )
    reward = loyalty_actions.add_parser("buy-reward", help="buy a reward with points")
    reward.add_argument("code")
    reward.add_argument("reward_id")
    reward.add_argument("--idempotency-key", **IDEMPOTENCY_KEY)
    command(
        reward,
        lambda c, a: c.buy_reward(a.code, a.reward_id, idempotency_key=_key(a)),
        _reward_text,
    )


def _add_referral_commands(commands: Any, command: Command) -> None:
    referral = commands.add_parser("referral", help="referral codes and their conversions")
    referral_actions = referral.add_subparsers(metavar="ACTION", required=True)
    code = referral_actions.add_parser("code", help="a referrer's code in a program")
    code.add_argument("campaign_id")
    code.add_argument("customer_id")
    command(
        code,
        lambda c, a: c.create_referral_code(a.campaign_id, a.customer_id),
        lambda value: value["code"],
    )
    referees = referral_actions.add_parser(
        "referees", help="a referral code's friends: status, when, the reward given"
    )
    referees.add_argument("code")
    command(referees, lambda c, a: c.list_referees(a.code), _referees_text)
    stats = referral_actions.add_parser("stats", help="a referral code's conversions")
    stats.add_argument("code")
    command(
        stats,
        lambda c, a: c.get_referral_stats(a.code),
        lambda s: (
            f"{s['code']}  referrer {s['referrer_customer_id']}: {s['conversions']} "
            f"conversions, {s['rewarded_conversions']} rewarded, {s['points_earned']} points, "
            f"{s['gift_credit_earned']} gift credit"
        ),
    )


def _key(args: argparse.Namespace) -> str:
    return args.idempotency_key or f"cli-{uuid.uuid4()}"


def _gift_line(card: dict[str, Any]) -> str:
    expiry = f"  expires {card['expire_at'].isoformat()}" if card.get("expire_at") else ""
    owner = f"  customer {card['customer_id']}" if card.get("customer_id") else ""
    return f"{card['code']}  {_money(card['balance'])} {card['currency']}{owner}{expiry}"


def _card_text(card: dict[str, Any]) -> str:
    tier = card["tier_id"] or "none"
    return (
        f"{card['code']}  {card['customer_id']}  points {card['points']}  "
        f"pending {card['pending_points']}  expiring {card['expiring_points']}  tier {tier}"
    )


def _reward_text(answer: dict[str, Any]) -> str:
    gives = answer["issued_code"] or answer["free_product_sku"]
    if answer.get("gift_card"):
        gives = f"gift card {_gift_line(answer['gift_card'])}"
    cash = f", collect {_money(answer['cash_due'])}" if answer["cash_due"] else ""
    return f"{gives}{cash}\n{_card_text(answer['card'])}"


def _ledger_text(entries: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{e['created_at'].isoformat()}  {e['kind'].removeprefix('LEDGER_'):<10} "
        f"{e['delta']:>+10}  = {e['balance_after']:<10} {e['reason']}"
        for e in entries
    )


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}" if minor >= 0 else f"-{_money(-minor)}"


def _referees_text(referees: list[dict[str, Any]]) -> str:
    lines = []
    for referee in referees:
        status = referee["status"].removeprefix("REFEREE_").lower().replace("_", " ")
        when = referee["converted_at"].isoformat() if referee.get("converted_at") else "-"
        lines.append(
            f"{referee['customer_id']}  {status}  {when}  {referee['converted_by']}  "
            f"points {referee['points_given']}  gift credit {_money(referee['gift_credit_given'])}"
        )
    return "\n".join(lines) or "no referee yet"


def _program_text(totals: dict[str, Any]) -> str:
    currency = totals["currency"]
    return (
        f"{totals['campaign_id']}: {totals['cards']} cards, outstanding "
        f"{_money(totals['outstanding_balance'])} {currency} on "
        f"{totals['cards_with_balance']} cards, "
        f"{_money(totals['expired_balance'])} {currency} left on expired cards"
    )
