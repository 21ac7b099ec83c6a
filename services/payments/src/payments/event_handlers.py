"""What payments keeps of the other services' facts: the invoices to pay (recognised documents,
the mailbox each came to, their approval and the dossier's approval process), the books' open
items and what they settle (booking.posted.v1, ledger.synced.v1), and documents moved."""

from collections.abc import Sequence
from typing import Any

from ledgerline import invoice_approval_process
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    BookingPosted,
    DocumentMoved,
    DocumentReceived,
    DocumentRecognized,
    Envelope,
    InvoiceApprovalRequested,
    InvoiceApproved,
    InvoiceRejected,
    LedgerSynced,
)
from schwifty import IBAN
from uuid_utils.compat import uuid7

from payments.adapters import open_items, repository
from payments.domain.payment import InvoiceIdentity, PaymentStatus
from payments.service_layer import SETTLEABLE, announce_settled, bank_of_iban


async def on_booking_posted(uow: UnitOfWork, event: Envelope[BookingPosted]) -> None:
    """The open item a document became: a payment of the document settles that item."""
    await open_items.remember_booking(
        uow.conn,
        event.officeid,
        event.dossierid,
        event.data.document_id,
        event.data.journal,
        event.data.document_number,
    )


async def on_documents_recognized(
    uow: UnitOfWork, events: Sequence[Envelope[DocumentRecognized]]
) -> None:
    """The invoices to pay, a batch's together; each is held for approval as on arrival."""
    read = [event for event in events if event.data.invoice is not None]
    await repository.upsert_payable_invoices(uow.conn, [_payable_invoice(e) for e in read])
    mailboxes = await repository.document_mailboxes(
        uow.conn, [(e.officeid, e.dossierid, e.data.document_id) for e in read]
    )
    await repository.hold_for_approval(
        uow.conn,
        await invoice_approval_process.awaiting_approval(
            uow, [(event, mailboxes.get(event.data.document_id)) for event in read]
        ),
    )


def _payable_invoice(event: Envelope[DocumentRecognized]) -> dict[str, Any]:
    invoice = event.data.invoice
    assert invoice is not None
    fields = invoice.fields
    supplier = invoice.supplier
    identity = InvoiceIdentity.of(
        fields.invoice_number, fields.supplier_vat, fields.iban, fields.supplier_name
    )
    return {
        "document_id": event.data.document_id,
        "office_id": event.officeid,
        "dossier_id": event.dossierid,
        "document_type": fields.document_type,
        "invoice_number": fields.invoice_number,
        "supplier_name": fields.supplier_name,
        "supplier_vat": fields.supplier_vat,
        "supplier_town": supplier.town if supplier else None,
        "supplier_country": supplier.country if supplier else None,
        "due_date": fields.due_date,
        "currency": fields.currency,
        "amount_due": invoice.amount_due
        if invoice.amount_due is not None
        else fields.total_incl_vat,
        "iban": fields.iban,
        "bic": fields.bic,
        "payment_reference": fields.payment_reference,
        "invoice_key": identity.number,
        "supplier_vat_key": identity.supplier_vat,
        "iban_key": identity.iban,
        "supplier_name_key": identity.supplier_name,
    }


async def _record_invoice_approval(
    uow: UnitOfWork, event: Envelope[Any], status: str, waiting_for: tuple[str, ...] = ()
) -> None:
    await repository.record_invoice_approval(
        uow.conn,
        {
            "document_id": event.data.document_id,
            "office_id": event.officeid,
            "dossier_id": event.dossierid,
            "status": status,
            "waiting_for": list(waiting_for),
        },
    )


async def on_invoice_approval_requested(
    uow: UnitOfWork, event: Envelope[InvoiceApprovalRequested]
) -> None:
    await _record_invoice_approval(uow, event, "pending", event.data.waiting_for)


async def on_invoice_approved(uow: UnitOfWork, event: Envelope[InvoiceApproved]) -> None:
    await _record_invoice_approval(uow, event, "approved")


async def on_invoice_rejected(uow: UnitOfWork, event: Envelope[InvoiceRejected]) -> None:
    await _record_invoice_approval(uow, event, "rejected")


async def on_documents_received(
    uow: UnitOfWork, events: Sequence[Envelope[DocumentReceived]]
) -> None:
    """Which mailbox each document came to: one of the sales mailbox is never paid as a
    purchase."""
    await repository.remember_mailboxes(
        uow.conn,
        [(e.officeid, e.dossierid, e.data.document_id, e.data.mailbox) for e in events],
    )
    await repository.hold_for_approval(
        uow.conn,
        await invoice_approval_process.awaiting_approval(
            uow, [(event, "purchase") for event in events if event.data.mailbox == "purchase"]
        ),
    )
    # Held when its content came first: approvals never asks about other mailboxes.
    await repository.release_held_documents(
        uow.conn,
        [(e.officeid, e.data.document_id) for e in events if e.data.mailbox != "purchase"],
    )


on_invoice_approval_process_switched = invoice_approval_process.on_switched(repository.release_held)


async def on_ledger_synced(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
    for account in event.data.bank_accounts:
        bic, bank_name = bank_of_iban(account.iban)
        await repository.upsert_bank_account_from_ledger(
            uow.conn,
            {
                "id": uuid7(),
                "office_id": event.officeid,
                "dossier_id": event.dossierid,
                "iban": IBAN(account.iban).compact,
                "bic": account.bic or bic,
                "bank_name": bank_name,
                "holder_name": account.holder_name,
                "town": account.town,
                "country": account.country,
            },
        )
    for item in event.data.settled_items:
        to_settle = await repository.payments_to_settle(
            uow.conn, event.officeid, event.dossierid, item.counterparty_vat, item.invoice_number
        )
        if item.payment_id is not None:
            journalised = await repository.payment_for_event(
                uow.conn, event.officeid, item.payment_id
            )
            if journalised is not None and journalised["status"] in SETTLEABLE:
                to_settle = [p for p in to_settle if p["id"] != item.payment_id] + [journalised]
        for payment in to_settle:
            updated = await repository.set_status(
                uow.conn, payment["id"], PaymentStatus.PAID.value, reason="settled in the books"
            )
            announce_settled(uow, updated, event.officeid, item.settled_on, settled_by="books")
        if item.open_item is not None:
            await open_items.settle(
                uow.conn,
                event.officeid,
                event.dossierid,
                event.data.sync_id or uuid7(),
                item.open_item,
                item.settled_on,
            )
    await _keep_open_items(uow, event)


async def _keep_open_items(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
    """The books' open items with what was paid on them; a full resync replaces the copy once
    its last chunk arrived. A counts-only message (no sync id) carries none."""
    data = event.data
    if data.sync_id is None:
        return
    await open_items.upsert(
        uow.conn, event.officeid, event.dossierid, data.sync_id, data.open_item_records
    )
    if data.removed_open_items:
        await open_items.remove(uow.conn, event.officeid, event.dossierid, data.removed_open_items)
    if data.full and data.last_chunk:
        await open_items.remove_stale(uow.conn, event.officeid, event.dossierid, data.sync_id)


async def on_document_moved(uow: UnitOfWork, event: Envelope[DocumentMoved]) -> None:
    """The office moved a document to another dossier of the office: the invoice to pay, its
    mailbox and its approval are the new dossier's, to be paid from its bank accounts. Its
    payments are not moved: the worklist refuses to move a document once a payment of it was
    asked for, queued or made (the money is the first dossier's)."""
    await repository.move_document(
        uow.conn,
        event.officeid,
        event.data.document_id,
        event.data.from_dossier_id,
        event.dossierid,
    )
