"""Sync's handlers on the real PostgreSQL (its own migrations) and a copy of the demo ledger:
activation publishes the ledger in chunks through the outbox; a posting is recorded with its
outcome; a package that is down is retried and visible meanwhile."""

import importlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.events import (
    DossierActivated,
    DossierUpdated,
    Envelope,
    ProposalLine,
    ProposalValidated,
)
from ledgerline.testing.databases import MigratedDatabases
from sync import service_layer
from sync.adapters import dossiers
from sync.config import SyncSettings
from sync.connectors.contract import ConnectorUnavailable, LedgerSnapshot
from sync.connectors.demo.generate import DOSSIER_CODE

pytestmark = [pytest.mark.integration]

OFFICE = uuid.uuid4()


@pytest.fixture
async def database(migrated_databases: MigratedDatabases) -> AsyncIterator[str]:
    versions = importlib.import_module("sync.bootstrap").definition().versions_dir
    url = await migrated_databases.create(versions)
    yield url
    await migrated_databases.drop(url)


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    yield pool
    await pool.close()


@pytest.fixture
def settings(database: str, demo_root: Path) -> SyncSettings:
    return SyncSettings(database_url=database, ledger_root=demo_root)


async def dossier(pool: asyncpg.Pool) -> uuid.UUID:
    dossier_id = uuid.uuid4()
    async with UnitOfWork(pool, source="test") as uow:
        await dossiers.insert(
            uow.conn,
            {
                "id": dossier_id,
                "office_id": OFFICE,
                "name": "Bakkerij Peeters BV",
                "vat_number": None,
                "accounting_package": "beancount",
                "dossier_code": DOSSIER_CODE,
                "configuration": "C",
                "language": "nl",
            },
        )
    return dossier_id


def envelope(data: Any, dossier_id: uuid.UUID) -> Any:
    return Envelope[type(data)](  # type: ignore[misc]
        source="/ledgerline/test",
        type="t",
        dossierid=dossier_id,
        officeid=OFFICE,
        correlationid="c",
        data=data,
    )


def proposal() -> ProposalValidated:
    return ProposalValidated(
        proposal_id=uuid.uuid4(),
        document_id=uuid.uuid4(),
        journal="CFAAN",
        period="2026-11",
        counterparty_number="L0003",
        invoice_number="F-77",
        invoice_date=date(2026, 11, 20),
        currency="EUR",
        total_excl_vat=Decimal("100.00"),
        total_vat=Decimal("21.00"),
        total_incl_vat=Decimal("121.00"),
        validated_by="eva@office.example",
        lines=(
            ProposalLine(
                gl_account="604000",
                amount_excl_vat=Decimal("100.00"),
                vat_code="A21",
                vat_amount=Decimal("21.00"),
            ),
        ),
    )


async def outbox(pool: asyncpg.Pool, topic: str) -> list[dict[str, Any]]:
    rows = await pool.fetch("SELECT payload FROM outbox WHERE topic = $1 ORDER BY id", topic)
    return [
        json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]
        for row in rows
    ]


class PackageDown:
    """A connector whose package cannot be reached (the network is down)."""

    name = "down"

    def snapshot(self, dossier_code: str) -> LedgerSnapshot:
        raise ConnectorUnavailable("the package did not answer: connection refused")

    def post_booking(self, dossier_code: str, booking: Any) -> Any:
        raise AssertionError("never reached")


async def test_activation_publishes_the_ledger_through_the_outbox_and_records_the_run(
    pool: asyncpg.Pool, settings: SyncSettings
) -> None:
    dossier_id = await dossier(pool)
    activated = DossierActivated(
        name="Bakkerij Peeters BV",
        accounting_package="beancount",
        dossier_code=DOSSIER_CODE,
        email_domain="docs.example",
    )
    async with UnitOfWork(pool, source="sync") as uow:
        await service_layer.on_dossier_activated(uow, envelope(activated, dossier_id), settings)

    [run] = await pool.fetch("SELECT * FROM ledger_syncs WHERE dossier_id = $1", dossier_id)
    assert (run["status"], run["trigger"], run["full_resync"]) == ("ok", "activation", True)
    messages = await outbox(pool, "ledger.synced.v1")
    assert len(messages) == run["chunks"] == 1
    data = messages[0]["data"]
    assert data["sync_id"] == str(run["id"]) and data["last_chunk"] is True
    assert len(data["counterparty_records"]) == run["counterparties"] >= 20
    assert len(data["open_item_records"]) == run["open_items"] > 0


async def test_a_package_that_is_down_is_retried_and_visible_then_posted_once(
    pool: asyncpg.Pool, settings: SyncSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    dossier_id = await dossier(pool)
    event = envelope(proposal(), dossier_id)
    real_connector_for = service_layer.connector_for
    monkeypatch.setattr(service_layer, "connector_for", lambda package, root: PackageDown())

    for _ in range(2):  # the consumer's attempts
        with pytest.raises(ConnectorUnavailable):
            async with UnitOfWork(pool, source="sync") as uow:
                await service_layer.on_proposal_validated(uow, event, settings)

    waiting = await pool.fetchrow(
        "SELECT * FROM postings WHERE proposal_id = $1", event.data.proposal_id
    )
    assert (waiting["status"], waiting["attempts"]) == ("connector_unavailable", 2)
    assert waiting["reason"] == "the package did not answer: connection refused"
    assert await outbox(pool, "booking.posted.v1") == []
    assert await outbox(pool, "booking.failed.v1") == []

    monkeypatch.setattr(service_layer, "connector_for", real_connector_for)
    async with UnitOfWork(pool, source="sync") as uow:
        await service_layer.on_proposal_validated(uow, event, settings)

    posted = await pool.fetchrow(
        "SELECT * FROM postings WHERE proposal_id = $1", event.data.proposal_id
    )
    assert (posted["status"], posted["journal"], posted["reason"]) == ("posted", "CFAAN", None)
    [message] = await outbox(pool, "booking.posted.v1")
    assert message["data"]["document_number"] == posted["document_number"]
    assert message["data"]["transaction_id"] == f"CFAAN/{posted['document_number']}"


async def test_the_nightly_sync_runs_once_a_day_over_the_connected_dossiers(
    pool: asyncpg.Pool, settings: SyncSettings
) -> None:
    from sync.scheduler import run_nightly

    dossier_id = await dossier(pool)
    async with UnitOfWork(pool, source="test") as uow:  # a package without in-process connector
        await dossiers.insert(
            uow.conn,
            {
                "id": uuid.uuid4(),
                "office_id": OFFICE,
                "name": "Garage Janssens",
                "vat_number": None,
                "accounting_package": "exact",
                "dossier_code": "JANS",
                "configuration": "C",
                "language": "nl",
            },
        )

    assert await run_nightly(pool, settings, date(2026, 12, 1)) == 1
    assert await run_nightly(pool, settings, date(2026, 12, 1)) is None  # another process had it
    runs = await pool.fetch("SELECT dossier_id, trigger, status FROM ledger_syncs")
    assert [tuple(run) for run in runs] == [(dossier_id, "nightly", "ok")]
    assert len(await outbox(pool, "ledger.synced.v1")) == 1


async def test_the_nightly_sync_leaves_out_dossiers_whose_nightly_sync_is_off(
    pool: asyncpg.Pool, settings: SyncSettings
) -> None:
    from sync.scheduler import run_nightly

    nightly = await dossier(pool)
    async with UnitOfWork(pool, source="test") as uow:
        await dossiers.insert(
            uow.conn,
            {
                "id": uuid.uuid4(),
                # Another office's dossier of the same ledger: one office activates a code once.
                "office_id": uuid.uuid4(),
                "name": "Bakkerij Peeters, no nightly sync",
                "vat_number": None,
                "accounting_package": "beancount",
                "dossier_code": DOSSIER_CODE,
                "configuration": "C",
                "language": "nl",
                "nightly_sync": False,
            },
        )

    assert await run_nightly(pool, settings, date(2026, 12, 2)) == 1
    runs = await pool.fetch("SELECT dossier_id FROM ledger_syncs")
    assert [run["dossier_id"] for run in runs] == [nightly]


async def test_a_delta_run_publishes_only_what_changed_since_the_previous_run(
    pool: asyncpg.Pool, settings: SyncSettings
) -> None:
    dossier_id = await dossier(pool)
    async with UnitOfWork(pool, source="test") as uow:
        row = await dossiers.get(uow.conn, OFFICE, dossier_id)
        full = await service_layer.synchronise(uow, row, settings, trigger="manual")
    async with UnitOfWork(pool, source="test") as uow:
        quiet = await service_layer.synchronise(uow, row, settings, trigger="manual", full=False)
    assert (full["full_resync"], quiet["full_resync"], quiet["chunks"]) == (True, False, 1)
    messages = [m["data"] for m in await outbox(pool, "ledger.synced.v1")]
    last = [m for m in messages if m["sync_id"] == str(quiet["id"])]
    assert len(last) == 1
    assert (last[0]["counterparty_records"], last[0]["open_item_records"]) == ([], [])
    assert last[0]["counterparties"] == full["counterparties"]


async def test_only_a_change_of_the_dossier_s_books_resynchronises_it(
    pool: asyncpg.Pool, settings: SyncSettings
) -> None:
    """A manual sync's settings or a switched option are no reason to publish the ledger again;
    a new dossier code is, and so is an update that does not say what changed (older form)."""
    dossier_id = await dossier(pool)

    def updated(changed: tuple[str, ...] | None) -> DossierUpdated:
        return DossierUpdated(
            name="Bakkerij Peeters BV",
            accounting_package="beancount",
            dossier_code=DOSSIER_CODE,
            email_domain="docs.example",
            changed=changed,
        )

    for changed in [("nightly_sync",), ("active_period", "books_up_to_date_until")]:
        async with UnitOfWork(pool, source="sync") as uow:
            await service_layer.on_dossier_updated(
                uow, envelope(updated(changed), dossier_id), settings
            )
    assert await pool.fetchval("SELECT count(*) FROM ledger_syncs") == 0
    for changed in [("dossier_code", "name"), None]:
        async with UnitOfWork(pool, source="sync") as uow:
            await service_layer.on_dossier_updated(
                uow, envelope(updated(changed), dossier_id), settings
            )
    runs = await pool.fetch("SELECT trigger FROM ledger_syncs")
    assert [run["trigger"] for run in runs] == ["change", "change"]
