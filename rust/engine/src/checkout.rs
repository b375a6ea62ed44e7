//! Evaluation of one checkout: every requested redeemable (then the joined auto promotions) is
//! checked in order, the valid ones are applied to the running cart under the stacking rules,
//! and the totals are computed. The answer is a promocore.v1.ValidateResponse.

use prost::Message;

use crate::campaign::CompiledCampaign;
use crate::cart::RunningCart;
use crate::effects::ItemsDiscount;
use crate::error::{CheckoutError, ContextError, RequestError};
use crate::limits::{LimitBreach, RequestUsage};
use crate::pb::internal::{CheckoutInput, Counters, EvaluationContext, ResolvedRedeemable};
use crate::pb::v1::redeemable::Target;
use crate::pb::v1::{
    ApplicationMode, Code, Explanation, ItemAllocation, OrderTotals, Redeemable, RedeemableResult,
    RedeemableStatus, ValidateResponse,
};
use crate::reason::Reason;
use crate::request::{validate_checkout, ValidatedCheckout};
use crate::rules::{ExplainContext, OrderFacts};
use crate::schedule::{is_representable, timestamp_to_unix_ms};
use crate::stacking::{stacking_limit_message, Stacking};

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

/// Evaluates a checkout. `context.redeemables[i]` resolves `input.redeemables[i]`; its
/// `campaign_slot` indexes `campaigns`.
pub fn evaluate_checkout(
    input: &CheckoutInput,
    context: &EvaluationContext,
    campaigns: &[&CompiledCampaign],
) -> Result<ValidateResponse, CheckoutError> {
    let checkout = validate_checkout(input)?;
    validate_context(context, &checkout, campaigns)?;

    let mut evaluation = Evaluation {
        checkout: &checkout,
        now_unix_ms: context.now_unix_ms,
        cart: RunningCart::new(&checkout.line_amounts),
        stacking: Stacking::default(),
        usage: RequestUsage::default(),
    };
    let requested_count = checkout.redeemables.len();
    let mut results = Vec::with_capacity(requested_count + context.promotions.len());
    for (index, (redeemable, resolved)) in checkout
        .redeemables
        .iter()
        .zip(&context.redeemables)
        .enumerate()
    {
        let campaign = campaign_in_slot(campaigns, resolved.campaign_slot);
        results.push(evaluation.evaluate(redeemable.clone(), Some(index), campaign, resolved));
    }
    if checkout.include_promotions {
        let mut joined_ids: Vec<&str> = Vec::with_capacity(context.promotions.len());
        for resolved in &context.promotions {
            let Some(campaign) = campaign_in_slot(campaigns, resolved.campaign_slot) else {
                continue;
            };
            // A promotion already presented explicitly (or listed twice) is evaluated once.
            if joined_ids.contains(&campaign.id()) || is_requested_promotion(&checkout, campaign) {
                continue;
            }
            joined_ids.push(campaign.id());
            let redeemable = Redeemable {
                target: Some(Target::PromotionId(campaign.id().to_owned())),
                ..Default::default()
            };
            results.push(evaluation.evaluate(redeemable, None, Some(campaign), resolved));
        }
    }

    if checkout.mode == ApplicationMode::All {
        skip_all_if_any_requested_failed(&mut results, requested_count);
    }
    let totals = order_totals(&checkout, &results);
    let valid = results[..requested_count]
        .iter()
        .all(|result| result.status == RedeemableStatus::Applicable as i32)
        && results
            .iter()
            .any(|result| result.status == RedeemableStatus::Applicable as i32);
    Ok(ValidateResponse {
        valid,
        redeemables: results,
        totals: Some(totals),
        added_items: Vec::new(),
        reservation: None,
    })
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
    let check = |field: String, resolved: &ResolvedRedeemable, may_be_missing: bool| {
        let slot = resolved.campaign_slot;
        let in_range = usize::try_from(slot).is_ok_and(|slot| slot < campaigns.len());
        let missing_allowed = may_be_missing && slot == SLOT_NOT_FOUND;
        if !(in_range || missing_allowed) {
            return Err(ContextError::new(format!(
                "{field}.campaign_slot {slot} does not index the {} campaigns",
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
                    "{field}.code has an invalid start_at or expire_at"
                )));
            }
        }
        Ok(())
    };
    for (index, resolved) in context.redeemables.iter().enumerate() {
        check(format!("redeemables[{index}]"), resolved, true)?;
    }
    for (index, resolved) in context.promotions.iter().enumerate() {
        check(format!("promotions[{index}]"), resolved, false)?;
    }
    Ok(())
}

/// Why a redeemable is inapplicable.
struct Rejection {
    reason: Reason,
    message: String,
    /// Boxed: rejections are the rare path and an Explanation is large.
    explanation: Option<Box<Explanation>>,
}

impl Rejection {
    fn new(reason: Reason, message: impl Into<String>) -> Rejection {
        Rejection {
            reason,
            message: message.into(),
            explanation: None,
        }
    }

    /// A limit breach, reported as `reserved_by_other_session` when another session's hold is
    /// what fills the limit.
    fn limit(breach: LimitBreach, held_by_other_session: bool) -> Rejection {
        if held_by_other_session && breach.is_capacity() {
            return reserved_by_other_session();
        }
        Rejection::new(breach.reason(), breach.message())
    }
}

fn reserved_by_other_session() -> Rejection {
    Rejection::new(
        Reason::ReservedByOtherSession,
        "Another checkout session holds the last use of this offer; try again shortly.",
    )
}

/// The state of one checkout evaluation.
struct Evaluation<'r> {
    checkout: &'r ValidatedCheckout<'r>,
    now_unix_ms: i64,
    cart: RunningCart,
    stacking: Stacking,
    usage: RequestUsage,
}

impl Evaluation<'_> {
    /// Checks one redeemable and, when valid and admitted by the stacking rules, applies it to
    /// the running cart. `request_index` is None for joined promotions.
    fn evaluate(
        &mut self,
        redeemable: Redeemable,
        request_index: Option<usize>,
        campaign: Option<&CompiledCampaign>,
        resolved: &ResolvedRedeemable,
    ) -> RedeemableResult {
        let mut result = RedeemableResult::default();
        let Some(campaign) = campaign else {
            let message = format!("{} does not exist.", describe_redeemable(&redeemable));
            result.redeemable = Some(redeemable);
            set_status(
                &mut result,
                RedeemableStatus::Inapplicable,
                Reason::CodeNotFound,
                message,
            );
            return result;
        };
        result.campaign_id = campaign.id().to_owned();
        result.campaign_name = campaign.name().to_owned();
        result.campaign_version = campaign.version();
        result.category = campaign.category().to_owned();

        match self.check(&redeemable, request_index, campaign, resolved) {
            Err(rejection) => {
                set_status(
                    &mut result,
                    RedeemableStatus::Inapplicable,
                    rejection.reason,
                    rejection.message,
                );
                result.explanation = rejection.explanation.map(|explanation| *explanation);
            }
            Ok(discount) => match self.stacking.admit() {
                Err(reason) => {
                    set_status(
                        &mut result,
                        RedeemableStatus::Skipped,
                        reason,
                        stacking_limit_message(),
                    );
                }
                Ok(()) => {
                    self.stacking.record_applied();
                    self.usage.record(
                        campaign.id(),
                        self.checkout.customer_id.is_some(),
                        discount.total,
                        self.checkout.items_amount,
                    );
                    self.cart.apply(&discount.line_discounts);
                    result.status = RedeemableStatus::Applicable as i32;
                    result.items_discount = discount.total;
                    result.allocations = allocations(self.checkout, &discount);
                }
            },
        }
        result.redeemable = Some(redeemable);
        result
    }

    /// The checks of SPEC section 5 in order; the first failure decides the reason.
    fn check(
        &self,
        redeemable: &Redeemable,
        request_index: Option<usize>,
        campaign: &CompiledCampaign,
        resolved: &ResolvedRedeemable,
    ) -> Result<ItemsDiscount, Rejection> {
        let checkout = self.checkout;
        if let Some(index) = request_index {
            let earlier = &checkout.redeemables[..index];
            if earlier.iter().any(|other| same_target(other, redeemable)) {
                return Err(Rejection::new(
                    Reason::DuplicateRedeemable,
                    format!(
                        "{} is already in this request.",
                        describe_redeemable(redeemable)
                    ),
                ));
            }
        }

        if campaign.currency() != checkout.order.currency {
            return Err(Rejection::new(
                Reason::CurrencyMismatch,
                format!(
                    "This offer is in {}, the order is in {}.",
                    campaign.currency(),
                    checkout.order.currency
                ),
            ));
        }

        // The code record matters only for code redeemables.
        let code = match redeemable.target {
            Some(Target::Code(_)) => resolved.code.as_ref(),
            _ => None,
        };
        if campaign.is_draft() {
            return Err(Rejection::new(
                Reason::CampaignInactive,
                "This offer is not published yet.",
            ));
        }
        if !campaign.is_active() {
            return Err(Rejection::new(
                Reason::CampaignInactive,
                "This offer is not active.",
            ));
        }
        if code.is_some_and(|code| code.active == Some(false)) {
            return Err(Rejection::new(
                Reason::CampaignInactive,
                "This code is not active.",
            ));
        }

        self.check_schedule(campaign, code)?;

        if let Some(code) = code {
            let assigned = &code.assigned_customer_id;
            if !assigned.is_empty() && checkout.customer_id != Some(assigned.as_str()) {
                return Err(Rejection::new(
                    Reason::NotAssignedToCustomer,
                    "This code is assigned to another customer.",
                ));
            }
        }

        let default_counters = Counters::default();
        let read = resolved.counters.as_ref().unwrap_or(&default_counters);
        let counters = &self.usage.counters_with_usage(campaign.id(), read);
        let held = resolved.held_by_other_session;
        if matches!(redeemable.target, Some(Target::Code(_))) {
            let quantity = code
                .and_then(|code| code.redemption_quantity)
                .or(campaign.code_redemption_quantity());
            if let Some(quantity) = quantity.filter(|&q| counters.code_redeemed >= q) {
                if held {
                    return Err(reserved_by_other_session());
                }
                let times = if quantity == 1 {
                    "once".to_owned()
                } else {
                    format!("{quantity} times")
                };
                return Err(Rejection::new(
                    Reason::CodeQuantityExceeded,
                    format!("This code can be used {times} and has been used up."),
                ));
            }
        }

        if let Some(breach) = campaign.limits().check_redemption(
            counters,
            checkout.customer_id.is_some(),
            checkout.items_amount,
        ) {
            return Err(Rejection::limit(breach, held));
        }

        let facts = OrderFacts {
            order: checkout.order,
            customer_id: checkout.customer_id,
            customer_attributes: checkout.customer_attributes.as_ref(),
            running_line_amounts: self.cart.line_amounts(),
            initial_amount: checkout.items_amount,
            running_amount: self.cart.amount(),
            total_quantity: checkout.total_quantity,
        };
        if let Some(rule) = campaign.rule() {
            if !rule.evaluate(&facts) {
                let context = ExplainContext {
                    currency: campaign.currency(),
                    rules_message: campaign.rules_message(),
                    reward: campaign.reward(),
                };
                let explanation = rule.explain(&facts, &context);
                let message = explanation.as_ref().map_or_else(
                    || {
                        campaign
                            .rules_message()
                            .unwrap_or("This cart does not meet the offer's conditions.")
                            .to_owned()
                    },
                    |explanation| explanation.message.clone(),
                );
                return Err(Rejection {
                    reason: Reason::RulesNotMet,
                    message,
                    explanation: explanation.map(Box::new),
                });
            }
        }

        let discount = match campaign.effect() {
            Some(effect) => effect.apply(&self.cart),
            None => ItemsDiscount {
                total: 0,
                line_discounts: vec![0; self.cart.line_amounts().len()],
            },
        };
        if let Some(breach) = campaign.limits().check_discount(counters, discount.total) {
            return Err(Rejection::limit(breach, held));
        }
        if discount.total == 0 {
            return Err(Rejection::new(
                Reason::NoEffect,
                "This offer gives no discount on this cart.",
            ));
        }
        Ok(discount)
    }

    /// start_at / expire_at (the code's override when set) and the validity windows.
    fn check_schedule(
        &self,
        campaign: &CompiledCampaign,
        code: Option<&Code>,
    ) -> Result<(), Rejection> {
        let schedule = campaign.schedule();
        let code_instant = |timestamp: &Option<prost_types::Timestamp>| {
            timestamp.as_ref().and_then(timestamp_to_unix_ms)
        };
        let start_at = code
            .and_then(|code| code_instant(&code.start_at))
            .or(schedule.start_at_ms());
        let expire_at = code
            .and_then(|code| code_instant(&code.expire_at))
            .or(schedule.expire_at_ms());
        if let Some(start_at) = start_at.filter(|&start| self.now_unix_ms < start) {
            return Err(Rejection::new(
                Reason::NotStarted,
                format!(
                    "This offer starts on {}.",
                    schedule.format_instant(start_at)
                ),
            ));
        }
        if let Some(expire_at) = expire_at.filter(|&expire| self.now_unix_ms >= expire) {
            return Err(Rejection::new(
                Reason::Expired,
                format!(
                    "This offer expired on {}.",
                    schedule.format_instant(expire_at)
                ),
            ));
        }
        if !schedule.in_validity_window(self.now_unix_ms) {
            return Err(Rejection::new(
                Reason::OutsideValidityWindow,
                format!("This offer is valid only {}.", schedule.describe_windows()),
            ));
        }
        Ok(())
    }
}

fn set_status(
    result: &mut RedeemableResult,
    status: RedeemableStatus,
    reason: Reason,
    message: String,
) {
    result.status = status as i32;
    result.reason = reason.as_str().to_owned();
    result.message = message;
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

fn allocations(checkout: &ValidatedCheckout<'_>, discount: &ItemsDiscount) -> Vec<ItemAllocation> {
    discount
        .line_discounts
        .iter()
        .zip(&checkout.order.items)
        .enumerate()
        .filter(|(_, (&line_discount, _))| line_discount > 0)
        .map(|(index, (&line_discount, item))| ItemAllocation {
            // index < MAX_ITEMS, so it fits an i32.
            item_index: i32::try_from(index).unwrap_or(i32::MAX),
            sku: item.sku.clone(),
            discount: line_discount,
        })
        .collect()
}

/// ALL mode: when a requested redeemable is inapplicable, nothing applies.
fn skip_all_if_any_requested_failed(results: &mut [RedeemableResult], requested_count: usize) {
    let Some(failed) = results[..requested_count]
        .iter()
        .find(|result| result.status == RedeemableStatus::Inapplicable as i32)
    else {
        return;
    };
    let failed_name = failed
        .redeemable
        .as_ref()
        .map_or_else(|| "a redeemable".to_owned(), describe_redeemable);
    let message = format!(
        "Not applied: the request is in ALL mode and {failed_name} is not applicable ({}).",
        failed.reason
    );
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
        result.items_discount = 0;
        result.allocations.clear();
    }
}

fn order_totals(checkout: &ValidatedCheckout<'_>, results: &[RedeemableResult]) -> OrderTotals {
    let items_discount = results
        .iter()
        .filter(|result| result.status == RedeemableStatus::Applicable as i32)
        .fold(0i64, |sum, result| {
            sum.saturating_add(result.items_discount)
        });
    let shipping_amount = checkout.order.shipping_amount;
    let total_discount = items_discount;
    let amount_after_discounts = (checkout.amount - total_discount).max(0);
    OrderTotals {
        currency: checkout.order.currency.clone(),
        items_amount: checkout.items_amount,
        shipping_amount,
        amount: checkout.amount,
        items_discount,
        shipping_discount: 0,
        total_discount,
        amount_after_discounts,
        gift_card_amount: 0,
        points_amount: 0,
        total_to_pay: amount_after_discounts,
    }
}
