"""Webhooks: integration events POSTed to a receiver on 127.0.0.1, signed with HMAC-SHA256,
retried with backoff after a 500, in order, resuming after a restart without re-sending."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import threading
from collections.abc import Iterator

import orjson
import pytest
from cdp_support import welcome_coupons

from promocore import Client
from promocore.cdp.webhooks import (
    SIGNATURE_HEADER,
    WebhookConfig,
    event_body,
    sign,
    verify_signature,
)
from promocore.server.grpc_server import ServerOptions, start_server
from promocore.v1 import events_pb2

from support import ServerProcess

SECRET = "whsec-test"


class Receiver:
    """Answers 500 to the first `failures` requests, then 200; records every request."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[str, bytes]] = []
        self.changed = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.changed:
                    receiver.requests.append((self.headers[SIGNATURE_HEADER], body))
                    failing = len(receiver.requests) <= receiver.failures
                    receiver.changed.notify_all()
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hooks"

    def wait_for(self, count: int, timeout: float = 10) -> list[tuple[str, bytes]]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.requests) >= count, timeout), (
                self.requests
            )
            return list(self.requests)

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(failures=2)
    try:
        yield running
    finally:
        running.close()


def start(data_dir, clock, url):
    config = WebhookConfig(url=url, secret=SECRET, initial_backoff_s=0.05, poll_interval_s=0.05)
    return start_server(
        data_dir,
        "127.0.0.1:0",
        clock=clock,
        options=ServerOptions(scheduler_interval_s=0, webhook=config),
    )


def test_signed_webhooks_are_retried_after_500_and_resume_after_a_restart(
    tmp_path, clock, receiver
):
    data_dir = tmp_path / "data"
    server = start(data_dir, clock, receiver.url)
    try:
        with Client(f"127.0.0.1:{server.port}", timeout=10) as client:
            welcome_coupons(client, "thanks")
            issued = client.publish_code("thanks", "ann")["code"]
            requests = receiver.wait_for(3)
            client.publish_code("thanks", "bob")
            requests = receiver.wait_for(4)
    finally:
        server.stop(grace=None)

    bodies = [orjson.loads(body) for _, body in requests]
    # The first event three times (500, 500, then 200), then the second once.
    assert [b["sequence"] for b in bodies] == [1, 1, 1, 2]
    assert bodies[0]["code"] == issued and bodies[0]["type"] == "EVENT_CODE_ISSUED"
    for signature, body in requests:
        assert verify_signature(SECRET, signature, body)
        assert not verify_signature("another secret", signature, body)
        assert not verify_signature(SECRET, signature, body.replace(b"ann", b"eve"))

    # Restarted, the sender resumes after the last event delivered: nothing is sent twice.
    server = start(data_dir, clock, receiver.url)
    try:
        with Client(f"127.0.0.1:{server.port}", timeout=10) as client:
            client.publish_code("thanks", "cid")
            requests = receiver.wait_for(5)
    finally:
        server.stop(grace=None)
    after_restart = [orjson.loads(body) for _, body in receiver.requests[4:]]
    assert [(b["sequence"], b["customer_id"]) for b in after_restart] == [(3, "cid")]


def test_with_several_workers_one_process_delivers_each_event_once(tmp_path, monkeypatch):
    receiver = Receiver(failures=0)
    monkeypatch.setenv("PROMOCORE_WEBHOOK_SECRET", SECRET)
    try:
        server = ServerProcess(tmp_path / "data", workers=3, extra=("--webhook-url", receiver.url))
        with server, Client(server.target, timeout=10) as client:
            welcome_coupons(client, "thanks")
            for customer_id in ("ann", "bob", "cid"):  # served by any of the workers
                client.publish_code("thanks", customer_id)
            receiver.wait_for(3)
            client.publish_code("thanks", "dan")
            receiver.wait_for(4)
            # Three senders would each have sent 1, 2 and 3 before one of them sent 4.
            sequences = [orjson.loads(body)["sequence"] for _, body in receiver.requests]
    finally:
        receiver.close()
    assert sequences == [1, 2, 3, 4]


BODY = b'{"sequence":7,"type":"EVENT_CODE_ISSUED"}'
SIGNED_AT = 1_772_366_400  # 2026-03-01 12:00 UTC


@pytest.mark.parametrize(
    ("seconds_later", "accepted"),
    [
        (300, True),  # the tolerance's edge: still accepted
        (301, False),  # a replay five minutes and a second late
        (-301, False),  # a timestamp from the receiver's future
    ],
)
def test_a_signature_is_accepted_within_five_minutes_of_its_time(seconds_later, accepted):
    header = sign(SECRET, SIGNED_AT, BODY)
    assert verify_signature(SECRET, header, BODY, now_s=SIGNED_AT + seconds_later) is accepted


@pytest.mark.parametrize(
    "header",
    [
        "v1=00ff",  # no timestamp
        "t=soon,v1=00ff",  # a timestamp that is not a number
        "signed",  # no key=value at all
    ],
)
def test_a_malformed_signature_header_is_refused_not_raised(header):
    assert verify_signature(SECRET, header, BODY, now_s=SIGNED_AT) is False


def test_the_signature_is_hmac_sha256_of_the_time_and_the_body():
    # What a receiver in another language computes: HMAC-SHA256(secret, "<t>.<body>") in hex.
    expected = hmac.new(SECRET.encode(), b"1772366400." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, SIGNED_AT, BODY) == f"t=1772366400,v1={expected}"


def test_an_event_body_has_its_sequence_as_a_number_and_sorted_keys():
    event = events_pb2.IntegrationEvent(
        sequence=12_345_678_901, type=events_pb2.EVENT_CODE_ISSUED, customer_id="ann", code="C-1"
    )
    document = orjson.loads(event_body(event))
    # Proto JSON writes int64 as a string; the body writes the sequence as a JSON number.
    assert document["sequence"] == 12_345_678_901
    assert (document["customer_id"], document["code"]) == ("ann", "C-1")
    assert list(document) == sorted(document)
