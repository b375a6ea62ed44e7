"""Compiled campaigns and what is derived from the whole catalog, cached per process.

A campaign is compiled by the Rust engine once per version; every checkout reads only the
campaign's head version from LMDB (one lookup in the memory map) to pick the cached handle, so a
change made by any worker process — a new version, the kill switch — is seen by the next request.
What depends on the whole catalog (the checkout plan: the promotion list, the stacking rules, the
Qualify index, the public codes) is rebuilt when the catalog generation moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from promocore import _engine
from promocore.store.catalog import Catalog
from promocore.store.txn import Txn
from promocore.v1 import campaign_pb2


@dataclass(frozen=True)
class CampaignEntry:
    campaign: campaign_pb2.Campaign
    compiled: _engine.CompiledCampaign


def compile_campaign(campaign: campaign_pb2.Campaign) -> _engine.CompiledCampaign:
    """Compiles a campaign; raises _engine.CompileError with the offending path."""
    return _engine.compile_campaign(campaign.SerializeToString())


@dataclass(frozen=True)
class CatalogSnapshot:
    """The catalog as of one generation."""

    generation: int
    # The campaigns checkouts may use (drafts excluded), in id order.
    entries: tuple[CampaignEntry, ...]
    # Every campaign by id, drafts included: a request's lookups need no LMDB read, since
    # every campaign change moves the generation.
    by_id: dict[str, CampaignEntry]
    stacking_rules: campaign_pb2.StackingRules | None
    # Campaign id -> the public code Qualify lists for everyone (the first one, by code).
    public_codes: dict[str, campaign_pb2.Code]

    @cached_property
    def checkout_plan(self) -> _engine.CheckoutPlan:
        """Every campaign for checkouts and Qualify, kept in Rust (the engine decides which
        counters each needs); auto promotions (drafts excluded) join in id order."""
        return _engine.CheckoutPlan(
            [entry.compiled for entry in self.by_id.values()],
            None if self.stacking_rules is None else self.stacking_rules.SerializeToString(),
            [code.SerializeToString() for code in self.public_codes.values()],
        )


class CompiledCampaigns:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._entries: dict[str, CampaignEntry] = {}
        self._snapshot: CatalogSnapshot | None = None

    def get(self, txn: Txn, campaign_id: str) -> CampaignEntry | None:
        """The campaign's current version, compiled; None when it does not exist."""
        version = self._catalog.head_version(txn, campaign_id)
        if version is None:
            return None
        entry = self._entries.get(campaign_id)
        if entry is None or entry.campaign.version != version:
            raw = self._catalog.campaign_bytes(txn, campaign_id, version)
            entry = CampaignEntry(
                campaign=campaign_pb2.Campaign.FromString(raw),
                compiled=_engine.compile_campaign(raw),
            )
            # Replacing the entry drops the older version's handle: past redemptions keep
            # their version in the log, not here.
            self._entries[campaign_id] = entry
        return entry

    def snapshot(self, txn: Txn) -> CatalogSnapshot:
        """The catalog as of the generation `txn` sees; rebuilt only when it moved."""
        generation = self._catalog.generation(txn)
        snapshot = self._snapshot
        if snapshot is not None and snapshot.generation == generation:
            return snapshot
        by_id = {
            campaign_id: entry
            for campaign_id in self._catalog.iter_campaign_ids(txn)
            if (entry := self.get(txn, campaign_id)) is not None
        }
        entries = tuple(entry for entry in by_id.values() if not entry.campaign.draft)
        public_codes: dict[str, campaign_pb2.Code] = {}
        for code in self._catalog.iter_public_codes(txn):
            public_codes.setdefault(code.campaign_id, code)
        snapshot = CatalogSnapshot(
            generation=generation,
            entries=entries,
            by_id=by_id,
            stacking_rules=self._catalog.stacking_rules(txn),
            public_codes=public_codes,
        )
        self._snapshot = snapshot
        return snapshot
