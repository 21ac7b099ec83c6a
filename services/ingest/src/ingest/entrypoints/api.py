"""Mailboxes: deliver documents, list them, fetch their content, send them to the office."""

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from ledgerline.auth import DELIVERERS, OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.events import DocumentSubmitted
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.formparsers import MultiPartException, MultiPartParser

from ingest.adapters import repository
from ingest.domain.documents import DocumentRefused, classify
from ingest.domain.email import addresses_of, normalise_whitelist_entry
from ingest.intake import Delivery, IncomingFile, take_in

router = APIRouter(tags=["documents"])

Mailbox = Literal["purchase", "sales", "misc"]
DocumentStatus = Literal["in_mailbox", "in_processing", "booked"]
READERS = DELIVERERS | {Role.SERVICE}


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
    "payment_status": "in_basket",
    "handled": False,
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
    payment_status: str | None = Field(
        description="in_basket, in_processing ('payment in processing') or paid"
    )
    handled: bool
    sender: str | None = Field(default=None, description="E-mail: the sender's address")
    subject: str | None = Field(default=None, description="E-mail: the message's subject")


def _document(row: object) -> Document:
    return Document.model_validate(dict(row))  # type: ignore[call-overload]


# What a multipart body may carry besides the file itself: boundaries, part headers, a name.
MULTIPART_ENVELOPE_BYTES = 64 * 1024


def _too_large(max_bytes: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"the document is larger than {max_bytes} bytes"
    )


async def _body_up_to(request: Request, limit: int, max_bytes: int) -> AsyncIterator[bytes]:
    """The request body as it arrives, chunked or not; stops reading with a 413 as soon as more
    than `limit` bytes came, so an oversized upload is never read, spooled or kept whole."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(max_bytes)
        yield chunk


async def _read_upload(request: Request, max_bytes: int) -> tuple[bytes, str | None, str]:
    """The uploaded bytes, the file name given, and the channel (multipart upload or raw API)."""
    content_type = request.headers.get("content-type", "")
    multipart = content_type.startswith("multipart/form-data")
    limit = max_bytes + (MULTIPART_ENVELOPE_BYTES if multipart else 0)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(max_bytes)
    if multipart:
        # Starlette's own parser, fed through the limiter instead of `request.form()` (which
        # would spool a body of any size to disk before we could look at it).
        parser = MultiPartParser(
            request.headers, _body_up_to(request, limit, max_bytes), max_files=1, max_fields=5
        )
        try:
            form = await parser.parse()
        except MultiPartException as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"malformed multipart body: {exc.message}"
            ) from exc
        try:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT, "the multipart form needs a 'file' field"
                )
            if upload.size is not None and upload.size > max_bytes:
                raise _too_large(max_bytes)
            return await upload.read(), upload.filename, "upload"
        finally:
            await form.close()
    body = bytearray()
    async for chunk in _body_up_to(request, limit, max_bytes):
        body.extend(chunk)
    return bytes(body), None, "api"


@router.post(
    "/dossiers/{dossier_id}/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=Document,
    summary="Deliver a document (PDF, image, or UBL XML) to a dossier's mailbox",
    description=(
        "Send the file as the raw request body (e.g. `Content-Type: application/xml` for a "
        "Peppol UBL invoice) or as multipart/form-data with a `file` field."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/xml": {"schema": {"type": "string"}, "example": UBL_EXAMPLE},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
            "required": True,
        }
    },
    responses={
        413: error_response("The document is larger than the limit (20 MB by default)"),
        422: error_response(
            "Not a PDF, image or well-formed XML (or XML with a DOCTYPE), an empty body, "
            "a multipart form without a `file`, or invalid parameters"
        ),
    },
)
async def deliver_document(
    request: Request,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*DELIVERERS)],
    mailbox: Annotated[Mailbox, Query(description="Which mailbox receives it")] = "purchase",
    filename: Annotated[str | None, Query(max_length=200)] = None,
) -> Document:
    max_bytes: int = runtime.settings.max_document_bytes  # type: ignore[attr-defined]
    content, uploaded_name, channel = await _read_upload(request, max_bytes)
    try:
        kind = classify(content, max_bytes)
    except DocumentRefused as exc:
        code = status.HTTP_413_CONTENT_TOO_LARGE if len(content) > max_bytes else 422
        raise HTTPException(code, str(exc)) from exc
    async with runtime.unit_of_work() as uow:
        dossier = await repository.get_dossier(uow.conn, scope.office_id, scope.dossier_id)
        if dossier is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
        delivery = Delivery(
            office_id=scope.office_id,
            dossier_id=scope.dossier_id,
            mailbox=mailbox,
            channel=channel,
            delivered_by=scope.principal.subject,
        )
        base_url: str = runtime.settings.public_base_url
        rows = await take_in(
            uow,
            dossier,
            delivery,
            [IncomingFile(content, kind, filename or uploaded_name)],
            base_url,
        )
    return _document(rows[0])


@router.get(
    "/dossiers/{dossier_id}/documents",
    response_model=list[Document],
    summary="Documents of a dossier, newest first",
)
async def list_documents(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*DELIVERERS)],
    mailbox: Mailbox | None = None,
    status_filter: Annotated[DocumentStatus | None, Query(alias="status")] = None,
) -> list[Document]:
    async with runtime.pool.acquire() as connection:
        if await repository.get_dossier(connection, scope.office_id, scope.dossier_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
        rows = await repository.list_documents(
            connection, scope.office_id, scope.dossier_id, mailbox, status_filter
        )
    return [_document(row) for row in rows]


@router.get(
    "/dossiers/{dossier_id}/documents/{document_id}",
    response_model=Document,
    summary="One document",
    responses={404: error_response("No such document in the dossier")},
)
async def get_document(
    document_id: UUID,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*READERS)],
) -> Document:
    async with runtime.pool.acquire() as connection:
        row = await repository.get_document(
            connection, scope.office_id, scope.dossier_id, document_id
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {document_id} not found")
    return _document(row)


@router.get(
    "/dossiers/{dossier_id}/documents/{document_id}/content",
    summary="The document's file, byte for byte",
    response_class=Response,
    responses={
        200: {
            "description": "The file as delivered, with the type found when it was received",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/xml": {"schema": {"type": "string"}, "example": UBL_EXAMPLE},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/tiff": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        404: error_response("No such document in the dossier"),
    },
)
async def get_document_content(
    document_id: UUID,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*READERS)],
) -> Response:
    async with runtime.pool.acquire() as connection:
        row = await repository.get_content(
            connection, scope.office_id, scope.dossier_id, document_id
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {document_id} not found")
    return Response(
        content=row["content"],
        media_type=row["content_type"],
        headers={"Content-Disposition": f'attachment; filename="{row["filename"]}"'},
    )


@router.post(
    "/dossiers/{dossier_id}/documents/{document_id}/submit",
    response_model=Document,
    summary="Send a mailbox document to the office (it moves to 'in processing')",
    responses={
        404: error_response("No such document in the dossier"),
        409: error_response(
            "The document is no longer in the mailbox",
            "document 5d0c0000-0000-4000-8000-00000000d0c1 is in_processing; "
            "only mailbox documents can be sent",
        ),
    },
)
async def submit_document(
    document_id: UUID,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*(DELIVERERS | OFFICE_ROLES))],
) -> Document:
    async with runtime.unit_of_work() as uow:
        row = await repository.mark_submitted(
            uow.conn, scope.office_id, scope.dossier_id, document_id
        )
        if row is None:
            existing = await repository.get_document(
                uow.conn, scope.office_id, scope.dossier_id, document_id
            )
            if existing is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {document_id} not found")
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"document {document_id} is {existing['status']}; only mailbox documents can be sent",
            )
        document = _document(row)
        assert document.submitted_at is not None
        uow.emit(
            DocumentSubmitted(
                document_id=document.id,
                mailbox=document.mailbox,
                submitted_at=document.submitted_at,
                submitted_by=scope.principal.subject,
            ),
            dossier_id=scope.dossier_id,
            office_id=scope.office_id,
            subject=f"documents/{document.id}",
        )
    return document


SETTINGS_EDITORS = frozenset({Role.ADMIN, Role.EMPLOYEE, Role.CLIENT_ADMINISTRATOR})


class IntakeSettingsChange(BaseModel):
    """The dossier's intake channel settings (seed 003, "Invoerkanalen"), replaced as a whole."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "auto_forward_purchase": True,
                    "auto_forward_sales": False,
                    "use_sender_whitelist": True,
                    "sender_whitelist": ["facturen@meelhandel-janssens.example", "energie.example"],
                }
            ]
        },
    )

    auto_forward_purchase: bool = Field(
        description="Purchase documents skip the mailbox and go to the office ('in processing')"
    )
    auto_forward_sales: bool = Field(description="The same for sales documents")
    use_sender_whitelist: bool = Field(
        description="Mail from senders not on the whitelist is refused (SMTP 550 at RCPT)"
    )
    sender_whitelist: list[str] = Field(
        default_factory=list,
        max_length=500,
        description="Sender addresses (invoices@supplier.be) or whole domains (supplier.be)",
    )

    @field_validator("sender_whitelist")
    @classmethod
    def _entries(cls, entries: list[str]) -> list[str]:
        return sorted({normalise_whitelist_entry(entry) for entry in entries})


class IntakeSettings(IntakeSettingsChange):
    addresses: dict[str, str] | None = Field(
        description="The dossier's e-mail addresses: unique (to the purchase mailbox), purchase, "
        "sales, misc; null until ingest knows the dossier's code and mail domain"
    )


def _intake_settings(dossier: object) -> IntakeSettings:
    row = dict(dossier)  # type: ignore[call-overload]
    code, domain = row["dossier_code"], row["email_domain"]
    return IntakeSettings(
        auto_forward_purchase=row["auto_forward_purchase"],
        auto_forward_sales=row["auto_forward_sales"],
        use_sender_whitelist=row["use_sender_whitelist"],
        sender_whitelist=list(row["sender_whitelist"]),
        addresses=addresses_of(code, domain) if code and domain else None,
    )


@router.get(
    "/dossiers/{dossier_id}/intake-settings",
    response_model=IntakeSettings,
    tags=["intake settings"],
    summary="The dossier's e-mail addresses, auto-forward and sender whitelist",
)
async def get_intake_settings(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*DELIVERERS)],
) -> IntakeSettings:
    async with runtime.pool.acquire() as connection:
        dossier = await repository.get_dossier(connection, scope.office_id, scope.dossier_id)
    if dossier is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
    return _intake_settings(dossier)


@router.put(
    "/dossiers/{dossier_id}/intake-settings",
    response_model=IntakeSettings,
    tags=["intake settings"],
    summary="Set auto-forward per purchase / sales and the e-mail sender whitelist",
    description=(
        "With `use_sender_whitelist`, the SMTP intake refuses at RCPT (550 5.7.1) mail whose "
        "envelope sender (MAIL FROM) is neither listed nor of a listed domain. With auto-forward, "
        "new documents of that mailbox go straight to 'in processing' (document.submitted.v1)."
    ),
    responses={422: error_response("A whitelist entry is neither an address nor a domain")},
)
async def put_intake_settings(
    change: IntakeSettingsChange,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*SETTINGS_EDITORS)],
) -> IntakeSettings:
    async with runtime.unit_of_work() as uow:
        dossier = await repository.update_intake_settings(
            uow.conn, scope.office_id, scope.dossier_id, change.model_dump()
        )
    if dossier is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
    return _intake_settings(dossier)
