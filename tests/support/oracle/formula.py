"""The formula language of FormulaDiscount, evaluated with exact fractions.

Grammar: ``expr := term (("+"|"-") term)*``, ``term := unary (("*"|"/") unary)*``,
``unary := "-" unary | primary``, ``primary := NUMBER ["%"] | SUBJECT | min/max/round "(" expr
("," expr)* ")" | "(" expr ")"``. Money is in major units. Every intermediate value is a reduced
fraction whose numerator and denominator stay within 10^18; beyond, or on a division by zero or
a customer attribute that is not a number, evaluation fails (FormulaError)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from oracle.errors import CompileError
from oracle.facts import OrderFacts, lookup
from oracle.numbers import exact

BOUND = 10**18
MAX_CHARS, MAX_DEPTH, MAX_NODES = 1000, 32, 256
SUBJECTS = {
    "order.amount",
    "order.initial_amount",
    "order.items_count",
    "order.total_quantity",
    "order.shipping_amount",
    "items.amount",
    "items.quantity",
    "items.count",
    "item.price",
    "item.quantity",
    "item.amount",
    "customer.aggregates.orders_count",
    "customer.aggregates.total_spent",
}
PER_ITEM = {"item.price", "item.quantity", "item.amount"}


class FormulaError(Exception):
    pass


def bounded(value: Fraction) -> Fraction:
    if abs(value.numerator) > BOUND or value.denominator > BOUND:
        raise FormulaError("out of range")
    return value


@dataclass
class Expr:
    """kind: "number" (value), "subject" (name), "neg", "+", "-", "*", "/", "min", "max",
    "round" (args; digits)."""

    kind: str
    value: Any = None
    args: tuple = ()


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.text, self.position, self.nodes, self.path = text, 0, 0, path

    def error(self, reason: str) -> CompileError:
        return CompileError(self.path, f"at character {self.position + 1}: {reason}")

    def peek(self) -> str | None:
        while self.position < len(self.text) and self.text[self.position] in " \t\n\r\f":
            self.position += 1
        return self.text[self.position] if self.position < len(self.text) else None

    def eat(self, char: str) -> bool:
        if self.peek() == char:
            self.position += 1
            return True
        return False

    def node(self, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise self.error("formula too large")

    def expr(self, depth: int) -> Expr:
        self.node(depth)
        left = self.term(depth + 1)
        while self.peek() in ("+", "-"):
            op = self.text[self.position]
            self.position += 1
            left = Expr(op, args=(left, self.term(depth + 1)))
        return left

    def term(self, depth: int) -> Expr:
        self.node(depth)
        left = self.unary(depth + 1)
        while self.peek() in ("*", "/"):
            op = self.text[self.position]
            self.position += 1
            left = Expr(op, args=(left, self.unary(depth + 1)))
        return left

    def unary(self, depth: int) -> Expr:
        self.node(depth)
        if self.eat("-"):
            return Expr("neg", args=(self.unary(depth + 1),))
        return self.primary(depth + 1)

    def primary(self, depth: int) -> Expr:
        self.node(depth)
        char = self.peek()
        if char == "(":
            self.position += 1
            inner = self.expr(depth + 1)
            if not self.eat(")"):
                raise self.error('expected ")"')
            return inner
        if char is not None and char.isascii() and char.isdigit():
            return self.number()
        if char is not None and char.isascii() and (char.isalpha() or char == "_"):
            return self.name(depth)
        raise self.error("unexpected character" if char else "unexpected end")

    def number(self) -> Expr:
        start = self.position
        text = self.text

        def digits() -> None:
            while (
                self.position < len(text)
                and text[self.position].isascii()
                and text[self.position].isdigit()
            ):
                self.position += 1

        digits()
        if self.position < len(text) and text[self.position] == ".":
            self.position += 1
            fraction_start = self.position
            digits()
            if self.position == fraction_start:
                raise self.error("expected digits after the decimal point")
        literal = text[start : self.position]
        number = exact(Decimal(literal))
        if number is None or abs(number.numerator) > BOUND or number.denominator > BOUND:
            raise self.error("number out of range")
        if self.eat("%"):
            number = number / 100
            if number.denominator > BOUND:
                raise self.error("percentage out of range")
        return Expr("number", number)

    def name(self, depth: int) -> Expr:
        start, text = self.position, self.text
        while self.position < len(text) and (
            (text[self.position].isascii() and text[self.position].isalnum())
            or text[self.position] in "_-."
        ):
            if text[self.position] == "-":
                following = text[self.position + 1 : self.position + 2]
                if not (following.isascii() and (following.isalpha() or following == "_")):
                    break
            self.position += 1
        name = text[start : self.position]
        if name in ("min", "max", "round"):
            if not self.eat("("):
                raise self.error('expected "("')
            args = [self.expr(depth + 1)]
            while self.eat(","):
                args.append(self.expr(depth + 1))
            if not self.eat(")"):
                raise self.error('expected "," or ")"')
            if name == "round":
                if len(args) == 1:
                    return Expr("round", 0, (args[0],))
                second = args[1] if len(args) == 2 else None
                if (
                    second is not None
                    and second.kind == "number"
                    and second.value.denominator == 1
                    and 0 <= second.value <= 6
                ):
                    return Expr("round", int(second.value), (args[0],))
                raise self.error("round's second argument is 0..6")
            if len(args) < 2:
                raise self.error(f"{name} needs at least two arguments")
            return Expr(name, args=tuple(args))
        if name in SUBJECTS or (
            name.startswith("customer.attributes.")
            and all(name[len("customer.attributes.") :].split("."))
        ):
            return Expr("subject", name)
        raise self.error(f'unknown subject "{name}"')


@dataclass
class Formula:
    root: Expr
    per_item: bool


def _uses_item(expr: Expr) -> bool:
    if expr.kind == "subject":
        return expr.value in PER_ITEM
    return any(_uses_item(arg) for arg in expr.args)


def compile_formula(text: str, path: str) -> Formula:
    if not text.strip():
        raise CompileError(path, "a formula is required")
    if len(text) > MAX_CHARS:
        raise CompileError(path, "too long")
    parser = _Parser(text, path)
    root = parser.expr(1)
    if parser.peek() is not None:
        raise parser.error("unexpected text after the formula")
    return Formula(root, _uses_item(root))


@dataclass
class FormulaInput:
    facts: OrderFacts
    matching: list[int]
    line: int | None
    exponent: int


def _subject(name: str, given: FormulaInput) -> Fraction:
    facts = given.facts

    def money(minor: int) -> Fraction:
        return bounded(Fraction(minor, 10**given.exponent))

    def integer(value: int) -> Fraction:
        return bounded(Fraction(value))

    if name.startswith("customer.attributes."):
        value = lookup(facts.attributes, name[len("customer.attributes.") :])
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise FormulaError("not a number")
        number = exact(value)
        if number is None:
            raise FormulaError("out of range")
        return bounded(number)
    aggregates = None
    if facts.profile is not None and facts.profile.HasField("aggregates"):
        aggregates = facts.profile.aggregates
    line = given.line
    readers = {
        "order.amount": lambda: money(facts.running_amount),
        "order.initial_amount": lambda: money(facts.initial_amount),
        "order.items_count": lambda: integer(len(facts.order.items)),
        "order.total_quantity": lambda: integer(facts.total_quantity),
        "order.shipping_amount": lambda: money(facts.order.shipping_amount),
        "items.amount": lambda: money(sum(facts.running[i] for i in given.matching)),
        "items.quantity": lambda: integer(
            sum(facts.order.items[i].quantity for i in given.matching)
        ),
        "items.count": lambda: integer(len(given.matching)),
        "item.price": lambda: money(facts.order.items[line].unit_price),
        "item.quantity": lambda: integer(facts.order.items[line].quantity),
        "item.amount": lambda: money(facts.running[line]),
    }
    if name in readers:
        return readers[name]()
    if aggregates is None:
        raise FormulaError("not a number")
    if name == "customer.aggregates.orders_count":
        return integer(aggregates.orders_count)
    return money(aggregates.total_spent)


def evaluate(expr: Expr, given: FormulaInput) -> Fraction:
    kind = expr.kind
    if kind == "number":
        return expr.value
    if kind == "subject":
        return _subject(expr.value, given)
    if kind == "neg":
        return bounded(-evaluate(expr.args[0], given))
    if kind in ("+", "-", "*", "/"):
        left, right = evaluate(expr.args[0], given), evaluate(expr.args[1], given)
        if kind == "/" and right == 0:
            raise FormulaError("division by zero")
        result = {"+": lambda: left + right, "-": lambda: left - right}.get(kind)
        if result is not None:
            return bounded(result())
        return bounded(left * right if kind == "*" else left / right)
    if kind in ("min", "max"):
        values = [evaluate(arg, given) for arg in expr.args]
        best = values[0]
        for value in values[1:]:
            if (value < best) if kind == "min" else (best < value):
                best = value
        return best
    scale = 10**expr.value
    value = evaluate(expr.args[0], given)
    return bounded(
        Fraction(
            (2 * value.numerator * scale + value.denominator) // (2 * value.denominator), scale
        )
    )


def to_minor(value: Fraction, exponent: int) -> int:
    """Major units to minor units, rounded half up."""
    return (2 * value.numerator * 10**exponent + value.denominator) // (2 * value.denominator)
