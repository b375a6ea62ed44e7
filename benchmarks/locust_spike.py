"""The TV-ad spike: steady traffic, ten times as many users within 10 s, hold, then the drop.

    locust -f benchmarks/locust_spike.py --headless --host 127.0.0.1:50051 SpikeUser

Every user redeems the advertised limit-1,000 code as a new customer (locustfile.SpikeUser).
"""

from __future__ import annotations

import os

from locust import LoadTestShape

from locustfile import SpikeUser  # noqa: F401  (the user class this shape drives)

PEAK_USERS = int(os.environ.get("PROMOCORE_SPIKE_USERS", "500"))
STEADY_S, RAMP_S, HOLD_S, DROP_S = 10, 10, 20, 10


class TvSpike(LoadTestShape):
    """(users, spawn rate) by elapsed time; None ends the test."""

    def tick(self):
        elapsed = self.get_run_time()
        steady = max(1, PEAK_USERS // 10)
        if elapsed < STEADY_S:
            return steady, steady
        if elapsed < STEADY_S + RAMP_S + HOLD_S:
            # Reaching the peak takes RAMP_S: spawn (peak - steady) users over it.
            return PEAK_USERS, max(1, (PEAK_USERS - steady) // RAMP_S)
        if elapsed < STEADY_S + RAMP_S + HOLD_S + DROP_S:
            return steady, PEAK_USERS
        return None
