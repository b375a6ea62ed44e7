"""Checkout flows: Validate, Redeem and Rollback over the store and the Rust engine.

The caller's request bytes go to the engine untouched; Python only reads the few fields it needs
to look things up (codes, customer id, idempotency key) and hands the engine what the store knows
as one EvaluationContext message. Redeem evaluates inside the LMDB write transaction, so the
counters it checks are the counters it updates: no oversell between check and update.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import lmdb
from google.protobuf.message import DecodeError

from promocore import _engine
from promocore.clock import Clock
from promocore.compiled import CampaignEntry, CatalogSnapshot, CompiledCampaigns
from promocore.errors import InvalidArgumentError
from promocore.guess_guard import Caller, GuessGuard, Subjects
from promocore.store import Store
from promocore.store.counters import CounterKeys, CounterView
from promocore.store.keys import normalize_code
from promocore.v1 import campaign_pb2, checkout_pb2, common_pb2
from promocore.v1.internal import evaluation_pb2, store_pb2

# LMDB refuses keys longer than this; longer codes cannot exist, and the engine reports the field.
_MAX_KEY_BYTES = 511
M = TypeVar("M")
R = TypeVar("R")
MAX_IDEMPOTENCY_KEY_LENGTH = 128
MAX_SESSION_KEY_LENGTH = 128
MAX_RESERVATION_TTL_SECONDS = 3600


@dataclass
class Resolution:
    """What the store knows about a request's redeemables, ready for the engine."""

    context: evaluation_pb2.EvaluationContext
    campaigns: list[_engine.CompiledCampaign] = field(default_factory=list)
    # Encoded `promotions` entries that follow the context's own (see PromotionPlan).
    promotions_bytes: list[bytes] = field(default_factory=list)
    # Requested codes the store does not have (what anti-enumeration counts).
    codes_not_found: int = 0

    def context_bytes(self) -> bytes:
        return self.context.SerializeToString() + b"".join(self.promotions_bytes)


_BALANCE_KINDS = (campaign_pb2.CODE_KIND_GIFT_CARD, campaign_pb2.CODE_KIND_LOYALTY_CARD)


def needs_counters(entry: CampaignEntry, code: campaign_pb2.Code | None) -> bool:
    if entry.reads_counters:
        return True
    return code is not None and (
        code.HasField("redemption_quantity") or code.kind in _BALANCE_KINDS
    )


def counter_keys(
    entry: CampaignEntry, code: campaign_pb2.Code | None, customer_id: str, now_ms: int
) -> CounterKeys:
    return CounterKeys.build(
        campaign_id=entry.campaign.id,
        time_zone=entry.campaign.time_zone,
        normalized_code=normalize_code(code.code) if code is not None else None,
        customer_id=customer_id,
        now_ms=now_ms,
        code_kind=code.kind if code is not None else campaign_pb2.CODE_KIND_UNSPECIFIED,
    )


# The stored profile of a customer for rules (customer.segments, .aggregates, .loyalty); None
# for a customer the store does not know.
ProfileSource = Callable[[lmdb.Transaction, str, int], "evaluation_pb2.CustomerProfile | None"]


class Resolver:
    """Builds the EvaluationContext for a request inside a given LMDB transaction."""

    def __init__(
        self,
        store: Store,
        campaigns: CompiledCampaigns,
        profiles: ProfileSource | None = None,
    ) -> None:
        self._store = store
        self._campaigns = campaigns
        self._profiles = profiles

    def resolve(
        self,
        txn: lmdb.Transaction,
        redeemables: list[checkout_pb2.Redeemable],
        *,
        customer_id: str,
        include_promotions: bool,
        now_ms: int,
        session_key: str = "",
    ) -> Resolution:
        """`session_key`: the reservation session whose own holds do not count against it."""
        resolution = Resolution(evaluation_pb2.EvaluationContext(now_unix_ms=now_ms))
        if customer_id and self._profiles is not None:
            profile = self._profiles(txn, customer_id, now_ms)
            if profile is not None:
                resolution.context.customer.CopyFrom(profile)
        snapshot = self._campaigns.snapshot(txn)
        if snapshot.stacking_rules is not None:
            resolution.context.stacking_rules.CopyFrom(snapshot.stacking_rules)
        plan = snapshot.promotion_plan if include_promotions else None
        slots: dict[str, int] = {}
        if plan is not None:
            slots.update(plan.slots)
            resolution.campaigns.extend(plan.campaigns)
        view = CounterView(
            txn,
            self._store.tables,
            self._store.reservations,
            now_ms=now_ms,
            session_key=session_key,
        )

        def add(
            target: evaluation_pb2.ResolvedRedeemable,
            entry: CampaignEntry | None,
            code: campaign_pb2.Code | None,
        ) -> None:
            if entry is None:
                target.campaign_slot = -1
                return
            campaign = entry.campaign
            if campaign.id not in slots:
                slots[campaign.id] = len(resolution.campaigns)
                resolution.campaigns.append(entry.compiled)
            target.campaign_slot = slots[campaign.id]
            if not needs_counters(entry, code):
                if code is not None:
                    target.code.CopyFrom(code)
                return
            keys = counter_keys(entry, code, customer_id, now_ms)
            counters, held_by_others = keys.read(view)
            target.counters.CopyFrom(counters)
            target.held_by_other_session = held_by_others
            if code is not None:
                target.code.CopyFrom(code)
                # The engine spends what is left now, not what the card was issued with.
                target.code.gift_balance, target.code.points = keys.balances(view)

        for redeemable in redeemables:
            target = resolution.context.redeemables.add()
            kind = redeemable.WhichOneof("target")
            if kind == "code":
                code = self._lookup_code(txn, redeemable.code)
                entry = snapshot.by_id.get(code.campaign_id) if code else None
                resolution.codes_not_found += code is None
            elif kind == "promotion_id":
                code, entry = None, _promotion(snapshot, redeemable.promotion_id)
            else:
                code, entry = None, None
            add(target, entry, code)

        if plan is None:
            return resolution
        requested = {r.promotion_id for r in redeemables if r.WhichOneof("target")}
        if requested.isdisjoint(plan.entries):
            # The usual case: the prepared encoding, with the promotions that have limits
            # resolved in between (each encoded on its own, so the order is kept).
            for segment in plan.segments:
                if isinstance(segment, bytes):
                    resolution.promotions_bytes.append(segment)
                    continue
                own = evaluation_pb2.EvaluationContext()
                add(own.promotions.add(), segment, None)
                resolution.promotions_bytes.append(own.SerializeToString())
            return resolution
        for promotion_id, entry in plan.entries.items():
            if promotion_id in requested:
                continue
            target = resolution.context.promotions.add()
            if entry.reads_counters:
                add(target, entry, None)
            else:
                target.campaign_slot = plan.slots[promotion_id]
        return resolution

    def _lookup_code(self, txn: lmdb.Transaction, code: str) -> campaign_pb2.Code | None:
        normalized = normalize_code(code)
        if not normalized or len(normalized) > _MAX_KEY_BYTES:
            return None
        raw = self._store.catalog.code_bytes(txn, normalized)
        return None if raw is None else campaign_pb2.Code.FromString(raw)


def _promotion(snapshot: CatalogSnapshot, campaign_id: str) -> CampaignEntry | None:
    entry = snapshot.by_id.get(campaign_id)
    if entry is None or entry.campaign.type != campaign_pb2.PROMOTION:
        return None
    return entry


def evaluate(request: bytes, resolution: Resolution) -> bytes:
    """Runs the engine; its InvalidRequestError becomes an InvalidArgumentError (field path)."""
    return _engine_call(
        _engine.evaluate_checkout, request, resolution.context_bytes(), resolution.campaigns
    )


def _engine_call(function: Callable[..., R], *args) -> R:
    """An engine entry point, its InvalidRequestError as an InvalidArgumentError (field path)."""
    try:
        return function(*args)
    except _engine.InvalidRequestError as error:
        raise InvalidArgumentError(error.field, error.reason) from None


def parse_request(message_type: type[M], request: bytes) -> M:
    try:
        return message_type.FromString(request)
    except DecodeError as error:
        raise InvalidArgumentError("request", f"not a valid message: {error}") from None


def parse_checkout(message_type: type[M], request: bytes) -> M:
    """Parses a Validate/Redeem request, refusing one with more redeemables than the engine
    takes before anything is looked up for them."""
    parsed = parse_request(message_type, request)
    count = len(parsed.redeemables)
    if count > _engine.MAX_REDEEMABLES:
        raise InvalidArgumentError(
            "redeemables",
            f"at most {_engine.MAX_REDEEMABLES} redeemables per request; got {count}",
        )
    return parsed


class Checkout:
    def __init__(
        self,
        store: Store,
        campaigns: CompiledCampaigns,
        clock: Clock,
        guard: GuessGuard | None = None,
        profiles: ProfileSource | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._resolver = Resolver(store, campaigns, profiles)
        self._guard = guard

    def validate(self, request: bytes, caller: Caller | None = None) -> bytes:
        """ValidateRequest bytes in, ValidateResponse bytes out. Changes nothing, unless the
        request asks for a reservation: then the applicable redeemables are held."""
        parsed = parse_checkout(checkout_pb2.ValidateRequest, request)
        subjects = self._admit(caller, parsed)
        if parsed.HasField("reservation"):
            session_key, ttl_ms = _reservation_request(parsed.reservation)
            return self._store.writer.submit(
                lambda txn: self._validate_and_hold(
                    txn, request, parsed, session_key, ttl_ms, subjects
                )
            )
        with self._store.read() as txn:
            resolution = self._resolve(txn, parsed, self._clock.now_ms(), subjects=subjects)
        return evaluate(request, resolution)

    def _admit(
        self,
        caller: Caller | None,
        parsed: checkout_pb2.ValidateRequest | checkout_pb2.RedeemRequest,
    ) -> Subjects:
        """The anti-enumeration subjects of this request; raises when one is over its limit."""
        if self._guard is None or caller is None:
            return []
        subjects = self._guard.subjects(caller, parsed.customer.id)
        self._guard.check(subjects)
        return subjects

    def _validate_and_hold(
        self,
        txn: lmdb.Transaction,
        request: bytes,
        parsed: checkout_pb2.ValidateRequest,
        session_key: str,
        ttl_ms: int,
        subjects: Subjects,
    ) -> bytes:
        now_ms = self._clock.now_ms()
        # Validating again replaces the session's holds: its old ones must not block it.
        self._store.reservations.release(txn, session_key)
        resolution = self._resolve(txn, parsed, now_ms, session_key, subjects)
        response, holds = _engine_call(
            _engine.evaluate_checkout_with_deltas,
            request,
            resolution.context_bytes(),
            resolution.campaigns,
        )
        outcome = checkout_pb2.ValidateResponse.FromString(response)
        applied = sum(r.status == common_pb2.APPLICABLE for r in outcome.redeemables)
        if not applied:
            return response
        expires_at_ms = now_ms + ttl_ms
        self._store.reservations.reserve(
            txn, session_key, expires_at_ms=expires_at_ms, holds=holds, redeemables=applied
        )
        outcome.reservation.session_key = session_key
        outcome.reservation.expires_at.FromMilliseconds(expires_at_ms)
        return outcome.SerializeToString()

    def redeem(self, request: bytes, caller: Caller | None = None) -> bytes:
        """RedeemRequest bytes in, RedeemResponse bytes out; exactly once per idempotency key,
        durable before it returns, all of a redemption's changes or none."""
        parsed = parse_checkout(checkout_pb2.RedeemRequest, request)
        key = parsed.idempotency_key
        if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            raise InvalidArgumentError(
                "idempotency_key", f"required, 1..{MAX_IDEMPOTENCY_KEY_LENGTH} characters"
            )
        if not parsed.order.id:
            raise InvalidArgumentError("order.id", "required to redeem")
        if len(parsed.session_key) > MAX_SESSION_KEY_LENGTH:
            raise InvalidArgumentError(
                "session_key", f"at most {MAX_SESSION_KEY_LENGTH} characters"
            )
        subjects = self._admit(caller, parsed)
        return self._store.writer.submit(lambda txn: self._redeem(txn, request, parsed, subjects))

    def _redeem(
        self,
        txn: lmdb.Transaction,
        request: bytes,
        parsed: checkout_pb2.RedeemRequest,
        subjects: Subjects,
    ) -> bytes:
        log = self._store.redemptions
        first_answer = log.replay(txn, parsed.idempotency_key, request)
        if first_answer is not None:
            replayed = checkout_pb2.RedeemResponse.FromString(first_answer)
            replayed.replayed = True
            return replayed.SerializeToString()
        resolution = self._resolve(txn, parsed, self._clock.now_ms(), parsed.session_key, subjects)
        writes = _engine_call(
            _engine.redeem_checkout,
            request,
            resolution.context_bytes(),
            resolution.campaigns,
            new_id("rdm"),
            parsed.idempotency_key,
            hashlib.sha256(request).digest(),
        )
        if not writes.succeeded:
            # Nothing to count: no record, no key stored; a retry is evaluated afresh.
            return writes.response
        log.record_redemption(txn, writes, request)
        if parsed.session_key:
            # The reservation is consumed: its holds became the counters just written.
            self._store.reservations.release(txn, parsed.session_key)
        return writes.response

    def rollback(self, request: checkout_pb2.RollbackRequest) -> checkout_pb2.RollbackResponse:
        if not request.redemption_id:
            raise InvalidArgumentError("redemption_id", "required")
        rollback = store_pb2.Rollback(
            redemption_id=request.redemption_id,
            rollback_id=new_id("rbk"),
            at_unix_ms=self._clock.now_ms(),
            reason=request.reason,
        )
        stored = self._store.writer.submit(
            lambda txn: self._store.redemptions.roll_back(txn, rollback)
        )
        return checkout_pb2.RollbackResponse(
            redemption=stored.redemption, rollback_id=rollback.rollback_id
        )

    def release_reservation(
        self, request: checkout_pb2.ReleaseReservationRequest
    ) -> checkout_pb2.ReleaseReservationResponse:
        session_key = request.session_key
        if not session_key or len(session_key) > MAX_SESSION_KEY_LENGTH:
            raise InvalidArgumentError(
                "session_key", f"required, 1..{MAX_SESSION_KEY_LENGTH} characters"
            )
        released = self._store.writer.submit(
            lambda txn: self._store.reservations.release(txn, session_key)
        )
        return checkout_pb2.ReleaseReservationResponse(released=released)

    def _resolve(
        self,
        txn: lmdb.Transaction,
        parsed: checkout_pb2.ValidateRequest | checkout_pb2.RedeemRequest,
        now_ms: int,
        session_key: str = "",
        subjects: Subjects | None = None,
    ) -> Resolution:
        resolution = self._resolver.resolve(
            txn,
            list(parsed.redeemables),
            customer_id=parsed.customer.id,
            include_promotions=parsed.options.include_promotions,
            now_ms=now_ms,
            session_key=session_key,
        )
        if subjects and self._guard is not None:
            self._guard.record(subjects, resolution.codes_not_found)
        return resolution


def _reservation_request(reservation: checkout_pb2.ReservationRequest) -> tuple[str, int]:
    if not reservation.session_key or len(reservation.session_key) > MAX_SESSION_KEY_LENGTH:
        raise InvalidArgumentError(
            "reservation.session_key", f"required, 1..{MAX_SESSION_KEY_LENGTH} characters"
        )
    if not 1 <= reservation.ttl_seconds <= MAX_RESERVATION_TTL_SECONDS:
        raise InvalidArgumentError(
            "reservation.ttl_seconds", f"must be 1..{MAX_RESERVATION_TTL_SECONDS}"
        )
    return reservation.session_key, reservation.ttl_seconds * 1000


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"
