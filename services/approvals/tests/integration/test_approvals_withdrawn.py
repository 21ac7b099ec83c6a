"""An invoice approval whose document leaves the client's flow is withdrawn, on the real
PostgreSQL with approvals' migrations: a document deleted in its mailbox (document.deleted.v1)
or merged or split into new documents (document.archived.v1) no longer waits for its approvers
and no longer keeps the process from being switched off; a decided approval stays; an archived
document whose content is read afterwards is not tested any more."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from approvals import service_layer
from approvals.adapters import repository
from approvals.bootstrap import definition
from ledgerline.auth import DossierScope, Principal, Role
from ledgerline.db import UnitOfWork, create_pool, run_migrations
from ledgerline.devstack.stack import Infrastructure
from ledgerline.dossiers import record
from ledgerline.events import (
    DocumentArchived,
    DocumentDeleted,
    DocumentReceived,
    DocumentRecognized,
    DossierUser,
    DossierUsersChanged,
    Envelope,
    EventData,
)
from ledgerline.events.invoice import InvoiceData, InvoiceFields
from ledgerline.subscriptions import TakesMany

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
ADMIN = "clara.admin@client.example"
APPROVER = "bert.buyer@client.example"
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


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
                email_domain=None, active=True, as_of=T0,
            )  # fmt: skip
        await handle(pool, service_layer.on_dossier_users_changed, DossierUsersChanged(users=(
            DossierUser(subject=ADMIN, name="Clara", email=ADMIN, profile="client_administrator"),
            DossierUser(subject=APPROVER, name="Bert", email=APPROVER,
                        profile="client_full_access"),
        )))  # fmt: skip
        scope = DossierScope(
            OFFICE,
            DOSSIER,
            Principal(ADMIN, OFFICE, Role.CLIENT_ADMINISTRATOR, frozenset({DOSSIER})),
        )
        async with UnitOfWork(pool, source="approvals") as uow:
            await service_layer.create_rule(uow, scope, "invoice", {
                "name": "All invoices", "supplier_vats": [], "supplier_numbers": [],
                "labels": [], "amount_from": None, "is_fallback": True, "active": True,
                "approvers": [APPROVER],
            })  # fmt: skip
            await service_layer.switch_invoice_process(uow, scope, True)
        yield pool
    finally:
        await pool.close()
        await infrastructure.postgres.drop_database(name)


async def handle(pool: asyncpg.Pool, handler: Any, data: EventData) -> None:
    event = Envelope[type(data)](  # type: ignore[misc]
        source="/tests", type="t", dossierid=DOSSIER, officeid=OFFICE, correlationid="c", data=data
    )
    async with UnitOfWork(pool, source="approvals") as uow:
        await handler(uow, event)


async def received(pool: asyncpg.Pool, document: uuid.UUID) -> None:
    await handle(pool, TakesMany(service_layer.on_documents_received), DocumentReceived(
        document_id=document, mailbox="purchase", channel="upload", filename="f.pdf",
        content_type="application/pdf", size_bytes=10, sha256="0" * 64, received_at=T0,
        content_url="http://x/content",
    ))  # fmt: skip


async def recognized(pool: asyncpg.Pool, document: uuid.UUID) -> None:
    await handle(pool, TakesMany(service_layer.on_documents_recognized), DocumentRecognized(
        document_id=document, status="ok", source="air", confidence=0.9,
        invoice=InvoiceData(fields=InvoiceFields(
            document_type="invoice", supplier_name="Janssens", invoice_number="J-1",
            currency="EUR", total_incl_vat=Decimal("12.10"),
        )),
    ))  # fmt: skip


async def pending_invoice(pool: asyncpg.Pool) -> uuid.UUID:
    document = uuid.uuid4()
    await received(pool, document)
    await recognized(pool, document)
    assert await status_of(pool, document) == "pending"
    return document


async def status_of(pool: asyncpg.Pool, document: uuid.UUID) -> str | None:
    async with pool.acquire() as conn:
        row = await repository.get_approval(conn, "invoice", OFFICE, DOSSIER, document)
    return None if row is None else str(row["status"])


async def trail(pool: asyncpg.Pool, document: uuid.UUID) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT actor, action, reason, before FROM audit_trail WHERE entity_id = $1 "
                "ORDER BY id",
                document,
            )
        )


def archived(document: uuid.UUID, *made: uuid.UUID, operation: str = "merge") -> DocumentArchived:
    return DocumentArchived(
        document_id=document,
        operation=operation,  # type: ignore[arg-type]
        replaced_by=made,
        archived_by=ADMIN,
        archived_at=T0,
    )


async def test_a_merged_or_split_invoice_s_pending_approval_is_withdrawn_once(
    pool: asyncpg.Pool,
) -> None:
    merged, split = await pending_invoice(pool), await pending_invoice(pool)
    result, part_1, part_2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(pool, service_layer.on_document_archived, archived(merged, result))
    await handle(pool, service_layer.on_document_archived, archived(merged, result))  # again
    await handle(
        pool,
        service_layer.on_document_archived,
        archived(split, part_1, part_2, operation="split"),
    )
    assert await status_of(pool, merged) is None
    assert await status_of(pool, split) is None
    async with pool.acquire() as conn:
        assert await repository.pending_for_approver(conn, OFFICE, APPROVER, None) == []
    [requested, withdrawn] = await trail(pool, merged)
    assert requested["action"] == "approval requested"
    assert (withdrawn["actor"], withdrawn["action"], withdrawn["reason"]) == (
        ADMIN,
        "approval withdrawn: document merged",
        f"replaced by {result}",
    )
    assert withdrawn["before"]["status"] == "pending"
    [_, split_withdrawn] = await trail(pool, split)
    assert split_withdrawn["action"] == "approval withdrawn: document split"
    assert split_withdrawn["reason"] == f"replaced by {part_1}, {part_2}"
    # nothing waits any more: the process can be switched off
    scope = DossierScope(
        OFFICE, DOSSIER, Principal(ADMIN, OFFICE, Role.CLIENT_ADMINISTRATOR, frozenset({DOSSIER}))
    )
    async with UnitOfWork(pool, source="approvals") as uow:
        assert await service_layer.switch_invoice_process(uow, scope, False) is False


async def test_a_deleted_invoice_s_pending_approval_is_withdrawn_a_decided_one_stays(
    pool: asyncpg.Pool,
) -> None:
    deleted, decided = await pending_invoice(pool), await pending_invoice(pool)
    async with UnitOfWork(pool, source="approvals") as uow:
        approver = DossierScope(
            OFFICE,
            DOSSIER,
            Principal(APPROVER, OFFICE, Role.CLIENT_FULL_ACCESS, frozenset({DOSSIER})),
        )
        await service_layer.decide(
            uow, approver, "invoice", [decided], approve=False, reason="not ours"
        )
    for document in (deleted, decided):
        await handle(pool, service_layer.on_document_deleted, DocumentDeleted(
            document_id=document, deleted_by=ADMIN, deleted_at=T0, reason="sent twice",
        ))  # fmt: skip
    assert await status_of(pool, deleted) is None
    assert await status_of(pool, decided) == "rejected"
    withdrawn = (await trail(pool, deleted))[-1]
    assert (withdrawn["action"], withdrawn["reason"]) == (
        "approval withdrawn: document deleted",
        "sent twice",
    )


async def test_a_document_archived_before_it_was_read_is_never_tested(pool: asyncpg.Pool) -> None:
    document = uuid.uuid4()
    await received(pool, document)
    await handle(pool, service_layer.on_document_archived, archived(document, uuid.uuid4()))
    await recognized(pool, document)  # the reading arrives after the merge
    assert await status_of(pool, document) is None
    assert await trail(pool, document) == []


def _in_dossier(data: EventData) -> Envelope[Any]:
    return Envelope[type(data)](  # type: ignore[misc]
        source="/tests", type="t", dossierid=DOSSIER, officeid=OFFICE, correlationid="c", data=data
    )


async def test_batches_test_each_purchase_invoice_once_when_both_events_are_known(
    pool: asyncpg.Pool,
) -> None:
    purchase, sales, unread = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def arrived(document: uuid.UUID, mailbox: str) -> Envelope[Any]:
        return _in_dossier(DocumentReceived(
            document_id=document, mailbox=mailbox, channel="upload", filename="f.pdf",
            content_type="application/pdf", size_bytes=10, sha256="0" * 64, received_at=T0,
            content_url="http://x/content", labels=("bouw",),
        ))  # fmt: skip

    def read(document: uuid.UUID) -> Envelope[Any]:
        return _in_dossier(DocumentRecognized(
            document_id=document, status="ok", source="air", confidence=0.9,
            invoice=InvoiceData(fields=InvoiceFields(
                document_type="invoice", supplier_name="Janssens", invoice_number="J-1",
                currency="EUR", total_incl_vat=Decimal("12.10"),
            )),
        ))  # fmt: skip

    async with UnitOfWork(pool, source="approvals") as uow:  # content first, of two
        await service_layer.on_documents_recognized(uow, [read(purchase), read(sales)])
    assert await status_of(pool, purchase) is None
    for _ in range(2):  # the received batch delivered again (new event ids) tests nothing more
        async with UnitOfWork(pool, source="approvals") as uow:
            await service_layer.on_documents_received(
                uow,
                [
                    arrived(purchase, "purchase"),
                    arrived(sales, "sales"),
                    arrived(unread, "purchase"),
                ],
            )
    assert await status_of(pool, purchase) == "pending"
    assert await status_of(pool, sales) is None  # not a purchase: never tested
    assert await status_of(pool, unread) is None  # its content is not known yet
    async with pool.acquire() as conn:
        approvals = await conn.fetch("SELECT subject_id, details FROM approvals")
    assert [row["subject_id"] for row in approvals] == [purchase]
    assert approvals[0]["details"]["labels"] == ["bouw"]
