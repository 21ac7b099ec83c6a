"""What payments learns from events: which mailbox a document came to, invoices to pay, invoice and payment approvals, the books' bank accounts and
settled items."""

from ledgerline.events import (
    BookingPosted,
    DocumentMoved,
    DocumentReceived,
    DocumentRecognized,
    InvoiceApprovalProcessSwitched,
    InvoiceApprovalRequested,
    InvoiceApproved,
    InvoiceRejected,
    LedgerSynced,
    PaymentApproved,
    PaymentRejected,
)
from ledgerline.subscriptions import BatchSubscription, Subscription

from payments import event_handlers, service_layer

SUBSCRIPTIONS = [
    # Not gathered: an invoice can be paid as soon as recognition has read it, and a user who
    # saw it read may ask to pay it at once.
    BatchSubscription(DocumentReceived, event_handlers.on_documents_received, per_document=True),
    BatchSubscription(
        DocumentRecognized, event_handlers.on_documents_recognized, per_document=True
    ),
    Subscription(PaymentApproved, service_layer.on_payment_approved),
    Subscription(PaymentRejected, service_layer.on_payment_rejected),
    Subscription(LedgerSynced, event_handlers.on_ledger_synced),
    Subscription(BookingPosted, event_handlers.on_booking_posted),
    Subscription(
        InvoiceApprovalProcessSwitched, event_handlers.on_invoice_approval_process_switched
    ),
    Subscription(InvoiceApprovalRequested, event_handlers.on_invoice_approval_requested),
    Subscription(InvoiceApproved, event_handlers.on_invoice_approved),
    Subscription(InvoiceRejected, event_handlers.on_invoice_rejected),
    Subscription(DocumentMoved, event_handlers.on_document_moved),
]
