"""`promocore serve` refuses an address that anything but its own workers holds: another promocore
serve on the same port, or any program's socket. Exit status 2, a message naming the address,
and no data touched; the server already there keeps serving every client."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from promocore import Client

from support import ServerProcess, cart, coupon, free_port

ORDER = cart(("BEANS", 2000, 1))


def serve(data_dir: Path, *flags: str, workers: int = 1) -> subprocess.CompletedProcess:
    """A second `promocore serve` in its own process; it must exit by itself (refused)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "promocore.cli",
            "serve",
            "--data-dir",
            str(data_dir),
            "--workers",
            str(workers),
            *flags,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def first(tmp_path):
    http, metrics = free_port(), free_port()
    extra = ("--http-listen", f"127.0.0.1:{http}", "--metrics-listen", f"127.0.0.1:{metrics}")
    with ServerProcess(tmp_path / "first", workers=2, extra=extra) as running:
        running.http = f"127.0.0.1:{http}"
        running.metrics = f"127.0.0.1:{metrics}"
        with Client(running.target) as admin:
            coupon(admin, "first", "FIRST")
        yield running


@pytest.mark.parametrize("workers", [1, 0])
@pytest.mark.parametrize("flag", ["--listen", "--http-listen", "--metrics-listen"])
def test_a_second_server_on_an_address_in_use_is_refused(first, tmp_path, flag, workers):
    addresses = {
        "--listen": f"127.0.0.1:{free_port()}",
        "--http-listen": f"127.0.0.1:{free_port()}",
        "--metrics-listen": f"127.0.0.1:{free_port()}",
    }
    addresses[flag] = {
        "--listen": first.target,
        "--http-listen": first.http,
        "--metrics-listen": first.metrics,
    }[flag]
    second_dir = tmp_path / "second"
    flags = [part for pair in addresses.items() for part in pair]
    refused = serve(second_dir, *flags, workers=workers)
    assert refused.returncode == 2, refused.stderr
    assert f"{flag} {addresses[flag]} is already in use" in refused.stderr
    assert not second_dir.exists()  # no store opened, no key made
    # Every new client still reaches the first server (its keys, its campaign).
    for _ in range(16):
        with Client(first.target) as checkout:
            assert checkout.validate(ORDER, codes=["FIRST"])["valid"]


@pytest.mark.parametrize("listening", [True, False])
def test_a_port_held_by_any_program_is_refused(tmp_path, listening):
    with socket.socket() as other:
        if listening:  # as servers usually set it up
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", 0))
        if listening:
            other.listen()
        address = f"127.0.0.1:{other.getsockname()[1]}"
        refused = serve(tmp_path / "data", "--listen", address)
    assert refused.returncode == 2, refused.stderr
    assert f"--listen {address} is already in use" in refused.stderr
    assert not (tmp_path / "data").exists()


def test_the_port_is_free_again_once_the_server_stopped(tmp_path):
    with ServerProcess(tmp_path / "one", workers=2) as one:
        with Client(one.target) as client:
            coupon(client, "again", "AGAIN")
            assert client.validate(ORDER, codes=["AGAIN"])["valid"]
        port = one.port
    again = ServerProcess(tmp_path / "one", workers=1)
    again.port, again.target = port, f"127.0.0.1:{port}"
    with again, Client(again.target) as client:
        assert client.validate(ORDER, codes=["AGAIN"])["valid"]
    # The key came from $PROMOCORE_BOOTSTRAP_ADMIN_KEY: the log says so.
    log = (tmp_path / "one-server.log").read_text()
    assert "installed the bootstrap admin key pck_" in log
    assert "created the bootstrap admin key" not in log
