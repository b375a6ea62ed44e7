"""The Client's customer, segment, distribution and integration-event methods (mixed into
promocore.Client)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import grpc
import orjson

from promocore.v1 import admin_pb2, customer_pb2, events_pb2
from promocore.wire.plain import from_plain, to_plain
from promocore.wire.status import from_rpc_error

Plain = dict[str, Any]


class CustomersClient:
    """Needs `_call`, `_pages`, `_admin`, `_events` and `_metadata` from promocore.Client."""

    _call: Callable[..., Any]
    _pages: Callable[..., list[Any]]
    _admin: Any
    _events: Any
    _metadata: Any

    # Customers -------------------------------------------------------------------------------

    def upsert_customer(
        self,
        customer_id: str,
        attributes: Plain | None = None,
        *,
        contact: Plain | None = None,
    ) -> Plain:
        """Creates or updates a customer: `attributes` are merged key by key (None removes a
        key); `contact` (email_opt_out, sms_opt_out, all_opt_out) replaces the preferences."""
        customer = customer_pb2.Customer(id=customer_id)
        if attributes:
            customer = from_plain(
                customer_pb2.Customer, {"id": customer_id, "attributes": attributes}
            )
        if contact is not None:
            customer.contact.CopyFrom(from_plain(customer_pb2.ContactPreferences, contact))
        request = admin_pb2.UpsertCustomerRequest(customer=customer)
        return to_plain(self._call(self._admin.UpsertCustomer, request))

    def get_customer(self, customer_id: str) -> Plain:
        request = admin_pb2.GetCustomerRequest(id=customer_id)
        return to_plain(self._call(self._admin.GetCustomer, request))

    def list_customers(self, *, segment_id: str = "", query: str = "") -> list[Plain]:
        """Every customer (or every member of a segment, or those `query` finds: an e-mail
        address, a phone number, a word of the name, the id or a code they hold), following
        pages."""
        return self._pages(
            lambda token: admin_pb2.ListCustomersRequest(
                segment_id=segment_id, query=query, page={"page_token": token}
            ),
            self._admin.ListCustomers,
            "customers",
        )

    # Segments --------------------------------------------------------------------------------

    def create_segment(
        self,
        segment_id: str,
        name: str,
        *,
        rules: Plain | None = None,
        customer_ids: Iterable[str] = (),
    ) -> Plain:
        """A dynamic segment (`rules`, docs/rules.md customer.* subjects) or a static one."""
        segment = from_plain(
            customer_pb2.Segment,
            {"id": segment_id, "name": name, "rules": rules, "customer_ids": list(customer_ids)},
        )
        request = admin_pb2.CreateSegmentRequest(segment=segment)
        return to_plain(self._call(self._admin.CreateSegment, request))

    def list_segments(self) -> list[Plain]:
        return self._pages(
            lambda token: admin_pb2.ListSegmentsRequest(page={"page_token": token}),
            self._admin.ListSegments,
            "segments",
        )

    def list_segment_members(self, segment_id: str) -> list[str]:
        return self._pages(
            lambda token: admin_pb2.ListSegmentMembersRequest(
                segment_id=segment_id, page={"page_token": token}
            ),
            self._admin.ListSegmentMembers,
            "customer_ids",
            convert=str,
        )

    def count_segment_members(self, rules: Plain) -> Plain:
        """How many customers a draft dynamic segment rule matches now (nothing stored):
        {"matched", "examined", "complete", "sample_customer_ids"}."""
        request = admin_pb2.CountSegmentMembersRequest(rules_json=orjson.dumps(rules).decode())
        return to_plain(self._call(self._admin.CountSegmentMembers, request))

    # Distributions and publications ----------------------------------------------------------

    def create_distribution(self, distribution: Plain) -> Plain:
        """E.g. {"name": ..., "trigger": "TRIGGER_SEGMENT_ENTERED", "segment_id": ...,
        "campaign_id": ...}."""
        request = admin_pb2.CreateDistributionRequest(
            distribution=from_plain(customer_pb2.Distribution, distribution)
        )
        return to_plain(self._call(self._admin.CreateDistribution, request))

    def list_distributions(self) -> list[Plain]:
        return self._pages(
            lambda token: admin_pb2.ListDistributionsRequest(page={"page_token": token}),
            self._admin.ListDistributions,
            "distributions",
        )

    def publish_code(self, campaign_id: str, customer_id: str, *, code: str = "") -> Plain:
        """Assigns a code to the customer (a new one from the campaign's pattern by default)."""
        request = admin_pb2.PublishCodeRequest(
            campaign_id=campaign_id, customer_id=customer_id, code=code
        )
        return to_plain(self._call(self._admin.PublishCode, request))

    # Integration events ----------------------------------------------------------------------

    def watch_events(
        self,
        *,
        after_sequence: int = 0,
        types: Iterable[str] = (),
        backlog_only: bool = False,
    ) -> Iterator[Plain]:
        """Integration events after `after_sequence` (the last one you processed), then live
        ones; close the iterator (or leave the loop) to disconnect."""
        request = from_plain(
            events_pb2.WatchEventsRequest,
            {"after_sequence": after_sequence, "types": list(types), "backlog_only": backlog_only},
        )
        call = self._events.WatchEvents(request, metadata=self._metadata)
        try:
            for event in call:
                yield to_plain(event)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                raise from_rpc_error(error) from None
        finally:
            call.cancel()
