"""`promocore serve --workers N`: one server process per core behind one port.

The supervisor reserves the port with a bound (never listening) SO_REUSEPORT socket, so the port
stays ours even when the workers restart; then it forks the workers before anything starts gRPC
or opens LMDB. Each worker opens the store after fork and binds the same port with
SO_REUSEPORT; the kernel spreads connections across them. A worker that dies is restarted;
SIGTERM or SIGINT stops the workers gracefully, then the supervisor.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import logging
import os
import signal
import socket
import time
from pathlib import Path

from promocore.admin import Admin
from promocore.server import ServerOptions, load_demo_if_empty, serve_forever, start_server
from promocore.store import open_store

log = logging.getLogger("promocore.workers")
# A worker dying sooner than this after its start is restarted only after a pause, so a worker
# that cannot start does not spin.
MIN_WORKER_LIFETIME_S = 1.0
# After a stop signal, workers get this long to finish gracefully (their RPC grace is 5 s);
# any still running then is killed, so the supervisor always exits.
STOP_GRACE_S = 10
_PR_SET_PDEATHSIG = 1
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def split_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--listen must be HOST:PORT, got {listen!r}")
    return host.strip("[]"), int(port)


def reserve_port(host: str, port: int) -> socket.socket:
    """A bound, non-listening socket holding the port for the SO_REUSEPORT group."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    holder = socket.socket(family, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind((host, port))
    return holder


def serve_workers(data_dir: Path, listen: str, workers: int, options: ServerOptions) -> int:
    """Runs the supervisor until SIGTERM/SIGINT; returns the exit status."""
    host, port = split_listen(listen)
    holder = reserve_port(host, port)
    port = holder.getsockname()[1]
    address = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
    if options.load_demo_if_empty:
        # In the supervisor, before any fork, without gRPC; closed before the workers open it.
        store = open_store(data_dir)
        try:
            load_demo_if_empty(Admin(store, store.clock), store)
        finally:
            store.close()
    worker_options = dataclasses.replace(options, reuse_port=True, load_demo_if_empty=False)

    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            _signal(pid, signal.SIGTERM)
        signal.alarm(STOP_GRACE_S)

    def kill_stragglers(_signum: int, _frame: object) -> None:
        for pid, (index, _started) in children.items():
            log.error(
                "worker %d (pid %d) did not stop within %d s; killing it", index, pid, STOP_GRACE_S
            )
            _signal(pid, signal.SIGKILL)

    children: dict[int, tuple[int, float]] = {}

    def spawn(index: int) -> None:
        # A stop signal between fork and registration would miss the new worker: hold signals
        # until it is registered (the child starts with them held, see _spawn).
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            # Worker 0 alone runs the scheduler and the webhook sender; restarted, it takes them
            # up again (their progress is in the store).
            options_of_worker = dataclasses.replace(worker_options, background_duties=index == 0)
            children[_spawn(index, data_dir, address, options_of_worker)] = (
                index,
                time.monotonic(),
            )
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGALRM, kill_stragglers)
    for index in range(workers):
        spawn(index)
    log.info("promocore serving on %s with %d workers (data in %s)", address, workers, data_dir)

    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        index, started = children.pop(pid, (None, 0.0))
        if index is None or stopping:
            continue
        log.warning("worker %d (pid %d) exited with status %d; restarting", index, pid, status)
        if time.monotonic() - started < MIN_WORKER_LIFETIME_S:
            time.sleep(MIN_WORKER_LIFETIME_S)
        if not stopping:
            spawn(index)
    holder.close()
    log.info("all workers stopped")
    return 0


def _spawn(index: int, data_dir: Path, address: str, options: ServerOptions) -> int:
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        # Until serve_forever installs the graceful handlers, a stop signal simply ends the
        # worker (it serves nothing yet); never the supervisor's handler inherited by fork.
        for signum in (*_STOP_SIGNALS, signal.SIGALRM):
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        _die_with_parent()
        running = start_server(data_dir, address, options=options)
        log.info("worker %d (pid %d) serving", index, os.getpid())
        serve_forever(running)
        status = 0
    except BaseException:
        log.exception("worker %d failed", index)
    finally:
        os._exit(status)


def _die_with_parent() -> None:
    """A worker whose supervisor is killed (kill -9) stops instead of serving on unsupervised."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
