//! The formula language of FormulaDiscount: a small, safe arithmetic expression such as
//! `min(order.amount * 10%, 50.00)`, parsed once and evaluated with exact rational arithmetic.
//!
//! Grammar (whitespace between tokens is free):
//!
//! ```text
//! expr    := term (("+" | "-") term)*
//! term    := unary (("*" | "/") unary)*
//! unary   := "-" unary | primary
//! primary := NUMBER ["%"] | SUBJECT | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
//! FUNC    := "min" | "max" | "round"
//! NUMBER  := digits ["." digits]
//! SUBJECT := name ("." name)*, name := [A-Za-z_][A-Za-z0-9_-]*
//! ```
//!
//! Money is in major units of the currency (order.amount of 38.00 EUR reads 38.00; the literal
//! `50.00` is 50.00 EUR); the result is money, rounded half up to a minor unit. Bounds: at most
//! 1000 characters, 32 levels of nesting, 256 nodes; every intermediate value is a reduced
//! fraction whose numerator and denominator stay within 10^18, otherwise the evaluation fails
//! (as does a division by zero or a customer attribute that is not a number) and the effect
//! gives nothing.

use serde_json::{Map, Value as Json};

use crate::decimal::Decimal;
use crate::error::CompileError;
use crate::money::round_half_up;
use crate::rules::{ItemFacts, OrderFacts};

pub const MAX_CHARS: usize = 1000;
pub const MAX_DEPTH: usize = 32;
pub const MAX_NODES: usize = 256;
/// Bound of numerators and denominators of every value.
pub const BOUND: i128 = 1_000_000_000_000_000_000;

/// An exact fraction, reduced, denominator > 0, both within BOUND.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Why a formula could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormulaError {
    DivisionByZero,
    OutOfRange,
    NotANumber(String),
}

impl FormulaError {
    pub fn message(&self) -> String {
        match self {
            FormulaError::DivisionByZero => {
                "The offer's formula cannot be computed for this cart: division by zero.".to_owned()
            }
            FormulaError::OutOfRange => {
                "The offer's formula cannot be computed for this cart: a value is out of range."
                    .to_owned()
            }
            FormulaError::NotANumber(subject) => format!(
                "The offer's formula cannot be computed for this cart: {subject} is not a number."
            ),
        }
    }
}

impl Ratio {
    /// Reduces and checks the bounds.
    pub fn new(num: i128, den: i128) -> Result<Ratio, FormulaError> {
        if den == 0 {
            return Err(FormulaError::DivisionByZero);
        }
        let divisor = gcd(num, den).max(1);
        let sign = if den < 0 { -1 } else { 1 };
        let (num, den) = (sign * num / divisor, sign * den / divisor);
        if num.abs() > BOUND || den > BOUND {
            return Err(FormulaError::OutOfRange);
        }
        Ok(Ratio { num, den })
    }

    pub fn integer(value: i64) -> Result<Ratio, FormulaError> {
        Ratio::new(i128::from(value), 1)
    }

    /// Minor units as major units of a currency with `exponent` decimals.
    pub fn money(minor: i64, exponent: u32) -> Result<Ratio, FormulaError> {
        Ratio::new(i128::from(minor), 10i128.pow(exponent))
    }

    fn add(self, other: Ratio) -> Result<Ratio, FormulaError> {
        Ratio::new(
            self.num * other.den + other.num * self.den,
            self.den * other.den,
        )
    }

    fn sub(self, other: Ratio) -> Result<Ratio, FormulaError> {
        Ratio::new(
            self.num * other.den - other.num * self.den,
            self.den * other.den,
        )
    }

    fn mul(self, other: Ratio) -> Result<Ratio, FormulaError> {
        Ratio::new(self.num * other.num, self.den * other.den)
    }

    fn div(self, other: Ratio) -> Result<Ratio, FormulaError> {
        if other.num == 0 {
            return Err(FormulaError::DivisionByZero);
        }
        Ratio::new(self.num * other.den, self.den * other.num)
    }

    fn less_than(self, other: Ratio) -> bool {
        self.num * other.den < other.num * self.den
    }

    /// Rounded half up to `digits` decimals.
    fn round(self, digits: u32) -> Result<Ratio, FormulaError> {
        let scale = 10i128.pow(digits);
        Ratio::new(round_half_up(self.num * scale, self.den), scale)
    }

    /// The value in minor units (major units times 10^exponent), rounded half up.
    pub fn to_minor(self, exponent: u32) -> i128 {
        round_half_up(self.num * 10i128.pow(exponent), self.den)
    }
}

/// What a formula reads.
#[derive(Debug, Clone, PartialEq)]
pub enum FormulaSubject {
    OrderAmount,
    OrderInitialAmount,
    OrderItemsCount,
    OrderTotalQuantity,
    OrderShippingAmount,
    /// Over the effect's filter.
    ItemsAmount,
    ItemsQuantity,
    ItemsCount,
    /// The line being priced (makes the formula per line).
    ItemPrice,
    ItemQuantity,
    ItemAmount,
    CustomerOrdersCount,
    CustomerTotalSpent,
    CustomerAttribute(String),
}

const SUBJECTS: &str = "order.amount, order.initial_amount, order.items_count, \
    order.total_quantity, order.shipping_amount, items.amount, items.quantity, items.count, \
    item.price, item.quantity, item.amount, customer.aggregates.orders_count, \
    customer.aggregates.total_spent, customer.attributes.<path>";

impl FormulaSubject {
    fn parse(name: &str) -> Option<FormulaSubject> {
        if let Some(path) = name.strip_prefix("customer.attributes.") {
            return (!path.split('.').any(str::is_empty))
                .then(|| FormulaSubject::CustomerAttribute(path.to_owned()));
        }
        Some(match name {
            "order.amount" => FormulaSubject::OrderAmount,
            "order.initial_amount" => FormulaSubject::OrderInitialAmount,
            "order.items_count" => FormulaSubject::OrderItemsCount,
            "order.total_quantity" => FormulaSubject::OrderTotalQuantity,
            "order.shipping_amount" => FormulaSubject::OrderShippingAmount,
            "items.amount" => FormulaSubject::ItemsAmount,
            "items.quantity" => FormulaSubject::ItemsQuantity,
            "items.count" => FormulaSubject::ItemsCount,
            "item.price" => FormulaSubject::ItemPrice,
            "item.quantity" => FormulaSubject::ItemQuantity,
            "item.amount" => FormulaSubject::ItemAmount,
            "customer.aggregates.orders_count" => FormulaSubject::CustomerOrdersCount,
            "customer.aggregates.total_spent" => FormulaSubject::CustomerTotalSpent,
            _ => return None,
        })
    }

    fn is_per_item(&self) -> bool {
        matches!(
            self,
            FormulaSubject::ItemPrice | FormulaSubject::ItemQuantity | FormulaSubject::ItemAmount
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Number(Ratio),
    Subject(FormulaSubject),
    Neg(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Min(Vec<Expr>),
    Max(Vec<Expr>),
    Round(Box<Expr>, u32),
}

/// A compiled formula.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    root: Expr,
    per_item: bool,
}

/// Where the values of one evaluation come from.
pub struct FormulaInput<'f, 'a> {
    pub facts: &'f OrderFacts<'a>,
    /// Indexes of the request lines the effect's filter matches.
    pub matching: &'f [usize],
    /// The line being priced (per-line formulas).
    pub line: Option<ItemFacts<'a>>,
    pub exponent: u32,
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    position: usize,
    nodes: usize,
    path: &'t str,
}

impl Parser<'_> {
    fn error(&self, reason: impl AsRef<str>) -> CompileError {
        CompileError::new(
            self.path,
            format!("at character {}: {}", self.position + 1, reason.as_ref()),
        )
    }

    fn skip_spaces(&mut self) {
        while self.position < self.bytes.len() && self.bytes[self.position].is_ascii_whitespace() {
            self.position += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_spaces();
        self.bytes.get(self.position).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn node(&mut self, depth: usize) -> Result<(), CompileError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(self.error(format!("a formula has at most {MAX_NODES} terms")));
        }
        if depth > MAX_DEPTH {
            return Err(self.error(format!("a formula nests at most {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, CompileError> {
        self.node(depth)?;
        let mut left = self.term(depth + 1)?;
        loop {
            let op = match self.peek() {
                Some(b'+') => BinaryOp::Add,
                Some(b'-') => BinaryOp::Sub,
                _ => return Ok(left),
            };
            self.position += 1;
            let right = self.term(depth + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn term(&mut self, depth: usize) -> Result<Expr, CompileError> {
        self.node(depth)?;
        let mut left = self.unary(depth + 1)?;
        loop {
            let op = match self.peek() {
                Some(b'*') => BinaryOp::Mul,
                Some(b'/') => BinaryOp::Div,
                _ => return Ok(left),
            };
            self.position += 1;
            let right = self.unary(depth + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, CompileError> {
        self.node(depth)?;
        if self.eat(b'-') {
            return Ok(Expr::Neg(Box::new(self.unary(depth + 1)?)));
        }
        self.primary(depth + 1)
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, CompileError> {
        self.node(depth)?;
        match self.peek() {
            Some(b'(') => {
                self.position += 1;
                let inner = self.expr(depth + 1)?;
                if !self.eat(b')') {
                    return Err(self.error("expected \")\""));
                }
                Ok(inner)
            }
            Some(byte) if byte.is_ascii_digit() => self.number(),
            Some(byte) if byte.is_ascii_alphabetic() || byte == b'_' => self.name(depth),
            Some(byte) => Err(self.error(format!("unexpected \"{}\"", byte as char))),
            None => Err(self.error("unexpected end of the formula")),
        }
    }

    fn number(&mut self) -> Result<Expr, CompileError> {
        let start = self.position;
        let digits = |parser: &mut Parser<'_>| {
            while parser.position < parser.bytes.len()
                && parser.bytes[parser.position].is_ascii_digit()
            {
                parser.position += 1;
            }
        };
        digits(self);
        if self.bytes.get(self.position) == Some(&b'.') {
            self.position += 1;
            let fraction_start = self.position;
            digits(self);
            if self.position == fraction_start {
                return Err(self.error("expected digits after the decimal point"));
            }
        }
        let text = &self.text[start..self.position];
        let value = Decimal::parse_json_number(text)
            .and_then(|decimal| Ratio::new(decimal.mantissa(), 10i128.pow(decimal.scale())).ok())
            .ok_or_else(|| self.error(format!("the number {text} is out of range")))?;
        let value = if self.eat(b'%') {
            Ratio::new(value.num, value.den * 100)
                .map_err(|_| self.error(format!("the percentage {text}% is out of range")))?
        } else {
            value
        };
        Ok(Expr::Number(value))
    }

    fn name(&mut self, depth: usize) -> Result<Expr, CompileError> {
        let start = self.position;
        while self.position < self.bytes.len()
            && (self.bytes[self.position].is_ascii_alphanumeric()
                || matches!(self.bytes[self.position], b'_' | b'-' | b'.'))
        {
            // A '-' followed by a space or digit is a minus, not part of a name.
            if self.bytes[self.position] == b'-'
                && !self
                    .bytes
                    .get(self.position + 1)
                    .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            {
                break;
            }
            self.position += 1;
        }
        let name = &self.text[start..self.position];
        if matches!(name, "min" | "max" | "round") {
            if !self.eat(b'(') {
                return Err(self.error(format!("expected \"(\" after {name}")));
            }
            let mut arguments = vec![self.expr(depth + 1)?];
            while self.eat(b',') {
                arguments.push(self.expr(depth + 1)?);
            }
            if !self.eat(b')') {
                return Err(self.error("expected \",\" or \")\""));
            }
            return match name {
                "round" => {
                    let digits =
                        match arguments.len() {
                            1 => 0,
                            2 => match &arguments[1] {
                                Expr::Number(value)
                                    if value.den == 1 && (0..=6).contains(&value.num) =>
                                {
                                    value.num as u32
                                }
                                _ => return Err(self.error(
                                    "round's second argument is a whole number of decimals, 0..6",
                                )),
                            },
                            _ => return Err(self.error("round takes one or two arguments")),
                        };
                    Ok(Expr::Round(Box::new(arguments.swap_remove(0)), digits))
                }
                _ if arguments.len() < 2 => {
                    Err(self.error(format!("{name} needs at least two arguments")))
                }
                "min" => Ok(Expr::Min(arguments)),
                _ => Ok(Expr::Max(arguments)),
            };
        }
        FormulaSubject::parse(name)
            .map(Expr::Subject)
            .ok_or_else(|| {
                self.error(format!(
                    "unknown subject \"{name}\"; expected one of {SUBJECTS}"
                ))
            })
    }
}

fn uses_item(expr: &Expr) -> bool {
    match expr {
        Expr::Number(_) => false,
        Expr::Subject(subject) => subject.is_per_item(),
        Expr::Neg(inner) | Expr::Round(inner, _) => uses_item(inner),
        Expr::Binary(_, left, right) => uses_item(left) || uses_item(right),
        Expr::Min(arguments) | Expr::Max(arguments) => arguments.iter().any(uses_item),
    }
}

fn attribute<'a>(attributes: Option<&'a Map<String, Json>>, path: &str) -> Option<&'a Json> {
    let mut segments = path.split('.');
    let mut current = attributes?.get(segments.next()?)?;
    for segment in segments {
        current = current.as_object()?.get(segment)?;
    }
    Some(current)
}

impl Formula {
    /// Parses `text`; errors carry `path` and the character position.
    pub fn compile(text: &str, path: &str) -> Result<Formula, CompileError> {
        if text.trim().is_empty() {
            return Err(CompileError::new(path, "a formula is required"));
        }
        if text.chars().count() > MAX_CHARS {
            return Err(CompileError::new(
                path,
                format!("a formula has at most {MAX_CHARS} characters"),
            ));
        }
        let mut parser = Parser {
            text,
            bytes: text.as_bytes(),
            position: 0,
            nodes: 0,
            path,
        };
        let root = parser.expr(1)?;
        if parser.peek().is_some() {
            return Err(parser.error("unexpected text after the formula"));
        }
        Ok(Formula {
            per_item: uses_item(&root),
            root,
        })
    }

    /// Whether the formula reads `item.*`: then it is evaluated per matching line.
    pub fn is_per_item(&self) -> bool {
        self.per_item
    }

    pub fn evaluate(&self, input: &FormulaInput<'_, '_>) -> Result<Ratio, FormulaError> {
        evaluate(&self.root, input)
    }
}

fn subject_value(
    subject: &FormulaSubject,
    input: &FormulaInput<'_, '_>,
) -> Result<Ratio, FormulaError> {
    let facts = input.facts;
    let money = |minor: i64| Ratio::money(minor, input.exponent);
    let count = |value: usize| Ratio::integer(i64::try_from(value).unwrap_or(i64::MAX));
    let over_matching = |value: &dyn Fn(usize) -> i64| {
        input
            .matching
            .iter()
            .fold(0i64, |sum, &index| sum.saturating_add(value(index)))
    };
    let aggregates = facts
        .profile
        .and_then(|profile| profile.aggregates.as_ref());
    let line = || input.line.ok_or(FormulaError::OutOfRange);
    match subject {
        FormulaSubject::OrderAmount => money(facts.running_amount),
        FormulaSubject::OrderInitialAmount => money(facts.initial_amount),
        FormulaSubject::OrderItemsCount => count(facts.order.items.len()),
        FormulaSubject::OrderTotalQuantity => Ratio::integer(facts.total_quantity),
        FormulaSubject::OrderShippingAmount => money(facts.order.shipping_amount),
        FormulaSubject::ItemsAmount => money(over_matching(&|index| {
            facts.running_line_amounts.get(index).copied().unwrap_or(0)
        })),
        FormulaSubject::ItemsQuantity => Ratio::integer(over_matching(&|index| {
            facts.order.items.get(index).map_or(0, |item| item.quantity)
        })),
        FormulaSubject::ItemsCount => count(input.matching.len()),
        FormulaSubject::ItemPrice => money(line()?.item.unit_price),
        FormulaSubject::ItemQuantity => Ratio::integer(line()?.item.quantity),
        FormulaSubject::ItemAmount => money(line()?.running_amount),
        FormulaSubject::CustomerOrdersCount => aggregates
            .map(|a| Ratio::integer(a.orders_count))
            .unwrap_or_else(|| {
                Err(FormulaError::NotANumber(
                    "customer.aggregates.orders_count".to_owned(),
                ))
            }),
        FormulaSubject::CustomerTotalSpent => {
            aggregates.map(|a| money(a.total_spent)).unwrap_or_else(|| {
                Err(FormulaError::NotANumber(
                    "customer.aggregates.total_spent".to_owned(),
                ))
            })
        }
        FormulaSubject::CustomerAttribute(path) => {
            let not_a_number = || FormulaError::NotANumber(format!("customer.attributes.{path}"));
            match attribute(facts.customer_attributes, path) {
                Some(Json::Number(number)) => {
                    let decimal = Decimal::parse_json_number(number.as_str())
                        .ok_or(FormulaError::OutOfRange)?;
                    Ratio::new(decimal.mantissa(), 10i128.pow(decimal.scale()))
                }
                _ => Err(not_a_number()),
            }
        }
    }
}

fn evaluate(expr: &Expr, input: &FormulaInput<'_, '_>) -> Result<Ratio, FormulaError> {
    match expr {
        Expr::Number(value) => Ok(*value),
        Expr::Subject(subject) => subject_value(subject, input),
        Expr::Neg(inner) => {
            let value = evaluate(inner, input)?;
            Ratio::new(-value.num, value.den)
        }
        Expr::Binary(op, left, right) => {
            let (left, right) = (evaluate(left, input)?, evaluate(right, input)?);
            match op {
                BinaryOp::Add => left.add(right),
                BinaryOp::Sub => left.sub(right),
                BinaryOp::Mul => left.mul(right),
                BinaryOp::Div => left.div(right),
            }
        }
        Expr::Min(arguments) | Expr::Max(arguments) => {
            let want_min = matches!(expr, Expr::Min(_));
            let mut best = evaluate(&arguments[0], input)?;
            for argument in &arguments[1..] {
                let value = evaluate(argument, input)?;
                let better = if want_min {
                    value.less_than(best)
                } else {
                    best.less_than(value)
                };
                if better {
                    best = value;
                }
            }
            Ok(best)
        }
        Expr::Round(inner, digits) => evaluate(inner, input)?.round(*digits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_positions() {
        assert!(Formula::compile("min(order.amount * 10%, 50.00)", "f").is_ok());
        assert!(
            Formula::compile("round(item.price * 12.5%, 2) * item.quantity", "f")
                .unwrap()
                .is_per_item()
        );
        let error = Formula::compile("order.amount * ", "f").unwrap_err();
        assert!(error.reason.contains("at character 16"), "{error}");
        let error = Formula::compile("order.amont", "f").unwrap_err();
        assert!(error.reason.contains("unknown subject"), "{error}");
        assert!(Formula::compile("min(1)", "f").is_err());
        assert!(Formula::compile("round(1, 7)", "f").is_err());
        assert!(Formula::compile(&"(".repeat(40), "f").is_err());
        assert!(Formula::compile("1 2", "f").is_err());
    }

    #[test]
    fn ratios_are_exact_and_bounded() {
        let third = Ratio::new(1, 3).unwrap();
        assert_eq!(
            third.add(third).unwrap().add(third).unwrap(),
            Ratio::integer(1).unwrap()
        );
        assert_eq!(Ratio::new(1, 0), Err(FormulaError::DivisionByZero));
        assert_eq!(Ratio::new(BOUND + 1, 1), Err(FormulaError::OutOfRange));
        assert_eq!(Ratio::new(5, 2).unwrap().to_minor(0), 3);
        assert_eq!(Ratio::new(-5, 2).unwrap().to_minor(0), -2);
        assert_eq!(
            Ratio::new(1234, 1000).unwrap().round(2),
            Ratio::new(123, 100)
        );
    }
}
