//! promocore's engine: compiles campaigns (rules, effects, schedule, limits) once and evaluates
//! checkouts and Qualify requests against them. No Python here; `promocore-python` is the thin
//! binding.
//!
//! Entry points, as the server uses them: [`CompiledCampaign::compile`] (or `from_bytes`) once per
//! campaign version; a [`CheckoutPlan`] of every campaign once per catalog change; per Validate
//! or Redeem [`CheckoutPlan::prepare`] with the store's records, then, with the counters it asks
//! for, [`PreparedCheckout::evaluate`] (or `redeem`); per Qualify
//! [`CheckoutPlan::prepare_qualify`], then [`PreparedQualify::qualify`].
//!
//! [`evaluate_checkout`] and [`CampaignIndex::qualify`] take every input in one context message
//! (`EvaluationContext`, `QualifyContext`): the differential tests, the shared fixtures and the
//! benchmarks compare the engine with the reference evaluator through them.

pub mod allocation;
pub mod backtest;
pub mod campaign;
pub mod cart;
pub mod checkout;
pub mod checkout_plan;
pub mod codegen;
pub mod combination;
pub mod counter_keys;
pub mod customer;
pub mod decimal;
pub mod effects;
pub mod error;
pub mod evaluation;
pub mod fast_hash;
pub mod formula;
pub mod limits;
pub mod money;
pub mod pb;
pub mod qualify;
pub mod reason;
pub mod redemption;
pub mod request;
pub mod rules;
pub mod schedule;
pub mod segment;
pub mod stacking;
pub mod temporal;

pub use campaign::CompiledCampaign;
pub use checkout::{evaluate_checkout, evaluate_checkout_bytes};
pub use checkout_plan::{CheckoutPlan, CounterValues, PreparedCheckout};
pub use error::{CheckoutError, CompileError, ContextError, RequestError};
pub use qualify::{CampaignIndex, PreparedQualify};
pub use reason::Reason;
pub use redemption::{RedemptionIdentity, RedemptionWrites};
pub use segment::SegmentRule;
