"""The gRPC server: checkout, admin and events services, health checking and reflection.

Validate, Redeem and Qualify are registered without (de)serializers: the handler receives the
caller's request bytes and returns response bytes, which cross into the Rust engine as they are.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import threading
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from promocore import deadlines
from promocore.admin import Admin
from promocore.api_keys import ApiKeys
from promocore.audit import ActorInterceptor
from promocore.auth import Authenticator, AuthInterceptor
from promocore.cdp.customer_data import CustomerData
from promocore.cdp.scheduler import DEFAULT_INTERVAL_S, Scheduler
from promocore.cdp.webhooks import WebhookConfig, WebhookSender
from promocore.checkout import Checkout, Resolver
from promocore.clock import Clock, SystemClock
from promocore.compiled import CompiledCampaigns
from promocore.customers_service import customer_admin_rpcs, events_servicer
from promocore.demo import InProcessAdmin, load_demo
from promocore.errors import PromocoreError, WriteConflictError
from promocore.guess_guard import Caller, GuessGuard, GuessLimits, address_of
from promocore.load_shedding import (
    DEFAULT_IN_SERVICE,
    DEFAULT_MAX_QUEUE_MS,
    DEFAULT_TARGET_MS,
    LoadShedder,
)
from promocore.principal import current_principal
from promocore.programs import Programs
from promocore.programs_service import programs_admin_rpcs
from promocore.qualify import Qualifier
from promocore.request_guard import (
    DEFAULT_MAX_MESSAGE_BYTES,
    HARD_CAP_FACTOR,
    RequestGuardInterceptor,
)
from promocore.store import Store, open_store
from promocore.store.group_commit import DEFAULT_MAX_BATCH
from promocore.store.redis_kv import STORE_UNREACHABLE, WriteConflict, store_unavailable
from promocore.store.tables import Durability
from promocore.tls import TlsFiles
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


# An RPC whose own store transaction lost a race (shared store only) runs again this often.
RPC_CONFLICT_ATTEMPTS = 5


def rpc(method: Callable) -> Callable:
    """Turns PromocoreError into a gRPC status with details (anything else is UNKNOWN, logged by
    grpc); abandons an RPC whose deadline passed while it waited (promocore.deadlines). On a
    shared store an admin write that lost a race wrote nothing, so the RPC runs again."""

    @functools.wraps(method)
    def handler(*args):
        context = args[-1]
        try:
            deadlines.begin(context)
            for attempt in range(1, RPC_CONFLICT_ATTEMPTS + 1):
                try:
                    return method(*args)
                except WriteConflict as conflict:
                    if attempt == RPC_CONFLICT_ATTEMPTS:
                        raise WriteConflictError(str(conflict)) from None
        except STORE_UNREACHABLE as error:
            context.abort_with_status(to_status(store_unavailable(error)))
        except PromocoreError as error:
            context.abort_with_status(to_status(error))

    return handler


def rpc_stream(method: Callable) -> Callable:
    """`rpc` for server-streaming methods (generators)."""

    @functools.wraps(method)
    def handler(*args):
        context = args[-1]
        try:
            deadlines.begin(context)
            yield from method(*args)
        except WriteConflict as conflict:  # not run again: part of the stream may be sent
            context.abort_with_status(to_status(WriteConflictError(str(conflict))))
        except STORE_UNREACHABLE as error:
            context.abort_with_status(to_status(store_unavailable(error)))
        except PromocoreError as error:
            context.abort_with_status(to_status(error))

    return handler


def checkout_handler(checkout: Checkout, qualifier: Qualifier) -> grpc.GenericRpcHandler:
    def raw_bytes(method: Callable[[bytes], bytes]) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(rpc(lambda request, context: method(request)))

    def raw_bytes_with_caller(method: Callable[[bytes, Caller], bytes]) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(
            rpc(lambda request, context: method(request, caller_of(context)))
        )

    def typed(method, request_type, response_type) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(
            rpc(lambda request, context: method(request)),
            request_deserializer=request_type.FromString,
            response_serializer=response_type.SerializeToString,
        )

    return grpc.method_handlers_generic_handler(
        CHECKOUT_SERVICE,
        {
            "Validate": raw_bytes_with_caller(checkout.validate),
            "Redeem": raw_bytes_with_caller(checkout.redeem),
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


def caller_of(context: grpc.ServicerContext) -> Caller:
    principal = current_principal()
    return Caller(key_id=principal.key_id if principal else "", address=address_of(context.peer()))


class AdminServicer(
    programs_admin_rpcs(rpc), customer_admin_rpcs(rpc), admin_pb2_grpc.AdminServiceServicer
):
    """The admin RPCs; programs and customers come from their mixins."""

    def __init__(
        self, admin: Admin, programs: Programs, customer_data: CustomerData, api_keys: ApiKeys
    ) -> None:
        self._admin = admin
        self._programs = programs
        self._customer_data = customer_data
        self._api_keys = api_keys

    @rpc
    def CreateApiKey(self, request, context):
        return self._api_keys.create(request.name, request.role)

    @rpc
    def ListApiKeys(self, request, context):
        return self._api_keys.list(request)

    @rpc
    def RevokeApiKey(self, request, context):
        return self._api_keys.revoke(request.id)

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
    def ListRedemptions(self, request, context):
        return self._admin.list_redemptions(request)

    @rpc
    def GetRedemption(self, request, context):
        return self._admin.get_redemption(request.id)

    @rpc
    def DuplicateCampaign(self, request, context):
        return self._admin.duplicate_campaign(request.id, request.new_id, request.new_name)

    @rpc
    def ImportCodes(self, request_iterator, context):
        return admin_pb2.ImportCodesResponse(imported=self._admin.import_codes(request_iterator))

    @rpc_stream
    def ExportCodes(self, request, context):
        for csv in self._admin.export_codes(request.campaign_id):
            yield admin_pb2.ExportCodesChunk(csv=csv)

    @rpc
    def GetCodeQr(self, request, context):
        return self._admin.code_qr(request)

    @rpc
    def GetCampaignReport(self, request, context):
        return self._admin.campaign_report(request)

    @rpc
    def ListAuditLog(self, request, context):
        return self._admin.list_audit_log(request)


@dataclass
class RunningServer:
    server: grpc.Server
    port: int
    store: Store
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


BOOTSTRAP_KEY_ENV = "PROMOCORE_BOOTSTRAP_ADMIN_KEY"


@dataclass(frozen=True)
class ServerOptions:
    """How one server process serves (the `promocore serve` flags)."""

    threads: int = 16
    durability: Durability = Durability.FULL
    max_batch: int = DEFAULT_MAX_BATCH
    # Share the port with the other worker processes (SO_REUSEPORT).
    reuse_port: bool = False
    load_demo_if_empty: bool = False
    # Every RPC but health and reflection needs an API key whose role allows it (docs/security.md).
    auth: bool = True
    # Installed as an admin key when the store has none (tests and provisioning set it through
    # the environment; `promocore serve` otherwise creates one and prints it once).
    bootstrap_admin_key: str | None = field(
        default_factory=lambda: os.environ.get(BOOTSTRAP_KEY_ENV) or None
    )
    tls: TlsFiles | None = None
    # RPCs in progress or queued per process; beyond, RESOURCE_EXHAUSTED at once.
    max_concurrent_rpcs: int = 256
    # Queueing delay past which an overloaded process sheds RPCs (promocore.load_shedding).
    shed_target_ms: float = DEFAULT_TARGET_MS
    # RPCs (of those that may be shed) running at once per process; the rest wait their turn.
    in_service_rpcs: int = DEFAULT_IN_SERVICE
    # Longest wait for a slot, overloaded or not; beyond, RESOURCE_EXHAUSTED.
    max_queue_ms: float = DEFAULT_MAX_QUEUE_MS
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    guess_limits: GuessLimits = field(default_factory=GuessLimits)
    # Run the scheduler (birthday/inactivity triggers) and the webhook sender in this process:
    # with several workers only worker 0 does (docs/customers.md).
    background_duties: bool = True
    # Seconds between scheduler ticks; 0 = no scheduler thread (tests tick it themselves).
    scheduler_interval_s: float = DEFAULT_INTERVAL_S
    # Signed webhooks of integration events; None = none.
    webhook: WebhookConfig | None = None


def load_demo_if_empty(admin: Admin, store: Store) -> None:
    if store.is_empty():
        load_demo(InProcessAdmin(admin))
        log.info("loaded the demo data set into %s", store.location)


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
    store = open_store(
        data_dir, durability=options.durability, max_batch=options.max_batch, clock=clock
    )
    admin = Admin(store, clock)
    programs = Programs(store, clock)
    if options.load_demo_if_empty:
        load_demo_if_empty(admin, store)
    api_keys = ApiKeys(store, clock)
    if options.bootstrap_admin_key and api_keys.install_bootstrap(options.bootstrap_admin_key):
        log.info("installed the bootstrap admin key from $%s", BOOTSTRAP_KEY_ENV)
    customer_data = CustomerData(store, clock, programs)
    campaigns = CompiledCampaigns(store.catalog)
    checkout = Checkout(
        store,
        campaigns,
        clock,
        GuessGuard(options.guess_limits, clock),
        profiles=customer_data.profile,
    )
    wallet = Wallet(customer_data, Resolver(store, campaigns))
    qualifier = Qualifier(store, campaigns, clock, wallet)

    shedder = LoadShedder(
        options.shed_target_ms,
        in_service=options.in_service_rpcs,
        max_queue_ms=options.max_queue_ms,
    )
    interceptors: list[grpc.ServerInterceptor] = [shedder]
    if options.auth:
        interceptors.append(AuthInterceptor(Authenticator(store)))
    interceptors.append(RequestGuardInterceptor(options.max_message_bytes))
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=options.threads),
        interceptors=[*interceptors, ActorInterceptor()],
        options=[
            ("grpc.so_reuseport", 1 if options.reuse_port else 0),
            ("grpc.max_receive_message_length", options.max_message_bytes * HARD_CAP_FACTOR),
        ],
        maximum_concurrent_rpcs=options.max_concurrent_rpcs,
    )
    server.add_generic_rpc_handlers([checkout_handler(checkout, qualifier)])
    admin_pb2_grpc.add_AdminServiceServicer_to_server(
        AdminServicer(admin, programs, customer_data, api_keys), server
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
    if options.tls is not None:
        port = server.add_secure_port(listen, options.tls.server_credentials())
    else:
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
