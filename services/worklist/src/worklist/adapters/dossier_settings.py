"""The worklist's copy of each dossier's validation mode, from dossier.activated/updated.v1."""

from datetime import datetime
from uuid import UUID

import asyncpg

from worklist.domain.validation import DEFAULT_MODE, ValidationMode


async def record_validation(
    connection: asyncpg.Connection,
    *,
    dossier_id: UUID,
    office_id: UUID,
    validation: ValidationMode,
    as_of: datetime,
) -> None:
    """Keeps the mode of the latest event (the events travel on two topics, in any order)."""
    await connection.execute(
        """
        INSERT INTO dossier_settings (dossier_id, office_id, validation, as_of)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (dossier_id) DO UPDATE SET validation = EXCLUDED.validation,
            as_of = EXCLUDED.as_of
        WHERE dossier_settings.office_id = EXCLUDED.office_id
          AND dossier_settings.as_of <= EXCLUDED.as_of
        """,
        dossier_id,
        office_id,
        validation,
        as_of,
    )


async def validation_of(
    connection: asyncpg.Connection | asyncpg.Pool, office_id: UUID, dossier_id: UUID
) -> ValidationMode:
    mode = await connection.fetchval(
        "SELECT validation FROM dossier_settings WHERE dossier_id = $1 AND office_id = $2",
        dossier_id,
        office_id,
    )
    return mode or DEFAULT_MODE
