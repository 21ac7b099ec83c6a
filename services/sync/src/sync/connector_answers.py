"""What sync does with the answers of the connectors it reaches over Kafka (booking.posted.v1,
booking.failed.v1, ledger.synced.v1, booking.deleted.v1, booking.delete-failed.v1): each
updates the posting or the kept books of a dossier connected over Kafka, if it still applies.
Sync's own (in-process) connector publishes the same events; those are not answers."""

from collections.abc import Callable
from typing import Any

import asyncpg
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    BookingDeleted,
    BookingDeleteFailed,
    BookingFailed,
    BookingPosted,
    Envelope,
    LedgerSynced,
)

from sync.adapters import dossiers, journalisings, ledger
from sync.config import SyncSettings
from sync.domain.deletion import (
    DELETED,
    delete_failed_applies,
    deleted_answer_applies,
)
from sync.domain.kafka_connector import (
    KEPT_RECORDS,
    KEPT_REMOVALS,
    answer_applies,
    posting_route,
    record_key,
)

# The source of sync's own events (its in-process connector's answers).
SERVICE = "sync"


async def on_connector_deleted(
    uow: UnitOfWork, event: Envelope[BookingDeleted], settings: SyncSettings
) -> None:
    """An external connector deleted a booking: the posting is `deleted`."""
    current = await _posting_answered(uow, event, deleted_answer_applies)
    if current is None:
        return
    await ledger.save_posting(uow.conn, dict(current) | {"status": DELETED}, attempt=False)


async def on_connector_delete_failed(
    uow: UnitOfWork, event: Envelope[BookingDeleteFailed], settings: SyncSettings
) -> None:
    """An external connector refused a deletion: the booking stays, `posted`, with the reason."""
    current = await _posting_answered(uow, event, delete_failed_applies)
    if current is None:
        return
    await ledger.save_posting(
        uow.conn,
        dict(current) | {"status": "posted", "reason": f"not deleted: {event.data.reason}"},
        attempt=False,
    )


async def _posting_answered(
    uow: UnitOfWork,
    event: Envelope[BookingDeleted] | Envelope[BookingDeleteFailed],
    applies: Callable[[str | None, tuple[str | None, str | None], tuple[str, str]], bool],
) -> asyncpg.Record | None:
    """The posting an external connector's answer to a deletion is about, if the answer still
    applies to it (`applies`: the posting's status, its booking, the answer's booking)."""
    if await _kafka_dossier(uow, event) is None:
        return None
    answer = event.data
    current = await ledger.posting(uow.conn, event.officeid, answer.proposal_id)
    if current is None or not applies(
        current["status"],
        (current["journal"], current["document_number"]),
        (answer.journal, answer.document_number),
    ):
        return None
    return current


def from_a_connector(event: Envelope[Any]) -> bool:
    """An answer published by an external connector, not sync's own (in-process) one."""
    return event.source != f"/ledgerline/{SERVICE}"


async def _kafka_dossier(uow: UnitOfWork, event: Envelope[Any]) -> asyncpg.Record | None:
    if not from_a_connector(event):
        return None
    dossier = await dossiers.get(uow.conn, event.officeid, event.dossierid)
    if dossier is None or posting_route(dossier["connector"]) != "kafka":
        return None
    return dossier


async def on_connector_posted(
    uow: UnitOfWork, event: Envelope[BookingPosted], settings: SyncSettings
) -> None:
    """An external connector posted a booking: the posting is `posted` (final)."""
    if await _kafka_dossier(uow, event) is None:
        return
    answer = event.data
    current = await ledger.posting(uow.conn, event.officeid, answer.proposal_id)
    if not answer_applies(current["status"] if current else None, "posted"):
        return
    await ledger.save_posting(
        uow.conn,
        {
            "proposal_id": answer.proposal_id,
            "office_id": event.officeid,
            "dossier_id": event.dossierid,
            "document_id": answer.document_id,
            "status": "posted",
            "journal": answer.journal,
            "document_number": answer.document_number,
            "period": answer.period,
            "transaction_id": answer.transaction_id,
        },
        attempt=False,
    )


async def on_connector_failed(
    uow: UnitOfWork, event: Envelope[BookingFailed], settings: SyncSettings
) -> None:
    """An external connector refused a booking: `failed` with the package's reason, unless the
    proposal was posted meanwhile (posted is final)."""
    if await _kafka_dossier(uow, event) is None:
        return
    answer = event.data
    current = await ledger.posting(uow.conn, event.officeid, answer.proposal_id)
    if not answer_applies(current["status"] if current else None, "failed"):
        return
    await ledger.save_posting(
        uow.conn,
        {
            "proposal_id": answer.proposal_id,
            "office_id": event.officeid,
            "dossier_id": event.dossierid,
            "document_id": answer.document_id,
            "status": "failed",
            "journal": current["journal"] if current else None,
            "reason": answer.reason,
        },
        attempt=False,
    )


async def on_connector_synced(
    uow: UnitOfWork, event: Envelope[LedgerSynced], settings: SyncSettings
) -> None:
    """An external connector's ledger.synced.v1: sync keeps the journals, counterparties and
    GL accounts it resolves proposals against and the feedback records its feedback reports are
    computed from, and records the run when its last chunk comes."""
    dossier = await _kafka_dossier(uow, event)
    data = event.data
    if dossier is None or data.sync_id is None:
        return
    upserts = [
        (kind, record_key(kind, record), record.model_dump(mode="json"))
        for field, kind in KEPT_RECORDS.items()
        for record in getattr(data, field)
    ]
    await ledger.upsert_connector_records(uow.conn, dossier["id"], data.sync_id, upserts)
    await ledger.mark_connector_books(uow.conn, dossier["id"], data.synced_at)
    for field, kind in KEPT_REMOVALS.items():
        if keys := getattr(data, field):
            await ledger.remove_connector_records(uow.conn, dossier["id"], kind, list(keys))
    await journalisings.mark_settled(uow.conn, event.officeid, data.settled_items)
    if data.last_chunk:
        if data.full:
            await ledger.keep_only_connector_run(uow.conn, dossier["id"], data.sync_id)
        await ledger.record_connector_sync(
            uow.conn,
            {
                "id": data.sync_id,
                "office_id": event.officeid,
                "dossier_id": dossier["id"],
                "full_resync": data.full,
                "chunks": data.chunk + 1,
                "counterparties": data.counterparties,
                "open_items": data.open_items,
            },
        )
