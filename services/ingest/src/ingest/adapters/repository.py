"""SQL for ingest's dossiers and documents."""

from typing import Any
from uuid import UUID

import asyncpg

DOCUMENT_COLUMNS = """id, office_id, dossier_id, mailbox, channel, filename, content_type, size_bytes,
sha256, status, delivered_by, received_at, submitted_at, recognition_status, counterparty_name,
total_incl_vat, currency, payment_status, handled, approval_status, approval_waiting_for"""


async def get_dossier(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        "SELECT * FROM dossiers WHERE office_id = $1 AND id = $2 AND active",
        office_id,
        dossier_id,
    )


async def insert_document(connection: asyncpg.Connection, values: dict[str, Any]) -> asyncpg.Record:
    return await connection.fetchrow(
        f"""
        INSERT INTO documents (id, office_id, dossier_id, mailbox, channel, filename, content_type,
                               size_bytes, sha256, content, delivered_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        RETURNING {DOCUMENT_COLUMNS}
        """,
        values["id"],
        values["office_id"],
        values["dossier_id"],
        values["mailbox"],
        values["channel"],
        values["filename"],
        values["content_type"],
        values["size_bytes"],
        values["sha256"],
        values["content"],
        values["delivered_by"],
    )


async def list_documents(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    mailbox: str | None,
    status: str | None,
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""
        SELECT {DOCUMENT_COLUMNS} FROM documents
        WHERE office_id = $1 AND dossier_id = $2 AND status <> 'deleted'
          AND ($3::text IS NULL OR mailbox = $3) AND ($4::text IS NULL OR status = $4)
        ORDER BY received_at DESC
        """,
        office_id,
        dossier_id,
        mailbox,
        status,
    )


async def get_document(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"""SELECT {DOCUMENT_COLUMNS} FROM documents
        WHERE office_id = $1 AND dossier_id = $2 AND id = $3 AND status <> 'deleted'""",
        office_id,
        dossier_id,
        document_id,
    )


async def get_content(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        """SELECT filename, content_type, content FROM documents
        WHERE office_id = $1 AND dossier_id = $2 AND id = $3 AND status <> 'deleted'""",
        office_id,
        dossier_id,
        document_id,
    )


async def mark_submitted(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    """Moves a mailbox document to processing; None when it is not in a mailbox, or is an
    invoice that waits for approval or was rejected."""
    return await connection.fetchrow(
        f"""
        UPDATE documents SET status = 'in_processing', submitted_at = now()
        WHERE office_id = $1 AND dossier_id = $2 AND id = $3 AND status = 'in_mailbox'
          AND (approval_status IS NULL OR approval_status = 'approved')
        RETURNING {DOCUMENT_COLUMNS}
        """,
        office_id,
        dossier_id,
        document_id,
    )


async def record_recognition(connection: asyncpg.Connection, values: dict[str, Any]) -> None:
    await connection.execute(
        """
        UPDATE documents SET recognition_status = $3, counterparty_name = $4, total_incl_vat = $5,
                             currency = $6
        WHERE office_id = $1 AND id = $2
        """,
        values["office_id"],
        values["document_id"],
        values["recognition_status"],
        values["counterparty_name"],
        values["total_incl_vat"],
        values["currency"],
    )


async def record_payment_status(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID, payment_status: str
) -> None:
    """A document whose payment is in a file (or paid) is handled, as the mailbox shows it."""
    await connection.execute(
        """
        UPDATE documents SET payment_status = $3,
                             handled = handled OR $3 IN ('in_processing', 'paid')
        WHERE office_id = $1 AND id = $2
        """,
        office_id,
        document_id,
        payment_status,
    )


async def record_approval(
    connection: asyncpg.Connection,
    office_id: UUID,
    document_id: UUID,
    approval_status: str,
    waiting_for: list[str],
) -> None:
    """What approvals says of the invoice; a decision is final, a later 'waiting' never undoes it
    (the events travel on different topics)."""
    await connection.execute(
        """
        UPDATE documents SET approval_status = $3, approval_waiting_for = $4
        WHERE office_id = $1 AND id = $2
          AND ($3 <> 'pending' OR approval_status IS NULL OR approval_status = 'pending')
        """,
        office_id,
        document_id,
        approval_status,
        waiting_for,
    )
