"""A document as the API shows it: the model every route that answers with documents uses
(delivery, reading, mailboxes, merge and split), made from a row for its caller, and the
examples the OpenAPI document shows of a document and of an e-invoice's XML."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Mailbox = Literal["purchase", "sales", "misc"]
ApprovalStatus = Literal["to_approve_by_me", "to_approve", "approved", "rejected"]


# FastAPI leaves nulls out of the document's examples: examples show fields that have values.
DOCUMENT_EXAMPLE = {
    "id": "5d0c0000-0000-4000-8000-00000000d0c1",
    "dossier_id": "d0551e00-0000-4000-8000-000000000001",
    "mailbox": "purchase",
    "channel": "api",
    "filename": "invoice-2026-0042.xml",
    "content_type": "application/xml",
    "size_bytes": 4312,
    "sha256": "9f2c4b1e0d3a5f6e7c8b9a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f",
    "status": "in_processing",
    "delivered_by": "ben.baker@bakkerij-peeters.example",
    "received_at": "2026-11-30T09:20:00Z",
    "submitted_at": "2026-11-30T09:25:00Z",
    "recognition_status": "ok",
    "counterparty_name": "Meelhandel Janssens NV",
    "total_incl_vat": "1210.00",
    "currency": "EUR",
    "invoice_number": "2026-0042",
    "payment_status": "in_basket",
    "handled": False,
    "labels": ["Project 2"],
    "page_count": 1,
}
UBL_EXAMPLE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"\n'
    '         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">\n'
    "  <cbc:ID>2026-0042</cbc:ID>\n"
    "  <cbc:IssueDate>2026-11-30</cbc:IssueDate>\n"
    "  <!-- ... the rest of a Peppol BIS Billing 3.0 invoice ... -->\n"
    "</Invoice>\n"
)


class Document(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [DOCUMENT_EXAMPLE]})

    id: UUID
    dossier_id: UUID
    mailbox: Mailbox
    channel: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    status: str
    delivered_by: str
    received_at: datetime
    submitted_at: datetime | None
    recognition_status: str | None
    counterparty_name: str | None
    total_incl_vat: Decimal | None
    currency: str | None
    invoice_number: str | None = Field(
        default=None, description="The invoice (or credit note) number, after recognition"
    )
    payment_status: str | None = Field(
        description="in_basket, in_processing ('payment in processing') or paid"
    )
    handled: bool
    approval_status: ApprovalStatus | None = Field(
        default=None,
        description="With the dossier's invoice approval process on: to_approve_by_me (for the "
        "caller), to_approve (by others), approved or rejected. Only approved invoices can be "
        "sent or paid",
    )
    sender: str | None = Field(default=None, description="E-mail: the sender's address")
    subject: str | None = Field(default=None, description="E-mail: the message's subject")
    journal: str | None = Field(
        default=None,
        description="E-mail to a journal's own address (aankoop-<journal>-<code>@): the journal "
        "the office books it in",
    )
    labels: list[str] = Field(
        default_factory=list, description="The client's labels (approval rules use them)"
    )
    page_count: int | None = Field(
        default=None, description="Pages of a PDF; null for other files or unreadable PDFs"
    )
    duplicate_of: UUID | None = Field(
        default=None,
        description="The dossier's earliest document with the same bytes: this one is a "
        "duplicate of it (stored anyway, flagged)",
    )
    document_number: str | None = Field(
        default=None, description="Booked: the document number in the accounting package"
    )
    derived_from: list[UUID] = Field(
        default_factory=list,
        description="Made by a merge or split: the documents it was made of (in the archive)",
    )
    replaced_by: list[UUID] = Field(
        default_factory=list,
        description="Archived as the source of a merge or split: the documents made of it",
    )


def _approval_status(row: Any, caller: str) -> str | None:
    if row["approval_status"] == "pending":
        return "to_approve_by_me" if caller in row["approval_waiting_for"] else "to_approve"
    return row["approval_status"]  # type: ignore[no-any-return]


def document_of(row: Any, caller: str) -> Document:
    values = dict(row)
    values.pop("approval_waiting_for")
    values.pop("sort_value", None)
    values["approval_status"] = _approval_status(row, caller)
    return Document.model_validate(values)
