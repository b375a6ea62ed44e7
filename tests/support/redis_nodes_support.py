"""Helpers for the multi-node Redis tests (tests/e2e/test_redis_nodes.py): server nodes sharing one
Redis, client processes driven by ready/go lines (tests/support/redis_load_client.py), a race
fired at several targets at once, and the figures of `make test-redis`."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson

from support import ServerProcess

LOAD_CLIENT = Path(__file__).with_name("redis_load_client.py")
FIGURES_ENV = "PROMOCORE_REDIS_FIGURES"
READY_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 120.0


def write_figures(name: str, figures: dict) -> None:
    """Writes `figures` to $PROMOCORE_REDIS_FIGURES/NAME.json when that names a directory."""
    directory = os.environ.get(FIGURES_ENV)
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    (Path(directory) / f"{name}.json").write_bytes(
        orjson.dumps(figures, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    )


def start_nodes(base: Path, store_url: str, count: int, *, workers: int = 2) -> list[ServerProcess]:
    """`count` server nodes on one store, each its own process group and port, started at once
    (on an empty store they race to install the bootstrap admin key: one does, all serve)."""
    nodes = [
        ServerProcess(base / f"node{n + 1}", workers=workers, extra=("--store", store_url))
        for n in range(count)
    ]
    with ThreadPoolExecutor(count) as pool:
        started = [pool.submit(node.start, 60) for node in nodes]
    failures = [future.exception() for future in started if future.exception() is not None]
    if failures:
        stop_nodes(nodes)
        raise failures[0]
    return nodes


def stop_nodes(nodes: list[ServerProcess]) -> None:
    for node in nodes:
        if node.process is None:
            continue
        try:
            if node.stop() is None:
                node.kill_hard()
        except subprocess.TimeoutExpired:
            node.kill_hard()


class LoadClient:
    """One redis_load_client.py process: its stdout lines arrive on a queue (read by a thread, so
    a wait for "ready" has a timeout and a chatty client never blocks on a full pipe)."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(LOAD_CLIENT), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.SimpleQueue = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)  # end of output

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"load client not ready within {timeout} s") from None
            if line == "ready":
                return
            if line is None:
                code = self.process.wait(timeout=10)
                raise RuntimeError(f"load client exited with {code} before it was ready")

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def finish(self, timeout: float = EXIT_TIMEOUT_S) -> list[str]:
        """Closes stdin, waits for the exit; returns the remaining stdout lines."""
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        lines = []
        while (line := self.lines.get(timeout=10)) is not None:
            lines.append(line)
        if code != 0:
            raise RuntimeError(f"load client exited with {code}")
        return lines

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def finish_all(clients: list[LoadClient]) -> list[list[str]]:
    """finish() of every client; kills the others when one fails, so none is left behind."""
    try:
        return [client.finish() for client in clients]
    finally:
        for client in clients:
            client.kill()


def race_across(targets: list[str], requests: list[dict], *, per_target: int = 4) -> list[dict]:
    """Fires the requests from `per_target` client processes per target, all at one instant:
    every process connects, parks one thread per request and says "ready"; then each gets "go".
    Returns the outcomes (race_client.py's format plus "target")."""
    chunks = [requests[i :: per_target * len(targets)] for i in range(per_target * len(targets))]
    clients = [
        LoadClient("race", targets[i % len(targets)], orjson.dumps(chunk).decode())
        for i, chunk in enumerate(chunks)
    ]
    try:
        for client in clients:
            client.wait_ready()
        for client in clients:
            client.send("go")
    except BaseException:
        for client in clients:
            client.kill()
        raise
    outcomes = [orjson.loads(line) for lines in finish_all(clients) for line in lines]
    if len(outcomes) != len(requests):
        raise RuntimeError(f"{len(requests)} requests, {len(outcomes)} outcomes")
    return outcomes
