"""tests/programs/loyalty/test_loyalty.py, unchanged, against a server on each store backend."""

import sys
from pathlib import Path

# tests/programs/loyalty is on the import path only when pytest collects it.
sys.path.insert(0, str(Path(__file__).parents[1] / "programs/loyalty"))

from test_loyalty import *  # noqa: F403

from store_backends import *  # noqa: F403  (the backend-parametrized fixtures)
