//! The shared counter-key cases of tests/fixtures/counter_keys.json (the Python store's
//! `CounterKeys` is tested against the same file): what one redemption adds, key by key.

mod support;

use std::fs;
use std::path::PathBuf;

use chrono_tz::Tz;
use serde_json::Value as Json;

use promocore_engine::counter_keys::{normalize_code, CounterKeys, RedeemedAmounts};
use promocore_engine::pb::v1::CodeKind;

fn cases() -> Vec<Json> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/counter_keys.json");
    let text = fs::read_to_string(&path).expect("tests/fixtures/counter_keys.json is readable");
    let cases: Json = serde_json::from_str(&text).expect("valid JSON");
    cases.as_array().expect("a list of cases").clone()
}

#[test]
fn redemption_deltas_match_the_shared_cases() {
    let cases = cases();
    assert!(!cases.is_empty());
    for case in &cases {
        let description = case["description"].as_str().expect("description");
        let zone_name = case["time_zone"].as_str().expect("time_zone");
        let zone: Tz = if zone_name.is_empty() {
            Tz::UTC
        } else {
            zone_name.parse().expect("an IANA zone")
        };
        let code = case["code"].as_str().map(normalize_code);
        let kind = CodeKind::from_str_name(case["code_kind"].as_str().expect("code_kind"))
            .expect("a CodeKind name");
        let amount = |name: &str| case["amounts"][name].as_i64().expect("an integer amount");
        let keys = CounterKeys::build(
            case["campaign_id"].as_str().expect("campaign_id"),
            zone,
            code.as_deref(),
            case["customer_id"].as_str().expect("customer_id"),
            support::unix_ms(case["now"].as_str().expect("now")),
            kind,
        )
        .expect("a representable instant");
        let mut deltas = Vec::new();
        keys.redemption_deltas(
            RedeemedAmounts {
                discount: amount("discount"),
                order_value: amount("order_value"),
                gift_amount: amount("gift_amount"),
                points: amount("points"),
            },
            &mut deltas,
        );
        let actual: Vec<(String, i64)> = deltas
            .into_iter()
            .map(|(key, delta)| (String::from_utf8(key).expect("UTF-8 key"), delta))
            .collect();
        let expected: Vec<(String, i64)> = case["deltas"]
            .as_array()
            .expect("deltas")
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().expect("key").to_owned(),
                    pair[1].as_i64().expect("delta"),
                )
            })
            .collect();
        assert_eq!(actual, expected, "{description}");
    }
}
