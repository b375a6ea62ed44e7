"""RedisCursor: a position in one table of a RedisTransaction (store/redis_kv.py), over the
server's keys merged with the transaction's pending writes, as py-lmdb's cursors move.

The cursor uses its transaction's internals (what it wrote, the server rows it walked and
remembered); CursorTransaction names them, so that this module needs nothing of redis_kv.py,
which makes the cursors.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any, Literal, Protocol, cast, overload

# Keys fetched per round trip when a cursor walks a table.
WALK_CHUNK = 128
# Existence checks per round trip in putmulti.
PUTMULTI_CHUNK = 2048


class Table(Protocol):
    """A RedisTable, as far as a cursor goes."""

    @property
    def name(self) -> str: ...
    @property
    def hash_key(self) -> bytes: ...


class CursorTransaction(Protocol):
    """What a cursor uses of its RedisTransaction."""

    @property
    def _reads(self) -> object | None: ...
    @property
    def _env(self) -> Any: ...
    @property
    def _prefetched(self) -> dict[tuple[str, bytes], bytes | None]: ...
    def put(
        self,
        key: bytes,
        value: bytes,
        dupdata: bool = ...,
        overwrite: bool = ...,
        append: bool = ...,
        db: Any = ...,
    ) -> bool: ...
    def delete(self, key: bytes, value: bytes = ..., db: Any = ...) -> bool: ...
    def _written(self, table: str, key: bytes) -> tuple[bool, bytes | None, int]: ...
    def _refuse_pending_increments(self, table: str) -> None: ...
    def _overlay(self, table: str) -> dict[bytes, bytes | None]: ...
    def _fetched(self, table: str, key: bytes) -> bool: ...
    def _walk(self, db: Any, lo: bytes, hi: bytes, reverse: bool) -> list[tuple[bytes, bytes]]: ...
    def _remember(self, table: str, key: bytes, value: bytes | None) -> None: ...
    def _remember_gap(self, table: str, lo: bytes, hi: bytes, keys: list[bytes]) -> None: ...


# Cursor bounds in ZRANGEBYLEX syntax.
def after(key: bytes | None, inclusive: bool) -> bytes:
    return b"-" if key is None else (b"[" if inclusive else b"(") + key


def before(key: bytes | None, inclusive: bool) -> bytes:
    return b"+" if key is None else (b"[" if inclusive else b"(") + key


class RedisCursor:
    """A position in one table of a transaction, over the server's keys merged with the
    transaction's pending writes. In a write transaction every step remembers the keys the
    server had between the old and the new position, so a key inserted there by another writer
    before commit is a conflict (no phantoms)."""

    def __init__(self, txn: CursorTransaction, db: Table) -> None:
        self._txn = txn
        self._db = db
        self._key: bytes | None = None
        self._value: bytes | None = None
        # Read ahead: the server's rows right after the position in the last step's direction,
        # fetched with it (used only while the transaction has no pending write to the table),
        # and whether they reach the end of the table.
        self._ahead: deque[tuple[bytes, bytes]] = deque()
        self._ahead_reverse = False
        self._ahead_to_end = False

    def key(self) -> bytes:
        return self._key if self._key is not None else b""

    def value(self) -> bytes:
        return self._value if self._value is not None else b""

    def item(self) -> tuple[bytes, bytes]:
        return self.key(), self.value()

    def first(self) -> bool:
        return self._step(None, inclusive=True, reverse=False)

    def last(self) -> bool:
        return self._step(None, inclusive=True, reverse=True)

    def next(self) -> bool:
        if self._key is None:
            return self.first()
        return self._step(self._key, inclusive=False, reverse=False)

    def prev(self) -> bool:
        if self._key is None:
            return self.last()
        return self._step(self._key, inclusive=False, reverse=True)

    def set_range(self, key: bytes) -> bool:
        return self._step(bytes(key), inclusive=True, reverse=False)

    def delete(self) -> bool:
        """Deletes the current key and moves to the next one, if any (as py-lmdb); True when a
        key was deleted."""
        if self._key is None:
            return False
        deleted = self._key
        self._txn.delete(deleted, db=self._db)
        self._step(deleted, inclusive=False, reverse=False)
        return True

    @overload
    def iternext(
        self, keys: Literal[True] = True, values: Literal[True] = True
    ) -> Iterator[tuple[bytes, bytes]]: ...
    @overload
    def iternext(self, keys: Literal[True], values: Literal[False]) -> Iterator[bytes]: ...
    def iternext(self, keys: bool = True, values: bool = True) -> Iterator[Any]:
        found = self._key is not None or self.first()
        while found:
            if keys and values:
                yield self._key, self._value
            elif keys:
                yield self._key
            else:
                yield self._value
            found = self.next()

    __iter__ = iternext

    def putmulti(
        self,
        items: Iterable[tuple[bytes, bytes]],
        dupdata: bool = False,
        overwrite: bool = True,
        append: bool = False,
    ) -> tuple[int, int]:
        """(items consumed, items added); with overwrite=False existing keys are skipped."""
        del dupdata, append
        txn = self._txn
        pairs = [(bytes(key), bytes(value)) for key, value in items]
        if not overwrite:
            unknown = [
                key
                for key, _ in pairs
                if not txn._written(self._db.name, key)[0] and not txn._fetched(self._db.name, key)
            ]
            for start in range(0, len(unknown), PUTMULTI_CHUNK):
                chunk = unknown[start : start + PUTMULTI_CHUNK]
                values = cast(list[bytes | None], txn._env.client.hmget(self._db.hash_key, chunk))
                for key, value in zip(chunk, values, strict=True):
                    txn._prefetched.setdefault((self._db.name, key), value)
        added = sum(txn.put(key, value, overwrite=overwrite, db=self._db) for key, value in pairs)
        return len(pairs), added

    def _step(self, origin: bytes | None, *, inclusive: bool, reverse: bool) -> bool:
        """Moves to the nearest visible key after (before, when reverse) `origin`: the nearer of
        the transaction's own nearest pending key and the server's nearest key that the
        transaction did not overwrite or delete."""
        txn, table = self._txn, self._db.name
        txn._refuse_pending_increments(table)
        overlay = txn._overlay(table)
        if not overlay and origin is not None and self._continues_ahead(origin, inclusive, reverse):
            return self._step_ahead(origin, reverse)
        self._ahead.clear()
        self._ahead_to_end = False
        pending = sorted(key for key, value in overlay.items() if value is not None)
        candidate = _nearest(pending, origin, inclusive, reverse)
        skipped: list[bytes] = []
        found = self._server_nearest(origin, inclusive, reverse, candidate, overlay, skipped)
        end_key: bytes | None
        value: bytes | None
        if found is not None:
            txn._remember(table, *found)
            end_key, value = found
        else:
            end_key = candidate
            value = overlay[candidate] if candidate is not None else None
        # Between origin and the new position the server had exactly `skipped`.
        self._remember_gap(origin, inclusive, end_key, skipped, reverse)
        if end_key is None:
            self._key = self._value = None
            return False
        self._key, self._value = end_key, value
        return True

    def _continues_ahead(self, origin: bytes, inclusive: bool, reverse: bool) -> bool:
        """Whether this step goes on from the last one, in its direction, over rows it read
        ahead (or past the end those rows reached)."""
        return (
            not inclusive
            and origin == self._key
            and reverse == self._ahead_reverse
            and bool(self._ahead or self._ahead_to_end)
        )

    def _server_nearest(
        self,
        origin: bytes | None,
        inclusive: bool,
        reverse: bool,
        candidate: bytes | None,
        overlay: dict[bytes, bytes | None],
        skipped: list[bytes],
    ) -> tuple[bytes, bytes] | None:
        """The server's nearest row from `origin`, short of `candidate` (the nearest pending
        key: the server is of interest only up to it), walking past the keys the transaction
        wrote (added to `skipped`: the pending write decides them). Without pending writes to
        the table, the rows after it are kept to answer the next steps."""
        lo = before(origin, inclusive) if reverse else after(origin, inclusive)
        far = (b"-" if reverse else b"+") if candidate is None else b"(" + candidate
        while True:
            rows = self._txn._walk(self._db, lo, far, reverse)
            for at, (key, value) in enumerate(rows):
                if key in overlay:
                    skipped.append(key)
                    continue
                if not overlay:
                    self._ahead.extend(rows[at + 1 :])
                    self._ahead_reverse = reverse
                    self._ahead_to_end = len(rows) < WALK_CHUNK
                return key, value
            if len(rows) < WALK_CHUNK:
                return None
            lo = b"(" + rows[-1][0]

    def _step_ahead(self, origin: bytes, reverse: bool) -> bool:
        """The next step from the rows read ahead: they follow `origin` on the server, nothing
        in between."""
        if not self._ahead:  # the rows read ahead reached the end of the table
            self._remember_gap(origin, False, None, [], reverse)
            self._key = self._value = None
            self._ahead_to_end = False
            return False
        key, value = self._ahead.popleft()
        self._txn._remember(self._db.name, key, value)
        self._remember_gap(origin, False, key, [], reverse)
        self._key, self._value = key, value
        return True

    def _remember_gap(
        self,
        origin: bytes | None,
        inclusive: bool,
        end_key: bytes | None,
        skipped: list[bytes],
        reverse: bool,
    ) -> None:
        txn = self._txn
        if txn._reads is None:
            return
        gap_end = b"(" + end_key if end_key is not None else (b"-" if reverse else b"+")
        if reverse:
            txn._remember_gap(self._db.name, gap_end, before(origin, inclusive), sorted(skipped))
        else:
            txn._remember_gap(self._db.name, after(origin, inclusive), gap_end, skipped)


def _nearest(
    ordered: list[bytes], origin: bytes | None, inclusive: bool, reverse: bool
) -> bytes | None:
    """The key of `ordered` nearest after (before, when reverse) `origin`."""
    if not ordered:
        return None
    if reverse:
        if origin is None:
            return ordered[-1]
        side = bisect.bisect_right if inclusive else bisect.bisect_left
        at = side(ordered, origin)
        return ordered[at - 1] if at > 0 else None
    if origin is None:
        return ordered[0]
    side = bisect.bisect_left if inclusive else bisect.bisect_right
    at = side(ordered, origin)
    return ordered[at] if at < len(ordered) else None
