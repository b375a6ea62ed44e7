"""Checkout flows: Validate, Redeem and Rollback over the store and the Rust engine.

The caller's request bytes go to the engine untouched; Python parses only the few fields it
needs to look things up (codes, customer id, idempotency key), reads the raw records (code
records, the customer's profile) and, when the engine asks for them, the counters of limited
campaigns. The engine's CheckoutPlan (the catalog, kept in Rust between requests) builds its own
context from those bytes. Redeem evaluates inside the LMDB write transaction, so the counters it
checks are the counters it updates: no oversell between check and update; the engine also
computes every write of the redemption.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from promocore import _engine
from promocore.call_context.principal import current_principal
from promocore.checkout.compiled import CompiledCampaigns
from promocore.checkout.guess_guard import Caller, GuessGuard, Subjects
from promocore.checkout.preview import FIELD as PREVIEW_FIELD
from promocore.checkout.preview import Preview
from promocore.clock import Clock
from promocore.errors import InvalidArgumentError, PromocoreError
from promocore.store import Refusal, Store, Txn, audit_log
from promocore.store.catalog import GENERATION_KEY
from promocore.store.counters import CounterView, read_counters
from promocore.store.keys import Gets, Walks, fetches_ahead, normalize_code, prefetch_reads
from promocore.store.redemption_time import LAST_REDEMPTION_KEY
from promocore.store.redemptions import new_redemption_id
from promocore.store.reservations import MAX_HOLD_MS
from promocore.v1 import admin_pb2, checkout_pb2, common_pb2
from promocore.v1.internal import evaluation_pb2, store_pb2

# LMDB refuses keys longer than this; longer codes cannot exist, and the engine reports the field.
_MAX_KEY_BYTES = 511
M = TypeVar("M", bound=Message)
# The checkout requests that name redeemables.
C = TypeVar("C", checkout_pb2.ValidateRequest, checkout_pb2.RedeemRequest)
R = TypeVar("R")
MAX_IDEMPOTENCY_KEY_LENGTH = 128
MAX_SESSION_KEY_LENGTH = 128
# A hold longer than the store's cap would stop counting early (store/reservations.py).
MAX_RESERVATION_TTL_SECONDS = MAX_HOLD_MS // 1000
# What the store read for a prepared checkout: counter values, held flags, spendable points.
CounterRead = tuple[list[int], list[bool], list[int]]

# Rollbacks by these keys (people at a console, admin scripts; not a shop's checkout) are written
# to the audit log; a support key's need a reason.
AUDITED_ROLLBACK_ROLES = frozenset({admin_pb2.ROLE_ADMIN, admin_pb2.ROLE_SUPPORT})

# The stored profile of a customer for rules (customer.segments, .aggregates, .loyalty); None
# for a customer the store does not know.
ProfileSource = Callable[[Txn, str, int], "evaluation_pb2.CustomerProfile | None"]
# The reads a redemption by a customer makes besides the checkout's own (the profile, what the
# redemption observers look up): ((table, keys) pairs, (table, cursor start) pairs), for
# prefetch_reads.
CustomerReads = Callable[[str], tuple[Gets, Walks]]


def code_record(store: Store, txn: Txn, redeemable: checkout_pb2.Redeemable) -> bytes | None:
    """The stored Code record (bytes) of a code redeemable; None when the store has no such
    code or the redeemable is not a code."""
    if redeemable.WhichOneof("target") != "code":
        return None
    normalized = normalize_code(redeemable.code)
    if not normalized or len(normalized) > _MAX_KEY_BYTES:
        return None
    return store.catalog.code_bytes(txn, normalized)


class Preparer:
    """Prepares a checkout inside a given store transaction: the raw records go to the engine's
    CheckoutPlan, then the counters it asks for are read."""

    def __init__(
        self,
        store: Store,
        campaigns: CompiledCampaigns,
        profiles: ProfileSource | None = None,
    ) -> None:
        self._store = store
        self._campaigns = campaigns
        self._profiles = profiles

    def prepare(
        self,
        txn: Txn,
        request: bytes,
        redeemables: Iterable[checkout_pb2.Redeemable],
        *,
        customer_id: str,
        now_ms: int,
        session_key: str = "",
        profile: bytes | None = None,
        look_up_profile: bool = True,
    ) -> tuple[_engine.PreparedCheckout, CounterRead, int]:
        """(prepared checkout, counters read, requested codes the store does not have).
        `session_key`: the reservation session whose own holds do not count against it. The
        customer's stored profile is read unless `look_up_profile` is False: then `profile` (a
        serialized CustomerProfile, None = nothing known) is the caller's."""
        records = [code_record(self._store, txn, redeemable) for redeemable in redeemables]
        if look_up_profile and customer_id and self._profiles is not None:
            stored = self._profiles(txn, customer_id, now_ms)
            profile = None if stored is None else stored.SerializeToString()
        plan = self._campaigns.snapshot(txn).checkout_plan
        prepared = engine_call(plan.prepare, request, now_ms, records, profile)
        not_found = sum(
            record is None and redeemable.WhichOneof("target") == "code"
            for redeemable, record in zip(redeemables, records, strict=True)
        )
        read: CounterRead = ([], [], [])
        # Each getter makes a new list: asked once.
        keys_to_read, points_to_read = prepared.counter_keys, prepared.points_keys
        if keys_to_read or points_to_read:
            view = CounterView(
                txn,
                self._store.tables,
                self._store.reservations,
                now_ms=now_ms,
                session_key=session_key,
            )
            read = read_counters(view, keys_to_read, points_to_read)
        return prepared, read, not_found


def engine_call(function: Callable[..., R], *args: object) -> R:
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


def parse_checkout(message_type: type[C], request: bytes) -> C:
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
        customer_reads: CustomerReads | None = None,
        preview: Preview | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._preparer = Preparer(store, campaigns, profiles)
        self._guard = guard
        self._customer_reads = customer_reads
        # Who may evaluate a Validate at another time (`evaluate_at`).
        self._preview = preview or Preview()

    def validate(self, request: bytes, caller: Caller | None = None) -> bytes:
        """ValidateRequest bytes in, ValidateResponse bytes out. Changes nothing, unless the
        request asks for a reservation: then the applicable redeemables are held. With
        `evaluate_at` (a preview), evaluated at that time instead of the clock's."""
        parsed = parse_checkout(checkout_pb2.ValidateRequest, request)
        preview_ms = self._preview_time(parsed) if parsed.HasField("evaluate_at") else None
        subjects = self._admit(caller, parsed)
        if parsed.HasField("reservation"):
            session_key, ttl_ms = _reservation_request(parsed.reservation)
            return self._store.writer.submit(
                lambda txn: self._validate_and_hold(
                    txn, request, parsed, session_key, ttl_ms, subjects
                )
            )
        now_ms = self._clock.now_ms() if preview_ms is None else preview_ms
        with self._store.read() as txn:
            prepared, read = self._prepare(txn, request, parsed, now_ms, subjects)
        return engine_call(prepared.evaluate, *read)

    def _preview_time(self, parsed: checkout_pb2.ValidateRequest) -> int:
        """The preview time of a Validate that holds `evaluate_at` (refused for a role that may
        not preview, or with a reservation: a preview only reads)."""
        now_ms = self._preview.time_ms(parsed.evaluate_at)
        if parsed.HasField("reservation"):
            raise InvalidArgumentError(
                PREVIEW_FIELD,
                "a preview cannot hold a reservation (a reservation writes holds); send "
                "evaluate_at or reservation, not both",
            )
        return now_ms

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
        txn: Txn,
        request: bytes,
        parsed: checkout_pb2.ValidateRequest,
        session_key: str,
        ttl_ms: int,
        subjects: Subjects,
    ) -> bytes:
        now_ms = self._clock.now_ms()
        # Validating again replaces the session's holds: its old ones must not block it.
        self._store.reservations.release(txn, session_key)
        prepared, read = self._prepare(txn, request, parsed, now_ms, subjects, session_key)
        response, holds = engine_call(prepared.evaluate_with_deltas, *read)
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
        txn: Txn,
        request: bytes,
        parsed: checkout_pb2.RedeemRequest,
        subjects: Subjects,
    ) -> bytes | Refusal:
        self._prefetch_redeem_reads(txn, parsed)
        log = self._store.redemptions
        # Everything up to record_redemption reads only: a refusal there is returned, and the
        # batch goes on without running again.
        try:
            first_answer = log.replay(txn, parsed.idempotency_key, request)
            if first_answer is not None:
                replayed = checkout_pb2.RedeemResponse.FromString(first_answer)
                replayed.replayed = True
                return replayed.SerializeToString()
            # Never before the store's last redemption, so a clock stepped back counts no day
            # twice.
            now_ms = self._store.redemption_time.next_ms(txn, self._clock.now_ms())
            prepared, read = self._prepare(
                txn, request, parsed, now_ms, subjects, parsed.session_key
            )
            writes = engine_call(
                prepared.redeem,
                *read,
                new_redemption_id(now_ms),
                parsed.idempotency_key,
                hashlib.sha256(request).digest(),
            )
        except PromocoreError as refused:
            return Refusal(refused)
        if not writes.succeeded:
            # Nothing to count: no record, no key stored; a retry is evaluated afresh.
            return writes.response
        log.record_redemption(txn, writes, request)
        self._store.redemption_time.recorded(txn, now_ms)
        if parsed.session_key:
            # The reservation is consumed: its holds became the counters just written.
            self._store.reservations.release(txn, parsed.session_key)
        return writes.response

    def _prefetch_redeem_reads(self, txn: Txn, parsed: checkout_pb2.RedeemRequest) -> None:
        """What a redemption reads for certain, fetched together (Redis: one round trip
        instead of one per read; LMDB: nothing): its idempotency key, the catalog generation,
        its code records and the customer's reads."""
        if not fetches_ahead(txn):
            return  # LMDB: listing them would be work on every Redeem for nothing
        tables = self._store.tables
        codes = [
            normalize_code(redeemable.code)
            for redeemable in parsed.redeemables
            if redeemable.WhichOneof("target") == "code"
        ]
        gets: Gets = [
            (tables.idempotency, [parsed.idempotency_key.encode()]),
            (tables.counters, [GENERATION_KEY]),
            (tables.codes, [code for code in codes if 0 < len(code) <= _MAX_KEY_BYTES]),
            # The store's last redemption time (store/redemption_time.py), read unchecked.
            (tables.settings, [LAST_REDEMPTION_KEY]),
        ]
        walks: Walks = []
        if parsed.customer.id and self._customer_reads is not None:
            customer_gets, walks = self._customer_reads(parsed.customer.id)
            gets += customer_gets
        prefetch_reads(txn, gets, walks)

    def rollback(self, request: checkout_pb2.RollbackRequest) -> checkout_pb2.RollbackResponse:
        if not request.redemption_id:
            raise InvalidArgumentError("redemption_id", "required")
        principal = current_principal()
        audited = principal is not None and principal.role in AUDITED_ROLLBACK_ROLES
        by_support = principal is not None and principal.role == admin_pb2.ROLE_SUPPORT
        if by_support and not request.reason.strip():
            raise InvalidArgumentError(
                "reason", "required for a support key: say why (kept with the rollback)"
            )
        rollback = store_pb2.Rollback(
            redemption_id=request.redemption_id,
            rollback_id=new_id("rbk"),
            at_unix_ms=self._clock.now_ms(),
            reason=request.reason,
        )

        # Made here, in the caller's context (who is calling), written by the group-commit
        # writer in the rollback's transaction. A shop's refund flow, with a checkout key, is in
        # the redemption log alone.
        entry = None
        if audited:
            entry = audit_log.entry(
                "Rollback",
                f"redemption/{rollback.redemption_id}",
                None,
                {"rollback_id": rollback.rollback_id, "reason": rollback.reason},
            )
            entry.created_at.FromMilliseconds(rollback.at_unix_ms)
            # The gate names the actor of admin RPCs only (not on the checkout path).
            entry.actor = f"key:{principal.key_id}"  # type: ignore[union-attr]

        def roll_back(txn: Txn) -> store_pb2.StoredRedemption | Refusal:
            try:  # reads only: a refusal lets the batch go on
                stored = self._store.redemptions.to_roll_back(txn, rollback.redemption_id)
            except PromocoreError as refused:
                return Refusal(refused)
            stored = self._store.redemptions.roll_back(txn, rollback, stored)
            if entry is not None:
                self._store.audit.append(txn, entry)
            return stored

        stored = self._store.writer.submit(roll_back)
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

    def _prepare(
        self,
        txn: Txn,
        request: bytes,
        parsed: checkout_pb2.ValidateRequest | checkout_pb2.RedeemRequest,
        now_ms: int,
        subjects: Subjects,
        session_key: str = "",
    ) -> tuple[_engine.PreparedCheckout, CounterRead]:
        prepared, read, not_found = self._preparer.prepare(
            txn,
            request,
            parsed.redeemables,
            customer_id=parsed.customer.id,
            now_ms=now_ms,
            session_key=session_key,
        )
        if subjects and self._guard is not None:
            self._guard.record(subjects, not_found)
            # Counted once per request: a batch run again (store/group_commit.py) prepares
            # it again.
            subjects.clear()
        return prepared, read


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
