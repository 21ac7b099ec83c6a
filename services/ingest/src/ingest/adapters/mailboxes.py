"""SQL for the mailboxes: listing and counting what is in a box, a document's edits, labels and
comments."""

from typing import Any
from uuid import UUID

import asyncpg

from ingest.adapters.repository import DOCUMENT_COLUMNS
from ingest.domain.mailbox import (
    SORT_EXPRESSIONS,
    Box,
    Cursor,
    Filters,
    Order,
    SortColumn,
    box_condition,
)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_box(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    box: Box,
    filters: Filters,
    caller: str,
    sort: SortColumn,
    order: Order,
    after: Cursor | None,
    limit: int,
) -> list[asyncpg.Record]:
    """One page of a box: `limit` rows after the cursor, in the sort, empty values last. Each
    row also carries `sort_value`, the value its cursor keeps."""
    statuses, mailbox = box_condition(box)
    expression, sql_type = SORT_EXPRESSIONS[sort]
    args: list[Any] = [office_id, dossier_id, list(statuses), mailbox or filters.mailbox]
    where = [
        "office_id = $1",
        "dossier_id = $2",
        "status = ANY($3::text[])",
        "($4::text IS NULL OR mailbox = $4)",
    ]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if filters.labels:
        where.append(
            f"EXISTS (SELECT 1 FROM unnest(labels) l WHERE lower(l) = ANY({arg([label.lower() for label in filters.labels])}::text[]))"
        )
    if filters.handled is not None:
        where.append(f"handled = {arg(filters.handled)}")
    if filters.received_from is not None:
        where.append(f"received_at >= {arg(filters.received_from)}::date")
    if filters.received_to is not None:
        where.append(f"received_at < {arg(filters.received_to)}::date + 1")
    if filters.sender:
        pattern = arg(_like(filters.sender))
        where.append(f"(sender ILIKE {pattern} OR delivered_by ILIKE {pattern})")
    if filters.text:
        pattern = arg(_like(filters.text))
        where.append(
            f"(filename ILIKE {pattern} OR counterparty_name ILIKE {pattern} "
            f"OR subject ILIKE {pattern} OR invoice_number ILIKE {pattern})"
        )
    if filters.duplicates_only:
        where.append("duplicate_of IS NOT NULL")
    if filters.counterparty:
        where.append(f"counterparty_name ILIKE {arg(_like(filters.counterparty))}")
    if filters.amount_min is not None:
        where.append(f"total_incl_vat >= {arg(filters.amount_min)}")
    if filters.amount_max is not None:
        where.append(f"total_incl_vat <= {arg(filters.amount_max)}")
    if filters.payment == "none":
        where.append("payment_status IS NULL")
    elif filters.payment is not None:
        where.append(f"payment_status = {arg(filters.payment)}")
    if filters.approval == "to_approve_by_me":
        where.append(f"approval_status = 'pending' AND {arg(caller)} = ANY(approval_waiting_for)")
    elif filters.approval == "to_approve":
        where.append(
            f"approval_status = 'pending' AND NOT {arg(caller)} = ANY(approval_waiting_for)"
        )
    elif filters.approval is not None:
        where.append(f"approval_status = {arg(filters.approval)}")

    # Keyset: (value present, value, id); ascending puts empty values last with `IS NULL`
    # (false first), descending with `IS NOT NULL` (true first). The sentinel replacing an
    # empty value is only ever compared among empty values, where the id decides.
    present = f"({expression} IS NULL)" if order is Order.ASC else f"({expression} IS NOT NULL)"
    sentinel = {"text": "''", "numeric": "0", "integer": "0", "boolean": "false"}.get(
        sql_type, "'epoch'::timestamptz"
    )
    key = f"({present}, COALESCE({expression}, {sentinel}), id)"
    direction = "ASC" if order is Order.ASC else "DESC"
    if after is not None:
        flag = (after.value is None) if order is Order.ASC else (after.value is not None)
        comparison = ">" if order is Order.ASC else "<"
        value = arg(after.value)
        where.append(
            f"{key} {comparison} ({arg(flag)}::boolean, "
            f"COALESCE({value}::text::{sql_type}, {sentinel}), {arg(after.document_id)}::uuid)"
        )
    return await connection.fetch(
        f"""
        SELECT {DOCUMENT_COLUMNS}, {expression} AS sort_value FROM documents
        WHERE {" AND ".join(where)}
        ORDER BY {present} {direction}, COALESCE({expression}, {sentinel}) {direction},
                 id {direction}
        LIMIT {arg(limit)}
        """,
        *args,
    )


async def box_counters(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, caller: str
) -> list[asyncpg.Record]:
    """Per box: its documents, those not yet handled, and those waiting for the caller."""
    return await connection.fetch(
        """
        SELECT CASE status WHEN 'in_mailbox' THEN mailbox WHEN 'booked' THEN 'archive'
                           WHEN 'archived' THEN 'archive' ELSE status END AS box,
               count(*) AS documents,
               count(*) FILTER (WHERE NOT handled) AS unhandled,
               count(*) FILTER (WHERE approval_status = 'pending'
                                AND $3 = ANY(approval_waiting_for)) AS to_approve_by_me
        FROM documents
        WHERE office_id = $1 AND dossier_id = $2 AND status <> 'deleted'
        GROUP BY 1
        """,
        office_id,
        dossier_id,
        caller,
    )


async def lock_document(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    """The document, locked for a change until the transaction ends (None: not there)."""
    return await connection.fetchrow(
        f"""SELECT {DOCUMENT_COLUMNS} FROM documents
        WHERE office_id = $1 AND dossier_id = $2 AND id = $3 AND status <> 'deleted'
        FOR UPDATE""",
        office_id,
        dossier_id,
        document_id,
    )


async def update_document(
    connection: asyncpg.Connection, document_id: UUID, changes: dict[str, Any]
) -> asyncpg.Record:
    """Sets the given columns (filename, handled, labels) of a locked document."""
    allowed = {"filename", "handled", "labels"}
    assert changes and set(changes) <= allowed, changes
    columns = list(changes)
    assignments = ", ".join(f"{column} = ${i + 2}" for i, column in enumerate(columns))
    return await connection.fetchrow(
        f"UPDATE documents SET {assignments} WHERE id = $1 RETURNING {DOCUMENT_COLUMNS}",
        document_id,
        *(changes[column] for column in columns),
    )


async def mark_deleted(
    connection: asyncpg.Connection, document_id: UUID, deleted_by: str, reason: str | None
) -> asyncpg.Record:
    return await connection.fetchrow(
        """UPDATE documents SET status = 'deleted', deleted_at = now(), deleted_by = $2,
                                delete_reason = $3
        WHERE id = $1 RETURNING id, deleted_at""",
        document_id,
        deleted_by,
        reason,
    )


async def dossier_labels(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> list[asyncpg.Record]:
    """The labels the dossier's documents carry, with how many carry each."""
    return await connection.fetch(
        """SELECT min(l) AS label, count(DISTINCT d.id) AS documents
        FROM documents d, unnest(d.labels) l
        WHERE d.office_id = $1 AND d.dossier_id = $2 AND d.status <> 'deleted'
        GROUP BY lower(l) ORDER BY lower(l)""",
        office_id,
        dossier_id,
    )


async def add_comment(connection: asyncpg.Connection, values: dict[str, Any]) -> asyncpg.Record:
    return await connection.fetchrow(
        """INSERT INTO document_comments (id, office_id, dossier_id, document_id, author, body)
        VALUES ($1, $2, $3, $4, $5, $6)
        RETURNING id, document_id, author, body, created_at""",
        values["id"],
        values["office_id"],
        values["dossier_id"],
        values["document_id"],
        values["author"],
        values["body"],
    )


async def comments_of(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> list[asyncpg.Record]:
    return await connection.fetch(
        """SELECT id, document_id, author, body, created_at FROM document_comments
        WHERE office_id = $1 AND dossier_id = $2 AND document_id = $3
        ORDER BY created_at, id""",
        office_id,
        dossier_id,
        document_id,
    )
