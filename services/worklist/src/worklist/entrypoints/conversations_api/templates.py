"""The office's message templates (per office; placeholders such as {client_name} are filled
in when a conversation is started from one)."""

from typing import Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, HTTPException, Response, status
from ledgerline.auth import OFFICE_ROLES, CurrentPrincipal, Principal
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from uuid_utils.compat import uuid7

from worklist.adapters import conversations as store
from worklist.domain.conversations import TEMPLATE_EDITORS, TemplateInvalid, check_template
from worklist.entrypoints.conversations_api.access import unprocessable
from worklist.entrypoints.conversations_api.models import MessageTemplate, MessageTemplateIn

router = APIRouter(tags=["conversations"])

TEMPLATE_NOT_FOUND = error_response(
    "No such template in the caller's office",
    "message template 7e3b0000-0000-4000-8000-0000000000f1 not found",
)
TEMPLATE_FORBIDDEN = error_response(
    "Only the office reads templates, only its admin changes them",
    "the role employee may not do this; allowed: admin",
)
TEMPLATE_INVALID = error_response(
    "Invalid fields, or a placeholder that is not known (named)",
    "body: unknown placeholder {klant}; known: {client_name}, {sender}, {invoice_number}, "
    "{invoice_date}, {counterparty_name}, {total_incl_vat}",
)


def _office_user(principal: Principal, roles: frozenset[Any]) -> None:
    if principal.role not in roles:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the role {principal.role.value} may not do this; allowed: "
            + ", ".join(sorted(role.value for role in roles)),
        )


@router.get(
    "/office/message-templates",
    response_model=list[MessageTemplate],
    summary="The office's message templates (placeholders such as {client_name} are filled in)",
    responses={403: TEMPLATE_FORBIDDEN},
)
async def list_templates(runtime: CurrentRuntime, principal: CurrentPrincipal) -> list[Any]:
    _office_user(principal, OFFICE_ROLES)
    async with runtime.pool.acquire() as conn:
        rows = await store.list_templates(conn, principal.office_id)
    return [MessageTemplate.model_validate(dict(row)) for row in rows]


@router.post(
    "/office/message-templates",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageTemplate,
    summary="Add a message template (office admin)",
    description="Placeholders: {client_name}, {sender}, and for conversations started from a "
    "proposal {invoice_number}, {invoice_date}, {counterparty_name}, {total_incl_vat}. `{{` "
    "writes a literal `{`. Values are put in as they are, never evaluated.",
    responses={
        403: TEMPLATE_FORBIDDEN,
        409: error_response(
            "The office has a template of that name and language",
            "a template 'Vraag over een factuur' (nl) exists already",
        ),
        422: TEMPLATE_INVALID,
    },
)
async def create_template(
    body: MessageTemplateIn, runtime: CurrentRuntime, principal: CurrentPrincipal
) -> MessageTemplate:
    return await _save_template(runtime, principal, uuid7(), body, create=True)


async def _save_template(
    runtime: Any, principal: Principal, template_id: UUID, body: MessageTemplateIn, *, create: bool
) -> MessageTemplate:
    _office_user(principal, TEMPLATE_EDITORS)
    try:
        check_template(body.subject, body.body)
    except TemplateInvalid as exc:
        raise unprocessable(str(exc)) from exc
    async with runtime.pool.acquire() as conn:
        try:
            row = await store.save_template(
                conn,
                principal.office_id,
                template_id,
                body.model_dump(),
                principal.subject,
                create=create,
            )
        except asyncpg.UniqueViolationError as exc:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"a template '{body.name}' ({body.language}) exists already",
            ) from exc
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"message template {template_id} not found")
    return MessageTemplate.model_validate(dict(row))


@router.get(
    "/office/message-templates/{template_id}",
    response_model=MessageTemplate,
    summary="One message template",
    responses={403: TEMPLATE_FORBIDDEN, 404: TEMPLATE_NOT_FOUND},
)
async def get_template(
    template_id: UUID, runtime: CurrentRuntime, principal: CurrentPrincipal
) -> MessageTemplate:
    _office_user(principal, OFFICE_ROLES)
    async with runtime.pool.acquire() as conn:
        row = await store.get_template(conn, principal.office_id, template_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"message template {template_id} not found")
    return MessageTemplate.model_validate(dict(row))


@router.put(
    "/office/message-templates/{template_id}",
    response_model=MessageTemplate,
    summary="Change a message template (office admin)",
    responses={
        403: TEMPLATE_FORBIDDEN,
        404: TEMPLATE_NOT_FOUND,
        409: error_response(
            "The office has another template of that name and language",
            "a template 'Vraag over een factuur' (nl) exists already",
        ),
        422: TEMPLATE_INVALID,
    },
)
async def update_template(
    template_id: UUID, body: MessageTemplateIn, runtime: CurrentRuntime, principal: CurrentPrincipal
) -> MessageTemplate:
    return await _save_template(runtime, principal, template_id, body, create=False)


@router.delete(
    "/office/message-templates/{template_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a message template (office admin)",
    responses={403: TEMPLATE_FORBIDDEN, 404: TEMPLATE_NOT_FOUND},
)
async def delete_template(
    template_id: UUID, runtime: CurrentRuntime, principal: CurrentPrincipal
) -> Response:
    _office_user(principal, TEMPLATE_EDITORS)
    async with runtime.pool.acquire() as conn:
        deleted = await store.delete_template(conn, principal.office_id, template_id)
    if not deleted:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"message template {template_id} not found")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
