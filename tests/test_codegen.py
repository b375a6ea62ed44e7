"""Code patterns: shape, randomness source, and the unguessability guard."""

from __future__ import annotations

import pytest

from promocore import InvalidArgumentError
from promocore.codegen import CHARSET_PRESETS, CodePattern
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
