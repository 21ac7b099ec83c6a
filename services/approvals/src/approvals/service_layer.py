"""Approval use cases: rules and their versions, the invoice process switch, approvals created
from events, decisions, and the audit trail every step writes to."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from ledgerline.auth import DossierScope, Role
from ledgerline.counterparty_copy import keep_counterparties
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    DocumentArchived,
    DocumentDeleted,
    DocumentLabelsChanged,
    DocumentMoved,
    DocumentReceived,
    DocumentRecognized,
    DossierUsersChanged,
    Envelope,
    EventData,
    InvoiceApprovalProcessSwitched,
    InvoiceApprovalRequested,
    InvoiceApproved,
    InvoiceRejected,
    LedgerSynced,
    PaymentApprovalRequested,
    PaymentApproved,
    PaymentRejected,
)
from pydantic_core import to_jsonable_python

from approvals.adapters import repository
from approvals.adapters.repository import ApprovalKind, RuleKind
from approvals.domain.rules import (
    AlreadyDecided,
    Approval,
    ApprovalStatus,
    InvoiceFacts,
    InvoiceRule,
    Limit,
    NotYours,
    Option,
    PaymentRule,
    Requirement,
    RuleRef,
    Supplier,
    approver_limits,
    invoice_requirement,
    payment_requirement,
    resolve_suppliers,
    unknown_approvers,
    unknown_suppliers,
)

# Who the audit trail names for what the service decides by itself.
SYSTEM = "approvals"
ADMINISTRATORS = frozenset({Role.CLIENT_ADMINISTRATOR, Role.ADMIN})


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass


class Invalid(ValueError):
    pass


__all__ = ["AlreadyDecided", "Conflict", "Invalid", "NotFound", "NotYours"]


def jsonable(value: Any) -> Any:
    """Rows and domain values as JSON for jsonb columns: decimals and ids as strings."""
    return to_jsonable_python(value)


# --- conversions between rows and the domain --------------------------------------------------


def invoice_rule(row: asyncpg.Record) -> InvoiceRule:
    return InvoiceRule(
        id=row["id"],
        version=row["version"],
        name=row["name"],
        approvers=tuple(row["approvers"]),
        supplier_vats=tuple(row["supplier_vats"]),
        supplier_numbers=tuple(row["supplier_numbers"]),
        labels=tuple(row["labels"]),
        amount_from=row["amount_from"],
        is_fallback=row["is_fallback"],
        active=row["active"],
    )


def payment_rule(row: asyncpg.Record) -> PaymentRule:
    return PaymentRule(
        id=row["id"],
        version=row["version"],
        name=row["name"],
        limits=tuple(
            Limit(
                limit["approver"],
                None if limit["max_amount"] is None else Decimal(limit["max_amount"]),
            )
            for limit in row["limits"]
        ),
        active=row["active"],
    )


def requirement_json(requirement: Requirement) -> dict[str, Any]:
    return {
        "options": [
            {
                "approvers": sorted(option.approvers),
                "rules": [
                    {"rule_id": str(ref.rule_id), "version": ref.version, "name": ref.name}
                    for ref in option.rules
                ],
            }
            for option in requirement.options
        ],
        "blocked_reason": requirement.blocked_reason,
    }


def requirement_of(data: dict[str, Any]) -> Requirement:
    return Requirement(
        options=tuple(
            Option(
                frozenset(option["approvers"]),
                tuple(
                    RuleRef(UUID(ref["rule_id"]), ref["version"], ref["name"])
                    for ref in option["rules"]
                ),
            )
            for option in data["options"]
        ),
        blocked_reason=data.get("blocked_reason"),
    )


@dataclass(frozen=True)
class StoredApproval:
    row: asyncpg.Record
    approval: Approval
    decisions: tuple[asyncpg.Record, ...]

    @property
    def rejected_by(self) -> str | None:
        return next((d["approver"] for d in self.decisions if d["decision"] == "rejected"), None)


def approval_of(row: asyncpg.Record, decided: Sequence[asyncpg.Record]) -> StoredApproval:
    limits = {
        approver: None if value is None else Decimal(value)
        for approver, value in row["limits"].items()
    }
    approval = Approval(
        status=ApprovalStatus(row["status"]),
        requirement=requirement_of(row["requirement"]),
        approved_by=frozenset(d["approver"] for d in decided if d["decision"] == "approved"),
        amount=row["amount"],
        limits=limits,
    )
    return StoredApproval(row, approval, tuple(decided))


async def with_decisions(
    conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]
) -> list[StoredApproval]:
    found = await repository.decisions(conn, [row["id"] for row in rows])
    by_approval: dict[UUID, list[asyncpg.Record]] = {}
    for decision in found:
        by_approval.setdefault(decision["approval_id"], []).append(decision)
    return [approval_of(row, by_approval.get(row["id"], [])) for row in rows]


# --- rules -------------------------------------------------------------------------------------


def _snapshot(row: asyncpg.Record) -> dict[str, Any]:
    return jsonable({key: value for key, value in dict(row).items() if key != "created_at"})


async def _check_fallback(
    conn: asyncpg.Connection, scope: DossierScope, values: dict[str, Any], rule_id: UUID | None
) -> None:
    if values.get("is_fallback") and values.get("active", True):
        other = await repository.other_active_fallback(
            conn, scope.office_id, scope.dossier_id, rule_id
        )
        if other is not None:
            raise Conflict(
                f"the dossier already has an active fallback rule ({other}); "
                "deactivate it first or make this one an ordinary rule"
            )


async def _audit_by_caller(
    uow: UnitOfWork,
    scope: DossierScope,
    *,
    action: str,
    entity: str,
    entity_id: UUID,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """The audit trail's line for what the caller did in the dossier."""
    await repository.audit(
        uow.conn,
        office_id=scope.office_id,
        dossier_id=scope.dossier_id,
        actor=scope.principal.subject,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        reason=reason,
    )


async def _locked_rule(
    uow: UnitOfWork, scope: DossierScope, kind: RuleKind, rule_id: UUID
) -> asyncpg.Record:
    row = await repository.get_rule(
        uow.conn, kind, scope.office_id, scope.dossier_id, rule_id, lock=True
    )
    if row is None:
        raise NotFound(f"{kind} approval rule {rule_id} not found")
    return row


async def _record_change(
    uow: UnitOfWork,
    scope: DossierScope,
    kind: RuleKind,
    row: asyncpg.Record,
    *,
    before: asyncpg.Record | None = None,
    deleted: bool = False,
) -> None:
    """Every change of a rule is a new version (the snapshot approvals refer to) and a line in
    the audit trail; a deleted rule's row is its last version, shown nowhere after."""
    await repository.insert_rule_version(
        uow.conn,
        kind=kind,
        office_id=scope.office_id,
        dossier_id=scope.dossier_id,
        rule_id=row["id"],
        version=row["version"],
        snapshot=_snapshot(row),
        created_by=scope.principal.subject,
    )
    await _audit_by_caller(
        uow,
        scope,
        action="rule deleted" if deleted else "rule changed" if before else "rule created",
        entity=f"{kind}_rule",
        entity_id=row["id"],
        before=None if before is None else _snapshot(before),
        after=None if deleted else _snapshot(row),
    )


def supplier_of(row: asyncpg.Record) -> Supplier:
    return Supplier(
        number=row["number"],
        name=row["name"],
        vat_number=row["vat_number"],
        ibans=tuple(row["ibans"]),
    )


def _named(kind: RuleKind, values: Any) -> tuple[list[str], list[str], list[str]]:
    """The approvers, supplier numbers and supplier VAT numbers a rule names (its values, or its
    row: both answer `get`)."""
    if kind == "payment":
        return [limit["approver"] for limit in values.get("limits") or []], [], []
    return (
        list(values.get("approvers") or []),
        list(values.get("supplier_numbers") or []),
        list(values.get("supplier_vats") or []),
    )


async def _check_names(
    conn: asyncpg.Connection,
    scope: DossierScope,
    kind: RuleKind,
    values: dict[str, Any],
    before: asyncpg.Record | None = None,
) -> None:
    """A rule names only users of the dossier as approvers (sync's dossier.users-changed.v1)
    and, for invoices, only suppliers of the dossier's books (ledger.synced.v1). A change checks
    only what it adds: a rule can still be changed (e.g. deactivated) after one of its approvers
    left the dossier or one of its suppliers left the books."""
    approvers, numbers, vats = _named(kind, values)
    if before is not None:
        kept_approvers, kept_numbers, kept_vats = _named(kind, before)
        approvers = [a for a in approvers if a not in kept_approvers]
        numbers = [n for n in numbers if n not in kept_numbers]
        vats = [v for v in vats if v not in kept_vats]
    if not approvers and not numbers and not vats:
        return
    users = [row["subject"] for row in await repository.dossier_users(conn, *_dossier(scope))]
    strangers = unknown_approvers(users, approvers)
    if strangers:
        raise Invalid(
            "unknown approver "
            + ", ".join(strangers)
            + ": an approver must be a user of the dossier"
            + ("" if users else " (the dossier has no users yet)")
        )
    if not numbers and not vats:
        return
    known = [supplier_of(row) for row in await repository.suppliers(conn, *_dossier(scope))]
    unknown = unknown_suppliers(known, numbers, vats)
    if unknown:
        raise Invalid(
            "unknown supplier "
            + ", ".join(unknown)
            + ": not a supplier of the dossier's books (by counterparty number or VAT number)"
            + ("" if known else "; no suppliers were synchronised for the dossier yet")
        )


def _dossier(scope: DossierScope) -> tuple[UUID, UUID]:
    return scope.office_id, scope.dossier_id


async def create_rule(
    uow: UnitOfWork, scope: DossierScope, kind: RuleKind, values: dict[str, Any]
) -> asyncpg.Record:
    await _check_names(uow.conn, scope, kind, values)
    if kind == "invoice":
        await _check_fallback(uow.conn, scope, values, None)
    row = await repository.insert_rule(
        uow.conn,
        kind,
        {"id": uuid4(), "office_id": scope.office_id, "dossier_id": scope.dossier_id} | values,
    )
    await _record_change(uow, scope, kind, row)
    return row


async def update_rule(
    uow: UnitOfWork, scope: DossierScope, kind: RuleKind, rule_id: UUID, values: dict[str, Any]
) -> asyncpg.Record:
    before = await _locked_rule(uow, scope, kind, rule_id)
    await _check_names(uow.conn, scope, kind, values, before)
    if kind == "invoice":
        await _check_fallback(uow.conn, scope, values, rule_id)
    row = await repository.update_rule(uow.conn, kind, rule_id, values)
    await _record_change(uow, scope, kind, row, before=before)
    return row


async def delete_rule(uow: UnitOfWork, scope: DossierScope, kind: RuleKind, rule_id: UUID) -> None:
    before = await _locked_rule(uow, scope, kind, rule_id)
    row = await repository.delete_rule(uow.conn, kind, rule_id)
    await _record_change(uow, scope, kind, row, before=before, deleted=True)


# --- the invoice approval process ----------------------------------------------------------------


async def switch_invoice_process(uow: UnitOfWork, scope: DossierScope, enabled: bool) -> bool:
    conn = uow.conn
    await repository.lock_invoice_process(conn, scope.office_id, scope.dossier_id)
    before = await repository.invoice_process_enabled(conn, scope.office_id, scope.dossier_id)
    if not enabled:
        pending = await repository.count_pending(conn, "invoice", scope.office_id, scope.dossier_id)
        if pending:
            raise Conflict(
                f"{pending} invoice approval{'s are' if pending != 1 else ' is'} pending; "
                "the process cannot be switched off until they are approved or rejected"
            )
    if before == enabled:
        return enabled
    await repository.set_invoice_process(
        conn, scope.office_id, scope.dossier_id, enabled, scope.principal.subject
    )
    # Ingest and payments keep the flag: while it is on, a purchase invoice awaits approval
    # from its arrival, before this service has even tested it against the rules.
    uow.emit(
        InvoiceApprovalProcessSwitched(enabled=enabled, switched_by=scope.principal.subject),
        dossier_id=scope.dossier_id,
        office_id=scope.office_id,
    )
    await _audit_by_caller(
        uow,
        scope,
        action="process switched on" if enabled else "process switched off",
        entity="invoice_process",
        entity_id=scope.dossier_id,
        before={"enabled": before},
        after={"enabled": enabled},
    )
    return enabled


# --- approvals from events --------------------------------------------------------------------


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


async def on_document_received(uow: UnitOfWork, event: Envelope[DocumentReceived]) -> None:
    await repository.remember_labels(
        uow.conn,
        document_id=event.data.document_id,
        office_id=event.officeid,
        dossier_id=event.dossierid,
        labels=list(event.data.labels),
        as_of=event.time,
    )
    row = await repository.remember_document(
        uow.conn,
        document_id=event.data.document_id,
        office_id=event.officeid,
        dossier_id=event.dossierid,
        mailbox=event.data.mailbox,
    )
    await _evaluate_when_known(uow, row)


async def on_document_recognized(uow: UnitOfWork, event: Envelope[DocumentRecognized]) -> None:
    row = await repository.remember_document(
        uow.conn,
        document_id=event.data.document_id,
        office_id=event.officeid,
        dossier_id=event.dossierid,
        facts=_facts(event.data),
    )
    await _evaluate_when_known(uow, row)


async def _evaluate_when_known(uow: UnitOfWork, row: asyncpg.Record | None) -> None:
    """A purchase document is tested against the rules once, when both its mailbox (received)
    and its content (recognized) are known, whichever event came first."""
    if row is None or row["mailbox"] is None or row["facts"] is None:
        return
    if not await repository.claim_evaluation(uow.conn, row["document_id"]):
        return
    if row["mailbox"] != "purchase":
        return
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
    row = await repository.remember_labels(
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
        for rule in await repository.lock_rules(conn, "invoice", event.officeid, event.dossierid)
    ]
    requirement = invoice_requirement(rules, _invoice_facts(facts))
    if requirement.needs_nobody:
        await repository.audit(
            conn,
            **audit,
            action="labels changed; approvers kept (no rule would need an approval)",
            after={"labels": labels},
        )
        return
    updated = await repository.replace_requirement(
        conn, approval["id"], requirement_json(requirement), jsonable(facts)
    )
    await repository.audit(
        conn,
        **audit | {"before": audit["before"] | approval["requirement"]},
        action="labels changed; approvers tested again",
        after={"labels": labels} | requirement_json(requirement),
    )
    _announce_waiting(uow, updated, Approval(ApprovalStatus.PENDING, requirement))


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
    row = await repository.remember_document(
        conn, document_id=document_id, office_id=event.officeid, dossier_id=event.dossierid
    )
    if row is None:
        return  # another office's document id
    await repository.claim_evaluation(conn, document_id)
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


def _invoice_facts(facts: dict[str, Any]) -> InvoiceFacts:
    return InvoiceFacts(
        supplier_vat=facts.get("supplier_vat"),
        supplier_name=facts.get("supplier_name"),
        total=None if facts.get("total") is None else Decimal(facts["total"]),
        labels=tuple(facts.get("labels") or ()),
        supplier_numbers=tuple(facts.get("supplier_numbers") or ()),
        supplier_ledger_vats=tuple(facts.get("supplier_ledger_vats") or ()),
    )


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
    await repository.lock_invoice_process(conn, office_id, dossier_id)
    if not await repository.invoice_process_enabled(conn, office_id, dossier_id):
        return None
    rules = [
        invoice_rule(row)
        for row in await repository.lock_rules(conn, "invoice", office_id, dossier_id)
    ]
    facts = await _with_suppliers(conn, office_id, dossier_id, facts)
    invoice = _invoice_facts(facts)
    requirement = invoice_requirement(rules, invoice)
    status = ApprovalStatus.APPROVED if requirement.needs_nobody else ApprovalStatus.PENDING
    row = await repository.insert_approval(
        conn,
        {
            "id": uuid4(),
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
        _announce(uow, row, InvoiceApproved(document_id=document_id, rule_id=None, approved_by=()))
    else:
        _announce_waiting(uow, row, Approval(status, requirement))
    return row


def _announce_waiting(uow: UnitOfWork, row: asyncpg.Record, approval: Approval) -> None:
    """Ingest and payments hold an invoice that waits (and show who it waits for)."""
    _announce(
        uow,
        row,
        InvoiceApprovalRequested(
            document_id=row["subject_id"],
            approvers=tuple(sorted(approval.required)),
            waiting_for=tuple(sorted(approval.waiting_for())),
        ),
    )


async def on_payment_approval_requested(
    uow: UnitOfWork, event: Envelope[PaymentApprovalRequested]
) -> None:
    conn = uow.conn
    data = event.data
    rules = [
        payment_rule(row)
        for row in await repository.lock_rules(conn, "payment", event.officeid, event.dossierid)
    ]
    requirement = payment_requirement(rules, data.amount)
    blocked = requirement.blocked_reason is not None
    details = jsonable(data.model_dump())
    row = await repository.insert_approval(
        conn,
        {
            "id": uuid4(),
            "office_id": event.officeid,
            "dossier_id": event.dossierid,
            "kind": "payment",
            "subject_id": data.payment_id,
            "status": (ApprovalStatus.BLOCKED if blocked else ApprovalStatus.PENDING).value,
            "amount": data.amount,
            "counterparty": data.creditor_name,
            "details": details,
            "requirement": requirement_json(requirement),
            "limits": jsonable(approver_limits(rules)),
            "blocked_reason": requirement.blocked_reason,
        },
    )
    if row is None:
        return
    await repository.audit(
        conn,
        office_id=event.officeid,
        dossier_id=event.dossierid,
        actor=SYSTEM,
        action="cannot be approved" if blocked else "approval requested",
        entity="payment",
        entity_id=data.payment_id,
        after=requirement_json(requirement) | {"payment": details},
        reason=requirement.blocked_reason,
    )


# --- what approvals keeps of the dossier ------------------------------------------------------


async def on_ledger_synced(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
    """The dossier's counterparties (suppliers are named by rules and resolved from invoices),
    kept chunk by chunk as the worklist keeps its copy."""
    await keep_counterparties(uow.conn, event)


async def on_dossier_users_changed(uow: UnitOfWork, event: Envelope[DossierUsersChanged]) -> None:
    """The dossier's users (the only ones a rule may name as approvers), as sync says now."""
    await repository.replace_dossier_users(
        uow.conn,
        event.officeid,
        event.dossierid,
        [user.model_dump() for user in event.data.users],
    )


# --- decisions ----------------------------------------------------------------------------------


async def decide(
    uow: UnitOfWork,
    scope: DossierScope,
    kind: ApprovalKind,
    subject_ids: Sequence[UUID],
    *,
    approve: bool,
    reason: str | None,
) -> list[StoredApproval]:
    """Approve or reject each of `subject_ids` as the caller; all or nothing: the first one the
    caller may not decide raises, and nothing is written."""
    conn = uow.conn
    caller = scope.principal.subject
    unique = list(dict.fromkeys(subject_ids))
    rows = await repository.lock_approvals(conn, kind, scope.office_id, scope.dossier_id, unique)
    found = {row["subject_id"]: row for row in rows}
    missing = [str(subject_id) for subject_id in unique if subject_id not in found]
    if missing:
        raise NotFound(f"no {kind} approval for " + ", ".join(missing))
    stored = {item.row["subject_id"]: item for item in await with_decisions(conn, rows)}
    for subject_id in unique:
        item = stored[subject_id]
        label = f"{kind} {subject_id}"
        try:
            if approve:
                after = item.approval.approve(caller)
            else:
                item.approval.check_may_reject(
                    caller, administrator=scope.principal.role in ADMINISTRATORS
                )
                after = None
        except (NotYours, AlreadyDecided) as exc:
            raise type(exc)(f"{label}: {exc}") from exc
        decision = "approved" if approve else "rejected"
        if not await repository.insert_decision(conn, item.row["id"], caller, decision, reason):
            raise AlreadyDecided(f"{label}: {caller} decided it already")
        new_status = after.status if after is not None else ApprovalStatus.REJECTED
        row = item.row
        if new_status is not ApprovalStatus.PENDING:
            row = await repository.set_approval_status(conn, row["id"], new_status.value, reason)
        await _audit_by_caller(
            uow,
            scope,
            action=decision if new_status is not ApprovalStatus.PENDING else "approved (partly)",
            entity=kind,
            entity_id=subject_id,
            before={"status": item.row["status"], "approved_by": sorted(item.approval.approved_by)},
            after={
                "status": new_status.value,
                "approved_by": sorted(after.approved_by if after else item.approval.approved_by),
                "waiting_for": sorted(after.waiting_for() if after else ()),
            },
            reason=reason,
        )
        if new_status is ApprovalStatus.APPROVED and after is not None:
            _announce_approved(uow, row, after, item, caller)
        elif new_status is ApprovalStatus.PENDING and after is not None and kind == "invoice":
            _announce_waiting(uow, row, after)
        elif new_status is ApprovalStatus.REJECTED:
            _announce_rejected(uow, row, caller, reason)
    # Read back, so the answer shows every decision as stored.
    final = await repository.lock_approvals(conn, kind, scope.office_id, scope.dossier_id, unique)
    by_subject = {item.row["subject_id"]: item for item in await with_decisions(conn, final)}
    return [by_subject[subject_id] for subject_id in unique]


def _announce(uow: UnitOfWork, row: asyncpg.Record, event: EventData) -> None:
    """An event about the approval's invoice or payment, in its dossier."""
    uow.emit(
        event,
        dossier_id=row["dossier_id"],
        office_id=row["office_id"],
        subject=f"{row['kind']}s/{row['subject_id']}",
    )


def _announce_approved(
    uow: UnitOfWork, row: asyncpg.Record, after: Approval, item: StoredApproval, caller: str
) -> None:
    earlier = [d["approver"] for d in item.decisions if d["decision"] == "approved"]
    approved_by = tuple(dict.fromkeys([*earlier, caller]))  # in the order they approved
    subject_id = row["subject_id"]
    if row["kind"] == "invoice":
        options = after.requirement.options
        rule_id = options[0].rules[0].rule_id if options and options[0].rules else None
        _announce(
            uow,
            row,
            InvoiceApproved(document_id=subject_id, rule_id=rule_id, approved_by=approved_by),
        )
    else:
        _announce(uow, row, PaymentApproved(payment_id=subject_id, approved_by=approved_by))


def _announce_rejected(
    uow: UnitOfWork, row: asyncpg.Record, caller: str, reason: str | None
) -> None:
    subject_id = row["subject_id"]
    if row["kind"] == "invoice":
        event: EventData = InvoiceRejected(
            document_id=subject_id, rejected_by=caller, reason=reason
        )
    else:
        event = PaymentRejected(payment_id=subject_id, rejected_by=caller, reason=reason)
    _announce(uow, row, event)


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
