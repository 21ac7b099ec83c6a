"""Approval use cases: rules and their versions, the invoice process switch, approvals created
from events, decisions, and the audit trail every step writes to.

One module per use case: `rules`, `process` (the invoice process switch), `invoice_approvals`
and `payment_approvals` (from events), `decisions`, `dossier_copy` (the dossier's suppliers and
users); shared by them: `records` (rows to the domain and back), `audit`, `announcements` (the
events published), `errors`. The entrypoints and tests call the use cases through this package
(`service_layer.decide`, ...), as before it was split.
"""

from approvals.domain.rules import AlreadyDecided, NotYours
from approvals.service_layer.decisions import decide
from approvals.service_layer.dossier_copy import on_dossier_users_changed, on_ledger_synced
from approvals.service_layer.errors import Conflict, Invalid, NotFound
from approvals.service_layer.invoice_approvals import (
    create_invoice_approval,
    on_document_archived,
    on_document_deleted,
    on_document_labels_changed,
    on_document_moved,
    on_documents_received,
    on_documents_recognized,
)
from approvals.service_layer.payment_approvals import on_payment_approval_requested
from approvals.service_layer.process import switch_invoice_process
from approvals.service_layer.records import StoredApproval, with_decisions
from approvals.service_layer.rules import create_rule, delete_rule, update_rule

__all__ = [
    "AlreadyDecided",
    "Conflict",
    "Invalid",
    "NotFound",
    "NotYours",
    "StoredApproval",
    "create_invoice_approval",
    "create_rule",
    "decide",
    "delete_rule",
    "on_document_archived",
    "on_document_deleted",
    "on_document_labels_changed",
    "on_document_moved",
    "on_documents_received",
    "on_documents_recognized",
    "on_dossier_users_changed",
    "on_ledger_synced",
    "on_payment_approval_requested",
    "switch_invoice_process",
    "update_rule",
    "with_decisions",
]
