"""How the suite shares the machine's cores: `make test` runs pytest on pytest-xdist workers
(`--dist loadgroup`, tests/README.md); tests of one `xdist_group` run on one worker, one after
another."""

from __future__ import annotations

import pytest

# The mark of a module whose tests are bound by the wall clock (deadlines, kill -9s and restarts,
# waits timed against a bound): their group runs on one worker, so no two of them run beside each
# other.
WALL_CLOCK_BOUND = pytest.mark.xdist_group("wall_clock")
