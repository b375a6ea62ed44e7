"""gRPC handlers of the customer, segment, distribution and publication admin RPCs, and the
EventsService (TrackEvent, WatchEvents).

Errors become statuses in the gate (gate.py), which serves every RPC; grpc_server.py passes
its `as_is` wrapper for the `rpc` parameters, as for programs_rpcs.py's RPCs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import grpc

from promocore.cdp.custom_events import Events
from promocore.cdp.customer_data import CustomerData
from promocore.errors import InvalidArgumentError
from promocore.programs.service import Programs
from promocore.v1 import events_pb2, events_pb2_grpc

# How often a live watcher looks for events committed by other worker processes (events of its
# own process wake it at once).
WATCH_POLL_S = 0.1
WATCH_BATCH = 500


def _wrapped(handlers: type, wrappers: dict[str, Callable], bases: tuple[type, ...]) -> type:
    methods = {
        name: wrappers.get(name, wrappers["*"])(fn)
        for name, fn in vars(handlers).items()
        if name[:1].isupper()
    }
    return type(handlers.__name__, bases, methods)


def customer_admin_rpcs(rpc: Callable) -> type:
    """The admin handlers of this module as a mixin; it needs `self._customer_data`."""
    return _wrapped(CustomerAdminRpcs, {"*": rpc}, ())


def events_servicer(
    rpc: Callable, rpc_stream: Callable, programs: Programs, customer_data: CustomerData
) -> events_pb2_grpc.EventsServiceServicer:
    servicer_type = _wrapped(
        EventsRpcs,
        {"*": rpc, "WatchEvents": rpc_stream},
        (EventsRpcs, events_pb2_grpc.EventsServiceServicer),
    )
    return servicer_type(programs, customer_data)


class CustomerAdminRpcs:
    _customer_data: CustomerData

    def UpsertCustomer(self, request, context):
        return self._customer_data.upsert(request.customer)

    def GetCustomer(self, request, context):
        return self._customer_data.get_customer(request.id)

    def ListCustomers(self, request, context):
        return self._customer_data.list_customers(request)

    def CreateSegment(self, request, context):
        return self._customer_data.create_segment(request.segment)

    def ListSegments(self, request, context):
        return self._customer_data.list_segments(request)

    def ListSegmentMembers(self, request, context):
        return self._customer_data.list_segment_members(request)

    def CountSegmentMembers(self, request, context):
        return self._customer_data.count_segment_members(request)

    def CreateDistribution(self, request, context):
        return self._customer_data.create_distribution(request.distribution)

    def ListDistributions(self, request, context):
        return self._customer_data.list_distributions(request)

    def PublishCode(self, request, context):
        return self._customer_data.publish_code(request)


class EventsRpcs:
    def __init__(self, programs: Programs, customer_data: CustomerData) -> None:
        self._events = Events(programs, customer_data)
        self._integration = customer_data.events

    def TrackEvent(self, request, context):
        return self._events.track(request)

    def WatchEvents(self, request, context):
        return watch(self._integration, request, context)


def watch(
    events, request: events_pb2.WatchEventsRequest, context: grpc.ServicerContext
) -> Iterator[events_pb2.IntegrationEvent]:
    """The backlog after the cursor, then live events until the caller goes away."""
    if request.after_sequence < 0:
        raise InvalidArgumentError("after_sequence", "must be >= 0")
    wanted = set(request.types)
    cursor = request.after_sequence
    while context.is_active():
        batch = events.after(cursor, limit=WATCH_BATCH)
        for event in batch:
            cursor = event.sequence
            if not wanted or event.type in wanted:
                yield event
        if len(batch) < WATCH_BATCH:
            if request.backlog_only:
                return
            if not batch:
                events.wait(WATCH_POLL_S)
