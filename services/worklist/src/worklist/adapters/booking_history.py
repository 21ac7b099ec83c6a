"""SQL for the dossier's posted booking history (the suggestions' training data).

A booking enters the history when both proposal.validated.v1 and booking.posted.v1 are in (two
topics: either may come first). Every write takes a per-dossier transaction lock first: so a
dossier's sequence numbers become visible in the order they were taken (a reader that learnt up
to N has missed none below N), and the two consumers' transactions on one booking cannot
deadlock (row lock against the dossier lock)."""

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.events import ProposalLine


def counterparty_key(number: str | None, vat_number: str | None) -> str | None:
    """How the history names a counterparty: its number, or its VAT number before it has one."""
    if number:
        return number
    return f"vat:{vat_number}" if vat_number else None


async def record_validated(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    proposal_id: UUID,
    counterparty: str | None,
    booked_on: date | None,
    lines: tuple[ProposalLine, ...],
    validated_at: datetime,
) -> None:
    """The proposal as last validated (a proposal sent again after a failed booking replaces
    its lines)."""
    await _lock_dossier(connection, dossier_id)
    await connection.execute(
        """INSERT INTO suggestion_bookings (office_id, dossier_id, proposal_id, counterparty,
                booked_on, lines, validated_at)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
        ON CONFLICT (office_id, dossier_id, proposal_id) DO UPDATE SET
            counterparty = EXCLUDED.counterparty,
            booked_on = COALESCE(EXCLUDED.booked_on, suggestion_bookings.booked_on),
            lines = EXCLUDED.lines, validated_at = EXCLUDED.validated_at
        WHERE suggestion_bookings.history_seq IS NULL""",
        office_id,
        dossier_id,
        proposal_id,
        counterparty,
        booked_on,
        [json.loads(line.model_dump_json()) for line in lines],
        validated_at,
    )
    await _join_history(connection, office_id, dossier_id, proposal_id)


async def record_posted(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    proposal_id: UUID,
    posted_at: datetime,
) -> None:
    await _lock_dossier(connection, dossier_id)
    await connection.execute(
        """INSERT INTO suggestion_bookings (office_id, dossier_id, proposal_id, booked_on,
                posted_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (office_id, dossier_id, proposal_id) DO UPDATE SET
            posted_at = COALESCE(suggestion_bookings.posted_at, EXCLUDED.posted_at),
            booked_on = COALESCE(suggestion_bookings.booked_on, EXCLUDED.booked_on)""",
        office_id,
        dossier_id,
        proposal_id,
        posted_at.date(),
        posted_at,
    )
    await _join_history(connection, office_id, dossier_id, proposal_id)


async def _lock_dossier(connection: asyncpg.Connection, dossier_id: UUID) -> None:
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('suggestions:' || $1::uuid::text, 0))",
        dossier_id,
    )


async def _join_history(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, proposal_id: UUID
) -> None:
    await connection.execute(
        """UPDATE suggestion_bookings SET history_seq = nextval('suggestion_history_seq')
        WHERE office_id = $1 AND dossier_id = $2 AND proposal_id = $3
          AND history_seq IS NULL AND lines IS NOT NULL AND posted_at IS NOT NULL""",
        office_id,
        dossier_id,
        proposal_id,
    )


async def history_after(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, after_seq: int
) -> list[dict[str, Any]]:
    """The dossier's posted bookings learnt after `after_seq`, in the order they joined."""
    rows = await connection.fetch(
        """SELECT proposal_id, counterparty, booked_on, lines, history_seq
        FROM suggestion_bookings
        WHERE office_id = $1 AND dossier_id = $2 AND history_seq > $3
        ORDER BY history_seq""",
        office_id,
        dossier_id,
        after_seq,
    )
    return [dict(row) for row in rows]
