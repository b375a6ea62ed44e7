"""The store's tables on Redis, behind the subset of py-lmdb's Environment/Transaction/Cursor
interface the store uses, so every store module runs unchanged on either backend.

Layout (docs/redis.md): table T is a hash `{P}:t:T` (key -> value) and a sorted set
`{P}:i:T` of its keys, all scores 0, so ZRANGEBYLEX walks keys in LMDB's byte order. `{P}`
is the hash tag of every key of a store: one Redis Cluster slot, so one script can touch them all.

Write transactions are optimistic and serializable. Reads go to the server as they happen
and are remembered (a value, a key's absence, or the exact keys seen between two cursor
positions); writes are buffered. Commit runs one Lua script that re-checks every remembered read
and, only if all still hold, applies every write: the check-and-update of all counters a
redemption touches happens atomically on the server, whatever process or node prepared it. When
a read no longer holds the commit raises WriteConflict and writes nothing; the caller runs the
work again against fresh data. Read transactions read live data (no snapshot).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast, overload
from urllib.parse import parse_qs, urlsplit

import redis

from promocore.store.errors import WriteConflict
from promocore.store.keys import decode_counter, encode_counter
from promocore.store.redis_cursor import WALK_CHUNK, RedisCursor, after

# Values longer than this are checked at commit by their SHA-1 instead of sent back whole.
_INLINE_CHECK_BYTES = 128
# Rows of cursor walks a transaction keeps to answer the same walk again without a round trip.
_WALK_CACHE_ROWS = 4096
DEFAULT_PREFIX = "promocore"
# A request fails (UNAVAILABLE) rather than wait longer than this for the Redis server.
SOCKET_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 2.0

# What a lost Redis connection raises. The RPC answers UNAVAILABLE: a commit in flight may or may
# not have happened, and a retry with the same idempotency key finds out which.
# KEYS: a hash and its index per table (table i: KEYS[2i-1], KEYS[2i]).
# ARGV: the reads to check, then the writes; returns 1 when committed, 0 on a conflict.
_COMMIT = """
local a = 1
local function arg() local v = ARGV[a]; a = a + 1; return v end
for _ = 1, tonumber(arg()) do
  local kind = arg()
  local t = tonumber(arg())
  local h, idx = KEYS[2 * t - 1], KEYS[2 * t]
  if kind == 'a' then
    if redis.call('HEXISTS', h, arg()) == 1 then return 0 end
  elseif kind == 'v' then
    local key = arg()
    if redis.call('HGET', h, key) ~= arg() then return 0 end
  elseif kind == 's' then
    local current = redis.call('HGET', h, arg())
    if not current or redis.sha1hex(current) ~= arg() then return 0 end
  elseif kind == 'g' then
    local lo, hi, n = arg(), arg(), tonumber(arg())
    local seen = redis.call('ZRANGEBYLEX', idx, lo, hi, 'LIMIT', 0, n + 1)
    if #seen ~= n then return 0 end
    for j = 1, n do
      if seen[j] ~= arg() then return 0 end
    end
  elseif kind == 'n' then
    if redis.call('HLEN', h) ~= tonumber(arg()) then return 0 end
  end
end
for _ = 1, tonumber(arg()) do
  local op = arg()
  local t = tonumber(arg())
  local h, idx = KEYS[2 * t - 1], KEYS[2 * t]
  local key = arg()
  if op == 'p' then
    if redis.call('HSET', h, key, arg()) == 1 then redis.call('ZADD', idx, 0, key) end
  elseif op == 'm' then
    -- Raised to an 8-byte big-endian unsigned value unless larger already (compared as
    -- numbers, exact below 2^53: Redis's Lua compares strings in the locale's order).
    local value, current = arg(), redis.call('HGET', h, key)
    local function number(raw)
      local n = 0
      for i = 1, 8 do n = n * 256 + string.byte(raw, i) end
      return n
    end
    if not current then
      redis.call('HSET', h, key, value)
      redis.call('ZADD', idx, 0, key)
    elseif number(current) < number(value) then
      redis.call('HSET', h, key, value)
    end
  elseif redis.call('HDEL', h, key) == 1 then
    redis.call('ZREM', idx, key)
  end
end
-- Increments of signed 8-byte little-endian counters, without reading them first: they commute,
-- so concurrent increments of one counter never conflict (exact while |value| < 2^53).
local function decode_i64(raw)
  if not raw then return 0 end
  local negative, n = string.byte(raw, 8) >= 128, 0
  for i = 8, 1, -1 do
    local b = string.byte(raw, i)
    n = n * 256 + (negative and 255 - b or b)
  end
  return negative and -(n + 1) or n
end
local function encode_i64(n)
  local negative, out = n < 0, {}
  local m = negative and -n - 1 or n
  for i = 1, 8 do
    local b = m % 256
    out[i] = negative and 255 - b or b
    m = math.floor(m / 256)
  end
  return string.char(unpack(out))
end
for _ = 1, tonumber(arg()) do
  local t = tonumber(arg())
  local h, idx = KEYS[2 * t - 1], KEYS[2 * t]
  local key, delta = arg(), tonumber(arg())
  local value = encode_i64(decode_i64(redis.call('HGET', h, key)) + delta)
  if redis.call('HSET', h, key, value) == 1 then redis.call('ZADD', idx, 0, key) end
end
-- Sequenced appends: the key is the table's last key + 1 (8 bytes big-endian), given here, so
-- sequence order is commit order; a record with a sequence field gets it appended as a varint
-- field (protobuf reads the last occurrence of a field).
local function varint(n)
  local out = {}
  repeat
    local low = n % 128
    n = math.floor(n / 128)
    out[#out + 1] = string.char(n > 0 and low + 128 or low)
  until n == 0
  return table.concat(out)
end
for _ = 1, tonumber(arg()) do
  local t = tonumber(arg())
  local h, idx = KEYS[2 * t - 1], KEYS[2 * t]
  local value, field = arg(), tonumber(arg())
  local last, sequence = redis.call('ZRANGE', idx, -1, -1), 1
  if last[1] then
    sequence = 0
    for i = 1, 8 do sequence = sequence * 256 + string.byte(last[1], i) end
    sequence = sequence + 1
  end
  local key, n = {}, sequence
  for i = 8, 1, -1 do key[i] = n % 256; n = math.floor(n / 256) end
  key = string.char(unpack(key))
  if field > 0 then value = value .. varint(field * 8) .. varint(sequence) end
  redis.call('HSET', h, key, value)
  redis.call('ZADD', idx, 0, key)
end
return 1
"""

# KEYS: hash, index. ARGV: from, to (ZRANGEBYLEX syntax), limit, reverse ("1"/"0").
# Returns key1, value1, key2, value2, ... read atomically.
_WALK = """
local keys
if ARGV[4] == '1' then
  keys = redis.call('ZREVRANGEBYLEX', KEYS[2], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
else
  keys = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
end
local out = {}
for i, key in ipairs(keys) do
  out[2 * i - 1] = key
  out[2 * i] = redis.call('HGET', KEYS[1], key)
end
return out
"""


# An argument of the commit script.
ScriptArg = bytes | int | str


def _bytes_list(answer: object) -> list[Any]:
    """A list answer of the client, made without decode_responses: bytes (or None) items."""
    return cast(list[Any], answer)


@dataclass(frozen=True)
class RedisTable:
    """A table handle (the `db=` argument), like an LMDB named database."""

    name: str
    hash_key: bytes
    index_key: bytes


@dataclass(frozen=True)
class RedisLocation:
    url: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> RedisLocation:
        """`redis://HOST:PORT/DB`, optionally `?prefix=NAME` (several stores in one database)."""
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise ValueError(f"store: expected redis://HOST:PORT/DB, got {url!r}")
        prefix = parse_qs(parts.query, keep_blank_values=True).get("prefix", [DEFAULT_PREFIX])[0]
        if not prefix or any(c in prefix for c in "{}:"):
            raise ValueError(f"store: prefix must be non-empty, without braces or ':': {prefix!r}")
        return cls(url=parts._replace(query="").geturl(), prefix=prefix)


class RedisEnvironment:
    """One connection pool per process (open it after fork, as with LMDB)."""

    def __init__(self, location: RedisLocation, table_names: Iterable[str]) -> None:
        self.location = location
        self.client = redis.Redis.from_url(
            location.url, socket_timeout=SOCKET_TIMEOUT_S, socket_connect_timeout=CONNECT_TIMEOUT_S
        )
        tag = "{" + location.prefix + "}"
        self.tables = {
            name: RedisTable(name, f"{tag}:t:{name}".encode(), f"{tag}:i:{name}".encode())
            for name in table_names
        }
        self._commit = self.client.register_script(_COMMIT)
        self._walk = self.client.register_script(_WALK)

    def begin(self, *, write: bool = False, buffers: bool = False) -> RedisTransaction:
        del buffers  # values are always bytes
        return RedisTransaction(self, write=write)

    def close(self) -> None:
        self.client.close()

    def walk(
        self, table: RedisTable, start: bytes, stop: bytes, limit: int, reverse: bool
    ) -> list[tuple[bytes, bytes]]:
        flat = self._walk(
            keys=[table.hash_key, table.index_key], args=[start, stop, limit, int(reverse)]
        )
        return _pairs(flat)

    def read_together(
        self,
        gets: list[tuple[RedisTable, list[bytes]]],
        walks: list[tuple[RedisTable, bytes, bytes, bool]],
    ) -> tuple[list[list[bytes | None]], list[list[tuple[bytes, bytes]]]]:
        """Several HMGETs and walk scripts (from, to, reverse; WALK_CHUNK rows) in one round
        trip: the values of each get's keys, the rows of each walk."""
        for attempt in (1, 2):
            pipe = self.client.pipeline(transaction=False)
            for table, keys in gets:
                pipe.hmget(table.hash_key, keys)
            for table, start, stop, reverse in walks:
                # EVALSHA, not the Script object: that makes the pipeline ask SCRIPT EXISTS
                # first, a round trip of its own.
                pipe.evalsha(
                    self._walk.sha,
                    2,
                    table.hash_key,
                    table.index_key,
                    start,
                    stop,
                    WALK_CHUNK,
                    int(reverse),
                )
            results = pipe.execute(raise_on_error=False)
            missing = [r for r in results if isinstance(r, redis.exceptions.NoScriptError)]
            if missing and attempt == 1:  # a restarted server forgot the script
                self.client.script_load(_WALK)
                continue
            for result in results:
                if isinstance(result, Exception):
                    raise result
            break
        return results[: len(gets)], [_pairs(flat) for flat in results[len(gets) :]]

    def first_key(self, table: RedisTable) -> bytes | None:
        found = _bytes_list(self.client.zrange(table.index_key, 0, 0))
        return found[0] if found else None

    def commit(self, keys: list[bytes], args: list[bytes | int | str]) -> bool:
        return bool(self._commit(keys=keys, args=args) == 1)


def _pairs(flat: list[bytes]) -> list[tuple[bytes, bytes]]:
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


class _ReadSet:
    """What a write transaction saw on the server, to be re-checked at commit."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, bytes], bytes | None] = {}
        # (table, lo, hi, server keys seen in between) in ZRANGEBYLEX syntax, ascending; a
        # dict, so that a range walked again (the same answer, from the walk cache) is checked once.
        self.gaps: dict[tuple[str, bytes, bytes, tuple[bytes, ...]], None] = {}
        self.lengths: dict[str, int] = {}


class RedisTransaction:
    def __init__(self, env: RedisEnvironment, *, write: bool) -> None:
        self._env = env
        self.write = write
        # table name -> key -> value, or None for a deleted key (this transaction's own writes).
        self._writes: dict[str, dict[bytes, bytes | None]] = {}
        # table name -> counter key -> amount added without reading it (see increment()).
        self._deltas: dict[str, dict[bytes, int]] = {}
        # (table name, record, sequence field number) numbered by the server at commit.
        self._appends: list[tuple[str, bytes, int]] = []
        # table name -> key -> 8-byte big-endian value it is raised to (see raise_to()).
        self._raises: dict[str, dict[bytes, bytes]] = {}
        # Server values read so far; in a write transaction, also its read set.
        self._seen: dict[tuple[str, bytes], bytes | None] = {}
        # Server values fetched ahead of their reads: a read takes its value from
        # here, and only then is it remembered (a value prefetched but never read is no read).
        self._prefetched: dict[tuple[str, bytes], bytes | None] = {}
        # Server rows of the cursor walks made so far, by (table, from, to, reverse): the same
        # walk again is answered from here. Like a value read twice, it is the
        # answer of the first walk; the commit re-checks what was seen, so it is still current.
        self._walks: dict[tuple[str, bytes, bytes, bool], list[tuple[bytes, bytes]]] = {}
        self._walk_rows = 0
        # Table lengths read by stat(), answered again the same way.
        self._lengths: dict[str, int] = {}
        self._reads = _ReadSet() if write else None
        self._done = False

    # Context manager: commit on success, abort on an exception (as py-lmdb).
    def __enter__(self) -> RedisTransaction:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object, /) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()

    # Reads ------------------------------------------------------------------------------------

    @overload
    def get(
        self, key: bytes, default: None = None, db: RedisTable | None = None
    ) -> bytes | None: ...
    @overload
    def get(self, key: bytes, default: bytes, db: RedisTable | None = None) -> bytes: ...
    def get(
        self, key: bytes, default: bytes | None = None, db: RedisTable | None = None
    ) -> bytes | None:
        assert db is not None, "a table is required"
        key = bytes(key)
        found, value, added = self._written(db.name, key)
        if not found:
            value = self._server_get(db, key)
        if added:
            value = encode_counter(decode_counter(value) + added)
        return default if value is None else value

    def get_unchecked(self, key: bytes, db: RedisTable) -> bytes | None:
        """The key's value (this transaction's own write, else the server's), read without
        adding it to what the commit re-checks: for a value that no answer depends on
        exactly, so a concurrent writer of it is no conflict."""
        key = bytes(key)
        found, value, added = self._written(db.name, key)
        if not found:
            entry = (db.name, key)
            if entry in self._seen:
                value = self._seen[entry]
            elif entry in self._prefetched:  # fetched ahead (prefetch_reads), still unchecked
                value = self._prefetched[entry]
            else:
                value = cast(bytes | None, self._env.client.hget(db.hash_key, key))
        if added:
            value = encode_counter(decode_counter(value) + added)
        raised = self._raises.get(db.name, {}).get(key)  # what this transaction raised it to
        if raised is not None and (value is None or value < raised):
            value = raised
        return value

    def prefetch(self, keys: Iterable[bytes], db: RedisTable) -> None:
        """Reads the keys not read yet in one round trip (later gets find them)."""
        self.prefetch_reads([(db, keys)], [])

    def prefetch_reads(
        self,
        gets: Iterable[tuple[RedisTable, Iterable[bytes]]],
        walks: Iterable[tuple[RedisTable, bytes | None]],
    ) -> None:
        """Fetches, in one round trip, the keys not read yet and the first rows of the walks
        not made yet, a walk being where a cursor's set_range(start) (first() for None) would
        go: the reads that follow find them. Nothing is remembered for the commit's re-check
        until it is read."""
        wanted: list[tuple[RedisTable, list[bytes]]] = []
        for db, keys in gets:
            unknown = [
                key
                for key in dict.fromkeys(bytes(key) for key in keys)
                if not self._fetched(db.name, key) and not self._written(db.name, key)[0]
            ]
            if unknown:
                wanted.append((db, unknown))
        ranges = list(
            dict.fromkeys(
                (db, after(None if start is None else bytes(start), True), b"+", False)
                for db, start in walks
            )
        )
        ranges = [r for r in ranges if (r[0].name, *r[1:]) not in self._walks]
        if not (wanted or ranges):
            return
        values, rows = self._env.read_together(wanted, ranges)
        for (db, keys), found in zip(wanted, values, strict=True):
            for key, value in zip(keys, found, strict=True):
                self._prefetched.setdefault((db.name, key), value)
        for (db, start, stop, reverse), walked in zip(ranges, rows, strict=True):
            self._cache_walk((db.name, start, stop, reverse), walked)

    def first_key_unchecked(self, db: RedisTable) -> bytes | None:
        """The table's first key on the server (pending writes aside), NOT remembered for the
        commit's re-check: only for a decision that changes no answer, such as whether there is
        housekeeping to do (which then reads what it changes the usual way)."""
        return self._env.first_key(db)

    def stat(self, db: RedisTable) -> dict[str, int]:
        self._refuse_pending_increments(db.name)
        entries = self._lengths.get(db.name)
        if entries is None:
            entries = self._lengths[db.name] = self._env.client.hlen(db.hash_key)
        if self._reads is not None:
            self._reads.lengths.setdefault(db.name, entries)
        for key, value in self._overlay(db.name).items():
            on_server = self._server_get(db, key) is not None
            entries += (value is not None) - on_server
        return {"entries": entries}

    def cursor(self, db: RedisTable) -> RedisCursor:
        return RedisCursor(self, db)

    # Writes -----------------------------------------------------------------------------------

    def put(
        self,
        key: bytes,
        value: bytes,
        dupdata: bool = False,
        overwrite: bool = True,
        append: bool = False,
        db: RedisTable | None = None,
    ) -> bool:
        del dupdata, append
        assert db is not None, "a table is required"
        self._check_writable()
        key = bytes(key)
        if not overwrite and self.get(key, db=db) is not None:
            return False
        self._writes.setdefault(db.name, {})[key] = bytes(value)
        self._deltas.get(db.name, {}).pop(key, None)
        return True

    def delete(self, key: bytes, value: bytes = b"", db: RedisTable | None = None) -> bool:
        del value
        assert db is not None, "a table is required"
        self._check_writable()
        key = bytes(key)
        if self.get(key, db=db) is None:
            return False
        self._writes.setdefault(db.name, {})[key] = None
        self._deltas.get(db.name, {}).pop(key, None)
        return True

    def increment(self, key: bytes, amount: int, db: RedisTable) -> None:
        """Adds `amount` to a signed 8-byte little-endian counter without reading it: applied
        by the commit script, so it adds no read to re-check (a get() in this transaction still
        sees the sum)."""
        self._check_writable()
        key = bytes(key)
        written = self._writes.get(db.name, {})
        if key in written:
            written[key] = encode_counter(decode_counter(written[key]) + amount)
            return
        deltas = self._deltas.setdefault(db.name, {})
        deltas[key] = deltas.get(key, 0) + amount

    def raise_to(self, key: bytes, value: bytes, db: RedisTable) -> None:
        """Sets an 8-byte big-endian unsigned value to `value` unless it is larger already,
        without reading it: applied by the commit script, so writers that only raise a value
        never conflict over it (get_unchecked() in this transaction sees it, get() does not)."""
        self._check_writable()
        raises = self._raises.setdefault(db.name, {})
        current = raises.get(bytes(key))
        if current is None or current < value:  # same width, big-endian: bytes order is numbers'
            raises[bytes(key)] = bytes(value)

    def append_sequenced(self, db: RedisTable, record: bytes, sequence_field: int) -> None:
        """Stores `record` under the table's next sequence number, chosen by the server at
        commit (so concurrent writers never conflict over it); a non-zero `sequence_field`
        is the protobuf field number the record gets the sequence in."""
        self._check_writable()
        self._appends.append((db.name, bytes(record), sequence_field))

    # End --------------------------------------------------------------------------------------

    def commit(self) -> None:
        if self._done:
            return
        self._done = True
        if self._reads is None:
            return
        reads = self._reads
        pending = self._writes or self._deltas or self._appends or self._raises
        if not (pending or reads.values or reads.gaps or reads.lengths):
            return
        keys, args = self._commit_script_input()
        if not self._env.commit(keys, args):
            raise WriteConflict("a concurrent write changed what this transaction read")

    def abort(self) -> None:
        self._done = True
        self._writes.clear()
        self._deltas.clear()
        self._appends.clear()
        self._raises.clear()

    # Internals --------------------------------------------------------------------------------

    def _check_writable(self) -> None:
        if not self.write:
            raise RuntimeError("write to a read-only transaction")
        if self._done:
            raise RuntimeError("write to a finished transaction")

    def _written(self, table: str, key: bytes) -> tuple[bool, bytes | None, int]:
        """This transaction's own write of the key, if any, and what increments made since
        add to it: (found, value, added)."""
        writes = self._writes.get(table)
        if writes is not None and key in writes:
            return True, writes[key], 0
        return False, None, self._deltas.get(table, {}).get(key, 0)

    def _refuse_pending_increments(self, table: str) -> None:
        if self._deltas.get(table):
            raise NotImplementedError(f"walk or count {table} after blind increments of it")

    def _overlay(self, table: str) -> dict[bytes, bytes | None]:
        """Every pending write of `table`."""
        return self._writes.get(table, {})

    def _server_get(self, db: RedisTable, key: bytes) -> bytes | None:
        entry = (db.name, key)
        if entry in self._seen:
            return self._seen[entry]
        if entry in self._prefetched:
            value = self._prefetched.pop(entry)
        else:
            value = cast(bytes | None, self._env.client.hget(db.hash_key, key))
        self._remember(db.name, key, value)
        return value

    def _fetched(self, table: str, key: bytes) -> bool:
        entry = (table, key)
        return entry in self._seen or entry in self._prefetched

    def _walk(
        self, db: RedisTable, lo: bytes, hi: bytes, reverse: bool
    ) -> list[tuple[bytes, bytes]]:
        """Up to WALK_CHUNK server rows from lo to hi (ZRANGEBYLEX bounds), from the walk
        cache when this transaction made the same walk before."""
        entry = (db.name, lo, hi, reverse)
        rows = self._walks.get(entry)
        if rows is None:
            rows = self._env.walk(db, lo, hi, WALK_CHUNK, reverse)
            self._cache_walk(entry, rows)
        return rows

    def _cache_walk(
        self, entry: tuple[str, bytes, bytes, bool], rows: list[tuple[bytes, bytes]]
    ) -> None:
        if self._walk_rows + len(rows) <= _WALK_CACHE_ROWS:
            self._walks[entry] = rows
            self._walk_rows += len(rows)

    def _remember(self, table: str, key: bytes, value: bytes | None) -> None:
        entry = (table, key)
        self._seen.setdefault(entry, value)
        if self._reads is not None:
            self._reads.values.setdefault(entry, value)

    def _remember_gap(self, table: str, lo: bytes, hi: bytes, keys: list[bytes]) -> None:
        if self._reads is not None:
            self._reads.gaps[(table, lo, hi, tuple(keys))] = None

    def _commit_script_input(self) -> tuple[list[bytes], list[ScriptArg]]:
        index: dict[str, int] = {}
        keys: list[bytes] = []

        def table_number(name: str) -> int:
            if name not in index:
                table = self._env.tables[name]
                keys.extend((table.hash_key, table.index_key))
                index[name] = len(index) + 1
            return index[name]

        reads = self._reads
        assert reads is not None, "only a write transaction commits"
        checks: list[ScriptArg] = []
        count = 0
        for (table, key), value in reads.values.items():
            if value is None:
                checks += [b"a", table_number(table), key]
            elif len(value) <= _INLINE_CHECK_BYTES:
                checks += [b"v", table_number(table), key, value]
            else:
                checks += [b"s", table_number(table), key, hashlib.sha1(value).hexdigest()]
            count += 1
        for table, lo, hi, seen in reads.gaps:
            checks += [b"g", table_number(table), lo, hi, len(seen), *seen]
            count += 1
        for table, entries in reads.lengths.items():
            checks += [b"n", table_number(table), entries]
            count += 1
        writes: list[ScriptArg] = []
        write_count = 0
        for table, pending in self._writes.items():
            number = table_number(table)
            for key, value in pending.items():
                writes += [b"p", number, key, value] if value is not None else [b"d", number, key]
                write_count += 1
        for table, raises in self._raises.items():
            number = table_number(table)
            for key, value in raises.items():
                writes += [b"m", number, key, value]
                write_count += 1
        increments: list[ScriptArg] = []
        for table, deltas in self._deltas.items():
            number = table_number(table)
            for key, amount in deltas.items():
                increments += [number, key, amount]
        appends: list[ScriptArg] = []
        for table, record, sequence_field in self._appends:
            appends += [table_number(table), record, sequence_field]
        return keys, [
            count,
            *checks,
            write_count,
            *writes,
            len(increments) // 3,
            *increments,
            len(self._appends),
            *appends,
        ]
