"""SQL for sync runs and postings."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

SYNC_COLUMNS = """id, office_id, dossier_id, trigger, status, full_resync, chunks, counterparties,
open_items, reason, requested_by, started_at"""
POSTING_COLUMNS = """proposal_id, office_id, dossier_id, document_id, status, journal,
document_number, period, transaction_id, reason, attempts, updated_at"""


async def record_sync(connection: asyncpg.Connection, values: dict[str, Any]) -> asyncpg.Record:
    return await connection.fetchrow(
        f"""INSERT INTO ledger_syncs (id, office_id, dossier_id, trigger, status, full_resync,
                                     chunks, counterparties, open_items, reason, requested_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        RETURNING {SYNC_COLUMNS}""",
        values["id"],
        values["office_id"],
        values["dossier_id"],
        values["trigger"],
        values["status"],
        values["full_resync"],
        values.get("chunks", 0),
        values.get("counterparties", 0),
        values.get("open_items", 0),
        values.get("reason"),
        values.get("requested_by"),
    )


async def list_syncs(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, limit: int
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""SELECT {SYNC_COLUMNS} FROM ledger_syncs WHERE office_id = $1 AND dossier_id = $2
        ORDER BY started_at DESC, id LIMIT $3""",
        office_id,
        dossier_id,
        limit,
    )


async def save_posting(
    connection: asyncpg.Connection, values: dict[str, Any], *, attempt: bool = True
) -> None:
    """The posting's current state; `attempts` counts the tries that reached the connector
    (`attempt=False`: an external connector's answer, not a try)."""
    await connection.execute(
        """INSERT INTO postings (proposal_id, office_id, dossier_id, document_id, status, journal,
                                 document_number, period, transaction_id, reason, attempts)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (proposal_id) DO UPDATE SET
            status = EXCLUDED.status, journal = EXCLUDED.journal,
            document_number = EXCLUDED.document_number, period = EXCLUDED.period,
            transaction_id = EXCLUDED.transaction_id, reason = EXCLUDED.reason,
            attempts = postings.attempts + EXCLUDED.attempts, updated_at = now()""",
        values["proposal_id"],
        values["office_id"],
        values["dossier_id"],
        values.get("document_id"),
        values["status"],
        values.get("journal"),
        values.get("document_number"),
        values.get("period"),
        values.get("transaction_id"),
        values.get("reason"),
        1 if attempt else 0,
    )


async def posting(
    connection: asyncpg.Connection, office_id: UUID, proposal_id: UUID
) -> asyncpg.Record | None:
    """The posting of a proposal, locked until the transaction ends (its answers and a new
    validation of the proposal are applied one at a time)."""
    return await connection.fetchrow(
        f"""SELECT {POSTING_COLUMNS} FROM postings WHERE office_id = $1 AND proposal_id = $2
        FOR UPDATE""",
        office_id,
        proposal_id,
    )


async def get_posting(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, proposal_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"""SELECT {POSTING_COLUMNS} FROM postings
        WHERE office_id = $1 AND dossier_id = $2 AND proposal_id = $3""",
        office_id,
        dossier_id,
        proposal_id,
    )


async def list_postings(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    status: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""SELECT {POSTING_COLUMNS} FROM postings
        WHERE office_id = $1 AND dossier_id = $2 AND ($3::text IS NULL OR status = $3)
        ORDER BY updated_at DESC, proposal_id LIMIT $4 OFFSET $5""",
        office_id,
        dossier_id,
        status,
        limit,
        offset,
    )


async def synced_fingerprints(
    connection: asyncpg.Connection, dossier_id: UUID
) -> dict[tuple[str, str], str]:
    """What the dossier's latest sync run published, by (kind, key)."""
    rows = await connection.fetch(
        "SELECT kind, key, fingerprint FROM synced_records WHERE dossier_id = $1", dossier_id
    )
    return {(row["kind"], row["key"]): row["fingerprint"] for row in rows}


async def replace_fingerprints(
    connection: asyncpg.Connection,
    dossier_id: UUID,
    fingerprints: dict[tuple[str, str], str],
    kinds: tuple[str, ...] | None = None,
) -> None:
    """The fingerprints of the dossier's latest run (`kinds`: of those kinds only, the others
    kept)."""
    if kinds is None:
        await connection.execute("DELETE FROM synced_records WHERE dossier_id = $1", dossier_id)
    else:
        await connection.execute(
            "DELETE FROM synced_records WHERE dossier_id = $1 AND kind = ANY($2)",
            dossier_id,
            list(kinds),
        )
    await connection.copy_records_to_table(
        "synced_records",
        records=[(dossier_id, kind, key, value) for (kind, key), value in fingerprints.items()],
        columns=["dossier_id", "kind", "key", "fingerprint"],
    )


async def lock_dossier_sync(connection: asyncpg.Connection, dossier_id: UUID) -> None:
    """Until the transaction ends, no other sync run of the dossier records what it published."""
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtext('sync:' || $1::text))", str(dossier_id)
    )


# ------------------------------------------------------------------ Kafka-connected dossiers


async def upsert_connector_records(
    connection: asyncpg.Connection,
    dossier_id: UUID,
    sync_id: UUID,
    records: list[tuple[str, str, dict[str, Any]]],
) -> None:
    """Records (kind, key, JSON) an external connector published in ledger.synced.v1."""
    await connection.executemany(
        """INSERT INTO connector_records (dossier_id, kind, key, record, sync_id)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (dossier_id, kind, key) DO UPDATE SET
            record = EXCLUDED.record, sync_id = EXCLUDED.sync_id""",
        [(dossier_id, kind, key, record, sync_id) for kind, key, record in records],
    )


async def remove_connector_records(
    connection: asyncpg.Connection, dossier_id: UUID, kind: str, keys: list[str]
) -> None:
    await connection.execute(
        "DELETE FROM connector_records WHERE dossier_id = $1 AND kind = $2 AND key = ANY($3)",
        dossier_id,
        kind,
        keys,
    )


async def keep_only_connector_run(
    connection: asyncpg.Connection, dossier_id: UUID, sync_id: UUID
) -> None:
    """The last chunk of a full run: what that run did not send is gone from the books."""
    await connection.execute(
        "DELETE FROM connector_records WHERE dossier_id = $1 AND sync_id <> $2",
        dossier_id,
        sync_id,
    )


async def connector_records(
    connection: asyncpg.Connection,
    dossier_id: UUID,
    kinds: Iterable[str] | None = None,
    key: str | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """The records kept of the dossier (`kinds`: of those kinds; `key`: with that key)."""
    rows = await connection.fetch(
        """SELECT kind, record FROM connector_records WHERE dossier_id = $1
        AND ($2::text[] IS NULL OR kind = ANY($2)) AND ($3::text IS NULL OR key = $3)""",
        dossier_id,
        None if kinds is None else list(kinds),
        key,
    )
    return [(row["kind"], row["record"]) for row in rows]


async def mark_connector_books(
    connection: asyncpg.Connection, dossier_id: UUID, synced_at: datetime
) -> None:
    """Sync's copy of the dossier's books now shows them as the connector read them then (a
    chunk of an older run arriving late does not make the copy look older)."""
    await connection.execute(
        """INSERT INTO connector_books (dossier_id, synced_at) VALUES ($1, $2)
        ON CONFLICT (dossier_id) DO UPDATE
        SET synced_at = GREATEST(connector_books.synced_at, EXCLUDED.synced_at)""",
        dossier_id,
        synced_at,
    )


async def connector_books_synced_at(
    connection: asyncpg.Connection, dossier_id: UUID
) -> datetime | None:
    return await connection.fetchval(
        "SELECT synced_at FROM connector_books WHERE dossier_id = $1", dossier_id
    )


async def record_connector_sync(connection: asyncpg.Connection, values: dict[str, Any]) -> None:
    """A run of an external connector, once (its last chunk delivered again changes nothing):
    a run sync asked for (`requested`, same id) becomes `ok`, keeping its trigger."""
    await connection.execute(
        """INSERT INTO ledger_syncs (id, office_id, dossier_id, trigger, status, full_resync,
                                    chunks, counterparties, open_items)
        VALUES ($1, $2, $3, 'connector', 'ok', $4, $5, $6, $7)
        ON CONFLICT (id) DO UPDATE SET status = 'ok', full_resync = EXCLUDED.full_resync,
            chunks = EXCLUDED.chunks, counterparties = EXCLUDED.counterparties,
            open_items = EXCLUDED.open_items
        WHERE ledger_syncs.status = 'requested' AND ledger_syncs.dossier_id = EXCLUDED.dossier_id""",
        values["id"],
        values["office_id"],
        values["dossier_id"],
        values["full_resync"],
        values["chunks"],
        values["counterparties"],
        values["open_items"],
    )
