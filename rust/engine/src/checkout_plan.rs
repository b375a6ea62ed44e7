//! The catalog prepared for checkouts and Qualify, kept in Rust between requests: every campaign
//! by id, which of them read usage counters, the auto promotions that join a checkout, the
//! stacking rules, the public codes and (built on the first Qualify) the Qualify index. A request
//! brings the store's raw records (its code records, the customer's profile); the plan builds
//! the engine's context from them and says which counters the store must read. No
//! per-redeemable message crosses to Python and back.

use std::sync::{Arc, OnceLock};

use prost::Message;

use crate::campaign::CompiledCampaign;
use crate::checkout::{evaluate_checkout_with_policy, SLOT_NOT_FOUND};
use crate::counter_keys::CounterDelta;
use crate::counter_keys::{normalize_code, CounterKeys};
use crate::error::{CheckoutError, ContextError, RequestError};
use crate::fast_hash::FastMap;
use crate::pb::internal::{
    CheckoutInput, Counters, CustomerProfile, EvaluationContext, ResolvedRedeemable,
};
use crate::pb::v1::redeemable::Target;
use crate::pb::v1::{CampaignType, Code, CodeKind, StackingRules, ValidateResponse};
use crate::qualify::CampaignIndex;
use crate::redemption::RedemptionWrites;
use crate::redemption::{checkout_with_deltas, redeem_checkout, RedemptionIdentity};
use crate::stacking::StackingPolicy;

/// The catalog as checkouts see it; built once per catalog generation.
#[derive(Debug)]
pub struct CheckoutPlan {
    campaigns: Vec<Arc<CompiledCampaign>>,
    slots: FastMap<String, i32>,
    /// Slots of the joining promotions, in the order they join.
    promotions: Vec<i32>,
    /// The stacking rules compiled once for every request of this generation (rules that do
    /// not compile fail each evaluation, as a per-request compile would).
    stacking: Result<StackingPolicy, ContextError>,
    /// The public code of each coupon campaign that has one, in campaign id order.
    pub(crate) public_codes: Vec<Code>,
    /// Built on the first Qualify: checkouts never need it.
    qualify_index: OnceLock<CampaignIndex>,
}

/// The counters read for one entry of a request, and where each value goes.
#[derive(Debug)]
pub(crate) struct CounterRead<E> {
    pub(crate) entry: E,
    /// Index into the flat key list of each Counters field (None = not counted, 0).
    fields: [Option<usize>; COUNTER_FIELDS],
    /// Index of the gift card balance key in the flat list.
    gift_balance: Option<usize>,
    /// Index of the loyalty card in the points list.
    points: Option<usize>,
}

/// The counter keys a prepared request asks the store for, and which entry each value is for.
#[derive(Debug)]
pub(crate) struct CounterReads<E> {
    pub(crate) reads: Vec<CounterRead<E>>,
    /// Keys of the counters table to read, each as committed value plus other sessions' holds.
    pub(crate) counter_keys: Vec<Vec<u8>>,
    /// Loyalty card balance keys whose spendable points (plus holds) the store supplies.
    pub(crate) points_keys: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, Copy)]
enum EntryRef {
    Requested(usize),
    Promotion(usize),
}

const COUNTER_FIELDS: usize = 9;

/// A request resolved against the plan, waiting for the counters the store reads.
#[derive(Debug)]
pub struct PreparedCheckout {
    plan: Arc<CheckoutPlan>,
    input: CheckoutInput,
    context: EvaluationContext,
    reads: CounterReads<EntryRef>,
}

/// What the store read for a prepared checkout, in the order of its key lists.
#[derive(Debug, Default, Clone, Copy)]
pub struct CounterValues<'a> {
    /// Committed value plus other sessions' holds, per counter key.
    pub values: &'a [i64],
    /// Whether other sessions' holds are part of the value, per counter key.
    pub held: &'a [bool],
    /// Spendable points plus holds, per points key.
    pub points: &'a [i64],
}

impl CheckoutPlan {
    /// `campaigns`: every campaign, drafts included, in the order auto promotions join (the
    /// non-draft PROMOTION campaigns); `public_codes`: the public code of each coupon campaign
    /// that has one (Qualify offers the campaign through it).
    pub fn new(
        campaigns: Vec<Arc<CompiledCampaign>>,
        stacking_rules: Option<StackingRules>,
        mut public_codes: Vec<Code>,
    ) -> CheckoutPlan {
        public_codes.sort_by(|a, b| a.campaign_id.cmp(&b.campaign_id));
        let mut plan = CheckoutPlan {
            campaigns: Vec::with_capacity(campaigns.len()),
            slots: FastMap::default(),
            promotions: Vec::new(),
            stacking: StackingPolicy::compile(stacking_rules.as_ref()).map_err(|error| {
                ContextError::new(format!("stacking_rules.{}: {}", error.path, error.reason))
            }),
            public_codes,
            qualify_index: OnceLock::new(),
        };
        for campaign in campaigns {
            let slot = plan.campaigns.len() as i32;
            plan.slots.insert(campaign.id().to_owned(), slot);
            if campaign.campaign_type() == CampaignType::Promotion && !campaign.is_draft() {
                plan.promotions.push(slot);
            }
            plan.campaigns.push(campaign);
        }
        plan
    }

    /// The Qualify index of the campaigns that are not drafts (built on first use).
    pub fn qualify_index(&self) -> &CampaignIndex {
        self.qualify_index.get_or_init(|| {
            CampaignIndex::build(
                self.campaigns
                    .iter()
                    .filter(|campaign| !campaign.is_draft())
                    .cloned()
                    .collect(),
            )
        })
    }

    pub fn len(&self) -> usize {
        self.campaigns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.campaigns.is_empty()
    }

    /// The compiled campaigns, indexed by the context's slots.
    pub fn campaign_refs(&self) -> Vec<&CompiledCampaign> {
        self.campaigns.iter().map(Arc::as_ref).collect()
    }

    /// Decodes the request and builds its context: `code_records[i]` is the stored Code record
    /// of request redeemable i when it is a code the store has (None otherwise); `profile` the
    /// customer's stored CustomerProfile, if any.
    pub fn prepare(
        self: &Arc<Self>,
        request_bytes: &[u8],
        now_ms: i64,
        code_records: &[Option<&[u8]>],
        profile: Option<&[u8]>,
    ) -> Result<PreparedCheckout, CheckoutError> {
        let input = CheckoutInput::decode(request_bytes).map_err(|error| {
            RequestError::new(
                "request",
                format!("not a serialized checkout request: {error}"),
            )
        })?;
        self.prepare_input(input, now_ms, code_records, profile)
    }

    /// `prepare` for a request already decoded (a backtest builds each order's request itself:
    /// no encoding and decoding per order).
    pub fn prepare_input(
        self: &Arc<Self>,
        input: CheckoutInput,
        now_ms: i64,
        code_records: &[Option<&[u8]>],
        profile: Option<&[u8]>,
    ) -> Result<PreparedCheckout, CheckoutError> {
        check_code_count(code_records.len(), &input)?;
        let customer = profile
            .map(CustomerProfile::decode)
            .transpose()
            .map_err(|error| ContextError::new(format!("not a CustomerProfile: {error}")))?;
        self.prepare_resolving(input, now_ms, customer, |index| {
            code_records[index]
                .map(|record| {
                    Code::decode(record).map_err(|error| {
                        ContextError::new(format!("code record {index} is not a Code: {error}"))
                            .into()
                    })
                })
                .transpose()
        })
    }

    /// `prepare_input` with the code records and the profile decoded already (a backtest decodes
    /// them once, not for every order).
    pub fn prepare_decoded(
        self: &Arc<Self>,
        input: CheckoutInput,
        now_ms: i64,
        codes: &[Option<&Code>],
        profile: Option<&CustomerProfile>,
    ) -> Result<PreparedCheckout, CheckoutError> {
        check_code_count(codes.len(), &input)?;
        self.prepare_resolving(input, now_ms, profile.cloned(), |index| {
            Ok(codes[index].cloned())
        })
    }

    /// Builds the context: `code_of(i)` is the stored Code record of request redeemable i when
    /// it is a code (None when the store has none).
    fn prepare_resolving(
        self: &Arc<Self>,
        input: CheckoutInput,
        now_ms: i64,
        customer: Option<CustomerProfile>,
        mut code_of: impl FnMut(usize) -> Result<Option<Code>, CheckoutError>,
    ) -> Result<PreparedCheckout, CheckoutError> {
        let mut prepared = PreparedCheckout {
            plan: Arc::clone(self),
            context: EvaluationContext {
                now_unix_ms: now_ms,
                redeemables: Vec::with_capacity(input.redeemables.len()),
                promotions: Vec::new(),
                customer,
                // The plan's compiled policy is used instead (evaluate_checkout_with_policy).
                stacking_rules: None,
            },
            input: CheckoutInput::default(),
            reads: CounterReads::default(),
        };
        let customer_id = input
            .customer
            .as_ref()
            .map_or("", |customer| customer.id.as_str());
        for (index, redeemable) in input.redeemables.iter().enumerate() {
            let (slot, code) = match &redeemable.target {
                Some(Target::Code(_)) => match code_of(index)? {
                    Some(code) => (self.slot_of(&code.campaign_id), Some(code)),
                    None => (SLOT_NOT_FOUND, None),
                },
                Some(Target::PromotionId(id)) => (self.promotion_slot(id), None),
                _ => (SLOT_NOT_FOUND, None),
            };
            let resolved =
                prepared.resolve(slot, code, customer_id, now_ms, EntryRef::Requested(index));
            prepared.context.redeemables.push(resolved);
        }
        let include_promotions = input
            .options
            .as_ref()
            .is_some_and(|options| options.include_promotions);
        if include_promotions {
            prepared.context.promotions.reserve(self.promotions.len());
            for &slot in &self.promotions {
                let id = self.campaigns[slot as usize].id();
                // One presented explicitly is evaluated (and counted) once, as requested.
                if is_requested_promotion(&input, id) {
                    continue;
                }
                let entry = EntryRef::Promotion(prepared.context.promotions.len());
                let resolved = prepared.resolve(slot, None, customer_id, now_ms, entry);
                prepared.context.promotions.push(resolved);
            }
        }
        prepared.input = input;
        Ok(prepared)
    }

    fn slot_of(&self, campaign_id: &str) -> i32 {
        self.slots
            .get(campaign_id)
            .copied()
            .unwrap_or(SLOT_NOT_FOUND)
    }

    fn promotion_slot(&self, campaign_id: &str) -> i32 {
        let slot = self.slot_of(campaign_id);
        match usize::try_from(slot).ok().map(|slot| &self.campaigns[slot]) {
            Some(campaign) if campaign.campaign_type() == CampaignType::Promotion => slot,
            _ => SLOT_NOT_FOUND,
        }
    }
}

/// A stored record (or None) for each of the request's redeemables.
fn check_code_count(records: usize, input: &CheckoutInput) -> Result<(), CheckoutError> {
    if records != input.redeemables.len() {
        return Err(ContextError::new(format!(
            "{} code records for {} redeemables",
            records,
            input.redeemables.len()
        ))
        .into());
    }
    Ok(())
}

fn is_requested_promotion(input: &CheckoutInput, campaign_id: &str) -> bool {
    input.redeemables.iter().any(
        |redeemable| matches!(&redeemable.target, Some(Target::PromotionId(id)) if id == campaign_id),
    )
}

/// Whether evaluating a campaign (through this code, if any) needs its usage counters.
pub(crate) fn needs_counters(campaign: &CompiledCampaign, code: Option<&Code>) -> bool {
    campaign.reads_counters()
        || code.is_some_and(|code| {
            code.redemption_quantity.is_some()
                || code.kind == CodeKind::GiftCard as i32
                || code.kind == CodeKind::LoyaltyCard as i32
        })
}

impl PreparedCheckout {
    fn resolve(
        &mut self,
        slot: i32,
        code: Option<Code>,
        customer_id: &str,
        now_ms: i64,
        entry: EntryRef,
    ) -> ResolvedRedeemable {
        let Ok(index) = usize::try_from(slot) else {
            return ResolvedRedeemable {
                campaign_slot: SLOT_NOT_FOUND,
                ..Default::default()
            };
        };
        let campaign = &self.plan.campaigns[index];
        if needs_counters(campaign, code.as_ref()) {
            // An instant the engine cannot represent is refused by its context check.
            if let Some(keys) = counter_keys(campaign, code.as_ref(), customer_id, now_ms) {
                self.reads.plan(entry, keys);
            }
        }
        ResolvedRedeemable {
            campaign_slot: slot,
            code,
            counters: None,
            held_by_other_session: false,
        }
    }

    /// Keys of the counters table the store must read (empty: nothing to read).
    pub fn counter_keys(&self) -> &[Vec<u8>] {
        &self.reads.counter_keys
    }

    /// Loyalty card keys whose spendable points the store must supply.
    pub fn points_keys(&self) -> &[Vec<u8>] {
        &self.reads.points_keys
    }

    /// The request back, once evaluated (a backtest reads the next order into its buffers).
    pub fn into_input(self) -> CheckoutInput {
        self.input
    }

    /// The context with the values read filled in.
    fn context_with(&self, read: CounterValues<'_>) -> Result<EvaluationContext, ContextError> {
        self.reads.check(read)?;
        let mut context = self.context.clone();
        for counter_read in &self.reads.reads {
            let target = match counter_read.entry {
                EntryRef::Requested(index) => &mut context.redeemables[index],
                EntryRef::Promotion(index) => &mut context.promotions[index],
            };
            target.counters = Some(counter_read.counters(read.values));
            target.held_by_other_session = counter_read.held(read.held);
            if let Some(code) = target.code.as_mut() {
                // The engine spends what is left now, not what the card was issued with.
                code.gift_balance = counter_read
                    .gift_balance
                    .map_or(0, |index| read.values[index]);
                code.points = counter_read.points.map_or(0, |index| read.points[index]);
            }
        }
        Ok(context)
    }

    fn context_for(
        &self,
        read: CounterValues<'_>,
    ) -> Result<std::borrow::Cow<'_, EvaluationContext>, ContextError> {
        if self.reads.reads.is_empty() && read.values.is_empty() && read.points.is_empty() {
            return Ok(std::borrow::Cow::Borrowed(&self.context));
        }
        self.context_with(read).map(std::borrow::Cow::Owned)
    }

    fn policy(&self) -> Result<&StackingPolicy, ContextError> {
        self.plan.stacking.as_ref().map_err(Clone::clone)
    }

    /// Evaluates (Validate).
    pub fn evaluate(&self, read: CounterValues<'_>) -> Result<ValidateResponse, CheckoutError> {
        let context = self.context_for(read)?;
        let policy = self.policy()?;
        evaluate_checkout_with_policy(&self.input, &context, &self.plan.campaign_refs(), policy)
    }

    /// Evaluates and returns the counter changes the applied redeemables would make
    /// (a Validate that reserves).
    pub fn evaluate_with_deltas(
        &self,
        read: CounterValues<'_>,
    ) -> Result<(ValidateResponse, Vec<CounterDelta>), CheckoutError> {
        let context = self.context_for(read)?;
        let policy = self.policy()?;
        checkout_with_deltas(&self.input, &context, &self.plan.campaign_refs(), policy)
    }

    /// Evaluates a Redeem and computes its writes.
    pub fn redeem(
        &self,
        read: CounterValues<'_>,
        identity: RedemptionIdentity<'_>,
    ) -> Result<RedemptionWrites, CheckoutError> {
        let context = self.context_for(read)?;
        let policy = self.policy()?;
        redeem_checkout(
            &self.input,
            &context,
            &self.plan.campaign_refs(),
            policy,
            identity,
        )
    }
}

/// The keys of a campaign's counters (through this code, if any) at this instant for this
/// customer; None for an instant chrono cannot represent.
pub(crate) fn counter_keys(
    campaign: &CompiledCampaign,
    code: Option<&Code>,
    customer_id: &str,
    now_ms: i64,
) -> Option<CounterKeys> {
    let kind = code
        .and_then(|code| CodeKind::try_from(code.kind).ok())
        .unwrap_or(CodeKind::Unspecified);
    let normalized = code.map(|code| normalize_code(&code.code));
    CounterKeys::build(
        campaign.id(),
        campaign.schedule().time_zone(),
        normalized.as_deref(),
        customer_id,
        now_ms,
        kind,
    )
}

impl<E> Default for CounterReads<E> {
    fn default() -> Self {
        CounterReads {
            reads: Vec::new(),
            counter_keys: Vec::new(),
            points_keys: Vec::new(),
        }
    }
}

impl<E> CounterReads<E> {
    pub(crate) fn plan(&mut self, entry: E, keys: CounterKeys) {
        let CounterKeys {
            code_redeemed,
            campaign_redemptions,
            campaign_day,
            discount_given,
            order_value,
            customer_redemptions,
            customer_day,
            customer_week,
            customer_month,
            gift_balance,
            points_balance,
        } = keys;
        // In the order of the Counters message's fields.
        let ordered = [
            code_redeemed,
            Some(campaign_redemptions),
            customer_redemptions,
            customer_day,
            customer_week,
            customer_month,
            Some(campaign_day),
            Some(discount_given),
            Some(order_value),
        ];
        let mut fields = [None; COUNTER_FIELDS];
        // Sized once for the keys below (a growing list reallocated three times per request).
        self.counter_keys.reserve(COUNTER_FIELDS + 1);
        for (field, key) in fields.iter_mut().zip(ordered) {
            if let Some(key) = key {
                *field = Some(self.counter_keys.len());
                self.counter_keys.push(key);
            }
        }
        let gift_balance = gift_balance.map(|key| {
            self.counter_keys.push(key);
            self.counter_keys.len() - 1
        });
        let points = points_balance.map(|key| {
            self.points_keys.push(key);
            self.points_keys.len() - 1
        });
        self.reads.push(CounterRead {
            entry,
            fields,
            gift_balance,
            points,
        });
    }

    /// Refuses values that do not match the keys asked for.
    pub(crate) fn check(&self, read: CounterValues<'_>) -> Result<(), ContextError> {
        if read.values.len() != self.counter_keys.len()
            || read.held.len() != self.counter_keys.len()
            || read.points.len() != self.points_keys.len()
        {
            return Err(ContextError::new(format!(
                "{} counter values ({} held flags) and {} points for {} counter and {} points keys",
                read.values.len(),
                read.held.len(),
                read.points.len(),
                self.counter_keys.len(),
                self.points_keys.len()
            )));
        }
        Ok(())
    }
}

impl<E> CounterRead<E> {
    /// The entry's counters among the values read.
    pub(crate) fn counters(&self, values: &[i64]) -> Counters {
        let value = |field: Option<usize>| field.map_or(0, |index| values[index]);
        let [code_redeemed, campaign_redemptions, customer_redemptions, customer_day, customer_week, customer_month, campaign_day, discount_given, order_value] =
            self.fields.map(value);
        Counters {
            code_redeemed,
            campaign_redemptions,
            customer_redemptions,
            customer_day,
            customer_week,
            customer_month,
            campaign_day,
            discount_given,
            order_value,
        }
    }

    /// Whether other sessions' holds are part of one of the entry's counters.
    pub(crate) fn held(&self, held: &[bool]) -> bool {
        self.fields.iter().flatten().any(|&index| held[index])
    }
}
