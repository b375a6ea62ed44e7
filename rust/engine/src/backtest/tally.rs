//! What a backtest counts as the orders go by, and the report made of it.

use std::collections::BTreeMap;

use chrono::TimeZone;
use chrono_tz::Tz;

use super::{applied, BacktestSetup, MAX_LISTED_ORDERS};
use crate::fast_hash::FastMap;
use crate::money::currency_exponent;
use crate::pb::v1::{
    BacktestGroup, BacktestOrder, BacktestReport, DisplacedCampaign, NearMissBucket,
    RedeemableResult, RedeemableStatus, ValidateResponse,
};
use crate::reason::Reason;
use crate::schedule::unix_ms_to_timestamp;

/// The outcomes, in the order reports list them.
pub const OUTCOMES: [&str; 7] = [
    "applied",
    "skipped",
    "near_miss",
    "not_qualifying",
    "limit_reached",
    "outside_dates",
    "other",
];

/// Near-miss bucket bounds: amounts in currency units, quantities in units.
const AMOUNT_BOUNDS: [i64; 5] = [1, 5, 10, 20, 50];
const QUANTITY_BOUNDS: [i64; 4] = [1, 2, 3, 5];

/// One order as evaluated.
pub struct Evaluated<'a> {
    pub line: u64,
    pub time_ms: i64,
    pub dated: bool,
    pub customer_id: &'a str,
    pub order_id: &'a str,
    pub channel: &'a str,
    pub segments: &'a [String],
    /// The answer with the campaign.
    pub response: &'a ValidateResponse,
    /// The live catalog's answer without it (with_live).
    pub baseline: Option<&'a ValidateResponse>,
    pub campaign: Option<&'a RedeemableResult>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Group {
    orders: i64,
    qualifying: i64,
    discount: i64,
    amount: i64,
}

impl Group {
    fn add(&mut self, qualifying: bool, discount: i64, amount: i64) {
        self.orders += 1;
        self.qualifying += i64::from(qualifying);
        self.discount += discount;
        self.amount += amount;
    }

    fn named(self, key: String) -> BacktestGroup {
        BacktestGroup {
            key,
            orders: self.orders,
            qualifying: self.qualifying,
            discount: self.discount,
            amount: self.amount,
        }
    }
}

#[derive(Debug)]
pub struct Tally {
    campaign_id: String,
    currency: String,
    time_zone: Tz,
    with_live: bool,
    samples_per_outcome: usize,
    per_order: bool,
    amount_bounds: [i64; AMOUNT_BOUNDS.len()],
    total: Group,
    amount_after: i64,
    /// Order value of the qualifying orders.
    amount_qualifying: i64,
    outcomes: [i64; OUTCOMES.len()],
    per_day: BTreeMap<chrono::NaiveDate, Group>,
    per_channel: FastMap<String, Group>,
    per_segment: FastMap<String, Group>,
    /// Orders per bucket: amounts (then "more"), quantities (then "more").
    amount_misses: [i64; AMOUNT_BOUNDS.len() + 1],
    quantity_misses: [i64; QUANTITY_BOUNDS.len() + 1],
    exhausted_at: Option<i64>,
    orders_after_exhaustion: i64,
    live_with: i64,
    live_without: i64,
    displaced: BTreeMap<String, (i64, i64)>,
    samples: Vec<Vec<BacktestOrder>>,
    listed: Vec<BacktestOrder>,
    last_time: Option<i64>,
    out_of_order: i64,
    undated: i64,
}

fn discount_of(result: &RedeemableResult) -> i64 {
    result.items_discount + result.shipping_discount
}

/// The outcome (an index into OUTCOMES) of the campaign's result.
fn outcome_of(result: Option<&RedeemableResult>) -> usize {
    let Some(result) = result else {
        return 6;
    };
    if applied(result) {
        return 0;
    }
    if result.status == RedeemableStatus::Skipped as i32 {
        return 1;
    }
    let reason = result.reason.as_str();
    let is = |candidate: Reason| reason == candidate.as_str();
    if is(Reason::RulesNotMet) {
        let near = result
            .explanation
            .as_ref()
            .is_some_and(|explanation| explanation.near_miss.is_some());
        return if near { 2 } else { 3 };
    }
    if is(Reason::CampaignLimitExceeded)
        || is(Reason::CustomerLimitExceeded)
        || is(Reason::DailyLimitExceeded)
        || is(Reason::BudgetExceeded)
        || is(Reason::CodeQuantityExceeded)
    {
        return 4;
    }
    if is(Reason::NotStarted) || is(Reason::Expired) || is(Reason::OutsideValidityWindow) {
        return 5;
    }
    6
}

/// A campaign-wide limit or the budget: the campaign has run out.
fn exhausts(result: &RedeemableResult) -> bool {
    result.status == RedeemableStatus::Inapplicable as i32
        && (result.reason == Reason::CampaignLimitExceeded.as_str()
            || result.reason == Reason::BudgetExceeded.as_str())
}

impl Tally {
    pub fn new(setup: &BacktestSetup, currency: String, time_zone: Tz) -> Tally {
        let unit = 10i64.pow(currency_exponent(&currency));
        Tally {
            campaign_id: setup.campaign_id.clone(),
            time_zone,
            with_live: setup.baseline.is_some(),
            samples_per_outcome: setup.samples_per_outcome,
            per_order: setup.per_order,
            amount_bounds: AMOUNT_BOUNDS.map(|bound| bound * unit),
            currency,
            total: Group::default(),
            amount_after: 0,
            amount_qualifying: 0,
            outcomes: [0; OUTCOMES.len()],
            per_day: BTreeMap::new(),
            per_channel: FastMap::default(),
            per_segment: FastMap::default(),
            amount_misses: [0; AMOUNT_BOUNDS.len() + 1],
            quantity_misses: [0; QUANTITY_BOUNDS.len() + 1],
            exhausted_at: None,
            orders_after_exhaustion: 0,
            live_with: 0,
            live_without: 0,
            displaced: BTreeMap::new(),
            samples: vec![Vec::new(); OUTCOMES.len()],
            listed: Vec::new(),
            last_time: None,
            out_of_order: 0,
            undated: 0,
        }
    }

    pub fn orders(&self) -> u64 {
        self.total.orders as u64
    }

    pub fn add(&mut self, order: &Evaluated<'_>) -> Result<(), String> {
        let campaign = order.campaign;
        let outcome = outcome_of(campaign);
        let discount = campaign
            .filter(|result| applied(result))
            .map_or(0, discount_of);
        let qualifying = outcome == 0;
        let totals = order.response.totals.as_ref();
        let amount = totals.map_or(0, |totals| totals.amount);
        self.total.add(qualifying, discount, amount);
        self.amount_after += amount - discount;
        if qualifying {
            self.amount_qualifying += amount;
        }
        self.outcomes[outcome] += 1;
        if order.dated {
            if self.last_time.is_some_and(|last| order.time_ms < last) {
                self.out_of_order += 1;
            }
            self.last_time = Some(order.time_ms);
        } else {
            self.undated += 1;
        }
        if let Some(day) = self
            .time_zone
            .timestamp_millis_opt(order.time_ms)
            .single()
            .map(|local| local.date_naive())
        {
            self.per_day
                .entry(day)
                .or_default()
                .add(qualifying, discount, amount);
        }
        add_to(
            &mut self.per_channel,
            order.channel,
            qualifying,
            discount,
            amount,
        );
        if order.segments.is_empty() {
            add_to(&mut self.per_segment, "", qualifying, discount, amount);
        }
        for segment in order.segments {
            add_to(&mut self.per_segment, segment, qualifying, discount, amount);
        }
        if let Some(result) = campaign {
            if outcome == 2 {
                self.count_near_miss(result);
            }
            if exhausts(result) {
                self.exhausted_at.get_or_insert(order.time_ms);
                self.orders_after_exhaustion += 1;
            }
        }
        let (live_with, live_without) = self.count_live(order, discount);
        let wanted_sample = self.samples[outcome].len() < self.samples_per_outcome;
        if wanted_sample || self.per_order {
            let listed = BacktestOrder {
                line: order.line as i64,
                order_id: order.order_id.to_owned(),
                time: order.dated.then(|| unix_ms_to_timestamp(order.time_ms)),
                customer_id: order.customer_id.to_owned(),
                channel: order.channel.to_owned(),
                amount,
                discount,
                outcome: OUTCOMES[outcome].to_owned(),
                reason: campaign.map_or_else(String::new, |result| result.reason.clone()),
                message: campaign.map_or_else(String::new, |result| result.message.clone()),
                live_discount_with: live_with,
                live_discount_without: live_without,
            };
            if self.per_order {
                if self.listed.len() == MAX_LISTED_ORDERS {
                    return Err(format!(
                        "at most {MAX_LISTED_ORDERS} orders are listed one by one"
                    ));
                }
                self.listed.push(listed.clone());
            }
            if wanted_sample {
                self.samples[outcome].push(listed);
            }
        }
        Ok(())
    }

    fn count_near_miss(&mut self, result: &RedeemableResult) {
        let Some(near_miss) = result
            .explanation
            .as_ref()
            .and_then(|explanation| explanation.near_miss.as_ref())
        else {
            return;
        };
        let (bounds, counts): (&[i64], &mut [i64]) = if near_miss.unit == "amount" {
            (&self.amount_bounds, &mut self.amount_misses)
        } else {
            (&QUANTITY_BOUNDS, &mut self.quantity_misses)
        };
        let bucket = bounds
            .iter()
            .position(|&bound| near_miss.missing <= bound)
            .unwrap_or(bounds.len());
        counts[bucket] += 1;
    }

    /// With the live catalog: the other campaigns' discount with and without the campaign, and
    /// the campaigns it displaced.
    fn count_live(&mut self, order: &Evaluated<'_>, discount: i64) -> (i64, i64) {
        let Some(baseline) = order.baseline else {
            return (0, 0);
        };
        let total = |response: &ValidateResponse| {
            response
                .totals
                .as_ref()
                .map_or(0, |totals| totals.total_discount)
        };
        let with = total(order.response) - discount;
        let without = total(baseline);
        self.live_with += with;
        self.live_without += without;
        for before in baseline.redeemables.iter().filter(|result| applied(result)) {
            let still = order
                .response
                .redeemables
                .iter()
                .any(|after| after.campaign_id == before.campaign_id && applied(after));
            if !still {
                let entry = self
                    .displaced
                    .entry(before.campaign_id.clone())
                    .or_default();
                entry.0 += 1;
                entry.1 += discount_of(before);
            }
        }
        (with, without)
    }

    pub fn report(&self) -> BacktestReport {
        let mean = |sum: i64, count: i64| {
            if count == 0 {
                0
            } else {
                (sum + count / 2).div_euclid(count)
            }
        };
        let qualifying = self.total.qualifying;
        let amount_qualifying = self.amount_qualifying;
        let mut near_misses = Vec::new();
        for (index, orders) in self.amount_misses.iter().enumerate() {
            near_misses.push(NearMissBucket {
                unit: "amount".to_owned(),
                up_to: self.amount_bounds.get(index).copied().unwrap_or(0),
                orders: *orders,
            });
        }
        if self.quantity_misses.iter().any(|&orders| orders > 0) {
            for (index, orders) in self.quantity_misses.iter().enumerate() {
                near_misses.push(NearMissBucket {
                    unit: "quantity".to_owned(),
                    up_to: QUANTITY_BOUNDS.get(index).copied().unwrap_or(0),
                    orders: *orders,
                });
            }
        }
        BacktestReport {
            campaign_id: self.campaign_id.clone(),
            currency: self.currency.clone(),
            time_zone: self.time_zone.name().to_owned(),
            with_live: self.with_live,
            orders: self.total.orders,
            qualifying,
            discount: self.total.discount,
            mean_discount: mean(self.total.discount, qualifying),
            amount: self.total.amount,
            amount_after: self.amount_after,
            mean_amount_qualifying: mean(amount_qualifying, qualifying),
            mean_amount_not_qualifying: mean(
                self.total.amount - amount_qualifying,
                self.total.orders - qualifying,
            ),
            outcomes: OUTCOMES
                .iter()
                .zip(self.outcomes)
                .map(|(name, count)| ((*name).to_owned(), count))
                .collect(),
            per_day: self
                .per_day
                .iter()
                .map(|(day, group)| group.named(day.format("%Y-%m-%d").to_string()))
                .collect(),
            per_channel: sorted_groups(&self.per_channel),
            per_segment: sorted_groups(&self.per_segment),
            near_misses,
            exhausted_at: self.exhausted_at.map(unix_ms_to_timestamp),
            orders_after_exhaustion: self.orders_after_exhaustion,
            live_discount_with: self.live_with,
            live_discount_without: self.live_without,
            displaced: self
                .displaced
                .iter()
                .map(|(campaign_id, (orders, discount))| DisplacedCampaign {
                    campaign_id: campaign_id.clone(),
                    orders: *orders,
                    discount: *discount,
                })
                .collect(),
            samples: self.samples.iter().flatten().cloned().collect(),
            per_order: self.listed.clone(),
            out_of_order: self.out_of_order,
            undated: self.undated,
        }
    }
}

fn add_to(
    groups: &mut FastMap<String, Group>,
    key: &str,
    qualifying: bool,
    discount: i64,
    amount: i64,
) {
    match groups.get_mut(key) {
        Some(group) => group.add(qualifying, discount, amount),
        None => {
            let mut group = Group::default();
            group.add(qualifying, discount, amount);
            groups.insert(key.to_owned(), group);
        }
    }
}

/// Groups by key ("" first).
fn sorted_groups(groups: &FastMap<String, Group>) -> Vec<BacktestGroup> {
    let mut sorted: Vec<BacktestGroup> = groups
        .iter()
        .map(|(key, group)| group.named(key.clone()))
        .collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    sorted
}
