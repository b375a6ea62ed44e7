//! The evaluation of redeemables against one cart: the per-redeemable checks
//! in order (currency, activity, schedule, assignment, code quantity, limits, rule, effect,
//! budget), the stacking admission of discounts, and the tenders. Shared by checkouts (many
//! redeemables on one running cart) and Qualify (each candidate alone).

use prost_types::Timestamp;
use serde_json::{Map, Value as Json};

use crate::campaign::{CompiledCampaign, Role};
use crate::cart::{Discount, RunningCart};
use crate::effects::EffectInput;
use crate::limits::{LimitBreach, RequestUsage};
use crate::pb::internal::{Counters, CustomerProfile};
use crate::pb::v1::redeemable::Target;
use crate::pb::v1::{
    AddedItem, Code, Explanation, ItemAllocation, Redeemable, RedeemableResult, RedeemableStatus,
};
use crate::reason::Reason;
use crate::request::ValidatedCheckout;
use crate::rules::{ExplainContext, LineIndex, OrderFacts, TestEnv};
use crate::schedule::timestamp_to_unix_ms;
use crate::stacking::{Cause, Refusal, Skip, Stacking, StackingPolicy};

/// Why a redeemable is inapplicable.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub reason: Reason,
    /// Empty unless asked for (`Detail::Explained`): a rejection that is not listed has none.
    pub message: String,
    /// Boxed: rejections are the rare path and an Explanation is large.
    pub explanation: Option<Box<Explanation>>,
    /// The near-miss distance of a failed rule.
    pub missing: Option<i64>,
}

impl Rejection {
    pub fn new(reason: Reason, message: impl Into<String>) -> Rejection {
        Rejection {
            reason,
            message: message.into(),
            explanation: None,
            missing: None,
        }
    }

    /// A rejection whose message is written only when `detail` asks for it (a rejection that
    /// is not listed, or only ranked, pays for no formatting).
    fn saying(detail: Detail, reason: Reason, message: impl FnOnce() -> String) -> Rejection {
        let message = match detail {
            Detail::Explained => message(),
            Detail::NearMiss | Detail::Reason => String::new(),
        };
        Rejection::new(reason, message)
    }

    /// A limit breach, reported as `reserved_by_other_session` when another session's hold is
    /// what fills the limit.
    fn limit(breach: LimitBreach, held_by_other_session: bool, detail: Detail) -> Rejection {
        if held_by_other_session && breach.is_capacity() {
            return reserved_by_other_session(detail);
        }
        Rejection::saying(detail, breach.reason(), || breach.message())
    }
}

fn reserved_by_other_session(detail: Detail) -> Rejection {
    Rejection::saying(detail, Reason::ReservedByOtherSession, || {
        "Another checkout session holds the last use of this offer; try again shortly.".to_owned()
    })
}

/// One redeemable to evaluate, with what the store resolved for it.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub redeemable: &'a Redeemable,
    pub campaign: &'a CompiledCampaign,
    /// The code record; None for promotions.
    pub code: Option<&'a Code>,
    pub counters: &'a Counters,
    pub held_by_other_session: bool,
}

/// How much a rejection says about a rule that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The failing leaf explained: message, expected vs actual, near miss (what callers see).
    Explained,
    /// The reason and the near-miss distance only (Qualify ranks near misses by it).
    NearMiss,
    /// The reason only (a joined promotion whose rejection is not listed).
    Reason,
}

/// What a valid tender pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tender {
    pub gift_amount: i64,
    pub points: i64,
    pub points_amount: i64,
}

/// The state of one evaluation over one cart (cloned by the best-combination search at each
/// branch).
#[derive(Clone)]
pub struct Evaluation<'r> {
    pub checkout: &'r ValidatedCheckout<'r>,
    pub now_unix_ms: i64,
    pub attributes: Option<&'r Map<String, Json>>,
    pub profile: Option<&'r CustomerProfile>,
    pub policy: &'r StackingPolicy,
    pub cart: RunningCart,
    pub stacking: Stacking<'r>,
    pub usage: RequestUsage,
    /// Paid by the tenders applied so far.
    pub paid: i64,
    /// The cart's lines by category and SKU (Qualify builds it once for many campaigns).
    pub line_index: Option<&'r LineIndex<'r>>,
    /// Discounts are only ranked, never applied or shown: skip spreading them over the lines.
    pub totals_only: bool,
    /// Under the SINGLE product stack policy: the request lines an item-level effect
    /// discounted (empty otherwise).
    pub discounted_lines: Vec<bool>,
}

/// Whether a discount that passes its checks applies (when the stacking rules admit it) or is
/// left out by the best-combination search.
#[derive(Debug, Clone, Copy)]
pub enum Admission<'c> {
    Apply,
    /// Left out; `by` is the first redeemable of the chosen combination.
    LeaveOut {
        by: Option<Cause<'c>>,
    },
}

impl<'r> Evaluation<'r> {
    pub fn new(
        checkout: &'r ValidatedCheckout<'r>,
        now_unix_ms: i64,
        attributes: Option<&'r Map<String, Json>>,
        profile: Option<&'r CustomerProfile>,
        policy: &'r StackingPolicy,
    ) -> Evaluation<'r> {
        Evaluation {
            checkout,
            now_unix_ms,
            attributes,
            profile,
            policy,
            cart: RunningCart::new(&checkout.line_amounts, checkout.order.shipping_amount),
            stacking: Stacking::default(),
            usage: RequestUsage::default(),
            paid: 0,
            line_index: None,
            totals_only: false,
            discounted_lines: if policy.single_product() {
                vec![false; checkout.line_amounts.len()]
            } else {
                Vec::new()
            },
        }
    }

    /// The facts rules and effects read, for a campaign.
    pub fn facts<'s>(
        &'s self,
        campaign: &CompiledCampaign,
        counters: &'s Counters,
    ) -> OrderFacts<'s> {
        let checkout = self.checkout;
        OrderFacts {
            order: checkout.order,
            customer_id: checkout.customer_id,
            customer_attributes: self.attributes,
            profile: self.profile,
            order_metadata: checkout.order_metadata.as_ref(),
            item_metadata: &checkout.item_metadata,
            running_line_amounts: self.cart.line_amounts(),
            initial_amount: checkout.items_amount,
            running_amount: self.cart.amount(),
            total_quantity: checkout.total_quantity,
            counters,
            env: TestEnv {
                time_zone: campaign.schedule().time_zone(),
                now_ms: self.now_unix_ms,
            },
            line_index: self.line_index,
        }
    }

    /// Total after discounts minus what tenders paid so far.
    pub fn remaining_to_pay(&self) -> i64 {
        let discounted = (self.checkout.items_amount - self.cart.amount())
            + (self.checkout.order.shipping_amount - self.cart.shipping());
        (self.checkout.amount - discounted - self.paid).max(0)
    }

    /// The checks that do not depend on the cart's running amounts; Ok holds the counters with
    /// this request's own earlier use. A failure has its message only when `detail` asks.
    pub fn precheck(
        &self,
        candidate: &Candidate<'_>,
        detail: Detail,
    ) -> Result<Counters, Rejection> {
        let checkout = self.checkout;
        let campaign = candidate.campaign;
        let reject = |reason: Reason, message: &'static str| {
            Err(Rejection::saying(detail, reason, || message.to_owned()))
        };
        if campaign.currency() != checkout.order.currency {
            return Err(Rejection::saying(detail, Reason::CurrencyMismatch, || {
                format!(
                    "This offer is in {}, the order is in {}.",
                    campaign.currency(),
                    checkout.order.currency
                )
            }));
        }
        if campaign.is_draft() {
            return reject(Reason::CampaignInactive, "This offer is not published yet.");
        }
        if !campaign.is_active() {
            return reject(Reason::CampaignInactive, "This offer is not active.");
        }
        let code = candidate.code;
        if code.is_some_and(|code| code.active == Some(false)) {
            return reject(Reason::CampaignInactive, "This code is not active.");
        }
        self.check_schedule(campaign, code, detail)?;
        if let Some(code) = code {
            let assigned = &code.assigned_customer_id;
            if !assigned.is_empty() && checkout.customer_id != Some(assigned.as_str()) {
                return reject(
                    Reason::NotAssignedToCustomer,
                    "This code is assigned to another customer.",
                );
            }
            let referrer = &code.referrer_customer_id;
            if !referrer.is_empty() && checkout.customer_id == Some(referrer.as_str()) {
                return reject(
                    Reason::SelfReferral,
                    "A referrer cannot redeem their own referral code.",
                );
            }
        }
        let counters = self
            .usage
            .counters_with_usage(campaign.id(), candidate.counters);
        let held = candidate.held_by_other_session;
        if matches!(candidate.redeemable.target, Some(Target::Code(_))) {
            let quantity = code
                .and_then(|code| code.redemption_quantity)
                .or(campaign.code_redemption_quantity());
            if let Some(quantity) = quantity.filter(|&q| counters.code_redeemed >= q) {
                if held {
                    return Err(reserved_by_other_session(detail));
                }
                return Err(Rejection::saying(
                    detail,
                    Reason::CodeQuantityExceeded,
                    || {
                        let times = if quantity == 1 {
                            "once".to_owned()
                        } else {
                            format!("{quantity} times")
                        };
                        format!("This code can be used {times} and has been used up.")
                    },
                ));
            }
        }
        if let Some(breach) = campaign.limits().check_redemption(
            &counters,
            checkout.customer_id.is_some(),
            checkout.items_amount,
        ) {
            return Err(Rejection::limit(breach, held, detail));
        }
        Ok(counters)
    }

    /// The campaign's rule on the running cart; a failure says as much as `detail` asks.
    pub fn check_rule(
        &self,
        campaign: &CompiledCampaign,
        counters: &Counters,
        detail: Detail,
    ) -> Result<(), Rejection> {
        let Some(rule) = campaign.rule() else {
            return Ok(());
        };
        let facts = self.facts(campaign, counters);
        if rule.evaluate(&facts) {
            return Ok(());
        }
        match detail {
            Detail::Explained => {}
            Detail::NearMiss => {
                let mut rejection = Rejection::new(Reason::RulesNotMet, String::new());
                rejection.missing = rule.missing(&facts);
                return Err(rejection);
            }
            Detail::Reason => return Err(Rejection::new(Reason::RulesNotMet, String::new())),
        }
        let context = ExplainContext {
            currency: campaign.currency(),
            rules_message: campaign.rules_message(),
            reward: campaign.reward_for(self.checkout.customer_id),
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
        Err(Rejection {
            reason: Reason::RulesNotMet,
            message,
            missing: explanation
                .as_ref()
                .and_then(|e| e.near_miss.as_ref())
                .map(|n| n.missing),
            explanation: explanation.map(Box::new),
        })
    }

    /// Every check of a discount redeemable; Ok holds its discount on the running cart.
    pub fn check_discount(
        &self,
        candidate: &Candidate<'_>,
        detail: Detail,
    ) -> Result<Discount, Rejection> {
        let counters = self.precheck(candidate, detail)?;
        self.check_rule(candidate.campaign, &counters, detail)?;
        self.discount_of(candidate, &counters, self.totals_only, detail)
    }

    /// The effect of a redeemable whose other checks passed, within its budget; `totals_only`:
    /// only its total is wanted (an order-level amount is not spread over the lines).
    fn discount_of(
        &self,
        candidate: &Candidate<'_>,
        counters: &Counters,
        totals_only: bool,
        detail: Detail,
    ) -> Result<Discount, Rejection> {
        let campaign = candidate.campaign;
        let no_effect = || {
            Rejection::saying(detail, Reason::NoEffect, || {
                "This offer gives no discount on this cart.".to_owned()
            })
        };
        let Some(effect) = campaign.effect_for(self.checkout.customer_id) else {
            return Err(no_effect());
        };
        let mut facts = self.facts(campaign, counters);
        // SINGLE: lines an earlier item-level effect discounted are worth 0 to this one.
        let single = effect.is_item_level() && self.discounted_lines.contains(&true);
        let view = single.then(|| self.cart.without_lines(&self.discounted_lines));
        let cart = view.as_ref().unwrap_or(&self.cart);
        if single {
            facts.running_line_amounts = cart.line_amounts();
            facts.running_amount = cart.amount();
        }
        let initial_lines = self.policy.initial_base(campaign).then(|| {
            let mut lines = self.checkout.line_amounts.clone();
            if single {
                for (line, &taken) in lines.iter_mut().zip(&self.discounted_lines) {
                    if taken {
                        *line = 0;
                    }
                }
            }
            lines
        });
        let input = EffectInput {
            facts: &facts,
            currency: campaign.currency(),
            totals_only,
            initial_lines: initial_lines.as_deref(),
        };
        let discount = effect
            .apply(cart, &input)
            .map_err(|message| Rejection::new(Reason::NoEffect, message))?;
        if let Some(breach) = campaign.limits().check_discount(counters, discount.total()) {
            return Err(Rejection::limit(
                breach,
                candidate.held_by_other_session,
                detail,
            ));
        }
        if discount.total() == 0 && !self.policy.redeems_no_effect() {
            return Err(no_effect());
        }
        Ok(discount)
    }

    /// Evaluates a discount redeemable (at position `slot` of the checkout) and, when valid,
    /// admitted by the stacking rules and not left out (`admission`), applies it to the running
    /// cart. The answer's result is built apart (`discount_result`), so a caller that does not
    /// list a rejected redeemable builds none; a rejection says as much as `detail` asks.
    pub fn evaluate_discount(
        &mut self,
        candidate: &Candidate<'r>,
        slot: usize,
        detail: Detail,
        admission: Admission<'r>,
    ) -> DiscountOutcome {
        let campaign = candidate.campaign;
        let checked = self.precheck(candidate, detail).and_then(|counters| {
            self.check_rule(campaign, &counters, detail)?;
            // A discount the stacking rules refuse is SKIPPED when valid: only its total
            // decides that (the rules depend on what applied before, not on this discount).
            let refusal = self
                .stacking
                .refusal(self.policy, campaign)
                .or(match admission {
                    Admission::Apply => None,
                    Admission::LeaveOut { by } => Some(Refusal::LeftOut { by }),
                });
            let totals_only = self.totals_only || refusal.is_some();
            let discount = self.discount_of(candidate, &counters, totals_only, detail)?;
            Ok((discount, refusal))
        });
        match checked {
            Err(rejection) => DiscountOutcome::Rejected(rejection),
            Ok((_, Some(refusal))) => DiscountOutcome::Skipped(refusal.skip(campaign)),
            Ok((discount, None)) => {
                self.stacking.record_applied(self.policy, campaign, slot);
                self.record_usage(campaign, discount.total());
                if !self.discounted_lines.is_empty()
                    && campaign
                        .effect_for(self.checkout.customer_id)
                        .is_some_and(|effect| effect.is_item_level())
                {
                    for (taken, &line) in self
                        .discounted_lines
                        .iter_mut()
                        .zip(&discount.line_discounts)
                    {
                        *taken |= line > 0;
                    }
                }
                let added_index = self.cart.apply(&discount);
                DiscountOutcome::Applied {
                    discount,
                    added_index,
                }
            }
        }
    }

    /// The answer's result of an evaluated discount redeemable, listed as `redeemable`.
    pub fn discount_result(
        &self,
        candidate: &Candidate<'_>,
        redeemable: Redeemable,
        outcome: DiscountOutcome,
    ) -> RedeemableResult {
        let mut result = result_for(redeemable, candidate.campaign);
        if let Some(variant) = candidate.campaign.variant_for(self.checkout.customer_id) {
            result.variant = variant.name().to_owned();
        }
        match outcome {
            DiscountOutcome::Rejected(rejection) => reject(&mut result, rejection),
            DiscountOutcome::Skipped(skip) => set_status(
                &mut result,
                RedeemableStatus::Skipped,
                skip.reason,
                skip.message,
            ),
            DiscountOutcome::Applied {
                discount,
                added_index,
            } => fill_discount(&mut result, self.checkout, &discount, added_index),
        }
        result
    }

    fn record_usage(&mut self, campaign: &CompiledCampaign, discount: i64) {
        self.usage.record(
            campaign.id(),
            self.checkout.customer_id.is_some(),
            discount,
            self.checkout.items_amount,
        );
    }

    /// Every check of a tender; Ok holds what it pays.
    pub fn check_tender(&self, candidate: &Candidate<'_>) -> Result<Tender, Rejection> {
        let counters = self.precheck(candidate, Detail::Explained)?;
        self.check_rule(candidate.campaign, &counters, Detail::Explained)?;
        let remaining = self.remaining_to_pay();
        let nothing_left = || {
            Rejection::new(
                Reason::NoEffect,
                "Nothing is left to pay with this card on this order.",
            )
        };
        match candidate.campaign.role() {
            Role::GiftCard => {
                let balance = candidate.code.map_or(0, |code| code.gift_balance);
                if balance <= 0 {
                    return Err(Rejection::new(
                        Reason::InsufficientBalance,
                        "This gift card has no balance left.",
                    ));
                }
                let wanted = candidate.redeemable.amount.unwrap_or(i64::MAX);
                let pays = balance.min(remaining).min(wanted);
                if pays <= 0 {
                    return Err(nothing_left());
                }
                Ok(Tender {
                    gift_amount: pays,
                    ..Tender::default()
                })
            }
            Role::LoyaltyCard | Role::Discount => {
                let Some(requested) = candidate.redeemable.points else {
                    // The card only identifies the customer.
                    return Ok(Tender::default());
                };
                let balance = candidate.code.map_or(0, |code| code.points);
                if requested > balance {
                    return Err(Rejection::new(
                        Reason::InsufficientPoints,
                        format!("This card has {balance} points; {requested} were asked."),
                    ));
                }
                let Some((money, points)) = candidate.campaign.points_rate() else {
                    return Err(Rejection::new(
                        Reason::NoEffect,
                        "This loyalty program does not accept points as payment.",
                    ));
                };
                let worth = i128::from(requested) * i128::from(money) / i128::from(points);
                let amount = worth.min(i128::from(remaining));
                if amount <= 0 {
                    return Err(nothing_left());
                }
                // The fewest points that pay `amount` (never more than asked).
                let spent =
                    (amount * i128::from(points) + i128::from(money) - 1) / i128::from(money);
                Ok(Tender {
                    gift_amount: 0,
                    points: i64::try_from(spent).unwrap_or(requested),
                    points_amount: i64::try_from(amount).unwrap_or(0),
                })
            }
        }
    }

    /// Evaluates a tender and applies it when valid.
    pub fn apply_tender(&mut self, candidate: &Candidate<'r>) -> RedeemableResult {
        let mut result = base_result(candidate);
        match self.check_tender(candidate) {
            Err(rejection) => reject(&mut result, rejection),
            Ok(tender) => {
                self.record_usage(candidate.campaign, 0);
                self.paid += tender.gift_amount + tender.points_amount;
                result.status = RedeemableStatus::Applicable as i32;
                result.gift_amount = tender.gift_amount;
                result.points = tender.points;
                result.points_amount = tender.points_amount;
            }
        }
        result
    }

    /// start_at / expire_at (the code's override when set) and the validity windows.
    fn check_schedule(
        &self,
        campaign: &CompiledCampaign,
        code: Option<&Code>,
        detail: Detail,
    ) -> Result<(), Rejection> {
        let schedule = campaign.schedule();
        let code_instant =
            |timestamp: &Option<Timestamp>| timestamp.as_ref().and_then(timestamp_to_unix_ms);
        let start_at = code
            .and_then(|code| code_instant(&code.start_at))
            .or(schedule.start_at_ms());
        let expire_at = code
            .and_then(|code| code_instant(&code.expire_at))
            .or(schedule.expire_at_ms());
        if let Some(start_at) = start_at.filter(|&start| self.now_unix_ms < start) {
            return Err(Rejection::saying(detail, Reason::NotStarted, || {
                format!(
                    "This offer starts on {}.",
                    schedule.format_instant(start_at)
                )
            }));
        }
        if let Some(expire_at) = expire_at.filter(|&expire| self.now_unix_ms >= expire) {
            return Err(Rejection::saying(detail, Reason::Expired, || {
                format!(
                    "This offer expired on {}.",
                    schedule.format_instant(expire_at)
                )
            }));
        }
        if !schedule.in_validity_window(self.now_unix_ms) {
            return Err(Rejection::saying(
                detail,
                Reason::OutsideValidityWindow,
                || format!("This offer is valid only {}.", schedule.describe_windows()),
            ));
        }
        Ok(())
    }
}

/// What became of a discount redeemable in a checkout.
#[derive(Debug)]
pub enum DiscountOutcome {
    /// Valid, admitted and applied to the running cart.
    Applied {
        discount: Discount,
        /// The index of the line it added, if any.
        added_index: Option<usize>,
    },
    /// Valid, but the stacking rules refused it.
    Skipped(Skip),
    /// Not valid.
    Rejected(Rejection),
}

/// A result carrying the redeemable and its campaign, before any status.
pub fn base_result(candidate: &Candidate<'_>) -> RedeemableResult {
    result_for(candidate.redeemable.clone(), candidate.campaign)
}

/// A result listing `redeemable` of `campaign`, before any status.
pub fn result_for(redeemable: Redeemable, campaign: &CompiledCampaign) -> RedeemableResult {
    RedeemableResult {
        redeemable: Some(redeemable),
        campaign_id: campaign.id().to_owned(),
        campaign_name: campaign.name().to_owned(),
        campaign_version: campaign.version(),
        category: campaign.category().to_owned(),
        ..Default::default()
    }
}

pub fn set_status(
    result: &mut RedeemableResult,
    status: RedeemableStatus,
    reason: Reason,
    message: String,
) {
    result.status = status as i32;
    result.reason = reason.as_str().to_owned();
    result.message = message;
}

pub fn reject(result: &mut RedeemableResult, rejection: Rejection) {
    set_status(
        result,
        RedeemableStatus::Inapplicable,
        rejection.reason,
        rejection.message,
    );
    result.explanation = rejection.explanation.map(|explanation| *explanation);
}

/// An APPLICABLE result with the discount's figures and allocations.
pub fn fill_discount(
    result: &mut RedeemableResult,
    checkout: &ValidatedCheckout<'_>,
    discount: &Discount,
    added_index: Option<usize>,
) {
    result.status = RedeemableStatus::Applicable as i32;
    result.items_discount = discount.items_total();
    result.shipping_discount = discount.shipping;
    let discounted = discount.line_discounts.iter().filter(|&&d| d > 0).count();
    let added = usize::from(discount.added.is_some());
    result.allocations = Vec::with_capacity(discounted + added);
    result.allocations.extend(
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
            }),
    );
    if let (Some((item, line_discount)), Some(index)) = (&discount.added, added_index) {
        let item_index = i32::try_from(index).unwrap_or(i32::MAX);
        result.allocations.push(ItemAllocation {
            item_index,
            sku: item.sku.clone(),
            discount: *line_discount,
        });
        result.added_items.push(AddedItem {
            item: Some(item.clone()),
            item_index,
        });
    }
}
