"""SQL for the active clients monitor."""

from datetime import date, datetime
from uuid import UUID

import asyncpg

from sync.domain.monitor import DocumentState

DOCUMENT_COLUMNS = """stage, worklist_status, received_at, changed_at, posted_at, failed,
failed_retryable, failure_reason"""


async def document(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID
) -> DocumentState | None:
    """The document's state, locked until the transaction ends (two events of one document
    may be handled at once by different consumers' batches)."""
    row = await connection.fetchrow(
        f"""SELECT {DOCUMENT_COLUMNS} FROM monitor_documents
        WHERE document_id = $1 AND office_id = $2 FOR UPDATE""",
        document_id,
        office_id,
    )
    return None if row is None else DocumentState(**dict(row))


async def save_document(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    document_id: UUID,
    state: DocumentState,
) -> None:
    await connection.execute(
        """INSERT INTO monitor_documents (document_id, office_id, dossier_id, stage,
            worklist_status, received_at, changed_at, posted_at, failed, failed_retryable,
            failure_reason)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (document_id) DO UPDATE SET
            stage = EXCLUDED.stage, worklist_status = EXCLUDED.worklist_status,
            received_at = EXCLUDED.received_at, changed_at = EXCLUDED.changed_at,
            posted_at = EXCLUDED.posted_at, failed = EXCLUDED.failed,
            failed_retryable = EXCLUDED.failed_retryable, failure_reason = EXCLUDED.failure_reason
        WHERE monitor_documents.office_id = EXCLUDED.office_id""",
        document_id,
        office_id,
        dossier_id,
        state.stage,
        state.worklist_status,
        state.received_at,
        state.changed_at,
        state.posted_at,
        state.failed,
        state.failed_retryable,
        state.failure_reason,
    )


async def record_periods(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    sync_id: UUID,
    oldest_open: str | None,
    up_to_date_until: date | None,
) -> None:
    """A sync run's periods: a new run replaces the oldest open period; a further chunk of the
    same run can only make it older."""
    await connection.execute(
        """INSERT INTO monitor_dossiers (dossier_id, office_id, oldest_open_period,
            periods_sync_id, up_to_date_until)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (dossier_id) DO UPDATE SET
            oldest_open_period = CASE
                WHEN monitor_dossiers.periods_sync_id = EXCLUDED.periods_sync_id
                    THEN least(monitor_dossiers.oldest_open_period, EXCLUDED.oldest_open_period)
                ELSE EXCLUDED.oldest_open_period END,
            periods_sync_id = EXCLUDED.periods_sync_id,
            up_to_date_until = coalesce(EXCLUDED.up_to_date_until,
                                        monitor_dossiers.up_to_date_until)
        WHERE monitor_dossiers.office_id = EXCLUDED.office_id""",
        dossier_id,
        office_id,
        oldest_open,
        sync_id,
        up_to_date_until,
    )


async def reset_bookings_counter(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, at: datetime
) -> None:
    await connection.execute(
        """INSERT INTO monitor_dossiers (dossier_id, office_id, bookings_counter_reset_at)
        VALUES ($1, $2, $3)
        ON CONFLICT (dossier_id) DO UPDATE SET bookings_counter_reset_at = EXCLUDED.bookings_counter_reset_at
        WHERE monitor_dossiers.office_id = EXCLUDED.office_id""",
        dossier_id,
        office_id,
        at,
    )


async def rows(
    connection: asyncpg.Connection, office_id: UUID, dossier_ids: list[UUID] | None
) -> list[asyncpg.Record]:
    """One row per active dossier of the office (only `dossier_ids` unless None) with its
    counts, dates and what its sync status is derived from."""
    return await connection.fetch(
        """
        SELECT d.id AS dossier_id, d.name, d.dossier_code, d.accounting_package, d.configuration,
            count(*) FILTER (WHERE m.stage = 'portal') AS documents_in_portal,
            count(*) FILTER (WHERE m.stage = 'worklist' AND m.worklist_status = 'to_validate')
                AS to_validate,
            count(*) FILTER (WHERE m.stage = 'worklist' AND m.worklist_status = 'checked')
                AS checked,
            count(*) FILTER (WHERE m.stage = 'worklist' AND m.worklist_status = 'on_hold')
                AS on_hold,
            count(*) FILTER (WHERE m.stage = 'worklist' AND m.worklist_status = 'help_asked')
                AS help_asked,
            count(*) FILTER (WHERE m.stage = 'validated') AS awaiting_posting,
            count(*) FILTER (WHERE m.stage = 'posted' AND (s.bookings_counter_reset_at IS NULL
                OR m.posted_at > s.bookings_counter_reset_at)) AS bookings_posted,
            count(*) FILTER (WHERE m.failed) AS failed_bookings,
            count(*) FILTER (WHERE m.failed AND m.failed_retryable) AS failed_bookings_retryable,
            min(m.received_at) FILTER (WHERE m.stage NOT IN ('posted', 'deleted'))
                AS oldest_document_at,
            max(m.received_at) AS last_document_at,
            s.oldest_open_period, s.up_to_date_until, s.bookings_counter_reset_at,
            (SELECT count(*) FROM postings p WHERE p.office_id = d.office_id
                AND p.dossier_id = d.id AND p.status = 'connector_unavailable')
                AS postings_waiting_for_package,
            (SELECT count(*) FILTER (WHERE j.status = 'failed') FROM payment_journalisings j
                WHERE j.office_id = d.office_id AND j.dossier_id = d.id) AS failed_journalisings,
            (SELECT count(*) FILTER (WHERE j.status = 'connector_unavailable')
                FROM payment_journalisings j
                WHERE j.office_id = d.office_id AND j.dossier_id = d.id)
                AS journalisings_waiting_for_package,
            coalesce((SELECT l.status = 'failed' FROM ledger_syncs l
                WHERE l.office_id = d.office_id AND l.dossier_id = d.id
                ORDER BY l.started_at DESC LIMIT 1), false) AS last_sync_failed
        FROM dossiers d
        LEFT JOIN monitor_documents m ON m.office_id = d.office_id AND m.dossier_id = d.id
        LEFT JOIN monitor_dossiers s ON s.office_id = d.office_id AND s.dossier_id = d.id
        WHERE d.office_id = $1 AND d.active AND ($2::uuid[] IS NULL OR d.id = ANY($2::uuid[]))
        GROUP BY d.id, s.dossier_id
        ORDER BY d.name, d.id
        """,
        office_id,
        dossier_ids,
    )
