"""TrackEvent: a customer's custom event. Today it fires loyalty earning rules
(promocore.loyalty.earning) and referral conversions; issue 6 adds aggregates, segments and
distributions here, calling `Earning.on_segment_entered` for each segment a customer enters."""

from __future__ import annotations

from promocore.errors import InvalidArgumentError
from promocore.idempotent import once
from promocore.loyalty.settings import EVENT_NAME
from promocore.programs import Programs
from promocore.referral import event_properties
from promocore.v1 import events_pb2


class Events:
    def __init__(self, programs: Programs) -> None:
        self._programs = programs

    def track(self, request: events_pb2.TrackEventRequest) -> events_pb2.TrackEventResponse:
        if not request.customer_id:
            raise InvalidArgumentError("customer_id", "required")
        if not EVENT_NAME.match(request.name):
            raise InvalidArgumentError("name", "1..64 characters of [a-z0-9_.]")
        properties = event_properties(request.properties_json)
        store = self._programs.store
        with store.write() as txn:

            def run() -> events_pb2.TrackEventResponse:
                # Points are earned at the server's clock: an event's own time is when it
                # happened, not a way to backdate points into an earlier cap period.
                now_ms = self._programs.clock.now_ms()
                grants = self._programs.earning.on_custom_event(
                    txn, request.customer_id, request.name, now_ms
                )
                self._programs.referrals.on_custom_event(
                    txn, request.customer_id, request.name, properties, now_ms
                )
                return events_pb2.TrackEventResponse(points_earned=sum(g.points for g in grants))

            if not request.idempotency_key:
                return run()
            return once(store, txn, "track_event", request, events_pb2.TrackEventResponse, run)
