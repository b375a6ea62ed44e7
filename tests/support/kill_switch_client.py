"""A load client process for the kill-switch test: opens several connections, finds out which
server worker holds each (from /proc: the worker process owning the socket's other end), then
Validates round-robin over them until the test creates STOP_FILE, appending one JSON line per
answered call to CALLS_FILE, flushed at once so the test can follow the load as it goes:
{"worker": pid, "start": monotonic start time, "reason": reason or "" when applicable}.

    python kill_switch_client.py TARGET CODE CALLS_FILE STOP_FILE GIVE_UP_MONOTONIC WORKER_PIDS_CSV

GIVE_UP_MONOTONIC only bounds an abandoned client (a test that died before creating STOP_FILE):
reaching it exits with status 2, which the test reports as a failure.

CLOCK_MONOTONIC is one clock for every process of the machine, so start times compare with the
test's own time.monotonic() readings.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import grpc
import orjson

from promocore.client.core import API_KEY_ENV, API_KEY_HEADER
from promocore.v1 import checkout_pb2, checkout_pb2_grpc
from promocore.wire.plain import from_plain

# 3 processes x 10 connections over 3 workers: each worker gets some but with odds ~1e-5.
CONNECTIONS = 10
# The suite's admin key, inherited from the test process (tests/support/support.py).
METADATA = ((API_KEY_HEADER, os.environ[API_KEY_ENV]),)
REQUEST = from_plain(
    checkout_pb2.ValidateRequest,
    {
        "order": {
            "currency": "EUR",
            "items": [{"sku": "BEANS", "unit_price": 2000, "quantity": 1}],
        },
        "redeemables": [{"code": sys.argv[2] if len(sys.argv) > 2 else ""}],
    },
)


def socket_inodes(pid: int | str) -> set[int]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in os.listdir(fd_dir):
        try:
            link = os.readlink(fd_dir / fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(int(link[8:-1]))
    return inodes


def tcp_table() -> list[tuple[str, str, int]]:
    """(local address, remote address, inode) of every TCP socket of the machine, addresses as
    /proc shows them (hex IP:port); sockets no process owns (TIME_WAIT) have inode 0."""
    rows = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(name).read_text().splitlines()[1:]:
            fields = line.split()
            rows.append((fields[1], fields[2], int(fields[9])))
    return rows


def worker_of(new_inodes: set[int], server_port: int, workers: list[int]) -> int:
    """The worker holding the server end of the connection whose client end is a new socket."""
    table = tcp_table()
    port = f":{server_port:04X}"
    [(client_end, server_end)] = {
        (local, remote)
        for local, remote, inode in table
        if inode in new_inodes and remote.endswith(port)
    }
    # A set: /proc/net/tcp read while connections come and go may list a socket twice.
    [server_inode] = {
        inode
        for local, remote, inode in table
        if (local, remote) == (server_end, client_end) and inode != 0
    }
    [owner] = [pid for pid in workers if server_inode in socket_inodes(pid)]
    return owner


def answer_of(stub: checkout_pb2_grpc.CheckoutServiceStub) -> checkout_pb2.ValidateResponse | None:
    """The Validate's answer; None when the worker shed the call (RESOURCE_EXHAUSTED, "retry
    later"): that says nothing about the campaign, and the caller simply calls again."""
    try:
        return stub.Validate(REQUEST, timeout=10, metadata=METADATA)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
            raise
        return None


def main() -> None:
    target, _, calls_file, stop_file, give_up, workers_csv = sys.argv[1:7]
    workers = [int(pid) for pid in workers_csv.split(",")]
    server_port = int(target.rsplit(":", 1)[1])
    stop = Path(stop_file)
    give_up_at = float(give_up)
    stubs = []
    for _ in range(CONNECTIONS):
        before = socket_inodes("self")
        channel = grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        stub = checkout_pb2_grpc.CheckoutServiceStub(channel)
        while answer_of(stub) is None:
            time.sleep(0.05)
        stubs.append((worker_of(socket_inodes("self") - before, server_port, workers), stub))
    turn = 0
    with open(calls_file, "ab") as out:
        while not stop.exists():
            start = time.monotonic()
            if start >= give_up_at:
                sys.exit(2)
            worker, stub = stubs[turn % len(stubs)]
            turn += 1
            answer = answer_of(stub)
            if answer is None:
                continue
            result = answer.redeemables[0]
            reason = result.reason  # empty when APPLICABLE
            out.write(orjson.dumps({"worker": worker, "start": start, "reason": reason}) + b"\n")
            out.flush()


if __name__ == "__main__":
    main()
