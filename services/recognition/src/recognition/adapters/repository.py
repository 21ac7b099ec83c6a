"""SQL for recognition results."""

import json
from uuid import UUID

import asyncpg
from ledgerline.events import DocumentReceived, DocumentRecognized


async def save(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, result: DocumentRecognized
) -> None:
    await connection.execute(
        """
        INSERT INTO recognitions (document_id, office_id, dossier_id, status, source, confidence,
                                  reason, result)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
        ON CONFLICT (document_id) DO UPDATE SET
            dossier_id = EXCLUDED.dossier_id, status = EXCLUDED.status, source = EXCLUDED.source,
            confidence = EXCLUDED.confidence,
            reason = EXCLUDED.reason, result = EXCLUDED.result, recognized_at = now()
        """,
        result.document_id,
        office_id,
        dossier_id,
        result.status,
        result.source,
        result.confidence,
        result.reason,
        json.loads(result.model_dump_json()),
    )


async def save_received_and_result(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    received: DocumentReceived,
    result: DocumentRecognized,
) -> None:
    """`save_received` and `save` in one statement (one round trip per document read)."""
    await connection.execute(
        """
        WITH received AS (
            INSERT INTO received_documents (document_id, office_id, dossier_id, received)
            VALUES ($1, $2, $3, $9::jsonb)
            ON CONFLICT (document_id) DO NOTHING
        )
        INSERT INTO recognitions (document_id, office_id, dossier_id, status, source, confidence,
                                  reason, result)
        VALUES ($10, $2, $3, $4, $5, $6, $7, $8::jsonb)
        ON CONFLICT (document_id) DO UPDATE SET
            dossier_id = EXCLUDED.dossier_id, status = EXCLUDED.status, source = EXCLUDED.source,
            confidence = EXCLUDED.confidence,
            reason = EXCLUDED.reason, result = EXCLUDED.result, recognized_at = now()
        """,
        received.document_id,
        office_id,
        dossier_id,
        result.status,
        result.source,
        result.confidence,
        result.reason,
        result.model_dump(mode="json"),
        # The file's bytes stay in ingest: a re-read fetches them from the content URL.
        received.model_dump(mode="json", exclude={"content_base64"}),
        result.document_id,
    )


async def get(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> DocumentRecognized | None:
    result = await connection.fetchval(
        "SELECT result FROM recognitions WHERE office_id = $1 AND dossier_id = $2 AND document_id = $3",
        office_id,
        dossier_id,
        document_id,
    )
    return None if result is None else DocumentRecognized.model_validate(result)


async def save_received(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, received: DocumentReceived
) -> None:
    """What the document was received as: enough to fetch and read it again."""
    await connection.execute(
        """
        INSERT INTO received_documents (document_id, office_id, dossier_id, received)
        VALUES ($1, $2, $3, $4::jsonb)
        ON CONFLICT (document_id) DO NOTHING
        """,
        received.document_id,
        office_id,
        dossier_id,
        json.loads(received.model_dump_json(exclude={"content_base64"})),
    )


async def received_of(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID
) -> tuple[UUID, DocumentReceived] | None:
    """The dossier the document was received in, and what it was received as."""
    row = await connection.fetchrow(
        "SELECT dossier_id, received FROM received_documents "
        "WHERE office_id = $1 AND document_id = $2",
        office_id,
        document_id,
    )
    if row is None:
        return None
    received = row["received"]
    if isinstance(received, str):  # a plain connection has no jsonb codec
        received = json.loads(received)
    return row["dossier_id"], DocumentReceived.model_validate(received)


async def recognition_of(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID
) -> DocumentRecognized | None:
    result = await connection.fetchval(
        "SELECT result FROM recognitions WHERE office_id = $1 AND document_id = $2",
        office_id,
        document_id,
    )
    if result is None:
        return None
    if isinstance(result, str):
        result = json.loads(result)
    return DocumentRecognized.model_validate(result)


async def move(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID, to_dossier: UUID
) -> None:
    """The office moved the document to another dossier of the office."""
    for table in ("recognitions", "received_documents"):
        await connection.execute(
            f"UPDATE {table} SET dossier_id = $3 WHERE office_id = $1 AND document_id = $2",
            office_id,
            document_id,
            to_dossier,
        )
