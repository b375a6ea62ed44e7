"""gRPC handlers of the customer, segment, distribution and publication admin RPCs, and the
EventsService (TrackEvent, WatchEvents).

Errors become statuses in the gate (gate.py), which serves every RPC; CustomerAdminRpcs is mixed
into grpc_server.py's AdminServicer, as programs_rpcs.py's RPCs are."""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from promocore.cdp.custom_events import Events
from promocore.cdp.customer_data import CustomerData
from promocore.cdp.integration_events import IntegrationEvents
from promocore.errors import InvalidArgumentError
from promocore.programs.service import Programs
from promocore.v1 import admin_pb2, customer_pb2, events_pb2, events_pb2_grpc

# How often a live watcher looks for events committed by other worker processes (events of its
# own process wake it at once).
WATCH_POLL_S = 0.1
WATCH_BATCH = 500


class CustomerAdminRpcs:
    """The admin handlers of customers, segments, distributions and publications, as a mixin;
    it needs `self._customer_data`."""

    _customer_data: CustomerData

    def UpsertCustomer(
        self, request: admin_pb2.UpsertCustomerRequest, context: grpc.ServicerContext
    ) -> customer_pb2.Customer:
        return self._customer_data.upsert(request.customer)

    def GetCustomer(
        self, request: admin_pb2.GetCustomerRequest, context: grpc.ServicerContext
    ) -> customer_pb2.Customer:
        return self._customer_data.get_customer(request.id)

    def ListCustomers(
        self, request: admin_pb2.ListCustomersRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListCustomersResponse:
        return self._customer_data.list_customers(request)

    def CreateSegment(
        self, request: admin_pb2.CreateSegmentRequest, context: grpc.ServicerContext
    ) -> customer_pb2.Segment:
        return self._customer_data.create_segment(request.segment)

    def ListSegments(
        self, request: admin_pb2.ListSegmentsRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListSegmentsResponse:
        return self._customer_data.list_segments(request)

    def ListSegmentMembers(
        self, request: admin_pb2.ListSegmentMembersRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListSegmentMembersResponse:
        return self._customer_data.list_segment_members(request)

    def CountSegmentMembers(
        self, request: admin_pb2.CountSegmentMembersRequest, context: grpc.ServicerContext
    ) -> admin_pb2.CountSegmentMembersResponse:
        return self._customer_data.count_segment_members(request)

    def CreateDistribution(
        self, request: admin_pb2.CreateDistributionRequest, context: grpc.ServicerContext
    ) -> customer_pb2.Distribution:
        return self._customer_data.create_distribution(request.distribution)

    def ListDistributions(
        self, request: admin_pb2.ListDistributionsRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListDistributionsResponse:
        return self._customer_data.list_distributions(request)

    def PublishCode(
        self, request: admin_pb2.PublishCodeRequest, context: grpc.ServicerContext
    ) -> customer_pb2.Publication:
        return self._customer_data.publish_code(request)


class EventsServicer(events_pb2_grpc.EventsServiceServicer):
    def __init__(self, programs: Programs, customer_data: CustomerData) -> None:
        self._events = Events(programs, customer_data)
        self._integration = customer_data.events

    def TrackEvent(
        self, request: events_pb2.TrackEventRequest, context: grpc.ServicerContext
    ) -> events_pb2.TrackEventResponse:
        return self._events.track(request)

    def WatchEvents(
        self, request: events_pb2.WatchEventsRequest, context: grpc.ServicerContext
    ) -> Iterator[events_pb2.IntegrationEvent]:
        return watch(self._integration, request, context)


def watch(
    events: IntegrationEvents, request: events_pb2.WatchEventsRequest, context: grpc.ServicerContext
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
