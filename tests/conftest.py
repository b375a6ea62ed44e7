"""Shared fixtures: a real promocore server on 127.0.0.1 with a temporary LMDB directory."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from promocore import Client
from promocore.clock import FixedClock
from promocore.server.grpc_server import RunningServer, ServerOptions, start_server

# The browser and console fixtures of the console's browser tests.
from console_support import browser, console  # noqa: F401
from redis_support import RedisServer, RedisServerMissing, redis_server_executable
from support import TEST_ADMIN_KEY

# A fixed "now" for tests: Sunday 2026-03-01 12:00 UTC.
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


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


# PROMOCORE_TEST_STORE=redis puts the `server` fixture's store on Redis (one private
# redis-server for the run, a key prefix per test), so every test using it runs on Redis.
TEST_STORE = os.environ.get("PROMOCORE_TEST_STORE", "lmdb")


@pytest.fixture(scope="session")
def session_redis(tmp_path_factory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("session-redis")) as running:
        yield running


@pytest.fixture
def server(tmp_path, clock, request) -> Iterator[RunningServer]:
    if TEST_STORE == "redis":
        redis_url = request.getfixturevalue("session_redis").url
        location = f"{redis_url}?prefix=t{uuid.uuid4().hex}"
    else:
        location = str(tmp_path / "data")
    running = start_server(location, "127.0.0.1:0", clock=clock)
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
