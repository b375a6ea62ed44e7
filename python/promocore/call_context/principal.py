"""Who the running RPC was authenticated as: set by the gate (server/gate.py), read by whoever
needs the caller (the audit log) without depending on the auth layer itself."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: the public id of their key and its role."""

    key_id: str
    role: int


# The principal of the running RPC, set by the gate before the handler. gRPC runs each RPC in a
# context of its own (a copy made when the call arrives), so it needs no reset afterwards.
current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "promocore_principal", default=None
)


def current_principal() -> Principal | None:
    return current.get()
