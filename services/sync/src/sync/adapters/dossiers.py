"""SQL for dossiers."""

from typing import Any, Literal
from uuid import UUID

import asyncpg

COLUMNS = """id, office_id, name, vat_number, accounting_package, dossier_code, configuration,
language, activated_at, active, updated_at, deactivated_at, installation, validation,
payment_module, financial_menu, vat_exempt, nightly_sync, books_up_to_date_until,
proposal_counter_reset_at, active_period, connector, sales_sequence_check"""
# The activation options an activation may set (and a change may change).
OPTIONS = (
    "installation",
    "validation",
    "payment_module",
    "financial_menu",
    "vat_exempt",
    "nightly_sync",
    "books_up_to_date_until",
    "connector",
    "sales_sequence_check",
)


async def insert(connection: asyncpg.Connection, values: dict[str, Any]) -> asyncpg.Record | None:
    """Insert a dossier; None when the office already activated that package dossier."""
    return await connection.fetchrow(
        f"""
        INSERT INTO dossiers (id, office_id, name, vat_number, accounting_package, dossier_code,
                              configuration, language, installation, validation, payment_module,
                              financial_menu, vat_exempt, nightly_sync, books_up_to_date_until,
                              connector, sales_sequence_check)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, 'office'), COALESCE($11, false),
                COALESCE($12, true), COALESCE($13, false), COALESCE($14, true), $15,
                COALESCE($16, 'in_process'), COALESCE($17, true))
        ON CONFLICT DO NOTHING
        RETURNING {COLUMNS}
        """,
        values["id"],
        values["office_id"],
        values["name"],
        values["vat_number"],
        values["accounting_package"],
        values["dossier_code"],
        values["configuration"],
        values["language"],
        *(values.get(option) for option in OPTIONS),
    )


async def clash(
    connection: asyncpg.Connection, values: dict[str, Any]
) -> Literal["code", "id", "foreign_id"]:
    """Why `insert` inserted nothing: the office's own package dossier code, the office's own
    dossier id, or an id of another office's dossier."""
    row = await connection.fetchrow(
        """
        SELECT bool_or(office_id = $1 AND accounting_package = $3 AND dossier_code = $4) AS code,
               bool_or(office_id = $1 AND id = $2) AS own_id
        FROM dossiers
        WHERE id = $2 OR (office_id = $1 AND accounting_package = $3 AND dossier_code = $4)
        """,
        values["office_id"],
        values["id"],
        values["accounting_package"],
        values["dossier_code"],
    )
    if row["code"]:
        return "code"
    return "id" if row["own_id"] else "foreign_id"


async def get(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {COLUMNS} FROM dossiers WHERE office_id = $1 AND id = $2", office_id, dossier_id
    )


async def list_visible(
    connection: asyncpg.Connection, office_id: UUID, dossier_ids: list[UUID] | None
) -> list[asyncpg.Record]:
    """The office's active dossiers; only those in `dossier_ids` unless it is None (all)."""
    return await connection.fetch(
        f"""SELECT {COLUMNS} FROM dossiers
        WHERE office_id = $1 AND active AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
        ORDER BY name, id""",
        office_id,
        dossier_ids,
    )


async def update(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, changes: dict[str, Any]
) -> asyncpg.Record | None:
    """Change an active dossier's details; None when it is not an active dossier of the office.

    Column names come from the request model's field names, never from the request itself.
    """
    assignments = ", ".join(f"{column} = ${index}" for index, column in enumerate(changes, 3))
    return await connection.fetchrow(
        f"""UPDATE dossiers SET {assignments}, updated_at = now()
        WHERE office_id = $1 AND id = $2 AND active
        RETURNING {COLUMNS}""",
        office_id,
        dossier_id,
        *changes.values(),
    )


async def deactivate(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"""UPDATE dossiers SET active = false, deactivated_at = now(), updated_at = now()
        WHERE office_id = $1 AND id = $2 AND active
        RETURNING {COLUMNS}""",
        office_id,
        dossier_id,
    )
