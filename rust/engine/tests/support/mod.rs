//! Builds protobuf messages from the JSON of the shared fixtures (tests/fixtures/engine): the
//! proto3 JSON mapping with original field names, plus `rules` (rule JSON as a value) and
//! `attributes` (customer attributes as a value). Unknown keys fail loudly to catch typos.

#![allow(dead_code)]

use chrono::DateTime;
use serde_json::{Map, Value as Json};

use promocore_engine::pb::internal::{Counters, ResolvedRedeemable};
use promocore_engine::pb::v1::effect::Kind;
use promocore_engine::pb::v1::redeemable::Target;
use promocore_engine::pb::v1::{
    AmountOffOrder, ApplicationMode, Campaign, CampaignType, CheckoutOptions, Code, CustomerRef,
    Effect, Item, Limits, Order, PercentOffOrder, Redeemable, Stacking, ValidityWindow, Variant,
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
            "code_redemption_quantity" => {
                campaign.code_redemption_quantity = Some(int(value, &what))
            }
            "variants" => {
                campaign.variants = list(value, &what)
                    .iter()
                    .map(|variant| {
                        let variant = object(variant, "variant");
                        Variant {
                            name: string(&variant["name"], "variant.name"),
                            weight: int32(&variant["weight"], "variant.weight"),
                            effect: None,
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

fn effect(json: &Json) -> Effect {
    let fields = object(json, "effect");
    let mut effect = Effect::default();
    for (key, value) in fields {
        let body = object(value, key);
        let kind = match key.as_str() {
            "amount_off_order" => {
                let mut amount_off = AmountOffOrder::default();
                for (field, value) in body {
                    match field.as_str() {
                        "amount" => amount_off.amount = int(value, field),
                        _ => panic!("unknown amount_off_order key {field:?}"),
                    }
                }
                Kind::AmountOffOrder(amount_off)
            }
            "percent_off_order" => {
                let mut percent_off = PercentOffOrder::default();
                for (field, value) in body {
                    match field.as_str() {
                        "percent_bp" => percent_off.percent_bp = int32(value, field),
                        "cap" => percent_off.cap = Some(int(value, field)),
                        _ => panic!("unknown percent_off_order key {field:?}"),
                    }
                }
                Kind::PercentOffOrder(percent_off)
            }
            // Kinds this engine version rejects: only their presence matters.
            other => {
                assert!(body.is_empty(), "effect {other} must be {{}} in fixtures");
                match other {
                    "amount_off_items" => Kind::AmountOffItems(Default::default()),
                    "percent_off_items" => Kind::PercentOffItems(Default::default()),
                    "fixed_price" => Kind::FixedPrice(Default::default()),
                    "free_units" => Kind::FreeUnits(Default::default()),
                    "buy_x_get_y" => Kind::BuyXGetY(Default::default()),
                    "tiered_spend" => Kind::TieredSpend(Default::default()),
                    "shipping" => Kind::Shipping(Default::default()),
                    "formula" => Kind::Formula(Default::default()),
                    _ => panic!("unknown effect kind {other:?}"),
                }
            }
        };
        effect.kind = Some(kind);
    }
    effect
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
            "start_at" => code.start_at = Some(timestamp(value, key)),
            "expire_at" => code.expire_at = Some(timestamp(value, key)),
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
