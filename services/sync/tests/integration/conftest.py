"""Fixtures of sync's integration tests: a fresh database of sync's and the `world` on it,
and the reference Kafka `connector` beside it (world.py)."""

import importlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ledgerline.db import create_pool
from ledgerline.testing.databases import MigratedDatabases
from sync.config import SyncSettings
from sync.kafka_connector import service as connector_service
from sync.kafka_connector.settings import ConnectorSettings

from services.sync.tests.integration.world import Connector, World


@pytest.fixture
async def database(migrated_databases: MigratedDatabases) -> AsyncIterator[str]:
    """A fresh database of sync's at its migration head: its URL."""
    versions = importlib.import_module("sync.bootstrap").definition().versions_dir
    async with migrated_databases.database(versions) as url:
        yield url


@pytest.fixture
def sync_ledger_root(demo_root: Path) -> Path:
    """Sync's ledger root: the copy of the demo ledger (a module whose dossiers sync must not
    read overrides it)."""
    return demo_root


@pytest.fixture
async def world(database: str, sync_ledger_root: Path) -> AsyncIterator[World]:
    pool = await create_pool(database)
    try:
        settings = SyncSettings(database_url=database, ledger_root=sync_ledger_root)
        yield World(pool, settings, uuid.uuid4())
    finally:
        await pool.close()


@pytest.fixture
async def kafka_connector(
    migrated_databases: MigratedDatabases, demo_root: Path
) -> AsyncIterator[Connector]:
    """The reference Kafka connector on a database of its own and the copy of the demo ledger."""
    async with migrated_databases.database(connector_service.definition().versions_dir) as url:
        pool = await create_pool(url)
        try:
            yield Connector(pool, ConnectorSettings(database_url=url, ledger_root=demo_root))
        finally:
            await pool.close()
