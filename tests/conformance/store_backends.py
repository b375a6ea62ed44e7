"""Fixtures of the store conformance suite, star-imported by each of its modules: every test
there runs once per backend (LMDB in a temporary directory, Redis on a private redis-server),
through the same fixtures, unchanged.

`store_location` is what `promocore serve` takes (a directory or a redis:// URL); `store` is
the opened Store and `server` a real gRPC server on it. A module's `server` overrides the
suite-wide fixture of tests/conftest.py, so the service tests a module imports run against both
backends. (A conftest.py here would shadow tests/conftest.py, which tests import by name.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from promocore.server.grpc_server import RunningServer, start_server
from promocore.store import Store, open_store

from redis_support import RedisServer, RedisServerMissing, redis_server_executable

BACKENDS = ("lmdb", "redis")
__all__ = ["backend", "server", "shared_redis", "store", "store_location"]


@pytest.fixture(scope="session")
def shared_redis(tmp_path_factory) -> Iterator[RedisServer]:
    """One redis-server for the suite; every test gets its own key prefix in it."""
    try:
        redis_server_executable()
    except RedisServerMissing as missing:
        raise pytest.fail.Exception(str(missing), pytrace=False) from None
    with RedisServer(tmp_path_factory.mktemp("redis")) as running:
        yield running


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def store_location(backend, request, tmp_path) -> str:
    if backend == "lmdb":
        return str(tmp_path / "data")
    redis = request.getfixturevalue("shared_redis")
    return f"{redis.url}?prefix=t{uuid.uuid4().hex}"


@pytest.fixture
def store(store_location, clock) -> Iterator[Store]:
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
