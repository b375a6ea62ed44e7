"""Operators: the compiled test of a leaf and its outcome on a value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oracle.temporal import age_ms, day_of, local_minute, weekday_of_day
from oracle.values import (
    Actual,
    Scalar,
    as_scalar,
    as_temporal,
    compare_scalars,
    list_elements,
)

HOLDS, FAILS, MISMATCH = "holds", "fails", "mismatch"

ACCEPTS = {
    "eq": lambda c: c == 0,
    "ne": lambda c: c != 0,
    "lt": lambda c: c < 0,
    "lte": lambda c: c <= 0,
    "gt": lambda c: c > 0,
    "gte": lambda c: c >= 0,
}


@dataclass(frozen=True)
class Test:
    """``op`` as written; ``operand`` typed at compile time: a Scalar (comparisons, contains),
    a list of Scalars (in, not_in, contains_any, contains_all), a (low, high) pair (between), a
    string (starts_with, ends_with), a bool (exists), a Temporal (before, after), milliseconds
    (within_last, more_than_ago), a set of ISO days (day_of_week), a (start, end) pair of
    minutes (time_of_day)."""

    op: str
    operand: Any


@dataclass(frozen=True)
class Env:
    time_zone: str
    now_ms: int


def _bool(holds: bool) -> str:
    return HOLDS if holds else FAILS


def _equal(a: Scalar | None, b: Scalar, time_zone: str) -> bool:
    return a is not None and compare_scalars(a, b, time_zone) == 0


def apply(test: Test, actual: Actual, env: Env) -> str:
    op, operand = test.op, test.operand
    if op == "exists":
        return _bool((actual.kind != "absent") == operand)
    if actual.kind == "absent":
        return FAILS
    zone = env.time_zone
    if op in ACCEPTS:
        value = as_scalar(actual)
        ordering = None if value is None else compare_scalars(value, operand, zone)
        return MISMATCH if ordering is None else _bool(ACCEPTS[op](ordering))
    if op in ("in", "not_in"):
        value = as_scalar(actual)
        if value is None or value.kind != operand[0].kind:
            return MISMATCH
        found = any(_equal(value, literal, zone) for literal in operand)
        return _bool(found != (op == "not_in"))
    if op in ("contains", "contains_any", "contains_all"):
        elements = list_elements(actual)
        if elements is None:
            return MISMATCH
        wanted = [operand] if op == "contains" else operand
        held = [any(_equal(e, literal, zone) for e in elements) for literal in wanted]
        return _bool(all(held) if op == "contains_all" else any(held))
    if op in ("starts_with", "ends_with"):
        if actual.kind == "string" or (actual.kind == "json" and isinstance(actual.value, str)):
            text = actual.value
            return _bool(
                text.startswith(operand) if op == "starts_with" else text.endswith(operand)
            )
        return MISMATCH
    if op == "between":
        low, high = operand
        if low.kind == "temporal":
            temporal = as_temporal(actual)
            value = None if temporal is None else Scalar("temporal", temporal)
        else:
            value = as_scalar(actual)
        if value is None:
            return MISMATCH
        from_low, from_high = compare_scalars(value, low, zone), compare_scalars(value, high, zone)
        if from_low is None or from_high is None:
            return MISMATCH
        return _bool(from_low >= 0 and from_high <= 0)
    temporal = as_temporal(actual)
    if temporal is None:
        return MISMATCH
    if op in ("before", "after"):
        ordering = compare_scalars(Scalar("temporal", temporal), Scalar("temporal", operand), zone)
        return _bool(ordering == (-1 if op == "before" else 1))
    if op in ("within_last", "more_than_ago"):
        age = age_ms(temporal, env.now_ms, zone)
        return _bool(0 <= age <= operand if op == "within_last" else age > operand)
    if op == "day_of_week":
        return _bool(weekday_of_day(day_of(temporal, zone)) in operand)
    if op == "time_of_day":
        if temporal.is_date:
            return MISMATCH
        start, end = operand
        minute = local_minute(temporal.value, zone)
        return _bool(start <= minute < end if start < end else minute >= start or minute < end)
    raise AssertionError(f"unknown operator {op}")
