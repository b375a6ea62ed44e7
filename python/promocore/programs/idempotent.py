"""Exactly-once admin balance operations (top-up, points adjustment, reward purchase): the first
answer for an idempotency key is stored with a hash of the request and returned on retry."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Protocol, TypeVar

from google.protobuf.message import Message

from promocore.errors import AlreadyExistsError, InvalidArgumentError
from promocore.store import Store, Txn
from promocore.v1.internal import store_pb2

M = TypeVar("M", bound=Message)


class IdempotentRequest(Protocol):
    """A request that names its idempotency key."""

    @property
    def idempotency_key(self) -> str: ...
    def SerializeToString(self, *, deterministic: bool = ...) -> bytes: ...


MAX_KEY_LENGTH = 128


def once(
    store: Store,
    txn: Txn,
    operation: str,
    request: IdempotentRequest,
    response_type: type[M],
    run: Callable[[], M],
) -> M:
    """`run()` the first time `request.idempotency_key` is seen for `operation`; afterwards the
    first answer, or ALREADY_EXISTS when the key comes back with a different request."""
    key = request.idempotency_key
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidArgumentError("idempotency_key", f"required, 1..{MAX_KEY_LENGTH} characters")
    record_key = f"{operation}/{key}".encode()
    digest = hashlib.sha256(request.SerializeToString(deterministic=True)).digest()
    raw = txn.get(record_key, db=store.tables.admin_idempotency)
    if raw is not None:
        record = store_pb2.IdempotencyRecord.FromString(raw)
        if record.request_sha256 != digest:
            raise AlreadyExistsError(
                f"idempotency key {key!r} was used with a different request",
                reason="idempotency_key_reused",
            )
        return response_type.FromString(record.response)
    response = run()
    txn.put(
        record_key,
        store_pb2.IdempotencyRecord(
            request_sha256=digest, response=response.SerializeToString()
        ).SerializeToString(),
        db=store.tables.admin_idempotency,
    )
    return response
