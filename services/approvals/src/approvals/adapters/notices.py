"""SQL for the approvers' e-mail notices: who has approvals waiting, and a claim per approver and
day so that one process sends each notice once."""

from datetime import datetime

import asyncpg


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
