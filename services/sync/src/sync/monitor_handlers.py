"""The active clients monitor's consumers: each keeps a document's state (or a dossier's
periods) from one event type, in the transaction that records the event in the inbox, so a
redelivered event changes nothing. They run as their own consumer (`sync-monitor`): the
monitor never holds back posting, and posting never holds back the monitor.

Worklist statuses (checked, on hold, help asked, back to validate, deleted) come from the
worklist's proposal.status-changed.v1 (`change_for_status` in sync.domain.monitor).
"""

from typing import Any
from uuid import UUID

from ledgerline.consumers import Subscription
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

from sync.adapters import monitor
from sync.domain.monitor import (
    Change,
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


async def _change(
    uow: UnitOfWork, event: Envelope[Any], document_id: UUID | None, change: Change
) -> None:
    if document_id is None:
        return
    state = await monitor.document(uow.conn, event.officeid, document_id)
    await monitor.save_document(
        uow.conn, event.officeid, event.dossierid, document_id, apply(state, change)
    )


async def on_received(uow: UnitOfWork, event: Envelope[DocumentReceived]) -> None:
    await _change(uow, event, event.data.document_id, Received(event.data.received_at))


async def on_submitted(uow: UnitOfWork, event: Envelope[DocumentSubmitted]) -> None:
    await _change(uow, event, event.data.document_id, Submitted(event.data.submitted_at))


async def on_validated(uow: UnitOfWork, event: Envelope[ProposalValidated]) -> None:
    await _change(uow, event, event.data.document_id, Validated(event.time))


async def on_posted(uow: UnitOfWork, event: Envelope[BookingPosted]) -> None:
    await _change(uow, event, event.data.document_id, Posted(event.data.posted_at))


async def on_failed(uow: UnitOfWork, event: Envelope[BookingFailed]) -> None:
    data = event.data
    await _change(uow, event, data.document_id, Failed(event.time, data.reason, data.retryable))


async def on_deleted(uow: UnitOfWork, event: Envelope[BookingDeleted]) -> None:
    await _change(uow, event, event.data.document_id, Unbooked(event.data.deleted_at))


async def on_status_changed(uow: UnitOfWork, event: Envelope[ProposalStatusChanged]) -> None:
    data = event.data
    change = change_for_status(data.new_status, data.changed_at)
    if change is not None:
        await _change(uow, event, data.document_id, change)


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


def monitor_subscriptions() -> list[Subscription[Any]]:
    return [
        Subscription(DocumentReceived, on_received, consumer=CONSUMER),
        Subscription(DocumentSubmitted, on_submitted, consumer=CONSUMER),
        Subscription(ProposalValidated, on_validated, consumer=CONSUMER),
        Subscription(ProposalStatusChanged, on_status_changed, consumer=CONSUMER),
        Subscription(BookingPosted, on_posted, consumer=CONSUMER),
        Subscription(BookingFailed, on_failed, consumer=CONSUMER),
        Subscription(BookingDeleted, on_deleted, consumer=CONSUMER),
        Subscription(LedgerSynced, on_ledger_synced, consumer=CONSUMER),
    ]
