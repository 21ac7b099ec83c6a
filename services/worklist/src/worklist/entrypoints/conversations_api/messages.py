"""A conversation's messages: read them, write one (JSON, or multipart/form-data with
attachments), download an attachment, mark them read. Posting a message also queues the
e-mails to the other side (sent after the commit by the notifier)."""

from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

import asyncpg
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from ledgerline.auth import Role
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.uploads import read_form
from pydantic import ValidationError

from worklist.adapters import conversations as store
from worklist.conversations_notifier import settings_of, wake
from worklist.domain.conversations import (
    ALLOWED_ATTACHMENT_TYPES,
    Addressing,
    AttachmentRefused,
    Audience,
    ConversationClosed,
    ConversationStatus,
    Participant,
    Reader,
    Side,
    check_attachment,
    check_may_write,
    recipients,
)
from worklist.entrypoints.conversations_api.access import (
    Scope,
    invalid_body,
    readable_conversation,
    reader_of,
    unprocessable,
)
from worklist.entrypoints.conversations_api.models import (
    MAX_TEXT,
    NOT_FOUND,
    Conversation,
    Message,
    NewMessage,
)

router = APIRouter(tags=["conversations"])

# A JSON message body: the text, escaped, with room to spare.
MAX_JSON_BODY = 8 * MAX_TEXT


async def post_and_notify(
    conn: asyncpg.Connection,
    conversation: Any,
    author: Reader,
    text: str,
    attachments: list[store.NewAttachment],
) -> Any:
    """The message, and the e-mails about it to the other side (sent after the commit)."""
    row = await store.insert_message(conn, conversation["id"], author, text, attachments)
    known = [
        Participant(p["subject"], Side(p["side"]), Role(p["role"]) if p["role"] else None)
        for p in await store.participants(conn, conversation["id"])
    ]
    addressing = Addressing(Audience(conversation["audience"]), conversation["addressed_to"])
    await store.add_notifications(conn, row["id"], recipients(author, addressing, known))
    return row


async def stored_message(
    conn: asyncpg.Connection, conversation_id: UUID, message_id: UUID
) -> Message:
    [row] = await store.messages(conn, conversation_id, 1, 0, message_id=message_id)
    return Message.model_validate(dict(row))


@router.get(
    "/dossiers/{dossier_id}/conversations/{conversation_id}/messages",
    response_model=list[Message],
    summary="The conversation's messages, oldest first, with attachments and who read them",
    responses={404: NOT_FOUND},
)
async def list_messages(
    conversation_id: UUID,
    runtime: CurrentRuntime,
    scope: Scope,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[Message]:
    async with runtime.pool.acquire() as conn:
        await readable_conversation(conn, scope, conversation_id)
        rows = await store.messages(conn, conversation_id, limit, offset)
    return [Message.model_validate(dict(row)) for row in rows]


@router.post(
    "/dossiers/{dossier_id}/conversations/{conversation_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=Message,
    summary="Write a message (JSON), or a message with attachments (multipart/form-data)",
    description="multipart/form-data: a `text` field and one `file` field per attachment (at most "
    "`WORKLIST_ATTACHMENTS_PER_MESSAGE`, 5, each at most `WORKLIST_ATTACHMENT_MAX_BYTES`, 10 MiB; "
    "PDF, PNG, JPEG, TIFF, XML, plain text, CSV, XLSX or DOCX, checked by their bytes). The other "
    "side is e-mailed after the message is stored; a failed e-mail does not lose it.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": NewMessage.model_json_schema(),
                    "example": {"text": "Kunt u de bestelbon sturen?"},
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "text": {"type": "string", "maxLength": MAX_TEXT},
                            "file": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                    }
                },
            },
        }
    },
    responses={
        404: NOT_FOUND,
        409: error_response("The conversation is closed", "the conversation is closed; reopen it"),
        413: error_response(
            "An attachment is larger than the limit", "bestelbon.pdf is larger than 10485760 bytes"
        ),
        422: error_response(
            "Invalid text, neither JSON nor multipart, or an attachment of a type not allowed",
            "bestelbon.exe: the type application/x-msdownload is not allowed",
        ),
    },
)
async def post_message(
    conversation_id: UUID, request: Request, runtime: CurrentRuntime, scope: Scope
) -> Message:
    settings = settings_of(request.app)
    reader = reader_of(scope.principal)
    text, attachments = await _read_message(request, settings)
    async with runtime.unit_of_work() as uow:
        conversation = await readable_conversation(uow.conn, scope, conversation_id, lock=True)
        try:
            check_may_write(ConversationStatus(conversation["status"]))
        except ConversationClosed as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        row = await post_and_notify(uow.conn, conversation, reader, text, attachments)
        message = await stored_message(uow.conn, conversation_id, row["id"])
    wake(request)
    return message


async def _read_message(request: Request, settings: Any) -> tuple[str, list[store.NewAttachment]]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > MAX_JSON_BODY:
                raise unprocessable(f"body: a message is at most {MAX_TEXT} characters")
        try:
            return NewMessage.model_validate_json(bytes(body)).text, []
        except ValidationError as exc:
            raise invalid_body(exc) from exc
    if not content_type.startswith("multipart/form-data"):
        raise unprocessable("body: send the message as JSON or as multipart/form-data")
    form = await read_form(
        request,
        file_field="file",
        max_bytes=settings.attachment_max_bytes,
        max_files=settings.attachments_per_message,
    )
    unknown = sorted(set(form.fields) - {"text"})
    if unknown:
        raise unprocessable(f"body: unknown field {', '.join(unknown)}")
    text = form.fields.get("text", "")
    if text:
        try:
            text = NewMessage(text=text).text
        except ValidationError as exc:
            raise invalid_body(exc) from exc
    if not text.strip() and not form.files:
        raise unprocessable("body.text: a message needs text or an attachment")
    attachments = []
    for upload in form.files:
        try:
            filename, kind = check_attachment(
                upload.content, upload.filename, upload.content_type, settings.attachment_max_bytes
            )
        except AttachmentRefused as exc:
            code = status.HTTP_413_CONTENT_TOO_LARGE if exc.too_large else 422
            raise HTTPException(code, str(exc)) from exc
        attachments.append(store.NewAttachment(filename, kind, upload.content))
    return text, attachments


@router.get(
    "/dossiers/{dossier_id}/conversations/{conversation_id}/attachments/{attachment_id}",
    summary="An attachment, byte for byte",
    response_class=Response,
    responses={
        200: {
            "description": "The file, with the type it was checked as, to download (never shown "
            "inline)",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in ALLOWED_ATTACHMENT_TYPES
            },
        },
        404: error_response(
            "No such attachment in a conversation the caller may read",
            "attachment a7740000-0000-4000-8000-0000000000a1 not found",
        ),
    },
)
async def download_attachment(
    conversation_id: UUID, attachment_id: UUID, runtime: CurrentRuntime, scope: Scope
) -> Response:
    async with runtime.pool.acquire() as conn:
        await readable_conversation(conn, scope, conversation_id)
        row = await store.attachment(conn, conversation_id, attachment_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"attachment {attachment_id} not found")
    return Response(
        content=bytes(row["content"]),
        media_type=row["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row['filename'])}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "X-Content-SHA256": row["sha256"],
        },
    )


@router.post(
    "/dossiers/{dossier_id}/conversations/{conversation_id}/read",
    response_model=Conversation,
    summary="Mark the conversation read (up to a message, or all of it)",
    responses={
        404: error_response(
            "No such conversation the caller may read, or no such message in it",
            "message 3e550000-0000-4000-8000-0000000000e1 not found",
        )
    },
)
async def mark_read(
    conversation_id: UUID,
    runtime: CurrentRuntime,
    scope: Scope,
    up_to: Annotated[
        UUID | None, Query(description="Read up to and including this message (default: all)")
    ] = None,
) -> Conversation:
    reader = reader_of(scope.principal)
    async with runtime.unit_of_work() as uow:
        await readable_conversation(uow.conn, scope, conversation_id)
        if up_to is None:
            seq = await store.last_seq(uow.conn, conversation_id)
        else:
            found = await store.message_seq(uow.conn, conversation_id, up_to)
            if found is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"message {up_to} not found")
            seq = found
        await store.add_participant(
            uow.conn, conversation_id, reader.subject, reader.side, reader.role.value, seq
        )
        row = await readable_conversation(uow.conn, scope, conversation_id)
    return Conversation.model_validate(dict(row))
