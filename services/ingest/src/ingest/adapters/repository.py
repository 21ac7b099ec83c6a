"""SQL for ingest's dossiers and documents: intake, listing, submitting, merging and splitting
(the mailboxes' views in `mailboxes`, what other services change in `document_status`)."""

from typing import Any
from uuid import UUID

import asyncpg
from ledgerline import invoice_approval_process

from ingest.domain.email import JournalCopy

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
