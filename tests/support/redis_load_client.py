"""A client process for the multi-node Redis tests (tests/e2e/test_redis_nodes.py), in three modes.

    python redis_load_client.py race TARGET REQUESTS_JSON
    python redis_load_client.py validate TARGET CODE OUT_PATH
    python redis_load_client.py redeem TARGET CODE PREFIX THREADS OUT_PATH

Every mode prints "ready" on stdout once it is connected and has had a first good answer, and
takes its orders from stdin, so the test waits for signals, not for a guessed time:

- race: REQUESTS_JSON as for race_client.py ({"code", "customer", "key"}); one thread per
  request, parked until the line "go" arrives, then all fire at once. One JSON outcome line per
  request on stdout (the race_client.py format, plus "target").
- validate: Validates CODE round-robin over several connections (each its own TCP connection,
  so the server's workers share the load) until the line "after T N" arrives and then N calls
  started at or after T (time.monotonic, one clock for every process of the machine) have been
  answered, or T + 20 s; "ready" once every connection and WARM_APPLICABLE calls in all had
  an applicable answer. Writes one JSON line per call (all of them, from the first) to
  OUT_PATH: {"start", "end", "connection", "reason"} ("" when applicable) or with "error".
  A call the server shed (RESOURCE_EXHAUSTED, "retry later") is called again, as a checkout would.
- redeem: THREADS threads each redeem CODE with fresh idempotency keys PREFIX-THREAD-N, one
  after another; a call that fails without an answer is retried with the SAME key (as a
  checkout does) until answered. On "stop" (or end of stdin) each thread finishes the key it
  holds, then exits. Each answered key is written to OUT_PATH at once (flushed):
  {"key", "redemption_id", "status", "replayed", "attempts", "acked_at"}, and each failed
  attempt as {"key", "error", "reason", "at"}.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import grpc
import orjson

from promocore import Client
from promocore.client.core import API_KEY_ENV, API_KEY_HEADER
from promocore.errors import ResourceExhaustedError
from promocore.v1 import checkout_pb2, checkout_pb2_grpc
from promocore.wire.plain import from_plain

ORDER = {"currency": "EUR", "items": [{"sku": "BEANS", "unit_price": 2000, "quantity": 1}]}
# Validate load: connections per client process (each its own TCP connection).
VALIDATE_CONNECTIONS = 4
VALIDATE_CAP_S = 20.0
# Validate load: applicable answers seen before the client says "ready".
WARM_APPLICABLE = 20
# Redeem load: pause between retries of a key whose call failed; give up on a key after this.
RETRY_PAUSE_S = 0.02
FINISH_CAP_S = 30.0
READY_TIMEOUT_S = 60.0


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def error_fields(error: BaseException) -> dict:
    """The error's type and reason (for a raw gRPC error, its status code) and message."""
    is_grpc = isinstance(error, grpc.RpcError)
    reason = error.code().name if is_grpc else getattr(error, "reason", "")
    return {"error": type(error).__name__, "reason": reason, "message": str(error)[:300]}


# race -----------------------------------------------------------------------------------------


def race(target: str, requests: list[dict]) -> None:
    outcomes: list[dict] = []
    go = threading.Event()

    def redeem(client: Client, request: dict) -> None:
        order = {**ORDER, "id": f"order-{request['key']}"}
        customer = {"id": request["customer"]} if request.get("customer") else None
        go.wait()
        try:
            answer = client.redeem(
                order,
                codes=[request["code"]],
                customer=customer,
                idempotency_key=request["key"],
            )
        except Exception as error:  # an error answer: not a success, reported as such
            outcomes.append({"key": request["key"], "target": target, **error_fields(error)})
            return
        result = answer["redeemables"][0]
        outcomes.append(
            {
                "key": request["key"],
                "target": target,
                "customer": request.get("customer"),
                "status": answer["status"],
                "reason": result["reason"],
                "redemption_id": (answer.get("redemption") or {}).get("id"),
            }
        )

    with Client(target, timeout=60) as client:
        # A first call connects the channel (read-only: a Validate changes nothing); one the
        # server shed (RESOURCE_EXHAUSTED: every client process warms up at once) is repeated.
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                client.validate(ORDER, codes=[requests[0]["code"]])
                break
            except ResourceExhaustedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        threads = [threading.Thread(target=redeem, args=(client, r)) for r in requests]
        for thread in threads:
            thread.start()
        say("ready")
        if sys.stdin.readline().strip() != "go":
            go.set()  # let the threads end; the harness sees the missing outcomes
            raise SystemExit("race: no 'go' on stdin")
        go.set()
        for thread in threads:
            thread.join()
    for outcome in outcomes:
        say(orjson.dumps(outcome).decode())


# validate -------------------------------------------------------------------------------------


def validate(target: str, code: str, out_path: str) -> None:
    metadata = ((API_KEY_HEADER, os.environ[API_KEY_ENV]),)
    request = from_plain(
        checkout_pb2.ValidateRequest, {"order": ORDER, "redeemables": [{"code": code}]}
    )
    stubs = []
    for _ in range(VALIDATE_CONNECTIONS):
        # A local subchannel pool: a connection of its own, not one shared by the process.
        channel = grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        stubs.append(checkout_pb2_grpc.CheckoutServiceStub(channel))

    def call(stub) -> dict | None:
        start = time.monotonic()
        try:
            answer = stub.Validate(request, timeout=10, metadata=metadata)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                return None  # shed: says nothing about the campaign; call again
            return {"start": start, "end": time.monotonic(), "error": error.code().name}
        return {"start": start, "end": time.monotonic(), "reason": answer.redeemables[0].reason}

    order: dict = {}
    got_order = threading.Event()

    def read_order() -> None:
        fields = sys.stdin.readline().split()
        if len(fields) == 3 and fields[0] == "after":
            order["after"], order["count"] = float(fields[1]), int(fields[2])
        got_order.set()

    threading.Thread(target=read_order, daemon=True).start()
    # Ready once every connection has answered "applicable" and WARM_APPLICABLE calls did.
    deadline = time.monotonic() + READY_TIMEOUT_S
    applicable_on: set[int] = set()
    applicable = 0
    ready = False
    records = []
    turn = 0
    late = 0
    while True:
        connection = turn % len(stubs)
        turn += 1
        record = call(stubs[connection])
        if record is None:
            continue
        records.append({**record, "connection": connection})
        if not ready:
            if record.get("reason") == "":
                applicable_on.add(connection)
                applicable += 1
            if len(applicable_on) == len(stubs) and applicable >= WARM_APPLICABLE:
                ready = True
                say("ready")
            elif time.monotonic() > deadline:
                raise SystemExit(f"validate: not ready within {READY_TIMEOUT_S} s")
        elif got_order.is_set():
            if "after" not in order:
                break  # no (or a malformed) order: stop
            if record["start"] >= order["after"]:
                late += 1
            if late >= order["count"] or record["start"] > order["after"] + VALIDATE_CAP_S:
                break
    with open(out_path, "wb") as out:
        for record in records:
            out.write(orjson.dumps(record) + b"\n")


# redeem ---------------------------------------------------------------------------------------


def redeem_load(target: str, code: str, prefix: str, threads: int, out_path: str) -> None:
    stop = threading.Event()
    ready = threading.Barrier(threads + 1)
    lock = threading.Lock()
    out = open(out_path, "ab")  # noqa: SIM115 - shared by the threads, closed at the end

    def write(record: dict) -> None:
        with lock:
            out.write(orjson.dumps(record) + b"\n")
            out.flush()

    def worker(number: int) -> None:
        first = True
        with Client(target, timeout=10) as client:
            n = 0
            while not stop.is_set():
                key = f"{prefix}-{number}-{n}"
                n += 1
                attempts = 0
                began = time.monotonic()
                while True:
                    attempts += 1
                    try:
                        answer = client.redeem(
                            {**ORDER, "id": f"order-{key}"}, codes=[code], idempotency_key=key
                        )
                    except Exception as error:  # no answer: retry with the same key
                        write({"key": key, "at": time.monotonic(), **error_fields(error)})
                        if stop.is_set() and time.monotonic() - began > FINISH_CAP_S:
                            write({"key": key, "abandoned": True, "attempts": attempts})
                            return
                        time.sleep(RETRY_PAUSE_S)
                        continue
                    write(
                        {
                            "key": key,
                            "redemption_id": (answer.get("redemption") or {}).get("id"),
                            "status": answer["status"],
                            "replayed": bool(answer.get("replayed")),
                            "attempts": attempts,
                            "acked_at": time.monotonic(),
                        }
                    )
                    break
                if first:
                    first = False
                    ready.wait(READY_TIMEOUT_S)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    ready.wait(READY_TIMEOUT_S)
    say("ready")
    sys.stdin.readline()  # "stop", or the end of stdin
    stop.set()
    for thread in workers:
        thread.join()
    out.close()


def main() -> int:
    mode, target = sys.argv[1], sys.argv[2]
    if mode == "race":
        race(target, orjson.loads(sys.argv[3]))
    elif mode == "validate":
        validate(target, sys.argv[3], sys.argv[4])
    elif mode == "redeem":
        redeem_load(target, sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
