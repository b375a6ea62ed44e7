"""Validation of the caller's order, customer and redeemables (field paths as the engine's)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from promocore.v1 import checkout_pb2, common_pb2

from oracle.campaign import parse_json
from oracle.errors import CompileError, InvalidRequestError

MAX_ITEMS, MAX_SKU_CHARS, MAX_QUANTITY, MAX_REDEEMABLES, MAX_CODE_CHARS = (
    1000,
    128,
    1_000_000,
    30,
    64,
)
I64_MAX = 2**63 - 1


@dataclass
class Checkout:
    order: common_pb2.Order
    customer_id: str | None
    attributes: dict[str, Any] | None
    order_metadata: dict[str, Any] | None
    item_metadata: list[dict[str, Any] | None]
    redeemables: list[checkout_pb2.Redeemable]
    line_amounts: list[int]
    items_amount: int
    total_quantity: int
    amount: int
    mode: int
    include_promotions: bool
    explain_promotions: bool


def json_object(text: str, field: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    try:
        value = parse_json(text, field)
    except CompileError as error:
        raise InvalidRequestError(field, error.reason) from None
    if not isinstance(value, dict):
        raise InvalidRequestError(field, "must be a JSON object")
    return value


def validate(order, customer, redeemables, options) -> Checkout:
    if order is None:
        raise InvalidRequestError("order", "an order is required")
    if not re.fullmatch(r"[A-Z]{3}", order.currency):
        raise InvalidRequestError("order.currency", "3 uppercase letters")
    if not 1 <= len(order.items) <= MAX_ITEMS:
        raise InvalidRequestError("order.items", f"an order has 1..{MAX_ITEMS} items")
    lines, metadata = [], []
    for index, item in enumerate(order.items):
        field = f"order.items[{index}]"
        if not 1 <= len(item.sku) <= MAX_SKU_CHARS:
            raise InvalidRequestError(f"{field}.sku", "1..128 characters")
        if item.unit_price < 0:
            raise InvalidRequestError(f"{field}.unit_price", "must be >= 0")
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise InvalidRequestError(f"{field}.quantity", "must be 1..1000000")
        metadata.append(json_object(item.metadata_json, f"{field}.metadata_json"))
        lines.append(item.unit_price * item.quantity)
        if lines[-1] > I64_MAX or sum(lines) > I64_MAX:
            raise InvalidRequestError("order.items", "the order's amounts overflow 64 bits")
    if order.shipping_amount < 0:
        raise InvalidRequestError("order.shipping_amount", "must be >= 0")
    if sum(lines) + order.shipping_amount > I64_MAX:
        raise InvalidRequestError("order.shipping_amount", "overflows 64 bits")
    order_metadata = json_object(order.metadata_json, "order.metadata_json")
    attributes = None
    if customer is not None:
        attributes = json_object(customer.attributes_json, "customer.attributes_json")
    if len(redeemables) > MAX_REDEEMABLES:
        raise InvalidRequestError("redeemables", "at most 30")
    for index, redeemable in enumerate(redeemables):
        path = f"redeemables[{index}]"
        target = redeemable.WhichOneof("target")
        if target is None:
            raise InvalidRequestError(path, "a redeemable needs a code or a promotion_id")
        text = getattr(redeemable, target)
        if not 1 <= len(text) <= MAX_CODE_CHARS or any(
            ord(c) < 32 or 127 <= ord(c) < 160 for c in text
        ):
            raise InvalidRequestError(f"{path}.{target}", "1..64 characters, no control characters")
        if redeemable.HasField("amount") and redeemable.amount < 0:
            raise InvalidRequestError(f"{path}.amount", "must be >= 0")
        if redeemable.HasField("points") and redeemable.points < 0:
            raise InvalidRequestError(f"{path}.points", "must be >= 0")
    mode = options.mode if options is not None else 0
    if mode not in (0, 1, 2):
        raise InvalidRequestError("options.mode", f"unknown application mode {mode}")
    return Checkout(
        order=order,
        customer_id=(customer.id or None) if customer is not None else None,
        attributes=attributes,
        order_metadata=order_metadata,
        item_metadata=metadata,
        redeemables=list(redeemables),
        line_amounts=lines,
        items_amount=sum(lines),
        total_quantity=sum(item.quantity for item in order.items),
        amount=sum(lines) + order.shipping_amount,
        mode=mode,
        include_promotions=options.include_promotions if options is not None else False,
        explain_promotions=options.explain_promotions if options is not None else False,
    )


def merged_attributes(profile, request: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored attributes with the request's merged over them (null removes a key)."""
    from oracle.errors import ContextError

    stored_text = profile.attributes_json if profile is not None else ""
    if not stored_text.strip():
        return request
    try:
        stored = parse_json(stored_text, "customer.attributes_json")
    except CompileError:
        raise ContextError("customer.attributes_json must be a JSON object") from None
    if not isinstance(stored, dict):
        raise ContextError("customer.attributes_json must be a JSON object")
    merged = dict(stored)
    for key, value in (request or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
