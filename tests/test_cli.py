"""The `promocore` command as a user runs it: a real process against a real server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from promocore import Client, PromocoreError


def promocore(*args: str, target: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "promocore.cli", "--target", target, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )


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
    assert json.loads(disabled.stdout)["active"] is False
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
