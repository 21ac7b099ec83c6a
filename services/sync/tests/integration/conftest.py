"""Fixtures of sync's integration tests: a fresh database of sync's and the `world` on it
(world.py)."""

import importlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ledgerline.db import create_pool
from ledgerline.testing.databases import MigratedDatabases
from sync.config import SyncSettings

from services.sync.tests.integration.world import World


@pytest.fixture
async def database(migrated_databases: MigratedDatabases) -> AsyncIterator[str]:
    """A fresh database of sync's at its migration head: its URL."""
    versions = importlib.import_module("sync.bootstrap").definition().versions_dir
    async with migrated_databases.database(versions) as url:
        yield url


@pytest.fixture
async def world(database: str, demo_root: Path) -> AsyncIterator[World]:
    pool = await create_pool(database)
    try:
        yield World(pool, SyncSettings(database_url=database, ledger_root=demo_root), uuid.uuid4())
    finally:
        await pool.close()
