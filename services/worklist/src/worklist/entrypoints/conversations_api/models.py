"""The conversations API's request and response bodies, their examples, and the 404 every
route about one conversation shares."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ledgerline.errors import error_response
from ledgerline.text import SingleLine, Text
from pydantic import BaseModel, ConfigDict, Field

from worklist.domain.conversations import Audience, ConversationStatus, Side

MAX_TEXT = 10_000

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
