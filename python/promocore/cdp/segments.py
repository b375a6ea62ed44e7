"""Segments: static lists of customers and dynamic ones, whose rule (docs/rules.md, customer.*
subjects) the Rust engine evaluates against the stored profile whenever the customer changes.

Membership is kept in two places written together: the customer's `segments` (what campaign
rules read as customer.segments) and the `segment_members` table (ListSegmentMembers)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from promocore import _engine
from promocore.cdp.customers import CustomerBook, profile_of, require_customer_id
from promocore.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from promocore.store import Store, Txn
from promocore.v1 import admin_pb2, customer_pb2
from promocore.v1.internal import store_pb2

SEGMENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_STATIC_MEMBERS_PER_CALL = 100_000
# A draft rule's live count reads at most this many profiles (one engine match each: about
# 10 us a profile measured, so some 0.5 s at the bound), so typing in the console never walks a
# huge customer base.
MAX_COUNTED_CUSTOMERS = 50_000
COUNT_SAMPLE = 10


@dataclass
class MembershipChange:
    entered: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def member_key(segment_id: str, customer_id: str) -> bytes:
    return segment_id.encode() + b"\0" + customer_id.encode()


class Segments:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._t = store.tables
        # Compiled rules by rule text: segments are immutable once created.
        self._compiled: dict[str, _engine.SegmentRule] = {}

    def create(self, txn: Txn, segment: customer_pb2.Segment) -> customer_pb2.Segment:
        if not SEGMENT_ID.fullmatch(segment.id):
            raise InvalidArgumentError("segment.id", "1..64 characters of [A-Za-z0-9_-]")
        if not segment.name:
            raise InvalidArgumentError("segment.name", "required")
        if segment.rules_json and segment.customer_ids:
            raise InvalidArgumentError(
                "segment.customer_ids", "a dynamic segment (rules_json) has no static members"
            )
        if len(segment.customer_ids) > MAX_STATIC_MEMBERS_PER_CALL:
            raise InvalidArgumentError(
                "segment.customer_ids", f"at most {MAX_STATIC_MEMBERS_PER_CALL}"
            )
        if segment.rules_json:
            self._rule(segment.rules_json, field_prefix="segment.")
        for index, customer_id in enumerate(segment.customer_ids):
            require_customer_id(customer_id, f"segment.customer_ids[{index}]")
        if txn.get(segment.id.encode(), db=self._t.segments) is not None:
            raise AlreadyExistsError(f"segment {segment.id!r} already exists")
        record = customer_pb2.Segment(
            id=segment.id, name=segment.name, rules_json=segment.rules_json
        )
        txn.put(segment.id.encode(), record.SerializeToString(), db=self._t.segments)
        return record

    def get(self, txn: Txn, segment_id: str) -> customer_pb2.Segment:
        raw = txn.get(segment_id.encode(), db=self._t.segments) if segment_id else None
        if raw is None:
            raise NotFoundError(f"segment {segment_id!r} does not exist")
        segment = customer_pb2.Segment.FromString(raw)
        segment.size = self.size(txn, segment_id)
        return segment

    def all(self, txn: Txn) -> list[customer_pb2.Segment]:
        cursor = txn.cursor(db=self._t.segments)
        if not cursor.first():
            return []
        return [customer_pb2.Segment.FromString(value) for _, value in cursor]

    def dynamic(self, txn: Txn) -> list[tuple[str, _engine.SegmentRule]]:
        return [
            (segment.id, self._rule(segment.rules_json))
            for segment in self.all(txn)
            if segment.rules_json
        ]

    def size(self, txn: Txn, segment_id: str) -> int:
        return len(self.members(txn, segment_id, after="", limit=None))

    def members(self, txn: Txn, segment_id: str, *, after: str, limit: int | None) -> list[str]:
        prefix = segment_id.encode() + b"\0"
        cursor = txn.cursor(db=self._t.segment_members)
        start = prefix + after.encode() + b"\0" if after else prefix
        if not cursor.set_range(start):
            return []
        found: list[str] = []
        for key in cursor.iternext(keys=True, values=False):
            if not key.startswith(prefix) or (limit is not None and len(found) == limit):
                break
            found.append(key[len(prefix) :].decode())
        return found

    def add_static_member(
        self, txn: Txn, stored: store_pb2.StoredCustomer, segment_id: str
    ) -> bool:
        """Adds the customer to a static segment; False when already a member."""
        if segment_id in stored.customer.segments:
            return False
        stored.customer.segments.append(segment_id)
        txn.put(member_key(segment_id, stored.customer.id), b"", db=self._t.segment_members)
        return True

    def reevaluate(
        self, txn: Txn, stored: store_pb2.StoredCustomer, now_ms: int
    ) -> MembershipChange:
        """Evaluates every dynamic segment for the customer and updates the membership (in
        `stored`, and in the members table); the caller writes `stored`."""
        change = MembershipChange()
        rules = self.dynamic(txn)
        if not rules:
            return change
        customer_id = stored.customer.id
        current = set(stored.customer.segments)
        profile = profile_of(stored, now_ms).SerializeToString()
        for segment_id, rule in rules:
            member = rule.matches(customer_id, profile, now_ms)
            if member and segment_id not in current:
                change.entered.append(segment_id)
                txn.put(member_key(segment_id, customer_id), b"", db=self._t.segment_members)
            elif not member and segment_id in current:
                change.left.append(segment_id)
                txn.delete(member_key(segment_id, customer_id), db=self._t.segment_members)
        if change.entered or change.left:
            kept = [s for s in stored.customer.segments if s not in change.left]
            del stored.customer.segments[:]
            stored.customer.segments.extend(kept + change.entered)
        return change

    def count(
        self, txn: Txn, rules_json: str, customers: CustomerBook, now_ms: int
    ) -> admin_pb2.CountSegmentMembersResponse:
        """How many customers (the first MAX_COUNTED_CUSTOMERS in id order) a draft rule
        matches, evaluated exactly as `reevaluate` does when the segment is created; nothing
        is stored."""
        if not rules_json:
            raise InvalidArgumentError("rules_json", "required")
        rule = self._rule(rules_json)
        answer = admin_pb2.CountSegmentMembersResponse(complete=True)
        for stored in customers.iter_customers(txn, "", MAX_COUNTED_CUSTOMERS + 1):
            if answer.examined == MAX_COUNTED_CUSTOMERS:
                answer.complete = False
                break
            answer.examined += 1
            customer_id = stored.customer.id
            profile = profile_of(stored, now_ms).SerializeToString()
            if rule.matches(customer_id, profile, now_ms):
                answer.matched += 1
                if len(answer.sample_customer_ids) < COUNT_SAMPLE:
                    answer.sample_customer_ids.append(customer_id)
        return answer

    def _rule(self, rules_json: str, field_prefix: str = "") -> _engine.SegmentRule:
        compiled = self._compiled.get(rules_json)
        if compiled is None:
            try:
                compiled = _engine.compile_segment_rule(rules_json)
            except _engine.CompileError as error:
                # The engine's path starts at "rules"; the segment's field is rules_json.
                path = "rules_json" + error.path[len("rules") :]
                raise InvalidArgumentError(field_prefix + path, error.reason) from None
            self._compiled[rules_json] = compiled
        return compiled
