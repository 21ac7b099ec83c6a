"""SQL for what the worklist keeps of each document apart from its proposal: its reading,
submission, labels, deletion and merging, and the lock that orders a document's events."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
from ledgerline.events import DocumentDeleted, DocumentRecognized, DocumentSubmitted, Envelope

# The document's transaction-scoped lock; $1 is the document id.
LOCK_DOCUMENT_SQL = "SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 0))"


async def lock_document(connection: asyncpg.Connection, document_id: UUID) -> None:
    """Serialises the two events that complete a document (recognised, submitted) until the
    transaction ends. They come on two topics to two consumers; without this, each transaction
    writes its half, cannot see the other's uncommitted half, and neither makes the proposal."""
    await connection.execute(LOCK_DOCUMENT_SQL, document_id)


async def lock_documents(connection: asyncpg.Connection, document_ids: Sequence[UUID]) -> None:
    """`lock_document` for many, in one statement and in the order of their ids: two batches
    that share documents wait for each other instead of deadlocking."""
    await connection.execute(
        "SELECT count(pg_advisory_xact_lock(hashtextextended(id::text, 0)))"
        " FROM unnest($1::uuid[]) AS id",
        sorted(set(document_ids)),
    )


async def save_recognitions(
    connection: asyncpg.Connection, events: Sequence[Envelope[DocumentRecognized]]
) -> None:
    """The caller holds the documents' locks (`lock_documents`)."""
    await connection.executemany(
        """INSERT INTO recognized_documents (document_id, office_id, dossier_id, recognition)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (document_id) DO UPDATE SET recognition = EXCLUDED.recognition""",
        [
            (e.data.document_id, e.officeid, e.dossierid, e.data.model_dump(mode="json"))
            for e in events
        ],
    )


async def save_submissions(
    connection: asyncpg.Connection, events: Sequence[Envelope[DocumentSubmitted]]
) -> None:
    """The caller holds the documents' locks (`lock_documents`)."""
    await connection.executemany(
        """INSERT INTO submitted_documents
            (document_id, office_id, dossier_id, mailbox, submitted_at, journal)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (document_id) DO NOTHING""",
        [
            (
                e.data.document_id,
                e.officeid,
                e.dossierid,
                e.data.mailbox,
                e.data.submitted_at,
                e.data.journal,
            )
            for e in events
        ],
    )


async def ready_for_proposals(
    connection: asyncpg.Connection, documents: Sequence[tuple[UUID, UUID]]
) -> list[tuple[UUID, UUID, tuple[DocumentRecognized, str, UUID, str | None]]]:
    """Of the documents (office, document each, in that order), those recognised and submitted
    but without a proposal yet and not deleted in their mailbox: office, document, and the
    recognition, mailbox, dossier and chosen journal (mailed to a journal's address) of each.
    The caller holds `lock_documents`, so of the two events that complete a document, the
    second sees the first's committed half."""
    wanted = list(dict.fromkeys(documents))
    rows = await connection.fetch(
        """
        SELECT s.office_id, s.document_id, r.recognition, s.mailbox, s.dossier_id, s.journal
        FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS k(office_id, document_id, position)
        JOIN submitted_documents s ON s.office_id = k.office_id AND s.document_id = k.document_id
        JOIN recognized_documents r ON r.document_id = s.document_id AND r.office_id = s.office_id
        WHERE NOT EXISTS (SELECT 1 FROM proposals p WHERE p.document_id = s.document_id)
          AND NOT EXISTS (
              SELECT 1 FROM deleted_documents d
              WHERE d.office_id = s.office_id AND d.document_id = s.document_id
          )
        ORDER BY k.position
        FOR UPDATE OF s
        """,
        [office for office, _ in wanted],
        [document for _, document in wanted],
    )
    return [
        (
            row["office_id"],
            row["document_id"],
            (
                DocumentRecognized.model_validate(row["recognition"]),
                row["mailbox"],
                row["dossier_id"],
                row["journal"],
            ),
        )
        for row in rows
    ]


async def recognition_of(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID
) -> DocumentRecognized | None:
    value = await connection.fetchval(
        "SELECT recognition FROM recognized_documents WHERE office_id = $1 AND document_id = $2",
        office_id,
        document_id,
    )
    return None if value is None else DocumentRecognized.model_validate(value)


async def kept_labels_at(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID
) -> datetime | None:
    """When the document's kept client labels were given (None: none kept yet)."""
    value = await connection.fetchval(
        "SELECT labels_at FROM document_labels WHERE office_id = $1 AND document_id = $2",
        office_id,
        document_id,
    )
    assert value is None or isinstance(value, datetime)
    return value


async def keep_labels(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    document_id: UUID,
    labels: Sequence[str],
    given_at: datetime,
) -> None:
    """Keeps the client's labels of the document (the whole set) and when they were given."""
    await connection.execute(
        """
        INSERT INTO document_labels (document_id, office_id, dossier_id, labels, labels_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (document_id) DO UPDATE
            SET labels = EXCLUDED.labels, labels_at = EXCLUDED.labels_at
        """,
        document_id,
        office_id,
        dossier_id,
        list(labels),
        given_at,
    )


async def save_deletion(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, deletion: DocumentDeleted
) -> None:
    await connection.execute(
        """INSERT INTO deleted_documents (document_id, office_id, dossier_id, deleted_by,
            deleted_at, reason)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (document_id) DO NOTHING""",
        deletion.document_id,
        office_id,
        dossier_id,
        deletion.deleted_by,
        deletion.deleted_at,
        deletion.reason,
    )


async def document_deleted(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID
) -> bool:
    found = await connection.fetchval(
        "SELECT 1 FROM deleted_documents WHERE office_id = $1 AND document_id = $2",
        office_id,
        document_id,
    )
    return found is not None


async def save_merged(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    document_ids: Sequence[UUID],
    merged_by: str,
    merged_at: datetime,
    note: str,
) -> None:
    """The documents of merged proposals make no proposal of their own any more (a late
    recognition finds them here, as it finds deleted ones)."""
    await connection.executemany(
        """INSERT INTO deleted_documents (document_id, office_id, dossier_id, deleted_by,
            deleted_at, reason)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (document_id) DO NOTHING""",
        [
            (document_id, office_id, dossier_id, merged_by, merged_at, note)
            for document_id in document_ids
        ],
    )


async def forget_merged(
    connection: asyncpg.Connection, office_id: UUID, document_ids: Sequence[UUID], note: str
) -> list[UUID]:
    """A refused merge: its documents may have proposals again; the ones it had marked."""
    rows = await connection.fetch(
        """DELETE FROM deleted_documents
        WHERE office_id = $1 AND document_id = ANY($2::uuid[]) AND reason = $3
        RETURNING document_id""",
        office_id,
        list(document_ids),
        note,
    )
    return [row["document_id"] for row in rows]
