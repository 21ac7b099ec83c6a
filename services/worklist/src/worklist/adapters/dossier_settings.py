"""The worklist's copy of each dossier's settings from dossier.activated/updated.v1: who
validates (office / hybrid / client) and whether sales invoice numbers are checked to follow
each other."""

from datetime import datetime
from uuid import UUID

import asyncpg

from worklist.domain.validation import DEFAULT_MODE, ValidationMode


async def record_settings(
    connection: asyncpg.Connection,
    *,
    dossier_id: UUID,
    office_id: UUID,
    validation: ValidationMode | None,
    sales_sequence_check: bool | None,
    as_of: datetime,
) -> None:
    """Keeps the settings of the latest event (the events travel on two topics, in any order);
    a setting the event does not carry (None) keeps its value."""
    await connection.execute(
        """
        INSERT INTO dossier_settings (dossier_id, office_id, validation, sales_sequence_check,
                                      as_of)
        VALUES ($1, $2, coalesce($3, $6), coalesce($4, true), $5)
        ON CONFLICT (dossier_id) DO UPDATE SET
            validation = coalesce($3, dossier_settings.validation),
            sales_sequence_check = coalesce($4, dossier_settings.sales_sequence_check),
            as_of = EXCLUDED.as_of
        WHERE dossier_settings.office_id = EXCLUDED.office_id
          AND dossier_settings.as_of <= EXCLUDED.as_of
        """,
        dossier_id,
        office_id,
        validation,
        sales_sequence_check,
        as_of,
        DEFAULT_MODE,
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


async def sales_sequence_check_of(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> bool:
    """On unless the dossier switched it off (seed 003)."""
    check = await connection.fetchval(
        "SELECT sales_sequence_check FROM dossier_settings WHERE dossier_id = $1 AND office_id = $2",
        dossier_id,
        office_id,
    )
    return check is not False
