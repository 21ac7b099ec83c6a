"""SQL for ingest's dossiers and documents."""

from typing import Any
from uuid import UUID

import asyncpg

DOCUMENT_COLUMNS = """id, office_id, dossier_id, mailbox, channel, filename, content_type, size_bytes,
sha256, status, delivered_by, received_at, submitted_at, recognition_status, counterparty_name,
total_incl_vat, currency, payment_status, handled, approval_status, approval_waiting_for,
sender, subject"""


async def get_dossier(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        "SELECT * FROM dossiers WHERE office_id = $1 AND id = $2 AND active",
        office_id,
        dossier_id,
    )


async def insert_document(connection: asyncpg.Connection, values: dict[str, Any]) -> asyncpg.Record:
    """A new document; `submitted` stores it straight `in_processing` (auto-forward)."""
    return await connection.fetchrow(
        f"""
        INSERT INTO documents (id, office_id, dossier_id, mailbox, channel, filename, content_type,
                               size_bytes, sha256, content, delivered_by, sender, subject,
                               idempotency_key, status, submitted_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                CASE WHEN $15 THEN 'in_processing' ELSE 'in_mailbox' END,
                CASE WHEN $15 THEN now() END)
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
        values.get("sender"),
        values.get("subject"),
        values.get("idempotency_key"),
        bool(values.get("submitted")),
    )


async def find_by_idempotency_key(
    connection: asyncpg.Connection, office_id: UUID, key: str
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE office_id = $1 AND idempotency_key = $2",
        office_id,
        key,
    )


async def dossiers_for_address(
    connection: asyncpg.Connection, code: str, domain: str
) -> list[asyncpg.Record]:
    """The active dossiers whose mail addresses use this code and domain (case-insensitive);
    more than one only when two offices gave dossiers the same code on one mail domain."""
    return await connection.fetch(
        """SELECT * FROM dossiers
        WHERE active AND lower(dossier_code) = $1 AND lower(email_domain) = $2""",
        code.lower(),
        domain.lower(),
    )


async def dossiers_for_party(
    connection: asyncpg.Connection, office_id: UUID, vat_number: str
) -> list[asyncpg.Record]:
    """The office's active dossiers with this VAT number (compared as digits and letters only)."""
    return await connection.fetch(
        """SELECT * FROM dossiers WHERE active AND office_id = $1
        AND upper(regexp_replace(vat_number, '[^A-Za-z0-9]', '', 'g')) = $2""",
        office_id,
        vat_number,
    )


async def record_dossier_details(
    connection: asyncpg.Connection,
    dossier_id: UUID,
    office_id: UUID,
    dossier_code: str,
    vat_number: str | None,
    as_of: Any,
) -> None:
    """The code and VAT number a dossier event carries, unless the row has a later event's."""
    await connection.execute(
        """
        UPDATE dossiers SET dossier_code = $3, vat_number = $4, details_as_of = $5
        WHERE id = $1 AND office_id = $2 AND (details_as_of IS NULL OR details_as_of <= $5)
        """,
        dossier_id,
        office_id,
        dossier_code,
        vat_number,
        as_of,
    )


async def update_intake_settings(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, values: dict[str, Any]
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        """
        UPDATE dossiers SET auto_forward_purchase = $3, auto_forward_sales = $4,
                            use_sender_whitelist = $5, sender_whitelist = $6
        WHERE office_id = $1 AND id = $2 AND active
        RETURNING *
        """,
        office_id,
        dossier_id,
        values["auto_forward_purchase"],
        values["auto_forward_sales"],
        values["use_sender_whitelist"],
        values["sender_whitelist"],
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
