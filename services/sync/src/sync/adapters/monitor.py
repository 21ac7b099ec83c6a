"""SQL for the active clients monitor."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg

from sync.domain.monitor import DocumentState

DOCUMENT_COLUMNS = """stage, worklist_status, received_at, changed_at, posted_at, failed,
failed_retryable, failure_reason"""


@dataclass(frozen=True)
class DocumentKey:
    office_id: UUID
    dossier_id: UUID
    document_id: UUID


async def documents(
    connection: asyncpg.Connection, keys: Iterable[DocumentKey]
) -> dict[DocumentKey, DocumentState]:
    """The states of the documents known, locked until the transaction ends (two events of one
    document may be handled at once by different consumers' batches), in document order, so
    two batches wait for each other instead of deadlocking. Another office's document of the
    same id is not one of them."""
    wanted = {key.document_id: key for key in keys}
    rows = await connection.fetch(
        f"""SELECT document_id, office_id, {DOCUMENT_COLUMNS} FROM monitor_documents
        WHERE document_id = ANY($1::uuid[]) ORDER BY document_id FOR UPDATE""",
        list(wanted),
    )
    found = {}
    for row in rows:
        state = dict(row)
        key = wanted[state.pop("document_id")]
        if state.pop("office_id") == key.office_id:
            found[key] = DocumentState(**state)
    return found


async def save_documents(
    connection: asyncpg.Connection, states: Mapping[DocumentKey, DocumentState]
) -> None:
    if not states:
        return
    keys = list(states)
    values = list(states.values())
    await connection.execute(
        """INSERT INTO monitor_documents (document_id, office_id, dossier_id, stage,
            worklist_status, received_at, changed_at, posted_at, failed, failed_retryable,
            failure_reason)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
            $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::bool[], $10::bool[],
            $11::text[])
        ON CONFLICT (document_id) DO UPDATE SET
            stage = EXCLUDED.stage, worklist_status = EXCLUDED.worklist_status,
            received_at = EXCLUDED.received_at, changed_at = EXCLUDED.changed_at,
            posted_at = EXCLUDED.posted_at, failed = EXCLUDED.failed,
            failed_retryable = EXCLUDED.failed_retryable, failure_reason = EXCLUDED.failure_reason
        WHERE monitor_documents.office_id = EXCLUDED.office_id""",
        [key.document_id for key in keys],
        [key.office_id for key in keys],
        [key.dossier_id for key in keys],
        [state.stage for state in values],
        [state.worklist_status for state in values],
        [state.received_at for state in values],
        [state.changed_at for state in values],
        [state.posted_at for state in values],
        [state.failed for state in values],
        [state.failed_retryable for state in values],
        [state.failure_reason for state in values],
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
