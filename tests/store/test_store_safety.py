"""The store is opened safely: another program's LMDB file and a truncated data file are refused
in one line before anything is written or mapped; a store of the previous release (no identity
record) opens and is adopted; workers that keep dying stop the server with the cause; `check`
reports a damaged page as a finding (table, key range), never a traceback."""

from __future__ import annotations

import hashlib
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
from promocore.server.supervision import CRASH_LOOP_DEATHS
from promocore.store.identity import FORMAT_VERSION, read_identity

from support import ServerProcess, check_report, free_port, promocore_check, wait_until

FIXTURES = Path(__file__).parents[1] / "fixtures" / "stores"
PREVIOUS_RELEASE_KEY = "pck_00000000000000aa_previous-release-fixture-key"


def serve(data_dir: Path, *extra: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`promocore serve` expected to stop by itself (a refusal): its exit status and output."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "promocore.cli",
            "serve",
            "--data-dir",
            str(data_dir),
            "--listen",
            f"127.0.0.1:{free_port()}",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def identity_of(data_dir: Path):
    env = lmdb.open(str(data_dir), max_dbs=64, readonly=True, lock=False)
    try:
        with env.begin() as txn:
            return read_identity(env, txn)
    finally:
        env.close()


@pytest.fixture
def foreign_store(tmp_path) -> Path:
    """Another application's LMDB file: 1,000 records in its main table."""
    directory = tmp_path / "foreign"
    env = lmdb.open(str(directory))
    with env.begin(write=True) as txn:
        for number in range(1000):
            txn.put(b"record-%04d" % number, b"another application's data")
    env.close()
    return directory


@pytest.fixture
def previous_release_store(tmp_path) -> Path:
    directory = tmp_path / "previous"
    directory.mkdir()
    with tarfile.open(FIXTURES / "previous-release-99eda3f.tar.gz") as archive:
        archive.extractall(directory, filter="data")
    return directory


def test_a_foreign_lmdb_file_is_refused_and_left_as_it_was(foreign_store):
    before = digest(foreign_store / "data.mdb")
    result = serve(foreign_store, "--workers", "2")
    assert result.returncode == 2
    assert "is not a promocore store" in result.stderr
    assert "1000 records or tables promocore does not make" in result.stderr
    assert "Traceback" not in result.stderr
    checked = promocore_check(foreign_store)
    assert checked.returncode == 2 and "is not a promocore store" in checked.stderr
    assert digest(foreign_store / "data.mdb") == before  # no table, key or demo written


def test_without_auth_the_foreign_file_stops_the_workers_crash_loop(foreign_store):
    """No key to make first, so the workers meet the file: each refuses it in one line, and
    the supervisor stops after CRASH_LOOP_DEATHS fast deaths instead of looping forever."""
    before = digest(foreign_store / "data.mdb")
    started = time.monotonic()
    result = serve(foreign_store, "--workers", "2", "--no-auth")
    assert result.returncode == 1
    assert time.monotonic() - started < 30
    assert "cannot open the store" in result.stderr
    assert f"workers keep dying soon after they start ({CRASH_LOOP_DEATHS} deaths" in result.stderr
    assert "exited with status 1" in result.stderr
    assert "Traceback" not in result.stderr
    assert digest(foreign_store / "data.mdb") == before


def test_a_truncated_data_file_is_refused_before_it_is_mapped(previous_release_store):
    data = previous_release_store / "data.mdb"
    os.truncate(data, data.stat().st_size // 3)
    for result in (serve(previous_release_store, "--workers", "2"), promocore_check(data.parent)):
        assert result.returncode == 2, result.stderr  # not 135/-SIGBUS
        assert "is truncated" in result.stderr and "refusing to open it" in result.stderr
        assert "Traceback" not in result.stderr
    no_auth = serve(previous_release_store, "--workers", "2", "--no-auth")
    assert no_auth.returncode == 2 and "is truncated" in no_auth.stderr


def test_a_store_of_the_previous_release_opens_and_is_adopted(previous_release_store):
    assert identity_of(previous_release_store) is None
    with (
        ServerProcess(previous_release_store, workers=2) as server,
        Client(server.target, PREVIOUS_RELEASE_KEY) as client,
    ):
        redemptions = client.list_redemptions(customer_id="alice")
        assert len(redemptions) == 3
        assert sorted(r["status"] for r in redemptions) == [
            "ROLLED_BACK",
            "SUCCEEDED",
            "SUCCEEDED",
        ]
        answer = client.redeem(
            {
                "id": "order-3",
                "currency": "EUR",
                "items": [{"sku": "B", "unit_price": 900, "quantity": 1}],
            },
            idempotency_key="new-3",
            codes=["OLDCODE"],
            customer={"id": "alice"},
        )
        assert answer["redemption"]["status"] == "SUCCEEDED"
    identity = identity_of(previous_release_store)
    assert identity.format_version == FORMAT_VERSION
    assert "adopted a store of an earlier release" in identity.created_by
    status, report = check_report(previous_release_store)
    assert status == 0 and report["redemptions"] == 4 and report["rollbacks"] == 1


def test_a_new_store_gets_its_identity_at_creation(tmp_path):
    with ServerProcess(tmp_path / "data", workers=1):
        pass
    identity = identity_of(tmp_path / "data")
    assert identity.format_version == FORMAT_VERSION
    assert identity.created_by.startswith("promocore ")
    assert "adopted" not in identity.created_by


def test_check_reports_a_damaged_page_as_a_finding(previous_release_store):
    """Every page holding the text of a redemption's order is damaged (its page flags zeroed:
    neither a branch nor a leaf, which LMDB reports as MDB_CORRUPTED); LMDB copies pages on
    write, so some of them are old copies, at least one is in use."""
    data = previous_release_store / "data.mdb"
    content = bytearray(data.read_bytes())
    page_size = 4096
    damaged = 0
    marked = content.find(b"order-1")
    while marked != -1:
        assert marked > 2 * page_size  # past the two meta pages
        page = marked // page_size * page_size
        content[page + 10 : page + 12] = b"\0\0"
        damaged += 1
        marked = content.find(b"order-1", page + page_size)
    assert damaged
    data.write_bytes(bytes(content))
    for command in (["check"], ["check", "--full"]):
        result = subprocess.run(
            [sys.executable, "-m", "promocore.cli", *command, "--data-dir", str(data.parent)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert "LMDB cannot read it" in result.stdout
        assert "MDB_CORRUPTED" in result.stdout
    assert "records read; keys from there to the table's end unreadable" in result.stdout


def test_health_and_signals_are_named_when_a_worker_dies_of_one(tmp_path):
    with ServerProcess(tmp_path / "data", workers=2) as server:
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGSEGV)
        wait_until(
            lambda: f"(pid {victim}) killed by SIGSEGV" in server.log_path.read_text(),
            "the supervisor's line naming the signal",
            timeout=10,
        )
        server.wait_until_serving(10)
