"""The attacker of the hostile-client test, in a process of its own as an attacker would be (its
sockets and its trickling thread share nothing with the normal client the test measures):

- IDLE kept-alive connections: each asks for a console page once, then says nothing;
- SLOW_HEADERS connections trickling a request's headers, SLOW_BODIES trickling a body, one
  byte per connection every TRICKLE_S.

    python hostile_http_client.py PORT API_KEY READY_FILE STOP_FILE GIVE_UP_MONOTONIC

Once every connection is open it writes READY_FILE (`{"idle": n, "slow": n}`) and trickles
until the test creates STOP_FILE. Then it checks, and prints as one JSON line:
- `idle_served`: an idle connection is still answered;
- `slow_closed`, `idle_closed`: after the port's header and body timeouts (counted from the
  first trickle, plus 3 s), the server has closed every trickling connection and the idle ones.
GIVE_UP_MONOTONIC bounds an abandoned attacker (exit 2).
"""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import sys
import threading
import time
from pathlib import Path

import orjson

from promocore.server.http_server import BODY_TIMEOUT_S, HEADER_TIMEOUT_S

VALIDATE = "/promocore.v1.CheckoutService/Validate"
SLOW_HEADERS = 100
SLOW_BODIES = 100
IDLE = 5000
TRICKLE_S = 0.5
PAGE = b"GET /console/index.html HTTP/1.1\r\nHost: x\r\n\r\n"


def raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, wanted), hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < wanted:
        sys.exit(f"the attacker needs {wanted} open files; the hard limit is {hard}")


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def read_head(sock: socket.socket) -> bytes:
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(65536)
        if not chunk:
            break
        response += chunk
    return response


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server has closed the connection (EOF or reset), reading what it sent."""
    sock.settimeout(0.5)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def main() -> None:
    port, api_key = int(sys.argv[1]), sys.argv[2]
    ready_file, stop_file = Path(sys.argv[3]), Path(sys.argv[4])
    give_up = float(sys.argv[5])
    raise_fd_limit(IDLE + SLOW_HEADERS + SLOW_BODIES + 100)

    idle = [connect(port) for _ in range(IDLE)]
    for sock in idle:
        sock.sendall(PAGE)
    for sock in idle:
        head = read_head(sock)
        if not head.startswith(b"HTTP/1.1 200"):
            sys.exit(f"an idle connection's page was answered {head[:40]!r}")

    slow_headers = [connect(port) for _ in range(SLOW_HEADERS)]
    for sock in slow_headers:
        sock.sendall(f"POST {VALIDATE} HTTP/1.1\r\nHost: x\r\n".encode())
    slow_bodies = [connect(port) for _ in range(SLOW_BODIES)]
    for sock in slow_bodies:
        sock.sendall(
            (
                f"POST {VALIDATE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"x-api-key: {api_key}\r\nContent-Length: 100000\r\n\r\n"
            ).encode()
        )
    started = time.monotonic()
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(TRICKLE_S):
            for sock in slow_headers:
                with contextlib.suppress(OSError):
                    sock.send(b"x")
            for sock in slow_bodies:
                with contextlib.suppress(OSError):
                    sock.send(b" ")

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    ready_file.write_bytes(orjson.dumps({"idle": len(idle), "slow": SLOW_HEADERS + SLOW_BODIES}))

    while not stop_file.exists():
        if time.monotonic() > give_up:
            os._exit(2)
        time.sleep(0.05)

    reused = idle[-1]
    reused.sendall(PAGE)
    reused.settimeout(10)
    idle_served = read_head(reused).startswith(b"HTTP/1.1 200")

    # The trickling connections are cut at the port's limits, the idle ones at the idle timeout
    # (the header timeout: the wait for a request's headers).
    time.sleep(max(0.0, started + max(HEADER_TIMEOUT_S, BODY_TIMEOUT_S) + 3 - time.monotonic()))
    stop.set()
    trickler.join()
    result = {
        "idle_served": idle_served,
        "slow_closed": sum(closed_by_server(sock) for sock in slow_headers + slow_bodies),
        "slow": SLOW_HEADERS + SLOW_BODIES,
        "idle_closed": sum(closed_by_server(sock) for sock in idle[:100]),
        "idle_checked": 100,
    }
    print(orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()
