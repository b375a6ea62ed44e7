"""The topology of deploy/compose.yaml stood up without containers (issue 29): one redis-server,
a promocore node for every service of the compose file that runs the promocore image (whose
entrypoint is `promocore serve`; started with the service's flags, its container addresses moved
to free ports on 127.0.0.1 as a port mapping would), and Debian's prometheus scraping them with
deploy/prometheus/prometheus.yml, its targets pointed at those ports. Checked through
Prometheus's HTTP API: every node is up, the summed Validate count equals what was sent (and
each node's share), and the nodes redeem against one limit exactly."""

from __future__ import annotations

import contextlib
import http.client
import shutil
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
import yaml

from promocore import Client

from redis_support import RedisServer, RedisServerMissing, redis_server_executable
from support import TEST_ADMIN_KEY, ServerProcess, coupon, free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
SCRAPE_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
PROMETHEUS_START_TIMEOUT_S = 30.0
# A few scrape intervals (the file's) plus the second a worker takes to move counts to metrics.
SCRAPED_TIMEOUT_S = 60.0
ORDER = {"currency": "EUR", "items": [{"sku": "BEANS", "unit_price": 2000, "quantity": 1}]}
HTTP_ORDER = {"currency": "EUR", "items": [{"sku": "BEANS", "unitPrice": "2000", "quantity": 1}]}
# The compose file's image: ${PROMOCORE_IMAGE:-localhost/promocore:latest}.
PROMOCORE_IMAGE = "promocore:latest"
LIMIT = 3
REDEEMS = 8


def flag(command: list[str], name: str) -> str:
    """The value after `name` in a command (a compose service's `command` list)."""
    if name not in command:
        raise AssertionError(f"{name} missing from the compose command {command}")
    return command[command.index(name) + 1]


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


@dataclass
class Node:
    """A compose service running the promocore image, and the process that stands for it."""

    service: str
    command: list[str]
    process: ServerProcess
    metrics_port: int  # on 127.0.0.1, standing for the container's --metrics-listen port
    http_port: int

    @property
    def metrics_address(self) -> str:
        return f"127.0.0.1:{self.metrics_port}"


def compose_services() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]


def node_commands() -> dict[str, list[str]]:
    """Service name -> command (the flags of `promocore serve`, the image's entrypoint) of every
    promocore node of the compose file."""
    return {
        name: [str(part) for part in service["command"]]
        for name, service in compose_services().items()
        if PROMOCORE_IMAGE in service.get("image", "")
    }


def scrape_config_for(nodes: dict[str, Node]) -> dict:
    """deploy/prometheus/prometheus.yml with each `service:port` target replaced by the address
    of the node standing for that service; a target that is not a node's metrics port fails."""
    config = yaml.safe_load(SCRAPE_CONFIG.read_text())
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            moved = []
            for target in static["targets"]:
                service, _, port = target.rpartition(":")
                assert service in nodes, f"scrape target {target}: no node service {service!r}"
                node = nodes[service]
                assert int(port) == port_of(flag(node.command, "--metrics-listen")), (
                    f"scrape target {target} is not {service}'s --metrics-listen port"
                )
                moved.append(node.metrics_address)
            static["targets"] = moved
    return config


class Prometheus:
    """Debian's prometheus on a free port of 127.0.0.1 with its own data directory."""

    def __init__(self, directory: Path, config: dict) -> None:
        executable = shutil.which("prometheus")
        if executable is None:
            pytest.fail(
                "prometheus is not installed (not on PATH): run `make install`, which installs "
                "Debian's prometheus package when it is missing",
                pytrace=False,
            )
        directory.mkdir(parents=True, exist_ok=True)
        self.config_path = directory / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.port = free_port()
        self.log_path = directory / "prometheus.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    executable,
                    f"--config.file={self.config_path}",
                    f"--storage.tsdb.path={directory / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        self._wait_until_ready()

    def _get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + PROMETHEUS_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited: {self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if self._get("/-/ready")[0] == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"prometheus not ready: {self.log_path.read_text()[-3000:]}")

    def query(self, promql: str) -> list[dict]:
        """The instant vector of a PromQL query (Prometheus's /api/v1/query)."""
        status, body = self._get("/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
        answer = orjson.loads(body)
        assert status == 200 and answer["status"] == "success", answer
        return answer["data"]["result"]

    def by_instance(self, promql: str) -> dict[str, float]:
        return {r["metric"]["instance"]: float(r["value"][1]) for r in self.query(promql)}

    def wait_for(self, promql: str, expected: dict[str, float]) -> dict[str, float]:
        """Polls a query (by instance) until it answers `expected`; returns the last answer."""
        deadline = time.monotonic() + SCRAPED_TIMEOUT_S
        while True:
            answer = self.by_instance(promql)
            if answer == expected or time.monotonic() > deadline:
                return answer
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@dataclass
class Topology:
    redis: RedisServer
    nodes: list[Node]
    prometheus: Prometheus


# Flags of a compose node that the test gives its own values: ServerProcess sets the data
# directory, gRPC address and workers (from the compose value); the rest are moved below.
SET_BY_SERVER_PROCESS = ("--data-dir", "--listen", "--workers")


def start_node(base: Path, service: str, command: list[str], store_url: str) -> Node:
    """The node of a compose service: its `serve` flags, with the store and addresses moved."""
    metrics_port, http_port = free_port(), free_port()
    moved = {
        "--store": store_url,
        "--metrics-listen": f"127.0.0.1:{metrics_port}",
        "--http-listen": f"127.0.0.1:{http_port}",
    }
    extra: list[str] = []
    flags = iter(command)
    for name in flags:
        assert name.startswith("--"), f"{service}: {name} is not a flag"
        value = next(flags)
        if name not in SET_BY_SERVER_PROCESS:
            extra += [name, moved.get(name, value)]
    assert set(moved) <= set(extra), f"{service} lacks one of {sorted(moved)}"
    process = ServerProcess(
        base / service, workers=int(flag(command, "--workers")), extra=tuple(extra)
    )
    process.start(60)
    return Node(service, command, process, metrics_port, http_port)


def stop_node(node: Node) -> None:
    try:
        node.process.stop()
    except subprocess.TimeoutExpired:
        node.process.kill_hard()


@pytest.fixture(scope="module")
def topology(tmp_path_factory) -> Iterator[Topology]:
    try:
        redis_server_executable()
    except RedisServerMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    commands = node_commands()
    services = compose_services()
    base = tmp_path_factory.mktemp("deploy-topology")
    with RedisServer(base / "redis") as redis_server:
        for command in commands.values():
            # The nodes' store is the compose file's redis service, here the test's redis-server.
            store = urllib.parse.urlsplit(flag(command, "--store"))
            assert store.scheme == "redis" and store.hostname in services, store
        with ThreadPoolExecutor(len(commands)) as pool:
            futures = [
                pool.submit(start_node, base, service, command, redis_server.url)
                for service, command in commands.items()
            ]
        nodes = [future.result() for future in futures if future.exception() is None]
        try:
            failures = [future.exception() for future in futures if future.exception()]
            if failures:
                raise failures[0]
            by_service = {node.service: node for node in nodes}
            prometheus = Prometheus(base / "prometheus", scrape_config_for(by_service))
            try:
                yield Topology(redis_server, nodes, prometheus)
            finally:
                prometheus.stop()
        finally:
            for node in nodes:
                stop_node(node)


def test_the_compose_file_has_several_nodes_on_one_redis_with_aof_always():
    commands = node_commands()
    assert len(commands) >= 2
    assert len({flag(command, "--store") for command in commands.values()}) == 1
    redis_command = [str(part) for part in compose_services()["redis"]["command"]]
    assert flag(redis_command, "--appendonly") == "yes"
    assert flag(redis_command, "--appendfsync") == "always"


def test_prometheus_scrapes_every_node_and_sums_their_validates(topology):
    prometheus = topology.prometheus
    instances = {node.metrics_address for node in topology.nodes}
    assert prometheus.wait_for('up{job="promocore"}', dict.fromkeys(instances, 1.0)) == (
        dict.fromkeys(instances, 1.0)
    )

    first = topology.nodes[0]
    with Client(first.process.target) as admin:
        coupon(admin, "topology-validate", "TOPOLOGY-VALIDATE")
    # A different number per node, so that the per-node counts show which node answered.
    sent = {node.metrics_address: 5 + 3 * n for n, node in enumerate(topology.nodes)}
    for node in topology.nodes:
        with Client(node.process.target) as client:
            for _ in range(sent[node.metrics_address]):
                answer = client.validate(ORDER, codes=["TOPOLOGY-VALIDATE"])
                assert answer["redeemables"][0]["status"] == "APPLICABLE"

    validates = 'promocore_rpcs_total{job="promocore",method="Validate",code="OK"}'
    per_node = prometheus.wait_for(f"sum by (instance) ({validates})", sent)
    assert per_node == sent
    total = prometheus.query(f"sum({validates})")
    assert float(total[0]["value"][1]) == sum(sent.values())


def test_nodes_redeem_against_one_limit_exactly_over_grpc_and_http(topology):
    first, second = topology.nodes[:2]
    with Client(first.process.target) as admin:
        coupon(admin, "topology-limit", "TOPOLOGY-LIMIT", limits={"total_redemptions": LIMIT})

    # Alternating: odd redeems through the first node's gRPC port, even ones through the second
    # node's HTTP port, so each node redeems while the other has already counted.
    answers = []
    with Client(first.process.target) as client:
        for n in range(REDEEMS):
            if n % 2 == 0:
                answer = client.redeem(
                    {**ORDER, "id": f"order-{n}"},
                    codes=["TOPOLOGY-LIMIT"],
                    customer={"id": f"c{n}"},
                    idempotency_key=f"topology-{n}",
                )
                answers.append(("grpc", answer["status"], answer["redeemables"][0]))
            else:
                status, answer = http_redeem(second, n)
                assert status == 200, answer
                answers.append(("http", answer["status"], answer["redeemables"][0]))

    statuses = [(via, status) for via, status, _ in answers]
    assert statuses[:LIMIT] == [("grpc", "SUCCEEDED"), ("http", "SUCCEEDED"), ("grpc", "SUCCEEDED")]
    assert {status for _, status in statuses[LIMIT:]} == {"FAILED"}
    assert {r["reason"] for _, _, r in answers[LIMIT:]} == {"campaign_limit_exceeded"}
    with Client(second.process.target) as reader:
        assert reader.get_code("TOPOLOGY-LIMIT")["redeemed_quantity"] == LIMIT
        assert len(reader.list_redemptions(campaign_id="topology-limit")) == LIMIT

    expected = {first.metrics_address: 2.0, second.metrics_address: 1.0}
    expected.update({node.metrics_address: 0.0 for node in topology.nodes[2:]})
    redemptions = topology.prometheus.wait_for(
        'sum by (instance) (promocore_redemptions_total{job="promocore"})', expected
    )
    assert redemptions == expected


def http_redeem(node: Node, n: int) -> tuple[int, dict]:
    body = {
        "order": {**HTTP_ORDER, "id": f"order-{n}"},
        "redeemables": [{"code": "TOPOLOGY-LIMIT"}],
        "customer": {"id": f"c{n}"},
        "idempotencyKey": f"topology-{n}",
    }
    connection = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=10)
    try:
        connection.request(
            "POST",
            "/promocore.v1.CheckoutService/Redeem",
            body=orjson.dumps(body),
            headers={"Content-Type": "application/json", "x-api-key": TEST_ADMIN_KEY},
        )
        response = connection.getresponse()
        return response.status, orjson.loads(response.read())
    finally:
        connection.close()
