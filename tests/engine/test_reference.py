"""The shared engine fixtures run through the pure-Python reference evaluator, so that the
hand-computed cases check the oracle too (human messages are the engine's alone: not checked)."""

from __future__ import annotations

import pytest
from fixture_cases import build, cases, check_response, compile_case_campaign

from promocore.v1 import checkout_pb2

import oracle as reference


@pytest.mark.parametrize("case", cases("compile"))
def test_compile_error(case):
    with pytest.raises(reference.CompileError) as error:
        reference.compile_campaign(compile_case_campaign(case))
    assert error.value.path == case["expected_path"]


@pytest.mark.parametrize("case", cases("checkout"))
def test_checkout(case):
    built = build(case)
    campaigns = [reference.compile_campaign(c) for c in built.campaigns]
    expected = case["expected"]
    if "request_error" in expected:
        with pytest.raises(reference.InvalidRequestError) as error:
            reference.evaluate_checkout(built.request, built.context, campaigns)
        assert error.value.field == expected["request_error"]["field"]
        return
    answer = checkout_pb2.ValidateResponse.FromString(
        reference.evaluate_checkout(built.request, built.context, campaigns)
    )
    check_response(answer, case, built.lines, with_messages=False)
