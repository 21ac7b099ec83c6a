"""Mailboxes: deliver documents, list them, fetch their content, send them to the office."""

import contextlib
import hashlib
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, cast
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status
from ledgerline.auth import (
    CurrentPrincipal,
    DossierScope,
    Principal,
    Role,
    dossier_scope,
)
from ledgerline.db import UnitOfWork
from ledgerline.errors import error_response, found_or_404
from ledgerline.events import DocumentSubmitted
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from ledgerline.uploads import read_body, read_form
from pydantic import (
    Base64Bytes,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ingest.adapters import repository
from ingest.adapters.blobs import BlobStore, BlobStoreUnavailable, blob_store
from ingest.config import IngestSettings
from ingest.domain.documents import DocumentRefused, Limits, ZipLimits, examine, is_zip, unzip
from ingest.domain.email import (
    JournalCopy,
    addressable_journals,
    addresses_of,
    journal_address,
    normalise_whitelist_entry,
)
from ingest.domain.mailbox import BadLabel, with_labels
from ingest.domain.peppol import NoBuyer, buyer_vat_numbers
from ingest.domain.profiles import (
    DOCUMENT_READERS,
    MAILBOX_READERS,
    SENDERS,
    SETTINGS_EDITORS,
    UPLOADERS,
    sees_archive,
)
from ingest.intake import Delivery, IncomingFile, take_in_as_configured

router = APIRouter(tags=["documents"])

Mailbox = Literal["purchase", "sales", "misc"]
DocumentStatus = Literal["in_mailbox", "in_processing", "booked", "archived"]
ApprovalStatus = Literal["to_approve_by_me", "to_approve", "approved", "rejected"]
# Booked documents and the sources of a merge or split: what only the archive profiles see.
ARCHIVED = ("booked", "archived")


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


def _document(row: Any, caller: str) -> Document:
    values = dict(row)
    values.pop("approval_waiting_for")
    values.pop("sort_value", None)
    values["approval_status"] = _approval_status(row, caller)
    return Document.model_validate(values)


async def _read_multipart(
    request: Request, max_bytes: int, max_files: int
) -> list[tuple[bytes, str | None]]:
    """The `file` fields of a multipart body (at most `max_files`, each at most `max_bytes`),
    read within the limit by the shared reader."""
    form = await read_form(
        request,
        file_field="file",
        max_bytes=max_bytes,
        max_files=max_files,
        max_fields=5 + max_files,
        what="the document",
    )
    if not form.files:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the multipart form needs a 'file' field"
        )
    return [(upload.content, upload.filename) for upload in form.files]


async def _read_upload(request: Request, max_bytes: int) -> tuple[bytes, str | None, str]:
    """The uploaded bytes, the file name given, and the channel (multipart upload or raw API)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        [(content, filename)] = await _read_multipart(request, max_bytes, 1)
        return content, filename, "upload"
    return await _read_raw(request, max_bytes), None, "api"


async def _read_raw(request: Request, max_bytes: int) -> bytes:
    return await read_body(request, max_bytes=max_bytes, what="the document")


def _classified(content: bytes, filename: str | None, limits: Limits) -> IncomingFile:
    """The file checked by its bytes (kind, size, pages, password, pixels); a refusal is the
    request's 413 or 422, naming the file."""
    try:
        examined = examine(content, limits)
    except DocumentRefused as exc:
        code = status.HTTP_413_CONTENT_TOO_LARGE if len(content) > limits.max_bytes else 422
        named = f"{filename}: {exc}" if filename else str(exc)
        raise HTTPException(code, named) from exc
    return IncomingFile(content, examined.kind, filename, examined.page_count)


def _unzipped(content: bytes, filename: str | None, settings: IngestSettings) -> list[IncomingFile]:
    """Each file of an uploaded ZIP archive, checked like an uploaded file; one refusal refuses
    the archive (and so the whole upload)."""
    limits = ZipLimits(
        max_entries=settings.max_files_per_upload,
        max_entry_bytes=settings.max_document_bytes,
        max_total_bytes=settings.max_zip_unpacked_bytes,
    )
    try:
        entries = unzip(content, limits)
    except DocumentRefused as exc:
        named = f"{filename}: {exc}" if filename else str(exc)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, named) from exc
    files = []
    for name, data in entries:
        try:
            examined = examine(data, settings.limits())
        except DocumentRefused as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"{filename or 'the ZIP'}: {name}: {exc}"
            ) from exc
        files.append(IncomingFile(data, examined.kind, name, examined.page_count))
    return files


STORE_UNAVAILABLE = error_response(
    "The document store (the S3-compatible object store, when configured) is unavailable",
    "the document store is unavailable; nothing was stored, try again later",
)


@contextlib.contextmanager
def _blob_store_answering(storing: bool = True) -> Iterator[None]:
    """An object store that is down is the service's trouble, not the caller's: 503, and the
    unit of work around rolls back, so nothing is stored."""
    try:
        yield
    except BlobStoreUnavailable as exc:
        stored = "nothing was stored, " if storing else ""
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the document store is unavailable; {stored}try again later",
        ) from exc


async def store_delivery(
    uow: UnitOfWork,
    dossier: Any,
    delivery: Delivery,
    files: list[IncomingFile],
    settings: IngestSettings,
    blobs: BlobStore,
) -> list[asyncpg.Record]:
    """`take_in_as_configured`; an object store that is down answers 503."""
    with _blob_store_answering():
        return await take_in_as_configured(uow, dossier, delivery, files, settings, blobs)


async def _dossier(connection: asyncpg.Connection, scope: DossierScope) -> Any:
    """The dossier's row: the one `dossier_scope` found in the directory (ingest's `dossiers`
    table), else read again (a directory that keeps no rows)."""
    if scope.dossier is not None and scope.dossier.details is not None:
        return scope.dossier.details
    return found_or_404(
        await repository.get_dossier(connection, scope.office_id, scope.dossier_id),
        f"dossier {scope.dossier_id}",
    )


def _labels(labels: list[str] | None) -> tuple[str, ...]:
    try:
        return tuple(with_labels([], labels or []))
    except BadLabel as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


LabelsParam = Annotated[
    list[str] | None,
    Query(
        alias="label",
        description="The client's labels for the delivered documents (repeat for several)",
        examples=["Project 2"],
    ),
]


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
        503: STORE_UNAVAILABLE,
        413: error_response("The document is larger than the limit (25 MB by default)"),
        422: error_response(
            "Not a PDF, image or well-formed XML (or XML with a DOCTYPE), an empty body, "
            "a multipart form without a `file`, a damaged PDF, a PDF over the page limit (200 "
            "by default) or protected with a password, an image over 100 megapixels, a ZIP archive (use "
            "/documents/batch), an invalid label, or invalid parameters",
            "the PDF is protected with a password; send it without the password",
        ),
    },
)
async def deliver_document(
    request: Request,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*UPLOADERS)],
    mailbox: Annotated[Mailbox, Query(description="Which mailbox receives it")] = "purchase",
    filename: Annotated[str | None, Query(max_length=200)] = None,
    label: LabelsParam = None,
) -> Document:
    settings = cast(IngestSettings, runtime.settings)
    content, uploaded_name, channel = await _read_upload(request, settings.max_document_bytes)
    if is_zip(content):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "a ZIP archive holds several documents: upload it to /documents/batch",
        )
    file = _classified(content, None, settings.limits())
    labels = _labels(label)
    async with runtime.unit_of_work() as uow:
        dossier = await _dossier(uow.conn, scope)
        delivery = Delivery(
            office_id=scope.office_id,
            dossier_id=scope.dossier_id,
            mailbox=mailbox,
            channel=channel,
            delivered_by=scope.principal.subject,
            labels=labels,
        )
        rows = await store_delivery(
            uow,
            dossier,
            delivery,
            [IncomingFile(content, file.kind, filename or uploaded_name, file.page_count)],
            settings,
            blob_store(runtime),
        )
    return _document(rows[0], scope.principal.subject)


@router.post(
    "/dossiers/{dossier_id}/documents/batch",
    status_code=status.HTTP_201_CREATED,
    response_model=list[Document],
    summary="Deliver several files in one multipart request (drag & drop, the mobile app)",
    description=(
        "multipart/form-data with one `file` field per file (at most `INGEST_MAX_FILES_PER_UPLOAD`"
        ", 20 by default). A ZIP archive is unpacked: each of its files becomes a document "
        "(folders flattened; at most that many files, each within the size limit, together at "
        "most `INGEST_MAX_ZIP_UNPACKED_BYTES`, compressed at most 100 to 1, no encrypted "
        "entries). All or nothing: when one file is refused, none is stored and the "
        "answer names the file. Each stored file is a document with its own "
        "`document.received.v1`; a file the dossier already has is stored and flagged "
        "`duplicate_of` the first."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            }
                        },
                        "required": ["file"],
                    }
                },
            },
            "required": True,
        }
    },
    responses={
        503: STORE_UNAVAILABLE,
        413: error_response("A file is larger than the limit (25 MB by default)"),
        422: error_response(
            "Not multipart, no `file` field, too many files, a file that is not a PDF, image "
            "or well-formed XML, a damaged PDF, a PDF over the page limit or with a password, an image over "
            "100 megapixels, or a ZIP archive beyond its limits (the message names the file)",
            "scans.zip: bomb.pdf in the ZIP archive is compressed more than 100 to 1; it is "
            "refused as a possible zip bomb",
        ),
    },
)
async def deliver_documents(
    request: Request,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*UPLOADERS)],
    mailbox: Annotated[Mailbox, Query(description="Which mailbox receives them")] = "purchase",
    label: LabelsParam = None,
) -> list[Document]:
    settings = cast(IngestSettings, runtime.settings)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "send the files as multipart/form-data, one 'file' field each",
        )
    uploads = await _read_multipart(
        request, settings.max_document_bytes, settings.max_files_per_upload
    )
    labels = _labels(label)
    files: list[IncomingFile] = []
    for content, filename in uploads:
        if is_zip(content):
            files += _unzipped(content, filename, settings)
        else:
            files.append(_classified(content, filename, settings.limits()))
    if len(files) > settings.max_files_per_upload:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"the upload holds {len(files)} documents (ZIP archives unpacked); the limit is "
            f"{settings.max_files_per_upload}",
        )
    async with runtime.unit_of_work() as uow:
        dossier = await _dossier(uow.conn, scope)
        delivery = Delivery(
            office_id=scope.office_id,
            dossier_id=scope.dossier_id,
            mailbox=mailbox,
            channel="upload",
            delivered_by=scope.principal.subject,
            labels=labels,
        )
        rows = await store_delivery(
            uow,
            dossier,
            delivery,
            files,
            settings,
            blob_store(runtime),
        )
    return [_document(row, scope.principal.subject) for row in rows]


class BulkItem(BaseModel):
    """One document of a bulk delivery: UBL/CII as text (`xml`) or any file as base64."""

    model_config = ConfigDict(extra="forbid")

    key: SingleLine = Field(
        min_length=1,
        max_length=200,
        description="The document's idempotency key, unique within the office (e.g. the access "
        "point's message id): a retried delivery with a key already stored returns that document "
        "instead of storing it again",
    )
    filename: SingleLine | None = Field(default=None, max_length=200)
    xml: str | None = Field(default=None, description="An XML e-invoice as text")
    content: Base64Bytes | None = Field(
        default=None, description="Any accepted file (PDF, image, XML), base64-encoded"
    )

    @model_validator(mode="after")
    def _one_content(self) -> "BulkItem":
        if (self.xml is None) == (self.content is None):
            raise ValueError("give the document as either `xml` or `content` (base64)")
        return self

    def data(self) -> bytes:
        return self.xml.encode() if self.xml is not None else cast(bytes, self.content)


class BulkDelivery(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "mailbox": "purchase",
                    "channel": "peppol",
                    "submit": True,
                    "documents": [
                        {"key": "ap-msg-000123", "filename": "INV-42.xml", "xml": UBL_EXAMPLE}
                    ],
                }
            ]
        },
    )

    mailbox: Mailbox = "purchase"
    channel: Literal["api", "peppol"] = Field(
        default="api", description="api (a connector) or peppol (an access point)"
    )
    submit: bool = Field(
        default=False,
        description="Send the documents to the office at once (they skip the mailbox, as with "
        "auto-forward)",
    )
    labels: list[str] = Field(default_factory=list, description="Labels of every document")
    documents: list[BulkItem] = Field(min_length=1)


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON Schema with its `$defs` written in place (the models are not recursive),
    for an OpenAPI request body that FastAPI does not parse itself."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            if reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return cast(dict[str, Any], resolve(schema))


class BulkResult(BaseModel):
    key: str
    created: bool = Field(description="false: the key was stored before; that document")
    document: Document


class BulkDelivered(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "documents": [
                        {"key": "ap-msg-000123", "created": True, "document": DOCUMENT_EXAMPLE}
                    ]
                }
            ]
        }
    )

    documents: list[BulkResult] = Field(description="In the order of the request's documents")


@router.post(
    "/dossiers/{dossier_id}/documents/bulk",
    status_code=status.HTTP_201_CREATED,
    response_model=BulkDelivered,
    summary="Deliver many documents in one request (connectors, Peppol access points)",
    # The body is read through a size limit and parsed here, not by FastAPI: described by hand.
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": _inlined(BulkDelivery.model_json_schema())}},
            "required": True,
        }
    },
    description=(
        "A JSON body with up to `INGEST_MAX_DOCUMENTS_PER_BULK` (1000) documents, each with its "
        "own idempotency `key`. They are stored in one transaction, each a document with its own "
        "`document.received.v1` (and `document.submitted.v1` with `submit`). All or nothing: a "
        "refused document refuses the request and the message names its key. A document whose "
        "key is already stored (a retry) is not stored again: its first document is returned "
        "with `created: false`; 200 when every key was stored before."
    ),
    responses={
        200: {"model": BulkDelivered, "description": "A retry: every key was stored before"},
        409: error_response(
            "A key was stored before for other bytes or another dossier",
            "documents[3] (key ap-msg-000126): the key was used for another document",
        ),
        413: error_response("The body or a document is larger than its limit"),
        422: error_response(
            "Malformed JSON, too many documents, a key given twice, or a document that is "
            "not a PDF, image or well-formed XML (the message names its key)"
        ),
    },
)
async def deliver_bulk(
    request: Request,
    response: Response,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*UPLOADERS)],
) -> BulkDelivered:
    settings = cast(IngestSettings, runtime.settings)
    body = await read_body(request, max_bytes=settings.max_bulk_bytes, what="the bulk request")
    try:
        bulk = BulkDelivery.model_validate_json(body)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors()[:10]
        ]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "; ".join(problems)) from exc
    if len(bulk.documents) > settings.max_documents_per_bulk:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{len(bulk.documents)} documents; one request may carry at most "
            f"{settings.max_documents_per_bulk}",
        )
    keys = [item.key for item in bulk.documents]
    if len(set(keys)) != len(keys):
        twice = sorted({key for key in keys if keys.count(key) > 1})
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"keys given twice: {', '.join(twice[:10])}"
        )
    if bulk.submit and scope.principal.role not in SENDERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"role {scope.principal.role.value} may deliver documents but not send them to the "
            "office (submit)",
        )
    labels = _labels(bulk.labels)
    limits = settings.limits()
    files: list[IncomingFile] = []
    for index, item in enumerate(bulk.documents):
        name = f"documents[{index}] (key {item.key})"
        content = item.data()
        if len(content) > settings.max_document_bytes:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"{name}: larger than {settings.max_document_bytes} bytes",
            )
        if is_zip(content):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"{name}: a ZIP archive; send its files as documents of their own",
            )
        checked = _classified(content, name, limits)
        files.append(
            IncomingFile(content, checked.kind, item.filename, checked.page_count, item.key)
        )
    delivery = Delivery(
        office_id=scope.office_id,
        dossier_id=scope.dossier_id,
        mailbox=bulk.mailbox,
        channel=bulk.channel,
        delivered_by=scope.principal.subject,
        labels=labels,
        submit=bulk.submit,
        submitted_by=scope.principal.subject if bulk.submit else None,
    )
    for attempt in (1, 2):
        try:
            results = await _store_bulk(runtime, scope, delivery, files)
            break
        except asyncpg.UniqueViolationError:
            # A key stored by a concurrent delivery meanwhile: the second try finds it.
            if attempt == 2:
                raise
    if not any(result.created for result in results):
        response.status_code = status.HTTP_200_OK
    return BulkDelivered(documents=results)


async def _store_bulk(
    runtime: Any, scope: DossierScope, delivery: Delivery, files: list[IncomingFile]
) -> list[BulkResult]:
    settings = cast(IngestSettings, runtime.settings)
    caller = scope.principal.subject
    async with runtime.unit_of_work() as uow:
        dossier = await _dossier(uow.conn, scope)
        stored = await repository.find_by_idempotency_keys(
            uow.conn, scope.office_id, [cast(str, file.idempotency_key) for file in files]
        )
        for index, file in enumerate(files):
            first = stored.get(cast(str, file.idempotency_key))
            if first is not None and (
                first["dossier_id"] != scope.dossier_id
                or first["sha256"] != hashlib.sha256(file.content).hexdigest()
            ):
                raise HTTPException(
                    status.HTTP_409_CONFLICT,
                    f"documents[{index}] (key {file.idempotency_key}): the key was used for "
                    f"another document ({first['id']})",
                )
        new = [file for file in files if file.idempotency_key not in stored]
        rows = iter(
            await store_delivery(uow, dossier, delivery, new, settings, blob_store(runtime))
        )
    results = []
    for file in files:
        key = cast(str, file.idempotency_key)
        if key in stored:
            results.append(
                BulkResult(key=key, created=False, document=_document(stored[key], caller))
            )
        else:
            results.append(
                BulkResult(key=key, created=True, document=_document(next(rows), caller))
            )
    return results


PEPPOL_CALLERS = frozenset({Role.ADMIN, Role.EMPLOYEE, Role.SERVICE})


@router.post(
    "/peppol/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=Document,
    tags=["peppol"],
    summary="Deliver a UBL or CII e-invoice; the dossier is the buyer's (connector, access point)",
    description=(
        "The raw XML as the body. The dossier is the caller's office's active dossier whose VAT "
        "number is the buyer's: the buyer's VAT number, or its Peppol participant id with "
        "scheme 0208 (Belgian enterprise number) or 9925 (Belgian VAT number). It lands in the "
        "purchase mailbox with channel `peppol`. With an `Idempotency-Key` header, a retried "
        "delivery with the same key returns the document of the first (200), stored once."
    ),
    openapi_extra={
        "requestBody": {
            "content": {"application/xml": {"schema": {"type": "string"}, "example": UBL_EXAMPLE}},
            "required": True,
        }
    },
    responses={
        503: STORE_UNAVAILABLE,
        200: {"model": Document, "description": "A retry: the document the key first stored"},
        403: error_response("The role may not deliver e-invoices"),
        409: error_response(
            "More than one dossier of the office has the buyer's VAT number, or the "
            "Idempotency-Key was used for another document"
        ),
        413: error_response("The document is larger than the limit (25 MB by default)"),
        422: error_response(
            "Not well-formed UBL/CII XML, no buyer identifier, or no dossier of the office has "
            "the buyer's VAT number"
        ),
    },
)
async def deliver_peppol_document(
    request: Request,
    response: Response,
    runtime: CurrentRuntime,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key", min_length=1, max_length=200, description="Unique per delivery"
        ),
    ] = None,
) -> Document:
    if principal.role not in PEPPOL_CALLERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the role {principal.role.value} may not do this; allowed: "
            + ", ".join(sorted(role.value for role in PEPPOL_CALLERS)),
        )
    settings = cast(IngestSettings, runtime.settings)
    content = await _read_raw(request, settings.max_document_bytes)
    file = _classified(content, None, settings.limits())
    if file.kind.content_type != "application/xml":
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the body must be a UBL or CII XML invoice"
        )
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        async with runtime.unit_of_work() as uow:
            if idempotency_key is not None:
                first = await repository.find_by_idempotency_key(
                    uow.conn, principal.office_id, idempotency_key
                )
                if first is not None:
                    response.status_code = status.HTTP_200_OK
                    return _same_delivery(first, sha256, idempotency_key, principal.subject)
            try:
                buyers = buyer_vat_numbers(content)
            except NoBuyer as exc:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
            dossier = await _buyer_dossier(uow.conn, principal, buyers)
            delivery = Delivery(
                office_id=principal.office_id,
                dossier_id=dossier["id"],
                mailbox="purchase",
                channel="peppol",
                delivered_by=principal.subject,
                idempotency_key=idempotency_key,
            )
            [row] = await store_delivery(
                uow,
                dossier,
                delivery,
                [file],
                settings,
                blob_store(runtime),
            )
    except asyncpg.UniqueViolationError:
        # The same key delivered twice at once: the other request stored it first.
        assert idempotency_key is not None
        async with runtime.pool.acquire() as connection:
            first = await repository.find_by_idempotency_key(
                connection, principal.office_id, idempotency_key
            )
        assert first is not None
        response.status_code = status.HTTP_200_OK
        return _same_delivery(first, sha256, idempotency_key, principal.subject)
    return _document(row, principal.subject)


def _same_delivery(first: asyncpg.Record, sha256: str, key: str, caller: str) -> Document:
    if first["sha256"] != sha256:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"the Idempotency-Key {key} was used for another document ({first['id']})",
        )
    return _document(first, caller)


async def _buyer_dossier(
    connection: asyncpg.Connection, principal: Principal, buyers: list[str]
) -> asyncpg.Record:
    """The one dossier of the caller's office (that the caller may see) for the buyer."""
    for vat_number in buyers:
        found = [
            dossier
            for dossier in await repository.dossiers_for_party(
                connection, principal.office_id, vat_number
            )
            if principal.role is not Role.EMPLOYEE or principal.is_assigned(dossier["id"])
        ]
        if len(found) > 1:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"{len(found)} dossiers of your office have the VAT number {vat_number}",
            )
        if found:
            return found[0]
    raise HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        "no dossier of your office has the buyer's VAT number " + " or ".join(buyers),
    )


def _archive_refused(role: Role) -> HTTPException:
    """Booked documents are the archive, which some client profiles may not see."""
    return HTTPException(
        status.HTTP_403_FORBIDDEN, f"the role {role.value} may not see the archive"
    )


def _readable(row: asyncpg.Record | None, document_id: UUID, scope: DossierScope) -> Any:
    """The document's row: 404 when there is none, 403 when it is in the archive and the
    caller's profile may not see that."""
    row = found_or_404(row, f"document {document_id}")
    if row["status"] in ARCHIVED and not sees_archive(scope.principal.role):
        raise _archive_refused(scope.principal.role)
    return row


@router.get(
    "/dossiers/{dossier_id}/documents",
    response_model=list[Document],
    summary="Documents of a dossier, newest first",
)
async def list_documents(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*MAILBOX_READERS)],
    mailbox: Mailbox | None = None,
    status_filter: Annotated[DocumentStatus | None, Query(alias="status")] = None,
    approval: Annotated[
        ApprovalStatus | None, Query(description="Only invoices with this approval status")
    ] = None,
) -> list[Document]:
    archive = sees_archive(scope.principal.role)
    if status_filter in ARCHIVED and not archive:
        raise _archive_refused(scope.principal.role)
    async with runtime.pool.acquire() as connection:
        found_or_404(
            await repository.get_dossier(connection, scope.office_id, scope.dossier_id),
            f"dossier {scope.dossier_id}",
        )
        rows = await repository.list_documents(
            connection, scope.office_id, scope.dossier_id, mailbox, status_filter
        )
    documents = [
        _document(row, scope.principal.subject)
        for row in rows
        if archive or row["status"] not in ARCHIVED
    ]
    return [d for d in documents if approval is None or d.approval_status == approval]


@router.get(
    "/dossiers/{dossier_id}/documents/{document_id}",
    response_model=Document,
    summary="One document",
    responses={404: error_response("No such document in the dossier")},
)
async def get_document(
    document_id: UUID,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*DOCUMENT_READERS)],
) -> Document:
    async with runtime.pool.acquire() as connection:
        row = await repository.get_document(
            connection, scope.office_id, scope.dossier_id, document_id
        )
    return _document(_readable(row, document_id, scope), scope.principal.subject)


@router.get(
    "/dossiers/{dossier_id}/documents/{document_id}/content",
    summary="The document's file, byte for byte",
    response_class=Response,
    responses={
        503: STORE_UNAVAILABLE,
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
    scope: Annotated[DossierScope, dossier_scope(*DOCUMENT_READERS)],
) -> Response:
    async with runtime.pool.acquire() as connection:
        row = await repository.get_content(
            connection, scope.office_id, scope.dossier_id, document_id
        )
        row = _readable(row, document_id, scope)
        content = row["content"]
        if content is None:
            with _blob_store_answering(storing=False):
                content = await blob_store(runtime).get(connection, row["sha256"])
    if content is None:
        # A row never exists without its blob (the blob is written first): the store lost it.
        raise RuntimeError(f"the blob {row['sha256']} of document {document_id} is missing")
    return Response(
        content=content,
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
    scope: Annotated[DossierScope, dossier_scope(*SENDERS)],
) -> Document:
    async with runtime.unit_of_work() as uow:
        return await _submit(uow, scope, document_id)


async def _submit(uow: UnitOfWork, scope: DossierScope, document_id: UUID) -> Document:
    """Sends one mailbox document to the office with its `document.submitted.v1`; a 404 or a
    409 saying why not (no longer in its mailbox, waiting for approval, rejected)."""
    row = await repository.mark_submitted(uow.conn, scope.office_id, scope.dossier_id, document_id)
    if row is None:
        existing = found_or_404(
            await repository.get_document(uow.conn, scope.office_id, scope.dossier_id, document_id),
            f"document {document_id}",
        )
        if existing["approval_status"] == "pending":
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"document {document_id} waits for approval"
                + (
                    " by " + ", ".join(existing["approval_waiting_for"])
                    if existing["approval_waiting_for"]
                    else ""
                )
                + "; only approved invoices can be sent",
            )
        if existing["approval_status"] == "rejected":
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"document {document_id} was rejected in approval; it cannot be sent or paid",
            )
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"document {document_id} is {existing['status']}; only mailbox documents can be sent",
        )
    document = _document(row, scope.principal.subject)
    assert document.submitted_at is not None
    uow.emit(
        DocumentSubmitted(
            document_id=document.id,
            mailbox=document.mailbox,
            submitted_at=document.submitted_at,
            submitted_by=scope.principal.subject,
            journal=document.journal,
        ),
        dossier_id=scope.dossier_id,
        office_id=scope.office_id,
        subject=f"documents/{document.id}",
    )
    return document


MAX_SUBMITTED_AT_ONCE = 200


class SubmitRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "document_ids": [
                        "5d0c0000-0000-4000-8000-00000000d0c1",
                        "5d0c0000-0000-4000-8000-00000000d0c2",
                    ]
                }
            ]
        },
    )

    document_ids: list[UUID] = Field(
        min_length=1,
        max_length=MAX_SUBMITTED_AT_ONCE,
        description="The mailbox documents to send to the office",
    )


@router.post(
    "/dossiers/{dossier_id}/documents/submit",
    response_model=list[Document],
    summary="Send several mailbox documents to the office at once (all or nothing)",
    description=(
        "The bulk form of `POST …/documents/{document_id}/submit`: each document moves to 'in "
        "processing' with its `document.submitted.v1`. All or nothing: one document that cannot "
        "be sent (unknown, no longer in its mailbox, waiting for approval, rejected) refuses "
        "the request with that document's reason, and none is sent. The answer lists the "
        "documents in the order asked."
    ),
    responses={
        404: error_response("A document is not in the dossier"),
        409: error_response(
            "A document cannot be sent",
            "document 5d0c0000-0000-4000-8000-00000000d0c1 waits for approval by "
            "lead@client.example; only approved invoices can be sent",
        ),
        422: error_response("No document, more than 200, or one twice"),
    },
)
async def submit_documents(
    body: SubmitRequest,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*SENDERS)],
) -> list[Document]:
    if len(set(body.document_ids)) != len(body.document_ids):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "a document is chosen more than once"
        )
    sent: dict[UUID, Document] = {}
    async with runtime.unit_of_work() as uow:
        # In id order, so two bulk sends of overlapping documents never wait on each other.
        for document_id in sorted(body.document_ids):
            sent[document_id] = await _submit(uow, scope, document_id)
    return [sent[document_id] for document_id in body.document_ids]


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


class JournalAddress(BaseModel):
    journal: str = Field(examples=["CFAAN2"], description="The journal's code in the books")
    mailbox: Literal["purchase", "sales"]
    address: str = Field(examples=["aankoop-cfaan2-peeters@docs.ledgerline.local"])


class IntakeSettings(IntakeSettingsChange):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "auto_forward_purchase": True,
                    "auto_forward_sales": False,
                    "use_sender_whitelist": True,
                    "sender_whitelist": ["energie.example", "facturen@meelhandel-janssens.example"],
                    "addresses": {
                        "unique": "peeters@docs.ledgerline.local",
                        "purchase": "aankoop-peeters@docs.ledgerline.local",
                        "sales": "verkoop-peeters@docs.ledgerline.local",
                        "misc": "divers-peeters@docs.ledgerline.local",
                    },
                    "journal_addresses": [
                        {
                            "journal": "CFAAN",
                            "mailbox": "purchase",
                            "address": "aankoop-cfaan-peeters@docs.ledgerline.local",
                        },
                        {
                            "journal": "CFAAN2",
                            "mailbox": "purchase",
                            "address": "aankoop-cfaan2-peeters@docs.ledgerline.local",
                        },
                    ],
                }
            ]
        },
    )

    addresses: dict[str, str] | None = Field(
        description="The dossier's e-mail addresses: unique (to the purchase mailbox), purchase, "
        "sales, misc; null until ingest knows the dossier's code and mail domain"
    )
    journal_addresses: list[JournalAddress] = Field(
        default_factory=list,
        description="Where the dossier has several purchase (or sales) journals: one address per "
        "journal, aankoop-<journal>-<code>@ (verkoop- for sales), the journal in lower case. "
        "Credit-note-only journals get none",
    )


def _intake_settings(dossier: object, journals: list[JournalCopy]) -> IntakeSettings:
    row = dict(dossier)  # type: ignore[call-overload]
    code, domain = row["dossier_code"], row["email_domain"]
    return IntakeSettings(
        auto_forward_purchase=row["auto_forward_purchase"],
        auto_forward_sales=row["auto_forward_sales"],
        use_sender_whitelist=row["use_sender_whitelist"],
        sender_whitelist=list(row["sender_whitelist"]),
        addresses=addresses_of(code, domain) if code and domain else None,
        journal_addresses=[
            JournalAddress(
                journal=journal,
                mailbox=mailbox,  # type: ignore[arg-type]
                address=journal_address(journal, mailbox, code, domain),
            )
            for mailbox, codes in addressable_journals(journals).items()
            for journal in codes
        ]
        if code and domain
        else [],
    )


@router.get(
    "/dossiers/{dossier_id}/intake-settings",
    response_model=IntakeSettings,
    tags=["intake settings"],
    summary="The dossier's e-mail addresses, auto-forward and sender whitelist",
)
async def get_intake_settings(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*MAILBOX_READERS)],
) -> IntakeSettings:
    async with runtime.pool.acquire() as connection:
        dossier = await repository.get_dossier(connection, scope.office_id, scope.dossier_id)
        journals = await repository.journals_of(connection, scope.dossier_id)
    return _intake_settings(found_or_404(dossier, f"dossier {scope.dossier_id}"), journals)


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
        journals = await repository.journals_of(uow.conn, scope.dossier_id)
    return _intake_settings(found_or_404(dossier, f"dossier {scope.dossier_id}"), journals)
