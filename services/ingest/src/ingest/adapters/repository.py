"""SQL for ingest's dossiers and documents."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline import invoice_approval_process

from ingest.domain.email import JournalCopy
from ingest.domain.mailbox import (
    SORT_EXPRESSIONS,
    Box,
    Cursor,
    Filters,
    Order,
    SortColumn,
    box_condition,
)

DOCUMENT_COLUMNS = """id, office_id, dossier_id, mailbox, channel, filename, content_type, size_bytes,
sha256, status, delivered_by, received_at, submitted_at, recognition_status, counterparty_name,
total_incl_vat, currency, payment_status, handled, approval_status, approval_waiting_for,
sender, subject, labels, page_count, duplicate_of, document_number, derived_from, replaced_by,
invoice_number, journal"""


# The directory's row of a dossier (`dossier_scope`'s `details`): with its process switch, so
# an intake reads the dossier once.
DIRECTORY_ROW_SQL = invoice_approval_process.dossier_with_switch_sql("d.id = $1")


async def get_dossier(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> asyncpg.Record | None:
    """The dossier's row, with its invoice approval process switch (for `take_in`)."""
    return await connection.fetchrow(
        invoice_approval_process.dossier_with_switch_sql(
            "d.office_id = $1 AND d.id = $2 AND d.active"
        ),
        office_id,
        dossier_id,
    )


async def lock_contents(
    connection: asyncpg.Connection, dossier_id: UUID, sha256s: list[str]
) -> None:
    """Serialises deliveries of the same bytes to one dossier until the transaction ends, so
    two at once still see each other in `earlier_copies` and the second is flagged. The locks
    are taken in one order (sorted), so two deliveries of several files never deadlock."""
    await connection.execute(
        """SELECT count(pg_advisory_xact_lock(hashtextextended(key, 0)))
        FROM (SELECT DISTINCT $1::text || '/' || sha256 AS key FROM unnest($2::text[]) AS sha256
              ORDER BY key) AS keys""",
        str(dossier_id),
        sha256s,
    )


async def earlier_copies(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, sha256s: list[str]
) -> dict[str, UUID]:
    """Per content hash, the dossier's earliest (not deleted) document with those bytes. Call
    it after `lock_contents` (a statement of its own, so it sees what committed meanwhile)."""
    rows = await connection.fetch(
        """SELECT DISTINCT ON (sha256) sha256, id FROM documents
        WHERE office_id = $1 AND dossier_id = $2 AND sha256 = ANY($3::text[])
          AND status <> 'deleted'
        ORDER BY sha256, received_at, id""",
        office_id,
        dossier_id,
        sha256s,
    )
    return {row["sha256"]: row["id"] for row in rows}


async def insert_documents(
    connection: asyncpg.Connection, delivery: dict[str, Any], files: list[dict[str, Any]]
) -> list[asyncpg.Record]:
    """New documents of one delivery (`delivery`: office_id, dossier_id, mailbox, channel,
    delivered_by, sender, subject, labels, submitted, approval_status, journal; `files`: id, filename,
    content_type, size_bytes, sha256, idempotency_key, page_count, duplicate_of), their bytes
    already in the blob store under `sha256`, all in one statement; `submitted` stores them
    straight `in_processing`. Returns the rows in the order of `files`."""
    rows = await connection.fetch(
        f"""
        INSERT INTO documents (id, office_id, dossier_id, mailbox, channel, filename, content_type,
                               size_bytes, sha256, content, delivered_by, sender, subject,
                               idempotency_key, status, submitted_at, labels, page_count,
                               duplicate_of, approval_status, journal)
        SELECT f.id, $1, $2, $3, $4, f.filename, f.content_type, f.size_bytes, f.sha256, NULL,
               $5, $6, $7, f.idempotency_key,
               CASE WHEN $8 THEN 'in_processing' ELSE 'in_mailbox' END,
               CASE WHEN $8 THEN now() END, $9, f.page_count, f.duplicate_of, $18, $19
        FROM unnest($10::uuid[], $11::text[], $12::text[], $13::integer[], $14::text[],
                    $15::text[], $16::integer[], $17::uuid[])
             AS f (id, filename, content_type, size_bytes, sha256, idempotency_key, page_count,
                   duplicate_of)
        RETURNING {DOCUMENT_COLUMNS}
        """,
        delivery["office_id"],
        delivery["dossier_id"],
        delivery["mailbox"],
        delivery["channel"],
        delivery["delivered_by"],
        delivery.get("sender"),
        delivery.get("subject"),
        bool(delivery.get("submitted")),
        list(delivery.get("labels") or []),
        [file["id"] for file in files],
        [file["filename"] for file in files],
        [file["content_type"] for file in files],
        [file["size_bytes"] for file in files],
        [file["sha256"] for file in files],
        [file.get("idempotency_key") for file in files],
        [file.get("page_count") for file in files],
        [file.get("duplicate_of") for file in files],
        delivery.get("approval_status"),
        delivery.get("journal"),
    )
    by_id = {row["id"]: row for row in rows}
    return [by_id[file["id"]] for file in files]


async def find_by_idempotency_keys(
    connection: asyncpg.Connection, office_id: UUID, keys: list[str]
) -> dict[str, asyncpg.Record]:
    """The office's documents stored under these idempotency keys, by key."""
    rows = await connection.fetch(
        f"""SELECT {DOCUMENT_COLUMNS}, idempotency_key FROM documents
        WHERE office_id = $1 AND idempotency_key = ANY($2::text[])""",
        office_id,
        keys,
    )
    return {row["idempotency_key"]: row for row in rows}


async def find_by_idempotency_key(
    connection: asyncpg.Connection, office_id: UUID, key: str
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE office_id = $1 AND idempotency_key = $2",
        office_id,
        key,
    )


async def dossiers_for_address(
    connection: asyncpg.Connection, code: str, domain: str
) -> list[asyncpg.Record]:
    """The active dossiers whose mail addresses use this code and domain (case-insensitive);
    more than one only when two offices gave dossiers the same code on one mail domain."""
    return await connection.fetch(
        """SELECT * FROM dossiers
        WHERE active AND lower(dossier_code) = $1 AND lower(email_domain) = $2""",
        code.lower(),
        domain.lower(),
    )


async def keep_journals(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    sync_id: UUID,
    journals: list[tuple[str, str, bool]],
    drop_others: bool,
) -> None:
    """One chunk of a sync run's journals (code, type, credit-note-only), purchase and sales
    only; `drop_others` after the last chunk of a full resync: what the run did not send is gone
    from the books."""
    await connection.executemany(
        """INSERT INTO ledger_journals (office_id, dossier_id, code, type, credit_note_only, sync_id)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (office_id, dossier_id, code) DO UPDATE SET
            type = EXCLUDED.type, credit_note_only = EXCLUDED.credit_note_only,
            sync_id = EXCLUDED.sync_id""",
        [(office_id, dossier_id, code, type_, only, sync_id) for code, type_, only in journals],
    )
    if drop_others:
        await connection.execute(
            """DELETE FROM ledger_journals
            WHERE office_id = $1 AND dossier_id = $2 AND sync_id <> $3""",
            office_id,
            dossier_id,
            sync_id,
        )


async def journals_of(connection: asyncpg.Connection, dossier_id: UUID) -> list[JournalCopy]:
    rows = await connection.fetch(
        """SELECT code, type, credit_note_only FROM ledger_journals WHERE dossier_id = $1
        ORDER BY code""",
        dossier_id,
    )
    return [JournalCopy(row["code"], row["type"], row["credit_note_only"]) for row in rows]


async def dossiers_for_party(
    connection: asyncpg.Connection, office_id: UUID, vat_number: str
) -> list[asyncpg.Record]:
    """The office's active dossiers with this VAT number (compared as digits and letters only)."""
    return await connection.fetch(
        """SELECT * FROM dossiers WHERE active AND office_id = $1
        AND upper(regexp_replace(vat_number, '[^A-Za-z0-9]', '', 'g')) = $2""",
        office_id,
        vat_number,
    )


async def record_dossier_details(
    connection: asyncpg.Connection,
    dossier_id: UUID,
    office_id: UUID,
    dossier_code: str,
    vat_number: str | None,
    as_of: Any,
) -> None:
    """The code and VAT number a dossier event carries, unless the row has a later event's."""
    await connection.execute(
        """
        UPDATE dossiers SET dossier_code = $3, vat_number = $4, details_as_of = $5
        WHERE id = $1 AND office_id = $2 AND (details_as_of IS NULL OR details_as_of <= $5)
        """,
        dossier_id,
        office_id,
        dossier_code,
        vat_number,
        as_of,
    )


async def update_intake_settings(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, values: dict[str, Any]
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        """
        UPDATE dossiers SET auto_forward_purchase = $3, auto_forward_sales = $4,
                            use_sender_whitelist = $5, sender_whitelist = $6
        WHERE office_id = $1 AND id = $2 AND active
        RETURNING *
        """,
        office_id,
        dossier_id,
        values["auto_forward_purchase"],
        values["auto_forward_sales"],
        values["use_sender_whitelist"],
        values["sender_whitelist"],
    )


async def list_documents(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    mailbox: str | None,
    status: str | None,
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""
        SELECT {DOCUMENT_COLUMNS} FROM documents
        WHERE office_id = $1 AND dossier_id = $2 AND status <> 'deleted'
          AND ($3::text IS NULL OR mailbox = $3) AND ($4::text IS NULL OR status = $4)
        ORDER BY received_at DESC
        """,
        office_id,
        dossier_id,
        mailbox,
        status,
    )


async def get_document(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"""SELECT {DOCUMENT_COLUMNS} FROM documents
        WHERE office_id = $1 AND dossier_id = $2 AND id = $3 AND status <> 'deleted'""",
        office_id,
        dossier_id,
        document_id,
    )


async def get_content(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    """The file's name, type and hash; `content` only for rows from before the blob store,
    which keep their own bytes (newer rows point into the blob store by `sha256`)."""
    return await connection.fetchrow(
        """SELECT d.filename, d.content_type, d.sha256, d.content, d.status
        FROM documents d
        WHERE d.office_id = $1 AND d.dossier_id = $2 AND d.id = $3 AND d.status <> 'deleted'""",
        office_id,
        dossier_id,
        document_id,
    )


async def mark_submitted(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    """Moves a mailbox document to processing; None when it is not in a mailbox, or is an
    invoice that waits for approval or was rejected."""
    return await connection.fetchrow(
        f"""
        UPDATE documents SET status = 'in_processing', submitted_at = now()
        WHERE office_id = $1 AND dossier_id = $2 AND id = $3 AND status = 'in_mailbox'
          AND (approval_status IS NULL OR approval_status = 'approved')
        RETURNING {DOCUMENT_COLUMNS}
        """,
        office_id,
        dossier_id,
        document_id,
    )


async def record_recognitions(
    connection: asyncpg.Connection,
    readings: Sequence[tuple[UUID, UUID, str, str | None, Decimal | None, str | None, str | None]],
) -> None:
    """What recognition read of each document: (office, document, recognition status,
    counterparty name, total incl. VAT, currency, invoice number)."""
    await connection.executemany(
        """
        UPDATE documents SET recognition_status = $3, counterparty_name = $4, total_incl_vat = $5,
                             currency = $6, invoice_number = $7
        WHERE office_id = $1 AND id = $2
        """,
        readings,
    )


async def record_payment_status(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID, payment_status: str
) -> None:
    """A document whose payment is in a file (or paid) is handled, as the mailbox shows it."""
    await connection.execute(
        """
        UPDATE documents SET payment_status = $3,
                             handled = handled OR $3 IN ('in_processing', 'paid')
        WHERE office_id = $1 AND id = $2
        """,
        office_id,
        document_id,
        payment_status,
    )


async def record_approval(
    connection: asyncpg.Connection,
    office_id: UUID,
    document_id: UUID,
    approval_status: str,
    waiting_for: list[str],
) -> None:
    """What approvals says of the invoice; a decision is final, a later 'waiting' never undoes it
    (the events travel on different topics), nor makes a merged or split source wait again
    (approvals withdrew its approval)."""
    await connection.execute(
        """
        UPDATE documents SET approval_status = $3, approval_waiting_for = $4
        WHERE office_id = $1 AND id = $2
          AND ($3 <> 'pending'
               OR (status <> 'archived'
                   AND (approval_status IS NULL OR approval_status = 'pending')))
        """,
        office_id,
        document_id,
        approval_status,
        waiting_for,
    )


async def hold_for_approval(
    connection: asyncpg.Connection, documents: Sequence[tuple[UUID, UUID, UUID]]
) -> None:
    """Purchase documents (office, dossier, document each) still in the mailbox that approvals
    has said nothing of await approval (the dossier's process is on; approvals' own event
    follows)."""
    if not documents:  # asyncpg would still make a round trip for an empty executemany
        return
    await connection.executemany(
        """
        UPDATE documents SET approval_status = 'pending'
        WHERE office_id = $1 AND dossier_id = $2 AND id = $3 AND mailbox = 'purchase'
          AND status = 'in_mailbox' AND approval_status IS NULL
        """,
        documents,
    )


async def release_held(connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID) -> None:
    """The process was switched off: approvals had nothing pending then (it refuses otherwise),
    so what still shows pending was only held on arrival, and is free."""
    await connection.execute(
        """
        UPDATE documents SET approval_status = NULL, approval_waiting_for = '{}'
        WHERE office_id = $1 AND dossier_id = $2 AND approval_status = 'pending'
        """,
        office_id,
        dossier_id,
    )


# --- mailboxes ------------------------------------------------------------------------------


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


async def record_booking(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID, document_number: str
) -> None:
    """A booked document leaves 'in processing' for the archive, with its number."""
    await connection.execute(
        """UPDATE documents SET status = 'booked', document_number = $3
        WHERE office_id = $1 AND id = $2 AND status <> 'deleted'""",
        office_id,
        document_id,
        document_number,
    )


async def clear_booking(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID, document_number: str
) -> None:
    """A booking deleted from the books: the document is 'in processing' again."""
    await connection.execute(
        """UPDATE documents SET status = 'in_processing', document_number = NULL
        WHERE office_id = $1 AND id = $2 AND status = 'booked' AND document_number = $3""",
        office_id,
        document_id,
        document_number,
    )


async def move_document(
    connection: asyncpg.Connection,
    office_id: UUID,
    document_id: UUID,
    from_dossier: UUID,
    to_dossier: UUID,
) -> bool:
    """File the document (and its comments) in another dossier of the same office. Only from
    the dossier the event names, so a replayed or stale move changes nothing."""
    result = await connection.execute(
        """UPDATE documents SET dossier_id = $4
        WHERE office_id = $1 AND id = $2 AND dossier_id = $3
          AND EXISTS (SELECT 1 FROM dossiers WHERE id = $4 AND office_id = $1)""",
        office_id,
        document_id,
        from_dossier,
        to_dossier,
    )
    if result == "UPDATE 0":
        return False
    await connection.execute(
        """UPDATE document_comments SET dossier_id = $3
        WHERE office_id = $1 AND document_id = $2""",
        office_id,
        document_id,
        to_dossier,
    )
    return True


# --- merge and split ----------------------------------------------------------------------


async def mark_archived(
    connection: asyncpg.Connection, document_ids: list[UUID], replaced_by: list[UUID]
) -> dict[UUID, Any]:
    """The sources of a merge or split leave their mailbox (or the office's work, for the
    office's merge) for the archive, naming the documents made of them (locked by the
    caller). An approval they
    waited for is withdrawn by approvals (`document.archived.v1`): they wait no more."""
    rows = await connection.fetch(
        """UPDATE documents SET status = 'archived', archived_at = now(), replaced_by = $2,
            approval_status = NULLIF(approval_status, 'pending'),
            approval_waiting_for = CASE WHEN approval_status = 'pending' THEN '{}'::text[]
                                        ELSE approval_waiting_for END
        WHERE id = ANY($1::uuid[]) AND status IN ('in_mailbox', 'in_processing')
        RETURNING id, archived_at""",
        document_ids,
        replaced_by,
    )
    return {row["id"]: row["archived_at"] for row in rows}


async def set_derived_from(
    connection: asyncpg.Connection, document_ids: list[UUID], sources: list[UUID]
) -> list[asyncpg.Record]:
    """The documents a merge or split made name their sources; the rows, in the given order."""
    rows = await connection.fetch(
        f"""UPDATE documents SET derived_from = $2 WHERE id = ANY($1::uuid[])
        RETURNING {DOCUMENT_COLUMNS}""",
        document_ids,
        sources,
    )
    by_id = {row["id"]: row for row in rows}
    return [by_id[document_id] for document_id in document_ids]
