"""Who calls (the dossier scope of the conversation routes) and the conversation they may
read: one they may not read is answered 404, like one that does not exist. The error helpers
the routes share."""

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import HTTPException, status
from fastapi.exceptions import RequestValidationError
from ledgerline.auth import DossierScope, Principal, dossier_scope
from pydantic import ValidationError

from worklist.adapters import conversations as store
from worklist.domain.conversations import CLOSERS, CONVERSATION_ROLES, Reader

Scope = Annotated[DossierScope, dossier_scope(*CONVERSATION_ROLES)]
OfficeScope = Annotated[DossierScope, dossier_scope(*CLOSERS)]


def reader_of(principal: Principal) -> Reader:
    return Reader(principal.subject, principal.role)


def conversation_not_found(conversation_id: UUID) -> HTTPException:
    # Never names the dossier: a reader must not learn which dossier a conversation is in.
    return HTTPException(status.HTTP_404_NOT_FOUND, f"conversation {conversation_id} not found")


def unprocessable(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


def invalid_body(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [dict(error) | {"loc": ("body", *error["loc"])} for error in exc.errors()]
    )


async def readable_conversation(
    conn: asyncpg.Connection, scope: DossierScope, conversation_id: UUID, *, lock: bool = False
) -> Any:
    row = await store.get_conversation(
        conn,
        scope.office_id,
        scope.dossier_id,
        conversation_id,
        store.Visibility.of(reader_of(scope.principal)),
        for_update=lock,
    )
    if row is None:
        raise conversation_not_found(conversation_id)
    return row
