//! The checkout plan and a redemption's writes: the context the plan builds from raw records,
//! the counters it asks for, and the hand-encoded records decoding to what they must hold.

mod support;

use std::sync::Arc;

use prost::Message;
use serde_json::json;

use promocore_engine::pb::internal::{IdempotencyRecord, StoredRedemption};
use promocore_engine::pb::v1::redeemable::Target;
use promocore_engine::pb::v1::{
    CheckoutOptions, Code, CodeKind, CustomerRef, Item, Order, RedeemRequest, RedeemResponse,
    Redeemable, RedeemableResult, RedeemableStatus, RedemptionStatus,
};
use promocore_engine::{
    CheckoutPlan, CompiledCampaign, CounterValues, PreparedCheckout, RedemptionIdentity,
};

const NOW: &str = "2025-01-15T12:00:00Z";

fn compiled(json: serde_json::Value) -> Arc<CompiledCampaign> {
    Arc::new(CompiledCampaign::compile(&support::campaign(&json)).expect("compiles"))
}

/// A coupon campaign limited to 10 redemptions and an unlimited auto promotion.
fn plan() -> Arc<CheckoutPlan> {
    let coupon = compiled(json!({
        "id": "limited", "name": "Limited", "type": "DISCOUNT_COUPONS", "currency": "EUR",
        "effect": {"amount_off_order": {"amount": 500}},
        "limits": {"total_redemptions": 10}
    }));
    let promotion = compiled(json!({
        "id": "auto", "name": "Auto", "type": "PROMOTION", "currency": "EUR",
        "effect": {"percent_off_order": {"percent_bp": 1000}}
    }));
    Arc::new(CheckoutPlan::new(vec![coupon, promotion], None, Vec::new()))
}

fn request(idempotency_key: &str) -> Vec<u8> {
    RedeemRequest {
        order: Some(Order {
            id: "order-1".to_owned(),
            currency: "EUR".to_owned(),
            items: vec![Item {
                sku: "BEANS".to_owned(),
                unit_price: 10_000,
                quantity: 1,
                ..Default::default()
            }],
            ..Default::default()
        }),
        customer: Some(CustomerRef {
            id: "c-1".to_owned(),
            ..Default::default()
        }),
        redeemables: vec![
            Redeemable {
                target: Some(Target::Code("save5".to_owned())),
                ..Default::default()
            },
            Redeemable {
                target: Some(Target::Code("nope".to_owned())),
                ..Default::default()
            },
        ],
        options: Some(CheckoutOptions {
            include_promotions: true,
            ..Default::default()
        }),
        idempotency_key: idempotency_key.to_owned(),
        ..Default::default()
    }
    .encode_to_vec()
}

fn code_record() -> Vec<u8> {
    Code {
        code: "SAVE5".to_owned(),
        campaign_id: "limited".to_owned(),
        kind: CodeKind::Discount as i32,
        ..Default::default()
    }
    .encode_to_vec()
}

/// The request prepared against the plan, its code known to the store, the second one not.
fn prepared(request: &[u8]) -> PreparedCheckout {
    plan()
        .prepare(
            request,
            support::unix_ms(NOW),
            &[Some(&code_record()), None],
            None,
        )
        .expect("prepares")
}

#[test]
fn the_plan_asks_only_for_the_limited_campaigns_counters() {
    let prepared = prepared(&request("k"));
    let keys: Vec<String> = prepared
        .counter_keys()
        .iter()
        .map(|key| String::from_utf8(key.clone()).unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "code/SAVE5",
            "campaign/limited/redemptions",
            "per-customer/c-1/limited/all",
            "per-customer/c-1/limited/day/2025-01-15",
            "per-customer/c-1/limited/week/2025-W03",
            "per-customer/c-1/limited/month/2025-01",
            "campaign/limited/day/2025-01-15",
            "campaign/limited/discount",
            "campaign/limited/order_value",
        ]
    );
    assert!(prepared.points_keys().is_empty());
}

#[test]
fn a_limit_reached_in_the_counters_read_refuses_the_code() {
    let prepared = prepared(&request("k"));
    let mut values = vec![0; prepared.counter_keys().len()];
    values[1] = 10; // campaign/limited/redemptions
    let held = vec![false; values.len()];
    let answer = prepared
        .evaluate(CounterValues {
            values: &values,
            held: &held,
            points: &[],
        })
        .expect("evaluates");
    assert_eq!(answer.redeemables[0].reason, "campaign_limit_exceeded");
    assert_eq!(answer.redeemables[1].reason, "code_not_found");
    assert!(prepared
        .evaluate(CounterValues {
            values: &values[1..],
            held: &held,
            points: &[]
        })
        .is_err());
}

#[test]
fn the_writes_decode_to_one_consistent_redemption() {
    let request = request("key-1");
    let prepared = prepared(&request);
    let values = vec![3; prepared.counter_keys().len()];
    let held = vec![false; values.len()];
    let digest = [7u8; 32];
    let writes = prepared
        .redeem(
            CounterValues {
                values: &values,
                held: &held,
                points: &[],
            },
            RedemptionIdentity {
                id: "rdm_1",
                idempotency_key: "key-1",
                request_sha256: &digest,
            },
        )
        .expect("redeems");
    assert!(writes.succeeded);

    let response = RedeemResponse::decode(writes.response.as_slice()).expect("a RedeemResponse");
    assert_eq!(response.status, RedemptionStatus::Succeeded as i32);
    // The code, the missing code, and the joined promotion.
    let statuses: Vec<i32> = response.redeemables.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            RedeemableStatus::Applicable as i32,
            RedeemableStatus::Inapplicable as i32,
            RedeemableStatus::Applicable as i32
        ]
    );
    let redemption = response.redemption.clone().expect("the redemption");
    assert_eq!(
        (
            redemption.id.as_str(),
            redemption.idempotency_key.as_str(),
            redemption.order_id.as_str()
        ),
        ("rdm_1", "key-1", "order-1")
    );
    assert_eq!(redemption.customer_id, "c-1");
    assert_eq!(redemption.redeemables.len(), 2, "only the applied ones");
    assert_eq!(redemption.totals, response.totals);
    assert_eq!(
        redemption.created_at.as_ref().map(|t| t.seconds * 1000),
        Some(support::unix_ms(NOW))
    );
    assert_eq!(
        promocore_engine::pb::v1::Redemption::decode(writes.redemption.as_slice()).unwrap(),
        redemption
    );

    let stored = StoredRedemption::decode(writes.stored.as_slice()).expect("a StoredRedemption");
    assert_eq!(stored.redemption.as_ref(), Some(&redemption));
    let deltas: Vec<(Vec<u8>, i64)> = stored
        .deltas
        .iter()
        .map(|d| (d.key.clone(), d.delta))
        .collect();
    assert_eq!(deltas, writes.deltas);
    let discount = |campaign: &str| {
        deltas
            .iter()
            .find(|(key, _)| key == format!("campaign/{campaign}/discount").as_bytes())
            .map(|(_, delta)| *delta)
    };
    // 5.00 off first (request order within equal priority), then 10 % of the 95.00 left.
    assert_eq!(
        (discount("limited"), discount("auto")),
        (Some(500), Some(950))
    );

    // The compact record (store format 2): the answer is rebuilt from the redemption's record
    // and the one result that did not apply, the missing code in its place.
    let idempotency = IdempotencyRecord::decode(writes.idempotency_record.as_slice()).unwrap();
    assert_eq!(idempotency.request_sha256, digest);
    assert_eq!(idempotency.redemption_id, "rdm_1");
    assert!(idempotency.response.is_empty());
    let unapplied: Vec<(u32, Option<&RedeemableResult>)> = idempotency
        .unapplied
        .iter()
        .map(|placed| (placed.position, placed.result.as_ref()))
        .collect();
    assert_eq!(unapplied, [(1, Some(&response.redeemables[1]))]);
    // Summed per key for the table: each key once.
    let merged = writes.merged_deltas();
    assert_eq!(merged.len(), deltas.len());
    assert!(merged.windows(2).all(|pair| pair[0].0 < pair[1].0));
}
