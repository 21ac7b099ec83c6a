"""Ingest in process (its FastAPI app, lifespan and servers) on a database of its own in the
session's real PostgreSQL, called over httpx; consumers and the outbox relay stay off, so no
Kafka is needed beyond what the `infrastructure` fixture starts."""

import functools
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from ingest.bootstrap import definition
from ingest.config import IngestSettings
from ledgerline.auth import Role, issue_token
from ledgerline.db import create_pool
from ledgerline.demo import JWT_ISSUER
from ledgerline.devstack.ports import free_port
from ledgerline.service import create_app
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.testing.databases import MigratedDatabases
from ledgerline.testing.http import TaskPerRequestTransport

VERSIONS = Path(__file__).resolve().parents[2] / "src/ingest/migrations/versions"


@dataclass
class Ingest:
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    settings: IngestSettings
    office: uuid.UUID
    dossier: uuid.UUID

    def headers(self, role: Role, subject: str = "user@bakkerij.example") -> dict[str, str]:
        token = issue_token(
            secret=DEV_JWT_SECRET,
            subject=subject,
            office_id=self.office,
            role=role,
            dossiers=[self.dossier],
            issuer=JWT_ISSUER,
        )
        return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running_ingest(databases: MigratedDatabases, **settings: Any) -> AsyncIterator[Ingest]:
    """Ingest with `settings` over the defaults, one active dossier of one office."""
    dsn = await databases.create(VERSIONS)
    office, dossier = uuid.uuid4(), uuid.uuid4()
    pool = await create_pool(dsn)
    await pool.execute(
        """INSERT INTO dossiers (id, office_id, name, email_domain, active)
        VALUES ($1, $2, 'Bakkerij Peeters', 'bakkerij.example', true)""",
        dossier,
        office,
    )
    configured = IngestSettings(
        database_url=dsn,
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        **({"run_consumers": False, "run_outbox_relay": False} | settings),
    )
    app = create_app(definition(), configured)
    try:
        async with app.router.lifespan_context(app):
            transport = TaskPerRequestTransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as http:
                yield Ingest(http, pool, configured, office, dossier)
    finally:
        await pool.close()
        await databases.drop(dsn)


RunIngest = Callable[..., AbstractAsyncContextManager[Ingest]]


@pytest.fixture(scope="session")
def ingest_app(migrated_databases: MigratedDatabases) -> RunIngest:
    """`async with ingest_app(**settings) as ingest:` runs ingest with those settings."""
    return functools.partial(running_ingest, migrated_databases)
