"""SQL for payments' copy of the dossier's open items (from ledger.synced.v1)."""

from collections.abc import Iterable
from datetime import date
from uuid import UUID

import asyncpg
from ledgerline.events import OpenItem

COLUMNS = """journal, document_number, kind, counterparty_number, invoice_number, invoice_date,
due_date, currency, amount, amount_paid, structured_communication"""


async def upsert(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    sync_id: UUID,
    items: Iterable[OpenItem],
) -> None:
    await connection.executemany(
        f"""INSERT INTO ledger_open_items (office_id, dossier_id, {COLUMNS}, sync_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        ON CONFLICT (office_id, dossier_id, journal, document_number) DO UPDATE SET
            kind = EXCLUDED.kind, counterparty_number = EXCLUDED.counterparty_number,
            invoice_number = EXCLUDED.invoice_number, invoice_date = EXCLUDED.invoice_date,
            due_date = EXCLUDED.due_date, currency = EXCLUDED.currency, amount = EXCLUDED.amount,
            amount_paid = EXCLUDED.amount_paid,
            structured_communication = EXCLUDED.structured_communication,
            sync_id = EXCLUDED.sync_id""",
        [
            (
                office_id,
                dossier_id,
                item.journal,
                item.document_number,
                item.kind,
                item.counterparty_number,
                item.invoice_number,
                item.invoice_date,
                item.due_date,
                item.currency,
                item.amount,
                item.amount_paid,
                item.structured_communication,
                sync_id,
            )
            for item in items
        ],
    )


async def remove(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, keys: Iterable[str]
) -> None:
    """Remove items given as `journal/document number` (settled or deleted in the books)."""
    pairs = [key.split("/", 1) for key in keys if "/" in key]
    await connection.execute(
        """DELETE FROM ledger_open_items
        WHERE office_id = $1 AND dossier_id = $2
          AND (journal, document_number) IN (SELECT * FROM unnest($3::text[], $4::text[]))""",
        office_id,
        dossier_id,
        [journal for journal, _ in pairs],
        [number for _, number in pairs],
    )


async def remove_stale(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, sync_id: UUID
) -> None:
    await connection.execute(
        "DELETE FROM ledger_open_items WHERE office_id = $1 AND dossier_id = $2 AND sync_id <> $3",
        office_id,
        dossier_id,
        sync_id,
    )


async def list_open_items(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    kind: str | None,
    counterparty_number: str | None,
    due_by: date | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""SELECT {COLUMNS}, amount - amount_paid AS open_amount FROM ledger_open_items
        WHERE office_id = $1 AND dossier_id = $2 AND ($3::text IS NULL OR kind = $3)
          AND ($4::text IS NULL OR counterparty_number = $4)
          AND ($5::date IS NULL OR coalesce(due_date, invoice_date) <= $5)
        ORDER BY coalesce(due_date, invoice_date), journal, document_number
        LIMIT $6 OFFSET $7""",
        office_id,
        dossier_id,
        kind,
        counterparty_number,
        due_by,
        limit,
        offset,
    )
