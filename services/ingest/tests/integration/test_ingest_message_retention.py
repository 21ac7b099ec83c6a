"""A service process that runs the outbox relay prunes its messaging tables (here ingest's,
with Kafka unreachable: pruning needs only the database); one that does not run it leaves them
alone, so that a service's many `consume` processes do not all prune."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

pytestmark = pytest.mark.integration


async def a_month_old_published_event(pool: asyncpg.Pool) -> uuid.UUID:
    month_ago = datetime.now(UTC) - timedelta(days=30)
    event_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO outbox (event_id, topic, message_key, payload, created_at, published_at)"
        " VALUES ($1, 't', 'k', '{}', $2, $2)",
        event_id,
        month_ago,
    )
    await pool.execute(
        "INSERT INTO inbox (consumer, event_id, topic, processed_at) VALUES ('c', $1, 't', $2)",
        event_id,
        month_ago,
    )
    return event_id


async def rows_of(pool: asyncpg.Pool, event_id: uuid.UUID) -> int:
    return int(
        await pool.fetchval(
            "SELECT (SELECT count(*) FROM outbox WHERE event_id = $1)"
            " + (SELECT count(*) FROM inbox WHERE event_id = $1)",
            event_id,
        )
    )


async def test_the_process_running_the_relay_prunes_what_is_past_retention(
    ingest_app: Any,
) -> None:
    async with ingest_app(run_outbox_relay=True, prune_interval_seconds=0.05) as ingest:
        event_id = await a_month_old_published_event(ingest.pool)
        for _ in range(100):
            if await rows_of(ingest.pool, event_id) == 0:
                break
            await asyncio.sleep(0.05)
        assert await rows_of(ingest.pool, event_id) == 0


async def test_a_process_without_the_relay_does_not_prune(ingest_app: Any) -> None:
    async with ingest_app(run_outbox_relay=False, prune_interval_seconds=0.05) as ingest:
        event_id = await a_month_old_published_event(ingest.pool)
        await asyncio.sleep(0.5)
        assert await rows_of(ingest.pool, event_id) == 2
