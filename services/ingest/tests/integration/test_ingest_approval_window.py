"""Ingest on the real PostgreSQL with its migrations: while the dossier's invoice approval process
is on (approvals' invoice.approval-process-switched.v1), a purchase invoice awaits approval from
its arrival: it is neither sent (by hand or by auto-forward) before approvals has decided it,
even before its invoice.approval-requested.v1 arrived."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from ingest.adapters import repository
from ingest.adapters.blobs import PostgresBlobStore
from ingest.bootstrap import definition
from ingest.domain.documents import PDF
from ingest.entrypoints import consumers
from ingest.intake import Delivery, IncomingFile, take_in
from ledgerline import invoice_approval_process
from ledgerline.db import UnitOfWork
from ledgerline.dossiers import PostgresDossierDirectory
from ledgerline.events import (
    DocumentRecognized,
    EventData,
    InvoiceApprovalProcessSwitched,
    InvoiceApproved,
)
from ledgerline.subscriptions import TakesMany
from ledgerline.testing.databases import MigratedDatabases, dossier_database
from ledgerline.testing.events import approval_process_switched, envelope

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ADMIN = "clara.admin@client.example"


@pytest.fixture
async def pool(migrated_databases: MigratedDatabases) -> AsyncIterator[asyncpg.Pool]:
    versions = definition().versions_dir
    async with dossier_database(migrated_databases, versions, OFFICE, DOSSIER, T0) as pool:
        yield pool


async def handle(pool: asyncpg.Pool, handler: Any, data: EventData, minutes: int = 0) -> None:
    event = envelope(data, OFFICE, DOSSIER, at=T0 + timedelta(minutes=minutes))
    async with UnitOfWork(pool, source="ingest") as uow:
        await handler(uow, event)


async def deliver(pool: asyncpg.Pool, mailbox: str = "purchase") -> asyncpg.Record:
    async with UnitOfWork(pool, source="ingest") as uow:
        dossier = await repository.get_dossier(uow.conn, OFFICE, DOSSIER)
        assert dossier is not None
        delivery = Delivery(OFFICE, DOSSIER, mailbox, "upload", ADMIN)
        content = b"%PDF-1.4 " + uuid.uuid4().bytes
        file = IncomingFile(content, PDF, "i.pdf")
        [row] = await take_in(uow, dossier, delivery, [file], "", blobs=PostgresBlobStore())
        return row


async def send(pool: asyncpg.Pool, document: uuid.UUID) -> asyncpg.Record | None:
    async with UnitOfWork(pool, source="ingest") as uow:
        return await repository.mark_submitted(uow.conn, OFFICE, DOSSIER, document)


def switched(enabled: bool) -> InvoiceApprovalProcessSwitched:
    return approval_process_switched(enabled, ADMIN)


def recognized(document: uuid.UUID) -> DocumentRecognized:
    return DocumentRecognized(document_id=document, status="ok", source="air", confidence=0.9)


async def test_while_the_process_is_on_an_invoice_is_not_sent_before_approvals_decides(
    pool: asyncpg.Pool,
) -> None:
    before = await deliver(pool)  # arrived while the process was off, not recognised yet
    recognised_before = await deliver(pool)
    await handle(
        pool, TakesMany(consumers.on_documents_recognized), recognized(recognised_before["id"])
    )
    await handle(pool, consumers.on_invoice_approval_process_switched, switched(True), 1)
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE dossiers SET auto_forward_purchase = true, auto_forward_sales = true"
        )

    # approvals has said nothing of it yet: it waits, and is not auto-forwarded either
    waiting = await deliver(pool)
    assert (waiting["status"], waiting["approval_status"]) == ("in_mailbox", "pending")
    assert await send(pool, waiting["id"]) is None
    # a sales document is no invoice to approve: auto-forwarded as before
    assert (await deliver(pool, "sales"))["status"] == "in_processing"
    # one that arrived before but is recognised now is tested by approvals now: it waits too
    await handle(pool, TakesMany(consumers.on_documents_recognized), recognized(before["id"]))
    assert await send(pool, before["id"]) is None
    # one recognised before the switch was never tested: it is free
    assert await send(pool, recognised_before["id"]) is not None

    await handle(pool, consumers.on_invoice_approved, InvoiceApproved(
        document_id=waiting["id"], approved_by=(ADMIN,)))  # fmt: skip
    sent = await send(pool, waiting["id"])
    assert sent is not None and sent["status"] == "in_processing"

    # switching off releases what was only held (an older switch arriving late does not)
    await handle(pool, consumers.on_invoice_approval_process_switched, switched(False), 0)
    assert await send(pool, before["id"]) is None
    await handle(pool, consumers.on_invoice_approval_process_switched, switched(False), 2)
    released = await send(pool, before["id"])
    assert released is not None and released["approval_status"] is None


async def test_the_directory_row_carries_the_switch_that_intake_holds_by(
    pool: asyncpg.Pool,
) -> None:
    """The dossier row `dossier_scope` gives the intake routes carries the process switch, so
    an intake does not read it again; take_in holds a purchase invoice by that row."""
    directory = PostgresDossierDirectory(lambda: pool, repository.DIRECTORY_ROW_SQL)
    entry = await directory.find(DOSSIER)
    assert entry is not None and entry.details is not None
    assert entry.details[invoice_approval_process.SWITCH_COLUMN] is False
    await handle(pool, consumers.on_invoice_approval_process_switched, switched(True), 1)
    entry = await directory.find(DOSSIER)
    assert entry is not None and entry.details is not None
    assert entry.details[invoice_approval_process.SWITCH_COLUMN] is True
    assert entry.details["id"] == DOSSIER and entry.details["office_id"] == OFFICE

    async with UnitOfWork(pool, source="ingest") as uow:
        delivery = Delivery(OFFICE, DOSSIER, "purchase", "upload", ADMIN)
        file = IncomingFile(b"%PDF-1.4 " + uuid.uuid4().bytes, PDF, "i.pdf")
        [row] = await take_in(uow, entry.details, delivery, [file], "", blobs=PostgresBlobStore())
    assert (row["status"], row["approval_status"]) == ("in_mailbox", "pending")


async def test_a_batch_of_readings_is_recorded_and_held_together(pool: asyncpg.Pool) -> None:
    await handle(pool, consumers.on_invoice_approval_process_switched, switched(True), 1)
    first, second, sales = await deliver(pool), await deliver(pool), await deliver(pool, "sales")
    # The same document id read in another office changes nothing here.
    other_office = envelope(
        DocumentRecognized(document_id=first["id"], status="nok", source="air", confidence=0.1),
        uuid.uuid4(),
        DOSSIER,
    )
    async with UnitOfWork(pool, source="ingest") as uow:
        await consumers.on_documents_recognized(uow, [
            envelope(DocumentRecognized(
                document_id=document["id"], status="ok", source="ubl", confidence=1.0,
            ), OFFICE, DOSSIER)
            for document in (first, second, sales)
        ] + [other_office])  # fmt: skip
    rows = await pool.fetch(
        "SELECT id, recognition_status, approval_status FROM documents WHERE id = ANY($1)",
        [first["id"], second["id"], sales["id"]],
    )
    assert {row["id"]: (row["recognition_status"], row["approval_status"]) for row in rows} == {
        first["id"]: ("ok", "pending"),
        second["id"]: ("ok", "pending"),
        sales["id"]: ("ok", None),  # no purchase: approvals never asks about it
    }
