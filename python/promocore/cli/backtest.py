"""`promocore backtest`: a campaign replayed on a file of past orders (docs/backtest.md).
Registered by cli.main.build_parser."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from promocore import _engine
from promocore.client.campaign_files import definition, load_documents
from promocore.client.core import BACKTEST_CHUNK_BYTES
from promocore.errors import InvalidArgumentError
from promocore.wire.plain import to_plain


def add_backtest_command(commands: Any, client: Any) -> None:
    """`client(args)` makes the Client from the global flags (cli._client)."""
    backtest = commands.add_parser(
        "backtest",
        help="replay a campaign on a file of past orders: who qualifies, what it costs",
    )
    subject = backtest.add_mutually_exclusive_group(required=True)
    subject.add_argument(
        "--campaign", type=Path, help="the campaign as a YAML or JSON file (`apply -f` form)"
    )
    subject.add_argument("--campaign-id", help="a stored campaign (a draft, typically)")
    backtest.add_argument(
        "--orders",
        type=Path,
        required=True,
        help="JSON Lines or CSV of past orders, gzip accepted (docs/backtest.md)",
    )
    backtest.add_argument(
        "--format", choices=("jsonl", "csv"), help="the file's format (default: guessed)"
    )
    backtest.add_argument(
        "--with-live",
        action="store_true",
        help="with the live promotions and stacking rules: what it adds, what it displaces",
    )
    backtest.add_argument("--samples", type=int, default=0, help="sample orders per outcome (5)")
    backtest.add_argument(
        "--per-order", action="store_true", help="list every order's outcome (JSON output)"
    )
    backtest.set_defaults(run=lambda args: run_backtest(args, client(args)))


def run_backtest(args: argparse.Namespace, client: Any) -> int:
    campaign = None
    if args.campaign is not None:
        documents = [d for d in load_documents(args.campaign) if "kind" not in d]
        if len(documents) != 1:
            raise InvalidArgumentError(str(args.campaign), "must hold exactly one campaign")
        campaign = to_plain(definition(documents[0]))
    try:
        size = args.orders.stat().st_size
    except OSError as error:
        raise InvalidArgumentError("--orders", f"cannot read {args.orders}: {error}") from None
    interactive = sys.stderr.isatty()

    def progress(orders: int, fraction: float) -> None:
        if interactive:
            print(f"\r{orders:,} orders, {fraction:.0%}", end="", file=sys.stderr, flush=True)

    report = client.backtest(
        _chunks(args.orders),
        campaign=campaign,
        campaign_id=args.campaign_id or "",
        with_live=args.with_live,
        orders_format=args.format or "",
        orders_size=size,
        samples_per_outcome=args.samples,
        per_order=args.per_order,
        on_progress=progress,
    )
    if interactive:
        print(file=sys.stderr)
    if getattr(args, "output", "text") == "json":
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(summary(report))
    return 0


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(BACKTEST_CHUNK_BYTES):
            yield chunk


def summary(report: dict[str, Any]) -> str:
    """The report's headline figures in words and money."""
    currency = report["currency"]

    def money(amount: int) -> str:
        return _engine.format_money(int(amount), currency)

    orders, qualifying = int(report["orders"]), int(report["qualifying"])
    share = f"{qualifying / orders:.1%}" if orders else "-"
    lines = [
        f"campaign {report['campaign_id']} on {orders:,} orders "
        f"({'with the live catalog' if report['with_live'] else 'alone'}; "
        f"days in {report['time_zone']})",
        f"qualifying: {qualifying:,} ({share}); discount {money(report['discount'])}, "
        f"mean {money(report['mean_discount'])}",
        f"order value: {money(report['amount'])} without, {money(report['amount_after'])} with",
    ]
    if report.get("exhausted_at"):
        zone = ZoneInfo(report["time_zone"] or "UTC")
        local = report["exhausted_at"].astimezone(zone).strftime("%Y-%m-%d %H:%M")
        lines.append(
            f"a limit or the budget ran out at {local}: "
            f"{int(report['orders_after_exhaustion']):,} orders that met the rules got nothing"
        )
    within = 0  # the buckets are disjoint: "within 5.00" counts the ones below it too
    for bucket in report["near_misses"]:
        if bucket["unit"] == "amount" and int(bucket["up_to"]):
            within += int(bucket["orders"])
            if within:
                lines.append(f"within {money(bucket['up_to'])} of the threshold: {within:,} orders")
    if report["with_live"]:
        lines.append(
            f"the live campaigns gave {money(report['live_discount_without'])} without it, "
            f"{money(report['live_discount_with'])} with it"
        )
    for displaced in report["displaced"]:
        lines.append(
            f"displaces {displaced['campaign_id']} on {int(displaced['orders']):,} orders "
            f"({money(displaced['discount'])})"
        )
    return "\n".join(lines)
