"""The shared engine fixtures (tests/fixtures/engine, format in its README) run through the
Python binding, byte for byte as the server calls it. The Rust test runs the same files, and
test_reference.py runs them through the reference evaluator."""

from __future__ import annotations

import pytest
from fixture_cases import build, cases, check_response, compile_case_campaign

from promocore import _engine
from promocore.v1 import checkout_pb2


@pytest.mark.parametrize("case", cases("compile"))
def test_compile_error(case):
    with pytest.raises(_engine.CompileError) as error:
        _engine.compile_campaign(compile_case_campaign(case))
    assert error.value.path == case["expected_path"]
    assert case["expected_reason_contains"] in error.value.reason


@pytest.mark.parametrize("case", cases("checkout"))
def test_checkout(case):
    built = build(case)
    compiled = [_engine.compile_campaign(c) for c in built.campaigns]
    expected = case["expected"]
    if "request_error" in expected:
        with pytest.raises(_engine.InvalidRequestError) as error:
            _engine.evaluate_checkout(built.request, built.context, compiled)
        assert error.value.field == expected["request_error"]["field"]
        assert expected["request_error"].get("reason_contains", "") in error.value.reason
        return
    answer = checkout_pb2.ValidateResponse.FromString(
        _engine.evaluate_checkout(built.request, built.context, compiled)
    )
    check_response(answer, case, built.lines, with_messages=True)
