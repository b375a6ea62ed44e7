"""CustomerData: customers, segments, distributions and integration events wired over one
store — the logic behind their admin RPCs, TrackEvent's CDP part and the redemption hooks.

Everything a change causes happens in the write transaction of the change: a Redeem updates the
customer's aggregates, re-evaluates the dynamic segments, fires segment-entered and order-paid
distributions and earning rules, and appends the integration events, all inside the group
commit that records the redemption (this object observes the redemption log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

import orjson

from promocore.cdp.customer_search import CustomerSearch
from promocore.cdp.customers import (
    CustomerBook,
    profile_of,
    record_event,
    record_order,
    refresh_rolling_spend,
    require_customer_id,
)
from promocore.cdp.distributions import Distributions, Occurrence
from promocore.cdp.integration_events import IntegrationEvents
from promocore.cdp.segments import Segments
from promocore.clock import Clock
from promocore.errors import InvalidArgumentError
from promocore.programs.loyalty.accounts import (
    customer_campaigns,
    customer_campaigns_start,
    customer_card,
)
from promocore.programs.loyalty.program import current_tier
from promocore.programs.service import Programs
from promocore.store import Store, Txn
from promocore.store.keys import Gets, Walks
from promocore.store.redemptions import Redeemed
from promocore.v1 import (
    admin_pb2,
    campaign_pb2,
    checkout_pb2,
    customer_pb2,
    events_pb2,
    loyalty_pb2,
)
from promocore.v1.internal import evaluation_pb2, store_pb2
from promocore.wire.request_fields import page_size


@dataclass
class Consequences:
    """What a customer change caused."""

    segments_entered: list[str] = field(default_factory=list)
    issued_codes: list[str] = field(default_factory=list)
    points_earned: int = 0


class CustomerData:
    def __init__(self, store: Store, clock: Clock, programs: Programs) -> None:
        self.store = store
        self.clock = clock
        self.programs = programs
        self.customers = CustomerBook(store)
        self.segments = Segments(store)
        self.events = IntegrationEvents(store)
        self.distributions = Distributions(store, self.events)
        self.search = CustomerSearch(store)

    # Customers -------------------------------------------------------------------------------

    def upsert(self, update: customer_pb2.Customer) -> customer_pb2.Customer:
        with self.store.write() as txn:
            now_ms = self.clock.now_ms()
            before = self.customers.find(txn, update.id)
            stored = self.customers.merge(txn, update, now_ms)
            self.search.reindex(
                txn,
                stored.customer.id,
                orjson.loads(before.customer.attributes_json or "{}") if before else {},
                orjson.loads(stored.customer.attributes_json or "{}"),
            )
            self.changed(txn, stored, now_ms)
            return self._public(stored, now_ms)

    def get_customer(self, customer_id: str) -> customer_pb2.Customer:
        require_customer_id(customer_id, "id")
        with self.store.read() as txn:
            return self._public(self.customers.get(txn, customer_id), self.clock.now_ms())

    def list_customers(
        self, request: admin_pb2.ListCustomersRequest
    ) -> admin_pb2.ListCustomersResponse:
        limit = page_size(request.page)
        after = request.page.page_token
        response = admin_pb2.ListCustomersResponse()
        now_ms = self.clock.now_ms()
        if request.query and request.segment_id:
            raise InvalidArgumentError("query", "search all customers or list a segment, not both")
        with self.store.read() as txn:
            if request.query:
                found = self.search.find(txn, request.query)
                if after:  # the page token is the last customer id of the page before
                    for customer_id in found:
                        if customer_id == after:
                            break
                ids = list(islice(found, limit + 1))
                stored = [self.customers.get(txn, i) for i in ids]
            elif request.segment_id:
                self.segments.get(txn, request.segment_id)
                ids = self.segments.members(txn, request.segment_id, after=after, limit=limit + 1)
                stored = [self.customers.get_or_new(txn, i, now_ms) for i in ids]
            else:
                stored = self.customers.iter_customers(txn, after, limit + 1)
        for record in stored[:limit]:
            response.customers.append(self._public(record, now_ms))
        if len(stored) > limit:
            response.next_page_token = response.customers[-1].id
        return response

    def _public(self, stored: store_pb2.StoredCustomer, now_ms: int) -> customer_pb2.Customer:
        refresh_rolling_spend(stored, now_ms)
        return stored.customer

    # Segments --------------------------------------------------------------------------------

    def create_segment(self, segment: customer_pb2.Segment) -> customer_pb2.Segment:
        with self.store.write() as txn:
            now_ms = self.clock.now_ms()
            record = self.segments.create(txn, segment)
            for customer_id in dict.fromkeys(segment.customer_ids):
                stored = self.customers.get_or_new(txn, customer_id, now_ms)
                if self.segments.add_static_member(txn, stored, record.id):
                    self._entered(txn, stored, record.id, now_ms, Consequences())
                self.customers.put(txn, stored)
            if record.rules_json:
                # Existing customers who match enter the new segment now.
                for stored in self.customers.iter_customers(txn):
                    self.changed(txn, stored, now_ms, write=False)
            return self.segments.get(txn, record.id)

    def list_segments(
        self, request: admin_pb2.ListSegmentsRequest
    ) -> admin_pb2.ListSegmentsResponse:
        limit = page_size(request.page)
        response = admin_pb2.ListSegmentsResponse()
        with self.store.read() as txn:
            found = [s for s in self.segments.all(txn) if s.id > request.page.page_token]
            for segment in found[:limit]:
                segment.size = self.segments.size(txn, segment.id)
                response.segments.append(segment)
        if len(found) > limit:
            response.next_page_token = response.segments[-1].id
        return response

    def count_segment_members(
        self, request: admin_pb2.CountSegmentMembersRequest
    ) -> admin_pb2.CountSegmentMembersResponse:
        """The live count of a draft dynamic segment (nothing stored; bounded, see Segments)."""
        with self.store.read() as txn:
            return self.segments.count(txn, request.rules_json, self.customers, self.clock.now_ms())

    def list_segment_members(
        self, request: admin_pb2.ListSegmentMembersRequest
    ) -> admin_pb2.ListSegmentMembersResponse:
        limit = page_size(request.page)
        with self.store.read() as txn:
            self.segments.get(txn, request.segment_id)
            ids = self.segments.members(
                txn, request.segment_id, after=request.page.page_token, limit=limit + 1
            )
        response = admin_pb2.ListSegmentMembersResponse(customer_ids=ids[:limit])
        if len(ids) > limit:
            response.next_page_token = ids[limit - 1]
        return response

    # Distributions ---------------------------------------------------------------------------

    def create_distribution(
        self, distribution: customer_pb2.Distribution
    ) -> customer_pb2.Distribution:
        with self.store.write() as txn:
            return self.distributions.create(txn, distribution)

    def list_distributions(
        self, request: admin_pb2.ListDistributionsRequest
    ) -> admin_pb2.ListDistributionsResponse:
        limit = page_size(request.page)
        with self.store.read() as txn:
            found = [d for d in self.distributions.all(txn) if d.id > request.page.page_token]
        response = admin_pb2.ListDistributionsResponse(distributions=found[:limit])
        if len(found) > limit:
            response.next_page_token = found[limit - 1].id
        return response

    def publish_code(self, request: admin_pb2.PublishCodeRequest) -> customer_pb2.Publication:
        require_customer_id(request.customer_id)
        with self.store.write() as txn:
            now_ms = self.clock.now_ms()
            self.customers.put(txn, self.customers.get_or_new(txn, request.customer_id, now_ms))
            return self.distributions.publish(
                txn, request.campaign_id, request.customer_id, now_ms, code=request.code
            )

    # What changes a customer -----------------------------------------------------------------

    def changed(
        self,
        txn: Txn,
        stored: store_pb2.StoredCustomer,
        now_ms: int,
        consequences: Consequences | None = None,
        *,
        write: bool = True,
    ) -> Consequences:
        """Re-evaluates the dynamic segments of a changed customer, runs what entering one
        triggers, and writes the customer (with `write=False`, only when its membership
        changed: the scheduler's re-evaluation of unchanged customers)."""
        consequences = consequences or Consequences()
        change = self.segments.reevaluate(txn, stored, now_ms)
        if not write and not (change.entered or change.left):
            return consequences
        for segment_id in change.left:
            self._emit(
                txn,
                events_pb2.EVENT_SEGMENT_LEFT,
                stored.customer.id,
                now_ms,
                data={"segment_id": segment_id},
            )
        # Written before the triggers run: what they read sees the new membership.
        self.customers.put(txn, stored)
        for segment_id in change.entered:
            self._entered(txn, stored, segment_id, now_ms, consequences)
        return consequences

    def on_event(
        self,
        txn: Txn,
        customer_id: str,
        name: str,
        now_ms: int,
        event_ms: int,
    ) -> Consequences:
        """A tracked custom event: the customer exists from now on, its segments are
        re-evaluated and the distributions of this event fire."""
        stored = self.customers.get_or_new(txn, customer_id, now_ms)
        record_event(stored, name, event_ms)
        consequences = self.changed(txn, stored, now_ms)
        consequences.issued_codes += self.distributions.fire(
            txn,
            Occurrence(customer_pb2.TRIGGER_CUSTOM_EVENT_TRACKED, customer_id, event_name=name),
            now_ms,
        )
        return consequences

    def _entered(
        self,
        txn: Txn,
        stored: store_pb2.StoredCustomer,
        segment_id: str,
        now_ms: int,
        consequences: Consequences,
    ) -> None:
        customer_id = stored.customer.id
        consequences.segments_entered.append(segment_id)
        self._emit(
            txn,
            events_pb2.EVENT_SEGMENT_ENTERED,
            customer_id,
            now_ms,
            data={"segment_id": segment_id},
        )
        grants = self.programs.earning.on_segment_entered(txn, customer_id, segment_id, now_ms)
        consequences.points_earned += sum(grant.points for grant in grants)
        consequences.issued_codes += self.distributions.fire(
            txn,
            Occurrence(customer_pb2.TRIGGER_SEGMENT_ENTERED, customer_id, segment_id=segment_id),
            now_ms,
        )

    # The redemption log's observer -----------------------------------------------------------

    def on_redeemed(self, txn: Txn, redeemed: Redeemed) -> None:
        customer_id = redeemed.customer_id
        if not customer_id:
            self.events.append_encoded(txn, redeemed.event, customer_id="")
            return
        now_ms = redeemed.created_at_ms
        # Read once: the event's contactable channels come from the same record.
        customer = self.customers.get_or_new(txn, customer_id, now_ms)
        self.events.append_encoded(
            txn, redeemed.event, customer_id=customer_id, contact=customer.customer.contact
        )
        redemption = redeemed.redemption
        record_order(customer, redemption, +1, now_ms)
        self.changed(txn, customer, now_ms)
        self.distributions.fire(
            txn,
            Occurrence(customer_pb2.TRIGGER_ORDER_PAID, customer_id, key=redemption.id),
            now_ms,
        )

    def on_rolled_back(
        self,
        txn: Txn,
        stored: store_pb2.StoredRedemption,
        rollback: store_pb2.Rollback,
    ) -> None:
        redemption = stored.redemption
        now_ms = rollback.at_unix_ms
        self._emit_redemption(txn, events_pb2.EVENT_ROLLED_BACK, redemption, now_ms)
        if not redemption.customer_id:
            return
        customer = self.customers.get_or_new(txn, redemption.customer_id, now_ms)
        record_order(customer, redemption, -1, redemption.created_at.ToMilliseconds())
        self.changed(txn, customer, now_ms)

    # Evaluation profiles ---------------------------------------------------------------------

    def redeem_reads(self, customer_id: str) -> tuple[Gets, Walks]:
        """What a redemption by this customer reads here, for the checkout to prefetch: the
        customer (profile, on_redeemed), the cards' walk (profile, earning), and the segments'
        and distributions' walks (on_redeemed)."""
        tables = self.store.tables
        gets = [(tables.customers, [customer_id.encode()])]
        walks = [
            (tables.customer_cards, customer_campaigns_start(customer_id)),
            (tables.segments, None),
            (tables.distributions, None),
        ]
        return gets, walks

    def profile(
        self, txn: Txn, customer_id: str, now_ms: int
    ) -> evaluation_pb2.CustomerProfile | None:
        """What campaign rules see of a stored customer: segments, aggregates, attributes and
        loyalty standing; None for a customer never seen."""
        stored = self.customers.find(txn, customer_id) if customer_id else None
        if stored is None:
            return None
        profile = profile_of(stored, now_ms)
        for campaign_id, card in self.loyalty_cards(txn, customer_id, now_ms):
            profile.loyalty[campaign_id].CopyFrom(card)
        return profile

    def loyalty_cards(
        self, txn: Txn, customer_id: str, now_ms: int
    ) -> list[tuple[str, loyalty_pb2.LoyaltyCard]]:
        cards = []
        for campaign_id in customer_campaigns(self.store, txn, customer_id):
            code = self._card_code(txn, customer_id, campaign_id)
            if code is not None and code.kind == campaign_pb2.CODE_KIND_LOYALTY_CARD:
                normalized = code.code.upper().encode()
                cards.append((campaign_id, self.programs.accounts.card(txn, normalized, now_ms)))
        return cards

    def _card_code(self, txn: Txn, customer_id: str, campaign_id: str) -> campaign_pb2.Code | None:
        normalized = customer_card(self.store, txn, customer_id, campaign_id)
        raw = self.store.catalog.code_bytes(txn, normalized) if normalized else None
        return None if raw is None else campaign_pb2.Code.FromString(raw)

    # Integration events ----------------------------------------------------------------------

    def _emit(
        self,
        txn: Txn,
        event_type: events_pb2.IntegrationEventType,
        customer_id: str,
        now_ms: int,
        *,
        data: dict[str, object] | None = None,
        contact: customer_pb2.ContactPreferences | None = None,
        **fields: str,
    ) -> None:
        event = events_pb2.IntegrationEvent(type=event_type, customer_id=customer_id)
        for name, value in fields.items():
            setattr(event, name, value)
        if data:
            event.data_json = orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()
        self.events.append(txn, event, now_ms=now_ms, contact=contact)

    def _emit_redemption(
        self,
        txn: Txn,
        event_type: events_pb2.IntegrationEventType,
        redemption: checkout_pb2.Redemption,
        now_ms: int,
        *,
        contact: customer_pb2.ContactPreferences | None = None,
    ) -> None:
        codes = [r.redeemable.code for r in redemption.redeemables if r.redeemable.code]
        campaigns = [r.campaign_id for r in redemption.redeemables]
        self._emit(
            txn,
            event_type,
            redemption.customer_id,
            now_ms,
            data={
                "order_id": redemption.order_id,
                "campaign_ids": campaigns,
                "codes": codes,
                "total_discount": redemption.totals.total_discount,
                "amount": redemption.totals.amount_after_discounts,
                "currency": redemption.totals.currency,
            },
            contact=contact,
            redemption_id=redemption.id,
            campaign_id=campaigns[0] if campaigns else "",
            code=codes[0] if codes else "",
        )

    # Told of points credited (the balance book) and loyalty accounts written (the programs);
    # the server wires both (promocore.server.grpc_server.wire_observers) --------------------

    def on_points_credited(
        self, txn: Txn, normalized_code: bytes, credit: store_pb2.Credit
    ) -> None:
        account = self.programs.accounts.get(txn, normalized_code)
        self._emit(
            txn,
            events_pb2.EVENT_POINTS_EARNED,
            account.customer_id,
            credit.at_unix_ms,
            data={"points": credit.amount, "reason": credit.reason},
            campaign_id=account.campaign_id,
            code=account.code,
        )

    def on_account_written(
        self, txn: Txn, before: bytes | None, account: store_pb2.LoyaltyAccount
    ) -> None:
        now_ms = self.clock.now_ms()
        program = self.programs.accounts.program(txn, account.campaign_id)
        if not program.loyalty.tiers:
            return
        previous = (
            current_tier(program, store_pb2.LoyaltyAccount.FromString(before), now_ms)
            if before is not None
            else None
        )
        tier = current_tier(program, account, now_ms)
        before_id = previous.id if previous is not None else ""
        after_id = tier.id if tier is not None else ""
        if before_id != after_id:
            self._emit(
                txn,
                events_pb2.EVENT_TIER_CHANGED,
                account.customer_id,
                now_ms,
                data={"from_tier": before_id, "to_tier": after_id},
                campaign_id=account.campaign_id,
                code=account.code,
            )
