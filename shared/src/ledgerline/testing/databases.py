"""Databases at a service's Alembic head for tests, copied from a template migrated once.

Running a service's migrations through Alembic takes a second or more on the 2-core CI machine,
and the integration tests want a fresh database per test. `MigratedDatabases` migrates one
template database per migrations folder (once per test session) and gives every test a copy of
it (`CREATE DATABASE ... TEMPLATE`, a file copy inside PostgreSQL). The copy is what the
migrations made, ownership and privileges included: it belongs to the template's role, whose
credentials its URL carries.
"""

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import asyncpg

from ledgerline.db import create_pool, run_migrations
from ledgerline.devstack.postgres import LocalPostgres
from ledgerline.dossiers import record

PASSWORD = "test"


class MigratedDatabases:
    """Fresh databases migrated to a service's head, on one running `LocalPostgres`."""

    def __init__(self, postgres: LocalPostgres) -> None:
        self._postgres = postgres
        self._templates: dict[Path, str] = {}
        self._lock = asyncio.Lock()

    async def create(self, versions_dir: Path) -> str:
        """A new database at the head of the migrations in `versions_dir`; its URL."""
        template = await self._template(await asyncio.to_thread(Path(versions_dir).resolve))
        name = f"t{uuid.uuid4().hex[:12]}"
        return await self._postgres.copy_database(template, name, template, PASSWORD)

    async def drop(self, url: str) -> None:
        """Drops a database `create` made (its sessions are ended)."""
        await self._postgres.drop_database(url.rsplit("/", 1)[1])

    @asynccontextmanager
    async def database(self, versions_dir: Path) -> AsyncIterator[str]:
        """`async with databases.database(versions) as url:` a database dropped afterwards."""
        url = await self.create(versions_dir)
        try:
            yield url
        finally:
            await self.drop(url)

    async def _template(self, versions_dir: Path) -> str:
        async with self._lock:
            if versions_dir not in self._templates:
                self._templates[versions_dir] = await self._migrated_template(versions_dir)
            return self._templates[versions_dir]

    async def _migrated_template(self, versions_dir: Path) -> str:
        name = await asyncio.to_thread(_template_name, versions_dir)
        if not await self._postgres.is_template(name):
            url = await self._postgres.ensure_database(name, owner=name, password=PASSWORD)
            await asyncio.to_thread(run_migrations, url, versions_dir)
            await self._postgres.make_template(name)
        return name


def _template_name(versions_dir: Path) -> str:
    """Named after the folder and its content: a reused cluster never hands out a template of
    other migrations."""
    digest = hashlib.sha256(str(versions_dir).encode())
    for path in sorted(versions_dir.glob("*.py")):
        digest.update(path.read_bytes())
    return f"template_{versions_dir.parents[1].name}_{digest.hexdigest()[:10]}"


@asynccontextmanager
async def dossier_database(
    databases: MigratedDatabases,
    versions_dir: Path,
    office: uuid.UUID,
    dossier: uuid.UUID,
    as_of: datetime,
) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh database of the service whose migrations are in `versions_dir`, whose
    dossier directory knows the office's dossier as active since `as_of` (as
    dossier.activated.v1 would have told it)."""
    async with databases.database(versions_dir) as url:
        pool = await create_pool(url)
        try:
            async with pool.acquire() as connection:
                await record(
                    connection,
                    dossier_id=dossier,
                    office_id=office,
                    name="Bakkerij Peeters",
                    email_domain=None,
                    active=True,
                    as_of=as_of,
                )
            yield pool
        finally:
            await pool.close()
