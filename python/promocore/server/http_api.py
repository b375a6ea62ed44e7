"""Every RPC over HTTP/1.1 in the Connect protocol, through the same gate as gRPC.

The routes are made from the services' proto descriptors, never written per RPC: one route per
method, `POST /promocore.v1.CheckoutService/Validate`. A unary call takes the request as proto3
JSON (`Content-Type: application/json`) or as protobuf bytes (`application/proto`) and answers in
kind; an error is Connect's error JSON, `{"code": "invalid_argument", "message": ...,
"details": [...]}`, with the HTTP status Connect gives the code. The details are the gRPC
status's own (google.rpc.BadRequest with the field path, ErrorInfo with the reason code,
RetryInfo), each as `{"type", "value"}` (base64 protobuf, as Connect clients decode them) plus
`debug`, the same detail as JSON, so `curl` and a browser read the field path and reason code
without decoding protobuf. Streaming methods (GenerateCodes, ExportCodes, ImportCodes,
WatchEvents) use Connect's streaming form (`application/connect+json`): enveloped messages, the
end of the stream (with its error, if any) as the last envelope.

How a call passes the gate. The gated handler gRPC serves (gate.py) is called as it is,
with an HttpCallContext standing for gRPC's ServicerContext: the API key (`x-api-key` header or
`Authorization: Bearer`), the peer address, the deadline (`Connect-Timeout-Ms`); the gate's
status, set with abort_with_status, comes back as an exception this module turns into Connect's
error. So authentication, roles, size limit, admission and shedding, the write bound, error
statuses and the finish hooks (metrics, access log) are the gate's, unchanged, and the gRPC path
does nothing more per call. One thing comes first here: JSON must be decoded before the gate
sees protobuf bytes, and the gate decodes nothing for a caller it has not authenticated; so the
JSON is decoded only once `Gate.authorize` (the gate's own first step) has accepted the caller.
"""

from __future__ import annotations

import base64
import logging
import struct
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import orjson
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

from promocore.errors import InvalidArgumentError, PromocoreError
from promocore.server.gate import Gate, answer_status
from promocore.server.request_guard import too_large
from promocore.store.errors import STORE_UNREACHABLE

log = logging.getLogger("promocore.http")

API_KEY_HEADER = "x-api-key"
STATUS_DETAILS_KEY = "grpc-status-details-bin"
TIMEOUT_HEADER = "connect-timeout-ms"

# Connect's code names and the HTTP statuses it gives them (connectrpc.com/docs/protocol).
CONNECT_CODES: dict[grpc.StatusCode, tuple[str, int]] = {
    grpc.StatusCode.CANCELLED: ("canceled", 499),
    grpc.StatusCode.UNKNOWN: ("unknown", 500),
    grpc.StatusCode.INVALID_ARGUMENT: ("invalid_argument", 400),
    grpc.StatusCode.DEADLINE_EXCEEDED: ("deadline_exceeded", 504),
    grpc.StatusCode.NOT_FOUND: ("not_found", 404),
    grpc.StatusCode.ALREADY_EXISTS: ("already_exists", 409),
    grpc.StatusCode.PERMISSION_DENIED: ("permission_denied", 403),
    grpc.StatusCode.RESOURCE_EXHAUSTED: ("resource_exhausted", 429),
    grpc.StatusCode.FAILED_PRECONDITION: ("failed_precondition", 400),
    grpc.StatusCode.ABORTED: ("aborted", 409),
    grpc.StatusCode.OUT_OF_RANGE: ("out_of_range", 400),
    grpc.StatusCode.UNIMPLEMENTED: ("unimplemented", 501),
    grpc.StatusCode.INTERNAL: ("internal", 500),
    grpc.StatusCode.UNAVAILABLE: ("unavailable", 503),
    grpc.StatusCode.DATA_LOSS: ("data_loss", 500),
    grpc.StatusCode.UNAUTHENTICATED: ("unauthenticated", 401),
}
# The detail types whose JSON form is added as `debug` (what the server sends).
_DEBUG_TYPES = {
    message.DESCRIPTOR.full_name: message
    for message in (
        error_details_pb2.BadRequest,
        error_details_pb2.ErrorInfo,
        error_details_pb2.RetryInfo,
    )
}

JSON = "application/json"
PROTO = "application/proto"
STREAM_JSON = "application/connect+json"
STREAM_PROTO = "application/connect+proto"
_END_STREAM = 0x02
_COMPRESSED = 0x01
_ENVELOPE = struct.Struct(">BI")


class Aborted(Exception):
    """The gate ended the call with a status (HttpCallContext.abort_with_status)."""

    def __init__(self, status: grpc.Status) -> None:
        super().__init__(status.details)
        self.status = status


@dataclass(frozen=True)
class _Status(grpc.Status):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple = ()


class HttpCallContext:
    """What the gate and the handlers use of grpc.ServicerContext, for one HTTP call."""

    def __init__(
        self, metadata: Sequence[tuple[str, str]], peer: str, deadline: float | None
    ) -> None:
        self._metadata = tuple(metadata)
        self._peer = peer
        self._deadline = deadline
        self._code: grpc.StatusCode | None = None
        self._details = ""
        self._trailing: tuple = ()
        self._callbacks: list[Callable[[], None]] = []
        self.active = True

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata

    def peer(self) -> str:
        return self._peer

    def time_remaining(self) -> float | None:
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - time.monotonic())

    def is_active(self) -> bool:
        return self.active

    def add_callback(self, callback: Callable[[], None]) -> bool:
        self._callbacks.append(callback)
        return True

    def finished(self) -> None:
        """The call is over (answered, or its caller gone): runs the added callbacks."""
        self.active = False
        for callback in self._callbacks:
            try:
                callback()
            except Exception:
                log.exception("call callback %r failed", callback)

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def details(self) -> str:
        return self._details

    def set_code(self, code: grpc.StatusCode) -> None:
        self._code = code

    def set_details(self, details: str) -> None:
        self._details = details

    def trailing_metadata(self) -> tuple:
        return self._trailing

    def set_trailing_metadata(self, metadata: Iterable[tuple[str, Any]]) -> None:
        self._trailing = tuple(metadata)

    def send_initial_metadata(self, _metadata: Iterable[tuple[str, Any]]) -> None:
        pass  # nothing of ours sends any; HTTP headers go out with the answer

    def abort_with_status(self, status: grpc.Status) -> None:
        self._code = status.code
        raise Aborted(status)

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.abort_with_status(_Status(code, details))


def call_metadata(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """gRPC-style metadata (lower-case names) of HTTP headers; `Authorization: Bearer KEY`
    stands for `x-api-key: KEY` when that header is absent."""
    metadata = [(name.lower(), value) for name, value in headers]
    names = {name for name, _ in metadata}
    if API_KEY_HEADER not in names:
        for name, value in metadata:
            scheme, _, credentials = value.partition(" ")
            if name == "authorization" and scheme.lower() == "bearer" and credentials.strip():
                metadata.append((API_KEY_HEADER, credentials.strip()))
                break
    return metadata


def deadline_of(headers: dict[str, str]) -> float | None:
    """The monotonic deadline of `Connect-Timeout-Ms`; None without one. A bad value is
    INVALID_ARGUMENT naming the header."""
    text = headers.get(TIMEOUT_HEADER)
    if text is None:
        return None
    if not text.isdigit() or len(text) > 10:
        raise InvalidArgumentError(
            "Connect-Timeout-Ms", f"must be a positive whole number of milliseconds, got {text!r}"
        )
    return time.monotonic() + int(text) / 1000


@dataclass
class Reply:
    """A unary answer: HTTP status, headers and body."""

    status: int
    content_type: str
    body: bytes
    headers: list[tuple[str, str]]


@dataclass(frozen=True)
class Route:
    path: str  # /package.Service/Method
    input: type
    output: type
    handler: grpc.RpcMethodHandler
    client_streaming: bool
    server_streaming: bool

    @property
    def unary(self) -> bool:
        return not self.client_streaming and not self.server_streaming

    def response_bytes(self, response: Any) -> bytes:
        serialize = self.handler.response_serializer
        return serialize(response) if serialize is not None else response


class ConnectApi:
    """The Connect routes of the gate's services, made once from their descriptors."""

    def __init__(self, gate: Gate, services: Iterable[str], max_message_bytes: int) -> None:
        self._gate = gate
        self.max_message_bytes = max_message_bytes
        self.routes: dict[str, Route] = {}
        pool = descriptor_pool.Default()
        for service_name in services:
            service = pool.FindServiceByName(service_name)
            for method in service.methods:
                handler = gate.gated_handler(service.full_name, method.name)
                if handler is None or _non_blocking(handler):
                    continue
                path = f"/{service.full_name}/{method.name}"
                self.routes[path] = Route(
                    path=path,
                    input=message_factory.GetMessageClass(method.input_type),
                    output=message_factory.GetMessageClass(method.output_type),
                    handler=handler,
                    client_streaming=method.client_streaming,
                    server_streaming=method.server_streaming,
                )

    # Unary ------------------------------------------------------------------------------------

    def unary(
        self, route: Route, content_type: str, body: bytes, context: HttpCallContext
    ) -> Reply:
        as_json = content_type == JSON
        try:
            self._gate.authorize(route.path, context)
            request = _decode(route.input, body, as_json, self.max_message_bytes)
        except (PromocoreError, *STORE_UNREACHABLE) as error:
            return error_reply(answer_status(error))
        try:
            response = route.handler.unary_unary(request, context)
        except Aborted as aborted:
            return error_reply(aborted.status, context.trailing_metadata())
        except Exception:
            log.exception("%s failed", route.path)
            return error_reply(_Status(grpc.StatusCode.INTERNAL, "internal error"))
        finally:
            context.finished()
        raw = route.response_bytes(response)
        answer = _json_of(route.output, raw) if as_json else raw
        return Reply(200, content_type, answer, _trailer_headers(context.trailing_metadata()))

    # Streaming ----------------------------------------------------------------------------------

    def stream(
        self, route: Route, content_type: str, body: bytes, context: HttpCallContext
    ) -> Iterator[bytes]:
        """The enveloped messages of a streaming call's answer, the end of the stream last."""
        as_json = content_type == STREAM_JSON
        try:
            self._gate.authorize(route.path, context)
            requests = [
                _decode(route.input, raw, as_json, self.max_message_bytes)
                for raw in _envelopes(body)
            ]
            if not route.client_streaming and len(requests) != 1:
                raise InvalidArgumentError(
                    "request", f"a server-streaming call takes one message, got {len(requests)}"
                )
        except (PromocoreError, *STORE_UNREACHABLE) as error:
            yield _end_stream(answer_status(error), ())
            return
        handler = route.handler
        try:
            if route.client_streaming and route.server_streaming:
                responses = handler.stream_stream(iter(requests), context)
            elif route.client_streaming:
                responses = iter((handler.stream_unary(iter(requests), context),))
            else:
                responses = handler.unary_stream(requests[0], context)
            for response in responses:
                raw = route.response_bytes(response)
                yield _envelope(0, _json_of(route.output, raw) if as_json else raw)
        except Aborted as aborted:
            yield _end_stream(aborted.status, context.trailing_metadata())
            return
        except GeneratorExit:
            raise
        except Exception:
            log.exception("%s failed", route.path)
            yield _end_stream(_Status(grpc.StatusCode.INTERNAL, "internal error"), ())
            return
        finally:
            context.finished()
        yield _end_stream(None, context.trailing_metadata())


def _non_blocking(handler: grpc.RpcMethodHandler) -> bool:
    """grpc_health's Watch answers from gRPC callbacks, not as a generator: not served here."""
    return any(
        getattr(behaviour, "experimental_non_blocking", False)
        for behaviour in (handler.unary_stream, handler.stream_stream)
    )


def _decode(message_type: type, body: bytes, as_json: bool, limit: int) -> bytes:
    """The request's protobuf bytes; JSON is parsed into its message first (an error is
    INVALID_ARGUMENT on "request" with the parser's words, which name the field)."""
    if not as_json:
        return body
    if len(body) > limit * 4:  # JSON is wordier than protobuf; the gate checks the bytes
        raise too_large(len(body), limit * 4)
    message = message_type()
    try:
        json_format.Parse(body or b"{}", message)
    except (json_format.ParseError, UnicodeDecodeError) as error:
        raise InvalidArgumentError(
            "request", f"not a valid {_name(message_type)}: {error}"
        ) from None
    return message.SerializeToString()


def _name(message_type: type) -> str:
    return message_type.DESCRIPTOR.full_name


def _json_of(message_type: type, raw: bytes) -> bytes:
    message = message_type.FromString(raw)
    return orjson.dumps(json_format.MessageToDict(message))


def _envelopes(body: bytes) -> Iterator[bytes]:
    position = 0
    while position < len(body):
        if len(body) - position < _ENVELOPE.size:
            raise InvalidArgumentError("request", "a truncated Connect envelope")
        flags, length = _ENVELOPE.unpack_from(body, position)
        position += _ENVELOPE.size
        if flags & _COMPRESSED:
            raise InvalidArgumentError("request", "compressed messages are not accepted")
        if position + length > len(body):
            raise InvalidArgumentError("request", "a truncated Connect envelope")
        yield body[position : position + length]
        position += length


def _envelope(flags: int, data: bytes) -> bytes:
    return _ENVELOPE.pack(flags, len(data)) + data


def connect_error(status: grpc.Status) -> tuple[int, dict[str, Any]]:
    """Connect's error JSON of a gRPC status, with its HTTP status."""
    name, http_status = CONNECT_CODES.get(status.code, ("unknown", 500))
    error: dict[str, Any] = {"code": name, "message": status.details or ""}
    details = []
    for key, value in status.trailing_metadata or ():
        if key != STATUS_DETAILS_KEY:
            continue
        try:
            rich = status_pb2.Status.FromString(value)
        except DecodeError:
            continue
        for detail in rich.details:
            type_name = detail.TypeName()
            entry: dict[str, Any] = {
                "type": type_name,
                "value": base64.b64encode(detail.value).decode().rstrip("="),
            }
            debug_type = _DEBUG_TYPES.get(type_name)
            if debug_type is not None:
                entry["debug"] = json_format.MessageToDict(debug_type.FromString(detail.value))
            details.append(entry)
    if details:
        error["details"] = details
    return http_status, error


def error_reply(status: grpc.Status, trailing: Sequence = ()) -> Reply:
    """Connect's unary error: always JSON, whatever the request's codec."""
    http_status, error = connect_error(status)
    headers = _trailer_headers(trailing)
    return Reply(http_status, JSON, orjson.dumps(error), headers)


def _end_stream(status: grpc.Status | None, trailing: Sequence) -> bytes:
    end: dict[str, Any] = {}
    if status is not None:
        end["error"] = connect_error(status)[1]
    metadata = {key: [value] for key, value in trailing if isinstance(value, str)}
    if metadata:
        end["metadata"] = metadata
    return _envelope(_END_STREAM, orjson.dumps(end))


def _trailer_headers(trailing: Sequence) -> list[tuple[str, str]]:
    """Connect's unary trailers: `Trailer-` headers (the request id of promocore.server.logs)."""
    return [
        (f"trailer-{key}", value)
        for key, value in trailing
        if isinstance(value, str) and key != STATUS_DETAILS_KEY
    ]
