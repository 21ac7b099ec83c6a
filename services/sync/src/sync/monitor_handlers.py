"""The active clients monitor's consumers: each keeps a document's state (or a dossier's
periods) from one event type, in the transaction that records the event in the inbox, so a
redelivered event changes nothing. They run as their own consumer (`sync-monitor`): the
monitor never holds back posting, and posting never holds back the monitor.

Worklist statuses (checked, on hold, help asked, back to validate, deleted) come from the
worklist's proposal.status-changed.v1 (`change_for_status` in sync.domain.monitor).
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from ledgerline.db import UnitOfWork
from ledgerline.events import (
    BookingDeleted,
    BookingFailed,
    BookingPosted,
    DocumentReceived,
    DocumentSubmitted,
    Envelope,
    LedgerSynced,
    ProposalStatusChanged,
    ProposalValidated,
)
from ledgerline.subscriptions import AnySubscription, BatchSubscription, Subscription

from sync.adapters import monitor
from sync.domain.monitor import (
    Change,
    DocumentState,
    Failed,
    Posted,
    Received,
    Submitted,
    Unbooked,
    Validated,
    apply,
    change_for_status,
    oldest_open_period,
)

CONSUMER = "sync-monitor"


def _document_changes(
    change_of: Callable[[Envelope[Any]], tuple[UUID | None, Change | None]],
) -> Callable[[UnitOfWork, Sequence[Envelope[Any]]], Awaitable[None]]:
    """A handler of a batch's events that each change one document's state: read together,
    changed in offset order, written together."""

    async def handle_many(uow: UnitOfWork, events: Sequence[Envelope[Any]]) -> None:
        changes = []
        for event in events:
            document_id, change = change_of(event)
            if document_id is not None and change is not None:
                key = monitor.DocumentKey(event.officeid, event.dossierid, document_id)
                changes.append((key, change))
        states = await monitor.documents(uow.conn, (key for key, _ in changes))
        changed: dict[monitor.DocumentKey, DocumentState] = {}
        for key, change in changes:
            changed[key] = states[key] = apply(states.get(key), change)
        await monitor.save_documents(uow.conn, changed)

    return handle_many


def _received(event: Envelope[DocumentReceived]) -> tuple[UUID | None, Change | None]:
    return event.data.document_id, Received(event.data.received_at)


def _submitted(event: Envelope[DocumentSubmitted]) -> tuple[UUID | None, Change | None]:
    return event.data.document_id, Submitted(event.data.submitted_at)


def _validated(event: Envelope[ProposalValidated]) -> tuple[UUID | None, Change | None]:
    return event.data.document_id, Validated(event.time)


def _posted(event: Envelope[BookingPosted]) -> tuple[UUID | None, Change | None]:
    return event.data.document_id, Posted(event.data.posted_at)


def _failed(event: Envelope[BookingFailed]) -> tuple[UUID | None, Change | None]:
    data = event.data
    return data.document_id, Failed(event.time, data.reason, data.retryable)


def _deleted(event: Envelope[BookingDeleted]) -> tuple[UUID | None, Change | None]:
    return event.data.document_id, Unbooked(event.data.deleted_at)


def _status_changed(event: Envelope[ProposalStatusChanged]) -> tuple[UUID | None, Change | None]:
    data = event.data
    return data.document_id, change_for_status(data.new_status, data.changed_at)


async def on_ledger_synced(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
    data = event.data
    if data.sync_id is None or not (data.periods or data.up_to_date_until):
        return
    await monitor.record_periods(
        uow.conn,
        event.officeid,
        event.dossierid,
        data.sync_id,
        oldest_open_period([(period.code, period.status) for period in data.periods]),
        data.up_to_date_until,
    )


def monitor_subscriptions() -> list[AnySubscription]:
    changes = [
        (DocumentReceived, _received),
        (DocumentSubmitted, _submitted),
        (ProposalValidated, _validated),
        (ProposalStatusChanged, _status_changed),
        (BookingPosted, _posted),
        (BookingFailed, _failed),
        (BookingDeleted, _deleted),
    ]
    return [
        *(
            # The monitor is a view of the books' progress: it may lag a document by the
            # gathering period and take each period's documents together.
            BatchSubscription(event, _document_changes(change_of), consumer=CONSUMER, gathered=True)
            for event, change_of in changes
        ),
        Subscription(LedgerSynced, on_ledger_synced, consumer=CONSUMER),
    ]
