"""How many round trips a Redeem makes to the Redis store (docs/redis.md, Costs), counted by
redis-server itself: INFO's total_reads_processed goes up by one per client request or pipeline
it reads, however many commands it holds.

A lone client's redeems each get a group-commit batch of their own, and a batch of one
redemption by a known customer is, by design:
1. one pipeline with everything the redemption reads for certain (idempotency key, catalog
   generation, code record, customer, and the walks of the customer's cards, the segments and
   the distributions);
2. one look at the first reservation expiry (the writer's housekeeping);
3. the commit script.
A campaign with limits adds the read of its counters and whether any reservation holds exist.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from promocore import Client
from promocore.server.grpc_server import RunningServer, ServerOptions, start_server

from support import cart, coupon

PER_BATCH = 3  # the prefetch pipeline, the expiry look, the commit
COUNTER_READS = 2  # a limited campaign's counters, and the holds table's length
REDEEMS = 10
ORDER = cart(("BEANS", 2000, 1), ("MILK", 150, 2), id="order")


@pytest.fixture
def redis_server_and_client(redis_server, clock) -> Iterator[tuple[RunningServer, Client]]:
    # No API keys to look up, no background duties: only Redeem's own round trips reach Redis.
    options = ServerOptions(auth=False, background_duties=False)
    running = start_server(redis_server.url, "127.0.0.1:0", clock=clock, options=options)
    try:
        with Client(f"127.0.0.1:{running.port}", timeout=10) as client:
            yield running, client
    finally:
        running.stop(grace=None)


def reads_processed(probe) -> int:
    return int(probe.info("stats")["total_reads_processed"])


@pytest.mark.parametrize(
    ("limits", "bound"),
    [({}, PER_BATCH), ({"total_redemptions": 1000}, PER_BATCH + COUNTER_READS)],
    ids=["unlimited", "limited"],
)
def test_a_redeem_makes_at_most_its_designed_round_trips(
    redis_server, redis_server_and_client, limits, bound
):
    _, client = redis_server_and_client
    code = coupon(client, "trips", "TRIPS", limits=limits)
    customer = {"id": "round-tripper"}

    def redeem(n: int) -> None:
        order = {**ORDER, "id": f"order-{n}"}
        answer = client.redeem(order, codes=[code], customer=customer, idempotency_key=f"k{n}")
        assert answer["status"] == "SUCCEEDED"

    redeem(0)  # the customer exists from here on, the catalog is compiled, scripts are loaded
    with contextlib.closing(redis_server.client()) as probe:  # connected before counting
        before = reads_processed(probe)
        for n in range(1, REDEEMS + 1):
            redeem(n)
        made = reads_processed(probe) - before - 1  # the second INFO is read too
    assert made <= bound * REDEEMS, f"{made / REDEEMS:.1f} round trips per redeem"
