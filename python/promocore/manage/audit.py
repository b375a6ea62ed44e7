"""The audit trail of admin changes: who made the call, and the entry each change records.

"Who" is the id of the API key the auth layer authenticated (`key:<id>`, never the secret).
When the server runs without auth, `actor_from_metadata` derives it from the `x-api-key`
header instead (a hash of the key, so no secret lands in the log), or "anonymous" without one.

The actor travels from the gRPC call to the Admin methods in a context variable, set by the gate
(server/gate.py) before each AdminService call — gRPC runs every RPC, streaming ones whole, in a
context of its own, so it needs no reset; changes made in-process without a server (the demo
loader, scripts using Admin directly) are recorded as "cli-local".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

import orjson
from google.protobuf.message import Message

from promocore.v1 import admin_pb2
from promocore.wire.plain import to_plain

API_KEY_HEADER = "x-api-key"
ADMIN_METHOD_PREFIX = "/" + admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name + "/"
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


def entry(action: str, target: str, before: Any, after: Any) -> admin_pb2.AuditEntry:
    """An audit entry by the current actor; `before`/`after` are messages, plain values or None
    (a creation has no before)."""
    return admin_pb2.AuditEntry(
        actor=current_actor(),
        action=action,
        target=target,
        before_json=_json(before),
        after_json=_json(after),
    )


def plain(value: Any) -> Any:
    """Messages as plain values (nested in dicts and lists too); anything else as it is."""
    if isinstance(value, Message):
        return to_plain(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _json(value: Any) -> str:
    if value is None:
        return ""
    return orjson.dumps(plain(value), option=orjson.OPT_SORT_KEYS).decode()
