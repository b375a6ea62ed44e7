//! Effect computations on small carts, each checked against hand arithmetic.

use serde_json::{Map, Value as Json};

use super::{CompiledEffect, EffectInput};
use crate::cart::{Discount, RunningCart};
use crate::pb::internal::Counters;
use crate::pb::v1::effect::Kind;
use crate::pb::v1::{
    shipping_discount, AmountOffItems, AmountOffOrder, BuyXGetY, Effect, FixedPrice,
    FormulaDiscount, FreeUnits, Item, ItemFilter, Order, PercentOffOrder, ShippingDiscount,
};
use crate::rules::{OrderFacts, TestEnv};

fn item(sku: &str, category: &str, unit_price: i64, quantity: i64) -> Item {
    Item {
        sku: sku.to_owned(),
        categories: vec![category.to_owned()],
        unit_price,
        quantity,
        ..Default::default()
    }
}

fn coffee() -> ItemFilter {
    ItemFilter {
        rule_json: r#"{"subject": "item.categories", "op": "contains", "value": "coffee"}"#
            .to_owned(),
    }
}

fn apply(kind: Kind, items: Vec<Item>, shipping: i64) -> Result<Discount, String> {
    let effect = CompiledEffect::compile(&Effect { kind: Some(kind) }).expect("compiles");
    let order = Order {
        currency: "EUR".to_owned(),
        items,
        shipping_amount: shipping,
        ..Default::default()
    };
    let lines: Vec<i64> = order
        .items
        .iter()
        .map(|i| i.unit_price * i.quantity)
        .collect();
    let cart = RunningCart::new(&lines, shipping);
    let counters = Counters::default();
    let attributes: Option<&Map<String, Json>> = None;
    let facts = OrderFacts {
        order: &order,
        customer_id: None,
        customer_attributes: attributes,
        profile: None,
        order_metadata: None,
        item_metadata: &[],
        running_line_amounts: cart.line_amounts(),
        initial_amount: cart.amount(),
        running_amount: cart.amount(),
        total_quantity: order.items.iter().map(|i| i.quantity).sum(),
        counters: &counters,
        env: TestEnv {
            time_zone: chrono_tz::Tz::UTC,
            now_ms: 0,
        },
        line_index: None,
    };
    effect.apply(
        &cart,
        &EffectInput {
            facts: &facts,
            currency: "EUR",
            totals_only: false,
            initial_lines: None,
        },
    )
}

#[test]
fn amount_and_percent_off_order() {
    let d = apply(
        Kind::AmountOffOrder(AmountOffOrder { amount: 500 }),
        vec![item("A", "x", 1000, 1), item("B", "x", 3000, 1)],
        0,
    )
    .unwrap();
    assert_eq!(d.line_discounts, vec![125, 375]);
    let d = apply(
        Kind::PercentOffOrder(PercentOffOrder {
            percent_bp: 1000,
            cap: Some(300),
        }),
        vec![item("A", "x", 5000, 1)],
        0,
    )
    .unwrap();
    assert_eq!(d.line_discounts, vec![300]);
}

#[test]
fn amount_off_items_per_unit_is_capped_by_the_line() {
    // 3 coffees at 2.00: 2.50 off each would be 7.50 > 6.00, so the line goes to 0.
    let d = apply(
        Kind::AmountOffItems(AmountOffItems {
            filter: Some(coffee()),
            amount: 250,
            per_unit: true,
        }),
        vec![
            item("BEANS", "coffee", 200, 3),
            item("MUG", "kitchen", 900, 1),
        ],
        0,
    )
    .unwrap();
    assert_eq!(d.line_discounts, vec![600, 0]);
}

#[test]
fn fixed_price_takes_the_most_valuable_units_first() {
    // Units at 12.00 (x2) and 8.00 (x1) sold at 5.00, at most 2 units: 2 x 7.00 = 14.00.
    let d = apply(
        Kind::FixedPrice(FixedPrice {
            filter: Some(coffee()),
            unit_price: 500,
            max_units: Some(2),
        }),
        vec![
            item("CHEAP", "coffee", 800, 1),
            item("DEAR", "coffee", 1200, 2),
        ],
        0,
    )
    .unwrap();
    assert_eq!(d.line_discounts, vec![0, 1400]);
}

#[test]
fn buy_two_get_one_free_discounts_the_cheapest() {
    // 3 for 2 over units 10.00, 8.00, 6.00, 6.00, 4.00 (5 units): 1 repetition (3 units), the
    // cheapest unit 4.00 is free.
    let d = apply(
        Kind::BuyXGetY(BuyXGetY {
            buy_filter: Some(coffee()),
            buy_quantity: 2,
            get_filter: Some(coffee()),
            get_quantity: 1,
            percent_bp: 10_000,
            max_repeats: 0,
        }),
        vec![
            item("A", "coffee", 1000, 1),
            item("B", "coffee", 800, 1),
            item("C", "coffee", 600, 2),
            item("D", "coffee", 400, 1),
        ],
        0,
    )
    .unwrap();
    assert_eq!(d.line_discounts, vec![0, 0, 0, 400]);
    // 6 units: 2 repetitions, the two cheapest (4.00 and one 6.00) are free.
    let d = apply(
        Kind::BuyXGetY(BuyXGetY {
            buy_filter: Some(coffee()),
            buy_quantity: 2,
            get_filter: Some(coffee()),
            get_quantity: 1,
            percent_bp: 10_000,
            max_repeats: 0,
        }),
        vec![
            item("A", "coffee", 1000, 2),
            item("C", "coffee", 600, 3),
            item("D", "coffee", 400, 1),
        ],
        0,
    )
    .unwrap();
    assert_eq!(d.line_discounts, vec![0, 600, 400]);
}

#[test]
fn free_units_add_the_missing_item() {
    let d = apply(
        Kind::FreeUnits(FreeUnits {
            sku: "MUG".to_owned(),
            quantity: 2,
            add_missing_item: true,
            unit_price: 900,
            product_id: String::new(),
        }),
        vec![
            item("MUG", "kitchen", 900, 1),
            item("BEANS", "coffee", 1200, 1),
        ],
        0,
    )
    .unwrap();
    assert_eq!(d.line_discounts, vec![900, 0]);
    let (added, discount) = d.added.expect("one mug added");
    assert_eq!((added.quantity, discount), (1, 900));
}

#[test]
fn shipping_and_formula() {
    let d = apply(
        Kind::Shipping(ShippingDiscount {
            discount: Some(shipping_discount::Discount::PercentBp(5000)),
        }),
        vec![item("A", "x", 1000, 1)],
        495,
    )
    .unwrap();
    // 50% of 4.95 = 2.475 -> 2.48
    assert_eq!(d.shipping, 248);
    // min(38.00 * 10%, 5.00) = 3.80 over 24.00 and 14.00 -> 2.40 and 1.40.
    let d = apply(
        Kind::Formula(FormulaDiscount {
            expression: "min(order.amount * 10%, 5.00)".to_owned(),
            filter: None,
        }),
        vec![item("A", "x", 1200, 2), item("B", "x", 1400, 1)],
        0,
    )
    .unwrap();
    assert_eq!(d.line_discounts, vec![240, 140]);
    let error = apply(
        Kind::Formula(FormulaDiscount {
            expression: "order.amount / (order.items_count - 1)".to_owned(),
            filter: None,
        }),
        vec![item("A", "x", 1200, 2)],
        0,
    )
    .unwrap_err();
    assert!(error.contains("division by zero"), "{error}");
}
