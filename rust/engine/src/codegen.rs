//! Random voucher codes from a pattern, drawn from the operating system's CSPRNG.
//!
//! Bulk generation of millions of codes is the hot loop of code management, so it lives here:
//! the caller gets one batch of fixed-width codes sorted by their store key (the upper-cased
//! code), without duplicates, ready to be inserted in key order.

use crate::error::CompileError;

/// Random bytes drawn from the OS per refill; large enough that the syscall cost vanishes.
const RANDOM_BLOCK: usize = 64 * 1024;

/// A validated code shape: `prefix + pattern + postfix` where each `#` of the pattern becomes
/// one character of the charset. Everything is printable ASCII, so every code has the same
/// width and its store key is its ASCII upper-case form.
#[derive(Debug, Clone)]
pub struct CodeShape {
    /// The code with placeholders: prefix, pattern, postfix.
    template: Vec<u8>,
    /// Offsets of the pattern's `#` in `template`.
    slots: Vec<usize>,
    charset: Vec<u8>,
}

/// One batch of generated codes, sorted by key, keys unique within the batch.
#[derive(Debug, Clone)]
pub struct GeneratedCodes {
    width: usize,
    codes: Vec<u8>,
    keys: Vec<u8>,
}

impl GeneratedCodes {
    pub fn len(&self) -> usize {
        self.codes.len() / self.width.max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// (key, code) pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.keys
            .chunks_exact(self.width)
            .zip(self.codes.chunks_exact(self.width))
    }
}

impl CodeShape {
    /// Validates the shape; errors name the CodeConfig field.
    pub fn new(
        pattern: &str,
        charset: &str,
        prefix: &str,
        postfix: &str,
    ) -> Result<CodeShape, CompileError> {
        for (field, text) in [
            ("pattern", pattern),
            ("charset", charset),
            ("prefix", prefix),
            ("postfix", postfix),
        ] {
            if !text.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(CompileError::new(
                    field,
                    "generated codes use printable ASCII without spaces only",
                ));
            }
        }
        let charset = charset.as_bytes().to_vec();
        if charset.is_empty() {
            return Err(CompileError::new("charset", "must not be empty"));
        }
        let mut folded: Vec<u8> = charset.iter().map(u8::to_ascii_uppercase).collect();
        folded.sort_unstable();
        folded.dedup();
        if folded.len() != charset.len() {
            return Err(CompileError::new(
                "charset",
                "characters must not repeat (codes are case-insensitive: 'a' and 'A' are one)",
            ));
        }
        let template: Vec<u8> = [prefix, pattern, postfix].concat().into_bytes();
        let slots: Vec<usize> = pattern
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'#')
            .map(|(offset, _)| prefix.len() + offset)
            .collect();
        if slots.is_empty() {
            return Err(CompileError::new("pattern", "needs at least one '#'"));
        }
        Ok(CodeShape {
            template,
            slots,
            charset,
        })
    }

    /// Bytes of every code of this shape.
    pub fn width(&self) -> usize {
        self.template.len()
    }

    /// Draws `count` codes (fewer when some repeat within the batch: the caller asks for the
    /// difference again), each character uniform over the charset by rejection sampling.
    pub fn generate(&self, count: usize) -> Result<GeneratedCodes, getrandom::Error> {
        let width = self.width();
        let n = self.charset.len();
        // Bytes >= `accept` would bias the modulo; they are drawn again.
        let accept = 256 - (256 % n);
        let mut random = RandomBytes::new();
        let mut codes = Vec::with_capacity(count * width);
        for _ in 0..count {
            let start = codes.len();
            codes.extend_from_slice(&self.template);
            for &slot in &self.slots {
                let index = loop {
                    let byte = usize::from(random.next()?);
                    if byte < accept {
                        break byte % n;
                    }
                };
                codes[start + slot] = self.charset[index];
            }
        }
        let keys: Vec<u8> = codes.iter().map(u8::to_ascii_uppercase).collect();
        let key = |i: usize| &keys[i * width..(i + 1) * width];
        // Sorted by the first 16 key bytes as one integer (the whole key for most patterns),
        // then by the rest: much cheaper than comparing slices all the way.
        let mut order: Vec<(u128, usize)> = (0..count).map(|i| (key_prefix(key(i)), i)).collect();
        order.sort_unstable_by(|&(pa, a), &(pb, b)| {
            pa.cmp(&pb).then_with(|| {
                key(a)[PREFIX_BYTES.min(width)..].cmp(&key(b)[PREFIX_BYTES.min(width)..])
            })
        });
        order.dedup_by(|&mut (pa, a), &mut (pb, b)| pa == pb && key(a) == key(b));
        let mut sorted_codes = Vec::with_capacity(order.len() * width);
        let mut sorted_keys = Vec::with_capacity(order.len() * width);
        for &(_, i) in &order {
            sorted_codes.extend_from_slice(&codes[i * width..(i + 1) * width]);
            sorted_keys.extend_from_slice(key(i));
        }
        Ok(GeneratedCodes {
            width,
            codes: sorted_codes,
            keys: sorted_keys,
        })
    }
}

/// Key bytes compared as one integer when sorting.
const PREFIX_BYTES: usize = 16;

/// The first PREFIX_BYTES of a key, big-endian, zero-padded: integer order = byte order.
fn key_prefix(key: &[u8]) -> u128 {
    let mut prefix = [0u8; PREFIX_BYTES];
    let n = key.len().min(PREFIX_BYTES);
    prefix[..n].copy_from_slice(&key[..n]);
    u128::from_be_bytes(prefix)
}

/// Buffered bytes from the OS CSPRNG (getrandom(2) on Linux).
struct RandomBytes {
    block: Box<[u8; RANDOM_BLOCK]>,
    next: usize,
}

impl RandomBytes {
    fn new() -> RandomBytes {
        RandomBytes {
            block: Box::new([0; RANDOM_BLOCK]),
            next: RANDOM_BLOCK,
        }
    }

    fn next(&mut self) -> Result<u8, getrandom::Error> {
        if self.next == RANDOM_BLOCK {
            getrandom::fill(&mut self.block[..])?;
            self.next = 0;
        }
        self.next += 1;
        Ok(self.block[self.next - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_shape_sorted_by_key_and_unique() {
        let shape = CodeShape::new("##-##", "ab0", "x", "!").unwrap();
        let batch = shape.generate(500).unwrap();
        // 81 possible codes: 500 draws repeat, and the batch keeps each key once.
        assert!(batch.len() <= 81 && batch.len() > 40);
        let mut previous: Option<Vec<u8>> = None;
        for (key, code) in batch.iter() {
            assert_eq!(code.len(), 7);
            assert_eq!(&code[..1], b"x");
            assert_eq!(code[3], b'-');
            assert_eq!(&code[6..], b"!");
            for &c in [code[1], code[2], code[4], code[5]].iter() {
                assert!(b"ab0".contains(&c));
            }
            assert_eq!(key, code.to_ascii_uppercase().as_slice());
            if let Some(previous) = &previous {
                assert!(previous.as_slice() < key);
            }
            previous = Some(key.to_vec());
        }
    }

    #[test]
    fn codes_longer_than_the_integer_prefix_sort_by_their_tail() {
        // Every key shares its first 16 bytes: the order comes from the tail alone.
        let shape = CodeShape::new("####", "abcdefgh", "SAME-PREFIX-LONG-", "").unwrap();
        let batch = shape.generate(400).unwrap();
        let keys: Vec<&[u8]> = batch.iter().map(|(key, _)| key).collect();
        assert!(keys.len() > 300);
        assert!(keys.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn every_character_is_drawn_about_equally_often() {
        // 3 characters: 256 % 3 != 0, so an unrejected modulo would favour the first one.
        let shape = CodeShape::new("################", "ABC", "", "").unwrap();
        let batch = shape.generate(20_000).unwrap();
        let mut counts = [0usize; 3];
        for (_, code) in batch.iter() {
            for &c in code {
                counts[usize::from(c - b'A')] += 1;
            }
        }
        let total: usize = counts.iter().sum();
        for count in counts {
            let share = count as f64 / total as f64;
            assert!((share - 1.0 / 3.0).abs() < 0.01, "{counts:?}");
        }
    }

    #[test]
    fn bad_shapes_name_the_field() {
        assert_eq!(
            CodeShape::new("AB", "XY", "", "").unwrap_err().path,
            "pattern"
        );
        assert_eq!(
            CodeShape::new("#", "aA", "", "").unwrap_err().path,
            "charset"
        );
        assert_eq!(
            CodeShape::new("#", "XY", "é", "").unwrap_err().path,
            "prefix"
        );
        assert_eq!(
            CodeShape::new("#", "X Y", "", "").unwrap_err().path,
            "charset"
        );
    }
}
