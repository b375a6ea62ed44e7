"""`make image-test`: runs the built image as an operator would and checks it (issue 29).

The image's root file system runs with `buildah run --isolation chroot` (`podman run` needs
cgroups this machine does not give), with its own entrypoint, command, user, environment and
working directory, a temporary directory as the /data volume, and its exposed ports moved to
free ports on 127.0.0.1. Checked: the image's HEALTHCHECK command answers healthy, a Validate
and a Redeem over gRPC and over HTTP, the server runs as the image's non-root user, SIGTERM
makes it exit 0, and after a restart on the same volume the redemptions are there. Prints the
image size and the start-up time; the last line is JSON.

Usage: python deploy/image/image_test.py IMAGE
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from promocore import Client
from promocore.manage.api_keys import new_key

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0
ORDER = {"currency": "EUR", "items": [{"sku": "BEANS", "unit_price": 2000, "quantity": 1}]}
HTTP_ORDER = {"currency": "EUR", "items": [{"sku": "BEANS", "unitPrice": "2000", "quantity": 1}]}
CODE = "IMAGE-TEST"


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok: {what}")


class Container:
    """One buildah working container of the image, run like the image says."""

    def __init__(self, image: str, volume: Path, admin_key: str) -> None:
        inspected = json.loads(run("podman", "image", "inspect", image))[0]
        self.config = inspected["Config"]
        self.healthcheck = inspected["Healthcheck"]
        self.size = inspected["Size"]
        self.volume = volume
        self.admin_key = admin_key
        # Each exposed port to a free port of 127.0.0.1 (servers here bind 127.0.0.1 only).
        self.ports = {
            int(exposed.split("/")[0]): free_port() for exposed in self.config["ExposedPorts"]
        }
        self.name = run("buildah", "from", "--name", f"promocore-image-test-{os.getpid()}", image)
        self.process: subprocess.Popen | None = None
        self.log_path = volume.parent / "server.log"

    def command(self) -> list[str]:
        """The entrypoint and command of the image, its 0.0.0.0:PORT addresses moved."""
        moved = {f"0.0.0.0:{port}": f"127.0.0.1:{free}" for port, free in self.ports.items()}
        return [moved.get(part, part) for part in self.config["Entrypoint"] + self.config["Cmd"]]

    def buildah_run(self, command: list[str], **popen: object) -> subprocess.Popen:
        options = ["--isolation", "chroot", "--user", self.config["User"]]
        options += ["--volume", f"{self.volume}:{next(iter(self.config['Volumes']))}"]
        options += ["--env", f"PROMOCORE_BOOTSTRAP_ADMIN_KEY={self.admin_key}"]
        options += ["--env", f"PROMOCORE_HEALTH_TARGET={self.grpc_target}"]
        return subprocess.Popen(["buildah", "run", *options, self.name, "--", *command], **popen)

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.ports[50051]}"

    @property
    def http_port(self) -> int:
        return self.ports[8080]

    def start(self) -> float:
        """Starts the server; returns the seconds until gRPC health answered SERVING."""
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = self.buildah_run(self.command(), stdout=log, stderr=log)
        with grpc.insecure_channel(self.grpc_target) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() - started < START_TIMEOUT_S:
                if self.process.poll() is not None:
                    raise SystemExit(f"server exited: {self.log_path.read_text()[-3000:]}")
                try:
                    answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        return time.monotonic() - started
                except grpc.RpcError:
                    pass
                time.sleep(0.05)
        raise SystemExit(f"not serving within {START_TIMEOUT_S} s: {self.log_path.read_text()}")

    def run_healthcheck(self) -> int:
        test = self.healthcheck["Test"]
        assert test[0] == "CMD", test
        return self.buildah_run(test[1:]).wait(timeout=60)

    def server_pid(self) -> int:
        """The pid of `promocore serve`'s supervisor: the oldest descendant of `buildah run`
        running it."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                children.setdefault(int(fields[1]), []).append(int(entry.name))
        pending = [self.process.pid]
        while pending:
            pid = pending.pop(0)
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            runs_serve = b"serve" in cmdline and any(p.endswith(b"/promocore") for p in cmdline)
            if runs_serve and not Path(cmdline[0].decode()).name.startswith("buildah"):
                return pid
            pending.extend(sorted(children.get(pid, [])))
        raise SystemExit("no promocore serve process under buildah run")

    def terminate(self) -> int:
        """SIGTERM to the server, as a container runtime sends it; returns the exit status."""
        os.kill(self.server_pid(), signal.SIGTERM)
        return self.process.wait(timeout=STOP_TIMEOUT_S)

    def remove(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # The server first: killing buildah alone would leave it running, reparented.
            # Its workers die with it (PR_SET_PDEATHSIG).
            os.kill(self.server_pid(), signal.SIGKILL)
            self.process.kill()
            self.process.wait(timeout=10)
        subprocess.run(["buildah", "rm", self.name], capture_output=True, check=False)


def post(port: int, path: str, body: dict, key: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={"Content-Type": "application/json", "x-api-key": key},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise SystemExit(f"no Uid in /proc/{pid}/status")


def main(image: str) -> None:
    if os.geteuid() != 0:
        raise SystemExit("make image-test needs root (buildah's chroot isolation)")
    work = Path(tempfile.mkdtemp(prefix="promocore-image-test-"))
    volume = work / "data"
    volume.mkdir()
    admin_key = new_key()
    container = Container(image, volume, admin_key)
    os.chown(volume, *(int(part) for part in container.config["User"].split(":")))
    figures: dict[str, object] = {"image": image, "image_bytes": container.size}
    print(f"image {image}: {container.size / 1e6:.1f} MB")
    try:
        seconds = container.start()
        figures["start_to_serving_s"] = round(seconds, 2)
        print(f"start-up (empty volume) to gRPC health SERVING: {seconds:.2f} s")
        check(container.run_healthcheck() == 0, "the image's HEALTHCHECK command exits 0")
        server = container.server_pid()
        user_uid = int(container.config["User"].split(":")[0])
        check(uid_of(server) == user_uid != 0, f"the server runs as uid {user_uid}, not root")

        with Client(container.grpc_target, api_key=admin_key) as admin:
            admin.create_campaign(
                id="image-test",
                name="image test",
                type="DISCOUNT_COUPONS",
                currency="EUR",
                effect={"amount_off_order": {"amount": 100}},
                limits={},
            )
            admin.create_code("image-test", CODE)
            answer = admin.validate(ORDER, codes=[CODE])
            check(answer["redeemables"][0]["status"] == "APPLICABLE", "Validate over gRPC")
            redeemed = admin.redeem(
                {**ORDER, "id": "order-grpc"}, codes=[CODE], idempotency_key="image-grpc"
            )
            check(redeemed["status"] == "SUCCEEDED", "Redeem over gRPC")
        checkout = "/promocore.v1.CheckoutService"
        status, answer = post(
            container.http_port,
            f"{checkout}/Validate",
            {"order": HTTP_ORDER, "redeemables": [{"code": CODE}]},
            admin_key,
        )
        check(
            status == 200 and answer["redeemables"][0]["status"] == "APPLICABLE",
            "Validate over HTTP",
        )
        status, http_redeemed = post(
            container.http_port,
            f"{checkout}/Redeem",
            {
                "order": {**HTTP_ORDER, "id": "order-http"},
                "redeemables": [{"code": CODE}],
                "idempotencyKey": "image-http",
            },
            admin_key,
        )
        check(status == 200 and http_redeemed["status"] == "SUCCEEDED", "Redeem over HTTP")

        stopped = time.monotonic()
        code = container.terminate()
        figures["sigterm_to_exit_s"] = round(time.monotonic() - stopped, 2)
        check(code == 0, f"SIGTERM: exit status 0 after {figures['sigterm_to_exit_s']} s")

        seconds = container.start()
        figures["restart_to_serving_s"] = round(seconds, 2)
        print(f"restart (same volume) to gRPC health SERVING: {seconds:.2f} s")
        with Client(container.grpc_target, api_key=admin_key) as reader:
            stored = reader.list_redemptions(campaign_id="image-test")
            quantity = reader.get_code(CODE)["redeemed_quantity"]
        ids = {redeemed["redemption"]["id"], http_redeemed["redemption"]["id"]}
        check(
            quantity == 2 and {r["id"] for r in stored} == ids,
            "after the restart on the same volume both redemptions are there",
        )
        check(container.terminate() == 0, "SIGTERM after the restart: exit status 0")
    finally:
        container.remove()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
