"""`make fuzz-short`: a bounded fuzzing campaign of the engine and of a live server.

1. The engine: `fuzz_engine` (rust/engine/examples) — ENGINE_EXECS seeded mutations of the
   fixture cases through compile, evaluate and Qualify.
2. The server: tests/support/fuzz_requests.py — REQUEST_EXECS mutated request messages against
   a live `promocore serve`, then a health check and a real checkout.

The last line printed is one JSON object: engine_execs, request_execs, crashes, hangs,
server_healthy (and each side's details). Exit status 0 only when both sides are clean.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
ENGINE_EXECS = int(os.environ.get("ENGINE_EXECS", 1_000_000))
REQUEST_EXECS = int(os.environ.get("REQUEST_EXECS", 100_000))
SEED = int(os.environ.get("FUZZ_SEED", 8))


def last_json(output: str) -> dict:
    return orjson.loads(output.strip().splitlines()[-1])


def main() -> int:
    engine_run = subprocess.run(
        [
            "cargo", "run", "--quiet", "--release", "-p", "promocore-engine",
            "--example", "fuzz_engine", "--", str(ENGINE_EXECS), str(SEED),
        ],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    sys.stderr.write(engine_run.stderr[-4000:])
    engine = last_json(engine_run.stdout)
    print("engine:", orjson.dumps(engine).decode(), flush=True)
    request_run = subprocess.run(
        [sys.executable, ROOT / "tests/support/fuzz_requests.py", str(REQUEST_EXECS), str(SEED)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    sys.stderr.write(request_run.stderr[-4000:])
    requests = last_json(request_run.stdout)
    print("requests:", orjson.dumps(requests).decode(), flush=True)
    summary = {
        "engine_execs": engine["engine_execs"],
        "request_execs": requests["request_execs"],
        "crashes": engine["crashes"] + requests["crashes"],
        "hangs": engine["hangs"] + requests["hangs"],
        "server_healthy": requests["server_healthy"],
        "engine": engine,
        "requests": requests,
    }
    print(orjson.dumps(summary).decode())
    clean = summary["crashes"] == 0 and summary["hangs"] == 0 and summary["server_healthy"]
    return 0 if clean and engine_run.returncode == 0 and request_run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
