"""Loyalty cards: one per customer and program, a code of kind LOYALTY_CARD assigned to the
customer, with an account record (lifetime figures, per-period points) beside its buckets."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from promocore.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from promocore.programs.loyalty.program import current_tier, tier_basis_value
from promocore.store import Store, Txn
from promocore.store.catalog import require_code
from promocore.store.counters import CounterKeys
from promocore.store.keys import normalize_code
from promocore.v1 import campaign_pb2, loyalty_pb2
from promocore.v1.internal import store_pb2

# Points whose bucket expires within this horizon are reported as expiring.
EXPIRING_HORIZON_MS = 30 * 86_400_000
CARD_CODE_PREFIX = "LOY-"


def customer_card_key(customer_id: str, campaign_id: str) -> bytes:
    return customer_id.encode() + b"\0" + campaign_id.encode()


def customer_card(store: Store, txn: Txn, customer_id: str, campaign_id: str) -> bytes | None:
    """The normalized code of the customer's card (loyalty, gift or referral) in a campaign."""
    raw = txn.get(customer_card_key(customer_id, campaign_id), db=store.tables.customer_cards)
    return None if raw is None else bytes(raw)


def set_customer_card(
    store: Store, txn: Txn, customer_id: str, campaign_id: str, code: bytes
) -> None:
    txn.put(customer_card_key(customer_id, campaign_id), code, db=store.tables.customer_cards)


def customer_campaigns_start(customer_id: str) -> bytes:
    """Where customer_campaigns places its cursor (set_range)."""
    return customer_id.encode() + b"\0"


def customer_campaigns(store: Store, txn: Txn, customer_id: str) -> list[str]:
    """Ids of the campaigns in which the customer holds a card."""
    prefix = customer_campaigns_start(customer_id)
    cursor = txn.cursor(db=store.tables.customer_cards)
    found = cursor.set_range(prefix)
    campaigns = []
    while found and bytes(cursor.key()).startswith(prefix):
        campaigns.append(bytes(cursor.key())[len(prefix) :].decode())
        found = cursor.next()
    return campaigns


def new_card_code(store: Store, txn: Txn, prefix: str) -> str:
    """A fresh random code (80 bits: unguessable) that no other code uses."""
    while True:
        code = f"{prefix}{secrets.token_hex(5).upper()}"
        if store.catalog.code_bytes(txn, normalize_code(code)) is None:
            return code


class LoyaltyAccounts:
    def __init__(self, store: Store) -> None:
        self._store = store
        # Told of every account write with the previous record's bytes (None for a new one),
        # inside its transaction: tier-change integration events.
        self.listeners: list[Callable[[Txn, bytes | None, store_pb2.LoyaltyAccount], None]] = []

    def program(self, txn: Txn, campaign_id: str) -> campaign_pb2.Campaign:
        campaign = self._store.catalog.get_campaign(txn, campaign_id)
        if campaign.type != campaign_pb2.LOYALTY_PROGRAM:
            raise FailedPreconditionError(
                f"campaign {campaign_id!r} is not a LOYALTY_PROGRAM", reason="not_a_loyalty_program"
            )
        return campaign

    def enroll(self, txn: Txn, campaign_id: str, customer_id: str, now_ms: int) -> bytes:
        """The customer's card in the program, created on first enrolment."""
        if not campaign_id:
            raise InvalidArgumentError("campaign_id", "required")
        if not customer_id:
            raise InvalidArgumentError("customer_id", "required")
        self.program(txn, campaign_id)
        existing = customer_card(self._store, txn, customer_id, campaign_id)
        if existing is not None:
            return existing
        code = campaign_pb2.Code(
            code=new_card_code(self._store, txn, CARD_CODE_PREFIX),
            campaign_id=campaign_id,
            kind=campaign_pb2.CODE_KIND_LOYALTY_CARD,
            assigned_customer_id=customer_id,
            active=True,
        )
        code.created_at.FromMilliseconds(now_ms)
        self._store.catalog.add_code(txn, code)
        normalized = normalize_code(code.code)
        set_customer_card(self._store, txn, customer_id, campaign_id, normalized)
        self.put(
            txn,
            normalized,
            store_pb2.LoyaltyAccount(
                code=code.code, campaign_id=campaign_id, customer_id=customer_id
            ),
        )
        return normalized

    def get(self, txn: Txn, normalized: bytes) -> store_pb2.LoyaltyAccount:
        raw = txn.get(normalized, db=self._store.tables.loyalty_accounts)
        if raw is None:
            # A loyalty card created as a plain code (CreateCode): an account without history.
            code = self._store.catalog.code_bytes(txn, normalized)
            if code is None:
                raise NotFoundError(f"loyalty card {normalized.decode()!r} does not exist")
            parsed = campaign_pb2.Code.FromString(code)
            return store_pb2.LoyaltyAccount(
                code=parsed.code,
                campaign_id=parsed.campaign_id,
                customer_id=parsed.assigned_customer_id,
            )
        return store_pb2.LoyaltyAccount.FromString(raw)

    def put(self, txn: Txn, normalized: bytes, account: store_pb2.LoyaltyAccount) -> None:
        db = self._store.tables.loyalty_accounts
        before = txn.get(normalized, db=db) if self.listeners else None
        txn.put(normalized, account.SerializeToString(), db=db)
        for listener in self.listeners:
            listener(txn, before, account)

    def resolve(
        self, txn: Txn, *, code: str = "", campaign_id: str = "", customer_id: str = ""
    ) -> bytes:
        """The card named by its code, or by program and customer."""
        if code:
            found = require_code(self._store.catalog, txn, code)
            if found.kind != campaign_pb2.CODE_KIND_LOYALTY_CARD:
                raise FailedPreconditionError(
                    f"code {code!r} is not a loyalty card", reason="not_a_loyalty_card"
                )
            return normalize_code(found.code)
        if not campaign_id:
            raise InvalidArgumentError("code", "required (or campaign_id and customer_id)")
        if not customer_id:
            raise InvalidArgumentError("customer_id", "required with campaign_id")
        normalized = customer_card(self._store, txn, customer_id, campaign_id)
        if normalized is None:
            raise NotFoundError(
                f"customer {customer_id!r} has no card in loyalty program {campaign_id!r}"
            )
        return normalized

    def card(self, txn: Txn, normalized: bytes, now_ms: int) -> loyalty_pb2.LoyaltyCard:
        """The card as the customer sees it at `now_ms`."""
        account = self.get(txn, normalized)
        campaign = self.program(txn, account.campaign_id)
        summary = self._store.balances.buckets.summary(
            txn, normalized, now_ms, horizon_ms=EXPIRING_HORIZON_MS
        )
        tier = current_tier(campaign, account, now_ms)
        return loyalty_pb2.LoyaltyCard(
            code=account.code,
            campaign_id=account.campaign_id,
            customer_id=account.customer_id,
            points=summary.spendable,
            pending_points=summary.pending,
            expiring_points=summary.expiring,
            tier_id=tier.id if tier is not None else "",
            lifetime_points=account.lifetime_points,
            lifetime_spend=account.lifetime_spend,
            period_points=tier_basis_value(campaign, account, now_ms)
            if campaign.loyalty.tier_basis != loyalty_pb2.LIFETIME_SPEND
            else 0,
            balance=self._store.balances.balance(txn, CounterKeys.points_balance_key(normalized)),
        )
