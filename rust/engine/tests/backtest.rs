//! Backtests in the engine: orders fed in chunks, evaluated at their own time with the limits
//! and the budget simulated in order, and the report's figures.

mod support;

use std::sync::Arc;

use prost::Message;
use serde_json::json;

use promocore_engine::backtest::{Backtest, BacktestError, BacktestSetup};
use promocore_engine::pb::internal::CustomerProfile;
use promocore_engine::pb::v1::{BacktestReport, Code, CodeKind};
use promocore_engine::{CheckoutPlan, CompiledCampaign};

/// 10 % off from 50.00 EUR, once per customer, a budget of 12.00 EUR, in Berlin.
fn plan(kind: &str) -> Arc<CheckoutPlan> {
    let campaign = support::campaign(&json!({
        "id": "draft", "name": "Draft", "type": kind, "currency": "EUR",
        "time_zone": "Europe/Berlin",
        "rules": {"subject": "order.amount", "op": "gte", "value": 5000},
        "effect": {"percent_off_order": {"percent_bp": 1000}},
        "limits": {"per_customer": 1, "budget_discount": 1200}
    }));
    // Its limits make it read counters; as a PROMOTION it joins every checkout.
    let compiled = Arc::new(CompiledCampaign::compile(&campaign).expect("compiles"));
    Arc::new(CheckoutPlan::new(vec![compiled], None, Vec::new()))
}

fn setup(kind: &str) -> BacktestSetup {
    BacktestSetup {
        plan: plan(kind),
        baseline: None,
        campaign_id: "draft".to_owned(),
        code_record: (kind == "DISCOUNT_COUPONS").then(|| Code {
            campaign_id: "draft".to_owned(),
            kind: CodeKind::Discount as i32,
            active: Some(true),
            ..Default::default()
        }),
        samples_per_outcome: 5,
        per_order: true,
        now_ms: 0,
    }
}

fn line(id: &str, time: &str, customer: &str, cents: i64) -> String {
    format!(
        "{{\"id\":\"{id}\",\"currency\":\"EUR\",\"items\":[{{\"sku\":\"A\",\"unitPrice\":{cents},\"quantity\":1}}],\"time\":\"{time}\",\"customer_id\":\"{customer}\"}}\n"
    )
}

fn run(backtest: &mut Backtest, file: &str, chunk: usize) -> BacktestReport {
    let bytes = file.as_bytes();
    let pieces: Vec<&[u8]> = bytes.chunks(chunk).collect();
    for (index, piece) in pieces.iter().enumerate() {
        let wanted = backtest
            .feed(piece, index + 1 == pieces.len())
            .expect("valid")
            .to_vec();
        let profiles = wanted
            .iter()
            .map(|id| {
                (id == "ann").then(|| {
                    CustomerProfile {
                        segments: vec!["vip".to_owned()],
                        ..Default::default()
                    }
                    .encode_to_vec()
                })
            })
            .collect();
        backtest.evaluate(profiles).expect("evaluates");
    }
    backtest.report()
}

fn orders() -> String {
    [
        line("o1", "2026-11-02T23:30:00Z", "ann", 6000), // 6.00, the 3rd in Berlin
        line("o2", "2026-11-03T08:00:00Z", "ann", 6000), // per customer
        line("o3", "2026-11-03T09:00:00Z", "bob", 4900), // 1.00 short
        line("o4", "2026-11-03T10:00:00Z", "cem", 5000), // 5.00: 11.00 of 12.00 given
        line("o5", "2026-11-04T10:00:00Z", "dan", 5000), // 5.00 > 1.00 left: budget
    ]
    .concat()
}

#[test]
fn limits_and_the_budget_run_out_in_order_whatever_the_chunks() {
    // Parsed in `feed` or by the parser thread, one chunk ahead of the evaluation.
    let constructors: [fn(BacktestSetup) -> Backtest; 2] = [
        |setup| Backtest::new(setup, None),
        |setup| Backtest::with_parser_thread(setup, None),
    ];
    for (kind, new) in ["PROMOTION", "DISCOUNT_COUPONS"]
        .into_iter()
        .flat_map(|kind| constructors.map(|new| (kind, new)))
    {
        for chunk in [1, 13, 4096] {
            let report = run(&mut new(setup(kind)), &orders(), chunk);
            let outcomes: Vec<(&str, &str, i64)> = report
                .per_order
                .iter()
                .map(|o| (o.order_id.as_str(), o.outcome.as_str(), o.discount))
                .collect();
            assert_eq!(
                outcomes,
                vec![
                    ("o1", "applied", 600),
                    ("o2", "limit_reached", 0),
                    ("o3", "near_miss", 0),
                    ("o4", "applied", 500),
                    ("o5", "limit_reached", 0),
                ],
                "{kind}, chunks of {chunk}"
            );
            assert_eq!(
                (report.orders, report.qualifying, report.discount),
                (5, 2, 1100)
            );
            assert_eq!(report.mean_discount, 550);
            // The budget's end: o5, in November (UTC), the time of the order refused.
            let exhausted = report.exhausted_at.expect("ran out");
            assert_eq!(exhausted.seconds, 1_793_786_400);
            assert_eq!(report.orders_after_exhaustion, 1);
            let days: Vec<(&str, i64)> = report
                .per_day
                .iter()
                .map(|day| (day.key.as_str(), day.orders))
                .collect();
            assert_eq!(days, vec![("2026-11-03", 4), ("2026-11-04", 1)]);
            let near: Vec<(i64, i64)> = report
                .near_misses
                .iter()
                .filter(|bucket| bucket.orders > 0)
                .map(|bucket| (bucket.up_to, bucket.orders))
                .collect();
            assert_eq!(near, vec![(100, 1)]);
            let segments: Vec<(&str, i64, i64)> = report
                .per_segment
                .iter()
                .map(|group| (group.key.as_str(), group.orders, group.qualifying))
                .collect();
            assert_eq!(segments, vec![("", 3, 1), ("vip", 2, 1)]);
        }
    }
}

#[test]
fn an_invalid_order_names_its_line_and_field() {
    let mut backtest = Backtest::new(setup("PROMOTION"), None);
    let file = format!(
        "{}{}",
        line("o1", "2026-11-03T08:00:00Z", "ann", 6000),
        line("o2", "2026-11-03T08:00:00Z", "ann", -5)
    );
    backtest.feed(file.as_bytes(), true).expect("parses");
    let refused = backtest.evaluate(vec![None]).unwrap_err();
    let BacktestError::File(error) = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(
        (error.line, error.field.as_str()),
        (2, "items[0].unit_price")
    );
}

/// The first error of a run fed in `chunk`-byte pieces, as the server feeds them.
fn first_error(mut backtest: Backtest, file: &str, chunk: usize) -> Option<(u64, String)> {
    let pieces: Vec<&[u8]> = file.as_bytes().chunks(chunk).collect();
    for (index, piece) in pieces.iter().enumerate() {
        let step = backtest
            .feed(piece, index + 1 == pieces.len())
            .map(|wanted| vec![None; wanted.len()])
            .and_then(|profiles| backtest.evaluate(profiles));
        match step {
            Ok(()) => {}
            Err(BacktestError::File(error)) => return Some((error.line, error.field)),
            Err(other) => panic!("{other:?}"),
        }
    }
    None
}

#[test]
fn the_parser_thread_stops_at_the_same_line_as_the_inline_reader() {
    let good = line("o1", "2026-11-03T08:00:00Z", "ann", 6000);
    let refused_by_the_engine = line("o2", "2026-11-03T08:00:00Z", "ann", -5);
    let not_json = "{\"id\":\"o3\",\"colour\":\"red\"}\n";
    let files = [
        // The engine's error comes first in the file: it wins over the parser's later one,
        // although the thread has parsed ahead.
        format!("{good}{good}{refused_by_the_engine}{good}{good}{not_json}"),
        format!("{good}{good}{not_json}{refused_by_the_engine}"),
    ];
    for file in &files {
        for chunk in [7, 150, 4096] {
            let inline = first_error(Backtest::new(setup("PROMOTION"), None), file, chunk);
            let threaded = first_error(
                Backtest::with_parser_thread(setup("PROMOTION"), None),
                file,
                chunk,
            );
            assert!(inline.is_some(), "chunks of {chunk}");
            assert_eq!(threaded, inline, "chunks of {chunk}");
        }
    }
    let expected: Vec<(u64, &str)> = vec![(3, "items[0].unit_price"), (3, "colour")];
    for (file, (line, field)) in files.iter().zip(expected) {
        let found = first_error(
            Backtest::with_parser_thread(setup("PROMOTION"), None),
            file,
            150,
        );
        assert_eq!(found, Some((line, field.to_owned())));
    }
}

/// A customer who redeems on many days: their first counters are kept with them, the later
/// ones in the shared map (past 32), and the per-day limit binds on every day alike.
#[test]
fn a_customer_redeeming_on_many_days_is_limited_on_each() {
    let campaign = support::campaign(&json!({
        "id": "draft", "name": "Draft", "type": "PROMOTION", "currency": "EUR",
        "time_zone": "UTC",
        "rules": {"subject": "order.amount", "op": "gte", "value": 5000},
        "effect": {"percent_off_order": {"percent_bp": 1000}},
        "limits": {"per_customer_per_day": 1}
    }));
    let compiled = Arc::new(CompiledCampaign::compile(&campaign).expect("compiles"));
    let setup = BacktestSetup {
        plan: Arc::new(CheckoutPlan::new(vec![compiled], None, Vec::new())),
        ..setup("PROMOTION")
    };
    // Two orders a day for 60 days (1 December 2026 onwards), each day's second refused.
    let day_ms = 86_400_000;
    let mut file = String::new();
    for day in 0..60 {
        for hour in [9, 17] {
            let time = chrono::DateTime::from_timestamp_millis(
                1_796_083_200_000 + day * day_ms + hour * 3_600_000,
            )
            .expect("a time")
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            file.push_str(&line(&format!("d{day}h{hour}"), &time, "ann", 6000));
        }
    }
    for new in [Backtest::new, Backtest::with_parser_thread] {
        let report = run(&mut new(setup.clone(), None), &file, 4096);
        let outcomes: Vec<&str> = report
            .per_order
            .iter()
            .map(|order| order.outcome.as_str())
            .collect();
        assert_eq!(outcomes, ["applied", "limit_reached"].repeat(60));
        assert_eq!((report.qualifying, report.discount), (60, 60 * 600));
    }
}
