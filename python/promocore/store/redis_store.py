"""RedisStore: the store on a Redis server shared by several promocore nodes (docs/redis.md).

Every write transaction commits through one server-side script that re-checks what it read
(redis_kv), so limits stay exact across nodes; a write that lost a race is run again by the
group-commit writer. Durability is the Redis server's: run it with `appendonly yes` and
`appendfsync always` for no loss of an acknowledged redemption.
"""

from __future__ import annotations

from promocore.clock import Clock
from promocore.store.errors import STORE_UNREACHABLE
from promocore.store.group_commit import DEFAULT_MAX_BATCH, CommitObserver
from promocore.store.redis_kv import RedisEnvironment, RedisLocation
from promocore.store.store import Store
from promocore.store.tables import TABLE_NAMES, Tables


class RedisStore(Store):
    def __init__(
        self,
        url: str,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        clock: Clock | None = None,
        commit_observer: CommitObserver | None = None,
    ) -> None:
        self.redis_location = RedisLocation.parse(url)
        env = RedisEnvironment(self.redis_location, TABLE_NAMES)
        try:
            env.client.ping()  # fail at start, naming the URL, rather than on the first request
        except STORE_UNREACHABLE as error:
            env.close()
            raise ConnectionError(f"cannot reach the Redis store at {url}: {error}") from None
        super().__init__(
            env,
            Tables(**env.tables),
            location=url,
            max_batch=max_batch,
            clock=clock,
            commit_observer=commit_observer,
        )
