"""Payments on the real PostgreSQL with its migrations: while the dossier's invoice approval
process is on (approvals' invoice.approval-process-switched.v1), a purchase invoice is not paid
before approvals has decided it, even before its invoice.approval-requested.v1 arrived."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from ledgerline import invoice_approval_process
from ledgerline.auth import DossierScope, Principal, Role
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    DocumentMoved,
    Envelope,
    EventData,
    InvoiceApprovalProcessSwitched,
    InvoiceApproved,
    LedgerBankAccount,
    LedgerSynced,
)
from ledgerline.subscriptions import TakesMany
from ledgerline.testing.databases import MigratedDatabases, dossier_database
from ledgerline.testing.events import (
    approval_process_switched,
    envelope,
    invoice_read,
    pdf_received,
)
from payments import event_handlers, service_layer
from payments.bootstrap import definition
from payments.domain.payment import NotApproved

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
    async with UnitOfWork(pool, source="payments") as uow:
        await handler(uow, envelope(data, OFFICE, DOSSIER, at=T0 + timedelta(minutes=minutes)))


async def arrives(pool: asyncpg.Pool, mailbox: str = "purchase") -> uuid.UUID:
    """A purchase invoice received and recognised, as ingest and recognition publish it."""
    document = uuid.uuid4()
    await handle(
        pool, TakesMany(event_handlers.on_documents_received), pdf_received(document, T0, mailbox)
    )
    await handle(pool, TakesMany(event_handlers.on_documents_recognized), invoice_read(
        document, "Drukkerij Van Damme", Decimal("121.00"),
        iban="BE71096123456769", invoice_number=f"I-{document.hex[:6]}",
    ))  # fmt: skip
    return document


async def pay(pool: asyncpg.Pool, document: uuid.UUID) -> asyncpg.Record:
    principal = Principal(ADMIN, OFFICE, Role.CLIENT_ADMINISTRATOR, frozenset({DOSSIER}))
    async with UnitOfWork(pool, source="payments") as uow:
        return await service_layer.create_payment(
            uow,
            DossierScope(OFFICE, DOSSIER, principal),
            service_layer.NewPayment(document_id=document),
            date(2026, 11, 30),
        )


def switched(enabled: bool) -> InvoiceApprovalProcessSwitched:
    return approval_process_switched(enabled, ADMIN)


async def test_while_the_process_is_on_an_invoice_is_not_paid_before_approvals_decides(
    pool: asyncpg.Pool,
) -> None:
    account = LedgerBankAccount(
        iban="BE68539007547034", holder_name="Bakkerij Peeters", town="Gent", country="BE"
    )
    await handle(pool, event_handlers.on_ledger_synced, LedgerSynced(
        synced_at=T0, bank_accounts=(account,)))  # fmt: skip
    before = await arrives(pool)  # arrived while the process was off: nobody asks about it
    await handle(pool, event_handlers.on_invoice_approval_process_switched, switched(True), 1)

    # approvals has not said anything of this one yet: it waits all the same
    waiting = await arrives(pool)
    with pytest.raises(NotApproved, match="waits for approval by others; only approved"):
        await pay(pool, waiting)
    assert (await pay(pool, before))["status"] == "in_basket"
    sales = await arrives(pool, mailbox="sales")  # not a purchase: approvals never asks

    # approvals approves it: it is paid
    await handle(pool, event_handlers.on_invoice_approved, InvoiceApproved(
        document_id=waiting, approved_by=(ADMIN,)))  # fmt: skip
    assert (await pay(pool, waiting))["status"] == "in_basket"

    # an older switch arriving late changes nothing; switching off releases what was held
    held = await arrives(pool)
    await handle(pool, event_handlers.on_invoice_approval_process_switched, switched(False), 0)
    with pytest.raises(NotApproved):
        await pay(pool, held)
    await handle(pool, event_handlers.on_invoice_approval_process_switched, switched(False), 2)
    assert (await pay(pool, held))["status"] == "in_basket"
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM invoice_approvals WHERE document_id = $1", sales
            )
            == 0
        )


async def test_a_moved_document_is_to_be_paid_from_its_new_dossier(pool: asyncpg.Pool) -> None:
    document = await arrives(pool)
    await handle(pool, event_handlers.on_invoice_approved, InvoiceApproved(
        document_id=document, approved_by=(ADMIN,)))  # fmt: skip
    other = uuid.uuid4()
    moved = DocumentMoved(
        document_id=document, from_dossier_id=DOSSIER, moved_by="eva@office.example", moved_at=T0
    )
    for _ in range(2):  # a redelivered move changes nothing more
        async with UnitOfWork(pool, source="payments") as uow:
            await event_handlers.on_document_moved(
                uow,
                Envelope[DocumentMoved](
                    source="/tests", type="t", dossierid=other, officeid=OFFICE,
                    correlationid="c", data=moved,
                ),
            )  # fmt: skip
    for table in ("payable_invoices", "received_documents", "invoice_approvals"):
        dossier = await pool.fetchval(
            f"SELECT dossier_id FROM {table} WHERE document_id = $1", document
        )
        assert dossier == other, table


async def test_a_batch_holds_its_purchase_invoices_and_releases_the_rest(
    pool: asyncpg.Pool,
) -> None:
    await handle(pool, event_handlers.on_invoice_approval_process_switched, switched(True), 1)
    purchase, sales, in_sales_mailbox = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with UnitOfWork(pool, source="payments") as uow:
        await event_handlers.on_documents_received(uow, [
            envelope(pdf_received(in_sales_mailbox, T0, "sales"), OFFICE, DOSSIER),
        ])  # fmt: skip
    # Their content first, as one batch: the mailbox known is used, the others are held.
    async with UnitOfWork(pool, source="payments") as uow:
        await event_handlers.on_documents_recognized(uow, [
            envelope(invoice_read(
                document, "Drukkerij Van Damme", Decimal("121.00"), iban="BE71096123456769",
                invoice_number=f"I-{document.hex[:6]}",
            ), OFFICE, DOSSIER)
            for document in (purchase, sales, in_sales_mailbox)
        ])  # fmt: skip
    async with UnitOfWork(pool, source="payments") as uow:
        await event_handlers.on_documents_received(uow, [
            envelope(pdf_received(purchase, T0, "purchase"), OFFICE, DOSSIER),
            envelope(pdf_received(sales, T0, "sales"), OFFICE, DOSSIER),
        ])  # fmt: skip
    held = await pool.fetch("SELECT document_id, status FROM invoice_approvals")
    assert [(row["document_id"], row["status"]) for row in held] == [(purchase, "pending")]
    payable = await pool.fetchval(
        "SELECT count(*) FROM payable_invoices WHERE document_id = ANY($1::uuid[])",
        [purchase, sales, in_sales_mailbox],
    )
    assert payable == 3


async def test_a_batch_holds_the_purchase_documents_of_the_dossiers_whose_process_is_on(
    pool: asyncpg.Pool,
) -> None:
    # One statement reads the switches of all of a batch's dossiers: the right ones must count.
    switched_off, never_switched = uuid.uuid4(), uuid.uuid4()
    async with UnitOfWork(pool, source="payments") as uow:
        await invoice_approval_process.keep_switch(
            uow.conn, envelope(switched(True), OFFICE, DOSSIER, at=T0)
        )
        await invoice_approval_process.keep_switch(
            uow.conn, envelope(switched(False), OFFICE, switched_off, at=T0)
        )
    documents = {
        name: (envelope(pdf_received(uuid.uuid4(), T0), OFFICE, dossier), mailbox)
        for name, dossier, mailbox in [
            ("on, purchase", DOSSIER, "purchase"),
            ("on, mailbox not known yet", DOSSIER, None),
            ("on, sales", DOSSIER, "sales"),
            ("off, purchase", switched_off, "purchase"),
            ("never switched, purchase", never_switched, "purchase"),
            ("on in another office's dossier of that id", DOSSIER, "purchase"),
        ]
    }
    other_office = envelope(pdf_received(uuid.uuid4(), T0), uuid.uuid4(), DOSSIER)
    documents["on in another office's dossier of that id"] = (other_office, "purchase")
    async with UnitOfWork(pool, source="payments") as uow:
        held = await invoice_approval_process.awaiting_approval(uow, list(documents.values()))
    held_names = {
        name
        for name, (event, _) in documents.items()
        if (event.officeid, event.dossierid, event.data.document_id) in held
    }
    assert held_names == {"on, purchase", "on, mailbox not known yet"}
