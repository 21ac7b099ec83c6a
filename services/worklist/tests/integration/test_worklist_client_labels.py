"""The client's labels in the proposal's header, on the real PostgreSQL through the event
handlers: given at delivery (document.received.v1), changed later
(document.labels-changed.v1) before or after the proposal is made, in any order of arrival; a
sent proposal keeps the labels it was sent with."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    DocumentLabelsChanged,
    DocumentReceived,
    DocumentRecognized,
    DocumentSubmitted,
    Envelope,
    EventData,
    spec_for,
)
from ledgerline.events.invoice import InvoiceData, InvoiceFields
from worklist.adapters import repository
from worklist.service_layer import SUBSCRIPTIONS

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
DELIVERED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# The handlers as the service subscribes them (a handler not subscribed is never called).
HANDLERS = {subscription.event: subscription.handler for subscription in SUBSCRIPTIONS}


async def handle(pool: asyncpg.Pool, data: EventData) -> None:
    handler: Any = HANDLERS.get(type(data))
    assert handler is not None, f"the worklist does not subscribe {type(data).__name__}"
    event = Envelope[type(data)](  # type: ignore[misc]
        source="/tests", type=spec_for(data).type, dossierid=DOSSIER, officeid=OFFICE,
        correlationid=str(uuid.uuid4()), data=data,
    )  # fmt: skip
    async with UnitOfWork(pool, source="worklist") as uow:
        await handler(uow, event)


def received(document: uuid.UUID, labels: tuple[str, ...]) -> DocumentReceived:
    return DocumentReceived(
        document_id=document, mailbox="purchase", channel="email", filename="f.xml",
        content_type="application/xml", size_bytes=10, sha256="0" * 64, received_at=DELIVERED,
        content_url=f"http://ingest/documents/{document}/content", labels=labels,
    )  # fmt: skip


def changed(document: uuid.UUID, labels: tuple[str, ...], minutes: int) -> DocumentLabelsChanged:
    return DocumentLabelsChanged(
        document_id=document, labels=labels, changed_by="client@example.test",
        changed_at=DELIVERED + timedelta(minutes=minutes),
    )  # fmt: skip


async def make_proposal(pool: asyncpg.Pool, document: uuid.UUID) -> None:
    fields = InvoiceFields(
        document_type="invoice", supplier_name="Molen Peeters", invoice_number=str(document),
        issue_date=date(2026, 11, 14), currency="EUR", total_incl_vat=Decimal("121.00"),
    )  # fmt: skip
    await handle(
        pool,
        DocumentRecognized(
            document_id=document, status="ok", source="ubl", confidence=1.0,
            invoice=InvoiceData(fields=fields),
        ),
    )  # fmt: skip
    await handle(
        pool,
        DocumentSubmitted(
            document_id=document, mailbox="purchase", submitted_at=DELIVERED,
            submitted_by="auto-forward of the purchase mailbox",
        ),
    )  # fmt: skip


async def labels_of(pool: asyncpg.Pool, document: uuid.UUID) -> list[str]:
    value = await pool.fetchval("SELECT labels FROM proposals WHERE document_id = $1", document)
    assert value is not None, "no proposal"
    return list(value)


async def test_the_labels_given_at_delivery_are_in_the_proposal(pool: asyncpg.Pool) -> None:
    document = uuid.uuid4()
    await handle(pool, received(document, ("verpakking", "project-x")))
    await make_proposal(pool, document)
    assert await labels_of(pool, document) == ["verpakking", "project-x"]


async def test_a_change_before_the_proposal_is_not_lost(pool: asyncpg.Pool) -> None:
    document = uuid.uuid4()
    # The change is handled before the delivery it changes (two topics): the newest still wins.
    await handle(pool, changed(document, ("project-y",), minutes=5))
    await handle(pool, received(document, ("verpakking",)))
    await make_proposal(pool, document)
    assert await labels_of(pool, document) == ["project-y"]


async def test_a_change_after_the_proposal_updates_it(pool: asyncpg.Pool) -> None:
    document = uuid.uuid4()
    await handle(pool, received(document, ("verpakking",)))
    await make_proposal(pool, document)
    await handle(pool, changed(document, ("verpakking", "dringend"), minutes=5))
    assert await labels_of(pool, document) == ["verpakking", "dringend"]
    # An older change handled late (redelivered) does not undo the newer one.
    await handle(pool, changed(document, ("oud",), minutes=1))
    assert await labels_of(pool, document) == ["verpakking", "dringend"]


async def test_the_delivery_handled_after_the_proposal_gives_its_labels(
    pool: asyncpg.Pool,
) -> None:
    document = uuid.uuid4()
    await make_proposal(pool, document)
    assert await labels_of(pool, document) == []
    await handle(pool, received(document, ("verpakking",)))
    assert await labels_of(pool, document) == ["verpakking"]


async def test_a_sent_proposal_keeps_the_labels_it_was_sent_with(pool: asyncpg.Pool) -> None:
    document = uuid.uuid4()
    await handle(pool, received(document, ("verpakking",)))
    await make_proposal(pool, document)
    proposal_id = await pool.fetchval("SELECT id FROM proposals WHERE document_id = $1", document)
    async with pool.acquire() as connection:
        await repository.mark_sent(connection, proposal_id, "office@example.test")
    await handle(pool, changed(document, ("project-z",), minutes=5))
    assert await labels_of(pool, document) == ["verpakking"]
