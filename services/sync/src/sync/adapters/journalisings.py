"""SQL for the journalising of payments made through the platform (one row per payment)."""

import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.events import SettledItem

COLUMNS = """payment_id, dossier_id, document_id, amount, paid_on, status, journal,
document_number, transaction_id, reason, attempts, created_at, updated_at"""


async def save(
    connection: asyncpg.Connection, values: dict[str, Any], *, attempt: bool = True
) -> None:
    """The journalising's current state; `settled` is the payment.settled.v1 data (what a retry
    sends again; as text, so that a connection without the pool's jsonb codec writes it too);
    `attempts` counts the tries that reached the connector."""
    await connection.execute(
        """INSERT INTO payment_journalisings (payment_id, office_id, dossier_id, document_id,
            amount, paid_on, status, journal, document_number, transaction_id, reason, attempts,
            settled)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text::jsonb)
        ON CONFLICT (payment_id) DO UPDATE SET
            status = EXCLUDED.status, journal = EXCLUDED.journal,
            document_number = EXCLUDED.document_number,
            transaction_id = EXCLUDED.transaction_id, reason = EXCLUDED.reason,
            attempts = payment_journalisings.attempts + EXCLUDED.attempts, updated_at = now()
        WHERE payment_journalisings.office_id = EXCLUDED.office_id""",
        values["payment_id"],
        values["office_id"],
        values["dossier_id"],
        values.get("document_id"),
        values["amount"],
        values["paid_on"],
        values["status"],
        values.get("journal"),
        values.get("document_number"),
        values.get("transaction_id"),
        values.get("reason"),
        1 if attempt else 0,
        json.dumps(values["settled"]),
    )


async def get(
    connection: asyncpg.Connection, office_id: UUID, payment_id: UUID
) -> asyncpg.Record | None:
    """Locked until the transaction ends: a retry and a connector's answer apply one at a time.
    `settled` is the payment.settled.v1 data as JSON text."""
    return await connection.fetchrow(
        f"""SELECT {COLUMNS}, settled::text AS settled FROM payment_journalisings
        WHERE office_id = $1 AND payment_id = $2 FOR UPDATE""",
        office_id,
        payment_id,
    )


async def mark_settled(
    connection: asyncpg.Connection, office_id: UUID, settled_items: Iterable[SettledItem]
) -> None:
    """An external connector's delta settled open items with payments of ours (its answer to
    payments.journalise-requested.v1): their journalising is done."""
    payment_ids = [item.payment_id for item in settled_items if item.payment_id is not None]
    if not payment_ids:
        return
    await connection.execute(
        """UPDATE payment_journalisings SET status = 'journalised', reason = NULL,
            updated_at = now()
        WHERE office_id = $1 AND payment_id = ANY($2::uuid[]) AND status <> 'journalised'""",
        office_id,
        payment_ids,
    )


async def list_for_dossier(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    status: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""SELECT {COLUMNS} FROM payment_journalisings
        WHERE office_id = $1 AND dossier_id = $2 AND ($3::text IS NULL OR status = $3)
        ORDER BY updated_at DESC, payment_id LIMIT $4 OFFSET $5""",
        office_id,
        dossier_id,
        status,
        limit,
        offset,
    )


async def booking_of_document(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    """The journal and document number sync posted a document as (its latest posted booking)."""
    return await connection.fetchrow(
        """SELECT journal, document_number FROM postings
        WHERE office_id = $1 AND dossier_id = $2 AND document_id = $3 AND status = 'posted'
        ORDER BY updated_at DESC LIMIT 1""",
        office_id,
        dossier_id,
        document_id,
    )
