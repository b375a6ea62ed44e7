"""The README's tour, run as written: its shell and Python blocks in order against a fresh
server started as `make run` starts it, each printed output checked where the README shows one.

What the README shows and how this test reads it:
- In a ```sh block each command (a line ending in `\\` continues it) may be followed by lines
  starting with `#   `: what the command prints, exactly (after those four characters).
- In a ```python block a comment after an expression statement is its value's repr.
- Placeholders are filled in from what the run printed: `pck_...` (the key the server printed
  on its first start), `SUMMER-XXXX-XXXX` (the first code `codes generate` printed); in expected
  output, `...` after an id prefix stands for the id (`rdm_...`). The server's address replaces
  127.0.0.1:50051 (the tour's port may be taken on a test machine).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from promocore import Client, PromocoreError

from support import free_port

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
TOUR_HEADING = "## A five-minute tour"
DEFAULT_TARGET = "127.0.0.1:50051"
OUTPUT_PREFIX = "#   "
# The commands whose documented "no" is exit status 3 (README: exit codes).
MAY_ANSWER_NO = ("promocore validate", "promocore redeem")


@dataclass
class Command:
    text: str
    expected: list[str] = field(default_factory=list)


def _blocks(markdown: str) -> Iterator[tuple[str, str]]:
    for match in re.finditer(r"(?ms)^```(\w+)\n(.*?)^```$", markdown):
        yield match.group(1), match.group(2)


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(heading)
    end = markdown.find("\n## ", start + len(heading))
    return markdown[start : end if end != -1 else None]


def _commands(block: str) -> list[Command]:
    commands: list[Command] = []
    pending = ""
    for line in block.splitlines():
        if pending:
            pending += "\n" + line
            if not line.endswith("\\"):
                commands.append(Command(pending))
                pending = ""
        elif line.startswith(OUTPUT_PREFIX) or line == "#":
            assert commands, f"output shown before any command: {line!r}"
            commands[-1].expected.append(line[len(OUTPUT_PREFIX) :])
        elif not line.strip() or line.startswith("#"):
            continue
        elif line.endswith("\\"):
            pending = line
        else:
            commands.append(Command(line))
    assert not pending, "a command ends with a line continuation"
    return commands


def _matches(expected: str, actual: str) -> bool:
    pattern = re.escape(expected).replace(re.escape("..."), r"[0-9a-f]+")
    return re.fullmatch(pattern, actual) is not None


class Tour:
    """The state the tour builds as it runs: the key, the generated code, the last ids."""

    def __init__(self, target: str, api_key: str) -> None:
        self.target = target
        self.values = {"pck_...": api_key, DEFAULT_TARGET: target}

    def fill(self, text: str) -> str:
        for placeholder, value in self.values.items():
            text = text.replace(placeholder, value)
        return text

    def learn(self, command: str, stdout: str) -> None:
        if "codes generate summer" in command:
            self.values["SUMMER-XXXX-XXXX"] = stdout.split()[0]
        redemption = re.search(r"redemption: (rdm_[0-9a-f]+)", stdout)
        if redemption:
            self.values["rdm_..."] = redemption.group(1)


def _start_like_make_run(tmp_path: Path) -> tuple[subprocess.Popen, str, Path]:
    """The server command of `make run` (read with make -n, so the flags are the Makefile's),
    on free ports, with its data in tmp_path."""
    target = f"127.0.0.1:{free_port()}"
    planned = subprocess.run(
        [
            *("make", "-n", "--no-print-directory", "run"),
            f"LISTEN={target}",
            f"DATA_DIR={tmp_path / 'var'}",
            f"METRICS_LISTEN=127.0.0.1:{free_port()}",
            f"HTTP_LISTEN=127.0.0.1:{free_port()}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    (serve,) = [line for line in planned.stdout.splitlines() if " serve " in line]
    assert serve.startswith(".venv/bin/promocore serve "), serve
    output = tmp_path / "server.out"
    env = {k: v for k, v in os.environ.items() if k != "PROMOCORE_BOOTSTRAP_ADMIN_KEY"}
    with output.open("wb") as out:
        server = subprocess.Popen(
            ["bash", "-c", f"exec {serve}"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return server, target, output


def _wait_for_key(server: subprocess.Popen, target: str, output: Path) -> str:
    """The admin key the server printed on its first start, once it serves."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, output.read_text()
        printed = re.search(r"bootstrap admin key \(shown once.*\n\s+(pck_\S+)", output.read_text())
        if printed:
            try:
                with Client(target, api_key=printed.group(1), timeout=1) as client:
                    client.list_campaigns()
                return printed.group(1)
            except PromocoreError:
                pass
        time.sleep(0.1)
    raise AssertionError(f"no key printed or no answer: {output.read_text()[-2000:]}")


def test_the_setup_is_make_run_and_make_test():
    setup = _section(README.read_text(), "## Set-up on a fresh machine")
    shell = [block for language, block in _blocks(setup) if language == "sh"]
    assert [command.text.split("#")[0].strip() for command in _commands(shell[0])] == [
        "make run",
        "make test",
    ]
    assert len(shell) == 1


def test_make_help_is_listed_completely():
    listed = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=REPO, capture_output=True, text=True
    )
    plain = listed.stdout
    assert "\x1b" not in plain  # piped: no colour codes
    setup = _section(README.read_text(), "## Set-up on a fresh machine")
    assert plain in [block for language, block in _blocks(setup) if language == "text"]


def test_no_link_leaves_the_repository():
    for document in [README, *sorted((REPO / "docs").rglob("*.md"))]:
        prose = re.sub(r"(?ms)^```.*?^```$|`[^`\n]*`", "", document.read_text())
        for target in re.findall(r"\]\(([^)\s]+)\)", prose):
            if target.startswith(("http://", "https://", "#")):
                continue
            linked = (document.parent / target.split("#")[0]).resolve()
            assert linked.is_relative_to(REPO), f"{document.name} links outside: {target}"
            assert linked.exists(), f"{document.name} links to a missing file: {target}"


def test_the_tour_runs_as_written(tmp_path):
    tour_text = _section(README.read_text(), TOUR_HEADING)
    server, target, output = _start_like_make_run(tmp_path)
    try:
        tour = Tour(target, _wait_for_key(server, target, output))
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PROMOCORE_TARGET": target,
        }
        env.pop("PROMOCORE_API_KEY", None)
        namespace: dict = {}
        ran = checked = 0
        for language, block in _blocks(tour_text):
            if language == "sh":
                for command in _commands(block):
                    _run_shell(command, tour, env, tmp_path)
                    ran += 1
                    checked += bool(command.expected)
            elif language == "python":
                _run_python(tour.fill(block), namespace)
                ran += 1
        # A tour cut short by a parsing slip would pass unnoticed without these.
        assert ran >= 15 and checked >= 8 and "paid" in namespace
    finally:
        server.terminate()
        server.wait(timeout=30)


def _run_shell(command: Command, tour: Tour, env: dict, cwd: Path) -> None:
    text = tour.fill(command.text)
    assignment = re.fullmatch(r"(export )?(\w+)=(\S+)(\s+#.*)?", text)
    if assignment:  # the tour sets a variable for the commands after it
        env[assignment.group(2)] = assignment.group(3)
        return
    result = subprocess.run(
        ["bash", "-c", text], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    allowed = (0, 3) if text.startswith(MAY_ANSWER_NO) else (0,)
    assert result.returncode in allowed, f"{text}\nexit {result.returncode}: {result.stderr}"
    tour.learn(text, result.stdout)
    if command.expected:
        expected = [tour.fill(line) for line in command.expected]
        actual = result.stdout.splitlines()
        assert len(actual) == len(expected) and all(
            _matches(want, got) for want, got in zip(expected, actual, strict=True)
        ), f"{text}\nREADME shows:\n" + "\n".join(expected) + "\nprinted:\n" + result.stdout


def _run_python(source: str, namespace: dict) -> None:
    lines = source.splitlines()
    for statement in ast.parse(source).body:
        code = compile(ast.Module([statement], []), "README.md", "exec")
        shown = _shown_value(lines[statement.end_lineno - 1])
        if isinstance(statement, ast.Expr) and shown is not None:
            value = eval(compile(ast.Expression(statement.value), "README.md", "eval"), namespace)
            assert repr(value) == shown, f"{ast.unparse(statement)}: {value!r}, README: {shown}"
        else:
            exec(code, namespace)


def _shown_value(line: str) -> str | None:
    """The comment after the code on this line, if the line has one outside strings."""
    for token_start in (m.start() for m in re.finditer("#", line)):
        before = line[:token_start]
        if before.count('"') % 2 == 0 and before.count("'") % 2 == 0:
            return line[token_start + 1 :].strip()
    return None


@pytest.fixture(autouse=True)
def _no_server_key_from_the_suite(monkeypatch):
    """The tour's server prints its own key: the suite's bootstrap key must not preempt it."""
    monkeypatch.delenv("PROMOCORE_BOOTSTRAP_ADMIN_KEY", raising=False)
