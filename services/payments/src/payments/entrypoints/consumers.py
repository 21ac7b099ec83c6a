"""What payments learns from events: invoices to pay, approvals, the books' bank accounts and
settled items."""

from ledgerline.consumers import Subscription
from ledgerline.events import DocumentRecognized, LedgerSynced, PaymentApproved, PaymentRejected

from payments import service_layer

SUBSCRIPTIONS = [
    Subscription(DocumentRecognized, service_layer.on_document_recognized),
    Subscription(PaymentApproved, service_layer.on_payment_approved),
    Subscription(PaymentRejected, service_layer.on_payment_rejected),
    Subscription(LedgerSynced, service_layer.on_ledger_synced),
]
