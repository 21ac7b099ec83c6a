"""SQL for the worklist's copy of the dossier's ledger master data (from ledger.synced.v1)."""

import json
from collections.abc import Iterable
from uuid import UUID

import asyncpg
from ledgerline.events import Counterparty, EventData

MASTER_DATA_KINDS = ("account", "vat_code", "journal", "period")


async def upsert_counterparties(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    sync_id: UUID,
    counterparties: Iterable[Counterparty],
) -> None:
    await connection.executemany(
        """INSERT INTO ledger_counterparties (office_id, dossier_id, number, kind, name, vat_number,
                ibans, currency, default_gl_account, default_vat_code, sync_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (office_id, dossier_id, number) DO UPDATE SET
            kind = EXCLUDED.kind, name = EXCLUDED.name, vat_number = EXCLUDED.vat_number,
            ibans = EXCLUDED.ibans, currency = EXCLUDED.currency,
            default_gl_account = EXCLUDED.default_gl_account,
            default_vat_code = EXCLUDED.default_vat_code, sync_id = EXCLUDED.sync_id""",
        [
            (
                office_id,
                dossier_id,
                party.number,
                party.kind,
                party.name,
                party.vat_number,
                list(party.ibans),
                party.currency,
                party.default_gl_account,
                party.default_vat_code,
                sync_id,
            )
            for party in counterparties
        ],
    )


async def upsert_master_data(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    sync_id: UUID,
    kind: str,
    records: Iterable[tuple[str, EventData]],
) -> None:
    await connection.executemany(
        """INSERT INTO ledger_master_data (office_id, dossier_id, kind, code, record, sync_id)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6)
        ON CONFLICT (office_id, dossier_id, kind, code) DO UPDATE SET
            record = EXCLUDED.record, sync_id = EXCLUDED.sync_id""",
        [
            (office_id, dossier_id, kind, code, json.loads(record.model_dump_json()), sync_id)
            for code, record in records
        ],
    )


async def remove_counterparties(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, numbers: list[str]
) -> None:
    await connection.execute(
        """DELETE FROM ledger_counterparties
        WHERE office_id = $1 AND dossier_id = $2 AND number = ANY($3::text[])""",
        office_id,
        dossier_id,
        numbers,
    )


async def remove_stale(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, sync_id: UUID
) -> None:
    """After the last chunk of a full resync: what the run did not send is gone from the books."""
    for table in ("ledger_counterparties", "ledger_master_data"):
        await connection.execute(
            f"DELETE FROM {table} WHERE office_id = $1 AND dossier_id = $2 AND sync_id <> $3",
            office_id,
            dossier_id,
            sync_id,
        )


async def list_counterparties(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    kind: str | None,
    vat_number: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await connection.fetch(
        """SELECT number, kind, name, vat_number, ibans, currency, default_gl_account,
                  default_vat_code
        FROM ledger_counterparties
        WHERE office_id = $1 AND dossier_id = $2 AND ($3::text IS NULL OR kind = $3)
          AND ($4::text IS NULL OR vat_number = $4)
        ORDER BY number LIMIT $5 OFFSET $6""",
        office_id,
        dossier_id,
        kind,
        vat_number,
        limit,
        offset,
    )


async def list_master_data(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, kind: str
) -> list[dict]:
    rows = await connection.fetch(
        """SELECT record FROM ledger_master_data
        WHERE office_id = $1 AND dossier_id = $2 AND kind = $3 ORDER BY code""",
        office_id,
        dossier_id,
        kind,
    )
    return [row["record"] for row in rows]
