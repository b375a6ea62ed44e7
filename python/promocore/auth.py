"""Authentication and authorization of every RPC: the `x-api-key` metadata, checked by a server
interceptor against the hashed keys in the store, then the key's role against roles.ALLOWED.

Each process caches the key records it has verified and drops them when the store's auth
generation moves; it looks at the generation at most every REFRESH_INTERVAL_S, so a key revoked
by any process is refused by every process within that interval (well under a second).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import grpc

from promocore import api_keys
from promocore.client import API_KEY_HEADER
from promocore.errors import PermissionDeniedError, PromocoreError, UnauthenticatedError
from promocore.principal import Principal
from promocore.principal import current as principal_context
from promocore.roles import is_open, may_call, role_name
from promocore.rpc_handlers import Behaviour, refusing, rewrap
from promocore.store import Store
from promocore.store.redis_kv import STORE_UNREACHABLE, store_unavailable
from promocore.v1.internal import store_pb2

REFRESH_INTERVAL_S = 0.25


class Authenticator:
    def __init__(self, store: Store, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._records: dict[str, store_pb2.StoredApiKey] = {}
        self._generation = -1
        self._checked_at = float("-inf")

    def authenticate(self, key: str | None) -> Principal:
        if not key:
            raise UnauthenticatedError(f"an API key is required (metadata {API_KEY_HEADER!r})")
        key_id = api_keys.key_id_of(key)
        record = self._record(key_id) if key_id is not None else None
        if record is None or record.key.HasField("revoked_at") or not api_keys.matches(key, record):
            raise UnauthenticatedError("the API key is unknown, malformed or revoked")
        return Principal(key_id=record.key.id, role=record.key.role)

    def _record(self, key_id: str) -> store_pb2.StoredApiKey | None:
        with self._lock:
            now = self._monotonic()
            if now - self._checked_at >= REFRESH_INTERVAL_S:
                self._checked_at = now
                with self._store.read() as txn:
                    generation = self._store.api_keys.generation(txn)
                if generation != self._generation:
                    self._generation = generation
                    self._records.clear()
            record = self._records.get(key_id)
        if record is not None:
            return record
        with self._store.read() as txn:
            record = self._store.api_keys.get(txn, key_id)
        if record is not None:
            with self._lock:
                # Unknown ids are not cached: a caller could fill the cache with made-up ones.
                self._records.setdefault(key_id, record)
        return record


class AuthInterceptor(grpc.ServerInterceptor):
    def __init__(self, authenticator: Authenticator) -> None:
        self._authenticator = authenticator

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or is_open(method):
            return handler
        key = next(
            (v for k, v in handler_call_details.invocation_metadata if k == API_KEY_HEADER), None
        )
        try:
            principal = self._authenticator.authenticate(key)
            if not may_call(principal.role, method):
                raise PermissionDeniedError(
                    f"API key {api_keys.shown(principal.key_id)} has role "
                    f"{role_name(principal.role)}, which may not call {method}"
                )
        except PromocoreError as error:
            return refusing(handler, error)
        except STORE_UNREACHABLE as error:
            return refusing(handler, store_unavailable(error))
        return rewrap(handler, lambda behaviour: _as(principal, behaviour))


def _as(principal: Principal, behaviour: Behaviour) -> Behaviour:
    def run(request, context):
        # Not reset afterwards: a streaming handler's body runs after this returns, on this
        # thread, and every authenticated RPC sets it again before its handler runs.
        principal_context.set(principal)
        return behaviour(request, context)

    return run
