"""Every RPC over HTTP (Connect protocol) through a real server's HTTP port, with a real HTTP
client (http.client): the same keys, roles and errors as gRPC."""

from __future__ import annotations

import base64
import http.client
import re
import struct
import subprocess
import sys
import urllib.parse
from typing import Any

import grpc
import orjson
import pytest
from http_support import REDEEM, VALIDATE, call, detail, post

from promocore.errors import PromocoreError
from promocore.v1 import checkout_pb2

from support import TEST_ADMIN_KEY, ServerProcess, coupon, free_port, wait_until

ORDER = {"currency": "EUR", "items": [{"sku": "A", "unitPrice": "2000", "quantity": 1}]}
ORDER_SNAKE = {"currency": "EUR", "items": [{"sku": "A", "unit_price": 2000, "quantity": 1}]}


def test_validate_over_http_answers_proto3_json(http_server, admin):
    code = coupon(admin, "c1", "SAVE1")
    status, answer = call(http_server, VALIDATE, {"order": ORDER, "redeemables": [{"code": code}]})
    assert status == 200
    result = answer["redeemables"][0]
    assert result["status"] == "APPLICABLE"
    assert result["campaignId"] == "c1"
    assert answer["totals"]["itemsDiscount"] == "100"  # int64 as a string, as proto3 JSON says


def test_redeem_over_http_is_idempotent_on_retry(http_server, admin):
    code = coupon(admin, "c1", "ONCE", limits={"total_redemptions": 1})
    request = {
        "order": {**ORDER, "id": "order-1"},
        "redeemables": [{"code": code}],
        "idempotencyKey": "pay-1",
    }
    status, first = call(http_server, REDEEM, request)
    assert status == 200 and first["redemption"]["status"] == "SUCCEEDED"
    status, retried = call(http_server, REDEEM, request)
    assert status == 200
    assert retried["redemption"]["id"] == first["redemption"]["id"]
    # Counted once: the single redemption the campaign allows is used up.
    other = {**request, "order": {**ORDER, "id": "order-2"}, "idempotencyKey": "pay-2"}
    _, second = call(http_server, REDEEM, other)
    assert second["status"] == "FAILED"
    assert second["redeemables"][0]["reason"] == "campaign_limit_exceeded"
    assert admin.get_code("ONCE")["redeemed_quantity"] == 1


def test_a_bad_request_is_invalid_argument_with_the_field_path(http_server, admin):
    coupon(admin, "c1", "SAVE1")
    order = {"currency": "EUR", "items": [{"sku": "A", "unitPrice": "2000", "quantity": -3}]}
    status, error = call(
        http_server, VALIDATE, {"order": order, "redeemables": [{"code": "SAVE1"}]}
    )
    assert status == 400
    assert error["code"] == "invalid_argument"
    violation = detail(error, "google.rpc.BadRequest")["fieldViolations"][0]
    assert violation["field"] == "order.items[0].quantity"
    assert "order.items[0].quantity" in error["message"]


def test_json_that_is_not_the_request_message_names_the_field(http_server):
    status, error = call(http_server, VALIDATE, {"order": {"items": [{"quantity": "many"}]}})
    assert status == 400 and error["code"] == "invalid_argument"
    assert "quantity" in error["message"]
    assert detail(error, "google.rpc.BadRequest")["fieldViolations"][0]["field"] == "request"


def test_no_key_is_unauthenticated_and_the_json_is_not_even_read(http_server):
    status, error = call(http_server, VALIDATE, {"order": ORDER}, key=None)
    assert (status, error["code"]) == (401, "unauthenticated")
    # Unauthenticated callers learn nothing else, not even that their JSON is broken.
    status, _headers, body = post(http_server, VALIDATE, b"{not json", key=None)
    assert (status, orjson.loads(body)["code"]) == (401, "unauthenticated")
    status, error = call(http_server, VALIDATE, {"order": ORDER}, key="pc_unknown.secret")
    assert (status, error["code"]) == (401, "unauthenticated")


def test_a_bearer_token_is_an_api_key(http_server, admin):
    coupon(admin, "c1", "SAVE1")
    request = {"order": ORDER, "redeemables": [{"code": "SAVE1"}]}
    status, answer = call(
        http_server,
        VALIDATE,
        request,
        key=None,
        headers={"Authorization": f"Bearer {TEST_ADMIN_KEY}"},
    )
    assert status == 200 and answer["redeemables"][0]["status"] == "APPLICABLE"


def test_a_role_that_may_not_call_the_rpc_is_permission_denied(http_server, admin):
    checkout_key = admin.create_api_key("shop", "checkout")["secret"]
    status, error = call(
        http_server, "/promocore.v1.AdminService/ListCampaigns", {}, key=checkout_key
    )
    assert (status, error["code"]) == (403, "permission_denied")
    assert "checkout" in error["message"]
    status, _ = call(http_server, VALIDATE, {"order": ORDER}, key=checkout_key)
    assert status == 200


def test_errors_carry_the_reason_code_as_over_grpc(http_server, admin):
    coupon(admin, "c1", "SAVE1")
    status, error = call(
        http_server, "/promocore.v1.CheckoutService/Rollback", {"redemptionId": "r-nope"}
    )
    assert (status, error["code"]) == (404, "not_found")
    redeemed = admin.redeem({**ORDER_SNAKE, "id": "o-1"}, codes=["SAVE1"], idempotency_key="o-1")
    rollback = {"redemptionId": redeemed["redemption"]["id"]}
    assert call(http_server, "/promocore.v1.CheckoutService/Rollback", rollback)[0] == 200
    status, error = call(http_server, "/promocore.v1.CheckoutService/Rollback", rollback)
    assert (status, error["code"]) == (400, "failed_precondition")
    assert detail(error, "google.rpc.ErrorInfo")["reason"] == "already_rolled_back"
    # The same refusal over gRPC: same status and reason code.
    with pytest.raises(PromocoreError) as over_grpc:
        admin.rollback(redeemed["redemption"]["id"])
    assert over_grpc.value.status.name == "FAILED_PRECONDITION"
    assert over_grpc.value.reason == "already_rolled_back"
    assert over_grpc.value.message == error["message"]


def test_protobuf_bodies_are_accepted_and_answered_in_kind(http_server, admin):
    code = coupon(admin, "c1", "SAVE1")
    request = checkout_pb2.ValidateRequest()
    request.order.currency = "EUR"
    request.order.items.add(sku="A", unit_price=2000, quantity=1)
    request.redeemables.add(code=code)
    status, headers, body = post(
        http_server, VALIDATE, request.SerializeToString(), content_type="application/proto"
    )
    assert status == 200 and headers["Content-Type"] == "application/proto"
    assert checkout_pb2.ValidateResponse.FromString(body).totals.items_discount == 100


def test_an_unknown_rpc_and_a_wrong_content_type_are_refused(http_server):
    status, error = call(http_server, "/promocore.v1.CheckoutService/Nope", {})
    assert (status, error["code"]) == (404, "unimplemented")
    status, _headers, body = post(http_server, VALIDATE, b"{}", content_type="text/plain")
    assert status == 415 and b"application/json" in body


def stream_frames(body: bytes) -> list[tuple[int, Any]]:
    frames, position = [], 0
    while position < len(body):
        flags, length = struct.unpack_from(">BI", body, position)
        position += 5
        frames.append((flags, orjson.loads(body[position : position + length])))
        position += length
    return frames


def envelope(message: Any) -> bytes:
    data = orjson.dumps(message)
    return struct.pack(">BI", 0, len(data)) + data


def test_generate_codes_streams_its_progress(http_server, admin):
    admin.create_campaign(
        id="bulk",
        name="bulk",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 100}},
    )
    status, headers, body = post(
        http_server,
        "/promocore.v1.AdminService/GenerateCodes",
        envelope({"campaignId": "bulk", "count": 2500}),
        content_type="application/connect+json",
    )
    assert status == 200 and headers["Content-Type"] == "application/connect+json"
    frames = stream_frames(body)
    assert frames[-1] == (2, {})  # the end of the stream, no error
    progress = [message for flags, message in frames[:-1]]
    assert all(flags == 0 for flags, _ in frames[:-1])
    assert int(progress[-1]["generated"]) == 2500
    assert len(admin.list_codes("bulk")) == 2500


def test_a_stream_refused_by_the_gate_ends_with_the_error(http_server):
    status, _headers, body = post(
        http_server,
        "/promocore.v1.AdminService/GenerateCodes",
        envelope({"campaignId": "bulk", "count": 1}),
        key=None,
        content_type="application/connect+json",
    )
    assert status == 200
    [(flags, end)] = stream_frames(body)
    assert flags == 2 and end["error"]["code"] == "unauthenticated"


def test_every_worker_serves_the_http_port(tmp_path):
    http_port = free_port()
    server = ServerProcess(
        tmp_path / "data", workers=2, extra=("--http-listen", f"127.0.0.1:{http_port}")
    ).start()
    try:
        # The port answers once one worker serves; the other may still be starting.
        wait_until(
            lambda: (
                len(re.findall(r"worker \d \(pid \d+\) serving", server.log_path.read_text())) == 2
            ),
            "both workers serving",
            timeout=60,
        )
        for _ in range(20):
            connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
            connection.request(
                "POST",
                "/promocore.v1.AdminService/ListCampaigns",
                body=b"{}",
                headers={"Content-Type": "application/json", "x-api-key": TEST_ADMIN_KEY},
            )
            response = connection.getresponse()
            assert response.status == 200, response.read()
            response.read()
            connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        connection.request("GET", "/")
        page = connection.getresponse()
        assert page.status == 200 and b"promocore" in page.read()
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert f"HTTP/JSON API and web console on http://127.0.0.1:{http_port}/" in log
    assert re.search(r"worker 0 \(pid \d+\) serving", log)
    assert re.search(r"worker 1 \(pid \d+\) serving", log)
    assert "failed" not in log


def test_serve_help_documents_the_http_port():
    shown = subprocess.run(
        [sys.executable, "-m", "promocore.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--http-listen" in shown and "127.0.0.1:8080" in shown


def test_connect_timeout_is_the_deadline_and_a_bad_one_names_the_header(http_server, admin):
    coupon(admin, "c1", "SAVE1")
    request = {"order": ORDER, "redeemables": [{"code": "SAVE1"}]}
    status, _ = call(http_server, VALIDATE, request, headers={"Connect-Timeout-Ms": "5000"})
    assert status == 200
    status, error = call(http_server, VALIDATE, request, headers={"Connect-Timeout-Ms": "soon"})
    assert (status, error["code"]) == (400, "invalid_argument")
    violation = detail(error, "google.rpc.BadRequest")["fieldViolations"][0]
    assert violation["field"] == "Connect-Timeout-Ms"


def test_every_api_answer_is_kept_out_of_caches_and_not_sniffed(http_server, admin):
    """CreateApiKey's answer holds a secret; a wallet holds a customer's codes: no cache along
    the way may keep them, and no browser may read them as another type. Errors too."""
    answers = [
        post(
            http_server,
            "/promocore.v1.AdminService/CreateApiKey",
            {"name": "shop", "role": "ROLE_CHECKOUT"},
        ),
        post(http_server, "/promocore.v1.CheckoutService/Validate", {"order": ORDER_SNAKE}),
        post(http_server, "/promocore.v1.AdminService/GetCampaign", {"id": "absent"}),
        post(http_server, "/promocore.v1.AdminService/ListCampaigns", {}, key=None),
    ]
    statuses = [status for status, _, _ in answers]
    assert statuses == [200, 200, 404, 401]
    assert b'"secret"' in answers[0][2]
    for _, headers, _ in answers:
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"


GENERATE = "/promocore.v1.AdminService/GenerateCodes"
ONE_CODE = orjson.dumps({"campaignId": "bulk", "count": 1})


# Each body breaks Connect's framing one way; the stream ends with INVALID_ARGUMENT on
# "request" saying which, and no code is generated.
@pytest.mark.parametrize(
    ("body", "headers", "words"),
    [
        (b"\x00\x00\x00", {}, "a truncated message frame"),  # 3 of the 5 header bytes
        (struct.pack(">BI", 0, len(ONE_CODE) + 10) + ONE_CODE, {}, "a truncated message frame"),
        (
            struct.pack(">BI", 1, len(ONE_CODE)) + ONE_CODE,  # flag 1: compressed
            {},
            "a compressed message needs the gzip encoding, got None",
        ),
        (
            struct.pack(">BI", 1, 4) + b"junk",
            {"Connect-Content-Encoding": "gzip"},
            "not valid gzip",
        ),
        (envelope({"campaignId": "bulk", "count": 1}) * 2, {}, "takes one message, got 2"),
    ],
)
def test_a_broken_stream_request_frame_ends_the_stream_naming_the_defect(
    http_server, admin, body, headers, words
):
    coupon(admin, "bulk", "BULK-0")
    status, _headers, answer = post(
        http_server, GENERATE, body, headers=headers, content_type="application/connect+json"
    )
    assert status == 200  # Connect streams answer 200 and end with the error
    [(flags, end)] = stream_frames(answer)
    assert flags == 2
    assert end["error"]["code"] == "invalid_argument"
    assert words in end["error"]["message"]
    assert [c["code"] for c in admin.list_codes("bulk")] == ["BULK-0"]


def test_a_grpc_web_text_body_that_is_not_base64_is_refused(http_server):
    status, _headers, body = post(
        http_server,
        VALIDATE,
        b"!!not base64!!",
        content_type="application/grpc-web-text+proto",
    )
    assert status == 200  # gRPC-Web carries the status in its trailer frame
    trailer = base64.b64decode(body)
    flags, length = struct.unpack_from(">BI", trailer)
    assert flags == 0x80  # the trailer frame
    lines = dict(
        line.split(": ", 1) for line in trailer[5 : 5 + length].decode().strip().split("\r\n")
    )
    assert lines["grpc-status"] == str(grpc.StatusCode.INVALID_ARGUMENT.value[0])
    assert "not base64" in urllib.parse.unquote(lines["grpc-message"])


@pytest.mark.parametrize("timeout", ["20x", "123456789S", "m"])
def test_a_bad_grpc_timeout_names_the_header(http_server, timeout):
    request = checkout_pb2.ValidateRequest()
    request.order.currency = "EUR"
    frame = request.SerializeToString()
    status, _headers, body = post(
        http_server,
        VALIDATE,
        struct.pack(">BI", 0, len(frame)) + frame,
        headers={"grpc-timeout": timeout},
        content_type="application/grpc-web+proto",
    )
    assert status == 200
    flags, length = struct.unpack_from(">BI", body)
    assert flags == 0x80
    text = urllib.parse.unquote(body[5 : 5 + length].decode())
    assert f"grpc-status: {grpc.StatusCode.INVALID_ARGUMENT.value[0]}" in text
    assert "grpc-timeout" in text and repr(timeout) in text
