"""TrackEvent: a customer's custom event. It fires loyalty earning rules
(promocore.programs.loyalty.earning) and referral conversions, then the customer-data side
(promocore.cdp.customer_data): the customer exists from then on, its dynamic segments are
re-evaluated (entering one fires its earning rules and distributions) and the distributions of
the event issue their codes — all in one write transaction."""

from __future__ import annotations

from promocore.cdp.customer_data import CustomerData
from promocore.cdp.customers import require_customer_id
from promocore.errors import InvalidArgumentError
from promocore.programs.idempotent import once
from promocore.programs.loyalty.settings import EVENT_NAME
from promocore.programs.referral import event_properties
from promocore.programs.service import Programs
from promocore.v1 import events_pb2


class Events:
    def __init__(self, programs: Programs, customer_data: CustomerData | None = None) -> None:
        self._programs = programs
        self._customer_data = customer_data

    def track(self, request: events_pb2.TrackEventRequest) -> events_pb2.TrackEventResponse:
        if not request.customer_id:
            raise InvalidArgumentError("customer_id", "required")
        require_customer_id(request.customer_id)
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
                response = events_pb2.TrackEventResponse(
                    points_earned=sum(g.points for g in grants)
                )
                if self._customer_data is not None:
                    event_ms = request.time.ToMilliseconds() if request.HasField("time") else now_ms
                    caused = self._customer_data.on_event(
                        txn, request.customer_id, request.name, now_ms, event_ms
                    )
                    response.points_earned += caused.points_earned
                    response.issued_codes.extend(caused.issued_codes)
                    response.segments_entered.extend(caused.segments_entered)
                return response

            if not request.idempotency_key:
                return run()
            return once(store, txn, "track_event", request, events_pb2.TrackEventResponse, run)
