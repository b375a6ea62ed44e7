"""Calls to a server's HTTP port as HTTP clients make them (http.client, Connect's JSON), and
the error details of its answers."""

from __future__ import annotations

import base64
import http.client
from typing import Any

import orjson
from google.rpc import error_details_pb2

from promocore.server.grpc_server import RunningServer

from support import TEST_ADMIN_KEY

VALIDATE = "/promocore.v1.CheckoutService/Validate"
REDEEM = "/promocore.v1.CheckoutService/Redeem"


def post(
    server: RunningServer,
    path: str,
    body: Any,
    *,
    key: str | None = TEST_ADMIN_KEY,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.http.port, timeout=10)
    sent = {"Content-Type": content_type, **(headers or {})}
    if key is not None:
        sent["x-api-key"] = key
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    try:
        connection.request("POST", path, body=data, headers=sent)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def call(server: RunningServer, path: str, body: Any, **options: Any) -> tuple[int, Any]:
    status, _headers, answer = post(server, path, body, **options)
    return status, orjson.loads(answer)


def detail(error: dict[str, Any], type_name: str) -> dict[str, Any]:
    """A Connect error detail by type, its `value` decoded and checked against its `debug`."""
    for entry in error.get("details", []):
        if entry["type"] == type_name:
            raw = base64.b64decode(entry["value"] + "=" * (-len(entry["value"]) % 4))
            message_type = {
                "google.rpc.BadRequest": error_details_pb2.BadRequest,
                "google.rpc.ErrorInfo": error_details_pb2.ErrorInfo,
            }[type_name]
            decoded = message_type.FromString(raw)
            if type_name == "google.rpc.ErrorInfo":
                assert entry["debug"]["reason"] == decoded.reason
            return entry["debug"]
    raise AssertionError(f"no {type_name} in {error}")
