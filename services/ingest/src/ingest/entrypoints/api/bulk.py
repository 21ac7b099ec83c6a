"""Bulk intake: many documents in one JSON request (connectors, Peppol access points), each with
its own idempotency key, stored all or nothing."""

import hashlib
from typing import Annotated, Any, Literal, cast

import asyncpg
from fastapi import APIRouter, HTTPException, Request, Response, status
from ledgerline.auth import DossierScope, dossier_scope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from ledgerline.uploads import read_body
from pydantic import Base64Bytes, BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.adapters import repository
from ingest.adapters.blobs import blob_store
from ingest.config import IngestSettings
from ingest.domain.documents import is_zip
from ingest.domain.profiles import SENDERS, UPLOADERS
from ingest.entrypoints.api.delivering import checked_labels, classified, dossier_row
from ingest.entrypoints.document_view import (
    DOCUMENT_EXAMPLE,
    UBL_EXAMPLE,
    Document,
    Mailbox,
    document_of,
)
from ingest.entrypoints.storing import store_delivery
from ingest.intake import Delivery, IncomingFile

router = APIRouter(tags=["documents"])


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
    bulk = _parsed(body, settings)
    if bulk.submit and scope.principal.role not in SENDERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"role {scope.principal.role.value} may deliver documents but not send them to the "
            "office (submit)",
        )
    labels = checked_labels(bulk.labels)
    files = _checked_files(bulk, settings)
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


def _parsed(body: bytes, settings: IngestSettings) -> BulkDelivery:
    """The request's JSON as a bulk delivery within the limits; a 422 naming the first problems,
    too many documents, or the keys given twice."""
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
    return bulk


def _checked_files(bulk: BulkDelivery, settings: IngestSettings) -> list[IncomingFile]:
    """Each document checked by its bytes, with its key; a refusal (413 or 422) names the
    document by its place and key."""
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
        checked = classified(content, name, limits)
        files.append(
            IncomingFile(content, checked.kind, item.filename, checked.page_count, item.key)
        )
    return files


async def _store_bulk(
    runtime: Any, scope: DossierScope, delivery: Delivery, files: list[IncomingFile]
) -> list[BulkResult]:
    settings = cast(IngestSettings, runtime.settings)
    caller = scope.principal.subject
    async with runtime.unit_of_work() as uow:
        dossier = await dossier_row(uow.conn, scope)
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
                BulkResult(key=key, created=False, document=document_of(stored[key], caller))
            )
        else:
            results.append(
                BulkResult(key=key, created=True, document=document_of(next(rows), caller))
            )
    return results
