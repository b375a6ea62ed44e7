"""docs/backtest.md's worked example, run as written against a fresh demo server (as the README
tour is: each `#   ` line is what the command prints), and the demo orders file it reads is
what its generator writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_readme import _blocks, _commands, _matches, _section

from promocore.manage.demo_orders import demo_orders_jsonl
from promocore.server.grpc_server import ServerOptions, start_server

from support import TEST_ADMIN_KEY

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "backtest.md"


def test_the_demo_orders_file_is_what_its_generator_writes():
    written = (REPO / "examples" / "backtest" / "demo-orders.jsonl").read_bytes()
    assert written == demo_orders_jsonl()
    assert written.count(b"\n") == 1_500


@pytest.fixture
def demo_server(tmp_path):
    running = start_server(
        tmp_path / "data", "127.0.0.1:0", options=ServerOptions(load_demo_if_empty=True)
    )
    try:
        yield running
    finally:
        running.stop(grace=None)


def test_the_worked_example_runs_as_written(demo_server, tmp_path):
    example = _section(DOC.read_text(), "## Worked example")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PROMOCORE_TARGET": f"127.0.0.1:{demo_server.port}",
        "PROMOCORE_API_KEY": TEST_ADMIN_KEY,
    }
    checked = 0
    for language, block in _blocks(example):
        if language != "sh":
            continue
        for command in _commands(block):
            # The commands name the repository's files; what they write goes to tmp_path.
            text = command.text.replace("examples/", f"{REPO}/examples/")
            result = subprocess.run(
                ["bash", "-c", text], cwd=tmp_path, env=env, capture_output=True, text=True
            )
            assert result.returncode == 0, f"{text}\n{result.stderr}"
            if command.expected:
                actual = result.stdout.splitlines()
                assert len(actual) == len(command.expected) and all(
                    _matches(want, got) for want, got in zip(command.expected, actual, strict=True)
                ), f"{text}\nthe doc shows:\n" + "\n".join(command.expected) + "\n" + result.stdout
                checked += 1
    assert checked == 3
