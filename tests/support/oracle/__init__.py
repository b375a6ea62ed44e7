"""A small, readable pure-Python evaluator of promocore's rule, effect and stacking semantics.

It exists to be an oracle: the property-based tests in tests/engine require the Rust engine and
this package to agree exactly on generated campaigns, carts, customers and contexts (statuses,
reasons, amounts, allocations, added items, totals, the failing leaf of explanations and the
near-miss distances). It never calls the engine, and it favours plain code over speed. Human
messages are the engine's business and are left empty here.

Entry points mirror ``promocore._engine``:

- :func:`compile_campaign` (bytes of a ``promocore.v1.Campaign``) -> :class:`Campaign`;
- :func:`evaluate_checkout` (request bytes, ``EvaluationContext`` bytes, campaigns) -> bytes of
  a ``promocore.v1.ValidateResponse``;
- :func:`qualify` (campaigns, ``QualifyRequest`` bytes, ``QualifyContext`` bytes) -> bytes of a
  ``promocore.v1.QualifyResponse``, by brute force over every campaign (no index).
"""

from oracle.campaign import Campaign, compile_campaign
from oracle.checkout import evaluate_checkout
from oracle.errors import CompileError, ContextError, InvalidRequestError
from oracle.qualify import qualify

__all__ = [
    "Campaign",
    "CompileError",
    "ContextError",
    "InvalidRequestError",
    "compile_campaign",
    "evaluate_checkout",
    "qualify",
]
