"""SQL for recognition results."""

import json
from uuid import UUID

import asyncpg
from ledgerline.events import DocumentRecognized


async def save(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, result: DocumentRecognized
) -> None:
    await connection.execute(
        """
        INSERT INTO recognitions (document_id, office_id, dossier_id, status, source, confidence,
                                  reason, result)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
        ON CONFLICT (document_id) DO UPDATE SET
            status = EXCLUDED.status, source = EXCLUDED.source, confidence = EXCLUDED.confidence,
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
