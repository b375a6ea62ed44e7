"""Overload shedding: RPCs that waited too long to be served are refused at once with
RESOURCE_EXHAUSTED instead of being served late (CoDel, "controlled delay").

Only so many RPCs of the read class run at once per process (`in_service`); the other threads
wait for one of those slots. Python work is serialized by the GIL anyway, so more RPCs running at
once would not finish more per second — they would all finish later (each shares the CPU with
all the others), and a queue nobody measures would hide in that sharing.

By default the number of slots adapts to what the RPCs cost (Little's law): as many as can all
be served within `target` one after another, `target` divided by the recent CPU time of an RPC
in service, between 1 and MAX_IN_SERVICE. Expensive RPCs (a 30-code Validate of a 300-line cart:
milliseconds) get one slot, as a fixed `in_service` of 1 would; cheap ones (the usual Validate:
a fraction of a millisecond) get enough that a normal load never waits for a slot, so it never
pays the hand-over of a slot from thread to thread (a wake-up and a context switch each, about a
quarter of a cheap Validate's CPU). Either way an admitted RPC shares the CPU with at most
`target`'s worth of others. An RPC that finds a slot free
waited for nothing; one that does not is stamped and looked at again when it gets its slot
(promocore.server.gate explains why this slot queue is the only queue there is). A burst that drains
quickly is served whole (some RPCs of every interval got a slot at once); once even the quickest
of a whole interval waited longer than `target`, the queue is standing — the process is
overloaded — and RPCs that waited longer than `target` are refused until an interval passes in
which one did not. However calm the intervals, no RPC waits longer than `max_queue` for its
slot: bursts up to that are served, beyond it refused. Admitted RPCs therefore wait at most
`max_queue` (about `target` under sustained overload), and a refusal costs microseconds.

Never shed: health checks and reflection, and the writes (Redeem, Rollback, ReleaseReservation,
a Validate asking for a reservation) — refusing a write that completes or undoes a paid order
only brings the shop's retries back, and a write waits in the group-commit writer, not for the
CPU, so it takes no slot; writes are bounded in number instead (promocore.server.gate). Validate and
Qualify, the bulk of checkout traffic, and the admin RPCs are what an overloaded process sheds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import grpc

from promocore.errors import DeadlineExceededError, ResourceExhaustedError
from promocore.wire.status import to_status

DEFAULT_TARGET_MS = 10.0
DEFAULT_INTERVAL_MS = 500.0
# None: adapt the slots to the RPCs' cost (see the module's docstring).
DEFAULT_IN_SERVICE: int | None = None
MAX_IN_SERVICE = 32
DEFAULT_MAX_QUEUE_MS = 20.0
# Weight of the newest RPC in the moving average of the CPU time of an RPC in service.
_COST_WEIGHT = 0.05


class FifoSlots:
    """A counting semaphore that serves waiters in arrival order, whose number of slots may
    change. (threading.Semaphore lets a newcomer take a freed slot before those already
    waiting, which would hide the queue.)"""

    def __init__(self, slots: int) -> None:
        self._capacity = slots
        self._in_use = 0
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
        if self._in_use < self._capacity and not self._waiters:
            self._in_use += 1
            return True
        return False

    @property
    def waiting(self) -> int:
        """Threads waiting for a slot now."""
        return len(self._waiters)

    @property
    def in_use(self) -> int:
        """Slots held now."""
        return self._in_use

    @property
    def capacity(self) -> int:
        return self._capacity

    def release(self) -> None:
        with self._lock:
            self._in_use -= 1
            self._admit_waiters()

    def resize(self, capacity: int) -> None:
        """Sets the number of slots; slots beyond those in use go to waiters at once (slots in
        use beyond a smaller number are given back as their holders leave)."""
        with self._lock:
            self._capacity = capacity
            self._admit_waiters()

    def _admit_waiters(self) -> None:
        # A freed slot passes straight to the oldest waiter.
        while self._waiters and self._in_use < self._capacity:
            self._in_use += 1
            self._waiters.popleft().set()


class LoadShedder:
    """The read class's admission: `enter` before the handler, `leave` after it (the gate calls
    both; promocore.server.gate)."""

    def __init__(
        self,
        target_ms: float = DEFAULT_TARGET_MS,
        interval_ms: float = DEFAULT_INTERVAL_MS,
        monotonic: Callable[[], float] = time.monotonic,
        in_service: int | None = DEFAULT_IN_SERVICE,
        max_queue_ms: float = DEFAULT_MAX_QUEUE_MS,
        cpu_time: Callable[[], float] = time.thread_time,
    ) -> None:
        """`in_service`: the slots for RPCs in service; None adapts them to the RPCs' cost
        (measured with `cpu_time`, the calling thread's CPU seconds)."""
        self._max_queue = max_queue_ms / 1000
        self._target = target_ms / 1000
        self._adaptive = in_service is None
        # Adaptive: one slot until RPCs have been measured, as if each cost the whole target.
        self._slots = FifoSlots(1 if in_service is None else in_service)
        self._cost = self._target
        self._cpu_time = cpu_time
        self._started = threading.local()
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

    def enter(self, remaining: float) -> grpc.Status | None:
        """Takes a slot for an RPC with `remaining` seconds to its deadline, waiting its turn;
        None once it holds one (then `leave` must follow), else the status to refuse it with."""
        if self._slots.try_acquire():
            # It stood in no queue: a wait of zero for this interval's minimum (a plain store,
            # no lock: the interval's end is only evaluated by should_shed, under the lock).
            self._min_wait = 0.0
            if self._adaptive:
                self._started.cpu = self._cpu_time()
            return None
        arrived = self._monotonic()
        budget = self._max_queue
        # Blocked, not polling: a waiting thread must not compete for the GIL with the ones
        # serving and with gRPC's own thread accepting new calls.
        if not self._slots.acquire(timeout=max(0.0, min(budget, remaining))):
            self.should_shed(self._monotonic() - arrived)  # a wait the interval saw
            return self._too_late if remaining <= budget else self._refusal
        if self.should_shed(self._monotonic() - arrived):
            self._slots.release()
            return self._refusal
        if self._adaptive:
            self._started.cpu = self._cpu_time()
        return None

    def leave(self) -> None:
        if self._adaptive:
            self._measured(self._cpu_time() - self._started.cpu)
        self._slots.release()

    @property
    def in_service(self) -> int:
        """The slots for RPCs in service now."""
        return self._slots.capacity

    @property
    def occupied(self) -> int:
        """RPCs holding a slot or waiting for one now."""
        return self._slots.in_use + self._slots.waiting

    def _measured(self, cost: float) -> None:
        """Folds one RPC's CPU time in service into the average and sizes the slots so that
        all of them, one after another, fit in the target."""
        # Racing updates may lose one sample: the average is an estimate either way.
        self._cost += (cost - self._cost) * _COST_WEIGHT
        slots = max(1, min(MAX_IN_SERVICE, int(self._target / max(self._cost, 1e-6))))
        if slots != self._slots.capacity:
            self._slots.resize(slots)

    @property
    def waiting(self) -> int:
        """RPCs waiting for a slot now."""
        return self._slots.waiting

    def should_shed(self, waited: float) -> bool:
        """Records that an RPC has waited `waited` seconds in the slot queue; True = refuse it."""
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
