"""Metrics and logs of a real `promocore serve` with two workers: the scrape counts exactly what
a scripted mix of RPCs did, summed over both workers; JSON logs are JSON on every line, and the
request id of an access line is the one its caller received."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import orjson
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from promocore import Client
from promocore.client.core import API_KEY_HEADER
from promocore.v1 import admin_pb2, admin_pb2_grpc, checkout_pb2, checkout_pb2_grpc, common_pb2

from support import TEST_ADMIN_KEY, ServerProcess, free_port, wait_until

REPO = Path(__file__).resolve().parents[2]
CHECKOUT = "promocore.v1.CheckoutService"
METADATA = ((API_KEY_HEADER, TEST_ADMIN_KEY),)
# Long enough that a refused RPC is refused for the queue, not for its deadline.
TIMEOUT_S = 10


def _order(order_id: str) -> checkout_pb2.Order:
    return common_pb2.Order(
        id=order_id,
        currency="EUR",
        items=[common_pb2.Item(sku="BEANS", unit_price=1299, quantity=2)],
    )


def _validate(code: str) -> checkout_pb2.ValidateRequest:
    return checkout_pb2.ValidateRequest(
        order=_order("cart"), redeemables=[checkout_pb2.Redeemable(code=code)]
    )


def _redeem(code: str, key: str) -> checkout_pb2.RedeemRequest:
    return checkout_pb2.RedeemRequest(
        order=_order(f"order-{key}"),
        redeemables=[checkout_pb2.Redeemable(code=code)],
        idempotency_key=key,
    )


class Connection:
    """One channel of its own (its own TCP connection, so its own worker) with the stubs."""

    def __init__(self, target: str) -> None:
        self.channel = grpc.insecure_channel(
            target, options=[("grpc.use_local_subchannel_pool", 1)]
        )
        self.checkout = checkout_pb2_grpc.CheckoutServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def request_id(self) -> str:
        """The x-request-id of a health check over this connection."""
        _, call = self.health.Check.with_call(health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S)
        return dict(call.trailing_metadata())["x-request-id"]


def _access_lines(log: Path) -> list[dict]:
    lines = [orjson.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [line for line in lines if line["logger"] == "promocore.access"]


def _worker_of(log: Path, request_id: str) -> int:
    line = wait_until(
        lambda: next((x for x in _access_lines(log) if x["request_id"] == request_id), None),
        f"an access line with request id {request_id}",
        timeout=10,
    )
    return line["worker"]


def _connections_on_each_worker(target: str, log: Path, workers: int) -> dict[int, Connection]:
    """A connection to every worker: new connections until the kernel gave one to each."""
    found: dict[int, Connection] = {}
    for _ in range(64):
        connection = Connection(target)
        worker = _worker_of(log, connection.request_id())
        if worker in found:
            connection.channel.close()
        else:
            found[worker] = connection
        if len(found) == workers:
            return found
    raise AssertionError(f"64 connections reached only workers {sorted(found)}")


@pytest.fixture
def observed_server(tmp_path) -> Iterator[tuple[ServerProcess, int, Path]]:
    metrics_port = free_port()
    access_log = tmp_path / "access.log"
    server = ServerProcess(
        tmp_path / "data",
        workers=2,
        extra=(
            *("--metrics-listen", f"127.0.0.1:{metrics_port}"),
            *("--log-format", "json", "--access-log", str(access_log)),
            # One RPC in service per worker, and a short wait for it: a held slot sheds.
            *("--in-service-rpcs", "1", "--max-queue-ms", "100"),
        ),
    )
    with server:
        yield server, metrics_port, access_log


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _hold_the_slot(connection: Connection) -> tuple[threading.Event, threading.Thread]:
    """An ImportCodes call that keeps its worker's only in-service slot until released."""
    admitted, release = threading.Event(), threading.Event()

    def chunks() -> Iterator[admin_pb2.ImportCodesChunk]:
        yield admin_pb2.ImportCodesChunk(campaign_id="metered")
        admitted.set()  # the handler asked for the next chunk: it runs, holding the slot
        release.wait(TIMEOUT_S)
        yield admin_pb2.ImportCodesChunk(csv=b"code\nIMPORTED-1\n")

    call = threading.Thread(
        target=lambda: connection.admin.ImportCodes(chunks(), metadata=METADATA, timeout=30)
    )
    call.start()
    assert admitted.wait(TIMEOUT_S)
    return release, call


def test_the_scrape_counts_what_the_script_did_summed_over_both_workers(observed_server):
    server, metrics_port, access_log = observed_server
    with Client(server.target, api_key=TEST_ADMIN_KEY) as client:
        client.create_campaign(
            id="metered",
            name="metered",
            type="DISCOUNT_COUPONS",
            currency="EUR",
            effect={"amount_off_order": {"amount": 100}},
        )
        client.create_code("metered", "METER")
    workers = _connections_on_each_worker(server.target, access_log, 2)

    validates = redeem_rpcs = succeeded = rollbacks = 0
    redemption_ids = []
    for index in range(8):  # every step on both workers
        connection = workers[index % 2]
        connection.checkout.Validate(_validate("METER"), metadata=METADATA, timeout=TIMEOUT_S)
        validates += 1
        if index < 4:
            answer = connection.checkout.Redeem(
                _redeem("METER", f"pay-{index}"), metadata=METADATA, timeout=TIMEOUT_S
            )
            assert answer.status == checkout_pb2.SUCCEEDED
            redemption_ids.append(answer.redemption.id)
            redeem_rpcs += 1
            succeeded += 1
    # A replay and a redeem where nothing applies: answered OK, but no redemption.
    replay = workers[1].checkout.Redeem(
        _redeem("METER", "pay-0"), metadata=METADATA, timeout=TIMEOUT_S
    )
    assert replay.replayed
    nothing = workers[0].checkout.Redeem(
        _redeem("NO-SUCH-CODE", "pay-none"), metadata=METADATA, timeout=TIMEOUT_S
    )
    assert nothing.status == checkout_pb2.FAILED
    redeem_rpcs += 2
    for index, redemption_id in enumerate(redemption_ids[:2]):
        workers[index % 2].checkout.Rollback(
            checkout_pb2.RollbackRequest(redemption_id=redemption_id),
            metadata=METADATA,
            timeout=TIMEOUT_S,
        )
        rollbacks += 1
    with pytest.raises(grpc.RpcError) as twice:
        workers[1].checkout.Rollback(
            checkout_pb2.RollbackRequest(redemption_id=redemption_ids[0]),
            metadata=METADATA,
            timeout=TIMEOUT_S,
        )
    assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as reused:  # the key of pay-1 with another order
        workers[0].checkout.Redeem(
            _redeem("NO-SUCH-CODE", "pay-1"), metadata=METADATA, timeout=TIMEOUT_S
        )
    assert reused.value.code() == grpc.StatusCode.ALREADY_EXISTS

    release, holder = _hold_the_slot(workers[0])
    shed = 0
    try:
        for _ in range(3):
            with pytest.raises(grpc.RpcError) as refused:
                workers[0].checkout.Validate(
                    _validate("METER"), metadata=METADATA, timeout=TIMEOUT_S
                )
            assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            shed += 1
    finally:
        release.set()
        holder.join(timeout=30)

    samples = _scrape(metrics_port)

    def rpcs(method: str, code: str = "OK") -> float:
        return _value(samples, "promocore_rpcs_total", service=CHECKOUT, method=method, code=code)

    assert rpcs("Validate") == validates == 8
    assert rpcs("Validate", "RESOURCE_EXHAUSTED") == shed == 3
    assert _value(samples, "promocore_load_shed_total", service=CHECKOUT, method="Validate") == 3
    assert rpcs("Redeem") == redeem_rpcs == 6
    assert rpcs("Rollback") == rollbacks == 2
    assert rpcs("Rollback", "FAILED_PRECONDITION") == 1
    assert rpcs("Redeem", "ALREADY_EXISTS") == 1

    def rejections(method: str, reason: str) -> float:
        return _value(
            samples,
            "promocore_rpc_rejections_total",
            service=CHECKOUT,
            method=method,
            reason=reason,
        )

    assert rejections("Rollback", "already_rolled_back") == 1
    assert rejections("Redeem", "idempotency_key_reused") == 1
    # Every "no" with its reason: the engine's counts, moved into the metrics every second.
    expected_results = {
        ("validate", "APPLICABLE", ""): validates,
        ("redeem", "APPLICABLE", ""): succeeded,
        ("redeem", "INAPPLICABLE", "code_not_found"): 1,
    }
    deadline = time.monotonic() + 10
    while True:
        latest = _scrape(metrics_port)
        counted = {
            labels: _value(
                latest,
                "promocore_redeemable_results_total",
                rpc=labels[0],
                status=labels[1],
                reason=labels[2],
            )
            for labels in expected_results
        }
        if counted == expected_results or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert counted == expected_results
    samples = latest  # the counts above, with everything else unchanged
    assert _value(samples, "promocore_redemptions_total") == succeeded == 4
    assert _value(samples, "promocore_rollbacks_total") == rollbacks == 2
    latency = {"service": CHECKOUT, "method": "Validate"}
    assert _value(samples, "promocore_rpc_duration_seconds_count", **latency) == 8 + 3
    # Every shed Validate waited its 100 ms in the queue, so none is in the fastest buckets.
    assert _value(samples, "promocore_rpc_duration_seconds_bucket", le="5.0", **latency) == 11
    assert _value(samples, "promocore_rpc_duration_seconds_bucket", le="0.0001", **latency) <= 8
    # The writer ran every Redeem (replay, failed and refused included) and every Rollback as a
    # job: 7 Redeems and 3 Rollbacks (the refused ones returned their refusal, which wrote
    # nothing, in a batch that committed).
    assert _value(samples, "promocore_group_commit_batch_size_sum") == redeem_rpcs + 1 + 3
    assert _value(samples, "promocore_group_commit_duration_seconds_count") >= 1
    assert _value(samples, "promocore_store_errors_total") == 0
    # Sampled every few seconds by worker 0 (its first sample may predate the campaign).
    assert ("promocore_catalog_generation", ()) in samples
    assert ("promocore_reservations_held", ()) in samples
    build = [key for key in samples if key[0] == "promocore_build_info"]
    assert len(build) == 1 and samples[build[0]] == 1

    # Every series the shipped Grafana dashboard queries is one the server exports.
    dashboard = orjson.loads((REPO / "docs" / "grafana" / "promocore.json").read_bytes())
    queried = {
        name
        for panel in dashboard["panels"]
        for query in panel["targets"]
        for name in re.findall(r"\bpromocore_\w+", query["expr"])
    }
    exported = {name for name, _ in samples}
    assert queried and queried <= exported, queried - exported

    # Both workers served the script: the sums above are over both.
    served = {line["worker"] for line in _access_lines(access_log) if "Validate" in line["method"]}
    assert served == {0, 1}

    # A worker killed and restarted takes none of its counts with it.
    killed = server.worker_pids()[1]
    os.kill(killed, signal.SIGKILL)
    wait_until(
        lambda: killed not in server.worker_pids() and len(server.worker_pids()) == 2,
        "the killed worker restarted",
    )
    after = _scrape(metrics_port)
    for name in (
        "promocore_rpcs_total",
        "promocore_redemptions_total",
        "promocore_rollbacks_total",
    ):
        assert {k: v for k, v in after.items() if k[0] == name} == {
            k: v for k, v in samples.items() if k[0] == name
        }


def test_json_logs_are_json_on_every_line_and_the_request_id_reaches_the_caller(tmp_path):
    access_log = tmp_path / "access.log"
    server = ServerProcess(
        tmp_path / "data",
        workers=2,
        extra=("--log-format", "json", "--access-log", str(access_log)),
    )
    with server:
        connection = Connection(server.target)
        _, call = connection.checkout.Validate.with_call(
            _validate("UNKNOWN"), metadata=METADATA, timeout=TIMEOUT_S
        )
        validated_id = dict(call.trailing_metadata())["x-request-id"]
        with pytest.raises(grpc.RpcError) as missing:
            connection.admin.GetCampaign(
                admin_pb2.GetCampaignRequest(id="absent"), metadata=METADATA, timeout=TIMEOUT_S
            )
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        failed_id = dict(missing.value.trailing_metadata())["x-request-id"]
        # An error keeps its details beside the request id.
        assert "grpc-status-details-bin" in dict(missing.value.trailing_metadata())
        with pytest.raises(grpc.RpcError) as refused:
            connection.checkout.Validate(
                _validate("UNKNOWN"), metadata=(("x-api-key", "pck_0000000000000000_wrong"),)
            )
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        _worker_of(access_log, failed_id)  # written before we stop the server
    assert server.process.returncode == 0

    server_lines = server.log_path.read_text().splitlines()
    assert server_lines, "the server logged nothing"
    for line in server_lines:
        record = orjson.loads(line)  # every line is one JSON object
        assert {"time", "level", "logger", "message", "worker"} <= record.keys()
    workers = {orjson.loads(line)["worker"] for line in server_lines}
    assert workers == {None, 0, 1}  # the supervisor's lines, and each worker's

    access = {line["request_id"]: line for line in _access_lines(access_log)}
    assert access[validated_id]["method"] == f"/{CHECKOUT}/Validate"
    assert access[validated_id]["status"] == "OK"
    assert access[validated_id]["key_id"] == TEST_ADMIN_KEY.split("_")[1]
    assert access[validated_id]["duration_ms"] > 0
    assert access[failed_id]["status"] == "NOT_FOUND"
    assert any(line["status"] == "UNAUTHENTICATED" for line in access.values())

    everything = server.log_path.read_text() + access_log.read_text()
    assert TEST_ADMIN_KEY not in everything  # the admin key's secret is never logged
    assert "_wrong" not in everything
