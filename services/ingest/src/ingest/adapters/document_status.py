"""SQL for what other services' events change on ingest's documents: their reading, approval,
payment, booking and dossier."""

from collections.abc import Sequence
from decimal import Decimal
from uuid import UUID

import asyncpg


async def record_recognitions(
    connection: asyncpg.Connection,
    readings: Sequence[tuple[UUID, UUID, str, str | None, Decimal | None, str | None, str | None]],
) -> None:
    """What recognition read of each document: (office, document, recognition status,
    counterparty name, total incl. VAT, currency, invoice number)."""
    await connection.executemany(
        """
        UPDATE documents SET recognition_status = $3, counterparty_name = $4, total_incl_vat = $5,
                             currency = $6, invoice_number = $7
        WHERE office_id = $1 AND id = $2
        """,
        readings,
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
    (the events travel on different topics), nor makes a merged or split source wait again
    (approvals withdrew its approval)."""
    await connection.execute(
        """
        UPDATE documents SET approval_status = $3, approval_waiting_for = $4
        WHERE office_id = $1 AND id = $2
          AND ($3 <> 'pending'
               OR (status <> 'archived'
                   AND (approval_status IS NULL OR approval_status = 'pending')))
        """,
        office_id,
        document_id,
        approval_status,
        waiting_for,
    )


async def hold_for_approval(
    connection: asyncpg.Connection, documents: Sequence[tuple[UUID, UUID, UUID]]
) -> None:
    """Purchase documents (office, dossier, document each) still in the mailbox that approvals
    has said nothing of await approval (the dossier's process is on; approvals' own event
    follows)."""
    if not documents:  # asyncpg would still make a round trip for an empty executemany
        return
    await connection.executemany(
        """
        UPDATE documents SET approval_status = 'pending'
        WHERE office_id = $1 AND dossier_id = $2 AND id = $3 AND mailbox = 'purchase'
          AND status = 'in_mailbox' AND approval_status IS NULL
        """,
        documents,
    )


async def release_held(connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID) -> None:
    """The process was switched off: approvals had nothing pending then (it refuses otherwise),
    so what still shows pending was only held on arrival, and is free."""
    await connection.execute(
        """
        UPDATE documents SET approval_status = NULL, approval_waiting_for = '{}'
        WHERE office_id = $1 AND dossier_id = $2 AND approval_status = 'pending'
        """,
        office_id,
        dossier_id,
    )


async def record_booking(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID, document_number: str
) -> None:
    """A booked document leaves 'in processing' for the archive, with its number."""
    await connection.execute(
        """UPDATE documents SET status = 'booked', document_number = $3
        WHERE office_id = $1 AND id = $2 AND status <> 'deleted'""",
        office_id,
        document_id,
        document_number,
    )


async def clear_booking(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID, document_number: str
) -> None:
    """A booking deleted from the books: the document is 'in processing' again."""
    await connection.execute(
        """UPDATE documents SET status = 'in_processing', document_number = NULL
        WHERE office_id = $1 AND id = $2 AND status = 'booked' AND document_number = $3""",
        office_id,
        document_id,
        document_number,
    )


async def move_document(
    connection: asyncpg.Connection,
    office_id: UUID,
    document_id: UUID,
    from_dossier: UUID,
    to_dossier: UUID,
) -> bool:
    """File the document (and its comments) in another dossier of the same office. Only from
    the dossier the event names, so a replayed or stale move changes nothing."""
    result = await connection.execute(
        """UPDATE documents SET dossier_id = $4
        WHERE office_id = $1 AND id = $2 AND dossier_id = $3
          AND EXISTS (SELECT 1 FROM dossiers WHERE id = $4 AND office_id = $1)""",
        office_id,
        document_id,
        from_dossier,
        to_dossier,
    )
    if result == "UPDATE 0":
        return False
    await connection.execute(
        """UPDATE document_comments SET dossier_id = $3
        WHERE office_id = $1 AND document_id = $2""",
        office_id,
        document_id,
        to_dossier,
    )
    return True
