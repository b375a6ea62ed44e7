//! Which valid redeemables of one request may apply together: the maximum of
//! applied redeemables, per-category limits, exclusive and joint categories, per-campaign
//! "not combinable with" lists, the order of application (category priority, campaign
//! priority, request order, or request order alone; joint categories last or not; exclusive
//! ones first under EXCLUSIVE_WINS), and the settings the effects and the checkout read
//! (product stack policy, calculation base, no-effect policy, combination mode). Compiled once
//! per catalog generation. Tenders (gift cards, loyalty points) are payments, not discounts:
//! none of this applies to them.

use crate::campaign::{CompiledCampaign, DEFAULT_CATEGORY};
use crate::error::CompileError;
use crate::fast_hash::FastMap;
use crate::pb::v1::{
    ApplicationOrder, CalculationBase, CombinationMode, ExclusiveResolution, JointPlacement,
    NoEffectPolicy, ProductStackPolicy, StackingRules,
};
use crate::reason::Reason;

/// At most this many discount redeemables apply to one order, unless configured.
pub const MAX_APPLIED_REDEEMABLES: usize = 5;
/// At most this many per named category, unless configured.
pub const DEFAULT_MAX_PER_CATEGORY: usize = 1;
/// The most a configuration may allow (the request limit).
pub const MAX_CONFIGURABLE: i32 = 30;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CategoryPolicy {
    priority: i32,
    exclusive: bool,
    joint: bool,
    max_applied: Option<usize>,
    /// Percent discounts computed on the initial amounts (INITIAL_AMOUNT).
    initial_base: bool,
}

/// Compiled stacking rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackingPolicy {
    max_applied: usize,
    default_max_per_category: usize,
    categories: FastMap<String, CategoryPolicy>,
    /// REQUESTED_ORDER: priorities are ignored.
    requested_order: bool,
    joint_last: bool,
    exclusive_wins: bool,
    max_exclusive_applied: usize,
    max_per_exclusive_category: Option<usize>,
    single_product: bool,
    redeem_no_effect: bool,
    best_for_customer: bool,
}

impl Default for StackingPolicy {
    fn default() -> StackingPolicy {
        StackingPolicy {
            max_applied: MAX_APPLIED_REDEEMABLES,
            default_max_per_category: DEFAULT_MAX_PER_CATEGORY,
            categories: FastMap::default(),
            requested_order: false,
            joint_last: false,
            exclusive_wins: false,
            max_exclusive_applied: 1,
            max_per_exclusive_category: None,
            single_product: false,
            redeem_no_effect: false,
            best_for_customer: false,
        }
    }
}

/// Where a discount goes in the application order: placement group (exclusive first under
/// EXCLUSIVE_WINS, joint last under JOINT_LAST), category priority, campaign priority; the
/// caller appends the position in the request.
pub type OrderKey = (u8, i32, i32);

/// An enum field's value, refused when the enum does not know it.
fn known<E: TryFrom<i32>>(value: i32, field: &str) -> Result<E, CompileError> {
    E::try_from(value).map_err(|_| CompileError::new(field, format!("unknown value {value}")))
}

fn count(value: i32, path: impl FnOnce() -> String, minimum: i32) -> Result<usize, CompileError> {
    if !(minimum..=MAX_CONFIGURABLE).contains(&value) {
        return Err(CompileError::new(
            path(),
            format!("must be {minimum}..{MAX_CONFIGURABLE}; got {value}"),
        ));
    }
    Ok(value as usize)
}

impl StackingPolicy {
    /// Validates and compiles the rules (None = the defaults); error paths are StackingRules
    /// field names, e.g. `categories[1].max_applied`.
    pub fn compile(rules: Option<&StackingRules>) -> Result<StackingPolicy, CompileError> {
        let Some(rules) = rules else {
            return Ok(StackingPolicy::default());
        };
        let mut policy = StackingPolicy::default();
        if let Some(max) = rules.max_applied {
            policy.max_applied = count(max, || "max_applied".to_owned(), 1)?;
        }
        if let Some(max) = rules.default_max_per_category {
            policy.default_max_per_category =
                count(max, || "default_max_per_category".to_owned(), 1)?;
        }
        policy.requested_order =
            known::<ApplicationOrder>(rules.application_order, "application_order")?
                == ApplicationOrder::RequestedOrder;
        policy.joint_last = known::<JointPlacement>(rules.joint_placement, "joint_placement")?
            == JointPlacement::JointLast;
        policy.exclusive_wins =
            known::<ExclusiveResolution>(rules.exclusive_resolution, "exclusive_resolution")?
                == ExclusiveResolution::ExclusiveWins;
        if let Some(max) = rules.max_exclusive_applied {
            policy.max_exclusive_applied = count(max, || "max_exclusive_applied".to_owned(), 1)?;
        }
        if let Some(max) = rules.max_per_exclusive_category {
            policy.max_per_exclusive_category =
                Some(count(max, || "max_per_exclusive_category".to_owned(), 1)?);
        }
        policy.single_product =
            known::<ProductStackPolicy>(rules.product_stack_policy, "product_stack_policy")?
                == ProductStackPolicy::Single;
        policy.redeem_no_effect =
            known::<NoEffectPolicy>(rules.no_effect_policy, "no_effect_policy")?
                == NoEffectPolicy::RedeemAnyway;
        policy.best_for_customer =
            known::<CombinationMode>(rules.combination_mode, "combination_mode")?
                == CombinationMode::BestForCustomer;
        for (index, category) in rules.categories.iter().enumerate() {
            // Paths are formatted only for an error (the rules come with every request).
            let path = |field: &str| format!("categories[{index}].{field}");
            if category.name.is_empty() {
                return Err(CompileError::new(
                    path("name"),
                    "a category name is required",
                ));
            }
            let policy_entry = CategoryPolicy {
                priority: category.priority,
                exclusive: category.exclusive,
                joint: category.joint,
                max_applied: category
                    .max_applied
                    .map(|max| count(max, || path("max_applied"), 0))
                    .transpose()?,
                initial_base: known::<CalculationBase>(
                    category.calculation_base,
                    &path("calculation_base"),
                )? == CalculationBase::InitialAmount,
            };
            if policy
                .categories
                .insert(category.name.clone(), policy_entry)
                .is_some()
            {
                return Err(CompileError::new(
                    path("name"),
                    format!("the category \"{}\" is listed twice", category.name),
                ));
            }
        }
        Ok(policy)
    }

    fn category(&self, name: &str) -> Option<&CategoryPolicy> {
        self.categories.get(name)
    }

    /// The order key of a discount redeemable (the caller appends its position).
    pub fn order_key(&self, campaign: &CompiledCampaign) -> OrderKey {
        let category = self.category(campaign.category());
        let placement = match category {
            Some(c) if self.exclusive_wins && c.is_exclusive() => 0,
            Some(c) if self.joint_last && c.is_joint() => 2,
            _ => 1,
        };
        if self.requested_order {
            return (placement, 0, 0);
        }
        (
            placement,
            category.map_or(0, |c| c.priority),
            campaign.priority(),
        )
    }

    /// Whether the campaign's percent discounts are computed on the initial amounts.
    pub fn initial_base(&self, campaign: &CompiledCampaign) -> bool {
        self.category(campaign.category())
            .is_some_and(|category| category.initial_base)
    }

    /// SINGLE: a line discounted by an item-level effect is worth 0 to later item-level effects.
    pub fn single_product(&self) -> bool {
        self.single_product
    }

    /// REDEEM_ANYWAY: a zero discount still applies.
    pub fn redeems_no_effect(&self) -> bool {
        self.redeem_no_effect
    }

    /// BEST_FOR_CUSTOMER.
    pub fn best_for_customer(&self) -> bool {
        self.best_for_customer
    }

    /// At most this many discounts apply to one order.
    pub fn max_applied(&self) -> usize {
        self.max_applied
    }

    /// The most discounts of category `name` (whose policy is `category`) that may apply.
    fn max_in(&self, name: &str, category: Option<&CategoryPolicy>) -> Option<usize> {
        match category.and_then(|c| c.max_applied) {
            Some(max) => Some(max),
            None if name == DEFAULT_CATEGORY => None,
            None => Some(self.default_max_per_category),
        }
    }
}

impl CategoryPolicy {
    fn is_exclusive(&self) -> bool {
        self.exclusive && !self.joint
    }

    fn is_joint(&self) -> bool {
        self.joint
    }
}

/// Why a valid redeemable is SKIPPED.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub reason: Reason,
    pub message: String,
    /// The position (in the checkout's entries) of the redeemable that caused it; None when a
    /// setting alone refuses it (a category whose max_applied is 0).
    pub by: Option<usize>,
}

/// A discount that applied, as a refusal names it.
#[derive(Debug, Clone, Copy)]
pub struct Cause<'c> {
    pub campaign: &'c CompiledCampaign,
    /// Its position in the checkout's entries.
    pub slot: usize,
}

/// Why the stacking rules refuse one more discount, before any message is written (a refused
/// discount is still checked for validity first: an invalid one is INAPPLICABLE, not SKIPPED).
#[derive(Debug, Clone, Copy)]
pub enum Refusal<'c> {
    /// An exclusive offer already applies.
    ExclusiveApplied(Cause<'c>),
    /// This exclusive offer applies only alone, and this one already applies.
    ExclusiveNotAlone(Cause<'c>),
    /// `max` (more than one) exclusive offers already apply; `by` is the last of them.
    ExclusiveLimit { max: usize, by: Cause<'c> },
    /// One of the two lists the other as not combinable.
    NotCombinable(Cause<'c>),
    /// The category already has its maximum (`by`: the last that applied in it).
    CategoryFull { max: usize, by: Option<Cause<'c>> },
    /// The exclusive category already has max_per_exclusive_category.
    ExclusiveCategoryFull { max: usize, by: Cause<'c> },
    /// The order already has its maximum (`by`: the last that applied).
    OrderFull { max: usize, by: Option<Cause<'c>> },
    /// BEST_FOR_CUSTOMER left it out (`by`: the first redeemable of the chosen combination).
    LeftOut { by: Option<Cause<'c>> },
}

impl Refusal<'_> {
    /// The SKIPPED reason and message of a refusal of `campaign`.
    pub fn skip(self, campaign: &CompiledCampaign) -> Skip {
        let plural = |max: usize| if max == 1 { "" } else { "s" };
        let (reason, message, by) = match self {
            Refusal::ExclusiveApplied(by) => (
                Reason::ExclusiveConflict,
                format!(
                    "This offer cannot be combined with the exclusive offer \"{}\".",
                    by.campaign.name()
                ),
                Some(by),
            ),
            Refusal::ExclusiveNotAlone(by) => (
                Reason::ExclusiveConflict,
                format!(
                    "This exclusive offer applies only alone, and \"{}\" already applies.",
                    by.campaign.name()
                ),
                Some(by),
            ),
            Refusal::ExclusiveLimit { max, by } => (
                Reason::StackingLimitExceeded,
                format!(
                    "At most {max} exclusive offer{} can be combined in one order; \"{}\" is \
                     the last that applied.",
                    plural(max),
                    by.campaign.name()
                ),
                Some(by),
            ),
            Refusal::NotCombinable(by) => (
                Reason::NotCombinable,
                format!(
                    "This offer cannot be combined with \"{}\".",
                    by.campaign.name()
                ),
                Some(by),
            ),
            Refusal::CategoryFull { max, by } => (
                Reason::StackingLimitExceeded,
                format!(
                    "At most {max} offer{} of the category \"{}\" can be combined in one \
                     order.",
                    plural(max),
                    campaign.category()
                ),
                by,
            ),
            Refusal::ExclusiveCategoryFull { max, by } => (
                Reason::StackingLimitExceeded,
                format!(
                    "At most {max} offer{} of the exclusive category \"{}\" can be combined in \
                     one order.",
                    plural(max),
                    campaign.category()
                ),
                Some(by),
            ),
            Refusal::OrderFull { max, by } => (
                Reason::StackingLimitExceeded,
                format!(
                    "At most {max} offer{} can be combined in one order.",
                    plural(max)
                ),
                by,
            ),
            Refusal::LeftOut { by } => (
                Reason::NotInBestCombination,
                match by {
                    Some(by) => format!(
                        "The combination starting with \"{}\" gives the customer a larger \
                         discount without this offer.",
                        by.campaign.name()
                    ),
                    None => "A combination without this offer gives the customer a larger \
                             discount."
                        .to_owned(),
                },
                by,
            ),
        };
        Skip {
            reason,
            message,
            by: by.map(|cause| cause.slot),
        }
    }
}

/// A discount that applied, with what its category's policy says (looked up once).
#[derive(Debug, Clone, Copy)]
struct Applied<'c> {
    cause: Cause<'c>,
    exclusive: bool,
    joint: bool,
}

impl Applied<'_> {
    fn is_regular(&self) -> bool {
        !self.exclusive && !self.joint
    }
}

/// The stacking state of one request: the discounts applied so far.
#[derive(Debug, Default, Clone)]
pub struct Stacking<'c> {
    applied: Vec<Applied<'c>>,
}

impl<'c> Stacking<'c> {
    /// Why one more valid discount redeemable may not apply (None: it may). The checks run in
    /// this order: exclusivity, not-combinable lists, the category's limit, the exclusive
    /// category limit, the overall limit.
    pub fn refusal(
        &self,
        policy: &StackingPolicy,
        campaign: &CompiledCampaign,
    ) -> Option<Refusal<'c>> {
        let category = campaign.category();
        let category_policy = policy.category(category);
        let exclusive = category_policy.is_some_and(CategoryPolicy::is_exclusive);
        if !category_policy.is_some_and(CategoryPolicy::is_joint) {
            if exclusive {
                if let Some(applied) = self.applied.iter().find(|a| a.is_regular()) {
                    return Some(Refusal::ExclusiveNotAlone(applied.cause));
                }
                let mut exclusives = self.applied.iter().filter(|applied| applied.exclusive);
                if let Some(first) = exclusives.next() {
                    let count = 1 + exclusives.clone().count();
                    let max = policy.max_exclusive_applied;
                    if count >= max {
                        // One exclusive offer at most (the default) reads as today's conflict.
                        if max == 1 {
                            return Some(Refusal::ExclusiveApplied(first.cause));
                        }
                        let last = exclusives.next_back().unwrap_or(first);
                        return Some(Refusal::ExclusiveLimit {
                            max,
                            by: last.cause,
                        });
                    }
                }
            } else if let Some(applied) = self.applied.iter().find(|applied| applied.exclusive) {
                return Some(Refusal::ExclusiveApplied(applied.cause));
            }
        }
        let conflict = self.applied.iter().find(|applied| {
            let applied = applied.cause.campaign;
            campaign
                .not_combinable_with()
                .iter()
                .any(|id| id == applied.id())
                || applied
                    .not_combinable_with()
                    .iter()
                    .any(|id| id == campaign.id())
        });
        if let Some(applied) = conflict {
            return Some(Refusal::NotCombinable(applied.cause));
        }
        let in_category = || {
            self.applied
                .iter()
                .filter(move |applied| applied.cause.campaign.category() == category)
        };
        if let Some(max) = policy.max_in(category, category_policy) {
            if in_category().count() >= max {
                return Some(Refusal::CategoryFull {
                    max,
                    by: in_category().next_back().map(|applied| applied.cause),
                });
            }
        }
        if let Some(max) = policy.max_per_exclusive_category.filter(|_| exclusive) {
            if in_category().count() >= max {
                if let Some(last) = in_category().next_back() {
                    return Some(Refusal::ExclusiveCategoryFull {
                        max,
                        by: last.cause,
                    });
                }
            }
        }
        if self.applied.len() >= policy.max_applied {
            return Some(Refusal::OrderFull {
                max: policy.max_applied,
                by: self.applied.last().map(|applied| applied.cause),
            });
        }
        None
    }

    /// Records an applied discount redeemable at position `slot` of the checkout.
    pub fn record_applied(
        &mut self,
        policy: &StackingPolicy,
        campaign: &'c CompiledCampaign,
        slot: usize,
    ) {
        let category_policy = policy.category(campaign.category());
        self.applied.push(Applied {
            cause: Cause { campaign, slot },
            exclusive: category_policy.is_some_and(CategoryPolicy::is_exclusive),
            joint: category_policy.is_some_and(CategoryPolicy::is_joint),
        });
    }

    /// How many discounts applied so far.
    pub fn applied_count(&self) -> usize {
        self.applied.len()
    }
}
