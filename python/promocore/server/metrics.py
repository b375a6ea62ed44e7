"""Prometheus metrics of `promocore serve --metrics-listen HOST:PORT`: one scrape for the whole
server, every worker process included.

prometheus-client's multiprocess mode: the supervisor makes a fresh directory, names it in
$PROMETHEUS_MULTIPROC_DIR before it forks (and before anything imports prometheus_client, which
reads it once), and removes it on exit. Each worker writes its samples to memory-mapped files
there; the process that serves /metrics (the supervisor, or the one process of `--workers 0`)
sums them per scrape. When a worker dies its live gauges are dropped (`mark_process_dead`); its
counters stay, so no counter ever goes back.

Off by default, and then nothing here is imported by the RPC path: the gate has no finish hook
(it reads no clock) and the group-commit writer has no observer. On, per RPC: one counter and one
histogram observation; per group commit: two observations.

Labels are bounded: service and method come from the registered methods, code from gRPC's
status codes; no code, customer or campaign id is ever a label. docs/operations.md lists the
metrics.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import grpc

from promocore import _engine
from promocore.server.store_health import free_bytes

log = logging.getLogger("promocore.metrics")

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
NAMESPACE = "promocore"
# From 100 µs (a Validate served at the gRPC floor) to 5 s (past any sane deadline).
LATENCY_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)
# Jobs per group commit: powers of two up to the largest --max-batch default.
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
# What a reason code looks like (promocore.errors); any other string is counted as "other".
_REASON = re.compile(r"[a-z][a-z_]{0,47}")
# How often the process with the background duties samples the store's gauges.
STORE_SAMPLE_INTERVAL_S = 5.0
# How often each worker moves the engine's counts of answered redeemables into the metrics.
RESULTS_INTERVAL_S = 1.0


def prepare_directory() -> Path:
    """In the supervisor, before any fork: a fresh directory for the workers' samples, named in
    the environment. Call `remove_directory` on exit."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its multiprocess directory")
    directory = Path(tempfile.mkdtemp(prefix="promocore-metrics-"))
    os.environ[MULTIPROC_DIR_ENV] = str(directory)
    return directory


def remove_directory(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    if os.environ.get(MULTIPROC_DIR_ENV) == str(directory):
        del os.environ[MULTIPROC_DIR_ENV]


def worker_died(pid: int) -> None:
    """In the supervisor, when a worker exits: its live gauges no longer count."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)


class _BuildInfo:
    """promocore_build_info: a constant 1 labelled with the versions (in the scrape only)."""

    def collect(self) -> Any:
        from prometheus_client.core import GaugeMetricFamily

        from promocore import __version__

        family = GaugeMetricFamily(
            f"{NAMESPACE}_build_info",
            "promocore's version, the engine's and Python's; always 1",
            labels=("version", "engine_version", "python_version"),
        )
        family.add_metric((__version__, _engine.__version__, platform.python_version()), 1)
        yield family


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not logged (every few seconds, they would drown the server's log)."""


class _MetricsServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve_metrics(claimed: socket.socket) -> WSGIServer:
    """Serves /metrics on the claimed socket (promocore.server.ports: bound, not yet listening)
    from a background thread; returns the HTTP server. prometheus_client's WSGI app on the
    standard library's threading WSGI server, as its start_http_server does, but on a socket we
    bound, so that no other process can take the address between the claim and the listen."""
    from prometheus_client import CollectorRegistry, make_wsgi_app, multiprocess

    if MULTIPROC_DIR_ENV not in os.environ:
        raise RuntimeError(f"${MULTIPROC_DIR_ENV} is not set: call prepare_directory first")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_BuildInfo())
    server = _MetricsServer(claimed.getsockname()[:2], _QuietHandler, bind_and_activate=False)
    server.socket.close()
    server.socket = claimed
    server.server_address = claimed.getsockname()
    server.server_name = str(server.server_address[0])
    server.server_port = int(server.server_address[1])
    server.setup_environ()
    server.server_activate()
    server.set_app(make_wsgi_app(registry))
    threading.Thread(target=server.serve_forever, name="promocore-metrics", daemon=True).start()
    return server


class Metrics:
    """The metrics one server process records (created after the fork, in each worker). Not
    registered anywhere: in multiprocess mode the scrape reads every process's files."""

    def __init__(self) -> None:
        if MULTIPROC_DIR_ENV not in os.environ:
            raise RuntimeError(f"metrics need ${MULTIPROC_DIR_ENV} (promocore serve sets it)")
        from prometheus_client import Counter, Gauge, Histogram

        self.rpcs = Counter(
            f"{NAMESPACE}_rpcs",
            "RPCs finished, by service, method and gRPC status code",
            ("service", "method", "code"),
            registry=None,
        )
        self.rpc_seconds = Histogram(
            f"{NAMESPACE}_rpc_duration_seconds",
            "Time from the RPC's arrival in the server to its answer (before serialization)",
            ("service", "method"),
            buckets=LATENCY_BUCKETS,
            registry=None,
        )
        self.shed = Counter(
            f"{NAMESPACE}_load_shed",
            "RPCs refused RESOURCE_EXHAUSTED by admission (overload shedding, the write bound)",
            ("service", "method"),
            registry=None,
        )
        self.rejections = Counter(
            f"{NAMESPACE}_rpc_rejections",
            "RPCs refused with a reason code (google.rpc.ErrorInfo), by service, method, reason",
            ("service", "method", "reason"),
            registry=None,
        )
        self.results = Counter(
            f"{NAMESPACE}_redeemable_results",
            "Redeemables answered by Validate and Redeem, by RPC, status and reason code (every "
            "'no' with its reason; taken from the engine every few seconds)",
            ("rpc", "status", "reason"),
            registry=None,
        )
        self.redemptions = Counter(
            f"{NAMESPACE}_redemptions",
            "Redemptions committed (replays not counted)",
            registry=None,
        )
        self.rollbacks = Counter(f"{NAMESPACE}_rollbacks", "Rollbacks committed", registry=None)
        self.batch_size = Histogram(
            f"{NAMESPACE}_group_commit_batch_size",
            "Writes committed together in one group commit",
            buckets=BATCH_SIZE_BUCKETS,
            registry=None,
        )
        self.commit_seconds = Histogram(
            f"{NAMESPACE}_group_commit_duration_seconds",
            "Commit and sync of one group commit (its writes already run)",
            buckets=LATENCY_BUCKETS,
            registry=None,
        )
        self.write_conflicts = Counter(
            f"{NAMESPACE}_store_write_conflicts",
            "Group commits run again because another node changed what they read (Redis)",
            registry=None,
        )
        self.store_errors = Counter(
            f"{NAMESPACE}_store_errors",
            "Group commits that failed whole (nothing written; their RPCs got the error)",
            registry=None,
        )
        self.reservations_held = Gauge(
            f"{NAMESPACE}_reservations_held",
            "Reservation sessions holding redeemables now (sampled every few seconds)",
            multiprocess_mode="livemostrecent",
            registry=None,
        )
        self.catalog_generation = Gauge(
            f"{NAMESPACE}_catalog_generation",
            "Generation of the campaign catalog (moves on every campaign or stacking change)",
            multiprocess_mode="livemostrecent",
            registry=None,
        )
        self.store_free_bytes = Gauge(
            f"{NAMESPACE}_store_free_bytes",
            "Free space on the file system of the store's data directory (LMDB)",
            multiprocess_mode="livemostrecent",
            registry=None,
        )
        self.oldest_write_seconds = Gauge(
            f"{NAMESPACE}_oldest_queued_write_seconds",
            "Age of the oldest write waiting for its group commit (the most of any worker)",
            multiprocess_mode="livemax",
            registry=None,
        )
        # Children per (method, code), made on first use: labels() costs more than inc().
        self._per_rpc: dict[tuple[str, grpc.StatusCode], tuple[Any, Any, Any]] = {}
        self._lock = threading.Lock()

    # The gate's finish hook ---------------------------------------------------------------

    def rpc_finished(
        self, method: str, code: grpc.StatusCode, seconds: float, _context: Any
    ) -> None:
        children = self._per_rpc.get((method, code))
        if children is None:
            children = self._children(method, code)
        children[0].inc()
        children[1].observe(seconds)

    def refused(self, method: str, code: grpc.StatusCode) -> None:
        """The gate's refusal hook: RESOURCE_EXHAUSTED is load shed (overload, the write
        bound); a deadline that passed in the queue is only in promocore_rpcs_total."""
        if code is grpc.StatusCode.RESOURCE_EXHAUSTED:
            self._children(method, code)[2].inc()

    def rejected(self, method: str, error: Any) -> None:
        """The gate's error hook: a PromocoreError with a reason code is a rejection. Reasons
        are constants of the code base; anything else counts as "other" (bounded labels)."""
        reason = error.reason
        if not reason:
            return
        if _REASON.fullmatch(reason) is None:
            reason = "other"
        service, _, name = method.lstrip("/").rpartition("/")
        self.rejections.labels(service, name, reason).inc()

    def _children(self, method: str, code: grpc.StatusCode) -> tuple[Any, Any, Any]:
        with self._lock:
            children = self._per_rpc.get((method, code))
            if children is None:
                service, _, name = method.lstrip("/").rpartition("/")
                children = (
                    self.rpcs.labels(service, name, code.name),
                    self.rpc_seconds.labels(service, name),
                    self.shed.labels(service, name),
                )
                self._per_rpc[(method, code)] = children
            return children

    # The group-commit writer's observer (promocore.store.group_commit) --------------------

    def batch_committed(self, jobs: int, seconds: float) -> None:
        self.batch_size.observe(jobs)
        self.commit_seconds.observe(seconds)

    def write_conflict(self) -> None:
        self.write_conflicts.inc()

    def batch_failed(self) -> None:
        self.store_errors.inc()

    # The redemption log's observer: counted once the batch is committed ------------------

    def on_redeemed(self, _txn: Any, _redeemed: Any) -> None:
        from promocore.store.group_commit import after_commit

        after_commit(self.redemptions.inc)

    def on_rolled_back(self, _txn: Any, _stored: Any, _rollback: Any) -> None:
        from promocore.store.group_commit import after_commit

        after_commit(self.rollbacks.inc)

    # The engine's result counts ----------------------------------------------------------

    def take_results(self) -> None:
        """Moves the engine's counts of answered redeemables (kept in atomics on the checkout
        path, whether metrics are on or not) into the shared counter."""
        for rpc, status, reason, count in _engine.take_result_tally():
            self.results.labels(rpc, status, reason).inc(count)

    # Store gauges ------------------------------------------------------------------------

    def sample_store(self, store: Any) -> None:
        from promocore.store.keys import encode_u64

        now = encode_u64(store.clock.now_ms())
        with store.read() as txn:
            self.catalog_generation.set(store.catalog.generation(txn))
            cursor = txn.cursor(db=store.tables.session_expiry)
            held = 0
            found = cursor.set_range(now)
            while found:
                held += 1
                found = cursor.next()
        self.reservations_held.set(held)
        free = free_bytes(store)
        if free is not None:
            self.store_free_bytes.set(free)

    def sample_writes(self, oldest_write_age_s: float) -> None:
        self.oldest_write_seconds.set(oldest_write_age_s)


class Sampler:
    """Runs `sample` every `interval_s` in a daemon thread until stopped (the store's gauges;
    the engine's result counts, with `final` so the last counts are not lost on stop)."""

    def __init__(
        self,
        sample: Callable[[], None],
        interval_s: float = STORE_SAMPLE_INTERVAL_S,
        *,
        final: bool = False,
    ) -> None:
        self._final = final
        self._sample = sample
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="promocore-metrics", daemon=True)

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if self._final:
            self._sample()

    def _run(self) -> None:
        while True:
            try:
                self._sample()
            except Exception:  # a store hiccup must not end the sampling
                log.exception("sampling the store's gauges failed")
            if self._stop.wait(self._interval_s):
                return
