"""A load client process for the kill-switch test: opens several connections, finds out which
server worker holds each (from /proc: the worker process owning the socket's other end), then
Validates round-robin over them until a deadline, printing one JSON line per call:
{"worker": pid, "start": monotonic start time, "reason": reason or "" when applicable}.

    python kill_switch_client.py TARGET CODE UNTIL_MONOTONIC WORKER_PIDS_CSV

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

from promocore.client import API_KEY_ENV, API_KEY_HEADER
from promocore.plain import from_plain
from promocore.v1 import checkout_pb2, checkout_pb2_grpc

# 3 processes x 10 connections over 3 workers: each worker gets some but with odds ~1e-5.
CONNECTIONS = 10
# The suite's admin key, inherited from the test process (tests/support.py).
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
    target, _, until, workers_csv = sys.argv[1:5]
    workers = [int(pid) for pid in workers_csv.split(",")]
    server_port = int(target.rsplit(":", 1)[1])
    stubs = []
    for _ in range(CONNECTIONS):
        before = socket_inodes("self")
        channel = grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        stub = checkout_pb2_grpc.CheckoutServiceStub(channel)
        while answer_of(stub) is None:
            time.sleep(0.05)
        stubs.append((worker_of(socket_inodes("self") - before, server_port, workers), stub))
    out = sys.stdout
    deadline = float(until)
    turn = 0
    while (start := time.monotonic()) < deadline:
        worker, stub = stubs[turn % len(stubs)]
        turn += 1
        answer = answer_of(stub)
        if answer is None:
            continue
        result = answer.redeemables[0]
        reason = result.reason  # empty when APPLICABLE
        out.write(
            orjson.dumps({"worker": worker, "start": start, "reason": reason}).decode() + "\n"
        )


if __name__ == "__main__":
    main()
