"""The segment-entered trigger, called as issue 6's segment evaluation will call it: inside a
write transaction of a real store, for one customer entering one segment."""

from __future__ import annotations

from promocore.clock import FixedClock
from promocore.programs.service import Programs
from promocore.store import LmdbStore
from promocore.store.check import check_store
from promocore.v1 import admin_pb2, campaign_pb2, loyalty_pb2

from support import NOW

NOW_MS = int(NOW.timestamp() * 1000)


def test_entering_a_segment_earns_the_rule_points_up_to_its_cap(tmp_path):
    clock = FixedClock(NOW_MS)
    store = LmdbStore(tmp_path / "data", clock=clock)
    programs = Programs(store, clock)
    campaign = campaign_pb2.Campaign(
        id="club", name="club", type=campaign_pb2.LOYALTY_PROGRAM, currency="EUR", active=True
    )
    campaign.loyalty.earning_rules.add(
        id="vip-bonus",
        trigger=loyalty_pb2.EARN_ON_SEGMENT_ENTERED,
        segment_id="vip",
        points=500,
        cap=500,
    )
    with store.write() as txn:
        store.catalog.put_new_version(txn, campaign, create=True)
    card = programs.enroll("club", "ann").code

    def enter(segment_id: str) -> int:
        with store.write() as txn:
            grants = programs.earning.on_segment_entered(txn, "ann", segment_id, clock.now_ms())
        return sum(grant.points for grant in grants)

    assert enter("other") == 0
    assert enter("vip") == 500
    assert enter("vip") == 0  # the rule's cap (over the program's life) is reached
    assert programs.loyalty_card(admin_pb2.GetLoyaltyCardRequest(code=card)).points == 500
    store.close()
    report = check_store(tmp_path / "data")
    assert report.ok and report.cards == 1, report.summary()
