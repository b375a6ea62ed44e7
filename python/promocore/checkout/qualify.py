"""Qualify: everything the customer can use on this cart now, best deal first.

The engine does the work through the catalog's CheckoutPlan, as for a Validate: the request
bytes and the store's records (the customer's profile, the codes assigned to them) go in, the
plan names the usage counters its candidates need (so a used-up offer is not proposed), Python
reads them, and the engine answers. The customer's cards are evaluated after it (wallet.py).
"""

from __future__ import annotations

from promocore.checkout.compiled import CompiledCampaigns
from promocore.checkout.flows import engine_call, parse_request
from promocore.checkout.preview import Preview
from promocore.checkout.wallet import Wallet
from promocore.clock import Clock
from promocore.store import Store
from promocore.store.counters import CounterView, read_counters
from promocore.v1 import checkout_pb2


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
        with self._store.read() as txn:
            plan = self._campaigns.snapshot(txn).checkout_plan
            held = None
            profile: bytes | None = None
            assigned: list[bytes] = []
            if self._wallet is not None and parsed.customer.id:
                held = self._wallet.fill(txn, parsed, now_ms)
                profile, assigned = held.profile, held.assigned_codes
            prepared = engine_call(plan.prepare_qualify, request, now_ms, profile, assigned)
            values: list[int] = []
            keys = prepared.counter_keys
            if keys:
                view = CounterView(txn, self._store.tables, self._store.reservations, now_ms=now_ms)
                values = read_counters(view, keys, [])[0]
        answer = engine_call(prepared.qualify, values)
        # The engine validated the order: the cards are evaluated on a valid cart.
        return answer if held is None else answer + Wallet.card_entries(held)
