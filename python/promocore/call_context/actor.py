"""Who is the author of the admin changes an RPC makes: the audit log's actor.

"Who" is the id of the API key the gate authenticated (`key:<id>`, never the secret). When the
server runs without auth, `actor_from_metadata` derives it from the `x-api-key` header instead
(a hash of the key, so no secret lands in the log), or "anonymous" without one.

The actor travels from the gRPC call to the changes in a context variable, set by the gate
(server/gate.py) before each AdminService call — gRPC runs every RPC, streaming ones whole, in a
context of its own, so it needs no reset; changes made in-process without a server (the demo
loader, scripts using Admin directly) are recorded as "cli-local".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

API_KEY_HEADER = "x-api-key"
LOCAL_ACTOR = "cli-local"
ANONYMOUS = "anonymous"

_actor: ContextVar[str] = ContextVar("promocore_actor", default=LOCAL_ACTOR)


def actor_from_metadata(metadata: Sequence[tuple[str, Any]] | None) -> str:
    """Who is calling, from the call's metadata (see the module docstring)."""
    for key, value in metadata or ():
        if key == API_KEY_HEADER and value:
            api_key = value if isinstance(value, str) else value.decode()
            if "." in api_key:
                return api_key.split(".", 1)[0]
            return "key-" + hashlib.sha256(api_key.encode()).hexdigest()[:12]
    return ANONYMOUS


def current_actor() -> str:
    return _actor.get()


def set_actor(actor: str) -> None:
    """Makes `actor` the author of the changes made from here on in this context."""
    _actor.set(actor)
