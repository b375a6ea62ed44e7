"""Qualify: everything the customer can use on this cart now, best deal first.

The engine's CampaignIndex (rebuilt per catalog generation) does the work in one call; Python
only adds what the store knows: the counters of campaigns with limits (so a used-up offer is not
proposed) and the public codes through which coupon campaigns are offered.
"""

from __future__ import annotations

from promocore import _engine
from promocore.checkout.compiled import CompiledCampaigns
from promocore.checkout.flows import parse_request
from promocore.checkout.preview import Preview
from promocore.checkout.wallet import Wallet
from promocore.clock import Clock
from promocore.errors import InvalidArgumentError
from promocore.store import Store
from promocore.store.counters import CounterKeys, CounterView
from promocore.store.keys import normalize_code
from promocore.v1 import checkout_pb2
from promocore.v1.internal import evaluation_pb2


class Qualifier:
    def __init__(
        self,
        store: Store,
        campaigns: CompiledCampaigns,
        clock: Clock,
        wallet: Wallet | None = None,
        preview: Preview | None = None,
    ) -> None:
        self._store = store
        self._campaigns = campaigns
        self._clock = clock
        # The customer's profile, assigned codes and cards (None: public offers only).
        self._wallet = wallet
        # Who may ask for the wallet at another time (`evaluate_at`).
        self._preview = preview or Preview()

    def qualify(self, request: bytes) -> bytes:
        """QualifyRequest bytes in, QualifyResponse bytes out; changes nothing. With
        `evaluate_at` (a preview), the wallet as it would be at that time."""
        parsed = parse_request(checkout_pb2.QualifyRequest, request)
        if parsed.HasField("evaluate_at"):
            now_ms = self._preview.time_ms(parsed.evaluate_at)
        else:
            now_ms = self._clock.now_ms()
        context = evaluation_pb2.QualifyContext(now_unix_ms=now_ms)
        with self._store.read() as txn:
            snapshot = self._campaigns.snapshot(txn)
            for campaign_id, code in snapshot.public_codes.items():
                context.public_codes[campaign_id].CopyFrom(code)
            view = CounterView(txn, self._store.tables, self._store.reservations, now_ms=now_ms)
            for entry in snapshot.counted_in_qualify:
                public_code = snapshot.public_codes.get(entry.campaign.id)
                keys = CounterKeys.build(
                    campaign_id=entry.campaign.id,
                    time_zone=entry.campaign.time_zone,
                    normalized_code=normalize_code(public_code.code) if public_code else None,
                    customer_id=parsed.customer.id,
                    now_ms=now_ms,
                )
                counters, _ = keys.read(view)
                context.counters[entry.campaign.id].CopyFrom(counters)
            index = snapshot.qualify_index
            held = None
            if self._wallet is not None and parsed.customer.id:
                held = self._wallet.fill(txn, parsed, context, view, self._campaigns)
        try:
            answer = index.qualify(request, context.SerializeToString())
        except _engine.InvalidRequestError as error:
            raise InvalidArgumentError(error.field, error.reason) from None
        # The engine validated the order: the cards are evaluated on a valid cart.
        return answer if held is None else answer + Wallet.card_entries(held)
