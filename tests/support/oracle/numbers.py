"""Exact numbers of rules: a JSON number is an exact decimal m / 10^s with |m| < 10^20 and at
most 18 decimals (trailing zeros removed); anything else is unsupported (None)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

MANTISSA_BOUND = 10**20
MAX_SCALE = 18


def exact(value: int | Decimal) -> Fraction | None:
    """The exact value of a JSON number parsed with ``parse_float=Decimal``; None when
    unsupported."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value) if abs(value) < MANTISSA_BOUND else None
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return None
    mantissa = int("".join(map(str, digits)) or "0")
    if mantissa == 0:
        return Fraction(0)
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    if exponent >= 0:
        if exponent > 20:
            return None
        mantissa *= 10**exponent
        scale = 0
    else:
        scale = -exponent
    if scale > MAX_SCALE or mantissa >= MANTISSA_BOUND:
        return None
    return Fraction(-mantissa if sign else mantissa, 10**scale)


def is_integer_literal(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
