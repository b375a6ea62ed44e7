"""The HTTP/JSON door against gRPC on the same server, same carts, same run.

Reports (the last line is one JSON object):
- `http_keepalive_p50_ms` and `grpc_keepalive_p50_ms`: sequential Validates, one kept-alive
  connection (http.client) against one gRPC channel;
- `http_validate_cpu_ratio`: server CPU of a Validate over HTTP/JSON divided by the same
  Validate over gRPC, rounds alternating (gRPC, HTTP, gRPC, ...), each `--calls` sequential
  calls; the CPU is the worker processes' user + system time from /proc/PID/stat, so the
  client's share of the cores does not count. Measure it on a one-worker server;
- `http_throughput_ratio`: answered HTTP Validates per second at `--users` concurrent users
  divided by gRPC's, the users spread over client processes, one connection each.

Without `--grpc`/`--http` it starts `promocore serve --workers 1 --http-listen ...` on a fresh
store loaded with the data set of load_dataset.py (the carts of `make bench`). With them it
measures a running server (pass `--server-pid`, the supervisor's or the single process's pid,
for the CPU figure), loading the data set first when the server has no campaign. It speaks only
what every promocore HTTP port has spoken (Connect unary JSON over HTTP/1.1), so it measures the
server of before this change as well as the one after, side by side.

`--quick` runs short phases for a design check on a busy machine: its figures are noisy.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import grpc
import orjson
from google.protobuf import json_format

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT / "tests" / "support"))  # ServerProcess: the server as users run it
sys.path.insert(0, str(BENCH))

from promocore import Client  # noqa: E402
from promocore.v1 import checkout_pb2  # noqa: E402
from promocore.wire.plain import from_plain  # noqa: E402

import load_dataset  # noqa: E402
from support import TEST_ADMIN_KEY, ServerProcess, free_port  # noqa: E402

VALIDATE = "/promocore.v1.CheckoutService/Validate"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TEMPLATES = 16


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far (fields 14 and 15 of /proc/PID/stat)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def server_pids(pid: int) -> list[int]:
    """The workers of a supervisor, or the process itself when it has none."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children] or [pid]


def validate_requests(codes: dict[str, list[str]]) -> list[checkout_pb2.ValidateRequest]:
    rng = random.Random(load_dataset.SEED)
    return [
        from_plain(
            checkout_pb2.ValidateRequest,
            load_dataset.checkout_request(rng, f"http-bench-{n}", codes),
        )
        for n in range(TEMPLATES)
    ]


def dataset_codes(client: Client) -> dict[str, list[str]]:
    """The coupon codes of the data set, loading it when the server has no campaign."""
    if not client.list_campaigns():
        return load_dataset.load(client)
    return {
        campaign["id"]: [code["code"] for code in client.list_codes(campaign["id"])]
        for campaign in client.list_campaigns()
        if campaign["id"].startswith("coupon-")
    }


class HttpCaller:
    """Connect unary JSON Validates on one kept-alive HTTP/1.1 connection."""

    def __init__(self, address: str, api_key: str) -> None:
        host, _, port = address.rpartition(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {"Content-Type": "application/json", "x-api-key": api_key}

    def validate(self, body: bytes) -> bool:
        self.connection.request("POST", VALIDATE, body=body, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        return response.status == 200

    def close(self) -> None:
        self.connection.close()


class GrpcCaller:
    def __init__(self, address: str, api_key: str) -> None:
        self.channel = grpc.insecure_channel(address)
        self.method = self.channel.unary_unary(VALIDATE)
        self.metadata = (("x-api-key", api_key),)

    def validate(self, body: bytes) -> bool:
        try:
            self.method(body, metadata=self.metadata, timeout=30)
        except grpc.RpcError:
            return False
        return True

    def close(self) -> None:
        self.channel.close()


def caller(kind: str, address: str, api_key: str) -> HttpCaller | GrpcCaller:
    return HttpCaller(address, api_key) if kind == "http" else GrpcCaller(address, api_key)


def sequential_ms(kind: str, address: str, api_key: str, bodies: list[bytes], calls: int):
    """Milliseconds of each of `calls` sequential Validates on one connection."""
    client = caller(kind, address, api_key)
    try:
        client.validate(bodies[0])  # the connection is set up outside the timing
        times = []
        for n in range(calls):
            started = time.perf_counter()
            if not client.validate(bodies[n % len(bodies)]):
                raise RuntimeError(f"a {kind} Validate failed")
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        client.close()


def _load_process(kind: str, address: str, api_key: str, bodies, users: int, seconds: float):
    """One client process: `users` threads, each its own connection, calling for `seconds`."""
    answered = [0] * users
    failed = [0] * users
    stop_at = time.monotonic() + seconds

    def user(index: int) -> None:
        client = caller(kind, address, api_key)
        try:
            n = index
            while time.monotonic() < stop_at:
                try:
                    ok = client.validate(bodies[n % len(bodies)])
                except (OSError, http.client.HTTPException):
                    ok = False
                    client.close()
                    client = caller(kind, address, api_key)
                if ok:
                    answered[index] += 1
                else:
                    failed[index] += 1
                n += 1
        finally:
            client.close()

    threads = [threading.Thread(target=user, args=(index,)) for index in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(answered), sum(failed)


def throughput(kind, address, api_key, bodies, users, seconds, processes) -> dict:
    shares = [users // processes + (1 if n < users % processes else 0) for n in range(processes)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        started = time.monotonic()
        results = list(
            pool.map(
                _load_process,
                *zip(
                    *[
                        (kind, address, api_key, bodies, share, seconds)
                        for share in shares
                        if share
                    ],
                    strict=True,
                ),
            )
        )
        elapsed = time.monotonic() - started
    answered = sum(a for a, _ in results)
    failed = sum(f for _, f in results)
    return {"answered_per_s": answered / elapsed, "failed": failed, "seconds": elapsed}


def measure(args, grpc_address: str, http_address: str, pids: list[int] | None) -> dict:
    with Client(grpc_address, api_key=args.api_key, timeout=120) as client:
        codes = dataset_codes(client)
    requests = validate_requests(codes)
    proto_bodies = [request.SerializeToString() for request in requests]
    json_bodies = [
        orjson.dumps(json_format.MessageToDict(request)) for request in requests
    ]  # the same carts
    bodies = {"grpc": proto_bodies, "http": json_bodies}
    addresses = {"grpc": grpc_address, "http": http_address}

    # 1. Latency on a kept-alive connection.
    latency = {
        kind: sequential_ms(kind, addresses[kind], args.api_key, bodies[kind], args.keepalive_calls)
        for kind in ("grpc", "http")
    }
    # 2. Server CPU per Validate, rounds alternating.
    cpu: dict[str, list[float]] = {"grpc": [], "http": []}
    if pids:
        for _round in range(args.rounds):
            for kind in ("grpc", "http"):
                before = cpu_seconds(pids)
                sequential_ms(kind, addresses[kind], args.api_key, bodies[kind], args.calls)
                spent = cpu_seconds(pids) - before
                cpu[kind].append(spent / (args.calls + 1) * 1e6)
    # 3. Throughput at `users` concurrent users.
    rates = {
        kind: throughput(
            kind,
            addresses[kind],
            args.api_key,
            bodies[kind],
            args.users,
            args.seconds,
            args.client_processes,
        )
        for kind in ("grpc", "http")
    }
    summary = {
        "http_keepalive_p50_ms": round(statistics.median(latency["http"]), 3),
        "grpc_keepalive_p50_ms": round(statistics.median(latency["grpc"]), 3),
        "http_keepalive_max_ms": round(max(latency["http"]), 3),
        "http_throughput_ratio": round(
            rates["http"]["answered_per_s"] / rates["grpc"]["answered_per_s"], 3
        ),
        "http_validates_per_s": round(rates["http"]["answered_per_s"], 1),
        "grpc_validates_per_s": round(rates["grpc"]["answered_per_s"], 1),
        "http_failed": rates["http"]["failed"],
        "grpc_failed": rates["grpc"]["failed"],
    }
    if pids:
        if not sum(cpu["grpc"]):
            raise SystemExit(f"no server CPU seen in processes {pids}: pass the server's pid")
        summary["http_validate_cpu_ratio"] = round(sum(cpu["http"]) / sum(cpu["grpc"]), 2)
        summary["http_validate_cpu_us"] = [round(us) for us in cpu["http"]]
        summary["grpc_validate_cpu_us"] = [round(us) for us in cpu["grpc"]]
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grpc", help="HOST:PORT of a running server's gRPC port")
    parser.add_argument("--http", help="HOST:PORT of its HTTP port")
    parser.add_argument("--server-pid", type=int, help="its pid (supervisor or single process)")
    parser.add_argument("--api-key", default=TEST_ADMIN_KEY)
    parser.add_argument("--calls", type=int, default=1500, help="sequential calls per CPU round")
    parser.add_argument("--rounds", type=int, default=3, help="CPU rounds per protocol")
    parser.add_argument("--keepalive-calls", type=int, default=200)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20, help="length of a throughput phase")
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="workers of the started server")
    parser.add_argument(
        "--quick", action="store_true", help="short phases for a design check (noisy figures)"
    )
    parser.add_argument(
        "--server-python",
        default=sys.executable,
        help="the interpreter whose promocore the started server runs (another checkout's "
        "venv: the same figures before and after a change)",
    )
    args = parser.parse_args()
    if args.quick:
        args.calls, args.rounds, args.keepalive_calls, args.seconds = 300, 2, 50, 5
    if bool(args.grpc) != bool(args.http):
        parser.error("--grpc and --http go together")
    if args.grpc:
        pids = server_pids(args.server_pid) if args.server_pid else None
        summary = measure(args, args.grpc, args.http, pids)
    else:
        with tempfile.TemporaryDirectory(prefix="promocore-http-bench-") as tmp:
            http_address = f"127.0.0.1:{free_port()}"
            server = ServerProcess(
                Path(tmp) / "data",
                workers=args.workers,
                extra=("--http-listen", http_address),
                python=args.server_python,
            ).start()
            try:
                summary = measure(args, server.target, http_address, server.worker_pids())
            finally:
                server.stop()
    if args.quick:
        summary["quick"] = "short phases on a shared machine: noisy figures"
    print(orjson.dumps(summary).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
