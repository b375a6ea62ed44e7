"""Locust users of promocore over gRPC: checkout, POS, admin, and the single-RPC users `make bench`
measures against the framework floor (a health check on the same server).

    locust -f benchmarks/locustfile.py --headless --host 127.0.0.1:50051 -u 50 -r 50 -t 30s \
        CheckoutUser PosUser AdminUser

The data set is the one of benchmarks/load_dataset.py; its codes come from the JSON file named by
$PROMOCORE_BENCH_CODES (written by benchmarks/load_bench.py after loading the store). Requests are
built once per cart as protobuf bytes, so the load generator spends its CPU on sending.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import ClassVar

import grpc
import grpc.experimental.gevent as grpc_gevent
import orjson
from grpc_health.v1 import health_pb2
from locust import User, between, constant, events, task

from promocore.v1 import admin_pb2, checkout_pb2
from promocore.wire.plain import from_plain

import load_dataset

# gRPC's own I/O must yield to gevent, or one call blocks every user of the process.
grpc_gevent.init_gevent()

TEMPLATES = 64  # distinct carts per user kind; request bytes are reused across iterations
DEADLINE_S = float(os.environ.get("PROMOCORE_BENCH_DEADLINE_S", "10"))
API_KEY = os.environ.get("PROMOCORE_API_KEY")

_codes: dict[str, list[str]] | None = None


def dataset_codes() -> dict[str, list[str]]:
    global _codes
    if _codes is None:
        _codes = orjson.loads(Path(os.environ["PROMOCORE_BENCH_CODES"]).read_bytes())
    return _codes


def checkout_request(message_type, rng: random.Random, n: int, channel: str, promotions: bool):
    plain = load_dataset.checkout_request(
        rng, f"order-{n}", dataset_codes(), channel=channel, promotions=promotions
    )
    return from_plain(message_type, plain)


class GrpcUser(User):
    """A user with one channel; every call is reported to locust as a request event."""

    abstract = True

    def on_start(self) -> None:
        self.channel = grpc.insecure_channel(self.host)
        self.metadata = (("x-api-key", API_KEY),) if API_KEY else None
        self.rng = random.Random(f"{type(self).__name__}-{id(self)}")
        self.sequence = 0
        self._methods: dict[str, grpc.UnaryUnaryMultiCallable] = {}

    def on_stop(self) -> None:
        self.channel.close()

    def call(self, path: str, request: bytes, name: str | None = None) -> bytes | None:
        method = self._methods.get(path)
        if method is None:
            method = self._methods[path] = self.channel.unary_unary(path)
        started = time.perf_counter()
        response, exception = None, None
        try:
            response = method(request, timeout=DEADLINE_S, metadata=self.metadata)
        except grpc.RpcError as error:
            exception = error
        events.request.fire(
            request_type="grpc",
            name=name or path.rsplit("/", 1)[1],
            response_time=(time.perf_counter() - started) * 1000,
            response_length=len(response or b""),
            exception=exception,
            context={},
        )
        return response

    def next_key(self) -> str:
        self.sequence += 1
        return f"{type(self).__name__}-{id(self):x}-{self.sequence}"


VALIDATE = "/promocore.v1.CheckoutService/Validate"
REDEEM = "/promocore.v1.CheckoutService/Redeem"
QUALIFY = "/promocore.v1.CheckoutService/Qualify"
HEALTH = "/grpc.health.v1.Health/Check"
LIST_CAMPAIGNS = "/promocore.v1.AdminService/ListCampaigns"
GET_CODE = "/promocore.v1.AdminService/GetCode"


class NoopUser(GrpcUser):
    """The framework floor: a health check, the cheapest RPC the same server answers."""

    wait_time = constant(0)
    request = health_pb2.HealthCheckRequest().SerializeToString()

    @task
    def health(self) -> None:
        self.call(HEALTH, self.request)


class ValidateUser(GrpcUser):
    """Validate of a 20-item cart with 3 codes, auto promotions joining."""

    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        self.requests = [
            checkout_request(
                checkout_pb2.ValidateRequest, self.rng, n, "web", True
            ).SerializeToString()
            for n in range(TEMPLATES)
        ]

    @task
    def validate(self) -> None:
        self.call(VALIDATE, self.requests[self.sequence % TEMPLATES])
        self.sequence += 1


class RedeemUser(GrpcUser):
    """Durable Redeem of the same kind of request, a new idempotency key each time."""

    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        self.requests = [
            checkout_request(checkout_pb2.RedeemRequest, self.rng, n, "web", True)
            for n in range(TEMPLATES)
        ]

    @task
    def redeem(self) -> None:
        request = self.requests[self.sequence % TEMPLATES]
        request.idempotency_key = self.next_key()
        request.order.id = request.idempotency_key
        self.call(REDEEM, request.SerializeToString())


class CheckoutUser(GrpcUser):
    """A web shopper: Qualify on the cart page, Validate at checkout, Redeem at payment."""

    wait_time = between(0.5, 2)

    @task
    def checkout(self) -> None:
        request = checkout_request(checkout_pb2.RedeemRequest, self.rng, self.sequence, "web", True)
        qualify = checkout_pb2.QualifyRequest(
            order=request.order, customer=request.customer, limit=10
        )
        self.call(QUALIFY, qualify.SerializeToString())
        validate = checkout_pb2.ValidateRequest(
            order=request.order,
            customer=request.customer,
            redeemables=request.redeemables,
            options=request.options,
        )
        self.call(VALIDATE, validate.SerializeToString())
        request.idempotency_key = self.next_key()
        request.order.id = request.idempotency_key
        self.call(REDEEM, request.SerializeToString())


class PosUser(GrpcUser):
    """A till: a scanned code is validated, then redeemed when the customer pays."""

    wait_time = between(1, 3)

    @task
    def scan_and_pay(self) -> None:
        request = checkout_request(
            checkout_pb2.RedeemRequest, self.rng, self.sequence, "pos", False
        )
        del request.redeemables[1:]
        validate = checkout_pb2.ValidateRequest(
            order=request.order, redeemables=request.redeemables
        )
        self.call(VALIDATE, validate.SerializeToString())
        request.idempotency_key = self.next_key()
        request.order.id = request.idempotency_key
        self.call(REDEEM, request.SerializeToString())


class AdminUser(GrpcUser):
    """A marketer's script in the background: lists campaigns, looks codes up."""

    wait_time = between(2, 5)
    weight = 1

    @task
    def browse(self) -> None:
        self.call(LIST_CAMPAIGNS, admin_pb2.ListCampaignsRequest().SerializeToString())
        campaign = self.rng.choice(sorted(dataset_codes()))
        code = self.rng.choice(dataset_codes()[campaign])
        self.call(GET_CODE, admin_pb2.GetCodeRequest(code=code).SerializeToString())


class SpikeUser(GrpcUser):
    """A TV viewer: redeems the advertised code once, as a new customer, with a short deadline
    (see locust_spike.py for the load shape). Outcomes are counted by kind for the report."""

    wait_time = between(0.05, 0.2)
    outcomes: ClassVar[dict[str, int]] = {}

    def on_start(self) -> None:
        super().on_start()
        self.template = from_plain(
            checkout_pb2.RedeemRequest,
            {
                "order": load_dataset.cart(self.rng, "spike"),
                "redeemables": [{"code": load_dataset.SPIKE_CODE}],
            },
        )

    @task
    def redeem(self) -> None:
        self.template.idempotency_key = self.next_key()
        self.template.order.id = self.template.idempotency_key
        self.template.customer.id = self.template.idempotency_key
        response = self.call(REDEEM, self.template.SerializeToString(), name="Redeem spike")
        self.count(response)

    def count(self, response: bytes | None) -> None:
        if response is None:
            kind = "rpc_error"
        else:
            answer = checkout_pb2.RedeemResponse.FromString(response)
            if answer.status == checkout_pb2.SUCCEEDED:
                kind = "succeeded"
            else:
                kind = answer.redeemables[0].reason or "failed"
        SpikeUser.outcomes[kind] = SpikeUser.outcomes.get(kind, 0) + 1


@events.request.add_listener
def count_rpc_errors(name: str, exception: BaseException | None, **_kwargs) -> None:
    """Errors by status code, for every user: load shedding is RESOURCE_EXHAUSTED, an unanswered
    call is DEADLINE_EXCEEDED or UNAVAILABLE."""
    if isinstance(exception, grpc.RpcError):
        status = exception.code().name
        ERRORS[f"{name}:{status}"] = ERRORS.get(f"{name}:{status}", 0) + 1


ERRORS: dict[str, int] = {}


@events.test_stop.add_listener
def write_outcomes(**_kwargs) -> None:
    path = os.environ.get("PROMOCORE_BENCH_OUTCOMES")
    if path:
        Path(path).write_bytes(orjson.dumps({"spike": SpikeUser.outcomes, "errors": ERRORS}))
