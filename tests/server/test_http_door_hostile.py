"""Hostile clients on the HTTP port (slow suite: some 40 s): 200 slow-loris connections (100
trickling their headers, 100 their bodies) and 5,000 idle kept-alive connections, while a normal
client's Validate p99 stays within 3x its p99 alone, measured in the same run; then the
trickling connections are closed by the server's header and body timeouts."""

from __future__ import annotations

import contextlib
import http.client
import resource
import socket
import statistics
import threading
import time
from pathlib import Path

import orjson
import pytest

from promocore import Client
from promocore.server.http_server import BODY_TIMEOUT_S, HEADER_TIMEOUT_S

from support import TEST_ADMIN_KEY, ServerProcess, coupon, free_port

pytestmark = pytest.mark.slow

VALIDATE = "/promocore.v1.CheckoutService/Validate"
SLOW_HEADERS = 100
SLOW_BODIES = 100
IDLE = 5000
CALLS = 400


def raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(wanted, soft)), hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < wanted:
        pytest.fail(f"this test needs {wanted} open files; the hard limit is {hard}")


def p99_ms(port: int, body: bytes) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "x-api-key": TEST_ADMIN_KEY}
    took = []
    try:
        for n in range(CALLS + 10):
            started = time.perf_counter()
            connection.request("POST", VALIDATE, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            if n >= 10:  # a warm connection
                took.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return statistics.quantiles(took, n=100)[98]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server has closed the connection (EOF or reset), reading what it sent."""
    sock.settimeout(0.5)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_slow_loris_and_idle_connections_do_not_stop_a_normal_client(tmp_path: Path):
    raise_fd_limit(IDLE + SLOW_HEADERS + SLOW_BODIES + 1000)
    http_port = free_port()
    server = ServerProcess(
        tmp_path / "data", workers=1, extra=("--http-listen", f"127.0.0.1:{http_port}")
    ).start()
    sockets: list[socket.socket] = []
    stop = threading.Event()
    try:
        with Client(server.target, api_key=TEST_ADMIN_KEY, timeout=30) as admin:
            code = coupon(admin, "c1", "SAVE1")
        body = orjson.dumps(
            {
                "order": {
                    "currency": "EUR",
                    "items": [{"sku": "A", "unitPrice": "2000", "quantity": 1}],
                },
                "redeemables": [{"code": code}],
            }
        )
        p99_alone = p99_ms(http_port, body)
        [worker] = server.worker_pids()
        rss_before = rss_kib(worker)

        # 5,000 idle kept-alive connections: each asked for a page once, then says nothing.
        idle = []
        for _ in range(IDLE):
            sock = connect(http_port)
            sock.sendall(b"GET /console/index.html HTTP/1.1\r\nHost: x\r\n\r\n")
            idle.append(sock)
        for sock in idle:
            response = b""
            while b"\r\n\r\n" not in response:
                response += sock.recv(65536)
            assert response.startswith(b"HTTP/1.1 200")
        sockets += idle
        idle_kib = (rss_kib(worker) - rss_before) / IDLE

        # 200 slow-loris connections: headers, or a body, one byte at a time.
        slow_headers = [connect(http_port) for _ in range(SLOW_HEADERS)]
        for sock in slow_headers:
            sock.sendall(f"POST {VALIDATE} HTTP/1.1\r\nHost: x\r\n".encode())
        slow_bodies = [connect(http_port) for _ in range(SLOW_BODIES)]
        for sock in slow_bodies:
            sock.sendall(
                (
                    f"POST {VALIDATE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    f"x-api-key: {TEST_ADMIN_KEY}\r\nContent-Length: 100000\r\n\r\n"
                ).encode()
            )
        sockets += slow_headers + slow_bodies
        started = time.monotonic()

        def trickle() -> None:
            while not stop.wait(0.5):
                for sock in slow_headers:
                    with contextlib.suppress(OSError):
                        sock.send(b"x")
                for sock in slow_bodies:
                    with contextlib.suppress(OSError):
                        sock.send(b" ")

        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        p99_attacked = p99_ms(http_port, body)
        print(
            f"Validate p99 {p99_alone:.2f} ms alone, {p99_attacked:.2f} ms under attack; "
            f"{idle_kib:.1f} KiB of worker memory per idle connection"
        )
        assert p99_attacked <= 3 * p99_alone, (
            f"Validate p99 {p99_attacked:.2f} ms under attack, {p99_alone:.2f} ms alone"
        )

        # An idle connection is still served, within the idle timeout.
        reused = idle[-1]
        reused.sendall(b"GET /console/index.html HTTP/1.1\r\nHost: x\r\n\r\n")
        reused.settimeout(10)
        assert reused.recv(65536).startswith(b"HTTP/1.1 200")

        # The trickling connections are cut at the port's limits, the idle ones at the idle
        # timeout (the header timeout: the wait for a request's headers).
        time.sleep(max(0.0, started + max(HEADER_TIMEOUT_S, BODY_TIMEOUT_S) + 3 - time.monotonic()))
        stop.set()
        trickler.join()
        assert all(closed_by_server(sock) for sock in slow_headers)
        assert all(closed_by_server(sock) for sock in slow_bodies)
        assert all(closed_by_server(sock) for sock in idle[:100])
    finally:
        stop.set()
        for sock in sockets:
            sock.close()
        server.stop()
