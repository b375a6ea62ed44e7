"""The audit trail of admin changes: who made the call, and the entry each change records.

"Who" is the id of the API key the auth layer authenticated (`key:<id>`, never the secret).
When the server runs without auth, `actor_from_metadata` derives it from the `x-api-key`
header instead (a hash of the key, so no secret lands in the log), or "anonymous" without one.

The actor travels from the gRPC call to the Admin methods in a context variable, set for the
duration of each AdminService call by `ActorInterceptor`; changes made in-process without a
server (the demo loader, scripts using Admin directly) are recorded as "cli-local".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

import grpc
import orjson
from google.protobuf.message import Message

from promocore.plain import to_plain
from promocore.principal import current_principal
from promocore.v1 import admin_pb2

API_KEY_HEADER = "x-api-key"
ADMIN_METHOD_PREFIX = "/" + admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name + "/"
LOCAL_ACTOR = "cli-local"
ANONYMOUS = "anonymous"

_actor: ContextVar[str] = ContextVar("promocore_actor", default=LOCAL_ACTOR)


def actor_from_metadata(metadata: Sequence[tuple[str, Any]] | None) -> str:
    """Who is calling, from the call's metadata (see the module docstring)."""
    for key, value in metadata or ():
        if key == API_KEY_HEADER and value:
            api_key = value if isinstance(value, str) else value.decode()
            if "." in api_key:
                return api_key.split(".", 1)[0]
            return "key-" + hashlib.sha256(api_key.encode()).hexdigest()[:12]
    return ANONYMOUS


def authenticated_actor() -> str | None:
    principal = current_principal()
    return f"key:{principal.key_id}" if principal is not None else None


def current_actor() -> str:
    return _actor.get()


def entry(action: str, target: str, before: Any, after: Any) -> admin_pb2.AuditEntry:
    """An audit entry by the current actor; `before`/`after` are messages, plain values or None
    (a creation has no before)."""
    return admin_pb2.AuditEntry(
        actor=current_actor(),
        action=action,
        target=target,
        before_json=_json(before),
        after_json=_json(after),
    )


def plain(value: Any) -> Any:
    """Messages as plain values (nested in dicts and lists too); anything else as it is."""
    if isinstance(value, Message):
        return to_plain(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _json(value: Any) -> str:
    if value is None:
        return ""
    return orjson.dumps(plain(value), option=orjson.OPT_SORT_KEYS).decode()


class ActorInterceptor(grpc.ServerInterceptor):
    """Sets the actor for the duration of every AdminService call (other services untouched)."""

    def intercept_service(
        self, continuation: Callable, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        if handler is None or not handler_call_details.method.startswith(ADMIN_METHOD_PREFIX):
            return handler
        actor = actor_from_metadata(handler_call_details.invocation_metadata)
        if handler.unary_unary is not None:
            return handler._replace(unary_unary=_as(actor, handler.unary_unary))
        if handler.unary_stream is not None:
            return handler._replace(unary_stream=_as_stream(actor, handler.unary_stream))
        if handler.stream_unary is not None:
            return handler._replace(stream_unary=_as(actor, handler.stream_unary))
        return handler._replace(stream_stream=_as_stream(actor, handler.stream_stream))


def _as(actor: str, behavior: Callable) -> Callable:
    def run(request: Any, context: grpc.ServicerContext) -> Any:
        # The auth interceptor, outside this one, has authenticated the call by now.
        token = _actor.set(authenticated_actor() or actor)
        try:
            return behavior(request, context)
        finally:
            _actor.reset(token)

    return run


def _as_stream(actor: str, behavior: Callable) -> Callable:
    def run(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        # A generator may be resumed in another context than the one it started in, so the
        # actor is set (not reset) around each step.
        responses = behavior(request, context)
        who = authenticated_actor() or actor
        while True:
            _actor.set(who)
            try:
                yield next(responses)
            except StopIteration:
                return

    return run
