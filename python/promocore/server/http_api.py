"""Every RPC over HTTP, through the same gate as gRPC: the Connect protocol and gRPC-Web.

The routes are made from the services' proto descriptors, never written per RPC: one route per
method, `POST /promocore.v1.CheckoutService/Validate`. The protocol and codec come from the
request's Content-Type (`codec_of`):
- Connect unary: the request as proto3 JSON (`application/json`) or protobuf bytes
  (`application/proto`), answered in kind; an error is Connect's error JSON, `{"code":
  "invalid_argument", "message": ..., "details": [...]}`, with the HTTP status Connect gives the
  code. The details are the gRPC status's own (google.rpc.BadRequest with the field path,
  ErrorInfo with the reason code, RetryInfo), each as `{"type", "value"}` (base64 protobuf, as
  Connect clients decode them) plus `debug`, the same detail as JSON, so `curl` and a browser
  read the field path and reason code without decoding protobuf;
- Connect streaming (`application/connect+json` or `+proto`; GenerateCodes, ExportCodes,
  ImportCodes, WatchEvents): enveloped messages, the end of the stream (with its error, if any)
  as the last envelope;
- gRPC-Web (`application/grpc-web`, `+proto`, and `application/grpc-web-text`, base64, for
  browsers without binary streams): length-prefixed protobuf frames, the status as a trailer
  frame, so generated gRPC-Web and Connect-Web clients call the typed API from a browser.
Messages in envelopes and frames may be gzip-compressed (the compressed flag, with
`Connect-Content-Encoding` or `grpc-encoding`); an answer is compressed when the caller accepts
gzip and it is large enough to gain (`COMPRESS_FROM_BYTES`). Unary Connect bodies use HTTP's own
`Content-Encoding` (http_server.py decodes it while reading).

How a call passes the gate. The gated handler gRPC serves (gate.py) is called as it is,
with an HttpCallContext standing for gRPC's ServicerContext: the API key (`x-api-key` header or
`Authorization: Bearer`), the peer address, the deadline (`Connect-Timeout-Ms` or
`grpc-timeout`); the gate's status, set with abort_with_status, comes back as an exception this
module turns into the protocol's error. So authentication, roles, size limit, admission and
shedding, the write bound, error statuses and the finish hooks (metrics, access log) are the
gate's, unchanged, and the gRPC path does nothing more per call. One thing comes first here:
JSON must be decoded before the gate sees protobuf bytes, and the gate decodes nothing for a
caller it has not authenticated; so the JSON is decoded only once `Gate.authorize` (the gate's
own first step) has accepted the caller.

Everything here is synchronous and runs in a thread of the HTTP port's pool (http_server.py),
like a gRPC handler in a gRPC pool thread.
"""

from __future__ import annotations

import base64
import enum
import gzip
import logging
import struct
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import grpc
import orjson
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import DecodeError, Message
from google.rpc import error_details_pb2, status_pb2

from promocore import _engine
from promocore.errors import InvalidArgumentError, PromocoreError, UnauthenticatedError
from promocore.server.auth import presented_key
from promocore.server.gate import Gate, answer_status
from promocore.server.request_guard import HARD_CAP_FACTOR, too_large
from promocore.server.roles import is_open
from promocore.store.errors import STORE_UNREACHABLE
from promocore.wire.plain import descriptor_of
from promocore.wire.status import to_status

log = logging.getLogger("promocore.http")

API_KEY_HEADER = "x-api-key"
# A call's metadata: (key, value) pairs, values text (or bytes for a -bin key).
Metadata = Sequence[tuple[str, Any]]
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
GRPC_WEB = "application/grpc-web"
GRPC_WEB_PROTO = "application/grpc-web+proto"
GRPC_WEB_TEXT = "application/grpc-web-text"
GRPC_WEB_TEXT_PROTO = "application/grpc-web-text+proto"
_END_STREAM = 0x02
_COMPRESSED = 0x01
_TRAILER = 0x80
_ENVELOPE = struct.Struct(">BI")
GZIP = "gzip"
# Smaller answers are sent as they are: gzip would cost more CPU than the bytes it saves.
COMPRESS_FROM_BYTES = 1024


class Protocol(enum.Enum):
    CONNECT = "connect"  # unary
    CONNECT_STREAM = "connect-stream"
    GRPC_WEB = "grpc-web"


@dataclass(frozen=True)
class Codec:
    """How a request is framed and encoded, from its Content-Type."""

    protocol: Protocol
    as_json: bool
    content_type: str  # of the answer
    text: bool = False  # grpc-web-text: the frames base64-encoded

    @property
    def streaming(self) -> bool:
        return self.protocol is Protocol.CONNECT_STREAM


_CODECS = {
    JSON: Codec(Protocol.CONNECT, True, JSON),
    PROTO: Codec(Protocol.CONNECT, False, PROTO),
    STREAM_JSON: Codec(Protocol.CONNECT_STREAM, True, STREAM_JSON),
    STREAM_PROTO: Codec(Protocol.CONNECT_STREAM, False, STREAM_PROTO),
    GRPC_WEB: Codec(Protocol.GRPC_WEB, False, GRPC_WEB_PROTO),
    GRPC_WEB_PROTO: Codec(Protocol.GRPC_WEB, False, GRPC_WEB_PROTO),
    GRPC_WEB_TEXT: Codec(Protocol.GRPC_WEB, False, GRPC_WEB_TEXT_PROTO, text=True),
    GRPC_WEB_TEXT_PROTO: Codec(Protocol.GRPC_WEB, False, GRPC_WEB_TEXT_PROTO, text=True),
}


def codec_of(content_type: str) -> Codec | None:
    """The codec of a Content-Type header (parameters ignored); None when it is none of ours."""
    return _CODECS.get(content_type.partition(";")[0].strip().lower())


def accepted_types(route: Route) -> str:
    """The Content-Types a route takes, for an error naming them."""
    if route.unary:
        return f"{JSON} or {PROTO} (or gRPC-Web)"
    return f"{STREAM_JSON} or {STREAM_PROTO} (or gRPC-Web)"


class Aborted(Exception):
    """The gate ended the call with a status (HttpCallContext.abort_with_status)."""

    def __init__(self, status: grpc.Status) -> None:
        super().__init__(status.details)
        self.status = status


@dataclass(frozen=True)
class _Status(grpc.Status):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...] = ()


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
        self._trailing: Metadata = ()
        self._callbacks: list[Callable[[], None]] = []
        self.active = True

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata

    def header(self, name: str) -> str | None:
        """A request header's value by its lower-case name; None when absent."""
        for key, value in self._metadata:
            if key == name:
                return value
        return None

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

    def trailing_metadata(self) -> Metadata:
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


GRPC_TIMEOUT_HEADER = "grpc-timeout"
_GRPC_TIMEOUT_UNITS = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}


def deadline_of(headers: Mapping[str, str]) -> float | None:
    """The monotonic deadline of `Connect-Timeout-Ms` (Connect) or `grpc-timeout` (gRPC-Web);
    None without one. A bad value is INVALID_ARGUMENT naming the header."""
    text = headers.get(TIMEOUT_HEADER)
    if text is not None:
        if not text.isdigit() or len(text) > 10:
            raise InvalidArgumentError(
                "Connect-Timeout-Ms",
                f"must be a positive whole number of milliseconds, got {text!r}",
            )
        return time.monotonic() + int(text) / 1000
    text = headers.get(GRPC_TIMEOUT_HEADER)
    if text is None:
        return None
    value, unit = text[:-1], text[-1:]
    if not value.isdigit() or len(value) > 8 or unit not in _GRPC_TIMEOUT_UNITS:
        raise InvalidArgumentError(
            "grpc-timeout", f"must be up to 8 digits and a unit (H M S m u n), got {text!r}"
        )
    return time.monotonic() + int(value) * _GRPC_TIMEOUT_UNITS[unit]


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
    input: type[Message]
    output: type[Message]
    handler: grpc.RpcMethodHandler[Any, Any]
    client_streaming: bool
    server_streaming: bool
    open: bool  # health checking and reflection: called without a key

    @property
    def unary(self) -> bool:
        return not self.client_streaming and not self.server_streaming

    def response_bytes(self, response: Any) -> bytes:
        serialize = self.handler.response_serializer
        return serialize(response) if serialize is not None else bytes(response)

    @property
    def behaviour(self) -> Callable[[Any, HttpCallContext], Any]:
        """The handler's one behaviour (its shape: client_streaming, server_streaming), called
        with this door's context where gRPC passes its ServicerContext."""
        handler = self.handler
        behaviour = (
            handler.unary_unary
            or handler.unary_stream
            or handler.stream_unary
            or handler.stream_stream
        )
        assert behaviour is not None, "a handler has one of the four shapes"
        return cast(Callable[[Any, HttpCallContext], Any], behaviour)


class ConnectApi:
    """The HTTP routes of the gate's services, made once from their descriptors."""

    def __init__(self, gate: Gate, services: Iterable[str], max_message_bytes: int) -> None:
        self._gate = gate
        self.max_message_bytes = max_message_bytes
        self.routes: dict[str, Route] = {}
        services = tuple(services)
        self._json = JsonTranscoder(services)
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
                    open=is_open(path),
                )

    def refusal_before_body(
        self, route: Route, metadata: Sequence[tuple[str, str]]
    ) -> grpc.Status | None:
        """The status refusing a call that presents no API key where one is needed: found from
        the headers alone, so the body is never read (None: read it)."""
        if not self._gate.requires_key(route.path) or presented_key(metadata):
            return None
        return to_status(
            UnauthenticatedError(f"an API key is required (header {API_KEY_HEADER!r})")
        )

    # Unary ------------------------------------------------------------------------------------

    def unary(
        self,
        route: Route,
        codec: Codec,
        body: bytes,
        context: HttpCallContext,
        compress: bool = False,
    ) -> Reply:
        """A unary call: Connect's body (decoded from HTTP's Content-Encoding already) or
        gRPC-Web's frames; `compress`: the caller accepts a gzip answer."""
        if codec.protocol is Protocol.GRPC_WEB:
            return self._grpc_web_unary(route, codec, body, context, compress)
        as_json = codec.as_json
        try:
            self._gate.authorize(route.path, context)
            request = _decode(self._json, route.input, body, as_json, self.max_message_bytes)
        except (PromocoreError, *STORE_UNREACHABLE) as error:
            return error_reply(answer_status(error))
        raw, status = self._call_unary(route, request, context)
        if status is not None:
            return error_reply(status, context.trailing_metadata())
        assert raw is not None, "a call answers bytes or a status"
        answer = self._json.to_json(_name(route.output), raw) if as_json else raw
        headers = _trailer_headers(context.trailing_metadata())
        if compress and len(answer) >= COMPRESS_FROM_BYTES:
            answer = gzip.compress(answer, compresslevel=1)
            headers.append(("content-encoding", GZIP))
        return Reply(200, codec.content_type, answer, headers)

    def _call_unary(
        self, route: Route, request: bytes, context: HttpCallContext
    ) -> tuple[bytes, None] | tuple[None, grpc.Status]:
        try:
            response = route.behaviour(request, context)
        except Aborted as aborted:
            return None, aborted.status
        except Exception:
            log.exception("%s failed", route.path)
            return None, _Status(grpc.StatusCode.INTERNAL, "internal error")
        finally:
            context.finished()
        return route.response_bytes(response), None

    def _grpc_web_unary(
        self, route: Route, codec: Codec, body: bytes, context: HttpCallContext, compress: bool
    ) -> Reply:
        try:
            self._gate.authorize(route.path, context)
            frames = self._requests(route, codec, body, context)
        except (PromocoreError, *STORE_UNREACHABLE) as error:
            return _grpc_web_reply(codec, [], answer_status(error), ())
        raw, status = self._call_unary(route, frames[0], context)
        messages = [] if raw is None else [_frame(0, raw, compress)]
        headers = [("grpc-encoding", GZIP)] if compress else []
        return _grpc_web_reply(codec, messages, status, context.trailing_metadata(), headers)

    def _requests(
        self, route: Route, codec: Codec, body: bytes, context: HttpCallContext
    ) -> list[bytes]:
        """The request messages of framed body (Connect envelopes, gRPC-Web frames) as
        protobuf bytes; a non-client-streaming call takes exactly one."""
        if codec.text:
            body = _base64(body)
        encoding = context.header(
            "grpc-encoding" if codec.protocol is Protocol.GRPC_WEB else "connect-content-encoding"
        )
        limit = self.max_message_bytes * HARD_CAP_FACTOR
        requests = [
            _decode(self._json, route.input, raw, codec.as_json, self.max_message_bytes)
            for raw in _envelopes(body, encoding, limit)
        ]
        if not route.client_streaming and len(requests) != 1:
            raise InvalidArgumentError(
                "request", f"{route.path} takes one message, got {len(requests)}"
            )
        return requests

    # Streaming ----------------------------------------------------------------------------------

    def stream(
        self,
        route: Route,
        codec: Codec,
        body: bytes,
        context: HttpCallContext,
        compress: bool = False,
    ) -> Iterator[bytes]:
        """The framed messages of a streaming call's answer (Connect envelopes or gRPC-Web
        frames), the end of the stream last; `compress`: the caller accepts gzip messages."""
        try:
            self._gate.authorize(route.path, context)
            requests = self._requests(route, codec, body, context)
        except (PromocoreError, *STORE_UNREACHABLE) as error:
            yield self._end(codec, answer_status(error), ())
            return
        behaviour = route.behaviour
        try:
            if route.client_streaming and route.server_streaming:
                responses = behaviour(iter(requests), context)
            elif route.client_streaming:
                responses = iter((behaviour(iter(requests), context),))
            elif route.server_streaming:
                responses = behaviour(requests[0], context)
            else:
                responses = iter((behaviour(requests[0], context),))
            for response in responses:
                raw = route.response_bytes(response)
                message = self._json.to_json(_name(route.output), raw) if codec.as_json else raw
                framed = _frame(0, message, compress)
                yield _base64_frame(framed) if codec.text else framed
        except Aborted as aborted:
            yield self._end(codec, aborted.status, context.trailing_metadata())
            return
        except GeneratorExit:
            raise
        except Exception:
            log.exception("%s failed", route.path)
            yield self._end(codec, _Status(grpc.StatusCode.INTERNAL, "internal error"), ())
            return
        finally:
            context.finished()
        yield self._end(codec, None, context.trailing_metadata())

    @staticmethod
    def _end(codec: Codec, status: grpc.Status | None, trailing: Metadata) -> bytes:
        if codec.protocol is Protocol.GRPC_WEB:
            frame = _grpc_web_trailer(status, trailing)
            return _base64_frame(frame) if codec.text else frame
        return _end_stream(status, trailing)


def stream_headers(codec: Codec, compress: bool) -> list[tuple[str, str]]:
    """The headers of a streaming answer (the encoding of its compressed messages)."""
    if not compress:
        return []
    if codec.protocol is Protocol.GRPC_WEB:
        return [("grpc-encoding", GZIP)]
    return [("connect-content-encoding", GZIP)]


def accepts_gzip(codec: Codec, headers: Mapping[str, str]) -> bool:
    """Whether the caller takes gzip answers: Accept-Encoding (Connect unary),
    Connect-Accept-Encoding (Connect streams) or grpc-accept-encoding (gRPC-Web)."""
    if codec.protocol is Protocol.GRPC_WEB:
        name = "grpc-accept-encoding"
    elif codec.protocol is Protocol.CONNECT_STREAM:
        name = "connect-accept-encoding"
    else:
        name = "accept-encoding"
    offered = headers.get(name) or ""
    return any(part.split(";")[0].strip() == GZIP for part in offered.split(","))


def _non_blocking(handler: grpc.RpcMethodHandler[Any, Any]) -> bool:
    """grpc_health's Watch answers from gRPC callbacks, not as a generator: not served here."""
    return any(
        getattr(behaviour, "experimental_non_blocking", False)
        for behaviour in (handler.unary_stream, handler.stream_stream)
    )


def _decode(
    json_codec: JsonTranscoder, message_type: type, body: bytes, as_json: bool, limit: int
) -> bytes:
    """The request's protobuf bytes; JSON is transcoded into its message first, in Rust (an
    error is INVALID_ARGUMENT on "request" with protobuf's json_format's words, which name the
    field)."""
    if not as_json:
        return body
    if len(body) > limit * 4:  # JSON is wordier than protobuf; the gate checks the bytes
        raise too_large(len(body), limit * 4)
    try:
        return json_codec.to_proto(_name(message_type), body or b"{}")
    except ValueError:
        pass
    # Refused in Rust: json_format says why in words naming the field (the error path only),
    # and has the last word should the two mappings ever differ.
    message = message_type()
    try:
        json_format.Parse(body or b"{}", message)
    except (json_format.ParseError, UnicodeDecodeError) as error:
        raise InvalidArgumentError(
            "request", f"not a valid {_name(message_type)}: {error}"
        ) from None
    serialized: bytes = message.SerializeToString()
    return serialized


def _name(message_type: type[Message]) -> str:
    return descriptor_of(message_type).full_name


class JsonTranscoder:
    """Proto3 JSON <-> protobuf bytes of the services' messages: promocore's own through the
    engine's generated codec (a checkout cart in some 10 µs), the few others (grpc.health)
    through protobuf's json_format."""

    def __init__(self, services: Iterable[str]) -> None:
        self._engine = _engine.JsonCodec()
        self._others: dict[str, type[Any]] = {}
        pool = descriptor_pool.Default()
        for service in services:
            for method in pool.FindServiceByName(service).methods:
                for message in (method.input_type, method.output_type):
                    if not self._engine.knows(message.full_name):
                        self._others[message.full_name] = message_factory.GetMessageClass(message)

    def to_proto(self, message_name: str, json: bytes) -> bytes:
        """ValueError when `json` is not a `message_name` (unknown fields included)."""
        other = self._others.get(message_name)
        if other is None:
            return self._engine.to_proto(message_name, json)
        message = other()
        try:
            json_format.Parse(json, message)
        except (json_format.ParseError, UnicodeDecodeError) as error:
            raise ValueError(str(error)) from None
        return bytes(message.SerializeToString())

    def to_json(self, message_name: str, data: bytes) -> bytes:
        other = self._others.get(message_name)
        if other is None:
            return self._engine.to_json(message_name, data)
        return orjson.dumps(json_format.MessageToDict(other.FromString(data)))


def gunzip(data: bytes, limit: int) -> bytes:
    """gzip data decompressed, refused (INVALID_ARGUMENT) beyond `limit` bytes: a small bomb
    cannot expand into memory."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as error:
        raise InvalidArgumentError("request", f"not valid gzip: {error}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise too_large(limit + 1, limit)
    return out


def _envelopes(body: bytes, encoding: str | None, limit: int) -> Iterator[bytes]:
    position = 0
    while position < len(body):
        if len(body) - position < _ENVELOPE.size:
            raise InvalidArgumentError("request", "a truncated message frame")
        flags, length = _ENVELOPE.unpack_from(body, position)
        position += _ENVELOPE.size
        if position + length > len(body):
            raise InvalidArgumentError("request", "a truncated message frame")
        data = body[position : position + length]
        position += length
        if flags & _COMPRESSED:
            if encoding != GZIP:
                raise InvalidArgumentError(
                    "request", f"a compressed message needs the gzip encoding, got {encoding!r}"
                )
            data = gunzip(data, limit)
        yield data


def _frame(flags: int, data: bytes, compress: bool = False) -> bytes:
    if compress and len(data) >= COMPRESS_FROM_BYTES:
        flags |= _COMPRESSED
        data = gzip.compress(data, compresslevel=1)
    return _ENVELOPE.pack(flags, len(data)) + data


def _base64(body: bytes) -> bytes:
    """grpc-web-text's body: base64 chunks, each maybe padded (a client may send several)."""
    try:
        return b"".join(
            base64.b64decode(chunk + b"=" * (-len(chunk) % 4))
            for chunk in body.replace(b"\r", b"").replace(b"\n", b"").split(b"=")
            if chunk
        )
    except ValueError:
        raise InvalidArgumentError("request", "a grpc-web-text body that is not base64") from None


def _base64_frame(frame: bytes) -> bytes:
    return base64.b64encode(frame)


def _grpc_web_trailer(status: grpc.Status | None, trailing: Metadata) -> bytes:
    """gRPC-Web's trailer frame: the status as HTTP/1-style header lines."""
    code = grpc.StatusCode.OK if status is None else status.code
    lines = [f"grpc-status: {code.value[0]}"]
    if status is not None and status.details:
        lines.append(f"grpc-message: {urllib.parse.quote(status.details, safe=' ')}")
    for key, value in (*(status.trailing_metadata if status is not None else ()), *trailing):
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode()
        lines.append(f"{key}: {value}")
    return _frame(_TRAILER, "\r\n".join(lines).encode() + b"\r\n")


def _grpc_web_reply(
    codec: Codec,
    messages: list[bytes],
    status: grpc.Status | None,
    trailing: Metadata,
    headers: list[tuple[str, str]] | None = None,
) -> Reply:
    body = b"".join((*messages, _grpc_web_trailer(status, trailing)))
    if codec.text:
        body = base64.b64encode(body)
    return Reply(200, codec.content_type, body, headers or [])


def connect_error(status: grpc.Status) -> tuple[int, dict[str, Any]]:
    """Connect's error JSON of a gRPC status, with its HTTP status."""
    name, http_status = CONNECT_CODES.get(status.code, ("unknown", 500))
    error: dict[str, Any] = {"code": name, "message": status.details or ""}
    details = []
    for key, value in status.trailing_metadata or ():
        if key != STATUS_DETAILS_KEY:
            continue
        try:
            rich = status_pb2.Status.FromString(
                value if isinstance(value, bytes) else value.encode()
            )
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


def error_reply(status: grpc.Status, trailing: Metadata = ()) -> Reply:
    """Connect's unary error: always JSON, whatever the request's codec."""
    http_status, error = connect_error(status)
    headers = _trailer_headers(trailing)
    return Reply(http_status, JSON, orjson.dumps(error), headers)


def transport_error(
    codec: Codec | None, http_status: int, code: grpc.StatusCode, message: str
) -> Reply:
    """An error the HTTP port answers itself, before any handler (no route, bad headers, a
    body too large or too slow, the port's cap on calls): Connect's error JSON with the given
    HTTP status, or for gRPC-Web a trailer-only answer."""
    status = _Status(code, message)
    if codec is not None and codec.protocol is Protocol.GRPC_WEB:
        return _grpc_web_reply(codec, [], status, ())
    if codec is not None and codec.streaming:
        return Reply(200, codec.content_type, _end_stream(status, ()), [])
    name = CONNECT_CODES.get(code, ("unknown", 500))[0]
    return Reply(http_status, JSON, orjson.dumps({"code": name, "message": message}), [])


def status_error(codec: Codec | None, status: grpc.Status) -> Reply:
    """A gate-made status (an error found before the call: a bad deadline) in the protocol."""
    if codec is not None and codec.protocol is Protocol.GRPC_WEB:
        return _grpc_web_reply(codec, [], status, ())
    if codec is not None and codec.streaming:
        return Reply(200, codec.content_type, _end_stream(status, ()), [])
    return error_reply(status)


def _end_stream(status: grpc.Status | None, trailing: Metadata) -> bytes:
    end: dict[str, Any] = {}
    if status is not None:
        end["error"] = connect_error(status)[1]
    metadata = {key: [value] for key, value in trailing if isinstance(value, str)}
    if metadata:
        end["metadata"] = metadata
    return _frame(_END_STREAM, orjson.dumps(end))


def _trailer_headers(trailing: Metadata) -> list[tuple[str, str]]:
    """Connect's unary trailers: `Trailer-` headers (the request id of promocore.server.logs)."""
    return [
        (f"trailer-{key}", value)
        for key, value in trailing
        if isinstance(value, str) and key != STATUS_DETAILS_KEY
    ]
