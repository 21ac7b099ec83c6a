"""A document's recognition and submission arrive on two topics, handled by two consumers in
concurrent transactions: whichever commits second must see the first and make the proposal."""

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg
import pytest
from ledgerline.db import UnitOfWork
from ledgerline.events import DocumentRecognized, DocumentSubmitted, Envelope, spec_for
from ledgerline.events.invoice import InvoiceData, InvoiceFields
from worklist.service_layer import on_documents_recognized, on_documents_submitted

pytestmark = [pytest.mark.integration]


def envelope(
    data: DocumentRecognized | DocumentSubmitted, office: uuid.UUID, dossier: uuid.UUID
) -> Envelope:  # type: ignore[type-arg]
    return Envelope[type(data)](  # type: ignore[misc]
        source="/tests",
        type=spec_for(data).type,
        dossierid=dossier,
        officeid=office,
        correlationid=str(uuid.uuid4()),
        data=data,
    )


async def test_recognition_and_submission_committing_concurrently_make_one_proposal(
    pool: asyncpg.Pool,
) -> None:
    office, dossier, document = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    recognized = envelope(
        DocumentRecognized(
            document_id=document,
            status="ok",
            source="ubl",
            confidence=1.0,
            invoice=InvoiceData(
                fields=InvoiceFields(
                    document_type="invoice",
                    supplier_name="Brouwerij Het Anker",
                    supplier_vat="BE0404164418",
                    invoice_number="2026/0042",
                    issue_date=date(2026, 3, 14),
                    currency="EUR",
                    total_excl_vat=Decimal("100.00"),
                    total_vat=Decimal("21.00"),
                    total_incl_vat=Decimal("121.00"),
                )
            ),
        ),
        office,
        dossier,
    )
    submitted = envelope(
        DocumentSubmitted(
            document_id=document,
            mailbox="purchase",
            submitted_at=datetime.now(UTC),
            submitted_by="user:test",
        ),
        office,
        dossier,
    )
    first_done = asyncio.Event()
    release_first = asyncio.Event()

    async def recognition_consumer() -> None:
        async with UnitOfWork(pool, source="worklist") as uow:
            await on_documents_recognized(uow, [recognized])
            first_done.set()
            await release_first.wait()  # still uncommitted while the submission is handled

    async def submission_consumer() -> None:
        await first_done.wait()
        async with UnitOfWork(pool, source="worklist") as uow:
            handled = asyncio.create_task(on_documents_submitted(uow, [submitted]))
            await asyncio.sleep(0.5)
            release_first.set()
            await handled

    await asyncio.wait_for(asyncio.gather(recognition_consumer(), submission_consumer()), 30)
    proposals = await pool.fetch("SELECT document_id, invoice_number FROM proposals")
    assert [(row["document_id"], row["invoice_number"]) for row in proposals] == [
        (document, "2026/0042")
    ]
