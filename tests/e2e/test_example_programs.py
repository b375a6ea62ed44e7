"""examples/loyalty_giftcards_referral.py passes against a fresh server, which stays consistent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import ServerProcess, check_report

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "loyalty_giftcards_referral.py"


def test_the_tour_passes_against_a_fresh_server(tmp_path):
    with ServerProcess(tmp_path / "data", workers=1) as running:
        result = subprocess.run(
            [sys.executable, str(EXAMPLE), "--target", running.target],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "every amount matched" in result.stdout
        assert " BAD " not in result.stdout
        status, report = check_report(running.data_dir)
    assert (status, report["problems"]) == (0, [])
