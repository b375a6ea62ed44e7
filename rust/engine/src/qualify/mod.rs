//! Qualify: every campaign this customer can use on this cart now, best deal first, plus the
//! near misses, over a [`CampaignIndex`] built once per catalog change.
//!
//! Candidates: PROMOTION campaigns (source AUTO_PROMOTION), DISCOUNT_COUPONS campaigns that have a
//! public code in the QualifyContext (PUBLIC_CODE), and the customer's assigned codes
//! (ASSIGNED_CODE). Each candidate is evaluated alone on the cart, exactly as a checkout with
//! that single redeemable would evaluate it. The index keeps the promotions per currency and
//! posts each under what its rule requires (a line of a category/SKU/product, a channel), so a
//! cart only meets the promotions it can possibly satisfy; cheap requirement checks then rule
//! out most of the rest before any rule runs.

pub(crate) mod requirements;

use std::sync::Arc;

use prost::Message;

use crate::campaign::{CompiledCampaign, Role};
use crate::customer::merged_attributes;
use crate::error::{CheckoutError, ContextError, RequestError};
use crate::evaluation::{
    base_result, fill_discount, reject, Candidate, Detail, Evaluation, Rejection,
};
use crate::fast_hash::FastMap;
use crate::limits::NO_COUNTERS;
use crate::pb::internal::{Counters, QualifyContext};
use crate::pb::v1::redeemable::Target;
use crate::pb::v1::{
    CampaignType, Code, QualifyRequest, QualifyResponse, Redeemable, WalletEntry, WalletSource,
};
use crate::reason::Reason;
use crate::request::validate_parts;
use crate::rules::LineIndex;
use crate::schedule::is_representable;
use crate::stacking::StackingPolicy;

use requirements::{CartFacts, Requirements};

/// Entries returned when the request sets no limit.
pub const DEFAULT_LIMIT: usize = 20;

/// Promotions of one currency, posted under their requirements.
#[derive(Debug, Default)]
struct Bucket {
    /// Without near misses: posted under a line key, else a channel, else `always`.
    strict: FastMap<String, Vec<u32>>,
    strict_always: Vec<u32>,
    /// With near misses (thresholds cannot rule out): posted under a channel, else `always`.
    loose: FastMap<String, Vec<u32>>,
    loose_always: Vec<u32>,
}

/// Many compiled campaigns, indexed for Qualify. Immutable; rebuild when the catalog changes.
#[derive(Debug)]
pub struct CampaignIndex {
    campaigns: Vec<Arc<CompiledCampaign>>,
    requirements: Vec<Requirements>,
    /// Each campaign's rank in campaign id order: ties compare ranks, not strings.
    ranks: Vec<u32>,
    by_id: FastMap<String, u32>,
    buckets: FastMap<String, Bucket>,
}

/// One candidate found for a cart.
#[derive(Clone, Copy)]
struct Found<'a> {
    source: WalletSource,
    /// The campaign's rank in id order.
    rank: u32,
    campaign: &'a CompiledCampaign,
    code: Option<&'a Code>,
    counters: &'a Counters,
    /// Total discount (applicable) or near-miss distance.
    figure: i64,
}

impl CampaignIndex {
    /// Indexes the campaigns (the last of several with one id wins).
    pub fn build(campaigns: Vec<Arc<CompiledCampaign>>) -> CampaignIndex {
        let mut index = CampaignIndex {
            requirements: campaigns
                .iter()
                .map(|campaign| campaign.requirements().clone())
                .collect(),
            ranks: Vec::new(),
            campaigns,
            by_id: FastMap::default(),
            buckets: FastMap::default(),
        };
        for (position, campaign) in index.campaigns.iter().enumerate() {
            let position = position as u32;
            index.by_id.insert(campaign.id().to_owned(), position);
        }
        let mut by_id_order: Vec<usize> = (0..index.campaigns.len()).collect();
        by_id_order.sort_by(|&a, &b| index.campaigns[a].id().cmp(index.campaigns[b].id()));
        index.ranks = vec![0; index.campaigns.len()];
        for (rank, &position) in by_id_order.iter().enumerate() {
            index.ranks[position] = rank as u32;
        }
        for (position, campaign) in index.campaigns.iter().enumerate() {
            // Only the live version of an id, only promotions that can ever apply.
            let live = index.by_id.get(campaign.id()) == Some(&(position as u32));
            if !live
                || campaign.campaign_type() != CampaignType::Promotion
                || campaign.is_draft()
                || !campaign.is_active()
            {
                continue;
            }
            let requirements = &index.requirements[position];
            let bucket = index
                .buckets
                .entry(campaign.currency().to_owned())
                .or_default();
            let position = position as u32;
            let channels = requirements.channels.as_ref().map(|channels| {
                channels
                    .iter()
                    .map(|c| format!("ch:{c}"))
                    .collect::<Vec<_>>()
            });
            match (&requirements.line_keys, &channels) {
                (Some(keys), _) | (None, Some(keys)) => {
                    for key in keys {
                        bucket.strict.entry(key.clone()).or_default().push(position);
                    }
                }
                (None, None) => bucket.strict_always.push(position),
            }
            match &channels {
                Some(keys) => {
                    for key in keys {
                        bucket.loose.entry(key.clone()).or_default().push(position);
                    }
                }
                None => bucket.loose_always.push(position),
            }
        }
        index
    }

    pub fn len(&self) -> usize {
        self.campaigns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.campaigns.is_empty()
    }

    /// Decodes a QualifyRequest and a QualifyContext, answers, encodes the QualifyResponse.
    pub fn qualify_bytes(
        &self,
        request_bytes: &[u8],
        context_bytes: &[u8],
    ) -> Result<Vec<u8>, CheckoutError> {
        let request = QualifyRequest::decode(request_bytes).map_err(|error| {
            RequestError::new(
                "request",
                format!("not a serialized QualifyRequest: {error}"),
            )
        })?;
        let context = QualifyContext::decode(context_bytes).map_err(|error| {
            ContextError::new(format!("not a serialized QualifyContext: {error}"))
        })?;
        Ok(self.qualify(&request, &context)?.encode_to_vec())
    }

    /// The wallet of this customer on this cart.
    pub fn qualify(
        &self,
        request: &QualifyRequest,
        context: &QualifyContext,
    ) -> Result<QualifyResponse, CheckoutError> {
        let checkout =
            validate_parts(request.order.as_ref(), request.customer.as_ref(), &[], None)?;
        if request.limit < 0 {
            return Err(
                RequestError::new("limit", format!("must be >= 0; got {}", request.limit)).into(),
            );
        }
        if !is_representable(context.now_unix_ms) {
            return Err(ContextError::new(format!(
                "now_unix_ms {} is out of range",
                context.now_unix_ms
            ))
            .into());
        }
        let limit = match request.limit {
            0 => DEFAULT_LIMIT,
            limit => limit as usize,
        };
        let attributes = merged_attributes(
            context.customer.as_ref(),
            checkout.customer_attributes.as_ref(),
        )?;
        let policy = StackingPolicy::default();
        let line_index = LineIndex::build(checkout.order);
        let mut evaluation = Evaluation::new(
            &checkout,
            context.now_unix_ms,
            attributes.as_deref(),
            context.customer.as_ref(),
            &policy,
        );
        evaluation.line_index = Some(&line_index);
        let order = checkout.order;
        let cart = CartFacts::of(&checkout, context.customer.as_ref(), &line_index);
        let near_misses_wanted = request.include_near_misses;

        let mut candidates: Vec<Found<'_>> = Vec::new();
        let counters_of = |id: &str| {
            if context.counters.is_empty() {
                return &NO_COUNTERS;
            }
            context.counters.get(id).unwrap_or(&NO_COUNTERS)
        };

        // Promotions, through the index.
        if let Some(bucket) = self.buckets.get(&order.currency) {
            let mut seen = vec![false; self.campaigns.len()];
            let (postings, always) = if near_misses_wanted {
                (&bucket.loose, &bucket.loose_always)
            } else {
                (&bucket.strict, &bucket.strict_always)
            };
            let mut posted: Vec<u32> = Vec::new();
            let mut key = String::new();
            line_index.for_each_line_key(&mut key, |key| {
                if let Some(positions) = postings.get(key) {
                    posted.extend_from_slice(positions);
                }
            });
            let channel_key = format!("ch:{}", order.channel);
            if let Some(positions) = postings.get(&channel_key) {
                posted.extend_from_slice(positions);
            }
            for &position in always.iter().chain(&posted) {
                let position = position as usize;
                if std::mem::replace(&mut seen[position], true) {
                    continue;
                }
                let requirements = &self.requirements[position];
                if !requirements.hard_hold(&cart)
                    || (!near_misses_wanted && !requirements.thresholds_hold(&cart))
                {
                    continue;
                }
                let campaign = self.campaigns[position].as_ref();
                candidates.push(Found {
                    rank: self.ranks[position],
                    source: WalletSource::AutoPromotion,
                    campaign,
                    code: None,
                    counters: counters_of(campaign.id()),
                    figure: 0,
                });
            }
        }
        // Public codes of coupon campaigns.
        let mut public: Vec<(&String, &Code)> = context.public_codes.iter().collect();
        public.sort_by(|a, b| a.0.cmp(b.0));
        for (campaign_id, code) in public {
            let Some((rank, campaign)) = self.ranked(campaign_id) else {
                continue;
            };
            if campaign.campaign_type() != CampaignType::DiscountCoupons {
                continue;
            }
            candidates.push(Found {
                rank,
                source: WalletSource::PublicCode,
                campaign,
                code: Some(code),
                counters: counters_of(campaign_id),
                figure: 0,
            });
        }
        // The customer's assigned codes.
        for wallet in &context.assigned_codes {
            let Some(code) = &wallet.code else { continue };
            let Some((rank, campaign)) = self.ranked(&code.campaign_id) else {
                continue;
            };
            if campaign.role() != Role::Discount {
                continue;
            }
            candidates.push(Found {
                rank,
                source: WalletSource::AssignedCode,
                campaign,
                code: Some(code),
                counters: wallet.counters.as_ref().unwrap_or(&NO_COUNTERS),
                figure: 0,
            });
        }

        // The checks only ask whether a redeemable is a code: one shared promotion stands for
        // every promotion (no per-candidate allocation); results get the real one.
        let any_promotion = Redeemable {
            target: Some(Target::PromotionId(String::new())),
            ..Default::default()
        };
        let code_redeemables: Vec<Redeemable> = candidates
            .iter()
            .map(|found| found.code.map(code_redeemable).unwrap_or_default())
            .collect();
        let redeemable_of = |position: usize| match candidates[position].code {
            Some(_) => &code_redeemables[position],
            None => &any_promotion,
        };
        // Best deal first / smallest distance first; ties by campaign id, then code.
        let tie = |a: &Found<'_>, b: &Found<'_>| {
            a.rank.cmp(&b.rank).then_with(|| code_of(a).cmp(code_of(b)))
        };
        let best_first =
            |a: &Found<'_>, b: &Found<'_>| b.figure.cmp(&a.figure).then_with(|| tie(a, b));
        let closest_first =
            |a: &Found<'_>, b: &Found<'_>| a.figure.cmp(&b.figure).then_with(|| tie(a, b));

        // Without near misses only the best `limit` deals matter: candidates are evaluated in
        // descending order of an upper bound of their discount, and once `limit` deals are found
        // a candidate whose bound is below the last of them cannot enter (nor can any after it).
        let bounds: Vec<i64> = candidates
            .iter()
            .map(|found| {
                found
                    .campaign
                    .effect_for(checkout.customer_id)
                    .map_or(0, |effect| {
                        effect.upper_bound(checkout.items_amount, order.shipping_amount)
                    })
            })
            .collect();
        let mut order_of_evaluation: Vec<usize> = (0..candidates.len()).collect();
        if !near_misses_wanted {
            order_of_evaluation.sort_by(|&a, &b| {
                bounds[b]
                    .cmp(&bounds[a])
                    .then_with(|| tie(&candidates[a], &candidates[b]))
            });
        }
        let mut entries: Vec<Found<'_>> = Vec::new();
        let mut near_misses: Vec<Found<'_>> = Vec::new();
        evaluation.totals_only = true;
        for position in order_of_evaluation {
            if !near_misses_wanted && limit > 0 && entries.len() >= limit {
                top(&mut entries, limit, best_first);
                if bounds[position] < entries[limit - 1].figure {
                    break;
                }
            }
            let found = &candidates[position];
            let candidate = Candidate {
                redeemable: redeemable_of(position),
                campaign: found.campaign,
                code: found.code,
                counters: found.counters,
                held_by_other_session: false,
            };
            match evaluation.check_discount(&candidate, Detail::NearMiss) {
                Ok(discount) => entries.push(Found {
                    figure: discount.total(),
                    ..*found
                }),
                Err(Rejection {
                    reason: Reason::RulesNotMet,
                    missing: Some(missing),
                    ..
                }) if near_misses_wanted => near_misses.push(Found {
                    figure: missing,
                    ..*found
                }),
                Err(_) => {}
            }
        }
        top(&mut entries, limit, best_first);
        top(&mut near_misses, limit, closest_first);

        evaluation.totals_only = false;
        let render = |found: &Found<'_>| {
            let redeemable = match found.code {
                Some(code) => code_redeemable(code),
                None => Redeemable {
                    target: Some(Target::PromotionId(found.campaign.id().to_owned())),
                    ..Default::default()
                },
            };
            let candidate = Candidate {
                redeemable: &redeemable,
                campaign: found.campaign,
                code: found.code,
                counters: found.counters,
                held_by_other_session: false,
            };
            let mut result = base_result(&candidate);
            if let Some(variant) = found.campaign.variant_for(checkout.customer_id) {
                result.variant = variant.name().to_owned();
            }
            match evaluation.check_discount(&candidate, Detail::Explained) {
                Ok(discount) => fill_discount(
                    &mut result,
                    &checkout,
                    &discount,
                    discount.added.as_ref().map(|_| order.items.len()),
                ),
                Err(rejection) => reject(&mut result, rejection),
            }
            WalletEntry {
                source: found.source as i32,
                result: Some(result),
            }
        };
        Ok(QualifyResponse {
            entries: entries.iter().map(render).collect(),
            near_misses: near_misses.iter().map(render).collect(),
            ..Default::default()
        })
    }

    /// The live campaign of an id, with its rank in id order.
    fn ranked(&self, id: &str) -> Option<(u32, &CompiledCampaign)> {
        self.by_id.get(id).map(|&position| {
            let position = position as usize;
            (self.ranks[position], self.campaigns[position].as_ref())
        })
    }
}

fn code_of<'f>(found: &Found<'f>) -> &'f str {
    found.code.map_or("", |code| code.code.as_str())
}

/// Keeps the first `limit` items in `order`, sorted.
fn top<T>(items: &mut Vec<T>, limit: usize, order: impl Fn(&T, &T) -> std::cmp::Ordering) {
    if items.len() > limit {
        if limit > 0 {
            items.select_nth_unstable_by(limit - 1, &order);
        }
        items.truncate(limit);
    }
    items.sort_by(order);
}

fn code_redeemable(code: &Code) -> Redeemable {
    Redeemable {
        target: Some(Target::Code(code.code.clone())),
        ..Default::default()
    }
}
