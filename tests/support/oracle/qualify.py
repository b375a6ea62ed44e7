"""Qualify by brute force: every candidate campaign evaluated alone on the cart (the oracle of
the engine's indexed CampaignIndex)."""

from __future__ import annotations

from promocore.v1 import campaign_pb2, checkout_pb2
from promocore.v1.internal import evaluation_pb2

from oracle.campaign import Campaign
from oracle.checkout import (
    APPLICABLE,
    Evaluation,
    Rejected,
    base_result,
    fill_discount,
    reject,
)
from oracle.request import merged_attributes, validate
from oracle.stacking import Policy

DEFAULT_LIMIT = 20


def qualify(campaigns: list[Campaign], request_bytes: bytes, context_bytes: bytes) -> bytes:
    request = checkout_pb2.QualifyRequest.FromString(request_bytes)
    context = evaluation_pb2.QualifyContext.FromString(context_bytes)
    checkout = validate(
        request.order if request.HasField("order") else None,
        request.customer if request.HasField("customer") else None,
        [],
        None,
    )
    limit = request.limit or DEFAULT_LIMIT
    profile = context.customer if context.HasField("customer") else None
    evaluation = Evaluation(
        checkout,
        context.now_unix_ms,
        merged_attributes(profile, checkout.attributes),
        profile,
        Policy(),
    )
    by_id = {campaign.id: campaign for campaign in campaigns}
    empty = evaluation_pb2.Counters()

    def counters_of(campaign_id: str):
        if campaign_id in context.counters:
            return context.counters[campaign_id]
        return empty

    candidates = []
    for campaign in by_id.values():
        if campaign.type == campaign_pb2.PROMOTION:
            redeemable = checkout_pb2.Redeemable(promotion_id=campaign.id)
            candidates.append(
                (checkout_pb2.AUTO_PROMOTION, campaign, redeemable, None, counters_of(campaign.id))
            )
    for campaign_id in sorted(context.public_codes):
        campaign = by_id.get(campaign_id)
        if campaign is None or campaign.type != campaign_pb2.DISCOUNT_COUPONS:
            continue
        code = context.public_codes[campaign_id]
        redeemable = checkout_pb2.Redeemable(code=code.code)
        candidates.append(
            (checkout_pb2.PUBLIC_CODE, campaign, redeemable, code, counters_of(campaign_id))
        )
    for wallet in context.assigned_codes:
        campaign = by_id.get(wallet.code.campaign_id)
        if campaign is None or campaign.role != "discount":
            continue
        redeemable = checkout_pb2.Redeemable(code=wallet.code.code)
        candidates.append(
            (checkout_pb2.ASSIGNED_CODE, campaign, redeemable, wallet.code, wallet.counters)
        )

    entries, near_misses = [], []
    for source, campaign, redeemable, code, counters in candidates:
        result = base_result(redeemable, campaign)
        variant = campaign.variant_for(checkout.customer_id)
        if variant is not None:
            result.variant = variant.name
        try:
            discount = evaluation.check_discount(redeemable, campaign, code, counters, False)
        except Rejected as rejection:
            reject(result, rejection)
            missing = rejection.failure.missing if rejection.failure is not None else None
            if (
                request.include_near_misses
                and rejection.reason == "rules_not_met"
                and missing is not None
            ):
                near_misses.append((missing, campaign.id, redeemable.code, source, result))
            continue
        fill_discount(
            result, checkout, discount, len(checkout.order.items) if discount.added else None
        )
        assert result.status == APPLICABLE
        entries.append((-discount.total(), campaign.id, redeemable.code, source, result))
    entries.sort(key=lambda entry: entry[:3])
    near_misses.sort(key=lambda entry: entry[:3])
    response = checkout_pb2.QualifyResponse()
    for target, found in ((response.entries, entries), (response.near_misses, near_misses)):
        for *_, source, result in found[:limit]:
            target.add(source=source, result=result)
    return response.SerializeToString()
