"""Approvals API: invoice and payment approval rules, the invoice process switch, approvals to
decide (one or in bulk), my pending approvals, and the audit trail (JSON or CSV).

Roles: a client administrator (or the office admin) manages rules and the process; every named
approver decides, whatever their role (the approver is the token's subject); office roles and
the dossier's users read; document-delivery users see nothing.
"""

import csv
import io
import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from ledgerline.auth import (
    CLIENT_ROLES,
    OFFICE_ROLES,
    CurrentPrincipal,
    DossierScope,
    Role,
    dossier_scope,
)
from ledgerline.money import Money
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine, Text
from pydantic import BaseModel, Field, field_validator, model_validator

from approvals import service_layer
from approvals.adapters import repository
from approvals.adapters.repository import ApprovalKind, RuleKind
from approvals.domain.rules import CallerStatus, normalise_vat
from approvals.service_layer import StoredApproval

router = APIRouter()

MANAGERS = (Role.CLIENT_ADMINISTRATOR, Role.ADMIN)
READERS = tuple(sorted(OFFICE_ROLES | CLIENT_ROLES - {Role.CLIENT_DOCUMENT_DELIVERY}))
ManagerScope = Annotated[DossierScope, dossier_scope(*MANAGERS)]
ReaderScope = Annotated[DossierScope, dossier_scope(*READERS)]
# Everyone who reads may try to decide; the approval itself says whether they are an approver.
DeciderScope = Annotated[DossierScope, dossier_scope(*READERS)]

# Approvers are the platform's users, named by their token subject: an e-mail address.
APPROVER_PATTERN = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
_APPROVER = re.compile(APPROVER_PATTERN)
_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")
Approver = Annotated[
    SingleLine,
    Field(max_length=254, examples=["ben.baker@bakkerij-peeters.example"]),
]


def _check_approvers(approvers: list[str]) -> list[str]:
    unknown = [approver for approver in approvers if not _APPROVER.fullmatch(approver)]
    if unknown:
        raise ValueError(
            "unknown approver "
            + ", ".join(repr(a[:60]) for a in unknown)
            + ": an approver is a user of the platform, named by their e-mail address"
        )
    doubles = sorted({a for a in approvers if approvers.count(a) > 1})
    if doubles:
        raise ValueError("an approver is named once per rule: " + ", ".join(doubles))
    return approvers


# --- invoice rules -------------------------------------------------------------------------------


class InvoiceRuleInput(BaseModel):
    name: SingleLine = Field(min_length=1, max_length=120)
    supplier_vats: list[Annotated[SingleLine, Field(max_length=32)]] = Field(
        default=[], max_length=200, description="Suppliers by VAT number; none: every supplier"
    )
    labels: list[Annotated[SingleLine, Field(min_length=1, max_length=60)]] = Field(
        default=[], max_length=50, description="None: every invoice, labelled or not"
    )
    amount_from: Money | None = Field(
        default=None, description="Invoices of this total (incl. VAT) or more; none: any amount"
    )
    approvers: list[Approver] = Field(
        min_length=1, max_length=50, description="Who must approve (every one of them)"
    )
    is_fallback: bool = Field(
        default=False, description="Applies to the invoices no other active rule matches"
    )
    active: bool = True

    @field_validator("approvers")
    @classmethod
    def known_approvers(cls, value: list[str]) -> list[str]:
        return _check_approvers(value)

    @field_validator("supplier_vats")
    @classmethod
    def vat_numbers(cls, value: list[str]) -> list[str]:
        normalised = []
        for vat in value:
            compact = normalise_vat(vat)
            if compact is None or not _VAT.fullmatch(compact):
                raise ValueError(
                    f"unknown supplier {vat[:40]!r}: give the supplier's VAT number, "
                    "e.g. BE0123456749"
                )
            normalised.append(compact)
        return list(dict.fromkeys(normalised))

    @model_validator(mode="after")
    def fallback_has_no_criteria(self) -> "InvoiceRuleInput":
        if self.is_fallback and (self.supplier_vats or self.labels or self.amount_from is not None):
            raise ValueError(
                "a fallback rule applies to every invoice no other rule matches: "
                "it has no suppliers, labels or amount"
            )
        return self


class InvoiceRule(BaseModel):
    id: UUID
    dossier_id: UUID
    name: str
    supplier_vats: list[str]
    labels: list[str]
    amount_from: Decimal | None
    approvers: list[str]
    is_fallback: bool
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


# --- payment rules -------------------------------------------------------------------------------


class PaymentApproverInput(BaseModel):
    approver: Approver
    max_amount: Money | None = Field(
        default=None, description="The most this approver may approve; none: unlimited"
    )


class PaymentRuleInput(BaseModel):
    name: SingleLine = Field(min_length=1, max_length=120)
    approvers: list[PaymentApproverInput] = Field(
        min_length=1,
        max_length=50,
        description="With several approvers, all of them must approve a payment",
    )
    active: bool = True

    @field_validator("approvers")
    @classmethod
    def known_approvers(cls, value: list[PaymentApproverInput]) -> list[PaymentApproverInput]:
        _check_approvers([item.approver for item in value])
        return value


class PaymentApproverLimit(BaseModel):
    approver: str
    max_amount: Decimal | None


class PaymentRule(BaseModel):
    id: UUID
    dossier_id: UUID
    name: str
    approvers: list[PaymentApproverLimit]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


def _invoice_rule(row: Any) -> InvoiceRule:
    return InvoiceRule.model_validate(dict(row))


def _payment_rule(row: Any) -> PaymentRule:
    values = dict(row)
    values["approvers"] = values.pop("limits")
    return PaymentRule.model_validate(values)


def _invoice_values(rule: InvoiceRuleInput) -> dict[str, Any]:
    return rule.model_dump()


def _payment_values(rule: PaymentRuleInput) -> dict[str, Any]:
    return {
        "name": rule.name,
        "active": rule.active,
        "limits": [
            {
                "approver": item.approver,
                "max_amount": None if item.max_amount is None else str(item.max_amount),
            }
            for item in rule.approvers
        ],
    }


def _refusal(exc: Exception) -> HTTPException:
    if isinstance(exc, service_layer.NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, service_layer.NotYours):
        return HTTPException(status.HTTP_403_FORBIDDEN, str(exc))
    if isinstance(exc, service_layer.Conflict | service_layer.AlreadyDecided):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


REFUSALS = (
    service_layer.NotFound,
    service_layer.NotYours,
    service_layer.Conflict,
    service_layer.AlreadyDecided,
    service_layer.Invalid,
)


async def _create(
    runtime: CurrentRuntime, scope: DossierScope, kind: RuleKind, values: dict[str, Any]
) -> Any:
    try:
        async with runtime.unit_of_work() as uow:
            return await service_layer.create_rule(uow, scope, kind, values)
    except REFUSALS as exc:
        raise _refusal(exc) from exc


async def _update(
    runtime: CurrentRuntime,
    scope: DossierScope,
    kind: RuleKind,
    rule_id: UUID,
    values: dict[str, Any],
) -> Any:
    try:
        async with runtime.unit_of_work() as uow:
            return await service_layer.update_rule(uow, scope, kind, rule_id, values)
    except REFUSALS as exc:
        raise _refusal(exc) from exc


async def _delete(
    runtime: CurrentRuntime, scope: DossierScope, kind: RuleKind, rule_id: UUID
) -> None:
    try:
        async with runtime.unit_of_work() as uow:
            await service_layer.delete_rule(uow, scope, kind, rule_id)
    except REFUSALS as exc:
        raise _refusal(exc) from exc


async def _get(runtime: CurrentRuntime, scope: DossierScope, kind: RuleKind, rule_id: UUID) -> Any:
    async with runtime.pool.acquire() as connection:
        row = await repository.get_rule(
            connection, kind, scope.office_id, scope.dossier_id, rule_id
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{kind} approval rule {rule_id} not found")
    return row


async def _list(runtime: CurrentRuntime, scope: DossierScope, kind: RuleKind) -> list[Any]:
    async with runtime.pool.acquire() as connection:
        return await repository.list_rules(connection, kind, scope.office_id, scope.dossier_id)


INVOICE_RULES = "/dossiers/{dossier_id}/invoice-approval-rules"
PAYMENT_RULES = "/dossiers/{dossier_id}/payment-approval-rules"
CHANGES_APPLY = (
    "A change applies to invoices and payments arriving after it; pending approvals keep the "
    "rule version they were created under."
)


@router.post(
    INVOICE_RULES,
    status_code=status.HTTP_201_CREATED,
    response_model=InvoiceRule,
    tags=["invoice approval rules"],
    summary="Add an invoice approval rule",
    description=CHANGES_APPLY,
)
async def add_invoice_rule(
    rule: InvoiceRuleInput, runtime: CurrentRuntime, scope: ManagerScope
) -> InvoiceRule:
    return _invoice_rule(await _create(runtime, scope, "invoice", _invoice_values(rule)))


@router.get(
    INVOICE_RULES,
    response_model=list[InvoiceRule],
    tags=["invoice approval rules"],
    summary="The dossier's invoice approval rules",
)
async def list_invoice_rules(runtime: CurrentRuntime, scope: ReaderScope) -> list[InvoiceRule]:
    return [_invoice_rule(row) for row in await _list(runtime, scope, "invoice")]


@router.get(
    INVOICE_RULES + "/{rule_id}", response_model=InvoiceRule, tags=["invoice approval rules"]
)
async def get_invoice_rule(
    rule_id: UUID, runtime: CurrentRuntime, scope: ReaderScope
) -> InvoiceRule:
    return _invoice_rule(await _get(runtime, scope, "invoice", rule_id))


@router.put(
    INVOICE_RULES + "/{rule_id}",
    response_model=InvoiceRule,
    tags=["invoice approval rules"],
    summary="Change an invoice approval rule (a new version)",
    description=CHANGES_APPLY,
)
async def change_invoice_rule(
    rule_id: UUID, rule: InvoiceRuleInput, runtime: CurrentRuntime, scope: ManagerScope
) -> InvoiceRule:
    return _invoice_rule(await _update(runtime, scope, "invoice", rule_id, _invoice_values(rule)))


@router.delete(
    INVOICE_RULES + "/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["invoice approval rules"],
    summary="Delete an invoice approval rule",
    description=CHANGES_APPLY,
)
async def delete_invoice_rule(
    rule_id: UUID, runtime: CurrentRuntime, scope: ManagerScope
) -> Response:
    await _delete(runtime, scope, "invoice", rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    PAYMENT_RULES,
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentRule,
    tags=["payment approval rules"],
    summary="Add a payment approval rule: approvers, each with a maximum amount",
    description="With several approvers on one rule, all of them must approve. " + CHANGES_APPLY,
)
async def add_payment_rule(
    rule: PaymentRuleInput, runtime: CurrentRuntime, scope: ManagerScope
) -> PaymentRule:
    return _payment_rule(await _create(runtime, scope, "payment", _payment_values(rule)))


@router.get(
    PAYMENT_RULES,
    response_model=list[PaymentRule],
    tags=["payment approval rules"],
    summary="The dossier's payment approval rules",
)
async def list_payment_rules(runtime: CurrentRuntime, scope: ReaderScope) -> list[PaymentRule]:
    return [_payment_rule(row) for row in await _list(runtime, scope, "payment")]


@router.get(
    PAYMENT_RULES + "/{rule_id}", response_model=PaymentRule, tags=["payment approval rules"]
)
async def get_payment_rule(
    rule_id: UUID, runtime: CurrentRuntime, scope: ReaderScope
) -> PaymentRule:
    return _payment_rule(await _get(runtime, scope, "payment", rule_id))


@router.put(
    PAYMENT_RULES + "/{rule_id}",
    response_model=PaymentRule,
    tags=["payment approval rules"],
    summary="Change a payment approval rule (a new version)",
    description=CHANGES_APPLY,
)
async def change_payment_rule(
    rule_id: UUID, rule: PaymentRuleInput, runtime: CurrentRuntime, scope: ManagerScope
) -> PaymentRule:
    return _payment_rule(await _update(runtime, scope, "payment", rule_id, _payment_values(rule)))


@router.delete(
    PAYMENT_RULES + "/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["payment approval rules"],
    summary="Delete a payment approval rule",
    description=CHANGES_APPLY,
)
async def delete_payment_rule(
    rule_id: UUID, runtime: CurrentRuntime, scope: ManagerScope
) -> Response:
    await _delete(runtime, scope, "payment", rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- the invoice approval process ------------------------------------------------------------------


class ProcessSetting(BaseModel):
    enabled: bool = Field(description="Purchase invoices arriving from now on need approval")


@router.get(
    "/dossiers/{dossier_id}/invoice-approval-process",
    response_model=ProcessSetting,
    tags=["invoice approval rules"],
)
async def get_invoice_process(runtime: CurrentRuntime, scope: ReaderScope) -> ProcessSetting:
    async with runtime.pool.acquire() as connection:
        enabled = await repository.invoice_process_enabled(
            connection, scope.office_id, scope.dossier_id
        )
    return ProcessSetting(enabled=enabled)


@router.put(
    "/dossiers/{dossier_id}/invoice-approval-process",
    response_model=ProcessSetting,
    tags=["invoice approval rules"],
    summary="Switch the invoice approval process on or off",
    description="It cannot be switched off while invoice approvals are pending (409 says how "
    "many). The payment approval process is switched in payments (`PUT .../payment-settings`), "
    "which refuses the same way.",
)
async def put_invoice_process(
    setting: ProcessSetting, runtime: CurrentRuntime, scope: ManagerScope
) -> ProcessSetting:
    try:
        async with runtime.unit_of_work() as uow:
            enabled = await service_layer.switch_invoice_process(uow, scope, setting.enabled)
    except REFUSALS as exc:
        raise _refusal(exc) from exc
    return ProcessSetting(enabled=enabled)


# --- approvals -------------------------------------------------------------------------------------


class RuleVersion(BaseModel):
    rule_id: UUID
    version: int
    name: str


class ApprovalOption(BaseModel):
    approvers: list[str] = Field(description="Every one of them approves")
    rules: list[RuleVersion] = Field(description="The rules (and versions) it comes from")


class Decision(BaseModel):
    approver: str
    decision: Literal["approved", "rejected"]
    reason: str | None
    decided_at: datetime


class ApprovalView(BaseModel):
    kind: Literal["invoice", "payment"]
    id: UUID = Field(description="The invoice's document id or the payment's id")
    dossier_id: UUID
    status: Literal["pending", "blocked", "approved", "rejected"]
    my_status: CallerStatus = Field(description="The status as the caller sees it")
    amount: Decimal | None
    counterparty: str | None
    options: list[ApprovalOption] = Field(
        description="Ways to approve it: all approvers of one option. An invoice has one (every "
        "matching rule's approvers); a payment one per rule that may approve its amount"
    )
    approved_by: list[str]
    rejected_by: str | None
    waiting_for: list[str]
    blocked_reason: str | None = Field(description="Why no one can approve it (payments)")
    decision_reason: str | None
    decisions: list[Decision]
    details: dict[str, Any]
    created_at: datetime
    decided_at: datetime | None


def _view(item: StoredApproval, caller: str) -> ApprovalView:
    row = item.row
    approval = item.approval
    return ApprovalView(
        kind=row["kind"],
        id=row["subject_id"],
        dossier_id=row["dossier_id"],
        status=row["status"],
        my_status=approval.caller_status(caller),
        amount=row["amount"],
        counterparty=row["counterparty"],
        options=[ApprovalOption.model_validate(option) for option in row["requirement"]["options"]],
        approved_by=[d["approver"] for d in item.decisions if d["decision"] == "approved"],
        rejected_by=item.rejected_by,
        waiting_for=sorted(approval.waiting_for()),
        blocked_reason=row["blocked_reason"],
        decision_reason=row["decision_reason"],
        decisions=[Decision.model_validate(dict(d)) for d in item.decisions],
        details=row["details"],
        created_at=row["created_at"],
        decided_at=row["decided_at"],
    )


class DecisionInput(BaseModel):
    reason: Text | None = Field(default=None, max_length=1000)


class BulkDecisionInput(BaseModel):
    ids: list[UUID] = Field(
        min_length=1, max_length=500, description="Document ids (invoices) or payment ids"
    )
    reason: Text | None = Field(default=None, max_length=1000)


KINDS: dict[str, ApprovalKind] = {"invoices": "invoice", "payments": "payment"}


async def _decide(
    runtime: CurrentRuntime,
    scope: DossierScope,
    kind: ApprovalKind,
    ids: list[UUID],
    *,
    approve: bool,
    reason: str | None,
) -> list[ApprovalView]:
    try:
        async with runtime.unit_of_work() as uow:
            items = await service_layer.decide(
                uow, scope, kind, ids, approve=approve, reason=reason
            )
    except REFUSALS as exc:
        raise _refusal(exc) from exc
    return [_view(item, scope.principal.subject) for item in items]


DECIDE_DOC = (
    "403 when it does not wait for the caller (with the reason: not an approver, above the "
    "caller's maximum, cannot be approved); 409 when the caller decided it already or it is "
    "decided. Bulk: all or nothing."
)


@router.get(
    "/me/approvals",
    response_model=list[ApprovalView],
    tags=["approvals"],
    summary="What waits for my approval, across the dossiers I may see",
)
async def my_approvals(runtime: CurrentRuntime, principal: CurrentPrincipal) -> list[ApprovalView]:
    if principal.role not in READERS:
        return []
    dossiers = None if principal.sees_whole_office else sorted(principal.dossiers)
    async with runtime.pool.acquire() as connection:
        rows = await repository.pending_for_approver(
            connection, principal.office_id, principal.subject, dossiers
        )
        items = await service_layer.with_decisions(connection, rows)
    return [_view(item, principal.subject) for item in items]


# --- audit trail -------------------------------------------------------------------------------------


class AuditRecord(BaseModel):
    id: int
    dossier_id: UUID
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: UUID
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


AUDIT_DOC = (
    "Append-only: every approval, rejection, rule change and process switch, with who, when, "
    "what, before and after, and the reason. `Accept: text/csv` gives it as CSV."
)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


def _audit_response(request: Request, rows: list[Any], filename: str) -> Any:
    records = [AuditRecord.model_validate(dict(row)) for row in rows]
    if "text/csv" not in request.headers.get("accept", ""):
        return records
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "at", "actor", "action", "entity", "entity_id", "before", "after", "reason"]
    )
    for record in records:
        writer.writerow(
            [
                record.id,
                record.at.isoformat(),
                record.actor,
                record.action,
                record.entity,
                record.entity_id,
                "" if record.before is None else json.dumps(record.before, sort_keys=True),
                "" if record.after is None else json.dumps(record.after, sort_keys=True),
                record.reason or "",
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


@router.get(
    "/dossiers/{dossier_id}/audit-trail",
    response_model=list[AuditRecord],
    tags=["audit trail"],
    summary="The dossier's approval audit trail",
    description=AUDIT_DOC,
    responses=CSV_RESPONSE,
)
async def dossier_audit_trail(request: Request, runtime: CurrentRuntime, scope: ReaderScope) -> Any:
    async with runtime.pool.acquire() as connection:
        rows = await repository.audit_trail(connection, scope.office_id, scope.dossier_id)
    return _audit_response(request, rows, f"audit-trail-{scope.dossier_id}")


def _approval_routes(plural: str, kind: ApprovalKind) -> None:
    """The same endpoints for invoices (by document id) and payments (by payment id)."""
    base = f"/dossiers/{{dossier_id}}/{plural}"
    one = f"{base}/{{subject_id}}"
    noun = "an invoice (by its document id)" if kind == "invoice" else "a payment"

    @router.get(
        f"{base}/approvals",
        response_model=list[ApprovalView],
        tags=["approvals"],
        summary=f"The dossier's {kind} approvals, by status",
        description="`status` filters on what the caller sees: to_approve_by_me, to_approve "
        "(by others), cannot_be_approved, approved, rejected.",
        name=f"list_{kind}_approvals",
    )
    async def list_approvals(
        runtime: CurrentRuntime,
        scope: ReaderScope,
        status_filter: Annotated[list[CallerStatus] | None, Query(alias="status")] = None,
    ) -> list[ApprovalView]:
        async with runtime.pool.acquire() as connection:
            rows = await repository.list_approvals(
                connection, kind, scope.office_id, scope.dossier_id, []
            )
            items = await service_layer.with_decisions(connection, rows)
        views = [_view(item, scope.principal.subject) for item in items]
        wanted = set(status_filter or [])
        return [view for view in views if not wanted or view.my_status in wanted]

    @router.get(
        f"{one}/approval",
        response_model=ApprovalView,
        tags=["approvals"],
        summary=f"The approval of {noun}",
        name=f"get_{kind}_approval",
    )
    async def get_approval(
        subject_id: UUID, runtime: CurrentRuntime, scope: ReaderScope
    ) -> ApprovalView:
        async with runtime.pool.acquire() as connection:
            row = await repository.get_approval(
                connection, kind, scope.office_id, scope.dossier_id, subject_id
            )
            if row is None:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND, f"no {kind} approval for {subject_id}"
                )
            [item] = await service_layer.with_decisions(connection, [row])
        return _view(item, scope.principal.subject)

    @router.post(
        f"{one}/approve",
        response_model=ApprovalView,
        tags=["approvals"],
        summary=f"Approve {noun}",
        description=DECIDE_DOC,
        name=f"approve_{kind}",
    )
    async def approve_one(
        subject_id: UUID,
        runtime: CurrentRuntime,
        scope: DeciderScope,
        body: DecisionInput | None = None,
    ) -> ApprovalView:
        [view] = await _decide(
            runtime, scope, kind, [subject_id], approve=True, reason=body and body.reason
        )
        return view

    @router.post(
        f"{one}/reject",
        response_model=ApprovalView,
        tags=["approvals"],
        summary=f"Reject {noun}",
        description=DECIDE_DOC,
        name=f"reject_{kind}",
    )
    async def reject_one(
        subject_id: UUID,
        runtime: CurrentRuntime,
        scope: DeciderScope,
        body: DecisionInput | None = None,
    ) -> ApprovalView:
        [view] = await _decide(
            runtime, scope, kind, [subject_id], approve=False, reason=body and body.reason
        )
        return view

    @router.post(
        f"{base}/approve",
        response_model=list[ApprovalView],
        tags=["approvals"],
        summary=f"Approve several {plural}",
        description=DECIDE_DOC,
        name=f"approve_{plural}",
    )
    async def approve_many(
        body: BulkDecisionInput, runtime: CurrentRuntime, scope: DeciderScope
    ) -> list[ApprovalView]:
        return await _decide(runtime, scope, kind, body.ids, approve=True, reason=body.reason)

    @router.post(
        f"{base}/reject",
        response_model=list[ApprovalView],
        tags=["approvals"],
        summary=f"Reject several {plural}",
        description=DECIDE_DOC,
        name=f"reject_{plural}",
    )
    async def reject_many(
        body: BulkDecisionInput, runtime: CurrentRuntime, scope: DeciderScope
    ) -> list[ApprovalView]:
        return await _decide(runtime, scope, kind, body.ids, approve=False, reason=body.reason)

    @router.get(
        f"{one}/audit-trail",
        response_model=list[AuditRecord],
        tags=["audit trail"],
        summary=f"The audit trail of {noun}",
        description=AUDIT_DOC,
        responses=CSV_RESPONSE,
        name=f"{kind}_audit_trail",
    )
    async def audit_trail(
        subject_id: UUID, request: Request, runtime: CurrentRuntime, scope: ReaderScope
    ) -> Any:
        async with runtime.pool.acquire() as connection:
            rows = await repository.audit_trail(
                connection, scope.office_id, scope.dossier_id, kind, subject_id
            )
        return _audit_response(request, rows, f"audit-trail-{kind}-{subject_id}")


for _plural, _kind in KINDS.items():
    _approval_routes(_plural, _kind)
