//! Qualify: every campaign this customer can use on this cart now, best deal first, plus the
//! near misses, over a [`CampaignIndex`] built once per catalog change.
//!
//! Candidates: PROMOTION campaigns (source AUTO_PROMOTION), DISCOUNT_COUPONS campaigns that have a
//! public code (PUBLIC_CODE), and the customer's assigned codes (ASSIGNED_CODE). Each candidate is
//! evaluated alone on the cart, exactly as a checkout with that single redeemable would evaluate
//! it. The index keeps the promotions per currency and posts each under what its rule requires
//! (a line of a category/SKU/product, a channel), so a cart only meets the promotions it can
//! possibly satisfy; cheap requirement checks then rule out most of the rest before any rule
//! runs. The server reaches it through the checkout plan (`CheckoutPlan::prepare_qualify`),
//! which also says which counters the store reads.

pub(crate) mod outlook;
mod prepared;
pub(crate) mod requirements;

pub use prepared::PreparedQualify;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
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
use crate::pb::internal::{Counters, CustomerProfile, QualifyContext};
use crate::pb::v1::redeemable::Target;
use crate::pb::v1::{
    CampaignType, Code, QualifyRequest, QualifyResponse, Redeemable, WalletEntry, WalletSource,
};
use crate::reason::Reason;
use crate::request::{validate_parts, ValidatedCheckout};
use crate::rules::LineIndex;
use crate::schedule::is_representable;
use crate::stacking::StackingPolicy;

use outlook::{outlook, Outlook};
use requirements::{CartFacts, Requirements};

/// Entries returned when the request sets no limit.
pub const DEFAULT_LIMIT: usize = 20;

/// Promotions of one currency, posted under their requirements.
#[derive(Debug, Default)]
struct Bucket {
    /// Posted under a line key, else a channel, else `always`.
    strict: FastMap<String, Vec<u32>>,
    strict_always: Vec<u32>,
    /// The promotions whose evaluation reads usage counters.
    counted: Vec<u32>,
    /// The promotions posted under line keys as (near-miss floor, rank, position), ascending:
    /// with near misses, those of keys a cart lacks are reached from here, closest first.
    by_floor: Vec<(i64, u32, u32)>,
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

/// The store's side of one Qualify: the customer's profile, the candidates that are codes, and
/// the usage counters of the candidates that read them (absent: zero).
#[derive(Debug, Default)]
pub struct QualifySources<'a> {
    pub now_unix_ms: i64,
    pub customer: Option<&'a CustomerProfile>,
    /// Counters of promotions, by index position.
    pub promotion_counters: FastMap<u32, &'a Counters>,
    /// Public codes of coupon campaigns in campaign id order: (campaign id, code, counters).
    pub public_codes: Vec<(&'a str, &'a Code, &'a Counters)>,
    /// The customer's assigned codes, with their counters.
    pub assigned_codes: Vec<(&'a Code, &'a Counters)>,
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
        index.ranks = id_ranks(&index.campaigns);
        for position in 0..index.campaigns.len() {
            if index.is_live_promotion(position) {
                index.post(position);
            }
        }
        for bucket in index.buckets.values_mut() {
            bucket.by_floor.sort_unstable();
        }
        index
    }

    /// Only the live version of an id, only promotions that can ever apply.
    fn is_live_promotion(&self, position: usize) -> bool {
        let campaign = &self.campaigns[position];
        self.by_id.get(campaign.id()) == Some(&(position as u32))
            && campaign.campaign_type() == CampaignType::Promotion
            && !campaign.is_draft()
            && campaign.is_active()
    }

    /// Posts a promotion in its currency's bucket under what its rule requires.
    fn post(&mut self, position: usize) {
        let campaign = &self.campaigns[position];
        let requirements = &self.requirements[position];
        let bucket = self
            .buckets
            .entry(campaign.currency().to_owned())
            .or_default();
        let rank = self.ranks[position];
        let position = position as u32;
        if campaign.reads_counters() {
            bucket.counted.push(position);
        }
        let channels = requirements.channels.as_ref().map(|channels| {
            channels
                .iter()
                .map(|channel| format!("ch:{channel}"))
                .collect::<Vec<_>>()
        });
        if requirements.line_keys.is_some() {
            bucket
                .by_floor
                .push((requirements.near_miss_floor, rank, position));
        }
        match (&requirements.line_keys, &channels) {
            (Some(keys), _) | (None, Some(keys)) => {
                for key in keys {
                    bucket.strict.entry(key.clone()).or_default().push(position);
                }
            }
            (None, None) => bucket.strict_always.push(position),
        }
    }

    pub fn len(&self) -> usize {
        self.campaigns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.campaigns.is_empty()
    }

    /// The promotions of a currency whose evaluation reads usage counters, by index position.
    pub fn counted_promotions(&self, currency: &str) -> &[u32] {
        self.buckets
            .get(currency)
            .map_or(&[], |bucket| bucket.counted.as_slice())
    }

    /// The live campaign of an id, with its index position.
    pub fn campaign(&self, id: &str) -> Option<(u32, &CompiledCampaign)> {
        self.by_id
            .get(id)
            .map(|&position| (position, self.campaigns[position as usize].as_ref()))
    }

    /// The campaign at an index position.
    pub fn campaign_at(&self, position: u32) -> &CompiledCampaign {
        &self.campaigns[position as usize]
    }

    /// Decodes a QualifyRequest and a QualifyContext (every input given, as the differential
    /// tests and benchmarks build them), answers, encodes the QualifyResponse. The server goes
    /// through `CheckoutPlan::prepare_qualify` instead.
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

    /// The wallet of this customer on this cart, every input in one QualifyContext: counters
    /// by campaign id (a public code's campaign counts that code's redemptions).
    pub fn qualify(
        &self,
        request: &QualifyRequest,
        context: &QualifyContext,
    ) -> Result<QualifyResponse, CheckoutError> {
        let counters_of = |id: &str| context.counters.get(id).unwrap_or(&NO_COUNTERS);
        let mut public: Vec<(&String, &Code)> = context.public_codes.iter().collect();
        public.sort_by(|a, b| a.0.cmp(b.0));
        let sources = QualifySources {
            now_unix_ms: context.now_unix_ms,
            customer: context.customer.as_ref(),
            promotion_counters: context
                .counters
                .iter()
                .filter_map(|(id, counters)| Some((*self.by_id.get(id)?, counters)))
                .collect(),
            public_codes: public
                .into_iter()
                .map(|(campaign_id, code)| (campaign_id.as_str(), code, counters_of(campaign_id)))
                .collect(),
            assigned_codes: context
                .assigned_codes
                .iter()
                .filter_map(|wallet| {
                    let counters = wallet.counters.as_ref().unwrap_or(&NO_COUNTERS);
                    wallet.code.as_ref().map(|code| (code, counters))
                })
                .collect(),
        };
        self.answer(request, &sources)
    }

    /// The wallet of this customer on this cart.
    pub fn answer(
        &self,
        request: &QualifyRequest,
        sources: &QualifySources<'_>,
    ) -> Result<QualifyResponse, CheckoutError> {
        let checkout = checked_request(request, sources.now_unix_ms)?;
        let limit = match request.limit {
            0 => DEFAULT_LIMIT,
            limit => limit as usize,
        };
        let attributes =
            merged_attributes(sources.customer, checkout.customer_attributes.as_ref())?;
        let policy = StackingPolicy::default();
        let line_index = LineIndex::build(checkout.order);
        let mut evaluation = Evaluation::new(
            &checkout,
            sources.now_unix_ms,
            attributes.as_deref(),
            sources.customer,
            &policy,
        );
        evaluation.line_index = Some(&line_index);
        let cart = CartFacts::of(&checkout, sources.customer, &line_index);
        let near_misses_wanted = request.include_near_misses;

        let (mut candidates, seen) = self.promotion_candidates(&cart, near_misses_wanted, sources);
        self.add_code_candidates(&mut candidates, sources);
        let unposted = near_misses_wanted.then(|| Unposted {
            index: self,
            sources,
            by_floor: self
                .buckets
                .get(cart.currency)
                .map_or(&[][..], |bucket| bucket.by_floor.as_slice()),
            next: 0,
            seen,
        });
        let ranked = Ranking {
            evaluation: &mut evaluation,
            cart: &cart,
            candidates,
            unposted,
            limit,
            near_misses_wanted,
        }
        .rank();
        let render = |found: &Found<'_>| render(&evaluation, found);
        Ok(QualifyResponse {
            entries: ranked.entries.iter().map(render).collect(),
            near_misses: ranked.near_misses.iter().map(render).collect(),
            ..Default::default()
        })
    }

    /// The promotions of the cart's currency posted under its keys whose requirements the cart
    /// meets (with near misses: whose hard requirements it meets; those posted under keys the
    /// cart lacks come later, from `by_floor`), and which positions were met.
    fn promotion_candidates<'s>(
        &'s self,
        cart: &CartFacts<'_>,
        near_misses_wanted: bool,
        sources: &QualifySources<'s>,
    ) -> (Vec<Found<'s>>, Vec<bool>) {
        let mut candidates = Vec::new();
        let mut seen = vec![false; self.campaigns.len()];
        let Some(bucket) = self.buckets.get(cart.currency) else {
            return (candidates, seen);
        };
        let (postings, always) = (&bucket.strict, &bucket.strict_always);
        let mut posted: Vec<u32> = Vec::new();
        let mut key = String::new();
        cart.line_index.for_each_line_key(&mut key, |key| {
            if let Some(positions) = postings.get(key) {
                posted.extend_from_slice(positions);
            }
        });
        key.clear();
        key.push_str("ch:");
        key.push_str(cart.channel);
        if let Some(positions) = postings.get(&key) {
            posted.extend_from_slice(positions);
        }
        for &position in always.iter().chain(&posted) {
            if std::mem::replace(&mut seen[position as usize], true) {
                continue;
            }
            let requirements = &self.requirements[position as usize];
            if !requirements.hard_hold(cart)
                || (!near_misses_wanted && !requirements.thresholds_hold(cart))
            {
                continue;
            }
            candidates.push(self.promotion(position, sources));
        }
        (candidates, seen)
    }

    /// The promotion at an index position as a candidate.
    fn promotion<'s>(&'s self, position: u32, sources: &QualifySources<'s>) -> Found<'s> {
        Found {
            rank: self.ranks[position as usize],
            source: WalletSource::AutoPromotion,
            campaign: self.campaigns[position as usize].as_ref(),
            code: None,
            counters: sources
                .promotion_counters
                .get(&position)
                .copied()
                .unwrap_or(&NO_COUNTERS),
            figure: 0,
        }
    }

    /// The public codes of coupon campaigns, then the customer's assigned codes.
    fn add_code_candidates<'s>(
        &'s self,
        candidates: &mut Vec<Found<'s>>,
        sources: &QualifySources<'s>,
    ) {
        for &(campaign_id, code, counters) in &sources.public_codes {
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
                counters,
                figure: 0,
            });
        }
        for &(code, counters) in &sources.assigned_codes {
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
                counters,
                figure: 0,
            });
        }
    }

    /// The live campaign of an id, with its rank in id order.
    fn ranked(&self, id: &str) -> Option<(u32, &CompiledCampaign)> {
        self.by_id.get(id).map(|&position| {
            let position = position as usize;
            (self.ranks[position], self.campaigns[position].as_ref())
        })
    }
}

/// Each campaign's rank in campaign id order.
fn id_ranks(campaigns: &[Arc<CompiledCampaign>]) -> Vec<u32> {
    let mut by_id_order: Vec<usize> = (0..campaigns.len()).collect();
    by_id_order.sort_by(|&a, &b| campaigns[a].id().cmp(campaigns[b].id()));
    let mut ranks = vec![0; campaigns.len()];
    for (rank, &position) in by_id_order.iter().enumerate() {
        ranks[position] = rank as u32;
    }
    ranks
}

/// The request's order and customer checked as a checkout's, its limit and instant too.
fn checked_request(
    request: &QualifyRequest,
    now_unix_ms: i64,
) -> Result<ValidatedCheckout<'_>, CheckoutError> {
    let checkout = validate_parts(request.order.as_ref(), request.customer.as_ref(), &[], None)?;
    if request.limit < 0 {
        return Err(
            RequestError::new("limit", format!("must be >= 0; got {}", request.limit)).into(),
        );
    }
    if !is_representable(now_unix_ms) {
        return Err(ContextError::new(format!("now_unix_ms {now_unix_ms} is out of range")).into());
    }
    Ok(checkout)
}

/// The best `limit` entries and the closest `limit` near misses.
#[derive(Default)]
struct Ranked<'a> {
    entries: Vec<Found<'a>>,
    near_misses: Vec<Found<'a>>,
}

/// Evaluates candidates to rank them (totals only, no explanation written).
struct Ranking<'e, 'r, 'a> {
    evaluation: &'e mut Evaluation<'r>,
    cart: &'e CartFacts<'e>,
    candidates: Vec<Found<'a>>,
    /// With near misses: the promotions posted under line keys the cart lacks.
    unposted: Option<Unposted<'a>>,
    limit: usize,
    near_misses_wanted: bool,
}

/// The promotions posted under line keys a cart lacks, in ascending order of their near-miss
/// floor: none of them applies, and none can come nearer than its floor.
struct Unposted<'a> {
    index: &'a CampaignIndex,
    sources: &'a QualifySources<'a>,
    by_floor: &'a [(i64, u32, u32)],
    next: usize,
    /// The positions already among the candidates.
    seen: Vec<bool>,
}

impl<'a> Unposted<'a> {
    /// The next one's (floor, rank).
    fn peek(&self) -> Option<(i64, u32)> {
        self.by_floor
            .get(self.next)
            .map(|&(floor, rank, _)| (floor, rank))
    }

    /// The next one, unless it is a candidate already or misses a hard requirement.
    fn take(&mut self, cart: &CartFacts<'_>) -> Option<Found<'a>> {
        let &(_, _, position) = self.by_floor.get(self.next)?;
        self.next += 1;
        if std::mem::replace(&mut self.seen[position as usize], true)
            || !self.index.requirements[position as usize].hard_hold(cart)
        {
            return None;
        }
        Some(self.index.promotion(position, self.sources))
    }
}

/// A near-miss candidate waiting in `closest`: (smallest near miss, rank, code, position).
type Waiting<'a> = Reverse<(i64, u32, &'a str, usize)>;

impl<'a> Ranking<'_, '_, 'a> {
    /// Candidates that may apply are evaluated in descending order of an upper bound of their
    /// discount: once `limit` deals are found, one whose bound is below the last of them cannot
    /// enter (nor can any after it). With near misses, the others are then evaluated closest
    /// possible near miss first (`outlook`; the promotions of line keys the cart lacks join as
    /// their floor comes up), until none left can come nearer than the `limit` near misses
    /// found. A candidate whose rule surely fails is never an entry, and one that fails without
    /// a near miss is never evaluated.
    fn rank(mut self) -> Ranked<'a> {
        let bounds = self.upper_bounds();
        // Without near misses an outlook is only asked of the candidates evaluated.
        let outlooks: Vec<Outlook> = if self.near_misses_wanted {
            let cart = self.cart;
            self.candidates
                .iter()
                .map(|found| outlook(&found.campaign.requirements().conjuncts, cart))
                .collect()
        } else {
            Vec::new()
        };
        let evaluator = Evaluator::of(&self.candidates);
        let mut ranked = Ranked::default();
        self.evaluation.totals_only = true;
        let mut closest = self.best_entries(&bounds, &outlooks, &evaluator, &mut ranked);
        if self.near_misses_wanted {
            for (position, outlook) in outlooks.iter().enumerate() {
                if let Outlook::Missed(missing) = outlook {
                    closest.push(self.waiting(position, *missing));
                }
            }
            self.closest_near_misses(BinaryHeap::from(closest), &evaluator, &mut ranked);
        }
        self.evaluation.totals_only = false;
        top(&mut ranked.entries, self.limit, best_first);
        top(&mut ranked.near_misses, self.limit, closest_first);
        ranked
    }

    /// Each candidate's upper bound of its discount on this checkout.
    fn upper_bounds(&self) -> Vec<i64> {
        let checkout = self.evaluation.checkout;
        self.candidates
            .iter()
            .map(|found| {
                found
                    .campaign
                    .effect_for(checkout.customer_id)
                    .map_or(0, |effect| {
                        effect.upper_bound(checkout.items_amount, checkout.order.shipping_amount)
                    })
            })
            .collect()
    }

    /// A candidate waiting to be evaluated for its near miss, nearest first.
    fn waiting(&self, position: usize, missing: i64) -> Waiting<'a> {
        let found = &self.candidates[position];
        Reverse((missing, found.rank, code_of(found), position))
    }

    /// Evaluates the candidates that may apply, highest bound first, into `ranked.entries`
    /// until none left can enter the best `limit`; returns those left that may still be near
    /// misses (with `outlooks`: an empty `outlooks` means near misses are not wanted).
    fn best_entries(
        &mut self,
        bounds: &[i64],
        outlooks: &[Outlook],
        evaluator: &Evaluator<'a>,
        ranked: &mut Ranked<'a>,
    ) -> Vec<Waiting<'a>> {
        let candidates = &self.candidates;
        let mut may_apply: Vec<usize> = (0..candidates.len())
            .filter(|&position| {
                outlooks.is_empty() || matches!(outlooks[position], Outlook::Open(_))
            })
            .collect();
        may_apply.sort_by(|&a, &b| {
            bounds[b]
                .cmp(&bounds[a])
                .then_with(|| tie(&candidates[a], &candidates[b]))
        });
        let limit = self.limit;
        let mut closest: Vec<Waiting<'a>> = Vec::new();
        for (at, &position) in may_apply.iter().enumerate() {
            if limit > 0 && ranked.entries.len() >= limit {
                top(&mut ranked.entries, limit, best_first);
                if bounds[position] < ranked.entries[limit - 1].figure {
                    // No entry left: the rest may still be near misses.
                    for &position in &may_apply[at..] {
                        if let Some(Outlook::Open(Some(missing))) = outlooks.get(position) {
                            closest.push(self.waiting(position, *missing));
                        }
                    }
                    break;
                }
            }
            let found = &self.candidates[position];
            if outlooks.is_empty()
                && !matches!(
                    outlook(&found.campaign.requirements().conjuncts, self.cart),
                    Outlook::Open(_)
                )
            {
                continue;
            }
            evaluator.evaluate(
                self.evaluation,
                found,
                position,
                self.near_misses_wanted,
                ranked,
            );
        }
        closest
    }

    /// Evaluates the waiting candidates closest first, the unposted promotions joining them as
    /// their floor comes up, until none left can enter the `limit` nearest.
    fn closest_near_misses(
        &mut self,
        mut closest: BinaryHeap<Waiting<'a>>,
        evaluator: &Evaluator<'a>,
        ranked: &mut Ranked<'a>,
    ) {
        let limit = self.limit;
        let mut joined: Vec<Found<'a>> = Vec::new();
        let candidate_count = self.candidates.len();
        loop {
            let full = limit > 0 && ranked.near_misses.len() >= limit;
            if full {
                top(&mut ranked.near_misses, limit, closest_first);
            }
            // Whether a candidate whose near miss is at least `missing` cannot enter.
            let beyond = |ranked: &Ranked<'a>, at_best: &Found<'a>| {
                full && closest_first(at_best, &ranked.near_misses[limit - 1]).is_gt()
            };
            let next_waiting = closest.peek().map(|Reverse(key)| (key.0, key.1, key.2));
            let next_unposted = self.unposted.as_ref().and_then(Unposted::peek);
            if let Some((floor, rank)) = next_unposted {
                if next_waiting.is_none_or(|waiting| (floor, rank, "") <= waiting) {
                    let unposted = self.unposted.as_mut().expect("peeked");
                    let position = unposted.by_floor[unposted.next].2 as usize;
                    let at_floor = Found {
                        figure: floor,
                        ..unposted.index.promotion(position as u32, unposted.sources)
                    };
                    if beyond(ranked, &at_floor) {
                        return;
                    }
                    if let Some(found) = unposted.take(self.cart) {
                        let missing =
                            match outlook(&found.campaign.requirements().conjuncts, self.cart) {
                                Outlook::Missed(missing) | Outlook::Open(Some(missing)) => missing,
                                Outlook::Open(None) | Outlook::Out => continue,
                            };
                        let position = candidate_count + joined.len();
                        closest.push(Reverse((missing, found.rank, "", position)));
                        joined.push(found);
                    }
                    continue;
                }
            }
            let Some(Reverse((missing, _, _, position))) = closest.pop() else {
                return;
            };
            let found = match position.checked_sub(candidate_count) {
                None => &self.candidates[position],
                Some(at) => &joined[at],
            };
            if beyond(
                ranked,
                &Found {
                    figure: missing,
                    ..*found
                },
            ) {
                return;
            }
            evaluator.evaluate(self.evaluation, found, position, true, ranked);
        }
    }
}

/// The redeemables candidates are checked as.
struct Evaluator<'a> {
    /// The checks only ask whether a redeemable is a code: one shared promotion stands for
    /// every promotion (no per-candidate allocation); results get the real one.
    any_promotion: Redeemable,
    /// Per candidate position: the code redeemable of a code (default for a promotion).
    code_redeemables: Vec<Redeemable>,
    marker: std::marker::PhantomData<&'a ()>,
}

impl<'a> Evaluator<'a> {
    fn of(candidates: &[Found<'a>]) -> Self {
        Evaluator {
            any_promotion: Redeemable {
                target: Some(Target::PromotionId(String::new())),
                ..Default::default()
            },
            code_redeemables: candidates
                .iter()
                .map(|found| found.code.map(code_redeemable).unwrap_or_default())
                .collect(),
            marker: std::marker::PhantomData,
        }
    }

    /// Evaluates one candidate: an entry when it applies, a near miss when its rule fails with
    /// one (and they are wanted).
    fn evaluate(
        &self,
        evaluation: &Evaluation<'_>,
        found: &Found<'a>,
        position: usize,
        near_misses_wanted: bool,
        ranked: &mut Ranked<'a>,
    ) {
        let candidate = Candidate {
            redeemable: match found.code {
                Some(_) => &self.code_redeemables[position],
                None => &self.any_promotion,
            },
            campaign: found.campaign,
            code: found.code,
            counters: found.counters,
            held_by_other_session: false,
        };
        match evaluation.check_discount(&candidate, Detail::NearMiss) {
            Ok(discount) => ranked.entries.push(Found {
                figure: discount.total(),
                ..*found
            }),
            Err(Rejection {
                reason: Reason::RulesNotMet,
                missing: Some(missing),
                ..
            }) if near_misses_wanted => ranked.near_misses.push(Found {
                figure: missing,
                ..*found
            }),
            Err(_) => {}
        }
    }
}

/// Ties by campaign id, then code.
fn tie(a: &Found<'_>, b: &Found<'_>) -> std::cmp::Ordering {
    a.rank.cmp(&b.rank).then_with(|| code_of(a).cmp(code_of(b)))
}

/// Best deal first.
fn best_first(a: &Found<'_>, b: &Found<'_>) -> std::cmp::Ordering {
    b.figure.cmp(&a.figure).then_with(|| tie(a, b))
}

/// Smallest distance first.
fn closest_first(a: &Found<'_>, b: &Found<'_>) -> std::cmp::Ordering {
    a.figure.cmp(&b.figure).then_with(|| tie(a, b))
}

/// A ranked candidate as a wallet entry: evaluated again, explained this time.
fn render(evaluation: &Evaluation<'_>, found: &Found<'_>) -> WalletEntry {
    let checkout = evaluation.checkout;
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
            checkout,
            &discount,
            discount.added.as_ref().map(|_| checkout.order.items.len()),
        ),
        Err(rejection) => reject(&mut result, rejection),
    }
    WalletEntry {
        source: found.source as i32,
        result: Some(result),
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
