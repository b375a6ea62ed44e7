"""The kill switch under live load: every Validate that starts one second after the disable is
acknowledged answers campaign_inactive, on every worker of a multi-worker server, while client
processes keep validating throughout."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import orjson

from promocore import Client

from support import ServerProcess, coupon

LOAD_CLIENT = Path(__file__).with_name("kill_switch_client.py")
CLIENT_PROCESSES = 3
WORKERS = 3


def test_disable_under_load_rejects_every_validate_a_second_later_on_every_worker(tmp_path):
    with ServerProcess(tmp_path / "data", workers=WORKERS) as server:
        workers = server.worker_pids()
        assert len(workers) == WORKERS
        with Client(server.target) as admin:
            coupon(admin, "flash", "FLASH")
            load_until = time.monotonic() + 9.0
            clients = [
                subprocess.Popen(
                    [
                        sys.executable,
                        str(LOAD_CLIENT),
                        server.target,
                        "FLASH",
                        str(load_until),
                        ",".join(map(str, workers)),
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for _ in range(CLIENT_PROCESSES)
            ]
            time.sleep(4.0)  # the clients import, connect and validate against the live campaign
            admin.disable_campaign("flash")
            acknowledged = time.monotonic()
        calls = []
        for client in clients:
            stdout, _ = client.communicate(timeout=60)
            assert client.returncode == 0
            calls.extend(orjson.loads(line) for line in stdout.splitlines())

    before = [call for call in calls if call["start"] < acknowledged]
    after = [call for call in calls if call["start"] >= acknowledged + 1.0]
    # The load was live on every worker before the disable, and kept going on every worker.
    assert {call["worker"] for call in before if call["reason"] == ""} == set(workers)
    assert {call["worker"] for call in after} == set(workers)
    assert len(after) >= 100
    late = [call for call in after if call["reason"] != "campaign_inactive"]
    assert late == []
