"""Merge and split (seed 003, "Ingevoerde documenten bewerken in de postbussen").

Each result is a new document of the dossier, taken in like a delivery (`ingest.intake`): its
bytes in the blob store, its row, its `document.received.v1` (so recognition reads it again).
The sources leave their mailbox for the archive (status `archived`, `replaced_by` the results,
announced with `document.archived.v1`); they are never deleted. Everything happens in one
transaction with the sources locked: a refusal or a crash leaves no result behind and every
source where it was.

The office merges documents already sent to it from its worklist (document.merge-requested.v1,
`merge_requested_handler`): the same merge, the result sent to the office at once; a refusal is
answered with document.merge-refused.v1.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Literal, cast
from uuid import UUID

import asyncpg
from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import DossierScope, dossier_scope
from ledgerline.db import UnitOfWork, retried_on_deadlock
from ledgerline.errors import error_response, found_or_404
from ledgerline.events import (
    DocumentArchived,
    DocumentMergeRefused,
    DocumentMergeRequested,
    Envelope,
)
from ledgerline.service import CurrentRuntime
from ledgerline.subscriptions import Subscription
from pydantic import BaseModel, ConfigDict, Field

from ingest.adapters import mailboxes, repository
from ingest.adapters.blobs import BlobStore, blob_store, blob_store_for
from ingest.config import IngestSettings
from ingest.domain.documents import PDF, DocumentRefused, examine, kind_of
from ingest.domain.mailbox import BadLabel, with_labels
from ingest.domain.pdfops import (
    PdfOperationRefused,
    Source,
    bulk_parts,
    individual_parts,
    merge,
    result_name,
    split,
)
from ingest.entrypoints.document_view import Document, document_of
from ingest.entrypoints.mailbox import EDITORS, NOT_FOUND
from ingest.entrypoints.storing import blob_store_answering, store_delivery
from ingest.intake import Delivery, IncomingFile

router = APIRouter(tags=["documents"])

MAX_MERGED_DOCUMENTS = 50
NOT_IN_MAILBOX = error_response(
    "A document is no longer in its mailbox (sent to the office, booked, or already merged or "
    "split)",
    "document 5d0c0000-0000-4000-8000-00000000d0c1 is in_processing; only documents in a "
    "mailbox can be merged or split",
)


class MergeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "document_ids": [
                        "5d0c0000-0000-4000-8000-00000000d0c1",
                        "5d0c0000-0000-4000-8000-00000000d0c2",
                    ],
                    "filename": "Meelhandel november.pdf",
                }
            ]
        },
    )

    document_ids: list[UUID] = Field(
        min_length=2,
        max_length=MAX_MERGED_DOCUMENTS,
        description="The PDFs and images to merge, in the order their pages follow each other",
    )
    filename: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The merged document's name; by default the first document's, '(merged)'",
    )


class SplitRequest(BaseModel):
    """How to split: `individual` takes `pages` out as a new document (the pages left, if any,
    become a second one); `bulk` cuts the PDF before each page of `starts`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"mode": "individual", "pages": [3, 1]},
                {"mode": "bulk", "starts": [1, 3], "order": [1, 2, 4, 3]},
            ]
        },
    )

    mode: Literal["individual", "bulk"]
    pages: list[int] | None = Field(
        default=None,
        max_length=10_000,
        description="individual: the pages of the new document, in its order (from 1)",
    )
    starts: list[int] | None = Field(
        default=None,
        max_length=10_000,
        description="bulk: each of these pages starts a new document",
    )
    order: list[int] | None = Field(
        default=None,
        max_length=10_000,
        description="bulk: the pages in their new order (default: all, as they are); pages left "
        "out are not taken",
    )


WHERE = {"in_mailbox": "in a mailbox", "in_processing": "sent to the office"}


def _refused(exc: ValueError) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


async def _sources(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    document_ids: Sequence[UUID],
    blobs: BlobStore,
    where: tuple[str, ...] = ("in_mailbox",),
) -> list[tuple[asyncpg.Record, Source]]:
    """The documents locked (in id order, so two operations never wait on each other), each
    with a status of `where` (the client's merge: in its mailbox; the office's: sent to it),
    with its bytes from the blob store; in the order asked."""
    if len(set(document_ids)) != len(document_ids):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "a document is chosen more than once"
        )
    rows: dict[UUID, asyncpg.Record] = {}
    for document_id in sorted(document_ids):
        row = found_or_404(
            await mailboxes.lock_document(uow.conn, office_id, dossier_id, document_id),
            f"document {document_id}",
        )
        if row["status"] not in where:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"document {document_id} is {row['status']}; only documents "
                f"{' or '.join(WHERE[state] for state in where)} can be merged or split",
            )
        rows[document_id] = row
    found = []
    for document_id in document_ids:
        content = found_or_404(
            await repository.get_content(uow.conn, office_id, dossier_id, document_id),
            f"document {document_id}",
        )
        row = rows[document_id]
        data = content["content"]
        if data is None:
            with blob_store_answering(storing=False):
                data = await blobs.get(uow.conn, content["sha256"])
        if data is None:
            # A row never exists without its blob (the blob is written first): the store lost it.
            raise RuntimeError(f"the blob {content['sha256']} of document {document_id} is missing")
        found.append((row, Source(row["filename"], data, kind_of(row["content_type"]))))
    return found


async def _take_in_results(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    by: str,
    settings: IngestSettings,
    blobs: BlobStore,
    sources: list[asyncpg.Record],
    results: list[tuple[bytes, str]],
    operation: Literal["merge", "split"],
    *,
    submit: bool = False,
) -> list[asyncpg.Record]:
    """The results as new documents of the first source's mailbox, each checked as a delivery
    is (size, pages), with their events (`submit`: sent to the office at once, as the sources
    were); the sources archived, naming them, each with its `document.archived.v1`."""
    files = []
    for content, name in results:
        try:
            examined = examine(content, settings.limits())
        except DocumentRefused as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"the result {name}: {exc}"
            ) from exc
        files.append(IncomingFile(content, examined.kind, name, examined.page_count))
    dossier = found_or_404(
        await repository.get_dossier(uow.conn, office_id, dossier_id),
        f"dossier {dossier_id}",
    )
    first = sources[0]
    labels: list[str] = []
    try:
        for source in sources:  # every source's labels, once each
            labels = with_labels(labels, list(source["labels"]))
    except BadLabel as exc:
        raise _refused(exc) from exc
    delivery = Delivery(
        office_id=office_id,
        dossier_id=dossier_id,
        mailbox=first["mailbox"],
        channel=first["channel"],  # how the pages came in; `derived_from` says the rest
        delivered_by=by,
        labels=tuple(labels),
        submit=submit,
        submitted_by=by if submit else None,
    )
    rows = await store_delivery(uow, dossier, delivery, files, settings, blobs)
    made = [row["id"] for row in rows]
    source_ids = [source["id"] for source in sources]
    archived = await repository.mark_archived(uow.conn, source_ids, made)
    for source_id in source_ids:
        # Approvals withdraws the source's pending approval, the worklist its unsent proposal.
        uow.emit(
            DocumentArchived(
                document_id=source_id,
                operation=operation,
                replaced_by=tuple(made),
                archived_by=by,
                archived_at=archived[source_id],
            ),
            dossier_id=dossier_id,
            office_id=office_id,
            subject=f"documents/{source_id}",
        )
    return await repository.set_derived_from(uow.conn, made, source_ids)


async def merge_into_one(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    document_ids: Sequence[UUID],
    filename: str | None,
    by: str,
    settings: IngestSettings,
    blobs: BlobStore,
    *,
    sent_to_office: bool = False,
) -> asyncpg.Record:
    """Merge the documents into one new document; the sources are archived. The client merges
    documents in their mailbox; the office (`sent_to_office`, from its worklist) merges
    documents sent to it, and the result is sent to it at once. Refusals are HTTPExceptions
    (404, 409, 422), raised before anything is written."""
    found = await _sources(
        uow,
        office_id,
        dossier_id,
        document_ids,
        blobs,
        ("in_processing",) if sent_to_office else ("in_mailbox",),
    )
    # The pages known at intake (an image: at least one) tell a merge over the page limit
    # before any file is opened.
    known_pages = sum(row["page_count"] or 1 for row, _ in found)
    if known_pages > settings.max_pdf_pages:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"the merged PDF would have {known_pages} pages; the limit is {settings.max_pdf_pages}",
        )
    try:
        # pypdf and Pillow work on the CPU: off the event loop, which serves other requests
        merged = await asyncio.to_thread(merge, [source for _, source in found])
    except PdfOperationRefused as exc:
        raise _refused(exc) from exc
    name = filename or result_name(found[0][1].name, "merged")
    [row] = await _take_in_results(
        uow,
        office_id,
        dossier_id,
        by,
        settings,
        blobs,
        [row for row, _ in found],
        [(merged, name)],
        "merge",
        submit=sent_to_office,
    )
    return row


@router.post(
    "/dossiers/{dossier_id}/documents/merge",
    status_code=status.HTTP_201_CREATED,
    response_model=Document,
    summary="Merge PDFs and images of the dossier into one new PDF document",
    description=(
        "The pages of the documents, in the order given (an image becomes a page, each frame "
        "of a multi-page TIFF a page), make one new PDF in the first document's mailbox. It is "
        "a new document: `document.received.v1` is published and recognition reads it again. "
        "The documents merged leave their mailbox for the archive, each with `replaced_by` the "
        "new one and a `document.archived.v1` (approvals withdraws an approval they waited "
        "for); the new one has `derived_from` them. Only documents still in a mailbox can "
        "be merged. All or nothing."
    ),
    responses={
        404: NOT_FOUND,
        409: NOT_IN_MAILBOX,
        422: error_response(
            "Fewer than two documents, one twice, an XML document, a damaged PDF or image, or a "
            "result over the page or size limit",
            "invoice.xml is not a PDF or an image (application/xml); only PDFs and images "
            "(PNG, JPEG, TIFF) can be merged or split",
        ),
    },
)
async def merge_documents(
    body: MergeRequest,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*EDITORS)],
) -> Document:
    settings = cast(IngestSettings, runtime.settings)

    async def merge() -> asyncpg.Record:
        async with runtime.unit_of_work() as uow:
            return await merge_into_one(
                uow,
                scope.office_id,
                scope.dossier_id,
                body.document_ids,
                body.filename,
                scope.principal.subject,
                settings,
                blob_store(runtime),
            )

    row = await retried_on_deadlock(merge)
    return document_of(row, scope.principal.subject)


@router.post(
    "/dossiers/{dossier_id}/documents/{document_id}/split",
    status_code=status.HTTP_201_CREATED,
    response_model=list[Document],
    summary="Split a PDF into new documents (individually or in bulk)",
    description=(
        "`individual`: the `pages` chosen (in the order given) become a new document; the "
        "pages not chosen, if any, a second one, so no page leaves the mailbox. `bulk`: the "
        "pages in `order` (default: all, as they are) are cut before each page of `starts`: "
        "each chosen page starts a new document that runs up to the next one. Pages are "
        "numbered from 1. Each result is a new PDF document in the same mailbox with "
        "`document.received.v1` (recognition reads it again); the PDF split leaves its mailbox "
        "for the archive with `replaced_by` the results and a `document.archived.v1`. All or "
        "nothing."
    ),
    responses={
        404: NOT_FOUND,
        409: NOT_IN_MAILBOX,
        422: error_response(
            "Not a PDF, a damaged PDF, no page chosen, a page that does not exist or is chosen "
            "twice, or a bulk split that would not cut",
            "page 5 does not exist: the PDF has 3 pages (1 to 3)",
        ),
    },
)
async def split_document(
    document_id: UUID,
    body: SplitRequest,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*EDITORS)],
) -> list[Document]:
    settings = cast(IngestSettings, runtime.settings)
    if body.mode == "individual":
        if body.starts is not None or body.order is not None:
            raise _refused(ValueError("an individual split takes pages, not starts or order"))
        chosen = body.pages or []

        def parts_of(count: int) -> list[list[int]]:
            return individual_parts(chosen, count)
    else:
        if body.pages is not None:
            raise _refused(ValueError("a bulk split takes starts (and order), not pages"))
        starts, order = body.starts or [], body.order

        def parts_of(count: int) -> list[list[int]]:
            return bulk_parts(order, starts, count)

    async def split_it() -> list[asyncpg.Record]:
        async with runtime.unit_of_work() as uow:
            [(row, source)] = await _sources(
                uow, scope.office_id, scope.dossier_id, [document_id], blob_store(runtime)
            )
            if source.kind is not PDF:
                raise _refused(
                    ValueError(
                        f"{source.name} is not a PDF ({source.kind.content_type}); only a PDF can "
                        "be split"
                    )
                )
            try:
                parts = await asyncio.to_thread(split, source, parts_of)
            except PdfOperationRefused as exc:
                raise _refused(exc) from exc
            results = [
                (content, result_name(source.name, f"part {number} of {len(parts)}"))
                for number, content in enumerate(parts, start=1)
            ]
            return await _take_in_results(
                uow,
                scope.office_id,
                scope.dossier_id,
                scope.principal.subject,
                settings,
                blob_store(runtime),
                [row],
                results,
                "split",
            )

    rows = await retried_on_deadlock(split_it)
    return [document_of(result, scope.principal.subject) for result in rows]


# What the office's merge (worklist's document.merge-requested.v1) may be refused for: the
# same checks as the client's merge, all made before anything is written.
REFUSALS = (
    status.HTTP_404_NOT_FOUND,
    status.HTTP_409_CONFLICT,
    status.HTTP_422_UNPROCESSABLE_CONTENT,
)


def merge_requested_handler(
    settings: IngestSettings,
) -> Callable[[UnitOfWork, Envelope[DocumentMergeRequested]], Awaitable[None]]:
    async def on_document_merge_requested(
        uow: UnitOfWork, event: Envelope[DocumentMergeRequested]
    ) -> None:
        """The office merged the documents' proposals: the documents (sent to the office)
        become one new document sent to the office (its proposal follows from recognition),
        or, when they cannot be merged, document.merge-refused.v1 says why and nothing
        changes. A failure of the blob store is not a refusal: the event is tried again."""
        data = event.data
        try:
            await merge_into_one(
                uow,
                event.officeid,
                event.dossierid,
                list(data.document_ids),
                None,
                data.requested_by,
                settings,
                blob_store_for(settings),
                sent_to_office=True,
            )
        except HTTPException as exc:
            if exc.status_code not in REFUSALS:
                raise
            uow.emit(
                DocumentMergeRefused(
                    merge_id=data.merge_id, document_ids=data.document_ids, reason=str(exc.detail)
                ),
                dossier_id=event.dossierid,
                office_id=event.officeid,
                subject=f"merges/{data.merge_id}",
            )

    return on_document_merge_requested


def merge_subscription(settings: IngestSettings) -> Subscription[DocumentMergeRequested]:
    return Subscription(DocumentMergeRequested, merge_requested_handler(settings))
