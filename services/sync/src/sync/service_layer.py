"""What sync does with its connectors: synchronise a dossier's ledger, post validated proposals.

Connector calls are synchronous (files, or a package's API) and run off the event loop. Every
effect is written with its events in one transaction (the outbox); a posting is idempotent on
the proposal id in the connector itself, so a redelivered event, or a process killed between the
ledger write and the commit, still gives one transaction in the books and one booking.posted.v1.
What connectors reached over Kafka answer is handled in `connector_answers`.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    BookingDeleted,
    BookingDeleteFailed,
    BookingDeleteRequested,
    BookingFailed,
    BookingPosted,
    BookingRequested,
    BookingToDelete,
    DossierActivated,
    DossierUpdated,
    Envelope,
    LedgerSynced,
    LedgerSyncRequested,
    ProposalValidated,
    SettledItem,
)
from ledgerline.subscriptions import AnySubscription, Subscription
from uuid_utils.compat import uuid7

from sync.adapters import dossiers, ledger
from sync.adapters.connectors import connector_for
from sync.config import SyncSettings
from sync.connector_answers import (
    from_a_connector,
    on_connector_delete_failed,
    on_connector_deleted,
    on_connector_failed,
    on_connector_posted,
    on_connector_synced,
)
from sync.connectors.contract import (
    Connector,
    ConnectorError,
    ConnectorUnavailable,
    LedgerSnapshot,
)
from sync.domain.deletion import (
    DELETE_REQUESTED,
    DELETED,
    NotDeletable,
    deletion_action,
)
from sync.domain.kafka_connector import (
    POSTING_RECORDS,
    kafka_posting_action,
    posting_route,
    snapshot_of_records,
)
from sync.domain.ledger_sync import record_fingerprints, sync_run_messages
from sync.domain.posting import ProposalNotPostable, booking_from_proposal
from sync.monitor_handlers import monitor_subscriptions

log = logging.getLogger(__name__)


# The dossier's fields that say which books it has: a change of one means a full resync.
LEDGER_FIELDS = frozenset({"accounting_package", "dossier_code", "installation", "connector"})


class NoConnector(Exception):
    """The dossier's package has no in-process connector."""


def dossier_connector(dossier: asyncpg.Record, settings: SyncSettings) -> Connector:
    if dossier["connector"] == "kafka":
        raise NoConnector(
            f"dossier {dossier['dossier_code']} is connected over Kafka: its external connector "
            "keeps the ledger in sync (ledger.synced.v1), sync has no in-process connector for it"
        )
    connector = connector_for(dossier["accounting_package"], settings.ledger_root)
    if connector is None:
        raise NoConnector(
            f"accounting package {dossier['accounting_package']} has no connector on this "
            "platform yet (only beancount runs in-process)"
        )
    return connector


async def take_snapshot(connector: Connector, dossier_code: str) -> LedgerSnapshot:
    return await asyncio.to_thread(connector.snapshot, dossier_code)


async def synchronise(
    uow: UnitOfWork,
    dossier: asyncpg.Record,
    settings: SyncSettings,
    *,
    trigger: str,
    requested_by: str | None = None,
    full: bool = True,
    up_to_date_until: date | None = None,
    close_periods: tuple[str, ...] = (),
    removed_open_items: tuple[str, ...] = (),
    settled_items: tuple[SettledItem, ...] = (),
) -> asyncpg.Record:
    """The connector's snapshot as ledger.synced.v1 chunks, and the run recorded: everything
    (`full`, consumers replace their copies), or what changed since the previous run (a delta:
    new and changed records, removed counterparties and open items).

    A dossier the package does not know is recorded as a failed run (the office must act); an
    unreachable package raises ConnectorUnavailable and nothing is recorded (retry later).
    A Kafka-connected dossier's run is asked of its connector (ledger.sync-requested.v1) and
    recorded `requested`, `ok` once the connector's last chunk of that run arrives; it closes
    `close_periods` first (an in-process dossier's are closed by the caller).
    `removed_open_items` go out as removals in a delta whatever the previous run published."""
    sync_id = uuid7()
    run: dict[str, Any] = {
        "id": sync_id,
        "office_id": dossier["office_id"],
        "dossier_id": dossier["id"],
        "trigger": trigger,
        "full_resync": full,
        "requested_by": requested_by,
    }
    if posting_route(dossier["connector"]) == "kafka":
        uow.emit(
            LedgerSyncRequested(
                sync_id=sync_id,
                dossier_code=dossier["dossier_code"],
                accounting_package=dossier["accounting_package"],
                full=full,
                up_to_date_until=up_to_date_until,
                trigger="nightly" if trigger == "nightly" else "manual",
                requested_by=requested_by,
                close_periods=close_periods,
            ),
            dossier_id=dossier["id"],
            office_id=dossier["office_id"],
            subject=f"dossiers/{dossier['id']}/syncs/{sync_id}",
        )
        return await ledger.record_sync(uow.conn, run | {"status": "requested"})
    try:
        connector = dossier_connector(dossier, settings)
        snapshot = await take_snapshot(connector, dossier["dossier_code"])
    except ConnectorUnavailable:
        raise
    except (NoConnector, ConnectorError) as exc:
        return await ledger.record_sync(uow.conn, run | {"status": "failed", "reason": str(exc)})
    # One run of a dossier at a time writes what was published (the next delta starts there).
    await ledger.lock_dossier_sync(uow.conn, dossier["id"])
    previous = {} if full else await ledger.synced_fingerprints(uow.conn, dossier["id"])
    messages = sync_run_messages(
        snapshot,
        sync_id,
        datetime.now(UTC),
        full=full,
        previous=previous,
        removed_open_items=removed_open_items,
        settled_items=settled_items,  # what a journalised payment settled
    )
    await ledger.replace_fingerprints(uow.conn, dossier["id"], record_fingerprints(snapshot))
    for message in messages:
        uow.emit(
            message,
            dossier_id=dossier["id"],
            office_id=dossier["office_id"],
            subject=f"dossiers/{dossier['id']}/syncs/{sync_id}",
        )
    return await ledger.record_sync(
        uow.conn,
        run
        | {
            "status": "ok",
            "chunks": len(messages),
            "counterparties": len(snapshot.counterparties),
            "open_items": len(snapshot.open_items),
        },
    )


async def on_dossier_activated(
    uow: UnitOfWork, event: Envelope[DossierActivated], settings: SyncSettings
) -> None:
    """Sync reads its own activation: a dossier with an in-process connector is synchronised."""
    await _synchronise_if_connected(uow, event, settings, trigger="activation")


async def _synchronise_if_connected(
    uow: UnitOfWork, event: Envelope[Any], settings: SyncSettings, *, trigger: str
) -> None:
    dossier = await dossiers.get(uow.conn, event.officeid, event.dossierid)
    if dossier is None or not dossier["active"]:
        return
    if posting_route(dossier["connector"]) == "kafka":
        return  # its external connector publishes the books (ledger.synced.v1)
    if connector_for(dossier["accounting_package"], settings.ledger_root) is None:
        return
    await synchronise(uow, dossier, settings, trigger=trigger)


async def on_dossier_updated(
    uow: UnitOfWork, event: Envelope[DossierUpdated], settings: SyncSettings
) -> None:
    """A dossier whose code or package changed is synchronised again: a full resync. Other
    changes (its name, its options, a manual sync's settings) leave the ledger as it is."""
    changed = event.data.changed
    if changed is not None and not set(changed) & LEDGER_FIELDS:
        return
    await _synchronise_if_connected(uow, event, settings, trigger="change")


def _failed(
    uow: UnitOfWork,
    event: Envelope[ProposalValidated],
    reason: str,
    details: tuple[str, ...] = (),
) -> dict[str, Any]:
    uow.emit(
        BookingFailed(
            proposal_id=event.data.proposal_id,
            document_id=event.data.document_id,
            reason=reason,
            details=details,
        ),
        dossier_id=event.dossierid,
        office_id=event.officeid,
        subject=f"proposals/{event.data.proposal_id}",
    )
    return {"status": "failed", "reason": reason}


async def on_proposal_validated(
    uow: UnitOfWork, event: Envelope[ProposalValidated], settings: SyncSettings
) -> None:
    """Post the proposal through the dossier's connector: booking.posted.v1 or booking.failed.v1.

    A package that cannot be reached raises, so that the consumer tries again with backoff; the
    posting shows `connector_unavailable` with the reason meanwhile."""
    proposal = event.data
    posting: dict[str, Any] = {
        "proposal_id": proposal.proposal_id,
        "office_id": event.officeid,
        "dossier_id": event.dossierid,
        "document_id": proposal.document_id,
    }
    dossier = await dossiers.get(uow.conn, event.officeid, event.dossierid)
    if dossier is None or not dossier["active"]:
        outcome = _failed(uow, event, f"dossier {event.dossierid} is not an active dossier")
        await ledger.save_posting(uow.conn, posting | outcome)
        return
    if posting_route(dossier["connector"]) == "kafka":
        await _request_over_kafka(uow, event, dossier, posting)
        return
    try:
        connector = dossier_connector(dossier, settings)
        code = dossier["dossier_code"]
        snapshot = await take_snapshot(connector, code)
        booking = booking_from_proposal(proposal, snapshot)
        posted = await asyncio.to_thread(connector.post_booking, code, booking)
        if settings.posting_hold_after_write_seconds:
            await asyncio.sleep(settings.posting_hold_after_write_seconds)
    except ConnectorUnavailable as exc:
        await _remember_unavailable(settings, posting | {"reason": exc.reason})
        raise
    except (NoConnector, ProposalNotPostable) as exc:
        outcome = _failed(uow, event, str(exc))
    except ConnectorError as exc:
        outcome = _failed(uow, event, exc.reason, exc.details)
    else:
        uow.emit(
            BookingPosted(
                proposal_id=proposal.proposal_id,
                document_id=proposal.document_id,
                journal=posted.journal,
                document_number=posted.document_number,
                posted_at=datetime.now(UTC),
                period=posted.period,
                transaction_id=posted.transaction_id,
                dossier_code=code,
                already_posted=posted.already_posted,
            ),
            dossier_id=event.dossierid,
            office_id=event.officeid,
            subject=f"proposals/{proposal.proposal_id}",
        )
        outcome = {
            "status": "posted",
            "journal": posted.journal,
            "document_number": posted.document_number,
            "period": posted.period,
            "transaction_id": posted.transaction_id,
        }
    await ledger.save_posting(uow.conn, posting | outcome)


def _posted_event(
    event: Envelope[Any], posted: dict[str, Any], dossier_code: str, *, already_posted: bool
) -> BookingPosted:
    return BookingPosted(
        proposal_id=posted["proposal_id"],
        document_id=event.data.document_id,
        journal=posted["journal"],
        document_number=posted["document_number"],
        posted_at=datetime.now(UTC),
        period=posted["period"],
        transaction_id=posted["transaction_id"],
        dossier_code=dossier_code,
        already_posted=already_posted,
    )


async def _request_over_kafka(
    uow: UnitOfWork,
    event: Envelope[ProposalValidated],
    dossier: asyncpg.Record,
    posting: dict[str, Any],
) -> None:
    """A Kafka-connected dossier: booking.requested.v1 through the outbox, in the transaction
    that records the validated event; the connector answers (see on_connector_posted)."""
    proposal = event.data
    current = await ledger.posting(uow.conn, event.officeid, proposal.proposal_id)
    code = dossier["dossier_code"]
    if kafka_posting_action(current["status"] if current else None) == "answer_posted":
        assert current is not None
        uow.emit(
            _posted_event(event, dict(current), code, already_posted=True),
            dossier_id=event.dossierid,
            office_id=event.officeid,
            subject=f"proposals/{proposal.proposal_id}",
        )
        return
    records = await ledger.connector_records(uow.conn, dossier["id"], POSTING_RECORDS)
    if not records:
        outcome = _failed(
            uow,
            event,
            f"the books of dossier {code} have not reached the platform yet: its connector "
            "publishes them (ledger.synced.v1) when the dossier is activated",
        )
        await ledger.save_posting(uow.conn, posting | outcome)
        return
    try:
        booking = booking_from_proposal(
            proposal, snapshot_of_records(code, datetime.now(UTC), records)
        )
    except ProposalNotPostable as exc:
        outcome = _failed(uow, event, str(exc))
        await ledger.save_posting(uow.conn, posting | outcome)
        return
    uow.emit(
        BookingRequested(
            dossier_code=code, accounting_package=dossier["accounting_package"], booking=booking
        ),
        dossier_id=event.dossierid,
        office_id=event.officeid,
        subject=f"proposals/{proposal.proposal_id}",
    )
    await ledger.save_posting(
        uow.conn, posting | {"status": "requested", "journal": booking.header.journal}
    )


async def delete_booking(
    uow: UnitOfWork,
    dossier: asyncpg.Record,
    proposal_id: UUID,
    reason: str,
    requested_by: str,
    settings: SyncSettings,
) -> asyncpg.Record:
    """Delete the booking sync posted for a proposal; the posting as it is then (`deleted`, or
    `delete_requested` for a Kafka-connected dossier, whose connector answers).

    In-process: through the connector, then booking.deleted.v1 and a ledger.synced.v1 delta
    without the open item, in this transaction. The connector finds the transaction by its
    proposal id and answers `already_deleted` when the books no longer have it, so a request
    retried after a crash between the ledger write and the commit finishes the job once.
    Raises NotDeletable, ConnectorError (the books refuse: nothing written), ConnectorUnavailable."""
    current = await ledger.posting(uow.conn, dossier["office_id"], proposal_id)
    if current is not None and current["dossier_id"] != dossier["id"]:
        current = None
    action = deletion_action(
        proposal_id, current["status"] if current else None, posting_route(dossier["connector"])
    )
    assert current is not None  # deletion_action raises for a proposal without posting
    if action in ("answer_deleted", "pending"):
        return current
    code = dossier["dossier_code"]
    request = BookingToDelete(
        proposal_id=proposal_id,
        document_id=current["document_id"],
        journal=current["journal"],
        document_number=current["document_number"],
        reason=reason,
        requested_by=requested_by,
    )
    subject = f"proposals/{proposal_id}"
    status = DELETE_REQUESTED
    if action == "request":
        uow.emit(
            BookingDeleteRequested(
                dossier_code=code, accounting_package=dossier["accounting_package"], booking=request
            ),
            dossier_id=dossier["id"],
            office_id=dossier["office_id"],
            subject=subject,
        )
    else:
        try:
            connector = dossier_connector(dossier, settings)
        except NoConnector as exc:
            raise NotDeletable(409, str(exc)) from exc
        deleted = await asyncio.to_thread(connector.delete_booking, code, request)
        uow.emit(
            BookingDeleted(
                proposal_id=proposal_id,
                document_id=current["document_id"],
                journal=deleted.journal,
                document_number=deleted.document_number,
                deleted_at=datetime.now(UTC),
                reason=reason,
                deleted_by=requested_by,
                dossier_code=code,
                already_deleted=deleted.already_deleted,
            ),
            dossier_id=dossier["id"],
            office_id=dossier["office_id"],
            subject=subject,
        )
        status = DELETED
    await ledger.save_posting(
        uow.conn, dict(current) | {"status": status, "reason": reason}, attempt=False
    )
    if status == DELETED:
        await synchronise(
            uow,
            dossier,
            settings,
            trigger="deletion",
            requested_by=requested_by,
            full=False,
            removed_open_items=(f"{request.journal}/{request.document_number}",),
        )
    return await ledger.posting(uow.conn, dossier["office_id"], proposal_id)


async def _remember_unavailable(settings: SyncSettings, posting: dict[str, Any]) -> None:
    """Outside the handler's transaction, which rolls back: the office sees the posting wait."""
    try:
        connection = await asyncpg.connect(settings.database_url)
    except (OSError, asyncpg.PostgresError):
        log.exception("could not record that posting %s waits", posting["proposal_id"])
        return
    try:
        await ledger.save_posting(connection, posting | {"status": "connector_unavailable"})
    finally:
        await connection.close()


Handler = Callable[[UnitOfWork, Envelope[Any]], Awaitable[None]]


def subscriptions(settings: SyncSettings) -> list[AnySubscription]:
    def bound(handler: Callable[..., Awaitable[None]]) -> Handler:
        async def handle(uow: UnitOfWork, event: Envelope[Any]) -> None:
            await handler(uow, event, settings)

        return handle

    return [
        Subscription(DossierActivated, bound(on_dossier_activated)),
        Subscription(DossierUpdated, bound(on_dossier_updated)),
        Subscription(ProposalValidated, bound(on_proposal_validated)),
        # The answers of external (Kafka) connectors; sync's own are skipped unread (a large
        # ledger.synced.v1 chunk of its own would otherwise be fetched from itself first).
        Subscription(BookingPosted, bound(on_connector_posted), accepts=from_a_connector),
        Subscription(BookingFailed, bound(on_connector_failed), accepts=from_a_connector),
        Subscription(LedgerSynced, bound(on_connector_synced), accepts=from_a_connector),
        Subscription(BookingDeleted, bound(on_connector_deleted), accepts=from_a_connector),
        Subscription(
            BookingDeleteFailed, bound(on_connector_delete_failed), accepts=from_a_connector
        ),
        *monitor_subscriptions(),
    ]
