"""SQL for the invoice process switch, approvals, decisions, the audit trail and what approvals
keeps of the dossier (rules in `rulebook`, incoming documents in `incoming`, approvers' notices
in `notices`). Every query is scoped by office and dossier, or by ids that came from an event."""

from typing import Any, Literal
from uuid import UUID

import asyncpg
from ledgerline.db import insert_row

ApprovalKind = Literal["invoice", "payment"]

APPROVAL_COLUMNS = """id, office_id, dossier_id, kind, subject_id, status, amount, counterparty,
details, requirement, limits, blocked_reason, created_at, decided_at, decision_reason"""


# --- the invoice process --------------------------------------------------------------------


async def invoice_process_enabled(
    conn: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT enabled FROM invoice_approval_process WHERE office_id = $1 AND dossier_id = $2",
            office_id,
            dossier_id,
        )
    )


async def lock_invoice_process(conn: asyncpg.Connection, office_id: UUID, dossier_id: UUID) -> None:
    """Serialises switching the process with approvals being created in the dossier."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        f"invoice-approval-process:{office_id}:{dossier_id}",
    )


async def set_invoice_process(
    conn: asyncpg.Connection, office_id: UUID, dossier_id: UUID, enabled: bool, by: str
) -> None:
    await conn.execute(
        """INSERT INTO invoice_approval_process (dossier_id, office_id, enabled, updated_by)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (dossier_id) DO UPDATE SET enabled = EXCLUDED.enabled,
            updated_by = EXCLUDED.updated_by, updated_at = now()
        WHERE invoice_approval_process.office_id = EXCLUDED.office_id""",
        dossier_id,
        office_id,
        enabled,
        by,
    )


# --- approvals --------------------------------------------------------------------------------


async def insert_approval(
    conn: asyncpg.Connection, values: dict[str, Any]
) -> asyncpg.Record | None:
    """None when the invoice or payment has an approval already (a redelivered request)."""
    return await insert_row(
        conn,
        "approvals",
        values,
        returning=APPROVAL_COLUMNS,
        on_conflict="ON CONFLICT (kind, subject_id) DO NOTHING",
    )


async def get_approval(
    conn: asyncpg.Connection,
    kind: ApprovalKind,
    office_id: UUID,
    dossier_id: UUID,
    subject_id: UUID,
    *,
    lock: bool = False,
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {APPROVAL_COLUMNS} FROM approvals WHERE office_id = $1 AND dossier_id = $2 "
        "AND kind = $3 AND subject_id = $4" + (" FOR UPDATE" if lock else ""),
        office_id,
        dossier_id,
        kind,
        subject_id,
    )


async def lock_approvals(
    conn: asyncpg.Connection,
    kind: ApprovalKind,
    office_id: UUID,
    dossier_id: UUID,
    subject_ids: list[UUID],
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {APPROVAL_COLUMNS} FROM approvals WHERE office_id = $1 AND dossier_id = $2 "
        "AND kind = $3 AND subject_id = ANY($4::uuid[]) ORDER BY id FOR UPDATE",
        office_id,
        dossier_id,
        kind,
        subject_ids,
    )


async def list_approvals(
    conn: asyncpg.Connection,
    kind: ApprovalKind,
    office_id: UUID,
    dossier_id: UUID,
    statuses: list[str],
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {APPROVAL_COLUMNS} FROM approvals WHERE office_id = $1 AND dossier_id = $2 "
        "AND kind = $3 AND (cardinality($4::text[]) = 0 OR status = ANY($4::text[])) "
        "ORDER BY created_at, id",
        office_id,
        dossier_id,
        kind,
        statuses,
    )


async def pending_for_approver(
    conn: asyncpg.Connection,
    office_id: UUID,
    approver: str,
    dossier_ids: list[UUID] | None,
) -> list[asyncpg.Record]:
    """Pending approvals of the office's active dossiers (all of them, or `dossier_ids`) that
    name the approver and that the approver did not approve yet."""
    return await conn.fetch(
        f"""SELECT {", ".join("a." + c.strip() for c in APPROVAL_COLUMNS.split(","))}
        FROM approvals a JOIN dossiers d ON d.id = a.dossier_id AND d.office_id = a.office_id
        WHERE a.office_id = $1 AND d.active AND a.status = 'pending'
          AND ($3::uuid[] IS NULL OR a.dossier_id = ANY($3::uuid[]))
          AND EXISTS (SELECT 1 FROM jsonb_array_elements(a.requirement -> 'options') o
                      WHERE o -> 'approvers' ? $2)
          AND NOT EXISTS (SELECT 1 FROM approval_decisions x
                          WHERE x.approval_id = a.id AND x.approver = $2)
        ORDER BY a.created_at, a.id""",
        office_id,
        approver,
        dossier_ids,
    )


async def count_pending(
    conn: asyncpg.Connection, kind: ApprovalKind, office_id: UUID, dossier_id: UUID
) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM approvals WHERE office_id = $1 AND dossier_id = $2 "
            "AND kind = $3 AND status IN ('pending', 'blocked')",
            office_id,
            dossier_id,
            kind,
        )
    )


async def set_approval_status(
    conn: asyncpg.Connection, approval_id: UUID, status: str, reason: str | None
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""UPDATE approvals SET status = $2, decided_at = clock_timestamp(),
        decision_reason = $3 WHERE id = $1 RETURNING {APPROVAL_COLUMNS}""",
        approval_id,
        status,
        reason,
    )
    assert row is not None
    return row


async def insert_decision(
    conn: asyncpg.Connection, approval_id: UUID, approver: str, decision: str, reason: str | None
) -> bool:
    """False when the approver decided already (the primary key keeps one decision)."""
    return bool(
        await conn.fetchval(
            "INSERT INTO approval_decisions (approval_id, approver, decision, reason) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
            approval_id,
            approver,
            decision,
            reason,
        )
    )


async def delete_approval(conn: asyncpg.Connection, approval_id: UUID) -> None:
    """An approval nobody needs any more (its document is gone), with its partial decisions;
    the audit trail keeps what they were."""
    await conn.execute("DELETE FROM approval_decisions WHERE approval_id = $1", approval_id)
    await conn.execute("DELETE FROM approvals WHERE id = $1", approval_id)


async def decisions(conn: asyncpg.Connection, approval_ids: list[UUID]) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT approval_id, approver, decision, reason, decided_at FROM approval_decisions "
        "WHERE approval_id = ANY($1::uuid[]) ORDER BY decided_at, approver",
        approval_ids,
    )


# --- audit trail ------------------------------------------------------------------------------

AUDIT_COLUMNS = "id, dossier_id, at, actor, action, entity, entity_id, before, after, reason"


async def audit(
    conn: asyncpg.Connection,
    *,
    office_id: UUID,
    dossier_id: UUID,
    actor: str,
    action: str,
    entity: str,
    entity_id: UUID,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO audit_trail (office_id, dossier_id, actor, action, entity, entity_id, "
        "before, after, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        office_id,
        dossier_id,
        actor,
        action,
        entity,
        entity_id,
        before,
        after,
        reason,
    )


async def audit_trail(
    conn: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    entity: str | None = None,
    entity_id: UUID | None = None,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {AUDIT_COLUMNS} FROM audit_trail WHERE office_id = $1 AND dossier_id = $2 "
        "AND ($3::text IS NULL OR entity = $3) AND ($4::uuid IS NULL OR entity_id = $4) "
        "ORDER BY id",
        office_id,
        dossier_id,
        entity,
        entity_id,
    )


# --- what approvals keeps of the dossier: its suppliers and its users -------------------------


async def suppliers(
    conn: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[asyncpg.Record]:
    """The dossier's suppliers in the copy of its books (ledger.synced.v1), by number."""
    return await conn.fetch(
        """SELECT number, name, vat_number, ibans FROM ledger_counterparties
        WHERE office_id = $1 AND dossier_id = $2 AND kind = 'supplier'
        ORDER BY number LIMIT $3 OFFSET $4""",
        office_id,
        dossier_id,
        limit,
        offset,
    )


async def replace_dossier_users(
    conn: asyncpg.Connection, office_id: UUID, dossier_id: UUID, users: list[dict[str, str]]
) -> None:
    """The dossier's users as sync last published them (the whole list)."""
    await conn.execute(
        "DELETE FROM dossier_users WHERE office_id = $1 AND dossier_id = $2", office_id, dossier_id
    )
    await conn.executemany(
        """INSERT INTO dossier_users (office_id, dossier_id, subject, name, email, profile)
        VALUES ($1, $2, $3, $4, $5, $6)""",
        [(office_id, dossier_id, u["subject"], u["name"], u["email"], u["profile"]) for u in users],
    )


async def dossier_users(
    conn: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT subject, name, email, profile FROM dossier_users
        WHERE office_id = $1 AND dossier_id = $2 ORDER BY subject""",
        office_id,
        dossier_id,
    )


async def move_document(
    conn: asyncpg.Connection, office_id: UUID, document_id: UUID, from_dossier: UUID, to: UUID
) -> None:
    """A document moved between dossiers of the office: its facts and its undecided invoice
    approval follow it. Only from the dossier the move names, so a replay changes nothing."""
    await conn.execute(
        """UPDATE incoming_documents SET dossier_id = $4
        WHERE office_id = $1 AND document_id = $2 AND dossier_id = $3""",
        office_id,
        document_id,
        from_dossier,
        to,
    )
    await conn.execute(
        """UPDATE approvals SET dossier_id = $4
        WHERE office_id = $1 AND kind = 'invoice' AND subject_id = $2 AND dossier_id = $3
          AND status IN ('pending', 'blocked')""",
        office_id,
        document_id,
        from_dossier,
        to,
    )
