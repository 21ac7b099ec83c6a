"""The events approvals publishes about an invoice or payment approval: waiting for its
approvers, approved, rejected."""

import asyncpg
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    EventData,
    InvoiceApprovalRequested,
    InvoiceApproved,
    InvoiceRejected,
    PaymentApproved,
    PaymentRejected,
)

from approvals.domain.rules import Approval
from approvals.service_layer.records import StoredApproval


def announce(uow: UnitOfWork, row: asyncpg.Record, event: EventData) -> None:
    """An event about the approval's invoice or payment, in its dossier."""
    uow.emit(
        event,
        dossier_id=row["dossier_id"],
        office_id=row["office_id"],
        subject=f"{row['kind']}s/{row['subject_id']}",
    )


def announce_waiting(uow: UnitOfWork, row: asyncpg.Record, approval: Approval) -> None:
    """Ingest and payments hold an invoice that waits (and show who it waits for)."""
    announce(
        uow,
        row,
        InvoiceApprovalRequested(
            document_id=row["subject_id"],
            approvers=tuple(sorted(approval.required)),
            waiting_for=tuple(sorted(approval.waiting_for())),
        ),
    )


def announce_approved(
    uow: UnitOfWork, row: asyncpg.Record, after: Approval, item: StoredApproval, caller: str
) -> None:
    earlier = [d["approver"] for d in item.decisions if d["decision"] == "approved"]
    approved_by = tuple(dict.fromkeys([*earlier, caller]))  # in the order they approved
    subject_id = row["subject_id"]
    if row["kind"] == "invoice":
        options = after.requirement.options
        rule_id = options[0].rules[0].rule_id if options and options[0].rules else None
        announce(
            uow,
            row,
            InvoiceApproved(document_id=subject_id, rule_id=rule_id, approved_by=approved_by),
        )
    else:
        announce(uow, row, PaymentApproved(payment_id=subject_id, approved_by=approved_by))


def announce_rejected(
    uow: UnitOfWork, row: asyncpg.Record, caller: str, reason: str | None
) -> None:
    subject_id = row["subject_id"]
    if row["kind"] == "invoice":
        event: EventData = InvoiceRejected(
            document_id=subject_id, rejected_by=caller, reason=reason
        )
    else:
        event = PaymentRejected(payment_id=subject_id, rejected_by=caller, reason=reason)
    announce(uow, row, event)
