"""Compiled campaigns, cached per (campaign id, version) for the life of the process.

A campaign is compiled by the Rust engine once per version; every checkout then reads only the
campaign's head version from LMDB (one lookup in the memory map) to pick the cached handle, so a
change made by any worker process — a new version, the kill switch — is seen by the next request.
"""

from __future__ import annotations

from dataclasses import dataclass

import lmdb

from promocore import _engine
from promocore.store.catalog import Catalog
from promocore.v1 import campaign_pb2


@dataclass(frozen=True)
class CampaignEntry:
    campaign: campaign_pb2.Campaign
    compiled: _engine.CompiledCampaign


def compile_campaign(campaign: campaign_pb2.Campaign) -> _engine.CompiledCampaign:
    """Compiles a campaign; raises _engine.CompileError with the offending path."""
    return _engine.compile_campaign(campaign.SerializeToString())


class CompiledCampaigns:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._entries: dict[str, CampaignEntry] = {}
        self._promotions: tuple[int, tuple[str, ...]] = (-1, ())

    def get(self, txn: lmdb.Transaction, campaign_id: str) -> CampaignEntry | None:
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

    def promotion_ids(self, txn: lmdb.Transaction) -> tuple[str, ...]:
        """Ids of the PROMOTION campaigns, rescanned only when the catalog generation moved."""
        generation = self._catalog.generation(txn)
        cached_generation, ids = self._promotions
        if cached_generation != generation:
            ids = tuple(
                campaign.id
                for campaign in self._catalog.iter_campaigns(txn)
                if campaign.type == campaign_pb2.PROMOTION
            )
            self._promotions = (generation, ids)
        return ids
