//! Criterion benchmark of a backtest as the server runs one (`engine::backtest::Backtest`: the
//! JSON Lines file fed in pieces, every order parsed and evaluated, the report) over `make bench-backtest`'s campaign and the first orders of its file
//! (benches/fixtures, written by benchmarks/dump_backtest_fixture.py).
//!
//!     cargo bench -p promocore-engine --bench backtest
//!
//! Before measuring it checks that the report is still the recorded one, and prints the heap
//! allocations per order. With PROMOCORE_BACKTEST_PASSES=N it only backtests the file N times
//! (checking each report) and exits: the run to give `valgrind --tool=callgrind --toggle-collect=*backtest_once*`
//! (instructions per order: the collected instructions over N times the orders).

mod counting_allocator;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use criterion::{black_box, criterion_group, Criterion, Throughput};
use prost::Message;

use counting_allocator::{CountingAllocator, ALLOCATIONS};
use promocore_engine::backtest::{Backtest, BacktestSetup, OrdersFormat};
use promocore_engine::pb::v1::{BacktestReport, Code};
use promocore_engine::{CheckoutPlan, CompiledCampaign};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const MAGIC: &[u8] = b"PCBT1\n";
/// The file is fed in pieces of this size. The server hands a message of the stream (512 KiB
/// from the CLI; manage/backtest.py); a smaller piece lets the reader recycle its orders sooner,
/// so that the few hundred orders of the fixture show the steady state of a long file (where
/// the first piece's allocations vanish).
const PIECE_BYTES: usize = 16 * 1024;

struct Fixture {
    setup: BacktestSetup,
    orders: Vec<u8>,
    count: u64,
    report: BacktestReport,
}

fn load() -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/backtest_orders.bin");
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|error| panic!("cannot read the fixture {}: {error}", path.display()));
    // The fixture lives as long as the benchmark.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let mut reader = Reader {
        bytes: bytes.strip_prefix(MAGIC).expect("magic"),
    };
    let campaign = CompiledCampaign::from_bytes(reader.chunk())
        .unwrap_or_else(|error| panic!("the fixture's campaign: {error:?}"));
    let campaign_id = String::from_utf8(reader.chunk().to_vec()).expect("a UTF-8 campaign id");
    let code_record = Code::decode(reader.chunk()).expect("a Code record");
    let samples_per_outcome = reader.u32();
    let orders = reader.chunk().to_vec();
    let report = BacktestReport::decode(reader.chunk()).expect("a BacktestReport");
    assert!(reader.bytes.is_empty(), "trailing bytes after the fixture");
    let plan = Arc::new(CheckoutPlan::new(
        vec![Arc::new(campaign)],
        None,
        Vec::new(),
    ));
    let count = orders.iter().filter(|&&byte| byte == b'\n').count() as u64;
    Fixture {
        setup: BacktestSetup {
            plan,
            baseline: None,
            campaign_id,
            code_record: Some(code_record),
            samples_per_outcome,
            per_order: false,
            now_ms: 0,
        },
        orders,
        count,
        report,
    }
}

struct Reader {
    bytes: &'static [u8],
}

impl Reader {
    fn take(&mut self, count: usize) -> &'static [u8] {
        assert!(self.bytes.len() >= count, "the fixture file is truncated");
        let (head, rest) = self.bytes.split_at(count);
        self.bytes = rest;
        head
    }

    fn u32(&mut self) -> usize {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes")) as usize
    }

    fn chunk(&mut self) -> &'static [u8] {
        let length = self.u32();
        self.take(length)
    }
}

/// One backtest of the whole file, as the server feeds it; the entry point callgrind counts.
#[inline(never)]
fn backtest_once(fixture: &Fixture) -> BacktestReport {
    let mut backtest = Backtest::new(fixture.setup.clone(), Some(OrdersFormat::JsonLines));
    let pieces: Vec<&[u8]> = fixture.orders.chunks(PIECE_BYTES).collect();
    for (index, piece) in pieces.iter().enumerate() {
        let last = index + 1 == pieces.len();
        let customers = backtest
            .feed(piece, last)
            .unwrap_or_else(|error| panic!("the fixture's orders: {error}"))
            .len();
        backtest
            .evaluate(vec![None; customers])
            .unwrap_or_else(|error| panic!("the fixture's orders: {error}"));
    }
    backtest.report()
}

fn check_and_count(fixture: &Fixture) {
    assert!(
        backtest_once(fixture) == fixture.report,
        "the backtest no longer gives the recorded report"
    );
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    black_box(backtest_once(fixture));
    println!(
        "backtest: {} orders, {} allocations per order",
        fixture.count,
        (ALLOCATIONS.load(Ordering::Relaxed) - before) / fixture.count.max(1)
    );
}

fn bench_backtest(criterion: &mut Criterion) {
    let fixture = load();
    check_and_count(&fixture);
    let mut group = criterion.benchmark_group("backtest");
    group.throughput(Throughput::Elements(fixture.count));
    group.bench_function("load_orders", |bencher| {
        bencher.iter(|| black_box(backtest_once(&fixture)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().noise_threshold(0.03);
    targets = bench_backtest
}

fn main() {
    if let Ok(passes) = std::env::var("PROMOCORE_BACKTEST_PASSES") {
        let passes: u64 = passes
            .parse()
            .expect("PROMOCORE_BACKTEST_PASSES is a count");
        let fixture = load();
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        for _ in 0..passes {
            let report = backtest_once(&fixture);
            assert!(
                report == fixture.report,
                "the backtest no longer gives the recorded report"
            );
        }
        let orders = passes * fixture.count;
        println!(
            "{orders} orders, {} allocations each",
            (ALLOCATIONS.load(Ordering::Relaxed) - before) / orders.max(1)
        );
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
