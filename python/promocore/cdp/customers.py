"""Customer profiles: attributes merged by UpsertCustomer, contact preferences, and the
aggregates the engine keeps from redemptions (orders count, total spent, spend over the last
365 days, last order, redemptions per campaign)."""

from __future__ import annotations

import re

import orjson

from promocore.errors import InvalidArgumentError, NotFoundError
from promocore.store import Store, Txn
from promocore.v1 import checkout_pb2, customer_pb2
from promocore.v1.internal import evaluation_pb2, store_pb2

CUSTOMER_ID = re.compile(r"[A-Za-z0-9_.@:-]{1,128}")
DAY_MS = 86_400_000
SPEND_WINDOW_DAYS = 365


def require_customer_id(customer_id: str, field: str = "customer_id") -> str:
    if not CUSTOMER_ID.fullmatch(customer_id):
        raise InvalidArgumentError(field, "1..128 characters of [A-Za-z0-9_.@:-]")
    return customer_id


def parse_attributes(text: str, field: str) -> dict[str, object]:
    if not text.strip():
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise InvalidArgumentError(field, f"not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise InvalidArgumentError(field, "must be a JSON object")
    return value


class CustomerBook:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.tables.customers

    def find(self, txn: Txn, customer_id: str) -> store_pb2.StoredCustomer | None:
        raw = txn.get(customer_id.encode(), db=self._db)
        return None if raw is None else store_pb2.StoredCustomer.FromString(raw)

    def get(self, txn: Txn, customer_id: str) -> store_pb2.StoredCustomer:
        stored = self.find(txn, customer_id)
        if stored is None:
            raise NotFoundError(f"customer {customer_id!r} does not exist")
        return stored

    def get_or_new(self, txn: Txn, customer_id: str, now_ms: int) -> store_pb2.StoredCustomer:
        """The stored customer, or a new empty profile (customers seen first at checkout or in
        an event exist from then on)."""
        stored = self.find(txn, customer_id)
        if stored is not None:
            return stored
        stored = store_pb2.StoredCustomer()
        stored.customer.id = customer_id
        stored.customer.attributes_json = "{}"
        stored.customer.created_at.FromMilliseconds(now_ms)
        stored.customer.updated_at.FromMilliseconds(now_ms)
        return stored

    def put(self, txn: Txn, stored: store_pb2.StoredCustomer) -> None:
        txn.put(stored.customer.id.encode(), stored.SerializeToString(), db=self._db)

    def merge(
        self,
        txn: Txn,
        update: customer_pb2.Customer,
        now_ms: int,
    ) -> store_pb2.StoredCustomer:
        """Merges attributes key by key (null removes) and replaces the contact preferences
        when given; returns the stored profile (not yet written)."""
        require_customer_id(update.id, "customer.id")
        changes = parse_attributes(update.attributes_json, "customer.attributes_json")
        stored = self.get_or_new(txn, update.id, now_ms)
        attributes = orjson.loads(stored.customer.attributes_json or "{}")
        for key, value in changes.items():
            if value is None:
                attributes.pop(key, None)
            else:
                attributes[key] = value
        stored.customer.attributes_json = orjson.dumps(
            attributes, option=orjson.OPT_SORT_KEYS
        ).decode()
        if update.HasField("contact"):
            stored.customer.contact.CopyFrom(update.contact)
        stored.customer.updated_at.FromMilliseconds(now_ms)
        return stored

    def iter_customers(
        self, txn: Txn, after: str = "", limit: int | None = None
    ) -> list[store_pb2.StoredCustomer]:
        """Customers in id order after `after`, at most `limit` of them."""
        cursor = txn.cursor(db=self._db)
        found = cursor.set_range(after.encode() + b"\0") if after else cursor.first()
        customers: list[store_pb2.StoredCustomer] = []
        if not found:
            return customers
        for _, value in cursor:
            if limit is not None and len(customers) == limit:
                break
            customers.append(store_pb2.StoredCustomer.FromString(value))
        return customers


def record_order(
    stored: store_pb2.StoredCustomer,
    redemption: checkout_pb2.Redemption,
    sign: int,
    created_at_ms: int,
) -> None:
    """Adds (sign +1) or removes (-1, a rollback) a redeemed order in the aggregates.
    `created_at_ms`: the redemption's `created_at`. A rollback keeps last_order_at: the customer
    did order then."""
    aggregates = stored.customer.aggregates
    spent = redemption.totals.amount_after_discounts
    aggregates.orders_count += sign
    if not aggregates.total_spent_currency:
        aggregates.total_spent_currency = redemption.totals.currency
    # Only the first currency's orders are summed: minor units of two currencies do not add.
    if redemption.totals.currency == aggregates.total_spent_currency:
        aggregates.total_spent += sign * spent
        day = created_at_ms // DAY_MS
        stored.daily_spend[day] = stored.daily_spend.get(day, 0) + sign * spent
        if stored.daily_spend[day] == 0:
            del stored.daily_spend[day]
    if sign > 0 and created_at_ms > aggregates.last_order_at.ToMilliseconds():
        aggregates.last_order_at.CopyFrom(redemption.created_at)
    for result in redemption.redeemables:
        if result.campaign_id:
            counts = aggregates.campaign_redemptions
            counts[result.campaign_id] = counts.get(result.campaign_id, 0) + sign


def record_event(stored: store_pb2.StoredCustomer, name: str, at_ms: int) -> None:
    aggregates = stored.customer.aggregates
    aggregates.event_counts[name] = aggregates.event_counts.get(name, 0) + 1
    if at_ms > aggregates.last_event_at.ToMilliseconds():
        aggregates.last_event_at.FromMilliseconds(at_ms)


def refresh_rolling_spend(stored: store_pb2.StoredCustomer, now_ms: int) -> None:
    """Drops days out of the 365-day window and recomputes spent_last_365_days at `now_ms`."""
    first_day = now_ms // DAY_MS - SPEND_WINDOW_DAYS + 1
    for day in [day for day in stored.daily_spend if day < first_day]:
        del stored.daily_spend[day]
    stored.customer.aggregates.spent_last_365_days = sum(stored.daily_spend.values())


def profile_of(
    stored: store_pb2.StoredCustomer | None, now_ms: int
) -> evaluation_pb2.CustomerProfile:
    """What rules see of a stored customer (segments, aggregates, attributes)."""
    profile = evaluation_pb2.CustomerProfile()
    if stored is None:
        return profile
    refresh_rolling_spend(stored, now_ms)
    profile.segments.extend(stored.customer.segments)
    profile.aggregates.CopyFrom(stored.customer.aggregates)
    profile.attributes_json = stored.customer.attributes_json
    return profile
