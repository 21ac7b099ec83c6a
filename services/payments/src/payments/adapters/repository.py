"""SQL for bank accounts, payable invoices, payments and SEPA files."""

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.db import insert_row

from payments.domain.payment import Claim, InvoiceIdentity

ACCOUNT_COLUMNS = """id, dossier_id, iban, bic, bank_name, holder_name, hash_algorithm, street,
building_number, postal_code, town, country, created_at"""
PAYMENT_COLUMNS = """id, dossier_id, document_id, bank_account_id, method, status, status_reason,
creditor_name, creditor_iban, creditor_bic, creditor_bank_name, creditor_town, creditor_country,
amount, currency, remittance_type, remittance_value, execution_date, sepa_file_id, end_to_end_id,
created_by, created_at, updated_at, journalised_at"""
FILE_COLUMNS = """id, dossier_id, bank_account_id, debtor_iban, message_id, format,
number_of_transactions, control_sum, hash_algorithm, integrity_hash, sha256, summary, created_by,
created_at, downloaded_at, downloaded_by, journalised_at, journalised_by,
status_report_message_id, status_report_at,
(SELECT min(e.sent_at) FROM sepa_file_emails e WHERE e.file_id = sepa_files.id) AS emailed_at"""


ACCOUNT_KEYS = (
    "id", "office_id", "dossier_id", "iban", "bic", "bank_name", "holder_name", "hash_algorithm",
    "street", "building_number", "postal_code", "town", "country",
)  # fmt: skip


async def insert_bank_account(
    connection: asyncpg.Connection, values: dict[str, Any]
) -> asyncpg.Record | None:
    """None when the dossier already has that IBAN."""
    return await insert_row(
        connection,
        "bank_accounts",
        {key: values[key] for key in ACCOUNT_KEYS},
        returning=ACCOUNT_COLUMNS,
        on_conflict="ON CONFLICT DO NOTHING",
    )


async def upsert_bank_account_from_ledger(
    connection: asyncpg.Connection, values: dict[str, Any]
) -> None:
    await connection.execute(
        """
        INSERT INTO bank_accounts (id, office_id, dossier_id, iban, bic, bank_name, holder_name,
                                   town, country)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (office_id, dossier_id, iban) DO UPDATE SET
            holder_name = EXCLUDED.holder_name,
            bic = COALESCE(EXCLUDED.bic, bank_accounts.bic),
            town = COALESCE(EXCLUDED.town, bank_accounts.town),
            country = COALESCE(EXCLUDED.country, bank_accounts.country)
        """,
        *(
            values[key]
            for key in (
                "id",
                "office_id",
                "dossier_id",
                "iban",
                "bic",
                "bank_name",
                "holder_name",
                "town",
                "country",
            )
        ),
    )


async def list_bank_accounts(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"SELECT {ACCOUNT_COLUMNS} FROM bank_accounts WHERE office_id = $1 AND dossier_id = $2 ORDER BY created_at",
        office_id,
        dossier_id,
    )


async def get_bank_account(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, account_id: UUID | None
) -> asyncpg.Record | None:
    """The given account, or the dossier's first one when none is given."""
    return await connection.fetchrow(
        f"""SELECT {ACCOUNT_COLUMNS} FROM bank_accounts
        WHERE office_id = $1 AND dossier_id = $2 AND ($3::uuid IS NULL OR id = $3)
        ORDER BY created_at LIMIT 1""",
        office_id,
        dossier_id,
        account_id,
    )


async def approval_required(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> bool:
    return bool(
        await connection.fetchval(
            "SELECT approval_required FROM payment_settings WHERE office_id = $1 AND dossier_id = $2",
            office_id,
            dossier_id,
        )
    )


async def set_approval_required(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, required: bool
) -> None:
    await connection.execute(
        """INSERT INTO payment_settings (office_id, dossier_id, approval_required) VALUES ($1, $2, $3)
        ON CONFLICT (dossier_id) DO UPDATE SET approval_required = EXCLUDED.approval_required,
                                               updated_at = now()""",
        office_id,
        dossier_id,
        required,
    )


async def count_awaiting_approval(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> int:
    return int(
        await connection.fetchval(
            "SELECT count(*) FROM payments WHERE office_id = $1 AND dossier_id = $2 AND status = 'awaiting_approval'",
            office_id,
            dossier_id,
        )
    )


async def upsert_payable_invoices(
    connection: asyncpg.Connection, invoices: Sequence[Mapping[str, Any]]
) -> None:
    if not invoices:
        return
    keys = (
        "document_id",
        "office_id",
        "dossier_id",
        "document_type",
        "invoice_number",
        "supplier_name",
        "supplier_vat",
        "supplier_town",
        "supplier_country",
        "due_date",
        "currency",
        "amount_due",
        "iban",
        "bic",
        "payment_reference",
        "invoice_key",
        "supplier_vat_key",
        "iban_key",
        "supplier_name_key",
    )
    await connection.executemany(
        f"""
        INSERT INTO payable_invoices ({", ".join(keys)})
        VALUES ({", ".join(f"${index}" for index in range(1, len(keys) + 1))})
        ON CONFLICT (document_id) DO UPDATE SET
            {", ".join(f"{key} = EXCLUDED.{key}" for key in keys[3:])}, recognized_at = now()
        """,
        [[values[key] for key in keys] for values in invoices],
    )


async def lock_payable_invoice(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    """The invoice, locked so that two payments of it are decided one after the other."""
    return await connection.fetchrow(
        "SELECT * FROM payable_invoices WHERE office_id = $1 AND dossier_id = $2 AND document_id = $3 FOR UPDATE",
        office_id,
        dossier_id,
        document_id,
    )


async def lock_invoice_identity(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, invoice_key: str | None
) -> None:
    """Serialises payments of one invoice number in a dossier until the transaction ends, whatever
    document they go through (the row lock of one document does not cover its photo)."""
    if invoice_key is not None:
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            f"payable-invoice:{office_id}:{dossier_id}:{invoice_key}",
        )


async def invoice_claims(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    document_id: UUID,
    identity: InvoiceIdentity,
) -> list[Claim]:
    """Active payments of the invoice, oldest first: those of this document, and those of every
    other document that is the same invoice (`InvoiceIdentity.same_invoice`, here in SQL)."""
    rows = await connection.fetch(
        """
        SELECT p.id, p.document_id, p.amount, p.status
        FROM payments p LEFT JOIN payable_invoices i ON i.document_id = p.document_id
        WHERE p.office_id = $1 AND p.dossier_id = $2 AND p.status <> 'rejected'
          AND (p.document_id = $3
               OR ($4::text IS NOT NULL AND i.invoice_key = $4
                   AND (i.supplier_vat_key = $5 OR i.iban_key = $6 OR i.supplier_name_key = $7)))
        ORDER BY p.created_at, p.id
        """,
        office_id,
        dossier_id,
        document_id,
        identity.number,
        identity.supplier_vat,
        identity.iban,
        identity.supplier_name,
    )
    return [
        Claim(
            payment_id=row["id"],
            document_id=row["document_id"],
            amount=row["amount"],
            status=row["status"],
        )
        for row in rows
    ]


async def remember_mailboxes(
    connection: asyncpg.Connection, documents: Sequence[tuple[UUID, UUID, UUID, str]]
) -> None:
    """(office, dossier, document, mailbox) each."""
    await connection.executemany(
        """INSERT INTO received_documents (office_id, dossier_id, document_id, mailbox)
        VALUES ($1, $2, $3, $4) ON CONFLICT (document_id) DO NOTHING""",
        documents,
    )


async def document_mailbox(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> str | None:
    """The mailbox the document was delivered to, as document.received.v1 said."""
    return await connection.fetchval(
        """SELECT mailbox FROM received_documents
        WHERE office_id = $1 AND dossier_id = $2 AND document_id = $3""",
        office_id,
        dossier_id,
        document_id,
    )


async def document_mailboxes(
    connection: asyncpg.Connection, documents: Sequence[tuple[UUID, UUID, UUID]]
) -> dict[UUID, str]:
    """The mailboxes the documents (office, dossier, document each) were delivered to, of
    those document.received.v1 has told of."""
    wanted = {document: (office, dossier) for office, dossier, document in documents}
    rows = await connection.fetch(
        "SELECT office_id, dossier_id, document_id, mailbox FROM received_documents"
        " WHERE document_id = ANY($1::uuid[])",
        list(wanted),
    )
    return {
        row["document_id"]: row["mailbox"]
        for row in rows
        if wanted[row["document_id"]] == (row["office_id"], row["dossier_id"])
    }


PAYMENT_KEYS = (
    "id", "office_id", "dossier_id", "document_id", "bank_account_id", "method", "status",
    "creditor_name", "creditor_iban", "creditor_bic", "creditor_bank_name", "creditor_town",
    "creditor_country", "amount", "currency", "remittance_type", "remittance_value",
    "execution_date", "created_by",
)  # fmt: skip


async def insert_payment(connection: asyncpg.Connection, values: dict[str, Any]) -> asyncpg.Record:
    row = await insert_row(
        connection,
        "payments",
        {key: values[key] for key in PAYMENT_KEYS},
        returning=PAYMENT_COLUMNS,
    )
    assert row is not None
    return row


async def get_payment(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    payment_id: UUID,
    *,
    lock: bool = False,
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {PAYMENT_COLUMNS} FROM payments WHERE office_id = $1 AND dossier_id = $2 AND id = $3"
        + (" FOR UPDATE" if lock else ""),
        office_id,
        dossier_id,
        payment_id,
    )


async def lock_payments(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, payment_ids: Sequence[UUID]
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""SELECT {PAYMENT_COLUMNS} FROM payments
        WHERE office_id = $1 AND dossier_id = $2 AND id = ANY($3::uuid[]) ORDER BY created_at FOR UPDATE""",
        office_id,
        dossier_id,
        list(payment_ids),
    )


async def list_payments(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    statuses: Sequence[str] | None,
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""SELECT {PAYMENT_COLUMNS} FROM payments
        WHERE office_id = $1 AND dossier_id = $2 AND ($3::text[] IS NULL OR status = ANY($3::text[]))
        ORDER BY created_at""",
        office_id,
        dossier_id,
        list(statuses) if statuses else None,
    )


async def set_status(
    connection: asyncpg.Connection,
    payment_id: UUID,
    status: str,
    *,
    reason: str | None = None,
    sepa_file_id: UUID | None = None,
    end_to_end_id: str | None = None,
) -> asyncpg.Record:
    return await connection.fetchrow(
        f"""UPDATE payments SET status = $2, status_reason = COALESCE($3, status_reason),
            sepa_file_id = COALESCE($4, sepa_file_id), end_to_end_id = COALESCE($5, end_to_end_id),
            updated_at = now()
        WHERE id = $1 RETURNING {PAYMENT_COLUMNS}""",
        payment_id,
        status,
        reason,
        sepa_file_id,
        end_to_end_id,
    )


async def payment_for_event(
    connection: asyncpg.Connection, office_id: UUID, payment_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {PAYMENT_COLUMNS} FROM payments WHERE office_id = $1 AND id = $2 FOR UPDATE",
        office_id,
        payment_id,
    )


async def payments_to_settle(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    supplier_vat: str | None,
    invoice_number: str,
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""SELECT {", ".join("p." + column.strip() for column in PAYMENT_COLUMNS.split(","))}
        FROM payments p JOIN payable_invoices i ON i.document_id = p.document_id
        WHERE p.office_id = $1 AND p.dossier_id = $2 AND i.invoice_number = $4
          AND ($3::text IS NULL OR i.supplier_vat = $3)
          AND p.status IN ('in_processing', 'qr_issued')
        FOR UPDATE OF p""",
        office_id,
        dossier_id,
        supplier_vat,
        invoice_number,
    )


FILE_KEYS = (
    "id", "office_id", "dossier_id", "bank_account_id", "debtor_iban", "message_id", "format",
    "number_of_transactions", "control_sum", "hash_algorithm", "integrity_hash", "sha256",
    "content", "summary", "created_by",
)  # fmt: skip


async def insert_sepa_file(
    connection: asyncpg.Connection, values: dict[str, Any]
) -> asyncpg.Record:
    row = await insert_row(
        connection, "sepa_files", {key: values[key] for key in FILE_KEYS}, returning=FILE_COLUMNS
    )
    assert row is not None
    return row


async def list_sepa_files(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"SELECT {FILE_COLUMNS} FROM sepa_files WHERE office_id = $1 AND dossier_id = $2 ORDER BY created_at DESC",
        office_id,
        dossier_id,
    )


async def get_sepa_file(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    file_id: UUID,
    *,
    content: bool = False,
    lock: bool = False,
) -> asyncpg.Record | None:
    columns = FILE_COLUMNS + (", content" if content else "")
    return await connection.fetchrow(
        f"SELECT {columns} FROM sepa_files WHERE office_id = $1 AND dossier_id = $2 AND id = $3"
        + (" FOR UPDATE" if lock else ""),
        office_id,
        dossier_id,
        file_id,
    )


async def record_download(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, file_id: UUID, by: str
) -> None:
    """The first download is when the file went to the bank (uploaded in its site): kept."""
    await connection.execute(
        """UPDATE sepa_files SET downloaded_at = now(), downloaded_by = $4
        WHERE office_id = $1 AND dossier_id = $2 AND id = $3 AND downloaded_at IS NULL""",
        office_id,
        dossier_id,
        file_id,
        by,
    )


async def record_file_journalised(
    connection: asyncpg.Connection, file_id: UUID, by: str
) -> asyncpg.Record:
    row = await connection.fetchrow(
        f"""UPDATE sepa_files SET journalised_at = now(), journalised_by = $2
        WHERE id = $1 RETURNING {FILE_COLUMNS}""",
        file_id,
        by,
    )
    assert row is not None
    return row


async def payments_of_file(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, file_id: UUID
) -> list[asyncpg.Record]:
    """The file's payments, locked, in the order they were made."""
    return await connection.fetch(
        f"""SELECT {PAYMENT_COLUMNS} FROM payments
        WHERE office_id = $1 AND dossier_id = $2 AND sepa_file_id = $3
        ORDER BY created_at, id FOR UPDATE""",
        office_id,
        dossier_id,
        file_id,
    )


async def record_paid_and_journalised(
    connection: asyncpg.Connection, payment_id: UUID, reason: str
) -> asyncpg.Record:
    """Paid, and handed to the books to journalise (payment.settled.v1, settled_by payment)."""
    row = await connection.fetchrow(
        f"""UPDATE payments SET status = 'paid', status_reason = $2, journalised_at = now(),
            updated_at = now()
        WHERE id = $1 RETURNING {PAYMENT_COLUMNS}""",
        payment_id,
        reason,
    )
    assert row is not None
    return row


async def record_email(
    connection: asyncpg.Connection, email_id: UUID, file_id: UUID, recipient: str, sent_by: str
) -> None:
    await connection.execute(
        "INSERT INTO sepa_file_emails (id, file_id, recipient, sent_by) VALUES ($1, $2, $3, $4)",
        email_id,
        file_id,
        recipient,
        sent_by,
    )


async def record_invoice_approval(connection: asyncpg.Connection, values: dict[str, Any]) -> None:
    """What approvals says of an invoice; a decision is final, a later 'waiting' never undoes it
    (the events travel on different topics)."""
    await connection.execute(
        """
        INSERT INTO invoice_approvals (document_id, office_id, dossier_id, status, waiting_for)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (document_id) DO UPDATE SET
            status = EXCLUDED.status, waiting_for = EXCLUDED.waiting_for, updated_at = now()
        WHERE invoice_approvals.office_id = EXCLUDED.office_id
          AND (EXCLUDED.status <> 'pending' OR invoice_approvals.status = 'pending')
        """,
        values["document_id"],
        values["office_id"],
        values["dossier_id"],
        values["status"],
        values["waiting_for"],
    )


async def hold_for_approval(
    connection: asyncpg.Connection, documents: Sequence[tuple[UUID, UUID, UUID]]
) -> None:
    """Invoices (office, dossier, document each) approvals has said nothing of yet await
    approval (their process is on)."""
    await connection.executemany(
        """INSERT INTO invoice_approvals (office_id, dossier_id, document_id, status, waiting_for)
        VALUES ($1, $2, $3, 'pending', '{}') ON CONFLICT (document_id) DO NOTHING""",
        documents,
    )


async def release_held_documents(
    connection: asyncpg.Connection, documents: Sequence[tuple[UUID, UUID]]
) -> None:
    """Not purchase documents after all (office, document each): approvals will not ask about
    them."""
    await connection.executemany(
        "DELETE FROM invoice_approvals WHERE office_id = $1 AND document_id = $2 "
        "AND status = 'pending'",
        documents,
    )


async def release_held(connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID) -> None:
    """The process was switched off: approvals had nothing pending then (it refuses otherwise),
    so what is still pending here was only held on arrival, and is free."""
    await connection.execute(
        "DELETE FROM invoice_approvals WHERE office_id = $1 AND dossier_id = $2 "
        "AND status = 'pending'",
        office_id,
        dossier_id,
    )


async def invoice_approval(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        "SELECT status, waiting_for FROM invoice_approvals "
        "WHERE office_id = $1 AND dossier_id = $2 AND document_id = $3",
        office_id,
        dossier_id,
        document_id,
    )


async def move_document(
    connection: asyncpg.Connection,
    office_id: UUID,
    document_id: UUID,
    from_dossier: UUID,
    to: UUID,
) -> None:
    """What payments knows of a document, filed in another dossier of the office. Only from the
    dossier the move names, so a replay changes nothing."""
    for table in ("payable_invoices", "received_documents", "invoice_approvals"):
        await connection.execute(
            f"""UPDATE {table} SET dossier_id = $4
            WHERE office_id = $1 AND document_id = $2 AND dossier_id = $3""",
            office_id,
            document_id,
            from_dossier,
            to,
        )


async def return_to_basket(
    connection: asyncpg.Connection, payment_id: UUID, reason: str
) -> asyncpg.Record:
    """The bank rejected the payment: back in the basket, out of its file, to be paid again."""
    row = await connection.fetchrow(
        f"""UPDATE payments SET status = 'in_basket', status_reason = $2, sepa_file_id = NULL,
            end_to_end_id = NULL, updated_at = now()
        WHERE id = $1 RETURNING {PAYMENT_COLUMNS}""",
        payment_id,
        reason,
    )
    assert row is not None
    return row


async def record_status_report(
    connection: asyncpg.Connection, file_id: UUID, report_message_id: str
) -> asyncpg.Record:
    row = await connection.fetchrow(
        f"""UPDATE sepa_files SET status_report_message_id = $2, status_report_at = now()
        WHERE id = $1 RETURNING {FILE_COLUMNS}""",
        file_id,
        report_message_id,
    )
    assert row is not None
    return row
