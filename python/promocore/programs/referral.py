"""Referral programs: each referrer owns a code; a referee's redemption of it (or a configured
custom event naming it) is a conversion, rewarding the referrer with points and/or gift credit,
at most once per referee and at most `max_rewards_per_referrer` times.

The referee's discount is the campaign's effect, applied by the engine like any coupon; the
engine refuses a referrer's own code (`self_referral`). Give the campaign `limits.per_customer:
1` so a referee gets the discount once.
"""

from __future__ import annotations

import orjson

from promocore.clock import Clock
from promocore.errors import FailedPreconditionError, InvalidArgumentError
from promocore.programs.giftcards import GiftCards
from promocore.programs.loyalty.accounts import (
    customer_card,
    new_card_code,
    set_customer_card,
)
from promocore.programs.loyalty.earning import Earning
from promocore.store import Store, Txn
from promocore.store.catalog import require_code
from promocore.store.keys import normalize_code
from promocore.store.redemptions import Redeemed
from promocore.v1 import admin_pb2, campaign_pb2, loyalty_pb2
from promocore.v1.internal import store_pb2
from promocore.wire.request_fields import page_size

CARD_CODE_PREFIX = "REF-"


class Referrals:
    def __init__(self, store: Store, clock: Clock, earning: Earning, gift_cards: GiftCards) -> None:
        self._store = store
        self._clock = clock
        self._earning = earning
        self._accounts = earning.accounts
        self._gift_cards = gift_cards

    def create_code(self, campaign_id: str, customer_id: str) -> campaign_pb2.Code:
        """The referrer's code in the program, created on first request."""
        if not campaign_id:
            raise InvalidArgumentError("campaign_id", "required")
        if not customer_id:
            raise InvalidArgumentError("customer_id", "required")
        with self._store.write() as txn:
            campaign = self._store.catalog.get_campaign(txn, campaign_id)
            if campaign.type != campaign_pb2.REFERRAL_PROGRAM:
                raise FailedPreconditionError(
                    f"campaign {campaign_id!r} is not a REFERRAL_PROGRAM",
                    reason="not_a_referral_program",
                )
            existing = customer_card(self._store, txn, customer_id, campaign_id)
            if existing is not None:
                return require_code(self._store.catalog, txn, existing.decode())
            code = campaign_pb2.Code(
                code=new_card_code(self._store, txn, CARD_CODE_PREFIX),
                campaign_id=campaign_id,
                kind=campaign_pb2.CODE_KIND_REFERRAL,
                referrer_customer_id=customer_id,
                active=True,
            )
            code.created_at.FromMilliseconds(self._clock.now_ms())
            self._store.catalog.add_code(txn, code)
            normalized = normalize_code(code.code)
            set_customer_card(self._store, txn, customer_id, campaign_id, normalized)
            self._put_stats(
                txn,
                normalized,
                admin_pb2.ReferralStats(code=code.code, referrer_customer_id=customer_id),
            )
            return code

    def stats(self, code: str) -> admin_pb2.ReferralStats:
        if not code:
            raise InvalidArgumentError("code", "required")
        with self._store.read() as txn:
            found = require_code(self._store.catalog, txn, code)
            if found.kind != campaign_pb2.CODE_KIND_REFERRAL:
                raise FailedPreconditionError(
                    f"code {code!r} is not a referral code", reason="not_a_referral_code"
                )
            return self._stats(txn, normalize_code(found.code))

    # Conversions -----------------------------------------------------------------------------

    def on_redeemed(self, txn: Txn, redeemed: Redeemed) -> None:
        if not redeemed.referral_codes:
            return
        now_ms = redeemed.created_at_ms
        for referral_code in redeemed.referral_codes:
            code = self._store.catalog.get_code(txn, referral_code)
            if code is not None and code.kind == campaign_pb2.CODE_KIND_REFERRAL:
                self.convert(
                    txn,
                    code,
                    redeemed.customer_id,
                    now_ms,
                    converted_by=f"redemption {redeemed.redemption.id}",
                )

    def on_rolled_back(
        self,
        txn: Txn,
        stored: store_pb2.StoredRedemption,
        rollback: store_pb2.Rollback,
    ) -> None:
        """A conversion's reward stays with the referrer (see docs/loyalty.md)."""

    def on_custom_event(
        self,
        txn: Txn,
        customer_id: str,
        event_name: str,
        properties: dict[str, object],
        now_ms: int,
    ) -> int:
        """A custom event naming a referral code (property "referral_code"): the program's
        `conversion_event` converts the friend; any other (a sign-up) records the friend as
        signed up until they convert. Returns the conversions it made (0 or 1)."""
        raw_code = properties.get("referral_code") if isinstance(properties, dict) else None
        if not isinstance(raw_code, str) or not raw_code:
            return 0
        code = self._store.catalog.get_code(txn, raw_code)
        if code is None or code.kind != campaign_pb2.CODE_KIND_REFERRAL:
            return 0
        campaign = self._store.catalog.get_campaign(txn, code.campaign_id)
        if (
            not campaign.referral.conversion_event
            or campaign.referral.conversion_event != event_name
        ):
            self._signed_up(txn, code, customer_id, now_ms, event_name)
            return 0
        return int(self.convert(txn, code, customer_id, now_ms, converted_by=f"event {event_name}"))

    def convert(
        self,
        txn: Txn,
        code: campaign_pb2.Code,
        referee_id: str,
        now_ms: int,
        *,
        converted_by: str,
    ) -> bool:
        """Counts the referee's conversion once and rewards the referrer within the cap; the
        referee's record (status, time, reward) is kept under the code for ListReferees."""
        if not referee_id or referee_id == code.referrer_customer_id:
            return False
        normalized = normalize_code(code.code)
        referee_key = normalized + b"\0" + referee_id.encode()
        known = txn.get(referee_key, db=self._store.tables.referrals)
        if known is not None and _referee(referee_id, known).status != admin_pb2.REFEREE_SIGNED_UP:
            return False
        stats = self._stats(txn, normalized)
        stats.conversions += 1
        program = self._store.catalog.get_campaign(txn, code.campaign_id).referral
        capped = (
            program.HasField("max_rewards_per_referrer")
            and stats.rewarded_conversions >= program.max_rewards_per_referrer
        )
        referee = admin_pb2.Referee(
            customer_id=referee_id,
            status=admin_pb2.REFEREE_CONVERTED_OVER_CAP if capped else admin_pb2.REFEREE_REWARDED,
            converted_by=converted_by,
        )
        referee.converted_at.FromMilliseconds(now_ms)
        if not capped:
            stats.rewarded_conversions += 1
            referee.points_given = self._reward_points(txn, program, code, now_ms)
            referee.gift_credit_given = self._reward_gift(txn, program, code, now_ms)
            stats.points_earned += referee.points_given
            stats.gift_credit_earned += referee.gift_credit_given
        txn.put(referee_key, referee.SerializeToString(), db=self._store.tables.referrals)
        self._put_stats(txn, normalized, stats)
        return True

    def _signed_up(
        self, txn: Txn, code: campaign_pb2.Code, referee_id: str, now_ms: int, event_name: str
    ) -> None:
        """The friend's first sign of life with the code, before converting (kept once)."""
        if not referee_id or referee_id == code.referrer_customer_id:
            return
        referee_key = normalize_code(code.code) + b"\0" + referee_id.encode()
        if txn.get(referee_key, db=self._store.tables.referrals) is not None:
            return
        referee = admin_pb2.Referee(
            customer_id=referee_id,
            status=admin_pb2.REFEREE_SIGNED_UP,
            converted_by=f"event {event_name}",
        )
        referee.converted_at.FromMilliseconds(now_ms)
        txn.put(referee_key, referee.SerializeToString(), db=self._store.tables.referrals)

    def referees(self, request: admin_pb2.ListRefereesRequest) -> admin_pb2.ListRefereesResponse:
        """A referrer code's referees in the order they converted (records made before
        per-referee records were kept have no time: they come first, by customer id)."""
        if not request.code:
            raise InvalidArgumentError("code", "required")
        limit = page_size(request.page)
        with self._store.read() as txn:
            found = require_code(self._store.catalog, txn, request.code)
            if found.kind != campaign_pb2.CODE_KIND_REFERRAL:
                raise FailedPreconditionError(
                    f"code {request.code!r} is not a referral code", reason="not_a_referral_code"
                )
            prefix = normalize_code(found.code) + b"\0"
            cursor = txn.cursor(db=self._store.tables.referrals)
            referees = []
            if cursor.set_range(prefix):
                for key, value in cursor:
                    if not key.startswith(prefix):
                        break
                    referees.append(_referee(key[len(prefix) :].decode(), value))
        # A referrer's friends are few (the cap bounds the rewarded ones): sorted in memory.
        referees.sort(key=lambda r: (r.converted_at.ToMilliseconds(), r.customer_id))
        start = _after_token(referees, request.page.page_token)
        response = admin_pb2.ListRefereesResponse(referees=referees[start : start + limit])
        if start + limit < len(referees):
            response.next_page_token = str(start + limit)
        return response

    def _reward_points(
        self, txn: Txn, program: loyalty_pb2.ReferralProgram, code: campaign_pb2.Code, now_ms: int
    ) -> int:
        if program.referrer_points <= 0 or not program.referrer_loyalty_campaign_id:
            return 0
        card = self._accounts.enroll(
            txn, program.referrer_loyalty_campaign_id, code.referrer_customer_id, now_ms
        )
        loyalty = self._accounts.program(txn, program.referrer_loyalty_campaign_id)
        account = self._accounts.get(txn, card)
        self._earning.grant(
            txn,
            loyalty,
            card,
            account,
            program.referrer_points,
            now_ms,
            source=f"referral {code.code}",
        )
        self._accounts.put(txn, card, account)
        points: int = program.referrer_points
        return points

    def _reward_gift(
        self, txn: Txn, program: loyalty_pb2.ReferralProgram, code: campaign_pb2.Code, now_ms: int
    ) -> int:
        if program.referrer_gift_credit <= 0 or not program.referrer_gift_campaign_id:
            return 0
        card = self._gift_cards.card_for_customer(
            txn, program.referrer_gift_campaign_id, code.referrer_customer_id
        )
        self._store.balances.credit_gift(
            txn,
            normalize_code(card.code),
            program.referrer_gift_credit,
            at_ms=now_ms,
            reason=f"referral {code.code}",
        )
        credit: int = program.referrer_gift_credit
        return credit

    def _stats(self, txn: Txn, normalized: bytes) -> admin_pb2.ReferralStats:
        raw = txn.get(normalized, db=self._store.tables.referrals)
        return admin_pb2.ReferralStats() if raw is None else admin_pb2.ReferralStats.FromString(raw)

    def _put_stats(self, txn: Txn, normalized: bytes, stats: admin_pb2.ReferralStats) -> None:
        txn.put(normalized, stats.SerializeToString(), db=self._store.tables.referrals)


def _referee(customer_id: str, value: bytes) -> admin_pb2.Referee:
    if not value:  # kept before per-referee records: converted, nothing more known
        return admin_pb2.Referee(customer_id=customer_id, status=admin_pb2.REFEREE_CONVERTED)
    return admin_pb2.Referee.FromString(value)


def _after_token(referees: list[admin_pb2.Referee], token: str) -> int:
    if not token:
        return 0
    if not token.isdigit() or int(token) > len(referees):
        raise InvalidArgumentError("page.page_token", "not a token this list gave")
    return int(token)


def event_properties(properties_json: str) -> dict[str, object]:
    if not properties_json:
        return {}
    try:
        value = orjson.loads(properties_json)
    except orjson.JSONDecodeError as error:
        raise InvalidArgumentError("properties_json", f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise InvalidArgumentError("properties_json", "must be a JSON object")
    return value
