"""Helpers shared by the test modules (not fixtures)."""

from __future__ import annotations

import mmap
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import grpc
import orjson
from grpc_health.v1 import health_pb2, health_pb2_grpc

from promocore.client.core import API_KEY_ENV
from promocore.manage.api_keys import new_key
from promocore.server.grpc_server import BOOTSTRAP_KEY_ENV

# One admin key for the whole test run: every server a test starts (the `server` fixture, a
# direct start_server, ServerProcess) installs it as its bootstrap key, and every Client picks
# it up from $PROMOCORE_API_KEY, so the suite runs with authentication on.
# Helper processes of a run (race clients, load generators) import this too and keep its key.
TEST_ADMIN_KEY = os.environ.get("PROMOCORE_TEST_ADMIN_KEY") or new_key()
os.environ["PROMOCORE_TEST_ADMIN_KEY"] = TEST_ADMIN_KEY
os.environ[API_KEY_ENV] = TEST_ADMIN_KEY
os.environ[BOOTSTRAP_KEY_ENV] = TEST_ADMIN_KEY

# The tests' fixed "now" (the `clock` fixture): Sunday 2026-03-01 12:00 UTC.
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

T = TypeVar("T")

Line = tuple[str, int, int] | tuple[str, int, int, list[str]]


def cart(*lines: Line, currency: str = "EUR", **extra: Any) -> dict[str, Any]:
    """An order from (sku, unit_price, quantity[, categories]) lines."""
    items = []
    for line in lines:
        item: dict[str, Any] = {"sku": line[0], "unit_price": line[1], "quantity": line[2]}
        if len(line) == 4:
            item["categories"] = line[3]
        items.append(item)
    return {"currency": currency, "items": items, **extra}


def coupon(
    client: Any,
    campaign_id: str,
    code: str,
    *,
    limits: dict[str, int] | None = None,
    effect: dict[str, Any] | None = None,
) -> str:
    """Creates a DISCOUNT_COUPONS campaign in EUR (1.00 off unless `effect`) with one code."""
    client.create_campaign(
        id=campaign_id,
        name=campaign_id,
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect=effect or {"amount_off_order": {"amount": 100}},
        limits=limits or {},
    )
    client.create_code(campaign_id, code)
    return code


def wait_until(
    condition: Callable[[], T], what: str, timeout: float = 30.0, interval: float = 0.02
) -> T:
    """Polls `condition` every `interval` seconds until it answers something true, and returns
    that; fails naming `what` once `timeout` seconds passed. What a test waits for, it waits for
    this way, never for a fixed time."""
    deadline = time.monotonic() + timeout
    while not (answer := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(interval)
    return answer


def connected_to(pid: int, port: int) -> bool:
    """Whether process `pid` holds an established TCP connection to `port` (Linux /proc)."""
    try:
        links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        tables = [Path(f"/proc/{pid}/net/{name}").read_text() for name in ("tcp", "tcp6")]
    except OSError:  # the process is gone (or an fd closed while listed)
        return False
    inodes = {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}
    for table in tables:
        for row in table.splitlines()[1:]:
            fields = row.split()
            remote, state, inode = fields[2], fields[3], fields[9]
            established = state == "01"
            if established and inode in inodes and int(remote.rsplit(":", 1)[1], 16) == port:
                return True
    return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """`promocore serve` as its own process group (supervisor + workers), as users run it."""

    def __init__(
        self,
        data_dir: Path,
        *,
        workers: int = 4,
        extra: tuple[str, ...] = (),
        python: str = sys.executable,
    ) -> None:
        """`python`: the interpreter whose promocore serves (another checkout's venv, to compare
        two builds side by side)."""
        self.data_dir = data_dir
        self.python = python
        self.workers = workers
        self.extra = extra
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.api_key = TEST_ADMIN_KEY
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}-server.log"

    def start(self, timeout: float = 30) -> ServerProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                self.python,
                "-m",
                "promocore.cli",
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--listen",
                self.target,
                "--workers",
                str(self.workers),
                *self.extra,
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group, so kill -9 reaches every worker
        )
        self.wait_until_serving(timeout)
        return self

    def wait_until_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with grpc.insecure_channel(self.target) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
                try:
                    answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                time.sleep(0.05)
        raise TimeoutError(f"server did not serve within {timeout} s")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def kill_hard(self) -> None:
        """kill -9 of the whole server: supervisor and workers, mid-flight."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        # The port is reused at once by the restart; wait until the workers are gone too.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        try:
            stopped = self.stop()
        except subprocess.TimeoutExpired:
            self.kill_hard()  # no server left behind by a failing test
            raise
        if stopped is None:
            self.kill_hard()


def promocore(*args: str, target: str, check: bool = True) -> subprocess.CompletedProcess:
    """`promocore ARGS` against `target`, as a user runs it: its own process."""
    return subprocess.run(
        [sys.executable, "-m", "promocore.cli", "--target", target, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )


def promocore_check(location, *, json: bool = False) -> subprocess.CompletedProcess:
    """Runs `promocore check` as users do: its own process, beside the live server. `location`
    is an LMDB directory or a redis:// URL (a Store's `location`)."""
    output = ["-o", "json"] if json else []
    where = ["--store" if str(location).startswith("redis://") else "--data-dir", str(location)]
    return subprocess.run(
        [sys.executable, "-m", "promocore.cli", *output, "check", *where],
        capture_output=True,
        text=True,
        timeout=60,
    )


def check_report(location) -> tuple[int, dict]:
    result = promocore_check(location, json=True)
    return result.returncode, orjson.loads(result.stdout)


# Who holds an LMDB store's write lock. LMDB's lock file (`lock.mdb`) begins with its
# MDB_txninfo: the readers' mutex in the first 64-byte cache line, the writer's mutex in the
# second. On Linux that is a robust, process-shared pthread mutex, and glibc keeps its owner's
# thread id at byte 8 of it: read from outside, it names the thread holding the write lock.
_WRITER_MUTEX_OWNER = struct.Struct("<i")
_WRITER_MUTEX_OWNER_AT = 64 + 8


def write_lock_owner(data_dir: Path) -> int:
    """The thread id (a Linux TID) holding the write lock of the store in `data_dir`, 0 if
    none."""
    with (data_dir / "lock.mdb").open("rb") as lock_file:
        lock = mmap.mmap(lock_file.fileno(), mmap.PAGESIZE, prot=mmap.PROT_READ)
    with lock:
        return int(_WRITER_MUTEX_OWNER.unpack_from(lock, _WRITER_MUTEX_OWNER_AT)[0])


def thread_ids(pid: int) -> set[int]:
    return {int(task) for task in os.listdir(f"/proc/{pid}/task")}


def stopped(pid: int) -> bool:
    """Whether process `pid` is stopped by a signal (state T in /proc); False once it died."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "T"


def freeze_holding_the_write_lock(data_dir: Path, pid: int, timeout: float = 30) -> float:
    """SIGSTOPs process `pid` at a moment one of its threads holds the store's write lock (under
    a write load; when a stop lands just after the lock was released, the process is let go
    and caught again) and returns when it was stopped (time.monotonic())."""
    threads = thread_ids(pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if write_lock_owner(data_dir) not in threads:
            time.sleep(0.0002)
            continue
        os.kill(pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        while not stopped(pid):
            time.sleep(0.001)
        if write_lock_owner(data_dir) in threads:
            return frozen_at
        os.kill(pid, signal.SIGCONT)
    raise AssertionError(f"process {pid} never held the write lock of {data_dir} in {timeout} s")
