"""The journal the client mailed a document to (document.submitted.v1's `journal`, from ingest's
`aankoop-<journal>-<code>@` address) is the journal the worklist proposes, on the real
PostgreSQL through the event handlers."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from ledgerline.events import (
    DocumentRecognized,
    DocumentSubmitted,
    EventData,
    LedgerSynced,
)
from ledgerline.events.invoice import InvoiceData, InvoiceFields
from ledgerline.subscriptions import TakesMany
from worklist.service_layer import on_documents_recognized, on_documents_submitted, on_ledger_synced

from services.worklist.tests.integration import helpers
from services.worklist.tests.unit.books import PEETERS, journal

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()


async def handle(pool: asyncpg.Pool, handler: Any, data: EventData) -> None:
    await helpers.handle(pool, handler, data, OFFICE, DOSSIER)


async def proposed_journal(pool: asyncpg.Pool, journal: str | None) -> str:
    document = uuid.uuid4()
    fields = InvoiceFields(
        document_type="invoice", supplier_name="Molen Peeters", invoice_number=str(document),
        issue_date=date(2026, 11, 14), currency="EUR", total_incl_vat=Decimal("121.00"),
    )  # fmt: skip
    await handle(
        pool,
        TakesMany(on_documents_recognized),
        DocumentRecognized(
            document_id=document, status="ok", source="ubl", confidence=1.0,
            invoice=InvoiceData(fields=fields),
        ),
    )  # fmt: skip
    await handle(
        pool,
        TakesMany(on_documents_submitted),
        DocumentSubmitted(
            document_id=document, mailbox="purchase", submitted_at=datetime.now(UTC),
            submitted_by="auto-forward of the purchase mailbox", journal=journal,
        ),
    )  # fmt: skip
    value = await pool.fetchval("SELECT journal FROM proposals WHERE document_id = $1", document)
    assert isinstance(value, str)
    return value


async def test_the_proposal_is_made_in_the_journal_mailed_to(pool: asyncpg.Pool) -> None:
    books = PEETERS
    await handle(
        pool,
        on_ledger_synced,
        LedgerSynced(
            synced_at=datetime.now(UTC), sync_id=uuid.uuid4(), full=True,
            journals=(*books.journals, journal("CFAAN2", "purchase")),
            periods=books.periods,
        ),
    )  # fmt: skip
    # Before: CFAAN for every purchase invoice, whichever address it was mailed to.
    assert await proposed_journal(pool, "CFAAN2") == "CFAAN2"
    assert await proposed_journal(pool, None) == "CFAAN"
    assert await proposed_journal(pool, "GONE") == "CFAAN"  # no longer in the books
