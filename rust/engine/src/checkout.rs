//! Evaluation of one checkout: the requested redeemables (then the joined auto promotions) are
//! answered in request order; discounts are applied to the running cart in the stacking rules'
//! application order (by default category priority, campaign priority, request order), or, under
//! BEST_FOR_CUSTOMER, the combination of them that gives the customer the most; then gift cards,
//! then loyalty points. The answer is a promocore.v1.ValidateResponse.

use prost::Message;

use crate::campaign::{CompiledCampaign, Role};
use crate::combination::{best_combination, Choice, Outcome, SearchCandidate};
use crate::customer::merged_attributes;
use crate::error::{CheckoutError, ContextError, RequestError};
use crate::evaluation::{
    base_result, set_status, Admission, Candidate, Detail, DiscountOutcome, Evaluation,
};
use crate::fast_hash::FastSet;
use crate::limits::NO_COUNTERS;
use crate::pb::internal::{CheckoutInput, EvaluationContext, ResolvedRedeemable};
use crate::pb::v1::redeemable::Target;
use crate::pb::v1::{
    AddedItem, ApplicationMode, Combination, OrderTotals, Redeemable, RedeemableResult,
    RedeemableStatus, ValidateResponse,
};
use crate::qualify::requirements::CartFacts;
use crate::reason::Reason;
use crate::request::{validate_checkout, ValidatedCheckout};
use crate::rules::LineIndex;
use crate::schedule::{is_representable, timestamp_to_unix_ms};
use crate::stacking::{Cause, StackingPolicy};

/// `campaign_slot` of a redeemable whose code or promotion does not exist.
pub const SLOT_NOT_FOUND: i32 = -1;

/// Decodes the caller's ValidateRequest or RedeemRequest bytes (as a CheckoutInput, which
/// shares their fields 1..4) and an EvaluationContext, evaluates, and encodes the
/// ValidateResponse.
pub fn evaluate_checkout_bytes(
    request_bytes: &[u8],
    context_bytes: &[u8],
    campaigns: &[&CompiledCampaign],
) -> Result<Vec<u8>, CheckoutError> {
    let input = CheckoutInput::decode(request_bytes).map_err(|error| {
        RequestError::new(
            "request",
            format!("not a serialized checkout request: {error}"),
        )
    })?;
    let context = EvaluationContext::decode(context_bytes).map_err(|error| {
        ContextError::new(format!("not a serialized EvaluationContext: {error}"))
    })?;
    let response = evaluate_checkout(&input, &context, campaigns)?;
    Ok(response.encode_to_vec())
}

/// One answer slot: a requested redeemable or a joined promotion.
struct Entry<'a> {
    /// As requested; for a joined promotion a shared stand-in (the checks only ask whether a
    /// redeemable is a code): its result lists the campaign's id.
    redeemable: &'a Redeemable,
    joined: bool,
    campaign: Option<&'a CompiledCampaign>,
    resolved: &'a ResolvedRedeemable,
}

impl Entry<'_> {
    /// The redeemable as the answer lists it.
    fn listed(&self, campaign: &CompiledCampaign) -> Redeemable {
        if self.joined {
            Redeemable {
                target: Some(Target::PromotionId(campaign.id().to_owned())),
                ..Default::default()
            }
        } else {
            self.redeemable.clone()
        }
    }
}

/// Evaluates a checkout. `context.redeemables[i]` resolves `input.redeemables[i]`; its
/// `campaign_slot` indexes `campaigns`.
pub fn evaluate_checkout(
    input: &CheckoutInput,
    context: &EvaluationContext,
    campaigns: &[&CompiledCampaign],
) -> Result<ValidateResponse, CheckoutError> {
    let policy = compile_context_policy(context)?;
    evaluate_checkout_with_policy(input, context, campaigns, &policy)
}

/// The context's stacking rules compiled (a context built by the server carries valid ones).
pub fn compile_context_policy(context: &EvaluationContext) -> Result<StackingPolicy, ContextError> {
    StackingPolicy::compile(context.stacking_rules.as_ref()).map_err(|error| {
        ContextError::new(format!("stacking_rules.{}: {}", error.path, error.reason))
    })
}

/// Evaluates a checkout under stacking rules compiled beforehand (a CheckoutPlan compiles them
/// once per catalog generation); `context.stacking_rules` is not read.
pub fn evaluate_checkout_with_policy(
    input: &CheckoutInput,
    context: &EvaluationContext,
    campaigns: &[&CompiledCampaign],
    policy: &StackingPolicy,
) -> Result<ValidateResponse, CheckoutError> {
    let checkout = validate_checkout(input)?;
    validate_context(context, &checkout, campaigns)?;
    let attributes = merged_attributes(
        context.customer.as_ref(),
        checkout.customer_attributes.as_ref(),
    )?;

    let any_promotion = Redeemable {
        target: Some(Target::PromotionId(String::new())),
        ..Default::default()
    };
    // Joining promotions check their required lines, and many of their filters look for lines
    // by category or SKU: index them once.
    let line_index = (checkout.include_promotions && !context.promotions.is_empty())
        .then(|| LineIndex::build(checkout.order));
    let entries = checkout_entries(
        &checkout,
        context,
        campaigns,
        &any_promotion,
        line_index.as_ref(),
    );
    let requested_count = checkout.redeemables.len();

    let mut evaluation = Evaluation::new(
        &checkout,
        context.now_unix_ms,
        attributes.as_deref(),
        context.customer.as_ref(),
        policy,
    );
    if entries.len() > requested_count {
        evaluation.line_index = line_index.as_ref();
    }
    let Sorted {
        mut results,
        discounts,
        tenders,
    } = sort_by_role(&checkout, &entries, policy);
    // BEST_FOR_CUSTOMER: the combination to apply (the others are left out).
    let choice = policy
        .best_for_customer()
        .then(|| search_best(&evaluation, &entries, &discounts));
    answer_discounts(
        &mut evaluation,
        &entries,
        &discounts,
        choice.as_ref(),
        &mut results,
    );
    for slot in tenders {
        let entry = &entries[slot];
        if let Some(campaign) = entry.campaign {
            let mut result = evaluation.apply_tender(&candidate(entry, campaign));
            if entry.joined {
                result.redeemable = Some(entry.listed(campaign));
            }
            results[slot] = Some(result);
        }
    }
    Ok(response_of(
        &checkout,
        results,
        requested_count,
        choice.map_or_else(Vec::new, |choice| combinations(&choice, &entries)),
    ))
}

/// The requested redeemables in request order, then the auto promotions that join (those the
/// cart may qualify for, or all of them when asked to explain).
fn checkout_entries<'a>(
    checkout: &'a ValidatedCheckout<'a>,
    context: &'a EvaluationContext,
    campaigns: &[&'a CompiledCampaign],
    any_promotion: &'a Redeemable,
    line_index: Option<&LineIndex<'_>>,
) -> Vec<Entry<'a>> {
    let mut entries: Vec<Entry<'a>> =
        Vec::with_capacity(checkout.redeemables.len() + context.promotions.len());
    for (redeemable, resolved) in checkout.redeemables.iter().zip(&context.redeemables) {
        entries.push(Entry {
            redeemable,
            joined: false,
            campaign: campaign_in_slot(campaigns, resolved.campaign_slot),
            resolved,
        });
    }
    let Some(line_index) = line_index else {
        return entries;
    };
    let mut joined_ids: FastSet<&str> =
        FastSet::with_capacity_and_hasher(context.promotions.len(), Default::default());
    let cart = CartFacts::of(checkout, context.customer.as_ref(), line_index);
    for resolved in &context.promotions {
        let Some(campaign) = campaign_in_slot(campaigns, resolved.campaign_slot) else {
            continue;
        };
        // A promotion whose requirements this cart misses cannot apply (discounts only
        // lower the running amounts): unless asked to explain, it is not even evaluated.
        let requirements = campaign.requirements();
        let may_apply = requirements.hard_hold(&cart) && requirements.thresholds_hold(&cart);
        if !(checkout.explain_promotions || may_apply) {
            continue;
        }
        // A promotion already presented explicitly (or listed twice) is evaluated once.
        if joined_ids.contains(campaign.id()) || is_requested_promotion(checkout, campaign) {
            continue;
        }
        joined_ids.insert(campaign.id());
        entries.push(Entry {
            redeemable: any_promotion,
            joined: true,
            campaign: Some(campaign),
            resolved,
        });
    }
    entries
}

/// The entries by role, the answers known without evaluating (not found, duplicate) set.
struct Sorted {
    results: Vec<Option<RedeemableResult>>,
    /// (stacking order key, slot) of each discount, in stacking order.
    discounts: Vec<(crate::stacking::OrderKey, usize)>,
    /// Slots of the gift cards, then of the loyalty cards.
    tenders: Vec<usize>,
}

fn sort_by_role(
    checkout: &ValidatedCheckout<'_>,
    entries: &[Entry<'_>],
    policy: &StackingPolicy,
) -> Sorted {
    let requested_count = checkout.redeemables.len();
    let mut results: Vec<Option<RedeemableResult>> = Vec::new();
    results.resize_with(entries.len(), || None);
    let mut discounts = Vec::with_capacity(entries.len());
    let mut gift_cards: Vec<usize> = Vec::new();
    let mut loyalty_cards: Vec<usize> = Vec::new();
    for (slot, entry) in entries.iter().enumerate() {
        let Some(campaign) = entry.campaign else {
            results[slot] = Some(not_found(entry.redeemable));
            continue;
        };
        let earlier = &checkout.redeemables[..slot.min(requested_count)];
        if slot < requested_count
            && earlier
                .iter()
                .any(|other| same_target(other, entry.redeemable))
        {
            let mut result = base_result(&candidate(entry, campaign));
            set_status(
                &mut result,
                RedeemableStatus::Inapplicable,
                Reason::DuplicateRedeemable,
                format!(
                    "{} is already in this request.",
                    describe_redeemable(entry.redeemable)
                ),
            );
            results[slot] = Some(result);
            continue;
        }
        match campaign.role() {
            Role::Discount => discounts.push((policy.order_key(campaign), slot)),
            Role::GiftCard => gift_cards.push(slot),
            Role::LoyaltyCard => loyalty_cards.push(slot),
        }
    }
    // Equal priorities keep request order (promotions after the requested ones): the slot is
    // part of the key.
    discounts.sort_unstable();
    gift_cards.extend(loyalty_cards);
    Sorted {
        results,
        discounts,
        tenders: gift_cards,
    }
}

/// BEST_FOR_CUSTOMER's search over the discounts (a requested one is not optional in ALL mode).
fn search_best<'r>(
    evaluation: &Evaluation<'r>,
    entries: &'r [Entry<'r>],
    discounts: &[(crate::stacking::OrderKey, usize)],
) -> Choice {
    let checkout = evaluation.checkout;
    let requested_count = checkout.redeemables.len();
    let candidates: Vec<SearchCandidate<'r>> = discounts
        .iter()
        .filter_map(|&(_, slot)| {
            let entry = &entries[slot];
            entry.campaign.map(|campaign| SearchCandidate {
                candidate: candidate(entry, campaign),
                slot,
                optional: !(checkout.mode == ApplicationMode::All && slot < requested_count),
            })
        })
        .collect();
    best_combination(evaluation, &candidates)
}

/// Evaluates the discounts in stacking order on the running cart, leaving out those the chosen
/// combination (if any) does not apply.
fn answer_discounts<'r>(
    evaluation: &mut Evaluation<'r>,
    entries: &'r [Entry<'r>],
    discounts: &[(crate::stacking::OrderKey, usize)],
    choice: Option<&Choice>,
    results: &mut [Option<RedeemableResult>],
) {
    let explain_promotions = evaluation.checkout.explain_promotions;
    let chosen = choice.map(chosen_of);
    let left_out_by = chosen.and_then(|chosen| {
        let slot = *chosen.applied.first()?;
        entries[slot]
            .campaign
            .map(|campaign| Cause { campaign, slot })
    });
    for &(_, slot) in discounts {
        let entry = &entries[slot];
        let Some(campaign) = entry.campaign else {
            continue;
        };
        let listed = !entry.joined || explain_promotions;
        let detail = if listed {
            Detail::Explained
        } else {
            Detail::Reason
        };
        let admission = match chosen {
            Some(chosen) if !chosen.applied.contains(&slot) => {
                Admission::LeaveOut { by: left_out_by }
            }
            _ => Admission::Apply,
        };
        let candidate = candidate(entry, campaign);
        let outcome = evaluation.evaluate_discount(&candidate, slot, detail, admission);
        let skipped_by = match &outcome {
            DiscountOutcome::Skipped(skip) => skip.by,
            _ => None,
        };
        // A joined promotion that is not valid is not listed (see below): no result.
        if listed || !matches!(outcome, DiscountOutcome::Rejected(_)) {
            let redeemable = entry.listed(campaign);
            let mut result = evaluation.discount_result(&candidate, redeemable, outcome);
            result.skipped_by = skipped_by.and_then(|by| listed_at(entries, by));
            results[slot] = Some(result);
        }
    }
}

/// The answer: the results listed (ALL mode's skips, joined promotions the cart does not
/// qualify for left out), the added items, the totals, validity and the combinations.
fn response_of(
    checkout: &ValidatedCheckout<'_>,
    results: Vec<Option<RedeemableResult>>,
    requested_count: usize,
    combinations: Vec<Combination>,
) -> ValidateResponse {
    // Sized once: results are large, a growing list would copy them.
    let mut listed: Vec<RedeemableResult> = Vec::with_capacity(results.iter().flatten().count());
    listed.extend(results.into_iter().flatten());
    let mut results = listed;

    if checkout.mode == ApplicationMode::All {
        skip_all_if_any_requested_failed(&mut results, requested_count);
    }
    if !checkout.explain_promotions {
        // Joined promotions the cart does not qualify for are not the caller's concern (the
        // discounts among them got no result at all; this drops tenders in a hand-made context).
        let mut index = 0;
        results.retain(|result| {
            index += 1;
            index <= requested_count || result.status != RedeemableStatus::Inapplicable as i32
        });
    }
    let applicable =
        |result: &&RedeemableResult| result.status == RedeemableStatus::Applicable as i32;
    let mut added_items: Vec<AddedItem> = results
        .iter()
        .filter(applicable)
        .flat_map(|result| result.added_items.iter().cloned())
        .collect();
    added_items.sort_by_key(|added| added.item_index);
    let totals = order_totals(checkout, &results);
    let valid = results[..requested_count]
        .iter()
        .all(|result| applicable(&result))
        && results.iter().any(|result| applicable(&result));
    ValidateResponse {
        valid,
        redeemables: results,
        totals: Some(totals),
        added_items,
        reservation: None,
        combinations,
    }
}

/// The combination BEST_FOR_CUSTOMER applies: the best (the application-order one when the
/// search kept none).
fn chosen_of(choice: &Choice) -> &Outcome {
    choice.best.first().unwrap_or(&choice.application_order)
}

/// The redeemable at `slot` as the answer lists it.
fn listed_at(entries: &[Entry<'_>], slot: usize) -> Option<Redeemable> {
    let entry = entries.get(slot)?;
    entry.campaign.map(|campaign| entry.listed(campaign))
}

/// The answer's list of the best combinations (chosen first), then the application-order one
/// when it is not among them. A combination that applies nothing (worth 0) is no choice and is
/// not listed.
fn combinations(choice: &Choice, entries: &[Entry<'_>]) -> Vec<Combination> {
    let describe = |outcome: &Outcome, chosen: bool| Combination {
        applied: outcome
            .applied
            .iter()
            .filter_map(|&slot| listed_at(entries, slot))
            .collect(),
        total_discount: outcome.total_discount,
        chosen,
        application_order: outcome.applied == choice.application_order.applied,
    };
    let chosen = chosen_of(choice);
    let mut listed: Vec<Combination> = Vec::with_capacity(choice.best.len() + 1);
    listed.push(describe(chosen, true));
    listed.extend(choice.best.iter().skip(1).map(|o| describe(o, false)));
    if !listed
        .iter()
        .any(|combination| combination.application_order)
    {
        listed.push(describe(&choice.application_order, false));
    }
    listed.retain(|combination| !combination.applied.is_empty());
    listed
}

fn candidate<'a>(entry: &'a Entry<'a>, campaign: &'a CompiledCampaign) -> Candidate<'a> {
    Candidate {
        redeemable: entry.redeemable,
        campaign,
        // The code record matters only for code redeemables.
        code: match entry.redeemable.target {
            Some(Target::Code(_)) => entry.resolved.code.as_ref(),
            _ => None,
        },
        counters: entry.resolved.counters.as_ref().unwrap_or(&NO_COUNTERS),
        held_by_other_session: entry.resolved.held_by_other_session,
    }
}

fn not_found(redeemable: &Redeemable) -> RedeemableResult {
    let mut result = RedeemableResult {
        redeemable: Some(redeemable.clone()),
        ..Default::default()
    };
    set_status(
        &mut result,
        RedeemableStatus::Inapplicable,
        Reason::CodeNotFound,
        format!("{} does not exist.", describe_redeemable(redeemable)),
    );
    result
}

fn campaign_in_slot<'c>(
    campaigns: &[&'c CompiledCampaign],
    slot: i32,
) -> Option<&'c CompiledCampaign> {
    usize::try_from(slot)
        .ok()
        .and_then(|slot| campaigns.get(slot).copied())
}

fn is_requested_promotion(checkout: &ValidatedCheckout<'_>, campaign: &CompiledCampaign) -> bool {
    checkout.redeemables.iter().any(|redeemable| {
        matches!(&redeemable.target, Some(Target::PromotionId(id)) if id == campaign.id())
    })
}

/// The server built the context: a mismatch is its bug, not the caller's.
fn validate_context(
    context: &EvaluationContext,
    checkout: &ValidatedCheckout<'_>,
    campaigns: &[&CompiledCampaign],
) -> Result<(), ContextError> {
    if context.redeemables.len() != checkout.redeemables.len() {
        return Err(ContextError::new(format!(
            "{} resolved redeemables for {} requested",
            context.redeemables.len(),
            checkout.redeemables.len()
        )));
    }
    if !is_representable(context.now_unix_ms) {
        return Err(ContextError::new(format!(
            "now_unix_ms {} is out of range",
            context.now_unix_ms
        )));
    }
    // The field is named only when there is an error (a context has ~100 promotions).
    let check = |list: &str, index: usize, resolved: &ResolvedRedeemable, may_be_missing: bool| {
        let slot = resolved.campaign_slot;
        let in_range = usize::try_from(slot).is_ok_and(|slot| slot < campaigns.len());
        let missing_allowed = may_be_missing && slot == SLOT_NOT_FOUND;
        if !(in_range || missing_allowed) {
            return Err(ContextError::new(format!(
                "{list}[{index}].campaign_slot {slot} does not index the {} campaigns",
                campaigns.len()
            )));
        }
        if let Some(code) = &resolved.code {
            let valid = |timestamp: &Option<prost_types::Timestamp>| {
                timestamp
                    .as_ref()
                    .is_none_or(|t| timestamp_to_unix_ms(t).is_some())
            };
            if !valid(&code.start_at) || !valid(&code.expire_at) {
                return Err(ContextError::new(format!(
                    "{list}[{index}].code has an invalid start_at or expire_at"
                )));
            }
        }
        Ok(())
    };
    for (index, resolved) in context.redeemables.iter().enumerate() {
        check("redeemables", index, resolved, true)?;
    }
    for (index, resolved) in context.promotions.iter().enumerate() {
        check("promotions", index, resolved, false)?;
    }
    Ok(())
}

/// Codes match case-insensitively; promotions by id.
fn same_target(a: &Redeemable, b: &Redeemable) -> bool {
    match (&a.target, &b.target) {
        (Some(Target::Code(a)), Some(Target::Code(b))) => a
            .chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase)),
        (Some(Target::PromotionId(a)), Some(Target::PromotionId(b))) => a == b,
        _ => false,
    }
}

/// `Code "SUMMER10"` or `Promotion "spring-sale"`, for messages.
fn describe_redeemable(redeemable: &Redeemable) -> String {
    match &redeemable.target {
        Some(Target::Code(code)) => format!("Code \"{code}\""),
        Some(Target::PromotionId(id)) => format!("Promotion \"{id}\""),
        None => "The redeemable".to_owned(),
    }
}

/// ALL mode: when a requested redeemable is not applied, nothing applies.
fn skip_all_if_any_requested_failed(results: &mut [RedeemableResult], requested_count: usize) {
    let Some(failed) = results[..requested_count]
        .iter()
        .find(|result| result.status != RedeemableStatus::Applicable as i32)
    else {
        return;
    };
    let failed_name = failed
        .redeemable
        .as_ref()
        .map_or_else(|| "a redeemable".to_owned(), describe_redeemable);
    let state = if failed.status == RedeemableStatus::Skipped as i32 {
        "cannot be applied"
    } else {
        "is not applicable"
    };
    let message = format!(
        "Not applied: the request is in ALL mode and {failed_name} {state} ({}).",
        failed.reason
    );
    let failed_redeemable = failed.redeemable.clone();
    for result in results
        .iter_mut()
        .filter(|result| result.status == RedeemableStatus::Applicable as i32)
    {
        set_status(
            result,
            RedeemableStatus::Skipped,
            Reason::ApplicationModeAll,
            message.clone(),
        );
        result.skipped_by = failed_redeemable.clone();
        result.items_discount = 0;
        result.shipping_discount = 0;
        result.allocations.clear();
        result.added_items.clear();
        result.gift_amount = 0;
        result.points = 0;
        result.points_amount = 0;
    }
}

/// Totals over the applicable results; added lines (free gifts) stay out of the amounts.
fn order_totals(checkout: &ValidatedCheckout<'_>, results: &[RedeemableResult]) -> OrderTotals {
    let request_lines = checkout.order.items.len();
    let applicable = results
        .iter()
        .filter(|result| result.status == RedeemableStatus::Applicable as i32);
    let mut items_discount = 0i64;
    let mut shipping_discount = 0i64;
    let mut gift_card_amount = 0i64;
    let mut points_amount = 0i64;
    for result in applicable {
        items_discount = result
            .allocations
            .iter()
            .filter(|allocation| {
                usize::try_from(allocation.item_index).is_ok_and(|i| i < request_lines)
            })
            .fold(items_discount, |sum, allocation| {
                sum.saturating_add(allocation.discount)
            });
        shipping_discount = shipping_discount.saturating_add(result.shipping_discount);
        gift_card_amount = gift_card_amount.saturating_add(result.gift_amount);
        points_amount = points_amount.saturating_add(result.points_amount);
    }
    let total_discount = items_discount.saturating_add(shipping_discount);
    let amount_after_discounts = (checkout.amount - total_discount).max(0);
    OrderTotals {
        currency: checkout.order.currency.clone(),
        items_amount: checkout.items_amount,
        shipping_amount: checkout.order.shipping_amount,
        amount: checkout.amount,
        items_discount,
        shipping_discount,
        total_discount,
        amount_after_discounts,
        gift_card_amount,
        points_amount,
        total_to_pay: (amount_after_discounts - gift_card_amount - points_amount).max(0),
    }
}
