"""What the supervisor decides about its workers besides restarting them: which one to kill for
making no progress (heartbeat.py), how a death is told (signals by name), and when deaths come
so fast that restarting is pointless (a crash loop stops the server with its cause).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import signal
import time

from promocore.server.heartbeat import SILENCE_BOUND_S, HeartbeatBoard

log = logging.getLogger("promocore.workers")

# A crash loop: this many deaths in a row, each within FAST_DEATH_S of its worker's start,
# stop the server (exit status 1) instead of restarting forever.
CRASH_LOOP_DEATHS = 5
FAST_DEATH_S = 10.0
# Deaths of this kind say more than a number: a hint for the log line.
_SIGNAL_HINTS: dict[int, str] = {
    signal.SIGBUS: "a bus error: most often a truncated or damaged data file",
    signal.SIGSEGV: "a segmentation fault",
    signal.SIGKILL: "killed from outside, by the supervisor or the kernel's OOM killer",
    signal.SIGABRT: "aborted: LMDB aborts on some damaged pages, run promocore check",
}


def describe_death(status: int) -> str:
    """`exited with status 7`, or `killed by SIGBUS (a bus error: ...)`."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        hint = _SIGNAL_HINTS.get(number)
        return f"killed by {name}" + (f" ({hint})" if hint else "")
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


class WorkerWatch:
    """The supervisor's judgement of its workers; `board` is None without heartbeats."""

    def __init__(self, board: HeartbeatBoard | None, bound_s: float = SILENCE_BOUND_S) -> None:
        self.board = board
        self.bound_s = bound_s
        # pid -> why the supervisor killed it, for the line that reports its death.
        self._killed: dict[int, str] = {}
        self._fast_deaths: collections.deque[float] = collections.deque(maxlen=CRASH_LOOP_DEATHS)
        self.last_death = ""

    def started(self, index: int) -> None:
        if self.board is not None:
            self.board.reset(index)

    def kill_silent(self, children: dict[int, tuple[int, float]]) -> None:
        """Kills (SIGKILL, so that LMDB releases the write lock at once) every worker silent
        past the bound; it is restarted when its exit is reaped."""
        if self.board is None:
            return
        now = time.monotonic()
        for pid, (index, _started) in children.items():
            if pid in self._killed:
                continue
            why = self.board.silence(index, now, self.bound_s)
            if why is None:
                continue
            log.error(
                "worker %d (pid %d) made no progress: %s; killing it (past the %.0f s bound) so "
                "that the others can write, and restarting it",
                index,
                pid,
                why,
                self.bound_s,
            )
            self._killed[pid] = why
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def died(self, pid: int, index: int, status: int, lived_s: float) -> str | None:
        """Logs a worker's death; returns the reason to stop the server when the workers are in
        a crash loop, else None (restart it)."""
        killed_for = self._killed.pop(pid, None)
        how = describe_death(status)
        self.last_death = f"worker {index} (pid {pid}) {how}"
        if killed_for is not None:
            log.warning("worker %d (pid %d) %s after %s; restarting", index, pid, how, killed_for)
        else:
            log.warning("worker %d (pid %d) %s; restarting", index, pid, how)
        if lived_s >= FAST_DEATH_S or killed_for is not None:
            self._fast_deaths.clear()
            return None
        self._fast_deaths.append(time.monotonic())
        if len(self._fast_deaths) < CRASH_LOOP_DEATHS:
            return None
        span = self._fast_deaths[-1] - self._fast_deaths[0]
        return (
            f"workers keep dying soon after they start ({CRASH_LOOP_DEATHS} deaths in "
            f"{span:.1f} s, each within {FAST_DEATH_S:.0f} s of its start; the last: "
            f"{self.last_death}); stopping the server: the lines above say why"
        )
