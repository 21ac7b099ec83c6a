"""Payments on the real PostgreSQL with its migrations: a paid invoice that the books know (its
booking.posted.v1 and the open item of ledger.synced.v1) says in payment.settled.v1 what sync
needs to journalise it; the delta that settles the item keeps it in the open-items copy, paid."""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from ledgerline.auth import DossierScope, Principal, Role
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    EventData,
    LedgerBankAccount,
    LedgerSynced,
    OpenItem,
    SettledItem,
)
from ledgerline.subscriptions import TakesMany
from ledgerline.testing.databases import MigratedDatabases, dossier_database
from ledgerline.testing.events import booking_posted, envelope, invoice_read, pdf_received
from payments import event_handlers, service_layer
from payments.adapters import open_items
from payments.bootstrap import definition
from payments.domain.payment import PaymentMethod

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ADMIN = "clara.admin@client.example"
ITEM = OpenItem(
    kind="supplier",
    journal="CFAAN",
    document_number="26000090",
    counterparty_number="L0004",
    invoice_number="I-2026-7",
    invoice_date=date(2026, 11, 20),
    amount=Decimal("121.00"),
    amount_paid=Decimal("0"),
)


@pytest.fixture
async def pool(migrated_databases: MigratedDatabases) -> AsyncIterator[asyncpg.Pool]:
    versions = definition().versions_dir
    async with dossier_database(migrated_databases, versions, OFFICE, DOSSIER, T0) as pool:
        yield pool


async def handle(pool: asyncpg.Pool, handler: Any, data: EventData) -> None:
    async with UnitOfWork(pool, source="payments") as uow:
        await handler(uow, envelope(data, OFFICE, DOSSIER))


async def booked_invoice(pool: asyncpg.Pool) -> uuid.UUID:
    """A purchase invoice received, recognised, posted (CFAAN/26000090) and synchronised."""
    document = uuid.uuid4()
    await handle(pool, event_handlers.on_ledger_synced, LedgerSynced(
        synced_at=T0, sync_id=uuid.uuid4(), open_item_records=(ITEM,),
        bank_accounts=(LedgerBankAccount(
            iban="BE20734384076256", holder_name="Peeters", town="Gent", country="BE"),),
    ))  # fmt: skip
    await handle(pool, TakesMany(event_handlers.on_documents_received), pdf_received(document, T0))
    await handle(pool, TakesMany(event_handlers.on_documents_recognized), invoice_read(
        document, "Molens Dedeyne", Decimal("121.00"), iban="BE71096123456769",
        invoice_number="I-2026-7", payment_reference="+++010/8068/17183+++",
    ))  # fmt: skip
    await handle(pool, event_handlers.on_booking_posted, booking_posted(document, "26000090", T0))
    return document


async def settled_events(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT payload FROM outbox WHERE topic = 'payment.settled.v1' ORDER BY id"
    )
    return [json.loads(r["payload"])["data"] for r in rows]


async def test_a_qr_payment_marked_paid_names_the_account_and_open_item_to_journalise(
    pool: asyncpg.Pool,
) -> None:
    document = await booked_invoice(pool)
    scope = DossierScope(
        OFFICE, DOSSIER, Principal(ADMIN, OFFICE, Role.CLIENT_ADMINISTRATOR, frozenset({DOSSIER}))
    )
    async with UnitOfWork(pool, source="payments") as uow:
        payment = await service_layer.create_payment(
            uow,
            scope,
            service_layer.NewPayment(document_id=document, method=PaymentMethod.QR),
            date(2026, 11, 30),
        )
    async with UnitOfWork(pool, source="payments") as uow:
        await service_layer.mark_qr_paid(uow, scope, payment["id"], date(2026, 11, 30))

    [data] = await settled_events(pool)
    assert data["payment_id"] == str(payment["id"]) and data["amount"] == "121.00"
    assert (data["settled_by"], data["kind"], data["currency"]) == ("payment", "supplier", "EUR")
    assert data["bank_account_iban"] == "BE20734384076256"
    assert (data["settles_journal"], data["settles_document_number"]) == ("CFAAN", "26000090")
    assert data["counterparty_number"] == "L0004"
    assert data["communication"] == "+++010/8068/17183+++"

    # Sync journalised it: the delta settles the item and names the payment.
    paid = ITEM.model_copy(update={"amount_paid": ITEM.amount})
    await handle(pool, event_handlers.on_ledger_synced, LedgerSynced(
        synced_at=T0, sync_id=uuid.uuid4(), full=False, removed_open_items=("CFAAN/26000090",),
        settled_items=(SettledItem(
            invoice_number="I-2026-7", amount=Decimal("121.00"), settled_on=date(2026, 11, 30),
            open_item=paid, payment_id=payment["id"],
        ),),
    ))  # fmt: skip
    async with pool.acquire() as conn:
        still_open = await open_items.list_open_items(
            conn, OFFICE, DOSSIER, None, None, None, 100, 0
        )
        [item] = await open_items.list_open_items(
            conn, OFFICE, DOSSIER, None, None, None, 100, 0, "settled"
        )
    assert still_open == []
    assert (item["status"], item["open_amount"], item["settled_on"]) == (
        "settled",
        Decimal("0.00"),
        date(2026, 11, 30),
    )
    # Paid already: the books' settlement publishes nothing more.
    assert len(await settled_events(pool)) == 1

    # A full resync (which lists open items only) keeps the settled item; a later run that
    # lists the item again (payment reversed in the package) reopens it.
    await handle(pool, event_handlers.on_ledger_synced, LedgerSynced(
        synced_at=T0, sync_id=uuid.uuid4(), full=True))  # fmt: skip
    async with pool.acquire() as conn:
        assert len(await open_items.list_open_items(
            conn, OFFICE, DOSSIER, None, None, None, 100, 0, "all")) == 1  # fmt: skip
    await handle(pool, event_handlers.on_ledger_synced, LedgerSynced(
        synced_at=T0, sync_id=uuid.uuid4(), open_item_records=(ITEM,)))  # fmt: skip
    async with pool.acquire() as conn:
        [reopened] = await open_items.list_open_items(
            conn, OFFICE, DOSSIER, None, None, None, 100, 0
        )
    assert reopened["status"] == "open"


async def test_the_books_settling_a_sepa_payment_make_it_paid_without_journalising_it(
    pool: asyncpg.Pool,
) -> None:
    document = await booked_invoice(pool)
    scope = DossierScope(
        OFFICE, DOSSIER, Principal(ADMIN, OFFICE, Role.CLIENT_ADMINISTRATOR, frozenset({DOSSIER}))
    )
    async with UnitOfWork(pool, source="payments") as uow:
        payment = await service_layer.create_payment(
            uow, scope, service_layer.NewPayment(document_id=document), date(2026, 11, 30)
        )
    async with UnitOfWork(pool, source="payments") as uow:
        await service_layer.make_sepa_file(uow, scope, [payment["id"]], "pain.001.001.09", T0)
    await handle(pool, event_handlers.on_ledger_synced, LedgerSynced(
        synced_at=T0, settled_items=(SettledItem(
            invoice_number="I-2026-7", amount=Decimal("121.00"), settled_on=date(2026, 12, 2),
        ),),
    ))  # fmt: skip
    [data] = await settled_events(pool)
    assert (data["payment_id"], data["settled_by"]) == (str(payment["id"]), "books")
    assert data["bank_account_iban"] is None  # nothing to journalise: the books have it
