"""examples/segments_events_wallet.py passes against a fresh server, which stays consistent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import ServerProcess, check_report

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "segments_events_wallet.py"


def test_the_tour_passes_against_a_fresh_server_twice(tmp_path):
    with ServerProcess(tmp_path / "data", workers=2) as running:
        for _ in range(2):  # ids carry a random suffix: a second run passes too
            result = subprocess.run(
                [sys.executable, str(EXAMPLE), "--target", running.target],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            assert "every answer matched" in result.stdout
            assert " BAD " not in result.stdout
        status, report = check_report(running.data_dir)
    assert (status, report["problems"]) == (0, [])
