"""Campaigns (every version kept) and codes, inside caller-provided LMDB transactions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from promocore.errors import AlreadyExistsError, FailedPreconditionError, NotFoundError
from promocore.store.keys import (
    campaign_code_key,
    campaign_version_key,
    decode_counter,
    decode_u64,
    encode_counter,
    encode_u64,
    normalize_code,
    prefetch,
)
from promocore.store.tables import Tables
from promocore.store.txn import Txn
from promocore.v1 import admin_pb2, campaign_pb2

# Bumped by every change of a campaign, a setting or the public codes, so every process can
# tell when what it derived from the catalog (promotion list, Qualify index) is stale.
GENERATION_KEY = b"catalog/generation"
STACKING_RULES_KEY = b"stacking_rules"
SUPPORT_LIMITS_KEY = b"support_limits"
# Codes listed per store read when walking a campaign's or the public codes.
CODES_READ_PER_BATCH = 512


class Catalog:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def generation(self, txn: Txn) -> int:
        return decode_counter(txn.get(GENERATION_KEY, db=self._t.counters))

    def _bump_generation(self, txn: Txn) -> None:
        txn.put(GENERATION_KEY, encode_counter(self.generation(txn) + 1), db=self._t.counters)

    # Settings --------------------------------------------------------------------------------

    def stacking_rules(self, txn: Txn) -> campaign_pb2.StackingRules | None:
        raw = txn.get(STACKING_RULES_KEY, db=self._t.settings)
        return None if raw is None else campaign_pb2.StackingRules.FromString(raw)

    def support_limits(self, txn: Txn) -> admin_pb2.SupportLimits:
        raw = txn.get(SUPPORT_LIMITS_KEY, db=self._t.settings)
        return admin_pb2.SupportLimits() if raw is None else admin_pb2.SupportLimits.FromString(raw)

    def put_support_limits(self, txn: Txn, limits: admin_pb2.SupportLimits) -> None:
        txn.put(SUPPORT_LIMITS_KEY, limits.SerializeToString(), db=self._t.settings)

    def put_stacking_rules(self, txn: Txn, rules: campaign_pb2.StackingRules) -> None:
        txn.put(STACKING_RULES_KEY, rules.SerializeToString(), db=self._t.settings)
        self._bump_generation(txn)

    # Campaigns -----------------------------------------------------------------------------

    def head_version(self, txn: Txn, campaign_id: str) -> int | None:
        raw = txn.get(campaign_id.encode(), db=self._t.campaign_heads)
        return None if raw is None else decode_u64(raw)

    def campaign_bytes(self, txn: Txn, campaign_id: str, version: int) -> bytes:
        raw = txn.get(campaign_version_key(campaign_id, version), db=self._t.campaign_versions)
        if raw is None:
            raise NotFoundError(f"campaign {campaign_id!r} has no version {version}")
        return bytes(raw)

    def get_campaign(self, txn: Txn, campaign_id: str, version: int = 0) -> campaign_pb2.Campaign:
        head = self.head_version(txn, campaign_id)
        if head is None:
            raise NotFoundError(f"campaign {campaign_id!r} does not exist")
        return campaign_pb2.Campaign.FromString(
            self.campaign_bytes(txn, campaign_id, version or head)
        )

    def put_new_version(
        self,
        txn: Txn,
        campaign: campaign_pb2.Campaign,
        *,
        create: bool,
        expected_version: int = 0,
    ) -> campaign_pb2.Campaign:
        """Stores `campaign` as the next version (1 on create); returns it with version set."""
        head = self.head_version(txn, campaign.id)
        if create and head is not None:
            raise AlreadyExistsError(f"campaign {campaign.id!r} already exists")
        if not create and head is None:
            raise NotFoundError(f"campaign {campaign.id!r} does not exist")
        if expected_version and head != expected_version:
            raise FailedPreconditionError(
                f"campaign {campaign.id!r} is at version {head}, not {expected_version}",
                reason="version_mismatch",
            )
        campaign.version = (head or 0) + 1
        txn.put(
            campaign_version_key(campaign.id, campaign.version),
            campaign.SerializeToString(),
            db=self._t.campaign_versions,
        )
        txn.put(campaign.id.encode(), encode_u64(campaign.version), db=self._t.campaign_heads)
        self._bump_generation(txn)
        return campaign

    def iter_campaign_ids(self, txn: Txn) -> Iterator[str]:
        for key in txn.cursor(db=self._t.campaign_heads).iternext(keys=True, values=False):
            yield bytes(key).decode()

    def iter_campaigns(self, txn: Txn, after_id: str = "") -> Iterator[campaign_pb2.Campaign]:
        """Latest versions in id order, starting after `after_id`."""
        cursor = txn.cursor(db=self._t.campaign_heads)
        found = cursor.set_range(after_id.encode() + b"\0") if after_id else cursor.first()
        while found:
            campaign_id = bytes(cursor.key()).decode()
            version = decode_u64(cursor.value())
            yield campaign_pb2.Campaign.FromString(self.campaign_bytes(txn, campaign_id, version))
            found = cursor.next()

    # Codes ---------------------------------------------------------------------------------

    def get_code(self, txn: Txn, code: str) -> campaign_pb2.Code | None:
        raw = txn.get(normalize_code(code), db=self._t.codes)
        return None if raw is None else campaign_pb2.Code.FromString(raw)

    def code_bytes(self, txn: Txn, normalized_code: bytes) -> bytes | None:
        return txn.get(normalized_code, db=self._t.codes)

    def add_code(self, txn: Txn, code: campaign_pb2.Code) -> bool:
        """Stores a new code; False (and nothing written) when the code exists store-wide."""
        key = normalize_code(code.code)
        if not txn.put(key, code.SerializeToString(), db=self._t.codes, overwrite=False):
            return False
        txn.put(campaign_code_key(code.campaign_id, key), b"", db=self._t.campaign_codes)
        if code.public:
            self._set_public(txn, code, key)
        return True

    def replace_code(self, txn: Txn, code: campaign_pb2.Code) -> None:
        key = normalize_code(code.code)
        txn.put(key, code.SerializeToString(), db=self._t.codes)
        self._set_public(txn, code, key)

    def _set_public(self, txn: Txn, code: campaign_pb2.Code, key: bytes) -> None:
        """Public codes are listed in every Qualify wallet; their list changes the generation."""
        index_key = campaign_code_key(code.campaign_id, key)
        listed = txn.get(index_key, db=self._t.public_codes) is not None
        if code.public and not listed:
            txn.put(index_key, b"", db=self._t.public_codes)
        elif listed and not code.public:
            txn.delete(index_key, db=self._t.public_codes)
        else:
            return
        self._bump_generation(txn)

    def iter_public_codes(self, txn: Txn) -> Iterator[campaign_pb2.Code]:
        indexed = (bytes(key).split(b"\0", 1)[1] for key, _ in txn.cursor(db=self._t.public_codes))
        yield from self._codes_of(txn, indexed)

    def iter_campaign_codes(
        self, txn: Txn, campaign_id: str, after_code: str = "", code_prefix: str = ""
    ) -> Iterator[campaign_pb2.Code]:
        """The campaign's codes in code order, after `after_code` (a page token), only those
        starting with `code_prefix` (case-insensitive, as codes are)."""
        campaign = campaign_id.encode() + b"\0"
        cursor = txn.cursor(db=self._t.campaign_codes)
        prefix = campaign + normalize_code(code_prefix)
        start = max(prefix, campaign + normalize_code(after_code) + b"\0") if after_code else prefix

        def indexed() -> Iterator[bytes]:
            found = cursor.set_range(start)
            while found and bytes(cursor.key()).startswith(prefix):
                yield bytes(cursor.key())[len(campaign) :]
                found = cursor.next()

        yield from self._codes_of(txn, indexed())

    def count_campaign_codes(self, txn: Txn, campaign_id: str, code_prefix: str = "") -> int:
        """How many codes the campaign has (starting with `code_prefix`): its index keys
        counted, no code record read."""
        prefix = campaign_id.encode() + b"\0" + normalize_code(code_prefix)
        cursor = txn.cursor(db=self._t.campaign_codes)
        count = 0
        found = cursor.set_range(prefix)
        while found and bytes(cursor.key()).startswith(prefix):
            count += 1
            found = cursor.next()
        return count

    def _codes_of(self, txn: Txn, normalized_codes: Iterable[bytes]) -> Iterator[campaign_pb2.Code]:
        """The Code records of the codes, read a batch at a time (one round trip per batch on a
        shared store); codes without a record are left out."""
        codes = iter(normalized_codes)
        while batch := list(islice(codes, CODES_READ_PER_BATCH)):
            prefetch(txn, self._t.codes, batch)
            for normalized in batch:
                raw = txn.get(normalized, db=self._t.codes)
                if raw is not None:
                    yield campaign_pb2.Code.FromString(raw)


def require_code(catalog: Catalog, txn: Txn, code: str) -> campaign_pb2.Code:
    found = catalog.get_code(txn, code)
    if found is None:
        raise NotFoundError(f"code {code!r} does not exist", reason="code_not_found")
    return found
