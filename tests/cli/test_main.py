"""The `promocore` command line's own reading of its arguments (cli/main.py's parser, in this
process): what the typed flags turn into, and the words a mistyped one is refused with (exit
status 2, before any server is called)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from promocore.cli.main import build_parser

VALIDATE = ("validate", "--code", "SAVE1")


def parsed(*argv: str):
    return build_parser().parse_args(list(argv))


def refused(capsys, *argv: str) -> str:
    """The parser's error line for `argv`; fails unless it exits with status 2."""
    with pytest.raises(SystemExit) as exit_status:
        parsed(*argv)
    assert exit_status.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "basis_points"),
    [("10", 1000), ("12.5", 1250), ("0.01", 1)],  # percent * 100, no float rounding
)
def test_a_percentage_becomes_exact_basis_points(text, basis_points):
    args = parsed("campaigns", "create", "--name", "Spring", "--percent-off", text)
    assert args.percent_off == basis_points


@pytest.mark.parametrize(
    ("text", "words"),
    [("12.345", "at most two decimals"), ("ten", "expected a percentage such as 10 or 12.5")],
)
def test_a_percentage_that_is_not_basis_points_is_refused(capsys, text, words):
    assert words in refused(capsys, "campaigns", "create", "--name", "X", "--percent-off", text)


def test_an_item_reads_sku_price_quantity_and_categories():
    args = parsed(*VALIDATE, "--item", "MUG:1200:2:cups,gifts", "--item", "TEA:450:1")
    assert args.item == [
        {"sku": "MUG", "unit_price": 1200, "quantity": 2, "categories": ["cups", "gifts"]},
        {"sku": "TEA", "unit_price": 450, "quantity": 1},
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("MUG:1200", "expected SKU:UNIT_PRICE:QUANTITY[:CATEGORIES]"),
        ("MUG:12.00:2", "UNIT_PRICE and QUANTITY must be integers"),  # minor units, not 12.00
    ],
)
def test_a_mistyped_item_is_refused_saying_its_shape(capsys, text, words):
    assert words in refused(capsys, *VALIDATE, "--item", text)


def test_an_attribute_value_is_json_when_it_reads_as_json_and_text_otherwise(capsys):
    args = parsed(*VALIDATE, "--item", "A:1:1", "--attr", "age=42", "--attr", "city=Lyon")
    assert args.attr == [("age", 42), ("city", "Lyon")]
    assert "expected KEY=VALUE" in refused(capsys, *VALIDATE, "--item", "A:1:1", "--attr", "vip")


def test_a_preview_time_keeps_its_offset():
    args = parsed(*VALIDATE, "--item", "A:1:1", "--at", "2026-12-12T23:30:00+09:00")
    assert args.at == datetime(2026, 12, 12, 23, 30, tzinfo=timezone(timedelta(hours=9)))
    # 23:30 in Tokyo is 14:30 UTC.
    assert args.at.astimezone(UTC).hour == 14


@pytest.mark.parametrize("text", ["2026-12-12T23:30:00", "2026-12-12"])
def test_a_preview_time_without_an_offset_or_a_clock_time_is_refused(capsys, text):
    error = refused(capsys, *VALIDATE, "--item", "A:1:1", "--at", text)
    assert "expected an RFC 3339 time with an offset" in error and repr(text) in error


def test_a_rule_that_is_not_json_is_refused(capsys):
    error = refused(capsys, "campaigns", "create", "--name", "X", "--rules", "{subject: 1}")
    assert "--rules" in error and "not JSON" in error
