"""Reading a dossier's documents (listed, one, its file) and sending mailbox documents to the
office, one or several at once."""

from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, HTTPException, Query, Response, status
from ledgerline.auth import DossierScope, Role, dossier_scope
from ledgerline.db import UnitOfWork
from ledgerline.errors import error_response, found_or_404
from ledgerline.events import DocumentSubmitted
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from ingest.adapters import repository
from ingest.adapters.blobs import blob_store
from ingest.domain.profiles import DOCUMENT_READERS, MAILBOX_READERS, SENDERS, sees_archive
from ingest.entrypoints.document_view import (
    UBL_EXAMPLE,
    ApprovalStatus,
    Document,
    Mailbox,
    document_of,
)
from ingest.entrypoints.storing import STORE_UNAVAILABLE, blob_store_answering

router = APIRouter(tags=["documents"])

DocumentStatus = Literal["in_mailbox", "in_processing", "booked", "archived"]
# Booked documents and the sources of a merge or split: what only the archive profiles see.
ARCHIVED = ("booked", "archived")


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
        document_of(row, scope.principal.subject)
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
    return document_of(_readable(row, document_id, scope), scope.principal.subject)


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
            with blob_store_answering(storing=False):
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
    document = document_of(row, scope.principal.subject)
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
