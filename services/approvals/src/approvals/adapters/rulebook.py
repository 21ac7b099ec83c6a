"""SQL for the approval rules of a dossier (invoice and payment) and their versions: every change
of a rule keeps the version it replaced."""

from typing import Any, Literal
from uuid import UUID

import asyncpg
from ledgerline.db import insert_row

RuleKind = Literal["invoice", "payment"]


RULE_TABLES: dict[RuleKind, str] = {
    "invoice": "invoice_approval_rules",
    "payment": "payment_approval_rules",
}


RULE_COLUMNS: dict[RuleKind, str] = {
    "invoice": "id, dossier_id, name, supplier_vats, supplier_numbers, labels, amount_from, "
    "approvers, is_fallback, active, version, created_at, updated_at",
    "payment": "id, dossier_id, name, limits, active, version, created_at, updated_at",
}


async def insert_rule(
    conn: asyncpg.Connection, kind: RuleKind, values: dict[str, Any]
) -> asyncpg.Record:
    row = await insert_row(conn, RULE_TABLES[kind], values, returning=RULE_COLUMNS[kind])
    assert row is not None
    return row


async def list_rules(
    conn: asyncpg.Connection, kind: RuleKind, office_id: UUID, dossier_id: UUID
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {RULE_COLUMNS[kind]} FROM {RULE_TABLES[kind]} "
        "WHERE office_id = $1 AND dossier_id = $2 AND deleted_at IS NULL ORDER BY created_at, id",
        office_id,
        dossier_id,
    )


async def lock_rules(
    conn: asyncpg.Connection, kind: RuleKind, office_id: UUID, dossier_id: UUID
) -> list[asyncpg.Record]:
    """The dossier's rules, locked: an approval is created under one consistent set of versions,
    and a rule change waits until it is."""
    return await conn.fetch(
        f"SELECT {RULE_COLUMNS[kind]} FROM {RULE_TABLES[kind]} "
        "WHERE office_id = $1 AND dossier_id = $2 AND deleted_at IS NULL "
        "ORDER BY created_at, id FOR UPDATE",
        office_id,
        dossier_id,
    )


async def get_rule(
    conn: asyncpg.Connection,
    kind: RuleKind,
    office_id: UUID,
    dossier_id: UUID,
    rule_id: UUID,
    *,
    lock: bool = False,
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {RULE_COLUMNS[kind]} FROM {RULE_TABLES[kind]} "
        "WHERE office_id = $1 AND dossier_id = $2 AND id = $3 AND deleted_at IS NULL"
        + (" FOR UPDATE" if lock else ""),
        office_id,
        dossier_id,
        rule_id,
    )


async def update_rule(
    conn: asyncpg.Connection, kind: RuleKind, rule_id: UUID, values: dict[str, Any]
) -> asyncpg.Record:
    """A new version of the rule: the values given, version + 1."""
    assignments = ", ".join(f"{column} = ${index}" for index, column in enumerate(values, start=2))
    row = await conn.fetchrow(
        f"UPDATE {RULE_TABLES[kind]} SET {assignments}, version = version + 1, updated_at = now() "
        f"WHERE id = $1 RETURNING {RULE_COLUMNS[kind]}",
        rule_id,
        *values.values(),
    )
    assert row is not None
    return row


async def delete_rule(conn: asyncpg.Connection, kind: RuleKind, rule_id: UUID) -> asyncpg.Record:
    """Rules are kept (approvals point to their versions): a deleted rule is a last version."""
    row = await conn.fetchrow(
        f"UPDATE {RULE_TABLES[kind]} SET deleted_at = now(), active = false, "
        f"version = version + 1, updated_at = now() WHERE id = $1 RETURNING {RULE_COLUMNS[kind]}",
        rule_id,
    )
    assert row is not None
    return row


async def other_active_fallback(
    conn: asyncpg.Connection, office_id: UUID, dossier_id: UUID, rule_id: UUID | None
) -> UUID | None:
    return await conn.fetchval(  # type: ignore[no-any-return]
        "SELECT id FROM invoice_approval_rules WHERE office_id = $1 AND dossier_id = $2 "
        "AND is_fallback AND active AND deleted_at IS NULL AND ($3::uuid IS NULL OR id <> $3)",
        office_id,
        dossier_id,
        rule_id,
    )


async def insert_rule_version(
    conn: asyncpg.Connection,
    *,
    kind: RuleKind,
    office_id: UUID,
    dossier_id: UUID,
    rule_id: UUID,
    version: int,
    snapshot: dict[str, Any],
    created_by: str,
) -> None:
    await conn.execute(
        "INSERT INTO rule_versions (rule_id, version, kind, office_id, dossier_id, snapshot, "
        "created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        rule_id,
        version,
        kind,
        office_id,
        dossier_id,
        snapshot,
        created_by,
    )
