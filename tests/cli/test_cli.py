"""The `promocore` command as a user runs it: a real process against a real server."""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from promocore import Client, PromocoreError
from promocore.cli.main import EXIT_CODES, build_parser

from support import connected_to, promocore, wait_until


def test_the_five_minute_tour(target):
    created = promocore(
        "-o",
        "json",
        "campaigns",
        "create",
        "--id",
        "tour",
        "--name",
        "Tour 10%",
        "--percent-off",
        "10",
        "--cap",
        "2000",
        "--code-quantity",
        "1",
        "--rules",
        '{"subject": "order.amount", "op": "gte", "value": 3000}',
        target=target,
    )
    assert json.loads(created.stdout)["version"] == 1

    generated = promocore(
        "codes", "generate", "tour", "--count", "2", "--pattern", "TOUR-######", target=target
    )
    codes = generated.stdout.split()
    assert len(codes) == 2 and all(c.startswith("TOUR-") and len(c) == 11 for c in codes)

    item = "--item", "BEANS:1299:2:coffee", "--item", "MUG:899:1"
    validated = promocore("-o", "json", "validate", "--code", codes[0], *item, target=target)
    answer = json.loads(validated.stdout)
    assert answer["redeemables"][0]["items_discount"] == 350

    too_small = promocore(
        "validate", "--code", codes[0], "--item", "MUG:899:1", target=target, check=False
    )
    assert too_small.returncode == 3
    assert "rules_not_met" in too_small.stdout
    # 30.00 - 8.99 = 21.01 EUR short of the threshold.
    assert "Add 21.01 EUR to get 10% off" in too_small.stdout

    redeemed = promocore(
        "-o",
        "json",
        "redeem",
        "--code",
        codes[0],
        *item,
        "--idempotency-key",
        "tour-1",
        target=target,
    )
    redemption = json.loads(redeemed.stdout)["redemption"]
    again = promocore("redeem", "--code", codes[0], *item, target=target, check=False)
    assert again.returncode == 3 and "code_quantity_exceeded" in again.stdout

    rolled_back = promocore("rollback", redemption["id"], "--reason", "refund", target=target)
    assert redemption["id"] in rolled_back.stdout
    twice = promocore("rollback", redemption["id"], target=target, check=False)
    assert twice.returncode == 1 and "already rolled back" in twice.stderr

    listed = promocore("codes", "list", "tour", target=target).stdout.splitlines()
    # The codes inherit the campaign's single use; the rollback freed the first one.
    assert sorted(listed) == sorted(f"{code:<24} redeemed 0/1" for code in codes)

    disabled = promocore("campaigns", "disable", "tour", target=target)
    assert disabled.stdout == "campaign tour disabled (version 2)\n"
    listing = promocore("campaigns", "list", target=target)
    assert "tour" in listing.stdout and "PAUSED" in listing.stdout


def test_bad_input_is_reported_with_the_field(target):
    result = promocore(
        "campaigns", "create", "--name", "Bad", "--percent-off", "150", target=target, check=False
    )
    assert result.returncode == 1
    assert "campaign.effect.percent_off_order.percent_bp" in result.stderr


def test_demo_loads_once_into_a_running_server(target):
    first = promocore("demo", target=target)
    assert "6 new campaigns" in first.stdout
    again = promocore("demo", target=target)
    assert "0 new campaigns" in again.stdout
    validated = promocore(
        "-o",
        "json",
        "validate",
        "--code",
        "COFFEE5",
        "--item",
        "BEANS:1299:2:coffee",
        "--customer",
        "alice",
        target=target,
    )
    assert json.loads(validated.stdout)["totals"]["total_discount"] == 500
    wallet = promocore(
        "qualify", "--item", "BEANS:1299:2:coffee", "--item", "MUG:899:1", target=target
    )
    # WELCOME10 is the demo's public code: 10% of 34.97 = 3.50 EUR.
    assert "WELCOME10" in wallet.stdout and "-3.50 EUR" in wallet.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_with_demo_data_answers_a_discount(tmp_path):
    target = f"127.0.0.1:{_free_port()}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "promocore.cli",
            "serve",
            "--data-dir",
            str(tmp_path / "var"),
            "--listen",
            target,
            "--demo-if-empty",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_serving(target, server)
        validated = promocore(
            "validate",
            "--code",
            "WELCOME10",
            "--item",
            "BEANS:1299:2:coffee",
            "--item",
            "MUG:899:1",
            target=target,
        )
        assert "APPLICABLE" in validated.stdout
        assert "-3.50 EUR" in validated.stdout
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0


def _wait_until_serving(target: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    with Client(target, timeout=1) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stderr.read()}")
            try:
                client.get_campaign("welcome-10")
                return
            except PromocoreError:  # UNAVAILABLE until the port is bound
                time.sleep(0.1)
    pytest.fail("server did not start within 30 s")


def test_text_mode_prints_text_and_json_mode_prints_json(target):
    created = promocore(
        "campaigns",
        "create",
        "--id",
        "words",
        "--name",
        "Words",
        "--amount-off",
        "100",
        target=target,
    )
    assert created.stdout == "campaign words created (version 1)\n"
    added = promocore("codes", "add", "words", "WORDS-1", target=target)
    assert added.stdout == "code WORDS-1 added to campaign words\n"
    code = promocore("codes", "get", "WORDS-1", target=target)
    assert code.stdout.splitlines() == [
        "code WORDS-1 of campaign words (active)",
        "  redeemed 0 (limit: campaign default)",
    ]
    shown = promocore("campaigns", "get", "words", target=target)
    assert shown.stdout.splitlines()[0] == "campaign words (version 1, active)"
    copied = promocore("campaigns", "duplicate", "words", "--new-id", "words-2", target=target)
    assert copied.stdout == "campaign words copied to words-2 (version 1)\n"
    assert promocore("campaigns", "disable", "words", target=target).stdout == (
        "campaign words disabled (version 2)\n"
    )
    enabled = promocore("-o", "json", "campaigns", "enable", "words", target=target)
    assert json.loads(enabled.stdout)["active"] is True
    assert json.loads(enabled.stdout)["version"] == 3
    for command in (
        ("campaigns", "create", "--id", "words-3", "--name", "W", "--amount-off", "100"),
        ("codes", "add", "words", "WORDS-2"),
        ("codes", "get", "WORDS-2"),
        ("campaigns", "get", "words"),
        ("campaigns", "duplicate", "words"),
        ("campaigns", "disable", "words"),
    ):
        printed = promocore("-o", "json", *command, target=target)
        assert isinstance(json.loads(printed.stdout), dict), command


def test_audit_filters_by_target_prefix_and_keeps_the_global_target(target):
    for campaign_id in ("audited", "other"):
        promocore(
            "campaigns",
            "create",
            "--id",
            campaign_id,
            "--name",
            "A",
            "--amount-off",
            "100",
            target=target,
        )
    promocore("campaigns", "disable", "audited", target=target)
    # The global --target (the server) and audit's --target-prefix (a filter) side by side.
    entries = promocore("-o", "json", "audit", "--target-prefix", "campaign/audited", target=target)
    listed = json.loads(entries.stdout)
    assert [entry["target"] for entry in listed] == ["campaign/audited", "campaign/audited"]
    text = promocore("audit", "--limit", "1", target=target).stdout.splitlines()
    assert len(text) == 1 and text[0].endswith("campaign/audited")


def _options_without_help(parser: argparse.ArgumentParser, path: str) -> list[str]:
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                missing += _options_without_help(sub, f"{path} {name}")
        elif action.option_strings and not action.help:
            missing.append(f"{path} {'/'.join(action.option_strings)}")
    return missing


def test_every_option_has_help_text():
    assert _options_without_help(build_parser(), "promocore") == []


def test_exit_codes_are_documented_in_the_help_and_the_readme():
    shown = subprocess.run(
        [sys.executable, "-m", "promocore.cli", "--help"], capture_output=True, text=True
    )
    assert shown.returncode == 0
    assert EXIT_CODES in shown.stdout
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert EXIT_CODES in readme


def test_exit_codes(target, tmp_path):
    item = ("--item", "BEANS:1299:2:coffee")
    promocore(
        "campaigns", "create", "--id", "exits", "--name", "E", "--amount-off", "100", target=target
    )
    promocore("codes", "add", "exits", "EXIT-1", target=target)
    assert promocore("validate", "--code", "EXIT-1", *item, target=target).returncode == 0
    refused = promocore("campaigns", "get", "nope", target=target, check=False)
    assert refused.returncode == 1 and refused.stderr.startswith("error: ")
    unreachable = promocore("campaigns", "list", target=f"127.0.0.1:{_free_port()}", check=False)
    assert unreachable.returncode == 1 and "error:" in unreachable.stderr
    usage = promocore("validate", "--item", "BEANS:1299", target=target, check=False)
    assert usage.returncode == 2 and "SKU:UNIT_PRICE:QUANTITY" in usage.stderr
    missing_file = promocore(
        "apply", "-f", str(tmp_path / "absent.yaml"), target=target, check=False
    )
    assert missing_file.returncode == 2
    assert missing_file.stderr.startswith("error: ") and "absent.yaml" in missing_file.stderr
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text("id: [unclosed\n")
    invalid = promocore("apply", "-f", str(bad_file), target=target, check=False)
    assert invalid.returncode == 1 and invalid.stderr.startswith(f"error: {bad_file}: not YAML")
    not_valid = promocore("validate", "--code", "NO-SUCH-CODE", *item, target=target, check=False)
    assert not_valid.returncode == 3
    failed = promocore("redeem", "--code", "NO-SUCH-CODE", *item, target=target, check=False)
    assert failed.returncode == 3 and "status: FAILED" in failed.stdout


def test_interrupt_exits_130_without_a_traceback(target):
    watching = subprocess.Popen(
        [sys.executable, "-m", "promocore.cli", "--target", target, "events", "watch", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    port = int(target.rsplit(":", 1)[1])
    wait_until(
        lambda: connected_to(watching.pid, port),
        "the watcher connected to the server (and waiting for events)",
    )
    watching.send_signal(signal.SIGINT)
    _, stderr = watching.communicate(timeout=30)
    assert watching.returncode == 130
    assert "Traceback" not in stderr


def _in_a_terminal(*args: str, target: str) -> str:
    """The command run under a pseudo-terminal (stdout and stderr), as a person sees it."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "promocore.cli", "--target", target, *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0, seen.decode(errors="replace")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode(errors="replace"))


def test_a_terminal_gets_tables_and_a_progress_bar_with_rate_and_eta(target):
    promocore(
        "campaigns",
        "create",
        "--id",
        "drawn",
        "--name",
        "Drawn",
        "--amount-off",
        "100",
        target=target,
    )
    drawn = _in_a_terminal("codes", "generate", "drawn", "--count", "250000", target=target)
    assert "250000/250000" in drawn and "100%" in drawn
    assert re.search(r"[\d,]+ codes/s", drawn)
    assert re.search(r"\d+:\d\d:\d\d", drawn)  # the time left, as rich shows it
    assert drawn.endswith("\r\n")  # the bar's line is ended
    listing = _in_a_terminal("campaigns", "list", target=target).splitlines()
    assert listing[0].split() == ["id", "status", "type", "version", "name"]
    assert listing[1].split()[:4] == ["drawn", "ACTIVE", "DISCOUNT_COUPONS", "1"]
    piped = promocore("campaigns", "list", target=target).stdout.splitlines()
    assert piped[0].split()[:4] == ["drawn", "ACTIVE", "DISCOUNT_COUPONS", "v1"]


@pytest.mark.parametrize("output", ["text", "json"])
def test_exit_codes_hold_in_every_output_mode(server, target, output):
    """Every command with an exit status of its own returns it whatever `-o` says: scripts read
    JSON and test the status."""
    mode = ("-o", output)
    cart = ("--item", "BEANS:1299:2:coffee")
    small = ("--item", "MUG:899:1")
    promocore(
        *mode,
        "campaigns",
        "create",
        "--id",
        f"modes-{output}",
        "--name",
        "Modes",
        "--amount-off",
        "100",
        "--code-quantity",
        "1",
        "--rules",
        '{"subject": "order.amount", "op": "gte", "value": 2000}',
        target=target,
    )
    code = f"MODES-{output.upper()}"
    promocore(*mode, "codes", "add", f"modes-{output}", code, target=target)

    def status(*args: str, where: str = target) -> int:
        return promocore(*mode, *args, target=where, check=False).returncode

    assert status("validate", "--code", code, *cart) == 0
    assert status("validate", "--code", code, *small) == 3  # rules_not_met
    assert status("redeem", "--code", code, *small) == 3  # FAILED
    assert status("redeem", "--code", code, *cart) == 0  # SUCCEEDED
    assert status("redeem", "--code", code, *cart) == 3  # code_quantity_exceeded
    assert status("validate", "--code", code, *cart) == 3
    assert status("campaigns", "get", "absent") == 1
    assert status("campaigns", "list", where=f"127.0.0.1:{_free_port()}") == 1
    assert status("validate", "--item", "BEANS:1299") == 2
    location = str(server.store.location)
    where = "--store" if location.startswith("redis://") else "--data-dir"
    assert status("check", where, location) == 0  # beside the live server, as users run it


def test_a_missing_key_says_how_to_give_the_cli_one(target):
    env = {k: v for k, v in os.environ.items() if k != "PROMOCORE_API_KEY"}
    refused = subprocess.run(
        [sys.executable, "-m", "promocore.cli", "--target", target, "campaigns", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert refused.returncode == 1
    assert "an API key is required" in refused.stderr
    assert "--api-key" in refused.stderr and "PROMOCORE_API_KEY" in refused.stderr


def test_output_mode_goes_before_or_after_the_command(target):
    before = promocore("-o", "json", "campaigns", "list", target=target).stdout
    after = promocore("campaigns", "list", "-o", "json", target=target).stdout
    assert json.loads(before) == json.loads(after) == []
    # `get -o yaml` keeps its own formats.
    promocore(
        "campaigns", "create", "--id", "where", "--name", "W", "--amount-off", "100", target=target
    )
    shown = promocore("get", "campaign", "where", "-o", "yaml", target=target).stdout
    assert shown.startswith("id: where\n")


def test_serve_help_describes_the_command_and_its_defaults():
    shown = subprocess.run(
        [sys.executable, "-m", "promocore.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    text = " ".join(shown.stdout.split())  # argparse wraps to the terminal's width
    assert shown.returncode == 0
    assert "Refuses to start (exit status 2) when one of its addresses is in use" in text
    assert "HOST:PORT to bind (default: 127.0.0.1:50051)" in text
    assert "LMDB directory (default: var)" in text
    assert "(default: 256)" in text  # --max-batch
