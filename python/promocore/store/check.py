"""`promocore check`: recompute every counter and balance from the append-only log and compare.

The log holds each redemption with the exact counter changes it made, each rollback, and each
balance credit; replaying it must give the counters table exactly, the redemption records must
agree with it, every stored idempotency answer must point at a logged redemption, and nothing
may be negative. Every gift card and loyalty card balance must equal the sum of its ledger
(check_ledgers.py). Reads one consistent state, so it can run beside a live server: an LMDB
snapshot, or on Redis a transaction whose reads are all re-checked at its end (and the check run
again if a write changed them meanwhile; on a big, busy store run it in a quiet moment).

A store LMDB cannot read (a damaged page: MDB_CORRUPTED, MDB_PAGE_NOTFOUND) is a finding, not a
crash: the table, the last key read before the damage, and LMDB's error; the other checks still
run. `full=True` (`promocore check --full`) also reads every record of every table, which
touches every page of the file, so damage where the replay does not look is found too.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import lmdb
import orjson

from promocore.store.backends import is_redis_location
from promocore.store.catalog import GENERATION_KEY
from promocore.store.check_ledgers import check_ledgers
from promocore.store.counter_layout import current_counter_key
from promocore.store.keys import decode_counter
from promocore.store.redis_kv import RedisEnvironment, RedisLocation
from promocore.store.store import transact
from promocore.store.tables import TABLE_NAMES, Tables, open_readonly
from promocore.store.txn import Txn
from promocore.v1 import checkout_pb2
from promocore.v1.internal import store_pb2

MAX_LISTED_PROBLEMS = 50


@dataclass
class CheckReport:
    log_records: int = 0
    redemptions: int = 0
    rollbacks: int = 0
    counters: int = 0
    # Gift cards and loyalty cards reconciled against their ledgers.
    cards: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        head = (
            f"{self.log_records} log records ({self.redemptions} redemptions, "
            f"{self.rollbacks} rollbacks), {self.counters} counters, "
            f"{self.cards} card ledgers: "
        )
        if self.ok:
            return head + "consistent"
        listed = "\n".join(f"  - {p}" for p in self.problems[:MAX_LISTED_PROBLEMS])
        more = len(self.problems) - MAX_LISTED_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        return f"{head}{len(self.problems)} problems\n{listed}{tail}"

    def as_plain(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "log_records": self.log_records,
            "redemptions": self.redemptions,
            "rollbacks": self.rollbacks,
            "counters": self.counters,
            "cards": self.cards,
            "problems": self.problems,
        }


def check_store(location: Path | str, *, full: bool = False) -> CheckReport:
    """Checks the store in an LMDB directory or at a redis:// URL; `full`: every page of an
    LMDB file read too (see the module's doc)."""
    if is_redis_location(location):
        return _check_redis(str(location))
    path = Path(location)
    env, _tables = open_readonly(path)  # a refusal (truncated, foreign) is raised here
    env.close()
    report = _in_child(lambda: _check_lmdb(path, full))
    if isinstance(report, CheckReport):
        return report
    # LMDB aborted the process reading a damaged page (some damage trips an assertion rather
    # than MDB_CORRUPTED): each table read alone, in a process of its own, names the damage.
    crashed = CheckReport(problems=[f"LMDB stopped the check: {report}; the store is damaged"])
    for name in TABLE_NAMES:
        walked = _in_child(partial(_walk_one_table, path, name))
        if isinstance(walked, CheckReport):
            crashed.problems += walked.problems
        else:
            crashed.problems.append(f"table {name}: reading it stops LMDB: {walked}")
    return crashed


def _check_lmdb(path: Path, full: bool) -> CheckReport:
    env, tables = open_readonly(path)
    snapshot = _Snapshot(env)
    try:
        report = _check(snapshot, tables)
        if full:
            _walk_every_table(snapshot, tables, report)
        return report
    finally:
        snapshot.txn.abort()
        env.close()


def _walk_one_table(path: Path, name: str) -> CheckReport:
    env, tables = open_readonly(path)
    snapshot = _Snapshot(env)
    report = CheckReport()
    try:
        _walk_every_table(snapshot, tables, report, names=(name,))
        return report
    finally:
        snapshot.txn.abort()
        env.close()


def _in_child(work: Callable[[], CheckReport]) -> CheckReport | str:
    """`work()`'s report, computed in a forked process: LMDB aborts (SIGABRT, an assertion) on
    some damaged pages, which would end `promocore check` with no report. A child that dies so
    gives how it died, e.g. "killed by SIGABRT"."""
    reading, writing = os.pipe()
    with tempfile.TemporaryFile() as said:  # the child's stderr: LMDB's assertion, if any
        pid = os.fork()
        if pid == 0:  # the child: its report as JSON on the pipe, then out without cleanup
            os.close(reading)
            os.dup2(said.fileno(), 2)
            status = 0
            try:
                os.write(writing, orjson.dumps(work().as_plain()))
            except BaseException:
                status = 3
            finally:
                os._exit(status)
        os.close(writing)
        chunks = []
        while chunk := os.read(reading, 1 << 16):
            chunks.append(chunk)
        os.close(reading)
        _, status = os.waitpid(pid, 0)
        said.seek(0)
        last_words = said.read().decode(errors="replace").strip().splitlines()[-1:]
    why = f" ({last_words[0].strip()})" if last_words else ""
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}{why}"
    if os.waitstatus_to_exitcode(status) != 0:
        return f"the check failed (exit status {os.waitstatus_to_exitcode(status)}){why}"
    plain = orjson.loads(b"".join(chunks))
    plain.pop("ok")
    return CheckReport(**plain)


class _Snapshot:
    """The read transaction the checks share. LMDB ends a transaction that met a damaged page
    (every later read fails), so after one the next check reads from a new one."""

    def __init__(self, env: Any) -> None:
        self._env = env
        self.txn: Txn = env.begin()

    def renew(self) -> None:
        if self._env is not None:
            self.txn.abort()
            self.txn = self._env.begin()

    @classmethod
    def of(cls, txn: Txn) -> _Snapshot:
        """One transaction that is never renewed (Redis, which has no damaged pages)."""
        snapshot = cls.__new__(cls)
        snapshot._env, snapshot.txn = None, txn
        return snapshot


def _check_redis(url: str) -> CheckReport:
    env = RedisEnvironment(RedisLocation.parse(url), TABLE_NAMES)
    tables = Tables(**env.tables)
    try:
        # A write transaction that writes nothing: its commit only re-checks every read.
        return transact(env, lambda txn: _check(_Snapshot.of(txn), tables))
    finally:
        env.close()


def _check(snapshot: _Snapshot, tables: Tables) -> CheckReport:
    report = CheckReport()
    try:
        expected, states = _replay_log(snapshot.txn, tables, report)
    except lmdb.Error as error:
        report.problems.append(_damage("redemption_log", error, "the log could not be replayed"))
        snapshot.renew()
        return report
    steps: tuple[tuple[str, Callable[[Txn], None]], ...] = (
        ("counters", lambda txn: _compare_counters(txn, tables, expected, report)),
        ("redemptions", lambda txn: _compare_redemptions(txn, tables, states, report)),
        ("idempotency", lambda txn: _check_idempotency(txn, tables, states, report)),
    )
    for table, step in steps:
        try:
            step(snapshot.txn)
        except lmdb.Error as error:
            report.problems.append(_damage(table, error, "its check stopped there"))
            snapshot.renew()
    try:
        report.cards = check_ledgers(snapshot.txn, tables, report.problems)
    except lmdb.Error as error:
        report.problems.append(_damage("ledger", error, "the card ledgers' check stopped there"))
        snapshot.renew()
    return report


def _walk_every_table(
    snapshot: _Snapshot, tables: Tables, report: CheckReport, names: tuple[str, ...] = TABLE_NAMES
) -> None:
    """Reads every record of every table (every branch, leaf and overflow page); a table LMDB
    cannot read is a finding with the key range: from the last key read to the table's end."""
    for name in names:
        table = getattr(tables, name)
        if table is None:
            continue
        last: bytes | None = None
        records = 0
        try:
            for key, value in snapshot.txn.cursor(db=table):
                last = bytes(key)
                records += 1
                len(value)  # the value itself read, overflow pages included
        except lmdb.Error as error:
            after = "from its first key" if last is None else f"after key {_shown(last)}"
            report.problems.append(
                f"table {name}: LMDB cannot read it {after} ({records} records read; keys from "
                f"there to the table's end unreadable): {_lmdb_error(error)}"
            )
            snapshot.renew()


def _damage(table: str, error: lmdb.Error, consequence: str) -> str:
    return (
        f"table {table}: LMDB cannot read it ({_lmdb_error(error)}); {consequence}. "
        "Run `promocore check --full` for the damaged key range"
    )


def _lmdb_error(error: lmdb.Error) -> str:
    return str(error).strip() or type(error).__name__


def _shown(key: bytes) -> str:
    text = key.decode(errors="replace")
    return repr(text if len(text) <= 60 else text[:60] + "...")


def _replay_log(
    txn: Txn, tables: Tables, report: CheckReport
) -> tuple[dict[bytes, int], dict[str, int]]:
    expected: dict[bytes, int] = defaultdict(int)
    deltas_by_redemption: dict[str, list[store_pb2.CounterDelta]] = {}
    states: dict[str, int] = {}
    for _, raw in txn.cursor(db=tables.redemption_log):
        report.log_records += 1
        record = store_pb2.LogRecord.FromString(raw)
        kind = record.WhichOneof("entry")
        if kind in ("redeemed", "redeemed_id"):
            redeemed = _logged_redemption(txn, tables, record, report)
            if redeemed is None:
                continue
            redemption_id = redeemed.redemption.id
            if redemption_id in states:
                report.problems.append(f"redemption {redemption_id} is logged twice")
            deltas_by_redemption[redemption_id] = list(redeemed.deltas)
            states[redemption_id] = checkout_pb2.SUCCEEDED
            for delta in redeemed.deltas:
                expected[current_counter_key(delta.key)] += delta.delta
            report.redemptions += 1
        elif kind == "rolled_back":
            redemption_id = record.rolled_back.redemption_id
            if states.get(redemption_id) != checkout_pb2.SUCCEEDED:
                report.problems.append(
                    f"rollback {record.rolled_back.rollback_id} of {redemption_id}, "
                    "which is not a redeemed, not rolled back redemption"
                )
                continue
            states[redemption_id] = checkout_pb2.ROLLED_BACK
            for delta in deltas_by_redemption[redemption_id]:
                expected[current_counter_key(delta.key)] -= delta.delta
            report.rollbacks += 1
        elif kind == "credited":
            expected[record.credited.key] += record.credited.amount
        else:
            report.problems.append(f"log record {report.log_records} is empty")
    return expected, states


def _logged_redemption(
    txn: Txn, tables: Tables, record: store_pb2.LogRecord, report: CheckReport
) -> store_pb2.StoredRedemption | None:
    """The redemption a log record reports with its counter changes: the record's own copy
    (store format 1), or the redemptions table's record it names (format 2; a finding when
    the table has none, or another redemption under that id)."""
    if record.WhichOneof("entry") == "redeemed":
        return record.redeemed
    raw = txn.get(record.redeemed_id.encode(), db=tables.redemptions)
    if raw is None:
        report.problems.append(f"redemption {record.redeemed_id} is logged but not stored")
        return None
    stored = store_pb2.StoredRedemption.FromString(raw)
    if stored.redemption.id != record.redeemed_id:
        report.problems.append(
            f"redemption {record.redeemed_id} is stored under another id ({stored.redemption.id!r})"
        )
        return None
    return stored


def _compare_counters(
    txn: Txn, tables: Tables, expected: dict[bytes, int], report: CheckReport
) -> None:
    seen: set[bytes] = set()
    for key, raw in txn.cursor(db=tables.counters):
        # A store not yet converted (checked before a server opened it) has the old layout.
        key = current_counter_key(bytes(key))
        if key == GENERATION_KEY:
            continue
        report.counters += 1
        seen.add(key)
        actual = decode_counter(raw)
        if actual != expected.get(key, 0):
            report.problems.append(
                f"counter {key.decode(errors='replace')} is {actual}, "
                f"the log gives {expected.get(key, 0)}"
            )
        if actual < 0:
            report.problems.append(f"counter {key.decode(errors='replace')} is negative: {actual}")
    for key, value in expected.items():
        if key not in seen and value != 0:
            report.problems.append(
                f"counter {key.decode(errors='replace')} is missing, the log gives {value}"
            )


def _compare_redemptions(
    txn: Txn, tables: Tables, states: dict[str, int], report: CheckReport
) -> None:
    stored_ids: set[str] = set()
    for key, raw in txn.cursor(db=tables.redemptions):
        redemption = store_pb2.StoredRedemption.FromString(raw).redemption
        stored_ids.add(bytes(key).decode())
        logged = states.get(redemption.id)
        if logged is None:
            report.problems.append(f"redemption {redemption.id} is stored but not logged")
        elif logged != redemption.status:
            status_name = checkout_pb2.RedemptionStatus.Name
            report.problems.append(
                f"redemption {redemption.id} is {status_name(redemption.status)}, "
                f"the log says {status_name(logged)}"
            )
    for redemption_id in states.keys() - stored_ids:
        report.problems.append(f"redemption {redemption_id} is logged but not stored")


def _check_idempotency(
    txn: Txn, tables: Tables, states: dict[str, int], report: CheckReport
) -> None:
    for key, raw in txn.cursor(db=tables.idempotency):
        record = store_pb2.IdempotencyRecord.FromString(raw)
        answered = (
            record.redemption_id
            or checkout_pb2.RedeemResponse.FromString(record.response).redemption.id
        )
        if answered not in states:
            report.problems.append(
                f"idempotency key {bytes(key).decode(errors='replace')} answers "
                f"redemption {answered!r}, which is not logged"
            )
