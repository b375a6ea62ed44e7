"""Closing the gRPC port under gRPC's feet at shutdown, so that no late call is CANCELLED.

grpcio's `server.stop()` ends every call that has reached gRPC's core but that no handler has
taken yet, and every call arriving until its GOAWAY reaches the client, with CANCELLED
(grpc/grpc#41785, open): a status clients rarely retry. Which calls those are is a matter of
timing, so a server stopped under load answered a few calls CANCELLED in about a third of the
runs, whatever the gate answered meanwhile. grpcio has no way to stop taking connections or
calls before `stop()`, so the server does it on its sockets, after the gate has begun answering
every new call UNAVAILABLE (`shutting_down`):

1. `stop_listening`: its listening sockets stop listening (shutdown(2)): the kernel sends new
   connections to another worker that shares the port, or refuses them (the client retries);
2. once the calls in progress have finished, `close_connections`: its connections are shut
   down, so a client sees the connection end and fails what it still sent there UNAVAILABLE.

Only then is gRPC stopped, with no call left for it to cancel. gRPC's core logs one line when
its acceptor finds the socket closed (`Failed accept4: Invalid argument`): expected at shutdown.
The sockets are found in /proc/self/fd (Linux) by their local port; only duplicates of them are
made and closed here: the sockets themselves stay gRPC's to close.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator

_FD_DIR = "/proc/self/fd"


def stop_listening(port: int) -> int:
    """Makes every listening TCP socket of this process on `port` stop listening; how many."""
    stopped = 0
    for duplicate in _tcp_sockets_on(port):
        if duplicate.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            with contextlib.suppress(OSError):
                duplicate.shutdown(socket.SHUT_RDWR)
                stopped += 1
    return stopped


def close_connections(port: int) -> int:
    """Shuts down every connection this process accepted on `port`; how many."""
    closed = 0
    for duplicate in _tcp_sockets_on(port):
        if duplicate.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            continue
        with contextlib.suppress(OSError):  # not connected (a bound socket), or gone
            duplicate.getpeername()
            duplicate.shutdown(socket.SHUT_RDWR)
            closed += 1
    return closed


def _tcp_sockets_on(port: int) -> Iterator[socket.socket]:
    """A duplicate of each TCP socket of this process whose local port is `port`, closed when
    the caller moves on."""
    for name in os.listdir(_FD_DIR):
        try:
            if not os.readlink(f"{_FD_DIR}/{name}").startswith("socket:"):
                continue
            duplicate = socket.socket(fileno=os.dup(int(name)))
        except OSError:  # closed since the listing
            continue
        with duplicate:
            if duplicate.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            if duplicate.type != socket.SOCK_STREAM:
                continue
            try:
                local_port = duplicate.getsockname()[1]
            except OSError:
                continue
            if local_port == port:
                yield duplicate
