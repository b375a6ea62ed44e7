"""The package as users install it: every runtime import is a declared dependency, and the wheel
maturin builds installs into a fresh venv outside the repository and works from there."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from support import TEST_ADMIN_KEY, free_port

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "python" / "promocore"
EXAMPLE_CAMPAIGN = REPO / "examples" / "campaigns" / "autumn.yaml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared_dependencies() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    return {
        _normalized(re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0])
        for requirement in requirements
    }


def _imported_top_level_modules() -> dict[str, Path]:
    """Absolute imports of the package's sources (generated code included), first file each."""
    modules: dict[str, Path] = {}
    for source in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                modules.setdefault(name.split(".")[0], source)
    return modules


def test_every_third_party_import_is_a_declared_dependency():
    declared = _declared_dependencies()
    distributions = importlib.metadata.packages_distributions()
    undeclared = []
    for module, source in _imported_top_level_modules().items():
        if module in sys.stdlib_module_names or module == "promocore":
            continue
        providers = {_normalized(name) for name in distributions.get(module, [])}
        assert providers, f"{module} (imported by {source.relative_to(REPO)}) is not installed"
        if not providers & declared:
            undeclared.append(f"{module} ({', '.join(sorted(providers))}, {source.name})")
    assert undeclared == [], "imported but not in pyproject.toml's dependencies"


@pytest.fixture(scope="module")
def installed_venv(tmp_path_factory) -> Path:
    """The wheel built by `make wheel`, installed into a fresh venv in a temporary directory."""
    work = tmp_path_factory.mktemp("wheel")
    # `make wheel`, as the README tells users, into a directory of this test's.
    built = subprocess.run(
        ["make", "--no-print-directory", "wheel", f"WHEEL_DIR={work / 'dist'}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (work / "dist").glob("promocore-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=120)
    # --no-compile: pip would byte-compile every installed module (plotly's thousands) up
    # front, half of the install's time; Python compiles what the test imports when it imports it.
    installed = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-compile", wheel],
        cwd=work,
        env=_venv_env(venv),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return venv


def _venv_env(venv: Path) -> dict[str, str]:
    """The environment of a user of that venv: nothing of the repository's on any path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PROMOCORE_TARGET")
    }
    path = [
        part for part in env.get("PATH", "").split(os.pathsep) if not part.startswith(str(REPO))
    ]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    env["VIRTUAL_ENV"] = str(venv)
    return env


def _wait_until_serving(target: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    with grpc.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise TimeoutError("the server from the wheel did not serve within 60 s")


def test_the_wheel_serves_and_its_commands_work_from_a_fresh_venv(installed_venv, tmp_path):
    env = {**_venv_env(installed_venv), "PROMOCORE_API_KEY": TEST_ADMIN_KEY}
    promocore_bin = installed_venv / "bin" / "promocore"

    def promocore(*args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [promocore_bin, "--target", target, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"promocore {' '.join(args)}: {result.stderr}"
        return result

    where = subprocess.run(
        [installed_venv / "bin" / "python", "-c", "import promocore; print(promocore.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed_venv)
    # The test entry points (every input in one context message) are left out of the wheel.
    entry_points = subprocess.run(
        [
            installed_venv / "bin" / "python",
            "-c",
            "from promocore import _engine; "
            "print(hasattr(_engine, 'evaluate_checkout'), hasattr(_engine, 'CampaignIndex'))",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert entry_points.stdout.split() == ["False", "False"]

    target = f"127.0.0.1:{free_port()}"
    metrics_port = free_port()
    http_port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [
                *(promocore_bin, "serve", "--workers", "0", "--listen", target),
                *("--data-dir", str(tmp_path / "data"), "--demo-if-empty"),
                *("--metrics-listen", f"127.0.0.1:{metrics_port}", "--log-format", "json"),
                *("--http-listen", f"127.0.0.1:{http_port}"),
            ],
            cwd=tmp_path,
            env={**env, "PROMOCORE_BOOTSTRAP_ADMIN_KEY": TEST_ADMIN_KEY},
            stdout=log_file,
            stderr=log_file,
        )
    try:
        _wait_until_serving(target, server, log)
        assert "serve" in promocore("--help").stdout

        applied = promocore("apply", "-f", str(EXAMPLE_CAMPAIGN))
        assert applied.stdout.startswith("campaign/autumn-15 created (version 1)")
        assert promocore("apply", "-f", str(EXAMPLE_CAMPAIGN)).stdout.startswith(
            "campaign/autumn-15 unchanged"
        )

        promocore("codes", "qr", "WELCOME10", "-f", "welcome.png")
        assert (tmp_path / "welcome.png").read_bytes().startswith(PNG_SIGNATURE)
        promocore("codes", "qr", "WELCOME10", "-f", "welcome.svg")
        assert b"<svg" in (tmp_path / "welcome.svg").read_bytes()

        cart = ("--item", "BEANS:1299:2:coffee", "--item", "MUG:899:1")
        promocore("redeem", "--code", "WELCOME10", *cart, "--idempotency-key", "wheel-1")
        report = promocore("report", "welcome-10", "--plot", "report.png")
        assert "redemptions       1" in report.stdout
        assert (tmp_path / "report.png").read_bytes().startswith(PNG_SIGNATURE)

        url = f"http://127.0.0.1:{metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as scraped:
            exposition = scraped.read().decode()
        redeemed = (
            'promocore_rpcs_total{code="OK",method="Redeem",service="promocore.v1.CheckoutService"}'
        )
        assert f"{redeemed} 1.0" in exposition
        assert "promocore_redemptions_total 1.0" in exposition

        # The web console's files are in the wheel, served from the installed package.
        # plotly.js comes from plotly's wheel, a declared dependency installed with ours.
        for page, marker in (
            ("/", b"/console/app.js"),
            ("/console/app.js", b"import"),
            ("/console/vendor/plotly.min.js", b"plotly.js v"),
        ):
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}{page}", timeout=10) as got:
                assert marker in got.read()
    finally:
        server.terminate()
        server.wait(timeout=30)
    for line in log.read_text().splitlines():
        assert line.startswith("{"), f"not a JSON log line: {line}"
