"""Time-based triggers: birthdays and inactivity, dynamic segments whose rules depend on time
(e.g. "last order more than 90 days ago", "spent over 1,000 in the last 365 days"), and
points about to expire.

A tick walks every customer once: it re-evaluates the dynamic segments at the tick's instant,
fires the BIRTHDAY and INACTIVE distributions due and announces expiring points. One tick is one
write transaction per batch of customers; ticks are idempotent (a distribution records each
occurrence it fired for, an expiring bucket is announced once), so a tick repeated after a
crash or run twice the same day issues nothing new.

The server runs ticks on a background thread (`Scheduler.start`) in one process only (see
docs/customers.md); tests call `tick()` directly with an injected clock.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime
from functools import partial
from zoneinfo import ZoneInfo

import orjson

from promocore.cdp.customer_data import CustomerData
from promocore.cdp.customers import DAY_MS
from promocore.cdp.distributions import Occurrence
from promocore.cdp.expiring_points import ExpiringPoints
from promocore.store.leases import Lease
from promocore.store.txn import Txn
from promocore.v1 import customer_pb2
from promocore.v1.internal import store_pb2

log = logging.getLogger("promocore.scheduler")
CUSTOMERS_PER_TRANSACTION = 500
DEFAULT_INTERVAL_S = 3600.0
FIRST_TICK_DELAY_S = 60.0


class Scheduler:
    def __init__(self, data: CustomerData, *, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self._data = data
        self._expiring = ExpiringPoints(data.store, data.events)
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tick_lock = threading.Lock()
        # Several nodes on one shared store: only the holder of the lease ticks.
        self._lease = Lease(data.store, "scheduler", ttl_s=max(3 * interval_s, 30.0))
        self.ticks = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="promocore-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        # The first tick comes soon after start (a server restarted more often than the interval
        # still ticks), not at once (startup stays quick).
        delay = min(self._interval_s, FIRST_TICK_DELAY_S)
        while not self._stop.wait(delay):
            try:
                if self._lease.hold():
                    self.tick()
            except Exception:  # a failed tick is retried at the next one
                log.exception("scheduler tick failed")
            delay = self._interval_s
        self._lease.release()

    def tick(self) -> list[str]:
        """Runs every time-based trigger due at the clock's now; returns the codes issued."""
        with self._tick_lock:
            now_ms = self._data.clock.now_ms()
            store = self._data.store
            issued: list[str] = []
            after: str | None = ""
            # Each batch commits on its own; one that lost a race with a checkout on a shared
            # store is run again alone (Store.transact), not left for the next tick.
            while after is not None:
                after, fired = store.transact(
                    partial(self._trigger_batch, after=after, now_ms=now_ms)
                )
                issued += fired
            card = b""
            while True:
                card = store.transact(
                    partial(
                        self._expiring.announce_batch,
                        after=card,
                        limit=CUSTOMERS_PER_TRANSACTION,
                        now_ms=now_ms,
                    )
                )
                if not card:
                    break
            self.ticks += 1
            return issued

    def _trigger_batch(self, txn: Txn, after: str, now_ms: int) -> tuple[str | None, list[str]]:
        """Time-based triggers of the customers after `after`, a batch of them: (the last
        customer id of the batch, or None when there was none; the codes issued)."""
        batch = self._data.customers.iter_customers(txn, after, CUSTOMERS_PER_TRANSACTION)
        if not batch:
            return None, []
        timed = self._timed_distributions(txn)
        issued: list[str] = []
        for stored in batch:
            self._data.changed(txn, stored, now_ms, write=False)
            issued += self._fire_timed(txn, stored, timed, now_ms)
        return batch[-1].customer.id, issued

    def _timed_distributions(self, txn: Txn) -> list[customer_pb2.Distribution]:
        timed = (customer_pb2.TRIGGER_BIRTHDAY, customer_pb2.TRIGGER_INACTIVE)
        return [
            d for d in self._data.distributions.all(txn) if d.trigger in timed and not d.disabled
        ]

    def _fire_timed(
        self,
        txn: Txn,
        stored: store_pb2.StoredCustomer,
        distributions: list[customer_pb2.Distribution],
        now_ms: int,
    ) -> list[str]:
        issued: list[str] = []
        for distribution in distributions:
            occurrence = self._occurrence(txn, distribution, stored, now_ms)
            if occurrence is None:
                continue
            publication = self._data.distributions.issue_once(txn, distribution, occurrence, now_ms)
            if publication is not None:
                issued.append(publication.code)
        return issued

    def _occurrence(
        self,
        txn: Txn,
        distribution: customer_pb2.Distribution,
        stored: store_pb2.StoredCustomer,
        now_ms: int,
    ) -> Occurrence | None:
        customer = stored.customer
        if distribution.trigger == customer_pb2.TRIGGER_BIRTHDAY:
            campaign = self._data.store.catalog.get_campaign(txn, distribution.campaign_id)
            today = _today(now_ms, campaign.time_zone)
            birthday = _birthday(customer.attributes_json, distribution.birthday_attribute)
            if birthday is None or not _is_birthday(birthday, today):
                return None
            # Once per year: a birthday distribution always repeats, yearly.
            distribution.repeat = True
            return Occurrence(distribution.trigger, customer.id, key=str(today.year))
        # INACTIVE: no order for inactive_days (counted from signup when there never was one).
        last_ms = (
            customer.aggregates.last_order_at.ToMilliseconds()
            if customer.aggregates.HasField("last_order_at")
            else customer.created_at.ToMilliseconds()
        )
        if now_ms - last_ms < distribution.inactive_days * DAY_MS:
            return None
        return Occurrence(distribution.trigger, customer.id, key=str(last_ms))


def _today(now_ms: int, time_zone: str) -> date:
    zone = ZoneInfo(time_zone) if time_zone else UTC
    return datetime.fromtimestamp(now_ms / 1000, tz=zone).date()


def _birthday(attributes_json: str, attribute: str) -> date | None:
    try:
        value = orjson.loads(attributes_json or "{}").get(attribute or "birthday")
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _is_birthday(birthday: date, today: date) -> bool:
    if (birthday.month, birthday.day) == (today.month, today.day):
        return True
    # 29 February birthdays are celebrated on 28 February in common years.
    leap_day = (birthday.month, birthday.day) == (2, 29)
    is_leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
    return leap_day and not is_leap and (today.month, today.day) == (2, 28)
