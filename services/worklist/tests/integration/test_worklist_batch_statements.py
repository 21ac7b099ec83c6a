"""A batch of events is one transaction: the worklist makes the proposals of a batch of
documents of a few dossiers with few statements per document (the dossier's ledger copy read
once per batch, the documents' locks taken, their halves saved and their readiness checked a
statement each for the whole batch, no lookups repeated), and each proposal is the one its document makes alone."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from ledgerline.consumers import EventConsumer
from ledgerline.db import run_migrations
from ledgerline.devstack.stack import Infrastructure
from ledgerline.events import DocumentRecognized, DocumentSubmitted, Envelope, spec_for
from ledgerline.events.invoice import InvoiceData, InvoiceFields
from ledgerline.kafka import create_broker
from ledgerline.subscriptions import TakesMany
from worklist.service_layer import on_documents_recognized, on_documents_submitted

pytestmark = [pytest.mark.integration]

VERSIONS = Path(__file__).resolve().parents[2] / "src/worklist/migrations/versions"
DOCUMENTS, DOSSIERS = 20, 2


class Counted:
    """A pool whose statements are counted."""

    def __init__(self) -> None:
        self.statements = 0
        self.pool: asyncpg.Pool | None = None

    async def open(self, dsn: str) -> asyncpg.Pool:
        def count(_record: Any) -> None:
            self.statements += 1

        async def init(connection: asyncpg.Connection) -> None:
            await connection.set_type_codec(
                "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
            )
            connection.add_query_logger(count)

        self.pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2, init=init)
        return self.pool


@pytest.fixture
async def counted(infrastructure: Infrastructure) -> AsyncIterator[Counted]:
    assert infrastructure.postgres is not None
    name = f"t{uuid.uuid4().hex[:12]}"
    dsn = await infrastructure.postgres.ensure_database(name, owner=name, password="test")
    await asyncio.to_thread(run_migrations, dsn, VERSIONS)
    counted = Counted()
    pool = await counted.open(dsn)
    yield counted
    await pool.close()
    await infrastructure.postgres.drop_database(name)


def envelope(data: Any, office: uuid.UUID, dossier: uuid.UUID) -> Envelope[Any]:
    return Envelope[type(data)](  # type: ignore[misc]
        source="/tests",
        type=spec_for(data).type,
        dossierid=dossier,
        officeid=office,
        correlationid=str(uuid.uuid4()),
        data=data,
    )


def recognized(document: uuid.UUID, n: int) -> DocumentRecognized:
    return DocumentRecognized(
        document_id=document,
        status="ok",
        source="ubl",
        confidence=1.0,
        invoice=InvoiceData(
            fields=InvoiceFields(
                document_type="invoice",
                supplier_name="Brouwerij Het Anker",
                supplier_vat="BE0404164418",
                invoice_number=f"2026/{n:04d}",
                issue_date=date(2026, 3, 14),
                currency="EUR",
                total_excl_vat=Decimal(100 + n),
                total_vat=Decimal("21.00"),
                total_incl_vat=Decimal(121 + n),
            )
        ),
    )


async def test_a_batch_makes_its_proposals_with_few_statements_per_document(
    counted: Counted,
) -> None:
    assert counted.pool is not None
    office = uuid.uuid4()
    dossiers = [uuid.uuid4() for _ in range(DOSSIERS)]
    documents = [(uuid.uuid4(), dossiers[n % DOSSIERS]) for n in range(DOCUMENTS)]
    consumer = EventConsumer(
        service="worklist",
        pool=counted.pool,
        broker=create_broker("127.0.0.1:1", client_id="tests"),
    )

    async def batch(handler: Any, events: list[Envelope[Any]]) -> int:
        before = counted.statements
        await consumer.handle_batch(
            "worklist",
            spec_for(events[0].data).topic,
            Envelope[type(events[0].data)],  # type: ignore[misc]
            handler,
            [(event.model_dump_json().encode(), None) for event in events],
        )
        return counted.statements - before

    submitted = [
        envelope(
            DocumentSubmitted(
                document_id=document,
                mailbox="purchase",
                submitted_at=datetime.now(UTC),
                submitted_by="user:test",
            ),
            office,
            dossier,
        )
        for document, dossier in documents
    ]
    submitting = await batch(TakesMany(on_documents_submitted), submitted)
    readings = [
        envelope(recognized(document, n), office, dossier)
        for n, (document, dossier) in enumerate(documents)
    ]
    recognising = await batch(TakesMany(on_documents_recognized), readings)

    proposals = await counted.pool.fetch(
        "SELECT document_id, dossier_id, invoice_number, total_incl_vat FROM proposals"
    )
    assert sorted(
        (row["document_id"], row["dossier_id"], row["invoice_number"], row["total_incl_vat"])
        for row in proposals
    ) == sorted(
        (document, dossier, f"2026/{n:04d}", Decimal(121 + n))
        for n, (document, dossier) in enumerate(documents)
    )
    print(f"statements: {submitting} submitting, {recognising} recognising {DOCUMENTS} documents")
    # Submitted first: the locks, the saves (pipelined: one round trip, counted once) and the
    # readiness check are a statement each for the whole batch.
    assert submitting <= 12, submitting
    # Recognised: the same, and per document only its duplicate lookup and its proposal.
    assert recognising <= 2 * DOCUMENTS + 12, recognising
