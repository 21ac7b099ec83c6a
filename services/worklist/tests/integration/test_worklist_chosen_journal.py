"""The journal the client mailed a document to (document.submitted.v1's `journal`, from ingest's
`aankoop-<journal>-<code>@` address) is the journal the worklist proposes, on the real
PostgreSQL through the event handlers."""

import importlib.util
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.events import (
    DocumentRecognized,
    DocumentSubmitted,
    Envelope,
    EventData,
    LedgerSynced,
    spec_for,
)
from ledgerline.events.invoice import InvoiceData, InvoiceFields
from ledgerline.testing.databases import MigratedDatabases
from worklist.service_layer import on_document_recognized, on_document_submitted, on_ledger_synced

pytestmark = [pytest.mark.integration]

VERSIONS = Path(__file__).resolve().parents[2] / "src/worklist/migrations/versions"
UNIT = Path(__file__).resolve().parents[1] / "unit"
OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()


def _unit_conftest() -> Any:
    spec = importlib.util.spec_from_file_location("worklist_unit_conftest_j", UNIT / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def pool(migrated_databases: MigratedDatabases) -> AsyncIterator[asyncpg.Pool]:
    dsn = await migrated_databases.create(VERSIONS)
    pool = await create_pool(dsn)
    yield pool
    await pool.close()


async def handle(pool: asyncpg.Pool, handler: Any, data: EventData) -> None:
    event = Envelope[type(data)](  # type: ignore[misc]
        source="/tests", type=spec_for(data).type, dossierid=DOSSIER, officeid=OFFICE,
        correlationid=str(uuid.uuid4()), data=data,
    )  # fmt: skip
    async with UnitOfWork(pool, source="worklist") as uow:
        await handler(uow, event)


async def proposed_journal(pool: asyncpg.Pool, journal: str | None) -> str:
    document = uuid.uuid4()
    fields = InvoiceFields(
        document_type="invoice", supplier_name="Molen Peeters", invoice_number=str(document),
        issue_date=date(2026, 11, 14), currency="EUR", total_incl_vat=Decimal("121.00"),
    )  # fmt: skip
    await handle(
        pool,
        on_document_recognized,
        DocumentRecognized(
            document_id=document, status="ok", source="ubl", confidence=1.0,
            invoice=InvoiceData(fields=fields),
        ),
    )  # fmt: skip
    await handle(
        pool,
        on_document_submitted,
        DocumentSubmitted(
            document_id=document, mailbox="purchase", submitted_at=datetime.now(UTC),
            submitted_by="auto-forward of the purchase mailbox", journal=journal,
        ),
    )  # fmt: skip
    value = await pool.fetchval("SELECT journal FROM proposals WHERE document_id = $1", document)
    assert isinstance(value, str)
    return value


async def test_the_proposal_is_made_in_the_journal_mailed_to(pool: asyncpg.Pool) -> None:
    unit = _unit_conftest()
    books = unit.PEETERS
    await handle(
        pool,
        on_ledger_synced,
        LedgerSynced(
            synced_at=datetime.now(UTC), sync_id=uuid.uuid4(), full=True,
            journals=(*books.journals, unit.journal("CFAAN2", "purchase")),
            periods=books.periods,
        ),
    )  # fmt: skip
    # Before: CFAAN for every purchase invoice, whichever address it was mailed to.
    assert await proposed_journal(pool, "CFAAN2") == "CFAAN2"
    assert await proposed_journal(pool, None) == "CFAAN"
    assert await proposed_journal(pool, "GONE") == "CFAAN"  # no longer in the books
