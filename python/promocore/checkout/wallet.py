"""The customer's side of Qualify: what the store holds for one customer — the stored profile
(so campaign rules read segments, aggregates and loyalty standing), the codes assigned to them
(publications, evaluated by the engine's Qualify like any candidate), and the cards they
hold (gift cards and loyalty cards, each evaluated on the cart by the checkout engine as a
single redeemable), with the loyalty rewards they can afford now."""

from __future__ import annotations

from dataclasses import dataclass, field

from promocore import _engine
from promocore.cdp.customer_data import CustomerData
from promocore.cdp.customers import profile_of
from promocore.checkout.flows import Preparer, engine_call
from promocore.programs.loyalty.accounts import customer_campaigns, customer_card
from promocore.programs.loyalty.rewards import stock_key
from promocore.store.keys import decode_counter
from promocore.store.txn import Txn
from promocore.v1 import campaign_pb2, checkout_pb2, common_pb2, loyalty_pb2

# What read_counters answers for a prepared checkout: counter values, whether holds are in
# each, spendable points.
CountersRead = tuple[list[int], list[bool], list[int]]

CARD_SOURCES = {
    campaign_pb2.CODE_KIND_GIFT_CARD: checkout_pb2.WALLET_GIFT_CARD,
    campaign_pb2.CODE_KIND_LOYALTY_CARD: checkout_pb2.WALLET_LOYALTY_CARD,
}


@dataclass
class HeldCards:
    """The customer's records for Qualify, read inside its read transaction: the profile and
    the assigned codes (for the engine), the cards (evaluated after it)."""

    # The serialized CustomerProfile (loyalty standing included); None: nothing stored.
    profile: bytes | None = None
    # The serialized Code records assigned to the customer.
    assigned_codes: list[bytes] = field(default_factory=list)

    # (source, the card as the only redeemable of a checkout prepared on the cart, the counters
    # read for it)
    evaluations: list[tuple[int, _engine.PreparedCheckout, CountersRead]] = field(
        default_factory=list
    )
    extras: checkout_pb2.QualifyResponse = field(default_factory=checkout_pb2.QualifyResponse)


class Wallet:
    def __init__(self, data: CustomerData, preparer: Preparer) -> None:
        """`preparer` prepares one card's checkout at a time; the wallet hands it the customer
        profile itself (read once per Qualify)."""
        self._data = data
        self._store = data.store
        self._preparer = preparer

    def fill(self, txn: Txn, request: checkout_pb2.QualifyRequest, now_ms: int) -> HeldCards:
        """The customer's profile and assigned codes for the engine, and the cards to evaluate
        after it."""
        customer_id = request.customer.id
        held = HeldCards()
        cards = self._cards(txn, customer_id)
        stored = self._data.customers.find(txn, customer_id)
        profile = None if stored is None else profile_of(stored, now_ms)
        for code, normalized in cards:
            if code.kind == campaign_pb2.CODE_KIND_LOYALTY_CARD:
                card = self._data.programs.accounts.card(txn, normalized, now_ms)
                held.extras.loyalty_cards.append(card)
                held.extras.rewards.extend(self.affordable(txn, card))
                if profile is not None:
                    profile.loyalty[code.campaign_id].CopyFrom(card)
            else:
                held.extras.gift_cards.append(self._data.programs.gift_cards.view(txn, code))
        held.assigned_codes = [
            code.SerializeToString() for code in self._data.distributions.wallet(txn, customer_id)
        ]
        # Every card is evaluated with the profile built above (loyalty standing included).
        held.profile = None if profile is None else profile.SerializeToString()
        for code, _ in cards:
            validate = checkout_pb2.ValidateRequest(
                order=request.order,
                customer=request.customer,
                redeemables=[checkout_pb2.Redeemable(code=code.code)],
            )
            prepared, read, _ = self._preparer.prepare(
                txn,
                validate.SerializeToString(),
                validate.redeemables,
                customer_id=customer_id,
                now_ms=now_ms,
                profile=held.profile,
                look_up_profile=False,
            )
            held.evaluations.append((CARD_SOURCES[code.kind], prepared, read))
        return held

    def _cards(self, txn: Txn, customer_id: str) -> list[tuple[campaign_pb2.Code, bytes]]:
        """The customer's gift and loyalty cards with their normalized codes."""
        cards = []
        for campaign_id in customer_campaigns(self._store, txn, customer_id):
            normalized = customer_card(self._store, txn, customer_id, campaign_id)
            if not normalized:
                continue
            raw = self._store.catalog.code_bytes(txn, normalized)
            if raw is None:
                continue
            code = campaign_pb2.Code.FromString(raw)
            if code.kind in CARD_SOURCES:
                cards.append((code, normalized))
        return cards

    def affordable(
        self, txn: Txn, card: loyalty_pb2.LoyaltyCard
    ) -> list[checkout_pb2.AffordableReward]:
        """The card's program rewards its points buy now (its tier allows, still in stock);
        also the customer cockpit's (promocore.manage.cockpit)."""
        program = self._data.programs.accounts.program(txn, card.campaign_id)
        affordable = []
        for reward in program.loyalty.rewards:
            if reward.points_cost > card.points:
                continue
            if reward.tier_ids and card.tier_id not in reward.tier_ids:
                continue
            if reward.HasField("stock"):
                raw = txn.get(stock_key(program.id, reward.id), db=self._store.tables.settings)
                if decode_counter(raw) >= reward.stock:
                    continue
            affordable.append(checkout_pb2.AffordableReward(campaign_id=program.id, reward=reward))
        return affordable

    @staticmethod
    def card_entries(held: HeldCards) -> bytes:
        """The cards as wallet entries (applicable ones, with what they would pay on this
        cart), plus the card lists, as QualifyResponse bytes to append to the engine's answer
        (protobuf concatenation merges repeated fields)."""
        extras = held.extras
        # Gift cards (they pay money) before loyalty cards; by campaign within each.
        for source, prepared, read in sorted(held.evaluations, key=lambda e: e[0]):
            answer = checkout_pb2.ValidateResponse.FromString(engine_call(prepared.evaluate, *read))
            result = answer.redeemables[0]
            if result.status == common_pb2.APPLICABLE:
                extras.entries.add(source=source, result=result)
        return extras.SerializeToString()
