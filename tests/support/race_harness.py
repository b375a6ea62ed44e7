"""Drives a race: many client processes firing Redeems at one instant (tests and `make stress`)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import orjson

RACE_CLIENT = Path(__file__).with_name("race_client.py")
CLIENT_PROCESSES = 8


def race(target: str, requests: list[dict]) -> list[dict]:
    """Runs the requests from CLIENT_PROCESSES processes at one instant; returns the outcomes."""
    start_at = time.time() + 4.0  # time for the client processes to import and connect
    chunks = [requests[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
    processes = [
        subprocess.Popen(
            [sys.executable, str(RACE_CLIENT), target, str(start_at), orjson.dumps(chunk).decode()],
            stdout=subprocess.PIPE,
            text=True,
        )
        for chunk in chunks
    ]
    outcomes = []
    for process in processes:
        stdout, _ = process.communicate(timeout=120)
        if process.returncode != 0:
            raise RuntimeError(f"race client exited with {process.returncode}")
        outcomes.extend(orjson.loads(line) for line in stdout.splitlines())
    if len(outcomes) != len(requests):
        raise RuntimeError(f"{len(requests)} requests, {len(outcomes)} outcomes")
    return outcomes
