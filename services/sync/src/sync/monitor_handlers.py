"""The active clients monitor's consumers: each keeps a document's state (or a dossier's
periods) from one event type, in the transaction that records the event in the inbox, so a
redelivered event changes nothing. They run as their own consumer (`sync-monitor`): the
monitor never holds back posting, and posting never holds back the monitor.

Worklist statuses: the worklist publishes no proposal status event yet (checked, on hold, help
asked are being added on branch `booking`). When it does, add one line to
`PROPOSAL_STATUS_EVENTS` (sync.domain.monitor) and one `Subscription` below with
`_status_handler(<status>)`; the counts and columns are there already.
"""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from ledgerline.consumers import Subscription
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    BookingFailed,
    BookingPosted,
    DocumentReceived,
    DocumentSubmitted,
    Envelope,
    LedgerSynced,
    ProposalValidated,
)

from sync.adapters import monitor
from sync.domain.monitor import (
    Change,
    Failed,
    Posted,
    Received,
    StatusSet,
    Submitted,
    Validated,
    WorklistStatus,
    apply,
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


def _status_handler(
    status: WorklistStatus,
) -> Callable[[UnitOfWork, Envelope[Any]], Awaitable[None]]:
    """For a worklist status event carrying `document_id` (see the module's docstring)."""

    async def handle(uow: UnitOfWork, event: Envelope[Any]) -> None:
        await _change(uow, event, event.data.document_id, StatusSet(status, event.time))

    return handle


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
        Subscription(BookingPosted, on_posted, consumer=CONSUMER),
        Subscription(BookingFailed, on_failed, consumer=CONSUMER),
        Subscription(LedgerSynced, on_ledger_synced, consumer=CONSUMER),
    ]
