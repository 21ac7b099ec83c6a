"""Merging proposals of one dossier into one document, through ingest (which owns documents
and their pages).

The office's request (`merge`) takes the proposals out of the worklist and asks ingest with
document.merge-requested.v1, in one transaction: all or nothing. Ingest merges the documents
into a new one, sent to the office; recognition reads it and its proposal comes as any other
(`service_layer.make_proposals_if_ready`). When ingest cannot merge them
(document.merge-refused.v1, `on_document_merge_refused`), the proposals are made again from
their documents, as they were recognised."""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from ledgerline.db import UnitOfWork
from ledgerline.events import DocumentMergeRefused, DocumentMergeRequested, Envelope
from ledgerline.subscriptions import Subscription
from uuid_utils.compat import uuid7

from worklist.adapters import document_inputs, document_progress, repository
from worklist.booking_actions import NotEditable, NotFound
from worklist.domain.merging import Mergeable, check_count, documents_to_merge, merge_note
from worklist.domain.moving import PAYMENT_WORDS
from worklist.service_layer import make_proposals_if_ready
from worklist.status_publishing import publish_status_change


async def merge(
    uow: UnitOfWork, office_id: UUID, dossier_id: UUID, ids: Sequence[UUID], merged_by: str
) -> tuple[UUID, list[UUID]]:
    """Take the proposals (2 to 50 of the dossier, not sent, in the order their pages are to
    follow each other) out of the worklist and ask ingest to merge their documents; the
    merge's id and the documents, in order."""
    check_count(ids)
    rows = await repository.get_proposals_for_update(uow.conn, office_id, dossier_id, ids)
    missing = set(ids) - {row["id"] for row in rows}
    if missing:
        raise NotFound(f"proposal {sorted(map(str, missing))[0]} not found")
    document_ids = documents_to_merge(
        ids,
        [Mergeable(row["id"], row["document_id"], row["stage"], row["source"]) for row in rows],
    )
    # A document in payment stays as it is: merged, it would be a new invoice to pay again.
    progress = await document_progress.of_documents(uow.conn, office_id, document_ids)
    for row in rows:
        known = progress.get(row["document_id"])
        if known is not None and known["payment"] is not None:
            raise NotEditable(
                f"proposal {row['id']} cannot be merged: its invoice "
                f"{PAYMENT_WORDS[known['payment']]}"
            )
    merge_id, now = uuid7(), datetime.now(UTC)
    note = merge_note(merge_id)
    await document_inputs.save_merged(
        uow.conn, office_id, dossier_id, document_ids, merged_by, now, note
    )
    by_id = {row["id"]: row for row in rows}
    for row in (by_id[proposal_id] for proposal_id in ids):  # told in page order
        await repository.delete_proposal(uow.conn, row["id"])
        publish_status_change(
            uow,
            office_id,
            dossier_id,
            proposal_id=row["id"],
            document_id=row["document_id"],
            old_status=row["status"],
            new_status="deleted",
            reason="merged",
            changed_by=merged_by,
            message=note,
        )
    uow.emit(
        DocumentMergeRequested(
            merge_id=merge_id,
            document_ids=tuple(document_ids),
            requested_by=merged_by,
            requested_at=now,
        ),
        dossier_id=dossier_id,
        office_id=office_id,
        subject=f"merges/{merge_id}",
    )
    return merge_id, document_ids


async def on_document_merge_refused(uow: UnitOfWork, event: Envelope[DocumentMergeRefused]) -> None:
    """Ingest could not merge the documents (none changed there): each gets its proposal
    back, made again from its recognition."""
    data = event.data
    for document_id in sorted(data.document_ids):
        await document_inputs.lock_document(uow.conn, document_id)
    freed = await document_inputs.forget_merged(
        uow.conn, event.officeid, data.document_ids, merge_note(data.merge_id)
    )
    await make_proposals_if_ready(
        uow,
        [
            (event.officeid, document_id)
            for document_id in data.document_ids
            if document_id in freed
        ],
    )


MERGE_SUBSCRIPTIONS = [Subscription(DocumentMergeRefused, on_document_merge_refused)]
