"""Dossier users set before approvals learnt `dossier.users-changed.v1`: `sync republish-users`
publishes each active dossier's current users again, through sync's outbox, and approvals'
copy is the same however often it runs (real PostgreSQL: sync's database and approvals')."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from approvals import service_layer as approvals_layer
from approvals.adapters import repository as approvals_repository
from approvals.bootstrap import definition as approvals_definition
from ledgerline.db import UnitOfWork, create_pool, run_migrations
from ledgerline.devstack.stack import Infrastructure
from ledgerline.events import DossierUsersChanged, Envelope
from sync.adapters import dossiers, office
from sync.bootstrap import definition as sync_definition
from sync.dossier_users_events import REPUBLISHED_BY, republish_dossier_users

pytestmark = [pytest.mark.integration]

OFFICE, OTHER_OFFICE = uuid.uuid4(), uuid.uuid4()


async def _database(infrastructure: Infrastructure, versions: Path) -> tuple[str, str]:
    assert infrastructure.postgres is not None
    name = f"t{uuid.uuid4().hex[:12]}"
    url = await infrastructure.postgres.ensure_database(name, owner=name, password="test")
    await asyncio.to_thread(run_migrations, url, versions)
    return name, url


@pytest.fixture
async def pools(infrastructure: Infrastructure) -> AsyncIterator[tuple[asyncpg.Pool, asyncpg.Pool]]:
    """Sync's database and approvals'."""
    assert infrastructure.postgres is not None
    sync_db = await _database(infrastructure, sync_definition().versions_dir)
    approvals_db = await _database(infrastructure, approvals_definition().versions_dir)
    sync_pool, approvals_pool = await create_pool(sync_db[1]), await create_pool(approvals_db[1])
    yield sync_pool, approvals_pool
    await sync_pool.close()
    await approvals_pool.close()
    for name, _ in (sync_db, approvals_db):
        await infrastructure.postgres.drop_database(name)


async def _dossier(
    pool: asyncpg.Pool, office_id: uuid.UUID, *users: str, active: bool = True
) -> uuid.UUID:
    dossier_id = uuid.uuid4()
    async with UnitOfWork(pool, source="test") as uow:
        await dossiers.insert(
            uow.conn,
            {
                "id": dossier_id,
                "office_id": office_id,
                "name": f"Dossier {dossier_id.hex[:4]}",
                "vat_number": None,
                "accounting_package": "beancount",
                "dossier_code": f"D{dossier_id.hex[:8]}",
                "configuration": "C",
                "language": "nl",
            },
        )
        for subject in users:
            await office.insert_dossier_user(
                uow.conn,
                office_id,
                dossier_id,
                {
                    "subject": subject,
                    "name": subject.split("@")[0].title(),
                    "email": subject,
                    "profile": "client_administrator",
                },
            )
        if not active:
            await uow.conn.execute("UPDATE dossiers SET active = false WHERE id = $1", dossier_id)
    return dossier_id


async def _published(pool: asyncpg.Pool) -> list[Envelope[DossierUsersChanged]]:
    rows = await pool.fetch(
        "SELECT payload FROM outbox WHERE topic = 'dossier.users-changed.v1' AND published_at IS NULL"
        " ORDER BY id"
    )
    await pool.execute("UPDATE outbox SET published_at = now() WHERE published_at IS NULL")
    return [
        Envelope[DossierUsersChanged].model_validate(json.loads(row["payload"])) for row in rows
    ]


async def _approvals_copy(pool: asyncpg.Pool, dossier_id: uuid.UUID) -> list[tuple[Any, ...]]:
    async with pool.acquire() as connection:
        rows = await approvals_repository.dossier_users(connection, OFFICE, dossier_id)
    return [tuple(row) for row in rows]


async def test_republishing_gives_approvals_the_users_of_every_active_dossier_once_and_again(
    pools: tuple[asyncpg.Pool, asyncpg.Pool],
) -> None:
    sync_pool, approvals_pool = pools
    with_users = await _dossier(sync_pool, OFFICE, "ben@bakkerij.example", "an@bakkerij.example")
    without = await _dossier(sync_pool, OFFICE)
    await _dossier(sync_pool, OFFICE, "old@gone.example", active=False)
    await _dossier(sync_pool, OTHER_OFFICE, "x@other.example")

    assert await republish_dossier_users(sync_pool, office_id=OFFICE) == 2
    first = await _published(sync_pool)
    assert {(e.dossierid, e.officeid) for e in first} == {(with_users, OFFICE), (without, OFFICE)}
    by_dossier = {e.dossierid: e for e in first}
    assert [u.subject for u in by_dossier[with_users].data.users] == [
        "an@bakkerij.example",
        "ben@bakkerij.example",
    ]
    assert by_dossier[without].data.users == ()
    assert {e.data.changed_by for e in first} == {REPUBLISHED_BY}

    # Approvals takes them; run again (and delivered again): the same copy.
    expected = [
        ("an@bakkerij.example", "An", "an@bakkerij.example", "client_administrator"),
        ("ben@bakkerij.example", "Ben", "ben@bakkerij.example", "client_administrator"),
    ]
    assert await republish_dossier_users(sync_pool, office_id=OFFICE) == 2
    again = await _published(sync_pool)
    for delivery in (first, again, first):
        for event in delivery:
            async with UnitOfWork(approvals_pool, source="approvals") as uow:
                await approvals_layer.on_dossier_users_changed(uow, event)
        assert await _approvals_copy(approvals_pool, with_users) == expected
        assert await _approvals_copy(approvals_pool, without) == []

    # Without --office: every office's active dossiers.
    assert await republish_dossier_users(sync_pool) == 3
    assert len(await _published(sync_pool)) == 3
