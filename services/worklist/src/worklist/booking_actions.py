"""What the office does with proposals: edit, check, hold, ask for help, delete, change in bulk,
move to another dossier, have the document read again, send. Each runs in the caller's unit of work, on rows it locked; domain errors tell the API
what to answer (NotFound 404, NotEditable/NotSendable 409, InvalidReference 422)."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.db import UnitOfWork
from ledgerline.events import DocumentMoved, DocumentRecognitionRequested
from ledgerline.events.catalog import ProposalChangeReason

from worklist.adapters import (
    conversations,
    document_inputs,
    document_progress,
    ledger_copy,
    repository,
)
from worklist.adapters.suggestion_histories import HISTORIES
from worklist.domain.booking import Booking
from worklist.domain.duplicates import Registered
from worklist.domain.editing import (
    InvalidReference,
    NotEditable,
    apply_changes,
    apply_template,
    check_journal,
    check_period,
    ensure_open,
    ensure_rereadable,
    ensure_templatable,
)
from worklist.domain.ledger import LedgerData
from worklist.domain.lines import DetailLine
from worklist.domain.moving import move_refusal
from worklist.domain.review import review
from worklist.domain.sending import NotSendable, validated_event
from worklist.domain.status_events import ACTION_REASONS
from worklist.domain.statuses import auto_status
from worklist.proposal_making import draft_for, registered_like, sales_sequence_context
from worklist.status_publishing import publish_status_change

__all__ = ["InvalidReference", "NotEditable", "NotFound", "NotSendable"]


class NotFound(LookupError):
    """No such proposal in the dossier (404)."""


async def _locked(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, ids: Sequence[UUID]
) -> list[asyncpg.Record]:
    rows = await repository.get_proposals_for_update(connection, office_id, dossier_id, ids)
    missing = set(ids) - {row["id"] for row in rows}
    if missing:
        raise NotFound(f"proposal {sorted(map(str, missing))[0]} not found")
    return rows


async def save_reviewed(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    booking: Booking,
    ledger: LedgerData,
) -> str:
    """Store the booking with its duplicate check, warnings and status computed again; its
    status."""
    duplicate = await registered_like(
        connection,
        office_id,
        dossier_id,
        Registered(
            counterparty_number=booking.counterparty_number,
            counterparty_vat=booking.counterparty_vat,
            invoice_number=booking.invoice_number,
            invoice_date=booking.invoice_date,
            total_incl_vat=booking.total_incl_vat,
            where="",
        ),
        booking.id,
    )
    if booking.auto_status in ("ok", "ok_new", "ok_duplicate"):
        booking = replace(
            booking,
            auto_status=auto_status(
                "ok", booking.counterparty_number is not None, duplicate is not None
            ),
        )
    earlier_sales, sequence_check = await sales_sequence_context(
        connection, office_id, dossier_id, booking.mailbox, booking.invoice_number, booking.id
    )
    warnings = review(
        ledger=ledger,
        invoice_date=booking.invoice_date,
        period=booking.period,
        lines=booking.lines,
        total_incl_vat=booking.total_incl_vat,
        duplicate_of=duplicate.where if duplicate else None,
        sales_invoice_number=booking.invoice_number if booking.mailbox == "sales" else None,
        earlier_sales_numbers=earlier_sales,
        sales_sequence_check=sequence_check,
    )
    status = booking.status(ledger)
    await repository.save_booking(
        connection,
        booking,
        status=status,
        possible_duplicate=duplicate is not None,
        warnings=warnings,
    )
    return status


async def _save_and_tell(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    row: asyncpg.Record,
    booking: Booking,
    ledger: LedgerData,
    reason: ProposalChangeReason,
    changed_by: str | None,
) -> None:
    """`save_reviewed`, and proposal.status-changed.v1 when the status is not what `row` had."""
    status = await save_reviewed(uow.conn, office_id, dossier_id, booking, ledger)
    publish_status_change(
        uow,
        office_id,
        dossier_id,
        proposal_id=booking.id,
        document_id=booking.document_id,
        old_status=row["status"],
        new_status=status,
        reason=reason,
        changed_by=changed_by,
    )


async def edit(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    proposal_id: UUID,
    changes: Mapping[str, Any],
    changed_by: str | None = None,
) -> None:
    [row] = await _locked(uow.conn, office_id, dossier_id, [proposal_id])
    ledger = await ledger_copy.load_ledger(uow.conn, office_id, dossier_id)
    booking = apply_changes(repository.booking_of(row), changes, ledger)
    await _save_and_tell(uow, office_id, dossier_id, row, booking, ledger, "edited", changed_by)


async def use_template(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    proposal_id: UUID,
    index: int,
    changed_by: str | None = None,
) -> None:
    """The proposal's lines from its counterparty's template number `index` (0 = the first) of
    the list `GET .../counterparties/{n}/templates` gives, most used first."""
    [row] = await _locked(uow.conn, office_id, dossier_id, [proposal_id])
    booking = repository.booking_of(row)
    ensure_templatable(booking)
    async with HISTORIES.history(uow.conn, office_id, dossier_id) as history:
        templates = history.templates(booking.counterparty_number)
    if not 0 <= index < len(templates):
        raise NotFound(
            f"counterparty {booking.counterparty_number} has no template {index} "
            f"({len(templates)} template{'' if len(templates) == 1 else 's'})"
        )
    ledger = await ledger_copy.load_ledger(uow.conn, office_id, dossier_id)
    booking = apply_template(booking, templates[index], ledger)
    await _save_and_tell(uow, office_id, dossier_id, row, booking, ledger, "edited", changed_by)


FLAGS: dict[str, dict[str, bool]] = {
    "check": {"checked": True, "help_asked": False},
    "hold": {"on_hold": True},
    "release": {"on_hold": False},
    "help": {"help_asked": True},
}


async def set_flags(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    ids: Sequence[UUID],
    action: str,
    changed_by: str | None = None,
) -> None:
    rows = await _locked(uow.conn, office_id, dossier_id, ids)
    ledger = await ledger_copy.load_ledger(uow.conn, office_id, dossier_id)
    for row in rows:
        booking = repository.booking_of(row)
        ensure_open(booking)
        await _save_and_tell(
            uow,
            office_id,
            dossier_id,
            row,
            replace(booking, **FLAGS[action]),
            ledger,
            ACTION_REASONS[action],
            changed_by,
        )


async def delete(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    ids: Sequence[UUID],
    changed_by: str | None = None,
) -> None:
    rows = await _locked(uow.conn, office_id, dossier_id, ids)
    for row in rows:
        ensure_open(repository.booking_of(row))
    for row in rows:
        await repository.delete_proposal(uow.conn, row["id"])
        publish_status_change(
            uow,
            office_id,
            dossier_id,
            proposal_id=row["id"],
            document_id=row["document_id"],
            old_status=row["status"],
            new_status="deleted",
            reason="deleted",
            changed_by=changed_by,
        )


async def change(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    ids: Sequence[UUID],
    *,
    mailbox: str | None,
    journal: str | None,
    period: str | None,
    changed_by: str | None = None,
) -> None:
    """Bulk edit: the type (purchase / sales / misc: the proposal is enriched again as that
    type), the journal or the period of every proposal given, or of none."""
    rows = await _locked(uow.conn, office_id, dossier_id, ids)
    ledger = await ledger_copy.load_ledger(uow.conn, office_id, dossier_id)
    if journal is not None:
        check_journal(ledger, journal)
    if period is not None:
        check_period(ledger, period)
    for row in rows:
        before = row
        booking = repository.booking_of(row)
        ensure_open(booking)
        if mailbox is not None and mailbox != booking.mailbox:
            recognition = await document_inputs.recognition_of(
                uow.conn, office_id, booking.document_id
            )
            if recognition is not None:
                draft = await draft_for(
                    uow.conn, office_id, dossier_id, recognition, mailbox, ledger, booking.id
                )
                await repository.replace_with_draft(uow.conn, booking.id, draft)
                [row] = await _locked(uow.conn, office_id, dossier_id, [booking.id])
                booking = repository.booking_of(row)
        changes = {"journal": journal, "period": period}
        booking = apply_changes(booking, {k: v for k, v in changes.items() if v}, ledger)
        await _save_and_tell(
            uow, office_id, dossier_id, before, booking, ledger, "changed", changed_by
        )


async def move(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    ids: Sequence[UUID],
    *,
    target: UUID,
    moved_by: str,
) -> None:
    """Move every proposal given (or none) to `target`, another dossier of the same office that
    the caller may see (the API checked that). Each is enriched again against the target's
    books (counterparty, journal, period, detail lines, duplicates), as the type change does;
    the conversations about its document go along; document.moved.v1 tells ingest (and
    approvals, payments) to file the document there. A document the dossier's approvers or
    payments took up is not moved (`domain/moving.py`)."""
    if target == dossier_id:
        raise InvalidReference(f"the proposals are already in dossier {target}")
    rows = await _locked(uow.conn, office_id, dossier_id, ids)
    for row in rows:
        ensure_open(repository.booking_of(row))
    progress = await document_progress.of_documents(
        uow.conn, office_id, [row["document_id"] for row in rows]
    )
    for row in rows:
        if (known := progress.get(row["document_id"])) is not None:
            reason = move_refusal(row["id"], known["approval"], known["payment"])
            if reason is not None:
                raise NotEditable(reason)
    ledger = await ledger_copy.load_ledger(uow.conn, office_id, target)
    moved_at = datetime.now(UTC)
    for row in rows:
        booking = repository.booking_of(row)
        await repository.move_to_dossier(
            uow.conn, office_id, booking.id, booking.document_id, target
        )
        await conversations.move_document_conversations(
            uow.conn, office_id, dossier_id, booking.document_id, target
        )
        recognition = await document_inputs.recognition_of(uow.conn, office_id, booking.document_id)
        if recognition is not None:
            draft = await draft_for(
                uow.conn, office_id, target, recognition, booking.mailbox, ledger, booking.id
            )
            await repository.replace_with_draft(uow.conn, booking.id, draft)
        [moved] = await _locked(uow.conn, office_id, target, [booking.id])
        await _save_and_tell(
            uow, office_id, target, row, repository.booking_of(moved), ledger, "changed", moved_by
        )
        uow.emit(
            DocumentMoved(
                document_id=booking.document_id,
                from_dossier_id=dossier_id,
                moved_by=moved_by,
                moved_at=moved_at,
            ),
            dossier_id=target,
            office_id=office_id,
            subject=f"documents/{booking.document_id}",
        )


# A request recognition has not answered within this time may be made again (it may have been
# lost: a document recognition cannot fetch any more); before, asking again changes nothing.
REREAD_PENDING = timedelta(minutes=10)


async def request_recognition(
    uow: UnitOfWork, office_id: UUID, dossier_id: UUID, ids: Sequence[UUID], requested_by: str
) -> None:
    """Ask recognition to read the documents of OCR, Empty or Nok proposals again (all or none);
    its new document.recognized.v1 updates the same proposal (`service_layer`). Idempotent: a
    proposal already waiting for its new reading is not asked for again."""
    rows = await _locked(uow.conn, office_id, dossier_id, ids)
    for row in rows:
        ensure_open(repository.booking_of(row))
        ensure_rereadable(row["id"], row["status"])
    now = datetime.now(UTC)
    for row in rows:
        asked = row["recognition_requested_at"]
        if asked is not None and now - asked < REREAD_PENDING:
            continue
        await repository.mark_recognition_requested(uow.conn, row["id"])
        uow.emit(
            DocumentRecognitionRequested(
                document_id=row["document_id"],
                mailbox=row["mailbox"],
                requested_by=requested_by,
                requested_at=now,
            ),
            dossier_id=dossier_id,
            office_id=office_id,
            subject=f"documents/{row['document_id']}",
        )


async def send(
    uow: UnitOfWork, office_id: UUID, dossier_id: UUID, ids: Sequence[UUID], validated_by: str
) -> None:
    """All or nothing: every proposal given must be sendable, then each one's
    proposal.validated.v1 is written to the outbox in the same transaction as its "sent"."""
    rows = await _locked(uow.conn, office_id, dossier_id, ids)
    ledger = await ledger_copy.load_ledger(uow.conn, office_id, dossier_id)
    events = []
    for row in rows:
        booking = repository.booking_of(row)
        if booking.stage != "open":
            raise NotSendable(f"proposal {booking.id} is already {booking.stage}")
        events.append((row, validated_event(booking, ledger, validated_by)))
    for row, event in events:
        uow.emit(
            event,
            dossier_id=dossier_id,
            office_id=office_id,
            subject=f"proposals/{event.proposal_id}",
        )
        await repository.mark_sent(uow.conn, event.proposal_id, validated_by)
        publish_status_change(
            uow,
            office_id,
            dossier_id,
            proposal_id=event.proposal_id,
            document_id=event.document_id,
            old_status=row["status"],
            new_status="sent",
            reason="sent",
            changed_by=validated_by,
        )


def line_from_input(values: Mapping[str, Any]) -> DetailLine:
    """A line as the caller sent it; the VAT amount counts only with the lock closed."""
    locked = bool(values.get("locked"))
    vat_amount = values.get("vat_amount")
    return DetailLine(
        gl_account=values["gl_account"],
        amount_excl_vat=values["amount_excl_vat"],
        vat_code=values.get("vat_code"),
        vat_amount=vat_amount if locked and vat_amount is not None else Decimal("0.00"),
        comment=values.get("comment"),
        locked=locked and vat_amount is not None,
    )
