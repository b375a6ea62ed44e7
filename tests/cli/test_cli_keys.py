"""`promocore serve`'s bootstrap admin key and `promocore keys`, as a user runs them."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from promocore import Client
from promocore.errors import UnauthenticatedError
from promocore.server.grpc_server import BOOTSTRAP_KEY_ENV

from support import ServerProcess

KEY = re.compile(r"pck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


def promocore(*args: str, key: str, target: str = "") -> str:
    command = [sys.executable, "-m", "promocore.cli", "--api-key", key]
    if target:
        command += ["--target", target]
    done = subprocess.run([*command, *args], capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def test_first_start_prints_one_admin_key_once_and_logs_only_its_prefix(tmp_path, monkeypatch):
    monkeypatch.delenv(BOOTSTRAP_KEY_ENV)
    data_dir = tmp_path / "data"
    with ServerProcess(data_dir, workers=2) as server:
        output = server.log_path.read_text()
        keys = KEY.findall(output)
        assert len(keys) == 1, output  # printed once, not once per worker
        [key] = keys
        key_id = key.split("_")[1]
        assert f"pck_{key_id}_…" in output  # the log line names the prefix only
        with Client(server.target, api_key=key) as admin:
            [listed] = admin.list_api_keys()
            assert (listed["id"], listed["role"]) == (key_id, "ROLE_ADMIN")
    # A restart on the same store creates and prints nothing new.
    with ServerProcess(data_dir, workers=1) as again:
        assert KEY.findall(again.log_path.read_text()) == keys


def test_keys_create_list_and_revoke_through_the_cli(tmp_path):
    with ServerProcess(tmp_path / "data", workers=1) as server:
        created = promocore(
            "keys", "create", "--name", "till 7", "--role", "pos",
            key=server.api_key, target=server.target,
        )  # fmt: skip
        [secret] = KEY.findall(created)
        key_id = secret.split("_")[1]
        listing = promocore("keys", "list", key=server.api_key, target=server.target)
        assert re.search(rf"{key_id}\s+pos\s+active\s+till 7", listing), listing
        promocore("keys", "revoke", key_id, key=server.api_key, target=server.target)
        listing = promocore("keys", "list", key=server.api_key, target=server.target)
        assert re.search(rf"{key_id}\s+pos\s+revoked", listing), listing
        with Client(server.target, api_key=secret) as till, pytest.raises(UnauthenticatedError):
            till.qualify(
                {"currency": "EUR", "items": [{"sku": "A", "unit_price": 1, "quantity": 1}]}
            )


def test_a_key_made_straight_on_the_store_works_against_the_server(tmp_path):
    data_dir = tmp_path / "data"
    with ServerProcess(data_dir, workers=1) as server:
        created = promocore(
            "keys", "create", "--name", "rescue", "--role", "admin", "--data-dir", str(data_dir),
            key="",
        )  # fmt: skip
        [secret] = KEY.findall(created)
        with Client(server.target, api_key=secret) as rescued:
            assert len(rescued.list_api_keys()) == 2
