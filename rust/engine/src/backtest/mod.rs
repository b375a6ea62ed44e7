//! Backtests: a campaign replayed on a file of past orders, each evaluated at its own time
//! through the engine's public checkout API (`CheckoutPlan::prepare`, then
//! `PreparedCheckout::evaluate_with_deltas`, exactly as Validate), with the usage counters kept
//! here in memory and advanced after every order the campaign applies to, as Redeem would: limits
//! and budgets run out in file order. Nothing is read from or written to a store except the
//! customers' profiles the caller supplies.
//!
//! Use: [`Backtest::feed`] each chunk of the file (it answers the customers whose stored profile
//! it needs), [`Backtest::evaluate`] with those profiles, then [`Backtest::report`].

mod json_line;
pub mod orders;
mod parser_thread;
mod plain_line;
mod tally;

use std::sync::Arc;

use prost::Message;

use crate::checkout_plan::{CheckoutPlan, CounterValues};
use crate::counter_keys::PER_CUSTOMER_PREFIX;
use crate::error::CheckoutError;
use crate::fast_hash::{FastMap, WordMap};
use crate::pb::internal::{CheckoutInput, CustomerProfile};
use crate::pb::v1::redeemable::Target;
use crate::pb::v1::{
    BacktestReport, CheckoutOptions, Code, CustomerRef, Redeemable, RedeemableResult,
    RedeemableStatus, ValidateResponse,
};
pub use orders::{OrderFileError, OrderReader, OrdersFormat, PastOrder};
use parser_thread::{ParserStopped, ParserThread};
use tally::{Evaluated, Tally};

/// The code coupon orders present.
const BACKTEST_CODE: &str = "BACKTEST";

/// At most this many orders are listed one by one (`per_order`).
pub const MAX_LISTED_ORDERS: usize = 100_000;

/// What to backtest and how.
#[derive(Debug, Clone)]
pub struct BacktestSetup {
    /// The catalog with the campaign (alone, or with the live campaigns and stacking rules).
    pub plan: Arc<CheckoutPlan>,
    /// The live catalog without it (`with_live`): what the orders got before.
    pub baseline: Option<Arc<CheckoutPlan>>,
    pub campaign_id: String,
    /// A coupon campaign: the stored Code record every order presents (its redemption limit
    /// lifted: as if each order had a code of its own, only the campaign's limits bind).
    pub code_record: Option<crate::pb::v1::Code>,
    pub samples_per_outcome: usize,
    pub per_order: bool,
    /// The time of orders without one.
    pub now_ms: i64,
}

/// Why a backtest stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BacktestError {
    /// The file: a line that is not a valid order.
    File(OrderFileError),
    /// More orders than `per_order` lists (MAX_LISTED_ORDERS).
    TooManyListed(String),
    /// The caller's setup (a profile list of the wrong length).
    Setup(String),
}

impl std::fmt::Display for BacktestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BacktestError::File(error) => error.fmt(f),
            BacktestError::TooManyListed(reason) | BacktestError::Setup(reason) => {
                f.write_str(reason)
            }
        }
    }
}

impl std::error::Error for BacktestError {}

impl From<OrderFileError> for BacktestError {
    fn from(error: OrderFileError) -> Self {
        BacktestError::File(error)
    }
}

impl From<ParserStopped> for BacktestError {
    fn from(_: ParserStopped) -> Self {
        BacktestError::Setup("the backtest's parser thread stopped".to_owned())
    }
}

/// Where the orders come from: the lines parsed in `feed`, or by a thread of their own while
/// the orders before them are evaluated.
#[derive(Debug)]
enum Source {
    Inline(Box<OrderReader>),
    Thread {
        parser: ParserThread,
        /// The file's format, once its first line is parsed.
        format: Option<OrdersFormat>,
    },
}

/// A customer as the orders see them: the stored profile, decoded once, and their simulated
/// usage counters.
#[derive(Debug, Default)]
struct Customer {
    profile: Option<CustomerProfile>,
    counters: CustomerCounters,
    /// The same for the live catalog alone (with_live).
    baseline_counters: CustomerCounters,
}

/// The start of the keys of per-customer counters (`per-customer/<customer>/<campaign>/<period>`,
/// counter_keys.rs): such a key names one customer only, the customer of every order that reads
/// it.
const CUSTOMER_KEY_PREFIX: &[u8] = PER_CUSTOMER_PREFIX.as_bytes();

/// A customer's counters (a few per campaign: all, and the days, weeks and months they
/// redeemed in), kept with the customer: the order's one lookup of its customer finds them,
/// close together, where a map of every customer's keys costs a cache miss or three per key
/// (the backtest's largest cost: a map of hundreds of thousands of keys, 9 reads per order).
#[derive(Debug, Default)]
struct CustomerCounters {
    /// The keys, one after the other.
    keys: Vec<u8>,
    /// Each key's end in `keys` (it starts where the one before ends) and its value.
    values: Vec<(u32, i64)>,
}

/// A customer's counters kept with them; the customer's later keys (a customer redeeming on
/// many days) go to the shared map, so that a list is never long to search.
const CUSTOMER_COUNTERS: usize = 32;

impl CustomerCounters {
    /// The newest first: the order's day, week and month are the ones added last.
    fn position(&self, key: &[u8]) -> Option<usize> {
        (0..self.values.len()).rev().find(|&index| {
            let start = index
                .checked_sub(1)
                .map_or(0, |before| self.values[before].0 as usize);
            &self.keys[start..self.values[index].0 as usize] == key
        })
    }

    fn is_full(&self) -> bool {
        self.values.len() >= CUSTOMER_COUNTERS
    }
}

/// The simulated counters one evaluation reads and advances: the customer's own with the
/// customer, the others in a map.
struct CounterStore<'a> {
    shared: &'a mut WordMap<Vec<u8>, i64>,
    customer: Option<&'a mut CustomerCounters>,
}

impl CounterStore<'_> {
    /// The customer's list when the key is one of theirs (a key is in it, or, when added
    /// after the list was full, in the shared map).
    fn customer_of(&self, key: &[u8]) -> Option<&CustomerCounters> {
        self.customer
            .as_deref()
            .filter(|_| key.starts_with(CUSTOMER_KEY_PREFIX))
    }

    fn get(&self, key: &[u8]) -> i64 {
        if let Some(customer) = self.customer_of(key) {
            if let Some(index) = customer.position(key) {
                return customer.values[index].1;
            }
            if !customer.is_full() {
                return 0;
            }
        }
        self.shared.get(key).copied().unwrap_or(0)
    }

    fn add(&mut self, key: Vec<u8>, delta: i64) {
        if let Some(customer) = self.customer.as_deref_mut() {
            if key.starts_with(CUSTOMER_KEY_PREFIX) {
                if let Some(index) = customer.position(&key) {
                    customer.values[index].1 += delta;
                    return;
                }
                if !customer.is_full() {
                    customer.keys.extend_from_slice(&key);
                    let end = u32::try_from(customer.keys.len()).unwrap_or(u32::MAX);
                    customer.values.push((end, delta));
                    return;
                }
            }
        }
        match self.shared.get_mut(&key) {
            Some(value) => *value += delta,
            None => {
                self.shared.insert(key, delta);
            }
        }
    }
}

/// A backtest in progress.
#[derive(Debug)]
pub struct Backtest {
    setup: BacktestSetup,
    source: Source,
    bytes_read: u64,
    /// Orders read, waiting for their customers' profiles.
    pending: Vec<PastOrder>,
    customers: FastMap<String, Customer>,
    /// Customers whose profile was asked for (answered by the next `evaluate`).
    wanted: Vec<String>,
    counters: WordMap<Vec<u8>, i64>,
    baseline_counters: WordMap<Vec<u8>, i64>,
    tally: Tally,
    /// Coupons: the code record every order presents.
    code: Option<Code>,
    /// The request of every order (its redeemables and options), the order moved in and out.
    input: CheckoutInput,
    /// The same for the live catalog alone (with_live).
    baseline_input: CheckoutInput,
    reads: CounterBuffers,
}

impl Backtest {
    /// A backtest that parses each chunk in `feed`.
    pub fn new(setup: BacktestSetup, format: Option<OrdersFormat>) -> Backtest {
        Backtest::with_source(setup, format, false)
    }

    /// A backtest that parses on a thread of its own: `feed` hands a chunk over and takes the
    /// orders of the chunk before it, which `evaluate` then evaluates while the thread parses
    /// (the last `feed` takes all that is left). Same answers as `new`, one chunk later; the
    /// chunk is copied.
    pub fn with_parser_thread(setup: BacktestSetup, format: Option<OrdersFormat>) -> Backtest {
        Backtest::with_source(setup, format, true)
    }

    fn with_source(
        setup: BacktestSetup,
        format: Option<OrdersFormat>,
        parser_thread: bool,
    ) -> Backtest {
        let campaign = setup
            .plan
            .campaign_refs()
            .into_iter()
            .find(|campaign| campaign.id() == setup.campaign_id)
            .map(|campaign| {
                (
                    campaign.currency().to_owned(),
                    campaign.schedule().time_zone(),
                )
            });
        let (currency, time_zone) = campaign.unwrap_or_else(|| (String::new(), chrono_tz::UTC));
        let code = setup.code_record.as_ref().map(|template| {
            let mut record = template.clone();
            record.code = BACKTEST_CODE.to_owned();
            // Its counter counts every order; the limit is the campaign's, not the code's.
            record.redemption_quantity = Some(i64::MAX);
            record
        });
        let options = |explain_promotions: bool| {
            Some(CheckoutOptions {
                include_promotions: true,
                explain_promotions,
                ..Default::default()
            })
        };
        let input = CheckoutInput {
            order: None,
            customer: None,
            redeemables: code
                .iter()
                .map(|code| Redeemable {
                    target: Some(Target::Code(code.code.clone())),
                    ..Default::default()
                })
                .collect(),
            // A promotion's "no" is wanted too (its near miss): joined promotions are listed
            // only when explained. A coupon's code is listed whatever the answer.
            options: options(code.is_none()),
        };
        let baseline_input = CheckoutInput {
            options: options(false),
            ..Default::default()
        };
        let reader = OrderReader::new(format, &currency);
        let source = if parser_thread {
            Source::Thread {
                parser: ParserThread::start(reader),
                format,
            }
        } else {
            Source::Inline(Box::new(reader))
        };
        Backtest {
            input,
            baseline_input,
            reads: CounterBuffers::default(),
            code,
            source,
            bytes_read: 0,
            tally: Tally::new(&setup, currency, time_zone),
            setup,
            pending: Vec::new(),
            customers: FastMap::default(),
            wanted: Vec::new(),
            counters: WordMap::default(),
            baseline_counters: WordMap::default(),
        }
    }

    /// Reads a chunk of the file (`last`: the file ends with it); answers the ids of the
    /// customers whose stored profile (`CustomerProfile` bytes, or None) `evaluate` must get,
    /// in this order.
    pub fn feed(&mut self, chunk: &[u8], last: bool) -> Result<&[String], BacktestError> {
        match &mut self.source {
            Source::Inline(reader) => {
                self.bytes_read += chunk.len() as u64;
                reader.feed(chunk, last, &mut self.pending)?;
                self.want_customers();
                Ok(&self.wanted)
            }
            Source::Thread { parser, .. } => {
                // The thread parses its own copy.
                let mut bytes = parser.buffer();
                bytes.extend_from_slice(chunk);
                self.feed_owned(bytes, last)
            }
        }
    }

    /// An empty buffer for `feed_owned` (with the parser thread, one of the chunks it parsed:
    /// none is allocated per chunk).
    pub fn buffer(&mut self) -> Vec<u8> {
        match &mut self.source {
            Source::Inline(_) => Vec::new(),
            Source::Thread { parser, .. } => parser.buffer(),
        }
    }

    /// `feed`, the chunk in a buffer of the caller's: the parser thread takes it as it is.
    pub fn feed_owned(&mut self, chunk: Vec<u8>, last: bool) -> Result<&[String], BacktestError> {
        self.bytes_read += chunk.len() as u64;
        match &mut self.source {
            Source::Inline(reader) => {
                reader.feed(&chunk, last, &mut self.pending)?;
                self.want_customers();
            }
            Source::Thread { parser, format } => {
                self.wanted.clear();
                parser.submit(chunk, last)?;
                // One chunk stays with the thread, to parse during `evaluate`.
                let ready = if last {
                    parser.in_flight()
                } else {
                    parser.in_flight().saturating_sub(1)
                };
                for _ in 0..ready {
                    let mut parsed = parser.receive()?;
                    *format = parsed.format;
                    for id in parsed.new_customers {
                        self.customers.insert(id.clone(), Customer::default());
                        self.wanted.push(id);
                    }
                    if self.pending.is_empty() {
                        self.pending = parsed.orders;
                    } else {
                        self.pending.append(&mut parsed.orders);
                        parser.recycle(parsed.orders);
                    }
                    parsed.result?;
                }
            }
        }
        Ok(&self.wanted)
    }

    /// The customers of the orders read whose profile is not known yet.
    fn want_customers(&mut self) {
        self.wanted.clear();
        for order in &self.pending {
            let id = &order.customer_id;
            if !id.is_empty() && !self.customers.contains_key(id) {
                self.customers.insert(id.clone(), Customer::default());
                self.wanted.push(id.clone());
            }
        }
    }

    /// Evaluates the orders read so far; `profiles[i]` is the profile of the i-th customer the
    /// last `feed` asked for.
    pub fn evaluate(&mut self, profiles: Vec<Option<Vec<u8>>>) -> Result<(), BacktestError> {
        if profiles.len() != self.wanted.len() {
            return Err(BacktestError::Setup(format!(
                "{} profiles for {} customers",
                profiles.len(),
                self.wanted.len()
            )));
        }
        for (id, profile) in self.wanted.drain(..).zip(profiles) {
            let profile = profile
                .map(|bytes| CustomerProfile::decode(bytes.as_slice()))
                .transpose()
                .map_err(|error| {
                    BacktestError::Setup(format!("customer {id:?}: not a profile: {error}"))
                })?;
            self.customers.insert(
                id,
                Customer {
                    profile,
                    ..Customer::default()
                },
            );
        }
        let mut pending = std::mem::take(&mut self.pending);
        let mut result = Ok(());
        for past in &mut pending {
            result = self.evaluate_order(past);
            if result.is_err() {
                break;
            }
        }
        // Their strings and lists take the next lines of the file.
        match &mut self.source {
            Source::Inline(reader) => {
                for past in pending.drain(..) {
                    reader.recycle(past);
                }
                self.pending = pending;
            }
            // The list goes back with them: one list per chunk, none allocated.
            Source::Thread { parser, .. } if pending.capacity() > 0 => parser.recycle(pending),
            Source::Thread { .. } => {}
        }
        result
    }

    fn evaluate_order(&mut self, past: &mut PastOrder) -> Result<(), BacktestError> {
        let now_ms = past.time_ms.unwrap_or(self.setup.now_ms);
        let line = past.line;
        let format = self.format();
        // Every named customer has an entry (`feed` made it); an anonymous order has no
        // customer counters.
        let (profile, mut customer_counters, mut customer_baseline_counters) =
            match self.customers.get_mut(&past.customer_id) {
                Some(customer) => (
                    customer.profile.as_ref(),
                    Some(&mut customer.counters),
                    Some(&mut customer.baseline_counters),
                ),
                None => (None, None, None),
            };
        // The live catalog alone: the campaign's code does not exist there, and only what
        // applies matters.
        let baseline = match &self.setup.baseline {
            Some(baseline) => {
                let mut request = std::mem::take(&mut self.baseline_input);
                request.order = Some(past.order.clone());
                request.customer = customer_ref(&past.customer_id);
                let counters = CounterStore {
                    shared: &mut self.baseline_counters,
                    customer: customer_baseline_counters.take(),
                };
                let (response, mut request) = simulate(
                    baseline,
                    counters,
                    &mut self.reads,
                    request,
                    now_ms,
                    &[],
                    profile,
                )
                .map_err(|error| file_error(format, line, error))?;
                request.order = None;
                self.baseline_input = request;
                Some(response)
            }
            None => None,
        };
        // The order moves into the request and back: no copy of its items.
        let mut request = std::mem::take(&mut self.input);
        request.order = Some(std::mem::take(&mut past.order));
        if !past.customer_id.is_empty() {
            request.customer = Some(CustomerRef {
                id: std::mem::take(&mut past.customer_id),
                attributes_json: String::new(),
            });
        }
        let code_record = [self.code.as_ref()];
        let records = if self.code.is_some() {
            &code_record[..]
        } else {
            &[]
        };
        let counters = CounterStore {
            shared: &mut self.counters,
            customer: customer_counters.take(),
        };
        let (response, mut request) = simulate(
            &self.setup.plan,
            counters,
            &mut self.reads,
            request,
            now_ms,
            records,
            profile,
        )
        .map_err(|error| file_error(format, line, error))?;
        past.order = request.order.take().unwrap_or_default();
        if let Some(customer) = request.customer.take() {
            past.customer_id = customer.id;
        }
        self.input = request;
        // The customer of the lookup above (one per order).
        let segments = profile.map_or(&[][..], |profile| profile.segments.as_slice());
        let evaluated = Evaluated {
            line,
            time_ms: now_ms,
            dated: past.time_ms.is_some(),
            customer_id: &past.customer_id,
            order_id: &past.order.id,
            channel: &past.order.channel,
            segments,
            response: &response,
            baseline: baseline.as_ref(),
            campaign: campaign_result(&response, &self.setup.campaign_id),
        };
        self.tally.add(&evaluated).map_err(BacktestError::Setup)?;
        Ok(())
    }

    /// Orders evaluated so far.
    pub fn orders(&self) -> u64 {
        self.tally.orders()
    }

    /// Bytes of the file fed so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The file's format (None until its first line is parsed).
    fn format(&self) -> Option<OrdersFormat> {
        match &self.source {
            Source::Inline(reader) => reader.format(),
            Source::Thread { format, .. } => *format,
        }
    }

    /// What the orders evaluated so far found.
    pub fn report(&self) -> BacktestReport {
        self.tally.report()
    }
}

/// An order the engine refuses: the line and the field as the file names them.
fn file_error(format: Option<OrdersFormat>, line: u64, error: CheckoutError) -> BacktestError {
    match error {
        CheckoutError::Request(error) => {
            let field = error
                .field
                .strip_prefix("order.")
                .unwrap_or(&error.field)
                .to_owned();
            let (line, field) = match format {
                Some(OrdersFormat::Csv) => csv_place(line, &field),
                _ => (line, field),
            };
            BacktestError::File(OrderFileError {
                line,
                field,
                reason: error.reason,
            })
        }
        CheckoutError::Context(error) => BacktestError::Setup(error.to_string()),
    }
}

/// A CSV order's item `items[i].<field>` is on line `line + i`, in its column.
fn csv_place(line: u64, field: &str) -> (u64, String) {
    let Some(rest) = field.strip_prefix("items[") else {
        return (line, field.to_owned());
    };
    let Some((index, tail)) = rest.split_once("].") else {
        return (line, field.to_owned());
    };
    let column = match tail {
        "unit_price" => "price",
        other => other,
    };
    match index.parse::<u64>() {
        Ok(index) => (line + index, column.to_owned()),
        Err(_) => (line, field.to_owned()),
    }
}

/// The counter values of one evaluation, kept between orders (no allocation per order).
#[derive(Debug, Default)]
struct CounterBuffers {
    values: Vec<i64>,
    held: Vec<bool>,
    points: Vec<i64>,
}

/// One Validate against `plan` at `now_ms` with the simulated counters, which then advance by
/// what a Redeem of the same checkout would add. Answers the request back with the response.
fn simulate(
    plan: &Arc<CheckoutPlan>,
    mut counters: CounterStore<'_>,
    buffers: &mut CounterBuffers,
    request: CheckoutInput,
    now_ms: i64,
    codes: &[Option<&Code>],
    profile: Option<&CustomerProfile>,
) -> Result<(ValidateResponse, CheckoutInput), CheckoutError> {
    let prepared = plan.prepare_decoded(request, now_ms, codes, profile)?;
    let keys = prepared.counter_keys();
    buffers.values.clear();
    buffers
        .values
        .extend(keys.iter().map(|key| counters.get(key)));
    buffers.held.clear();
    buffers.held.resize(keys.len(), false);
    buffers.points.clear();
    buffers.points.resize(prepared.points_keys().len(), 0);
    let (response, deltas) = prepared.evaluate_with_deltas(CounterValues {
        values: &buffers.values,
        held: &buffers.held,
        points: &buffers.points,
    })?;
    for (key, delta) in deltas {
        counters.add(key, delta);
    }
    Ok((response, prepared.into_input()))
}

fn customer_ref(customer_id: &str) -> Option<CustomerRef> {
    (!customer_id.is_empty()).then(|| CustomerRef {
        id: customer_id.to_owned(),
        attributes_json: String::new(),
    })
}

/// The campaign's result in an answer (None when the engine did not list it).
fn campaign_result<'a>(
    response: &'a ValidateResponse,
    campaign_id: &str,
) -> Option<&'a RedeemableResult> {
    response
        .redeemables
        .iter()
        .find(|result| result.campaign_id == campaign_id)
}

/// Whether a result applied (its discount is in the totals).
pub(crate) fn applied(result: &RedeemableResult) -> bool {
    result.status == RedeemableStatus::Applicable as i32
}
