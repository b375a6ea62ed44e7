//! Which valid redeemables of one request may apply together (SPEC section 5): the maximum of
//! applied redeemables, per-category limits, exclusive and joint categories, per-campaign
//! "not combinable with" lists, and the order of application (category priority, campaign
//! priority, request order). Tenders (gift cards, loyalty points) are payments, not discounts:
//! none of this applies to them.

use crate::campaign::{CompiledCampaign, DEFAULT_CATEGORY};
use crate::error::CompileError;
use crate::fast_hash::FastMap;
use crate::pb::v1::StackingRules;
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
}

/// Compiled stacking rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackingPolicy {
    max_applied: usize,
    default_max_per_category: usize,
    categories: FastMap<String, CategoryPolicy>,
}

impl Default for StackingPolicy {
    fn default() -> StackingPolicy {
        StackingPolicy {
            max_applied: MAX_APPLIED_REDEEMABLES,
            default_max_per_category: DEFAULT_MAX_PER_CATEGORY,
            categories: FastMap::default(),
        }
    }
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

    /// The order key of a discount redeemable: category priority, then campaign priority (then
    /// the caller's position).
    pub fn priority(&self, campaign: &CompiledCampaign) -> (i32, i32) {
        let category = self.category(campaign.category()).map_or(0, |c| c.priority);
        (category, campaign.priority())
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
}

/// Why the stacking rules refuse one more discount, before any message is written (a refused
/// discount is still checked for validity first: an invalid one is INAPPLICABLE, not SKIPPED).
#[derive(Debug, Clone, Copy)]
pub enum Refusal<'c> {
    /// An exclusive offer already applies.
    ExclusiveApplied(&'c CompiledCampaign),
    /// This exclusive offer applies only alone, and this one already applies.
    ExclusiveNotAlone(&'c CompiledCampaign),
    /// One of the two lists the other as not combinable.
    NotCombinable(&'c CompiledCampaign),
    /// The category already has its maximum.
    CategoryFull { max: usize },
    /// The order already has its maximum.
    OrderFull { max: usize },
}

impl Refusal<'_> {
    /// The SKIPPED reason and message of a refusal of `campaign`.
    pub fn skip(self, campaign: &CompiledCampaign) -> Skip {
        let (reason, message) = match self {
            Refusal::ExclusiveApplied(applied) => (
                Reason::ExclusiveConflict,
                format!(
                    "This offer cannot be combined with the exclusive offer \"{}\".",
                    applied.name()
                ),
            ),
            Refusal::ExclusiveNotAlone(applied) => (
                Reason::ExclusiveConflict,
                format!(
                    "This exclusive offer applies only alone, and \"{}\" already applies.",
                    applied.name()
                ),
            ),
            Refusal::NotCombinable(applied) => (
                Reason::NotCombinable,
                format!("This offer cannot be combined with \"{}\".", applied.name()),
            ),
            Refusal::CategoryFull { max } => (
                Reason::StackingLimitExceeded,
                format!(
                    "At most {max} offer{} of the category \"{}\" can be combined in one \
                     order.",
                    if max == 1 { "" } else { "s" },
                    campaign.category()
                ),
            ),
            Refusal::OrderFull { max } => (
                Reason::StackingLimitExceeded,
                format!("At most {max} offers can be combined in one order."),
            ),
        };
        Skip { reason, message }
    }
}

/// A discount that applied, with what its category's policy says (looked up once).
#[derive(Debug, Clone, Copy)]
struct Applied<'c> {
    campaign: &'c CompiledCampaign,
    exclusive: bool,
    joint: bool,
}

/// The stacking state of one request: the discounts applied so far.
#[derive(Debug, Default)]
pub struct Stacking<'c> {
    applied: Vec<Applied<'c>>,
}

impl<'c> Stacking<'c> {
    /// Why one more valid discount redeemable may not apply (None: it may). The checks run in
    /// this order: exclusivity, not-combinable lists, the category's limit, the overall limit.
    pub fn refusal(
        &self,
        policy: &StackingPolicy,
        campaign: &CompiledCampaign,
    ) -> Option<Refusal<'c>> {
        let category = campaign.category();
        let category_policy = policy.category(category);
        if !category_policy.is_some_and(CategoryPolicy::is_joint) {
            let exclusive_applied = self.applied.iter().find(|applied| applied.exclusive);
            if let Some(applied) = exclusive_applied {
                return Some(Refusal::ExclusiveApplied(applied.campaign));
            }
            if category_policy.is_some_and(CategoryPolicy::is_exclusive) {
                if let Some(applied) = self.applied.iter().find(|applied| !applied.joint) {
                    return Some(Refusal::ExclusiveNotAlone(applied.campaign));
                }
            }
        }
        let conflict = self.applied.iter().find(|applied| {
            let applied = applied.campaign;
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
            return Some(Refusal::NotCombinable(applied.campaign));
        }
        if let Some(max) = policy.max_in(category, category_policy) {
            let in_category = self
                .applied
                .iter()
                .filter(|applied| applied.campaign.category() == category)
                .count();
            if in_category >= max {
                return Some(Refusal::CategoryFull { max });
            }
        }
        if self.applied.len() >= policy.max_applied {
            return Some(Refusal::OrderFull {
                max: policy.max_applied,
            });
        }
        None
    }

    /// Records an applied discount redeemable.
    pub fn record_applied(&mut self, policy: &StackingPolicy, campaign: &'c CompiledCampaign) {
        let category_policy = policy.category(campaign.category());
        self.applied.push(Applied {
            campaign,
            exclusive: category_policy.is_some_and(CategoryPolicy::is_exclusive),
            joint: category_policy.is_some_and(CategoryPolicy::is_joint),
        });
    }
}
