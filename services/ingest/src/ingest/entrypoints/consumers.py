"""What ingest learns from other services' events.

Its dossiers come from the shared dossier directory (ledgerline.dossiers), which every service
keeps from sync's dossier events.
"""

from collections.abc import Sequence

from ledgerline import invoice_approval_process
from ledgerline.db import UnitOfWork
from ledgerline.dossier_events import on_dossier_activated, on_dossier_updated
from ledgerline.events import (
    BookingDeleted,
    BookingPosted,
    DocumentMoved,
    DocumentRecognized,
    DossierActivated,
    DossierUpdated,
    Envelope,
    InvoiceApprovalProcessSwitched,
    InvoiceApprovalRequested,
    InvoiceApproved,
    InvoiceRejected,
    LedgerSynced,
    PaymentQueued,
    PaymentSettled,
)
from ledgerline.subscriptions import BatchSubscription, Subscription

from ingest.adapters import document_status, repository
from ingest.domain.email import JOURNAL_MAILBOXES


async def on_documents_recognized(
    uow: UnitOfWork, events: Sequence[Envelope[DocumentRecognized]]
) -> None:
    readings = []
    for event in events:
        fields = event.data.invoice.fields if event.data.invoice else None
        readings.append(
            (
                event.officeid,
                event.data.document_id,
                event.data.status,
                fields.supplier_name if fields else None,
                fields.total_incl_vat if fields else None,
                fields.currency if fields else None,
                fields.invoice_number if fields else None,
            )
        )
    await document_status.record_recognitions(uow.conn, readings)
    # Approvals tests the invoices now; until its answer arrives, each is held (its mailbox,
    # which must be the purchase one, is checked on the document's row).
    await document_status.hold_for_approval(
        uow.conn,
        await invoice_approval_process.awaiting_approval(uow, [(event, None) for event in events]),
    )


on_invoice_approval_process_switched = invoice_approval_process.on_switched(
    document_status.release_held
)


async def on_payment_queued(uow: UnitOfWork, event: Envelope[PaymentQueued]) -> None:
    if event.data.document_id is not None:
        await document_status.record_payment_status(
            uow.conn, event.officeid, event.data.document_id, event.data.status
        )


async def on_payment_settled(uow: UnitOfWork, event: Envelope[PaymentSettled]) -> None:
    if event.data.document_id is not None:
        await document_status.record_payment_status(
            uow.conn, event.officeid, event.data.document_id, "paid"
        )


async def on_invoice_approval_requested(
    uow: UnitOfWork, event: Envelope[InvoiceApprovalRequested]
) -> None:
    await document_status.record_approval(
        uow.conn,
        event.officeid,
        event.data.document_id,
        "pending",
        list(event.data.waiting_for),
    )


async def on_invoice_approved(uow: UnitOfWork, event: Envelope[InvoiceApproved]) -> None:
    await document_status.record_approval(
        uow.conn, event.officeid, event.data.document_id, "approved", []
    )


async def on_invoice_rejected(uow: UnitOfWork, event: Envelope[InvoiceRejected]) -> None:
    await document_status.record_approval(
        uow.conn, event.officeid, event.data.document_id, "rejected", []
    )


async def on_booking_posted(uow: UnitOfWork, event: Envelope[BookingPosted]) -> None:
    """Booked: the document moves to the archive box, with its document number."""
    await document_status.record_booking(
        uow.conn, event.officeid, event.data.document_id, event.data.document_number
    )


async def on_booking_deleted(uow: UnitOfWork, event: Envelope[BookingDeleted]) -> None:
    """Its booking was deleted from the books: back to 'in processing', without the number
    (only when the number is the one deleted: a booking made again since keeps its own)."""
    if event.data.document_id is not None:
        await document_status.clear_booking(
            uow.conn, event.officeid, event.data.document_id, event.data.document_number
        )


async def on_document_moved(uow: UnitOfWork, event: Envelope[DocumentMoved]) -> None:
    """The office moved the document's proposal to another dossier: the document follows (its
    mailbox, content URL and comments are the new dossier's from now on)."""
    await document_status.move_document(
        uow.conn,
        event.officeid,
        event.data.document_id,
        event.data.from_dossier_id,
        event.dossierid,
    )


async def on_dossier_details(
    uow: UnitOfWork, event: Envelope[DossierActivated] | Envelope[DossierUpdated]
) -> None:
    """The dossier's code (its mail addresses) and VAT number (its Peppol identity). The
    directory's own consumer may not have seen the event yet, so the row is recorded here too
    (the same idempotent upsert) before the details are set."""
    if isinstance(event.data, DossierActivated):
        await on_dossier_activated(uow, event)  # type: ignore[arg-type]
    else:
        await on_dossier_updated(uow, event)  # type: ignore[arg-type]
    await repository.record_dossier_details(
        uow.conn,
        event.dossierid,
        event.officeid,
        event.data.dossier_code,
        event.data.vat_number,
        event.time,
    )


async def on_ledger_synced(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
    """The dossier's purchase and sales journals: where it has several of a type, each gets a
    mail address of its own (`ingest.domain.email`). Chunks upsert; after the last chunk of a
    full resync the journals it did not send are dropped. A counts-only message carries none."""
    data = event.data
    if data.sync_id is None:
        return
    await repository.keep_journals(
        uow.conn,
        event.officeid,
        event.dossierid,
        data.sync_id,
        [
            (j.code, j.type, j.credit_note_only)
            for j in data.journals
            if j.type in JOURNAL_MAILBOXES
        ],
        drop_others=data.full and data.last_chunk,
    )


SUBSCRIPTIONS = [
    Subscription(DossierActivated, on_dossier_details),
    Subscription(DossierUpdated, on_dossier_details),
    BatchSubscription(DocumentRecognized, on_documents_recognized, per_document=True),
    Subscription(PaymentQueued, on_payment_queued),
    Subscription(PaymentSettled, on_payment_settled),
    Subscription(InvoiceApprovalProcessSwitched, on_invoice_approval_process_switched),
    Subscription(InvoiceApprovalRequested, on_invoice_approval_requested),
    Subscription(InvoiceApproved, on_invoice_approved),
    Subscription(InvoiceRejected, on_invoice_rejected),
    Subscription(BookingPosted, on_booking_posted),
    Subscription(BookingDeleted, on_booking_deleted),
    Subscription(DocumentMoved, on_document_moved),
    Subscription(LedgerSynced, on_ledger_synced),
]
