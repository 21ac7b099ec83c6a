"""SQL for the office administration: settings, employees, client groups, dossier users, and
which dossiers a subject may see. Every query is scoped by the office."""

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

SETTINGS_COLUMNS = """office_id, name, payment_module_allowed, key_figures_closed_periods_only,
dossier_activation, updated_at"""
DEFAULT_SETTINGS: dict[str, Any] = {
    "name": None,
    "payment_module_allowed": False,
    "key_figures_closed_periods_only": False,
    "dossier_activation": "admins",
    "updated_at": None,
}


# ------------------------------------------------------------------ settings


async def settings(connection: asyncpg.Connection, office_id: UUID) -> dict[str, Any]:
    """The office's settings; the defaults for an office that never saved any."""
    row = await connection.fetchrow(
        f"SELECT {SETTINGS_COLUMNS} FROM office_settings WHERE office_id = $1", office_id
    )
    return dict(row) if row is not None else DEFAULT_SETTINGS | {"office_id": office_id}


async def save_settings(
    connection: asyncpg.Connection,
    office_id: UUID,
    values: dict[str, Any],
    *,
    unchanged_since: datetime | None = None,
    check_unchanged: bool = False,
) -> dict[str, Any] | None:
    """Saves the settings; with `check_unchanged`, only if they were last saved at
    `unchanged_since` (None: never), else returns None and saves nothing."""
    row = await connection.fetchrow(
        f"""INSERT INTO office_settings (office_id, name, payment_module_allowed,
                                        key_figures_closed_periods_only, dossier_activation)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (office_id) DO UPDATE SET
            name = EXCLUDED.name, payment_module_allowed = EXCLUDED.payment_module_allowed,
            key_figures_closed_periods_only = EXCLUDED.key_figures_closed_periods_only,
            dossier_activation = EXCLUDED.dossier_activation, updated_at = now()
        WHERE NOT $6::boolean OR office_settings.updated_at = $7::timestamptz
        RETURNING {SETTINGS_COLUMNS}""",
        office_id,
        values["name"],
        values["payment_module_allowed"],
        values["key_figures_closed_periods_only"],
        values["dossier_activation"],
        check_unchanged,
        unchanged_since,
    )
    return dict(row) if row is not None else None


# ------------------------------------------------------------------ dossiers of the office


async def unknown_dossiers(
    connection: asyncpg.Connection, office_id: UUID, dossier_ids: list[UUID]
) -> list[UUID]:
    """The ids that are not dossiers of the office (another office's count as unknown)."""
    known = await connection.fetch(
        "SELECT id FROM dossiers WHERE office_id = $1 AND id = ANY($2::uuid[])",
        office_id,
        dossier_ids,
    )
    found = {row["id"] for row in known}
    return sorted({dossier for dossier in dossier_ids if dossier not in found})


async def unknown_groups(
    connection: asyncpg.Connection, office_id: UUID, group_ids: list[UUID]
) -> list[UUID]:
    known = await connection.fetch(
        "SELECT id FROM client_groups WHERE office_id = $1 AND id = ANY($2::uuid[])",
        office_id,
        group_ids,
    )
    found = {row["id"] for row in known}
    return sorted({group for group in group_ids if group not in found})


async def active_dossier_ids(connection: asyncpg.Connection, office_id: UUID) -> list[UUID]:
    rows = await connection.fetch(
        "SELECT id FROM dossiers WHERE office_id = $1 AND active ORDER BY id", office_id
    )
    return [row["id"] for row in rows]


# ------------------------------------------------------------------ employees

EMPLOYEE_SELECT = """
SELECT e.office_id, e.subject, e.name, e.email, e.role, e.created_at, e.updated_at,
       COALESCE((SELECT array_agg(d.dossier_id ORDER BY d.dossier_id) FROM employee_dossiers d
                 WHERE d.office_id = e.office_id AND d.subject = e.subject), '{}') AS dossiers,
       COALESCE((SELECT array_agg(g.group_id ORDER BY g.group_id) FROM employee_client_groups g
                 WHERE g.office_id = e.office_id AND g.subject = e.subject), '{}')
           AS client_groups
FROM employees e
"""


async def employees(connection: asyncpg.Connection, office_id: UUID) -> list[asyncpg.Record]:
    return await connection.fetch(
        EMPLOYEE_SELECT + "WHERE e.office_id = $1 ORDER BY e.name, e.subject", office_id
    )


async def employee(
    connection: asyncpg.Connection, office_id: UUID, subject: str
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        EMPLOYEE_SELECT + "WHERE e.office_id = $1 AND e.subject = $2", office_id, subject
    )


async def lock_admins(connection: asyncpg.Connection, office_id: UUID) -> list[str]:
    """The office's admins, locked until the transaction ends (two removals cannot both pass
    the last-admin check)."""
    await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1::text))", str(office_id))
    rows = await connection.fetch(
        "SELECT subject FROM employees WHERE office_id = $1 AND role = 'admin'", office_id
    )
    return [row["subject"] for row in rows]


async def insert_employee(
    connection: asyncpg.Connection, office_id: UUID, values: dict[str, Any]
) -> bool:
    """False when the office has an employee with that subject or e-mail address."""
    inserted = await connection.fetchval(
        """INSERT INTO employees (office_id, subject, name, email, role)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true""",
        office_id,
        values["subject"],
        values["name"],
        values["email"],
        values["role"],
    )
    return bool(inserted)


async def update_employee(
    connection: asyncpg.Connection, office_id: UUID, subject: str, changes: dict[str, Any]
) -> bool:
    columns = [column for column in ("name", "email", "role") if column in changes]
    if not columns:
        return True
    assignments = ", ".join(f"{column} = ${index}" for index, column in enumerate(columns, 3))
    updated = await connection.fetchval(
        f"""UPDATE employees SET {assignments}, updated_at = now()
        WHERE office_id = $1 AND subject = $2 RETURNING true""",
        office_id,
        subject,
        *(changes[column] for column in columns),
    )
    return bool(updated)


async def set_employee_links(
    connection: asyncpg.Connection,
    office_id: UUID,
    subject: str,
    dossier_ids: list[UUID] | None,
    group_ids: list[UUID] | None,
) -> None:
    """Replace the employee's assigned dossiers and client groups (None: keep)."""
    if dossier_ids is not None:
        await connection.execute(
            "DELETE FROM employee_dossiers WHERE office_id = $1 AND subject = $2",
            office_id,
            subject,
        )
        await connection.executemany(
            "INSERT INTO employee_dossiers (office_id, subject, dossier_id) VALUES ($1, $2, $3)",
            [(office_id, subject, dossier) for dossier in sorted(set(dossier_ids))],
        )
    if group_ids is not None:
        await connection.execute(
            "DELETE FROM employee_client_groups WHERE office_id = $1 AND subject = $2",
            office_id,
            subject,
        )
        await connection.executemany(
            """INSERT INTO employee_client_groups (office_id, subject, group_id)
            VALUES ($1, $2, $3)""",
            [(office_id, subject, group) for group in sorted(set(group_ids))],
        )


async def delete_employee(connection: asyncpg.Connection, office_id: UUID, subject: str) -> bool:
    deleted = await connection.fetchval(
        "DELETE FROM employees WHERE office_id = $1 AND subject = $2 RETURNING true",
        office_id,
        subject,
    )
    return bool(deleted)


async def assign_activator(
    connection: asyncpg.Connection, office_id: UUID, subject: str, dossier_id: UUID
) -> None:
    """The employee who activated a dossier is assigned to it (admins see every dossier)."""
    await connection.execute(
        """INSERT INTO employee_dossiers (office_id, subject, dossier_id)
        SELECT office_id, subject, $3 FROM employees
        WHERE office_id = $1 AND subject = $2 AND role <> 'admin'
        ON CONFLICT DO NOTHING""",
        office_id,
        subject,
        dossier_id,
    )


# ------------------------------------------------------------------ client groups

GROUP_SELECT = """
SELECT g.id, g.office_id, g.name, g.created_at,
       COALESCE((SELECT array_agg(d.dossier_id ORDER BY d.dossier_id)
                 FROM client_group_dossiers d WHERE d.group_id = g.id), '{}') AS dossiers
FROM client_groups g
"""


async def client_groups(connection: asyncpg.Connection, office_id: UUID) -> list[asyncpg.Record]:
    return await connection.fetch(
        GROUP_SELECT + "WHERE g.office_id = $1 ORDER BY g.name, g.id", office_id
    )


async def client_group(
    connection: asyncpg.Connection, office_id: UUID, group_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        GROUP_SELECT + "WHERE g.office_id = $1 AND g.id = $2", office_id, group_id
    )


async def insert_client_group(
    connection: asyncpg.Connection, office_id: UUID, group_id: UUID, name: str
) -> bool:
    inserted = await connection.fetchval(
        """INSERT INTO client_groups (id, office_id, name) VALUES ($1, $2, $3)
        ON CONFLICT DO NOTHING RETURNING true""",
        group_id,
        office_id,
        name,
    )
    return bool(inserted)


async def rename_client_group(
    connection: asyncpg.Connection, office_id: UUID, group_id: UUID, name: str
) -> bool:
    """Raises asyncpg.UniqueViolationError when the office has a group of that name."""
    renamed = await connection.fetchval(
        "UPDATE client_groups SET name = $3 WHERE office_id = $1 AND id = $2 RETURNING true",
        office_id,
        group_id,
        name,
    )
    return bool(renamed)


async def set_group_dossiers(
    connection: asyncpg.Connection, group_id: UUID, dossier_ids: list[UUID]
) -> None:
    await connection.execute("DELETE FROM client_group_dossiers WHERE group_id = $1", group_id)
    await connection.executemany(
        "INSERT INTO client_group_dossiers (group_id, dossier_id) VALUES ($1, $2)",
        [(group_id, dossier) for dossier in sorted(set(dossier_ids))],
    )


async def delete_client_group(
    connection: asyncpg.Connection, office_id: UUID, group_id: UUID
) -> bool:
    deleted = await connection.fetchval(
        "DELETE FROM client_groups WHERE office_id = $1 AND id = $2 RETURNING true",
        office_id,
        group_id,
    )
    return bool(deleted)


# ------------------------------------------------------------------ dossier users

USER_COLUMNS = "office_id, dossier_id, subject, name, email, profile, created_at, updated_at"


async def dossier_users(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""SELECT {USER_COLUMNS} FROM dossier_users WHERE office_id = $1 AND dossier_id = $2
        ORDER BY name, subject""",
        office_id,
        dossier_id,
    )


async def insert_dossier_user(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, values: dict[str, Any]
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"""INSERT INTO dossier_users (office_id, dossier_id, subject, name, email, profile)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING {USER_COLUMNS}""",
        office_id,
        dossier_id,
        values["subject"],
        values["name"],
        values["email"],
        values["profile"],
    )


async def update_dossier_user(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    subject: str,
    changes: dict[str, Any],
) -> asyncpg.Record | None:
    columns = [column for column in ("name", "email", "profile") if column in changes]
    assignments = ", ".join(f"{column} = ${index}" for index, column in enumerate(columns, 4))
    return await connection.fetchrow(
        f"""UPDATE dossier_users SET {assignments + ", " if assignments else ""}updated_at = now()
        WHERE office_id = $1 AND dossier_id = $2 AND subject = $3 RETURNING {USER_COLUMNS}""",
        office_id,
        dossier_id,
        subject,
        *(changes[column] for column in columns),
    )


async def delete_dossier_user(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, subject: str
) -> bool:
    deleted = await connection.fetchval(
        """DELETE FROM dossier_users WHERE office_id = $1 AND dossier_id = $2 AND subject = $3
        RETURNING true""",
        office_id,
        dossier_id,
        subject,
    )
    return bool(deleted)


async def client_profiles(
    connection: asyncpg.Connection, office_id: UUID, subject: str
) -> dict[UUID, str]:
    """The client user's profile per active dossier of the office."""
    rows = await connection.fetch(
        """SELECT u.dossier_id, u.profile FROM dossier_users u
        JOIN dossiers d ON d.id = u.dossier_id AND d.office_id = u.office_id
        WHERE u.office_id = $1 AND u.subject = $2 AND d.active""",
        office_id,
        subject,
    )
    return {row["dossier_id"]: row["profile"] for row in rows}


async def group_dossiers_of(
    connection: asyncpg.Connection, office_id: UUID, subject: str
) -> list[UUID]:
    rows = await connection.fetch(
        """SELECT DISTINCT d.dossier_id FROM employee_client_groups e
        JOIN client_groups g ON g.id = e.group_id AND g.office_id = e.office_id
        JOIN client_group_dossiers d ON d.group_id = g.id
        WHERE e.office_id = $1 AND e.subject = $2""",
        office_id,
        subject,
    )
    return [row["dossier_id"] for row in rows]
