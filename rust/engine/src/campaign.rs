//! A campaign compiled once per version: validated settings, the compiled rule and effect,
//! schedule and limits, ready to evaluate many checkouts.

use std::hash::Hasher;

use prost::Message;

use crate::effects::CompiledEffect;
use crate::error::CompileError;
use crate::fast_hash::FnvHasher;
use crate::limits::CompiledLimits;
use crate::money::is_currency_code;
use crate::pb::v1::{Campaign, CampaignType, Variant};
use crate::qualify::requirements::Requirements;
use crate::rules::Rule;
use crate::schedule::Schedule;

/// Stacking category of campaigns that set none.
pub const DEFAULT_CATEGORY: &str = "default";

const MAX_ID_CHARS: usize = 64;

/// A campaign ready for evaluation. Immutable; shared between threads.
#[derive(Debug, Clone)]
pub struct CompiledCampaign {
    id: String,
    name: String,
    version: i64,
    campaign_type: CampaignType,
    currency: String,
    active: bool,
    draft: bool,
    schedule: Schedule,
    rule: Option<Rule>,
    /// What the rule requires of a cart, testable without evaluating it.
    requirements: Requirements,
    rules_message: Option<String>,
    effect: Option<CompiledEffect>,
    /// The effect described for near-miss messages, e.g. "10% off".
    reward: Option<String>,
    limits: CompiledLimits,
    code_redemption_quantity: Option<i64>,
    /// Evaluating it needs its usage counters: it has limits, a code quantity or a rule on
    /// `counters.*`. The others' counters are never read (most promotions).
    reads_counters: bool,
    category: String,
    priority: i32,
    not_combinable_with: Vec<String>,
    /// LOYALTY_PROGRAM: minor units per point as (money, points); None = no paying with points.
    points_rate: Option<(i64, i64)>,
    /// A/B variants; empty = no split.
    variants: Vec<CompiledVariant>,
    /// Sum of the variants' weights (the split's modulus).
    variant_weights: u64,
}

/// An A/B variant: the share of customers it gets and the effect they see.
#[derive(Debug, Clone)]
pub struct CompiledVariant {
    name: String,
    weight: u64,
    /// None = the campaign's effect.
    effect: Option<CompiledEffect>,
    reward: Option<String>,
}

impl CompiledVariant {
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The point of a customer in a campaign's split, 0..total: FNV-1a (64 bits) of the campaign id,
/// a NUL byte and the customer id, modulo the total weight. Stable across versions, processes
/// and the reference implementation, so a customer stays in one variant.
pub fn variant_bucket(campaign_id: &str, customer_id: &str, total: u64) -> u64 {
    let mut hasher = FnvHasher::default();
    hasher.write(campaign_id.as_bytes());
    hasher.write(&[0]);
    hasher.write(customer_id.as_bytes());
    hasher.finish() % total.max(1)
}

/// How a redeemable of a campaign takes part in a checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A discount (coupons, promotions, referral codes): stacking rules apply.
    Discount,
    /// A gift card: pays after every discount.
    GiftCard,
    /// A loyalty card: pays with points after the gift cards.
    LoyaltyCard,
}

impl CompiledCampaign {
    /// Decodes a serialized promocore.v1.Campaign and compiles it.
    pub fn from_bytes(campaign_bytes: &[u8]) -> Result<CompiledCampaign, CompileError> {
        let campaign = Campaign::decode(campaign_bytes).map_err(|error| {
            CompileError::new(
                "campaign",
                format!("not a serialized promocore.v1.Campaign: {error}"),
            )
        })?;
        CompiledCampaign::compile(&campaign)
    }

    /// Validates and compiles a campaign; errors name the offending field (in Campaign field
    /// names, rule paths under `rules`).
    pub fn compile(campaign: &Campaign) -> Result<CompiledCampaign, CompileError> {
        validate_id(&campaign.id)?;
        let campaign_type = compile_type(campaign.r#type)?;
        if !is_currency_code(&campaign.currency) {
            return Err(CompileError::new(
                "currency",
                format!(
                    "expected an ISO 4217 code of 3 uppercase letters, e.g. \"EUR\"; got \"{}\"",
                    campaign.currency
                ),
            ));
        }
        let schedule = Schedule::compile(campaign)?;
        let rule = if campaign.rules_json.trim().is_empty() {
            None
        } else {
            Some(Rule::compile(&campaign.rules_json)?)
        };
        let effect = match &campaign.effect {
            Some(_) if !requires_effect(campaign_type) => {
                return Err(CompileError::new(
                    "effect",
                    format!(
                        "{} campaigns take no effect: their cards pay as tenders",
                        campaign_type.as_str_name()
                    ),
                ))
            }
            Some(effect) => Some(CompiledEffect::compile(effect)?),
            None if requires_effect(campaign_type) => {
                return Err(CompileError::new(
                    "effect",
                    format!("{} campaigns need an effect", campaign_type.as_str_name()),
                ))
            }
            None => None,
        };
        let limits = CompiledLimits::compile(campaign.limits.as_ref())?;
        if let Some(quantity) = campaign.code_redemption_quantity.filter(|&q| q < 0) {
            return Err(CompileError::new(
                "code_redemption_quantity",
                format!("must be >= 0 when set; got {quantity}"),
            ));
        }
        let variants = compile_variants(campaign, campaign_type)?;
        let variant_weights = variants.iter().map(|variant| variant.weight).sum();
        let category = campaign
            .stacking
            .as_ref()
            .map(|stacking| stacking.category.as_str())
            .filter(|category| !category.is_empty())
            .unwrap_or(DEFAULT_CATEGORY)
            .to_owned();
        let (priority, not_combinable_with) = campaign
            .stacking
            .as_ref()
            .map_or((0, Vec::new()), |stacking| {
                (stacking.priority, stacking.not_combinable_with.clone())
            });
        let points_rate = compile_points_rate(campaign)?;
        let reads_counters = limits != CompiledLimits::default()
            || campaign.code_redemption_quantity.is_some()
            || rule.as_ref().is_some_and(Rule::reads_counters);
        Ok(CompiledCampaign {
            id: campaign.id.clone(),
            name: campaign.name.clone(),
            version: campaign.version,
            campaign_type,
            currency: campaign.currency.clone(),
            active: campaign.active.unwrap_or(true),
            draft: campaign.draft,
            reward: effect
                .as_ref()
                .map(|effect| effect.describe(&campaign.currency)),
            schedule,
            requirements: Requirements::of(rule.as_ref().map(|rule| rule.root())),
            rule,
            rules_message: Some(campaign.rules_message.clone()).filter(|m| !m.is_empty()),
            effect,
            limits,
            code_redemption_quantity: campaign.code_redemption_quantity,
            reads_counters,
            category,
            priority,
            not_combinable_with,
            points_rate,
            variants,
            variant_weights,
        })
    }

    /// The A/B variant of a customer; without a customer id, the first variant (the control).
    /// None when the campaign has no variants.
    pub fn variant_for(&self, customer_id: Option<&str>) -> Option<&CompiledVariant> {
        let first = self.variants.first()?;
        let Some(customer_id) = customer_id else {
            return Some(first);
        };
        let mut bucket = variant_bucket(&self.id, customer_id, self.variant_weights);
        for variant in &self.variants {
            if bucket < variant.weight {
                return Some(variant);
            }
            bucket -= variant.weight;
        }
        Some(first)
    }

    /// The effect this customer gets: their variant's, else the campaign's.
    pub fn effect_for(&self, customer_id: Option<&str>) -> Option<&CompiledEffect> {
        self.variant_for(customer_id)
            .and_then(|variant| variant.effect.as_ref())
            .or(self.effect.as_ref())
    }

    /// The effect this customer gets, for humans.
    pub fn reward_for(&self, customer_id: Option<&str>) -> Option<&str> {
        self.variant_for(customer_id)
            .and_then(|variant| variant.reward.as_deref())
            .or(self.reward.as_deref())
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> i64 {
        self.version
    }

    pub fn campaign_type(&self) -> CampaignType {
        self.campaign_type
    }

    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// The kill switch (unset in the campaign = true).
    pub fn is_active(&self) -> bool {
        self.active
    }

    pub fn is_draft(&self) -> bool {
        self.draft
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// None = everyone, every cart.
    pub fn rule(&self) -> Option<&Rule> {
        self.rule.as_ref()
    }

    pub fn requirements(&self) -> &Requirements {
        &self.requirements
    }

    pub fn rules_message(&self) -> Option<&str> {
        self.rules_message.as_deref()
    }

    /// None for campaigns that give no discount (gift vouchers, loyalty programs).
    pub fn effect(&self) -> Option<&CompiledEffect> {
        self.effect.as_ref()
    }

    /// The effect for humans, e.g. "10% off".
    pub fn reward(&self) -> Option<&str> {
        self.reward.as_deref()
    }

    pub fn limits(&self) -> &CompiledLimits {
        &self.limits
    }

    /// Default redemption quantity of the campaign's codes; None = unlimited.
    pub fn code_redemption_quantity(&self) -> Option<i64> {
        self.code_redemption_quantity
    }

    /// Whether evaluating it needs its usage counters (limits, a code quantity, a rule on
    /// `counters.*`); a code's own quantity or balance may need them too (the checkout plan).
    pub fn reads_counters(&self) -> bool {
        self.reads_counters
    }

    /// Stacking category ("default" when the campaign sets none).
    pub fn category(&self) -> &str {
        &self.category
    }

    /// Stacking priority within the category's priority: lower applies first.
    pub fn priority(&self) -> i32 {
        self.priority
    }

    /// Campaign ids this campaign must not be combined with.
    pub fn not_combinable_with(&self) -> &[String] {
        &self.not_combinable_with
    }

    /// LOYALTY_PROGRAM: (money, points), one point is worth money / points minor units.
    pub fn points_rate(&self) -> Option<(i64, i64)> {
        self.points_rate
    }

    pub fn role(&self) -> Role {
        match self.campaign_type {
            CampaignType::GiftVouchers => Role::GiftCard,
            CampaignType::LoyaltyProgram => Role::LoyaltyCard,
            _ => Role::Discount,
        }
    }
}

fn compile_variants(
    campaign: &Campaign,
    campaign_type: CampaignType,
) -> Result<Vec<CompiledVariant>, CompileError> {
    let mut variants: Vec<CompiledVariant> = Vec::with_capacity(campaign.variants.len());
    if !campaign.variants.is_empty() && !requires_effect(campaign_type) {
        return Err(CompileError::new(
            "variants",
            "only campaigns with an effect (coupons, promotions, referral) can have A/B variants",
        ));
    }
    for (index, variant) in campaign.variants.iter().enumerate() {
        let path = format!("variants[{index}]");
        let Variant {
            name,
            weight,
            effect,
        } = variant;
        if name.is_empty() {
            return Err(CompileError::new(format!("{path}.name"), "required"));
        }
        if variants.iter().any(|seen| &seen.name == name) {
            return Err(CompileError::new(
                format!("{path}.name"),
                format!("\"{name}\" names two variants"),
            ));
        }
        if *weight <= 0 {
            return Err(CompileError::new(
                format!("{path}.weight"),
                format!("must be > 0; got {weight}"),
            ));
        }
        let effect = effect
            .as_ref()
            .map(CompiledEffect::compile)
            .transpose()
            .map_err(|error| CompileError::new(format!("{path}.{}", error.path), error.reason))?;
        variants.push(CompiledVariant {
            name: name.clone(),
            weight: u64::from(weight.unsigned_abs()),
            reward: effect
                .as_ref()
                .map(|effect| effect.describe(&campaign.currency)),
            effect,
        });
    }
    Ok(variants)
}

fn compile_points_rate(campaign: &Campaign) -> Result<Option<(i64, i64)>, CompileError> {
    let Some(loyalty) = &campaign.loyalty else {
        return Ok(None);
    };
    let (money, points) = (loyalty.points_rate_money, loyalty.points_rate_points);
    if money < 0 || points < 0 {
        return Err(CompileError::new(
            if money < 0 {
                "loyalty.points_rate_money"
            } else {
                "loyalty.points_rate_points"
            },
            "the points rate must be >= 0",
        ));
    }
    Ok((money > 0 && points > 0).then_some((money, points)))
}

fn validate_id(id: &str) -> Result<(), CompileError> {
    let valid_chars = id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if id.is_empty() || id.len() > MAX_ID_CHARS || !valid_chars {
        return Err(CompileError::new(
            "id",
            format!("expected 1..{MAX_ID_CHARS} characters of [A-Za-z0-9_-]; got \"{id}\""),
        ));
    }
    Ok(())
}

fn compile_type(value: i32) -> Result<CampaignType, CompileError> {
    match CampaignType::try_from(value) {
        Ok(CampaignType::Unspecified) => {
            Err(CompileError::new("type", "a campaign type is required"))
        }
        Ok(campaign_type) => Ok(campaign_type),
        Err(_) => Err(CompileError::new(
            "type",
            format!("unknown campaign type {value}"),
        )),
    }
}

fn requires_effect(campaign_type: CampaignType) -> bool {
    matches!(
        campaign_type,
        CampaignType::DiscountCoupons | CampaignType::Promotion | CampaignType::ReferralProgram
    )
}
