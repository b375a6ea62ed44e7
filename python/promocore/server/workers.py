"""`promocore serve --workers N`: one server process per core behind one port.

The supervisor is handed the ports claimed by `promocore serve` (promocore.server.ports: bound,
never listening sockets that no other process can share), so they stay ours even when the
workers restart; then it forks the workers before anything starts gRPC
or opens LMDB. Each worker opens the store after fork and binds the same port with
SO_REUSEPORT; the kernel spreads connections across them. A worker that dies is restarted;
SIGTERM or SIGINT stops the workers gracefully, then the supervisor.

With `--cpu-affinity auto` (the default) and no more workers than CPUs the process may use, each
worker binds itself to its own CPU right after the fork, before it starts any thread: two
unpinned workers on two cores pay heavily in context switches and cache misses as the scheduler
moves their threads around.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import dataclasses
import logging
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

from promocore.manage.admin import Admin
from promocore.server import logs, metrics
from promocore.server.grpc_server import (
    ServerOptions,
    load_demo_if_empty,
    serve_forever,
    start_server,
)
from promocore.server.heartbeat import Heartbeat, HeartbeatBoard
from promocore.server.ports import ServePorts
from promocore.server.supervision import WorkerWatch
from promocore.store import open_store
from promocore.store.refusals import StoreRefused

log = logging.getLogger("promocore.workers")
# A worker dying sooner than this after its start is restarted only after a pause, so a worker
# that cannot start does not spin.
MIN_WORKER_LIFETIME_S = 1.0
# How often the supervisor looks at its workers' heartbeats while none exits.
WATCH_INTERVAL_S = 0.1
# After a stop signal, workers get this long to finish gracefully (their RPC grace is 5 s);
# any still running then is killed, so the supervisor always exits.
STOP_GRACE_S = 10
_PR_SET_PDEATHSIG = 1
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
CPU_AFFINITY_MODES = ("auto", "off")


def worker_cpus(workers: int, cpu_affinity: str, allowed: Sequence[int]) -> list[int] | None:
    """The CPU of each worker (worker i gets allowed[i % len(allowed)]), or None to leave them
    unpinned: with `off`, or with `auto` when there are more workers than allowed CPUs (two
    workers bound to one CPU would wait on each other while another CPU idles)."""
    if cpu_affinity not in CPU_AFFINITY_MODES:
        raise ValueError(
            f"--cpu-affinity must be one of {', '.join(CPU_AFFINITY_MODES)}, got {cpu_affinity!r}"
        )
    if cpu_affinity == "off" or not allowed or workers > len(allowed):
        return None
    ordered = sorted(allowed)
    return [ordered[index % len(ordered)] for index in range(workers)]


def serve_workers(
    data_dir: Path,
    ports: ServePorts,
    workers: int,
    options: ServerOptions,
    *,
    cpu_affinity: str = "auto",
) -> int:
    """Runs the supervisor until SIGTERM/SIGINT; returns the exit status. `ports`: the claimed
    addresses (`options.http_listen` is replaced by the claimed HTTP address). `cpu_affinity`:
    `auto` pins each worker to one CPU of the process's allowed set (a container's cpuset
    included) when there are no more workers than those CPUs; `off` never pins."""
    cpus = _pinned_cpus(workers, cpu_affinity)
    address = ports.grpc.listen
    # The claimed HTTP address (port 0 became a real one), the same for every worker.
    options = dataclasses.replace(
        options, http_listen=ports.http.listen if ports.http is not None else None
    )
    if options.load_demo_if_empty:
        _load_demo_before_fork(data_dir)
    # Before the first fork: every worker writes its metrics into this directory.
    metrics_dir = metrics.prepare_directory() if ports.metrics is not None else None
    if metrics_dir is not None:
        # Removed however the supervisor ends (workers leave through os._exit: not theirs).
        atexit.register(metrics.remove_directory, metrics_dir)
    worker_options = dataclasses.replace(
        options, reuse_port=True, load_demo_if_empty=False, metrics=metrics_dir is not None
    )
    supervisor = Supervisor(data_dir, address, worker_options, workers, cpus, metrics_dir)
    supervisor.handle_signals()
    for index in range(workers):
        supervisor.spawn(index)
    log.info("promocore serving on %s with %d workers (data in %s)", address, workers, data_dir)
    if options.http_listen is not None:
        log.info("HTTP/JSON API and web console on http://%s/", options.http_listen)
    if ports.metrics is not None:
        metrics.serve_metrics(ports.metrics.socket)
        log.info("metrics on http://%s/metrics", ports.metrics.listen)
    supervisor.supervise()
    ports.close()
    log.info("all workers stopped")
    return 1 if supervisor.crash_loop is not None else 0


def _pinned_cpus(workers: int, cpu_affinity: str) -> list[int] | None:
    """worker_cpus over the CPUs this process may use (read before any fork, in the supervisor:
    the set the container or `taskset` gave us); logged when the workers are not pinned."""
    allowed = sorted(os.sched_getaffinity(0))
    cpus = worker_cpus(workers, cpu_affinity, allowed)
    if cpus is None:
        log.info(
            "workers not pinned to CPUs (--cpu-affinity %s, %d workers, allowed CPUs %s)",
            cpu_affinity,
            workers,
            _cpu_list(allowed),
        )
    return cpus


def _load_demo_before_fork(data_dir: Path) -> None:
    """In the supervisor, before any fork, without gRPC; closed before the workers open it."""
    store = open_store(data_dir)
    try:
        load_demo_if_empty(Admin(store, store.clock), store)
    finally:
        store.close()


class Supervisor:
    """The worker processes of one serve: starts them, restarts one that dies (or kills one
    whose heartbeat stopped, then restarts it), stops them all in a crash loop, and on SIGTERM
    or SIGINT stops them all (killing those still running after STOP_GRACE_S)."""

    def __init__(
        self,
        data_dir: Path,
        address: str,
        options: ServerOptions,
        workers: int,
        cpus: list[int] | None,
        metrics_dir: Path | None,
    ) -> None:
        self._data_dir = data_dir
        self._address = address
        self._options = options
        self._cpus = cpus
        self._metrics_dir = metrics_dir
        # pid -> (worker index, when it started)
        self._children: dict[int, tuple[int, float]] = {}
        self._stopping = False
        # Before the first fork: the shared page every worker beats into (heartbeat.py).
        self._watch = WorkerWatch(HeartbeatBoard(workers))
        # Why the workers were stopped for crashing in a loop, if they were.
        self.crash_loop: str | None = None

    def handle_signals(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGALRM, self._kill_stragglers)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # taken by sigtimedwait

    def spawn(self, index: int) -> None:
        # A stop signal between fork and registration would miss the new worker: hold signals
        # until it is registered (the child starts with them held, see _spawn).
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            # Worker 0 alone runs the scheduler and the webhook sender; restarted, it takes them
            # up again (their progress is in the store).
            options = dataclasses.replace(self._options, background_duties=index == 0)
            cpu = self._cpus[index] if self._cpus is not None else None
            self._watch.started(index)
            pid = _spawn(index, self._data_dir, self._address, options, cpu, self._watch.board)
            self._children[pid] = (index, time.monotonic())
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)

    def supervise(self) -> None:
        """Waits for the workers to exit, restarting each that was not asked to stop and
        killing those whose heartbeat stopped; returns once none is left."""
        while self._children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if pid == 0:  # none exited: look at the heartbeats (never while stopping)
                if not self._stopping:
                    self._watch.kill_silent(self._children)
                # Until a child exits (SIGCHLD, blocked so that it waits here) or the interval
                # passes: a relative wait, which no step of the wall clock can stretch or break.
                signal.sigtimedwait([signal.SIGCHLD], WATCH_INTERVAL_S)
                continue
            child = self._children.pop(pid, None)
            if self._metrics_dir is not None:
                metrics.worker_died(pid)
            if child is None or self._stopping:
                continue
            index, started = child
            lived = time.monotonic() - started
            self.crash_loop = self._watch.died(pid, index, status, lived)
            if self.crash_loop is not None:
                log.error("%s", self.crash_loop)
                self._stop(signal.SIGTERM, None)
                continue
            if lived < MIN_WORKER_LIFETIME_S:
                time.sleep(MIN_WORKER_LIFETIME_S)
            if not self._stopping:
                self.spawn(index)

    def _stop(self, _signum: int, _frame: object) -> None:
        self._stopping = True
        for pid in self._children:
            _signal(pid, signal.SIGTERM)
        signal.alarm(STOP_GRACE_S)

    def _kill_stragglers(self, _signum: int, _frame: object) -> None:
        for pid, (index, _started) in self._children.items():
            log.error(
                "worker %d (pid %d) did not stop within %d s; killing it", index, pid, STOP_GRACE_S
            )
            _signal(pid, signal.SIGKILL)


def _spawn(
    index: int,
    data_dir: Path,
    address: str,
    options: ServerOptions,
    cpu: int | None,
    board: HeartbeatBoard | None,
) -> int:
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        # Until serve_forever installs the graceful handlers, a stop signal simply ends the
        # worker (it serves nothing yet); never the supervisor's handler inherited by fork.
        for signum in (*_STOP_SIGNALS, signal.SIGALRM):
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {*_STOP_SIGNALS, signal.SIGCHLD})
        _die_with_parent()
        logs.set_worker(index)
        if cpu is not None:
            # Before start_server creates any thread: threads inherit the creating one's mask.
            os.sched_setaffinity(0, {cpu})
            log.info("worker %d (pid %d) pinned to CPU %d", index, os.getpid(), cpu)
        running = start_server(data_dir, address, options=options)
        if board is not None:
            writer = running.store.writer
            running.heartbeat = Heartbeat(board, index, lambda: writer.holding_lock_since).start()
        log.info("worker %d (pid %d) serving", index, os.getpid())
        serve_forever(running)
        status = 0
    except StoreRefused as refused:  # said in one line: the file is the cause, not the code
        log.error("worker %d cannot open the store: %s", index, refused)
    except BaseException:
        log.exception("worker %d failed", index)
    finally:
        os._exit(status)


def _die_with_parent() -> None:
    """A worker whose supervisor is killed (kill -9) stops instead of serving on unsupervised."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _cpu_list(cpus: Sequence[int]) -> str:
    return ",".join(str(cpu) for cpu in cpus)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
