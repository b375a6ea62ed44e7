"""What a support key may change by hand in one call: points (AdjustPoints) and gift card
balances (TopUpGiftCard, DebitGiftCard), up to the limits an admin sets (SupportLimits, kept in
the store's settings; 0 = nothing, the default). Admin keys are not limited."""

from __future__ import annotations

from promocore.call_context.principal import current_principal
from promocore.errors import PermissionDeniedError
from promocore.store import Store, Txn
from promocore.v1 import admin_pb2


def check_support_change(store: Store, txn: Txn, field: str, amount: int, unit: str) -> None:
    """Refuses (PERMISSION_DENIED, reason over_support_limit, the field named) a support key's
    change of `amount` beyond its limit; anyone else passes."""
    principal = current_principal()
    if principal is None or principal.role != admin_pb2.ROLE_SUPPORT:
        return
    limits = store.catalog.support_limits(txn)
    most = limits.max_points_adjustment if unit == "points" else limits.max_gift_card_change
    if abs(amount) > most:
        allowed = f"at most {most} {unit}" if most else f"no {unit}"
        raise PermissionDeniedError(
            f"{field}: a support key may change {allowed} by hand in one call (the support "
            "limits an admin sets); ask an admin",
            reason="over_support_limit",
        )
