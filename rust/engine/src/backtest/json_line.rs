//! A JSON Lines order parsed into an order read before, reusing its strings and lists: once the
//! first orders of a file are read, a line costs no allocation. It accepts exactly the lines
//! the typed `JsonOrder` of orders.rs accepts (the same keys and spellings, no key twice, no
//! unknown key, int64 as a number or a string); a line it refuses is parsed again by that one,
//! which names the failing field.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::orders::int64;
use crate::pb::v1::{Item, Order};

/// Where a line's values go: the order, its customer and the text of its time.
pub(super) struct LineTarget<'t> {
    pub order: &'t mut Order,
    pub customer_id: &'t mut String,
    /// The `time` key's text; None when absent or null.
    pub time: &'t mut Option<String>,
}

/// Parses `text` into `target`; an error means "let the typed parser say what is wrong".
pub(super) fn parse_into(text: &[u8], target: LineTarget<'_>) -> Result<(), serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    OrderSeed(target).deserialize(&mut deserializer)?;
    deserializer.end()
}

/// Seen keys, one bit each: a key given twice is an error, as serde's derive makes it.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first<E: de::Error>(&mut self, bit: u32, name: &'static str) -> Result<(), E> {
        if self.0 & (1 << bit) != 0 {
            return Err(E::duplicate_field(name));
        }
        self.0 |= 1 << bit;
        Ok(())
    }

    fn has(&self, bit: u32) -> bool {
        self.0 & (1 << bit) != 0
    }
}

/// A key of an object, as a small number (no allocation, escapes allowed).
struct KeySeed(fn(&str) -> Option<u32>);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Result<u32, String>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Result<u32, String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok((self.0)(key).ok_or_else(|| key.to_owned()))
    }
}

const ORDER_KEYS: &[&str] = &[
    "id",
    "currency",
    "channel",
    "store_id",
    "items",
    "shipping_amount",
    "metadata_json",
    "customer_id",
    "time",
];

pub(super) fn order_key(key: &str) -> Option<u32> {
    Some(match key {
        "id" => 0,
        "currency" => 1,
        "channel" => 2,
        "store_id" | "storeId" => 3,
        "items" => 4,
        "shipping_amount" | "shippingAmount" => 5,
        "metadata_json" | "metadataJson" => 6,
        "customer_id" | "customerId" => 7,
        "time" => 8,
        _ => return None,
    })
}

const ITEM_KEYS: &[&str] = &[
    "sku",
    "product_id",
    "categories",
    "unit_price",
    "quantity",
    "metadata_json",
];

pub(super) fn item_key(key: &str) -> Option<u32> {
    Some(match key {
        "sku" => 0,
        "product_id" | "productId" => 1,
        "categories" => 2,
        "unit_price" | "unitPrice" => 3,
        "quantity" => 4,
        "metadata_json" | "metadataJson" => 5,
        _ => return None,
    })
}

struct OrderSeed<'t>(LineTarget<'t>);

impl<'de> DeserializeSeed<'de> for OrderSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_struct("JsonOrder", ORDER_KEYS, self)
    }
}

impl<'de> Visitor<'de> for OrderSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an order")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let LineTarget {
            order,
            customer_id,
            time,
        } = self.0;
        let mut seen = Seen::default();
        let mut items = 0;
        while let Some(key) = map.next_key_seed(KeySeed(order_key))? {
            let key = key.map_err(|key| de::Error::unknown_field(&key, ORDER_KEYS))?;
            seen.first(key, ORDER_KEYS[key as usize])?;
            match key {
                0 => map.next_value_seed(Text(&mut order.id))?,
                1 => map.next_value_seed(Text(&mut order.currency))?,
                2 => map.next_value_seed(Text(&mut order.channel))?,
                3 => map.next_value_seed(Text(&mut order.store_id))?,
                4 => items = map.next_value_seed(Items(&mut order.items))?,
                5 => order.shipping_amount = map.next_value_seed(Int64)?,
                6 => map.next_value_seed(Text(&mut order.metadata_json))?,
                7 => map.next_value_seed(Text(customer_id))?,
                _ => map.next_value_seed(OptionalText(time))?,
            }
        }
        reset_unseen(
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
}

/// What a line leaves out (no bit in `seen`, numbered as `order_key`) is the default, whatever
/// the previous order had; its items past `items` belong to the previous order.
pub(super) fn reset_unseen(seen: u32, target: LineTarget<'_>, items: usize) {
    let LineTarget {
        order,
        customer_id,
        time,
    } = target;
    let has = |bit: u32| seen & (1 << bit) != 0;
    let defaults: [(u32, &mut String); 6] = [
        (0, &mut order.id),
        (1, &mut order.currency),
        (2, &mut order.channel),
        (3, &mut order.store_id),
        (6, &mut order.metadata_json),
        (7, customer_id),
    ];
    for (bit, text) in defaults {
        if !has(bit) {
            text.clear();
        }
    }
    order.items.truncate(items);
    if !has(5) {
        order.shipping_amount = 0;
    }
    if !has(8) {
        *time = None;
    }
}

/// A string into a string of the previous order (its capacity kept).
struct Text<'s>(&'s mut String);

impl<'de> DeserializeSeed<'de> for Text<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_string(self)
    }
}

impl Visitor<'_> for Text<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        self.0.clear();
        self.0.push_str(value);
        Ok(())
    }
}

/// `time`: a string or null.
struct OptionalText<'s>(&'s mut Option<String>);

impl<'de> DeserializeSeed<'de> for OptionalText<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptionalText<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let text = self.0.get_or_insert_with(String::new);
        Text(text).deserialize(deserializer)
    }
}

struct Int64;

impl<'de> DeserializeSeed<'de> for Int64 {
    type Value = i64;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<i64, D::Error> {
        int64(deserializer)
    }
}

/// A list into the list of the previous order, element by element; answers its length (the
/// caller truncates: the elements past it belong to the previous order).
struct Items<'v>(&'v mut Vec<Item>);

impl<'de> DeserializeSeed<'de> for Items<'_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of items")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut count = 0;
        loop {
            if count == self.0.len() {
                self.0.push(Item::default());
            }
            if seq
                .next_element_seed(ItemSeed(&mut self.0[count]))?
                .is_none()
            {
                return Ok(count);
            }
            count += 1;
        }
    }
}

struct ItemSeed<'i>(&'i mut Item);

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_struct("JsonItem", ITEM_KEYS, self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let item = self.0;
        let mut seen = Seen::default();
        let mut categories = 0;
        while let Some(key) = map.next_key_seed(KeySeed(item_key))? {
            let key = key.map_err(|key| de::Error::unknown_field(&key, ITEM_KEYS))?;
            seen.first(key, ITEM_KEYS[key as usize])?;
            match key {
                0 => map.next_value_seed(Text(&mut item.sku))?,
                1 => map.next_value_seed(Text(&mut item.product_id))?,
                2 => categories = map.next_value_seed(Texts(&mut item.categories))?,
                3 => item.unit_price = map.next_value_seed(Int64)?,
                4 => item.quantity = map.next_value_seed(Int64)?,
                _ => map.next_value_seed(Text(&mut item.metadata_json))?,
            }
        }
        let defaults: [(u32, &mut String); 3] = [
            (0, &mut item.sku),
            (1, &mut item.product_id),
            (5, &mut item.metadata_json),
        ];
        for (bit, text) in defaults {
            if !seen.has(bit) {
                text.clear();
            }
        }
        item.categories.truncate(categories);
        if !seen.has(3) {
            item.unit_price = 0;
        }
        if !seen.has(4) {
            item.quantity = 0;
        }
        Ok(())
    }
}

/// A list of strings into the previous order's list (see Items).
struct Texts<'v>(&'v mut Vec<String>);

impl<'de> DeserializeSeed<'de> for Texts<'_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Texts<'_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut count = 0;
        loop {
            if count == self.0.len() {
                self.0.push(String::new());
            }
            if seq.next_element_seed(Text(&mut self.0[count]))?.is_none() {
                return Ok(count);
            }
            count += 1;
        }
    }
}
