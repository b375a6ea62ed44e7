//! The engine fixture written by benchmarks/dump_engine_fixture.py: what the server handed the
//! engine for Validate requests of `make bench`'s load data set (the catalog of its
//! CheckoutPlan; per request the arguments of `prepare` and the counters given to `evaluate`),
//! with the engine's answers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use prost::Message;

use promocore_engine::pb::v1::StackingRules;
use promocore_engine::{CheckoutError, CheckoutPlan, CompiledCampaign, CounterValues};

const MAGIC: &[u8] = b"PCEF3\n";

/// One recorded Validate.
pub struct Case {
    /// "load" (as `make bench` sends them) or "explain" (the same with explain_promotions).
    pub label: String,
    pub request: Vec<u8>,
    pub now_ms: i64,
    /// The stored code record of each requested redeemable, if the store has it.
    pub records: Vec<Option<Vec<u8>>>,
    pub profile: Option<Vec<u8>>,
    pub values: Vec<i64>,
    pub held: Vec<bool>,
    pub points: Vec<i64>,
    /// The ValidateResponse the engine gave when the fixture was recorded.
    pub answer: Vec<u8>,
}

pub struct Fixture {
    pub plan: Arc<CheckoutPlan>,
    pub cases: Vec<Case>,
}

impl Case {
    /// The Validate as the binding runs it: prepare, evaluate with the counters, encode.
    pub fn evaluate(&self, plan: &Arc<CheckoutPlan>) -> Result<Vec<u8>, CheckoutError> {
        let records: Vec<Option<&[u8]>> = self.records.iter().map(Option::as_deref).collect();
        let prepared = plan.prepare(
            &self.request,
            self.now_ms,
            &records,
            self.profile.as_deref(),
        )?;
        let response = prepared.evaluate(CounterValues {
            values: &self.values,
            held: &self.held,
            points: &self.points,
        })?;
        Ok(response.encode_to_vec())
    }
}

pub fn default_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/load_validate.bin")
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> &'a [u8] {
        assert!(self.bytes.len() >= count, "the fixture file is truncated");
        let (head, rest) = self.bytes.split_at(count);
        self.bytes = rest;
        head
    }

    fn u8(&mut self) -> bool {
        self.take(1)[0] != 0
    }

    fn u32(&mut self) -> usize {
        let raw: [u8; 4] = self.take(4).try_into().expect("4 bytes");
        u32::from_le_bytes(raw) as usize
    }

    fn i64(&mut self) -> i64 {
        let raw: [u8; 8] = self.take(8).try_into().expect("8 bytes");
        i64::from_le_bytes(raw)
    }

    fn chunk(&mut self) -> Vec<u8> {
        let length = self.u32();
        self.take(length).to_vec()
    }

    fn optional(&mut self) -> Option<Vec<u8>> {
        self.u8().then(|| self.chunk())
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> T) -> Vec<T> {
        let count = self.u32();
        (0..count).map(|_| item(self)).collect()
    }
}

/// Reads the fixture and builds its plan; panics with the reason when it is malformed.
pub fn load(path: &Path) -> Fixture {
    let bytes = std::fs::read(path)
        .unwrap_or_else(|error| panic!("cannot read the fixture {}: {error}", path.display()));
    let mut reader = Reader { bytes: &bytes };
    assert_eq!(
        reader.take(MAGIC.len()),
        MAGIC,
        "not an engine fixture file (v3)"
    );
    let campaigns = reader.list(|reader| {
        let raw = reader.chunk();
        let compiled = CompiledCampaign::from_bytes(&raw)
            .unwrap_or_else(|error| panic!("a fixture campaign: {error:?}"));
        Arc::new(compiled)
    });
    let stacking_rules = reader
        .optional()
        .map(|raw| StackingRules::decode(raw.as_slice()).expect("StackingRules"));
    // Validate never reads the public codes (Qualify's).
    let plan = Arc::new(CheckoutPlan::new(campaigns, stacking_rules, Vec::new()));
    let cases = reader.list(|reader| Case {
        label: String::from_utf8(reader.chunk()).expect("a UTF-8 label"),
        request: reader.chunk(),
        now_ms: reader.i64(),
        records: reader.list(Reader::optional),
        profile: reader.optional(),
        values: reader.list(Reader::i64),
        held: reader.list(Reader::u8),
        points: reader.list(Reader::i64),
        answer: reader.chunk(),
    });
    assert!(reader.bytes.is_empty(), "trailing bytes after the fixture");
    Fixture { plan, cases }
}
