//! Builds protobuf messages from the JSON of the shared fixtures (tests/fixtures/engine): the
//! proto3 JSON mapping with original field names, plus `rules` (rule JSON as a value) and
//! `attributes` (customer attributes as a value). Unknown keys fail loudly to catch typos.

#![allow(dead_code)]

use chrono::DateTime;
use serde_json::{Map, Value as Json};

use promocore_engine::pb::internal::{Counters, CustomerProfile, ResolvedRedeemable};
use promocore_engine::pb::v1::effect::Kind;
use promocore_engine::pb::v1::redeemable::Target;
use promocore_engine::pb::v1::{
    shipping_discount, spend_tier, AmountOffItems, AmountOffOrder, ApplicationMode,
    ApplicationOrder, BuyXGetY, CalculationBase, Campaign, CampaignType, CheckoutOptions, Code,
    CombinationMode, CustomerAggregates, CustomerRef, Effect, ExclusiveResolution, FixedPrice,
    FormulaDiscount, FreeUnits, Item, ItemFilter, JointPlacement, Limits, LoyaltyCard,
    LoyaltyProgram, NoEffectPolicy, Order, PercentOffItems, PercentOffOrder, ProductStackPolicy,
    Redeemable, ShippingDiscount, SpendTier, Stacking, StackingCategory, StackingRules,
    TieredSpend, ValidityWindow, Variant,
};

pub fn object<'a>(json: &'a Json, what: &str) -> &'a Map<String, Json> {
    json.as_object()
        .unwrap_or_else(|| panic!("{what} must be an object: {json}"))
}

fn string(json: &Json, what: &str) -> String {
    json.as_str()
        .unwrap_or_else(|| panic!("{what} must be a string: {json}"))
        .to_owned()
}

fn int(json: &Json, what: &str) -> i64 {
    json.as_i64()
        .unwrap_or_else(|| panic!("{what} must be an integer: {json}"))
}

fn int32(json: &Json, what: &str) -> i32 {
    i32::try_from(int(json, what)).unwrap_or_else(|_| panic!("{what} must fit an int32"))
}

fn boolean(json: &Json, what: &str) -> bool {
    json.as_bool()
        .unwrap_or_else(|| panic!("{what} must be a boolean: {json}"))
}

fn list<'a>(json: &'a Json, what: &str) -> &'a Vec<Json> {
    json.as_array()
        .unwrap_or_else(|| panic!("{what} must be a list: {json}"))
}

pub fn unix_ms(rfc3339: &str) -> i64 {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|error| panic!("bad RFC 3339 time {rfc3339:?}: {error}"))
        .timestamp_millis()
}

fn timestamp(json: &Json, what: &str) -> prost_types::Timestamp {
    let parsed = DateTime::parse_from_rfc3339(&string(json, what))
        .unwrap_or_else(|error| panic!("{what}: bad RFC 3339 time: {error}"));
    prost_types::Timestamp {
        seconds: parsed.timestamp(),
        nanos: i32::try_from(parsed.timestamp_subsec_nanos()).expect("nanos fit"),
    }
}

pub fn campaign(json: &Json) -> Campaign {
    let mut campaign = Campaign::default();
    for (key, value) in object(json, "campaign") {
        let what = format!("campaign.{key}");
        match key.as_str() {
            "id" => campaign.id = string(value, &what),
            "name" => campaign.name = string(value, &what),
            "type" => {
                campaign.r#type = CampaignType::from_str_name(&string(value, &what))
                    .unwrap_or_else(|| panic!("{what}: unknown campaign type"))
                    as i32
            }
            "active" => campaign.active = Some(boolean(value, &what)),
            "draft" => campaign.draft = boolean(value, &what),
            "start_at" => campaign.start_at = Some(timestamp(value, &what)),
            "expire_at" => campaign.expire_at = Some(timestamp(value, &what)),
            "validity_windows" => {
                campaign.validity_windows = list(value, &what).iter().map(window).collect()
            }
            "rules" => campaign.rules_json = value.to_string(),
            "rules_json" => campaign.rules_json = string(value, &what),
            "rules_message" => campaign.rules_message = string(value, &what),
            "effect" => campaign.effect = Some(effect(value)),
            "limits" => campaign.limits = Some(limits(value)),
            "stacking" => campaign.stacking = Some(stacking(value)),
            "currency" => campaign.currency = string(value, &what),
            "time_zone" => campaign.time_zone = string(value, &what),
            "version" => campaign.version = int(value, &what),
            "loyalty" => {
                let mut loyalty = LoyaltyProgram::default();
                for (k, v) in object(value, "loyalty") {
                    match k.as_str() {
                        "points_rate_money" => loyalty.points_rate_money = int(v, k),
                        "points_rate_points" => loyalty.points_rate_points = int(v, k),
                        _ => panic!("unknown loyalty key {k:?}"),
                    }
                }
                campaign.loyalty = Some(loyalty);
            }
            "code_redemption_quantity" => {
                campaign.code_redemption_quantity = Some(int(value, &what))
            }
            "variants" => {
                campaign.variants = list(value, &what)
                    .iter()
                    .map(|variant| {
                        let variant = object(variant, "variant");
                        Variant {
                            name: variant
                                .get("name")
                                .map(|name| string(name, "variant.name"))
                                .unwrap_or_default(),
                            weight: int32(&variant["weight"], "variant.weight"),
                            effect: variant.get("effect").map(effect),
                        }
                    })
                    .collect()
            }
            _ => panic!("unknown campaign key {key:?}"),
        }
    }
    campaign
}

fn window(json: &Json) -> ValidityWindow {
    let mut window = ValidityWindow::default();
    for (key, value) in object(json, "validity window") {
        match key.as_str() {
            "days_of_week" => {
                window.days_of_week = list(value, key).iter().map(|day| int32(day, key)).collect()
            }
            "start_time" => window.start_time = string(value, key),
            "end_time" => window.end_time = string(value, key),
            _ => panic!("unknown validity window key {key:?}"),
        }
    }
    window
}

/// An item filter: `{"rule": <rule JSON>}` or `{"rule_json": "..."}`.
fn filter(json: &Json) -> Option<ItemFilter> {
    let mut filter = ItemFilter::default();
    for (key, value) in object(json, "filter") {
        match key.as_str() {
            "rule" => filter.rule_json = value.to_string(),
            "rule_json" => filter.rule_json = string(value, key),
            _ => panic!("unknown filter key {key:?}"),
        }
    }
    Some(filter)
}

fn effect(json: &Json) -> Effect {
    let fields = object(json, "effect");
    let mut effect = Effect::default();
    for (key, value) in fields {
        let body = object(value, key);
        let unknown = |field: &str| -> ! { panic!("unknown {key} key {field:?}") };
        let kind = match key.as_str() {
            "amount_off_order" => {
                let mut e = AmountOffOrder::default();
                for (field, value) in body {
                    match field.as_str() {
                        "amount" => e.amount = int(value, field),
                        _ => unknown(field),
                    }
                }
                Kind::AmountOffOrder(e)
            }
            "percent_off_order" => {
                let mut e = PercentOffOrder::default();
                for (field, value) in body {
                    match field.as_str() {
                        "percent_bp" => e.percent_bp = int32(value, field),
                        "cap" => e.cap = Some(int(value, field)),
                        _ => unknown(field),
                    }
                }
                Kind::PercentOffOrder(e)
            }
            "amount_off_items" => {
                let mut e = AmountOffItems::default();
                for (field, value) in body {
                    match field.as_str() {
                        "filter" => e.filter = filter(value),
                        "amount" => e.amount = int(value, field),
                        "per_unit" => e.per_unit = boolean(value, field),
                        _ => unknown(field),
                    }
                }
                Kind::AmountOffItems(e)
            }
            "percent_off_items" => {
                let mut e = PercentOffItems::default();
                for (field, value) in body {
                    match field.as_str() {
                        "filter" => e.filter = filter(value),
                        "percent_bp" => e.percent_bp = int32(value, field),
                        "cap" => e.cap = Some(int(value, field)),
                        _ => unknown(field),
                    }
                }
                Kind::PercentOffItems(e)
            }
            "fixed_price" => {
                let mut e = FixedPrice::default();
                for (field, value) in body {
                    match field.as_str() {
                        "filter" => e.filter = filter(value),
                        "unit_price" => e.unit_price = int(value, field),
                        "max_units" => e.max_units = Some(int(value, field)),
                        _ => unknown(field),
                    }
                }
                Kind::FixedPrice(e)
            }
            "free_units" => {
                let mut e = FreeUnits::default();
                for (field, value) in body {
                    match field.as_str() {
                        "sku" => e.sku = string(value, field),
                        "quantity" => e.quantity = int(value, field),
                        "add_missing_item" => e.add_missing_item = boolean(value, field),
                        "unit_price" => e.unit_price = int(value, field),
                        "product_id" => e.product_id = string(value, field),
                        _ => unknown(field),
                    }
                }
                Kind::FreeUnits(e)
            }
            "buy_x_get_y" => {
                let mut e = BuyXGetY::default();
                for (field, value) in body {
                    match field.as_str() {
                        "buy_filter" => e.buy_filter = filter(value),
                        "buy_quantity" => e.buy_quantity = int(value, field),
                        "get_filter" => e.get_filter = filter(value),
                        "get_quantity" => e.get_quantity = int(value, field),
                        "percent_bp" => e.percent_bp = int32(value, field),
                        "max_repeats" => e.max_repeats = int(value, field),
                        _ => unknown(field),
                    }
                }
                Kind::BuyXGetY(e)
            }
            "tiered_spend" => {
                let mut e = TieredSpend::default();
                for (field, value) in body {
                    match field.as_str() {
                        "tiers" => {
                            e.tiers = list(value, field)
                                .iter()
                                .map(|tier| {
                                    let mut t = SpendTier::default();
                                    for (k, v) in object(tier, "tier") {
                                        match k.as_str() {
                                            "threshold" => t.threshold = int(v, k),
                                            "amount" => {
                                                t.discount =
                                                    Some(spend_tier::Discount::Amount(int(v, k)))
                                            }
                                            "percent_bp" => {
                                                t.discount = Some(spend_tier::Discount::PercentBp(
                                                    int32(v, k),
                                                ))
                                            }
                                            _ => panic!("unknown tier key {k:?}"),
                                        }
                                    }
                                    t
                                })
                                .collect()
                        }
                        "cap" => e.cap = Some(int(value, field)),
                        _ => unknown(field),
                    }
                }
                Kind::TieredSpend(e)
            }
            "shipping" => {
                let mut e = ShippingDiscount::default();
                for (field, value) in body {
                    e.discount = Some(match field.as_str() {
                        "free" => shipping_discount::Discount::Free(boolean(value, field)),
                        "amount" => shipping_discount::Discount::Amount(int(value, field)),
                        "percent_bp" => shipping_discount::Discount::PercentBp(int32(value, field)),
                        _ => unknown(field),
                    });
                }
                Kind::Shipping(e)
            }
            "formula" => {
                let mut e = FormulaDiscount::default();
                for (field, value) in body {
                    match field.as_str() {
                        "expression" => e.expression = string(value, field),
                        "filter" => e.filter = filter(value),
                        _ => unknown(field),
                    }
                }
                Kind::Formula(e)
            }
            _ => panic!("unknown effect kind {key:?}"),
        };
        effect.kind = Some(kind);
    }
    effect
}

/// An enum field written by name, e.g. "EXCLUSIVE_WINS".
fn enum_value<E: Into<i32>>(value: &Json, key: &str, parse: fn(&str) -> Option<E>) -> i32 {
    let name = value
        .as_str()
        .unwrap_or_else(|| panic!("{key} is an enum name"));
    parse(name)
        .unwrap_or_else(|| panic!("{key}: unknown value {name:?}"))
        .into()
}

/// promocore.v1.StackingRules.
pub fn stacking_rules(json: &Json) -> StackingRules {
    let mut rules = StackingRules::default();
    for (key, value) in object(json, "stacking_rules") {
        match key.as_str() {
            "max_applied" => rules.max_applied = Some(int32(value, key)),
            "default_max_per_category" => rules.default_max_per_category = Some(int32(value, key)),
            "max_exclusive_applied" => rules.max_exclusive_applied = Some(int32(value, key)),
            "max_per_exclusive_category" => {
                rules.max_per_exclusive_category = Some(int32(value, key))
            }
            "application_order" => {
                rules.application_order = enum_value(value, key, ApplicationOrder::from_str_name)
            }
            "joint_placement" => {
                rules.joint_placement = enum_value(value, key, JointPlacement::from_str_name)
            }
            "exclusive_resolution" => {
                rules.exclusive_resolution =
                    enum_value(value, key, ExclusiveResolution::from_str_name)
            }
            "product_stack_policy" => {
                rules.product_stack_policy =
                    enum_value(value, key, ProductStackPolicy::from_str_name)
            }
            "no_effect_policy" => {
                rules.no_effect_policy = enum_value(value, key, NoEffectPolicy::from_str_name)
            }
            "combination_mode" => {
                rules.combination_mode = enum_value(value, key, CombinationMode::from_str_name)
            }
            "categories" => {
                rules.categories = list(value, key)
                    .iter()
                    .map(|category| {
                        let mut c = StackingCategory::default();
                        for (k, v) in object(category, "category") {
                            match k.as_str() {
                                "name" => c.name = string(v, k),
                                "priority" => c.priority = int32(v, k),
                                "exclusive" => c.exclusive = boolean(v, k),
                                "joint" => c.joint = boolean(v, k),
                                "max_applied" => c.max_applied = Some(int32(v, k)),
                                "calculation_base" => {
                                    c.calculation_base =
                                        enum_value(v, k, CalculationBase::from_str_name)
                                }
                                _ => panic!("unknown category key {k:?}"),
                            }
                        }
                        c
                    })
                    .collect()
            }
            _ => panic!("unknown stacking_rules key {key:?}"),
        }
    }
    rules
}

/// internal.CustomerProfile, with `attributes` as a JSON value.
pub fn profile(json: &Json) -> CustomerProfile {
    let mut profile = CustomerProfile::default();
    for (key, value) in object(json, "profile") {
        match key.as_str() {
            "segments" => {
                profile.segments = list(value, key).iter().map(|s| string(s, key)).collect()
            }
            "attributes" => profile.attributes_json = value.to_string(),
            "aggregates" => {
                let mut a = CustomerAggregates::default();
                for (k, v) in object(value, "aggregates") {
                    match k.as_str() {
                        "orders_count" => a.orders_count = int(v, k),
                        "total_spent" => a.total_spent = int(v, k),
                        "last_order_at" => a.last_order_at = Some(timestamp(v, k)),
                        "campaign_redemptions" => {
                            a.campaign_redemptions = object(v, k)
                                .iter()
                                .map(|(id, count)| (id.clone(), int(count, id)))
                                .collect()
                        }
                        _ => panic!("unknown aggregates key {k:?}"),
                    }
                }
                profile.aggregates = Some(a);
            }
            "loyalty" => {
                profile.loyalty = object(value, key)
                    .iter()
                    .map(|(program, card)| {
                        let mut c = LoyaltyCard::default();
                        for (k, v) in object(card, "loyalty card") {
                            match k.as_str() {
                                "tier_id" => c.tier_id = string(v, k),
                                "points" => c.points = int(v, k),
                                _ => panic!("unknown loyalty card key {k:?}"),
                            }
                        }
                        (program.clone(), c)
                    })
                    .collect()
            }
            _ => panic!("unknown profile key {key:?}"),
        }
    }
    profile
}

fn limits(json: &Json) -> Limits {
    let mut limits = Limits::default();
    for (key, value) in object(json, "limits") {
        let value = Some(int(value, key));
        match key.as_str() {
            "total_redemptions" => limits.total_redemptions = value,
            "per_customer" => limits.per_customer = value,
            "per_customer_per_day" => limits.per_customer_per_day = value,
            "per_customer_per_week" => limits.per_customer_per_week = value,
            "per_customer_per_month" => limits.per_customer_per_month = value,
            "per_day" => limits.per_day = value,
            "budget_discount" => limits.budget_discount = value,
            "budget_order_value" => limits.budget_order_value = value,
            _ => panic!("unknown limits key {key:?}"),
        }
    }
    limits
}

fn stacking(json: &Json) -> Stacking {
    let mut stacking = Stacking::default();
    for (key, value) in object(json, "stacking") {
        match key.as_str() {
            "category" => stacking.category = string(value, key),
            "priority" => stacking.priority = int32(value, key),
            "not_combinable_with" => {
                stacking.not_combinable_with =
                    list(value, key).iter().map(|id| string(id, key)).collect()
            }
            _ => panic!("unknown stacking key {key:?}"),
        }
    }
    stacking
}

pub fn code(json: &Json) -> Code {
    let mut code = Code::default();
    for (key, value) in object(json, "code") {
        match key.as_str() {
            "code" => code.code = string(value, key),
            "campaign_id" => code.campaign_id = string(value, key),
            "active" => code.active = Some(boolean(value, key)),
            "redemption_quantity" => code.redemption_quantity = Some(int(value, key)),
            "assigned_customer_id" => code.assigned_customer_id = string(value, key),
            "referrer_customer_id" => code.referrer_customer_id = string(value, key),
            "start_at" => code.start_at = Some(timestamp(value, key)),
            "expire_at" => code.expire_at = Some(timestamp(value, key)),
            "gift_balance" => code.gift_balance = int(value, key),
            "points" => code.points = int(value, key),
            _ => panic!("unknown code key {key:?}"),
        }
    }
    code
}

pub fn order(json: &Json) -> Order {
    let mut order = Order::default();
    for (key, value) in object(json, "order") {
        match key.as_str() {
            "id" => order.id = string(value, key),
            "currency" => order.currency = string(value, key),
            "channel" => order.channel = string(value, key),
            "store_id" => order.store_id = string(value, key),
            "items" => order.items = list(value, key).iter().map(item).collect(),
            "shipping_amount" => order.shipping_amount = int(value, key),
            "metadata_json" => order.metadata_json = string(value, key),
            _ => panic!("unknown order key {key:?}"),
        }
    }
    order
}

fn item(json: &Json) -> Item {
    let mut item = Item::default();
    for (key, value) in object(json, "item") {
        match key.as_str() {
            "sku" => item.sku = string(value, key),
            "product_id" => item.product_id = string(value, key),
            "categories" => {
                item.categories = list(value, key).iter().map(|c| string(c, key)).collect()
            }
            "unit_price" => item.unit_price = int(value, key),
            "quantity" => item.quantity = int(value, key),
            "metadata_json" => item.metadata_json = string(value, key),
            _ => panic!("unknown item key {key:?}"),
        }
    }
    item
}

pub fn customer(json: &Json) -> CustomerRef {
    let mut customer = CustomerRef::default();
    for (key, value) in object(json, "customer") {
        match key.as_str() {
            "id" => customer.id = string(value, key),
            "attributes" => customer.attributes_json = value.to_string(),
            "attributes_json" => customer.attributes_json = string(value, key),
            _ => panic!("unknown customer key {key:?}"),
        }
    }
    customer
}

pub fn counters(json: &Json) -> Counters {
    let mut counters = Counters::default();
    for (key, value) in object(json, "counters") {
        let value = int(value, key);
        match key.as_str() {
            "code_redeemed" => counters.code_redeemed = value,
            "campaign_redemptions" => counters.campaign_redemptions = value,
            "customer_redemptions" => counters.customer_redemptions = value,
            "customer_day" => counters.customer_day = value,
            "customer_week" => counters.customer_week = value,
            "customer_month" => counters.customer_month = value,
            "campaign_day" => counters.campaign_day = value,
            "discount_given" => counters.discount_given = value,
            "order_value" => counters.order_value = value,
            _ => panic!("unknown counters key {key:?}"),
        }
    }
    counters
}

pub fn options(json: &Json) -> CheckoutOptions {
    let mut options = CheckoutOptions::default();
    for (key, value) in object(json, "options") {
        match key.as_str() {
            "mode" => {
                options.mode = ApplicationMode::from_str_name(&string(value, key))
                    .unwrap_or_else(|| panic!("unknown application mode {value}"))
                    as i32
            }
            "include_promotions" => options.include_promotions = boolean(value, key),
            "explain_promotions" => options.explain_promotions = boolean(value, key),
            _ => panic!("unknown options key {key:?}"),
        }
    }
    options
}

/// A requested redeemable of a fixture and what the store resolved for it.
pub fn redeemable(json: &Json) -> (Redeemable, ResolvedRedeemable) {
    let mut redeemable = Redeemable::default();
    let mut resolved = ResolvedRedeemable::default();
    for (key, value) in object(json, "redeemable") {
        match key.as_str() {
            "code" => redeemable.target = Some(Target::Code(string(value, key))),
            "promotion_id" => redeemable.target = Some(Target::PromotionId(string(value, key))),
            "amount" => redeemable.amount = Some(int(value, key)),
            "points" => redeemable.points = Some(int(value, key)),
            "campaign" => resolved.campaign_slot = int32(value, key),
            "code_record" => resolved.code = Some(code(value)),
            "counters" => resolved.counters = Some(counters(value)),
            "held_by_other_session" => resolved.held_by_other_session = boolean(value, key),
            _ => panic!("unknown redeemable key {key:?}"),
        }
    }
    (redeemable, resolved)
}

/// A joined promotion of a fixture.
pub fn promotion(json: &Json) -> ResolvedRedeemable {
    let mut resolved = ResolvedRedeemable::default();
    for (key, value) in object(json, "promotion") {
        match key.as_str() {
            "campaign" => resolved.campaign_slot = int32(value, key),
            "counters" => resolved.counters = Some(counters(value)),
            "held_by_other_session" => resolved.held_by_other_session = boolean(value, key),
            _ => panic!("unknown promotion key {key:?}"),
        }
    }
    resolved
}
