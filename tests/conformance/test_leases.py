"""Leases (store/leases.py): one holder at a time across processes sharing a store, handed over
when released or when the holder stops renewing."""

from __future__ import annotations

import pytest

from promocore.store.leases import Lease

from support import wait_until

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance


def test_one_holder_at_a_time_and_a_released_lease_is_taken_over(store):
    first, second = Lease(store, "duty", ttl_s=30), Lease(store, "duty", ttl_s=30)
    assert first.hold()
    assert not second.hold()
    assert first.hold()  # renewing
    assert Lease(store, "another duty", ttl_s=30).hold()
    first.release()
    assert second.hold()
    assert not first.hold()


def test_a_lease_its_holder_stops_renewing_expires(store):
    silent, successor = Lease(store, "duty", ttl_s=0.3), Lease(store, "duty", ttl_s=0.3)
    assert silent.hold()
    assert not successor.hold()
    wait_until(successor.hold, "the successor takes the lease its holder stopped renewing")
    assert not silent.hold()
