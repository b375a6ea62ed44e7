"""Rule JSON -> a tree of nodes, type-checked once, evaluated many times. Compile errors carry
the JSON path of the offending node or field (``rules.all[2].any[0].op``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from oracle.errors import CompileError
from oracle.numbers import exact
from oracle.operators import HOLDS, Env, Test, apply
from oracle.subjects import Subject, item_subject, order_subject
from oracle.temporal import parse_clock, parse_duration, parse_temporal
from oracle.values import Scalar

MAX_DEPTH = 32
LEAF_KEYS = ("subject", "op", "value", "message", "filter")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPERATORS = [
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "in",
    "not_in",
    "contains",
    "contains_any",
    "contains_all",
    "starts_with",
    "ends_with",
    "exists",
    "between",
    "before",
    "after",
    "within_last",
    "more_than_ago",
    "day_of_week",
    "time_of_day",
]
I64 = (-(2**63), 2**63 - 1)


@dataclass
class Node:
    """kind: "all", "any", "not" (children) or "leaf" (subject and test)."""

    path: str
    kind: str
    children: list[Node] = field(default_factory=list)
    subject: Subject | None = None
    test: Test | None = None

    def holds(self, facts: Any) -> bool:
        if self.kind == "all":
            return all(child.holds(facts) for child in self.children)
        if self.kind == "any":
            return any(child.holds(facts) for child in self.children)
        if self.kind == "not":
            return not self.children[0].holds(facts)
        assert self.subject is not None and self.test is not None
        return apply(self.test, self.subject.resolve(facts), facts.env) == HOLDS


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def compile_node(json: Any, path: str, depth: int, scope: str) -> Node:
    """scope: "order" (campaign rules) or "item" (filters)."""
    if depth > MAX_DEPTH:
        raise CompileError(path, f"rules are nested more than {MAX_DEPTH} levels deep")
    if not isinstance(json, dict):
        raise CompileError(path, "expected an object")
    boolean_keys = [key for key in ("all", "any", "not") if key in json]
    if not boolean_keys:
        if not json:
            raise CompileError(path, "empty rule")
        return _compile_leaf(json, path, depth, scope)
    if len(boolean_keys) > 1:
        raise CompileError(path, "a node has exactly one of all, any and not")
    key = boolean_keys[0]
    others = sorted(other for other in json if other != key)
    if others:
        raise CompileError(f"{path}.{others[0]}", f'unknown key "{others[0]}"')
    if key == "not":
        return Node(path, "not", [compile_node(json["not"], f"{path}.not", depth + 1, scope)])
    children = json[key]
    if not isinstance(children, list) or not children:
        raise CompileError(f"{path}.{key}", f'"{key}" needs a non-empty list of rules')
    return Node(
        path,
        key,
        [
            compile_node(child, f"{path}.{key}[{index}]", depth + 1, scope)
            for index, child in enumerate(children)
        ],
    )


def _required_string(json: dict, path: str, key: str) -> str:
    value = json.get(key)
    if not isinstance(value, str) or not value:
        raise CompileError(f"{path}.{key}", f'"{key}" must be a non-empty string')
    return value


def _compile_leaf(json: dict, path: str, depth: int, scope: str) -> Node:
    unknown = sorted(key for key in json if key not in LEAF_KEYS)
    if unknown:
        raise CompileError(f"{path}.{unknown[0]}", f'unknown key "{unknown[0]}"')
    name = _required_string(json, path, "subject")
    if scope == "item":
        if "filter" in json:
            raise CompileError(f"{path}.filter", "item filters cannot be nested")
        subject = item_subject(name, path)
    else:
        aggregate = name in ("items.quantity", "items.amount", "items.count")
        if "filter" in json and not aggregate:
            raise CompileError(f"{path}.filter", "filter is only allowed on item aggregates")
        item_filter = None
        if "filter" in json:
            item_filter = ItemRule(
                compile_node(json["filter"], f"{path}.filter", depth + 1, "item")
            )
        subject = order_subject(name, path, item_filter)
    op = _required_string(json, path, "op")
    if op not in OPERATORS:
        raise CompileError(f"{path}.op", f'unknown operator "{op}"')
    if "value" not in json:
        raise CompileError(f"{path}.value", '"value" is required')
    test = _compile_test(op, subject.value_type, json["value"], path)
    message = json.get("message")
    if message is not None and not isinstance(message, str):
        raise CompileError(f"{path}.message", '"message" must be a string')
    return Node(path, "leaf", subject=subject, test=Test(op, test))


@dataclass
class ItemRule:
    root: Node

    def holds(self, item_facts: Any) -> bool:
        return self.root.holds(item_facts)


def _temporal_literal(value: Any, path: str) -> Scalar:
    parsed = parse_temporal(value) if isinstance(value, str) else None
    if parsed is None:
        raise CompileError(path, "expected a date or a date and time")
    return Scalar("temporal", parsed)


def _dynamic_literal(value: Any, path: str) -> Scalar:
    if isinstance(value, bool):
        return Scalar("boolean", value)
    if isinstance(value, int | Decimal):
        number = exact(value)
        if number is None:
            raise CompileError(path, "number out of range")
        return Scalar("number", number)
    if isinstance(value, str):
        return Scalar("string", value)
    raise CompileError(path, "expected a string, number or boolean")


def _scalar_literal(value_type: str, value: Any, path: str) -> Scalar:
    if value_type == "integer":
        if _is_int(value) and I64[0] <= value <= I64[1]:
            return Scalar("number", exact(value))
        raise CompileError(path, "expected an integer")
    if value_type == "string":
        if isinstance(value, str):
            return Scalar("string", value)
        raise CompileError(path, "expected a string")
    if value_type in ("instant", "date"):
        return _temporal_literal(value, path)
    if value_type == "strings":
        raise CompileError(path, "a list cannot be compared")
    return _dynamic_literal(value, path)


def _element_literal(value_type: str, value: Any, path: str) -> Scalar:
    if value_type == "strings":
        if isinstance(value, str):
            return Scalar("string", value)
        raise CompileError(path, "expected a string")
    return _dynamic_literal(value, path)


def _literal_list(value: Any, value_path: str, element) -> list[Scalar]:
    if not isinstance(value, list) or not value:
        raise CompileError(value_path, "needs a non-empty list")
    literals: list[Scalar] = []
    for index, item in enumerate(value):
        literal = element(item, f"{value_path}[{index}]")
        if literals and literal.kind != literals[0].kind:
            raise CompileError(f"{value_path}[{index}]", "values must all be of one type")
        literals.append(literal)
    return literals


def _compile_test(op: str, value_type: str, value: Any, leaf_path: str) -> Any:
    op_path, value_path = f"{leaf_path}.op", f"{leaf_path}.value"

    def require(*types: str) -> None:
        if value_type not in types:
            raise CompileError(op_path, f"{op} does not apply to {value_type}")

    temporal_types = ("instant", "date", "dynamic")
    if op in ("eq", "ne", "lt", "lte", "gt", "gte"):
        if value_type == "strings":
            raise CompileError(op_path, "cannot compare a list")
        ordering = op not in ("eq", "ne")
        if ordering:
            require("integer", "instant", "date", "dynamic")
        literal = _scalar_literal(value_type, value, value_path)
        if ordering and value_type == "dynamic" and literal.kind != "number":
            raise CompileError(value_path, f"{op} needs a number")
        return literal
    if op in ("in", "not_in"):
        if value_type == "strings":
            raise CompileError(op_path, "cannot test a list")
        return _literal_list(
            value, value_path, lambda item, path: _scalar_literal(value_type, item, path)
        )
    if op == "contains":
        require("strings", "dynamic")
        return _element_literal(value_type, value, value_path)
    if op in ("contains_any", "contains_all"):
        require("strings", "dynamic")
        return _literal_list(
            value, value_path, lambda item, path: _element_literal(value_type, item, path)
        )
    if op in ("starts_with", "ends_with"):
        require("string", "dynamic")
        if not isinstance(value, str):
            raise CompileError(value_path, f"{op} needs a string")
        return value
    if op == "exists":
        if not isinstance(value, bool):
            raise CompileError(value_path, "exists needs true or false")
        return value
    if op == "between":
        require("integer", "instant", "date", "dynamic")
        if not isinstance(value, list) or len(value) != 2:
            raise CompileError(value_path, "between needs a list [low, high]")
        bounds = []
        for index, bound in enumerate(value):
            path = f"{value_path}[{index}]"
            if isinstance(bound, str) and value_type == "dynamic":
                literal = _temporal_literal(bound, path)
            else:
                literal = _scalar_literal(value_type, bound, path)
            if literal.kind not in ("number", "temporal"):
                raise CompileError(path, "between needs numbers or dates")
            bounds.append(literal)
        low, high = bounds
        if low.kind == "number" and high.kind == "number":
            in_order = low.value <= high.value
        elif (
            low.kind == "temporal"
            and high.kind == "temporal"
            and low.value.is_date == high.value.is_date
        ):
            in_order = low.value.value <= high.value.value
        else:
            raise CompileError(f"{value_path}[1]", "both bounds must be of one type")
        if not in_order:
            raise CompileError(f"{value_path}[1]", "the high bound is below the low bound")
        return (low, high)
    if op in ("before", "after"):
        require(*temporal_types)
        return _temporal_literal(value, value_path).value
    if op in ("within_last", "more_than_ago"):
        require(*temporal_types)
        if not isinstance(value, str):
            raise CompileError(value_path, f"{op} needs a string")
        duration = parse_duration(value)
        if duration is None:
            raise CompileError(value_path, "expected a duration")
        return duration
    if op == "day_of_week":
        require(*temporal_types)
        if not isinstance(value, list) or not value:
            raise CompileError(value_path, "needs a non-empty list of days")
        days = set()
        for index, item in enumerate(value):
            if _is_int(item) and 1 <= item <= 7:
                days.add(item)
            elif isinstance(item, str) and item.lower() in DAY_NAMES and item.isascii():
                days.add(DAY_NAMES.index(item.lower()) + 1)
            else:
                raise CompileError(f"{value_path}[{index}]", "a day of week is 1..7 or mon..sun")
        return frozenset(days)
    if op == "time_of_day":
        require("instant", "dynamic")
        if not isinstance(value, list) or len(value) != 2:
            raise CompileError(value_path, 'time_of_day needs ["HH:MM", "HH:MM"]')
        clocks = []
        for index in (0, 1):
            clock = parse_clock(value[index], index == 1)
            if clock is None:
                raise CompileError(f"{value_path}[{index}]", "expected HH:MM")
            clocks.append(clock)
        if clocks[0] == clocks[1]:
            raise CompileError(f"{value_path}[1]", "the end must differ from the start")
        return tuple(clocks)
    raise AssertionError(op)


def compile_rule(json: Any, root_path: str) -> Node:
    return compile_node(json, root_path, 1, "order")


def compile_item_rule(json: Any, root_path: str) -> ItemRule:
    return ItemRule(compile_node(json, root_path, 1, "item"))


def env_of(time_zone: str, now_ms: int) -> Env:
    return Env(time_zone, now_ms)
