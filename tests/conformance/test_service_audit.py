"""tests/test_audit.py, unchanged, against a server on each store backend."""

from test_audit import *  # noqa: F403

from store_backends import *  # noqa: F403  (the backend-parametrized fixtures)
