"""The worklist's and payments' copies of a dossier's books, kept from ledger.synced.v1 on the real
PostgreSQL with each service's migrations: chunks are merged, a full resync replaces the copy
only once its last chunk arrived, removals remove, and the older counts-only form changes
nothing."""

import importlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.events import Counterparty, Envelope, GLAccount, LedgerSynced, OpenItem
from ledgerline.testing.databases import MigratedDatabases
from payments.event_handlers import on_ledger_synced as payments_on_ledger_synced
from worklist.service_layer import on_ledger_synced as worklist_on_ledger_synced

# Where each copy of the books is kept from ledger.synced.v1.
ON_LEDGER_SYNCED = {"worklist": worklist_on_ledger_synced, "payments": payments_on_ledger_synced}

pytestmark = [pytest.mark.integration]

OFFICE = uuid.uuid4()
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture(params=["worklist", "payments"])
async def copy(
    request: pytest.FixtureRequest, migrated_databases: MigratedDatabases
) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    versions = importlib.import_module(f"{request.param}.bootstrap").definition().versions_dir
    url = await migrated_databases.create(versions)
    pool = await create_pool(url)
    yield request.param, pool
    await pool.close()


def party(number: str) -> Counterparty:
    return Counterparty(number=number, kind="supplier", name=f"Leverancier {number}")


def item(number: str, paid: str = "0") -> OpenItem:
    return OpenItem(
        kind="supplier",
        journal="CFAAN",
        document_number=number,
        counterparty_number="L1",
        invoice_date=date(2026, 11, 1),
        amount=Decimal("121.00"),
        amount_paid=Decimal(paid),
    )


def chunk(sync_id: uuid.UUID, index: int, last: bool, **records: Any) -> LedgerSynced:
    return LedgerSynced(
        synced_at=NOW,
        sync_id=sync_id,
        chunk=index,
        last_chunk=last,
        full=records.pop("full", True),
        dossier_code="P",
        **records,
    )


async def apply(service: str, pool: asyncpg.Pool, dossier: uuid.UUID, data: LedgerSynced) -> None:
    event = Envelope[LedgerSynced](
        source="/ledgerline/sync",
        type="be.ledgerline.ledger.synced.v1",
        dossierid=dossier,
        officeid=OFFICE,
        correlationid="c",
        data=data,
    )
    async with UnitOfWork(pool, source=service) as uow:
        await ON_LEDGER_SYNCED[service](uow, event)


async def keys(service: str, pool: asyncpg.Pool, dossier: uuid.UUID) -> set[str]:
    if service == "worklist":
        rows = await pool.fetch(
            "SELECT number AS key FROM ledger_counterparties WHERE dossier_id = $1 "
            "UNION ALL SELECT kind || ':' || code FROM ledger_master_data WHERE dossier_id = $1",
            dossier,
        )
    else:
        rows = await pool.fetch(
            "SELECT document_number || '=' || amount_paid AS key FROM ledger_open_items "
            "WHERE dossier_id = $1",
            dossier,
        )
    return {row["key"] for row in rows}


async def test_a_full_resync_replaces_the_copy_when_its_last_chunk_arrives(
    copy: tuple[str, asyncpg.Pool],
) -> None:
    service, pool = copy
    dossier, other = uuid.uuid4(), uuid.uuid4()
    first, second = uuid.uuid4(), uuid.uuid4()
    account = GLAccount(code="604000", name="Aankopen", pcmn_class=6, type="expense")

    for dossier_id in (dossier, other):
        await apply(
            service,
            pool,
            dossier_id,
            chunk(first, 0, False, gl_accounts=(account,), counterparty_records=(party("L1"),)),
        )
        await apply(
            service,
            pool,
            dossier_id,
            chunk(
                first,
                1,
                True,
                counterparty_records=(party("L2"),),
                open_item_records=(item("26000001"), item("26000002", "21.00")),
            ),
        )
    if service == "worklist":
        assert await keys(service, pool, dossier) == {"L1", "L2", "account:604000"}
    else:
        assert await keys(service, pool, dossier) == {"26000001=0.00", "26000002=21.00"}

    # The next run: L2 and 26000001 are gone from the books, 26000002 got paid more.
    await apply(
        service,
        pool,
        dossier,
        chunk(second, 0, False, counterparty_records=(party("L1"),)),
    )
    before_last = await keys(service, pool, dossier)
    assert "L2" in before_last or "26000001=0.00" in before_last  # not replaced yet
    await apply(
        service,
        pool,
        dossier,
        chunk(
            second,
            1,
            True,
            gl_accounts=(account,),
            open_item_records=(item("26000002", "100.00"),),
        ),
    )
    if service == "worklist":
        assert await keys(service, pool, dossier) == {"L1", "account:604000"}
        assert await keys(service, pool, other) == {"L1", "L2", "account:604000"}
    else:
        assert await keys(service, pool, dossier) == {"26000002=100.00"}
        assert await keys(service, pool, other) == {"26000001=0.00", "26000002=21.00"}

    # A delta (not full) removes by key; the counts-only form changes nothing.
    await apply(
        service,
        pool,
        other,
        chunk(
            uuid.uuid4(),
            0,
            True,
            full=False,
            removed_counterparties=("L2",),
            removed_open_items=("CFAAN/26000001",),
        ),
    )
    await apply(service, pool, other, LedgerSynced(synced_at=NOW, counterparties=0))
    if service == "worklist":
        assert await keys(service, pool, other) == {"L1", "account:604000"}
    else:
        assert await keys(service, pool, other) == {"26000002=21.00"}
