"""SQL for the worklist's proposals: made, refreshed, moved, read, booked and deleted (what a
new one is checked against in `earlier_invoices`, what is kept of its document in
`document_inputs`)."""

import json
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.events import DocumentRecognized
from uuid_utils.compat import uuid7

from worklist.adapters.earlier_invoices import sequence_columns
from worklist.domain.booking import Booking
from worklist.domain.lines import DetailLine
from worklist.domain.proposals import ProposalDraft
from worklist.domain.warnings import Warning

PROPOSAL_COLUMNS = """id, dossier_id, document_id, source, status, auto_status, recognition_status,
document_type, mailbox, journal, period, invoice_number, invoice_date, due_date,
counterparty_name, counterparty_vat, counterparty_number, counterparty_known, counterparty_match,
currency, exchange_rate, total_excl_vat, total_vat, total_incl_vat, iban, payment_reference,
financial_discount, labels, booking_instruction, vat_breakdown, lines, detail_lines, lines_source,
possible_duplicate, checked, on_hold, help_asked, stage, confidence, document_number,
booking_error, validated_by, sent_at, booked_at, warnings, recognition_requested_at, created_at,
updated_at"""


def lines_json(lines: Sequence[DetailLine]) -> list[dict[str, Any]]:
    return [
        asdict(line)
        | {"amount_excl_vat": str(line.amount_excl_vat), "vat_amount": str(line.vat_amount)}
        for line in lines
    ]


def lines_from_json(items: Sequence[dict[str, Any]]) -> tuple[DetailLine, ...]:
    return tuple(
        DetailLine(
            gl_account=item["gl_account"],
            amount_excl_vat=Decimal(item["amount_excl_vat"]),
            vat_code=item.get("vat_code"),
            vat_amount=Decimal(item["vat_amount"]),
            comment=item.get("comment"),
            locked=bool(item.get("locked")),
            description=item.get("description"),
        )
        for item in items
    )


def warnings_json(warnings: Sequence[Warning]) -> list[dict[str, str]]:
    return [{"code": w.code, "message": w.message} for w in warnings]


async def insert_proposal(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    document_id: UUID,
    draft: ProposalDraft,
    recognition: DocumentRecognized,
) -> UUID:
    proposal_id = uuid7()
    invoice = recognition.invoice
    await connection.execute(
        """
        INSERT INTO proposals (id, office_id, dossier_id, document_id, source, status,
            auto_status, recognition_status, document_type, mailbox, journal, period,
            invoice_number, invoice_date, due_date, counterparty_name, counterparty_vat,
            counterparty_number, counterparty_known, counterparty_match, currency,
            total_excl_vat, total_vat, total_incl_vat, iban, payment_reference, vat_breakdown,
            lines, detail_lines, possible_duplicate, warnings, confidence, lines_source,
            sequence_prefix, sequence_number, labels)
        VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                $18, $19, $20, $21, $22, $23, $24, $25, $26::jsonb, $27::jsonb, $28::jsonb, $29,
                $30::jsonb, $31, $32, $33, $34,
                -- the client's labels of the document, as kept so far (none: empty)
                COALESCE((SELECT l.labels FROM document_labels l
                          WHERE l.office_id = $2 AND l.document_id = $4), '{}'))
        """,
        proposal_id,
        office_id,
        dossier_id,
        document_id,
        draft.source,
        draft.status,
        draft.recognition_status,
        draft.document_type,
        draft.mailbox,
        draft.journal,
        draft.period,
        draft.invoice_number,
        draft.invoice_date,
        draft.due_date,
        draft.counterparty_name,
        draft.counterparty_vat,
        draft.counterparty_number,
        draft.counterparty_known,
        draft.counterparty_match,
        draft.currency,
        draft.total_excl_vat,
        draft.total_vat,
        draft.total_incl_vat,
        draft.iban,
        draft.payment_reference,
        [json.loads(item.model_dump_json()) for item in invoice.vat_breakdown] if invoice else [],
        [json.loads(item.model_dump_json()) for item in invoice.lines] if invoice else [],
        lines_json(draft.detail_lines),
        draft.possible_duplicate,
        warnings_json(draft.warnings),
        draft.confidence,
        draft.lines_source,
        *sequence_columns(draft.invoice_number),
    )
    return proposal_id


async def replace_with_draft(
    connection: asyncpg.Connection, proposal_id: UUID, draft: ProposalDraft
) -> None:
    """A proposal enriched again (its type changed): what enrichment decides is replaced, the
    office's review flags are kept."""
    await connection.execute(
        """UPDATE proposals SET status = $2, auto_status = $2, mailbox = $3, journal = $4,
            period = $5, counterparty_name = $6, counterparty_vat = $7, counterparty_number = $8,
            counterparty_known = $9, counterparty_match = $10, detail_lines = $11::jsonb,
            possible_duplicate = $12, warnings = $13::jsonb, confidence = $14, lines_source = $15,
            updated_at = now()
        WHERE id = $1""",
        proposal_id,
        draft.status,
        draft.mailbox,
        draft.journal,
        draft.period,
        draft.counterparty_name,
        draft.counterparty_vat,
        draft.counterparty_number,
        draft.counterparty_known,
        draft.counterparty_match,
        lines_json(draft.detail_lines),
        draft.possible_duplicate,
        warnings_json(draft.warnings),
        draft.confidence,
        draft.lines_source,
    )


async def refresh_from_recognition(
    connection: asyncpg.Connection,
    proposal_id: UUID,
    draft: ProposalDraft,
    recognition: DocumentRecognized,
) -> None:
    """The document was read again (re-run recognition): the proposal becomes what the new
    reading makes of it, in place (same id, same dossier), and no longer waits for it."""
    await replace_with_draft(connection, proposal_id, draft)
    invoice = recognition.invoice
    await connection.execute(
        """UPDATE proposals SET source = $2, recognition_status = $3, document_type = $4,
            invoice_number = $5, invoice_date = $6, due_date = $7, currency = $8,
            total_excl_vat = $9, total_vat = $10, total_incl_vat = $11, iban = $12,
            payment_reference = $13, vat_breakdown = $14::jsonb, lines = $15::jsonb,
            sequence_prefix = $16, sequence_number = $17,
            checked = false, recognition_requested_at = NULL
        WHERE id = $1""",
        proposal_id,
        draft.source,
        draft.recognition_status,
        draft.document_type,
        draft.invoice_number,
        draft.invoice_date,
        draft.due_date,
        draft.currency,
        draft.total_excl_vat,
        draft.total_vat,
        draft.total_incl_vat,
        draft.iban,
        draft.payment_reference,
        [json.loads(item.model_dump_json()) for item in invoice.vat_breakdown] if invoice else [],
        [json.loads(item.model_dump_json()) for item in invoice.lines] if invoice else [],
        *sequence_columns(draft.invoice_number),
    )


async def proposal_of_document(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    """The document's proposal, locked (a document has at most one)."""
    return await connection.fetchrow(
        f"SELECT {PROPOSAL_COLUMNS} FROM proposals "
        "WHERE office_id = $1 AND document_id = $2 FOR UPDATE",
        office_id,
        document_id,
    )


async def mark_recognition_requested(connection: asyncpg.Connection, proposal_id: UUID) -> None:
    await connection.execute(
        "UPDATE proposals SET recognition_requested_at = now(), updated_at = now() WHERE id = $1",
        proposal_id,
    )


async def move_to_dossier(
    connection: asyncpg.Connection,
    office_id: UUID,
    proposal_id: UUID,
    document_id: UUID,
    target: UUID,
) -> None:
    """The proposal and what it was made from now belong to `target` (of the same office); the
    office's check no longer holds against the other books."""
    await connection.execute(
        """UPDATE proposals SET dossier_id = $3, checked = false, updated_at = now()
        WHERE office_id = $1 AND id = $2""",
        office_id,
        proposal_id,
        target,
    )
    for table in ("recognized_documents", "submitted_documents"):
        await connection.execute(
            f"UPDATE {table} SET dossier_id = $3 WHERE office_id = $1 AND document_id = $2",
            office_id,
            document_id,
            target,
        )


async def get_proposal(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    proposal_id: UUID,
    *,
    for_update: bool = False,
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE office_id = $1 AND dossier_id = $2 "
        f"AND id = $3{' FOR UPDATE' if for_update else ''}",
        office_id,
        dossier_id,
        proposal_id,
    )


async def get_proposals_for_update(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, ids: Sequence[UUID]
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""SELECT {PROPOSAL_COLUMNS} FROM proposals
        WHERE office_id = $1 AND dossier_id = $2 AND id = ANY($3::uuid[])
        ORDER BY created_at FOR UPDATE""",
        office_id,
        dossier_id,
        list(ids),
    )


def booking_of(row: asyncpg.Record) -> Booking:
    return Booking(
        id=row["id"],
        document_id=row["document_id"],
        mailbox=row["mailbox"],
        document_type=row["document_type"],
        journal=row["journal"],
        period=row["period"],
        counterparty_number=row["counterparty_number"],
        counterparty_name=row["counterparty_name"],
        counterparty_vat=row["counterparty_vat"],
        invoice_number=row["invoice_number"],
        invoice_date=row["invoice_date"],
        due_date=row["due_date"],
        currency=row["currency"],
        exchange_rate=row["exchange_rate"],
        total_excl_vat=row["total_excl_vat"],
        total_vat=row["total_vat"],
        total_incl_vat=row["total_incl_vat"],
        payment_reference=row["payment_reference"],
        financial_discount=row["financial_discount"],
        labels=tuple(row["labels"]),
        booking_instruction=row["booking_instruction"],
        lines=lines_from_json(row["detail_lines"]),
        auto_status=row["auto_status"],
        checked=row["checked"],
        on_hold=row["on_hold"],
        help_asked=row["help_asked"],
        stage=row["stage"],
        lines_source=row["lines_source"],
    )


async def save_booking(
    connection: asyncpg.Connection,
    booking: Booking,
    *,
    status: str,
    possible_duplicate: bool,
    warnings: Sequence[Warning],
) -> None:
    await connection.execute(
        """UPDATE proposals SET status = $2, auto_status = $3, journal = $4, period = $5,
            counterparty_number = $6::text, counterparty_name = $7, counterparty_vat = $8,
            counterparty_known = $6::text IS NOT NULL, invoice_number = $9, invoice_date = $10,
            due_date = $11, currency = $12, exchange_rate = $13, total_excl_vat = $14,
            total_vat = $15, total_incl_vat = $16, payment_reference = $17,
            financial_discount = $18, labels = $19, booking_instruction = $20,
            detail_lines = $21::jsonb, checked = $22, on_hold = $23, help_asked = $24,
            possible_duplicate = $25, warnings = $26::jsonb, lines_source = $27,
            sequence_prefix = $28, sequence_number = $29, updated_at = now()
        WHERE id = $1""",
        booking.id,
        status,
        booking.auto_status,
        booking.journal,
        booking.period,
        booking.counterparty_number,
        booking.counterparty_name,
        booking.counterparty_vat,
        booking.invoice_number,
        booking.invoice_date,
        booking.due_date,
        booking.currency,
        booking.exchange_rate,
        booking.total_excl_vat,
        booking.total_vat,
        booking.total_incl_vat,
        booking.payment_reference,
        booking.financial_discount,
        list(booking.labels),
        booking.booking_instruction,
        lines_json(booking.lines),
        booking.checked,
        booking.on_hold,
        booking.help_asked,
        possible_duplicate,
        warnings_json(warnings),
        booking.lines_source,
        *sequence_columns(booking.invoice_number),
    )


async def mark_sent(connection: asyncpg.Connection, proposal_id: UUID, validated_by: str) -> None:
    await connection.execute(
        """UPDATE proposals SET stage = 'sent', status = 'sent', validated_by = $2,
            sent_at = now(), booking_error = NULL, updated_at = now() WHERE id = $1""",
        proposal_id,
        validated_by,
    )


async def mark_booked(
    connection: asyncpg.Connection,
    office_id: UUID,
    proposal_id: UUID,
    journal: str,
    document_number: str,
    period: str | None,
) -> bool:
    result = await connection.execute(
        """UPDATE proposals SET stage = 'booked', status = 'booked', journal = $3,
            document_number = $4, period = coalesce($5, period), booking_error = NULL,
            booked_at = now(), updated_at = now()
        WHERE office_id = $1 AND id = $2""",
        office_id,
        proposal_id,
        journal,
        document_number,
        period,
    )
    return result != "UPDATE 0"


async def set_labels(
    connection: asyncpg.Connection, proposal_id: UUID, labels: Sequence[str]
) -> None:
    await connection.execute(
        "UPDATE proposals SET labels = $2, updated_at = now() WHERE id = $1",
        proposal_id,
        list(labels),
    )


async def delete_proposal(connection: asyncpg.Connection, proposal_id: UUID) -> None:
    await connection.execute("DELETE FROM proposals WHERE id = $1", proposal_id)


async def proposal_for_event(
    connection: asyncpg.Connection, office_id: UUID, proposal_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {PROPOSAL_COLUMNS}, office_id FROM proposals "
        "WHERE office_id = $1 AND id = $2 FOR UPDATE",
        office_id,
        proposal_id,
    )


async def mark_failed(
    connection: asyncpg.Connection, proposal_id: UUID, reason: str, status: str
) -> None:
    """Back to the worklist with the package's reason, as it was before sending."""
    await connection.execute(
        """UPDATE proposals SET stage = 'open', status = $3, booking_error = $2,
            updated_at = now() WHERE id = $1 AND stage = 'sent'""",
        proposal_id,
        reason,
        status,
    )


async def mark_unbooked(
    connection: asyncpg.Connection, proposal_id: UUID, message: str, status: str
) -> None:
    """Its booking was deleted from the books: back to the worklist, unchecked, without its
    document number, with the message."""
    await connection.execute(
        """UPDATE proposals SET stage = 'open', status = $3, checked = false,
            document_number = NULL, booked_at = NULL, booking_error = $2, updated_at = now()
        WHERE id = $1 AND stage = 'booked'""",
        proposal_id,
        message,
        status,
    )
