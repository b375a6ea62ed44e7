"""The caller's deadline, carried from the RPC handler to the work it starts.

The gate (server/gate.py) calls `begin(context)` before any work: an RPC whose deadline already
passed (it waited in a queue) is abandoned. The group-commit writer reads `current()`
when a job is submitted and skips the job if its batch starts after that deadline, so late work
is dropped whole — never half-written.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from typing import Protocol

from promocore.errors import DeadlineExceededError

# Monotonic time by which the current RPC must be answered; None = no deadline.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "promocore_deadline", default=None
)


class Timed(Protocol):
    """A call's context as far as its deadline goes (gRPC's, the HTTP door's)."""

    def time_remaining(self) -> float | None: ...


def begin(context: Timed) -> float:
    """Records the RPC's deadline and returns the seconds left to it (infinite without one);
    raises DeadlineExceededError when it has already passed."""
    remaining: float | None = context.time_remaining()
    if remaining is None:  # grpc's sync server answers 0 or more; other contexts may not
        _deadline.set(None)
        return float("inf")
    if remaining <= 0:
        raise DeadlineExceededError("the deadline passed before the request was started")
    _deadline.set(time.monotonic() + remaining)
    return remaining


def current() -> float | None:
    return _deadline.get()


def check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise DeadlineExceededError("the deadline passed before the write was started")


@contextlib.contextmanager
def until(deadline: float | None) -> Iterator[None]:
    """Work started inside runs under `deadline` (monotonic seconds), as an RPC's would."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)
