"""What approvals learns from events: purchase documents (mailbox, the client's labels and
content) to test against the invoice rules, and payments that await approval."""

from ledgerline.consumers import Subscription
from ledgerline.events import (
    DocumentLabelsChanged,
    DocumentReceived,
    DocumentRecognized,
    PaymentApprovalRequested,
)

from approvals import service_layer

SUBSCRIPTIONS = [
    Subscription(DocumentReceived, service_layer.on_document_received),
    Subscription(DocumentRecognized, service_layer.on_document_recognized),
    Subscription(DocumentLabelsChanged, service_layer.on_document_labels_changed),
    Subscription(PaymentApprovalRequested, service_layer.on_payment_approval_requested),
]
