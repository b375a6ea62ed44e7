"""A store of format 2, written by the release before format 3 (tests/fixtures/stores/
make_format2_store.py), whose customer counters lie in the layout
`customer/<campaign>/<period>/<customer>`, is converted when it is opened: every customer's
counters moved under `per-customer/<customer>/` with their values, the holds of an open
reservation moved with them, format 3 recorded, `promocore check` passing, the per-customer limit
as exact as before and a rollback of a redemption made before taking back from the moved counter.
A conversion killed with kill -9 goes on at the next open. The same conversion on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from promocore import Client
from promocore.store import open_store
from promocore.store.identity import FORMAT_VERSION, read_identity
from promocore.store.keys import decode_counter
from promocore.store.lmdb_store import LmdbStore
from promocore.store.redis_kv import RedisEnvironment, RedisLocation
from promocore.store.tables import TABLE_NAMES, Tables, open_readonly
from promocore.v1.internal import store_pb2

from support import ServerProcess, check_report, coupon

FIXTURES = Path(__file__).parents[1] / "fixtures" / "stores"
FIXTURE_KEY = "pck_00000000000000cc_format2-7c67c6d-fixture-key"
# What make_format2_store.py wrote.
REDEMPTIONS = 120
CUSTOMERS = 30
PER_CUSTOMER = 4
ROLLED_BACK_EVERY = 9
ROLLBACKS = len(range(0, REDEMPTIONS, ROLLED_BACK_EVERY))
PERIODS = ("all", "day", "week", "month")


@pytest.fixture
def format2_store(tmp_path) -> Path:
    directory = tmp_path / "format2"
    directory.mkdir()
    with tarfile.open(FIXTURES / "format2-7c67c6d.tar.gz") as archive:
        archive.extractall(directory, filter="data")
    return directory


def uses() -> Counter[str]:
    """Each customer's redemptions that were not rolled back, from the fixture's traffic."""
    counted: Counter[str] = Counter()
    for n in range(REDEMPTIONS):
        if n % ROLLED_BACK_EVERY:
            counted[f"customer-{n % CUSTOMERS}"] += 1
    return counted


def tables_of(data_dir: Path, *names: str) -> tuple[int, dict[str, dict[bytes, bytes]]]:
    """The store's format version and the records of the named tables."""
    env, tables = open_readonly(data_dir)
    try:
        with env.begin() as txn:
            identity = read_identity(env, txn)
            assert identity is not None
            return identity.format_version, {
                name: {bytes(k): bytes(v) for k, v in txn.cursor(db=getattr(tables, name))}
                for name in names
            }
    finally:
        env.close()


def customer_counters(counters: dict[bytes, bytes], prefix: bytes) -> dict[str, dict[str, int]]:
    """customer -> period kind -> the sum of their counters of that kind, read from keys of the
    new layout (`per-customer/<customer>/limited/<kind>[/<period>]`)."""
    found: dict[str, dict[str, int]] = {}
    for key, value in counters.items():
        if not key.startswith(prefix):
            continue
        customer, campaign, kind = key[len(prefix) :].decode().split("/")[:3]
        assert campaign == "limited", key
        kinds = found.setdefault(customer, dict.fromkeys(PERIODS, 0))
        kinds[kind] += decode_counter(value)
    return found


def held_counter(hold_key: bytes) -> bytes:
    """The counter key of a hold's key (its length, the key, the session key)."""
    return hold_key[2 : 2 + int.from_bytes(hold_key[:2], "big")]


def assert_converted(counters: dict[bytes, bytes], holds: dict[bytes, bytes]) -> None:
    assert not [key for key in counters if key.startswith(b"customer/")]
    expected = {customer: dict.fromkeys(PERIODS, count) for customer, count in uses().items()}
    assert customer_counters(counters, b"per-customer/") == expected
    held = [held_counter(key) for key in holds]
    assert not [key for key in held if key.startswith(b"customer/")]
    assert {key.split(b"/")[3] for key in held if key.startswith(b"per-customer/held/")} == {
        b"all",
        b"day",
        b"week",
        b"month",
    }


def test_the_fixture_is_of_format_2_in_the_old_layout(format2_store):
    version, found = tables_of(format2_store, "counters", "holds")
    assert version == 2
    old = [key for key in found["counters"] if key.startswith(b"customer/")]
    assert len(old) == len(PERIODS) * CUSTOMERS
    assert not [key for key in found["counters"] if key.startswith(b"per-customer/")]
    assert len([key for key in found["holds"] if held_counter(key).startswith(b"customer/")]) == 4


def test_opening_moves_each_customer_counter_and_hold(format2_store):
    LmdbStore(format2_store).close()
    version, found = tables_of(format2_store, "counters", "holds", "sessions")
    assert version == FORMAT_VERSION == 3
    assert_converted(found["counters"], found["holds"])
    reservation = store_pb2.Reservation.FromString(found["sessions"][b"held-session"])
    session_holds = {bytes(held.key) for held in reservation.holds}
    assert session_holds == {held_counter(key) for key in found["holds"]}
    status, report = check_report(format2_store)
    assert status == 0, report
    assert report["redemptions"] == REDEMPTIONS and report["rollbacks"] == ROLLBACKS


def redeem(client: Client, n: int, customer: str) -> dict:
    return client.redeem(
        {
            "id": f"order-{n}",
            "currency": "EUR",
            "items": [{"sku": "A", "unit_price": 2000 + n, "quantity": 1}],
        },
        idempotency_key=f"key-{n}",
        codes=["LIMITED"],
        customer={"id": customer},
    )


def refusal(answer: dict) -> str:
    """Why a redeem of LIMITED was refused ("" when it succeeded)."""
    if answer["status"] == "SUCCEEDED":
        return ""
    return str(answer["redeemables"][0]["reason"])


def test_limits_hold_and_old_redemptions_roll_back_after_the_conversion(format2_store):
    counted = uses()
    full = next(c for c, used in counted.items() if used == PER_CUSTOMER)
    one_left = next(c for c, used in counted.items() if used == PER_CUSTOMER - 1)
    with (
        ServerProcess(format2_store, workers=2) as server,
        Client(server.target, api_key=FIXTURE_KEY) as client,
    ):
        # The fixture's open reservation, released through its moved holds (until it expires,
        # an hour after the fixture was made, it holds the campaign's counters).
        assert client.release_reservation("held-session") == 1
        _, found = tables_of(format2_store, "holds", "sessions")
        assert found == {"holds": {}, "sessions": {}}
        assert refusal(redeem(client, 1000, full)) == "customer_limit_exceeded"
        assert redeem(client, 1001, one_left)["status"] == "SUCCEEDED"
        assert refusal(redeem(client, 1002, one_left)) == "customer_limit_exceeded"
        # A redemption of the old store, found by replaying its request, rolled back now: the
        # customer has a slot again.
        first_of_full = next(n for n in range(REDEMPTIONS) if f"customer-{n % CUSTOMERS}" == full)
        replayed = redeem(client, first_of_full, full)
        assert replayed["replayed"] is True
        client.rollback(replayed["redemption"]["id"], reason="after the conversion")
        assert redeem(client, 1003, full)["status"] == "SUCCEEDED"
    status, report = check_report(format2_store)
    assert status == 0, report
    assert report["redemptions"] == REDEMPTIONS + 2 and report["rollbacks"] == ROLLBACKS + 1
    _, found = tables_of(format2_store, "counters")
    after = customer_counters(found["counters"], b"per-customer/")
    assert after[full]["all"] == PER_CUSTOMER and after[one_left]["all"] == PER_CUSTOMER


# Opens the store with the conversion moving one counter per transaction, killed (SIGKILL, as
# kill -9) as the 40th transaction begins: 39 counters moved, the rest not.
KILLED_CONVERSION = """
import os, signal, sys
from promocore.store import counter_layout
from promocore.store.lmdb_store import LmdbStore
move = counter_layout._move_counters
calls = []
def move_or_die(txn, tables, limit):
    calls.append(1)
    if len(calls) == 40:
        os.kill(os.getpid(), signal.SIGKILL)
    return move(txn, tables, limit)
counter_layout._move_counters = move_or_die
LmdbStore(sys.argv[1]).close()
"""


def test_a_conversion_killed_midway_goes_on_at_the_next_open(format2_store):
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_CONVERSION, str(format2_store)],
        env={**os.environ, "PROMOCORE_MIGRATION_BATCH": "1"},
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr
    version, found = tables_of(format2_store, "counters")
    assert version == 3  # an earlier release refuses the half-converted store
    old = [key for key in found["counters"] if key.startswith(b"customer/")]
    assert len(old) == len(PERIODS) * CUSTOMERS - 39
    # Half converted, the store checks clean.
    status, report = check_report(format2_store)
    assert status == 0, report
    LmdbStore(format2_store).close()
    _, found = tables_of(format2_store, "counters", "holds")
    assert_converted(found["counters"], found["holds"])


def copy_into_redis(data_dir: Path, url: str) -> None:
    """Every record of the LMDB store at `data_dir`, as it is, into Redis at `url`: the
    fixture's old layout on the other backend (through the backend's own transactions, with no
    conversion)."""
    source, tables = open_readonly(data_dir)
    target = RedisEnvironment(RedisLocation.parse(url), TABLE_NAMES)
    try:
        with source.begin() as read, target.begin(write=True) as write:
            for name in Tables.__dataclass_fields__:
                for key, value in read.cursor(db=getattr(tables, name)):
                    write.put(bytes(key), bytes(value), db=target.tables[name])
    finally:
        target.close()
        source.close()


def test_a_redis_store_in_the_old_layout_is_converted_when_opened(format2_store, redis_server):
    copy_into_redis(format2_store, redis_server.url)
    store = open_store(redis_server.url)
    try:
        with store.read() as txn:
            counters = {bytes(k): bytes(v) for k, v in txn.cursor(db=store.tables.counters)}
            holds = {bytes(k): bytes(v) for k, v in txn.cursor(db=store.tables.holds)}
    finally:
        store.close()
    assert_converted(counters, holds)
    status, report = check_report(redis_server.url)
    assert status == 0, report
    assert report["redemptions"] == REDEMPTIONS and report["rollbacks"] == ROLLBACKS


def test_a_new_store_writes_the_new_layout(tmp_path):
    with ServerProcess(tmp_path / "new", workers=1) as server, Client(server.target) as client:
        coupon(client, "limited", "LIMITED", limits={"per_customer": PER_CUSTOMER})
        assert redeem(client, 0, "someone")["status"] == "SUCCEEDED"
    version, found = tables_of(tmp_path / "new", "counters")
    assert version == FORMAT_VERSION
    assert customer_counters(found["counters"], b"per-customer/") == {
        "someone": dict.fromkeys(PERIODS, 1)
    }
