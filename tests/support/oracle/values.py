"""Values a rule leaf sees: the subject's actual value, and scalars compared exactly."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from oracle.numbers import exact
from oracle.temporal import Temporal, compare, parse_temporal


@dataclass(frozen=True)
class Actual:
    """kind: "absent", "integer", "string", "strings" (a list of strings), "temporal" or "json"
    (an attribute or metadata value, never None)."""

    kind: str
    value: Any = None


ABSENT = Actual("absent")


@dataclass(frozen=True)
class Scalar:
    """kind: "number" (a Fraction), "string", "boolean" or "temporal"."""

    kind: str
    value: Any


def json_scalar(value: Any) -> Scalar | None:
    if isinstance(value, bool):
        return Scalar("boolean", value)
    if isinstance(value, int | Decimal):
        number = exact(value)
        return None if number is None else Scalar("number", number)
    if isinstance(value, str):
        return Scalar("string", value)
    return None


def as_scalar(actual: Actual) -> Scalar | None:
    if actual.kind == "integer":
        return Scalar("number", Fraction(actual.value))
    if actual.kind == "string":
        return Scalar("string", actual.value)
    if actual.kind == "temporal":
        return Scalar("temporal", actual.value)
    if actual.kind == "json":
        return json_scalar(actual.value)
    return None


def as_temporal(actual: Actual) -> Temporal | None:
    if actual.kind == "temporal":
        return actual.value
    if actual.kind == "json" and isinstance(actual.value, str):
        return parse_temporal(actual.value)
    return None


def list_elements(actual: Actual) -> list[Scalar | None] | None:
    if actual.kind == "strings":
        return [Scalar("string", value) for value in actual.value]
    if actual.kind == "json" and isinstance(actual.value, list):
        return [json_scalar(value) for value in actual.value]
    return None


def compare_scalars(a: Scalar, b: Scalar, time_zone: str) -> int | None:
    """-1, 0, 1, or None across kinds."""
    if a.kind != b.kind:
        return None
    if a.kind == "temporal":
        return compare(a.value, b.value, time_zone)
    return (a.value > b.value) - (a.value < b.value)
