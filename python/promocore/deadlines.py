"""The caller's deadline, carried from the RPC handler to the work it starts.

The server's handler wrapper calls `begin(context)` first: an RPC whose deadline already passed
(it waited in the queue) is abandoned before any work. The group-commit writer reads `current()`
when a job is submitted and skips the job if its batch starts after that deadline, so late work
is dropped whole — never half-written.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

from promocore.errors import DeadlineExceededError

# Monotonic time by which the current RPC must be answered; None = no deadline.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "promocore_deadline", default=None
)


def begin(context) -> None:
    """Records the RPC's deadline; raises DeadlineExceededError when it has already passed."""
    remaining = context.time_remaining()
    if remaining is None:
        _deadline.set(None)
        return
    if remaining <= 0:
        raise DeadlineExceededError("the deadline passed before the request was started")
    _deadline.set(time.monotonic() + remaining)


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
