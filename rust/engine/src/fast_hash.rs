//! A small, fast hasher (FNV-1a) for the engine's internal maps keyed by short strings (line
//! keys, categories, SKUs, campaign ids). The keys come from requests and campaigns, not from an
//! attacker able to pick colliding keys at scale, and each map lives for one request or one
//! catalog build, so SipHash's flooding resistance buys nothing here but costs a lot per lookup.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a, 64 bits.
#[derive(Debug, Clone, Copy)]
pub struct FnvHasher(u64);

impl Default for FnvHasher {
    fn default() -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A HashMap with the FNV hasher.
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FnvHasher>>;

/// A HashSet with the FNV hasher.
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FnvHasher>>;
