"""What the office does with proposals: edit, check, hold / release, ask for help, delete,
change in bulk, move to another dossier, have the document read again, send. Bulk actions are all or nothing: one proposal that cannot take the action
refuses the whole request and nothing is written.

Who may act follows the dossier's validation mode (`domain/validation.py`): the office always;
the client administrator and full-access users correct proposals in hybrid and client mode, and
send or delete them in client mode. Everyone else reads the worklist (`api.py`)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from ledgerline.auth import OFFICE_ROLES, DossierScope, dossier_directory, dossier_scope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime

from worklist import booking_actions, proposal_merging
from worklist.adapters.dossier_settings import validation_of
from worklist.booking_actions import InvalidReference, NotEditable, NotFound, NotSendable
from worklist.domain.validation import ACTING_ROLES, Action, refusal
from worklist.entrypoints.api import NOT_FOUND, read_proposal
from worklist.entrypoints.proposal_models import (
    BulkChange,
    BulkMove,
    MergeRequest,
    MergeRequested,
    Proposal,
    ProposalChanges,
    ProposalIds,
    TemplateChoice,
)

router = APIRouter(tags=["worklist actions"])
ActingScope = Annotated[DossierScope, dossier_scope(*ACTING_ROLES)]


def admitted_to(action: Action) -> Any:
    """The dossier scope of a caller whose role may take `action` in the dossier's validation
    mode; 403 naming the mode otherwise."""

    async def dependency(runtime: CurrentRuntime, scope: ActingScope) -> DossierScope:
        mode = await validation_of(runtime.pool, scope.office_id, scope.dossier_id)
        reason = refusal(scope.principal.role, mode, action)
        if reason is not None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, reason)
        return scope

    return Depends(dependency)


Scope = Annotated[DossierScope, admitted_to("correct")]
DecidingScope = Annotated[DossierScope, admitted_to("decide")]

ID = "b00c0000-0000-4000-8000-0000000000a1"
NOT_EDITABLE = error_response(
    "The proposal was sent or booked: it can no longer be changed",
    f"proposal {ID} is booked and can no longer be changed",
)
NOT_SENDABLE = error_response(
    "Not sendable: not Ok or Checked, incomplete, or its detail lines do not add up to the total",
    f"proposal {ID}: the detail lines add up to 1000.00, the invoice total is 1210.00",
)
INVALID = error_response(
    "A GL account, VAT code, journal, period or counterparty unknown to the dossier, a closed "
    "period, or an amount that is not arithmetic; the message names it",
    "line 1: GL account 123456 is unknown to the dossier",
)


async def _run(runtime: CurrentRuntime, action: Callable[[Any], Awaitable[None]]) -> None:
    """One transaction; the domain's refusals become the API's answers (and roll it back)."""
    try:
        async with runtime.unit_of_work() as uow:
            await action(uow)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except (NotEditable, NotSendable) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except InvalidReference as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


# The bulk routes first: `/proposals/bulk/send` must not be read as a proposal id `bulk`.
async def _read_all(
    runtime: CurrentRuntime, scope: DossierScope, ids: list[UUID]
) -> list[Proposal]:
    return [await read_proposal(runtime, scope, proposal_id) for proposal_id in ids]


def _bulk_route(action: str, summary: str, errors: dict[int | str, dict[str, Any]]) -> None:
    deciding = action in ("send", "delete")

    async def bulk(
        body: ProposalIds,
        runtime: CurrentRuntime,
        scope: Annotated[DossierScope, admitted_to("decide" if deciding else "correct")],
    ) -> list[Proposal]:
        ids = list(dict.fromkeys(body.proposal_ids))

        async def act(uow: Any) -> None:
            if action == "send":
                await booking_actions.send(
                    uow, scope.office_id, scope.dossier_id, ids, scope.principal.subject
                )
            elif action == "delete":
                await booking_actions.delete(
                    uow, scope.office_id, scope.dossier_id, ids, scope.principal.subject
                )
            else:
                await booking_actions.set_flags(
                    uow, scope.office_id, scope.dossier_id, ids, action, scope.principal.subject
                )

        await _run(runtime, act)
        return [] if action == "delete" else await _read_all(runtime, scope, ids)

    bulk.__name__ = f"bulk_{action}"
    router.post(
        f"/dossiers/{{dossier_id}}/proposals/bulk/{action}",
        response_model=list[Proposal],
        summary=summary,
        responses=errors,
    )(bulk)


BULK_NOT_FOUND = error_response(
    "One of the proposals is not in the dossier", f"proposal {ID} not found"
)
_bulk_route(
    "send",
    "Send a set of Ok / Checked proposals (all or none)",
    {404: BULK_NOT_FOUND, 409: NOT_SENDABLE},
)
_bulk_route("check", "Check a set of proposals", {404: BULK_NOT_FOUND, 409: NOT_EDITABLE})
_bulk_route("hold", "Put a set of proposals on hold", {404: BULK_NOT_FOUND, 409: NOT_EDITABLE})
_bulk_route("release", "Release a set of proposals", {404: BULK_NOT_FOUND, 409: NOT_EDITABLE})
_bulk_route(
    "delete",
    "Delete a set of proposals not sent (answers an empty list)",
    {404: BULK_NOT_FOUND, 409: NOT_EDITABLE},
)


@router.post(
    "/dossiers/{dossier_id}/proposals/bulk/change",
    response_model=list[Proposal],
    summary="Change the type (purchase / sales / misc), journal or period of a set of proposals",
    responses={404: BULK_NOT_FOUND, 409: NOT_EDITABLE, 422: INVALID},
)
async def bulk_change(
    body: BulkChange, runtime: CurrentRuntime, scope: DecidingScope
) -> list[Proposal]:
    if body.mailbox is None and body.journal is None and body.period is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "give a mailbox (type), journal or period"
        )
    ids = list(dict.fromkeys(body.proposal_ids))
    await _run(
        runtime,
        lambda uow: booking_actions.change(
            uow,
            scope.office_id,
            scope.dossier_id,
            ids,
            mailbox=body.mailbox,
            journal=body.journal,
            period=body.period,
            changed_by=scope.principal.subject,
        ),
    )
    return await _read_all(runtime, scope, ids)


# Moving between dossiers is the office's: a client user works one dossier.
MovingScope = Annotated[DossierScope, dossier_scope(*OFFICE_ROLES)]
NO_TARGET = error_response(
    "The target dossier is this one, or not a dossier of the caller's office they may see; "
    "nothing is moved",
    "dossier d0551e20-0000-4000-8000-000000000002 is not a dossier of your office you may see",
)


@router.post(
    "/dossiers/{dossier_id}/proposals/bulk/move",
    response_model=list[Proposal],
    summary="Move a set of proposals to another dossier of the office (all or none)",
    description="Each proposal is enriched again against the target dossier's books "
    "(counterparty, journal, period, detail lines, duplicates) and loses its check; the "
    "conversations about its document go along; `document.moved.v1` files the document in "
    "the target dossier in ingest, recognition, approvals and payments. A proposal whose "
    "invoice this dossier's approvers took up (approval asked, approved or rejected) or that "
    "is in payment (payment awaiting approval, in the basket, in a file, paid) is not moved: "
    "409 saying why (the approval and the money are this company's). Answers the proposals "
    "as they are in the target dossier.",
    responses={
        404: BULK_NOT_FOUND,
        409: error_response(
            "A proposal was sent or booked, or its invoice went through this dossier's "
            "approval or into payment",
            f"proposal {ID} cannot be moved: its invoice is in this dossier's payment basket; "
            "settle that in this dossier first (the payment is this company's)",
        ),
        422: NO_TARGET,
    },
)
async def bulk_move(
    body: BulkMove, request: Request, runtime: CurrentRuntime, scope: MovingScope
) -> list[Proposal]:
    target = body.dossier_id
    if not scope.principal.may_see(await dossier_directory(request).find(target)):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"dossier {target} is not a dossier of your office you may see",
        )
    ids = list(dict.fromkeys(body.proposal_ids))
    await _run(
        runtime,
        lambda uow: booking_actions.move(
            uow,
            scope.office_id,
            scope.dossier_id,
            ids,
            target=target,
            moved_by=scope.principal.subject,
        ),
    )
    moved = DossierScope(office_id=scope.office_id, dossier_id=target, principal=scope.principal)
    return await _read_all(runtime, moved, ids)


@router.post(
    "/dossiers/{dossier_id}/proposals/merge",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MergeRequested,
    summary="Merge proposals of the dossier into one document (through ingest)",
    description="The documents of 2 to 50 proposals not sent, in the order given (the order "
    "of their pages), become one new document: the proposals leave the worklist at once "
    "(proposal.status-changed.v1, reason `merged`) and document.merge-requested.v1 asks "
    "ingest to merge the documents. The new document is sent to the office, read by "
    "recognition, and gets its own proposal. If ingest cannot merge them (a damaged file, "
    "over the page limit), the proposals come back as they were recognised. With the "
    "dossier's invoice approval process on, the new purchase document awaits approval as any "
    "new invoice does. All or nothing.",
    responses={
        404: BULK_NOT_FOUND,
        409: error_response(
            "A proposal was sent or booked (only proposals not sent can be merged), or its "
            "invoice is in payment (merged, it would be a new invoice to pay again)",
            f"proposal {ID} is booked: only proposals not sent can be merged",
        ),
        422: error_response(
            "Fewer than two proposals, more than 50, one twice, or one read from an e-invoice "
            "(XML), which has no pages",
            "choose at least 2 proposals to merge",
        ),
    },
)
async def merge_proposals(
    body: MergeRequest, runtime: CurrentRuntime, scope: DecidingScope
) -> MergeRequested:
    merged: list[tuple[UUID, list[UUID]]] = []

    async def act(uow: Any) -> None:
        merged.append(
            await proposal_merging.merge(
                uow, scope.office_id, scope.dossier_id, body.proposal_ids, scope.principal.subject
            )
        )

    await _run(runtime, act)
    [(merge_id, document_ids)] = merged
    return MergeRequested(
        merge_id=merge_id, proposal_ids=body.proposal_ids, document_ids=document_ids
    )


NOT_REREADABLE = error_response(
    "Only an open proposal in status OCR, Empty or Nok can be read again",
    f"proposal {ID} is Ok: only OCR, Empty or Nok proposals can be read again",
)


async def _reread(runtime: CurrentRuntime, scope: DossierScope, ids: list[UUID]) -> None:
    await _run(
        runtime,
        lambda uow: booking_actions.request_recognition(
            uow, scope.office_id, scope.dossier_id, ids, scope.principal.subject
        ),
    )


@router.post(
    "/dossiers/{dossier_id}/proposals/bulk/recognize",
    response_model=list[Proposal],
    summary="Have the documents of a set of OCR / Empty / Nok proposals read again (all or none)",
    description="Publishes document.recognition-requested.v1 per proposal; recognition reads "
    "the document again and its new result updates the same proposal. A proposal already "
    "waiting for its new reading (`recognition_requested_at`) is not asked for again.",
    responses={404: BULK_NOT_FOUND, 409: NOT_REREADABLE},
)
async def bulk_recognize(
    body: ProposalIds, runtime: CurrentRuntime, scope: Scope
) -> list[Proposal]:
    ids = list(dict.fromkeys(body.proposal_ids))
    await _reread(runtime, scope, ids)
    return await _read_all(runtime, scope, ids)


@router.post(
    "/dossiers/{dossier_id}/proposals/{proposal_id}/recognize",
    response_model=Proposal,
    summary="Have the document of an OCR / Empty / Nok proposal read again",
    description="As the bulk action, for one proposal.",
    responses={404: NOT_FOUND, 409: NOT_REREADABLE},
)
async def recognize_proposal(proposal_id: UUID, runtime: CurrentRuntime, scope: Scope) -> Proposal:
    await _reread(runtime, scope, [proposal_id])
    return await read_proposal(runtime, scope, proposal_id)


@router.patch(
    "/dossiers/{dossier_id}/proposals/{proposal_id}",
    response_model=Proposal,
    summary="Edit a proposal: header, booking details, detail lines (amounts may be `12+25`)",
    responses={404: NOT_FOUND, 409: NOT_EDITABLE, 422: INVALID},
)
async def edit_proposal(
    proposal_id: UUID, changes: ProposalChanges, runtime: CurrentRuntime, scope: Scope
) -> Proposal:
    values = changes.model_dump(exclude_unset=True)
    if "lines" in values and changes.lines is not None:
        values["lines"] = [
            booking_actions.line_from_input(line.model_dump()) for line in changes.lines
        ]
    await _run(
        runtime,
        lambda uow: booking_actions.edit(
            uow, scope.office_id, scope.dossier_id, proposal_id, values, scope.principal.subject
        ),
    )
    return await read_proposal(runtime, scope, proposal_id)


@router.post(
    "/dossiers/{dossier_id}/proposals/{proposal_id}/apply-template",
    response_model=Proposal,
    summary="Fill the detail lines from one of the counterparty's templates (lines_source "
    "template)",
    description="The proposal's detail lines become the chosen template's, its total excluding "
    "VAT split by the template's shares (the lines add up to it exactly, to the cent), VAT "
    "computed from the VAT codes as for an edit; the status is reviewed again "
    "(proposal.status-changed.v1 when it changes). Same roles as editing.",
    responses={
        404: error_response(
            "No such proposal in the dossier, or no such template for its counterparty",
            "counterparty L0006 has no template 2 (2 templates)",
        ),
        409: NOT_EDITABLE,
        422: error_response(
            "The proposal has no counterparty or no total excluding VAT, or a template line's "
            "GL account or VAT code is no longer known to the dossier",
            f"proposal {ID} has no counterparty: templates are a counterparty's",
        ),
    },
)
async def apply_template(
    proposal_id: UUID, choice: TemplateChoice, runtime: CurrentRuntime, scope: Scope
) -> Proposal:
    await _run(
        runtime,
        lambda uow: booking_actions.use_template(
            uow,
            scope.office_id,
            scope.dossier_id,
            proposal_id,
            choice.template,
            scope.principal.subject,
        ),
    )
    return await read_proposal(runtime, scope, proposal_id)


def _flag_route(action: str, summary: str) -> None:
    async def flag(proposal_id: UUID, runtime: CurrentRuntime, scope: Scope) -> Proposal:
        await _run(
            runtime,
            lambda uow: booking_actions.set_flags(
                uow,
                scope.office_id,
                scope.dossier_id,
                [proposal_id],
                action,
                scope.principal.subject,
            ),
        )
        return await read_proposal(runtime, scope, proposal_id)

    flag.__name__ = f"{action}_proposal"
    router.post(
        f"/dossiers/{{dossier_id}}/proposals/{{proposal_id}}/{action}",
        response_model=Proposal,
        summary=summary,
        responses={404: NOT_FOUND, 409: NOT_EDITABLE},
    )(flag)


_flag_route("check", "Check: reviewed by an employee (Checked, or Checked with suspense account)")
_flag_route("hold", "Put on hold: stays in the worklist and is not sent")
_flag_route("release", "Release a proposal on hold")
_flag_route("help", "Ask for help with this proposal (help asked)")


@router.delete(
    "/dossiers/{dossier_id}/proposals/{proposal_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a proposal that was not sent",
    responses={404: NOT_FOUND, 409: NOT_EDITABLE},
)
async def delete_proposal(
    proposal_id: UUID, runtime: CurrentRuntime, scope: DecidingScope
) -> Response:
    await _run(
        runtime,
        lambda uow: booking_actions.delete(
            uow, scope.office_id, scope.dossier_id, [proposal_id], scope.principal.subject
        ),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/dossiers/{dossier_id}/proposals/{proposal_id}/send",
    response_model=Proposal,
    summary="Send an Ok or Checked proposal to the books (proposal.validated.v1): status sent",
    responses={404: NOT_FOUND, 409: NOT_SENDABLE},
)
async def send_proposal(
    proposal_id: UUID, runtime: CurrentRuntime, scope: DecidingScope
) -> Proposal:
    await _run(
        runtime,
        lambda uow: booking_actions.send(
            uow, scope.office_id, scope.dossier_id, [proposal_id], scope.principal.subject
        ),
    )
    return await read_proposal(runtime, scope, proposal_id)
