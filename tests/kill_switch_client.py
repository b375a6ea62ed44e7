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

from promocore.plain import from_plain
from promocore.v1 import checkout_pb2, checkout_pb2_grpc

CONNECTIONS = 6
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


def tcp_table() -> list[tuple[int, int, int]]:
    """(local port, remote port, inode) of every TCP socket of the machine."""
    rows = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(name).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], int(fields[9])
            rows.append(
                (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16), inode)
            )
    return rows


def worker_of(new_inodes: set[int], server_port: int, workers: list[int]) -> int:
    table = tcp_table()
    local_ports = {
        local for local, remote, inode in table if inode in new_inodes and remote == server_port
    }
    [client_port] = local_ports
    [server_inode] = [
        inode for local, remote, inode in table if local == server_port and remote == client_port
    ]
    owners = [pid for pid in workers if server_inode in socket_inodes(pid)]
    [owner] = owners
    return owner


def main() -> None:
    target, _, until, workers_csv = sys.argv[1:5]
    workers = [int(pid) for pid in workers_csv.split(",")]
    server_port = int(target.rsplit(":", 1)[1])
    stubs = []
    for _ in range(CONNECTIONS):
        before = socket_inodes("self")
        channel = grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        stub = checkout_pb2_grpc.CheckoutServiceStub(channel)
        stub.Validate(REQUEST, timeout=10)
        stubs.append((worker_of(socket_inodes("self") - before, server_port, workers), stub))
    out = sys.stdout
    deadline = float(until)
    turn = 0
    while (start := time.monotonic()) < deadline:
        worker, stub = stubs[turn % len(stubs)]
        turn += 1
        answer = stub.Validate(REQUEST, timeout=10)
        result = answer.redeemables[0]
        reason = result.reason  # empty when APPLICABLE
        out.write(
            orjson.dumps({"worker": worker, "start": start, "reason": reason}).decode() + "\n"
        )


if __name__ == "__main__":
    main()
