"""`promocore` management commands at scale: campaigns as files (`apply`, `get`), reports with
plots, code export/import/QR, duplicate, and the audit log. Registered by cli.main.build_parser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson
import yaml

from promocore import _engine
from promocore.cli.output import print_table, write_chunks
from promocore.client.campaign_files import (
    STACKING_KIND,
    apply_document,
    dump_yaml,
    load_documents,
    stacking_document,
    to_document,
)
from promocore.client.core import Client
from promocore.errors import InvalidArgumentError


def add_management_commands(commands: Any, client: Any) -> None:
    """`client(args)` makes the Client from the global flags (cli._client)."""
    apply = commands.add_parser("apply", help="create or update campaigns from YAML/JSON files")
    apply.add_argument(
        "-f", "--file", type=Path, action="append", required=True, help="file (repeatable)"
    )
    apply.set_defaults(run=lambda args: run_apply(args, client(args)))

    get = commands.add_parser("get", help="print a resource as YAML or JSON (get campaign ID)")
    get.add_argument("kind", choices=("campaign",))
    get.add_argument("id")
    get.add_argument("--version", type=int, default=0, help="a past version (default: latest)")
    get.add_argument(
        "-o",
        "--output",
        dest="format",
        choices=("yaml", "json"),
        default="yaml",
        help="yaml (default) or json; either applies back with `apply -f`",
    )
    get.set_defaults(run=lambda args: run_get(args, client(args)))

    report = commands.add_parser("report", help="a campaign's report; --plot draws its series")
    report.add_argument("campaign_id")
    report.add_argument("--from", dest="start", help="RFC 3339 start (inclusive)")
    report.add_argument("--to", dest="end", help="RFC 3339 end (exclusive)")
    report.add_argument("--plot", type=Path, help="write a PNG of the per-day series here")
    report.set_defaults(run=lambda args: run_report(args, client(args)))

    audit = commands.add_parser("audit", help="the audit log of admin changes, newest first")
    # Not --target: that global option is the server's address.
    audit.add_argument(
        "--target-prefix",
        default="",
        help="only entries whose target starts with this, e.g. campaign/ or campaign/summer",
    )
    audit.add_argument("--limit", type=int, default=50, help="at most this many entries (50)")
    audit.set_defaults(run=lambda args: run_audit(args, client(args)))


def add_stacking_commands(commands: Any, client: Any) -> None:
    """`stacking get` / `stacking set -f FILE`: the deployment's stacking rules (docs/rules.md)."""
    stacking = commands.add_parser("stacking", help="get or set the stacking rules")
    sub = stacking.add_subparsers(metavar="ACTION", required=True)
    get = sub.add_parser("get", help="print the rules in force as a file `apply -f` reads")
    get.add_argument(
        "-o",
        "--output",
        dest="format",
        choices=("yaml", "json"),
        default="yaml",
        help="yaml (default) or json; either applies back with `apply -f`",
    )
    get.set_defaults(run=lambda args: run_stacking_get(args, client(args)))
    put = sub.add_parser("set", help="replace the rules with a YAML/JSON file's")
    put.add_argument(
        "-f",
        "--file",
        type=Path,
        required=True,
        help=f"a `kind: {STACKING_KIND}` document, or the rules mapping alone",
    )
    put.set_defaults(run=lambda args: run_stacking_set(args, client(args)))


def add_code_file_commands(codes: Any, client: Any) -> None:
    """`codes export|import|qr`, added to the `codes` command's actions."""
    export = codes.add_parser("export", help="write a campaign's codes as CSV")
    export.add_argument("campaign_id")
    export.add_argument("-f", "--file", type=Path, help="output file (default: stdout)")
    export.set_defaults(run=lambda args: run_export(args, client(args)))

    imports = codes.add_parser("import", help="add codes from a CSV file, all or nothing")
    imports.add_argument("campaign_id")
    imports.add_argument("file", type=Path)
    imports.set_defaults(run=lambda args: run_import(args, client(args)))

    qr = codes.add_parser("qr", help="write a code as a QR image (SVG or PNG)")
    qr.add_argument("code")
    qr.add_argument("-f", "--file", type=Path, required=True, help="output .svg or .png")
    qr.add_argument("--scale", type=int, default=0, help="module size (default 8)")
    qr.set_defaults(run=lambda args: run_qr(args, client(args)))


def add_duplicate_command(campaigns: Any, client: Any) -> None:
    duplicate = campaigns.add_parser("duplicate", help="copy a campaign under a new id")
    duplicate.add_argument("id")
    duplicate.add_argument("--new-id", default="", help="id of the copy (default: a new one)")
    duplicate.add_argument("--new-name", default="", help="name of the copy (default: the same)")
    duplicate.set_defaults(run=lambda args: run_duplicate(args, client(args)))


# Commands ------------------------------------------------------------------------------------


def run_apply(args: argparse.Namespace, client: Client) -> int:
    documents = [doc for path in args.file for doc in load_documents(path)]
    for document in documents:
        applied = apply_document(client, document)
        if applied.campaign_id == STACKING_KIND and document.get("kind") == STACKING_KIND:
            print(f"{STACKING_KIND} {applied.action}")
        else:
            print(f"campaign/{applied.campaign_id} {applied.action} (version {applied.version})")
        if applied.diff:
            print(applied.diff, end="" if applied.diff.endswith("\n") else "\n")
    return 0


def run_stacking_get(args: argparse.Namespace, client: Client) -> int:
    document = stacking_document(client.get_stacking_rules())
    if args.format == "json":
        print(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    else:
        print(dump_yaml([document]), end="")
    return 0


def run_stacking_set(args: argparse.Namespace, client: Client) -> int:
    """Replaces the rules (unlike `apply`, also when they are equal: the audit log records it)."""
    document = load_stacking_file(args.file)
    rules = client.set_stacking_rules(document.get("rules") or {})
    print(dump_yaml([stacking_document(rules)]), end="")
    return 0


def load_stacking_file(path: Path) -> dict[str, Any]:
    """A stacking document; a file holding the rules mapping alone is wrapped in one."""
    text = path.read_text()
    loaded = orjson.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    if not isinstance(loaded, dict):
        raise InvalidArgumentError(str(path), "the stacking rules are a mapping")
    if loaded.get("kind") == STACKING_KIND:
        return loaded
    return stacking_document(loaded)


def run_get(args: argparse.Namespace, client: Client) -> int:
    document = to_document(client.get_campaign(args.id, version=args.version))
    if args.format == "json":
        print(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    else:
        print(dump_yaml([document]), end="")
    return 0


def run_report(args: argparse.Namespace, client: Client) -> int:
    report = client.campaign_report(args.campaign_id, start=args.start, end=args.end)
    if args.plot:
        plot_report(report, args.plot)
    if args.output == "json":
        return _print_json(report)
    currency = report["currency"]

    def money(amount: int) -> str:
        return _engine.format_money(amount, currency)

    print(f"campaign {report['campaign_id']}")
    print(f"  redemptions       {report['redemptions']}  (rollbacks {report['rollbacks']})")
    print(f"  unique customers  {report['unique_customers']}")
    print(f"  total discount    {money(report['total_discount'])}")
    print(f"  total order value {money(report['total_order_value'])}")
    for variant in report["variants"]:
        print(
            f"  variant {variant['variant']:<9} {variant['redemptions']} redemptions, "
            f"discount {money(variant['discount'])}, order value {money(variant['order_value'])}"
        )
    if report["daily"]:
        rows = [
            (day["day"], day["redemptions"], day["rollbacks"], money(day["discount"]))
            for day in report["daily"]
        ]
        if not sys.stdout.isatty():
            print(f"  {'day':<10} {'redeemed':>9} {'rolled back':>12} {'discount':>16}")
        print_table(
            ("day", "redeemed", "rolled back", "discount"),
            rows,
            lambda r: f"  {r[0]:<10} {r[1]:>9} {r[2]:>12} {r[3]:>16}",
        )
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0


def plot_report(report: dict[str, Any], path: Path) -> None:
    """Redemptions and rollbacks per day (bars) and the discount per day (line)."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot

    days = [day["day"] for day in report["daily"]]
    figure, counts = pyplot.subplots(figsize=(max(6, len(days) * 0.6), 4))
    positions = range(len(days))
    counts.bar(positions, [d["redemptions"] for d in report["daily"]], label="redemptions")
    counts.bar(positions, [-d["rollbacks"] for d in report["daily"]], label="rollbacks")
    counts.set_xticks(list(positions), days, rotation=45, ha="right")
    counts.set_ylabel("redemptions / rollbacks")
    money = counts.twinx()
    # Minor units to major units for the axis only (display, not money math).
    exponent = len(_engine.format_money(0, report["currency"]).split()[0].partition(".")[2])
    money.plot(
        positions,
        [d["discount"] / 10**exponent for d in report["daily"]],
        color="black",
        marker="o",
        label="discount",
    )
    money.set_ylabel(f"discount ({report['currency']})")
    counts.set_title(f"campaign {report['campaign_id']}")
    handles = counts.get_legend_handles_labels()[0] + money.get_legend_handles_labels()[0]
    counts.legend(handles=handles, loc="upper left")
    figure.tight_layout()
    figure.savefig(path, format="png")
    pyplot.close(figure)


def run_duplicate(args: argparse.Namespace, client: Client) -> int:
    copy = client.duplicate_campaign(args.id, new_id=args.new_id, new_name=args.new_name)
    if args.output == "json":
        return _print_json(copy)
    print(f"campaign {args.id} copied to {copy['id']} (version {copy['version']})")
    return 0


def run_audit(args: argparse.Namespace, client: Client) -> int:
    entries = client.list_audit_log(target_prefix=args.target_prefix, limit=args.limit)
    if args.output == "json":
        return _print_json(entries)
    rows = [
        (
            entry["sequence"],
            entry["created_at"].strftime("%Y-%m-%d %H:%M:%S"),
            entry["actor"],
            entry["action"],
            entry["target"],
        )
        for entry in entries
    ]
    print_table(
        ("#", "when (UTC)", "who", "action", "target"),
        rows,
        lambda r: f"{r[0]:>6} {r[1]} {r[2]:<16} {r[3]:<18} {r[4]}",
    )
    return 0


def run_export(args: argparse.Namespace, client: Client) -> int:
    write_chunks(client.export_codes(args.campaign_id), args.file)
    return 0


def run_import(args: argparse.Namespace, client: Client) -> int:
    def chunks() -> Any:
        with args.file.open("rb") as source:
            while chunk := source.read(1 << 20):
                yield chunk

    imported = client.import_codes(args.campaign_id, chunks())
    print(f"imported {imported} codes into {args.campaign_id}")
    return 0


def run_qr(args: argparse.Namespace, client: Client) -> int:
    image_format = "png" if args.file.suffix.lower() == ".png" else "svg"
    _, image = client.code_qr(args.code, format=image_format, scale=args.scale)
    args.file.write_bytes(image)
    print(f"{args.code}: {image_format} written to {args.file}")
    return 0


def _print_json(value: Any) -> int:
    print(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode())
    return 0
