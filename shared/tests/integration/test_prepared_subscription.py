"""A PreparedSubscription does its slow part (recognition fetching and reading a document)
with no database connection held, and records once per event, in the inbox transaction."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from ledgerline.consumers import EventConsumer
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.devstack.stack import Infrastructure
from ledgerline.events import Envelope, LedgerSynced, spec_for
from ledgerline.kafka import create_broker
from ledgerline.messaging_schema import OUTBOX_INBOX_DDL

pytestmark = [pytest.mark.integration]


async def test_prepare_holds_no_connection_and_a_redelivery_is_skipped(
    infrastructure: Infrastructure, fresh_database: str
) -> None:
    # One connection only: were `prepare` run inside the inbox transaction, the query it
    # makes would wait for that transaction's connection for ever.
    pool = await create_pool(fresh_database, min_size=1, max_size=1)
    await pool.execute(OUTBOX_INBOX_DDL)
    await pool.execute("CREATE TABLE effects (event_id uuid NOT NULL, value int NOT NULL)")
    prepared: list[uuid.UUID] = []

    async def prepare(event: Envelope[LedgerSynced]) -> int:
        prepared.append(event.id)
        value = await asyncio.wait_for(pool.fetchval("SELECT 40 + 2"), timeout=5)
        return int(value)

    async def record(uow: UnitOfWork, event: Envelope[LedgerSynced], value: int) -> None:
        await uow.conn.execute("INSERT INTO effects VALUES ($1, $2)", event.id, value)

    consumer = EventConsumer(
        service="prepared", pool=pool, broker=create_broker("127.0.0.1:1", client_id="tests")
    )
    envelope = Envelope[LedgerSynced](
        source="/tests",
        type=spec_for(LedgerSynced).type,
        dossierid=uuid.uuid4(),
        officeid=uuid.uuid4(),
        correlationid=str(uuid.uuid4()),
        data=LedgerSynced(synced_at=datetime.now(UTC), counterparties=1),
    )
    body = envelope.model_dump_json().encode()
    try:
        for _ in range(2):  # delivered twice
            await consumer.handle(
                "prepared",
                spec_for(LedgerSynced).topic,
                Envelope[LedgerSynced],
                record,
                body,
                prepare=prepare,
            )
        effects = await pool.fetch("SELECT event_id, value FROM effects")
        inbox = await pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", envelope.id)
    finally:
        await pool.close()
    assert prepared == [envelope.id]  # the redelivery was skipped before preparing
    assert [(row["event_id"], row["value"]) for row in effects] == [(envelope.id, 42)]
    assert inbox == 1
