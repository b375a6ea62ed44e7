"""Code patterns: shape, randomness source, and the unguessability guard."""

from __future__ import annotations

import pytest

from promocore import InvalidArgumentError
from promocore.store.codegen import CHARSET_PRESETS, CodePattern
from promocore.v1 import campaign_pb2


def pattern(**config) -> CodePattern:
    return CodePattern.from_config(campaign_pb2.CodeConfig(**config), "code_config")


def test_codes_follow_the_pattern_prefix_and_charset():
    generate = pattern(
        pattern="##-##", prefix="X-", postfix="!", charset_preset="numbers"
    ).generator()
    codes = {generate() for _ in range(200)}
    for code in codes:
        assert code.startswith("X-") and code.endswith("!") and len(code) == 8
        assert code[4] == "-"
        assert set(code[2:4] + code[5:7]) <= set(CHARSET_PRESETS["numbers"])
    assert len(codes) > 150  # 10,000 possibilities: 200 draws rarely repeat much


def test_a_pattern_too_small_for_the_count_is_refused_with_a_better_pattern():
    with pytest.raises(InvalidArgumentError) as error:
        pattern(pattern="####").check_unguessable(1000, "count")
    assert error.value.field == "count"
    # 31 characters per '#': 1000 codes need 31**n >= 10,000,000 -> n = 5.
    assert "'#####'" in error.value.description


def test_enough_space_passes():
    pattern(pattern="########").check_unguessable(1_000_000, "count")


def test_unknown_preset_and_repeated_charset_are_refused():
    with pytest.raises(InvalidArgumentError) as unknown:
        pattern(charset_preset="emoji")
    assert unknown.value.field == "code_config.charset_preset"
    with pytest.raises(InvalidArgumentError) as repeated:
        pattern(charset="AAB")
    assert repeated.value.field == "code_config.charset"


def test_shapes_the_engine_cannot_generate_name_the_field():
    with pytest.raises(InvalidArgumentError) as folded:
        pattern(charset="abcA")  # codes are case-insensitive: 'a' and 'A' are one character
    assert folded.value.field == "code_config.charset"
    with pytest.raises(InvalidArgumentError) as non_ascii:
        pattern(prefix="ÉTÉ-")
    assert non_ascii.value.field == "code_config.prefix"
    with pytest.raises(InvalidArgumentError) as too_long:
        pattern(pattern="#" * 60, prefix="LONG-")
    assert too_long.value.field == "code_config.pattern"


def test_lowercase_codes_keep_their_case_and_key_upper_case(client):
    client.create_campaign(
        id="lower",
        name="Lower",
        type="DISCOUNT_COUPONS",
        currency="EUR",
        effect={"amount_off_order": {"amount": 100}},
        code_config={"pattern": "########", "charset_preset": "lowercase", "prefix": "x-"},
    )
    codes = client.generate_codes("lower", 50)
    assert len(set(codes)) == 50
    assert all(code.startswith("x-") and code[2:].islower() for code in codes)
    assert client.get_code(codes[0].upper())["code"] == codes[0]
