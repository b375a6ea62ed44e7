//! Validation of the caller's checkout input. Every error names the offending field path, e.g.
//! `order.items[2].quantity`; the server answers INVALID_ARGUMENT with it.

use serde_json::{Map, Value as Json};

use crate::error::RequestError;
use crate::money::is_currency_code;
use crate::pb::internal::CheckoutInput;
use crate::pb::v1::redeemable::Target;
use crate::pb::v1::{ApplicationMode, CheckoutOptions, CustomerRef, Order, Redeemable};

pub const MAX_ITEMS: usize = 1000;
pub const MAX_SKU_CHARS: usize = 128;
pub const MAX_QUANTITY: i64 = 1_000_000;
pub const MAX_REDEEMABLES: usize = 30;
pub const MAX_CODE_CHARS: usize = 64;

/// A checkout input that passed validation, with the figures every evaluation needs.
#[derive(Debug, Clone)]
pub struct ValidatedCheckout<'a> {
    pub order: &'a Order,
    /// None for an anonymous checkout (no customer or an empty id).
    pub customer_id: Option<&'a str>,
    /// The customer's attributes JSON object, when given.
    pub customer_attributes: Option<Map<String, Json>>,
    /// The order's metadata JSON object, when given.
    pub order_metadata: Option<Map<String, Json>>,
    /// Each line's metadata JSON object, when given.
    pub item_metadata: Vec<Option<Map<String, Json>>>,
    pub redeemables: &'a [Redeemable],
    /// unit_price * quantity per line.
    pub line_amounts: Vec<i64>,
    /// Sum of the line amounts.
    pub items_amount: i64,
    pub total_quantity: i64,
    /// items_amount + shipping_amount.
    pub amount: i64,
    pub mode: ApplicationMode,
    pub include_promotions: bool,
    /// List joined promotions that are INAPPLICABLE too, with their explanations.
    pub explain_promotions: bool,
}

/// Validates the input; the first problem found is returned.
pub fn validate_checkout(input: &CheckoutInput) -> Result<ValidatedCheckout<'_>, RequestError> {
    validate_parts(
        input.order.as_ref(),
        input.customer.as_ref(),
        &input.redeemables,
        input.options.as_ref(),
    )
}

/// Validates the parts shared by checkout and Qualify requests.
pub fn validate_parts<'a>(
    order: Option<&'a Order>,
    customer: Option<&'a CustomerRef>,
    redeemables: &'a [Redeemable],
    options: Option<&'a CheckoutOptions>,
) -> Result<ValidatedCheckout<'a>, RequestError> {
    let order = order.ok_or_else(|| RequestError::new("order", "an order is required"))?;
    if !is_currency_code(&order.currency) {
        return Err(RequestError::new(
            "order.currency",
            format!(
                "expected an ISO 4217 code of 3 uppercase letters, e.g. \"EUR\"; got \"{}\"",
                order.currency
            ),
        ));
    }
    if order.items.is_empty() || order.items.len() > MAX_ITEMS {
        return Err(RequestError::new(
            "order.items",
            format!(
                "an order has 1..{MAX_ITEMS} items; got {}",
                order.items.len()
            ),
        ));
    }
    let mut line_amounts = Vec::with_capacity(order.items.len());
    let mut item_metadata = Vec::with_capacity(order.items.len());
    let mut items_amount: i64 = 0;
    let mut total_quantity: i64 = 0;
    let overflow = || RequestError::new("order.items", "the order's amounts overflow 64 bits");
    for (index, item) in order.items.iter().enumerate() {
        let field = |name: &str| format!("order.items[{index}].{name}");
        let sku_chars = item.sku.chars().count();
        if sku_chars == 0 || sku_chars > MAX_SKU_CHARS {
            return Err(RequestError::new(
                field("sku"),
                format!("a sku has 1..{MAX_SKU_CHARS} characters; got {sku_chars}"),
            ));
        }
        if item.unit_price < 0 {
            return Err(RequestError::new(
                field("unit_price"),
                format!("must be >= 0; got {}", item.unit_price),
            ));
        }
        if !(1..=MAX_QUANTITY).contains(&item.quantity) {
            return Err(RequestError::new(
                field("quantity"),
                format!("must be 1..{MAX_QUANTITY}; got {}", item.quantity),
            ));
        }
        // The field is named only when there is metadata to parse (most lines have none).
        item_metadata.push(if item.metadata_json.trim().is_empty() {
            None
        } else {
            parse_json_object(&item.metadata_json, &field("metadata_json"))?
        });
        let line_amount = item
            .unit_price
            .checked_mul(item.quantity)
            .ok_or_else(overflow)?;
        items_amount = items_amount.checked_add(line_amount).ok_or_else(overflow)?;
        total_quantity = total_quantity
            .checked_add(item.quantity)
            .ok_or_else(overflow)?;
        line_amounts.push(line_amount);
    }
    if order.shipping_amount < 0 {
        return Err(RequestError::new(
            "order.shipping_amount",
            format!("must be >= 0; got {}", order.shipping_amount),
        ));
    }
    let amount = items_amount
        .checked_add(order.shipping_amount)
        .ok_or_else(|| {
            RequestError::new(
                "order.shipping_amount",
                "items amount plus shipping overflows 64 bits",
            )
        })?;
    let order_metadata = parse_json_object(&order.metadata_json, "order.metadata_json")?;

    let customer_attributes = match customer {
        Some(customer) => parse_json_object(&customer.attributes_json, "customer.attributes_json")?,
        None => None,
    };
    let customer_id = customer
        .map(|customer| customer.id.as_str())
        .filter(|id| !id.is_empty());

    if redeemables.len() > MAX_REDEEMABLES {
        return Err(RequestError::new(
            "redeemables",
            format!(
                "at most {MAX_REDEEMABLES} redeemables per request; got {}",
                redeemables.len()
            ),
        ));
    }
    for (index, redeemable) in redeemables.iter().enumerate() {
        validate_redeemable(redeemable, index)?;
    }

    let (mode_value, include_promotions, explain_promotions) =
        options.map_or((0, false, false), |options| {
            (
                options.mode,
                options.include_promotions,
                options.explain_promotions,
            )
        });
    let mode = ApplicationMode::try_from(mode_value).map_err(|_| {
        RequestError::new(
            "options.mode",
            format!("unknown application mode {mode_value}"),
        )
    })?;

    Ok(ValidatedCheckout {
        order,
        customer_id,
        customer_attributes,
        order_metadata,
        item_metadata,
        redeemables,
        line_amounts,
        items_amount,
        total_quantity,
        amount,
        mode,
        include_promotions,
        explain_promotions,
    })
}

fn validate_redeemable(redeemable: &Redeemable, index: usize) -> Result<(), RequestError> {
    // Paths are formatted only for an error.
    let path = |field: &str| format!("redeemables[{index}]{field}");
    match &redeemable.target {
        None => {
            return Err(RequestError::new(
                path(""),
                "a redeemable needs a code or a promotion_id",
            ))
        }
        Some(Target::Code(code)) => validate_identifier(code, || path(".code"))?,
        Some(Target::PromotionId(id)) => validate_identifier(id, || path(".promotion_id"))?,
    }
    if let Some(amount) = redeemable.amount.filter(|&amount| amount < 0) {
        return Err(RequestError::new(
            path(".amount"),
            format!("must be >= 0; got {amount}"),
        ));
    }
    if let Some(points) = redeemable.points.filter(|&points| points < 0) {
        return Err(RequestError::new(
            path(".points"),
            format!("must be >= 0; got {points}"),
        ));
    }
    Ok(())
}

/// A code or promotion id: 1..64 characters, no control characters.
fn validate_identifier(text: &str, field: impl Fn() -> String) -> Result<(), RequestError> {
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_CODE_CHARS {
        return Err(RequestError::new(
            field(),
            format!("must have 1..{MAX_CODE_CHARS} characters; got {chars}"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(RequestError::new(
            field(),
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Parses an optional JSON object field (empty = absent).
fn parse_json_object(text: &str, field: &str) -> Result<Option<Map<String, Json>>, RequestError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(object)) => Ok(Some(object)),
        Ok(_) => Err(RequestError::new(field, "must be a JSON object")),
        Err(error) => Err(RequestError::new(field, format!("invalid JSON: {error}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::v1::Item;

    fn item(sku: &str, unit_price: i64, quantity: i64) -> Item {
        Item {
            sku: sku.to_owned(),
            unit_price,
            quantity,
            ..Default::default()
        }
    }

    fn input(items: Vec<Item>) -> CheckoutInput {
        CheckoutInput {
            order: Some(Order {
                currency: "EUR".to_owned(),
                items,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn field_of(input: &CheckoutInput) -> String {
        validate_checkout(input).expect_err("invalid").field
    }

    #[test]
    fn computes_the_order_figures() {
        let input = input(vec![item("A", 250, 2), item("B", 100, 3)]);
        let checkout = validate_checkout(&input).expect("valid");
        assert_eq!(checkout.line_amounts, vec![500, 300]);
        assert_eq!(checkout.items_amount, 800);
        assert_eq!(checkout.total_quantity, 5);
        assert_eq!(checkout.customer_id, None);
        assert_eq!(checkout.mode, ApplicationMode::Unspecified);
    }

    #[test]
    fn names_the_offending_field() {
        assert_eq!(field_of(&CheckoutInput::default()), "order");
        let mut bad = input(vec![item("A", 1, 1)]);
        bad.order.as_mut().expect("order").currency = "eur".to_owned();
        assert_eq!(field_of(&bad), "order.currency");
        assert_eq!(field_of(&input(vec![])), "order.items");
        assert_eq!(
            field_of(&input(vec![item("A", 1, 1), item("B", 1, 0)])),
            "order.items[1].quantity"
        );
        assert_eq!(
            field_of(&input(vec![item("A", -1, 1)])),
            "order.items[0].unit_price"
        );
        assert_eq!(
            field_of(&input(vec![item(&"x".repeat(129), 1, 1)])),
            "order.items[0].sku"
        );
        assert_eq!(
            field_of(&input(vec![item("A", i64::MAX, 2)])),
            "order.items"
        );
        let mut bad = input(vec![item("A", 1, 1)]);
        bad.order.as_mut().expect("order").items[0].metadata_json = "[1]".to_owned();
        assert_eq!(field_of(&bad), "order.items[0].metadata_json");
        let mut bad = input(vec![item("A", 1, 1)]);
        bad.customer = Some(CustomerRef {
            id: "c1".to_owned(),
            attributes_json: "{not json".to_owned(),
        });
        assert_eq!(field_of(&bad), "customer.attributes_json");
    }

    #[test]
    fn validates_redeemables() {
        let with = |redeemable: Redeemable| {
            let mut input = input(vec![item("A", 1, 1)]);
            input.redeemables = vec![
                Redeemable {
                    target: Some(Target::Code("OK".to_owned())),
                    ..Default::default()
                },
                redeemable,
            ];
            field_of(&input)
        };
        assert_eq!(with(Redeemable::default()), "redeemables[1]");
        assert_eq!(
            with(Redeemable {
                target: Some(Target::Code("A\nB".to_owned())),
                ..Default::default()
            }),
            "redeemables[1].code"
        );
        assert_eq!(
            with(Redeemable {
                target: Some(Target::Code("x".repeat(65))),
                ..Default::default()
            }),
            "redeemables[1].code"
        );
        assert_eq!(
            with(Redeemable {
                target: Some(Target::Code("OK2".to_owned())),
                amount: Some(-1),
                ..Default::default()
            }),
            "redeemables[1].amount"
        );
        let mut many = input(vec![item("A", 1, 1)]);
        many.redeemables = vec![
            Redeemable {
                target: Some(Target::Code("X".to_owned())),
                ..Default::default()
            };
            31
        ];
        assert_eq!(field_of(&many), "redeemables");
    }
}
