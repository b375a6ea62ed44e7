"""Requests checked before any handler: one larger than `limit` bytes is answered
INVALID_ARGUMENT on the field "request", naming the limit, without being parsed; one that does
not parse as its message type is INVALID_ARGUMENT too (gRPC alone would answer INTERNAL).

gRPC itself refuses messages beyond a hard cap (HARD_CAP_FACTOR times the limit) with
RESOURCE_EXHAUSTED before promocore sees them, so an oversized message is never even buffered
past that.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
from google.protobuf.message import DecodeError

from promocore.errors import InvalidArgumentError
from promocore.rpc_handlers import Behaviour, rewrap
from promocore.wire_errors import to_status

DEFAULT_MAX_MESSAGE_BYTES = 1 << 20
HARD_CAP_FACTOR = 4


class _Refused:
    """What the deserializer hands the handler instead of a request it refuses."""

    def __init__(self, error: InvalidArgumentError) -> None:
        self.error = error


class RequestGuardInterceptor(grpc.ServerInterceptor):
    def __init__(self, limit: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self._limit = limit

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        limit = self._limit
        parse = handler.request_deserializer

        def checked(raw: bytes):
            if len(raw) > limit:
                return _Refused(
                    InvalidArgumentError(
                        "request", f"a message has at most {limit} bytes; got {len(raw)}"
                    )
                )
            if parse is None:
                return raw
            try:
                return parse(raw)
            except DecodeError as error:
                return _Refused(InvalidArgumentError("request", f"not a valid message: {error}"))

        def refuse(refused: _Refused, context) -> None:
            context.abort_with_status(to_status(refused.error))

        def wrap(behaviour: Behaviour) -> Behaviour:
            if handler.request_streaming:

                def streaming(requests: Iterator, context):
                    def each():
                        for request in requests:
                            if isinstance(request, _Refused):
                                refuse(request, context)
                            yield request

                    return behaviour(each(), context)

                return streaming

            def unary(request, context):
                if isinstance(request, _Refused):
                    refuse(request, context)
                return behaviour(request, context)

            return unary

        return rewrap(handler, wrap, request_deserializer=checked)
