"""`dossier.users-changed.v1`: after every change to a dossier's users, the whole list as it is
now, so that services checking who may act in the dossier (approvals: who may be named an
approver) keep a copy. Kept apart from the office routes so that they only call it."""

from uuid import UUID

import asyncpg
from ledgerline.db import UnitOfWork
from ledgerline.events import DossierUser, DossierUsersChanged

from sync.adapters import office

# `changed_by` of a republished list (no change: the users as they stand).
REPUBLISHED_BY = "sync republish-users"


async def announce_dossier_users(
    uow: UnitOfWork, office_id: UUID, dossier_id: UUID, changed_by: str
) -> None:
    """Publish the dossier's users in the caller's unit of work (after its change). Changes of
    one dossier's users are serialised here until commit, so each event lists what every
    earlier committed change left, and the last event is the list as it stands."""
    await uow.conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"dossier-users:{dossier_id}"
    )
    rows = await office.dossier_users(uow.conn, office_id, dossier_id)
    uow.emit(
        DossierUsersChanged(
            users=tuple(
                DossierUser(
                    subject=row["subject"],
                    name=row["name"],
                    email=row["email"],
                    profile=row["profile"],
                )
                for row in rows
            ),
            changed_by=changed_by,
        ),
        dossier_id=dossier_id,
        office_id=office_id,
    )


async def republish_dossier_users(
    pool: asyncpg.Pool, *, office_id: UUID | None = None, changed_by: str = REPUBLISHED_BY
) -> int:
    """`dossier.users-changed.v1` once more for every active dossier (of one office): the users
    as they are, for a consumer that learnt the event after they were set (approvals). Each is
    the whole current list, so a consumer that had it already keeps the same copy. One
    transaction per dossier; returns how many were published (through the outbox)."""
    rows = await pool.fetch(
        "SELECT office_id, id FROM dossiers WHERE active AND ($1::uuid IS NULL OR office_id = $1)"
        " ORDER BY office_id, id",
        office_id,
    )
    for row in rows:
        async with UnitOfWork(pool, source="sync") as uow:
            await announce_dossier_users(uow, row["office_id"], row["id"], changed_by)
    return len(rows)
