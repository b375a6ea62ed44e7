"""`make faults`: the faults an operator meets, each injected into a real server (`promocore
serve`, 2 workers) under a client load of 8 threads (6 redeeming with fresh idempotency keys, 2
validating), asserting what the server does now (docs/operations.md, "Faults"):

1. disk full: the data directory on a 24 MB tmpfs, filled up under load (root: mount);
2. frozen worker: SIGSTOP of one worker while its writer holds LMDB's write lock, twice;
3. truncated data file: `serve` and `check` on a copy cut to a third;
4. damaged page: the pages holding one redemption's record damaged;
5. foreign LMDB file: another program's 1,000 records as the data file;
6. clock steps: the server's wall clock stepped back a day and forward again (libfaketime);
and, beside them, SIGTERM under load, 5 times (late arrivals answered UNAVAILABLE, never
CANCELLED).

After every experiment: every acknowledged redemption is read back from a server and
`promocore check` passes, or, for the damaged copies, reports the damage. The last line is JSON:
faults injected, acknowledged redemptions lost (must be 0) and the longest time without a
successful redeem after a freeze (must be at most the heartbeat bound + 2 s).
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import grpc
import lmdb
import orjson
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))  # the servers and helpers of the test suite

from promocore import Client  # noqa: E402
from promocore.errors import NotFoundError, PromocoreError  # noqa: E402
from promocore.server.heartbeat import SILENCE_BOUND_S  # noqa: E402
from promocore.store.data_file import check_data_file  # noqa: E402

from support import (  # noqa: E402
    ServerProcess,
    check_report,
    coupon,
    free_port,
    freeze_holding_the_write_lock,
)

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
PROMOCORE = (sys.executable, "-m", "promocore.cli")
TMPFS_SIZE = "24m"
ORDER_ITEMS = [{"sku": "BEANS", "unit_price": 2000, "quantity": 1}]
DAY_S = 86400
OWN_CONNECTION = (("grpc.use_local_subchannel_pool", 1),)


class Load:
    """8 client threads against `target`: 6 redeem `code` with fresh keys, 2 validate it. Keeps
    the acknowledged redemption ids, the status codes seen, and when each redeem succeeded."""

    def __init__(self, target: str, code: str, *, customers: list[str] | None = None) -> None:
        self.target = target
        self.code = code
        self.customers = customers
        self.acknowledged: set[str] = set()
        self.codes: collections.Counter[str] = collections.Counter()
        self.redeemed_at: list[float] = []
        # What gRPC said of CANCELLED answers (at shutdown: who cancelled them).
        self.cancelled_details: collections.Counter[str] = collections.Counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(index < 6,), daemon=True) for index in range(8)
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def failures(self) -> dict[str, int]:
        return {code: count for code, count in self.codes.items() if code != "OK"}

    def _client(self) -> Client:
        # A connection of its own (gRPC shares one per target otherwise), so that the kernel
        # spreads the threads over the workers as it would spread separate clients.
        return Client(self.target, timeout=1.0, channel_options=OWN_CONNECTION)

    def _run(self, redeeming: bool) -> None:
        client = self._client()
        calls = 0
        while not self._stop.is_set():
            key = uuid.uuid4().hex
            customer = self.customers[calls % len(self.customers)] if self.customers else key
            order = {"id": key, "currency": "EUR", "items": ORDER_ITEMS}
            calls += 1
            try:
                if redeeming:
                    answer = client.redeem(
                        order, idempotency_key=key, codes=[self.code], customer={"id": customer}
                    )
                else:
                    answer = client.validate(order, codes=[self.code])
            except (PromocoreError, grpc.RpcError) as error:
                code = error.status if isinstance(error, PromocoreError) else error.code()
                self._count(code.name)
                if code == grpc.StatusCode.CANCELLED:
                    self.cancelled_details[error.details()] += 1
                time.sleep(0.02)
                if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    client.close()  # a new connection: maybe to another worker
                    client = self._client()
                continue
            with self._lock:
                self.codes["OK"] += 1
                if redeeming and answer.get("status") == "SUCCEEDED":
                    self.acknowledged.add(answer["redemption"]["id"])
                    self.redeemed_at.append(time.monotonic())
        client.close()

    def _count(self, code: str) -> None:
        with self._lock:
            self.codes[code] += 1


def health(target: str, service: str = "") -> str:
    try:
        # A new connection per probe: the kernel sends it to any worker, as a load balancer's.
        with grpc.insecure_channel(target, options=OWN_CONNECTION) as channel:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=1
            )
        return health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
    except grpc.RpcError as error:
        return error.code().name


def lost(target: str, acknowledged: set[str]) -> int:
    missing = 0
    with Client(target) as client:
        for redemption_id in acknowledged:
            try:
                client.get_redemption(redemption_id)
            except NotFoundError:
                missing += 1
    return missing


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


def run(*args: str, timeout: float = 120, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*PROMOCORE, *args], capture_output=True, text=True, timeout=timeout, **options
    )


def serve_once(data_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    """`promocore serve` expected to refuse and stop by itself."""
    return run("serve", "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{free_port()}", *extra)


def fill(path: Path) -> int:
    """Writes `path` until the file system is full; the bytes written."""
    written = 0
    block = b"\0" * (1 << 16)
    with path.open("wb", buffering=0) as filler:
        while True:
            try:
                written += filler.write(block)
            except OSError:
                return written


# 1. Disk full ------------------------------------------------------------------------------


def disk_full(work: Path) -> dict:
    mount = work / "tmpfs"
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mount)], check=True
    )
    try:
        server = ServerProcess(mount / "data", workers=2)
        server.log_path = work / "disk-full-server.log"  # the log is not on the full disk
        with server:
            with Client(server.target) as client:
                coupon(client, "open", "OPEN")
            with Load(server.target, "OPEN") as load:
                time.sleep(2)
                before = server.log_path.stat().st_size
                fill(mount / "filler")
                full_at = time.monotonic()
                statuses = collections.Counter()
                while time.monotonic() - full_at < 6:
                    statuses[health(server.target)] += 1
                    time.sleep(0.2)
                generate = run(
                    "--target", server.target, "codes", "generate", "open", "--count", "20000"
                )
                failing = dict(load.codes)
                log_growth = server.log_path.stat().st_size - before
                (mount / "filler").unlink()
                freed_at = time.monotonic()
                while health(server.target) != "SERVING" and time.monotonic() - freed_at < 10:
                    time.sleep(0.1)
                back_s = time.monotonic() - freed_at
                time.sleep(1)
            log = server.log_path.read_text()
            expect("UNKNOWN" not in failing, f"UNKNOWN answers on a full disk: {failing}")
            expect(failing.get("UNAVAILABLE", 0) > 0, f"no UNAVAILABLE on a full disk: {failing}")
            expect(statuses["NOT_SERVING"] > 0, f"health while full: {dict(statuses)}")
            expect(back_s < 5, f"health SERVING {back_s:.1f} s after space came back")
            expect("Traceback" not in log, "a traceback in the log")
            expect(log_growth < 20_000, f"{log_growth} bytes of log while full")
            expect(generate.returncode == 1 and "Traceback" not in generate.stderr, generate.stderr)
            expect("codes were committed before the failure" in generate.stderr, generate.stderr)
            missing = lost(server.target, load.acknowledged)
        # A restart on a full disk says so at once.
        fill(mount / "filler")
        restart = ServerProcess(mount / "data", workers=1)
        restart.log_path = work / "disk-full-restart.log"
        with restart:
            pass
        (mount / "filler").unlink()
        expect("free on the file system" in restart.log_path.read_text(), "no low-space warning")
        status, report = check_report(mount / "data")
        expect(status == 0, f"check after the full disk: {report['problems'][:3]}")
        return {
            "faults": 2,  # full under load; a restart on the full disk
            "acknowledged": len(load.acknowledged),
            "lost": missing,
            "answers_while_full": failing,
            "health_while_full": dict(statuses),
            "log_bytes_while_full": log_growth,
            "serving_again_s": round(back_s, 2),
            "generate_codes": generate.stderr.strip().splitlines()[-1],
        }
    finally:
        subprocess.run(["umount", str(mount)], check=False)


# 2. A frozen worker ------------------------------------------------------------------------


def frozen_worker(work: Path, repeats: int = 2) -> dict:
    server = ServerProcess(work / "frozen", workers=2)
    gaps: list[float] = []
    health_seen = collections.Counter()
    with server:
        with Client(server.target) as client:
            coupon(client, "open", "OPEN")
        with Load(server.target, "OPEN") as load:
            for _ in range(repeats):
                time.sleep(2)
                victim = server.worker_pids()[0]
                # Stopped while its writer holds LMDB's write lock: no worker can write.
                frozen_at = freeze_holding_the_write_lock(work / "frozen", victim)
                while time.monotonic() - frozen_at < 20:
                    health_seen[health(server.target)] += 1
                    time.sleep(0.25)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(victim, signal.SIGCONT)  # had the supervisor not killed it
                after = [at for at in list(load.redeemed_at) if at > frozen_at]
                steps = [b - a for a, b in zip([frozen_at, *after], after, strict=False)]
                gaps.append(max(steps) if steps else 20.0)
                expect(
                    f"(pid {victim}) made no progress" in server.log_path.read_text(),
                    "no log line for the frozen worker",
                )
        missing = lost(server.target, load.acknowledged)
    status, report = check_report(work / "frozen")
    expect(status == 0, f"check after the freezes: {report['problems'][:3]}")
    expect(max(gaps) <= SILENCE_BOUND_S + 2, f"{max(gaps):.1f} s without a redeem after a freeze")
    return {
        "faults": repeats,
        "acknowledged": len(load.acknowledged),
        "lost": missing,
        "seconds_without_redeem": [round(gap, 2) for gap in gaps],
        "health_during_freeze": dict(health_seen),
        "writes_stalled_lines": server.log_path.read_text().count("writes stalled"),
        "answers": dict(load.codes),
        "store": str(work / "frozen"),
    }


# 3. A truncated data file, 4. a damaged page ----------------------------------------------


def copy_store(source: Path, copy: Path) -> Path:
    """A copy of a stopped store's directory that keeps the data file sparse (as large as the
    map, its holes not written; shutil would write them); the copy's data file."""
    subprocess.run(["cp", "-r", "--sparse=always", str(source), str(copy)], check=True)
    return copy / "data.mdb"


def data_bytes(data: Path) -> int:
    """Where the store's last page ends (the file itself is as large as the map)."""
    meta = check_data_file(data.parent)
    assert meta is not None
    return meta.needed_bytes


def truncated(work: Path, source: Path) -> dict:
    copy = work / "truncated"
    data = copy_store(source, copy)
    os.truncate(data, data_bytes(data) // 3)
    results = {
        "serve": serve_once(copy, "--workers", "2"),
        "serve --no-auth": serve_once(copy, "--workers", "2", "--no-auth"),
        "check": run("check", "--data-dir", str(copy)),
    }
    for name, result in results.items():
        expect(result.returncode == 2, f"{name}: exit {result.returncode}")  # not SIGBUS (135)
        expect("is truncated" in result.stderr and "Traceback" not in result.stderr, name)
    return {
        "faults": 1,
        **{name: result.stderr.strip().splitlines()[-1] for name, result in results.items()},
    }


def damaged(work: Path, source: Path, redemption_id: str) -> dict:
    copy = work / "damaged"
    data = copy_store(source, copy)
    with data.open("rb") as file:
        content = bytearray(file.read(data_bytes(data)))
    pages = 0
    at = content.find(redemption_id.encode())
    while at != -1:
        page = at // 4096 * 4096
        content[page + 10 : page + 12] = b"\0\0"  # page flags: neither branch nor leaf
        pages += 1
        at = content.find(redemption_id.encode(), page + 4096)
    with data.open("r+b") as file:
        file.write(content)
    answers = collections.Counter()
    server = ServerProcess(copy, workers=2)
    with server, Client(server.target) as client:
        for _ in range(20):
            try:
                client.get_redemption(redemption_id)
                answers["OK"] += 1
            except PromocoreError as error:
                answers[f"{error.status.name} {error.reason}"] += 1
    log = server.log_path.read_text()
    check = run("check", "--data-dir", str(copy))
    full = run("check", "--full", "--data-dir", str(copy))
    for result in (check, full):
        found = "LMDB cannot read it" in result.stdout or "stops LMDB" in result.stdout
        expect(result.returncode == 1 and found, f"{result.returncode}: {result.stdout}")
    expect("Traceback" not in check.stderr + full.stderr + log, "a traceback")
    expect("UNKNOWN" not in " ".join(answers), f"answers on the damaged page: {answers}")
    return {
        "faults": 1,
        "pages_damaged": pages,
        "answers": dict(answers),
        "check": [line.strip()[:200] for line in full.stdout.splitlines()[1:4]],
        "log_lines_about_it": log.count("store failing: a page of the store is damaged"),
    }


# 5. A foreign LMDB file --------------------------------------------------------------------


def foreign(work: Path) -> dict:
    directory = work / "foreign"
    env = lmdb.open(str(directory))
    with env.begin(write=True) as txn:
        for number in range(1000):
            txn.put(b"record-%04d" % number, b"another application's data")
    env.close()
    before = hashlib.sha256((directory / "data.mdb").read_bytes()).hexdigest()
    refused = serve_once(directory, "--workers", "2")
    crash_loop = serve_once(directory, "--workers", "2", "--no-auth")
    after = hashlib.sha256((directory / "data.mdb").read_bytes()).hexdigest()
    expect(refused.returncode == 2 and "is not a promocore store" in refused.stderr, "refusal")
    expect(crash_loop.returncode == 1 and "workers keep dying" in crash_loop.stderr, "loop")
    expect(before == after, "the foreign file was written")
    return {
        "faults": 1,
        "serve": refused.stderr.strip().splitlines()[-1][:160],
        "serve --no-auth exit": crash_loop.returncode,
        "untouched": before == after,
    }


# 6. Clock steps ----------------------------------------------------------------------------


def clock_steps(work: Path) -> dict:
    offset_file = work / "faketime"
    offset_file.write_text("+0\n")
    environment = {
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(offset_file),
        "FAKETIME_CACHE_DURATION": "1",
        # The heartbeats and deadlines run on the monotonic clock, which does not jump.
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        server = ServerProcess(work / "clock", workers=2).start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    customers = [f"customer-{n}" for n in range(20)]
    try:
        with Client(server.target) as client:
            coupon(client, "daily", "DAILY", limits={"per_customer_per_day": 1})
            coupon(client, "last", "LAST", limits={"total_redemptions": 1})
            held = client.validate(
                {"id": "hold", "currency": "EUR", "items": ORDER_ITEMS},
                codes=["LAST"],
                reservation={"session_key": "before-the-step", "ttl_seconds": 120},
            )
            expect(held["valid"], "the first hold")
            with Load(server.target, "DAILY", customers=customers) as load:
                for offset in ("-1d", "+0", "-1d", "-2h", "+0"):
                    time.sleep(3)
                    offset_file.write_text(offset + "\n")
                time.sleep(3)
            other = client.validate(
                {"id": "hold-2", "currency": "EUR", "items": ORDER_ITEMS},
                codes=["LAST"],
                reservation={"session_key": "after-the-step", "ttl_seconds": 120},
            )
            offset_file.write_text("-1d\n")
            # Until the worker has read the step (libfaketime rereads the file at most once a
            # second, later on a loaded machine); 10 s, well within the held 120 s, so only the
            # cap on a hold's expiry can free the slot.
            stepped_at = time.monotonic()
            while True:
                time.sleep(0.5)
                after_step = client.validate(
                    {"id": "hold-3", "currency": "EUR", "items": ORDER_ITEMS},
                    codes=["LAST"],
                    reservation={"session_key": "after-a-day-back", "ttl_seconds": 120},
                )
                if after_step["valid"] or time.monotonic() - stepped_at > 10:
                    break
            redemptions = client.list_redemptions(campaign_id="daily")
        per_customer = collections.Counter(r["customer_id"] for r in redemptions)
        created = [r["created_at"] for r in redemptions]  # newest first
        expect(max(per_customer.values()) == 1, f"per-day limit: {per_customer.most_common(3)}")
        expect(created == sorted(created, reverse=True), "created_at went backwards")
        expect(not other["valid"], "the slot was held: the second session should wait")
        expect(after_step["valid"], "a hold made before a day's step back still holds its slot")
        missing = lost(server.target, load.acknowledged)
    finally:
        offset_file.write_text("+0\n")
        server.stop()
    # Stopped with a worker's clock still a day back: its shutdown must not fail.
    expect("Traceback" not in server.log_path.read_text(), "a traceback in the clock's log")
    status, report = check_report(work / "clock")
    expect(status == 0, f"check after the clock steps: {report['problems'][:3]}")
    return {
        "acknowledged": len(load.acknowledged),
        "lost": missing,
        "customers": len(customers),
        "most_redemptions_of_one_customer": max(per_customer.values()),
        "faults": 6,  # five steps under load, one more for the hold
    }


# SIGTERM under load ------------------------------------------------------------------------


def shutdown(work: Path, repeats: int = 5) -> dict:
    after: collections.Counter[str] = collections.Counter()
    cancelled_said: collections.Counter[str] = collections.Counter()
    missing = 0
    for repeat in range(repeats):
        data_dir = work / f"shutdown-{repeat}"
        server = ServerProcess(data_dir, workers=2).start()
        with Client(server.target) as client:
            coupon(client, "open", "OPEN")
        with Load(server.target, "OPEN") as load:
            time.sleep(2)
            before = collections.Counter(load.codes)
            stopped = server.stop()
            time.sleep(1)
        after += load.codes - before
        cancelled_said += load.cancelled_details
        expect(stopped == 0, f"SIGTERM exit {stopped}")
        restarted = ServerProcess(data_dir, workers=1)
        with restarted:
            missing += lost(restarted.target, load.acknowledged)
        expect(check_report(data_dir)[0] == 0, "check after SIGTERM")
    expect("CANCELLED" not in after, f"CANCELLED answers after SIGTERM: {dict(after)}")
    return {
        "faults": repeats,
        "lost": missing,
        "answers_after_sigterm": dict(after),
        "cancelled_said": dict(cancelled_said),
    }


def main() -> int:
    if os.geteuid() != 0:
        print("make faults needs root (it mounts a tmpfs for the full disk)", file=sys.stderr)
        return 2
    if not LIBFAKETIME.exists():
        print(f"{LIBFAKETIME} is missing: apt-get install faketime", file=sys.stderr)
        return 2
    only = set(sys.argv[1:])  # experiment names: run those alone (while developing)
    results: dict[str, dict] = {}
    work = Path(tempfile.mkdtemp(prefix="promocore-faults-"))
    try:
        if not only or only & {"disk_full"}:
            results["disk_full"] = disk_full(work)
        if not only or only & {"frozen_worker", "truncated", "damaged_page"}:
            results["frozen_worker"] = frozen_worker(work)
            store = Path(results["frozen_worker"].pop("store"))
            env = lmdb.open(str(store), max_dbs=64, readonly=True, lock=False)
            with env.begin() as txn:
                redemptions = env.open_db(b"redemptions", txn=txn, create=False)
                some_redemption = bytes(next(iter(txn.cursor(db=redemptions)))[0]).decode()
            env.close()
            results["truncated"] = truncated(work, store)
            results["damaged_page"] = damaged(work, store, some_redemption)
        if not only or "foreign_file" in only:
            results["foreign_file"] = foreign(work)
        if not only or "clock_steps" in only:
            results["clock_steps"] = clock_steps(work)
        if not only or "shutdown" in only:
            results["shutdown"] = shutdown(work)
    except BaseException:
        print(f"the servers' logs and stores are kept in {work}", file=sys.stderr)
        raise
    shutil.rmtree(work)
    for name, result in results.items():
        print(f"{name}: {orjson.dumps(result).decode()}")
    summary = {
        "faults_injected": sum(result.pop("faults") for result in results.values()),
        "acknowledged_lost": sum(result.get("lost", 0) for result in results.values()),
        "seconds_without_redeem_after_freeze": max(
            results.get("frozen_worker", {}).get("seconds_without_redeem", [0.0])
        ),
        "freeze_bound_s": SILENCE_BOUND_S + 2,
        "experiments": sorted(results),
    }
    print(orjson.dumps(summary).decode())
    return 0 if summary["acknowledged_lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
