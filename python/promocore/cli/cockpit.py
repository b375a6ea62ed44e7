"""`promocore cockpit-link` and `cockpit-revoke`: a customer's rewards page links."""

from __future__ import annotations

import argparse
import re
from typing import Any

from promocore.server.http_server import DEFAULT_HTTP_LISTEN

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+)([smhd]?)")


def duration_seconds(text: str) -> int:
    """'7d', '12h', '30m', '90s' or plain seconds -> seconds."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"a duration such as 7d, 12h, 30m or 3600 (seconds), got {text!r}"
        )
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


def add_cockpit_commands(commands: Any, client_of: Any) -> None:
    link = commands.add_parser(
        "cockpit-link",
        help="a signed, expiring link to a customer's rewards page (docs/console.md)",
    )
    link.add_argument("customer_id")
    link.add_argument(
        "--ttl",
        type=duration_seconds,
        default=duration_seconds("7d"),
        help="how long the link works: 7d (default), 12h, 30m, 3600",
    )
    link.add_argument(
        "--base-url",
        default=f"http://{DEFAULT_HTTP_LISTEN}",
        help="the server's HTTP port as customers reach it (default: "
        f"http://{DEFAULT_HTTP_LISTEN})",
    )
    link.set_defaults(run=lambda args: _link(args, client_of))
    revoke = commands.add_parser(
        "cockpit-revoke", help="make every cockpit link of a customer made so far invalid"
    )
    revoke.add_argument("customer_id")
    revoke.set_defaults(run=lambda args: _revoke(args, client_of))


def _link(args: argparse.Namespace, client_of: Any) -> int:
    made = client_of(args).create_cockpit_link(args.customer_id, args.ttl)
    print(args.base_url.rstrip("/") + made["path"])
    print(f"expires {made['expires_at']}")
    return 0


def _revoke(args: argparse.Namespace, client_of: Any) -> int:
    client_of(args).revoke_cockpit_links(args.customer_id)
    print(f"every cockpit link of {args.customer_id} made so far is revoked")
    return 0
