"""Event handlers: a proposal is made once a document is both recognised and submitted; the
dossier's ledger master data is kept from ledger.synced.v1; what sync did with a sent proposal
comes back as booking.posted.v1 / booking.failed.v1 (and booking.deleted.v1 when the office
deleted the booking from the books); a document deleted in its mailbox (document.deleted.v1),
or merged or split into new ones (document.archived.v1), takes its unsent proposal out of the
worklist. The client's labels (document.received.v1 at delivery, document.labels-changed.v1
later) are kept per document, put in the proposal when it is made and follow on an open one.
Each change of a proposal's status is told as proposal.status-changed.v1."""

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from ledgerline import counterparty_copy
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    BookingDeleted,
    BookingFailed,
    BookingPosted,
    DocumentArchived,
    DocumentDeleted,
    DocumentLabelsChanged,
    DocumentReceived,
    DocumentRecognized,
    DocumentSubmitted,
    Envelope,
    LedgerSynced,
    RawEnvelope,
)
from ledgerline.events.catalog import ProposalChangeReason
from ledgerline.subscriptions import BatchSubscription, Subscription

from worklist.adapters import document_inputs, ledger_copy, repository
from worklist.domain.client_labels import follows_client_labels, supersedes
from worklist.domain.ledger import LedgerData
from worklist.domain.sending import back_from_the_books, deletion_applies, deletion_message
from worklist.proposal_making import draft_for
from worklist.status_publishing import publish_status_change

log = logging.getLogger(__name__)


async def on_documents_recognized(
    uow: UnitOfWork, events: Sequence[Envelope[DocumentRecognized]]
) -> None:
    await document_inputs.lock_documents(uow.conn, [event.data.document_id for event in events])
    await document_inputs.save_recognitions(uow.conn, events)
    made = await make_proposals_if_ready(
        uow, [(event.officeid, event.data.document_id) for event in events]
    )
    for event in events:
        if event.data.document_id not in made:  # made from its reading just now: nothing to refresh
            await refresh_if_reread(uow, event.officeid, event.data)


async def ledger_of(uow: UnitOfWork, office_id: UUID, dossier_id: UUID) -> LedgerData:
    """The dossier's ledger copy, read once per transaction: a batch of events makes the
    proposals of many documents of a few dossiers, and these handlers never change the copy
    (ledger.synced.v1 does, on a topic of its own and so in a transaction of its own)."""
    return await uow.once(
        ("worklist.ledger", office_id, dossier_id),
        lambda: ledger_copy.load_ledger(uow.conn, office_id, dossier_id),
    )


async def refresh_if_reread(
    uow: UnitOfWork, office_id: UUID, recognition: DocumentRecognized
) -> None:
    """A document read again at the office's request (re-run recognition) updates its open
    proposal in place: one document, one proposal. A reading nobody asked for leaves the
    office's proposal as it is (the recognition is kept)."""
    row = await repository.proposal_of_document(uow.conn, office_id, recognition.document_id)
    if row is None or row["stage"] != "open" or row["recognition_requested_at"] is None:
        return
    dossier_id = row["dossier_id"]
    ledger = await ledger_of(uow, office_id, dossier_id)
    draft = await draft_for(
        uow.conn, office_id, dossier_id, recognition, row["mailbox"], ledger, row["id"]
    )
    await repository.refresh_from_recognition(uow.conn, row["id"], draft, recognition)
    publish_status_change(
        uow,
        office_id,
        dossier_id,
        proposal_id=row["id"],
        document_id=recognition.document_id,
        old_status=row["status"],
        new_status=draft.status,
        reason="changed",
        message="the document was read again",
    )


async def on_documents_submitted(
    uow: UnitOfWork, events: Sequence[Envelope[DocumentSubmitted]]
) -> None:
    await document_inputs.lock_documents(uow.conn, [event.data.document_id for event in events])
    await document_inputs.save_submissions(uow.conn, events)
    await make_proposals_if_ready(
        uow, [(event.officeid, event.data.document_id) for event in events]
    )


async def make_proposals_if_ready(
    uow: UnitOfWork, documents: Sequence[tuple[UUID, UUID]]
) -> set[UUID]:
    """Makes the proposal of each document (office, document) that is recognised and submitted
    now (and was not deleted in its mailbox before that), in the order given; the ids of the
    documents it made them of. The caller holds the documents' locks (`lock_documents`)."""
    made = set()
    for office_id, document_id, ready in await document_inputs.ready_for_proposals(
        uow.conn, documents
    ):
        recognition, mailbox, dossier_id, journal = ready
        ledger = await ledger_of(uow, office_id, dossier_id)
        draft = await draft_for(
            uow.conn, office_id, dossier_id, recognition, mailbox, ledger, journal=journal
        )
        proposal_id = await repository.insert_proposal(
            uow.conn, office_id, dossier_id, document_id, draft, recognition
        )
        publish_status_change(
            uow,
            office_id,
            dossier_id,
            proposal_id=proposal_id,
            document_id=document_id,
            old_status=None,
            new_status=draft.status,
            reason="made",
        )
        made.add(document_id)
    return made


async def on_ledger_synced(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
    """Upsert the chunk's records; after the last chunk of a full resync, drop what it did not
    send. A counts-only message (no sync id) carries no master data."""
    data = event.data
    if data.sync_id is None:
        return
    office_id, dossier_id, sync_id = event.officeid, event.dossierid, data.sync_id
    await counterparty_copy.keep_counterparties(uow.conn, event)
    for kind, records in (
        ("account", [(account.code, account) for account in data.gl_accounts]),
        ("vat_code", [(code.code, code) for code in data.vat_codes]),
        ("journal", [(journal.code, journal) for journal in data.journals]),
        ("period", [(period.code, period) for period in data.periods]),
    ):
        await ledger_copy.upsert_master_data(
            uow.conn, office_id, dossier_id, sync_id, kind, records
        )
    await ledger_copy.upsert_open_items(
        uow.conn, office_id, dossier_id, sync_id, data.open_item_records
    )
    if data.removed_open_items:
        await ledger_copy.remove_open_items(
            uow.conn, office_id, dossier_id, list(data.removed_open_items)
        )
    if data.full and data.last_chunk:
        await ledger_copy.remove_stale(uow.conn, office_id, dossier_id, sync_id)


async def on_booking_posted(uow: UnitOfWork, event: Envelope[BookingPosted]) -> None:
    """The books have it: the proposal shows "booked" with its document number."""
    data = event.data
    row = await repository.proposal_for_event(uow.conn, event.officeid, data.proposal_id)
    await repository.mark_booked(
        uow.conn, event.officeid, data.proposal_id, data.journal, data.document_number, data.period
    )
    if row is not None:
        publish_status_change(
            uow,
            event.officeid,
            row["dossier_id"],
            proposal_id=row["id"],
            document_id=row["document_id"],
            old_status=row["status"],
            new_status="booked",
            reason="booked",
        )


async def on_booking_failed(uow: UnitOfWork, event: Envelope[BookingFailed]) -> None:
    """The package refused: the proposal goes back to the worklist with the package's reason."""
    row = await repository.proposal_for_event(uow.conn, event.officeid, event.data.proposal_id)
    if row is None or row["stage"] != "sent":
        return  # not ours (a proposal published by hand), or booked meanwhile
    ledger = await ledger_copy.load_ledger(uow.conn, event.officeid, row["dossier_id"])
    booking = replace(repository.booking_of(row), stage="open")
    reason = event.data.reason
    if event.data.details:
        reason += " (" + "; ".join(event.data.details) + ")"
    status = booking.status(ledger)
    await repository.mark_failed(uow.conn, booking.id, reason, status)
    publish_status_change(
        uow,
        event.officeid,
        row["dossier_id"],
        proposal_id=booking.id,
        document_id=booking.document_id,
        old_status=row["status"],
        new_status=status,
        reason="booking_failed",
        message=reason,
    )


async def on_booking_deleted(uow: UnitOfWork, event: Envelope[BookingDeleted]) -> None:
    """The booking was deleted from the books: the proposal is in the worklist again, editable,
    unchecked, without its document number, with "deleted in the books" and the reason."""
    data = event.data
    row = await repository.proposal_for_event(uow.conn, event.officeid, data.proposal_id)
    if row is None or not deletion_applies(
        row["stage"],
        (row["journal"], row["document_number"]),
        (data.journal, data.document_number),
    ):
        return
    ledger = await ledger_copy.load_ledger(uow.conn, event.officeid, row["dossier_id"])
    booking = back_from_the_books(repository.booking_of(row))
    message = deletion_message(data.journal, data.document_number, data.reason)
    status = booking.status(ledger)
    await repository.mark_unbooked(uow.conn, booking.id, message, status)
    publish_status_change(
        uow,
        event.officeid,
        row["dossier_id"],
        proposal_id=booking.id,
        document_id=booking.document_id,
        old_status=row["status"],
        new_status=status,
        reason="booking_deleted",
        changed_by=data.deleted_by,
        message=message,
    )


async def on_document_deleted(uow: UnitOfWork, event: Envelope[DocumentDeleted]) -> None:
    """The document was deleted in its mailbox: its proposal leaves the worklist unless it was
    sent or booked (the books have it, or will: that is kept, and the event only logged). A
    redelivery finds nothing left to do."""
    data = event.data
    await _document_left(
        uow, event, data, data.deleted_by, "document_deleted", data.reason, "deleted"
    )


async def on_document_archived(uow: UnitOfWork, event: Envelope[DocumentArchived]) -> None:
    """The document was merged or split into new documents (each with its own proposal once
    read and sent): its own unsent proposal leaves the worklist, as for a deleted document."""
    data = event.data
    made = ", ".join(str(document_id) for document_id in data.replaced_by)
    done = {"merge": "merged", "split": "split"}[data.operation]
    message = f"{done} into {made}"
    deletion = DocumentDeleted(
        document_id=data.document_id,
        deleted_by=data.archived_by,
        deleted_at=data.archived_at,
        reason=message,
    )
    await _document_left(uow, event, deletion, data.archived_by, "document_archived", message, done)


async def _document_left(
    uow: UnitOfWork,
    event: Envelope[Any],
    deletion: DocumentDeleted,
    by: str,
    reason: ProposalChangeReason,
    message: str | None,
    what: str,
) -> None:
    document_id = deletion.document_id
    await document_inputs.lock_document(uow.conn, document_id)
    # Remembered, so that a recognition or submission arriving later makes no proposal.
    await document_inputs.save_deletion(uow.conn, event.officeid, event.dossierid, deletion)
    row = await repository.proposal_of_document(uow.conn, event.officeid, document_id)
    if row is None:
        return
    if row["stage"] != "open":
        log.info(
            "document %s was %s, its proposal %s is %s: kept, the event is ignored",
            document_id,
            what,
            row["id"],
            row["stage"],
        )
        return
    await repository.delete_proposal(uow.conn, row["id"])
    publish_status_change(
        uow,
        event.officeid,
        row["dossier_id"],
        proposal_id=row["id"],
        document_id=document_id,
        old_status=row["status"],
        new_status="deleted",
        reason=reason,
        changed_by=by,
        message=message,
    )


def _delivered_with_labels(raw: RawEnvelope) -> bool:
    """Most documents come without labels: their document.received.v1 is skipped unread (no
    inbox row, no transaction), so the worklist's cost per document does not grow by one event.
    Data behind a claim check is not read here: taken."""
    return raw.data is None or bool(raw.data.get("labels"))


async def on_document_received(uow: UnitOfWork, event: Envelope[DocumentReceived]) -> None:
    """The client's labels given at delivery: kept for the proposal's header."""
    data = event.data
    if not data.labels:
        # Nothing to keep: no labels is what a proposal has by default, and any labels kept
        # already come from a later change. Most documents come without labels.
        return
    await _client_labels(uow, event, data.document_id, data.labels, data.received_at)


async def on_document_labels_changed(
    uow: UnitOfWork, event: Envelope[DocumentLabelsChanged]
) -> None:
    """The client changed the document's labels: kept, and an open proposal takes them."""
    data = event.data
    await _client_labels(uow, event, data.document_id, data.labels, data.changed_at)


async def _client_labels(
    uow: UnitOfWork,
    event: Envelope[Any],
    document_id: UUID,
    labels: Sequence[str],
    given_at: datetime,
) -> None:
    # Under the document's lock: the proposal is made (with the kept labels) under it too, so
    # the labels are either kept before it is made or set on it after, never lost between.
    await document_inputs.lock_document(uow.conn, document_id)
    kept_at = await document_inputs.kept_labels_at(uow.conn, event.officeid, document_id)
    if not supersedes(kept_at, given_at):
        return  # a newer set was handled first (the two events come on two topics)
    await document_inputs.keep_labels(
        uow.conn, event.officeid, event.dossierid, document_id, labels, given_at
    )
    row = await repository.proposal_of_document(uow.conn, event.officeid, document_id)
    if row is not None and follows_client_labels(row["stage"]):
        await repository.set_labels(uow.conn, row["id"], labels)


SUBSCRIPTIONS = [
    BatchSubscription(DocumentRecognized, on_documents_recognized, per_document=True),
    Subscription(
        DocumentReceived,
        on_document_received,
        accepts=_delivered_with_labels,
        per_document=True,
    ),
    Subscription(DocumentLabelsChanged, on_document_labels_changed),
    BatchSubscription(DocumentSubmitted, on_documents_submitted, per_document=True),
    Subscription(LedgerSynced, on_ledger_synced),
    Subscription(BookingPosted, on_booking_posted),
    Subscription(BookingFailed, on_booking_failed),
    Subscription(BookingDeleted, on_booking_deleted),
    Subscription(DocumentDeleted, on_document_deleted),
    Subscription(DocumentArchived, on_document_archived),
]
