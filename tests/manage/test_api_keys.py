"""API keys made, listed and revoked through the real server (and the bootstrap key installed
straight on a store): what a key must be given, and what revoking does twice or to no key."""

from __future__ import annotations

import pytest

from promocore.errors import InvalidArgumentError, NotFoundError
from promocore.manage.api_keys import ApiKeys, key_id_of, new_key
from promocore.v1 import admin_pb2

from support import TEST_ADMIN_KEY


@pytest.mark.parametrize(
    ("name", "role", "field"),
    [
        ("", "checkout", "name"),
        ("   ", "checkout", "name"),
        # 128 characters is the longest name.
        ("k" * 129, "checkout", "name"),
        ("till-1", "unspecified", "role"),
    ],
)
def test_a_key_needs_a_name_and_a_role(client, name, role, field):
    before = client.list_api_keys()
    with pytest.raises(InvalidArgumentError) as error:
        client.create_api_key(name, role)
    assert error.value.field == field
    assert client.list_api_keys() == before


def test_a_128_character_name_is_a_name(client):
    created = client.create_api_key("k" * 128, "read_only")
    assert (created["api_key"]["name"], created["api_key"]["role"]) == ("k" * 128, "ROLE_READ_ONLY")
    # The secret names the key's id; the listing has the key under its full name.
    assert key_id_of(created["secret"]) == created["api_key"]["id"]
    listed = {key["id"]: key["name"] for key in client.list_api_keys()}
    assert listed[created["api_key"]["id"]] == "k" * 128


def test_revoking_names_a_key_that_exists_and_a_second_revoke_keeps_the_first_time(client, clock):
    with pytest.raises(InvalidArgumentError) as no_id:
        client.revoke_api_key("")
    assert no_id.value.field == "id"
    with pytest.raises(NotFoundError) as unknown:
        client.revoke_api_key("nokey")
    assert unknown.value.reason == "api_key_not_found"
    key_id = client.create_api_key("till-1", "checkout")["api_key"]["id"]
    first = client.revoke_api_key(key_id)
    clock.advance(60_000)
    again = client.revoke_api_key(key_id)
    assert again["revoked_at"] == first["revoked_at"]


def test_a_bootstrap_key_is_installed_only_on_a_store_without_keys(store, clock):
    keys = ApiKeys(store, clock)
    with pytest.raises(InvalidArgumentError) as malformed:
        keys.install_bootstrap("not-a-key")
    assert malformed.value.field == "bootstrap key"
    assert not keys.has_keys()
    assert keys.install_bootstrap(TEST_ADMIN_KEY) is True
    # A second key finds the store keyed already and is not installed.
    assert keys.install_bootstrap(new_key()) is False
    listed = keys.list(admin_pb2.ListApiKeysRequest()).api_keys
    assert [(key.id, key.role) for key in listed] == [
        (key_id_of(TEST_ADMIN_KEY), admin_pb2.ROLE_ADMIN)
    ]
