"""Where a Redis store is: the URL `serve --store` and `check --store` take."""

from __future__ import annotations

import subprocess
import sys

import pytest

from promocore.store.redis_kv import DEFAULT_PREFIX, RedisLocation


def test_a_url_names_the_server_database_and_optionally_a_prefix():
    plain = RedisLocation.parse("redis://10.0.0.5:6379/2")
    assert (plain.url, plain.prefix) == ("redis://10.0.0.5:6379/2", DEFAULT_PREFIX)
    named = RedisLocation.parse("redis://:secret@10.0.0.5:6379/0?prefix=brand-a")
    assert (named.url, named.prefix) == ("redis://:secret@10.0.0.5:6379/0", "brand-a")


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://10.0.0.5:6379/0", "expected redis://"),
        ("redis://10.0.0.5:6379/0?prefix=", "prefix must be non-empty"),
        ("redis://10.0.0.5:6379/0?prefix=a{b}", "without braces"),
    ],
)
def test_a_bad_url_is_refused_saying_why(url, complaint):
    with pytest.raises(ValueError, match=complaint):
        RedisLocation.parse(url)


def test_serve_refuses_a_bad_store_url_naming_the_option():
    result = subprocess.run(
        [sys.executable, "-m", "promocore.cli", "serve", "--store", "http://127.0.0.1:1/0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--store" in result.stderr
    assert "expected redis://" in result.stderr
