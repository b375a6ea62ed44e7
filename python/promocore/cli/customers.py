"""`promocore customers|segments|distributions|publish|events`: the customer-data side from the
command line (registered by cli/main.py)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from promocore.cli.programs import ClientFactory, Command, Printer, client_command
from promocore.client.core import Client


def _json_argument(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not valid JSON: {error}") from None


def _attribute(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    if not key:
        raise argparse.ArgumentTypeError("expected KEY=VALUE")
    try:
        return key, orjson.loads(value)
    except orjson.JSONDecodeError:
        return key, value  # a bare string


def add_customer_commands(commands: Any, client: ClientFactory, printer: Printer) -> None:
    command = client_command(client, printer)
    _add_customers(commands, command)
    _add_segments(commands, command)
    _add_distributions(commands, command)
    _add_publish(commands, command)
    _add_events(commands, command, client)


def _add_customers(commands: Any, command: Command) -> None:
    """`customers upsert|get|list`."""
    customers = commands.add_parser(
        "customers", help="create, update and read customers"
    ).add_subparsers(metavar="ACTION", required=True)
    upsert = customers.add_parser("upsert", help="create a customer or merge attributes")
    upsert.add_argument("customer_id")
    upsert.add_argument(
        "--attr",
        action="append",
        default=[],
        type=_attribute,
        metavar="KEY=VALUE",
        help="attribute (VALUE is JSON, else a string; null removes it)",
    )
    upsert.add_argument("--email-opt-out", action="store_true", help="no messages by email")
    upsert.add_argument("--sms-opt-out", action="store_true", help="no messages by SMS")
    upsert.add_argument("--all-opt-out", action="store_true", help="no messages at all")

    def run_upsert(c: Client, a: argparse.Namespace) -> Any:
        opted = {"email_opt_out": a.email_opt_out, "sms_opt_out": a.sms_opt_out}
        opted["all_opt_out"] = a.all_opt_out
        contact = opted if any(opted.values()) else None
        return c.upsert_customer(a.customer_id, dict(a.attr), contact=contact)

    command(upsert, run_upsert, _customer_text)
    get = customers.add_parser("get", help="a customer with aggregates and segments")
    get.add_argument("customer_id")
    command(get, lambda c, a: c.get_customer(a.customer_id), _customer_text)
    listing = customers.add_parser("list", help="every customer (or a segment's members)")
    listing.add_argument("--segment", default="", help="only this segment's members")
    command(
        listing,
        lambda c, a: c.list_customers(segment_id=a.segment),
        lambda found: "\n".join(_customer_line(customer) for customer in found),
    )


def _add_segments(commands: Any, command: Command) -> None:
    """`segments create|list|members`."""
    segments = commands.add_parser("segments", help="static and dynamic segments").add_subparsers(
        metavar="ACTION", required=True
    )
    create = segments.add_parser("create", help="a dynamic (--rules) or static (--member) segment")
    create.add_argument("segment_id")
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--rules", type=_json_argument, help="rule JSON (docs/rules.md)")
    create.add_argument("--member", action="append", default=[], help="customer id (static)")
    command(
        create,
        lambda c, a: c.create_segment(a.segment_id, a.name, rules=a.rules, customer_ids=a.member),
        _segment_line,
    )
    seg_list = segments.add_parser("list", help="every segment with its size")
    command(
        seg_list,
        lambda c, a: c.list_segments(),
        lambda found: "\n".join(_segment_line(s) for s in found),
    )
    members = segments.add_parser("members", help="a segment's member ids")
    members.add_argument("segment_id")
    command(members, lambda c, a: c.list_segment_members(a.segment_id), "\n".join)


def _add_distributions(commands: Any, command: Command) -> None:
    """`distributions create|list`."""
    distributions = commands.add_parser(
        "distributions", help="issue codes to customers when a trigger fires"
    ).add_subparsers(metavar="ACTION", required=True)
    dist = distributions.add_parser("create", help="a distribution")
    dist.add_argument("campaign_id", help="DISCOUNT_COUPONS campaign whose codes are issued")
    dist.add_argument(
        "--trigger",
        required=True,
        choices=["segment-entered", "event", "order-paid", "birthday", "inactive"],
        help="what issues a code to a customer",
    )
    dist.add_argument("--name", default="", help="display name (default: TRIGGER -> CAMPAIGN)")
    dist.add_argument("--segment", default="", help="segment-entered: the segment id")
    dist.add_argument("--event", default="", help="event: the custom event's name")
    dist.add_argument(
        "--inactive-days", type=int, default=0, help="inactive: days without an order"
    )
    dist.add_argument(
        "--birthday-attribute", default="", help="birthday: the customer attribute with the date"
    )
    dist.add_argument("--repeat", action="store_true", help="fire on every occurrence")
    triggers = {
        "segment-entered": "TRIGGER_SEGMENT_ENTERED",
        "event": "TRIGGER_CUSTOM_EVENT_TRACKED",
        "order-paid": "TRIGGER_ORDER_PAID",
        "birthday": "TRIGGER_BIRTHDAY",
        "inactive": "TRIGGER_INACTIVE",
    }
    command(
        dist,
        lambda c, a: c.create_distribution(
            {
                "name": a.name or f"{a.trigger} -> {a.campaign_id}",
                "trigger": triggers[a.trigger],
                "segment_id": a.segment,
                "event_name": a.event,
                "inactive_days": a.inactive_days,
                "birthday_attribute": a.birthday_attribute,
                "campaign_id": a.campaign_id,
                "repeat": a.repeat,
            }
        ),
        _distribution_line,
    )
    dist_list = distributions.add_parser("list", help="every distribution")
    command(
        dist_list,
        lambda c, a: c.list_distributions(),
        lambda found: "\n".join(_distribution_line(d) for d in found),
    )


def _add_publish(commands: Any, command: Command) -> None:
    """`publish`: a code of a campaign to a customer."""
    publish = commands.add_parser("publish", help="issue a code of a campaign to a customer")
    publish.add_argument("campaign_id")
    publish.add_argument("customer_id")
    publish.add_argument("--code", default="", help="an existing code (default: a new one)")
    command(
        publish,
        lambda c, a: c.publish_code(a.campaign_id, a.customer_id, code=a.code),
        lambda p: f"{p['code']}  -> {p['customer_id']}",
    )


def _add_events(commands: Any, command: Command, client: ClientFactory) -> None:
    """`events track|watch`."""
    events = commands.add_parser(
        "events", help="track custom events, watch integration events"
    ).add_subparsers(metavar="ACTION", required=True)
    track = events.add_parser(
        "track", help="record a customer's custom event (earning rules, distributions)"
    )
    track.add_argument("customer_id")
    track.add_argument("name")
    track.add_argument(
        "--property",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="event property (repeatable; VALUE is JSON, else a string)",
    )
    command(
        track,
        lambda c, a: c.track_event(
            a.customer_id, a.name, dict(p.split("=", 1) for p in a.property)
        ),
        _tracked_text,
    )
    watch = events.add_parser("watch", help="print integration events as JSON lines")
    watch.add_argument("--after", type=int, default=0, help="last sequence already processed")
    watch.add_argument("--follow", action="store_true", help="keep waiting for live events")

    def run_watch(args: argparse.Namespace) -> int:
        with client(args) as connected:
            for event in connected.watch_events(
                after_sequence=args.after, backlog_only=not args.follow
            ):
                sys.stdout.write(orjson.dumps(event).decode() + "\n")
                sys.stdout.flush()
        return 0

    watch.set_defaults(run=run_watch)


def _customer_line(customer: dict[str, Any]) -> str:
    aggregates = customer.get("aggregates") or {}
    segments = ",".join(customer.get("segments", [])) or "-"
    return (
        f"{customer['id']}  orders {aggregates.get('orders_count', 0)}  "
        f"spent {aggregates.get('total_spent', 0)}  segments {segments}"
    )


def _customer_text(customer: dict[str, Any]) -> str:
    attributes = orjson.dumps(customer.get("attributes") or {}, option=orjson.OPT_SORT_KEYS)
    return f"{_customer_line(customer)}\nattributes {attributes.decode()}"


def _segment_line(segment: dict[str, Any]) -> str:
    kind = "dynamic" if segment.get("rules") else "static"
    return f"{segment['id']}  {kind}  size {segment['size']}  {segment['name']}"


def _distribution_line(distribution: dict[str, Any]) -> str:
    trigger = distribution["trigger"].removeprefix("TRIGGER_").lower()
    return (
        f"{distribution['id']}  {trigger}  -> {distribution['campaign_id']}  {distribution['name']}"
    )


def _tracked_text(answer: dict[str, Any]) -> str:
    lines = [f"points earned: {answer['points_earned']}"]
    lines += [f"code issued: {code}" for code in answer.get("issued_codes", [])]
    lines += [f"segment entered: {s}" for s in answer.get("segments_entered", [])]
    return "\n".join(lines)


def add_serve_options(serve: argparse.ArgumentParser) -> None:
    """`promocore serve` flags of the scheduler and the webhooks."""
    serve.add_argument(
        "--scheduler-interval",
        type=float,
        default=3600.0,
        help="seconds between ticks of the birthday/inactivity scheduler (0 = no scheduler)",
    )
    serve.add_argument("--webhook-url", default="", help="POST integration events here")
    serve.add_argument(
        "--webhook-secret-env",
        default="PROMOCORE_WEBHOOK_SECRET",
        help="environment variable holding the HMAC-SHA256 signing secret",
    )


def serve_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ServerOptions fields of those flags."""
    import os

    from promocore.cdp.webhooks import WebhookConfig

    webhook = None
    if args.webhook_url:
        secret = os.environ.get(args.webhook_secret_env, "")
        if not secret:
            raise SystemExit(f"--webhook-url needs a secret in ${args.webhook_secret_env}")
        webhook = WebhookConfig(url=args.webhook_url, secret=secret)
    return {"scheduler_interval_s": args.scheduler_interval, "webhook": webhook}
