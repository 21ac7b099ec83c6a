"""The dossier's conversations: list them, start one (about the dossier, a document, or a
proposal: "ask the client", optionally from a message template), read one."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, status
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.text import control_character_problem

from worklist.adapters import conversations as store
from worklist.conversations_notifier import wake
from worklist.domain.conversations import (
    Addressing,
    Audience,
    ConversationRefused,
    ConversationStatus,
    Side,
    TemplateInvalid,
    check_may_start,
    default_addressing,
    is_email_address,
    proposal_values,
    render_template,
)
from worklist.entrypoints.conversations_api.access import (
    Scope,
    readable_conversation,
    reader_of,
    unprocessable,
)
from worklist.entrypoints.conversations_api.messages import post_and_notify
from worklist.entrypoints.conversations_api.models import (
    MAX_TEXT,
    NOT_FOUND,
    Conversation,
    NewConversation,
)

router = APIRouter(tags=["conversations"])


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
            store.Visibility.of(reader_of(scope.principal)),
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
    reader = reader_of(scope.principal)
    if body.audience is Audience.USER and body.addressed_to is None:
        raise unprocessable("body.addressed_to: a conversation with one user names the user")
    if body.audience is not Audience.USER and body.addressed_to is not None:
        raise unprocessable("body.addressed_to: only for audience 'user'")
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
        raise unprocessable(f"body.notify: not an e-mail address: {', '.join(not_addresses)}")
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
                raise unprocessable(
                    "body.document_id: the proposal is about document "
                    f"{proposal['document_id']}, not {document_id}"
                )
            document_id = proposal["document_id"]
            values |= proposal_values(dict(proposal))
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
                raise unprocessable(str(exc)) from exc
            subject = subject or " ".join(filled_subject.split())[:200]
            text = text or filled_text[:MAX_TEXT]
        if not subject or not subject.strip():
            raise unprocessable("body.subject: a subject is required without a template")
        if not text or not text.strip():
            raise unprocessable("body.text: a first message is required without a template")
        for field, value, multiline in (("subject", subject, False), ("text", text, True)):
            problem = control_character_problem(value, multiline=multiline)
            if problem is not None:  # only a filled template can get here
                raise unprocessable(f"body.{field}: {problem}")
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
        conversation = await readable_conversation(uow.conn, scope, conversation_id, lock=True)
        await post_and_notify(uow.conn, conversation, reader, text, [])
        created = await readable_conversation(uow.conn, scope, conversation_id)
    wake(request)
    return Conversation.model_validate(dict(created))


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
        row = await readable_conversation(conn, scope, conversation_id)
    return Conversation.model_validate(dict(row))
