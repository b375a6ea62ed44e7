//! A redemption's writes, computed where it is evaluated: the answer, the stored record with
//! every counter change, the log entry and the idempotency record, all as bytes the store puts
//! as they are. The Python side reads nothing back but a few flags; it applies the counter
//! changes in bulk and hands the record to its observers.

use prost::encoding::{self, encode_key, encode_varint, WireType};
use prost::Message;

use crate::campaign::CompiledCampaign;
use crate::checkout::evaluate_checkout_with_policy;
use crate::counter_keys::{
    normalize_code, CounterDelta, CounterKeys, RedeemedAmounts, GIFT_PREFIX, POINTS_PREFIX,
};
use crate::error::{CheckoutError, ContextError};
use crate::fast_hash::FastMap;
use crate::pb::internal::{self as internal, CheckoutInput, EvaluationContext};
use crate::pb::v1::redeemable::Target;
use crate::pb::v1::{
    CodeKind, OrderTotals, RedeemResponse, RedeemableResult, RedeemableStatus, RedemptionStatus,
    ValidateResponse,
};
use crate::schedule::unix_ms_to_timestamp;
use crate::stacking::StackingPolicy;

/// Who the redemption is: chosen by the server before it is evaluated.
#[derive(Debug, Clone, Copy)]
pub struct RedemptionIdentity<'a> {
    pub id: &'a str,
    pub idempotency_key: &'a str,
    /// SHA-256 of the request bytes: a retry with other bytes is refused.
    pub request_sha256: &'a [u8],
}

/// Everything a Redeem writes. When nothing applied (`succeeded` false) only `response` is
/// set: no record, no counter, no idempotency key (a retry is evaluated afresh).
#[derive(Debug, Default, Clone)]
pub struct RedemptionWrites {
    pub succeeded: bool,
    /// promocore.v1.RedeemResponse.
    pub response: Vec<u8>,
    /// promocore.v1.Redemption (what observers read).
    pub redemption: Vec<u8>,
    /// promocore.v1.internal.StoredRedemption (the record, with its counter changes).
    pub stored: Vec<u8>,
    /// promocore.v1.internal.IdempotencyRecord of store format 2 (the request's hash, the id, the
    /// results that did not apply).
    pub idempotency_record: Vec<u8>,
    /// The redemption's customer ("" when anonymous) and time (its `created_at`).
    pub customer_id: String,
    pub created_at_unix_ms: i64,
    /// Every counter change, in the order they are stored (a rollback negates each).
    pub deltas: Vec<CounterDelta>,
    /// Applied codes whose record is a referral code (the referral program converts them).
    pub referral_codes: Vec<String>,
    /// The answer's results, as encoded in `response` (for counting them).
    pub results: Vec<RedeemableResult>,
}

impl RedemptionWrites {
    /// The changes summed per counter, in key order (what is applied to the table).
    pub fn merged_deltas(&self) -> Vec<CounterDelta> {
        let mut merged: Vec<CounterDelta> = self.deltas.clone();
        merged.sort_by(|a, b| a.0.cmp(&b.0));
        merged.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        merged
    }

    /// Gift card and loyalty card debits (the balance ledgers' part).
    pub fn balance_debits(&self) -> impl Iterator<Item = &CounterDelta> {
        self.deltas.iter().filter(|(key, delta)| {
            *delta != 0 && (key.starts_with(GIFT_PREFIX) || key.starts_with(POINTS_PREFIX))
        })
    }
}

/// Evaluates a Redeem and computes its writes.
pub fn redeem_checkout(
    input: &CheckoutInput,
    context: &EvaluationContext,
    campaigns: &[&CompiledCampaign],
    policy: &StackingPolicy,
    identity: RedemptionIdentity<'_>,
) -> Result<RedemptionWrites, CheckoutError> {
    let outcome = evaluate_checkout_with_policy(input, context, campaigns, policy)?;
    redemption_writes(input, context, campaigns, outcome, identity)
}

/// A Validate that holds what it would redeem (a reservation): the answer and the counter
/// changes the applied redeemables would make.
pub fn checkout_with_deltas(
    input: &CheckoutInput,
    context: &EvaluationContext,
    campaigns: &[&CompiledCampaign],
    policy: &StackingPolicy,
) -> Result<(ValidateResponse, Vec<CounterDelta>), CheckoutError> {
    let outcome = evaluate_checkout_with_policy(input, context, campaigns, policy)?;
    let order_value = order_value_of(&outcome.totals);
    let (deltas, _) = applied_deltas(input, context, campaigns, &outcome.redeemables, order_value)?;
    Ok((outcome, deltas))
}

fn is_applied(result: &RedeemableResult) -> bool {
    result.status == RedeemableStatus::Applicable as i32
}

fn redemption_writes(
    input: &CheckoutInput,
    context: &EvaluationContext,
    campaigns: &[&CompiledCampaign],
    outcome: ValidateResponse,
    identity: RedemptionIdentity<'_>,
) -> Result<RedemptionWrites, CheckoutError> {
    let ValidateResponse {
        redeemables: results,
        totals,
        ..
    } = outcome;
    if !results.iter().any(is_applied) {
        let mut response = RedeemResponse {
            status: RedemptionStatus::Failed as i32,
            redeemables: results,
            totals,
            ..Default::default()
        };
        let encoded = response.encode_to_vec();
        return Ok(RedemptionWrites {
            response: encoded,
            results: std::mem::take(&mut response.redeemables),
            ..Default::default()
        });
    }
    let (deltas, referral_codes) =
        applied_deltas(input, context, campaigns, &results, order_value_of(&totals))?;
    let customer_id = input
        .customer
        .as_ref()
        .map_or("", |customer| customer.id.as_str());
    let order_id = input.order.as_ref().map_or("", |order| order.id.as_str());
    // Each message is encoded once, by reference, and embedded as bytes where it recurs (the
    // redemption in the record and the answer, the answer in the idempotency record).
    let mut redemption = Vec::with_capacity(1024);
    encode_str(1, identity.id, &mut redemption);
    encode_str(2, identity.idempotency_key, &mut redemption);
    encoding::int32::encode(3, &(RedemptionStatus::Succeeded as i32), &mut redemption);
    encode_str(4, order_id, &mut redemption);
    encode_str(5, customer_id, &mut redemption);
    let applied: Vec<&RedeemableResult> = results.iter().filter(|r| is_applied(r)).collect();
    for result in &applied {
        encoding::message::encode(6, *result, &mut redemption);
    }
    if let Some(totals) = &totals {
        encoding::message::encode(7, totals, &mut redemption);
    }
    encoding::message::encode(
        8,
        &unix_ms_to_timestamp(context.now_unix_ms),
        &mut redemption,
    );

    let mut stored = Vec::with_capacity(redemption.len() + deltas.len() * 48);
    encode_embedded(1, &redemption, &mut stored);
    for (key, delta) in &deltas {
        let length = encoding::bytes::encoded_len(1, key)
            + if *delta != 0 {
                encoding::int64::encoded_len(2, delta)
            } else {
                0
            };
        encode_key(2, WireType::LengthDelimited, &mut stored);
        encode_varint(length as u64, &mut stored);
        encoding::bytes::encode(1, key, &mut stored);
        if *delta != 0 {
            encoding::int64::encode(2, delta, &mut stored);
        }
    }

    let mut response = Vec::with_capacity(redemption.len() * 2);
    encode_embedded(1, &redemption, &mut response);
    encoding::int32::encode(2, &(RedemptionStatus::Succeeded as i32), &mut response);
    for result in &results {
        encoding::message::encode(3, result, &mut response);
    }
    if let Some(totals) = &totals {
        encoding::message::encode(4, totals, &mut response);
    }

    let idempotency_record = idempotency_record_of(identity, &results);
    Ok(RedemptionWrites {
        succeeded: true,
        response,
        redemption,
        stored,
        idempotency_record,
        customer_id: customer_id.to_owned(),
        created_at_unix_ms: context.now_unix_ms,
        deltas,
        referral_codes,
        results,
    })
}

/// The IdempotencyRecord of a successful redemption (store format 2): the request's SHA-256,
/// the redemption's id and the answer's results that did not apply, each with its place among
/// them (the applied ones are the redemption's own; a retry's answer is rebuilt from its record).
fn idempotency_record_of(
    identity: RedemptionIdentity<'_>,
    results: &[RedeemableResult],
) -> Vec<u8> {
    let unapplied = results
        .iter()
        .enumerate()
        .filter(|(_, result)| !is_applied(result))
        .map(|(position, result)| internal::PlacedResult {
            position: position as u32,
            result: Some(result.clone()),
        })
        .collect();
    internal::IdempotencyRecord {
        request_sha256: identity.request_sha256.to_vec(),
        redemption_id: identity.id.to_owned(),
        unapplied,
        ..Default::default()
    }
    .encode_to_vec()
}

/// A proto3 string field (absent when empty, as prost's derived encoding leaves it).
fn encode_str(tag: u32, value: &str, buf: &mut Vec<u8>) {
    if !value.is_empty() {
        encode_embedded(tag, value.as_bytes(), buf);
    }
}

/// A length-delimited field holding `bytes` as they are (an encoded message, bytes, a string).
fn encode_embedded(tag: u32, bytes: &[u8], buf: &mut Vec<u8>) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(bytes.len() as u64, buf);
    buf.extend_from_slice(bytes);
}

fn order_value_of(totals: &Option<OrderTotals>) -> i64 {
    totals.as_ref().map_or(0, |totals| totals.items_amount)
}

/// The counter changes of the applied results, and the applied referral codes.
fn applied_deltas(
    input: &CheckoutInput,
    context: &EvaluationContext,
    campaigns: &[&CompiledCampaign],
    results: &[RedeemableResult],
    order_value: i64,
) -> Result<(Vec<CounterDelta>, Vec<String>), CheckoutError> {
    let slots = Slots::new(input, context, campaigns);
    let mut deltas = Vec::with_capacity(results.len() * 11);
    let mut referral_codes = Vec::new();
    for (index, result) in results.iter().enumerate().filter(|(_, r)| is_applied(r)) {
        let Some(applied) = slots.applied(index, result) else {
            continue;
        };
        applied.keys(context.now_unix_ms)?.redemption_deltas(
            RedeemedAmounts {
                discount: result
                    .items_discount
                    .saturating_add(result.shipping_discount),
                order_value,
                gift_amount: result.gift_amount,
                points: result.points,
            },
            &mut deltas,
        );
        if let Some(code) = applied
            .code
            .filter(|code| code.kind == CodeKind::Referral as i32)
        {
            referral_codes.push(code.code.clone());
        }
    }
    Ok((deltas, referral_codes))
}

/// Which campaign (and code record) each result of the answer is: the requested redeemables
/// come first in request order, then the joined promotions that stayed in the answer.
struct Slots<'a> {
    input: &'a CheckoutInput,
    context: &'a EvaluationContext,
    campaigns: &'a [&'a CompiledCampaign],
    customer_id: &'a str,
    promotions: FastMap<&'a str, &'a CompiledCampaign>,
}

struct Applied<'a> {
    campaign: &'a CompiledCampaign,
    code: Option<&'a crate::pb::v1::Code>,
    customer_id: &'a str,
}

impl<'a> Applied<'a> {
    fn keys(&self, now_ms: i64) -> Result<CounterKeys, ContextError> {
        let normalized = self.code.map(|code| normalize_code(&code.code));
        let kind = self
            .code
            .and_then(|code| CodeKind::try_from(code.kind).ok())
            .unwrap_or(CodeKind::Unspecified);
        CounterKeys::build(
            self.campaign.id(),
            self.campaign.schedule().time_zone(),
            normalized.as_deref(),
            self.customer_id,
            now_ms,
            kind,
        )
        .ok_or_else(|| ContextError::new(format!("now_unix_ms {now_ms} is out of range")))
    }
}

impl<'a> Slots<'a> {
    fn new(
        input: &'a CheckoutInput,
        context: &'a EvaluationContext,
        campaigns: &'a [&'a CompiledCampaign],
    ) -> Slots<'a> {
        let slot = |resolved: &internal::ResolvedRedeemable| {
            usize::try_from(resolved.campaign_slot)
                .ok()
                .and_then(|slot| campaigns.get(slot).copied())
        };
        let promotions = context
            .promotions
            .iter()
            .filter_map(slot)
            .map(|campaign| (campaign.id(), campaign))
            .collect();
        Slots {
            input,
            context,
            campaigns,
            customer_id: input
                .customer
                .as_ref()
                .map_or("", |customer| customer.id.as_str()),
            promotions,
        }
    }

    fn applied(&self, index: usize, result: &RedeemableResult) -> Option<Applied<'a>> {
        let requested = self.input.redeemables.len();
        let (campaign, code) = if index < requested {
            let resolved = self.context.redeemables.get(index)?;
            let campaign = usize::try_from(resolved.campaign_slot)
                .ok()
                .and_then(|slot| self.campaigns.get(slot).copied())?;
            let is_code = matches!(self.input.redeemables[index].target, Some(Target::Code(_)));
            (campaign, resolved.code.as_ref().filter(|_| is_code))
        } else {
            (*self.promotions.get(result.campaign_id.as_str())?, None)
        };
        Some(Applied {
            campaign,
            code,
            customer_id: self.customer_id,
        })
    }
}
