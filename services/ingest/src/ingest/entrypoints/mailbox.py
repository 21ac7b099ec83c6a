"""The client's mailboxes: boxes listed with filters, sort and pages, counters, and the document
operations of seed 003 (rename, labels, comments, handled, delete)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, HTTPException, Query, Response, status
from ledgerline.auth import DossierScope, dossier_scope
from ledgerline.db import UnitOfWork
from ledgerline.errors import error_response, found_or_404
from ledgerline.events import DocumentDeleted, DocumentLabelsChanged
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine, Text
from pydantic import BaseModel, ConfigDict, Field
from uuid_utils.compat import uuid7

from ingest.adapters import mailboxes, repository
from ingest.domain.documents import kind_of, safe_filename
from ingest.domain.mailbox import (
    MAX_LABEL_LENGTH,
    MAX_LABELS,
    BadCursor,
    BadLabel,
    Box,
    Cursor,
    Filters,
    Order,
    PaymentFilter,
    SortColumn,
    amount_range_problem,
    cursor_value,
    deletion_refusal,
    with_labels,
    without_label,
)
from ingest.domain.profiles import ARCHIVE_READERS, EDITORS, MAILBOX_READERS
from ingest.entrypoints.document_view import (
    DOCUMENT_EXAMPLE,
    ApprovalStatus,
    Document,
    Mailbox,
    document_of,
)

router = APIRouter(tags=["mailboxes"])


NOT_FOUND = error_response(
    "No such document in the dossier (or it was deleted)",
    "document 5d0c0000-0000-4000-8000-00000000d0c1 not found",
)


class BoxCounter(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"box": "purchase", "documents": 54, "unhandled": 12, "to_approve_by_me": 2}
            ]
        }
    )

    box: Box
    documents: int = Field(description="Documents in the box")
    unhandled: int = Field(description="Of those, not marked handled")
    to_approve_by_me: int = Field(description="Of those, invoices waiting for the caller")


class DocumentPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [DOCUMENT_EXAMPLE],
                    "next_cursor": "WyJyZWNlaXZlZF9hdCIsImRlc2MiLCIyMDI2LTExLTMwIl0",
                }
            ]
        }
    )

    items: list[Document]
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same sort and order) for the next page; null on "
        "the last page"
    )


@router.get(
    "/dossiers/{dossier_id}/mailboxes",
    response_model=list[BoxCounter],
    summary="Counters per mailbox: purchase, sales, misc, in processing, archive",
    description=(
        "One counter per box the caller may list: the document delivery and document "
        "processing profiles may not see the archive, so they get no archive counter (its "
        "documents are not counted anywhere else either)."
    ),
)
async def mailbox_counters(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*MAILBOX_READERS)],
) -> list[BoxCounter]:
    async with runtime.pool.acquire() as connection:
        rows = await mailboxes.box_counters(
            connection, scope.office_id, scope.dossier_id, scope.principal.subject
        )
    found = {row["box"]: row for row in rows}
    # A counter counts what the box's list shows the caller: no archive for a profile that
    # is refused the archive's list (403), so that its size is not told either.
    boxes = [
        box for box in Box if box is not Box.ARCHIVE or scope.principal.role in ARCHIVE_READERS
    ]
    return [
        BoxCounter(
            box=box,
            documents=found[box.value]["documents"] if box.value in found else 0,
            unhandled=found[box.value]["unhandled"] if box.value in found else 0,
            to_approve_by_me=found[box.value]["to_approve_by_me"] if box.value in found else 0,
        )
        for box in boxes
    ]


@router.get(
    "/dossiers/{dossier_id}/mailboxes/{box}/documents",
    response_model=DocumentPage,
    summary="One page of a mailbox, filtered and sorted",
    description=(
        "`purchase`, `sales`, `misc`: documents not yet sent to the office; `in_processing`: "
        "sent, not yet booked; `archive`: booked. Filters combine (all must hold). Empty values "
        "sort last in both orders; ties are broken by the document id. Pages follow each other "
        "with `cursor` (keyset): a document arriving while paging never makes a page repeat or "
        "skip a row. The archive is not shown to the document delivery and document processing "
        "profiles (403)."
    ),
    responses={
        422: error_response(
            "An unknown box, sort or filter value, amount_min above amount_max, or a cursor of "
            "another sort",
            "the cursor belongs to the sort received_at desc; ask the first page again for sort "
            "name asc",
        )
    },
)
async def list_box(
    box: Box,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*MAILBOX_READERS)],
    mailbox: Annotated[
        Mailbox | None,
        Query(description="In processing and archive: only this mailbox's documents"),
    ] = None,
    label: Annotated[
        list[str] | None,
        Query(description="Documents with any of these labels (repeat for several)"),
    ] = None,
    handled: Annotated[bool | None, Query(description="Only handled (or unhandled)")] = None,
    received_from: Annotated[date | None, Query(description="Received on or after")] = None,
    received_to: Annotated[date | None, Query(description="Received on or before")] = None,
    sender: Annotated[
        str | None,
        Query(max_length=320, description="Part of the e-mail sender or the delivering user"),
    ] = None,
    approval: Annotated[
        ApprovalStatus | None, Query(description="Only invoices with this approval status")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Text in the name, the counterparty, the invoice number or the subject",
        ),
    ] = None,
    duplicates: Annotated[
        bool, Query(description="Only documents flagged as duplicates of an earlier one")
    ] = False,
    counterparty: Annotated[
        str | None,
        Query(max_length=200, description="Part of the counterparty's name (after recognition)"),
    ] = None,
    amount_min: Annotated[
        Decimal | None,
        Query(description="Total incl. VAT at least (after recognition)", examples=["100.00"]),
    ] = None,
    amount_max: Annotated[
        Decimal | None,
        Query(description="Total incl. VAT at most (after recognition)", examples=["1000.00"]),
    ] = None,
    payment: Annotated[
        PaymentFilter | None,
        Query(
            description="Payment status from payments: none (no payment yet), in_basket, "
            "in_processing ('payment in processing'), paid"
        ),
    ] = None,
    sort: SortColumn = SortColumn.RECEIVED_AT,
    order: Order = Order.DESC,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> DocumentPage:
    if box is Box.ARCHIVE and scope.principal.role not in ARCHIVE_READERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the role {scope.principal.role.value} may not see the archive",
        )
    problem = amount_range_problem(amount_min, amount_max)
    if problem is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problem)
    try:
        after = Cursor.decode(cursor, sort, order) if cursor else None
    except BadCursor as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    filters = Filters(
        mailbox=mailbox,
        labels=tuple(label or ()),
        handled=handled,
        received_from=received_from,
        received_to=received_to,
        sender=sender or None,
        approval=approval,
        text=q or None,
        duplicates_only=duplicates,
        counterparty=counterparty or None,
        amount_min=amount_min,
        amount_max=amount_max,
        payment=payment.value if payment else None,
    )
    async with runtime.pool.acquire() as connection:
        try:
            rows = await mailboxes.list_box(
                connection,
                scope.office_id,
                scope.dossier_id,
                box,
                filters,
                scope.principal.subject,
                sort,
                order,
                after,
                limit + 1,  # one more tells whether there is a next page
            )
        except asyncpg.DataError as exc:  # a forged cursor whose value is not of the column
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "the cursor is not valid; start again without one",
            ) from exc
    page, more = rows[:limit], len(rows) > limit
    next_cursor = None
    if more:
        last = page[-1]
        next_cursor = Cursor(sort, order, cursor_value(last["sort_value"]), last["id"]).encode()
    return DocumentPage(
        items=[document_of(row, scope.principal.subject) for row in page], next_cursor=next_cursor
    )


class DocumentChange(BaseModel):
    """What the client changes of a document; fields left out stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"filename": "Meelhandel november.pdf", "handled": True}]},
    )

    filename: SingleLine | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The new name; the file's extension is added when left out",
    )
    handled: bool | None = Field(default=None, description="The mailbox's 'handled' tick")


async def _locked(uow: UnitOfWork, scope: DossierScope, document_id: UUID) -> asyncpg.Record:
    """The dossier's document, locked until the unit of work ends; 404 when there is none."""
    return found_or_404(
        await mailboxes.lock_document(uow.conn, scope.office_id, scope.dossier_id, document_id),
        f"document {document_id}",
    )


@router.patch(
    "/dossiers/{dossier_id}/documents/{document_id}",
    response_model=Document,
    tags=["documents"],
    summary="Rename a document or mark it handled",
    responses={404: NOT_FOUND, 422: error_response("An empty or too long name, or no change")},
)
async def change_document(
    document_id: UUID,
    change: DocumentChange,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*EDITORS)],
) -> Document:
    changes: dict[str, object] = {}
    async with runtime.unit_of_work() as uow:
        row = await _locked(uow, scope, document_id)
        if change.filename is not None:
            kind = kind_of(row["content_type"])
            changes["filename"] = safe_filename(change.filename, kind)
        if change.handled is not None:
            changes["handled"] = change.handled
        if not changes:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "nothing to change: give filename or handled"
            )
        updated = await mailboxes.update_document(uow.conn, document_id, changes)
    return document_of(updated, scope.principal.subject)


class LabelsToAdd(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"labels": ["Project 2"]}]}
    )

    labels: list[Annotated[SingleLine, Field(min_length=1, max_length=MAX_LABEL_LENGTH)]] = Field(
        min_length=1, max_length=MAX_LABELS
    )


async def _set_labels(
    uow: UnitOfWork, scope: DossierScope, row: object, labels: list[str]
) -> object:
    """Stores the labels and, when they changed, tells approvals (its label rules) and others."""
    document_id = row["id"]
    if labels == list(row["labels"]):
        return row
    updated = await mailboxes.update_document(uow.conn, document_id, {"labels": labels})
    uow.emit(
        DocumentLabelsChanged(
            document_id=document_id,
            labels=tuple(labels),
            changed_by=scope.principal.subject,
            changed_at=datetime.now().astimezone(),
        ),
        dossier_id=scope.dossier_id,
        office_id=scope.office_id,
        subject=f"documents/{document_id}",
    )
    return updated


@router.post(
    "/dossiers/{dossier_id}/documents/{document_id}/labels",
    response_model=Document,
    tags=["documents"],
    summary="Add labels to a document",
    description=(
        "Labels are compared without case: adding one the document has already changes nothing. "
        "A change publishes `document.labels-changed.v1` (the whole new set), which approvals "
        "uses for its label rules."
    ),
    responses={
        404: NOT_FOUND,
        422: error_response("An empty or too long label, or more than 50 on the document"),
    },
)
async def add_labels(
    document_id: UUID,
    body: LabelsToAdd,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*EDITORS)],
) -> Document:
    async with runtime.unit_of_work() as uow:
        row = await _locked(uow, scope, document_id)
        try:
            labels = with_labels(list(row["labels"]), body.labels)
        except BadLabel as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        updated = await _set_labels(uow, scope, row, labels)
    return document_of(updated, scope.principal.subject)


@router.delete(
    "/dossiers/{dossier_id}/documents/{document_id}/labels/{label}",
    response_model=Document,
    tags=["documents"],
    summary="Remove a label from a document",
    responses={404: NOT_FOUND, 422: error_response("Invalid parameters")},
)
async def remove_label(
    document_id: UUID,
    label: str,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*EDITORS)],
) -> Document:
    async with runtime.unit_of_work() as uow:
        row = await _locked(uow, scope, document_id)
        labels = without_label(list(row["labels"]), label)
        updated = await _set_labels(uow, scope, row, labels)
    return document_of(updated, scope.principal.subject)


class LabelCount(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"label": "Project 2", "documents": 3}]}
    )

    label: str
    documents: int


@router.get(
    "/dossiers/{dossier_id}/labels",
    response_model=list[LabelCount],
    tags=["documents"],
    summary="The labels the client uses in this dossier, with how many documents carry each",
)
async def list_labels(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*MAILBOX_READERS)],
) -> list[LabelCount]:
    async with runtime.pool.acquire() as connection:
        rows = await mailboxes.dossier_labels(connection, scope.office_id, scope.dossier_id)
    return [LabelCount(label=row["label"], documents=row["documents"]) for row in rows]


COMMENT_EXAMPLE = {
    "id": "c0440000-0000-4000-8000-000000000001",
    "document_id": "5d0c0000-0000-4000-8000-00000000d0c1",
    "author": "ben.baker@bakkerij-peeters.example",
    "text": "Betaald met de bedrijfskaart",
    "created_at": "2026-11-30T10:00:00Z",
}


class CommentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": COMMENT_EXAMPLE["text"]}]}
    )

    text: Text = Field(min_length=1, max_length=2000)


class Comment(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [COMMENT_EXAMPLE]})

    id: UUID
    document_id: UUID
    author: str
    text: str
    created_at: datetime


@router.post(
    "/dossiers/{dossier_id}/documents/{document_id}/comments",
    response_model=Comment,
    status_code=status.HTTP_201_CREATED,
    tags=["documents"],
    summary="Add a comment to a document",
    responses={404: NOT_FOUND, 422: error_response("An empty or too long comment")},
)
async def add_comment(
    document_id: UUID,
    body: CommentIn,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*EDITORS)],
) -> Comment:
    text = body.text.strip()
    if not text:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "a comment cannot be empty")
    async with runtime.unit_of_work() as uow:
        await _locked(uow, scope, document_id)
        row = await mailboxes.add_comment(
            uow.conn,
            {
                "id": uuid7(),
                "office_id": scope.office_id,
                "dossier_id": scope.dossier_id,
                "document_id": document_id,
                "author": scope.principal.subject,
                "body": text,
            },
        )
    return _comment(row)


def _comment(row: object) -> Comment:
    values = dict(row)  # type: ignore[call-overload]
    values["text"] = values.pop("body")
    return Comment.model_validate(values)


@router.get(
    "/dossiers/{dossier_id}/documents/{document_id}/comments",
    response_model=list[Comment],
    tags=["documents"],
    summary="A document's comments, oldest first",
    responses={404: NOT_FOUND},
)
async def list_comments(
    document_id: UUID,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*MAILBOX_READERS)],
) -> list[Comment]:
    async with runtime.pool.acquire() as connection:
        found_or_404(
            await repository.get_document(
                connection, scope.office_id, scope.dossier_id, document_id
            ),
            f"document {document_id}",
        )
        rows = await mailboxes.comments_of(
            connection, scope.office_id, scope.dossier_id, document_id
        )
    return [_comment(row) for row in rows]


@router.delete(
    "/dossiers/{dossier_id}/documents/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    tags=["documents"],
    summary="Delete a document from its mailbox (with a reason)",
    description=(
        "Soft: the document leaves every box and list; ingest keeps the row with who deleted "
        "it, when and why. A document sent to the office (in processing) or booked cannot be "
        "deleted (409), except an invoice rejected in approval, which may only be opened or "
        "deleted. Publishes `document.deleted.v1`."
    ),
    responses={
        404: NOT_FOUND,
        409: error_response(
            "The document was sent to the office or is booked",
            "document 5d0c0000-0000-4000-8000-00000000d0c1 cannot be deleted: it was sent to "
            "the office (in processing); ask the office to remove it",
        ),
        422: error_response("A reason longer than 500 characters"),
    },
)
async def delete_document(
    document_id: UUID,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*EDITORS)],
    reason: Annotated[
        str | None,
        Query(max_length=500, description="Why it is deleted", examples=["sent twice"]),
    ] = None,
) -> Response:
    async with runtime.unit_of_work() as uow:
        row = await _locked(uow, scope, document_id)
        refusal = deletion_refusal(row["status"], row["approval_status"])
        if refusal is not None:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"document {document_id} cannot be deleted: {refusal}"
            )
        deleted = await mailboxes.mark_deleted(
            uow.conn, document_id, scope.principal.subject, reason
        )
        uow.emit(
            DocumentDeleted(
                document_id=document_id,
                deleted_by=scope.principal.subject,
                deleted_at=deleted["deleted_at"],
                reason=reason,
            ),
            dossier_id=scope.dossier_id,
            office_id=scope.office_id,
            subject=f"documents/{document_id}",
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
