"""Invoice and payment approval rules, and the invoice approval process switch."""

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response, status
from ledgerline.auth import DossierScope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime

from approvals import service_layer
from approvals.adapters import repository, rulebook
from approvals.adapters.rulebook import RuleKind
from approvals.entrypoints.access import ManagerScope, ReaderScope, run
from approvals.entrypoints.schemas import (
    InvoiceRule,
    InvoiceRuleInput,
    PaymentRule,
    PaymentRuleInput,
    ProcessSetting,
)

router = APIRouter()

RuleInput = TypeVar("RuleInput", InvoiceRuleInput, PaymentRuleInput)
RuleView = TypeVar("RuleView", InvoiceRule, PaymentRule)

INVOICE_RULES = "/dossiers/{dossier_id}/invoice-approval-rules"
PAYMENT_RULES = "/dossiers/{dossier_id}/payment-approval-rules"
CHANGES_APPLY = (
    "A change applies to invoices and payments arriving after it; pending approvals keep the "
    "rule version they were created under."
)
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


async def _get(runtime: CurrentRuntime, scope: DossierScope, kind: RuleKind, rule_id: UUID) -> Any:
    async with runtime.pool.acquire() as connection:
        row = await rulebook.get_rule(connection, kind, scope.office_id, scope.dossier_id, rule_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{kind} approval rule {rule_id} not found")
    return row


async def _list(runtime: CurrentRuntime, scope: DossierScope, kind: RuleKind) -> list[Any]:
    async with runtime.pool.acquire() as connection:
        return await rulebook.list_rules(connection, kind, scope.office_id, scope.dossier_id)


def _rule_routes(
    kind: RuleKind,
    path: str,
    rule_input: type[RuleInput],
    rule_view: type[RuleView],
    view: Callable[[Any], RuleView],
    values: Callable[[RuleInput], dict[str, Any]],
    *,
    article: str,
    add_summary: str,
    add_description: str,
    conflicts: dict[int | str, dict[str, Any]],
    example_id: str,
) -> None:
    """The same endpoints for invoice and payment rules; `view` and `values` convert between
    the API's shape of a rule and its row."""
    tag = f"{kind} approval rules"
    no_rule: dict[int | str, dict[str, Any]] = {
        404: error_response(
            f"No such {kind} approval rule in the dossier (or the dossier is not the caller's)",
            f"{kind} approval rule {example_id} not found",
        )
    }

    @router.post(
        path,
        status_code=status.HTTP_201_CREATED,
        response_model=rule_view,
        tags=[tag],
        summary=add_summary,
        description=add_description,
        responses=conflicts,
        name=f"add_{kind}_rule",
    )
    async def add_rule(
        rule: rule_input,  # type: ignore[valid-type]
        runtime: CurrentRuntime,
        scope: ManagerScope,
    ) -> RuleView:
        return view(await run(runtime, service_layer.create_rule, scope, kind, values(rule)))

    @router.get(
        path,
        response_model=list[rule_view],  # type: ignore[valid-type]
        tags=[tag],
        summary=f"The dossier's {kind} approval rules",
        name=f"list_{kind}_rules",
    )
    async def list_rules(runtime: CurrentRuntime, scope: ReaderScope) -> list[RuleView]:
        return [view(row) for row in await _list(runtime, scope, kind)]

    @router.get(
        path + "/{rule_id}",
        response_model=rule_view,
        tags=[tag],
        summary=f"One {kind} approval rule",
        responses=no_rule,
        name=f"get_{kind}_rule",
    )
    async def get_rule(rule_id: UUID, runtime: CurrentRuntime, scope: ReaderScope) -> RuleView:
        return view(await _get(runtime, scope, kind, rule_id))

    @router.put(
        path + "/{rule_id}",
        response_model=rule_view,
        tags=[tag],
        summary=f"Change {article} approval rule (a new version)",
        description=CHANGES_APPLY,
        responses=no_rule | conflicts,
        name=f"change_{kind}_rule",
    )
    async def change_rule(
        rule_id: UUID,
        rule: rule_input,  # type: ignore[valid-type]
        runtime: CurrentRuntime,
        scope: ManagerScope,
    ) -> RuleView:
        row = await run(runtime, service_layer.update_rule, scope, kind, rule_id, values(rule))
        return view(row)

    @router.delete(
        path + "/{rule_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=[tag],
        summary=f"Delete {article} approval rule",
        description=CHANGES_APPLY,
        responses=no_rule,
        name=f"delete_{kind}_rule",
    )
    async def delete_rule(rule_id: UUID, runtime: CurrentRuntime, scope: ManagerScope) -> Response:
        await run(runtime, service_layer.delete_rule, scope, kind, rule_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)


_rule_routes(
    "invoice",
    INVOICE_RULES,
    InvoiceRuleInput,
    InvoiceRule,
    _invoice_rule,
    _invoice_values,
    article="an invoice",
    add_summary="Add an invoice approval rule",
    add_description=CHANGES_APPLY,
    conflicts=SECOND_FALLBACK,
    example_id="a9900000-0000-4000-8000-000000000001",
)
_rule_routes(
    "payment",
    PAYMENT_RULES,
    PaymentRuleInput,
    PaymentRule,
    _payment_rule,
    _payment_values,
    article="a payment",
    add_summary="Add a payment approval rule: approvers, each with a maximum amount",
    add_description="With several approvers on one rule, all of them must approve. "
    + CHANGES_APPLY,
    conflicts={},
    example_id="a9900000-0000-4000-8000-000000000002",
)


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
    enabled = await run(runtime, service_layer.switch_invoice_process, scope, setting.enabled)
    return ProcessSetting(enabled=enabled)
