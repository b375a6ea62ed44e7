//! Qualify's near misses with a small limit are the first ones of the whole ranking: the index
//! skips, without evaluating them, only candidates that could not have entered the answer.
//! Many promotions with thresholds on amounts, quantities and lines of categories and SKUs
//! (some in `any` trees, `between`s, rules mixing channels), many carts; each answer with limit
//! 1, 3 and 20 must be the prefix of the answer with a limit no pruning reaches.

mod support;

use std::sync::Arc;

use serde_json::{json, Value as Json};

use promocore_engine::pb::internal::QualifyContext;
use promocore_engine::pb::v1::{QualifyRequest, QualifyResponse};
use promocore_engine::{CampaignIndex, CompiledCampaign};

const NOW: &str = "2025-01-15T12:00:00Z";
const CHANNELS: [&str; 3] = ["web", "app", "pos"];

/// A small deterministic generator (no dependency for a test).
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, bound: u64) -> i64 {
        (self.next() % bound) as i64
    }
}

fn threshold_leaf(draw: &mut Draw) -> Json {
    let category = format!("cat-{}", draw.below(12));
    let sku = format!("SKU-{}", draw.below(30));
    let op = ["gte", "gt", "between"][draw.below(3) as usize];
    let value = |draw: &mut Draw, scale: i64| -> Json {
        let low = 1 + draw.below(6) * scale;
        if op == "between" {
            json!([low, low + draw.below(8) * scale])
        } else {
            json!(low)
        }
    };
    match draw.below(7) {
        0 => json!({"subject": "order.amount", "op": op, "value": value(draw, 1500)}),
        1 => json!({"subject": "order.total_quantity", "op": op, "value": value(draw, 2)}),
        2 => json!({"subject": "order.items_count", "op": op, "value": value(draw, 1)}),
        3 => json!({"subject": "items.quantity", "op": op, "value": value(draw, 1),
                    "filter": {"subject": "item.categories", "op": "contains", "value": category}}),
        4 => json!({"subject": "items.amount", "op": op, "value": value(draw, 900),
                    "filter": {"subject": "item.sku", "op": "in", "value": [sku, "SKU-1"]}}),
        5 => json!({"subject": "items.count", "op": op, "value": value(draw, 1),
                    "filter": {"all": [
                        {"subject": "item.categories", "op": "contains", "value": category},
                        {"subject": "item.unit_price", "op": "gte", "value": 500}]}}),
        _ => json!({"subject": "items.quantity", "op": op, "value": value(draw, 2)}),
    }
}

fn rule(draw: &mut Draw) -> Json {
    let mut conjuncts: Vec<Json> = (0..1 + draw.below(3))
        .map(|_| threshold_leaf(draw))
        .collect();
    match draw.below(5) {
        0 => conjuncts.insert(
            draw.below(conjuncts.len() as u64 + 1) as usize,
            json!({"subject": "order.channel", "op": "eq", "value": CHANNELS[draw.below(2) as usize]}),
        ),
        1 => conjuncts.push(json!({"any": [threshold_leaf(draw), threshold_leaf(draw)]})),
        2 => conjuncts.push(json!({"not": threshold_leaf(draw)})),
        _ => {}
    }
    if conjuncts.len() == 1 {
        conjuncts.pop().expect("one")
    } else {
        json!({ "all": conjuncts })
    }
}

fn catalog(draw: &mut Draw) -> CampaignIndex {
    let campaigns = (0..300)
        .map(|index| {
            let json = json!({
                "id": format!("promo-{index:03}"), "name": "Promo", "type": "PROMOTION",
                "currency": "EUR", "rules": rule(draw),
                "effect": {"amount_off_order": {"amount": 100 + draw.below(20) * 50}}
            });
            Arc::new(CompiledCampaign::compile(&support::campaign(&json)).expect("compiles"))
        })
        .collect();
    CampaignIndex::build(campaigns)
}

fn cart(draw: &mut Draw, limit: i32) -> QualifyRequest {
    let items: Vec<Json> = (0..1 + draw.below(6))
        .map(|_| {
            json!({
                "sku": format!("SKU-{}", draw.below(30)),
                "categories": [format!("cat-{}", draw.below(12))],
                "unit_price": 100 + draw.below(30) * 100,
                "quantity": 1 + draw.below(3)
            })
        })
        .collect();
    QualifyRequest {
        order: Some(support::order(&json!({
            "currency": "EUR",
            "channel": CHANNELS[draw.below(3) as usize],
            "items": items
        }))),
        include_near_misses: true,
        limit,
        ..Default::default()
    }
}

fn answer(index: &CampaignIndex, request: &QualifyRequest) -> QualifyResponse {
    let context = QualifyContext {
        now_unix_ms: support::unix_ms(NOW),
        ..Default::default()
    };
    index.qualify(request, &context).expect("answers")
}

#[test]
fn near_misses_with_a_limit_are_the_first_of_all_of_them() {
    let mut draw = Draw(7);
    let index = catalog(&mut draw);
    let mut pruned_answers = 0;
    for _ in 0..300 {
        let everything = cart(&mut draw, 1000);
        let all = answer(&index, &everything);
        for limit in [1, 3, 20] {
            let limited = answer(
                &index,
                &QualifyRequest {
                    limit,
                    ..everything.clone()
                },
            );
            let prefix = |list: &[_]| list[..list.len().min(limit as usize)].to_vec();
            assert_eq!(
                limited.entries,
                prefix(&all.entries),
                "entries, limit {limit}"
            );
            assert_eq!(
                limited.near_misses,
                prefix(&all.near_misses),
                "near misses, limit {limit}"
            );
            if all.near_misses.len() > limit as usize {
                pruned_answers += 1;
            }
        }
    }
    // Most carts have more near misses than the limits: the pruning is what was compared.
    assert!(pruned_answers > 300, "{pruned_answers}");
}
