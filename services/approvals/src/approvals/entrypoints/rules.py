"""Invoice and payment approval rules, and the invoice approval process switch."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response, status
from ledgerline.auth import DossierScope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime

from approvals import service_layer
from approvals.adapters import repository
from approvals.adapters.repository import RuleKind
from approvals.entrypoints.access import REFUSALS, ManagerScope, ReaderScope, refusal
from approvals.entrypoints.schemas import (
    InvoiceRule,
    InvoiceRuleInput,
    PaymentRule,
    PaymentRuleInput,
    ProcessSetting,
)

router = APIRouter()

INVOICE_RULES = "/dossiers/{dossier_id}/invoice-approval-rules"
PAYMENT_RULES = "/dossiers/{dossier_id}/payment-approval-rules"
CHANGES_APPLY = (
    "A change applies to invoices and payments arriving after it; pending approvals keep the "
    "rule version they were created under."
)
NO_INVOICE_RULE = {
    404: error_response(
        "No such invoice approval rule in the dossier (or the dossier is not the caller's)",
        "invoice approval rule a9900000-0000-4000-8000-000000000001 not found",
    )
}
NO_PAYMENT_RULE = {
    404: error_response(
        "No such payment approval rule in the dossier (or the dossier is not the caller's)",
        "payment approval rule a9900000-0000-4000-8000-000000000002 not found",
    )
}
SECOND_FALLBACK = {
    409: error_response(
        "The dossier already has another active fallback rule",
        "the dossier already has an active fallback rule "
        "(a9900000-0000-4000-8000-000000000003); deactivate it first or make this one an "
        "ordinary rule",
    )
}


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


async def _create(
    runtime: CurrentRuntime, scope: DossierScope, kind: RuleKind, values: dict[str, Any]
) -> Any:
    try:
        async with runtime.unit_of_work() as uow:
            return await service_layer.create_rule(uow, scope, kind, values)
    except REFUSALS as exc:
        raise refusal(exc) from exc


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
        raise refusal(exc) from exc


async def _delete(
    runtime: CurrentRuntime, scope: DossierScope, kind: RuleKind, rule_id: UUID
) -> None:
    try:
        async with runtime.unit_of_work() as uow:
            await service_layer.delete_rule(uow, scope, kind, rule_id)
    except REFUSALS as exc:
        raise refusal(exc) from exc


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


# --- invoice rules -------------------------------------------------------------------------------


@router.post(
    INVOICE_RULES,
    status_code=status.HTTP_201_CREATED,
    response_model=InvoiceRule,
    tags=["invoice approval rules"],
    summary="Add an invoice approval rule",
    description=CHANGES_APPLY,
    responses=SECOND_FALLBACK,
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
    INVOICE_RULES + "/{rule_id}",
    response_model=InvoiceRule,
    tags=["invoice approval rules"],
    summary="One invoice approval rule",
    responses=NO_INVOICE_RULE,
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
    responses=NO_INVOICE_RULE | SECOND_FALLBACK,
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
    responses=NO_INVOICE_RULE,
)
async def delete_invoice_rule(
    rule_id: UUID, runtime: CurrentRuntime, scope: ManagerScope
) -> Response:
    await _delete(runtime, scope, "invoice", rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- payment rules -------------------------------------------------------------------------------


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
    PAYMENT_RULES + "/{rule_id}",
    response_model=PaymentRule,
    tags=["payment approval rules"],
    summary="One payment approval rule",
    responses=NO_PAYMENT_RULE,
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
    responses=NO_PAYMENT_RULE,
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
    responses=NO_PAYMENT_RULE,
)
async def delete_payment_rule(
    rule_id: UUID, runtime: CurrentRuntime, scope: ManagerScope
) -> Response:
    await _delete(runtime, scope, "payment", rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- the invoice approval process ----------------------------------------------------------------


@router.get(
    "/dossiers/{dossier_id}/invoice-approval-process",
    response_model=ProcessSetting,
    tags=["invoice approval rules"],
    summary="Whether purchase invoices need approval",
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
    responses={
        409: error_response(
            "Switching off while invoice approvals are pending",
            "3 invoice approvals are pending; the process cannot be switched off until they "
            "are approved or rejected",
        )
    },
)
async def put_invoice_process(
    setting: ProcessSetting, runtime: CurrentRuntime, scope: ManagerScope
) -> ProcessSetting:
    try:
        async with runtime.unit_of_work() as uow:
            enabled = await service_layer.switch_invoice_process(uow, scope, setting.enabled)
    except REFUSALS as exc:
        raise refusal(exc) from exc
    return ProcessSetting(enabled=enabled)
