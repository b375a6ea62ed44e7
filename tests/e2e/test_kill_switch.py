"""The kill switch under live load: every Validate that starts one second after the disable is
acknowledged answers campaign_inactive, on every worker of a multi-worker server, while client
processes keep validating throughout.

No fixed sleeps: the test disables only once the load is seen live on every worker (each has
answered some client's Validate with the campaign applicable), and stops the clients by a file
it creates once enough load has run after the disable, so a slow, loaded machine only makes the
test take longer."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from promocore import Client

from support import ServerProcess, coupon

LOAD_CLIENT = Path(__file__).parents[1] / "support" / "kill_switch_client.py"
CLIENT_PROCESSES = 3
WORKERS = 3
# How long the clients may take to import, connect and get an applicable Validate on every worker.
READY_TIMEOUT = 60.0
# The load keeps going at least this long after the acknowledged disable...
LOAD_AFTER_DISABLE = 5.0
# ...and, on a slow machine, until the checked window (from one second after the disable) holds
# at least MIN_AFTER_CALLS calls covering every worker, or this long has passed.
AFTER_TIMEOUT = 60.0
MIN_AFTER_CALLS = 100
# Bounds a client the test abandoned (it exits by itself with status 2 then).
CLIENT_GIVE_UP = 300.0


class CallLog:
    """One client's calls file, read as the client appends to it (whole lines only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.touch()
        self.offset = 0
        self.calls: list[dict[str, Any]] = []

    def read(self) -> list[dict[str, Any]]:
        with self.path.open("rb") as file:
            file.seek(self.offset)
            chunk = file.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        self.calls.extend(orjson.loads(line) for line in complete.splitlines())
        return self.calls


def all_calls(logs: list[CallLog]) -> list[dict[str, Any]]:
    return [call for log in logs for call in log.read()]


def wait_until(
    condition: Callable[[], bool], timeout: float, clients: list[subprocess.Popen]
) -> bool:
    """Polls condition until it holds (True) or timeout passes (False); fails at once if a client
    process ended, since the load it was to keep up is gone."""
    deadline = time.monotonic() + timeout
    while True:
        ended = [client.returncode for client in clients if client.poll() is not None]
        assert ended == [], f"load client process(es) ended early with status {ended}"
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def test_disable_under_load_rejects_every_validate_a_second_later_on_every_worker(tmp_path):
    with ServerProcess(tmp_path / "data", workers=WORKERS) as server:
        workers = server.worker_pids()
        assert len(workers) == WORKERS
        stop = tmp_path / "stop"
        logs = [CallLog(tmp_path / f"calls-{n}.jsonl") for n in range(CLIENT_PROCESSES)]
        with Client(server.target) as admin:
            coupon(admin, "flash", "FLASH")
            give_up = time.monotonic() + CLIENT_GIVE_UP
            clients = [
                subprocess.Popen(
                    [
                        sys.executable,
                        str(LOAD_CLIENT),
                        server.target,
                        "FLASH",
                        str(log.path),
                        str(stop),
                        str(give_up),
                        ",".join(map(str, workers)),
                    ]
                )
                for log in logs
            ]
            try:

                def applicable_workers() -> set[int]:
                    return {call["worker"] for call in all_calls(logs) if call["reason"] == ""}

                live = wait_until(
                    lambda: applicable_workers() == set(workers), READY_TIMEOUT, clients
                )
                assert live, (
                    f"within {READY_TIMEOUT} s the clients got an applicable Validate only from "
                    f"workers {sorted(applicable_workers())} of {sorted(workers)}"
                )
                admin.disable_campaign("flash")
                acknowledged = time.monotonic()

                def enough_load_after() -> bool:
                    if time.monotonic() < acknowledged + LOAD_AFTER_DISABLE:
                        return False
                    after = [c for c in all_calls(logs) if c["start"] >= acknowledged + 1.0]
                    return len(after) >= MIN_AFTER_CALLS and {
                        call["worker"] for call in after
                    } == set(workers)

                # Not met in time: the assertions below say what is missing.
                wait_until(enough_load_after, LOAD_AFTER_DISABLE + AFTER_TIMEOUT, clients)
            finally:
                stop.touch()
                for client in clients:
                    try:
                        client.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        client.kill()
                        client.wait()
        assert [client.returncode for client in clients] == [0] * CLIENT_PROCESSES
        calls = all_calls(logs)

    before = [call for call in calls if call["start"] < acknowledged]
    after = [call for call in calls if call["start"] >= acknowledged + 1.0]
    # The load was live on every worker before the disable, and kept going on every worker.
    assert {call["worker"] for call in before if call["reason"] == ""} == set(workers)
    assert {call["worker"] for call in after} == set(workers)
    assert len(after) >= MIN_AFTER_CALLS
    late = [call for call in after if call["reason"] != "campaign_inactive"]
    assert late == []
