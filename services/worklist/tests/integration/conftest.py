"""Fixtures of the worklist's integration tests: a fresh database of the worklist's at its
migration head, and a pool on it (helpers.py has the events and the HTTP API)."""

from collections.abc import AsyncIterator

import asyncpg
import pytest
from ledgerline.db import create_pool
from ledgerline.testing.databases import MigratedDatabases

from services.worklist.tests.integration.helpers import VERSIONS


@pytest.fixture
async def database(migrated_databases: MigratedDatabases) -> AsyncIterator[str]:
    """A fresh database of the worklist's: its URL."""
    async with migrated_databases.database(VERSIONS) as url:
        yield url


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    try:
        yield pool
    finally:
        await pool.close()
