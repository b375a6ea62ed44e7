//! promocore's engine: compiles campaigns (rules, effects, schedule, limits) once and evaluates
//! checkouts and Qualify requests against them. No Python here; `promocore-python` is the thin
//! binding.
//!
//! Entry points: [`CompiledCampaign::compile`] (or `from_bytes`) once per campaign version, then
//! [`evaluate_checkout`] (or `evaluate_checkout_bytes`) per request; [`CampaignIndex::build`]
//! once per catalog change, then [`CampaignIndex::qualify_bytes`] per Qualify request.

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
pub use checkout_plan::{CheckoutPlan, CounterValues, PlanCampaign, PreparedCheckout};
pub use error::{CheckoutError, CompileError, ContextError, RequestError};
pub use qualify::CampaignIndex;
pub use reason::Reason;
pub use redemption::{RedemptionIdentity, RedemptionWrites};
pub use segment::SegmentRule;
