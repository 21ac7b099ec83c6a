"""The active clients monitor on the real PostgreSQL (sync's own migrations): events through
the real inbox consumer, delivered twice and out of order, give the counts once; another
office's dossiers never show."""

import importlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from ledgerline.consumers import EventConsumer
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.events import (
    BookingFailed,
    BookingPeriod,
    BookingPosted,
    DocumentReceived,
    DocumentSubmitted,
    Envelope,
    LedgerSynced,
    ProposalStatusChanged,
    spec_for,
)
from ledgerline.kafka import create_broker
from ledgerline.testing.databases import MigratedDatabases
from sync.adapters import dossiers, ledger, monitor
from sync.monitor_handlers import CONSUMER, monitor_subscriptions

pytestmark = [pytest.mark.integration]

OFFICE = uuid.uuid4()
OTHER_OFFICE = uuid.uuid4()
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
async def pool(migrated_databases: MigratedDatabases) -> AsyncIterator[asyncpg.Pool]:
    versions = importlib.import_module("sync.bootstrap").definition().versions_dir
    url = await migrated_databases.create(versions)
    pool = await create_pool(url)
    yield pool
    await pool.close()
    await migrated_databases.drop(url)


async def dossier(pool: asyncpg.Pool, office: uuid.UUID, name: str) -> uuid.UUID:
    dossier_id = uuid.uuid4()
    async with UnitOfWork(pool, source="test") as uow:
        await dossiers.insert(
            uow.conn,
            {
                "id": dossier_id,
                "office_id": office,
                "name": name,
                "vat_number": None,
                "accounting_package": "beancount",
                "dossier_code": name.upper()[:8],
                "configuration": "C",
                "language": "nl",
            },
        )
    return dossier_id


class Deliver:
    """Delivers events to the monitor's handlers through the real inbox consumer."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.consumer = EventConsumer(
            service="sync", pool=pool, broker=create_broker("127.0.0.1:1", client_id="tests")
        )
        self.handlers = {s.event: s.handler for s in monitor_subscriptions()}

    @staticmethod
    def envelope(data: Any, dossier_id: uuid.UUID, office: uuid.UUID) -> Envelope[Any]:
        return Envelope[type(data)](  # type: ignore[misc]
            source="/ledgerline/test",
            type=spec_for(data).type,
            dossierid=dossier_id,
            officeid=office,
            correlationid="c",
            data=data,
        )

    async def __call__(
        self, data: Any, dossier_id: uuid.UUID, office: uuid.UUID = OFFICE, twice: bool = True
    ) -> Envelope[Any]:
        envelope = self.envelope(data, dossier_id, office)
        for _ in range(2 if twice else 1):
            await self.consumer.handle(
                CONSUMER,
                spec_for(data).topic,
                Envelope[type(data)],  # type: ignore[misc]
                self.handlers[type(data)],
                envelope.model_dump_json().encode(),
            )
        return envelope

    async def batch(self, events: list[tuple[Any, uuid.UUID, uuid.UUID]]) -> None:
        """Events of one type as one batch from Kafka: (data, dossier, office) each, in order."""
        model = Envelope[type(events[0][0])]  # type: ignore[misc]
        bodies = [
            self.envelope(data, dossier_id, office).model_dump_json().encode()
            for data, dossier_id, office in events
        ]
        await self.consumer.handle_batch(
            CONSUMER,
            spec_for(events[0][0]).topic,
            model,
            self.handlers[type(events[0][0])],
            [(body, None) for body in bodies],
        )


def received(document_id: uuid.UUID, minutes: int) -> DocumentReceived:
    return DocumentReceived(
        document_id=document_id,
        mailbox="purchase",
        channel="upload",
        filename="f.pdf",
        content_type="application/pdf",
        size_bytes=10,
        sha256="0" * 64,
        received_at=T0 + timedelta(minutes=minutes),
        content_url="http://ingest/documents/x/content",
    )


def submitted(document_id: uuid.UUID, minutes: int) -> DocumentSubmitted:
    return DocumentSubmitted(
        document_id=document_id,
        mailbox="purchase",
        submitted_at=T0 + timedelta(minutes=minutes),
        submitted_by="client@x.example",
    )


def posted(document_id: uuid.UUID, minutes: int) -> BookingPosted:
    return BookingPosted(
        proposal_id=uuid.uuid4(),
        document_id=document_id,
        journal="CFAAN",
        document_number="26000900",
        posted_at=T0 + timedelta(minutes=minutes),
    )


async def line(pool: asyncpg.Pool, office: uuid.UUID, dossier_id: uuid.UUID) -> dict[str, Any]:
    async with pool.acquire() as connection:
        rows = await monitor.rows(connection, office, None)
    return next(dict(row) for row in rows if row["dossier_id"] == dossier_id)


async def test_events_delivered_twice_and_out_of_order_count_once(pool: asyncpg.Pool) -> None:
    deliver = Deliver(pool)
    peeters = await dossier(pool, OFFICE, "Peeters")
    portal, waiting, booked, refused = (uuid.uuid4() for _ in range(4))
    await deliver(received(portal, 0), peeters)
    # Submitted before its received arrives (other topic, other order).
    await deliver(submitted(waiting, 20), peeters)
    await deliver(received(waiting, 10), peeters)
    await deliver(received(booked, 5), peeters)
    await deliver(submitted(booked, 6), peeters)
    await deliver(posted(booked, 30), peeters)
    await deliver(received(refused, 1), peeters)
    await deliver(submitted(refused, 2), peeters)
    await deliver(
        BookingFailed(proposal_id=uuid.uuid4(), document_id=refused, reason="period closed"),
        peeters,
    )
    row = await line(pool, OFFICE, peeters)
    assert row["documents_in_portal"] == 1
    assert row["to_validate"] == 2  # the waiting one, and the refused one back in the worklist
    assert row["bookings_posted"] == 1
    assert row["failed_bookings"] == 1 and row["failed_bookings_retryable"] == 0
    assert row["oldest_document_at"] == T0  # the oldest not yet posted
    assert row["last_document_at"] == T0 + timedelta(minutes=10)
    inbox = await pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", CONSUMER)
    assert inbox == 9

    # The counter's reset: postings before it are no longer counted, later ones are.
    async with pool.acquire() as connection:
        await monitor.reset_bookings_counter(connection, OFFICE, peeters, T0 + timedelta(hours=1))
    assert (await line(pool, OFFICE, peeters))["bookings_posted"] == 0
    later = uuid.uuid4()
    await deliver(posted(later, 120), peeters)
    assert (await line(pool, OFFICE, peeters))["bookings_posted"] == 1


def status(
    document_id: uuid.UUID, old: str | None, new: str, minutes: int
) -> ProposalStatusChanged:
    return ProposalStatusChanged(
        proposal_id=uuid.uuid4(),
        document_id=document_id,
        old_status=old,  # type: ignore[arg-type]
        new_status=new,  # type: ignore[arg-type]
        reason="checked",
        changed_at=T0 + timedelta(minutes=minutes),
    )


async def test_the_worklists_status_events_give_checked_on_hold_and_help_asked(
    pool: asyncpg.Pool,
) -> None:
    deliver = Deliver(pool)
    peeters = await dossier(pool, OFFICE, "Peeters")
    checked, held, helped, deleted = (uuid.uuid4() for _ in range(4))
    for minutes, document in enumerate((checked, held, helped, deleted)):
        await deliver(received(document, minutes), peeters)
        await deliver(submitted(document, 10 + minutes), peeters)
    assert (await line(pool, OFFICE, peeters))["to_validate"] == 4
    await deliver(status(checked, "ok", "checked_suspense", 20), peeters)
    await deliver(status(held, "ok", "checked", 20), peeters)
    await deliver(status(held, "checked", "on_hold", 21), peeters)
    await deliver(status(helped, "ok", "help_asked", 22), peeters)
    await deliver(status(deleted, "ok", "deleted", 23), peeters)
    row = await line(pool, OFFICE, peeters)
    assert (row["to_validate"], row["checked"], row["on_hold"], row["help_asked"]) == (0, 1, 1, 1)
    assert row["oldest_document_at"] == T0  # the deleted one (received at T0 + 3) is out
    # Released: back to what it was before it was held.
    await deliver(status(held, "on_hold", "checked", 24), peeters)
    row = await line(pool, OFFICE, peeters)
    assert (row["checked"], row["on_hold"]) == (2, 0)
    # Sent: proposal.validated.v1 moves it on; the status event's "sent" changes nothing.
    await deliver(status(helped, "help_asked", "sent", 25), peeters)
    assert (await line(pool, OFFICE, peeters))["help_asked"] == 1


async def test_periods_from_ledger_synced_chunks_and_sync_failures(pool: asyncpg.Pool) -> None:
    deliver = Deliver(pool)
    peeters = await dossier(pool, OFFICE, "Peeters")
    sync_id = uuid.uuid4()

    def period(code: str, status: str) -> BookingPeriod:
        start = date.fromisoformat(f"{code}-01")
        return BookingPeriod(fiscal_year="2026", code=code, start=start, end=start, status=status)

    def chunk(number: int, *periods: BookingPeriod, run: uuid.UUID = sync_id) -> LedgerSynced:
        return LedgerSynced(
            synced_at=T0,
            sync_id=run,
            chunk=number,
            last_chunk=False,
            full=True,
            periods=periods,
            up_to_date_until=date(2026, 11, 28),
        )

    await deliver(chunk(0, period("2026-01", "closed"), period("2026-05", "open")), peeters)
    await deliver(chunk(1, period("2026-04", "open")), peeters)
    row = await line(pool, OFFICE, peeters)
    assert (row["oldest_open_period"], row["up_to_date_until"]) == ("2026-04", date(2026, 11, 28))
    # A new run replaces what the last one said.
    await deliver(
        chunk(0, period("2026-04", "closed"), period("2026-06", "open"), run=uuid.uuid4()), peeters
    )
    assert (await line(pool, OFFICE, peeters))["oldest_open_period"] == "2026-06"

    assert (await line(pool, OFFICE, peeters))["last_sync_failed"] is False
    async with pool.acquire() as connection:
        await ledger.record_sync(
            connection,
            {
                "id": uuid.uuid4(),
                "office_id": OFFICE,
                "dossier_id": peeters,
                "trigger": "manual",
                "status": "failed",
                "full_resync": True,
                "reason": "no Beancount ledger for dossier PEETERS",
            },
        )
    assert (await line(pool, OFFICE, peeters))["last_sync_failed"] is True


async def test_an_office_never_sees_another_office_s_dossiers_or_documents(
    pool: asyncpg.Pool,
) -> None:
    deliver = Deliver(pool)
    ours = await dossier(pool, OFFICE, "Ours")
    theirs = await dossier(pool, OTHER_OFFICE, "Theirs")
    document = uuid.uuid4()
    await deliver(received(document, 0), ours)
    # The same document id claimed by an event of another office changes nothing of ours.
    await deliver(submitted(document, 5), theirs, office=OTHER_OFFICE)
    async with pool.acquire() as connection:
        mine = await monitor.rows(connection, OFFICE, None)
        other = await monitor.rows(connection, OTHER_OFFICE, None)
    assert [row["dossier_id"] for row in mine] == [ours]
    assert [row["dossier_id"] for row in other] == [theirs]
    assert (mine[0]["documents_in_portal"], mine[0]["to_validate"]) == (1, 0)
    assert (other[0]["documents_in_portal"], other[0]["to_validate"]) == (0, 0)


async def test_a_batch_changes_each_document_in_offset_order_and_never_another_office_s(
    pool: asyncpg.Pool,
) -> None:
    deliver = Deliver(pool)
    ours = await dossier(pool, OFFICE, "Ours")
    theirs = await dossier(pool, OTHER_OFFICE, "Theirs")
    held, checked, shared_id = (uuid.uuid4() for _ in range(3))
    await deliver.batch(
        [
            (received(held, 0), ours, OFFICE),
            (received(checked, 1), ours, OFFICE),
            (received(shared_id, 2), ours, OFFICE),
        ]
    )
    await deliver.batch(
        [
            (submitted(held, 5), ours, OFFICE),
            (submitted(checked, 6), ours, OFFICE),
            (submitted(shared_id, 7), theirs, OTHER_OFFICE),  # not ours: changes nothing
        ]
    )
    # One document twice in a batch, its older status change last: ignored, as one at a time.
    await deliver.batch(
        [
            (status(held, "checked", "on_hold", 22), ours, OFFICE),
            (status(checked, "ok", "checked", 21), ours, OFFICE),
            (status(held, "ok", "checked", 20), ours, OFFICE),
        ]
    )
    row = await line(pool, OFFICE, ours)
    assert (row["documents_in_portal"], row["checked"], row["on_hold"]) == (1, 1, 1)
    async with pool.acquire() as connection:
        other = await monitor.rows(connection, OTHER_OFFICE, None)
    assert [(r["dossier_id"], r["documents_in_portal"], r["to_validate"]) for r in other] == [
        (theirs, 0, 0)
    ]
