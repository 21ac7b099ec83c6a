"""Approvals: what waits for whom, and deciding them (one or in bulk, all or nothing)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, status
from ledgerline.auth import CurrentPrincipal, DossierScope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime

from approvals import service_layer
from approvals.adapters import repository
from approvals.adapters.repository import ApprovalKind
from approvals.domain.rules import CallerStatus
from approvals.entrypoints.access import READERS, DeciderScope, ReaderScope, run
from approvals.entrypoints.schemas import (
    APPROVAL_EXAMPLE,
    ApprovalOption,
    ApprovalView,
    BulkDecisionInput,
    Decision,
    DecisionInput,
)
from approvals.service_layer import StoredApproval

router = APIRouter()

KINDS: dict[str, ApprovalKind] = {"invoices": "invoice", "payments": "payment"}

DECIDE_DOC = (
    "403 when it does not wait for the caller (with the reason: not an approver, above the "
    "caller's maximum, cannot be approved); 409 when the caller decided it already or it is "
    "decided. Bulk: all or nothing."
)


def _decision_errors(kind: ApprovalKind, subject: str) -> dict[int | str, dict[str, Any]]:
    """The refusals of approving or rejecting, as the OpenAPI document shows them."""
    return {
        403: error_response(
            "The caller's role may not see the dossier, or the approval does not wait for the "
            "caller: not one of its approvers, above the caller's maximum amount, or it cannot "
            "be approved by anyone",
            f"{kind} {subject}: it is not waiting for anna.accountant@demo-office.example; "
            "it waits for ben.baker@bakkerij-peeters.example",
        ),
        404: error_response(
            f"No {kind} approval for (one of) the ids in the dossier, or the dossier is not "
            "the caller's",
            f"no {kind} approval for {subject}",
        ),
        409: error_response(
            "The caller decided it already, or it is approved or rejected already",
            f"{kind} {subject}: ben.baker@bakkerij-peeters.example approved it already",
        ),
    }


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


async def _decide(
    runtime: CurrentRuntime,
    scope: DossierScope,
    kind: ApprovalKind,
    ids: list[UUID],
    *,
    approve: bool,
    reason: str | None,
) -> list[ApprovalView]:
    items = await run(
        runtime, service_layer.decide, scope, kind, ids, approve=approve, reason=reason
    )
    return [_view(item, scope.principal.subject) for item in items]


def _decide_one(kind: ApprovalKind, approve: bool) -> Callable[..., Awaitable[ApprovalView]]:
    async def decide_one(
        subject_id: UUID,
        runtime: CurrentRuntime,
        scope: DeciderScope,
        body: DecisionInput | None = None,
    ) -> ApprovalView:
        reason = body and body.reason
        [view] = await _decide(runtime, scope, kind, [subject_id], approve=approve, reason=reason)
        return view

    return decide_one


def _decide_many(kind: ApprovalKind, approve: bool) -> Callable[..., Awaitable[list[ApprovalView]]]:
    async def decide_many(
        body: BulkDecisionInput, runtime: CurrentRuntime, scope: DeciderScope
    ) -> list[ApprovalView]:
        return await _decide(runtime, scope, kind, body.ids, approve=approve, reason=body.reason)

    return decide_many


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


def _approval_routes(plural: str, kind: ApprovalKind) -> None:
    """The same endpoints for invoices (by document id) and payments (by payment id)."""
    base = f"/dossiers/{{dossier_id}}/{plural}"
    one = f"{base}/{{subject_id}}"
    noun = "an invoice (by its document id)" if kind == "invoice" else "a payment"
    example_id = APPROVAL_EXAMPLE["id"]
    decision_errors = _decision_errors(kind, example_id)

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
        responses={404: decision_errors[404]},
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

    decisions = (("approve", True), ("reject", False))
    for verb, approve in decisions:
        router.post(
            f"{one}/{verb}",
            response_model=ApprovalView,
            tags=["approvals"],
            summary=f"{verb.capitalize()} {noun}",
            description=DECIDE_DOC,
            name=f"{verb}_{kind}",
            responses=decision_errors,
        )(_decide_one(kind, approve))
    for verb, approve in decisions:
        router.post(
            f"{base}/{verb}",
            response_model=list[ApprovalView],
            tags=["approvals"],
            summary=f"{verb.capitalize()} several {plural}",
            description=DECIDE_DOC,
            name=f"{verb}_{plural}",
            responses=decision_errors,
        )(_decide_many(kind, approve))


for _plural, _kind in KINDS.items():
    _approval_routes(_plural, _kind)
