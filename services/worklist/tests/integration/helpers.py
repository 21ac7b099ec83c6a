"""What the worklist's integration tests share: the events that bring it the demo dossier's
books and Van Hoorebeke's purchase invoices (handled as the consumers would, without Kafka),
the office's tokens, and the worklist's HTTP API on a test database."""

import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from ledgerline.auth import Role, issue_token
from ledgerline.db import UnitOfWork
from ledgerline.demo import JWT_ISSUER
from ledgerline.devstack.ports import free_port
from ledgerline.events import DocumentRecognized, DocumentSubmitted, EventData, LedgerSynced
from ledgerline.events.invoice import InvoiceData, InvoiceFields, VatBreakdown
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.subscriptions import TakesMany
from ledgerline.testing.events import envelope
from ledgerline.testing.http import service_client
from worklist.bootstrap import definition
from worklist.config import WorklistSettings
from worklist.service_layer import on_documents_recognized, on_documents_submitted

from services.worklist.tests.unit.books import PEETERS

VERSIONS = Path(__file__).resolve().parents[2] / "src/worklist/migrations/versions"


def bearer(
    office: uuid.UUID,
    role: Role,
    dossiers: Sequence[uuid.UUID] = (),
    subject: str | None = None,
) -> dict[str, str]:
    """The Authorization header of the office's `role` (named after it unless `subject`)."""
    token = issue_token(
        secret=DEV_JWT_SECRET,
        subject=subject or f"{role.value}@office.example",
        office_id=office,
        role=role,
        dossiers=list(dossiers),
        issuer=JWT_ISSUER,
    )
    return {"Authorization": f"Bearer {token}"}


async def handle(
    pool: asyncpg.Pool, handler: Any, data: EventData, office: uuid.UUID, dossier: uuid.UUID
) -> None:
    """`data` of the office's dossier through `handler`, in one unit of work."""
    async with UnitOfWork(pool, source="worklist") as uow:
        await handler(uow, envelope(data, office, dossier))


def books_synced(**changes: Any) -> LedgerSynced:
    """A full ledger.synced.v1 of the demo dossier's books (PEETERS); `changes` are other field
    values (journals, counterparty_records, open_item_records, ...)."""
    values: dict[str, Any] = {
        "synced_at": datetime.now(UTC),
        "sync_id": uuid.uuid4(),
        "full": True,
        "gl_accounts": PEETERS.accounts,
        "vat_codes": PEETERS.vat_codes,
        "journals": PEETERS.journals,
        "periods": PEETERS.periods,
        "counterparty_records": PEETERS.counterparties,
    }
    return LedgerSynced(**(values | changes))


def read_from_ubl(
    document: uuid.UUID, net: Decimal, rate: int, **fields: Any
) -> DocumentRecognized:
    """An invoice of 14 November 2026 read from its UBL: `net` excluding `rate` % VAT (one VAT
    line, the totals), and `fields` (the parties, the number, ...)."""
    vat = (net * (Decimal(rate) / 100)).quantize(Decimal("0.01"))
    return DocumentRecognized(
        document_id=document,
        status="ok",
        source="ubl",
        confidence=1.0,
        invoice=InvoiceData(
            fields=InvoiceFields(
                document_type="invoice",
                issue_date=date(2026, 11, 14),
                currency="EUR",
                total_excl_vat=net,
                total_vat=vat,
                total_incl_vat=net + vat,
                **fields,
            ),
            vat_breakdown=(VatBreakdown(rate=Decimal(rate), taxable_amount=net, vat_amount=vat),),
        ),
    )


def recognised(
    document: uuid.UUID, number: str, net: str = "100.00", status: str = "ok"
) -> DocumentRecognized:
    """Van Hoorebeke's purchase invoice `number` of `net` excluding 21 % VAT, read from UBL; a
    scan recognition could not read when `status` is not ok."""
    if status != "ok":
        return DocumentRecognized(
            document_id=document,
            status=status,  # type: ignore[arg-type]
            source="ocr",
            confidence=0.2,
        )
    return read_from_ubl(
        document,
        Decimal(net),
        21,
        supplier_name="Van Hoorebeke Verpakkingen",
        supplier_vat="BE 0715.231.874",
        invoice_number=number,
    )


async def deliver(
    pool: asyncpg.Pool,
    office: uuid.UUID,
    dossier: uuid.UUID,
    number: str,
    net: str = "100.00",
    status: str = "ok",
) -> uuid.UUID:
    """Van Hoorebeke's invoice (`recognised`) recognised and submitted to the purchase mailbox
    of the office's dossier: the document's id."""
    document = uuid.uuid4()
    await handle(
        pool,
        TakesMany(on_documents_recognized),
        recognised(document, number, net, status),
        office,
        dossier,
    )
    submitted = DocumentSubmitted(
        document_id=document,
        mailbox="purchase",
        submitted_at=datetime.now(UTC),
        submitted_by="ben",
    )
    await handle(pool, TakesMany(on_documents_submitted), submitted, office, dossier)
    return document


def worklist_api(database_url: str) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """An HTTP client of the worklist's API on `database_url` (no Kafka: consumers and the
    outbox relay are off, what is published stays in the outbox)."""
    settings = WorklistSettings(
        database_url=database_url,
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        run_consumers=False,
        run_outbox_relay=False,
    )
    return service_client(definition(), settings)
