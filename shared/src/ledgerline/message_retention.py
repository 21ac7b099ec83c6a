"""How long a service keeps the rows of its messaging tables once they have done their work.

An outbox row is needed until the relay has published it; after that only an operator looking
into what went out reads it. An inbox row must outlive every redelivery of its event, which
Kafka can make as long as it keeps the topic's messages (7 days by default; a consumer group
whose committed offsets expired starts again from the oldest message kept), so its retention
must be longer than the topics'. Claim-checked event data is fetched by consumers for as long as
its event can be delivered: the same bound. Parked and unpublished outbox rows are never pruned.

Without this every table grew by a row or more per event for good (ingest's outbox keeps each
received invoice inline: about 4 KB per document)."""

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from prometheus_client import Counter

log = logging.getLogger(__name__)

# One pruner per database at a time; more (the relay runs in several processes) wait their turn.
PRUNE_TURN_SQL = "SELECT pg_try_advisory_xact_lock(hashtextextended('ledgerline.prune', 0))"

# Each in batches of its own transaction, so that no long transaction holds back vacuum or
# replication; a batch shorter than asked means the table is done.
_PRUNE_SQL = {
    "outbox": """
        DELETE FROM outbox WHERE id = ANY(ARRAY(
            SELECT id FROM outbox WHERE published_at < $1 ORDER BY id LIMIT $2))""",
    "inbox": """
        DELETE FROM inbox WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM inbox WHERE processed_at < $1 LIMIT $2))""",
    "event_data": """
        DELETE FROM event_data WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM event_data WHERE created_at < $1 LIMIT $2))""",
}

PRUNED_ROWS = Counter(
    "ledgerline_messaging_rows_pruned_total",
    "Published outbox rows, inbox rows and claim-checked event data deleted after retention",
    ["service", "table"],
)


@dataclass(frozen=True)
class Retention:
    published_outbox: timedelta
    inbox: timedelta  # and claim-checked event data

    def cutoffs(self, now: datetime) -> dict[str, datetime]:
        """Per table, the time before which its rows are pruned."""
        return {
            "outbox": now - self.published_outbox,
            "inbox": now - self.inbox,
            "event_data": now - self.inbox,
        }


async def prune_once(
    pool: asyncpg.Pool,
    retention: Retention,
    *,
    service: str,
    now: datetime | None = None,
    batch_size: int = 5000,
) -> dict[str, int] | None:
    """Deletes what `retention` no longer keeps; the rows deleted per table, or None when
    another process of the service was pruning."""
    pruned: dict[str, int] = {}
    for table, before in retention.cutoffs(now or datetime.now(UTC)).items():
        pruned[table] = 0
        while True:
            async with pool.acquire() as connection, connection.transaction():
                if not await connection.fetchval(PRUNE_TURN_SQL):
                    return None
                status = await connection.execute(_PRUNE_SQL[table], before, batch_size)
            deleted = int(status.rsplit(" ", 1)[1])
            pruned[table] += deleted
            PRUNED_ROWS.labels(service, table).inc(deleted)
            if deleted < batch_size:
                break
    return pruned


class MessageTablePruner:
    """Prunes every `interval_seconds`, the first time right after start."""

    def __init__(
        self, pool: asyncpg.Pool, retention: Retention, *, service: str, interval_seconds: float
    ) -> None:
        self._pool = pool
        self._retention = retention
        self._service = service
        self._interval = interval_seconds

    async def run(self) -> None:
        while True:
            try:
                pruned = await prune_once(self._pool, self._retention, service=self._service)
            except (asyncpg.PostgresError, OSError) as exc:
                log.warning(
                    "pruning the messaging tables failed, next try in %.0f s: %s",
                    self._interval,
                    exc,
                )
            else:
                if pruned and any(pruned.values()):
                    log.info("pruned the messaging tables past their retention: %s", pruned)
            await asyncio.sleep(self._interval)
