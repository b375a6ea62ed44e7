"""API keys: their format, how they are created, listed and revoked, and the bootstrap admin key.

A key reads `pck_<id>_<secret>`: `id` (16 hex characters) is public — it names the key in
listings, logs and the audit trail — and `secret` is 256 random bits (base64url). The store keeps
only the SHA-256 of the whole key: a random 256-bit secret needs no slow password hash, and a
copy of the data directory gives nobody a usable key. Verification compares digests in constant
time (hmac.compare_digest).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from promocore.call_context.principal import current_principal
from promocore.clock import Clock
from promocore.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from promocore.store import Store, Txn
from promocore.v1 import admin_pb2
from promocore.v1.internal import store_pb2
from promocore.wire.request_fields import page_size

KEY_PREFIX = "pck"
_ID_BYTES = 8
_SECRET_BYTES = 32
MAX_NAME_LENGTH = 128
BOOTSTRAP_KEY_NAME = "bootstrap admin"
ROLES = (
    admin_pb2.ROLE_CHECKOUT,
    admin_pb2.ROLE_POS,
    admin_pb2.ROLE_ADMIN,
    admin_pb2.ROLE_READ_ONLY,
    admin_pb2.ROLE_SUPPORT,
)


def new_key() -> str:
    return f"{KEY_PREFIX}_{secrets.token_hex(_ID_BYTES)}_{secrets.token_urlsafe(_SECRET_BYTES)}"


def key_id_of(key: str) -> str | None:
    """The public id of a presented key; None when it is not shaped like one of ours."""
    prefix, _, rest = key.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or len(key_id) != 2 * _ID_BYTES or not secret:
        return None
    return key_id


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def matches(key: str, stored: store_pb2.StoredApiKey) -> bool:
    return hmac.compare_digest(digest(key), stored.secret_sha256)


def shown(key_id: str) -> str:
    """How a key appears in logs: its public prefix only."""
    return f"{KEY_PREFIX}_{key_id}_…"


class ApiKeys:
    """Create, list and revoke keys (the logic behind the key RPCs and `promocore keys`)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def create(self, name: str, role: admin_pb2.Role) -> admin_pb2.CreateApiKeyResponse:
        if not name.strip() or len(name) > MAX_NAME_LENGTH:
            raise InvalidArgumentError("name", f"required, 1..{MAX_NAME_LENGTH} characters")
        if role not in ROLES:
            raise InvalidArgumentError("role", "one of checkout, pos, admin, read_only, support")
        key = new_key()
        record = self._record(key, name, role)
        with self._store.write() as txn:
            self._store.api_keys.add(txn, record)
        return admin_pb2.CreateApiKeyResponse(api_key=record.key, secret=key)

    def install_bootstrap(self, key: str) -> bool:
        """Stores `key` as an admin key when the store has no key at all; True when stored."""
        if key_id_of(key) is None:
            raise InvalidArgumentError("bootstrap key", f"not a {KEY_PREFIX}_<id>_<secret> key")

        def install(txn: Txn) -> bool:
            if self._store.api_keys.count(txn):
                return False
            self._store.api_keys.add(
                txn, self._record(key, BOOTSTRAP_KEY_NAME, admin_pb2.ROLE_ADMIN)
            )
            return True

        # Nodes starting at once on an empty shared store race here; one key is installed.
        return self._store.transact(install)

    def has_keys(self) -> bool:
        with self._store.read() as txn:
            return self._store.api_keys.count(txn) > 0

    def list(self, request: admin_pb2.ListApiKeysRequest) -> admin_pb2.ListApiKeysResponse:
        limit = page_size(request.page)
        response = admin_pb2.ListApiKeysResponse()
        with self._store.read() as txn:
            for key in self._store.api_keys.iter_keys(txn, request.page.page_token):
                if len(response.api_keys) == limit:
                    response.next_page_token = response.api_keys[-1].id
                    break
                response.api_keys.append(key)
        return response

    def who_am_i(self) -> admin_pb2.ApiKey:
        """The calling key (the RPC's principal); a server without API keys has none."""
        principal = current_principal()
        if principal is None:
            raise FailedPreconditionError(
                "this server runs without API keys: no key is calling", reason="no_auth"
            )
        with self._store.read() as txn:
            stored = self._store.api_keys.get(txn, principal.key_id)
        if stored is None:
            raise NotFoundError(f"API key {shown(principal.key_id)} does not exist")
        return stored.key

    def revoke(self, key_id: str) -> admin_pb2.ApiKey:
        if not key_id:
            raise InvalidArgumentError("id", "required")
        principal = current_principal()
        if principal is not None and principal.key_id == key_id:
            # Revoking it would lock its holder out mid-task (every next call refused).
            raise FailedPreconditionError(
                f"API key {shown(key_id)} is the key making this call: revoke it with another "
                "admin key",
                reason="revoking_own_key",
            )
        with self._store.write() as txn:
            return self._store.api_keys.revoke(txn, key_id, self._clock.now_ms())

    def _record(self, key: str, name: str, role: admin_pb2.Role) -> store_pb2.StoredApiKey:
        record = store_pb2.StoredApiKey(
            key=admin_pb2.ApiKey(id=key_id_of(key), name=name, role=role),
            secret_sha256=digest(key),
        )
        record.key.created_at.FromMilliseconds(self._clock.now_ms())
        return record
