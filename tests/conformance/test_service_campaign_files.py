"""tests/test_campaign_files.py, unchanged, against a server on each store backend."""

from test_campaign_files import *  # noqa: F403

from store_backends import *  # noqa: F403  (the backend-parametrized fixtures)
