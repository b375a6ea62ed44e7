"""The gRPC server: checkout, admin and events services, health checking and reflection.

Validate, Redeem and Qualify are registered without (de)serializers: the handler receives the
caller's request bytes and returns response bytes, which cross into the Rust engine as they are.
"""

from __future__ import annotations

import functools
import logging
import signal
import threading
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from promocore.admin import Admin
from promocore.cdp.customer_data import CustomerData
from promocore.cdp.scheduler import DEFAULT_INTERVAL_S, Scheduler
from promocore.cdp.webhooks import WebhookConfig, WebhookSender
from promocore.checkout import Checkout, Resolver
from promocore.clock import Clock, SystemClock
from promocore.compiled import CompiledCampaigns
from promocore.customers_service import customer_admin_rpcs, events_servicer
from promocore.demo import InProcessAdmin, load_demo
from promocore.errors import PromocoreError
from promocore.programs import Programs
from promocore.programs_service import programs_admin_rpcs
from promocore.qualify import Qualifier
from promocore.store import LmdbStore
from promocore.store.group_commit import DEFAULT_MAX_BATCH
from promocore.store.tables import Durability
from promocore.v1 import (
    admin_pb2,
    admin_pb2_grpc,
    checkout_pb2,
    events_pb2,
    events_pb2_grpc,
)
from promocore.wallet import Wallet
from promocore.wire_errors import to_status

log = logging.getLogger("promocore.server")

CHECKOUT_SERVICE = checkout_pb2.DESCRIPTOR.services_by_name["CheckoutService"].full_name
ADMIN_SERVICE = admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name
EVENTS_SERVICE = events_pb2.DESCRIPTOR.services_by_name["EventsService"].full_name


def rpc(method: Callable) -> Callable:
    """Turns PromocoreError into a gRPC status with details (anything else is UNKNOWN, logged by
    grpc)."""

    @functools.wraps(method)
    def handler(*args):
        context = args[-1]
        try:
            return method(*args)
        except PromocoreError as error:
            context.abort_with_status(to_status(error))

    return handler


def rpc_stream(method: Callable) -> Callable:
    """`rpc` for server-streaming methods (generators)."""

    @functools.wraps(method)
    def handler(*args):
        context = args[-1]
        try:
            yield from method(*args)
        except PromocoreError as error:
            context.abort_with_status(to_status(error))

    return handler


def checkout_handler(checkout: Checkout, qualifier: Qualifier) -> grpc.GenericRpcHandler:
    def raw_bytes(method: Callable[[bytes], bytes]) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(rpc(lambda request, context: method(request)))

    def typed(method, request_type, response_type) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(
            rpc(lambda request, context: method(request)),
            request_deserializer=request_type.FromString,
            response_serializer=response_type.SerializeToString,
        )

    return grpc.method_handlers_generic_handler(
        CHECKOUT_SERVICE,
        {
            "Validate": raw_bytes(checkout.validate),
            "Redeem": raw_bytes(checkout.redeem),
            "Rollback": typed(
                checkout.rollback, checkout_pb2.RollbackRequest, checkout_pb2.RollbackResponse
            ),
            "Qualify": raw_bytes(qualifier.qualify),
            "ReleaseReservation": typed(
                checkout.release_reservation,
                checkout_pb2.ReleaseReservationRequest,
                checkout_pb2.ReleaseReservationResponse,
            ),
        },
    )


class AdminServicer(
    programs_admin_rpcs(rpc), customer_admin_rpcs(rpc), admin_pb2_grpc.AdminServiceServicer
):
    """The admin RPCs built so far; the others answer UNIMPLEMENTED (generated base class)."""

    def __init__(self, admin: Admin, programs: Programs, customer_data: CustomerData) -> None:
        self._admin = admin
        self._programs = programs
        self._customer_data = customer_data

    @rpc
    def CreateCampaign(self, request, context):
        return self._admin.create_campaign(request.campaign)

    @rpc
    def UpdateCampaign(self, request, context):
        return self._admin.update_campaign(request.campaign, request.expected_version)

    @rpc
    def GetCampaign(self, request, context):
        return self._admin.get_campaign(request.id, request.version)

    @rpc
    def ListCampaigns(self, request, context):
        return self._admin.list_campaigns(request)

    @rpc
    def SetCampaignActive(self, request, context):
        return self._admin.set_campaign_active(request.id, request.active)

    @rpc
    def CreateCode(self, request, context):
        return self._admin.create_code(request.code)

    @rpc_stream
    def GenerateCodes(self, request, context):
        yield from self._admin.generate_codes(request)

    @rpc
    def GetCode(self, request, context):
        return self._admin.get_code(request.code)

    @rpc
    def ListCodes(self, request, context):
        return self._admin.list_codes(request)

    @rpc
    def SetCodeActive(self, request, context):
        return self._admin.set_code_active(request.code, request.active)

    @rpc
    def GetStackingRules(self, request, context):
        return self._admin.get_stacking_rules()

    @rpc
    def SetStackingRules(self, request, context):
        return self._admin.set_stacking_rules(request.rules)

    @rpc
    def GetRedemption(self, request, context):
        return self._admin.get_redemption(request.id)


@dataclass
class RunningServer:
    server: grpc.Server
    port: int
    store: LmdbStore
    health: health.HealthServicer
    customer_data: CustomerData
    # Background duties: only in the process that runs them (ServerOptions.background_duties).
    scheduler: Scheduler | None = None
    webhooks: WebhookSender | None = None

    def stop(self, grace: float | None = 5.0) -> None:
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()
        for duty in (self.scheduler, self.webhooks):
            if duty is not None:
                duty.stop()
        self.store.close()


@dataclass(frozen=True)
class ServerOptions:
    """How one server process serves (the `promocore serve` flags)."""

    threads: int = 16
    durability: Durability = Durability.FULL
    max_batch: int = DEFAULT_MAX_BATCH
    # Share the port with the other worker processes (SO_REUSEPORT).
    reuse_port: bool = False
    load_demo_if_empty: bool = False
    # Run the scheduler (birthday/inactivity triggers) and the webhook sender in this process:
    # with several workers only worker 0 does (docs/customers.md).
    background_duties: bool = True
    # Seconds between scheduler ticks; 0 = no scheduler thread (tests tick it themselves).
    scheduler_interval_s: float = DEFAULT_INTERVAL_S
    # Signed webhooks of integration events; None = none.
    webhook: WebhookConfig | None = None


def load_demo_if_empty(admin: Admin, store: LmdbStore) -> None:
    if store.is_empty():
        load_demo(InProcessAdmin(admin))
        log.info("loaded the demo data set into %s", store.path)


def start_server(
    data_dir: Path | str,
    listen: str = "127.0.0.1:50051",
    *,
    clock: Clock | None = None,
    options: ServerOptions | None = None,
) -> RunningServer:
    """Opens the store and starts serving; `listen` may use port 0 to pick a free port."""
    clock = clock or SystemClock()
    options = options or ServerOptions()
    store = LmdbStore(
        data_dir, durability=options.durability, max_batch=options.max_batch, clock=clock
    )
    admin = Admin(store, clock)
    programs = Programs(store, clock)
    if options.load_demo_if_empty:
        load_demo_if_empty(admin, store)
    customer_data = CustomerData(store, clock, programs)
    campaigns = CompiledCampaigns(store.catalog)
    checkout = Checkout(store, campaigns, clock, profiles=customer_data.profile)
    wallet = Wallet(customer_data, Resolver(store, campaigns))
    qualifier = Qualifier(store, campaigns, clock, wallet)

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=options.threads),
        options=[("grpc.so_reuseport", 1 if options.reuse_port else 0)],
    )
    server.add_generic_rpc_handlers([checkout_handler(checkout, qualifier)])
    admin_pb2_grpc.add_AdminServiceServicer_to_server(
        AdminServicer(admin, programs, customer_data), server
    )
    events_pb2_grpc.add_EventsServiceServicer_to_server(
        events_servicer(rpc, rpc_stream, programs, customer_data), server
    )
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    services = (CHECKOUT_SERVICE, ADMIN_SERVICE, EVENTS_SERVICE)
    reflection.enable_server_reflection(
        (*services, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port = server.add_insecure_port(listen)
    if port == 0:
        store.close()
        raise OSError(f"cannot listen on {listen}")
    server.start()
    for name in ("", *services):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    running = RunningServer(server, port, store, health_servicer, customer_data)
    if options.background_duties:
        running.scheduler = Scheduler(customer_data, interval_s=options.scheduler_interval_s)
        if options.scheduler_interval_s > 0:
            running.scheduler.start()
        if options.webhook is not None:
            running.webhooks = WebhookSender(store, customer_data.events, options.webhook)
            running.webhooks.start()
    return running


def serve_forever(running: RunningServer) -> None:
    """Blocks until SIGINT or SIGTERM, then shuts down gracefully."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    log.info("shutting down")
    running.stop()
