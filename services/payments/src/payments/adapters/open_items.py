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
            sync_id = EXCLUDED.sync_id, settled_on = NULL""",
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
    """Remove items given as `journal/document number` (settled or deleted in the books);
    those kept as settled (`settle`) stay."""
    pairs = [key.split("/", 1) for key in keys if "/" in key]
    await connection.execute(
        """DELETE FROM ledger_open_items
        WHERE office_id = $1 AND dossier_id = $2 AND settled_on IS NULL
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
        # Settled items are not in a snapshot (it has open items only): they stay, paid.
        """DELETE FROM ledger_open_items
        WHERE office_id = $1 AND dossier_id = $2 AND sync_id <> $3 AND settled_on IS NULL""",
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
    status: str = "open",
) -> list[asyncpg.Record]:
    """`status`: open (still (partly) open), settled (paid in the books) or all."""
    return await connection.fetch(
        f"""SELECT {COLUMNS}, amount - amount_paid AS open_amount, settled_on,
            CASE WHEN settled_on IS NULL THEN 'open' ELSE 'settled' END AS status
        FROM ledger_open_items
        WHERE office_id = $1 AND dossier_id = $2 AND ($3::text IS NULL OR kind = $3)
          AND ($4::text IS NULL OR counterparty_number = $4)
          AND ($5::date IS NULL OR coalesce(due_date, invoice_date) <= $5)
          AND ($8 = 'all' OR ($8 = 'settled') = (settled_on IS NOT NULL))
        ORDER BY coalesce(due_date, invoice_date), journal, document_number
        LIMIT $6 OFFSET $7""",
        office_id,
        dossier_id,
        kind,
        counterparty_number,
        due_by,
        limit,
        offset,
        status,
    )


async def settle(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    sync_id: UUID,
    item: OpenItem,
    settled_on: date,
) -> None:
    """Keep an item the books show settled, paid in full (the payment that settled it was
    journalised): the open-items list shows it with `status=settled`."""
    await upsert(connection, office_id, dossier_id, sync_id, [item])
    await connection.execute(
        """UPDATE ledger_open_items SET settled_on = $5
        WHERE office_id = $1 AND dossier_id = $2 AND journal = $3 AND document_number = $4""",
        office_id,
        dossier_id,
        item.journal,
        item.document_number,
        settled_on,
    )


async def remember_booking(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    document_id: UUID,
    journal: str,
    document_number: str,
) -> None:
    """The open item a document became in the books (booking.posted.v1)."""
    await connection.execute(
        """INSERT INTO booked_documents (office_id, dossier_id, document_id, journal,
                                       document_number)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (office_id, document_id) DO UPDATE SET dossier_id = EXCLUDED.dossier_id,
            journal = EXCLUDED.journal, document_number = EXCLUDED.document_number""",
        office_id,
        dossier_id,
        document_id,
        journal,
        document_number,
    )


async def item_of_document(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    """The booked document's journal and document number, with its open item as payments'
    copy has it (counterparty, kind, communication; None where the copy has not got it yet)."""
    return await connection.fetchrow(
        """SELECT b.journal, b.document_number, o.kind, o.counterparty_number,
            o.structured_communication
        FROM booked_documents b
        LEFT JOIN ledger_open_items o ON o.office_id = b.office_id
            AND o.dossier_id = b.dossier_id AND o.journal = b.journal
            AND o.document_number = b.document_number
        WHERE b.office_id = $1 AND b.dossier_id = $2 AND b.document_id = $3""",
        office_id,
        dossier_id,
        document_id,
    )
