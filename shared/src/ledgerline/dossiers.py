"""Every service's own copy of the dossiers: which office owns each dossier, and is it active.

A token says who the caller is and which office they belong to; it cannot prove that a dossier
id it names belongs to that office. So every service keeps a directory of the dossiers, fed by
sync's `dossier.activated.v1`, `dossier.updated.v1` and `dossier.deactivated.v1`, and
`ledgerline.auth.dossier_scope` looks the dossier up there on every request. Sync owns the
dossiers and answers from its own `dossiers` table, which has the same `id`, `office_id` and
`active` columns.

The three events travel on three topics, so they may arrive in any order: each row keeps the
time of the event it reflects (`as_of`) and an older event never overwrites a newer one.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import asyncpg

# The table each service's migration creates (ingest extends its older `dossiers` table to it).
DOSSIER_DIRECTORY_DDL = """
CREATE TABLE dossiers (
    id           uuid PRIMARY KEY,
    office_id    uuid        NOT NULL,
    name         text        NOT NULL,
    email_domain text,
    active       boolean     NOT NULL DEFAULT true,
    as_of        timestamptz
);
CREATE INDEX dossiers_active_by_office ON dossiers (office_id) WHERE active;
"""

DROP_DOSSIER_DIRECTORY_DDL = "DROP TABLE dossiers;"

# The consumer (and Kafka group) that keeps a service's directory, apart from its own consumers.
DIRECTORY_CONSUMER_SUFFIX = "dossier-directory"


@dataclass(frozen=True)
class DirectoryEntry:
    dossier_id: UUID
    office_id: UUID
    active: bool
    # The service's whole directory row (its own columns too, e.g. ingest's intake settings), so
    # a route need not read the dossier a second time.
    details: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


class DossierDirectory(Protocol):
    async def find(self, dossier_id: UUID) -> DirectoryEntry | None: ...

    async def active_in_office(self, office_id: UUID) -> list[UUID]:
        """The office's active dossiers, in id order (for lists across the office)."""
        ...


DIRECTORY_ROW_SQL = "SELECT * FROM dossiers WHERE id = $1"


class PostgresDossierDirectory:
    """Looks a dossier up in the service's own `dossiers` table (a primary-key read)."""

    def __init__(self, pool: Callable[[], asyncpg.Pool], row_sql: str = DIRECTORY_ROW_SQL) -> None:
        # A callable, because the pool exists only once the service has started.
        self._pool = pool
        # The row a route gets as `details`: a service may join what its requests need with
        # the dossier (ingest: the invoice approval process switch), saving a statement each.
        # It must select the `dossiers` columns and take the dossier id as $1.
        self._row_sql = row_sql

    async def find(self, dossier_id: UUID) -> DirectoryEntry | None:
        row = await self._pool().fetchrow(self._row_sql, dossier_id)
        if row is None:
            return None
        return DirectoryEntry(
            dossier_id=dossier_id, office_id=row["office_id"], active=row["active"], details=row
        )

    async def active_in_office(self, office_id: UUID) -> list[UUID]:
        rows = await self._pool().fetch(
            "SELECT id FROM dossiers WHERE office_id = $1 AND active ORDER BY id", office_id
        )
        return [row["id"] for row in rows]


class InMemoryDossierDirectory:
    """A directory held in a dict: for tests of code that needs one, and for tools."""

    def __init__(self, entries: list[DirectoryEntry] | None = None) -> None:
        self.entries = {entry.dossier_id: entry for entry in entries or []}

    async def find(self, dossier_id: UUID) -> DirectoryEntry | None:
        return self.entries.get(dossier_id)

    async def active_in_office(self, office_id: UUID) -> list[UUID]:
        return sorted(
            entry.dossier_id
            for entry in self.entries.values()
            if entry.office_id == office_id and entry.active
        )


async def record(
    connection: asyncpg.Connection,
    *,
    dossier_id: UUID,
    office_id: UUID,
    name: str,
    email_domain: str | None,
    active: bool,
    as_of: datetime,
) -> None:
    """Upsert what one event says about a dossier, unless the row reflects a later event.

    A dossier id never changes office: an event naming another office for a known id is ignored.
    """
    await connection.execute(
        """
        INSERT INTO dossiers (id, office_id, name, email_domain, active, as_of)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (id) DO UPDATE SET
            name = EXCLUDED.name,
            email_domain = COALESCE(EXCLUDED.email_domain, dossiers.email_domain),
            active = EXCLUDED.active,
            as_of = EXCLUDED.as_of
        WHERE dossiers.office_id = EXCLUDED.office_id
          AND (dossiers.as_of IS NULL OR dossiers.as_of <= EXCLUDED.as_of)
        """,
        dossier_id,
        office_id,
        name,
        email_domain,
        active,
        as_of,
    )
