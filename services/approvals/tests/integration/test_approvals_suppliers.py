"""Approvals' copies on the real PostgreSQL with its migrations: the dossier's suppliers kept from
ledger.synced.v1 chunk by chunk, its users from dossier.users-changed.v1, rules refused when
they name a supplier or approver the dossier does not have, and an invoice matched to a rule by
the counterparty the copy resolves from its IBAN."""

import json
import re
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
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    Counterparty,
    DocumentMoved,
    DossierUser,
    DossierUsersChanged,
    Envelope,
    EventData,
    LedgerSynced,
)
from ledgerline.subscriptions import TakesMany
from ledgerline.testing.databases import MigratedDatabases, dossier_database
from ledgerline.testing.events import envelope as event_envelope
from ledgerline.testing.events import invoice_read, pdf_received

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
ADMIN = "clara.admin@client.example"
BUYER = "buyer@client.example"
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
async def pool(migrated_databases: MigratedDatabases) -> AsyncIterator[asyncpg.Pool]:
    versions = definition().versions_dir
    async with dossier_database(migrated_databases, versions, OFFICE, DOSSIER, T0) as pool:
        yield pool


def envelope(data: EventData) -> Envelope[Any]:
    return event_envelope(data, OFFICE, DOSSIER)


def party(number: str, name: str, kind: str = "supplier", **values: Any) -> Counterparty:
    return Counterparty(number=number, kind=kind, name=name, **values)  # type: ignore[arg-type]


def synced(sync_id: uuid.UUID, chunk: int, last: bool, full: bool, **records: Any) -> Any:
    return envelope(
        LedgerSynced(
            synced_at=T0, sync_id=sync_id, chunk=chunk, last_chunk=last, full=full, **records
        )
    )


async def suppliers(pool: asyncpg.Pool) -> list[str]:
    async with pool.acquire() as conn:
        return [row["number"] for row in await repository.suppliers(conn, OFFICE, DOSSIER)]


async def handle(pool: asyncpg.Pool, handler: Any, event: Envelope[Any]) -> None:
    async with UnitOfWork(pool, source="approvals") as uow:
        await handler(uow, event)


async def test_the_suppliers_are_kept_from_chunks_deltas_and_full_resyncs(
    pool: asyncpg.Pool,
) -> None:
    on_synced = service_layer.on_ledger_synced
    first = uuid.uuid4()
    await handle(pool, on_synced, synced(first, 0, False, True, counterparty_records=(
        party("L0001", "Van Damme", vat_number="BE0123456749"),
        party("K0001", "A customer", kind="customer"),
    )))  # fmt: skip
    await handle(pool, on_synced, synced(first, 1, True, True, counterparty_records=(
        party("L0002", "Janssens", ibans=("BE68539007547034",)),
    )))  # fmt: skip
    assert await suppliers(pool) == ["L0001", "L0002"]  # customers are no suppliers
    # a delta: one changed, one removed
    delta = uuid.uuid4()
    await handle(pool, on_synced, synced(delta, 0, True, False,
        counterparty_records=(party("L0003", "Peeters"),), removed_counterparties=("L0001",),
    ))  # fmt: skip
    assert await suppliers(pool) == ["L0002", "L0003"]
    # a counts-only message changes nothing
    await handle(pool, on_synced, envelope(LedgerSynced(synced_at=T0, counterparties=3)))
    assert await suppliers(pool) == ["L0002", "L0003"]
    # a full resync: what it does not send is gone once its last chunk arrived, not before
    full = uuid.uuid4()
    await handle(pool, on_synced, synced(full, 0, False, True,
        counterparty_records=(party("L0004", "Claes"),)))  # fmt: skip
    assert await suppliers(pool) == ["L0002", "L0003", "L0004"]
    await handle(pool, on_synced, synced(full, 1, True, True,
        counterparty_records=(party("L0002", "Janssens NV"),)))  # fmt: skip
    assert await suppliers(pool) == ["L0002", "L0004"]
    async with pool.acquire() as conn:
        [janssens, _] = await repository.suppliers(conn, OFFICE, DOSSIER)
    assert janssens["name"] == "Janssens NV" and janssens["ibans"] == []


def scope(subject: str = ADMIN) -> DossierScope:
    principal = Principal(subject, OFFICE, Role.CLIENT_ADMINISTRATOR, frozenset({DOSSIER}))
    return DossierScope(OFFICE, DOSSIER, principal)


async def create(pool: asyncpg.Pool, values: dict[str, Any]) -> asyncpg.Record:
    rule = {"name": "r", "supplier_vats": [], "supplier_numbers": [], "labels": [],
            "amount_from": None, "is_fallback": False, "active": True} | values  # fmt: skip
    async with UnitOfWork(pool, source="approvals") as uow:
        return await service_layer.create_rule(uow, scope(), "invoice", rule)


async def count(pool: asyncpg.Pool, sql: str) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval(sql))


async def test_rules_name_known_suppliers_and_users_and_match_by_the_resolved_counterparty(
    pool: asyncpg.Pool,
) -> None:
    refusal = "unknown approver buyer@client.example: an approver must be a user of the dossier"
    with pytest.raises(
        service_layer.Invalid, match=re.escape(refusal + " (the dossier has no users")
    ):
        await create(pool, {"approvers": [BUYER]})

    users = DossierUsersChanged(
        users=(
            DossierUser(subject=ADMIN, name="Clara", email=ADMIN, profile="client_administrator"),
            DossierUser(subject=BUYER, name="Bert", email=BUYER, profile="client_full_access"),
        ),
        changed_by=ADMIN,
    )
    await handle(pool, service_layer.on_dossier_users_changed, envelope(users))
    # a later list replaces the copy: someone removed is no approver any more
    await handle(
        pool,
        service_layer.on_dossier_users_changed,
        envelope(DossierUsersChanged(users=users.users[1:])),
    )
    with pytest.raises(service_layer.Invalid, match=re.escape(f"unknown approver {ADMIN}")):
        await create(pool, {"approvers": [ADMIN]})
    with pytest.raises(service_layer.Invalid, match=r"unknown supplier L0002: .*no suppliers"):
        await create(pool, {"approvers": [BUYER], "supplier_numbers": ["L0002"]})

    await handle(pool, service_layer.on_ledger_synced, synced(uuid.uuid4(), 0, True, False,
        counterparty_records=(party("L0002", "Janssens", ibans=("BE68539007547034",)),
                              party("L0005", "Van Damme", vat_number="BE0123456749"))))  # fmt: skip
    with pytest.raises(service_layer.Invalid, match="unknown supplier L0009, BE0987654321: not a"):
        await create(
            pool,
            {"approvers": [BUYER], "supplier_numbers": ["L0002", "L0009"],
             "supplier_vats": ["BE0123456749", "BE0987654321"]},
        )  # fmt: skip
    assert await count(pool, "SELECT count(*) FROM invoice_approval_rules") == 0
    assert await count(pool, "SELECT count(*) FROM audit_trail") == 0

    rule = await create(pool, {"approvers": [BUYER], "supplier_numbers": ["L0002"]})
    assert list(rule["supplier_numbers"]) == ["L0002"]
    async with UnitOfWork(pool, source="approvals") as uow:
        await service_layer.switch_invoice_process(uow, scope(), True)
    async with pool.acquire() as conn:
        [switched] = await conn.fetch(
            "SELECT topic, payload FROM outbox WHERE topic LIKE 'invoice.approval-process%'"
        )
    assert switched["topic"] == "invoice.approval-process-switched.v1"
    assert json.loads(switched["payload"])["data"] == {"enabled": True, "switched_by": ADMIN}

    # an invoice that shows no VAT number, only Janssens' IBAN: the copy says it is L0002
    document = uuid.uuid4()
    await handle(pool, TakesMany(service_layer.on_documents_received), envelope(pdf_received(
        document, T0, filename="j.pdf")))  # fmt: skip
    await handle(pool, TakesMany(service_layer.on_documents_recognized), envelope(invoice_read(
        document, "Janssens", Decimal("12.10"), iban="BE68 5390 0754 7034", invoice_number="J-1",
    )))  # fmt: skip
    async with pool.acquire() as conn:
        approval = await repository.get_approval(conn, "invoice", OFFICE, DOSSIER, document)
    assert approval is not None and approval["status"] == "pending"
    assert approval["details"]["supplier_numbers"] == ["L0002"]
    [option] = approval["requirement"]["options"]
    assert option["approvers"] == [BUYER]
    assert option["rules"][0]["rule_id"] == str(rule["id"])

    # the buyer leaves the dossier: the rule can still be changed (deactivated), but a change
    # cannot add someone who is not a user
    await handle(
        pool,
        service_layer.on_dossier_users_changed,
        envelope(DossierUsersChanged(users=())),
    )
    values = {"name": "Janssens", "supplier_vats": [], "supplier_numbers": ["L0002"],
              "labels": [], "amount_from": None, "approvers": [BUYER], "is_fallback": False}  # fmt: skip
    async with UnitOfWork(pool, source="approvals") as uow:
        changed = await service_layer.update_rule(
            uow, scope(), "invoice", rule["id"], values | {"active": False}
        )
    assert (changed["active"], changed["version"]) == (False, 2)
    with pytest.raises(service_layer.Invalid, match=re.escape(f"unknown approver {ADMIN}")):
        async with UnitOfWork(pool, source="approvals") as uow:
            await service_layer.update_rule(
                uow, scope(), "invoice", rule["id"], values | {"approvers": [BUYER, ADMIN]}
            )

    # the office moves the invoice to another dossier before anyone decided: what approvals
    # knows of it and its undecided approval are the new dossier's (a replay changes nothing)
    other = uuid.uuid4()
    moved = DocumentMoved(
        document_id=document, from_dossier_id=DOSSIER, moved_by="eva@office.example", moved_at=T0
    )
    for _ in range(2):
        await handle(pool, service_layer.on_document_moved, Envelope[DocumentMoved](
            source="/tests", type="t", dossierid=other, officeid=OFFICE, correlationid="c",
            data=moved,
        ))  # fmt: skip
    async with pool.acquire() as conn:
        assert await repository.get_approval(conn, "invoice", OFFICE, DOSSIER, document) is None
        there = await repository.get_approval(conn, "invoice", OFFICE, other, document)
        facts_in = await conn.fetchval(
            "SELECT dossier_id FROM incoming_documents WHERE document_id = $1", document
        )
    assert there is not None and there["status"] == "pending"
    assert facts_in == other
