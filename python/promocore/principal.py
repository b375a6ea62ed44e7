"""Who the running RPC was authenticated as: set by the auth interceptor, read by whoever needs
the caller (anti-enumeration, the audit log) without depending on the auth layer itself."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: the public id of their key and its role."""

    key_id: str
    role: int


# The principal of the RPC running on this thread (set by the interceptor before the handler).
current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "promocore_principal", default=None
)


def current_principal() -> Principal | None:
    return current.get()
