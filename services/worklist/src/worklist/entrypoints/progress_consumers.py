"""What the worklist learns of its documents' approval and payment (approvals' and payments'
events), so that the office's move refuses a document the dossier's approvers or payments
already took up (`domain/moving.py`)."""

from uuid import UUID

from ledgerline.db import UnitOfWork
from ledgerline.events import (
    Envelope,
    InvoiceApprovalRequested,
    InvoiceApproved,
    InvoiceRejected,
    PaymentApprovalRequested,
    PaymentQueued,
    PaymentSettled,
)
from ledgerline.subscriptions import Subscription

from worklist.adapters import document_progress
from worklist.domain.moving import furthest_approval, furthest_payment


async def _record(
    uow: UnitOfWork,
    office_id: UUID,
    document_id: UUID,
    *,
    approval: str | None = None,
    payment: str | None = None,
) -> None:
    row = await document_progress.locked(uow.conn, office_id, document_id)
    await document_progress.save(
        uow.conn,
        document_id,
        furthest_approval(row["approval"], approval) if approval else row["approval"],
        furthest_payment(row["payment"], payment) if payment else row["payment"],
    )


async def on_invoice_approval_requested(
    uow: UnitOfWork, event: Envelope[InvoiceApprovalRequested]
) -> None:
    await _record(uow, event.officeid, event.data.document_id, approval="pending")


async def on_invoice_approved(uow: UnitOfWork, event: Envelope[InvoiceApproved]) -> None:
    await _record(uow, event.officeid, event.data.document_id, approval="approved")


async def on_invoice_rejected(uow: UnitOfWork, event: Envelope[InvoiceRejected]) -> None:
    await _record(uow, event.officeid, event.data.document_id, approval="rejected")


async def on_payment_approval_requested(
    uow: UnitOfWork, event: Envelope[PaymentApprovalRequested]
) -> None:
    if event.data.document_id is not None:
        await _record(uow, event.officeid, event.data.document_id, payment="awaiting_approval")


async def on_payment_queued(uow: UnitOfWork, event: Envelope[PaymentQueued]) -> None:
    if event.data.document_id is not None:
        await _record(uow, event.officeid, event.data.document_id, payment=event.data.status)


async def on_payment_settled(uow: UnitOfWork, event: Envelope[PaymentSettled]) -> None:
    if event.data.document_id is not None:
        await _record(uow, event.officeid, event.data.document_id, payment="paid")


PROGRESS_SUBSCRIPTIONS = [
    Subscription(InvoiceApprovalRequested, on_invoice_approval_requested),
    Subscription(InvoiceApproved, on_invoice_approved),
    Subscription(InvoiceRejected, on_invoice_rejected),
    Subscription(PaymentApprovalRequested, on_payment_approval_requested),
    Subscription(PaymentQueued, on_payment_queued),
    Subscription(PaymentSettled, on_payment_settled),
]
