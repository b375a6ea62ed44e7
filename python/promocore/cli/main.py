"""The `promocore` command: serve, load the demo, manage campaigns and codes, run checkouts.

Every command but `serve` talks to a running server through promocore.Client (`--target`,
default $PROMOCORE_TARGET or 127.0.0.1:50051). `-o json` prints machine-readable output.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import grpc
import orjson

from promocore import _engine
from promocore.cli import security as cli_security
from promocore.cli.backtest import add_backtest_command
from promocore.cli.cockpit import add_cockpit_commands
from promocore.cli.customers import add_customer_commands, add_serve_options, serve_options
from promocore.cli.manage import (
    add_code_file_commands,
    add_duplicate_command,
    add_management_commands,
    add_stacking_commands,
)
from promocore.cli.output import Progress, print_table
from promocore.cli.programs import add_program_commands
from promocore.client.core import Client
from promocore.errors import PromocoreError, UnauthenticatedError
from promocore.server import logs
from promocore.server.http_server import DEFAULT_HTTP_LISTEN
from promocore.store.group_commit import DEFAULT_MAX_BATCH
from promocore.store.tables import Durability

DEFAULT_TARGET = "127.0.0.1:50051"
# The `promocore --help` epilogue; README.md repeats the table (tests/cli/test_cli.py checks both).
EXIT_CODES = """\
exit codes:
  0    success
  1    an error: the server refused the request or could not be reached, an input file is
       invalid (the message names the field), or `check` found problems
  2    usage: the command line is wrong, or a file cannot be read
  3    `validate`: the answer is not valid; `redeem`: the redemption did not succeed
  130  interrupted (Ctrl-C)
"""
# After the server's "an API key is required" when the CLI was given none.
MISSING_KEY_HINT = (
    "; give the CLI a key with --api-key KEY or `export PROMOCORE_API_KEY=KEY` "
    "(`promocore serve` prints the first admin key once; `promocore keys create` makes more)"
)
SERVE_DESCRIPTION = """\
Serve promocore: the checkout, admin and events RPCs over gRPC on --listen, with every RPC also
as HTTP/JSON, the web console and the customer cockpit on --http-listen, and Prometheus metrics
on --metrics-listen. State lives in an LMDB directory (--data-dir), or in Redis for several
nodes (--store). A first start on an empty store creates an admin API key and prints it once.
Refuses to start (exit status 2) when one of its addresses is in use by another process.
docs/operations.md describes every flag."""
# `codes generate` prints the codes up to this count (the server returns at most that many);
# larger batches are read back with `codes export`.
MAX_PRINTED_CODES = 10_000


def main(argv: list[str] | None = None) -> int:
    # `promocore codes list X | head` should stop quietly, as other Unix tools do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args) or 0
    except UnauthenticatedError as error:
        hint = "" if args.api_key else MISSING_KEY_HINT
        print(f"error: {error}{hint}", file=sys.stderr)
        return 1
    except PromocoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except grpc.RpcError as error:  # a status promocore has no error for (UNKNOWN, ...)
        print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promocore",
        description=__doc__,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--target",
        default=os.environ.get("PROMOCORE_TARGET", DEFAULT_TARGET),
        help="server address",
    )
    parser.add_argument("--api-key", default=os.environ.get("PROMOCORE_API_KEY"), help="API key")
    cli_security.add_client_arguments(parser)
    parser.add_argument(
        "-o",
        "--output",
        choices=("text", "json"),
        default="text",
        help="text for people (default) or json for scripts; before or after the command",
    )
    commands = parser.add_subparsers(metavar="COMMAND")

    _add_serve_command(commands)
    _add_store_commands(commands)
    _add_campaign_commands(commands)
    _add_code_commands(commands)
    add_program_commands(commands, _client, _print)
    cli_security.add_key_commands(commands, _client)
    add_cockpit_commands(commands, _client)
    add_management_commands(commands, _client)
    add_backtest_command(commands, _client)
    add_stacking_commands(commands, _client)
    add_customer_commands(commands, _client, _print)
    _add_checkout_commands(commands)
    _accept_output_after_the_command(parser)
    return parser


def _add_serve_command(commands: Any) -> None:
    """`serve`: where the data lives, the process model, durability; its ports and logs."""
    serve = commands.add_parser(
        "serve",
        help="run the server (gRPC; HTTP/JSON and the console with --http-listen)",
        description=SERVE_DESCRIPTION,
        formatter_class=DefaultsShownFormatter,
    )
    serve.add_argument("--data-dir", type=Path, default=Path("var"), help="LMDB directory")
    serve.add_argument(
        "--store",
        type=_store_url,
        help="redis://HOST:PORT/DB: keep the state in Redis, shared by several nodes, instead of "
        "LMDB in --data-dir (docs/redis.md)",
    )
    serve.add_argument("--listen", default=DEFAULT_TARGET, help="HOST:PORT to bind")
    serve.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server processes sharing the port (default: number of cores; 0 = this process)",
    )
    serve.add_argument(
        "--threads",
        type=int,
        help="RPC threads per process (default: --max-concurrent-rpcs, so no RPC waits for one)",
    )
    serve.add_argument(
        "--max-concurrent-writes",
        type=int,
        help="Redeem/Rollback/ReleaseReservation and reserving Validates in progress per process;"
        " beyond, RESOURCE_EXHAUSTED (default: --max-concurrent-rpcs less an eighth, for reads)",
    )
    serve.add_argument(
        "--cpu-affinity",
        choices=("auto", "off"),
        default="auto",
        help="auto: bind each worker to its own allowed CPU when workers <= allowed CPUs; "
        "off: never (see docs/operations.md)",
    )
    serve.add_argument(
        "--durability",
        choices=[d.value for d in Durability],
        default=Durability.FULL.value,
        help="full: fsync before every answer (survives OS crash, power cut); process: no fsync "
        "(survives kill -9 of the server, not an OS crash). See docs/operations.md",
    )
    serve.add_argument(
        "--max-batch",
        type=int,
        default=DEFAULT_MAX_BATCH,
        help="writes per group commit (1 = one transaction and sync per write)",
    )
    serve.add_argument(
        "--demo-if-empty", action="store_true", help="load the demo data set into an empty store"
    )
    _add_serve_ports_and_logs(serve)
    cli_security.add_serve_arguments(serve)
    add_serve_options(serve)
    serve.set_defaults(run=run_serve)


def _add_serve_ports_and_logs(serve: argparse.ArgumentParser) -> None:
    """The HTTP and metrics ports, the log format and the access log of `serve`."""
    serve.add_argument(
        "--http-listen",
        metavar="HOST:PORT",
        nargs="?",
        const=DEFAULT_HTTP_LISTEN,
        help="serve every RPC as HTTP/JSON (Connect protocol), the web console and the customer "
        f"cockpit pages on HOST:PORT (the flag alone: {DEFAULT_HTTP_LISTEN}; default: off; "
        "see docs/console.md)",
    )
    serve.add_argument(
        "--metrics-listen",
        metavar="HOST:PORT",
        help="serve Prometheus metrics of all workers on http://HOST:PORT/metrics (default: off; "
        "see docs/operations.md)",
    )
    serve.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text (default) or json: one JSON object per line, with a request id per RPC that "
        "the caller gets in the x-request-id trailer",
    )
    serve.add_argument(
        "--access-log",
        nargs="?",
        const="-",
        metavar="PATH",
        help="one line per RPC (method, status, duration, request id): to PATH, or with the "
        "other logs on stderr when PATH is left out",
    )


def _add_store_commands(commands: Any) -> None:
    """`check` and `demo`."""
    check = commands.add_parser(
        "check", help="recompute counters and balances from the log; non-zero exit on mismatch"
    )
    check.add_argument("--data-dir", type=Path, default=Path("var"), help="LMDB directory")
    check.add_argument("--store", type=_store_url, help="redis://HOST:PORT/DB: check a Redis store")
    check.add_argument(
        "--full",
        action="store_true",
        help="also read every record of every table (every page of an LMDB file): finds damage",
    )
    check.set_defaults(run=run_check)

    demo = commands.add_parser("demo", help="load the demo data set into a running server")
    demo.set_defaults(run=run_demo)


def _add_checkout_commands(commands: Any) -> None:
    """validate, redeem, qualify, rollback: the checkout from the command line."""
    validate = commands.add_parser("validate", help="validate codes against a cart")
    _add_checkout_arguments(validate)
    _add_preview_argument(validate)
    validate.set_defaults(run=run_validate)

    redeem = commands.add_parser("redeem", help="redeem codes for a paid order")
    _add_checkout_arguments(redeem)
    redeem.add_argument("--idempotency-key", help="retry key (default: a new one, printed)")
    redeem.set_defaults(run=run_redeem)

    qualify = commands.add_parser("qualify", help="what this cart and customer can use now")
    _add_cart_arguments(qualify)
    qualify.add_argument("--near-misses", action="store_true", help="also list near misses")
    qualify.add_argument("--limit", type=int, default=0, help="at most this many offers")
    _add_preview_argument(qualify)
    qualify.set_defaults(run=run_qualify)

    rollback = commands.add_parser("rollback", help="roll back a redemption")
    rollback.add_argument("redemption_id")
    rollback.add_argument("--reason", default="", help="why, kept with the rollback")
    rollback.set_defaults(run=run_rollback)


class DefaultsShownFormatter(argparse.RawDescriptionHelpFormatter):
    """Adds "(default: X)" to an option's help unless the help already names its default or
    there is none to show (None, False, an empty string)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default in (None, False, "")
            or default is argparse.SUPPRESS
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


def _accept_output_after_the_command(parser: argparse.ArgumentParser) -> None:
    """`-o json` may go before the command (the global option) or after it, as `get -o yaml`
    does: every command without an -o of its own takes the global one too. SUPPRESS as default,
    so a command's -o never resets the one given before it."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for command in set(action.choices.values()):
            if any(isinstance(sub, argparse._SubParsersAction) for sub in command._actions):
                _accept_output_after_the_command(command)
            elif "-o" not in command._option_string_actions:
                command.add_argument(
                    "-o",
                    "--output",
                    choices=("text", "json"),
                    default=argparse.SUPPRESS,
                    help="text or json, as the -o before the command",
                )


def _add_campaign_commands(commands: Any) -> None:
    campaigns = commands.add_parser("campaigns", help="create, list, enable and disable campaigns")
    sub = campaigns.add_subparsers(metavar="ACTION", required=True)

    create = sub.add_parser("create", help="create a campaign from flags or a JSON file")
    create.add_argument("--file", type=Path, help="JSON file with a promocore.v1.Campaign")
    create.add_argument("--id", help="campaign id (default: one made by the server)")
    create.add_argument("--name", help="display name")
    create.add_argument(
        "--type",
        default="DISCOUNT_COUPONS",
        help="DISCOUNT_COUPONS (default), PROMOTION, GIFT_VOUCHERS, LOYALTY_PROGRAM, ...",
    )
    create.add_argument("--currency", default="EUR", help="ISO 4217 currency (default EUR)")
    effect = create.add_mutually_exclusive_group()
    effect.add_argument("--amount-off", type=int, help="minor units off the order")
    effect.add_argument("--percent-off", type=_percent_bp, help="percent off the order, e.g. 12.5")
    create.add_argument("--cap", type=int, help="maximum discount of --percent-off, minor units")
    create.add_argument(
        "--rules", type=_json_value, help="eligibility rule as JSON (docs/rules.md)"
    )
    create.add_argument("--code-quantity", type=int, help="default redemptions per code")
    create.add_argument("--limit-total", type=int, help="campaign redemption limit")
    create.add_argument("--limit-per-customer", type=int, help="redemptions per customer")
    create.set_defaults(run=run_campaign_create)

    listing = sub.add_parser("list", help="list campaigns")
    listing.set_defaults(run=run_campaign_list)

    get = sub.add_parser("get", help="show a campaign")
    get.add_argument("id")
    get.set_defaults(run=run_campaign_get)

    add_duplicate_command(sub, _client)

    for action, active in (("disable", False), ("enable", True)):
        switch = sub.add_parser(action, help=f"{action} a campaign (kill switch)")
        switch.add_argument("id")
        switch.set_defaults(run=lambda args, active=active: run_campaign_switch(args, active))


def _add_code_commands(commands: Any) -> None:
    codes = commands.add_parser("codes", help="generate, add and inspect codes")
    sub = codes.add_subparsers(metavar="ACTION", required=True)

    generate = sub.add_parser("generate", help="generate random codes for a campaign")
    generate.add_argument("campaign_id")
    generate.add_argument("--count", type=int, required=True, help="how many codes")
    generate.add_argument("--pattern", help="'#' = a random character, e.g. SUMMER-####-####")
    generate.add_argument("--charset-preset", help="alphanumeric, alphabetic, numbers, ...")
    generate.add_argument("--prefix", default="", help="text before each code")
    generate.add_argument("--postfix", default="", help="text after each code")
    generate.add_argument("--redemption-quantity", type=int, help="redemptions per code")
    generate.set_defaults(run=run_codes_generate)

    add = sub.add_parser("add", help="add a chosen code to a campaign")
    add.add_argument("campaign_id")
    add.add_argument("code")
    add.add_argument(
        "--redemption-quantity", type=int, help="redemptions of this code (default: the campaign's)"
    )
    add.add_argument("--customer", help="assign the code to this customer id")
    add.set_defaults(run=run_codes_add)

    get = sub.add_parser("get", help="show a code with its redeemed quantity")
    get.add_argument("code")
    get.set_defaults(run=run_codes_get)

    listing = sub.add_parser("list", help="list a campaign's codes")
    listing.add_argument("campaign_id")
    listing.set_defaults(run=run_codes_list)
    add_code_file_commands(sub, _client)


def _add_checkout_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--code", action="append", default=[], help="a code (repeatable)")
    _add_cart_arguments(parser)
    parser.add_argument(
        "--mode",
        choices=("partial", "all"),
        default="partial",
        help="partial (default): apply the codes that can; all: nothing unless every code applies",
    )
    parser.add_argument("--promotions", action="store_true", help="let auto promotions join")


def _add_preview_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        type=_instant,
        help="preview: evaluate as if it were this time, RFC 3339 with an offset, e.g. "
        "2026-12-12T23:30:00+09:00 (admin and support keys; nothing is written)",
    )


def _add_cart_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--item",
        action="append",
        default=[],
        type=_item,
        required=True,
        help="SKU:UNIT_PRICE:QUANTITY[:CATEGORY,CATEGORY] (repeatable), price in minor units",
    )
    parser.add_argument("--currency", default="EUR", help="the cart's currency (default EUR)")
    parser.add_argument("--shipping", type=int, default=0, help="shipping amount, minor units")
    parser.add_argument("--order-id", help="order id (Redeem default: a new one)")
    parser.add_argument("--customer", default="", help="customer id")
    parser.add_argument(
        "--attr", action="append", default=[], type=_attribute, help="customer attribute KEY=VALUE"
    )


# Commands ------------------------------------------------------------------------------------


def run_serve(args: argparse.Namespace) -> int:
    import dataclasses

    from promocore.server.grpc_server import ServerOptions, serve_forever, start_server
    from promocore.server.ports import ServePorts
    from promocore.server.workers import serve_workers

    logs.configure(args.log_format, access_log=args.access_log)
    # First of all, before the store is opened: an address held by anything else (another
    # promocore, any program) stops the start with exit status 2 and no data touched.
    ports = ServePorts.claim(args.listen, args.http_listen, args.metrics_listen)
    options = ServerOptions(
        threads=args.threads,
        max_concurrent_writes=args.max_concurrent_writes,
        durability=Durability(args.durability),
        max_batch=args.max_batch,
        load_demo_if_empty=args.demo_if_empty,
        http_listen=ports.http.listen if ports.http is not None else None,
        **cli_security.serve_options(args),
        **serve_options(args),
    )
    logging.getLogger("promocore").info("promocore engine %s", _engine.__version__)
    location = args.store or args.data_dir
    if args.store is None:
        from promocore.store.data_file import check_data_file

        # A truncated data file refused here, in one line, before any worker maps it.
        check_data_file(Path(args.data_dir))
    if options.auth:
        # Before any worker starts, so the key is printed once, not once per worker.
        cli_security.ensure_admin_key(location, options.bootstrap_admin_key)
    if args.workers > 0:
        return serve_workers(location, ports, args.workers, options, cpu_affinity=args.cpu_affinity)
    logs.set_worker(0)
    # This one process binds beside its own claims, as the workers do.
    options = dataclasses.replace(options, reuse_port=True)
    if ports.metrics is not None:
        return _serve_alone_with_metrics(location, ports, options)
    try:
        running = start_server(location, ports.grpc.listen, options=options)
        logging.getLogger("promocore").info(
            "promocore serving on %s (data in %s)", ports.grpc.listen, location
        )
        _log_console_url(running)
        serve_forever(running)
    finally:
        ports.close()
    return 0


def _serve_alone_with_metrics(location: Any, ports: Any, options: Any) -> int:
    """`--workers 0 --metrics-listen`: this one process records and serves the metrics."""
    import dataclasses

    from promocore.server import metrics
    from promocore.server.grpc_server import serve_forever, start_server

    directory = metrics.prepare_directory()
    try:
        running = start_server(
            location, ports.grpc.listen, options=dataclasses.replace(options, metrics=True)
        )
        metrics.serve_metrics(ports.metrics.socket)
        log = logging.getLogger("promocore")
        log.info("promocore serving on %s (data in %s)", ports.grpc.listen, location)
        log.info("metrics on http://%s/metrics", ports.metrics.listen)
        _log_console_url(running)
        serve_forever(running)
    finally:
        metrics.remove_directory(directory)
        ports.close()
    return 0


def _log_console_url(running: Any) -> None:
    if running.http is not None:
        logging.getLogger("promocore").info("HTTP/JSON API and web console on %s", running.http.url)


def _store_url(text: str) -> str:
    from promocore.store.redis_kv import RedisLocation

    try:
        RedisLocation.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def run_check(args: argparse.Namespace) -> int:
    from promocore.store.check import check_store

    report = check_store(args.store or args.data_dir, full=args.full)
    if args.output == "json":
        _print(args, report.as_plain())
    else:
        print(report.summary())
    return 0 if report.ok else 1


def run_demo(args: argparse.Namespace) -> int:
    from promocore.manage.demo import load_demo

    created = load_demo(_client(args))
    print(f"demo data loaded: {created} new campaigns (codes WELCOME10, COFFEE5, VIP15, ...)")
    return 0


def run_campaign_create(args: argparse.Namespace) -> int:
    campaign: dict[str, Any] = orjson.loads(args.file.read_bytes()) if args.file else {}
    flags = {
        "id": args.id,
        "name": args.name,
        "currency": args.currency if not args.file else None,
        "type": args.type.upper() if not args.file else None,
        "rules": args.rules,
        "code_redemption_quantity": args.code_quantity,
    }
    campaign.update({key: value for key, value in flags.items() if value is not None})
    if args.amount_off is not None:
        campaign["effect"] = {"amount_off_order": {"amount": args.amount_off}}
    elif args.percent_off is not None:
        campaign["effect"] = {
            "percent_off_order": {"percent_bp": args.percent_off, "cap": args.cap}
        }
    limits = {"total_redemptions": args.limit_total, "per_customer": args.limit_per_customer}
    if any(value is not None for value in limits.values()):
        campaign["limits"] = {**campaign.get("limits", {}), **limits}
    created = _client(args).create_campaign(campaign)
    if args.output == "json":
        return _print(args, created)
    print(f"campaign {created['id']} created (version {created['version']})")
    return 0


def run_campaign_get(args: argparse.Namespace) -> int:
    campaign = _client(args).get_campaign(args.id)
    if args.output == "json":
        return _print(args, campaign)
    status = campaign["status"].removeprefix("CAMPAIGN_STATUS_").lower()
    print(f"campaign {campaign['id']} (version {campaign['version']}, {status})")
    print(f"  name      {campaign['name']}")
    print(f"  type      {campaign['type']}")
    print(f"  currency  {campaign['currency']}")
    print("  (the whole definition: `promocore get campaign ID` or -o json)")
    return 0


def run_campaign_switch(args: argparse.Namespace, active: bool) -> int:
    campaign = _client(args).set_campaign_active(args.id, active)
    if args.output == "json":
        return _print(args, campaign)
    state = "enabled" if active else "disabled"
    print(f"campaign {campaign['id']} {state} (version {campaign['version']})")
    return 0


def run_campaign_list(args: argparse.Namespace) -> int:
    campaigns = _client(args).list_campaigns()
    if args.output == "json":
        return _print(args, campaigns)
    rows = [
        (c["id"], c["status"].removeprefix("CAMPAIGN_STATUS_"), c["type"], c["version"], c["name"])
        for c in campaigns
    ]
    print_table(
        ("id", "status", "type", "version", "name"),
        rows,
        lambda r: f"{r[0]:<28} {r[1]:<10} {r[2]:<17} v{r[3]:<3} {r[4]}",
    )
    return 0


def run_codes_generate(args: argparse.Namespace) -> int:
    config = {
        "pattern": args.pattern,
        "charset_preset": args.charset_preset,
        "prefix": args.prefix,
        "postfix": args.postfix,
    }
    custom = any((args.pattern, args.charset_preset, args.prefix, args.postfix))

    with Progress("codes") as progress:
        codes = _client(args).generate_codes(
            args.campaign_id,
            args.count,
            code_config=config if custom else None,
            redemption_quantity=args.redemption_quantity,
            return_codes=args.count <= MAX_PRINTED_CODES,
            on_progress=progress,
        )
    if args.output == "json":
        return _print(args, codes)
    print("\n".join(codes))
    return 0


def run_codes_add(args: argparse.Namespace) -> int:
    fields = {
        "redemption_quantity": args.redemption_quantity,
        "assigned_customer_id": args.customer,
    }
    code = _client(args).create_code(
        args.campaign_id, args.code, **{k: v for k, v in fields.items() if v is not None}
    )
    if args.output == "json":
        return _print(args, code)
    print(f"code {code['code']} added to campaign {code['campaign_id']}")
    return 0


def run_codes_get(args: argparse.Namespace) -> int:
    code = _client(args).get_code(args.code)
    if args.output == "json":
        return _print(args, code)
    quantity = code["redemption_quantity"]
    limit = "campaign default" if quantity is None else str(quantity)
    state = "inactive" if code.get("active") is False else "active"
    print(f"code {code['code']} of campaign {code['campaign_id']} ({state})")
    print(f"  redeemed {code['redeemed_quantity']} (limit: {limit})")
    if code.get("assigned_customer_id"):
        print(f"  assigned to {code['assigned_customer_id']}")
    return 0


def run_codes_list(args: argparse.Namespace) -> int:
    client = _client(args)
    codes = client.list_codes(args.campaign_id)
    if args.output == "json":
        return _print(args, codes)
    campaign_default = client.get_campaign(args.campaign_id)["code_redemption_quantity"]
    rows = []
    for code in codes:
        quantity = code["redemption_quantity"]
        if quantity is None:
            quantity = campaign_default
        limit = "unlimited" if quantity is None else str(quantity)
        rows.append((code["code"], code["redeemed_quantity"], limit))
    print_table(("code", "redeemed", "of"), rows, lambda r: f"{r[0]:<24} redeemed {r[1]}/{r[2]}")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    order, options = _checkout_request(args)
    answer = _client(args).validate(order, evaluate_at=args.at, **options)
    if args.output == "json":
        _print(args, answer)
    else:
        print(f"valid: {'yes' if answer['valid'] else 'no'}")
        _print_results(answer["redeemables"], answer["totals"])
    # The same exit status in every output mode: scripts read JSON and test the status.
    return 0 if answer["valid"] else 3


def run_redeem(args: argparse.Namespace) -> int:
    order, options = _checkout_request(args)
    order.setdefault("id", f"order-{uuid.uuid4().hex[:12]}")
    key = args.idempotency_key or f"cli-{uuid.uuid4().hex}"
    answer = _client(args).redeem(order, idempotency_key=key, **options)
    if args.output == "json":
        _print(args, answer)
    else:
        redemption = answer.get("redemption")
        print(f"status: {answer['status']}{' (replayed)' if answer['replayed'] else ''}")
        if redemption:
            print(f"redemption: {redemption['id']}  order: {order['id']}  idempotency key: {key}")
        _print_results(answer["redeemables"], answer["totals"])
    return 0 if answer["status"] == "SUCCEEDED" else 3


def run_qualify(args: argparse.Namespace) -> int:
    order, customer = _cart(args)
    wallet = _client(args).qualify(
        order,
        customer=customer,
        limit=args.limit,
        include_near_misses=args.near_misses,
        evaluate_at=args.at,
    )
    if args.output == "json":
        return _print(args, wallet)
    print(f"{len(wallet['entries'])} offers for this cart, best first:")
    currency = order["currency"]
    for entry in wallet["entries"]:
        result = entry["result"]
        redeemable = result["redeemable"]
        label = redeemable.get("code") or redeemable.get("promotion_id")
        discount = result["items_discount"] + result["shipping_discount"]
        source = entry["source"].lower().replace("_", " ")
        print(f"  {label:<20} -{_engine.format_money(discount, currency):<12} {source}")
    for entry in wallet["near_misses"]:
        result = entry["result"]
        near_miss = (result.get("explanation") or {}).get("near_miss") or {}
        print(
            f"  near miss: {result['campaign_id']}: {near_miss.get('message', result['message'])}"
        )
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    answer = _client(args).rollback(args.redemption_id, reason=args.reason)
    if args.output == "json":
        return _print(args, answer)
    print(f"rolled back {args.redemption_id} (rollback {answer['rollback_id']})")
    return 0


# Helpers -------------------------------------------------------------------------------------


def _client(args: argparse.Namespace) -> Client:
    return Client(
        args.target,
        api_key=args.api_key or "",
        credentials=cli_security.client_credentials(args),
    )


def _print(args: argparse.Namespace, value: Any) -> int:
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    print(orjson.dumps(value, option=options).decode())
    return 0


def _print_results(results: list[dict[str, Any]], totals: dict[str, Any]) -> None:
    currency = totals["currency"]
    for result in results:
        redeemable = result["redeemable"]
        label = redeemable.get("code") or redeemable.get("promotion_id") or "?"
        line = f"  {label:<20} {result['status']:<13}"
        if result["status"] == "APPLICABLE":
            discount = result["items_discount"] + result["shipping_discount"]
            line += f" -{_engine.format_money(discount, currency)}  ({result['campaign_id']})"
        else:
            line += f" {result['reason']}: {result['message']}"
        near_miss = (result.get("explanation") or {}).get("near_miss")
        if near_miss:
            line += f"\n  {'':<20} {'':<13} {near_miss['message']}"
        print(line)
    print(
        f"amount {_engine.format_money(totals['amount'], currency)}, "
        f"discount {_engine.format_money(totals['total_discount'], currency)}, "
        f"to pay {_engine.format_money(totals['total_to_pay'], currency)}"
    )


def _cart(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any] | None]:
    order: dict[str, Any] = {
        "currency": args.currency,
        "items": args.item,
        "shipping_amount": args.shipping,
    }
    if args.order_id:
        order["id"] = args.order_id
    has_customer = args.customer or args.attr
    customer = {"id": args.customer, "attributes": dict(args.attr)} if has_customer else None
    return order, customer


def _checkout_request(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    order, customer = _cart(args)
    options = {
        "codes": args.code,
        "customer": customer,
        "mode": args.mode.upper(),
        "include_promotions": args.promotions,
    }
    return order, options


def _item(text: str) -> dict[str, Any]:
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise argparse.ArgumentTypeError("expected SKU:UNIT_PRICE:QUANTITY[:CATEGORIES]")
    try:
        item: dict[str, Any] = {
            "sku": parts[0],
            "unit_price": int(parts[1]),
            "quantity": int(parts[2]),
        }
    except ValueError:
        raise argparse.ArgumentTypeError("UNIT_PRICE and QUANTITY must be integers") from None
    if len(parts) == 4 and parts[3]:
        item["categories"] = parts[3].split(",")
    return item


def _attribute(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("expected KEY=VALUE")
    try:
        return key, orjson.loads(raw)
    except orjson.JSONDecodeError:
        return key, raw


def _instant(text: str) -> datetime:
    """An RFC 3339 time with its offset ("Z" or "+09:00"): a time without one would be read
    in nobody knows which zone."""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None or "T" not in text.upper():
        raise argparse.ArgumentTypeError(
            "expected an RFC 3339 time with an offset, e.g. 2026-12-12T23:30:00+09:00; "
            f"got {text!r}"
        )
    return instant


def _json_value(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None


def _percent_bp(text: str) -> int:
    """ "12.5" -> 1250 basis points, exactly (no binary floats)."""
    try:
        basis_points = Decimal(text) * 100
    except InvalidOperation:
        raise argparse.ArgumentTypeError("expected a percentage such as 10 or 12.5") from None
    if basis_points != basis_points.to_integral_value():
        raise argparse.ArgumentTypeError("at most two decimals")
    return int(basis_points)


if __name__ == "__main__":
    sys.exit(main())
