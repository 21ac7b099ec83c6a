"""Ingest's follow-up of a document's booking on the real PostgreSQL: booking.posted.v1 moves it
to the archive with its document number; booking.deleted.v1 (the office deleted the booking from
the books) brings it back to 'in processing' without the number, unless it was booked again
under another number since."""

import asyncio
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
from ledgerline.db import UnitOfWork, create_pool, run_migrations
from ledgerline.devstack.stack import Infrastructure
from ledgerline.dossiers import record
from ledgerline.events import BookingDeleted, BookingPosted, Envelope, EventData

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
async def pool(infrastructure: Infrastructure) -> AsyncIterator[asyncpg.Pool]:
    assert infrastructure.postgres is not None
    name = f"t{uuid.uuid4().hex[:12]}"
    url = await infrastructure.postgres.ensure_database(name, owner=name, password="test")
    await asyncio.to_thread(run_migrations, url, definition().versions_dir)
    pool = await create_pool(url)
    try:
        async with pool.acquire() as conn:
            await record(
                conn, dossier_id=DOSSIER, office_id=OFFICE, name="Bakkerij Peeters",
                email_domain=None, active=True, as_of=NOW,
            )  # fmt: skip
        yield pool
    finally:
        await pool.close()
        await infrastructure.postgres.drop_database(name)


async def handle(pool: asyncpg.Pool, handler: object, data: EventData) -> None:
    event = Envelope[type(data)](  # type: ignore[misc]
        source="/tests", type="t", dossierid=DOSSIER, officeid=OFFICE, correlationid="c",
        data=data,
    )  # fmt: skip
    async with UnitOfWork(pool, source="ingest") as uow:
        await handler(uow, event)  # type: ignore[operator]


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


def posted(document: uuid.UUID, number: str) -> BookingPosted:
    return BookingPosted(
        proposal_id=uuid.uuid4(), document_id=document, journal="CFAAN", document_number=number,
        posted_at=NOW,
    )  # fmt: skip


def deleted(document: uuid.UUID, number: str) -> BookingDeleted:
    return BookingDeleted(
        proposal_id=uuid.uuid4(), document_id=document, journal="CFAAN", document_number=number,
        deleted_at=NOW, reason="wrong supplier",
    )  # fmt: skip


async def test_a_deleted_booking_takes_its_document_back_to_processing(pool: asyncpg.Pool) -> None:
    document = await sent_document(pool)
    await handle(pool, consumers.on_booking_posted, posted(document, "26000300"))
    assert await state(pool, document) == ("booked", "26000300")

    await handle(pool, consumers.on_booking_deleted, deleted(document, "26000300"))
    assert await state(pool, document) == ("in_processing", None)

    # Booked again under another number: the old deletion arriving late leaves it booked.
    await handle(pool, consumers.on_booking_posted, posted(document, "26000301"))
    await handle(pool, consumers.on_booking_deleted, deleted(document, "26000300"))
    assert await state(pool, document) == ("booked", "26000301")
