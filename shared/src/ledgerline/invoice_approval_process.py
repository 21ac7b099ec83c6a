"""Ingest's and payments' copy of each dossier's invoice approval process switch, kept from
approvals' `invoice.approval-process-switched.v1`.

Why: approvals tests a purchase invoice against its rules once the invoice is recognised and
then publishes `invoice.approval-requested.v1`; until that event reaches ingest and payments an
invoice would look free to send or pay. With the switch known, they hold every purchase invoice
that arrives (or is recognised) while the process is on as "awaiting approval" from the start,
until approvals approves or rejects it. Switching off (approvals refuses while approvals are
pending) releases the invoices held that way.
"""

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from ledgerline.db import UnitOfWork
from ledgerline.events import Envelope, InvoiceApprovalProcessSwitched

# The table each of the two services creates in a migration of its own.
PROCESS_TABLE = """
CREATE TABLE invoice_approval_process (
    dossier_id uuid PRIMARY KEY,
    office_id  uuid        NOT NULL,
    enabled    boolean     NOT NULL,
    as_of      timestamptz NOT NULL
);
"""


def holds_on_arrival(process_on: bool, mailbox: str | None) -> bool:
    """Whether a document arriving now awaits approval before approvals has said anything: a
    purchase document while the process is on. A document whose mailbox is not known yet (its
    content came first) is held too; it is released when it turns out not to be a purchase."""
    return process_on and mailbox in ("purchase", None)


async def awaiting_approval(
    uow: UnitOfWork, documents: Sequence[tuple[Envelope[Any], str | None]]
) -> list[tuple[UUID, UUID, UUID]]:
    """Of a batch's documents (each event with its mailbox, None when not known), those held
    on arrival (`holds_on_arrival`), as (office, dossier, document): their dossiers' switches
    are read in one statement for the whole batch."""
    dossiers_on = await dossiers_with_process_on(
        uow.conn, {(event.officeid, event.dossierid) for event, _ in documents}
    )
    return [
        (event.officeid, event.dossierid, event.data.document_id)
        for event, mailbox in documents
        if holds_on_arrival((event.officeid, event.dossierid) in dossiers_on, mailbox)
    ]


async def dossiers_with_process_on(
    connection: asyncpg.Connection, dossiers: Collection[tuple[UUID, UUID]]
) -> set[tuple[UUID, UUID]]:
    """Which of the (office, dossier) pairs have their invoice approval process on."""
    if not dossiers:
        return set()
    offices, dossier_ids = zip(*dossiers, strict=True)
    rows = await connection.fetch(
        """SELECT p.office_id, p.dossier_id FROM invoice_approval_process p
        JOIN unnest($1::uuid[], $2::uuid[]) AS asked(office_id, dossier_id)
          ON asked.office_id = p.office_id AND asked.dossier_id = p.dossier_id
        WHERE p.enabled""",
        list(offices),
        list(dossier_ids),
    )
    return {(row["office_id"], row["dossier_id"]) for row in rows}


ReleaseHeld = Callable[[asyncpg.Connection, UUID, UUID], Awaitable[None]]


def on_switched(
    release_held: ReleaseHeld,
) -> Callable[[UnitOfWork, Envelope[InvoiceApprovalProcessSwitched]], Awaitable[None]]:
    """The handler of `invoice.approval-process-switched.v1` for a service that releases its
    held documents with `release_held` (office, dossier) when the process is switched off."""

    async def on_invoice_approval_process_switched(
        uow: UnitOfWork, event: Envelope[InvoiceApprovalProcessSwitched]
    ) -> None:
        recorded = await keep_switch(uow.conn, event)
        if recorded and not event.data.enabled:
            await release_held(uow.conn, event.officeid, event.dossierid)

    return on_invoice_approval_process_switched


async def keep_switch(
    connection: asyncpg.Connection, event: Envelope[InvoiceApprovalProcessSwitched]
) -> bool:
    """Record the switch unless a later one is known; True when it was recorded."""
    recorded = await connection.fetchval(
        """INSERT INTO invoice_approval_process (dossier_id, office_id, enabled, as_of)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (dossier_id) DO UPDATE SET enabled = EXCLUDED.enabled, as_of = EXCLUDED.as_of
        WHERE invoice_approval_process.office_id = EXCLUDED.office_id
          AND invoice_approval_process.as_of <= EXCLUDED.as_of
        RETURNING true""",
        event.dossierid,
        event.officeid,
        event.data.enabled,
        event.time,
    )
    return bool(recorded)


# The column a dossier row read with `DOSSIER_WITH_SWITCH_SQL` carries the switch in.
SWITCH_COLUMN = "invoice_approval_process_on"


def dossier_with_switch_sql(where: str) -> str:
    """A SELECT of `dossiers` rows that carry their process switch too (one statement, not
    two, on every intake); `where` filters `d` (the dossiers row)."""
    return f"""SELECT d.*, coalesce(p.enabled, false) AS {SWITCH_COLUMN}
        FROM dossiers d
        LEFT JOIN invoice_approval_process p ON p.dossier_id = d.id AND p.office_id = d.office_id
        WHERE {where}"""


async def is_on_for(
    connection: asyncpg.Connection, dossier: Mapping[str, Any], office_id: UUID, dossier_id: UUID
) -> bool:
    """The switch of the dossier whose row is `dossier`: the one the row carries (read with
    `dossier_with_switch_sql`), else read now."""
    carried = dossier.get(SWITCH_COLUMN)
    if carried is not None:
        return bool(carried)
    return await is_on(connection, office_id, dossier_id)


async def is_on(connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID) -> bool:
    return bool(
        await connection.fetchval(
            "SELECT enabled FROM invoice_approval_process WHERE office_id = $1 AND dossier_id = $2",
            office_id,
            dossier_id,
        )
    )
