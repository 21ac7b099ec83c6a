"""Uploads: one document (raw body or multipart), or several files in one multipart request,
ZIP archives unpacked."""

from typing import Annotated, cast

from fastapi import APIRouter, HTTPException, Query, Request, status
from ledgerline.auth import DossierScope, dossier_scope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.uploads import read_form

from ingest.adapters.blobs import blob_store
from ingest.config import IngestSettings
from ingest.domain.documents import DocumentRefused, ZipLimits, examine, is_zip, unzip
from ingest.domain.profiles import UPLOADERS
from ingest.entrypoints.api.delivering import checked_labels, classified, dossier_row, read_raw
from ingest.entrypoints.document_view import UBL_EXAMPLE, Document, Mailbox, document_of
from ingest.entrypoints.storing import STORE_UNAVAILABLE, store_delivery
from ingest.intake import Delivery, IncomingFile

router = APIRouter(tags=["documents"])


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
    return await read_raw(request, max_bytes), None, "api"


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
    file = classified(content, None, settings.limits())
    labels = checked_labels(label)
    async with runtime.unit_of_work() as uow:
        dossier = await dossier_row(uow.conn, scope)
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
    return document_of(rows[0], scope.principal.subject)


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
    labels = checked_labels(label)
    files: list[IncomingFile] = []
    for content, filename in uploads:
        if is_zip(content):
            files += _unzipped(content, filename, settings)
        else:
            files.append(classified(content, filename, settings.limits()))
    if len(files) > settings.max_files_per_upload:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"the upload holds {len(files)} documents (ZIP archives unpacked); the limit is "
            f"{settings.max_files_per_upload}",
        )
    async with runtime.unit_of_work() as uow:
        dossier = await dossier_row(uow.conn, scope)
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
    return [document_of(row, scope.principal.subject) for row in rows]
