"""Finding customers by what support staff are told, through ListCustomers' query: e-mail,
phone, name words, the id, a code they hold; paging; an index kept in step with upserts and
built once for a store written before it existed."""

from __future__ import annotations

import grpc
import pytest

from promocore import Client
from promocore.errors import InvalidArgumentError
from promocore.server.grpc_server import start_server
from promocore.v1 import admin_pb2, admin_pb2_grpc

from support import TEST_ADMIN_KEY, coupon


def ids(client, query: str) -> list[str]:
    return [customer["id"] for customer in client.list_customers(query=query)]


@pytest.fixture
def people(client):
    client.upsert_customer(
        "c-ann", {"name": "Ann Smith", "email": "Ann.Smith@Example.com", "phone": "+49 30 1234567"}
    )
    client.upsert_customer(
        "c-anna", {"first_name": "Anna", "last_name": "Lee", "email": "a@lee.io"}
    )
    client.upsert_customer("c-bob", {"name": "Bob Smith", "phone": "030-9999"})
    return client


def test_each_way_support_is_told_finds_the_customer(people):
    assert ids(people, "ann.smith@example.com") == ["c-ann"]
    assert ids(people, "ANN.SMITH@") == ["c-ann"]  # the start, any case
    assert ids(people, "+49 30 123") == ["c-ann"]  # digits, as typed
    assert ids(people, "(030) 9999") == ["c-bob"]
    assert ids(people, "smith") == ["c-ann", "c-bob"]
    assert ids(people, "Ann") == ["c-ann", "c-anna"]  # a word's start
    assert ids(people, "ann smi") == ["c-ann"]  # every word
    assert ids(people, "c-bob") == ["c-bob"]  # the id
    assert ids(people, "nobody") == []


def test_a_code_finds_its_holder(people):
    coupon(people, "welcome", "WELCOME-ANN")
    people.create_code("welcome", "ANN-ONLY", assigned_customer_id="c-ann")
    assert ids(people, "ann-only") == ["c-ann"]
    assert ids(people, "WELCOME-ANN") == []  # a public code holds no customer


def test_a_changed_attribute_moves_the_customer_in_the_index(people):
    people.upsert_customer("c-ann", {"email": "ann@new.example", "name": None})
    assert ids(people, "ann.smith@") == []
    assert ids(people, "ann@new") == ["c-ann"]
    assert ids(people, "smith") == ["c-bob"]


def test_results_are_paged(client, target):
    for n in range(7):
        client.upsert_customer(f"c-{n}", {"name": f"Smith {n}"})
    metadata = (("x-api-key", TEST_ADMIN_KEY),)
    with grpc.insecure_channel(target) as channel:
        stub = admin_pb2_grpc.AdminServiceStub(channel)
        first = stub.ListCustomers(
            admin_pb2.ListCustomersRequest(query="smith", page={"page_size": 5}), metadata=metadata
        )
        assert [c.id for c in first.customers] == [f"c-{n}" for n in range(5)]
        assert first.next_page_token == "c-4"
        second = stub.ListCustomers(
            admin_pb2.ListCustomersRequest(
                query="smith", page={"page_size": 5, "page_token": first.next_page_token}
            ),
            metadata=metadata,
        )
        assert [c.id for c in second.customers] == ["c-5", "c-6"]
        assert second.next_page_token == ""


def test_query_and_segment_together_are_refused(client):
    with pytest.raises(InvalidArgumentError) as refused:
        client.list_customers(query="ann", segment_id="vip")
    assert refused.value.field == "query"


def test_a_store_written_before_search_is_indexed_on_start(tmp_path, clock):
    first = start_server(tmp_path / "data", "127.0.0.1:0", clock=clock)
    try:
        with Client(f"127.0.0.1:{first.port}", api_key=TEST_ADMIN_KEY) as client:
            client.upsert_customer("c-old", {"email": "old@example.com"})
        # As a store of an older version: the customer without its search keys.
        with first.store.write() as txn:
            txn.drop(first.store.tables.customer_search, delete=False)
    finally:
        first.stop(grace=None)
    again = start_server(tmp_path / "data", "127.0.0.1:0", clock=clock)
    try:
        with Client(f"127.0.0.1:{again.port}", api_key=TEST_ADMIN_KEY) as client:
            assert ids(client, "old@") == ["c-old"]
    finally:
        again.stop(grace=None)
