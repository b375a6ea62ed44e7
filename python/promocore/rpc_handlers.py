"""Rewrapping a gRPC method handler: what server interceptors use to act inside the call, where
the ServicerContext (peer, deadline, abort) is at hand, whatever the streaming shape."""

from __future__ import annotations

from collections.abc import Callable

import grpc

from promocore.errors import PromocoreError
from promocore.wire_errors import to_status

Behaviour = Callable[..., object]
_KINDS = ("unary_unary", "unary_stream", "stream_unary", "stream_stream")


def rewrap(handler: grpc.RpcMethodHandler, wrap: Callable[[Behaviour], Behaviour], **fields):
    """`handler` with its behaviour replaced by `wrap(behaviour)` and any `fields` replaced
    (e.g. request_deserializer). The handlers grpc builds are namedtuples."""
    for kind in _KINDS:
        behaviour = getattr(handler, kind)
        if behaviour is not None:
            return handler._replace(**{kind: wrap(behaviour)}, **fields)
    return handler


def refusing(handler: grpc.RpcMethodHandler, error: PromocoreError) -> grpc.RpcMethodHandler:
    """A handler of the same shape that answers `error` without reading the request."""
    status = to_status(error)

    def refuse(_behaviour: Behaviour) -> Behaviour:
        def behaviour(_request, context):
            context.abort_with_status(status)

        return behaviour

    return rewrap(handler, refuse, request_deserializer=None)
