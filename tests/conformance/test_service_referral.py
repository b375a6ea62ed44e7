"""tests/test_referral.py, unchanged, against a server on each store backend."""

from test_referral import *  # noqa: F403

from store_backends import *  # noqa: F403  (the backend-parametrized fixtures)
