"""`promocore serve --workers N`: processes sharing one port and one store, restarted when they
die, stopped gracefully, and all seeing a change made through any of them at once."""

from __future__ import annotations

import os
import signal
import time

import pytest

from promocore import Client
from promocore.workers import STOP_GRACE_S

from support import ServerProcess, cart, coupon

ORDER = cart(("BEANS", 2000, 1))


@pytest.fixture
def server(tmp_path):
    with ServerProcess(tmp_path / "data", workers=2) as running:
        yield running


def test_a_dead_worker_is_replaced(server):
    before = server.worker_pids()
    assert len(before) == 2
    os.kill(before[0], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = server.worker_pids()
        if len(after) == 2 and before[0] not in after:
            break
        time.sleep(0.05)
    assert len(after) == 2 and before[0] not in after and before[1] in after
    server.wait_until_serving(10)
    with Client(server.target) as client:
        assert client.list_campaigns() == []


def test_sigterm_stops_every_worker_gracefully(server):
    workers = server.worker_pids()
    assert server.stop() == 0
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_worker_that_does_not_stop_is_killed_and_the_supervisor_still_exits(server):
    stuck, other = server.worker_pids()
    os.kill(stuck, signal.SIGSTOP)  # stopped: it cannot act on SIGTERM
    started = time.monotonic()
    assert server.stop() == 0
    waited = time.monotonic() - started
    assert STOP_GRACE_S - 0.5 <= waited < STOP_GRACE_S + 10  # the grace, then the kill
    for pid in (stuck, other):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_disable_through_one_connection_is_seen_on_every_worker(server):
    with Client(server.target) as admin:
        coupon(admin, "switch", "SWITCH")
        # Warm every worker's compiled cache with the active version first.
        for _ in range(8):
            with Client(server.target) as checkout:
                assert checkout.validate(ORDER, codes=["SWITCH"])["valid"]
        admin.disable_campaign("switch")
    # New connections land on either worker (SO_REUSEPORT spreads them).
    for _ in range(16):
        with Client(server.target) as checkout:
            [result] = checkout.validate(ORDER, codes=["SWITCH"])["redeemables"]
            assert result["reason"] == "campaign_inactive"
