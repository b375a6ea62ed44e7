"""Distributions and publications: when a trigger fires for a customer, a new code of the
distribution's campaign (from its code config) is assigned to that customer — at most once per
distribution and customer (birthdays: once per year) unless the distribution repeats.

Publications are the customer's wallet: Qualify evaluates each assigned code on the cart."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from promocore.cdp.customers import require_customer_id
from promocore.cdp.integration_events import IntegrationEvents
from promocore.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    PromocoreError,
)
from promocore.store import Store, Txn
from promocore.store.codegen import (
    CODE_KIND_BY_CAMPAIGN_TYPE,
    MAX_COLLISIONS_IN_A_ROW,
    CodePattern,
)
from promocore.store.keys import normalize_code
from promocore.v1 import campaign_pb2, customer_pb2, events_pb2
from promocore.v1.internal import store_pb2
from promocore.wire.request_fields import ID_PATTERN

log = logging.getLogger("promocore.distributions")
TRIGGERS = customer_pb2.DistributionTrigger
MAX_INACTIVE_DAYS = 3650
# Campaign types whose codes a distribution may issue (balances are issued by their own RPCs).
ISSUABLE_TYPES = (campaign_pb2.DISCOUNT_COUPONS,)


@dataclass(frozen=True)
class Occurrence:
    """One firing of a trigger for a customer: `key` tells occurrences apart (birthday year,
    last-order instant); a distribution that does not repeat fires for the first only."""

    trigger: int
    customer_id: str
    segment_id: str = ""
    event_name: str = ""
    key: str = ""


def publication_key(customer_id: str, normalized_code: bytes) -> bytes:
    return customer_id.encode() + b"\0" + normalized_code


def fired_key(distribution_id: str, customer_id: str) -> bytes:
    return distribution_id.encode() + b"\0" + customer_id.encode()


class Distributions:
    def __init__(self, store: Store, events: IntegrationEvents) -> None:
        self._store = store
        self._t = store.tables
        self._events = events

    # Distributions ---------------------------------------------------------------------------

    def create(
        self, txn: Txn, distribution: customer_pb2.Distribution
    ) -> customer_pb2.Distribution:
        record = customer_pb2.Distribution()
        record.CopyFrom(distribution)
        if not record.id:
            record.id = f"dst_{secrets.token_hex(8)}"
        if not ID_PATTERN.match(record.id):
            raise InvalidArgumentError("distribution.id", "1..64 characters of [A-Za-z0-9_-]")
        trigger = record.trigger
        if trigger not in TRIGGERS.values() or trigger == TRIGGERS.Value(
            "DISTRIBUTION_TRIGGER_UNSPECIFIED"
        ):
            raise InvalidArgumentError("distribution.trigger", "required")
        segment_missing = txn.get(record.segment_id.encode() or b"\0", db=self._t.segments) is None
        if trigger == customer_pb2.TRIGGER_SEGMENT_ENTERED and segment_missing:
            raise InvalidArgumentError(
                "distribution.segment_id", f"no segment {record.segment_id!r}"
            )
        if trigger == customer_pb2.TRIGGER_CUSTOM_EVENT_TRACKED and not record.event_name:
            raise InvalidArgumentError("distribution.event_name", "required for this trigger")
        if trigger == customer_pb2.TRIGGER_INACTIVE and not (
            1 <= record.inactive_days <= MAX_INACTIVE_DAYS
        ):
            raise InvalidArgumentError(
                "distribution.inactive_days", f"must be 1..{MAX_INACTIVE_DAYS} for this trigger"
            )
        if trigger == customer_pb2.TRIGGER_BIRTHDAY and not record.birthday_attribute:
            record.birthday_attribute = "birthday"
        if not record.campaign_id:
            raise InvalidArgumentError("distribution.campaign_id", "required")
        campaign = self._store.catalog.get_campaign(txn, record.campaign_id)
        if campaign.type not in ISSUABLE_TYPES:
            raise InvalidArgumentError(
                "distribution.campaign_id", "must be a DISCOUNT_COUPONS campaign"
            )
        CodePattern.from_config(campaign.code_config, "campaign.code_config")
        if not txn.put(
            record.id.encode(),
            record.SerializeToString(),
            db=self._t.distributions,
            overwrite=False,
        ):
            raise AlreadyExistsError(f"distribution {record.id!r} already exists")
        return record

    def all(self, txn: Txn) -> list[customer_pb2.Distribution]:
        cursor = txn.cursor(db=self._t.distributions)
        if not cursor.first():
            return []
        return [customer_pb2.Distribution.FromString(value) for _, value in cursor]

    def matching(self, txn: Txn, occurrence: Occurrence) -> Iterator[customer_pb2.Distribution]:
        for distribution in self.all(txn):
            if distribution.disabled or distribution.trigger != occurrence.trigger:
                continue
            if (
                occurrence.trigger == customer_pb2.TRIGGER_SEGMENT_ENTERED
                and distribution.segment_id != occurrence.segment_id
            ):
                continue
            if (
                occurrence.trigger == customer_pb2.TRIGGER_CUSTOM_EVENT_TRACKED
                and distribution.event_name != occurrence.event_name
            ):
                continue
            yield distribution

    def fire(self, txn: Txn, occurrence: Occurrence, now_ms: int) -> list[str]:
        """Issues a code for every distribution this occurrence triggers (and has not yet fired
        for); returns the codes issued. A distribution that cannot issue (its campaign was
        changed into one that issues no codes, its code space is exhausted) is logged and
        skipped: it never fails the Redeem or event that triggered it."""
        issued: list[str] = []
        for distribution in self.matching(txn, occurrence):
            publication = self.issue_once(txn, distribution, occurrence, now_ms)
            if publication is not None:
                issued.append(publication.code)
        return issued

    def issue_once(
        self,
        txn: Txn,
        distribution: customer_pb2.Distribution,
        occurrence: Occurrence,
        now_ms: int,
    ) -> customer_pb2.Publication | None:
        """The code for this occurrence, or None when the distribution already fired for it (a
        repeating distribution fires for every occurrence, other ones for the first only)."""
        key = fired_key(distribution.id, occurrence.customer_id)
        raw = txn.get(key, db=self._t.distribution_fired)
        if raw is not None:
            last = store_pb2.DistributionFiring.FromString(raw)
            if not distribution.repeat or (occurrence.key and occurrence.key == last.occurrence):
                return None
        try:
            publication = self.publish(
                txn,
                distribution.campaign_id,
                occurrence.customer_id,
                now_ms,
                distribution_id=distribution.id,
            )
        except PromocoreError as error:
            log.error("distribution %s cannot issue a code: %s", distribution.id, error)
            return None
        firing = store_pb2.DistributionFiring(at_unix_ms=now_ms, occurrence=occurrence.key)
        txn.put(key, firing.SerializeToString(), db=self._t.distribution_fired)
        return publication

    def fired(self, txn: Txn, distribution_id: str, customer_id: str) -> str | None:
        """The occurrence key of the last firing, or None when it never fired."""
        raw = txn.get(fired_key(distribution_id, customer_id), db=self._t.distribution_fired)
        return None if raw is None else store_pb2.DistributionFiring.FromString(raw).occurrence

    # Publications ----------------------------------------------------------------------------

    def publish(
        self,
        txn: Txn,
        campaign_id: str,
        customer_id: str,
        now_ms: int,
        *,
        code: str = "",
        distribution_id: str = "",
    ) -> customer_pb2.Publication:
        """Assigns an existing unassigned code, or a new one generated from the campaign's code
        config, to the customer; emits EVENT_CODE_ISSUED."""
        require_customer_id(customer_id)
        if not campaign_id:
            raise InvalidArgumentError("campaign_id", "required")
        campaign = self._store.catalog.get_campaign(txn, campaign_id)
        if code:
            record = self._assign_existing(txn, campaign, code, customer_id)
        else:
            record = self._generate(txn, campaign, customer_id, now_ms)
        publication = customer_pb2.Publication(
            id=f"pub_{secrets.token_hex(8)}",
            customer_id=customer_id,
            code=record.code,
            campaign_id=campaign.id,
            distribution_id=distribution_id,
        )
        publication.created_at.FromMilliseconds(now_ms)
        txn.put(
            publication_key(customer_id, normalize_code(record.code)),
            publication.SerializeToString(),
            db=self._t.publications,
        )
        self._events.append(
            txn,
            events_pb2.IntegrationEvent(
                type=events_pb2.EVENT_CODE_ISSUED,
                customer_id=customer_id,
                campaign_id=campaign.id,
                code=record.code,
            ),
            now_ms=now_ms,
        )
        return publication

    def wallet(self, txn: Txn, customer_id: str) -> list[campaign_pb2.Code]:
        """The code records assigned to the customer (publications), in code order."""
        prefix = customer_id.encode() + b"\0"
        cursor = txn.cursor(db=self._t.publications)
        codes: list[campaign_pb2.Code] = []
        if not cursor.set_range(prefix):
            return codes
        for key in cursor.iternext(keys=True, values=False):
            if not key.startswith(prefix):
                break
            raw = self._store.catalog.code_bytes(txn, key[len(prefix) :])
            if raw is not None:
                codes.append(campaign_pb2.Code.FromString(raw))
        return codes

    def _assign_existing(
        self, txn: Txn, campaign: campaign_pb2.Campaign, code: str, customer_id: str
    ) -> campaign_pb2.Code:
        record = self._store.catalog.get_code(txn, code)
        if record is None:
            raise NotFoundError(f"code {code!r} does not exist")
        if record.campaign_id != campaign.id:
            raise InvalidArgumentError("code", f"belongs to campaign {record.campaign_id!r}")
        if record.assigned_customer_id and record.assigned_customer_id != customer_id:
            raise FailedPreconditionError(
                f"code {code!r} is assigned to another customer", reason="code_assigned"
            )
        record.assigned_customer_id = customer_id
        self._store.catalog.replace_code(txn, record)
        return record

    def _generate(
        self,
        txn: Txn,
        campaign: campaign_pb2.Campaign,
        customer_id: str,
        now_ms: int,
    ) -> campaign_pb2.Code:
        if campaign.type not in ISSUABLE_TYPES:
            raise FailedPreconditionError(
                f"campaign {campaign.id!r} does not issue discount codes", reason="not_issuable"
            )
        generate = CodePattern.from_config(campaign.code_config, "campaign.code_config").generator()
        record = campaign_pb2.Code(
            campaign_id=campaign.id,
            kind=CODE_KIND_BY_CAMPAIGN_TYPE[campaign.type],
            assigned_customer_id=customer_id,
            active=True,
        )
        record.created_at.FromMilliseconds(now_ms)
        for _ in range(MAX_COLLISIONS_IN_A_ROW):
            record.code = generate()
            if self._store.catalog.add_code(txn, record):
                return record
        raise AlreadyExistsError(
            "the campaign's code pattern is exhausted", reason="code_space_exhausted"
        )
