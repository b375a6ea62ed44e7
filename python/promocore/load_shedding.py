"""Overload shedding: RPCs that waited too long for a thread are refused at once with
RESOURCE_EXHAUSTED instead of being served late (CoDel, "controlled delay").

The interceptor stamps each RPC when gRPC hands it over and, when a thread picks it up, looks at
how long it queued. A burst that drains quickly is served whole (some RPCs of every interval
were picked up at once); once even the quickest pick-up of a whole interval waited longer than
`target`, the queue is standing — the process is overloaded — and RPCs that waited longer than
`target` are refused until an interval passes in which one did not. Admitted RPCs therefore
wait about `target` at most, and a refusal costs microseconds.

Never shed: health checks, and the writes that complete or undo a paid order (Redeem, Rollback,
ReleaseReservation) — refusing those only brings the shop's retries back; they are bounded by
gRPC's `maximum_concurrent_rpcs` (which caps every RPC a process holds) and by their deadlines.
Validate and Qualify, the bulk of checkout traffic, are what an overloaded process sheds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import grpc

from promocore.errors import ResourceExhaustedError
from promocore.roles import CHECKOUT_RPCS, is_open
from promocore.rpc_handlers import Behaviour, rewrap
from promocore.wire_errors import to_status

DEFAULT_TARGET_MS = 10.0
DEFAULT_INTERVAL_MS = 500.0
NEVER_SHED = frozenset(CHECKOUT_RPCS[name] for name in ("Redeem", "Rollback", "ReleaseReservation"))


class LoadShedder(grpc.ServerInterceptor):
    def __init__(
        self,
        target_ms: float = DEFAULT_TARGET_MS,
        interval_ms: float = DEFAULT_INTERVAL_MS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._target = target_ms / 1000
        self._interval = interval_ms / 1000
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._min_wait = float("inf")
        self._interval_end = monotonic() + self._interval
        self._overloaded = False
        self.shed = 0
        self._refusal = to_status(
            ResourceExhaustedError(
                "the server is overloaded; retry later",
                reason="overloaded",
                retry_after_ms=int(interval_ms),
            )
        )

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or is_open(method) or method in NEVER_SHED:
            return handler
        arrived = self._monotonic()

        def wrap(behaviour: Behaviour) -> Behaviour:
            def run(request, context):
                if self.should_shed(self._monotonic() - arrived):
                    context.abort_with_status(self._refusal)
                return behaviour(request, context)

            return run

        return rewrap(handler, wrap)

    def should_shed(self, waited: float) -> bool:
        """Records that an RPC waited `waited` seconds for a thread; True = refuse it."""
        now = self._monotonic()
        with self._lock:
            self._min_wait = min(self._min_wait, waited)
            if now >= self._interval_end:
                self._overloaded = self._min_wait > self._target
                self._min_wait = float("inf")
                self._interval_end = now + self._interval
            shed = self._overloaded and waited > self._target
            self.shed += shed
            return shed
