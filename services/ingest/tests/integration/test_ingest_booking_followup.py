"""Ingest's follow-up of a document's booking on the real PostgreSQL: booking.posted.v1 moves it
to the archive with its document number; booking.deleted.v1 (the office deleted the booking from
the books) brings it back to 'in processing' without the number, unless it was booked again
under another number since."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from ingest.adapters import repository
from ingest.adapters.blobs import PostgresBlobStore
from ingest.bootstrap import definition
from ingest.domain.documents import PDF
from ingest.entrypoints import consumers
from ingest.intake import Delivery, IncomingFile, take_in
from ledgerline.db import UnitOfWork
from ledgerline.events import EventData
from ledgerline.testing.databases import MigratedDatabases, dossier_database
from ledgerline.testing.events import booking_deleted, booking_posted, envelope

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
async def pool(migrated_databases: MigratedDatabases) -> AsyncIterator[asyncpg.Pool]:
    versions = definition().versions_dir
    async with dossier_database(migrated_databases, versions, OFFICE, DOSSIER, NOW) as pool:
        yield pool


async def handle(pool: asyncpg.Pool, handler: object, data: EventData) -> None:
    async with UnitOfWork(pool, source="ingest") as uow:
        await handler(uow, envelope(data, OFFICE, DOSSIER))  # type: ignore[operator]


async def sent_document(pool: asyncpg.Pool) -> uuid.UUID:
    async with UnitOfWork(pool, source="ingest") as uow:
        dossier = await repository.get_dossier(uow.conn, OFFICE, DOSSIER)
        assert dossier is not None
        delivery = Delivery(OFFICE, DOSSIER, "purchase", "upload", "ben@client.example")
        file = IncomingFile(b"%PDF-1.4 " + uuid.uuid4().bytes, PDF, "i.pdf")
        [row] = await take_in(uow, dossier, delivery, [file], "", blobs=PostgresBlobStore())
        assert await repository.mark_submitted(uow.conn, OFFICE, DOSSIER, row["id"]) is not None
        document_id: uuid.UUID = row["id"]
        return document_id


async def state(pool: asyncpg.Pool, document: uuid.UUID) -> tuple[str, str | None]:
    row = await pool.fetchrow(
        "SELECT status, document_number FROM documents WHERE id = $1", document
    )
    return row["status"], row["document_number"]


async def test_a_deleted_booking_takes_its_document_back_to_processing(pool: asyncpg.Pool) -> None:
    document = await sent_document(pool)
    await handle(pool, consumers.on_booking_posted, booking_posted(document, "26000300", NOW))
    assert await state(pool, document) == ("booked", "26000300")

    await handle(pool, consumers.on_booking_deleted, booking_deleted(document, "26000300", NOW))
    assert await state(pool, document) == ("in_processing", None)

    # Booked again under another number: the old deletion arriving late leaves it booked.
    await handle(pool, consumers.on_booking_posted, booking_posted(document, "26000301", NOW))
    await handle(pool, consumers.on_booking_deleted, booking_deleted(document, "26000300", NOW))
    assert await state(pool, document) == ("booked", "26000301")
