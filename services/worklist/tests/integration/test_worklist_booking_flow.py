"""The booking factory against a real PostgreSQL: the books arrive (ledger.synced.v1), a
document becomes an enriched proposal, the office edits, checks and sends it (one
proposal.validated.v1 in the outbox), and booking.posted.v1 / booking.failed.v1 come back."""

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    BookingDeleted,
    BookingFailed,
    BookingPosted,
    EventData,
    OpenItem,
)
from worklist import booking_actions
from worklist.adapters import repository
from worklist.domain.lines import DetailLine
from worklist.service_layer import (
    on_booking_deleted,
    on_booking_failed,
    on_booking_posted,
    on_ledger_synced,
)

from services.worklist.tests.integration import helpers

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()


async def handle(pool: asyncpg.Pool, handler: Any, data: EventData) -> None:
    await helpers.handle(pool, handler, data, OFFICE, DOSSIER)


async def sync_books(pool: asyncpg.Pool) -> None:
    """The demo dossier's books, with one open item of Van Hoorebeke's (VH-OLD)."""
    open_item = OpenItem(
        kind="supplier",
        journal="CFAAN",
        document_number="26000012",
        counterparty_number="L0006",
        invoice_number="VH-OLD",
        invoice_date=date(2026, 10, 3),
        amount=Decimal("242.00"),
        amount_paid=Decimal(0),
    )
    await handle(pool, on_ledger_synced, helpers.books_synced(open_item_records=(open_item,)))


async def deliver(pool: asyncpg.Pool, number: str, net: str = "100.00") -> uuid.UUID:
    return await helpers.deliver(pool, OFFICE, DOSSIER, number, net)


async def proposal_of(pool: asyncpg.Pool, document: uuid.UUID) -> asyncpg.Record:
    async with pool.acquire() as connection:
        return await connection.fetchrow("SELECT * FROM proposals WHERE document_id = $1", document)


async def act(pool: asyncpg.Pool, action: Any, *args: Any, **kwargs: Any) -> None:
    async with UnitOfWork(pool, source="worklist") as uow:
        await action(uow, OFFICE, DOSSIER, *args, **kwargs)


async def test_enriched_edited_checked_sent_and_booked(pool: asyncpg.Pool) -> None:
    await sync_books(pool)
    proposal = await proposal_of(pool, await deliver(pool, "VH-1"))
    assert (proposal["status"], proposal["counterparty_number"], proposal["period"]) == (
        "ok",
        "L0006",
        "2026-11",
    )
    booking = repository.booking_of(proposal)
    assert booking.lines == (DetailLine("604000", Decimal("100.00"), "A21", Decimal("21.00")),)

    await act(
        pool,
        booking_actions.edit,
        proposal["id"],
        {"lines": [DetailLine("604000", Decimal("60.00"), "A21", Decimal(0))], "labels": ["x"]},
    )
    edited = await proposal_of(pool, proposal["document_id"])
    assert [w["code"] for w in edited["warnings"]] == ["lines_total_differs"]
    await act(pool, booking_actions.set_flags, [proposal["id"]], "check")
    with pytest.raises(booking_actions.NotSendable, match=r"add up to 72\.60"):
        await act(pool, booking_actions.send, [proposal["id"]], "eva")

    await act(pool, booking_actions.edit, proposal["id"], {"lines": []})
    assert (await proposal_of(pool, proposal["document_id"]))["status"] == "checked_suspense"
    await act(pool, booking_actions.send, [proposal["id"]], "eva")
    async with pool.acquire() as connection:
        outbox = await connection.fetch(
            "SELECT topic, payload FROM outbox WHERE topic <> 'proposal.status-changed.v1'"
        )
    assert [row["topic"] for row in outbox] == ["proposal.validated.v1"]
    assert (await proposal_of(pool, proposal["document_id"]))["status"] == "sent"
    with pytest.raises(booking_actions.NotEditable):
        await act(pool, booking_actions.edit, proposal["id"], {"invoice_number": "X"})

    await handle(
        pool,
        on_booking_failed,
        BookingFailed(proposal_id=proposal["id"], reason="Transaction does not balance"),
    )
    back = await proposal_of(pool, proposal["document_id"])
    assert (back["status"], back["booking_error"]) == (
        "checked_suspense",
        "Transaction does not balance",
    )
    await act(pool, booking_actions.send, [proposal["id"]], "eva")
    await handle(
        pool,
        on_booking_posted,
        BookingPosted(
            proposal_id=proposal["id"],
            document_id=proposal["document_id"],
            journal="CFAAN",
            document_number="26000216",
            posted_at=datetime.now(UTC),
            period="2026-11",
        ),
    )
    booked = await proposal_of(pool, proposal["document_id"])
    assert (booked["status"], booked["document_number"]) == ("booked", "26000216")


def posted(proposal: asyncpg.Record, number: str) -> BookingPosted:
    return BookingPosted(
        proposal_id=proposal["id"],
        document_id=proposal["document_id"],
        journal="CFAAN",
        document_number=number,
        posted_at=datetime.now(UTC),
        period="2026-11",
    )


def deleted(proposal: asyncpg.Record, number: str) -> BookingDeleted:
    return BookingDeleted(
        proposal_id=proposal["id"],
        document_id=proposal["document_id"],
        journal="CFAAN",
        document_number=number,
        deleted_at=datetime.now(UTC),
        reason="wrong supplier",
        deleted_by="eva@office.example",
    )


async def status_events(pool: asyncpg.Pool, proposal_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT payload FROM outbox WHERE topic = 'proposal.status-changed.v1' ORDER BY id"
    )
    events = [json.loads(row["payload"])["data"] for row in rows]
    return [event for event in events if event["proposal_id"] == str(proposal_id)]


async def test_a_booking_deleted_from_the_books_brings_the_proposal_back_to_edit_and_send(
    pool: asyncpg.Pool,
) -> None:
    await sync_books(pool)
    proposal = await proposal_of(pool, await deliver(pool, "VH-DEL"))
    await act(pool, booking_actions.set_flags, [proposal["id"]], "check")
    await act(pool, booking_actions.send, [proposal["id"]], "eva")
    await handle(pool, on_booking_posted, posted(proposal, "26000300"))
    assert (await proposal_of(pool, proposal["document_id"]))["status"] == "booked"

    await handle(pool, on_booking_deleted, deleted(proposal, "26000300"))

    back = await proposal_of(pool, proposal["document_id"])
    assert (back["stage"], back["status"], back["checked"], back["document_number"]) == (
        "open",
        "ok",
        False,
        None,
    )
    assert back["booking_error"] == "deleted in the books (CFAAN/26000300): wrong supplier"
    assert back["booked_at"] is None
    *_, changed = await status_events(pool, proposal["id"])
    assert (changed["old_status"], changed["new_status"], changed["reason"]) == (
        "booked",
        "ok",
        "booking_deleted",
    )
    assert (changed["changed_by"], changed["message"]) == (
        "eva@office.example",
        "deleted in the books (CFAAN/26000300): wrong supplier",
    )
    # Editable again; corrected, checked and sent again, it is booked anew.
    await act(pool, booking_actions.edit, proposal["id"], {"invoice_number": "VH-DEL-2"})
    await act(pool, booking_actions.set_flags, [proposal["id"]], "check")
    await act(pool, booking_actions.send, [proposal["id"]], "eva")
    sent_again = await proposal_of(pool, proposal["document_id"])
    assert (sent_again["status"], sent_again["booking_error"]) == ("sent", None)
    # The deletion told again (or late, after the new booking) changes nothing.
    await handle(pool, on_booking_deleted, deleted(proposal, "26000300"))
    assert (await proposal_of(pool, proposal["document_id"]))["status"] == "sent"
    await handle(pool, on_booking_posted, posted(proposal, "26000301"))
    events_before = len(await status_events(pool, proposal["id"]))
    await handle(pool, on_booking_deleted, deleted(proposal, "26000300"))
    rebooked = await proposal_of(pool, proposal["document_id"])
    assert (rebooked["status"], rebooked["document_number"]) == ("booked", "26000301")
    assert len(await status_events(pool, proposal["id"])) == events_before


async def test_duplicates_of_open_items_and_of_the_worklist_are_flagged(pool: asyncpg.Pool) -> None:
    await sync_books(pool)
    of_open_item = await proposal_of(pool, await deliver(pool, "VH-OLD"))
    assert of_open_item["status"] == "ok_duplicate"
    assert "open item CFAAN/26000012" in of_open_item["warnings"][0]["message"]
    first = await proposal_of(pool, await deliver(pool, "VH-2", "200.00"))
    second = await proposal_of(pool, await deliver(pool, "VH-2", "200.00"))
    assert (first["status"], second["status"]) == ("ok", "ok_duplicate")
    with pytest.raises(booking_actions.NotSendable, match="! Ok"):
        await act(pool, booking_actions.send, [first["id"], second["id"]], "eva")
    async with pool.acquire() as connection:
        sent = "SELECT count(*) FROM outbox WHERE topic = 'proposal.validated.v1'"
        assert await connection.fetchval(sent) == 0  # all or nothing
    await act(pool, booking_actions.delete, [second["id"]])
    await act(
        pool, booking_actions.change, [first["id"]], mailbox=None, journal=None, period="2026-12"
    )
    moved = await proposal_of(pool, first["document_id"])
    assert (moved["period"], moved["status"]) == ("2026-12", "ok")
    assert [w["code"] for w in moved["warnings"]] == ["invoice_date_before_period"]
    with pytest.raises(booking_actions.InvalidReference, match="period 2026-09 is closed"):
        await act(
            pool,
            booking_actions.change,
            [first["id"]],
            mailbox=None,
            journal=None,
            period="2026-09",
        )


async def test_the_list_filters_sorts_pages_and_counts(pool: asyncpg.Pool) -> None:
    from worklist.adapters.worklist_queries import ListQuery, counts, list_page, ordered_ids

    await sync_books(pool)
    documents = [await deliver(pool, f"VH-L{n}", f"{100 * n}.00") for n in (1, 2, 3)]
    duplicate = await deliver(pool, "VH-L1", "100.00")
    ids = [(await proposal_of(pool, d))["id"] for d in [*documents, duplicate]]
    await act(pool, booking_actions.set_flags, [ids[1]], "check")
    async with pool.acquire() as connection:
        rows, total = await list_page(
            connection, OFFICE, [DOSSIER], ListQuery(tab="purchase", sort="-total", limit=2)
        )
        assert total == 4
        assert [row["invoice_number"] for row in rows] == ["VH-L3", "VH-L2"]
        rows, total = await list_page(
            connection, OFFICE, [DOSSIER], ListQuery(filters=("duplicates",))
        )
        assert [row["id"] for row in rows] == [ids[3]]
        rows, _ = await list_page(connection, OFFICE, [DOSSIER], ListQuery(status="checked"))
        assert [row["id"] for row in rows] == [ids[1]]
        rows, total = await list_page(connection, OFFICE, [DOSSIER], ListQuery(tab="sales"))
        assert (rows, total) == ([], 0)
        assert await ordered_ids(connection, OFFICE, [DOSSIER], ListQuery(sort="total")) == [
            ids[0],
            ids[3],
            ids[1],
            ids[2],
        ]
        counted = await counts(connection, OFFICE, [DOSSIER], "purchase")
    assert counted["tabs"] == {"purchase": 4, "sales": 0, "misc": 0}
    assert counted["filters"] == {
        "no_counterparty": 0,
        "amount_zero": 0,
        "duplicates": 1,
        "not_checked": 3,
        "date_after_period": 0,
    }
