"""A private redis-server for a test: Debian's binary on 127.0.0.1, a free port, its own directory.

Never the system service the Debian package may run, never a shared or remote server: every
RedisServer is a child process of the test run, with append-only persistence fsynced on every
write, so a kill -9 loses nothing that was acknowledged and `start()` reloads it from the AOF.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

HOST = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the same as support.free_port; not imported from there so
    that this module does not load promocore and its API-key set-up: it only needs redis)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class RedisServerMissing(RuntimeError):
    """redis-server is not on PATH: `make install` installs Debian's package."""


def redis_server_executable() -> str:
    """The path of redis-server, or RedisServerMissing saying how to install it."""
    found = shutil.which("redis-server")
    if found is None:
        raise RedisServerMissing(
            "redis-server is not installed (not on PATH): run `make install`, which installs "
            "Debian's redis-server package when it is missing"
        )
    return found


class RedisServer:
    """One redis-server process, as a context manager (`with RedisServer(dir) as server:`).

    `start()` after `kill()` or `stop()` serves again on the same port from the same directory,
    so the data written before is loaded back from the append-only file.
    """

    def __init__(self, directory: Path, *, port: int | None = None) -> None:
        self.dir = Path(directory).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self._fixed_port = port is not None
        self._port = port if port is not None else free_port()
        self.log_path = self.dir / "redis-server.log"
        self.process: subprocess.Popen | None = None
        self._log_start = 0  # where the log of the latest start begins

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self._port}/0"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self, **options) -> redis.Redis:
        """A client of this server (db 0); keyword options go to redis.Redis."""
        return redis.Redis(host=HOST, port=self._port, db=0, **options)

    def command(self) -> list[str]:
        return [
            redis_server_executable(),
            "--bind",
            HOST,
            "--port",
            str(self._port),
            "--dir",
            str(self.dir),
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--protected-mode",
            "yes",
            "--daemonize",
            "no",
            "--logfile",
            str(self.log_path),
        ]

    def start(self, timeout: float = START_TIMEOUT) -> RedisServer:
        """Starts it (again) and returns once it answers PING; raises with the log tail if not."""
        if self.running:
            raise RuntimeError(f"redis-server on port {self._port} is already running")
        # A port picked here can be taken before redis-server binds it; then pick another, but
        # only on a first start with no port given: a restart must keep its port.
        first_start = self.process is None
        for attempt in range(3):
            self._spawn()
            try:
                self._wait_until_ready(timeout)
                return self
            except _PortTaken:
                self.kill()
                if self._fixed_port or not first_start or attempt == 2:
                    raise RuntimeError(
                        f"redis-server could not bind {HOST}:{self._port}:\n{self.log_tail()}"
                    ) from None
                self._port = free_port()
            except BaseException:
                self.kill()
                raise
        raise AssertionError("unreachable")

    def kill(self) -> None:
        """kill -9, then waits until it is gone (nothing is lost: appendfsync always)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM (a clean SHUTDOWN), waits; kill -9 if it has not exited within `timeout`."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def restart(self, hard: bool = True) -> RedisServer:
        """kill -9 (hard) or SIGTERM, then start again on the same port and directory."""
        if hard:
            self.kill()
        else:
            self.stop()
        return self.start()

    def log_tail(self, chars: int = 3000, *, latest_start: bool = False) -> str:
        """The end of the log (all starts, or only the latest one's)."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(self._log_start if latest_start else 0)
                text = log.read().decode(errors="replace")
        except FileNotFoundError:
            return "(no log written)"
        return text[-chars:]

    def __enter__(self) -> RedisServer:
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()

    def _spawn(self) -> None:
        with self.log_path.open("ab") as log:  # --logfile takes over once the config is read
            self._log_start = log.tell()
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        probe = redis.Redis(
            host=HOST,
            port=self._port,
            socket_connect_timeout=0.5,
            socket_timeout=1,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    if "Address already in use" in self.log_tail(latest_start=True):
                        raise _PortTaken
                    tail = self.log_tail()
                    raise RuntimeError(
                        f"redis-server exited with {self.process.returncode} on start "
                        f"(port {self._port}, dir {self.dir}):\n{tail}"
                    )
                try:
                    if probe.ping():
                        # Ours, not some other server that took the port first.
                        serving_pid = int(probe.info("server")["process_id"])
                        if serving_pid != self.process.pid:
                            raise _PortTaken
                        return
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                    pass  # not listening yet, or still loading the AOF
                time.sleep(0.05)
        finally:
            probe.close()
        raise RuntimeError(
            f"redis-server did not answer PING within {timeout} s "
            f"(port {self._port}, dir {self.dir}):\n{self.log_tail()}"
        )


class _PortTaken(Exception):
    pass
