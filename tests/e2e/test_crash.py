"""kill -9 under load, ten times: every acknowledged redemption survives, retries stay
exactly-once, the limit is never oversold, and `promocore check` passes after each restart."""

from __future__ import annotations

from crash_harness import LIMIT, crash_cycles


def test_kill_9_under_load_loses_no_acknowledged_redemption(tmp_path):
    outcome = crash_cycles(tmp_path / "data", kills=10, seed=20261122)
    assert outcome.kills == 10
    assert outcome.acked > 0
    assert outcome.lost_acked == []
    assert outcome.check_failures == []
    assert outcome.retry_mismatches == []
    assert 0 < outcome.limited_redeemed <= LIMIT
