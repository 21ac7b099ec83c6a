"""The outbox relay is woken after the commits that wrote events, by a NOTIFY of its own: the
writing transaction sends none (PostgreSQL would hold its cluster-wide notification lock over
that commit's flush to disk), and the commits of a burst share their wake-ups."""

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from ledgerline.db import UnitOfWork
from ledgerline.events import LedgerSynced
from ledgerline.outbox_doorbell import OUTBOX_CHANNEL, RelayDoorbell

pytestmark = pytest.mark.integration


class Listener:
    """What the relay's LISTEN hears: the wake-ups, counted."""

    def __init__(self) -> None:
        self.notified = asyncio.Event()
        self.wakeups = 0

    def __call__(self, *_: object) -> None:
        self.wakeups += 1
        self.notified.set()


async def emit_one(pool: asyncpg.Pool, doorbell: RelayDoorbell | None) -> None:
    async with UnitOfWork(pool, source="tests", doorbell=doorbell) as uow:
        uow.emit(
            LedgerSynced(synced_at=datetime.now(UTC)),
            dossier_id=uuid.uuid4(),
            office_id=uuid.uuid4(),
        )


async def test_a_burst_of_commits_wakes_the_relay_after_them_and_fewer_times_than_it_commits(
    ingest_pool: asyncpg.Pool,
) -> None:
    listening = await ingest_pool.acquire()
    listener = Listener()
    await listening.add_listener(OUTBOX_CHANNEL, listener)
    doorbell = RelayDoorbell(ingest_pool)
    try:
        await asyncio.gather(*(emit_one(ingest_pool, doorbell) for _ in range(20)))
        await doorbell.rung()
        await asyncio.wait_for(listener.notified.wait(), 10)
        await asyncio.sleep(0.2)  # a late notification would still be counted
        rows = await ingest_pool.fetchval("SELECT count(*) FROM outbox")
    finally:
        await listening.remove_listener(OUTBOX_CHANNEL, listener)
        await ingest_pool.release(listening)
    assert rows == 20
    # One NOTIFY per commit before (20); now one on its way at a time, the rest share the next.
    assert 1 <= listener.wakeups < 20


async def test_no_wake_up_without_events_nor_after_a_rollback(ingest_pool: asyncpg.Pool) -> None:
    listening = await ingest_pool.acquire()
    listener = Listener()
    await listening.add_listener(OUTBOX_CHANNEL, listener)
    doorbell = RelayDoorbell(ingest_pool)
    try:
        async with UnitOfWork(ingest_pool, source="tests", doorbell=doorbell) as uow:
            await uow.conn.execute("SELECT 1")
        with pytest.raises(RuntimeError):
            async with UnitOfWork(ingest_pool, source="tests", doorbell=doorbell) as uow:
                uow.emit(
                    LedgerSynced(synced_at=datetime.now(UTC)),
                    dossier_id=uuid.uuid4(),
                    office_id=uuid.uuid4(),
                )
                raise RuntimeError("the handler failed")
        await doorbell.rung()
        await asyncio.sleep(0.3)
        assert listener.wakeups == 0
        await emit_one(ingest_pool, doorbell)  # and the listener does hear a commit with one
        await asyncio.wait_for(listener.notified.wait(), 10)
    finally:
        await listening.remove_listener(OUTBOX_CHANNEL, listener)
        await ingest_pool.release(listening)
