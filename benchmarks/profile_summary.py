"""Where a server worker's CPU goes: py-spy samples (Python and native frames) grouped by layer.

    py-spy record --pid PID --native --format raw -o samples.txt ...
    python benchmarks/profile_summary.py samples.txt [...]

Each sample is charged to the innermost frame that belongs to a known layer (the Rust engine,
LMDB, protobuf, the gRPC framework, promocore's Python code); samples of threads that wait
(the GIL, locks, polling, queues) are not CPU and are left out.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

WAITING = (
    "PyThread_acquire_lock",
    "_queue_SimpleQueue_get",
    "epoll_wait",
    "pthread_cond",
    "sem_wait",
    "sem_timedwait",
    "futex",
    "poll (",
    "select (",
    "Event.wait",
    "Condition.wait",
    "_worker (concurrent",
)
# Innermost match wins, in this order for one frame.
LAYERS = (
    ("rust engine", ("promocore_engine", "_engine.cpython", "prost::")),
    ("lmdb", ("mdb_", "lmdb/", "(lmdb", "cpython.c")),
    ("fsync", ("fdatasync", "fsync", "msync")),
    ("protobuf", ("upb_", "_upb", "google/protobuf", "_message.")),
    ("grpc framework", ("grpc", "cygrpc", "_server.py", "_channel.py", "completion_queue")),
    ("promocore python", ("promocore/",)),
)


# An unresolved address in libc as the innermost frame is a blocking call (futex, poll: the GIL,
# a condition, the completion queue); the CPU-bound libc functions resolve to their names.
BLOCKED_IN_LIBC = re.compile(r"^0x[0-9a-f]+ \(libc\.so\.6\)$")


def frames_of(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rstrip("\n").rpartition(" ")
    return stack.split(";"), int(count)


def layer_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for layer, markers in LAYERS:
            if any(marker in frame for marker in markers):
                return layer
    return "python runtime / other"


def summarize(paths: list[Path]) -> tuple[Counter, Counter, int]:
    """(samples by layer, samples by innermost promocore or engine frame, CPU samples)."""
    layers: Counter = Counter()
    functions: Counter = Counter()
    total = 0
    for path in paths:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            frames, count = frames_of(line)
            if (
                BLOCKED_IN_LIBC.match(frames[-1])
                or any(marker in frames[-1] for marker in WAITING)
                or any(marker in frame for frame in frames[-3:] for marker in WAITING[:2])
            ):
                continue
            total += count
            layers[layer_of(frames)] += count
            own = next(
                (f for f in reversed(frames) if "promocore/" in f or "promocore_engine" in f),
                None,
            )
            if own is not None:
                functions[own.split(" (")[0] + " (" + own.rsplit("/", 1)[-1]] += count
    return layers, functions, total


def markdown(paths: list[Path], title: str) -> list[str]:
    layers, functions, total = summarize(paths)
    if not total:
        return [f"{title}: no CPU samples."]
    lines = [f"{title} ({total} CPU samples):", "", "| layer | share |", "| --- | --- |"]
    lines += [f"| {layer} | {100 * n / total:.0f}% |" for layer, n in layers.most_common()]
    lines += ["", "Innermost promocore frames (inclusive of what they call):", ""]
    lines += [f"- `{name}` {100 * n / total:.0f}%" for name, n in functions.most_common(8)]
    return lines


if __name__ == "__main__":
    print("\n".join(markdown([Path(p) for p in sys.argv[1:]], "profile")))
