"""The private redis-server of the tests: AOF survives kill -9, one port per instance."""

from __future__ import annotations

import pytest
import redis

from redis_support import RedisServer, RedisServerMissing, redis_server_executable


def test_acknowledged_write_survives_kill_9(redis_server):
    port, url = redis_server.port, redis_server.url
    assert url == f"redis://127.0.0.1:{port}/0"
    client = redis_server.client()
    assert client.set("promo:key", "kept")
    client.close()

    redis_server.kill()
    assert not redis_server.running
    with pytest.raises(redis.exceptions.ConnectionError):
        redis.Redis(host="127.0.0.1", port=port, retry=None).ping()

    redis_server.start()
    assert (redis_server.port, redis_server.url) == (port, url)
    assert redis.Redis.from_url(redis_server.url).get("promo:key") == b"kept"


def test_restart_soft_and_hard_keep_port_and_data(redis_server):
    redis_server.client().set("promo:key", "1")
    port = redis_server.port
    redis_server.restart(hard=False)
    redis_server.client().incr("promo:key")
    redis_server.restart()
    assert redis_server.port == port
    assert redis_server.client().get("promo:key") == b"2"


def test_each_instance_its_own_port_and_data(redis_server, tmp_path):
    with RedisServer(tmp_path / "other") as other:
        assert other.port != redis_server.port
        assert other.dir != redis_server.dir
        redis_server.client().set("promo:key", "first")
        assert other.client().get("promo:key") is None
        process = other.process
    assert process.poll() is not None  # __exit__ killed it


def test_missing_redis_server_says_make_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RedisServerMissing, match="make install"):
        redis_server_executable()
