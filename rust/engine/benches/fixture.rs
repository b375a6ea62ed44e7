//! The engine fixture written by benchmarks/dump_engine_fixture.py: what the server handed the
//! engine for Validate requests of `make bench`'s load data set, with the engine's answers.

use std::path::{Path, PathBuf};

use promocore_engine::CompiledCampaign;

const MAGIC: &[u8] = b"PCEF1\n";

/// One recorded engine call.
pub struct Case {
    /// "load" (as `make bench` sends them) or "explain" (the same with explain_promotions).
    pub label: String,
    pub request: Vec<u8>,
    pub context: Vec<u8>,
    /// Index into `Fixture::campaigns` of each campaign slot.
    pub slots: Vec<usize>,
    /// The ValidateResponse the engine gave when the fixture was recorded.
    pub answer: Vec<u8>,
}

pub struct Fixture {
    pub campaigns: Vec<CompiledCampaign>,
    pub cases: Vec<Case>,
}

impl Case {
    pub fn campaigns<'f>(&self, fixture: &'f Fixture) -> Vec<&'f CompiledCampaign> {
        self.slots
            .iter()
            .map(|&slot| &fixture.campaigns[slot])
            .collect()
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

    fn u32(&mut self) -> usize {
        let raw: [u8; 4] = self.take(4).try_into().expect("4 bytes");
        u32::from_le_bytes(raw) as usize
    }

    fn chunk(&mut self) -> &'a [u8] {
        let length = self.u32();
        self.take(length)
    }
}

/// Reads and compiles the fixture; panics with the reason when it is malformed.
pub fn load(path: &Path) -> Fixture {
    let bytes = std::fs::read(path)
        .unwrap_or_else(|error| panic!("cannot read the fixture {}: {error}", path.display()));
    let mut reader = Reader { bytes: &bytes };
    assert_eq!(
        reader.take(MAGIC.len()),
        MAGIC,
        "not an engine fixture file"
    );
    let campaign_count = reader.u32();
    let campaigns = (0..campaign_count)
        .map(|index| {
            CompiledCampaign::from_bytes(reader.chunk())
                .unwrap_or_else(|error| panic!("fixture campaign {index}: {error:?}"))
        })
        .collect();
    let case_count = reader.u32();
    let cases = (0..case_count)
        .map(|_| {
            let label = String::from_utf8(reader.chunk().to_vec()).expect("a UTF-8 label");
            let request = reader.chunk().to_vec();
            let context = reader.chunk().to_vec();
            let slot_count = reader.u32();
            let slots = (0..slot_count).map(|_| reader.u32()).collect();
            let answer = reader.chunk().to_vec();
            Case {
                label,
                request,
                context,
                slots,
                answer,
            }
        })
        .collect();
    assert!(reader.bytes.is_empty(), "trailing bytes after the fixture");
    Fixture { campaigns, cases }
}
