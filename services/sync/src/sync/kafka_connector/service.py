"""The reference Kafka connector as a Ledgerline process: consumers, outbox, health routes.

Every request is handled by `ledgerline.consumers.EventConsumer` (inbox: once per event id;
retries with backoff, then `<topic>.dlq`), and the answers are written to the outbox in the
same transaction and published by the relay (idempotent producer). The ledger write itself is
idempotent on the proposal id (the Beancount connector finds the transaction by its
`proposal-id` metadata), so a request handled again after a crash between the ledger write and
the commit answers `already_posted: true` (a deletion: `already_deleted: true`) and writes
nothing.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from ledgerline.db import UnitOfWork
from ledgerline.events import (
    BookingDeleted,
    BookingDeleteFailed,
    BookingDeleteRequested,
    BookingFailed,
    BookingPosted,
    BookingRequested,
    DossierActivated,
    DossierUpdated,
    Envelope,
    EventData,
    LedgerSyncRequested,
    PaymentsJournaliseRequested,
    SettledItem,
)
from ledgerline.service import ServiceDefinition
from ledgerline.subscriptions import Subscription
from uuid_utils.compat import uuid7

from sync.adapters import ledger
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import (
    BookingRefused,
    ConnectorUnavailable,
    LedgerSnapshot,
    UnknownDossier,
)
from sync.domain.deletion import deletion_delta
from sync.domain.journalising import item_of, settlement
from sync.domain.kafka_connector import booking_delta
from sync.domain.ledger_sync import (
    FEEDBACK_SOURCES,
    REMOVAL_FIELDS,
    delta,
    ledger_sync_messages,
    record_fingerprints,
    sync_run_messages,
)
from sync.kafka_connector.settings import ConnectorSettings

log = logging.getLogger(__name__)

NAME = "beancount-connector"
# A change of one of these fields means another ledger: publish it whole again.
LEDGER_FIELDS = frozenset({"accounting_package", "dossier_code", "installation", "connector"})


@cache
def _connector(root: Path) -> BeancountConnector:
    return BeancountConnector(root)


def connector_of(settings: ConnectorSettings) -> BeancountConnector:
    return _connector(Path(settings.ledger_root).resolve())


def _answer(uow: UnitOfWork, event: Envelope[Any], data: EventData, subject: str) -> None:
    """An answer about the dossier of the request, through the outbox of its transaction."""
    uow.emit(data, dossier_id=event.dossierid, office_id=event.officeid, subject=subject)


async def _emit_synced(
    uow: UnitOfWork,
    event: Envelope[Any],
    changes: LedgerSnapshot,
    books: LedgerSnapshot,
    *,
    removed_open_items: tuple[str, ...] = (),
    settled_items: tuple[SettledItem, ...] = (),
) -> None:
    """A delta run after a change of the books: `changes` (what the change touched) and the
    feedback records that changed in `books` (the whole ledger read after it) since the
    dossier's previous run, whose fingerprints are then updated. The run reports the books'
    counterparties and open items in all."""
    await ledger.lock_dossier_sync(uow.conn, event.dossierid)  # one run of a dossier at a time
    previous = await ledger.synced_fingerprints(uow.conn, event.dossierid)
    feedback = delta(books, previous, FEEDBACK_SOURCES)
    await ledger.replace_fingerprints(
        uow.conn,
        event.dossierid,
        record_fingerprints(books, FEEDBACK_SOURCES),
        kinds=FEEDBACK_SOURCES,
    )
    sync_id = uuid7()
    feedback_removals = {REMOVAL_FIELDS[source] for source in FEEDBACK_SOURCES}
    for message in ledger_sync_messages(
        changes.model_copy(
            update={source: getattr(feedback.changes, source) for source in FEEDBACK_SOURCES}
        ),
        sync_id,
        datetime.now(UTC),
        full=False,
        counts=(len(books.counterparties), len(books.open_items)),
        removed_open_items=removed_open_items,
        settled_items=settled_items,
        removals={
            field: keys for field, keys in feedback.removals.items() if field in feedback_removals
        },
    ):
        _answer(uow, event, message, f"dossiers/{event.dossierid}/syncs/{sync_id}")


async def on_dossier(
    uow: UnitOfWork, event: Envelope[DossierActivated | DossierUpdated], settings: ConnectorSettings
) -> None:
    """A dossier of our package activated (or moved) to `connector: kafka`: its whole ledger
    as a full ledger.synced.v1 run, so that the platform knows its books."""
    data = event.data
    if data.connector != "kafka" or data.accounting_package != settings.accounting_package:
        return
    changed = getattr(data, "changed", None)
    if changed is not None and not set(changed) & LEDGER_FIELDS:
        return
    try:
        snapshot = await asyncio.to_thread(
            connector_of(settings).feedback_snapshot, data.dossier_code
        )
    except UnknownDossier as exc:
        # Nothing to publish; the office sees no sync run for the dossier and sync refuses its
        # postings with a reason saying the books have not arrived.
        log.error("dossier %s (%s): %s", event.dossierid, data.dossier_code, exc.reason)
        return
    sync_id = uuid7()
    for message in ledger_sync_messages(snapshot, sync_id, datetime.now(UTC), full=True):
        _answer(uow, event, message, f"dossiers/{event.dossierid}/syncs/{sync_id}")
    # What a later delta run (ledger.sync-requested.v1, full false) compares against.
    await ledger.replace_fingerprints(uow.conn, event.dossierid, record_fingerprints(snapshot))


async def on_sync_requested(
    uow: UnitOfWork, event: Envelope[LedgerSyncRequested], settings: ConnectorSettings
) -> None:
    """Sync asks for a run (a manual or the nightly sync): ledger.synced.v1 under the request's
    sync_id, the whole ledger or what changed since the previous run, as sync publishes an
    in-process dossier's. An unknown dossier is logged (sync's run stays `requested`); an
    unreachable package raises (retried, then `ledger.sync-requested.v1.dlq`). The periods the
    request closes (a new active period) are closed first, so the run shows them closed."""
    request = event.data
    if request.accounting_package != settings.accounting_package:
        return
    connector = connector_of(settings)
    try:
        if request.close_periods:
            await asyncio.to_thread(
                connector.close_periods, request.dossier_code, request.close_periods
            )
        snapshot = await asyncio.to_thread(connector.feedback_snapshot, request.dossier_code)
    except UnknownDossier as exc:
        log.error("sync of %s (%s): %s", event.dossierid, request.dossier_code, exc.reason)
        return
    except BookingRefused as exc:  # sync checked the periods against the last run: logged
        log.error("sync of %s: periods not closed: %s", request.dossier_code, exc.reason)
        snapshot = await asyncio.to_thread(connector.feedback_snapshot, request.dossier_code)
    if request.up_to_date_until is not None:
        snapshot = snapshot.model_copy(update={"up_to_date_until": request.up_to_date_until})
    await ledger.lock_dossier_sync(uow.conn, event.dossierid)  # one run of a dossier at a time
    previous = {} if request.full else await ledger.synced_fingerprints(uow.conn, event.dossierid)
    for message in sync_run_messages(
        snapshot, request.sync_id, datetime.now(UTC), full=request.full, previous=previous
    ):
        _answer(uow, event, message, f"dossiers/{event.dossierid}/syncs/{request.sync_id}")
    await ledger.replace_fingerprints(uow.conn, event.dossierid, record_fingerprints(snapshot))


async def on_booking_requested(
    uow: UnitOfWork, event: Envelope[BookingRequested], settings: ConnectorSettings
) -> None:
    """Post the booking: booking.posted.v1 and the ledger.synced.v1 delta of what it changed,
    or booking.failed.v1 with the package's own reason. An unreachable package raises: the
    consumer retries with backoff and keeps the request on `booking.requested.v1.dlq` after
    the last attempt (nothing was written)."""
    request = event.data
    if request.accounting_package != settings.accounting_package:
        return
    booking = request.booking
    connector = connector_of(settings)
    subject = f"proposals/{booking.proposal_id}"
    try:
        if booking.document_id is None:  # booking.posted.v1 names the document
            raise BookingRefused("a booking request needs the document_id of its proposal")
        posted = await asyncio.to_thread(connector.post_booking, request.dossier_code, booking)
    except ConnectorUnavailable:
        raise
    except (BookingRefused, UnknownDossier) as exc:
        _answer(
            uow,
            event,
            BookingFailed(
                proposal_id=booking.proposal_id,
                document_id=booking.document_id,
                reason=exc.reason,
                details=exc.details,
                retryable=False,
            ),
            subject,
        )
        return
    assert booking.document_id is not None  # refused above
    _answer(
        uow,
        event,
        BookingPosted(
            proposal_id=booking.proposal_id,
            document_id=booking.document_id,
            journal=posted.journal,
            document_number=posted.document_number,
            posted_at=datetime.now(UTC),
            period=posted.period,
            transaction_id=posted.transaction_id,
            dossier_code=request.dossier_code,
            already_posted=posted.already_posted,
        ),
        subject,
    )
    if posted.already_posted:
        return  # the books did not change
    snapshot = await asyncio.to_thread(connector.feedback_snapshot, request.dossier_code)
    await _emit_synced(
        uow,
        event,
        booking_delta(snapshot, posted, booking.header.counterparty_number),
        snapshot,
    )


async def on_booking_delete_requested(
    uow: UnitOfWork, event: Envelope[BookingDeleteRequested], settings: ConnectorSettings
) -> None:
    """Delete the proposal's booking from one of the platform's journals: booking.deleted.v1
    and the open item as a removal in a ledger.synced.v1 delta, or booking.delete-failed.v1
    with the package's own reason. A request seen again answers `already_deleted`."""
    request = event.data
    if request.accounting_package != settings.accounting_package:
        return
    connector = connector_of(settings)
    booking = request.booking
    subject = f"proposals/{booking.proposal_id}"
    try:
        deleted = await asyncio.to_thread(connector.delete_booking, request.dossier_code, booking)
    except ConnectorUnavailable:
        raise
    except (BookingRefused, UnknownDossier) as exc:
        _answer(
            uow,
            event,
            BookingDeleteFailed(
                proposal_id=booking.proposal_id,
                document_id=booking.document_id,
                journal=booking.journal,
                document_number=booking.document_number,
                reason=exc.reason,
                details=exc.details,
            ),
            subject,
        )
        return
    _answer(
        uow,
        event,
        BookingDeleted(
            proposal_id=booking.proposal_id,
            document_id=booking.document_id,
            journal=deleted.journal,
            document_number=deleted.document_number,
            deleted_at=datetime.now(UTC),
            reason=booking.reason,
            deleted_by=booking.requested_by,
            dossier_code=request.dossier_code,
            already_deleted=deleted.already_deleted,
        ),
        subject,
    )
    snapshot = await asyncio.to_thread(connector.feedback_snapshot, request.dossier_code)
    await _emit_synced(
        uow,
        event,
        deletion_delta(snapshot, booking.journal),
        snapshot,
        removed_open_items=(f"{booking.journal}/{booking.document_number}",),
    )


class JournalisingRefused(Exception):
    """The package refused to journalise payments. The contract has no answer topic for it: the
    request is retried, then kept on `payments.journalise-requested.v1.dlq` with this reason
    (sync shows the payment `requested` until it is journalised)."""


async def on_journalise_requested(
    uow: UnitOfWork, event: Envelope[PaymentsJournaliseRequested], settings: ConnectorSettings
) -> None:
    """Book the payments in the bank journals (idempotent on the payment id) and publish the
    ledger.synced.v1 delta: the bank journals' next numbers, each settled open item in
    `settled_items` (naming the payment: sync's answer) with its key in `removed_open_items`,
    or its new paid amount when it is still partly open."""
    request = event.data
    if request.accounting_package != settings.accounting_package:
        return
    connector = connector_of(settings)
    code = request.dossier_code
    try:
        before = await asyncio.to_thread(connector.open_items, code)
        results = await asyncio.to_thread(connector.journalise_payments, code, request.payments)
    except ConnectorUnavailable:
        raise
    except (BookingRefused, UnknownDossier) as exc:
        log.error("journalising payments of %s refused: %s", code, exc.reason)
        raise JournalisingRefused(exc.reason) from exc
    snapshot = await asyncio.to_thread(connector.feedback_snapshot, code)
    after = await asyncio.to_thread(connector.open_items, code)
    settlements = [
        settlement(p, item_of(before, p), item_of(after, p), snapshot.counterparties)
        for p in request.payments
    ]
    journals = {result.journal for result in results}
    await _emit_synced(
        uow,
        event,
        LedgerSnapshot(
            dossier_code=code,
            read_at=snapshot.read_at,
            up_to_date_until=snapshot.up_to_date_until,
            journals=tuple(j for j in snapshot.journals if j.code in journals),
            open_items=tuple(item for s in settlements for item in s.open_items),
        ),
        snapshot,
        removed_open_items=tuple(key for s in settlements for key in s.removed_open_items),
        settled_items=tuple(item for s in settlements for item in s.settled_items),
    )


Handler = Callable[[UnitOfWork, Envelope[Any]], Awaitable[None]]


def subscriptions(settings: ConnectorSettings) -> list[Subscription[Any]]:
    def bound(handler: Callable[..., Awaitable[None]]) -> Handler:
        async def handle(uow: UnitOfWork, event: Envelope[Any]) -> None:
            await handler(uow, event, settings)

        return handle

    group = settings.consumer_group
    return [
        Subscription(DossierActivated, bound(on_dossier), consumer=group),
        Subscription(DossierUpdated, bound(on_dossier), consumer=group),
        Subscription(BookingRequested, bound(on_booking_requested), consumer=group),
        Subscription(BookingDeleteRequested, bound(on_booking_delete_requested), consumer=group),
        Subscription(LedgerSyncRequested, bound(on_sync_requested), consumer=group),
        Subscription(PaymentsJournaliseRequested, bound(on_journalise_requested), consumer=group),
    ]


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name=NAME,
        title="Ledgerline reference Kafka connector (Beancount)",
        description="The Beancount reference connector behind the Kafka contract: consumes "
        "booking.requested.v1, booking.delete-requested.v1, ledger.sync-requested.v1 and "
        "payments.journalise-requested.v1 of dossiers activated with `connector: kafka`, answers "
        "with booking.posted.v1 / booking.failed.v1 and booking.deleted.v1 / "
        "booking.delete-failed.v1, and publishes "
        "ledger.synced.v1 (docs/connectors.md).",
        settings_type=ConnectorSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        subscriptions=subscriptions,
        # It answers no dossier-scoped HTTP request: no copy of the dossiers to keep.
        keeps_dossier_directory=False,
    )
