"""What approvals learns from events: purchase documents (mailbox, the client's labels and
content) to test against the invoice rules, and when one is deleted, merged or split (its
pending approval is withdrawn), payments that await approval, the dossier's suppliers
(ledger.synced.v1) and its users (dossier.users-changed.v1); a document the office moved to
another dossier (document.moved.v1)."""

from ledgerline.events import (
    DocumentArchived,
    DocumentDeleted,
    DocumentLabelsChanged,
    DocumentMoved,
    DocumentReceived,
    DocumentRecognized,
    DossierUsersChanged,
    LedgerSynced,
    PaymentApprovalRequested,
)
from ledgerline.subscriptions import BatchSubscription, Subscription

from approvals import service_layer

SUBSCRIPTIONS = [
    # One of each per document, fetched gathered: no document waits for them, and what a user
    # acts on here (an approval) is made from them, so it cannot be asked for too early.
    BatchSubscription(DocumentReceived, service_layer.on_documents_received, gathered=True),
    BatchSubscription(DocumentRecognized, service_layer.on_documents_recognized, gathered=True),
    Subscription(DocumentLabelsChanged, service_layer.on_document_labels_changed),
    # A document deleted, merged or split: its invoice approval no longer waits for anyone.
    Subscription(DocumentDeleted, service_layer.on_document_deleted),
    Subscription(DocumentArchived, service_layer.on_document_archived),
    Subscription(PaymentApprovalRequested, service_layer.on_payment_approval_requested),
    Subscription(LedgerSynced, service_layer.on_ledger_synced),
    Subscription(DossierUsersChanged, service_layer.on_dossier_users_changed),
    Subscription(DocumentMoved, service_layer.on_document_moved),
]
