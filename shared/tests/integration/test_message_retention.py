"""Messaging tables pruned past their retention, on a real service database (ingest's schema):
published outbox rows after a day, inbox rows and claim-checked event data after two weeks;
unpublished and parked outbox rows never."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from ledgerline.message_retention import (
    PRUNE_TURN_SQL,
    MessageTablePruner,
    Retention,
    prune_once,
)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
RETENTION = Retention(published_outbox=timedelta(hours=24), inbox=timedelta(days=14))


async def outbox_row(
    pool: asyncpg.Pool,
    label: str,
    *,
    now: datetime,
    created: timedelta,
    published: timedelta | None = None,
    parked: timedelta | None = None,
) -> None:
    await pool.execute(
        "INSERT INTO outbox (event_id, topic, message_key, payload, created_at, published_at,"
        " parked_at) VALUES ($1, 't', $2, '{}', $3, $4, $5)",
        uuid.uuid4(),
        label,
        now - created,
        None if published is None else now - published,
        None if parked is None else now - parked,
    )


async def inbox_row(pool: asyncpg.Pool, label: str, when: datetime) -> None:
    await pool.execute(
        "INSERT INTO inbox (consumer, event_id, topic, processed_at) VALUES ($1, $2, 't', $3)",
        label,
        uuid.uuid4(),
        when,
    )


async def event_data_row(pool: asyncpg.Pool, label: str, when: datetime) -> None:
    await pool.execute(
        "INSERT INTO event_data (event_id, office_id, dossier_id, data, created_at)"
        " VALUES ($1, $1, $1, $2, $3)",
        uuid.uuid4(),
        label,
        when,
    )


async def kept(pool: asyncpg.Pool) -> dict[str, list[str]]:
    return {
        "outbox": [r[0] for r in await pool.fetch("SELECT message_key FROM outbox ORDER BY 1")],
        "inbox": [r[0] for r in await pool.fetch("SELECT consumer FROM inbox ORDER BY 1")],
        "event_data": [r[0] for r in await pool.fetch("SELECT data FROM event_data ORDER BY 1")],
    }


async def a_month_of_messages(pool: asyncpg.Pool, now: datetime = NOW) -> None:
    day, hour = timedelta(days=1), timedelta(hours=1)
    for n in range(5):
        await outbox_row(pool, f"old-published-{n}", now=now, created=30 * day, published=30 * day)
    await outbox_row(pool, "published-an-hour-ago", now=now, created=3 * day, published=hour)
    await outbox_row(pool, "unpublished-for-a-month", now=now, created=30 * day)
    await outbox_row(pool, "parked-for-a-month", now=now, created=30 * day, parked=29 * day)
    for n in range(3):
        await inbox_row(pool, f"handled-a-month-ago-{n}", now - 30 * day)
        await event_data_row(pool, f"stored-a-month-ago-{n}", now - 30 * day)
    await inbox_row(pool, "handled-a-week-ago", now - 7 * day)
    await event_data_row(pool, "stored-a-week-ago", now - 7 * day)


async def test_rows_past_their_retention_are_pruned_in_batches_and_the_rest_kept(
    ingest_pool: asyncpg.Pool,
) -> None:
    await a_month_of_messages(ingest_pool)

    pruned = await prune_once(ingest_pool, RETENTION, service="test", now=NOW, batch_size=2)

    assert pruned == {"outbox": 5, "inbox": 3, "event_data": 3}
    assert await kept(ingest_pool) == {
        "outbox": ["parked-for-a-month", "published-an-hour-ago", "unpublished-for-a-month"],
        "inbox": ["handled-a-week-ago"],
        "event_data": ["stored-a-week-ago"],
    }
    assert await prune_once(ingest_pool, RETENTION, service="test", now=NOW) == {
        "outbox": 0,
        "inbox": 0,
        "event_data": 0,
    }


async def test_a_second_pruner_of_the_same_database_waits_its_turn(
    ingest_pool: asyncpg.Pool,
) -> None:
    await a_month_of_messages(ingest_pool)
    async with ingest_pool.acquire() as other, other.transaction():
        assert await other.fetchval(PRUNE_TURN_SQL)

        assert await prune_once(ingest_pool, RETENTION, service="test", now=NOW) is None
        assert len((await kept(ingest_pool))["outbox"]) == 8


async def test_the_pruner_prunes_as_soon_as_it_starts(ingest_pool: asyncpg.Pool) -> None:
    await a_month_of_messages(ingest_pool, now=datetime.now(UTC))
    pruner = MessageTablePruner(ingest_pool, RETENTION, service="test", interval_seconds=3600)
    running = asyncio.create_task(pruner.run())
    try:
        for _ in range(200):
            if len((await kept(ingest_pool))["event_data"]) == 1:
                break
            await asyncio.sleep(0.05)
    finally:
        running.cancel()
    assert await kept(ingest_pool) == {
        "outbox": ["parked-for-a-month", "published-an-hour-ago", "unpublished-for-a-month"],
        "inbox": ["handled-a-week-ago"],
        "event_data": ["stored-a-week-ago"],
    }
