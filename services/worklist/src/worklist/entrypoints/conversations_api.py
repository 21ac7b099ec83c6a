"""Conversations between the office and a dossier's users (seed 003, "De communicatiemodule"):
about the dossier or a document (started from its proposal: "ask the client"), with everyone in
the dossier or one user, with text and attachments; unread counts; the office's message
templates. Who may read what: `worklist.domain.conversations`. A conversation the caller may
not read is answered 404, like one that does not exist."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

import asyncpg
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from ledgerline.auth import (
    OFFICE_ROLES,
    CurrentPrincipal,
    DossierScope,
    Principal,
    Role,
    dossier_scope,
)
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine, Text, control_character_problem
from ledgerline.uploads import read_form
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from worklist.adapters import conversations as store
from worklist.conversations_notifier import router as notifier_router
from worklist.conversations_notifier import settings_of, wake
from worklist.domain.conversations import (
    ALLOWED_ATTACHMENT_TYPES,
    CLOSERS,
    CONVERSATION_ROLES,
    TEMPLATE_EDITORS,
    Addressing,
    AttachmentRefused,
    Audience,
    ConversationClosed,
    ConversationRefused,
    ConversationStatus,
    Participant,
    Reader,
    Side,
    TemplateInvalid,
    check_attachment,
    check_may_start,
    check_may_write,
    check_template,
    default_addressing,
    is_email_address,
    recipients,
    render_template,
)

router = APIRouter(tags=["conversations"])

Scope = Annotated[DossierScope, dossier_scope(*CONVERSATION_ROLES)]
OfficeScope = Annotated[DossierScope, dossier_scope(*CLOSERS)]

MAX_TEXT = 10_000
# A JSON message body: the text, escaped, with room to spare.
MAX_JSON_BODY = 8 * MAX_TEXT

DOSSIER = "d0551e00-0000-4000-8000-000000000001"
CONVERSATION_EXAMPLE = {
    "id": "c0a70000-0000-4000-8000-0000000000c1",
    "dossier_id": DOSSIER,
    "subject": "Vraag over factuur 2026-0042",
    "audience": "user",
    "addressed_to": "ben.baker@bakkerij-peeters.example",
    "document_id": "5d0c0000-0000-4000-8000-00000000d0c1",
    "proposal_id": "b00c0000-0000-4000-8000-0000000000a1",
    "status": "open",
    "started_by": "anna@office.example",
    "started_by_side": "office",
    "created_at": "2026-11-30T09:20:05Z",
    "last_message_at": "2026-11-30T10:02:11Z",
    "message_count": 2,
    "unread": 1,
}
MESSAGE_EXAMPLE = {
    "id": "3e550000-0000-4000-8000-0000000000e1",
    "author": "ben.baker@bakkerij-peeters.example",
    "author_side": "client",
    "author_role": "client_administrator",
    "text": "Dat is de bloem voor de winkel; boek ze op 604000.",
    "created_at": "2026-11-30T10:02:11Z",
    "attachments": [
        {
            "id": "a7740000-0000-4000-8000-0000000000a1",
            "filename": "bestelbon.pdf",
            "content_type": "application/pdf",
            "size": 48213,
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        }
    ],
    "read_by": ["anna@office.example"],
}
TEMPLATE_EXAMPLE = {
    "id": "7e3b0000-0000-4000-8000-0000000000f1",
    "name": "Vraag over een factuur",
    "language": "nl",
    "subject": "Vraag over factuur {invoice_number}",
    "body": "Beste {client_name},\n\nKunt u ons meer vertellen over factuur {invoice_number} "
    "van {counterparty_name} ({total_incl_vat})?\n\nMet vriendelijke groeten,\n{sender}",
    "updated_by": "admin@office.example",
    "updated_at": "2026-11-30T08:00:00Z",
}
UNREAD_EXAMPLE = {
    "dossier_id": DOSSIER,
    "dossier_name": "Bakkerij Peeters",
    "unread_messages": 3,
    "unread_conversations": 2,
    "open_conversations": 4,
}


class Attachment(BaseModel):
    id: UUID
    filename: str
    content_type: str
    size: int
    sha256: str


class Message(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [MESSAGE_EXAMPLE]})

    id: UUID
    author: str
    author_side: Side
    author_role: str
    text: str
    created_at: datetime
    attachments: list[Attachment]
    read_by: list[str] = Field(
        description="Who on the other side has read this message (their read marker is past it)"
    )


class Conversation(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CONVERSATION_EXAMPLE]})

    id: UUID
    dossier_id: UUID
    subject: str
    audience: Audience = Field(description="everyone in the dossier, or one user")
    addressed_to: str | None = Field(description="The one user, for audience 'user'")
    document_id: UUID | None = Field(description="The document it is about (none: the dossier)")
    proposal_id: UUID | None = Field(description="The proposal it was started from")
    status: ConversationStatus
    started_by: str
    started_by_side: Side
    created_at: datetime
    last_message_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    message_count: int
    unread: int = Field(description="Messages of the other side the caller has not read")


class NewConversation(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "proposal_id": "b00c0000-0000-4000-8000-0000000000a1",
                    "template_id": "7e3b0000-0000-4000-8000-0000000000f1",
                    "audience": "user",
                    "addressed_to": "ben.baker@bakkerij-peeters.example",
                },
                {"subject": "Jaarafsluiting 2026", "text": "Mogen we de inventaris ontvangen?"},
            ]
        },
    )

    subject: SingleLine | None = Field(
        default=None, min_length=1, max_length=200, description="Required without a template"
    )
    text: Text | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TEXT,
        description="The first message; required without a template",
    )
    audience: Audience | None = Field(
        default=None,
        description="Default: everyone (a client user without full access: themselves)",
    )
    addressed_to: SingleLine | None = Field(
        default=None, min_length=3, max_length=254, description="The user, for audience 'user'"
    )
    document_id: UUID | None = None
    proposal_id: UUID | None = Field(
        default=None, description="Ask the client about this proposal's document"
    )
    template_id: UUID | None = Field(
        default=None, description="One of the office's message templates, filled in"
    )
    notify: list[Annotated[SingleLine, Field(min_length=3, max_length=254)]] = Field(
        default_factory=list,
        max_length=50,
        description="Office only: the dossier's users (e-mail addresses) to e-mail about this "
        "conversation's messages besides those who take part (write or read) and the addressed "
        "user",
    )


class NewMessage(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": "Kunt u de bestelbon sturen?"}]}
    )

    text: Text = Field(min_length=1, max_length=MAX_TEXT)


class UnreadCounts(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [UNREAD_EXAMPLE]})

    dossier_id: UUID
    dossier_name: str
    unread_messages: int
    unread_conversations: int
    open_conversations: int


class MyUnread(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"unread_messages": 3, "dossiers": [UNREAD_EXAMPLE]}]}
    )

    unread_messages: int
    dossiers: list[UnreadCounts]


class MessageTemplateIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{k: TEMPLATE_EXAMPLE[k] for k in ("name", "language", "subject", "body")}]
        },
    )

    name: SingleLine = Field(min_length=1, max_length=100)
    language: Literal["nl", "fr", "en", "de"] = "nl"
    subject: SingleLine = Field(min_length=1, max_length=200)
    body: Text = Field(min_length=1, max_length=MAX_TEXT)


class MessageTemplate(MessageTemplateIn):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [TEMPLATE_EXAMPLE]})

    id: UUID
    updated_by: str
    updated_at: datetime


NOT_FOUND = error_response(
    "No such conversation in the dossier, or one the caller may not read",
    "conversation c0a70000-0000-4000-8000-0000000000c1 not found",
)


def _reader(principal: Principal) -> Reader:
    return Reader(principal.subject, principal.role)


def _not_found(conversation_id: UUID) -> HTTPException:
    # Never names the dossier: a reader must not learn which dossier a conversation is in.
    return HTTPException(status.HTTP_404_NOT_FOUND, f"conversation {conversation_id} not found")


def _unprocessable(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


def _invalid_body(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [dict(error) | {"loc": ("body", *error["loc"])} for error in exc.errors()]
    )


async def _conversation(
    conn: asyncpg.Connection, scope: DossierScope, conversation_id: UUID, *, lock: bool = False
) -> Any:
    row = await store.get_conversation(
        conn,
        scope.office_id,
        scope.dossier_id,
        conversation_id,
        store.Visibility.of(_reader(scope.principal)),
        for_update=lock,
    )
    if row is None:
        raise _not_found(conversation_id)
    return row


async def _post(
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


async def _message(conn: asyncpg.Connection, conversation_id: UUID, message_id: UUID) -> Message:
    [row] = await store.messages(conn, conversation_id, 1, 0, message_id=message_id)
    return Message.model_validate(dict(row))


# --- conversations ---------------------------------------------------------------------------


@router.get(
    "/dossiers/{dossier_id}/conversations",
    response_model=list[Conversation],
    summary="The dossier's conversations the caller may read, latest message first",
)
async def list_conversations(
    runtime: CurrentRuntime,
    scope: Scope,
    status_filter: Annotated[
        ConversationStatus | None, Query(alias="status", description="open or closed")
    ] = None,
    document_id: Annotated[UUID | None, Query(description="Only those about this document")] = None,
    unread: Annotated[bool, Query(description="Only those with unread messages")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[Conversation]:
    async with runtime.pool.acquire() as conn:
        rows = await store.list_conversations(
            conn,
            scope.office_id,
            scope.dossier_id,
            store.Visibility.of(_reader(scope.principal)),
            status=status_filter.value if status_filter else None,
            document_id=document_id,
            unread_only=unread,
            limit=limit,
            offset=offset,
        )
    return [Conversation.model_validate(dict(row)) for row in rows]


@router.post(
    "/dossiers/{dossier_id}/conversations",
    status_code=status.HTTP_201_CREATED,
    response_model=Conversation,
    summary="Start a conversation (about the dossier, a document, or a proposal: ask the client)",
    description="With a subject and a first message, or a `template_id` of the office's message "
    "templates (filled in with the dossier's and the proposal's data). The other side is "
    "e-mailed the message (when an SMTP server is configured). Attachments: post them as a "
    "next message.",
    responses={
        403: error_response(
            "The role may not start conversations, or not with this audience",
            "the role client_document_delivery may not address everyone in the dossier; "
            "address the conversation to yourself",
        ),
        404: error_response(
            "No such proposal or template",
            "proposal b00c0000-0000-4000-8000-0000000000a1 not found",
        ),
        422: error_response(
            "Invalid fields, no subject or text without a template, or a template placeholder "
            "without a value",
            "the template needs {invoice_number}, which only a conversation started from a "
            "proposal has",
        ),
    },
)
async def start_conversation(
    request: Request, body: NewConversation, runtime: CurrentRuntime, scope: Scope
) -> Conversation:
    reader = _reader(scope.principal)
    if body.audience is Audience.USER and body.addressed_to is None:
        raise _unprocessable("body.addressed_to: a conversation with one user names the user")
    if body.audience is not Audience.USER and body.addressed_to is not None:
        raise _unprocessable("body.addressed_to: only for audience 'user'")
    addressing = (
        Addressing(body.audience, body.addressed_to)
        if body.audience is not None
        else default_addressing(reader)
    )
    try:
        check_may_start(reader, addressing)
    except ConversationRefused as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    if body.notify and reader.side is not Side.OFFICE:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the office names users to notify")
    not_addresses = [address for address in body.notify if not is_email_address(address)]
    if not_addresses:
        raise _unprocessable(f"body.notify: not an e-mail address: {', '.join(not_addresses)}")
    async with runtime.unit_of_work() as uow:
        document_id = body.document_id
        values: dict[str, str] = {"sender": reader.subject}
        values["client_name"] = (
            await store.dossier_name(uow.conn, scope.office_id, scope.dossier_id) or ""
        )
        if body.proposal_id is not None:
            proposal = await store.proposal_facts(
                uow.conn, scope.office_id, scope.dossier_id, body.proposal_id
            )
            if proposal is None:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND, f"proposal {body.proposal_id} not found"
                )
            if document_id is not None and document_id != proposal["document_id"]:
                raise _unprocessable(
                    "body.document_id: the proposal is about document "
                    f"{proposal['document_id']}, not {document_id}"
                )
            document_id = proposal["document_id"]
            values |= _proposal_values(proposal)
        subject, text = body.subject, body.text
        if body.template_id is not None:
            if reader.side is not Side.OFFICE:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "message templates are the office's")
            template = await store.get_template(uow.conn, scope.office_id, body.template_id)
            if template is None:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND, f"message template {body.template_id} not found"
                )
            try:
                filled_subject, filled_text = render_template(
                    template["subject"], template["body"], values
                )
            except TemplateInvalid as exc:
                raise _unprocessable(str(exc)) from exc
            subject = subject or " ".join(filled_subject.split())[:200]
            text = text or filled_text[:MAX_TEXT]
        if not subject or not subject.strip():
            raise _unprocessable("body.subject: a subject is required without a template")
        if not text or not text.strip():
            raise _unprocessable("body.text: a first message is required without a template")
        for field, value, multiline in (("subject", subject, False), ("text", text, True)):
            problem = control_character_problem(value, multiline=multiline)
            if problem is not None:  # only a filled template can get here
                raise _unprocessable(f"body.{field}: {problem}")
        conversation_id = await store.insert_conversation(
            uow.conn,
            office_id=scope.office_id,
            dossier_id=scope.dossier_id,
            subject=subject,
            addressing=addressing,
            document_id=document_id,
            proposal_id=body.proposal_id,
            started_by=reader,
        )
        for address in body.notify:
            await store.add_participant(uow.conn, conversation_id, address, Side.CLIENT, None)
        conversation = await _conversation(uow.conn, scope, conversation_id, lock=True)
        await _post(uow.conn, conversation, reader, text, [])
        created = await _conversation(uow.conn, scope, conversation_id)
    wake(request)
    return Conversation.model_validate(dict(created))


def _proposal_values(proposal: Any) -> dict[str, str]:
    total = proposal["total_incl_vat"]
    return {
        "invoice_number": proposal["invoice_number"] or "",
        "invoice_date": proposal["invoice_date"].isoformat() if proposal["invoice_date"] else "",
        "counterparty_name": proposal["counterparty_name"] or "",
        "total_incl_vat": f"{total} {proposal['currency'] or ''}".strip() if total else "",
    }


@router.get(
    "/dossiers/{dossier_id}/conversations/{conversation_id}",
    response_model=Conversation,
    summary="One conversation",
    responses={404: NOT_FOUND},
)
async def get_conversation(
    conversation_id: UUID, runtime: CurrentRuntime, scope: Scope
) -> Conversation:
    async with runtime.pool.acquire() as conn:
        row = await _conversation(conn, scope, conversation_id)
    return Conversation.model_validate(dict(row))


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
        await _conversation(conn, scope, conversation_id)
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
    reader = _reader(scope.principal)
    text, attachments = await _read_message(request, settings)
    async with runtime.unit_of_work() as uow:
        conversation = await _conversation(uow.conn, scope, conversation_id, lock=True)
        try:
            check_may_write(ConversationStatus(conversation["status"]))
        except ConversationClosed as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        row = await _post(uow.conn, conversation, reader, text, attachments)
        message = await _message(uow.conn, conversation_id, row["id"])
    wake(request)
    return message


async def _read_message(request: Request, settings: Any) -> tuple[str, list[store.NewAttachment]]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > MAX_JSON_BODY:
                raise _unprocessable(f"body: a message is at most {MAX_TEXT} characters")
        try:
            return NewMessage.model_validate_json(bytes(body)).text, []
        except ValidationError as exc:
            raise _invalid_body(exc) from exc
    if not content_type.startswith("multipart/form-data"):
        raise _unprocessable("body: send the message as JSON or as multipart/form-data")
    form = await read_form(
        request,
        file_field="file",
        max_bytes=settings.attachment_max_bytes,
        max_files=settings.attachments_per_message,
    )
    unknown = sorted(set(form.fields) - {"text"})
    if unknown:
        raise _unprocessable(f"body: unknown field {', '.join(unknown)}")
    text = form.fields.get("text", "")
    if text:
        try:
            text = NewMessage(text=text).text
        except ValidationError as exc:
            raise _invalid_body(exc) from exc
    if not text.strip() and not form.files:
        raise _unprocessable("body.text: a message needs text or an attachment")
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
        await _conversation(conn, scope, conversation_id)
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
    reader = _reader(scope.principal)
    async with runtime.unit_of_work() as uow:
        await _conversation(uow.conn, scope, conversation_id)
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
        row = await _conversation(uow.conn, scope, conversation_id)
    return Conversation.model_validate(dict(row))


async def _set_status(
    runtime: Any, scope: DossierScope, conversation_id: UUID, wanted: ConversationStatus
) -> Conversation:
    async with runtime.unit_of_work() as uow:
        row = await _conversation(uow.conn, scope, conversation_id, lock=True)
        if row["status"] == wanted.value:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"the conversation is {wanted.value} already"
            )
        await store.set_status(uow.conn, conversation_id, wanted.value, scope.principal.subject)
        row = await _conversation(uow.conn, scope, conversation_id)
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


# --- unread counts ---------------------------------------------------------------------------


@router.get(
    "/dossiers/{dossier_id}/unread-messages",
    response_model=UnreadCounts,
    summary="The caller's unread messages and conversations in the dossier",
)
async def dossier_unread(runtime: CurrentRuntime, scope: Scope) -> UnreadCounts:
    async with runtime.pool.acquire() as conn:
        [row] = await store.unread_per_dossier(
            conn, scope.office_id, [scope.dossier_id], store.Visibility.of(_reader(scope.principal))
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
            conn, principal.office_id, dossiers, store.Visibility.of(_reader(principal))
        )
    counts = [UnreadCounts.model_validate(dict(row)) for row in rows]
    return MyUnread(unread_messages=sum(c.unread_messages for c in counts), dossiers=counts)


# --- message templates (per office) ----------------------------------------------------------

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
    return await _save_template(runtime, principal, uuid.uuid4(), body, create=True)


async def _save_template(
    runtime: Any, principal: Principal, template_id: UUID, body: MessageTemplateIn, *, create: bool
) -> MessageTemplate:
    _office_user(principal, TEMPLATE_EDITORS)
    try:
        check_template(body.subject, body.body)
    except TemplateInvalid as exc:
        raise _unprocessable(str(exc)) from exc
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


# The API and the notifier that e-mails new messages (a router with a lifespan).
ROUTERS = [router, notifier_router]
