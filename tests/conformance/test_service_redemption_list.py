"""tests/test_redemption_list.py, unchanged, against a server on each store backend."""

from test_redemption_list import *  # noqa: F403

from store_backends import *  # noqa: F403  (the backend-parametrized fixtures)
