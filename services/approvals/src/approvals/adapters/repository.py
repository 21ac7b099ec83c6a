"""SQL for rules and their versions, the invoice process switch, approvals, decisions and the
audit trail. Every query is scoped by office and dossier, or by ids that came from an event."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
from ledgerline.db import insert_row

RuleKind = Literal["invoice", "payment"]
ApprovalKind = Literal["invoice", "payment"]

RULE_TABLES: dict[RuleKind, str] = {
    "invoice": "invoice_approval_rules",
    "payment": "payment_approval_rules",
}
RULE_COLUMNS: dict[RuleKind, str] = {
    "invoice": "id, dossier_id, name, supplier_vats, supplier_numbers, labels, amount_from, "
    "approvers, is_fallback, active, version, created_at, updated_at",
    "payment": "id, dossier_id, name, limits, active, version, created_at, updated_at",
}
APPROVAL_COLUMNS = """id, office_id, dossier_id, kind, subject_id, status, amount, counterparty,
details, requirement, limits, blocked_reason, created_at, decided_at, decision_reason"""


# --- rules ----------------------------------------------------------------------------------


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


# --- incoming purchase documents --------------------------------------------------------------


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


# --- notifications ----------------------------------------------------------------------------


async def waiting_per_approver(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every pending approval of an active dossier, once per approver who can still approve it."""
    return await conn.fetch(
        """SELECT w.approver, a.kind, a.subject_id, a.dossier_id, d.name AS dossier_name,
                  a.counterparty, a.amount, a.created_at
        FROM approvals a
        JOIN dossiers d ON d.id = a.dossier_id AND d.office_id = a.office_id AND d.active
        CROSS JOIN LATERAL (
            SELECT DISTINCT jsonb_array_elements_text(o -> 'approvers') AS approver
            FROM jsonb_array_elements(a.requirement -> 'options') o
        ) w
        WHERE a.status = 'pending'
          AND NOT EXISTS (SELECT 1 FROM approval_decisions x
                          WHERE x.approval_id = a.id AND x.approver = w.approver)"""
    )


async def last_notified(conn: asyncpg.Connection) -> dict[str, datetime]:
    rows = await conn.fetch("SELECT approver, last_sent_at FROM approval_notifications")
    return {row["approver"]: row["last_sent_at"] for row in rows}


async def claim_notification(
    conn: asyncpg.Connection, approver: str, previous: datetime | None, now: datetime
) -> bool:
    """Records the e-mail as sent now, unless another process did since `previous` was read."""
    return bool(
        await conn.fetchval(
            """INSERT INTO approval_notifications (approver, last_sent_at) VALUES ($1, $3)
            ON CONFLICT (approver) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at
            WHERE approval_notifications.last_sent_at IS NOT DISTINCT FROM $2
            RETURNING true""",
            approver,
            previous,
            now,
        )
    )


async def release_notification(
    conn: asyncpg.Connection, approver: str, previous: datetime | None, now: datetime
) -> None:
    """The e-mail was not taken: the claim is undone, so the next round tries again."""
    if previous is None:
        await conn.execute(
            "DELETE FROM approval_notifications WHERE approver = $1 AND last_sent_at = $2",
            approver,
            now,
        )
    else:
        await conn.execute(
            "UPDATE approval_notifications SET last_sent_at = $3 "
            "WHERE approver = $1 AND last_sent_at = $2",
            approver,
            now,
            previous,
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
