"""gRPC handlers of the customer, segment, distribution and publication admin RPCs, and the
EventsService (TrackEvent, WatchEvents).

Errors become statuses in the gate (gate.py), which serves every RPC; CustomerAdminRpcs is mixed
into grpc_server.py's AdminServicer, as programs_rpcs.py's RPCs are."""

from __future__ import annotations

from collections.abc import Iterator

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


class CustomerAdminRpcs:
    """The admin handlers of customers, segments, distributions and publications, as a mixin;
    it needs `self._customer_data`."""

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


class EventsServicer(events_pb2_grpc.EventsServiceServicer):
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
