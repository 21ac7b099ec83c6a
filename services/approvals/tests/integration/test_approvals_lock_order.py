"""Two consumer processes' batches hold documents of the same dossiers (a document's events are
keyed by the document): a batch takes its dossiers' invoice-process locks in one order, the
dossiers' ids, whatever the order of its events, so two batches wait for each other instead of
deadlocking (which failed a batch of 100, handled again one message at a time)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import pytest
from approvals import service_layer
from approvals.adapters import repository
from approvals.bootstrap import definition
from ledgerline.db import UnitOfWork
from ledgerline.testing.databases import MigratedDatabases, dossier_database
from ledgerline.testing.events import envelope, invoice_read, pdf_received

pytestmark = [pytest.mark.integration]

OFFICE = uuid.uuid4()
FIRST, SECOND = sorted([uuid.uuid4(), uuid.uuid4()])  # two dossiers, in lock order
T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
async def pool(migrated_databases: MigratedDatabases) -> AsyncIterator[asyncpg.Pool]:
    versions = definition().versions_dir
    async with dossier_database(migrated_databases, versions, OFFICE, FIRST, T0) as pool:
        yield pool


async def _blocked_on_a_lock(pool: asyncpg.Pool, holder: asyncpg.Connection) -> None:
    holder_pid = holder.get_server_pid()
    async with pool.acquire() as probe:
        for _ in range(200):
            if await probe.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND pid <> $1",
                holder_pid,
            ):
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the batch never waited for the lock")


async def test_a_batch_locks_its_dossiers_in_the_order_of_their_ids(pool: asyncpg.Pool) -> None:
    in_second, in_first = uuid.uuid4(), uuid.uuid4()
    async with UnitOfWork(pool, source="approvals") as uow:
        await service_layer.on_documents_received(
            uow,
            [
                envelope(pdf_received(in_second, T0), OFFICE, SECOND),
                envelope(pdf_received(in_first, T0), OFFICE, FIRST),
            ],
        )

    async def recognized_batch() -> None:  # the second dossier's document first
        async with UnitOfWork(pool, source="approvals") as uow:
            await service_layer.on_documents_recognized(
                uow,
                [
                    envelope(
                        invoice_read(in_second, "Janssens", Decimal("121.00")), OFFICE, SECOND
                    ),
                    envelope(invoice_read(in_first, "Peeters", Decimal("60.50")), OFFICE, FIRST),
                ],
            )

    async with pool.acquire() as holder, holder.transaction():
        await repository.lock_invoice_process(holder, OFFICE, SECOND)  # another batch has it
        batch = asyncio.create_task(recognized_batch())
        await _blocked_on_a_lock(pool, holder)
        async with pool.acquire() as probe:
            first_is_free = await probe.fetchval(
                "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))",
                f"invoice-approval-process:{OFFICE}:{FIRST}",
            )
        # Waiting for the second dossier, the batch already holds the first one's lock.
        assert first_is_free is False
    await asyncio.wait_for(batch, 10)
    async with pool.acquire() as conn:
        evaluated = await conn.fetchval(
            "SELECT count(*) FROM incoming_documents WHERE evaluated AND document_id = ANY($1)",
            [in_first, in_second],
        )
    assert evaluated == 2
