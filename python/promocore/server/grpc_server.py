"""The gRPC server: checkout, admin and events services, health checking and reflection.

Every method is served through the gate (gate.py): authentication, roles, request limits,
admission and load shedding, deadline, audit actor and error statuses in one pass per RPC.
Validate, Redeem and Qualify are registered without (de)serializers: the handler receives the
caller's request bytes and returns response bytes, which cross into the Rust engine as they are.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from promocore.cdp.customer_data import CustomerData
from promocore.cdp.scheduler import DEFAULT_INTERVAL_S, Scheduler
from promocore.cdp.webhooks import WebhookConfig, WebhookSender
from promocore.checkout.compiled import CompiledCampaigns
from promocore.checkout.flows import Checkout, Preparer
from promocore.checkout.guess_guard import GuessGuard, GuessLimits
from promocore.checkout.preview import Preview
from promocore.checkout.qualify import Qualifier
from promocore.checkout.wallet import Wallet
from promocore.clock import Clock, SystemClock
from promocore.manage.admin import Admin
from promocore.manage.api_keys import ApiKeys
from promocore.manage.backtest import Backtests
from promocore.manage.cockpit import CockpitLinks, cockpit_view
from promocore.manage.dashboard import dashboard
from promocore.manage.demo import InProcessAdmin, load_demo
from promocore.manage.shop_branding import ShopBrandings
from promocore.programs.service import Programs
from promocore.server import logs
from promocore.server.auth import Authenticator
from promocore.server.cockpit_page import cockpit_pages
from promocore.server.customers_rpcs import CustomerAdminRpcs, EventsServicer
from promocore.server.gate import Gate, HandlerCollector, WriteBound
from promocore.server.http_api import ConnectApi
from promocore.server.http_server import HttpApp, HttpServer
from promocore.server.load_shedding import (
    DEFAULT_IN_SERVICE,
    DEFAULT_MAX_QUEUE_MS,
    DEFAULT_TARGET_MS,
    LoadShedder,
)
from promocore.server.metrics import RESULTS_INTERVAL_S, Metrics, Sampler
from promocore.server.port_closing import close_connections, stop_listening
from promocore.server.programs_rpcs import ProgramsAdminRpcs
from promocore.server.reflection import add_reflection
from promocore.server.request_guard import DEFAULT_MAX_MESSAGE_BYTES, HARD_CAP_FACTOR
from promocore.server.roles import PREVIEW_ROLES
from promocore.server.store_health import StoreHealth, warn_if_low_on_space
from promocore.store import Store, Txn, open_store
from promocore.store.group_commit import DEFAULT_MAX_BATCH
from promocore.store.redemptions import RedemptionObserver
from promocore.store.tables import Durability
from promocore.v1 import (
    admin_pb2,
    admin_pb2_grpc,
    backtest_pb2,
    campaign_pb2,
    checkout_pb2,
    events_pb2,
    events_pb2_grpc,
)
from promocore.wire.tls import TlsFiles

log = logging.getLogger("promocore.server")

CHECKOUT_SERVICE = checkout_pb2.DESCRIPTOR.services_by_name["CheckoutService"].full_name
ADMIN_SERVICE = admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name
EVENTS_SERVICE = events_pb2.DESCRIPTOR.services_by_name["EventsService"].full_name
SERVICES = (CHECKOUT_SERVICE, ADMIN_SERVICE, EVENTS_SERVICE)
# The checkout RPCs whose handlers take the Caller (anti-enumeration counts per key and address).
WITH_CALLER = frozenset({"Validate", "Redeem"})


def checkout_handlers(
    checkout: Checkout, qualifier: Qualifier
) -> dict[str, grpc.RpcMethodHandler[Any, Any]]:
    """Validate, Redeem and Qualify take and return bytes; Validate and Redeem are called with
    the checkout Caller (the gate's `with_caller`)."""

    def typed(
        method: Callable[[Any], Message],
        request_type: type[Message],
        response_type: type[Message],
    ) -> grpc.RpcMethodHandler[Any, Any]:
        return grpc.unary_unary_rpc_method_handler(
            lambda request, context: method(request),
            request_deserializer=request_type.FromString,
            response_serializer=response_type.SerializeToString,
        )

    return {
        "Validate": grpc.unary_unary_rpc_method_handler(checkout.validate),
        "Redeem": grpc.unary_unary_rpc_method_handler(checkout.redeem),
        "Rollback": typed(
            checkout.rollback, checkout_pb2.RollbackRequest, checkout_pb2.RollbackResponse
        ),
        "Qualify": grpc.unary_unary_rpc_method_handler(
            lambda request, context: qualifier.qualify(request)
        ),
        "ReleaseReservation": typed(
            checkout.release_reservation,
            checkout_pb2.ReleaseReservationRequest,
            checkout_pb2.ReleaseReservationResponse,
        ),
    }


class AdminServicer(ProgramsAdminRpcs, CustomerAdminRpcs, admin_pb2_grpc.AdminServiceServicer):
    """The admin RPCs; programs and customers come from their mixins."""

    def __init__(
        self,
        admin: Admin,
        programs: Programs,
        customer_data: CustomerData,
        api_keys: ApiKeys,
        cockpit_links: CockpitLinks,
        shop_brandings: ShopBrandings,
        backtests: Backtests,
    ) -> None:
        self._shop_brandings = shop_brandings
        self._admin = admin
        self._backtests = backtests
        self._programs = programs
        self._customer_data = customer_data
        self._api_keys = api_keys
        self._cockpit_links = cockpit_links

    def CreateCockpitLink(
        self, request: admin_pb2.CreateCockpitLinkRequest, context: grpc.ServicerContext
    ) -> admin_pb2.CockpitLink:
        return self._cockpit_links.create(
            request.customer_id, request.ttl_seconds, request.base_url
        )

    def RevokeCockpitLinks(
        self, request: admin_pb2.RevokeCockpitLinksRequest, context: grpc.ServicerContext
    ) -> admin_pb2.RevokeCockpitLinksResponse:
        return self._cockpit_links.revoke(request.customer_id)

    def CreateApiKey(
        self, request: admin_pb2.CreateApiKeyRequest, context: grpc.ServicerContext
    ) -> admin_pb2.CreateApiKeyResponse:
        return self._api_keys.create(request.name, request.role)

    def ListApiKeys(
        self, request: admin_pb2.ListApiKeysRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListApiKeysResponse:
        return self._api_keys.list(request)

    def RevokeApiKey(
        self, request: admin_pb2.RevokeApiKeyRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ApiKey:
        return self._api_keys.revoke(request.id)

    def WhoAmI(
        self, request: admin_pb2.WhoAmIRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ApiKey:
        return self._api_keys.who_am_i()

    def GetShopBranding(
        self, request: admin_pb2.GetShopBrandingRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ShopBranding:
        return self._shop_brandings.get()

    def SetShopBranding(
        self, request: admin_pb2.SetShopBrandingRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ShopBranding:
        return self._shop_brandings.set(request.branding)

    def GetSupportLimits(
        self, request: admin_pb2.GetSupportLimitsRequest, context: grpc.ServicerContext
    ) -> admin_pb2.SupportLimits:
        return self._admin.get_support_limits()

    def SetSupportLimits(
        self, request: admin_pb2.SetSupportLimitsRequest, context: grpc.ServicerContext
    ) -> admin_pb2.SupportLimits:
        return self._admin.set_support_limits(request.limits)

    def CreateCampaign(
        self, request: admin_pb2.CreateCampaignRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.Campaign:
        return self._admin.create_campaign(request.campaign)

    def UpdateCampaign(
        self, request: admin_pb2.UpdateCampaignRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.Campaign:
        return self._admin.update_campaign(request.campaign, request.expected_version)

    def GetCampaign(
        self, request: admin_pb2.GetCampaignRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.Campaign:
        return self._admin.get_campaign(request.id, request.version)

    def ListCampaigns(
        self, request: admin_pb2.ListCampaignsRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListCampaignsResponse:
        return self._admin.list_campaigns(request)

    def SetCampaignActive(
        self, request: admin_pb2.SetCampaignActiveRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.Campaign:
        return self._admin.set_campaign_active(request.id, request.active, request.reason)

    def CreateCode(
        self, request: admin_pb2.CreateCodeRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.Code:
        return self._admin.create_code(request.code, publish=self._publish_assigned)

    def _publish_assigned(self, txn: Txn, code: campaign_pb2.Code) -> None:
        """A code created for a customer goes into their wallet (Qualify, the cockpit) and is
        announced (EVENT_CODE_ISSUED), as a published one is."""
        self._customer_data.distributions.publish(
            txn,
            code.campaign_id,
            code.assigned_customer_id,
            self._customer_data.clock.now_ms(),
            code=code.code,
        )

    def GenerateCodes(
        self, request: admin_pb2.GenerateCodesRequest, context: grpc.ServicerContext
    ) -> Iterator[admin_pb2.GenerateCodesProgress]:
        yield from self._admin.generate_codes(request)

    def GetCode(
        self, request: admin_pb2.GetCodeRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.Code:
        return self._admin.get_code(request.code)

    def ListCodes(
        self, request: admin_pb2.ListCodesRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListCodesResponse:
        return self._admin.list_codes(request)

    def SetCodeActive(
        self, request: admin_pb2.SetCodeActiveRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.Code:
        return self._admin.set_code_active(request.code, request.active)

    def GetStackingRules(
        self, request: admin_pb2.GetStackingRulesRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.StackingRules:
        return self._admin.get_stacking_rules()

    def SetStackingRules(
        self, request: admin_pb2.SetStackingRulesRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.StackingRules:
        return self._admin.set_stacking_rules(request.rules)

    def DescribeRules(
        self, request: admin_pb2.DescribeRulesRequest, context: grpc.ServicerContext
    ) -> admin_pb2.DescribeRulesResponse:
        return self._admin.describe_rules(request)

    def Backtest(
        self,
        request_iterator: Iterator[backtest_pb2.BacktestRequest],
        context: grpc.ServicerContext,
    ) -> Iterator[backtest_pb2.BacktestProgress]:
        yield from self._backtests.run(request_iterator)

    def ListRedemptions(
        self, request: admin_pb2.ListRedemptionsRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListRedemptionsResponse:
        return self._admin.list_redemptions(request)

    def GetRedemption(
        self, request: admin_pb2.GetRedemptionRequest, context: grpc.ServicerContext
    ) -> checkout_pb2.Redemption:
        return self._admin.get_redemption(request.id)

    def DuplicateCampaign(
        self, request: admin_pb2.DuplicateCampaignRequest, context: grpc.ServicerContext
    ) -> campaign_pb2.Campaign:
        return self._admin.duplicate_campaign(request.id, request.new_id, request.new_name)

    def ImportCodes(
        self, request_iterator: Iterator[admin_pb2.ImportCodesChunk], context: grpc.ServicerContext
    ) -> admin_pb2.ImportCodesResponse:
        return admin_pb2.ImportCodesResponse(imported=self._admin.import_codes(request_iterator))

    def ExportCodes(
        self, request: admin_pb2.ExportCodesRequest, context: grpc.ServicerContext
    ) -> Iterator[admin_pb2.ExportCodesChunk]:
        for csv in self._admin.export_codes(request.campaign_id, request.prefix):
            yield admin_pb2.ExportCodesChunk(csv=csv)

    def GetCodeQr(
        self, request: admin_pb2.GetCodeQrRequest, context: grpc.ServicerContext
    ) -> admin_pb2.GetCodeQrResponse:
        return self._admin.code_qr(request)

    def GetCampaignReport(
        self, request: admin_pb2.GetCampaignReportRequest, context: grpc.ServicerContext
    ) -> admin_pb2.CampaignReport:
        return self._admin.campaign_report(request)

    def GetDashboard(
        self, request: admin_pb2.GetDashboardRequest, context: grpc.ServicerContext
    ) -> admin_pb2.Dashboard:
        programs = self._programs
        return dashboard(programs.store, programs.clock, programs.gift_cards, request)

    def ListAuditLog(
        self, request: admin_pb2.ListAuditLogRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListAuditLogResponse:
        return self._admin.list_audit_log(request)


@dataclass
class RunningServer:
    server: grpc.Server
    port: int
    store: Store
    health: health.HealthServicer
    customer_data: CustomerData
    # What every RPC passes; `gate.on_finish(hook)` sees each RPC's end (promocore.server.gate).
    gate: Gate
    # Background duties: only in the process that runs them (ServerOptions.background_duties).
    scheduler: Scheduler | None = None
    webhooks: WebhookSender | None = None
    # Samples the store's gauges (metrics on, in the process with the background duties).
    store_sampler: Sampler | None = None
    # Moves the engine's counts of answered redeemables into the metrics (metrics on).
    results_sampler: Sampler | None = None
    # The HTTP port: Connect API, console, cockpit (ServerOptions.http_listen); None = off.
    http: HttpServer | None = None
    # NOT_SERVING while the store's writes fail or stall (store_health.py).
    store_health: StoreHealth | None = None
    # Samples the age of the oldest queued write (metrics on).
    writes_sampler: Sampler | None = None
    # Beats to the supervisor (a worker of `serve --workers N`: promocore.server.heartbeat).
    heartbeat: Any = None

    def stop(self, grace: float | None = 5.0) -> None:
        """Stops serving: with a `grace` (seconds), every call arriving from now on is answered
        UNAVAILABLE and the calls in progress finish (within the grace); None or 0 ends them
        at once (CANCELLED)."""
        self.health.enter_graceful_shutdown()
        # Calls that reach a handler from now on are answered UNAVAILABLE (shutting_down).
        self.gate.drain()
        if grace:
            grace = self._close_port(grace)
        if self.http is not None:
            self.http.stop()
        self.server.stop(grace).wait()
        duties = (
            self.scheduler,
            self.webhooks,
            self.store_sampler,
            self.results_sampler,
            self.writes_sampler,
            self.store_health,
            self.heartbeat,
        )
        for duty in duties:
            if duty is not None:
                duty.stop()
        self.store.close()

    def _close_port(self, grace: float) -> float:
        """Closes the gRPC port before gRPC's own shutdown, which would answer CANCELLED every
        call still arriving (port_closing.py): no new connection, then, once the calls in
        progress are answered (the grace at most), no connection. Returns what is left of the
        grace."""
        deadline = time.monotonic() + grace
        stop_listening(self.port)
        # Waits on an event never set, not time.sleep: a relative wait, which libfaketime's
        # stepped clock (make faults) does not break as it breaks sleep's absolute deadline.
        pause = threading.Event().wait
        # Calls that passed the drain test just before it was set are counted by now.
        pause(DRAIN_SETTLE_S)
        while self.gate.in_progress() and time.monotonic() < deadline:
            pause(DRAIN_POLL_S)
        close_connections(self.port)
        return max(0.0, deadline - time.monotonic())


BOOTSTRAP_KEY_ENV = "PROMOCORE_BOOTSTRAP_ADMIN_KEY"
# At shutdown, after the gate answers every new call UNAVAILABLE: how long before the calls in
# progress are counted, and how often they are counted until none is left.
DRAIN_SETTLE_S = 0.05
DRAIN_POLL_S = 0.01


@dataclass(frozen=True)
class ServerOptions:
    """How one server process serves (the `promocore serve` flags)."""

    # RPC threads; None = max_concurrent_rpcs, so that gRPC hands every call it accepts to a
    # thread at once (an idle thread costs nothing; gate.py on what shedding measures).
    threads: int | None = None
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
    # Writes (Redeem, Rollback, ReleaseReservation, reserving Validates) in progress per process;
    # beyond, RESOURCE_EXHAUSTED at once. None = max_concurrent_rpcs less an eighth of it, so
    # that writes waiting for the group commit never hold every RPC a process may take.
    max_concurrent_writes: int | None = None
    # Queueing delay past which an overloaded process sheds RPCs (promocore.server.load_shedding).
    shed_target_ms: float = DEFAULT_TARGET_MS
    # RPCs (of those that may be shed) running at once per process; the rest wait their turn.
    # None: as many as fit in the shed target at their measured cost (load_shedding.py).
    in_service_rpcs: int | None = DEFAULT_IN_SERVICE
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
    # Record Prometheus metrics (promocore.server.metrics; needs $PROMETHEUS_MULTIPROC_DIR, which
    # `promocore serve --metrics-listen` sets). Off: the RPCs and the writer pay nothing.
    metrics: bool = False
    # HOST:PORT of the HTTP port (Connect API, web console, cockpit); None = no HTTP port.
    # Shared by the workers with SO_REUSEPORT, like the gRPC port (reuse_port).
    http_listen: str | None = None

    def thread_count(self) -> int:
        return self.threads if self.threads is not None else self.max_concurrent_rpcs

    def write_bound(self) -> int:
        if self.max_concurrent_writes is not None:
            return self.max_concurrent_writes
        return max(1, self.max_concurrent_rpcs - max(1, self.max_concurrent_rpcs // 8))


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
    """Opens the store and starts serving; `listen` may use port 0 to pick a free port.

    The one place where a server process's objects are made and wired together: the store, the
    domain over it (build_domain), the gate every RPC passes, the gRPC server, the HTTP port and
    the background duties."""
    clock = clock or SystemClock()
    options = options or ServerOptions()
    metrics = Metrics() if options.metrics else None
    store = open_store(
        data_dir,
        durability=options.durability,
        max_batch=options.max_batch,
        clock=clock,
        commit_observer=metrics,
    )
    warn_if_low_on_space(store)
    try:
        domain = build_domain(store, clock, options, metrics)
        gate = build_gate(store, options, metrics)
        services = add_services(gate, domain)
        server, port = bind_grpc(gate, listen, options)
        http = None
        if options.http_listen is not None:
            http = bind_http(gate, services, domain, clock, options)
    except BaseException:
        store.close()
        raise
    server.start()
    if http is not None:
        http.start()
    health_servicer = services.health
    for name in ("", *SERVICES):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    running = RunningServer(
        server, port, store, health_servicer, domain.customer_data, gate, http=http
    )
    running.store_health = StoreHealth(health_servicer, ("", CHECKOUT_SERVICE), store).start()
    if metrics is not None:
        running.results_sampler = Sampler(
            metrics.take_results, RESULTS_INTERVAL_S, final=True
        ).start()
        age = running.store_health.oldest_write_age_s
        running.writes_sampler = Sampler(
            lambda: metrics.sample_writes(age()), RESULTS_INTERVAL_S
        ).start()
    if options.background_duties:
        start_background_duties(running, options, metrics)
    return running


@dataclass(frozen=True)
class Domain:
    """The domain objects of one server process, over its store."""

    admin: Admin
    programs: Programs
    customer_data: CustomerData
    api_keys: ApiKeys
    checkout: Checkout
    qualifier: Qualifier
    wallet: Wallet
    cockpit_links: CockpitLinks
    shop_brandings: ShopBrandings
    backtests: Backtests


def build_domain(
    store: Store, clock: Clock, options: ServerOptions, metrics: Metrics | None
) -> Domain:
    """The domain over `store`, its observers wired; the demo data and the bootstrap admin key
    installed when the options ask for them."""
    admin = Admin(store, clock)
    programs = Programs(store, clock)
    customer_data = CustomerData(store, clock, programs)
    wire_observers(store, programs, customer_data, metrics)
    if options.load_demo_if_empty:
        load_demo_if_empty(admin, store)
    api_keys = ApiKeys(store, clock)
    if options.bootstrap_admin_key and api_keys.install_bootstrap(options.bootstrap_admin_key):
        log.info("installed the bootstrap admin key from $%s", BOOTSTRAP_KEY_ENV)
    campaigns = CompiledCampaigns(store.catalog)
    preview = Preview(PREVIEW_ROLES)
    checkout = Checkout(
        store,
        campaigns,
        clock,
        GuessGuard(options.guess_limits, clock),
        profiles=customer_data.profile,
        customer_reads=customer_data.redeem_reads,
        preview=preview,
    )
    wallet = Wallet(customer_data, Preparer(store, campaigns))
    return Domain(
        admin=admin,
        programs=programs,
        customer_data=customer_data,
        api_keys=api_keys,
        checkout=checkout,
        qualifier=Qualifier(store, campaigns, clock, wallet, preview),
        wallet=wallet,
        cockpit_links=CockpitLinks(store, clock, customer_data),
        shop_brandings=ShopBrandings(store, clock),
        backtests=Backtests(store, campaigns, clock, admin.checked_campaign, customer_data.profile),
    )


def wire_observers(
    store: Store, programs: Programs, customer_data: CustomerData, metrics: Metrics | None
) -> None:
    """Who is told of a redemption and its rollback, inside its write transaction, in this
    order (docs/architecture.md); and who hears of points credited and loyalty accounts
    written."""
    observers: list[RedemptionObserver] = [
        store.balances,  # the gift card and points ledger entries of its debits
        programs.earning,  # loyalty points for the paid order
        programs.referrals,  # a referral conversion
        customer_data,  # the customer's aggregates, segments, distributions, integration events
    ]
    if metrics is not None:
        observers.append(metrics)  # redemptions and rollbacks counted once committed
    store.redemptions.set_observers(observers)
    store.balances.points_listeners.append(customer_data.on_points_credited)
    programs.accounts.listeners.append(customer_data.on_account_written)


def build_gate(store: Store, options: ServerOptions, metrics: Metrics | None) -> Gate:
    """The gate every RPC passes (authentication, admission, limits), with its hooks: request
    ids and the access log, and the metrics."""
    gate = Gate(
        authenticator=Authenticator(store) if options.auth else None,
        shedder=LoadShedder(
            options.shed_target_ms,
            in_service=options.in_service_rpcs,
            max_queue_ms=options.max_queue_ms,
        ),
        writes=WriteBound(options.write_bound()),
        max_message_bytes=options.max_message_bytes,
    )
    if logs.rpc_scopes_wanted():  # JSON logs or an access log: a request id per RPC
        gate.on_start(logs.rpc_started)
        gate.on_finish(logs.rpc_finished)
    if metrics is not None:
        gate.on_finish(metrics.rpc_finished)
        gate.on_refusal(metrics.refused)
        gate.on_error(metrics.rejected)
    return gate


@dataclass(frozen=True)
class Services:
    """What add_services registered besides the domain's handlers."""

    health: health.HealthServicer
    # Every service the gate serves (health's included), for the HTTP door.
    names: tuple[str, ...]


def add_services(gate: Gate, domain: Domain) -> Services:
    """Registers the checkout, admin and events services, health and reflection on the gate."""
    health_servicer = health.HealthServicer()
    collected = HandlerCollector()
    admin_pb2_grpc.add_AdminServiceServicer_to_server(
        AdminServicer(
            domain.admin,
            domain.programs,
            domain.customer_data,
            domain.api_keys,
            domain.cockpit_links,
            domain.shop_brandings,
            domain.backtests,
        ),
        collected,
    )
    events_pb2_grpc.add_EventsServiceServicer_to_server(
        EventsServicer(domain.programs, domain.customer_data), collected
    )
    # The collector offers what the add_*_to_server functions call of a grpc.Server.
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, cast(grpc.Server, collected))
    names = (*SERVICES, health.SERVICE_NAME)
    add_reflection(names, collected)
    gate.add(
        CHECKOUT_SERVICE,
        checkout_handlers(domain.checkout, domain.qualifier),
        with_caller=WITH_CALLER,
    )
    for service, handlers in collected.services.items():
        gate.add(service, handlers)
    return Services(health_servicer, names)


def bind_grpc(gate: Gate, listen: str, options: ServerOptions) -> tuple[grpc.Server, int]:
    """The gRPC server with the gate's methods, bound to `listen` (not started yet), and its
    port."""
    threads = options.thread_count()
    if threads < options.max_concurrent_rpcs:
        log.warning(
            "%d RPC threads for up to %d RPCs: the calls beyond wait in gRPC's queue, where "
            "load shedding does not see them",
            threads,
            options.max_concurrent_rpcs,
        )
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="promocore-rpc"),
        options=[
            ("grpc.so_reuseport", 1 if options.reuse_port else 0),
            ("grpc.max_receive_message_length", options.max_message_bytes * HARD_CAP_FACTOR),
        ],
        maximum_concurrent_rpcs=options.max_concurrent_rpcs,
    )
    gate.install(server)
    if options.tls is not None:
        port = server.add_secure_port(listen, options.tls.server_credentials())
    else:
        port = server.add_insecure_port(listen)
    if port == 0:
        raise OSError(f"cannot listen on {listen}")
    return server, port


def bind_http(
    gate: Gate, services: Services, domain: Domain, clock: Clock, options: ServerOptions
) -> HttpServer:
    """The HTTP port (not started yet): the Connect API over the gate, the web console and the
    customer cockpit's pages."""
    assert options.http_listen is not None
    api = ConnectApi(gate, services.names, max_message_bytes=options.max_message_bytes)
    app = HttpApp(api)
    app.add_pages(
        "/cockpit/",
        cockpit_pages(
            domain.cockpit_links.opened,
            lambda customer_id: cockpit_view(
                domain.customer_data, domain.wallet, customer_id, clock.now_ms()
            ),
            domain.shop_brandings.get,
        ),
    )
    return HttpServer(
        options.http_listen,
        app,
        reuse_port=options.reuse_port,
        max_calls=options.max_concurrent_rpcs,
    )


def start_background_duties(
    running: RunningServer, options: ServerOptions, metrics: Metrics | None
) -> None:
    """What only one process of a server does: the search index of an older store, the store's
    gauges, the scheduler and the webhook sender."""
    store, customer_data = running.store, running.customer_data
    # A store written before customer search existed: its customers indexed once.
    indexed = customer_data.search.index_all()
    if indexed:
        log.info("indexed %d customers for search", indexed)
    if metrics is not None:
        running.store_sampler = Sampler(lambda: metrics.sample_store(store)).start()
    running.scheduler = Scheduler(customer_data, interval_s=options.scheduler_interval_s)
    if options.scheduler_interval_s > 0:
        running.scheduler.start()
    if options.webhook is not None:
        running.webhooks = WebhookSender(store, customer_data.events, options.webhook)
        running.webhooks.start()


def freeze_start_up_heap() -> int:
    """Takes what start-up made (modules, protobuf descriptors, handlers, the store's tables:
    some 50,000 objects, alive as long as the process) out of the cyclic garbage collector's
    scans, and returns how many are frozen. Under a write load the full collections that
    walked them stopped a worker for 23-88 ms; 3-9 ms once frozen (benchmarks/RESULTS.md)."""
    gc.collect()  # start-up's own garbage first, so that none of it is kept
    gc.freeze()
    return gc.get_freeze_count()


def serve_forever(running: RunningServer) -> None:
    """Blocks until SIGINT or SIGTERM, then shuts down gracefully."""
    frozen = freeze_start_up_heap()
    log.info(
        "process %d: %d start-up objects out of the garbage collector's scans", os.getpid(), frozen
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    log.info("shutting down")
    running.stop()
