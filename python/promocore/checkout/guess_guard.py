"""Anti-enumeration: failed code lookups (code_not_found) counted per API key, per customer and
per client address in a sliding window; past a threshold, that caller's checkouts are refused
with RESOURCE_EXHAUSTED and a RetryInfo saying when the window frees up.

A refusal is immediate (no tarpit holding a thread), so other callers are not slowed. Counts
live in each server process's memory: with N workers a guesser spread over N connections gets
up to N times the threshold per window (one connection always lands on one worker). Subjects
are kept in an LRU of MAX_SUBJECTS entries, so made-up customer ids cannot exhaust memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

from promocore.clock import Clock
from promocore.errors import ResourceExhaustedError

MAX_SUBJECTS = 100_000
# (kind, value) of each subject a request is counted against, with that kind's allowance.
Subjects = list[tuple[tuple[str, str], int]]


@dataclass(frozen=True)
class GuessLimits:
    """Failed lookups allowed per window for each kind of subject (0 = not counted)."""

    window_ms: int = 60_000
    per_key: int = 1000
    per_customer: int = 20
    per_address: int = 1000


@dataclass(frozen=True)
class Caller:
    """Who sent a checkout: API key id ("" without auth) and client address (no port)."""

    key_id: str = ""
    address: str = ""


def address_of(peer: str) -> str:
    """ "ipv4:127.0.0.1:5555" -> "ipv4:127.0.0.1"; "ipv6:[::1]:5555" -> "ipv6:[::1]"."""
    host, sep, port = peer.rpartition(":")
    return host if sep and port.isdigit() else peer


class GuessGuard:
    def __init__(self, limits: GuessLimits, clock: Clock) -> None:
        self._limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        # subject -> times (ms) of its latest failures, at most its threshold of them
        self._failures: OrderedDict[tuple[str, str], deque[int]] = OrderedDict()

    def subjects(self, caller: Caller, customer_id: str) -> Subjects:
        limits = self._limits
        candidates = (
            (("key", caller.key_id), limits.per_key),
            (("customer", customer_id), limits.per_customer),
            (("address", caller.address), limits.per_address),
        )
        return [(subject, limit) for subject, limit in candidates if subject[1] and limit > 0]

    def check(self, subjects: Subjects) -> None:
        """Raises ResourceExhaustedError when any subject has used up its window."""
        now = self._clock.now_ms()
        window = self._limits.window_ms
        with self._lock:
            for subject, limit in subjects:
                times = self._failures.get(subject)
                if times is not None and len(times) >= limit and times[0] > now - window:
                    retry_after_ms = times[0] + window - now
                    raise ResourceExhaustedError(
                        f"too many unknown codes from this {subject[0]}; "
                        f"retry in {retry_after_ms} ms",
                        reason="too_many_failed_lookups",
                        retry_after_ms=retry_after_ms,
                    )

    def record(self, subjects: Subjects, failures: int) -> None:
        if failures <= 0:
            return
        now = self._clock.now_ms()
        with self._lock:
            for subject, limit in subjects:
                times = self._failures.get(subject)
                if times is None:
                    times = self._failures[subject] = deque(maxlen=limit)
                    if len(self._failures) > MAX_SUBJECTS:
                        self._failures.popitem(last=False)
                else:
                    self._failures.move_to_end(subject)
                times.extend([now] * min(failures, limit))
