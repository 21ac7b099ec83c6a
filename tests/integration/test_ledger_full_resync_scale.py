"""Issue 8's scale: a full resync of 5,000 counterparties and 20,000 open items, chunked by sync
below 512 KiB a message, is taken in whole by the worklist's and payments' copies of the books
(each service's own handler and migrations, on the real PostgreSQL)."""

import importlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg
import pytest
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.events import Envelope, LedgerSynced
from ledgerline.testing.databases import MigratedDatabases
from payments.event_handlers import on_ledger_synced as payments_on_ledger_synced
from sync.connectors.contract import Counterparty, LedgerSnapshot, OpenItem
from sync.domain.ledger_sync import MAX_MESSAGE_BYTES, ledger_sync_messages
from worklist.service_layer import on_ledger_synced as worklist_on_ledger_synced

# Where each copy of the books is kept from ledger.synced.v1.
ON_LEDGER_SYNCED = {"worklist": worklist_on_ledger_synced, "payments": payments_on_ledger_synced}

pytestmark = [pytest.mark.integration]

OFFICE = uuid.uuid4()
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
COUNTERPARTIES, OPEN_ITEMS = 5000, 20000


def big_snapshot() -> LedgerSnapshot:
    return LedgerSnapshot(
        dossier_code="BIG",
        read_at=NOW,
        counterparties=tuple(
            Counterparty(
                number=f"L{n:05d}",
                kind="supplier",
                name=f"Leverancier nummer {n} met een lange naam BV",
                vat_number=f"BE0{n:09d}",
                ibans=(f"BE71{n:012d}",),
                default_gl_account="604000",
                default_vat_code="A21",
            )
            for n in range(COUNTERPARTIES)
        ),
        open_items=tuple(
            OpenItem(
                kind="supplier",
                journal="CFAAN",
                document_number=f"26{n:06d}",
                counterparty_number=f"L{n % COUNTERPARTIES:05d}",
                invoice_number=f"F-2026-{n}",
                invoice_date=date(2026, 1 + n % 12, 1 + n % 28),
                due_date=date(2026, 1 + n % 12, 28),
                amount=Decimal("1210.00") + n,
                amount_paid=Decimal("100.00"),
            )
            for n in range(OPEN_ITEMS)
        ),
    )


@pytest.fixture(params=["worklist", "payments"])
async def copy(
    request: pytest.FixtureRequest, migrated_databases: MigratedDatabases
) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    versions = importlib.import_module(f"{request.param}.bootstrap").definition().versions_dir
    url = await migrated_databases.create(versions)
    pool = await create_pool(url)
    yield request.param, pool
    await pool.close()


async def test_a_full_resync_of_5000_counterparties_and_20000_open_items_is_taken_whole(
    copy: tuple[str, asyncpg.Pool],
) -> None:
    service, pool = copy
    handler = ON_LEDGER_SYNCED[service]
    dossier = uuid.uuid4()
    messages = ledger_sync_messages(big_snapshot(), uuid.uuid4(), NOW)
    envelopes = [
        Envelope[LedgerSynced](
            source="/ledgerline/sync",
            type="be.ledgerline.ledger.synced.v1",
            dossierid=dossier,
            officeid=OFFICE,
            correlationid="c",
            data=message,
        )
        for message in messages
    ]
    assert max(len(e.model_dump_json().encode()) for e in envelopes) < MAX_MESSAGE_BYTES
    # Each chunk travels as JSON and is read back as the consumer reads it.
    started = time.monotonic()
    for envelope in envelopes:
        received = Envelope[LedgerSynced].model_validate_json(envelope.model_dump_json())
        async with UnitOfWork(pool, source=service) as uow:
            await handler(uow, received)
    elapsed = time.monotonic() - started

    if service == "worklist":
        count = "SELECT count(*) FROM ledger_counterparties WHERE dossier_id = $1"
        assert await pool.fetchval(count, dossier) == COUNTERPARTIES
    else:
        count = "SELECT count(*), sum(amount_paid) FROM ledger_open_items WHERE dossier_id = $1"
        items, paid = await pool.fetchrow(count, dossier)
        assert (items, paid) == (OPEN_ITEMS, Decimal("100.00") * OPEN_ITEMS)
    print(f"{service}: {len(envelopes)} chunks taken in {elapsed:.1f} s")
