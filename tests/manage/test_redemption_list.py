"""ListRedemptions over gRPC: newest first, as they stand now, by campaign and by customer, in
pages that follow on."""

from __future__ import annotations

import grpc
import pytest

from promocore.v1 import admin_pb2, admin_pb2_grpc

from support import TEST_ADMIN_KEY, cart, coupon

# The store conformance suite: every test here runs on each store backend (tests/README.md).
pytestmark = pytest.mark.conformance

ORDER = cart(("BEANS", 2000, 1))


@pytest.fixture
def redemptions(client):
    """Five redemptions: alice and bob on SAVE1 and SAVE2; the third one rolled back."""
    coupon(client, "one", "SAVE1")
    coupon(client, "two", "SAVE2")
    made = []
    for n, (customer, code) in enumerate(
        [
            ("alice", "SAVE1"),
            ("bob", "SAVE1"),
            ("alice", "SAVE2"),
            ("bob", "SAVE2"),
            ("alice", "SAVE1"),
        ]
    ):
        answer = client.redeem(
            {**ORDER, "id": f"order-{n}"},
            codes=[code],
            customer={"id": customer},
            idempotency_key=f"key-{n}",
        )
        made.append(answer["redemption"]["id"])
    client.rollback(made[2], reason="refund")
    return made


def test_newest_first_with_the_current_status(client, redemptions):
    listed = client.list_redemptions()
    assert [r["id"] for r in listed] == redemptions[::-1]
    statuses = {r["id"]: r["status"] for r in listed}
    assert statuses[redemptions[2]] == "ROLLED_BACK"
    assert [s for i, s in statuses.items() if i != redemptions[2]] == ["SUCCEEDED"] * 4


def test_filters_by_campaign_and_by_customer(client, redemptions):
    by_campaign = client.list_redemptions(campaign_id="two")
    assert [r["id"] for r in by_campaign] == [redemptions[3], redemptions[2]]
    by_customer = client.list_redemptions(customer_id="alice")
    assert [r["id"] for r in by_customer] == [redemptions[4], redemptions[2], redemptions[0]]
    both = client.list_redemptions(campaign_id="one", customer_id="bob")
    assert [r["id"] for r in both] == [redemptions[1]]


def test_pages_follow_on_without_gaps_or_repeats(target, redemptions):
    metadata = (("x-api-key", TEST_ADMIN_KEY),)
    seen, token, pages = [], "", 0
    with grpc.insecure_channel(target) as channel:
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        while True:
            request = admin_pb2.ListRedemptionsRequest(page={"page_size": 2, "page_token": token})
            page = admin.ListRedemptions(request, timeout=10, metadata=metadata)
            seen += [r.id for r in page.redemptions]
            pages += 1
            token = page.next_page_token
            if not token:
                break
    assert seen == redemptions[::-1]
    assert pages == 3


def test_a_token_that_is_not_from_a_page_is_refused_naming_the_field(client, target):
    with grpc.insecure_channel(target) as channel:
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        with pytest.raises(grpc.RpcError) as error:
            admin.ListRedemptions(
                admin_pb2.ListRedemptionsRequest(page={"page_token": "abc"}),
                timeout=10,
                metadata=(("x-api-key", TEST_ADMIN_KEY),),
            )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page.page_token" in error.value.details()


def test_filters_by_code_in_any_case_in_pages(client, target):
    """One campaign, three codes: a code's redemptions are its own, not its campaign's."""
    coupon(client, "many", "MANY-A")
    client.create_code("many", "MANY-B")
    client.create_code("many", "MANY-C")
    used = ["MANY-A", "MANY-B", "many-a", "MANY-C", "Many-A", "MANY-B", "MANY-A"]
    made = [
        client.redeem({**ORDER, "id": f"order-{n}"}, codes=[code], idempotency_key=f"k{n}")[
            "redemption"
        ]["id"]
        for n, code in enumerate(used)
    ]
    of_a = [made[n] for n, code in enumerate(used) if code.upper() == "MANY-A"][::-1]
    assert [r["id"] for r in client.list_redemptions(code="many-a")] == of_a
    assert [r["id"] for r in client.list_redemptions(code="MANY-C")] == [made[3]]
    assert client.list_redemptions(code="MANY-C", customer_id="nobody") == []
    assert len(client.list_redemptions(campaign_id="many")) == len(used)
    # Pages of 2 over the code's 4 redemptions, the others between them skipped.
    seen, token = [], ""
    with grpc.insecure_channel(target) as channel:
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        while True:
            request = admin_pb2.ListRedemptionsRequest(
                code="MANY-A", page={"page_size": 2, "page_token": token}
            )
            page = admin.ListRedemptions(
                request, timeout=10, metadata=(("x-api-key", TEST_ADMIN_KEY),)
            )
            assert len(page.redemptions) <= 2
            seen += [r.id for r in page.redemptions]
            token = page.next_page_token
            if not token:
                break
    assert seen == of_a
