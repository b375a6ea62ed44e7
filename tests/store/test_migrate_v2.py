"""A store of format 1, written by the release before format 2 (tests/fixtures/stores/
make_format1_store.py), is converted when it is opened: format 2 recorded, every redemption,
idempotency answer and event still there, `promocore check` passing; a conversion killed with
kill -9 goes on at the next open."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import lmdb
import pytest

from promocore import Client
from promocore.store.identity import (
    FORMAT_VERSION,
    IDENTITY_TABLE,
    MIGRATION_KEY,
    read_identity,
)
from promocore.store.lmdb_store import LmdbStore
from promocore.store.redemptions import RedemptionLog, is_event_reference
from promocore.store.tables import open_readonly
from promocore.v1 import checkout_pb2, events_pb2
from promocore.v1.internal import store_pb2

from support import ServerProcess, check_report, promocore_check

FIXTURES = Path(__file__).parents[1] / "fixtures" / "stores"
FIXTURE_KEY = "pck_00000000000000bb_format1-bbf3f0b-fixture-key"
# What make_format1_store.py wrote.
REDEMPTIONS = 400
ROLLBACKS = len(range(0, REDEMPTIONS, 7))


@pytest.fixture
def format1_store(tmp_path) -> Path:
    directory = tmp_path / "format1"
    directory.mkdir()
    with tarfile.open(FIXTURES / "format1-bbf3f0b.tar.gz") as archive:
        archive.extractall(directory, filter="data")
    return directory


def holdings(data_dir: Path) -> dict:
    """What the store holds, read the way the code reads either format: the redemptions in log
    order with their records, every idempotency key's first answer, the events."""
    env, tables = open_readonly(data_dir)
    try:
        with env.begin() as txn:
            log = RedemptionLog(tables)
            logged = []
            for _, value in txn.cursor(db=tables.redemption_log):
                record = store_pb2.LogRecord.FromString(value)
                stored = log.logged(txn, record)
                if stored is not None:
                    # As committed: a format-2 log names the record, which a rollback changed.
                    stored.redemption.status = checkout_pb2.SUCCEEDED
                    for field in ("rolled_back_at", "rollback_reason", "rollback_id"):
                        stored.redemption.ClearField(field)
                    logged.append(stored.SerializeToString())
                else:
                    logged.append(value)  # a rollback or a credit, never converted
            answers = {
                bytes(key): log.answer_of(txn, store_pb2.IdempotencyRecord.FromString(value))
                for key, value in txn.cursor(db=tables.idempotency)
            }
            events = [
                events_pb2.IntegrationEvent.FromString(value)
                for _, value in txn.cursor(db=tables.integration_events)
            ]
            log.complete_events(txn, events)
            return {
                "log": logged,
                "records": dict(txn.cursor(db=tables.redemptions)),
                "answers": answers,
                "events": events,
            }
    finally:
        env.close()


def format_and_progress(data_dir: Path) -> tuple[int, dict | None]:
    env = lmdb.open(str(data_dir), readonly=True, lock=True, max_dbs=64)
    try:
        with env.begin() as txn:
            identity = read_identity(env, txn)
            assert identity is not None
            raw = txn.get(MIGRATION_KEY, db=env.open_db(IDENTITY_TABLE, txn=txn, create=False))
            return identity.format_version, json.loads(raw) if raw is not None else None
    finally:
        env.close()


def record_kinds(data_dir: Path) -> tuple[set[str], int]:
    """The kinds of the log's records, and how many idempotency answers and redemption events
    are stored whole (not compact, not a reference)."""
    env, tables = open_readonly(data_dir)
    try:
        with env.begin() as txn:
            kinds = {
                store_pb2.LogRecord.FromString(value).WhichOneof("entry") or ""
                for _, value in txn.cursor(db=tables.redemption_log)
            }
            whole = sum(
                bool(store_pb2.IdempotencyRecord.FromString(value).response)
                for _, value in txn.cursor(db=tables.idempotency)
            )
            whole += sum(
                not is_event_reference(event) and event.type == events_pb2.EVENT_REDEEMED
                for event in (
                    events_pb2.IntegrationEvent.FromString(value)
                    for _, value in txn.cursor(db=tables.integration_events)
                )
            )
            return kinds, whole
    finally:
        env.close()


def assert_converted(data_dir: Path, before: dict) -> None:
    assert format_and_progress(data_dir) == (FORMAT_VERSION, None)
    kinds, whole_answers = record_kinds(data_dir)
    assert "redeemed" not in kinds and "redeemed_id" in kinds
    assert whole_answers == 0
    after = holdings(data_dir)
    assert after["log"] == before["log"]
    assert after["records"] == before["records"]
    assert after["answers"] == before["answers"]
    assert after["events"] == before["events"]
    status, report = check_report(data_dir)
    assert status == 0, report
    assert report["redemptions"] == REDEMPTIONS and report["rollbacks"] == ROLLBACKS


def test_the_fixture_is_of_format_1_with_every_answer(format1_store):
    assert format_and_progress(format1_store) == (1, None)
    kinds, whole_answers = record_kinds(format1_store)
    assert "redeemed" in kinds and "redeemed_id" not in kinds
    assert whole_answers == 2 * REDEMPTIONS  # each answer and each event
    unapplied = [
        answer
        for answer in holdings(format1_store)["answers"].values()
        if len(answer.redeemables) > len(answer.redemption.redeemables)
    ]
    assert len(unapplied) == len(range(0, REDEMPTIONS, 10))


def test_opening_converts_and_keeps_everything(format1_store):
    before = holdings(format1_store)
    LmdbStore(format1_store).close()
    assert_converted(format1_store, before)


def test_a_conversion_killed_midway_goes_on_at_the_next_open(format1_store):
    before = holdings(format1_store)
    converting = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from promocore.store.lmdb_store import LmdbStore; "
            "LmdbStore(sys.argv[1]).close()",
            str(format1_store),
        ],
        env={**os.environ, "PROMOCORE_MIGRATION_BATCH": "1"},
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    progress = None
    while progress is None or progress["converted"] < 50:
        assert converting.poll() is None, "the conversion ended before it could be killed"
        assert time.monotonic() < deadline, "no conversion progress within 60 s"
        progress = format_and_progress(format1_store)[1]
        time.sleep(0.005)
    converting.send_signal(signal.SIGKILL)
    converting.wait(timeout=30)
    assert converting.returncode == -signal.SIGKILL
    version, progress = format_and_progress(format1_store)
    assert version == 1 and progress is not None and progress["converted"] >= 50
    # Half converted, the store reads the same and checks clean.
    assert holdings(format1_store) == before
    checked = promocore_check(format1_store)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    LmdbStore(format1_store).close()
    assert_converted(format1_store, before)


def test_a_server_on_a_converted_store_replays_first_answers(format1_store):
    with (
        ServerProcess(format1_store, workers=2) as server,
        Client(server.target, api_key=FIXTURE_KEY) as client,
    ):
        # Order 0 was rolled back and named the unknown code too; order 3 neither.
        for n, codes in ((0, ["SAVE1", "NOPE"]), (3, ["SAVE1"])):
            replayed = client.redeem(
                {
                    "id": f"order-{n}",
                    "currency": "EUR",
                    "items": [{"sku": "A", "unit_price": 1500 + n, "quantity": 1}],
                },
                idempotency_key=f"key-{n}",
                codes=codes,
                customer={"id": f"customer-{n % 20}"},
            )
            assert replayed["replayed"] is True
            assert replayed["redemption"]["status"] == "SUCCEEDED"
            assert replayed["redemption"]["order_id"] == f"order-{n}"
            assert len(replayed["redeemables"]) == len(codes)
        fresh = client.redeem(
            {
                "id": "order-new",
                "currency": "EUR",
                "items": [{"sku": "A", "unit_price": 900, "quantity": 1}],
            },
            idempotency_key="key-new",
            codes=["SAVE1"],
            customer={"id": "customer-1"},
        )
        assert fresh["status"] == "SUCCEEDED"
    assert format_and_progress(format1_store) == (FORMAT_VERSION, None)
    logged = server.log_path.read_text()
    assert "converting from format 1 to 2" in logged
    assert "now of format 2 (" in logged
    status, report = check_report(format1_store)
    assert status == 0, report
    assert report["redemptions"] == REDEMPTIONS + 1 and report["rollbacks"] == ROLLBACKS
