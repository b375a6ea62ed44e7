"""Shared fixtures: real promocore servers on 127.0.0.1 on a temporary LMDB directory or a
private redis-server, the browser of the console's tests, and the store backends of the
conformance suite."""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator

import pytest

from promocore import Client
from promocore.clock import FixedClock
from promocore.server.grpc_server import RunningServer, ServerOptions, start_server
from promocore.store import Store, open_store

# The browser and console fixtures of the console's browser tests.
from console_support import browser, console  # noqa: F401
from redis_support import RedisServer, RedisServerMissing, redis_server_executable
from support import NOW, TEST_ADMIN_KEY

# The backends a test marked `conformance` runs on, once each (tests/README.md).
BACKENDS = ("lmdb", "redis")
# PROMOCORE_TEST_STORE=redis puts the store of every other test on Redis too (one private
# redis-server for the run, a key prefix per test).
TEST_STORE = os.environ.get("PROMOCORE_TEST_STORE", "lmdb")


@pytest.fixture(autouse=True)
def cores_shared_or_alone(request, tmp_path_factory) -> Iterator[None]:
    """Under pytest-xdist, a test marked `alone` runs with no other test beside it: it holds a
    lock file of the run exclusively, every other test holds it shared (tests/README.md)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    # The workers' temporary directories are side by side in the run's own directory.
    lock_path = tmp_path_factory.getbasetemp().parent / "cores.lock"
    alone = request.node.get_closest_marker("alone") is not None
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        yield  # closing the file releases the lock


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `conformance` whose store comes from `store_backend` (through `store`,
    `store_location` or `server`) runs once per backend, with the backend in its id."""
    if "store_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "conformance"
    ):
        metafunc.parametrize("store_backend", BACKENDS, indirect=True)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(int(NOW.timestamp() * 1000))


@pytest.fixture
def http_server(tmp_path, clock) -> Iterator[RunningServer]:
    """A server with the HTTP/JSON port (and the console) on, both on free ports."""
    running = start_server(
        tmp_path / "data",
        "127.0.0.1:0",
        clock=clock,
        options=ServerOptions(http_listen="127.0.0.1:0"),
    )
    try:
        yield running
    finally:
        running.stop(grace=None)


@pytest.fixture
def admin(http_server) -> Iterator[Client]:
    """An admin client of `http_server` over gRPC."""
    with Client(f"127.0.0.1:{http_server.port}", api_key=TEST_ADMIN_KEY, timeout=30) as client:
        yield client


@pytest.fixture
def store_backend(request) -> str:
    """ "lmdb" or "redis": each in turn for a conformance test, else $PROMOCORE_TEST_STORE."""
    return getattr(request, "param", TEST_STORE)


@pytest.fixture(scope="session")
def session_redis(tmp_path_factory) -> Iterator[RedisServer]:
    """One redis-server for the run; every test on it gets its own key prefix."""
    try:
        redis_server_executable()
    except RedisServerMissing as missing:
        raise pytest.fail.Exception(str(missing), pytrace=False) from None
    with RedisServer(tmp_path_factory.mktemp("session-redis")) as running:
        yield running


@pytest.fixture
def store_location(store_backend, request, tmp_path) -> str:
    """What `promocore serve` takes: a directory, or a redis:// URL with a prefix of its own."""
    if store_backend == "lmdb":
        return str(tmp_path / "data")
    redis_url = request.getfixturevalue("session_redis").url
    return f"{redis_url}?prefix=t{uuid.uuid4().hex}"


@pytest.fixture
def store(store_location, clock) -> Iterator[Store]:
    """The opened store, without a server."""
    opened = open_store(store_location, clock=clock)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def server(store_location, clock) -> Iterator[RunningServer]:
    running = start_server(store_location, "127.0.0.1:0", clock=clock)
    try:
        yield running
    finally:
        running.stop(grace=None)


@pytest.fixture
def target(server) -> str:
    return f"127.0.0.1:{server.port}"


@pytest.fixture
def client(target) -> Iterator[Client]:
    with Client(target, api_key=TEST_ADMIN_KEY, timeout=10) as connected:
        yield connected


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    """A private redis-server (Debian's) on 127.0.0.1, a free port, data in tmp_path/redis.

    Fails, never skips, when redis-server is not installed: `make install` installs it.
    """
    try:
        redis_server_executable()
    except RedisServerMissing as missing:
        raise pytest.fail.Exception(str(missing), pytrace=False) from None
    with RedisServer(tmp_path / "redis") as running:
        yield running
