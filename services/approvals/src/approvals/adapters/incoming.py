"""SQL for what approvals keeps of incoming purchase documents (from ingest's and recognition's
events) until it has tested them against the rules once."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from approvals.adapters.repository import APPROVAL_COLUMNS


async def remember_document(
    conn: asyncpg.Connection, *, document_id: UUID, office_id: UUID, dossier_id: UUID
) -> asyncpg.Record | None:
    """The document, known from now on (None: the id is known in another office)."""
    return await conn.fetchrow(
        """INSERT INTO incoming_documents (document_id, office_id, dossier_id)
        VALUES ($1, $2, $3)
        ON CONFLICT (document_id) DO UPDATE SET office_id = EXCLUDED.office_id
        WHERE incoming_documents.office_id = EXCLUDED.office_id
        RETURNING document_id""",
        document_id,
        office_id,
        dossier_id,
    )


async def remember_arrivals(
    conn: asyncpg.Connection,
    documents: Sequence[tuple[UUID, UUID, UUID, str, list[str], datetime]],
) -> None:
    """What document.received.v1 says of each (document, office, dossier, mailbox, labels,
    as of): its mailbox, and its labels unless the row has a later event's (the received and
    labels-changed topics are not ordered relative to each other). A document id known in
    another office is left alone."""
    await conn.executemany(
        """INSERT INTO incoming_documents
            (document_id, office_id, dossier_id, mailbox, labels, labels_as_of)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (document_id) DO UPDATE SET
            mailbox = COALESCE(EXCLUDED.mailbox, incoming_documents.mailbox),
            labels = CASE WHEN incoming_documents.labels_as_of IS NULL
                               OR incoming_documents.labels_as_of <= EXCLUDED.labels_as_of
                          THEN EXCLUDED.labels ELSE incoming_documents.labels END,
            labels_as_of = GREATEST(incoming_documents.labels_as_of, EXCLUDED.labels_as_of)
        WHERE incoming_documents.office_id = EXCLUDED.office_id""",
        documents,
    )


async def remember_facts(
    conn: asyncpg.Connection, documents: Sequence[tuple[UUID, UUID, UUID, dict[str, Any]]]
) -> None:
    """What document.recognized.v1 says of each (document, office, dossier, facts). A document
    id known in another office is left alone."""
    await conn.executemany(
        """INSERT INTO incoming_documents (document_id, office_id, dossier_id, facts)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (document_id) DO UPDATE SET facts = EXCLUDED.facts
        WHERE incoming_documents.office_id = EXCLUDED.office_id""",
        documents,
    )


async def remember_labels(
    conn: asyncpg.Connection,
    *,
    document_id: UUID,
    office_id: UUID,
    dossier_id: UUID,
    labels: list[str],
    as_of: datetime,
) -> asyncpg.Record | None:
    """The client's labels as of an event, unless the row has a later event's (the received
    and labels-changed topics are not ordered relative to each other). None: the id is known in
    another office, or the row already has later labels."""
    return await conn.fetchrow(
        """INSERT INTO incoming_documents (document_id, office_id, dossier_id, labels, labels_as_of)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (document_id) DO UPDATE SET
            labels = EXCLUDED.labels, labels_as_of = EXCLUDED.labels_as_of
        WHERE incoming_documents.office_id = EXCLUDED.office_id
          AND (incoming_documents.labels_as_of IS NULL
               OR incoming_documents.labels_as_of <= EXCLUDED.labels_as_of)
        RETURNING document_id, office_id, dossier_id, mailbox, facts, evaluated, labels""",
        document_id,
        office_id,
        dossier_id,
        labels,
        as_of,
    )


async def replace_requirement(
    conn: asyncpg.Connection, approval_id: UUID, requirement: dict[str, Any], details: Any
) -> asyncpg.Record:
    return await conn.fetchrow(
        f"""UPDATE approvals SET requirement = $2, details = $3 WHERE id = $1
        RETURNING {APPROVAL_COLUMNS}""",
        approval_id,
        requirement,
        details,
    )


async def claim_evaluation(conn: asyncpg.Connection, document_id: UUID) -> bool:
    """True once per document: the first time it is claimed."""
    return bool(
        await conn.fetchval(
            "UPDATE incoming_documents SET evaluated = true WHERE document_id = $1 "
            "AND NOT evaluated RETURNING true",
            document_id,
        )
    )


async def claim_evaluations(
    conn: asyncpg.Connection, documents: Sequence[tuple[UUID, UUID]]
) -> list[asyncpg.Record]:
    """Of the documents (office, document each), those whose mailbox and content are both
    known and that no one has claimed yet, claimed: each is returned once, ever."""
    return await conn.fetch(
        """UPDATE incoming_documents d SET evaluated = true
        FROM unnest($1::uuid[], $2::uuid[]) AS k(office_id, document_id)
        WHERE d.document_id = k.document_id AND d.office_id = k.office_id AND NOT d.evaluated
          AND d.mailbox IS NOT NULL AND d.facts IS NOT NULL
        RETURNING d.document_id, d.office_id, d.dossier_id, d.mailbox, d.facts, d.labels""",
        [office for office, _ in documents],
        [document for _, document in documents],
    )
