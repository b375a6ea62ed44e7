"""The message size limit: a request larger than `limit` bytes is answered INVALID_ARGUMENT on
the field "request", naming the limit, before it is parsed.

gRPC itself refuses messages beyond a hard cap (HARD_CAP_FACTOR times the limit) with
RESOURCE_EXHAUSTED before promocore sees them, so an oversized message is never even buffered
past that.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from promocore.errors import InvalidArgumentError
from promocore.rpc_handlers import Behaviour, rewrap
from promocore.wire_errors import to_status

DEFAULT_MAX_MESSAGE_BYTES = 1 << 20
HARD_CAP_FACTOR = 4


class _TooLarge:
    def __init__(self, size: int) -> None:
        self.size = size


class RequestSizeInterceptor(grpc.ServerInterceptor):
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
                return _TooLarge(len(raw))
            return raw if parse is None else parse(raw)

        def refuse(size: int, context) -> None:
            error = InvalidArgumentError(
                "request", f"a message has at most {limit} bytes; got {size}"
            )
            context.abort_with_status(to_status(error))

        def wrap(behaviour: Behaviour) -> Behaviour:
            if handler.request_streaming:

                def streaming(requests: Iterator, context):
                    def each():
                        for request in requests:
                            if isinstance(request, _TooLarge):
                                refuse(request.size, context)
                            yield request

                    return behaviour(each(), context)

                return streaming

            def unary(request, context):
                if isinstance(request, _TooLarge):
                    refuse(request.size, context)
                return behaviour(request, context)

            return unary

        return rewrap(handler, wrap, request_deserializer=checked)
