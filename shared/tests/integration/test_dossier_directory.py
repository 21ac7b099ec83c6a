"""The dossier directory each service keeps from sync's events, on the real PostgreSQL with the
services' real migrations: the events may arrive in any order, and a later one always wins."""

import importlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.dossier_events import (
    on_dossier_activated,
    on_dossier_deactivated,
    on_dossier_updated,
)
from ledgerline.dossiers import DirectoryEntry, PostgresDossierDirectory
from ledgerline.events import DossierActivated, DossierDeactivated, DossierUpdated, Envelope
from ledgerline.testing.databases import MigratedDatabases

pytestmark = [pytest.mark.integration]

OFFICE = uuid.uuid4()
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def envelope(data: Any, dossier: uuid.UUID, seconds: int, office: uuid.UUID = OFFICE) -> Any:
    return Envelope[type(data)](  # type: ignore[misc]
        source="/ledgerline/sync",
        type="t",
        time=T0 + timedelta(seconds=seconds),
        dossierid=dossier,
        officeid=office,
        correlationid="c",
        data=data,
    )


ACTIVATED = DossierActivated(
    name="Bakkerij Peeters BV",
    accounting_package="exact",
    dossier_code="P",
    email_domain="docs.example",
)
UPDATED = DossierUpdated(
    name="Bakkerij Peeters NV",
    accounting_package="exact",
    dossier_code="P",
    email_domain="docs.example",
)
DEACTIVATED = DossierDeactivated(name="Bakkerij Peeters NV", deactivated_by="anna")


@pytest.fixture(params=["payments", "ingest"])
async def directory_database(
    request: pytest.FixtureRequest, migrated_databases: MigratedDatabases
) -> AsyncIterator[str]:
    """A database migrated like the service's: payments creates the directory table, ingest
    extends its older `dossiers` table to it."""
    versions = importlib.import_module(f"{request.param}.bootstrap").definition().versions_dir
    url = await migrated_databases.create(versions)
    yield url
    await migrated_databases.drop(url)


async def test_events_out_of_order_leave_the_latest_state(directory_database: str) -> None:
    pool = await create_pool(directory_database)
    directory = PostgresDossierDirectory(lambda: pool)
    try:

        async def apply(handler: Any, event: Any) -> None:
            async with UnitOfWork(pool, source="test") as uow:
                await handler(uow, event)

        closed, renamed = uuid.uuid4(), uuid.uuid4()
        # Deactivated before activated arrives: it stays deactivated.
        await apply(on_dossier_deactivated, envelope(DEACTIVATED, closed, 20))
        await apply(on_dossier_activated, envelope(ACTIVATED, closed, 0))
        assert await directory.find(closed) == DirectoryEntry(closed, OFFICE, active=False)

        # Activated, then updated; a late, older activation does not undo the rename.
        await apply(on_dossier_activated, envelope(ACTIVATED, renamed, 0))
        await apply(on_dossier_updated, envelope(UPDATED, renamed, 10))
        await apply(on_dossier_activated, envelope(ACTIVATED, renamed, 0))
        assert await directory.find(renamed) == DirectoryEntry(renamed, OFFICE, active=True)
        name = await pool.fetchval("SELECT name FROM dossiers WHERE id = $1", renamed)
        assert name == "Bakkerij Peeters NV"

        # An event naming another office for a known dossier never moves it.
        await apply(on_dossier_updated, envelope(UPDATED, renamed, 30, office=uuid.uuid4()))
        assert (await directory.find(renamed)) == DirectoryEntry(renamed, OFFICE, active=True)

        await apply(on_dossier_deactivated, envelope(DEACTIVATED, renamed, 40))
        assert await directory.find(renamed) == DirectoryEntry(renamed, OFFICE, active=False)
        assert await directory.find(uuid.uuid4()) is None
    finally:
        await pool.close()
