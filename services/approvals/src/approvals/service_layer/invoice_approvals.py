"""Invoice approvals from the documents' events: a purchase invoice is tested against the
rules once both its mailbox and its content are known; tested again when relabelled before
anyone decided; withdrawn when the document is deleted, merged or split; moved with it."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    DocumentArchived,
    DocumentDeleted,
    DocumentLabelsChanged,
    DocumentMoved,
    DocumentReceived,
    DocumentRecognized,
    Envelope,
    InvoiceApproved,
)
from uuid_utils.compat import uuid7

from approvals.adapters import incoming, repository, rulebook
from approvals.domain.rules import (
    Approval,
    ApprovalStatus,
    invoice_facts,
    invoice_requirement,
    resolve_suppliers,
)
from approvals.service_layer.announcements import announce, announce_waiting
from approvals.service_layer.audit import SYSTEM
from approvals.service_layer.records import invoice_rule, jsonable, requirement_json, supplier_of


def _facts(event: DocumentRecognized) -> dict[str, Any]:
    invoice = event.invoice
    if invoice is None:
        return {}
    fields = invoice.fields
    supplier = invoice.supplier
    return jsonable(
        {
            "supplier_vat": fields.supplier_vat or (supplier.vat if supplier else None),
            "supplier_name": fields.supplier_name or (supplier.name if supplier else None),
            "total": fields.total_incl_vat,
            "invoice_number": fields.invoice_number,
            "supplier_iban": fields.iban,
            "labels": [],  # the client's labels come from ingest's events, kept on the row
        }
    )


async def on_documents_received(
    uow: UnitOfWork, events: Sequence[Envelope[DocumentReceived]]
) -> None:
    await incoming.remember_arrivals(
        uow.conn,
        [
            (
                e.data.document_id,
                e.officeid,
                e.dossierid,
                e.data.mailbox,
                list(e.data.labels),
                e.time,
            )
            for e in _by_document(events)
        ],
    )
    await _evaluate_those_known(uow, events)


async def on_documents_recognized(
    uow: UnitOfWork, events: Sequence[Envelope[DocumentRecognized]]
) -> None:
    await incoming.remember_facts(
        uow.conn,
        [
            (e.data.document_id, e.officeid, e.dossierid, _facts(e.data))
            for e in _by_document(events)
        ],
    )
    await _evaluate_those_known(uow, events)


def _by_document(events: Sequence[Envelope[Any]]) -> list[Envelope[Any]]:
    """The events in the order of their documents' ids (a document's own in offset order), the
    order in which a batch locks its documents' rows: a document's events are keyed by the
    document, so two consumer processes' batches can share documents (the received and the
    recognized halves) and must not lock them in opposite orders."""
    return sorted(events, key=lambda event: event.data.document_id)


async def _evaluate_those_known(uow: UnitOfWork, events: Sequence[Envelope[Any]]) -> None:
    """A purchase document is tested against the rules once, when both its mailbox (received)
    and its content (recognized) are known, whichever event came first."""
    order = {event.data.document_id: index for index, event in enumerate(events)}
    rows = await incoming.claim_evaluations(
        uow.conn, [(event.officeid, event.data.document_id) for event in events]
    )
    purchases = [
        row
        for row in sorted(rows, key=lambda row: order[row["document_id"]])
        if row["mailbox"] == "purchase"
    ]
    # Every dossier's process switch first, in one order: two consumer processes' batches hold
    # documents of the same dossiers (keyed by document) and would otherwise take the dossiers'
    # locks in the order of their events, each waiting for the other's (measured: a deadlock,
    # and a batch of 100 handled again one message at a time).
    for office_id, dossier_id in sorted(
        {(row["office_id"], row["dossier_id"]) for row in purchases}
    ):
        await _process_on(uow, office_id, dossier_id)
    for row in purchases:
        facts = dict(row["facts"]) | {"labels": list(row["labels"])}
        await create_invoice_approval(
            uow, row["office_id"], row["dossier_id"], row["document_id"], facts
        )


async def on_document_labels_changed(
    uow: UnitOfWork, event: Envelope[DocumentLabelsChanged]
) -> None:
    """The client relabelled a document. Before the document is tested against the rules, the
    new labels are simply the ones it is tested with. After, an invoice approval that nobody has
    decided yet is tested again with the new labels (under the rules as they are now), so a
    label rule added by relabelling asks its approvers; once someone has approved or rejected,
    or when the new labels would need nobody's approval, the approvers stay as they were: a
    relabelling never approves anything by itself. Every outcome is in the audit trail."""
    conn = uow.conn
    labels = list(event.data.labels)
    row = await incoming.remember_labels(
        conn,
        document_id=event.data.document_id,
        office_id=event.officeid,
        dossier_id=event.dossierid,
        labels=labels,
        as_of=event.time,
    )
    if row is None or not row["evaluated"]:
        return
    approval = await repository.get_approval(
        conn, "invoice", event.officeid, event.dossierid, event.data.document_id, lock=True
    )
    if approval is None:
        return
    facts = await _with_suppliers(
        conn, event.officeid, event.dossierid, dict(approval["details"]) | {"labels": labels}
    )
    audit = {
        "office_id": event.officeid,
        "dossier_id": event.dossierid,
        "actor": event.data.changed_by,
        "entity": "invoice",
        "entity_id": event.data.document_id,
        "before": {"labels": list(approval["details"].get("labels") or [])},
    }
    decided = await repository.decisions(conn, [approval["id"]])
    if approval["status"] != ApprovalStatus.PENDING.value or decided:
        await repository.audit(
            conn,
            **audit,
            action="labels changed; approvers kept (already decided)",
            after={"labels": labels},
        )
        return
    rules = [
        invoice_rule(rule)
        for rule in await rulebook.lock_rules(conn, "invoice", event.officeid, event.dossierid)
    ]
    requirement = invoice_requirement(rules, invoice_facts(facts))
    if requirement.needs_nobody:
        await repository.audit(
            conn,
            **audit,
            action="labels changed; approvers kept (no rule would need an approval)",
            after={"labels": labels},
        )
        return
    updated = await incoming.replace_requirement(
        conn, approval["id"], requirement_json(requirement), jsonable(facts)
    )
    await repository.audit(
        conn,
        **audit | {"before": audit["before"] | approval["requirement"]},
        action="labels changed; approvers tested again",
        after={"labels": labels} | requirement_json(requirement),
    )
    announce_waiting(uow, updated, Approval(ApprovalStatus.PENDING, requirement))


async def on_document_deleted(uow: UnitOfWork, event: Envelope[DocumentDeleted]) -> None:
    await _withdraw_invoice_approval(
        uow, event, event.data.deleted_by, "document deleted", event.data.reason
    )


async def on_document_archived(uow: UnitOfWork, event: Envelope[DocumentArchived]) -> None:
    done = {"merge": "merged", "split": "split"}[event.data.operation]
    made = ", ".join(str(document_id) for document_id in event.data.replaced_by)
    await _withdraw_invoice_approval(
        uow, event, event.data.archived_by, f"document {done}", f"replaced by {made}"
    )


async def _withdraw_invoice_approval(
    uow: UnitOfWork, event: Envelope[Any], actor: str, what: str, reason: str | None
) -> None:
    """The document left the client's flow (deleted, or merged or split into new documents,
    which are tested on their own): an invoice approval still waiting for approvers is
    withdrawn, so it leaves the approvers' lists and no longer keeps the process from being
    switched off. A decided one stays (the decision happened). A recognition arriving later
    tests nothing: the document counts as tested."""
    conn = uow.conn
    document_id = event.data.document_id
    row = await incoming.remember_document(
        conn, document_id=document_id, office_id=event.officeid, dossier_id=event.dossierid
    )
    if row is None:
        return  # another office's document id
    await incoming.claim_evaluation(conn, document_id)
    approval = await repository.get_approval(
        conn, "invoice", event.officeid, event.dossierid, document_id, lock=True
    )
    if approval is None or approval["status"] != ApprovalStatus.PENDING.value:
        return
    decided = await repository.decisions(conn, [approval["id"]])
    await repository.delete_approval(conn, approval["id"])
    await repository.audit(
        conn,
        office_id=event.officeid,
        dossier_id=event.dossierid,
        actor=actor,
        action=f"approval withdrawn: {what}",
        entity="invoice",
        entity_id=document_id,
        before=jsonable(
            {
                "status": approval["status"],
                "requirement": approval["requirement"],
                "decisions": [
                    {"approver": d["approver"], "decision": d["decision"]} for d in decided
                ],
            }
        ),
        reason=reason,
    )


async def _process_on(uow: UnitOfWork, office_id: UUID, dossier_id: UUID) -> bool:
    """The dossier's process switch, read under its lock once per transaction (a consumer
    batch holds many documents of a few dossiers): the lock is held until the transaction
    ends, so the switch cannot change meanwhile."""

    async def locked_switch() -> bool:
        await repository.lock_invoice_process(uow.conn, office_id, dossier_id)
        return await repository.invoice_process_enabled(uow.conn, office_id, dossier_id)

    return await uow.once(("invoice-approval-process", office_id, dossier_id), locked_switch)


async def _with_suppliers(
    conn: asyncpg.Connection, office_id: UUID, dossier_id: UUID, facts: dict[str, Any]
) -> dict[str, Any]:
    """The facts with the suppliers of the books the invoice resolves to (by its VAT number,
    else its IBAN), as the copy of the ledger has them now; kept with the approval."""
    known = [supplier_of(row) for row in await repository.suppliers(conn, office_id, dossier_id)]
    found = resolve_suppliers(known, facts.get("supplier_vat"), facts.get("supplier_iban"))
    return facts | {
        "supplier_numbers": [supplier.number for supplier in found],
        "supplier_ledger_vats": [s.vat_number for s in found if s.vat_number is not None],
    }


async def create_invoice_approval(
    uow: UnitOfWork, office_id: UUID, dossier_id: UUID, document_id: UUID, facts: dict[str, Any]
) -> asyncpg.Record | None:
    conn = uow.conn
    if not await _process_on(uow, office_id, dossier_id):
        return None
    rules = [
        invoice_rule(row)
        for row in await rulebook.lock_rules(conn, "invoice", office_id, dossier_id)
    ]
    facts = await _with_suppliers(conn, office_id, dossier_id, facts)
    invoice = invoice_facts(facts)
    requirement = invoice_requirement(rules, invoice)
    status = ApprovalStatus.APPROVED if requirement.needs_nobody else ApprovalStatus.PENDING
    row = await repository.insert_approval(
        conn,
        {
            "id": uuid7(),
            "office_id": office_id,
            "dossier_id": dossier_id,
            "kind": "invoice",
            "subject_id": document_id,
            "status": status.value,
            "amount": invoice.total,
            "counterparty": invoice.supplier_name or invoice.supplier_vat,
            "details": facts,
            "requirement": requirement_json(requirement),
            "decision_reason": "no rule applies" if requirement.needs_nobody else None,
        },
    )
    if row is None:
        return None
    await repository.audit(
        conn,
        office_id=office_id,
        dossier_id=dossier_id,
        actor=SYSTEM,
        action="approved: no rule applies" if requirement.needs_nobody else "approval requested",
        entity="invoice",
        entity_id=document_id,
        after=requirement_json(requirement) | {"invoice": facts},
    )
    if requirement.needs_nobody:
        announce(uow, row, InvoiceApproved(document_id=document_id, rule_id=None, approved_by=()))
    else:
        announce_waiting(uow, row, Approval(status, requirement))
    return row


async def on_document_moved(uow: UnitOfWork, event: Envelope[DocumentMoved]) -> None:
    """The office moved a document to another dossier of the office (the worklist refuses that
    once an invoice approval was asked or decided): what approvals knows of it, to test it
    against the rules, is the new dossier's now, and so is an invoice approval of it that
    nobody decided yet (asked in the short while before the worklist knew)."""
    await repository.move_document(
        uow.conn,
        event.officeid,
        event.data.document_id,
        event.data.from_dossier_id,
        event.dossierid,
    )
