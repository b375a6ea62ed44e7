//! The plain JSON line, scanned by hand into an order read before: strings without escapes,
//! non-negative integers written as digits (or strings of digits), the known keys once each,
//! standard whitespace. That is every line an exporter writes, and most of a backtest's time
//! went into serde_json's general parsing of them. Anything else (an escape, a negative or
//! fractional number, null where no null is allowed, an unknown or repeated key, bad UTF-8, a
//! syntax error) answers `Declined` and the line goes to json_line's serde parser, which
//! accepts or refuses it as before: this scanner accepts only lines that parser accepts, with
//! the same values (tests below compare the two).

use super::json_line::{self, LineTarget};
use crate::pb::v1::Item;

/// The keys of an order, with the closing quote, and their bits in json_line's numbering (its
/// `order_key`): the spellings it accepts, the commonest first.
const ORDER_KEYS: &[(&[u8], u32)] = &[
    (b"id\"", 0),
    (b"currency\"", 1),
    (b"channel\"", 2),
    (b"shipping_amount\"", 5),
    (b"items\"", 4),
    (b"customer_id\"", 7),
    (b"time\"", 8),
    (b"store_id\"", 3),
    (b"metadata_json\"", 6),
    (b"storeId\"", 3),
    (b"shippingAmount\"", 5),
    (b"metadataJson\"", 6),
    (b"customerId\"", 7),
];

/// The keys of an item (json_line's `item_key`).
const ITEM_KEYS: &[(&[u8], u32)] = &[
    (b"sku\"", 0),
    (b"categories\"", 2),
    (b"unit_price\"", 3),
    (b"quantity\"", 4),
    (b"product_id\"", 1),
    (b"metadata_json\"", 5),
    (b"unitPrice\"", 3),
    (b"productId\"", 1),
    (b"metadataJson\"", 5),
];

/// The line is not plain: let the general parser read it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Declined;

type Scan<T> = Result<T, Declined>;

/// Scans `text` into `target`; on `Declined` the target holds a partial line (the general
/// parser sets every field again).
pub(super) fn parse_into(text: &[u8], target: LineTarget<'_>) -> Scan<()> {
    // Validated once: every string below is a slice between ASCII quotes of valid UTF-8.
    let text = std::str::from_utf8(text).map_err(|_| Declined)?;
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    scanner.order(target)?;
    scanner.whitespace();
    if scanner.at == scanner.bytes.len() {
        Ok(())
    } else {
        Err(Declined)
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

/// Keys seen, one bit each.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, bit: u32) -> Scan<()> {
        if self.0 & (1 << bit) != 0 {
            return Err(Declined);
        }
        self.0 |= 1 << bit;
        Ok(())
    }

    fn has(&self, bit: u32) -> bool {
        self.0 & (1 << bit) != 0
    }
}

impl<'a> Scanner<'a> {
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, consumed.
    fn next(&mut self) -> Scan<u8> {
        self.whitespace();
        let byte = *self.bytes.get(self.at).ok_or(Declined)?;
        self.at += 1;
        Ok(byte)
    }

    fn peek(&mut self) -> Scan<u8> {
        self.whitespace();
        self.bytes.get(self.at).copied().ok_or(Declined)
    }

    fn expect(&mut self, wanted: u8) -> Scan<()> {
        if self.next()? == wanted {
            Ok(())
        } else {
            Err(Declined)
        }
    }

    /// A string without escapes or control characters (its opening quote already read).
    fn string_body(&mut self) -> Scan<&'a str> {
        let start = self.at;
        let end = start + string_length(&self.bytes[start..]).ok_or(Declined)?;
        if self.bytes[end] != b'"' {
            return Err(Declined);
        }
        self.at = end + 1;
        Ok(&self.text[start..end])
    }

    fn string(&mut self) -> Scan<&'a str> {
        self.expect(b'"')?;
        self.string_body()
    }

    fn text_into(&mut self, into: &mut String) -> Scan<()> {
        let body = self.string()?;
        into.clear();
        into.push_str(body);
        Ok(())
    }

    /// proto3 JSON's int64, as json_line reads it: digits, or a string `str::parse` takes.
    /// Negative, fractional and exponent numbers are left to serde (it has its own rules).
    fn int64(&mut self) -> Scan<i64> {
        match self.next()? {
            b'"' => self.string_body()?.parse().map_err(|_| Declined),
            first @ b'0'..=b'9' => {
                let mut value = i64::from(first - b'0');
                while let Some(&digit @ b'0'..=b'9') = self.bytes.get(self.at) {
                    // A leading zero is not JSON.
                    if value == 0 {
                        return Err(Declined);
                    }
                    value = value
                        .checked_mul(10)
                        .and_then(|value| value.checked_add(i64::from(digit - b'0')))
                        .ok_or(Declined)?;
                    self.at += 1;
                }
                if let Some(b'.' | b'e' | b'E') = self.bytes.get(self.at) {
                    return Err(Declined);
                }
                Ok(value)
            }
            _ => Err(Declined),
        }
    }

    /// A key among `keys` (each written out with its closing quote, the commonest first),
    /// compared in place: the key is not scanned as a string first. Another key, or one spelled
    /// with escapes, is declined.
    fn key(&mut self, keys: &[(&[u8], u32)]) -> Scan<u32> {
        self.expect(b'"')?;
        let rest = &self.bytes[self.at..];
        for &(name, bit) in keys {
            if rest.starts_with(name) {
                self.at += name.len();
                return Ok(bit);
            }
        }
        Err(Declined)
    }

    /// `{` ... `}` calling `field` with the bit of each key among `keys`; the key's value is
    /// for it to read.
    fn object(
        &mut self,
        keys: &[(&[u8], u32)],
        mut field: impl FnMut(&mut Self, u32) -> Scan<()>,
    ) -> Scan<()> {
        self.expect(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Ok(());
        }
        loop {
            let key = self.key(keys)?;
            self.expect(b':')?;
            field(self, key)?;
            match self.next()? {
                b',' => continue,
                b'}' => return Ok(()),
                _ => return Err(Declined),
            }
        }
    }

    /// `[` ... `]` calling `element` with each index; answers the count.
    fn array(&mut self, mut element: impl FnMut(&mut Self, usize) -> Scan<()>) -> Scan<usize> {
        self.expect(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Ok(0);
        }
        let mut count = 0;
        loop {
            element(self, count)?;
            count += 1;
            match self.next()? {
                b',' => continue,
                b']' => return Ok(count),
                _ => return Err(Declined),
            }
        }
    }

    fn order(&mut self, target: LineTarget<'_>) -> Scan<()> {
        let LineTarget {
            order,
            customer_id,
            time,
        } = target;
        let mut seen = Seen::default();
        let mut items = 0;
        self.object(ORDER_KEYS, |scanner, bit| {
            seen.first(bit)?;
            match bit {
                0 => scanner.text_into(&mut order.id),
                1 => scanner.text_into(&mut order.currency),
                2 => scanner.text_into(&mut order.channel),
                3 => scanner.text_into(&mut order.store_id),
                4 => {
                    items = scanner.items(&mut order.items)?;
                    Ok(())
                }
                5 => {
                    order.shipping_amount = scanner.int64()?;
                    Ok(())
                }
                6 => scanner.text_into(&mut order.metadata_json),
                7 => scanner.text_into(customer_id),
                _ => scanner.time(time),
            }
        })?;
        json_line::reset_unseen(
            seen.0,
            LineTarget {
                order,
                customer_id,
                time,
            },
            items,
        );
        Ok(())
    }

    /// `time`: a string or null.
    fn time(&mut self, time: &mut Option<String>) -> Scan<()> {
        if self.peek()? == b'n' {
            if self.bytes[self.at..].starts_with(b"null") {
                self.at += 4;
                *time = None;
                return Ok(());
            }
            return Err(Declined);
        }
        self.text_into(time.get_or_insert_with(String::new))
    }

    fn items(&mut self, items: &mut Vec<Item>) -> Scan<usize> {
        self.array(|scanner, index| {
            if index == items.len() {
                items.push(Item::default());
            }
            scanner.item(&mut items[index])
        })
    }

    fn item(&mut self, item: &mut Item) -> Scan<()> {
        let mut seen = Seen::default();
        let mut categories = 0;
        self.object(ITEM_KEYS, |scanner, bit| {
            seen.first(bit)?;
            match bit {
                0 => scanner.text_into(&mut item.sku),
                1 => scanner.text_into(&mut item.product_id),
                2 => {
                    categories = scanner.texts(&mut item.categories)?;
                    Ok(())
                }
                3 => {
                    item.unit_price = scanner.int64()?;
                    Ok(())
                }
                4 => {
                    item.quantity = scanner.int64()?;
                    Ok(())
                }
                _ => scanner.text_into(&mut item.metadata_json),
            }
        })?;
        if !seen.has(0) {
            item.sku.clear();
        }
        if !seen.has(1) {
            item.product_id.clear();
        }
        item.categories.truncate(categories);
        if !seen.has(3) {
            item.unit_price = 0;
        }
        if !seen.has(4) {
            item.quantity = 0;
        }
        if !seen.has(5) {
            item.metadata_json.clear();
        }
        Ok(())
    }

    fn texts(&mut self, texts: &mut Vec<String>) -> Scan<usize> {
        self.array(|scanner, index| {
            if index == texts.len() {
                texts.push(String::new());
            }
            scanner.text_into(&mut texts[index])
        })
    }
}

const ONES: u64 = u64::from_le_bytes([1; 8]);
const HIGH_BITS: u64 = u64::from_le_bytes([0x80; 8]);

/// The high bit of each byte of `word` below `bound` (<= 0x80); the lowest one set is exact (a
/// borrow may set bits above it).
fn bytes_below(word: u64, bound: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(bound)) & !word & HIGH_BITS
}

/// Where the first quote, backslash or control character of `bytes` is (the end of a string
/// without escapes), eight bytes at a time.
fn string_length(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(eight) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(eight.try_into().ok()?);
        let found = bytes_below(word ^ (ONES * u64::from(b'"')), 1)
            | bytes_below(word ^ (ONES * u64::from(b'\\')), 1)
            | bytes_below(word, 0x20);
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
        .map(|length| at + length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::v1::Order;

    /// (order, customer, time) as a scan or the serde parser reads `text` into a fresh order.
    type Read = (Order, String, Option<String>);

    fn scanned(text: &str) -> Option<Read> {
        let (mut order, mut customer, mut time) = (Order::default(), String::new(), None);
        let target = LineTarget {
            order: &mut order,
            customer_id: &mut customer,
            time: &mut time,
        };
        parse_into(text.as_bytes(), target).ok()?;
        Some((order, customer, time))
    }

    fn parsed(text: &str) -> Option<Read> {
        let (mut order, mut customer, mut time) = (Order::default(), String::new(), None);
        let target = LineTarget {
            order: &mut order,
            customer_id: &mut customer,
            time: &mut time,
        };
        json_line::parse_into(text.as_bytes(), target).ok()?;
        Some((order, customer, time))
    }

    const PLAIN: &str = r#"{"id":"o1","currency":"EUR","channel":"web","shipping_amount":495,"items":[{"sku":"SKU-0291","categories":["cat-11","cat-2"],"unit_price":366,"quantity":1},{"sku":"B","categories":[],"unitPrice":"1299","quantity":"2","productId":"p","metadataJson":"{}"}],"customer_id":"customer-7","time":"2026-11-01T00:00:02.600Z"}"#;

    #[test]
    fn plain_lines_read_as_the_general_parser_reads_them() {
        let lines = [
            PLAIN,
            " { \"id\" : \"o2\" , \"items\" : [ { \"sku\" : \"Ça\" , \"quantity\" : 3 } ] ,\t\"time\" : null }\r\n ",
            r#"{}"#,
            r#"{"items":[]}"#,
            r#"{"storeId":"s","metadataJson":"","customerId":"c","shippingAmount":0}"#,
            r#"{"items":[{"unit_price":9223372036854775807}]}"#,
            r#"{"items":[{"quantity":"+5"}]}"#,
        ];
        for text in lines {
            let scan = scanned(text).unwrap_or_else(|| panic!("declined {text}"));
            assert_eq!(Some(scan), parsed(text), "{text}");
        }
    }

    /// Lines that are not plain are declined, whether the general parser takes them or not.
    #[test]
    fn other_lines_are_declined() {
        for text in [
            r#"{"id":"o\"1"}"#,
            r#"{"id":"o\u00e91"}"#,
            r#"{"items":[{"quantity":-1}]}"#,
            r#"{"items":[{"quantity":-0}]}"#,
            r#"{"items":[{"quantity":1.0}]}"#,
            r#"{"items":[{"quantity":1e2}]}"#,
            r#"{"items":[{"quantity":01}]}"#,
            r#"{"items":[{"unit_price":9223372036854775808}]}"#,
            r#"{"id":null}"#,
            r#"{"time":nul}"#,
            r#"{"id":"o1","id":"o2"}"#,
            r#"{"store_id":"a","storeId":"b"}"#,
            r#"{"colour":"red"}"#,
            r#"{"id":"o1",}"#,
            r#"{"items":[{"sku":"A"},]}"#,
            r#"{"id":"o1"} x"#,
            r#"{"id":"o1""#,
            "{\"id\":\"tab\there\"}",
            "{\"id\":\"o1\"}\u{0b}",
            r#"{"items":{}}"#,
            r#"[]"#,
            "",
        ] {
            assert_eq!(scanned(text), None, "{text}");
        }
        let invalid_utf8 = b"{\"id\":\"\xff\"}";
        let target = LineTarget {
            order: &mut Order::default(),
            customer_id: &mut String::new(),
            time: &mut None,
        };
        assert_eq!(parse_into(invalid_utf8, target), Err(Declined));
    }

    /// The key tables name json_line's keys with its bits, every spelling once.
    #[test]
    fn key_tables_are_json_lines() {
        for (table, bit_of) in [
            (ORDER_KEYS, json_line::order_key as fn(&str) -> Option<u32>),
            (ITEM_KEYS, json_line::item_key),
        ] {
            for &(name, bit) in table {
                let key = std::str::from_utf8(name.strip_suffix(b"\"").unwrap()).unwrap();
                assert_eq!(bit_of(key), Some(bit), "{key}");
            }
            let spellings: std::collections::HashSet<&[u8]> =
                table.iter().map(|(name, _)| *name).collect();
            assert_eq!(spellings.len(), table.len());
        }
        assert_eq!(ORDER_KEYS.len(), 13);
        assert_eq!(ITEM_KEYS.len(), 9);
    }

    #[test]
    fn string_ends_are_found_at_any_offset() {
        for length in 0..40 {
            for stop in [b'"', b'\\', 0x00, 0x1f] {
                let mut bytes = vec![b'a'; length];
                bytes.push(stop);
                bytes.extend_from_slice(b"\"tail\\\x01");
                assert_eq!(string_length(&bytes), Some(length), "{length} {stop}");
            }
            let mut unicode = "é".repeat(length).into_bytes();
            unicode.push(b'"');
            assert_eq!(string_length(&unicode), Some(2 * length));
            assert_eq!(string_length(&vec![b' '; length]), None);
        }
    }

    /// Every cut and every one-byte change of a plain line: the scan declines it or reads what
    /// the general parser reads.
    #[test]
    fn damaged_lines_are_declined_or_read_alike() {
        let replacements = b"\"\\,:{}[]0-. \t\nae1\x01n";
        for end in 0..PLAIN.len() {
            let cut = &PLAIN[..end];
            if let Some(scan) = scanned(cut) {
                assert_eq!(Some(scan), parsed(cut), "{cut}");
            }
        }
        let bytes = PLAIN.as_bytes();
        for at in 0..bytes.len() {
            for &replacement in replacements {
                let mut changed = bytes.to_vec();
                changed[at] = replacement;
                let Ok(text) = std::str::from_utf8(&changed) else {
                    continue;
                };
                if let Some(scan) = scanned(text) {
                    assert_eq!(Some(scan), parsed(text), "{text}");
                }
            }
        }
    }
}
