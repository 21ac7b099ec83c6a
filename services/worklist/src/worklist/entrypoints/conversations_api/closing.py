"""Closing (archiving) and reopening a conversation: the office's work."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import DossierScope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime

from worklist.adapters import conversations as store
from worklist.domain.conversations import ConversationStatus
from worklist.entrypoints.conversations_api.access import OfficeScope, readable_conversation
from worklist.entrypoints.conversations_api.models import NOT_FOUND, Conversation

router = APIRouter(tags=["conversations"])


async def _set_status(
    runtime: Any, scope: DossierScope, conversation_id: UUID, wanted: ConversationStatus
) -> Conversation:
    async with runtime.unit_of_work() as uow:
        row = await readable_conversation(uow.conn, scope, conversation_id, lock=True)
        if row["status"] == wanted.value:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"the conversation is {wanted.value} already"
            )
        await store.set_status(uow.conn, conversation_id, wanted.value, scope.principal.subject)
        row = await readable_conversation(uow.conn, scope, conversation_id)
    return Conversation.model_validate(dict(row))


@router.post(
    "/dossiers/{dossier_id}/conversations/{conversation_id}/close",
    response_model=Conversation,
    summary="Close (archive) a conversation: it takes no more messages until reopened (office)",
    responses={
        404: NOT_FOUND,
        409: error_response("Closed already", "the conversation is closed already"),
    },
)
async def close_conversation(
    conversation_id: UUID, runtime: CurrentRuntime, scope: OfficeScope
) -> Conversation:
    return await _set_status(runtime, scope, conversation_id, ConversationStatus.CLOSED)


@router.post(
    "/dossiers/{dossier_id}/conversations/{conversation_id}/reopen",
    response_model=Conversation,
    summary="Reopen a closed conversation (office)",
    responses={
        404: NOT_FOUND,
        409: error_response("Open already", "the conversation is open already"),
    },
)
async def reopen_conversation(
    conversation_id: UUID, runtime: CurrentRuntime, scope: OfficeScope
) -> Conversation:
    return await _set_status(runtime, scope, conversation_id, ConversationStatus.OPEN)
