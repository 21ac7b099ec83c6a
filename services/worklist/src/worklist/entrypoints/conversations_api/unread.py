"""The caller's unread messages: in one dossier, and per dossier across the office."""

from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import CurrentPrincipal
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime

from worklist.adapters import conversations as store
from worklist.domain.conversations import CONVERSATION_ROLES
from worklist.entrypoints.conversations_api.access import Scope, reader_of
from worklist.entrypoints.conversations_api.models import MyUnread, UnreadCounts

router = APIRouter(tags=["conversations"])


@router.get(
    "/dossiers/{dossier_id}/unread-messages",
    response_model=UnreadCounts,
    summary="The caller's unread messages and conversations in the dossier",
)
async def dossier_unread(runtime: CurrentRuntime, scope: Scope) -> UnreadCounts:
    async with runtime.pool.acquire() as conn:
        [row] = await store.unread_per_dossier(
            conn,
            scope.office_id,
            [scope.dossier_id],
            store.Visibility.of(reader_of(scope.principal)),
        )
    return UnreadCounts.model_validate(dict(row))


@router.get(
    "/me/unread-messages",
    response_model=MyUnread,
    summary="The caller's unread messages per dossier they may see, across the office",
    responses={403: error_response("Not a user of an office or a dossier")},
)
async def my_unread(runtime: CurrentRuntime, principal: CurrentPrincipal) -> MyUnread:
    if principal.role not in CONVERSATION_ROLES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"the role {principal.role.value} has no conversations"
        )
    dossiers = None if principal.sees_whole_office else sorted(principal.dossiers)
    async with runtime.pool.acquire() as conn:
        rows = await store.unread_per_dossier(
            conn, principal.office_id, dossiers, store.Visibility.of(reader_of(principal))
        )
    counts = [UnreadCounts.model_validate(dict(row)) for row in rows]
    return MyUnread(unread_messages=sum(c.unread_messages for c in counts), dossiers=counts)
