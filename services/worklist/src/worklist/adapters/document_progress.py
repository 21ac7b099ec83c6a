"""SQL for how far each document got in approval and payment (`domain/moving.py`)."""

from collections.abc import Sequence
from uuid import UUID

import asyncpg


async def locked(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID
) -> asyncpg.Record:
    """The document's row, made when missing, locked until the transaction ends."""
    await connection.execute(
        """INSERT INTO document_progress (document_id, office_id) VALUES ($1, $2)
        ON CONFLICT (document_id) DO NOTHING""",
        document_id,
        office_id,
    )
    row: asyncpg.Record = await connection.fetchrow(
        "SELECT approval, payment FROM document_progress "
        "WHERE document_id = $1 AND office_id = $2 FOR UPDATE",
        document_id,
        office_id,
    )
    return row


async def save(
    connection: asyncpg.Connection,
    document_id: UUID,
    approval: str | None,
    payment: str | None,
) -> None:
    await connection.execute(
        """UPDATE document_progress SET approval = $2, payment = $3, updated_at = now()
        WHERE document_id = $1""",
        document_id,
        approval,
        payment,
    )


async def of_documents(
    connection: asyncpg.Connection, office_id: UUID, document_ids: Sequence[UUID]
) -> dict[UUID, asyncpg.Record]:
    rows = await connection.fetch(
        """SELECT document_id, approval, payment FROM document_progress
        WHERE office_id = $1 AND document_id = ANY($2::uuid[])""",
        office_id,
        list(document_ids),
    )
    return {row["document_id"]: row for row in rows}
