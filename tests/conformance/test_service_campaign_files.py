"""tests/client/test_campaign_files.py, unchanged, against a server on each store backend."""

import sys
from pathlib import Path

# tests/client is on the import path only when pytest collects it.
sys.path.insert(0, str(Path(__file__).parents[1] / "client"))

from test_campaign_files import *  # noqa: F403

from store_backends import *  # noqa: F403  (the backend-parametrized fixtures)
