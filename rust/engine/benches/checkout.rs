//! Criterion micro-benchmark of one checkout evaluation as the Python binding runs a Validate
//! (`CheckoutPlan::prepare` on the request bytes and stored records, `PreparedCheckout::evaluate`
//! with the counters read, the answer encoded) over the recorded Validate requests of `make
//! bench`'s load data set (benches/fixtures, written by benchmarks/dump_engine_fixture.py).
//!
//!     cargo bench -p promocore-engine --bench checkout        (or `make bench-engine-rust`)
//!
//! Before measuring it checks that every case still gives the recorded answer, and prints the
//! heap allocations per evaluation (the binding's allocator, mimalloc, behind a counter).
//! With PROMOCORE_ENGINE_PASSES=N it only evaluates the load cases (or those labelled
//! PROMOCORE_ENGINE_LABEL) N times and exits: the run to give `valgrind --tool=callgrind` or
//! `perf record` (instructions per evaluation).

mod counting_allocator;
mod fixture;

use std::sync::atomic::Ordering;

use criterion::{black_box, criterion_group, Criterion};

use counting_allocator::{CountingAllocator, ALLOCATED_BYTES, ALLOCATIONS};
use fixture::{Case, Fixture};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// One Validate; the entry point callgrind counts (`--toggle-collect=*validate_once*`).
#[inline(never)]
fn validate_once(fixture: &Fixture, case: &Case) -> Vec<u8> {
    case.evaluate(&fixture.plan)
        .unwrap_or_else(|error| panic!("a fixture case failed to evaluate: {error}"))
}

/// The cases of one label, in recorded order.
fn cases_labelled<'f>(fixture: &'f Fixture, label: &str) -> Vec<&'f Case> {
    fixture
        .cases
        .iter()
        .filter(|case| case.label == label)
        .collect()
}

/// Asserts the recorded answers; prints allocations per evaluation.
fn check_and_count(fixture: &Fixture) {
    for (index, case) in fixture.cases.iter().enumerate() {
        assert!(
            validate_once(fixture, case) == case.answer,
            "fixture case {index} ({}) no longer gives its recorded answer",
            case.label
        );
    }
    for label in ["load", "explain"] {
        let cases = cases_labelled(fixture, label);
        let (before, bytes_before) = (
            ALLOCATIONS.load(Ordering::Relaxed),
            ALLOCATED_BYTES.load(Ordering::Relaxed),
        );
        for case in &cases {
            black_box(validate_once(fixture, case));
        }
        let count = cases.len().max(1) as u64;
        println!(
            "checkout/{label}: {} cases, {} allocations and {} bytes allocated per evaluation",
            cases.len(),
            (ALLOCATIONS.load(Ordering::Relaxed) - before) / count,
            (ALLOCATED_BYTES.load(Ordering::Relaxed) - bytes_before) / count,
        );
    }
}

fn bench_checkout(criterion: &mut Criterion) {
    let fixture = fixture::load(&fixture::default_path());
    check_and_count(&fixture);
    for label in ["load", "explain"] {
        let cases = cases_labelled(&fixture, label);
        let mut next = 0usize;
        // One evaluation per iteration, cycling through the cases: times are per evaluation.
        criterion.bench_function(&format!("checkout/{label}"), |bencher| {
            bencher.iter(|| {
                let case = cases[next % cases.len()];
                next += 1;
                black_box(validate_once(&fixture, black_box(case)))
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().noise_threshold(0.03);
    targets = bench_checkout
}

fn main() {
    if let Ok(passes) = std::env::var("PROMOCORE_ENGINE_PASSES") {
        let passes: usize = passes.parse().expect("PROMOCORE_ENGINE_PASSES is a count");
        let fixture = fixture::load(&fixture::default_path());
        let label = std::env::var("PROMOCORE_ENGINE_LABEL").unwrap_or_else(|_| "load".into());
        let cases = cases_labelled(&fixture, &label);
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        for _ in 0..passes {
            for case in &cases {
                black_box(validate_once(&fixture, case));
            }
        }
        let evaluations = passes * cases.len();
        println!(
            "{evaluations} evaluations, {} allocations each",
            (ALLOCATIONS.load(Ordering::Relaxed) - before) / evaluations.max(1) as u64
        );
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
