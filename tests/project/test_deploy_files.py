"""The deployment files agree with each other (issue 29): the Kubernetes manifests are valid
Kubernetes objects (checked against the API's schemas with kubernetes-validate), and the ports,
flags and Redis settings of the Containerfile, deploy/compose.yaml, haproxy.cfg and the
manifests are the same ones, so the topology test (tests/e2e/test_deploy_topology.py) that runs
the compose file's flags vouches for the others too."""

from __future__ import annotations

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
# The oldest Kubernetes the manifests are for: gRPC probes are GA since 1.27.
KUBERNETES_VERSION = "1.27.0"
ADDRESS_FLAGS = ("--listen", "--http-listen", "--metrics-listen")


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


def compose_nodes() -> dict[str, list[str]]:
    return {
        name: [str(part) for part in service["command"]]
        for name, service in compose().items()
        if "promocore:latest" in service.get("image", "")
    }


def node_command() -> list[str]:
    """The one command every compose node runs (they differ only by name)."""
    commands = {tuple(command) for command in compose_nodes().values()}
    assert len(commands) == 1, commands
    return list(commands.pop())


def flag(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def ports_of(command: list[str]) -> dict[str, int]:
    return {name: int(flag(command, name).rsplit(":", 1)[1]) for name in ADDRESS_FLAGS}


def manifests() -> dict[Path, list[dict]]:
    return {
        path: [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for path in sorted(KUBERNETES.rglob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


def kind(documents: list[dict], wanted: str) -> dict:
    (found,) = [doc for doc in documents if doc["kind"] == wanted]
    return found


def container(workload: dict) -> dict:
    (only,) = workload["spec"]["template"]["spec"]["containers"]
    return only


@pytest.mark.parametrize(
    "path", sorted(KUBERNETES.rglob("*.yaml")), ids=lambda p: str(p.relative_to(KUBERNETES))
)
def test_every_kubernetes_file_is_valid(path):
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    assert documents
    if path.name == "kustomization.yaml":
        (kustomization,) = documents
        for resource in kustomization["resources"]:
            assert (path.parent / resource).is_file(), f"{path}: {resource} missing"
        return
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_image_exposes_and_serves_on_the_compose_ports():
    containerfile = (ROOT / "Containerfile").read_text()
    exposed = {int(port) for port in re.search(r"^EXPOSE (.+)$", containerfile, re.M)[1].split()}
    assert exposed == set(ports_of(node_command()).values())
    cmd = re.search(r"^CMD (\[.*?\])$", containerfile, re.M | re.S)[1].replace("\\\n", "")
    assert ports_of(yaml.safe_load(cmd)) == ports_of(node_command())


def test_kubernetes_pods_run_the_compose_nodes_flags():
    command = node_command()
    ports = ports_of(command)
    redis_variant = manifests()[KUBERNETES / "redis" / "promocore.yaml"]
    lmdb_variant = manifests()[KUBERNETES / "lmdb" / "promocore.yaml"]
    without_store = command[: command.index("--store")] + command[command.index("--store") + 2 :]
    assert container(kind(redis_variant, "Deployment"))["args"] == command
    assert container(kind(lmdb_variant, "StatefulSet"))["args"] == without_store
    assert kind(lmdb_variant, "StatefulSet")["spec"]["replicas"] == 1

    for documents, workload in ((redis_variant, "Deployment"), (lmdb_variant, "StatefulSet")):
        pod = container(kind(documents, workload))
        named = {port["name"]: port["containerPort"] for port in pod["ports"]}
        assert named == {
            "grpc": ports["--listen"],
            "http": ports["--http-listen"],
            "metrics": ports["--metrics-listen"],
        }
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert pod[probe]["grpc"]["port"] == ports["--listen"], probe
        service = kind(documents, "Service")
        assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == named
        annotations = kind(documents, workload)["spec"]["template"]["metadata"]["annotations"]
        assert int(annotations["prometheus.io/port"]) == ports["--metrics-listen"]


def test_redis_runs_with_aof_always_in_compose_and_kubernetes():
    compose_args = [str(part) for part in compose()["redis"]["command"]]
    statefulset = kind(manifests()[KUBERNETES / "redis" / "redis.yaml"], "StatefulSet")
    assert compose_args[0] == "redis-server"
    assert container(statefulset)["args"] == compose_args[1:]
    assert flag(compose_args, "--appendfsync") == "always"
    store = flag(node_command(), "--store")
    assert store.startswith("redis://redis:6379/")  # the compose service and the k8s Service


def test_the_load_balancer_sends_grpc_and_http_to_every_node():
    haproxy = (DEPLOY / "haproxy.cfg").read_text()
    ports = ports_of(node_command())
    backends = {
        backend: set(re.findall(r"^\s+server (\S+) (\S+) ", body, re.M))
        for backend, body in re.findall(r"^backend (\S+)\n(.*?)(?=^\S|\Z)", haproxy, re.M | re.S)
    }
    nodes = compose_nodes()
    assert backends == {
        "promocore_grpc": {(n, f"{n}:{ports['--listen']}") for n in nodes},
        "promocore_http": {(n, f"{n}:{ports['--http-listen']}") for n in nodes},
    }
    for published in compose()["lb"]["ports"]:
        assert int(published.rsplit(":", 1)[1]) in {ports["--listen"], ports["--http-listen"]}
