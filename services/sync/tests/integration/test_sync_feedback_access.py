"""Who reads the feedback and who changes a dossier's settings, through sync's HTTP API on the
real PostgreSQL and a copy of the demo ledger.

Every feedback report answers 403 to the "document delivery" and "document processing"
profiles and for a configuration B dossier (processing and archive only), whoever asks; the
office and the client profiles with feedback read them. Only the office admin changes or
deactivates a dossier: an employee or the support profile gets 403 and nothing changes."""

import asyncio
import importlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from ledgerline.auth import Role, issue_token
from ledgerline.db import UnitOfWork, create_pool, run_migrations
from ledgerline.demo import JWT_ISSUER
from ledgerline.devstack.ports import free_port
from ledgerline.devstack.stack import Infrastructure
from ledgerline.service import create_app
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.testing.http import TaskPerRequestTransport
from sync.adapters import dossiers
from sync.config import SyncSettings
from sync.connectors.demo.generate import DOSSIER_CODE

pytestmark = [pytest.mark.integration]

OFFICE = uuid.uuid4()
# Every feedback report, with the parameters it needs.
REPORTS = (
    ("aged-balance", {"kind": "supplier", "pivot": "2026-11-30"}),
    ("top", {"kind": "customer", "from": "2026-01", "to": "2026-11"}),
    ("open-items", {"kind": "supplier", "pivot": "2026-11-30"}),
    ("profit-and-loss", {"from": "2026-01", "to": "2026-06"}),
    ("balance-sheet", {"at": "2026-06"}),
    ("key-figures", {"from": "2026-01", "to": "2026-12"}),
)
NO_FEEDBACK = (
    Role.CLIENT_DOCUMENT_DELIVERY,
    Role.CLIENT_DOCUMENT_PROCESSING,
    Role.CLIENT_DOCUMENT_PROCESSING_ARCHIVE,
)
WITH_FEEDBACK = (
    Role.ADMIN,
    Role.EMPLOYEE,
    Role.SUPPORT,
    Role.CLIENT_ADMINISTRATOR,
    Role.CLIENT_FULL_ACCESS,
    Role.CLIENT_FULL_FEEDBACK,
)


@dataclass
class World:
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    configuration_c: uuid.UUID
    configuration_b: uuid.UUID

    def headers(self, role: Role) -> dict[str, str]:
        token = issue_token(
            secret=DEV_JWT_SECRET,
            subject=f"{role.value}@office.example",
            office_id=OFFICE,
            role=role,
            dossiers=[self.configuration_c, self.configuration_b],
            issuer=JWT_ISSUER,
        )
        return {"Authorization": f"Bearer {token}"}

    async def report(
        self, dossier: uuid.UUID, name: str, params: dict, role: Role
    ) -> httpx.Response:
        return await self.http.get(
            f"/dossiers/{dossier}/feedback/{name}", params=params, headers=self.headers(role)
        )


@pytest.fixture
async def world(infrastructure: Infrastructure, demo_root: Path) -> AsyncIterator[World]:
    assert infrastructure.postgres is not None
    name = f"t{uuid.uuid4().hex[:12]}"
    dsn = await infrastructure.postgres.ensure_database(name, owner=name, password="test")
    definition = importlib.import_module("sync.bootstrap").definition()
    await asyncio.to_thread(run_migrations, dsn, definition.versions_dir)
    pool = await create_pool(dsn)
    full, archive_only = uuid.uuid4(), uuid.uuid4()
    async with UnitOfWork(pool, source="test") as uow:
        for dossier_id, code, configuration in (
            (full, DOSSIER_CODE, "C"),
            (archive_only, "ARCHIEF", "B"),
        ):
            await dossiers.insert(
                uow.conn,
                {
                    "id": dossier_id,
                    "office_id": OFFICE,
                    "name": f"Bakkerij {code}",
                    "vat_number": None,
                    "accounting_package": "beancount",
                    "dossier_code": code,
                    "configuration": configuration,
                    "language": "nl",
                },
            )
    settings = SyncSettings(
        database_url=dsn,
        ledger_root=demo_root,
        nightly_sync=False,
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        run_consumers=False,
        run_outbox_relay=False,
    )
    app = create_app(definition, settings)
    try:
        async with app.router.lifespan_context(app):
            transport = TaskPerRequestTransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://sync") as http:
                yield World(http, pool, full, archive_only)
    finally:
        await pool.close()
        await infrastructure.postgres.drop_database(name)


async def test_document_profiles_and_configuration_b_get_403_on_every_feedback_report(
    world: World,
) -> None:
    for name, params in REPORTS:
        for role in WITH_FEEDBACK:
            read = await world.report(world.configuration_c, name, params, role)
            assert read.status_code == 200, (name, role, read.text)
        for role in NO_FEEDBACK:
            refused = await world.report(world.configuration_c, name, params, role)
            assert refused.status_code == 403, (name, role, refused.text)
        for role in WITH_FEEDBACK:
            archive = await world.report(world.configuration_b, name, params, role)
            assert archive.status_code == 403, (name, role, archive.text)
            assert archive.json()["detail"] == (
                "a configuration B dossier has no feedback beyond the archive"
            )
        # CSV export too.
        csv = await world.http.get(
            f"/dossiers/{world.configuration_b}/feedback/{name}",
            params=params,
            headers=world.headers(Role.ADMIN) | {"Accept": "text/csv"},
        )
        assert csv.status_code == 403, (name, csv.text)


async def test_only_the_office_admin_changes_or_deactivates_a_dossier(world: World) -> None:
    dossier = f"/dossiers/{world.configuration_c}"
    before = await world.pool.fetchrow(
        "SELECT validation, nightly_sync, active FROM dossiers WHERE id = $1",
        world.configuration_c,
    )
    for role in (Role.SUPPORT, Role.EMPLOYEE, Role.CLIENT_ADMINISTRATOR):
        changed = await world.http.patch(
            dossier,
            json={"validation": "client", "nightly_sync": False},
            headers=world.headers(role),
        )
        assert changed.status_code == 403, (role, changed.text)
        deactivated = await world.http.post(f"{dossier}/deactivate", headers=world.headers(role))
        assert deactivated.status_code == 403, (role, deactivated.text)
    after = await world.pool.fetchrow(
        "SELECT validation, nightly_sync, active FROM dossiers WHERE id = $1",
        world.configuration_c,
    )
    assert after == before
    # The support profile still reads the dossier it is assigned to.
    shown = await world.http.get(dossier, headers=world.headers(Role.SUPPORT))
    assert shown.status_code == 200, shown.text
    changed = await world.http.patch(
        dossier, json={"validation": "hybrid"}, headers=world.headers(Role.ADMIN)
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["validation"] == "hybrid"
