"""Overload shedding: RPCs that waited too long to be served are refused at once with
RESOURCE_EXHAUSTED instead of being served late (CoDel, "controlled delay").

Only `in_service` RPCs run at once per process; the other threads wait for one of those slots.
Python work is serialized by the GIL anyway, so more RPCs running at once would not finish more
per second — they would all finish later (each shares the CPU with all the others), and a queue
nobody measures would hide in that sharing. The interceptor stamps each RPC when gRPC hands it
over and looks at how long it waited when it gets a slot. A burst that drains quickly is served
whole (some RPCs of every interval got a slot at once); once even the quickest of a whole
interval waited longer than `target`, the queue is standing — the process is overloaded — and
RPCs that waited longer than
`target` are refused until an interval passes in which one did not. However calm the
intervals, no RPC waits longer than `max_queue` for its slot: bursts up to that are served,
beyond it refused. Admitted RPCs therefore wait at most `max_queue` (about `target` under
sustained overload), and a refusal costs microseconds.

Never shed: health checks, and the writes that complete or undo a paid order (Redeem, Rollback,
ReleaseReservation) — refusing those only brings the shop's retries back; they are bounded by
gRPC's `maximum_concurrent_rpcs` (which caps every RPC a process holds) and by their deadlines.
Validate and Qualify, the bulk of checkout traffic, are what an overloaded process sheds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import grpc

from promocore.errors import DeadlineExceededError, ResourceExhaustedError
from promocore.roles import CHECKOUT_RPCS, is_open
from promocore.rpc_handlers import Behaviour, rewrap
from promocore.wire_errors import to_status

DEFAULT_TARGET_MS = 10.0
DEFAULT_INTERVAL_MS = 500.0
DEFAULT_IN_SERVICE = 1
DEFAULT_MAX_QUEUE_MS = 20.0
NEVER_SHED = frozenset(CHECKOUT_RPCS[name] for name in ("Redeem", "Rollback", "ReleaseReservation"))


class FifoSlots:
    """A counting semaphore that serves waiters in arrival order. (threading.Semaphore lets a
    newcomer take a freed slot before those already waiting, which would hide the queue.)"""

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._lock = threading.Lock()
        self._waiters: deque[threading.Event] = deque()

    def try_acquire(self) -> bool:
        """Takes a free slot nobody is waiting for; False (without waiting) otherwise."""
        with self._lock:
            return self._take_free()

    def acquire(self, timeout: float | None) -> bool:
        with self._lock:
            if self._take_free():
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed the slot just as the wait timed out
                return True
            self._waiters.remove(turn)
            return False

    def _take_free(self) -> bool:
        if self._free and not self._waiters:
            self._free -= 1
            return True
        return False

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()  # the slot passes straight to the oldest waiter
            else:
                self._free += 1


class LoadShedder(grpc.ServerInterceptor):
    def __init__(
        self,
        target_ms: float = DEFAULT_TARGET_MS,
        interval_ms: float = DEFAULT_INTERVAL_MS,
        monotonic: Callable[[], float] = time.monotonic,
        in_service: int = DEFAULT_IN_SERVICE,
        max_queue_ms: float = DEFAULT_MAX_QUEUE_MS,
    ) -> None:
        self._max_queue = max_queue_ms / 1000
        self._slots = FifoSlots(in_service)
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
        self._too_late = to_status(
            DeadlineExceededError("the deadline passed while the request waited")
        )

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or is_open(method) or method in NEVER_SHED:
            return handler
        arrived = self._monotonic()

        def wrap(behaviour: Behaviour) -> Behaviour:
            def run(request, context):
                # Blocked, not polling: a waiting thread must not compete for the GIL with the
                # ones serving and with gRPC's own thread accepting new calls.
                budget = self._max_queue - (self._monotonic() - arrived)
                remaining = context.time_remaining()
                queued = not self._slots.try_acquire()
                if queued and not self._slots.acquire(
                    timeout=max(0.0, min(budget, remaining or budget))
                ):
                    self.should_shed(self._monotonic() - arrived)  # a wait the interval saw
                    late = remaining is not None and remaining <= budget
                    context.abort_with_status(self._too_late if late else self._refusal)
                try:
                    if self.should_shed(self._monotonic() - arrived, queued=queued):
                        context.abort_with_status(self._refusal)
                    return behaviour(request, context)
                finally:
                    self._slots.release()

            return run

        return rewrap(handler, wrap)

    def should_shed(self, waited: float, *, queued: bool = True) -> bool:
        """Records that an RPC has waited `waited` seconds so far; True = refuse it. One that
        found its slot free (`queued` False) stood in no queue: refusing it would shorten
        nothing, its wait was dispatch (a cold or descheduled worker), so it is served."""
        now = self._monotonic()
        with self._lock:
            self._min_wait = min(self._min_wait, waited)
            if now >= self._interval_end:
                self._overloaded = self._min_wait > self._target
                self._min_wait = float("inf")
                self._interval_end = now + self._interval
            shed = self._overloaded and waited > self._target and queued
            self.shed += shed
            return shed
