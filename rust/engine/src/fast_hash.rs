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

/// A multiplicative hasher eight bytes at a time (FxHash's step), for maps of longer keys
/// looked up many times, such as a backtest's simulated usage counters (`campaign/<id>/day/...`,
/// 30 to 60 bytes: FNV's byte at a time made their hashing a good part of an order's cost).
#[derive(Debug, Clone, Copy, Default)]
pub struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for WordHasher {
    /// The multiplications leave the low bits, which pick the bucket, depending on the low
    /// bytes of the words only: keys that differ in a word's high bytes (a customer id's last
    /// digits) would share buckets. The high bits are folded in.
    fn finish(&self) -> u64 {
        let mixed = (self.0 ^ (self.0 >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        mixed ^ (mixed >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().unwrap_or_default()));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }
}

/// A HashMap with the word-at-a-time hasher (longer keys).
pub type WordMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// A HashMap with the FNV hasher.
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FnvHasher>>;

/// A HashSet with the FNV hasher.
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FnvHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    /// Keys that differ only in their last characters (customer ids) spread over the buckets a
    /// map of them picks with the low bits.
    #[test]
    fn word_hashes_spread_keys_that_differ_at_the_end() {
        let build = BuildHasherDefault::<WordHasher>::default();
        let buckets = 1 << 12;
        let mut used = vec![false; buckets];
        for customer in 0..buckets {
            let key =
                format!("per-customer/customer-{customer}/bench-draft/day/2026-11-01").into_bytes();
            used[(build.hash_one(&key) as usize) & (buckets - 1)] = true;
        }
        // Uniform hashing fills about 1 - 1/e (63 %) of the buckets.
        let filled = used.iter().filter(|&&used| used).count();
        assert!(filled > buckets / 2, "{filled} of {buckets} buckets");
    }
}
