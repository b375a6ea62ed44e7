//! Seeded fuzzing of the engine's compile and evaluate entry points (cargo-fuzz needs a nightly
//! toolchain; this runs on stable). Seeds are the shared fixture cases of tests/fixtures/engine;
//! every execution mutates one of them — raw protobuf bytes (bit flips, byte runs, splices,
//! truncation), rule JSON (extreme numbers, unknown subjects and operators, nesting beyond the
//! limits) or the cart (extreme prices and quantities, many items) — and runs it through
//! `CompiledCampaign::from_bytes`, `evaluate_checkout_bytes` or `CampaignIndex::qualify_bytes`.
//! Errors are expected; a panic is a crash, an execution over HANG_AFTER a hang.
//!
//!     cargo run --release -p promocore-engine --example fuzz_engine -- [EXECS] [SEED]
//!
//! The last line printed is one JSON object with the counts. Crashing inputs are written to
//! target/fuzz-crashes/.

#[path = "../tests/support/mod.rs"]
mod support;

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use prost::Message;
use serde_json::{json, Value as Json};

use promocore_engine::pb::internal::{CheckoutInput, EvaluationContext};
use promocore_engine::pb::v1::{Campaign, QualifyRequest};
use promocore_engine::{evaluate_checkout_bytes, CampaignIndex, CompiledCampaign};

const DEFAULT_EXECS: u64 = 1_000_000;
const HANG_AFTER: Duration = Duration::from_secs(1);
/// The watchdog ends the run when one execution takes this long (a real hang).
const WATCHDOG_AFTER: Duration = Duration::from_secs(10);
const NOW: &str = "2025-01-15T12:00:00Z";

/// splitmix64: small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One fixture case as bytes: what the server hands the engine.
struct Seed {
    campaign: Campaign,
    request: Vec<u8>,
    context: Vec<u8>,
    order: Option<promocore_engine::pb::v1::Order>,
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/engine")
}

fn seeds() -> Vec<Seed> {
    let mut seeds = Vec::new();
    let mut paths: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/engine exists")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let cases: Json = serde_json::from_str(&fs::read_to_string(&path).expect("readable"))
            .expect("fixture JSON");
        for case in cases.as_array().into_iter().flatten() {
            // A fixture shape the fuzzer does not know is skipped, not fatal.
            if let Ok(Some(seed)) = panic::catch_unwind(|| seed_of(case)) {
                seeds.push(seed);
            }
        }
    }
    seeds
}

fn seed_of(case: &Json) -> Option<Seed> {
    let campaign_json = case.get("campaign")?;
    let campaign = support::campaign(campaign_json);
    let order = case.get("order").map(support::order);
    let code = case.get("code").cloned().unwrap_or(json!({"code": "FUZZ"}));
    let (redeemable, resolved) = support::redeemable(&json!({
        "code": code["code"].clone(),
        "campaign": 0,
        "code_record": code,
    }));
    let input = CheckoutInput {
        order: order.clone(),
        customer: case.get("customer").map(support::customer),
        options: case.get("options").map(support::options),
        redeemables: vec![redeemable],
    };
    let context = EvaluationContext {
        now_unix_ms: support::unix_ms(case.get("now").and_then(Json::as_str).unwrap_or(NOW)),
        redeemables: vec![resolved],
        customer: case.get("profile").map(support::profile),
        stacking_rules: case.get("stacking_rules").map(support::stacking_rules),
        ..Default::default()
    };
    Some(Seed {
        campaign,
        request: input.encode_to_vec(),
        context: context.encode_to_vec(),
        order,
    })
}

fn mutate_bytes(rng: &mut Rng, bytes: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !out.is_empty() => {
                let at = rng.below(out.len());
                out[at] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let at = rng.below(out.len());
                out[at] = *rng.pick(&[0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12]);
            }
            2 => {
                let at = rng.below(out.len() + 1);
                let run: Vec<u8> = (0..rng.below(16)).map(|_| rng.next() as u8).collect();
                out.splice(at..at, run);
            }
            3 if !out.is_empty() => {
                let at = rng.below(out.len());
                let end = (at + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            4 if !other.is_empty() => {
                let at = rng.below(out.len() + 1);
                let from = rng.below(other.len());
                let end = (from + rng.below(64)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            _ => out.truncate(rng.below(out.len() + 1)),
        }
    }
    out
}

const EXTREME_NUMBERS: [i64; 8] = [0, -1, 1, i64::MAX, i64::MIN, i32::MAX as i64, -100, 999_999];
const SUBJECTS: [&str; 8] = [
    "order.amount",
    "order.items_count",
    "item.sku",
    "customer.segments",
    "customer.attributes.tier",
    "order.metadata.channel",
    "no.such.subject",
    "",
];
const OPS: [&str; 9] = [
    "gte", "lt", "eq", "in", "contains", "between", "matches", "bogus", "",
];

fn mutate_json(rng: &mut Rng, json: &mut Json, depth: usize) {
    match json {
        Json::Object(object) => {
            if rng.chance(4) {
                let key = *rng.pick(&["subject", "op", "value", "all", "any", "not", "filter"]);
                let value = match rng.below(5) {
                    0 => json!(*rng.pick(&SUBJECTS)),
                    1 => json!(*rng.pick(&OPS)),
                    2 => json!(*rng.pick(&EXTREME_NUMBERS)),
                    3 => json!([json!(rng.next() as i64), json!("x"), Json::Null]),
                    _ => Json::Object(object.clone()),
                };
                object.insert(key.to_owned(), value);
            }
            let keys: Vec<String> = object.keys().cloned().collect();
            if let Some(key) = keys.get(rng.below(keys.len())) {
                if let Some(child) = object.get_mut(key) {
                    mutate_json(rng, child, depth + 1);
                }
            }
        }
        Json::Array(items) => {
            if !items.is_empty() && rng.chance(3) {
                let copy = items[rng.below(items.len())].clone();
                for _ in 0..rng.below(40) {
                    items.push(copy.clone());
                }
            }
            let at = rng.below(items.len());
            if let Some(item) = items.get_mut(at) {
                mutate_json(rng, item, depth + 1);
            }
        }
        Json::Number(_) => *json = json!(*rng.pick(&EXTREME_NUMBERS)),
        Json::String(_) => {
            *json = json!(*rng.pick(&[
                "",
                "1e400",
                "-0",
                "NaN",
                "2025-02-30",
                "P-1D",
                "\u{0}",
                "💥",
                "1.0000000000000000001"
            ]))
        }
        _ => *json = json!({"not": {"not": {"subject": "order.amount", "op": "gte", "value": 1}}}),
    }
    if depth == 0 && rng.chance(8) {
        // Nest deeper than the compiler allows.
        for _ in 0..rng.below(60) {
            *json = json!({ "not": json.clone() });
        }
    }
}

fn mutate_campaign(rng: &mut Rng, campaign: &Campaign) -> Campaign {
    let mut mutated = campaign.clone();
    let rule_text = if mutated.rules_json.trim().is_empty() {
        r#"{"subject": "order.amount", "op": "gte", "value": 100}"#.to_owned()
    } else {
        mutated.rules_json.clone()
    };
    if let Ok(mut rule) = serde_json::from_str::<Json>(&rule_text) {
        mutate_json(rng, &mut rule, 0);
        mutated.rules_json = rule.to_string();
    }
    if rng.chance(3) {
        mutated.currency = rng.pick(&["EUR", "JPY", "", "XXXX", "eur"]).to_string();
    }
    mutated
}

fn mutate_order(rng: &mut Rng, request: &[u8]) -> Vec<u8> {
    let Ok(mut input) = CheckoutInput::decode(request) else {
        return request.to_vec();
    };
    if let Some(order) = input.order.as_mut() {
        for item in order.items.iter_mut() {
            if rng.chance(2) {
                item.unit_price = *rng.pick(&EXTREME_NUMBERS);
            }
            if rng.chance(2) {
                item.quantity = *rng.pick(&EXTREME_NUMBERS);
            }
        }
        if rng.chance(4) {
            if let Some(first) = order.items.first().cloned() {
                let copies = rng.below(1200);
                order.items.extend(std::iter::repeat_n(first, copies));
            }
        }
        if rng.chance(3) {
            order.shipping_amount = *rng.pick(&EXTREME_NUMBERS);
        }
    }
    input.encode_to_vec()
}

#[derive(Default)]
struct Counts {
    compile: u64,
    evaluate: u64,
    qualify: u64,
    crashes: u64,
    hangs: u64,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let execs: u64 = args
        .next()
        .map_or(DEFAULT_EXECS, |a| a.parse().expect("EXECS"));
    let seed: u64 = args.next().map_or(8, |a| a.parse().expect("SEED"));
    let seeds = seeds();
    assert!(!seeds.is_empty(), "no fixture seeds");
    let compiled: Vec<Option<Arc<CompiledCampaign>>> = seeds
        .iter()
        .map(|s| CompiledCampaign::compile(&s.campaign).ok().map(Arc::new))
        .collect();
    let index = CampaignIndex::build(compiled.iter().flatten().cloned().collect());
    let crash_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-crashes");

    // Every panic is a finding: say where (the run goes on, counting).
    panic::set_hook(Box::new(|info| {
        eprintln!(
            "crash: {info}\n{}",
            std::backtrace::Backtrace::force_capture()
        )
    }));
    let progress = Arc::new(AtomicU64::new(0));
    let watched = Arc::clone(&progress);
    std::thread::spawn(move || {
        let mut last = u64::MAX;
        loop {
            std::thread::sleep(WATCHDOG_AFTER);
            let now = watched.load(Ordering::Relaxed);
            if now == last {
                println!("{}", json!({"engine_execs": now, "crashes": 0, "hangs": 1}));
                std::process::exit(3);
            }
            last = now;
        }
    });

    let mut rng = Rng(seed);
    let mut counts = Counts::default();
    let started = Instant::now();
    let mut done = 0;
    while done < execs {
        let which = rng.below(seeds.len());
        let base = &seeds[which];
        let other = &seeds[rng.below(seeds.len())];
        let strategy = rng.below(6);
        let began = Instant::now();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| -> (u64, u64, u64, Vec<u8>) {
            match strategy {
                0 | 1 => {
                    let campaign = if strategy == 0 {
                        mutate_campaign(&mut rng, &base.campaign).encode_to_vec()
                    } else {
                        mutate_bytes(
                            &mut rng,
                            &base.campaign.encode_to_vec(),
                            &other.campaign.encode_to_vec(),
                        )
                    };
                    let mut evaluated = 0;
                    if let Ok(compiled) = CompiledCampaign::from_bytes(&campaign) {
                        let _ = evaluate_checkout_bytes(&base.request, &base.context, &[&compiled]);
                        evaluated = 1;
                    }
                    (1, evaluated, 0, campaign)
                }
                2 | 3 => {
                    let request = if strategy == 2 {
                        mutate_bytes(&mut rng, &base.request, &other.request)
                    } else {
                        mutate_order(&mut rng, &base.request)
                    };
                    let campaigns: Vec<&CompiledCampaign> =
                        compiled[which].iter().map(|c| c.as_ref()).collect();
                    let _ = evaluate_checkout_bytes(&request, &base.context, &campaigns);
                    (0, 1, 0, request)
                }
                4 => {
                    let context = mutate_bytes(&mut rng, &base.context, &other.context);
                    let campaigns: Vec<&CompiledCampaign> =
                        compiled[which].iter().map(|c| c.as_ref()).collect();
                    let _ = evaluate_checkout_bytes(&base.request, &context, &campaigns);
                    (0, 1, 0, context)
                }
                _ => {
                    let request = QualifyRequest {
                        order: base.order.clone(),
                        include_near_misses: rng.chance(2),
                        ..Default::default()
                    }
                    .encode_to_vec();
                    let request = mutate_bytes(&mut rng, &request, &other.request);
                    let _ = index.qualify_bytes(&request, &[]);
                    (0, 0, 1, request)
                }
            }
        }));
        let took = began.elapsed();
        match outcome {
            Ok((compile, evaluate, qualify, _)) => {
                counts.compile += compile;
                counts.evaluate += evaluate;
                counts.qualify += qualify;
                done += compile + evaluate + qualify;
            }
            Err(_) => {
                counts.crashes += 1;
                done += 1;
                let _ = fs::create_dir_all(&crash_dir);
                let _ = fs::write(
                    crash_dir.join(format!("crash-{seed}-{done}-strategy{strategy}")),
                    format!("seed case {which}, rng state before: see seed {seed}"),
                );
            }
        }
        if took > HANG_AFTER {
            counts.hangs += 1;
        }
        progress.store(done, Ordering::Relaxed);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "engine_execs": done,
            "compile_execs": counts.compile,
            "evaluate_execs": counts.evaluate,
            "qualify_execs": counts.qualify,
            "crashes": counts.crashes,
            "hangs": counts.hangs,
            "seed": seed,
            "seeds": seeds.len(),
            "seconds": (seconds * 10.0).round() / 10.0,
        })
    );
    if counts.crashes > 0 || counts.hangs > 0 {
        std::process::exit(1);
    }
}
