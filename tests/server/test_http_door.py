"""The HTTP port as HTTP clients use it (issue: the HTTP door on a production server): kept-alive
HTTP/1.1, HTTP/2 by prior knowledge, Connect binary and streaming, gRPC-Web (from Python here,
from Chromium in test_http_door_browser.py), gzip, deadlines, body limits and the errors the
port answers itself. Real server on 127.0.0.1, real clients (http.client, httpx with h2, raw
sockets where a client must misbehave)."""

from __future__ import annotations

import gzip
import http.client
import socket
import struct
import threading
import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

from promocore.server.grpc_server import RunningServer, ServerOptions, start_server
from promocore.v1 import admin_pb2, checkout_pb2, common_pb2

from support import TEST_ADMIN_KEY, coupon, wait_until

VALIDATE = "/promocore.v1.CheckoutService/Validate"
GENERATE = "/promocore.v1.AdminService/GenerateCodes"
ORDER = {"currency": "EUR", "items": [{"sku": "A", "unitPrice": "2000", "quantity": 1}]}
KEYED = {"x-api-key": TEST_ADMIN_KEY}


def validate_body(code: str) -> bytes:
    return orjson.dumps({"order": ORDER, "redeemables": [{"code": code}]})


def frames(body: bytes) -> list[tuple[int, bytes]]:
    """(flags, data) of each length-prefixed frame (Connect envelopes, gRPC-Web frames)."""
    found, position = [], 0
    while position < len(body):
        flags, length = struct.unpack_from(">BI", body, position)
        found.append((flags, body[position + 5 : position + 5 + length]))
        position += 5 + length
    return found


def framed(message: bytes, flags: int = 0) -> bytes:
    return struct.pack(">BI", flags, len(message)) + message


def trailers(data: bytes) -> dict[str, str]:
    lines = data.decode().strip().split("\r\n")
    return {name: value.strip() for name, _, value in (line.partition(":") for line in lines)}


def validate_proto(code: str) -> bytes:
    request = checkout_pb2.ValidateRequest()
    request.order.currency = "EUR"
    request.order.items.add(sku="A", unit_price=2000, quantity=1)
    request.redeemables.add(code=code)
    return request.SerializeToString()


def raw_connection(server: RunningServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.http.port), timeout=10)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length body, read off a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = {
        name.lower(): value.strip()
        for name, _, value in (line.partition(":") for line in header_lines)
    }
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return int(status_line.split()[1]), headers, body


# Keep-alive and HTTP/2 ----------------------------------------------------------------------


@pytest.mark.alone
def test_fifty_validates_on_one_kept_alive_connection_each_well_under_10_ms(http_server, admin):
    code = coupon(admin, "c1", "SAVE1")
    connection = http.client.HTTPConnection("127.0.0.1", http_server.http.port, timeout=10)
    headers = {"Content-Type": "application/json", **KEYED}
    body = validate_body(code)
    took_ms = []
    try:
        for _ in range(51):  # the first sets the connection up
            started = time.perf_counter()
            connection.request("POST", VALIDATE, body=body, headers=headers)
            response = connection.getresponse()
            answer = orjson.loads(response.read())
            took_ms.append((time.perf_counter() - started) * 1000)
            assert response.status == 200
            assert answer["redeemables"][0]["status"] == "APPLICABLE"
            assert response.getheader("Connection", "").lower() != "close"
    finally:
        connection.close()
    calls = took_ms[1:]
    # A delayed ACK costs 40 ms a call; the old server's calls took 44 ms each.
    assert max(calls) < 10, f"calls took {sorted(calls)[-5:]} ms at worst"


def test_http2_by_prior_knowledge_serves_concurrent_calls_on_one_connection(http_server, admin):
    code = coupon(admin, "c1", "SAVE1")
    url = f"http://127.0.0.1:{http_server.http.port}{VALIDATE}"
    headers = {"Content-Type": "application/json", **KEYED}
    answers: list[httpx.Response] = []
    with httpx.Client(http1=False, http2=True, timeout=10) as client:
        first = client.post(url, content=validate_body(code), headers=headers)
        assert first.http_version == "HTTP/2" and first.status_code == 200

        def call() -> None:
            answers.append(client.post(url, content=validate_body(code), headers=headers))

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(answers) == 8
    for answer in answers:
        assert answer.http_version == "HTTP/2" and answer.status_code == 200
        assert answer.json()["redeemables"][0]["status"] == "APPLICABLE"


def test_http2_and_http1_share_the_port_and_pages_too(http_server):
    with httpx.Client(http1=False, http2=True, timeout=10) as client:
        page = client.get(http_server.http.url)
    assert page.http_version == "HTTP/2" and page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    with httpx.Client(timeout=10) as client:
        page = client.get(http_server.http.url)
    assert page.http_version == "HTTP/1.1" and b"promocore" in page.content


# Connect: binary, streaming, gzip ---------------------------------------------------------------


def test_connect_binary_streaming_reads_the_stream_to_its_end(http_server, admin):
    admin.create_campaign(
        id="bulk",
        name="bulk",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 100}},
    )
    request = admin_pb2.GenerateCodesRequest(campaign_id="bulk", count=3000)
    answer = httpx.post(
        f"http://127.0.0.1:{http_server.http.port}{GENERATE}",
        content=framed(request.SerializeToString()),
        headers={"Content-Type": "application/connect+proto", **KEYED},
        timeout=30,
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/connect+proto"
    *messages, (end_flags, end) = frames(answer.content)
    assert end_flags == 2 and orjson.loads(end) == {}
    assert all(flags == 0 for flags, _ in messages)
    progress = [admin_pb2.GenerateCodesProgress.FromString(data) for _, data in messages]
    assert progress[-1].generated == 3000
    assert len(admin.list_codes("bulk")) == 3000


def test_gzip_bodies_are_taken_and_large_answers_given_gzipped(http_server, admin):
    for n in range(30):
        coupon(admin, f"campaign-{n:02d}", f"CODE{n:02d}")
    url = f"http://127.0.0.1:{http_server.http.port}/promocore.v1.AdminService/ListCampaigns"
    headers = {
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
        "Accept-Encoding": "gzip",
        **KEYED,
    }
    answer = httpx.post(url, content=gzip.compress(b'{"page": {"pageSize": 50}}'), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-encoding"] == "gzip"
    assert len(answer.json()["campaigns"]) == 30  # httpx decompressed it
    plain = httpx.post(
        url,
        content=b"{}",
        headers={"Content-Type": "application/json", "Accept-Encoding": "identity", **KEYED},
    ).headers
    assert "content-encoding" not in plain


def test_a_gzip_bomb_is_refused_without_being_inflated(http_server):
    bomb = gzip.compress(b"{" + b" " * (64 << 20) + b"}")
    answer = httpx.post(
        f"http://127.0.0.1:{http_server.http.port}{VALIDATE}",
        content=bomb,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip", **KEYED},
    )
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_argument"
    assert "at most" in answer.json()["message"]


# gRPC-Web -----------------------------------------------------------------------------------


def test_grpc_web_unary_and_stream_with_status_trailers(http_server, admin):
    code = coupon(admin, "c1", "SAVE1")
    base = f"http://127.0.0.1:{http_server.http.port}"
    headers = {"Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1", **KEYED}
    answer = httpx.post(base + VALIDATE, content=framed(validate_proto(code)), headers=headers)
    assert answer.status_code == 200
    (data_flags, data), (trailer_flags, trailer) = frames(answer.content)
    assert (data_flags, trailer_flags) == (0, 0x80)
    response = checkout_pb2.ValidateResponse.FromString(data)
    assert response.redeemables[0].status == common_pb2.APPLICABLE
    assert trailers(trailer)["grpc-status"] == "0"

    request = admin_pb2.GenerateCodesRequest(campaign_id="c1", count=1500)
    answer = httpx.post(
        base + GENERATE, content=framed(request.SerializeToString()), headers=headers
    )
    *messages, (trailer_flags, trailer) = frames(answer.content)
    assert trailer_flags == 0x80 and trailers(trailer)["grpc-status"] == "0"
    assert admin_pb2.GenerateCodesProgress.FromString(messages[-1][1]).generated == 1500


def test_grpc_web_errors_are_status_trailers_with_details(http_server):
    base = f"http://127.0.0.1:{http_server.http.port}"
    answer = httpx.post(
        base + VALIDATE,
        content=framed(validate_proto("NOPE")),
        headers={"Content-Type": "application/grpc-web+proto"},  # no key
    )
    assert answer.status_code == 200
    [(flags, trailer)] = frames(answer.content)
    assert flags == 0x80
    status = trailers(trailer)
    assert status["grpc-status"] == "16"  # UNAUTHENTICATED
    assert "API key" in status["grpc-message"]


def test_grpc_web_text_for_browsers_without_binary_bodies(http_server, admin):
    import base64

    code = coupon(admin, "c1", "SAVE1")
    answer = httpx.post(
        f"http://127.0.0.1:{http_server.http.port}{VALIDATE}",
        content=base64.b64encode(framed(validate_proto(code))),
        headers={"Content-Type": "application/grpc-web-text", **KEYED},
    )
    assert answer.headers["content-type"] == "application/grpc-web-text+proto"
    (_, data), (_, trailer) = frames(base64.b64decode(answer.content))
    assert checkout_pb2.ValidateResponse.FromString(data).redeemables[0].redeemable.code == code
    assert trailers(trailer)["grpc-status"] == "0"


# Deadlines ----------------------------------------------------------------------------------


def trickled_call(server: RunningServer, headers: str, body: bytes, pause_s: float):
    """Sends the headers, waits `pause_s`, then the body: the call starts after its deadline."""
    with raw_connection(server) as sock:
        sock.sendall(
            (
                f"POST {VALIDATE} HTTP/1.1\r\nHost: x\r\nx-api-key: {TEST_ADMIN_KEY}\r\n"
                f"Content-Length: {len(body)}\r\n{headers}\r\n"
            ).encode()
        )
        time.sleep(pause_s)
        sock.sendall(body)
        return read_response(sock)


def test_a_connect_timeout_that_expires_is_deadline_exceeded(http_server, admin):
    code = coupon(admin, "c1", "SAVE1")
    status, _headers, body = trickled_call(
        http_server,
        "Content-Type: application/json\r\nConnect-Timeout-Ms: 20\r\n",
        validate_body(code),
        pause_s=0.2,
    )
    assert status == 504 and orjson.loads(body)["code"] == "deadline_exceeded"
    status, _, body = trickled_call(
        http_server,
        "Content-Type: application/json\r\nConnect-Timeout-Ms: 5000\r\n",
        validate_body(code),
        pause_s=0.2,
    )
    assert status == 200


def test_a_grpc_timeout_that_expires_is_deadline_exceeded_over_grpc_web(http_server, admin):
    code = coupon(admin, "c1", "SAVE1")
    status, _, body = trickled_call(
        http_server,
        "Content-Type: application/grpc-web+proto\r\ngrpc-timeout: 20m\r\n",
        framed(validate_proto(code)),
        pause_s=0.2,
    )
    [(flags, trailer)] = frames(body)
    assert status == 200 and flags == 0x80
    assert trailers(trailer)["grpc-status"] == "4"  # DEADLINE_EXCEEDED


# Limits and the port's own errors -------------------------------------------------------------


@pytest.fixture
def small_server(tmp_path, clock) -> Iterator[RunningServer]:
    """A server whose message limit is 1 KiB: its HTTP body cap is 4 KiB (16 KiB of JSON)."""
    running = start_server(
        tmp_path / "data",
        "127.0.0.1:0",
        clock=clock,
        options=ServerOptions(http_listen="127.0.0.1:0", max_message_bytes=1024),
    )
    try:
        yield running
    finally:
        running.stop(grace=None)


def test_an_oversized_body_is_413_resource_exhausted_unread(small_server):
    with raw_connection(small_server) as sock:
        sock.sendall(
            (
                f"POST {VALIDATE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"x-api-key: {TEST_ADMIN_KEY}\r\nContent-Length: 100000000\r\n\r\n"
            ).encode()
        )
        status, _, body = read_response(sock)  # answered with no byte of the body sent
    assert status == 413
    error = orjson.loads(body)
    assert error["code"] == "resource_exhausted" and "16384" in error["message"]


def test_an_oversized_chunked_body_is_refused_while_it_is_read(small_server):
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * 1000

    answer = httpx.post(
        f"http://127.0.0.1:{small_server.http.port}{VALIDATE}",
        content=chunks(),  # chunked: no Content-Length
        headers={"Content-Type": "application/json", **KEYED},
    )
    assert answer.status_code == 413 and answer.json()["code"] == "resource_exhausted"


def test_a_chunked_body_within_the_cap_is_served(http_server, admin):
    code = coupon(admin, "c1", "SAVE1")
    body = validate_body(code)
    answer = httpx.post(
        f"http://127.0.0.1:{http_server.http.port}{VALIDATE}",
        content=iter([body[:10], body[10:]]),
        headers={"Content-Type": "application/json", **KEYED},
    )
    assert answer.status_code == 200
    assert answer.json()["redeemables"][0]["status"] == "APPLICABLE"


def test_a_call_without_a_key_is_refused_before_its_body_is_read(http_server):
    with raw_connection(http_server) as sock:
        sock.sendall(
            (
                f"POST {VALIDATE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 1000\r\n\r\n"
            ).encode()
        )
        status, _, body = read_response(sock)
    assert status == 401 and orjson.loads(body)["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nope", 404, "unimplemented"),
        ("POST", "/promocore.v1.CheckoutService/Nope", 404, "unimplemented"),
        ("PUT", VALIDATE, 405, "unimplemented"),
        ("OPTIONS", VALIDATE, 405, "unimplemented"),
        ("DELETE", "/", 404, "unimplemented"),
    ],
)
def test_unknown_paths_and_methods_answer_connect_errors(http_server, method, path, status, code):
    answer = httpx.request(method, f"http://127.0.0.1:{http_server.http.port}{path}", headers=KEYED)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["code"] == code


def test_a_wrong_content_type_names_the_accepted_ones(http_server):
    answer = httpx.post(
        f"http://127.0.0.1:{http_server.http.port}{GENERATE}",
        content=b"{}",
        headers={"Content-Type": "application/json", **KEYED},
    )
    assert answer.status_code == 415
    assert "application/connect+json" in answer.json()["message"]


def test_the_port_answers_many_connections_at_once(http_server, admin):
    """More open connections than the old server's cap of 256, each then served."""
    code = coupon(admin, "c1", "SAVE1")
    connections = [
        http.client.HTTPConnection("127.0.0.1", http_server.http.port, timeout=10)
        for _ in range(400)
    ]
    try:
        for connection in connections:
            connection.connect()
        for connection in [*connections[::20], connections[-1]]:
            connection.request(
                "POST",
                VALIDATE,
                body=validate_body(code),
                headers={"Content-Type": "application/json", **KEYED},
            )
            assert connection.getresponse().status == 200
    finally:
        for connection in connections:
            connection.close()


def test_a_watch_stream_ends_when_its_caller_goes_away(http_server):
    """WatchEvents with no event to send: the caller leaving ends the handler, freeing its
    call thread, though nothing was ever written to the connection."""
    request = framed(orjson.dumps({}))
    url = f"http://127.0.0.1:{http_server.http.port}/promocore.v1.EventsService/WatchEvents"
    headers = {"Content-Type": "application/connect+json", **KEYED}
    door = http_server.http.door
    with (
        httpx.Client(timeout=10) as client,
        client.stream("POST", url, content=request, headers=headers) as answer,
    ):
        assert answer.status_code == 200
        wait_until(lambda: door.calls, "the stream started", timeout=5)
    wait_until(lambda: door.calls == 0, "the stream ended with its caller", timeout=10)


def test_without_a_key_a_caller_learns_no_content_type_or_limit(small_server):
    base = f"http://127.0.0.1:{small_server.http.port}"
    wrong_type = httpx.post(base + VALIDATE, content=b"{}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 401 and wrong_type.json()["code"] == "unauthenticated"
    too_large = httpx.post(
        base + VALIDATE, content=b" " * 100_000, headers={"Content-Type": "application/json"}
    )
    assert too_large.status_code == 401 and too_large.json()["code"] == "unauthenticated"


def test_console_files_are_kept_by_the_browser_and_checked_again(http_server):
    """plotly.js is 4.8 MB: a browser that has it asks whether it changed and gets 304, no body;
    a page made from the store (the cockpit) is never kept."""
    url = f"{http_server.http.url}console/vendor/plotly.min.js"
    with httpx.Client(timeout=10) as client:
        first = client.get(url)
        etag = first.headers["etag"]
        assert first.status_code == 200 and len(first.content) > 1_000_000
        assert first.headers["cache-control"] == "no-cache"
        assert "default-src 'self'" in first.headers["content-security-policy"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        other = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200 and other.content == first.content
        app = client.get(f"{http_server.http.url}console/app.js")
        assert app.headers["etag"] != etag
        cockpit = client.get(f"{http_server.http.url}cockpit/not-a-token")
        assert cockpit.headers["cache-control"] == "no-store" and "etag" not in cockpit.headers
