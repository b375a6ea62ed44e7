//! The files of past orders a backtest reads, fed in chunks of any size (the server hands the
//! uncompressed bytes as they come): JSON Lines, one Validate order per line with `customer_id`,
//! `time` and `channel`, or CSV, one line per item. Every error names the line and the field.

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::{json_line, plain_line};
use crate::decimal::Decimal;
use crate::fast_hash::FastSet;
use crate::money::currency_exponent;
use crate::pb::v1::{Item, Order};

/// One order of the file.
#[derive(Debug, Clone, Default)]
pub struct PastOrder {
    /// Line where it starts, 1-based.
    pub line: u64,
    /// When it was placed; None when the file does not say.
    pub time_ms: Option<i64>,
    pub customer_id: String,
    pub order: Order,
}

/// A line of the file that is not an order: `field` is the JSON path or the CSV column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFileError {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for OrderFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
        }
    }
}

impl std::error::Error for OrderFileError {}

fn error(line: u64, field: impl Into<String>, reason: impl Into<String>) -> OrderFileError {
    OrderFileError {
        line,
        field: field.into(),
        reason: reason.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrdersFormat {
    JsonLines,
    Csv,
}

/// Reads orders from chunks of a file; complete lines are parsed as they arrive.
#[derive(Debug)]
pub struct OrderReader {
    format: Option<OrdersFormat>,
    /// The incomplete last line of the bytes fed so far.
    carry: Vec<u8>,
    /// Number of the next line to read.
    next_line: u64,
    /// Currency of CSV orders without a currency column (the campaign's).
    default_currency: String,
    csv: CsvState,
    bytes_read: u64,
    /// Orders already evaluated, handed back (`recycle`): a JSON line is parsed into one of
    /// them, reusing its strings and lists.
    spare: Vec<PastOrder>,
    /// The text of a line's `time`, kept between lines.
    time: Option<String>,
}

impl OrderReader {
    /// `format` None: guessed from the first non-blank byte (`{` is JSON Lines).
    pub fn new(format: Option<OrdersFormat>, default_currency: &str) -> OrderReader {
        OrderReader {
            format,
            carry: Vec::new(),
            next_line: 1,
            default_currency: default_currency.to_owned(),
            csv: CsvState::default(),
            bytes_read: 0,
            spare: Vec::new(),
            time: None,
        }
    }

    /// Takes back an order `feed` gave, once evaluated: the next lines are read into it.
    pub fn recycle(&mut self, order: PastOrder) {
        self.spare.push(order);
    }

    /// The file's format (None until its first line).
    pub fn format(&self) -> Option<OrdersFormat> {
        self.format
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Parses the complete lines of `chunk` (with what was left of the previous one) into
    /// `into`; `last`: the file ends with this chunk.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        last: bool,
        into: &mut Vec<PastOrder>,
    ) -> Result<(), OrderFileError> {
        self.bytes_read += chunk.len() as u64;
        // The complete lines are parsed where they are; only a line cut by the end of a chunk
        // is copied, to be completed by the next.
        let mut rest = chunk;
        if !self.carry.is_empty() {
            let end = match memchr::memchr(b'\n', rest) {
                Some(newline) => newline + 1,
                None if last => rest.len(),
                None => {
                    self.carry.extend_from_slice(rest);
                    return Ok(());
                }
            };
            self.carry.extend_from_slice(&rest[..end]);
            rest = &rest[end..];
            let line = std::mem::take(&mut self.carry);
            let result = self.parse_lines(&line, into);
            self.carry = line;
            self.carry.clear();
            result?;
        }
        let complete = if last {
            rest.len()
        } else {
            memrchr_newline(rest).map_or(0, |position| position + 1)
        };
        self.parse_lines(&rest[..complete], into)?;
        self.carry.extend_from_slice(&rest[complete..]);
        if last {
            if self.format == Some(OrdersFormat::Csv) {
                if let Some(order) = self.csv.finish() {
                    into.push(order);
                }
            }
            if self.format.is_none() {
                return Err(error(self.next_line, "", "the file has no orders"));
            }
        }
        Ok(())
    }

    fn parse_lines(
        &mut self,
        bytes: &[u8],
        into: &mut Vec<PastOrder>,
    ) -> Result<(), OrderFileError> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |newline| newline + 1);
            let (raw, tail) = rest.split_at(end);
            rest = tail;
            let line = self.next_line;
            self.next_line += 1;
            let text = trim_line(raw);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let format = *self.format.get_or_insert_with(|| guess_format(text));
            match format {
                OrdersFormat::JsonLines => into.push(self.json_line(text, line)?),
                OrdersFormat::Csv => {
                    if let Some(order) = self.csv.line(text, line, &self.default_currency)? {
                        into.push(order);
                    }
                }
            }
        }
        Ok(())
    }
}

impl OrderReader {
    /// A JSON line, parsed into a spare order (the typed parser says what is wrong with a line
    /// that does not parse).
    fn json_line(&mut self, text: &[u8], line: u64) -> Result<PastOrder, OrderFileError> {
        let mut order = self.spare.pop().unwrap_or_default();
        // A plain line is scanned; any other goes to serde, whose typed parser names the
        // failing field of a line that is not an order.
        let scanned = plain_line::parse_into(
            text,
            json_line::LineTarget {
                order: &mut order.order,
                customer_id: &mut order.customer_id,
                time: &mut self.time,
            },
        );
        if scanned.is_err() {
            let target = json_line::LineTarget {
                order: &mut order.order,
                customer_id: &mut order.customer_id,
                time: &mut self.time,
            };
            if json_line::parse_into(text, target).is_err() {
                return parse_json_line(text, line);
            }
        }
        order.line = line;
        order.time_ms = self
            .time
            .as_deref()
            .map(|time| parse_time(time).ok_or_else(|| error(line, "time", RFC3339)))
            .transpose()?;
        Ok(order)
    }
}

fn memrchr_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memrchr(b'\n', bytes)
}

fn trim_line(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    raw.strip_suffix(b"\r").unwrap_or(raw)
}

fn guess_format(first_line: &[u8]) -> OrdersFormat {
    let first = first_line.iter().find(|byte| !byte.is_ascii_whitespace());
    if first == Some(&b'{') {
        OrdersFormat::JsonLines
    } else {
        OrdersFormat::Csv
    }
}

// JSON Lines --------------------------------------------------------------------------------

/// A line: Validate's Order in proto3 JSON (either field spelling) plus the backtest's keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonOrder {
    #[serde(default)]
    id: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    channel: String,
    #[serde(default, alias = "storeId")]
    store_id: String,
    #[serde(default)]
    items: Vec<JsonItem>,
    #[serde(default, alias = "shippingAmount", deserialize_with = "int64")]
    shipping_amount: i64,
    #[serde(default, alias = "metadataJson")]
    metadata_json: String,
    #[serde(default, alias = "customerId")]
    customer_id: String,
    #[serde(default)]
    time: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonItem {
    #[serde(default)]
    sku: String,
    #[serde(default, alias = "productId")]
    product_id: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default, alias = "unitPrice", deserialize_with = "int64")]
    unit_price: i64,
    #[serde(default, deserialize_with = "int64")]
    quantity: i64,
    #[serde(default, alias = "metadataJson")]
    metadata_json: String,
}

/// proto3 JSON's int64: a number or a string of digits.
pub(super) fn int64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct Int64;
    impl de::Visitor<'_> for Int64 {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer (a number or a string of digits)")
        }
        fn visit_i64<E: de::Error>(self, value: i64) -> Result<i64, E> {
            Ok(value)
        }
        fn visit_u64<E: de::Error>(self, value: u64) -> Result<i64, E> {
            i64::try_from(value).map_err(|_| E::custom("out of range"))
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<i64, E> {
            value
                .parse()
                .map_err(|_| E::custom(format!("{value:?} is not an integer")))
        }
    }
    deserializer.deserialize_any(Int64)
}

fn parse_json_line(text: &[u8], line: u64) -> Result<PastOrder, OrderFileError> {
    let parsed: JsonOrder = match serde_json::from_slice(text) {
        Ok(parsed) => parsed,
        Err(_) => return Err(json_error(text, line)),
    };
    let time_ms = parsed
        .time
        .as_deref()
        .map(|time| parse_time(time).ok_or_else(|| error(line, "time", RFC3339)))
        .transpose()?;
    let items = parsed
        .items
        .into_iter()
        .map(|item| Item {
            sku: item.sku,
            product_id: item.product_id,
            categories: item.categories,
            unit_price: item.unit_price,
            quantity: item.quantity,
            metadata_json: item.metadata_json,
        })
        .collect();
    Ok(PastOrder {
        line,
        time_ms,
        customer_id: parsed.customer_id,
        order: Order {
            id: parsed.id,
            currency: parsed.currency,
            channel: parsed.channel,
            store_id: parsed.store_id,
            items,
            shipping_amount: parsed.shipping_amount,
            metadata_json: parsed.metadata_json,
        },
    })
}

/// The error of a line that does not parse, with the path of the field (parsed again, slowly,
/// only when it failed).
fn json_error(text: &[u8], line: u64) -> OrderFileError {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    match serde_path_to_error::deserialize::<_, JsonOrder>(&mut deserializer) {
        Ok(_) => error(line, "", "not a JSON object"),
        Err(failure) => {
            let path = failure.path().to_string();
            let inner = failure.into_inner();
            // serde_json ends its messages with the position: the line says where already.
            let message = inner.to_string();
            let reason = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(reason, _)| reason)
                .to_owned();
            let field = if path == "." { String::new() } else { path };
            error(line, field, reason)
        }
    }
}

const RFC3339: &str = "must be an RFC 3339 time such as 2026-11-03T10:15:00Z";

fn parse_time(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.timestamp_millis())
}

// CSV ---------------------------------------------------------------------------------------

/// Column positions of the header.
#[derive(Debug, Default, Clone)]
struct Columns {
    order_id: usize,
    sku: usize,
    price: usize,
    quantity: usize,
    time: Option<usize>,
    customer_id: Option<usize>,
    categories: Option<usize>,
    channel: Option<usize>,
    currency: Option<usize>,
    shipping: Option<usize>,
    product_id: Option<usize>,
}

#[derive(Debug, Default)]
struct CsvState {
    columns: Option<Columns>,
    /// The order whose lines are being read.
    open: Option<PastOrder>,
    /// Orders already closed: an order's lines must be together.
    closed: FastSet<String>,
}

const REQUIRED_COLUMNS: [&str; 4] = ["order_id", "sku", "price", "quantity"];

impl CsvState {
    fn line(
        &mut self,
        text: &[u8],
        line: u64,
        default_currency: &str,
    ) -> Result<Option<PastOrder>, OrderFileError> {
        let fields = split_csv(text, line)?;
        let Some(columns) = &self.columns else {
            self.columns = Some(header(&fields, line)?);
            return Ok(None);
        };
        let columns = columns.clone();
        let cell = |index: usize| fields.get(index).map_or("", |field| field.trim());
        let optional = |index: Option<usize>| index.map_or("", cell);
        let order_id = cell(columns.order_id);
        if order_id.is_empty() {
            return Err(error(line, "order_id", "required"));
        }
        let currency = match optional(columns.currency) {
            "" => default_currency,
            currency => currency,
        };
        let item = Item {
            sku: cell(columns.sku).to_owned(),
            product_id: optional(columns.product_id).to_owned(),
            categories: optional(columns.categories)
                .split('|')
                .map(str::trim)
                .filter(|category| !category.is_empty())
                .map(str::to_owned)
                .collect(),
            unit_price: money(cell(columns.price), currency, line, "price")?,
            quantity: cell(columns.quantity)
                .parse()
                .map_err(|_| error(line, "quantity", "must be a whole number"))?,
            metadata_json: String::new(),
        };
        let same_order = self
            .open
            .as_ref()
            .is_some_and(|open| open.order.id == order_id);
        let mut finished = None;
        if !same_order {
            if self.closed.contains(order_id) {
                return Err(error(
                    line,
                    "order_id",
                    format!("the lines of order {order_id:?} must follow one another"),
                ));
            }
            let time_ms = match optional(columns.time) {
                "" => None,
                time => Some(parse_time(time).ok_or_else(|| error(line, "time", RFC3339))?),
            };
            let shipping_amount = match optional(columns.shipping) {
                "" => 0,
                shipping => money(shipping, currency, line, "shipping")?,
            };
            let started = PastOrder {
                line,
                time_ms,
                customer_id: optional(columns.customer_id).to_owned(),
                order: Order {
                    id: order_id.to_owned(),
                    currency: currency.to_owned(),
                    channel: optional(columns.channel).to_owned(),
                    shipping_amount,
                    ..Default::default()
                },
            };
            finished = self.open.replace(started);
            if let Some(done) = &finished {
                self.closed.insert(done.order.id.clone());
            }
        }
        if let Some(open) = self.open.as_mut() {
            open.order.items.push(item);
        }
        Ok(finished)
    }

    fn finish(&mut self) -> Option<PastOrder> {
        self.open.take()
    }
}

fn header(fields: &[String], line: u64) -> Result<Columns, OrderFileError> {
    let names: Vec<String> = fields
        .iter()
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    let find = |wanted: &[&str]| {
        names
            .iter()
            .position(|name| wanted.contains(&name.as_str()))
    };
    for required in REQUIRED_COLUMNS {
        if find(&[required]).is_none() {
            return Err(error(
                line,
                required,
                format!(
                    "the header must name the columns {} (found: {})",
                    REQUIRED_COLUMNS.join(", "),
                    names.join(", ")
                ),
            ));
        }
    }
    let known = [
        "order_id",
        "sku",
        "price",
        "quantity",
        "time",
        "customer_id",
        "customer",
        "categories",
        "channel",
        "currency",
        "shipping",
        "product_id",
    ];
    if let Some(unknown) = names.iter().find(|name| !known.contains(&name.as_str())) {
        return Err(error(
            line,
            unknown.as_str(),
            format!("unknown column; the columns are {}", known.join(", ")),
        ));
    }
    let required = |name: &str| find(&[name]).unwrap_or_default();
    Ok(Columns {
        order_id: required("order_id"),
        sku: required("sku"),
        price: required("price"),
        quantity: required("quantity"),
        time: find(&["time"]),
        customer_id: find(&["customer_id", "customer"]),
        categories: find(&["categories"]),
        channel: find(&["channel"]),
        currency: find(&["currency"]),
        shipping: find(&["shipping"]),
        product_id: find(&["product_id"]),
    })
}

/// One CSV record (RFC 4180: quoted fields, doubled quotes); a record is one line.
fn split_csv(text: &[u8], line: u64) -> Result<Vec<String>, OrderFileError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Ok(record.iter().map(str::to_owned).collect()),
        Ok(false) => Ok(Vec::new()),
        Err(failure) => Err(error(line, "", format!("not a CSV line: {failure}"))),
    }
}

/// An amount in currency units ("12.99") as minor units of `currency`.
fn money(text: &str, currency: &str, line: u64, field: &str) -> Result<i64, OrderFileError> {
    let exponent = currency_exponent(currency);
    let invalid = || {
        error(
            line,
            field,
            format!("{text:?} is not an amount in {currency} with at most {exponent} decimals"),
        )
    };
    let decimal = Decimal::parse_json_number(text).ok_or_else(invalid)?;
    if decimal.scale() > exponent {
        return Err(invalid());
    }
    let minor = decimal.mantissa() * 10i128.pow(exponent - decimal.scale());
    i64::try_from(minor).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str, chunk: usize) -> Result<Vec<PastOrder>, OrderFileError> {
        let mut reader = OrderReader::new(None, "EUR");
        let mut orders = Vec::new();
        let bytes = text.as_bytes();
        let chunks: Vec<&[u8]> = bytes.chunks(chunk).collect();
        for (index, piece) in chunks.iter().enumerate() {
            reader.feed(piece, index + 1 == chunks.len(), &mut orders)?;
        }
        Ok(orders)
    }

    #[test]
    fn json_lines_read_in_any_chunks() {
        let text = concat!(
            r#"{"id":"o1","currency":"EUR","items":[{"sku":"A","unitPrice":"1299","quantity":2}],"customer_id":"c1","time":"2026-11-03T10:15:00+01:00"}"#,
            "\n\n",
            r#"{"id":"o2","currency":"EUR","channel":"app","items":[{"sku":"B","unit_price":500,"quantity":1,"categories":["x"]}]}"#,
            "\n"
        );
        for chunk in [1, 7, 1000] {
            let orders = read_all(text, chunk).unwrap();
            assert_eq!(orders.len(), 2);
            assert_eq!(orders[0].line, 1);
            assert_eq!(orders[0].order.items[0].unit_price, 1299);
            assert_eq!(orders[0].time_ms, Some(1_793_697_300_000));
            assert_eq!(orders[1].line, 3);
            assert_eq!(orders[1].order.channel, "app");
            assert_eq!(orders[1].time_ms, None);
        }
    }

    #[test]
    fn json_errors_name_line_and_field() {
        let text = "{\"id\":\"o1\",\"currency\":\"EUR\",\"items\":[]}\n{\"id\":\"o2\",\"items\":[{\"sku\":\"A\",\"quantity\":\"two\"}]}\n";
        let failure = read_all(text, 10).unwrap_err();
        assert_eq!(failure.line, 2);
        assert_eq!(failure.field, "items[0].quantity");
        let failure = read_all("{\"id\":\"o1\",\"colour\":1}", 100).unwrap_err();
        assert_eq!((failure.line, failure.field.as_str()), (1, "colour"));
        assert!(failure.reason.contains("colour"), "{}", failure.reason);
        let failure = read_all("{\"id\":\"o1\",\"time\":\"yesterday\"}", 100).unwrap_err();
        assert_eq!(failure.field, "time");
    }

    /// Orders read one after the other into the same recycled order equal what the typed
    /// parser makes of each line alone: nothing of a previous order stays.
    #[test]
    fn recycled_orders_forget_the_previous_line() {
        let lines = [
            r#"{"id":"o1","currency":"EUR","channel":"app","storeId":"s1","shippingAmount":"495","metadataJson":"{}","items":[{"sku":"A","productId":"p","categories":["x","y"],"unitPrice":"1299","quantity":2,"metadataJson":"m"},{"sku":"B","unit_price":1,"quantity":1}],"customerId":"c1","time":"2026-11-03T10:15:00Z"}"#,
            r#"{"id":"o2","items":[{"sku":"C\u00e9","quantity":"3"}],"time":null}"#,
            r#"{"items":[{"categories":[]}]}"#,
            r#"{"id":"o4","items":[{"sku":"D","categories":["z"]},{"sku":"E"},{"sku":"F"}],"customer_id":"c\"2"}"#,
            r#"{}"#,
        ];
        let mut reader = OrderReader::new(None, "EUR");
        for (index, text) in lines.iter().enumerate() {
            let mut orders = Vec::new();
            reader
                .feed(format!("{text}\n").as_bytes(), false, &mut orders)
                .unwrap();
            let expected = parse_json_line(text.as_bytes(), index as u64 + 1).unwrap();
            let order = orders.pop().unwrap();
            assert_eq!(order.order, expected.order, "line {}", index + 1);
            assert_eq!(order.customer_id, expected.customer_id);
            assert_eq!(order.time_ms, expected.time_ms);
            assert_eq!(order.line, expected.line);
            reader.recycle(order);
        }
    }

    /// A key twice, an unknown key, a wrong type: refused as the typed parser refuses them.
    #[test]
    fn refused_lines_are_named_by_the_typed_parser() {
        for text in [
            r#"{"id":"o1","id":"o2"}"#,
            r#"{"store_id":"a","storeId":"b"}"#,
            r#"{"items":[{"sku":"A","sku":"B"}]}"#,
            r#"{"items":[{"unitPrice":12.5}]}"#,
            r#"{"items":[{"colour":"red"}]}"#,
            r#"{"id":null}"#,
            r#"{"id":"o1"} trailing"#,
            r#"{"id":"o1","items":{}}"#,
        ] {
            let failure = read_all(text, 100).unwrap_err();
            let expected = parse_json_line(text.as_bytes(), 1).unwrap_err();
            assert_eq!(failure, expected, "{text}");
        }
    }

    #[test]
    fn csv_lines_make_orders() {
        let text = "order_id,time,customer,sku,price,quantity,categories\n\
                    o1,2026-11-03T10:15:00Z,c1,BEANS,12.99,2,coffee|beans\n\
                    o1,2026-11-03T10:15:00Z,c1,MUG,\"9,00\",1,\n\
                    o2,2026-11-03T11:00:00Z,,TEA,4.5,1,tea\n";
        let failure = read_all(text, 13).unwrap_err();
        assert_eq!((failure.line, failure.field.as_str()), (3, "price"));
        let orders = read_all(&text.replace("\"9,00\"", "9.00"), 13).unwrap();
        assert_eq!(orders.len(), 2);
        assert_eq!(orders[0].order.items.len(), 2);
        assert_eq!(orders[0].order.items[0].unit_price, 1299);
        assert_eq!(orders[0].order.items[0].categories, vec!["coffee", "beans"]);
        assert_eq!(orders[0].order.currency, "EUR");
        assert_eq!(orders[1].order.items[0].unit_price, 450);
        assert_eq!(orders[1].line, 4);
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let missing = read_all("order,sku,price,quantity\n", 100).unwrap_err();
        assert_eq!((missing.line, missing.field.as_str()), (1, "order_id"));
        let split = "order_id,sku,price,quantity\no1,A,1,1\no2,B,1,1\no1,C,1,1\n";
        let failure = read_all(split, 100).unwrap_err();
        assert_eq!((failure.line, failure.field.as_str()), (4, "order_id"));
        let yen = "order_id,sku,price,quantity,currency\no1,A,1500.5,1,JPY\n";
        assert_eq!(read_all(yen, 100).unwrap_err().field, "price");
    }
}
