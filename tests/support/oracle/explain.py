"""Why a rule fails: the failing node and, for amount or quantity thresholds, the distance to
qualify. For ``all``: the first failing child without a near miss, else the first failing
child; for ``any``: the failing child with the smallest near miss, else the first; for ``not``:
the ``not`` node itself."""

from __future__ import annotations

from dataclasses import dataclass

from oracle.operators import HOLDS, apply
from oracle.rules import Node


@dataclass(frozen=True)
class Failure:
    path: str
    subject: str
    operator: str
    missing: int | None
    unit: str


def _distance(node: Node, actual) -> int | None:
    subject, test = node.subject, node.test
    if subject.measure not in ("amount", "quantity") or actual.kind != "integer":
        return None
    if test.op == "gte":
        threshold, step = test.operand.value, 0
    elif test.op == "gt":
        threshold, step = test.operand.value, 1
    elif test.op == "between":
        threshold, step = test.operand[0].value, 0
    else:
        return None
    missing = int(threshold) - actual.value + step
    return missing if missing > 0 else None


def locate(node: Node, facts) -> Failure | None:
    if node.kind == "leaf":
        actual = node.subject.resolve(facts)
        if apply(node.test, actual, facts.env) == HOLDS:
            return None
        return Failure(
            node.path,
            node.subject.name,
            node.test.op,
            _distance(node, actual),
            "amount" if node.subject.measure == "amount" else "quantity",
        )
    if node.kind == "all":
        first = None
        for child in node.children:
            failure = locate(child, facts)
            if failure is not None:
                if failure.missing is None:
                    return failure
                first = first or failure
        return first
    if node.kind == "any":
        first = closest = None
        for child in node.children:
            failure = locate(child, facts)
            if failure is None:
                return None
            first = first or failure
            if failure.missing is not None and (
                closest is None or failure.missing < closest.missing
            ):
                closest = failure
        return closest or first
    inner = node.children[0]
    if not inner.holds(facts):
        return None
    subject = inner.subject.name if inner.kind == "leaf" else ""
    return Failure(node.path, subject, "not", None, "")
