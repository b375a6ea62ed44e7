//! The recorded Validate requests of `make bench`'s load data set (benches/fixtures, written by
//! benchmarks/dump_engine_fixture.py) still get, byte for byte, the answers the engine gave when
//! they were recorded (through the CheckoutPlan, as the binding runs a Validate): the
//! benchmark's speedups must not change an answer.

#[path = "../benches/fixture.rs"]
mod fixture;

use prost::Message;

use promocore_engine::pb::v1::{RedeemableStatus, ValidateResponse};

#[test]
fn recorded_load_requests_get_their_recorded_answers() {
    let fixture = fixture::load(&fixture::default_path());
    assert!(fixture.cases.len() >= 40, "the fixture has too few cases");
    for (index, case) in fixture.cases.iter().enumerate() {
        let answer = case
            .evaluate(&fixture.plan)
            .unwrap_or_else(|error| panic!("case {index} ({}): {error}", case.label));
        if answer != case.answer {
            // Decoded, the difference reads as fields rather than bytes.
            let got = ValidateResponse::decode(answer.as_slice()).expect("the engine's answer");
            let recorded = ValidateResponse::decode(case.answer.as_slice()).expect("recorded");
            assert_eq!(got, recorded, "case {index} ({})", case.label);
            panic!(
                "case {index} ({}): same fields, different bytes",
                case.label
            );
        }
    }
}

#[test]
fn the_fixture_covers_joined_promotions_that_apply_and_are_skipped() {
    let fixture = fixture::load(&fixture::default_path());
    let statuses: Vec<i32> = fixture
        .cases
        .iter()
        .flat_map(|case| {
            ValidateResponse::decode(case.answer.as_slice())
                .expect("recorded")
                .redeemables
                .into_iter()
                .map(|result| result.status)
        })
        .collect();
    for status in [
        RedeemableStatus::Applicable,
        RedeemableStatus::Inapplicable,
        RedeemableStatus::Skipped,
    ] {
        assert!(
            statuses.contains(&(status as i32)),
            "no {status:?} result in the fixture"
        );
    }
}
