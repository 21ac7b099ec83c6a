"""Databases of their own for the shared package's integration tests, on the session's
PostgreSQL (the root conftest starts it)."""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from ingest.bootstrap import definition as ingest
from ledgerline.db import create_pool
from ledgerline.devstack.stack import Infrastructure
from ledgerline.testing.databases import MigratedDatabases


@pytest.fixture
async def fresh_database(infrastructure: Infrastructure) -> AsyncIterator[str]:
    """An empty database, dropped after the test."""
    assert infrastructure.postgres is not None
    name = f"t{uuid.uuid4().hex[:12]}"
    yield await infrastructure.postgres.ensure_database(name, owner=name, password="test")
    await infrastructure.postgres.drop_database(name)


@pytest.fixture
async def ingest_database(migrated_databases: MigratedDatabases) -> AsyncIterator[str]:
    """A fresh database migrated to ingest's schema: a real service's outbox and inbox."""
    async with migrated_databases.database(ingest().versions_dir) as url:
        yield url


@pytest.fixture
async def ingest_pool(ingest_database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(ingest_database)
    yield pool
    await pool.close()
