"""Closing the gRPC port under gRPC's feet at shutdown, so that no late call is CANCELLED.

grpcio's `server.stop()` ends every call that has reached gRPC's core but that no handler has
taken yet, and every call arriving until its GOAWAY reaches the client, with CANCELLED
(grpc/grpc#41785, open): a status clients rarely retry. Which calls those are is a matter of
timing, so a server stopped under load answered a few calls CANCELLED in about a third of the
runs, whatever the gate answered meanwhile. grpcio has no way to stop taking connections or
calls before `stop()`, so the server does it on its sockets, after the gate has begun answering
every new call UNAVAILABLE (`shutting_down`):

1. `stop_listening`: its listening sockets are closed: the kernel sends new connections to
   another worker that shares the port, or refuses them (the client retries);
2. once the calls in progress have finished, `close_connections`: its connections are shut
   down, so a client sees the connection end and fails what it still sent there UNAVAILABLE.

Only then is gRPC stopped, with no call left for it to cancel. The sockets are found in
/proc/self/fd (Linux) by their local port; gRPC keeps its descriptors (stop_listening says what
they name afterwards) and closes them at its shutdown.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator

_FD_DIR = "/proc/self/fd"


def stop_listening(port: int) -> int:
    """Closes every listening TCP socket of this process on `port`; how many.

    Each is closed by putting another socket in its place (dup2): gRPC keeps a descriptor that
    now names an idle listener of its own (non-blocking, on a port nobody knows, closed by gRPC
    at its shutdown), where shutdown(2) of the socket itself would make gRPC's acceptor fail
    and log an error line (not JSON, in a JSON log)."""
    stopped = 0
    for descriptor, duplicate in _tcp_sockets_on(port):
        if not duplicate.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as idle:
            idle.bind(("127.0.0.1", 0))
            idle.listen(1)
            idle.setblocking(False)
            os.dup2(idle.fileno(), descriptor, inheritable=False)
        stopped += 1
    # The listeners close as their last descriptors (the duplicates) are closed: now.
    return stopped


def close_connections(port: int) -> int:
    """Shuts down every connection this process accepted on `port`; how many."""
    closed = 0
    for _descriptor, duplicate in _tcp_sockets_on(port):
        if duplicate.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            continue
        with contextlib.suppress(OSError):  # not connected (a bound socket), or gone
            duplicate.getpeername()
            duplicate.shutdown(socket.SHUT_RDWR)
            closed += 1
    return closed


def _tcp_sockets_on(port: int) -> Iterator[tuple[int, socket.socket]]:
    """Each TCP socket of this process whose local port is `port`: its descriptor, and a
    duplicate of it to look at, closed when the caller moves on."""
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
                yield int(name), duplicate
