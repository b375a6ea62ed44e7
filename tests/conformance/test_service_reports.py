"""tests/test_reports.py, unchanged, against a server on each store backend."""

from test_reports import *  # noqa: F403

from store_backends import *  # noqa: F403  (the backend-parametrized fixtures)
