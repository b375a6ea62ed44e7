"""Gift cards: issue (one or in bulk) with a balance and expiry, top up, read, and the card a
reward or referral credits. Balances live in the BalanceBook (counter + ledger); debits happen
at Redeem as a tender (docs/rules.md, "Tenders")."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from promocore import _engine
from promocore.clock import Clock
from promocore.errors import FailedPreconditionError, InvalidArgumentError
from promocore.programs.idempotent import once
from promocore.programs.loyalty.accounts import customer_card, new_card_code, set_customer_card
from promocore.programs.support_limits import check_support_change
from promocore.store import Store, Txn, audit_log
from promocore.store.catalog import require_code
from promocore.store.codegen import CodePattern
from promocore.store.counters import CounterKeys
from promocore.store.keys import normalize_code
from promocore.v1 import admin_pb2, campaign_pb2, loyalty_pb2

MAX_ISSUED = 1_000_000
# A hand-made ledger entry's reason, as people type it.
MAX_REASON_LENGTH = 200
MAX_RETURNED = 10_000
# Cards written per LMDB transaction (one sync each) when issuing in bulk.
ISSUE_CHUNK = 5_000
CARD_CODE_PREFIX = "GC-"
_AUDIT_ACTIONS = {"top_up": "TopUpGiftCard", "debit": "DebitGiftCard"}


class GiftCards:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def issue(self, request: admin_pb2.IssueGiftCardsRequest) -> admin_pb2.IssueGiftCardsResponse:
        if not request.campaign_id:
            raise InvalidArgumentError("campaign_id", "required")
        if not 1 <= request.count <= MAX_ISSUED:
            raise InvalidArgumentError("count", f"must be 1..{MAX_ISSUED}")
        if request.balance <= 0:
            raise InvalidArgumentError("balance", "must be > 0 (minor units)")
        if request.customer_id and request.count != 1:
            raise InvalidArgumentError("customer_id", "only with count 1")
        with self._store.read() as txn:
            campaign = self._gift_campaign(txn, request.campaign_id)
        pattern = (
            CodePattern.from_config(campaign.code_config, "campaign.code_config")
            if campaign.code_config.pattern
            else None
        )
        if pattern is not None:
            pattern.check_unguessable(request.count, "count")
        generate = pattern.generator() if pattern is not None else None
        response = admin_pb2.IssueGiftCardsResponse()
        issued = 0
        while issued < request.count:
            chunk = min(ISSUE_CHUNK, request.count - issued)

            def issue_chunk(txn: Txn, chunk: int = chunk) -> list[loyalty_pb2.GiftCard]:
                views = []
                for _ in range(chunk):
                    code = self._new_card(
                        txn,
                        campaign,
                        request.balance,
                        customer_id=request.customer_id,
                        generate=generate,
                        expire_at=request.expire_at if request.HasField("expire_at") else None,
                    )
                    if request.count <= MAX_RETURNED:
                        views.append(self._view(txn, code))
                return views

            # Each chunk commits on its own; one that lost a race (shared store) is run again
            # alone, so the chunks before it are never issued twice.
            response.gift_cards.extend(self._store.transact(issue_chunk))
            issued += chunk
        response.issued = issued
        return response

    def top_up(self, request: admin_pb2.TopUpGiftCardRequest) -> loyalty_pb2.GiftCard:
        if request.amount <= 0:
            raise InvalidArgumentError("amount", "must be > 0 (minor units)")
        reason = _reason(request.reason, required=False) or "top_up"
        return self._change(request, "top_up", request.amount, reason, loyalty_pb2.LEDGER_CREDIT)

    def debit(self, request: admin_pb2.DebitGiftCardRequest) -> loyalty_pb2.GiftCard:
        """Takes balance off by hand, with a reason; refused (insufficient_balance) beyond the
        balance, so a card never goes below zero."""
        if request.amount <= 0:
            raise InvalidArgumentError("amount", "must be > 0 (minor units)")
        reason = _reason(request.reason, required=True)
        return self._change(request, "debit", -request.amount, reason, loyalty_pb2.LEDGER_DEBIT)

    def _change(
        self,
        request: admin_pb2.TopUpGiftCardRequest | admin_pb2.DebitGiftCardRequest,
        operation: str,
        amount: int,
        reason: str,
        kind: loyalty_pb2.LedgerEntryKind,
    ) -> loyalty_pb2.GiftCard:
        """A hand-made credit (amount > 0) or debit (< 0) of a card that has not expired, once
        per idempotency key."""
        with self._store.write() as txn:
            code = self._card(txn, request.code)
            check_support_change(self._store, txn, "amount", amount, "minor units")

            def run() -> loyalty_pb2.GiftCard:
                now_ms = self._clock.now_ms()
                if code.HasField("expire_at") and now_ms >= code.expire_at.ToMilliseconds():
                    raise FailedPreconditionError(
                        f"gift card {code.code!r} has expired", reason="expired"
                    )
                before = self._view(txn, code)
                self._store.balances.credit_gift(
                    txn, normalize_code(code.code), amount, at_ms=now_ms, reason=reason, kind=kind
                )
                after = self._view(txn, code)
                # Who changed a balance by hand, and why, beside every admin change.
                entry = audit_log.entry(
                    _AUDIT_ACTIONS[operation],
                    f"giftcard/{code.code}",
                    {"balance": before.balance},
                    {"balance": after.balance, "amount": amount, "reason": reason},
                )
                entry.created_at.FromMilliseconds(now_ms)
                self._store.audit.append(txn, entry)
                return after

            return once(self._store, txn, operation, request, loyalty_pb2.GiftCard, run)

    def program(self, campaign_id: str) -> admin_pb2.GiftCardProgram:
        """The program's cards and the balance they hold, read from every card now (a walk of
        the campaign's cards: for a console and reports, not the checkout path)."""
        if not campaign_id:
            raise InvalidArgumentError("campaign_id", "required")
        with self._store.read() as txn:
            campaign = self._gift_campaign(txn, campaign_id)
            totals = admin_pb2.GiftCardProgram(campaign_id=campaign.id, currency=campaign.currency)
            for card in self._cards(txn, campaign, self._clock.now_ms()):
                totals.cards += 1
                if card.state == "expired":
                    totals.expired_balance += card.balance
                elif card.balance > 0:
                    totals.outstanding_balance += card.balance
                    totals.cards_with_balance += 1
        return totals

    def export(self, request: admin_pb2.ExportGiftCardsRequest) -> Iterator[bytes]:
        """The program's cards (those starting with `prefix`, of the filter's state) as CSV
        chunks, balances in the currency's units ("25.00"), read from one snapshot."""
        if not request.campaign_id:
            raise InvalidArgumentError("campaign_id", "required")
        if request.filter not in _FILTER_STATES:
            raise InvalidArgumentError("filter", "not a GiftCardFilter value")
        wanted = _FILTER_STATES[request.filter]
        with self._store.read() as txn:
            campaign = self._gift_campaign(txn, request.campaign_id)
            cards = self._cards(txn, campaign, self._clock.now_ms(), prefix=request.prefix)
            yield from _export_chunks(
                (card for card in cards if wanted is None or card.state in wanted),
                campaign.currency,
            )

    def _cards(
        self, txn: Txn, campaign: campaign_pb2.Campaign, now_ms: int, prefix: str = ""
    ) -> Iterator[CardState]:
        program_expiry_ms = (
            campaign.expire_at.ToMilliseconds() if campaign.HasField("expire_at") else None
        )
        for code in self._store.catalog.iter_campaign_codes(txn, campaign.id, code_prefix=prefix):
            if code.kind != campaign_pb2.CODE_KIND_GIFT_CARD:
                continue
            balance = self._store.balances.balance(
                txn, CounterKeys.gift_balance_key(normalize_code(code.code))
            )
            expiry_ms = (
                code.expire_at.ToMilliseconds() if code.HasField("expire_at") else program_expiry_ms
            )
            if expiry_ms is not None and now_ms >= expiry_ms:
                state = "expired"
            elif code.HasField("active") and not code.active:
                state = "disabled"
            else:
                state = "with balance" if balance > 0 else "empty"
            yield CardState(code, balance, expiry_ms, state)

    def get(self, code: str) -> loyalty_pb2.GiftCard:
        with self._store.read() as txn:
            return self._view(txn, self._card(txn, code))

    def card_for_customer(self, txn: Txn, campaign_id: str, customer_id: str) -> campaign_pb2.Code:
        """The customer's card in a gift campaign, issued empty when they have none."""
        campaign = self._gift_campaign(txn, campaign_id)
        normalized = customer_card(self._store, txn, customer_id, campaign_id)
        if normalized is not None:
            return require_code(self._store.catalog, txn, normalized.decode())
        return self._new_card(txn, campaign, 0, customer_id=customer_id)

    def view(self, txn: Txn, code: campaign_pb2.Code) -> loyalty_pb2.GiftCard:
        return self._view(txn, code)

    def _new_card(
        self,
        txn: Txn,
        campaign: campaign_pb2.Campaign,
        balance: int,
        *,
        customer_id: str = "",
        generate: Callable[[], str] | None = None,
        expire_at: Timestamp | None = None,
    ) -> campaign_pb2.Code:
        now_ms = self._clock.now_ms()
        code = campaign_pb2.Code(
            campaign_id=campaign.id,
            kind=campaign_pb2.CODE_KIND_GIFT_CARD,
            gift_balance=balance,
            assigned_customer_id=customer_id,
            active=True,
        )
        code.created_at.FromMilliseconds(now_ms)
        if expire_at is not None:
            code.expire_at.CopyFrom(expire_at)
        while True:
            code.code = (
                generate() if generate else new_card_code(self._store, txn, CARD_CODE_PREFIX)
            )
            if self._store.catalog.add_code(txn, code):
                break
        normalized = normalize_code(code.code)
        if balance:
            self._store.balances.credit_gift(
                txn, normalized, balance, at_ms=now_ms, reason="issued"
            )
        if customer_id:
            set_customer_card(self._store, txn, customer_id, campaign.id, normalized)
        return code

    def _gift_campaign(self, txn: Txn, campaign_id: str) -> campaign_pb2.Campaign:
        campaign = self._store.catalog.get_campaign(txn, campaign_id)
        if campaign.type != campaign_pb2.GIFT_VOUCHERS:
            raise FailedPreconditionError(
                f"campaign {campaign_id!r} is not a GIFT_VOUCHERS campaign",
                reason="not_a_gift_campaign",
            )
        return campaign

    def _card(self, txn: Txn, code: str) -> campaign_pb2.Code:
        if not code:
            raise InvalidArgumentError("code", "required")
        found = require_code(self._store.catalog, txn, code)
        if found.kind != campaign_pb2.CODE_KIND_GIFT_CARD:
            raise FailedPreconditionError(
                f"code {code!r} is not a gift card", reason="not_a_gift_card"
            )
        return found

    def _view(self, txn: Txn, code: campaign_pb2.Code) -> loyalty_pb2.GiftCard:
        campaign = self._store.catalog.get_campaign(txn, code.campaign_id)
        card = loyalty_pb2.GiftCard(
            code=code.code,
            campaign_id=code.campaign_id,
            balance=self._store.balances.balance(
                txn, CounterKeys.gift_balance_key(normalize_code(code.code))
            ),
            currency=campaign.currency,
            customer_id=code.assigned_customer_id,
        )
        if code.HasField("expire_at"):
            card.expire_at.CopyFrom(code.expire_at)
        elif campaign.HasField("expire_at"):
            card.expire_at.CopyFrom(campaign.expire_at)
        return card


@dataclass(frozen=True)
class CardState:
    """A card as the program's walk sees it now: "with balance", "empty", "expired" (past its
    expiry, whatever it holds) or "disabled" (by hand)."""

    code: campaign_pb2.Code
    balance: int
    expiry_ms: int | None
    state: str


_FILTER_STATES: dict[int, frozenset[str] | None] = {
    admin_pb2.GIFT_CARDS_ALL: None,
    admin_pb2.GIFT_CARDS_WITH_BALANCE: frozenset({"with balance"}),
    admin_pb2.GIFT_CARDS_EMPTY: frozenset({"empty"}),
    admin_pb2.GIFT_CARDS_EXPIRED: frozenset({"expired"}),
    admin_pb2.GIFT_CARDS_DISABLED: frozenset({"disabled"}),
}
EXPORT_COLUMNS = ("code", "currency", "balance", "state", "expires_at", "customer_id", "issued_at")
EXPORT_ROWS_PER_CHUNK = 1_000


def _utc(ms: int | None) -> str:
    if ms is None or ms == 0:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _export_chunks(cards: Iterable[CardState], currency: str) -> Iterator[bytes]:
    """CSV bytes in chunks of EXPORT_ROWS_PER_CHUNK rows, the header first; the balance as the
    currency writes it ("25.00" EUR, "2500" JPY), never minor units."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for rows, card in enumerate(cards, start=1):
        amount = _engine.format_money(card.balance, currency).rsplit(" ", 1)[0]
        issued_ms = card.code.created_at.ToMilliseconds() if card.code.HasField("created_at") else 0
        writer.writerow(
            (
                card.code.code,
                currency,
                amount,
                card.state,
                _utc(card.expiry_ms),
                card.code.assigned_customer_id,
                _utc(issued_ms),
            )
        )
        if rows % EXPORT_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _reason(text: str, *, required: bool) -> str:
    reason = text.strip()
    if required and not reason:
        raise InvalidArgumentError("reason", "required: say why, it is kept in the card's ledger")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidArgumentError("reason", f"at most {MAX_REASON_LENGTH} characters")
    return reason
