"""The gate: everything an RPC goes through before and after its handler, in one pass.

Every method's grpc.RpcMethodHandler is built once, at start-up, around the handler the service
code provides: its behaviour wrapped by one closure specialised for that method (open or not,
the roles allowed, its class, whether it records the audit actor, whether it takes the checkout
caller, how its request is parsed, its streaming shape). The server serves them from gRPC's
registered-method table (a dict lookup in gRPC itself; no interceptor, nothing allocated per call
to route it). Per call, in the RPC's own thread, the gate:

1. authenticates the `x-api-key` metadata (auth.Authenticator: one dict lookup for a key
   verified before), checks the key's role against the method's roles (roles.py), and sets the
   principal (principal.py) and, for AdminService calls, the audit actor (actor.py);
2. refuses a request larger than the limit, INVALID_ARGUMENT on "request" (request_guard.py);
3. records the deadline (deadlines.begin), refusing an RPC whose deadline has passed;
4. admits the RPC by its class:
   - reads (Validate, Qualify, the admin and events RPCs) take one of the in-service slots (as
     many as fit in the shed target at their cost), waiting their turn, and are shed under a
     standing queue (load_shedding.py);
   - writes (Redeem, Rollback, ReleaseReservation, and a Validate that asks for a reservation)
     take no slot: their work runs in the group-commit writer while their thread only waits, and
     a slot held through that wait would stall every read behind a disk sync. They are never
     shed for waiting; instead at most `max_writes` are in flight per process, so that writes
     can never fill gRPC's cap on RPCs (`maximum_concurrent_rpcs`) and lock reads out;
   - health checks and reflection are admitted as they come, without a key;
   A streaming response is admitted like a unary one, then streams without holding a slot (a
   stream lasts as long as its caller wants);
5. parses a typed request (a parse error is INVALID_ARGUMENT on "request");
6. runs the handler (Validate and Redeem with the checkout Caller: key id and address), mapping
   PromocoreError to its status with details (wire_errors), an unreachable store to UNAVAILABLE,
   and running a unary RPC whose own store transaction lost a race (shared store) again;
7. finishes in one place, `_finish`, where the method, the status code and the duration are
   known: the hooks added with `on_finish` run there (metrics, access logs). Without hooks the
   gate reads no clock for them.

What the shedding measures. gRPC hands a call to a pool thread as soon as it arrives when the
pool has a thread free; with at least as many threads as `maximum_concurrent_rpcs` (the server's
default) it always has, so gRPC's own queue stays empty and the only queue an RPC can stand in is
the slot queue, which the gate measures itself: the wait of an RPC is from its thread's entry
into the gate to the slot. One that finds a slot free waited for nothing. (Interceptors used to
stamp calls on gRPC's dispatch thread, which also counted the wait for a pool thread — a queue
that only exists when threads are fewer than the cap, and that idle threads cost nothing to
avoid.) The moments between the network and the RPC's thread are dispatch (gRPC's poller, a
thread waking up): no refusal would shorten them, so they are not counted.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias

import grpc

from promocore.call_context import deadlines
from promocore.call_context.actor import actor_from_metadata, set_actor
from promocore.call_context.principal import Principal
from promocore.call_context.principal import current as principal_context
from promocore.checkout.guess_guard import Caller, address_of
from promocore.errors import (
    PermissionDeniedError,
    PromocoreError,
    ResourceExhaustedError,
    UnavailableError,
    WriteConflictError,
)
from promocore.manage import api_keys
from promocore.server.auth import Authenticator, presented_key
from promocore.server.load_shedding import LoadShedder
from promocore.server.request_guard import parsed, too_large
from promocore.server.roles import ADMIN_RPCS, CHECKOUT_RPCS, allowed_roles, is_open, role_name
from promocore.store.errors import STORE_UNREACHABLE, WriteConflict, store_unavailable
from promocore.store.failures import STORE_FAILURES, store_answer
from promocore.v1 import checkout_pb2
from promocore.wire.status import to_status

log = logging.getLogger("promocore.gate")

# The writes: their work runs in the group-commit writer (promocore.store.group_commit).
# A method's gRPC handler; what the service code provides for it (request, context or
# Caller -> response); how its request bytes are parsed.
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"
Behaviour = Callable[..., Any]
Parse = Callable[[bytes], Any]
# gRPC's ServicerContext or the HTTP door's HttpCallContext (whose code() grpc's stubs lack).
CallContext = Any
WRITE_RPCS = frozenset(CHECKOUT_RPCS[name] for name in ("Redeem", "Rollback", "ReleaseReservation"))
VALIDATE = CHECKOUT_RPCS["Validate"]
# The calls whose changes the audit log attributes to the caller (the actor).
ADMIN_METHODS = frozenset(ADMIN_RPCS.values())
# A unary RPC whose own store transaction lost a race (shared store only) runs this often.
RPC_CONFLICT_ATTEMPTS = 5
# Checkout Callers kept for reuse (one per connection and key).
MAX_CALLERS = 4096
# How long a write refused for the write bound is told to wait before retrying.
WRITE_RETRY_AFTER_MS = 100
# What a call arriving while the server shuts down is answered (Gate.drain): UNAVAILABLE, which
# clients retry (on another worker or server), not CANCELLED, which they rarely do.
SHUTTING_DOWN = to_status(
    UnavailableError(
        "the server is shutting down; nothing was done, retry (another server or worker answers)",
        reason="shutting_down",
    )
)

# hook(method, code, seconds, context): called once per RPC by the gate, when it ends. `seconds`
# runs from the gate's entry to the handler's return (a stream: its last message); the response
# is serialized and sent after. On an error the status's own trailing metadata is set after the
# hooks ran (context.abort_with_status), keeping any a hook set (a request id: logs.py).
FinishHook = Callable[[str, grpc.StatusCode, float, grpc.ServicerContext], None]
# hook(method, context): called when an RPC enters the gate, before anything else, only while
# finish hooks exist (promocore.server.logs opens the RPC's log scope with its request id).
StartHook = Callable[[str, grpc.ServicerContext], None]
# hook(method, code): an RPC refused by admission (shedding, the write bound, a deadline passed
# in the queue), before its finish hooks run (promocore.server.metrics counts the load shed).
RefusalHook = Callable[[str, grpc.StatusCode], None]
# hook(method, error): an RPC answered with a PromocoreError (its status and reason code), before
# its finish hooks run (promocore.server.metrics counts the reasons).
ErrorHook = Callable[[str, PromocoreError], None]

_OK = grpc.StatusCode.OK
_UNKNOWN = grpc.StatusCode.UNKNOWN
_CANCELLED = grpc.StatusCode.CANCELLED
_RESERVATION_TAG = bytes(
    [checkout_pb2.ValidateRequest.DESCRIPTOR.fields_by_name["reservation"].number << 3 | 2]
)
_RESERVATION_FIELD = _RESERVATION_TAG[0] >> 3


class _Status(
    collections.namedtuple("_Status", ("code", "details", "trailing_metadata")), grpc.Status
):
    pass


def _abort(context: grpc.ServicerContext, status: grpc.Status) -> None:
    """abort_with_status, keeping the trailing metadata a finish hook set (error paths only)."""
    extra = context.trailing_metadata()
    if extra:
        status = _Status(status.code, status.details, (*status.trailing_metadata, *extra))
    context.abort_with_status(status)


class Refused(Exception):
    """An RPC the gate refuses with a status built once."""

    def __init__(self, status: grpc.Status) -> None:
        super().__init__(status.details)
        self.status = status


# Errors the gate answers with a status of its own (anything else is gRPC's UNKNOWN): its
# refusals, promocore's errors, a lost store race, an unreachable store and a store that fails
# (a full disk, a damaged page: store/failures.py).
ANSWERED: tuple[type[BaseException], ...] = (
    Refused,
    WriteConflict,
    PromocoreError,
    *STORE_UNREACHABLE,
    *STORE_FAILURES,
)


def answer_status(error: BaseException) -> grpc.Status:
    """The status answering an error of ANSWERED (no hook told: see Gate._status_of)."""
    if isinstance(error, Refused):
        return error.status
    if isinstance(error, WriteConflict):
        return to_status(WriteConflictError(str(error)))
    if isinstance(error, PromocoreError):
        return to_status(error)
    if isinstance(error, STORE_FAILURES):
        return to_status(store_answer(error))
    return to_status(store_unavailable(error))


class WriteBound:
    """At most `limit` writes in flight; beyond, refused at once (RESOURCE_EXHAUSTED)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the write bound must be at least 1")
        self.limit = limit
        self.in_flight = 0
        self._lock = threading.Lock()
        self.refusal = to_status(
            ResourceExhaustedError(
                f"the server has {limit} writes in progress, its most; retry later",
                reason="overloaded",
                retry_after_ms=WRITE_RETRY_AFTER_MS,
            )
        )

    def enter(self) -> bool:
        with self._lock:
            if self.in_flight >= self.limit:
                return False
            self.in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


@dataclass(frozen=True)
class MethodPolicy:
    """What the gate does for one method, decided once at start-up."""

    path: str
    open: bool  # health checking and reflection: no key, no admission
    roles: frozenset[int]
    write: bool  # a write always (Redeem, Rollback, ReleaseReservation)
    maybe_write: bool  # a write when the request asks for a reservation (Validate)
    admin: bool  # records the audit actor
    takes_caller: bool  # the handler takes the checkout Caller instead of the context

    @classmethod
    def of(cls, path: str, *, takes_caller: bool = False) -> MethodPolicy:
        return cls(
            path=path,
            open=is_open(path),
            roles=allowed_roles(path),
            write=path in WRITE_RPCS,
            maybe_write=path == VALIDATE,
            admin=path in ADMIN_METHODS,
            takes_caller=takes_caller,
        )


def asks_for_reservation(request: bytes) -> bool:
    """Whether a ValidateRequest's bytes hold its `reservation` field, from a walk of the top
    level only (a few steps: the order and each redeemable are skipped whole); False for bytes
    that do not walk, which the handler's parse then reports. Most requests do not hold the tag
    byte anywhere, which one C-level search settles."""
    if _RESERVATION_TAG not in request:
        return False
    position, end = 0, len(request)
    try:
        while position < end:
            tag, position = _varint(request, position)
            wire_type = tag & 7
            if tag >> 3 == _RESERVATION_FIELD:
                return wire_type == 2
            if wire_type == 0:
                _, position = _varint(request, position)
            elif wire_type == 2:
                length, position = _varint(request, position)
                position += length
            elif wire_type == 1:
                position += 8
            elif wire_type == 5:
                position += 4
            else:
                return False
    except IndexError:
        return False
    return False


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7


class HandlerCollector:
    """Stands in for a grpc.Server when handed to the generated `add_*Servicer_to_server`
    functions (and grpc_health's, grpc_reflection's): keeps the handlers they register, by
    service, for the gate to wrap. (Generated code registers each service both as a generic
    handler and as registered methods; the registered ones are the same handlers, by name.)"""

    def __init__(self) -> None:
        self.services: dict[str, dict[str, Handler]] = {}

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Handler]) -> None:
        self.services.setdefault(service, {}).update(handlers)

    def add_generic_rpc_handlers(self, _handlers: Any) -> None:
        pass  # the same handlers as the registered ones


class _Lookup(grpc.GenericRpcHandler):
    """The gate's handlers by full method path: what gRPC consults for a call that did not match
    a registered method."""

    def __init__(self, handlers: dict[str, Handler]) -> None:
        self._handlers = handlers

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Handler | None:
        return self._handlers.get(handler_call_details.method)


class Gate:
    def __init__(
        self,
        *,
        authenticator: Authenticator | None,
        shedder: LoadShedder,
        writes: WriteBound,
        max_message_bytes: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._authenticator = authenticator
        self.shedder = shedder
        self.writes = writes
        self._limit = max_message_bytes
        self._monotonic = monotonic
        self._hooks: list[FinishHook] = []
        # (key id, peer) -> its Caller: one per connection and key, made once (at most
        # MAX_CALLERS kept; then they are dropped all at once and made again as calls come).
        self._callers: dict[tuple[str, str], Caller] = {}
        self._start_hooks: list[StartHook] = []
        self._refusal_hooks: list[RefusalHook] = []
        self._error_hooks: list[ErrorHook] = []
        self._services: dict[str, dict[str, Handler]] = {}
        self._policies: dict[str, MethodPolicy] = {}
        # Set by drain(): keyed calls are answered UNAVAILABLE from then on.
        self.draining = False

    def drain(self) -> None:
        """The server is shutting down: every keyed call from now on is answered UNAVAILABLE
        (`shutting_down`) at once; calls in progress finish. Health and reflection still
        answer (health says NOT_SERVING)."""
        self.draining = True

    def in_progress(self) -> int:
        """Keyed calls past admission and not yet answered (writes, and reads holding or
        waiting for a slot; a stream only while it starts): what a shutdown waits
        for before it closes the connections."""
        return self.writes.in_flight + self.shedder.occupied

    def on_finish(self, hook: FinishHook) -> None:
        """Runs `hook` at the end of every RPC from now on (see FinishHook)."""
        self._hooks.append(hook)

    def on_start(self, hook: StartHook) -> None:
        """Runs `hook` as every RPC enters the gate, while finish hooks exist (see StartHook)."""
        self._start_hooks.append(hook)

    def on_refusal(self, hook: RefusalHook) -> None:
        """Runs `hook` for every RPC that admission refuses (see RefusalHook)."""
        self._refusal_hooks.append(hook)

    def on_error(self, hook: ErrorHook) -> None:
        """Runs `hook` for every RPC answered with a PromocoreError (see ErrorHook)."""
        self._error_hooks.append(hook)

    def add(
        self,
        service: str,
        handlers: dict[str, Handler],
        *,
        with_caller: frozenset[str] = frozenset(),
    ) -> None:
        """Gates `service`'s handlers (method name -> handler); the methods in `with_caller` are
        called with the checkout Caller in place of the context."""
        gated = self._services.setdefault(service, {})
        for name, handler in handlers.items():
            policy = MethodPolicy.of(f"/{service}/{name}", takes_caller=name in with_caller)
            self._policies[policy.path] = policy
            gated[name] = self._gated(policy, handler)

    def gated_handler(self, service: str, name: str) -> Handler | None:
        """The gated handler of a method, as gRPC serves it: what another transport calls with
        a context of its own (promocore.server.http_api), so every RPC passes this one gate."""
        return self._services.get(service, {}).get(name)

    def authorize(self, path: str, context: CallContext) -> None:
        """The gate's first step alone (authentication, role, principal, audit actor) for a
        method by its path: lets a transport that must decode a request before the gate sees
        it (JSON) refuse an unauthenticated or unauthorised caller first. Raises the
        PromocoreError the gate would answer; the gated call then checks again (a cached
        lookup)."""
        policy = self._policies[path]
        if not policy.open:
            self._enter(policy, context)

    def requires_key(self, path: str) -> bool:
        """Whether a call of the method at `path` must present an API key: lets a transport
        refuse a call without one before it reads the request."""
        return self._authenticator is not None and not self._policies[path].open

    def install(self, server: grpc.Server) -> None:
        """Registers every gated method on `server` (before it starts)."""
        by_path = {}
        for service, handlers in self._services.items():
            server.add_registered_method_handlers(service, handlers)
            by_path.update({f"/{service}/{name}": h for name, h in handlers.items()})
        server.add_generic_rpc_handlers((_Lookup(by_path),))

    # Building the handlers ------------------------------------------------------------------

    def _gated(self, policy: MethodPolicy, handler: Handler) -> Handler:
        if policy.open and getattr(handler.unary_stream, "experimental_non_blocking", False):
            # grpc_health's Watch answers from its own callbacks, holding no thread and not
            # counted against the RPC cap; wrapped, it would hold a thread for its whole life.
            # It is open and takes a tiny fixed message: served as grpc_health registers it.
            return handler
        parse = handler.request_deserializer
        serialize = handler.response_serializer
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(policy, handler.unary_unary, parse), response_serializer=serialize
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                self._response_stream(policy, handler.unary_stream, parse, streaming_request=False),
                response_serializer=serialize,
            )
        if handler.stream_unary is not None:
            return grpc.stream_unary_rpc_method_handler(
                self._request_stream(policy, handler.stream_unary, parse),
                response_serializer=serialize,
            )
        assert handler.stream_stream is not None, "a handler has one of the four shapes"
        return grpc.stream_stream_rpc_method_handler(
            self._response_stream(policy, handler.stream_stream, parse, streaming_request=True),
            response_serializer=serialize,
        )

    def _unary(self, policy: MethodPolicy, behaviour: Behaviour, parse: Parse | None) -> Behaviour:
        """The hot path (every checkout RPC): one closure, its branches on constants."""
        path = policy.path
        hooks = self._hooks
        limit = self._limit
        enter = self._enter
        open_method = policy.open
        write, maybe_write = policy.write, policy.maybe_write
        takes_caller = policy.takes_caller
        shedder, writes = self.shedder, self.writes
        finish = self._finish
        callers = self._callers
        begin = self._begin

        def call(request: Any, context: Any, principal: Principal | None) -> Any:
            if parse is not None:
                request = parsed(parse, request)
            argument = context
            if takes_caller:
                peer = context.peer()
                key_id = principal.key_id if principal is not None else ""
                argument = callers.get((key_id, peer)) or self._caller(key_id, peer)
            try:
                return behaviour(request, argument)
            except WriteConflict:
                return _run_again(behaviour, request, argument)

        def gated(request: bytes, context: CallContext) -> Any:
            started = begin(path, context) if hooks else None
            try:
                if len(request) > limit:
                    if not open_method:
                        enter(policy, context)  # refused callers learn nothing of the limit
                    raise too_large(len(request), limit)
                if open_method:
                    response = behaviour(parsed(parse, request) if parse else request, context)
                elif self.draining:
                    raise Refused(SHUTTING_DOWN)
                else:
                    principal = enter(policy, context)
                    remaining = deadlines.begin(context)
                    if write or (maybe_write and asks_for_reservation(request)):
                        if not writes.enter():
                            raise Refused(writes.refusal)
                        try:
                            response = call(request, context, principal)
                        finally:
                            writes.leave()
                    else:
                        refusal = shedder.enter(remaining)
                        if refusal is not None:
                            raise Refused(refusal)
                        try:
                            response = call(request, context, principal)
                        finally:
                            shedder.leave()
            except ANSWERED as error:
                status = self._status_of(path, error)
            except BaseException:
                if started is not None:
                    finish(path, context.code() or _UNKNOWN, started, context)
                raise
            else:
                if started is not None:
                    finish(path, _OK, started, context)
                return response
            if started is not None:
                finish(path, status.code, started, context)
            _abort(context, status)

        return gated

    def _status_of(self, path: str, error: BaseException) -> grpc.Status:
        """The status an RPC ends with for an error the gate answers (ANSWERED), told to the
        refusal or error hooks. A lost store race reaching here was not run again (a stream:
        part of it may be out) and is ABORTED write_conflict."""
        if isinstance(error, STORE_FAILURES):
            error = store_answer(error)
        if isinstance(error, Refused):
            self._refused(path, error.status.code)
        elif isinstance(error, PromocoreError):
            self._errored(path, error)
        return answer_status(error)

    def _response_stream(
        self,
        policy: MethodPolicy,
        behaviour: Behaviour,
        parse: Parse | None,
        *,
        streaming_request: bool,
    ) -> Behaviour:
        """Server-streaming and bidirectional methods (admin exports, WatchEvents, health Watch,
        reflection): admitted like unary ones, then streamed without a slot. A write conflict
        is ABORTED write_conflict, not run again: part of the stream may be out."""
        limit = self._limit

        def gated(request: Any, context: CallContext) -> Iterator[Any]:
            started = self._begin(policy.path, context) if self._hooks else None
            try:
                if not policy.open:
                    if self.draining:
                        raise Refused(SHUTTING_DOWN)
                    self._enter(policy, context)
                if streaming_request:
                    request = _checked_stream(request, parse, limit)
                elif len(request) > limit:
                    raise too_large(len(request), limit)
                elif parse is not None:
                    request = parsed(parse, request)
                if not policy.open:
                    refusal = self.shedder.enter(deadlines.begin(context))
                    if refusal is not None:
                        raise Refused(refusal)
                    try:
                        responses = behaviour(request, context)
                    finally:
                        self.shedder.leave()
                else:
                    responses = behaviour(request, context)
                yield from responses
            except ANSWERED as error:
                status = self._status_of(policy.path, error)
            except GeneratorExit:  # the caller went away mid-stream
                self._finish_if_hooked(policy.path, _CANCELLED, started, context)
                raise
            except BaseException:
                self._finish_if_hooked(policy.path, context.code() or _UNKNOWN, started, context)
                raise
            else:
                self._finish_if_hooked(policy.path, _OK, started, context)
                return
            self._finish_if_hooked(policy.path, status.code, started, context)
            _abort(context, status)

        return gated

    def _request_stream(
        self, policy: MethodPolicy, behaviour: Behaviour, parse: Parse | None
    ) -> Behaviour:
        """Client-streaming methods (ImportCodes): each message checked and parsed as it comes;
        the slot is held for the whole call. Not run again on a write conflict: the request
        stream is consumed."""
        limit = self._limit

        def gated(requests: Iterator[bytes], context: CallContext) -> Any:
            started = self._begin(policy.path, context) if self._hooks else None
            try:
                checked = _checked_stream(requests, parse, limit)
                if policy.open:
                    response = behaviour(checked, context)
                else:
                    if self.draining:
                        raise Refused(SHUTTING_DOWN)
                    self._enter(policy, context)
                    refusal = self.shedder.enter(deadlines.begin(context))
                    if refusal is not None:
                        raise Refused(refusal)
                    try:
                        response = behaviour(checked, context)
                    finally:
                        self.shedder.leave()
            except ANSWERED as error:
                status = self._status_of(policy.path, error)
            except BaseException:
                self._finish_if_hooked(policy.path, context.code() or _UNKNOWN, started, context)
                raise
            else:
                self._finish_if_hooked(policy.path, _OK, started, context)
                return response
            self._finish_if_hooked(policy.path, status.code, started, context)
            _abort(context, status)

        return gated

    # Per call -------------------------------------------------------------------------------

    def _enter(self, policy: MethodPolicy, context: CallContext) -> Principal | None:
        """Authentication, role, principal and audit actor of a keyed method's call; the
        principal (None when the server runs without auth)."""
        authenticator = self._authenticator
        if authenticator is None:
            if policy.admin:
                set_actor(actor_from_metadata(context.invocation_metadata()))
            return None
        principal = authenticator.authenticate(presented_key(context.invocation_metadata()))
        if principal.role not in policy.roles:
            raise PermissionDeniedError(
                f"API key {api_keys.shown(principal.key_id)} has role "
                f"{role_name(principal.role)}, which may not call {policy.path}"
            )
        principal_context.set(principal)
        if policy.admin:
            set_actor(f"key:{principal.key_id}")
        return principal

    def _begin(self, method: str, context: CallContext) -> float:
        """The start of an RPC that finish hooks will see: the start hooks, then the clock."""
        for hook in self._start_hooks:
            hook(method, context)
        return self._monotonic()

    def _refused(self, method: str, code: grpc.StatusCode) -> None:
        for hook in self._refusal_hooks:
            hook(method, code)

    def _errored(self, method: str, error: PromocoreError) -> None:
        for hook in self._error_hooks:
            hook(method, error)

    def _caller(self, key_id: str, peer: str) -> Caller:
        if len(self._callers) >= MAX_CALLERS:
            self._callers.clear()
        caller = self._callers[(key_id, peer)] = Caller(key_id, address_of(peer))
        return caller

    def _finish_if_hooked(
        self,
        method: str,
        code: grpc.StatusCode,
        started: float | None,
        context: grpc.ServicerContext,
    ) -> None:
        if started is not None:  # None: no hook when the RPC began
            self._finish(method, code, started, context)

    def _finish(
        self, method: str, code: grpc.StatusCode, started: float, context: grpc.ServicerContext
    ) -> None:
        """The one place where an RPC's method, status code and duration are known."""
        seconds = self._monotonic() - started
        for hook in self._hooks:
            try:
                hook(method, code, seconds, context)
            except Exception:  # a broken hook must not turn an answer into an error
                log.exception("finish hook %r failed", hook)


def _run_again(behaviour: Behaviour, request: Any, argument: Any) -> Any:
    """A unary RPC whose own store transaction lost a race wrote nothing: it runs again."""
    for attempt in range(2, RPC_CONFLICT_ATTEMPTS + 1):
        try:
            return behaviour(request, argument)
        except WriteConflict as conflict:
            if attempt == RPC_CONFLICT_ATTEMPTS:
                raise WriteConflictError(str(conflict)) from None
    raise AssertionError("RPC_CONFLICT_ATTEMPTS must be at least 2")


def _checked_stream(requests: Iterator[bytes], parse: Parse | None, limit: int) -> Iterator[Any]:
    for request in requests:
        if len(request) > limit:
            raise too_large(len(request), limit)
        yield parsed(parse, request) if parse is not None else request
