"""tests/test_reservations.py, unchanged, against a server on each store backend."""

from test_reservations import *  # noqa: F403

from store_backends import *  # noqa: F403  (the backend-parametrized fixtures)
