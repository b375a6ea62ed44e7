//! Qualify through the checkout plan, as the server runs it: the request and the store's records
//! (the customer's profile, the codes assigned to them) go in; the plan says which usage counters
//! the store must read (those of the candidates whose evaluation reads them, as a checkout
//! would), then answers with the values read.

use std::sync::Arc;

use prost::Message;

use crate::campaign::Role;
use crate::checkout_plan::{counter_keys, needs_counters, CheckoutPlan, CounterReads};
use crate::counter_keys::CounterKeys;
use crate::error::{CheckoutError, ContextError, RequestError};
use crate::fast_hash::FastMap;
use crate::pb::internal::{Counters, CustomerProfile};
use crate::pb::v1::{CampaignType, Code, QualifyRequest, QualifyResponse};

use super::QualifySources;

/// Whose counters a value read is.
#[derive(Debug, Clone, Copy)]
enum Counted {
    /// A promotion, by Qualify index position.
    Promotion(u32),
    /// The plan's public code at this position.
    PublicCode(usize),
    /// The request's assigned code at this position.
    AssignedCode(usize),
}

/// A Qualify request resolved against the plan, waiting for the counters the store reads.
#[derive(Debug)]
pub struct PreparedQualify {
    plan: Arc<CheckoutPlan>,
    request: QualifyRequest,
    now_ms: i64,
    customer: Option<CustomerProfile>,
    assigned_codes: Vec<Code>,
    reads: CounterReads<Counted>,
}

impl CheckoutPlan {
    /// Decodes a QualifyRequest and the store's records for it: `profile` the customer's stored
    /// CustomerProfile, if any; `assigned_codes` the Code records assigned to the customer.
    pub fn prepare_qualify(
        self: &Arc<Self>,
        request_bytes: &[u8],
        now_ms: i64,
        profile: Option<&[u8]>,
        assigned_codes: &[&[u8]],
    ) -> Result<PreparedQualify, CheckoutError> {
        let request = QualifyRequest::decode(request_bytes).map_err(|error| {
            RequestError::new(
                "request",
                format!("not a serialized QualifyRequest: {error}"),
            )
        })?;
        let customer = profile
            .map(CustomerProfile::decode)
            .transpose()
            .map_err(|error| ContextError::new(format!("not a CustomerProfile: {error}")))?;
        let assigned_codes = assigned_codes
            .iter()
            .enumerate()
            .map(|(index, record)| {
                Code::decode(*record).map_err(|error| {
                    ContextError::new(format!("assigned code {index} is not a Code: {error}"))
                })
            })
            .collect::<Result<Vec<Code>, ContextError>>()?;
        let mut prepared = PreparedQualify {
            plan: Arc::clone(self),
            request,
            now_ms,
            customer,
            assigned_codes,
            reads: CounterReads::default(),
        };
        prepared.plan_reads();
        Ok(prepared)
    }
}

impl PreparedQualify {
    /// The counters of every candidate whose evaluation reads them: the promotions of the
    /// order's currency, the public codes and the assigned codes.
    fn plan_reads(&mut self) {
        let plan = Arc::clone(&self.plan);
        let index = plan.qualify_index();
        let customer_id = self
            .request
            .customer
            .as_ref()
            .map_or("", |customer| customer.id.as_str());
        let currency = self
            .request
            .order
            .as_ref()
            .map_or("", |order| order.currency.as_str());
        let now_ms = self.now_ms;
        let plan_read = |reads: &mut CounterReads<Counted>, entry, keys: Option<CounterKeys>| {
            // An instant the engine cannot represent is refused when answering.
            if let Some(keys) = keys {
                // Qualify proposes discounts: the balances of cards are not read for it.
                reads.plan(
                    entry,
                    CounterKeys {
                        gift_balance: None,
                        points_balance: None,
                        ..keys
                    },
                );
            }
        };
        for &position in index.counted_promotions(currency) {
            let campaign = index.campaign_at(position);
            let keys = counter_keys(campaign, None, customer_id, now_ms);
            plan_read(&mut self.reads, Counted::Promotion(position), keys);
        }
        for (at, code) in plan.public_codes.iter().enumerate() {
            let Some((_, campaign)) = index.campaign(&code.campaign_id) else {
                continue;
            };
            if campaign.campaign_type() == CampaignType::DiscountCoupons
                && needs_counters(campaign, Some(code))
            {
                let keys = counter_keys(campaign, Some(code), customer_id, now_ms);
                plan_read(&mut self.reads, Counted::PublicCode(at), keys);
            }
        }
        for (at, code) in self.assigned_codes.iter().enumerate() {
            let Some((_, campaign)) = index.campaign(&code.campaign_id) else {
                continue;
            };
            if campaign.role() == Role::Discount && needs_counters(campaign, Some(code)) {
                let keys = counter_keys(campaign, Some(code), customer_id, now_ms);
                plan_read(&mut self.reads, Counted::AssignedCode(at), keys);
            }
        }
    }

    /// Keys of the counters table the store must read (empty: nothing to read).
    pub fn counter_keys(&self) -> &[Vec<u8>] {
        &self.reads.counter_keys
    }

    /// The wallet, given each counter as committed value plus other sessions' holds.
    pub fn qualify(&self, values: &[i64]) -> Result<QualifyResponse, CheckoutError> {
        if values.len() != self.reads.counter_keys.len() {
            return Err(ContextError::new(format!(
                "{} counter values for {} counter keys",
                values.len(),
                self.reads.counter_keys.len()
            ))
            .into());
        }
        let counters: Vec<Counters> = self
            .reads
            .reads
            .iter()
            .map(|read| read.counters(values))
            .collect();
        let mut public_counters: Vec<Option<&Counters>> = vec![None; self.plan.public_codes.len()];
        let mut assigned_counters: Vec<Option<&Counters>> = vec![None; self.assigned_codes.len()];
        let mut promotion_counters = FastMap::default();
        for (read, counters) in self.reads.reads.iter().zip(&counters) {
            match read.entry {
                Counted::Promotion(position) => {
                    promotion_counters.insert(position, counters);
                }
                Counted::PublicCode(at) => public_counters[at] = Some(counters),
                Counted::AssignedCode(at) => assigned_counters[at] = Some(counters),
            }
        }
        let none = Counters::default();
        let sources = QualifySources {
            now_unix_ms: self.now_ms,
            customer: self.customer.as_ref(),
            promotion_counters,
            public_codes: self
                .plan
                .public_codes
                .iter()
                .zip(public_counters)
                .map(|(code, counters)| {
                    (code.campaign_id.as_str(), code, counters.unwrap_or(&none))
                })
                .collect(),
            assigned_codes: self
                .assigned_codes
                .iter()
                .zip(assigned_counters)
                .map(|(code, counters)| (code, counters.unwrap_or(&none)))
                .collect(),
        };
        self.plan.qualify_index().answer(&self.request, &sources)
    }
}
