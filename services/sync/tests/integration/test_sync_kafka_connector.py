"""A dossier connected over Kafka, on the real PostgreSQL: sync's handlers (its database) and
the reference connector's handlers (a database of its own, a copy of the demo ledger), with the
events passed from one outbox to the other handler as Kafka would deliver them. Sync never
touches the ledger; a proposal is booked once however often the request or the answers come."""

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from beancount import loader
from beancount.core import data as bean_data
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    BookingDeleted,
    BookingDeleteFailed,
    BookingDeleteRequested,
    BookingFailed,
    BookingPosted,
    BookingRequested,
    BookingToDelete,
    Envelope,
    LedgerSynced,
    LedgerSyncRequested,
    PaymentToJournalise,
)
from sync import connector_answers, service_layer
from sync.adapters import dossiers
from sync.connectors.demo.generate import DOSSIER_CODE
from sync.kafka_connector import service as connector_service

from services.sync.tests.integration.world import Connector, World, drain, of_type

pytestmark = [pytest.mark.integration]


@pytest.fixture
def sync_ledger_root(tmp_path: Path) -> Path:
    # Sync's own ledger root is empty: a Kafka-connected dossier is never read or written here.
    root = tmp_path / "sync"
    root.mkdir()
    return root


def transactions(
    world: World, kafka_connector: Connector, proposal_id: uuid.UUID
) -> list[bean_data.Transaction]:
    """The proposal's transactions in the connector's books."""
    return world.transactions("proposal-id", proposal_id, kafka_connector.settings.ledger_root)


CONNECTOR = "/ledgerline/beancount-connector"


async def activated(world: World, kafka_connector: Connector) -> uuid.UUID:
    """A dossier activated with the Kafka connector, its books published by the connector and
    kept by sync."""
    dossier_id = await world.dossier(connector="kafka")
    activation = world.envelope(World.activation(connector="kafka"), dossier_id, "/ledgerline/sync")
    await world.handle(service_layer.on_dossier_activated, activation)
    assert await drain(world.pool) == []  # sync itself synchronises nothing for this dossier
    chunks = of_type(
        await kafka_connector.answer(connector_service.on_dossier, activation), LedgerSynced
    )
    assert chunks and chunks[-1].data.last_chunk and chunks[0].data.full
    for chunk in chunks:
        await world.handle(connector_answers.on_connector_synced, chunk)
    return dossier_id


async def test_a_kafka_dossier_is_booked_once_through_the_connector(
    world: World, kafka_connector: Connector
) -> None:
    dossier_id = await activated(world, kafka_connector)
    [run_row] = await world.pool.fetch(
        "SELECT * FROM ledger_syncs WHERE dossier_id = $1", dossier_id
    )
    assert (run_row["trigger"], run_row["status"], run_row["full_resync"]) == (
        "connector",
        "ok",
        True,
    )

    validated = world.envelope(World.proposal(), dossier_id, "/ledgerline/worklist")
    await world.handle(service_layer.on_proposal_validated, validated)
    [request] = of_type(await drain(world.pool), BookingRequested)
    assert request.data.booking.proposal_id == validated.data.proposal_id
    assert request.data.booking.header.counterparty_number == "L0003"
    assert request.dossierid == dossier_id
    assert (await world.posting(validated.data.proposal_id))["status"] == "requested"
    assert not (world.settings.ledger_root / DOSSIER_CODE).exists()

    # The request delivered twice (a redelivery with another event id: the inbox would skip
    # the same id): one transaction, the second answer says already_posted.
    await kafka_connector.handle(connector_service.on_booking_requested, request)
    again = world.envelope(request.data, dossier_id, "/ledgerline/sync")
    answers = await kafka_connector.answer(connector_service.on_booking_requested, again)
    posted = of_type(answers, BookingPosted)
    assert [p.data.already_posted for p in posted] == [False, True]
    assert posted[0].data.document_number == posted[1].data.document_number
    [delta] = of_type(answers, LedgerSynced)
    assert delta.data.full is False
    assert [f"{i.journal}/{i.document_number}" for i in delta.data.open_item_records] == [
        posted[0].data.transaction_id
    ]
    [transaction] = transactions(world, kafka_connector, validated.data.proposal_id)
    assert transaction.meta["document-number"] == posted[0].data.document_number
    by_account = {p.account: p.units.number for p in transaction.postings}
    assert by_account == {
        "Expenses:604000": Decimal("100.00"),
        "Assets:411000": Decimal("21.00"),
        "Liabilities:440000": Decimal("-121.00"),
    }

    # Sync takes both answers (and the delta): one effect; a stale failure changes nothing.
    for answer in [*posted, delta]:
        await world.handle(
            connector_answers.on_connector_posted
            if isinstance(answer.data, BookingPosted)
            else connector_answers.on_connector_synced,
            answer,
        )
    stale = world.envelope(
        BookingFailed(proposal_id=validated.data.proposal_id, reason="late"), dossier_id, CONNECTOR
    )
    await world.handle(connector_answers.on_connector_failed, stale)
    row = await world.posting(validated.data.proposal_id)
    assert (row["status"], row["document_number"], row["reason"]) == (
        "posted",
        posted[0].data.document_number,
        None,
    )
    assert row["attempts"] == 1  # answers are not tries

    # The same proposal validated again: answered from sync's record, no new request.
    revalidated = world.envelope(validated.data, dossier_id, "/ledgerline/worklist")
    await world.handle(service_layer.on_proposal_validated, revalidated)
    out = await drain(world.pool)
    assert of_type(out, BookingRequested) == []
    [answer] = of_type(out, BookingPosted)
    assert (answer.data.already_posted, answer.data.document_number) == (
        True,
        posted[0].data.document_number,
    )
    assert len(transactions(world, kafka_connector, validated.data.proposal_id)) == 1


async def test_what_beancount_refuses_comes_back_as_booking_failed_with_its_reason(
    world: World, kafka_connector: Connector
) -> None:
    dossier_id = await activated(world, kafka_connector)
    # The office closed 604000 in the package after the books reached the platform (after the
    # demo's last booking on it, so that the books stay valid).
    with (kafka_connector.settings.ledger_root / DOSSIER_CODE / "chart.beancount").open(
        "a"
    ) as chart:
        chart.write("\n2026-11-28 close Expenses:604000\n")
    validated = world.envelope(
        World.proposal(invoice_date=date(2026, 11, 29)), dossier_id, "/ledgerline/worklist"
    )
    await world.handle(service_layer.on_proposal_validated, validated)
    [request] = of_type(await drain(world.pool), BookingRequested)
    answers = await kafka_connector.answer(connector_service.on_booking_requested, request)
    assert of_type(answers, BookingPosted) == of_type(answers, LedgerSynced) == []
    [failed] = of_type(answers, BookingFailed)
    assert "inactive account 'Expenses:604000'" in failed.data.reason
    assert failed.data.document_id == validated.data.document_id
    assert transactions(world, kafka_connector, validated.data.proposal_id) == []

    await world.handle(connector_answers.on_connector_failed, failed)
    row = await world.posting(validated.data.proposal_id)
    assert row["status"] == "failed"
    assert "inactive account 'Expenses:604000'" in row["reason"]


async def test_a_kafka_dossier_without_books_yet_is_refused_with_the_reason(world: World) -> None:
    dossier_id = await world.dossier(connector="kafka")
    validated = world.envelope(World.proposal(), dossier_id, "/ledgerline/worklist")
    await world.handle(service_layer.on_proposal_validated, validated)
    out = await drain(world.pool)
    assert of_type(out, BookingRequested) == []
    [failed] = of_type(out, BookingFailed)
    assert "have not reached the platform yet" in failed.data.reason


async def test_sync_ignores_its_own_answers_and_those_of_in_process_dossiers(world: World) -> None:
    dossier_id = await world.dossier(connector="kafka")
    own = world.envelope(
        BookingFailed(proposal_id=uuid.uuid4(), reason="x"), dossier_id, "/ledgerline/sync"
    )
    await world.handle(connector_answers.on_connector_failed, own)
    assert await world.posting(own.data.proposal_id) is None


async def _posted_over_kafka(
    world: World, kafka_connector: Connector
) -> tuple[asyncpg.Record, Envelope[Any]]:
    """A Kafka-connected dossier with one proposal booked by the connector; sync knows it."""
    dossier_id = await activated(world, kafka_connector)
    validated = world.envelope(World.proposal(), dossier_id, "/ledgerline/worklist")
    await world.handle(service_layer.on_proposal_validated, validated)
    [request] = of_type(await drain(world.pool), BookingRequested)
    [posted] = of_type(
        await kafka_connector.answer(connector_service.on_booking_requested, request), BookingPosted
    )
    await world.handle(connector_answers.on_connector_posted, posted)
    async with world.pool.acquire() as connection:
        dossier = await dossiers.get(connection, world.office, dossier_id)
    return dossier, posted


async def delete(world: World, dossier: asyncpg.Record, proposal_id: uuid.UUID) -> asyncpg.Record:
    """Eva asks sync to delete the proposal's booking: sync's posting then."""
    async with UnitOfWork(world.pool, source="sync") as uow:
        return await service_layer.delete_booking(
            uow, dossier, proposal_id, "wrong supplier", "eva@office.example", world.settings
        )


async def test_a_kafka_dossier_s_booking_is_deleted_by_its_connector_once(
    world: World, kafka_connector: Connector
) -> None:
    dossier, posted = await _posted_over_kafka(world, kafka_connector)
    proposal_id = posted.data.proposal_id

    waiting = await delete(world, dossier, proposal_id)
    assert waiting["status"] == "delete_requested"
    assert await delete(world, dossier, proposal_id) == waiting  # asked once
    [request] = await drain(world.pool)
    assert isinstance(request.data, BookingDeleteRequested)
    assert request.data.booking == BookingToDelete(
        proposal_id=proposal_id,
        document_id=posted.data.document_id,
        journal=posted.data.journal,
        document_number=posted.data.document_number,
        reason="wrong supplier",
        requested_by="eva@office.example",
    )

    await kafka_connector.handle(connector_service.on_booking_delete_requested, request)
    assert transactions(world, kafka_connector, proposal_id) == []
    answers = await drain(kafka_connector.pool)
    [deleted] = of_type(answers, BookingDeleted)
    assert (deleted.data.document_number, deleted.data.already_deleted) == (
        posted.data.document_number,
        False,
    )
    assert (deleted.data.document_id, deleted.data.deleted_by) == (
        posted.data.document_id,
        "eva@office.example",
    )
    [delta] = of_type(answers, LedgerSynced)
    assert delta.data.full is False
    assert delta.data.removed_open_items == (posted.data.transaction_id,)
    assert delta.data.open_item_records == ()
    await world.handle(connector_answers.on_connector_deleted, deleted)
    assert (await world.posting(proposal_id))["status"] == "deleted"

    # The request again (sent again, or redelivered under another id): the books no longer
    # have it, the answer says so and nothing is written.
    again = request.model_copy(update={"id": str(uuid.uuid4())})
    [repeated] = of_type(
        await kafka_connector.answer(connector_service.on_booking_delete_requested, again),
        BookingDeleted,
    )
    assert repeated.data.already_deleted is True
    await world.handle(connector_answers.on_connector_deleted, repeated)
    assert (await world.posting(proposal_id))["status"] == "deleted"
    # Deleted already: asking sync again publishes nothing.
    assert (await delete(world, dossier, proposal_id))["status"] == "deleted"
    assert await drain(world.pool) == []


async def test_a_deletion_the_books_refuse_leaves_the_booking_posted_with_the_reason(
    world: World, kafka_connector: Connector
) -> None:
    dossier, posted = await _posted_over_kafka(world, kafka_connector)
    proposal_id = posted.data.proposal_id
    books = connector_service.connector_of(kafka_connector.settings)
    bank = next(b for b in books.snapshot(DOSSIER_CODE).bank_accounts if b.gl_account == "550000")
    books.journalise_payments(
        DOSSIER_CODE,
        (
            PaymentToJournalise(
                payment_id=uuid.uuid4(),
                paid_on=date(2026, 11, 28),
                bank_account_iban=bank.iban,
                counterparty_number="L0003",
                amount=Decimal("121.00"),
                settles_journal=posted.data.journal,
                settles_document_number=posted.data.document_number,
            ),
        ),
    )

    await delete(world, dossier, proposal_id)
    [request] = await drain(world.pool)
    [refused] = await kafka_connector.answer(connector_service.on_booking_delete_requested, request)
    assert isinstance(refused.data, BookingDeleteFailed)
    assert refused.data.reason == (
        f"booking {posted.data.transaction_id} has payments; delete those first"
    )
    assert len(transactions(world, kafka_connector, proposal_id)) == 1
    await world.handle(connector_answers.on_connector_delete_failed, refused)
    row = await world.posting(proposal_id)
    assert (row["status"], row["document_number"]) == ("posted", posted.data.document_number)
    assert row["reason"] == f"not deleted: {refused.data.reason}"


# ------------------------------------------------ resync asked of the connector (issue 8)


async def _sync_runs(pool: asyncpg.Pool, dossier_id: uuid.UUID) -> list[tuple[Any, ...]]:
    rows = await pool.fetch(
        "SELECT trigger, status, full_resync FROM ledger_syncs WHERE dossier_id = $1"
        " ORDER BY started_at, trigger",
        dossier_id,
    )
    return [tuple(row) for row in rows]


async def _resync(
    world: World,
    kafka_connector: Connector,
    dossier_id: uuid.UUID,
    **options: Any,
) -> tuple[Envelope[LedgerSyncRequested], list[Envelope[LedgerSynced]]]:
    """A manual sync by sync, the connector's answer, sync taking it."""
    async with UnitOfWork(world.pool, source="sync") as uow:
        row = await dossiers.get(uow.conn, world.office, dossier_id)
        run_row = await service_layer.synchronise(
            uow, row, world.settings, trigger="manual", requested_by="eva@office.example", **options
        )
    assert run_row["status"] == "requested"
    [request] = of_type(await drain(world.pool), LedgerSyncRequested)
    assert request.data.sync_id == run_row["id"]
    chunks = of_type(
        await kafka_connector.answer(connector_service.on_sync_requested, request), LedgerSynced
    )
    for chunk in chunks:
        await world.handle(connector_answers.on_connector_synced, chunk)
    return request, chunks


async def test_a_manual_sync_of_a_kafka_dossier_is_a_run_of_its_connector_full_or_delta(
    world: World, kafka_connector: Connector
) -> None:
    dossier_id = await activated(world, kafka_connector)

    request, chunks = await _resync(
        world, kafka_connector, dossier_id, up_to_date_until=date(2026, 10, 31)
    )
    assert (request.data.dossier_code, request.data.full, request.data.trigger) == (
        DOSSIER_CODE,
        True,
        "manual",
    )
    assert request.source == "/ledgerline/sync"
    assert {c.data.sync_id for c in chunks} == {request.data.sync_id}
    assert chunks[-1].data.last_chunk and all(c.data.full for c in chunks)
    assert chunks[0].data.up_to_date_until == date(2026, 10, 31)
    assert sum(len(c.data.counterparty_records) for c in chunks) == chunks[0].data.counterparties
    # Sync's run went from requested to ok, keeping its trigger.
    assert await _sync_runs(world.pool, dossier_id) == [
        ("connector", "ok", True),
        ("manual", "ok", True),
    ]

    # A delta: nothing changed, then the office closed an account in the package.
    _, unchanged = await _resync(world, kafka_connector, dossier_id, full=False)
    assert [c.data.full for c in unchanged] == [False]
    assert unchanged[0].data.gl_accounts == unchanged[0].data.counterparty_records == ()
    with (kafka_connector.settings.ledger_root / DOSSIER_CODE / "chart.beancount").open(
        "a"
    ) as chart:
        chart.write("\n2026-11-28 close Expenses:604000\n")
    _, changed = await _resync(world, kafka_connector, dossier_id, full=False)
    assert [(a.code, a.active) for c in changed for a in c.data.gl_accounts] == [("604000", False)]
    assert changed[0].data.counterparty_records == changed[0].data.open_item_records == ()
    assert (await _sync_runs(world.pool, dossier_id))[-2:] == [
        ("manual", "ok", False),
        ("manual", "ok", False),
    ]
    assert not (world.settings.ledger_root / DOSSIER_CODE).exists()


async def test_the_nightly_sync_asks_the_connector_of_a_kafka_dossier(world: World) -> None:
    from sync.scheduler import run_nightly

    dossier_id = await world.dossier(connector="kafka")
    assert await run_nightly(world.pool, world.settings, date(2026, 12, 1)) == 1
    [request] = of_type(await drain(world.pool), LedgerSyncRequested)
    assert (request.dossierid, request.data.trigger, request.data.full) == (
        dossier_id,
        "nightly",
        True,
    )
    assert await _sync_runs(world.pool, dossier_id) == [("nightly", "requested", True)]


async def test_sync_does_not_fetch_its_own_claim_checked_ledger_synced_chunks(world: World) -> None:
    """Sync's main consumer skips its own ledger.synced.v1 on the envelope's source, before
    resolving the claim check: a large chunk of its own is not fetched back from itself. A
    connector's chunk is still fetched and kept."""
    from ledgerline.claimcheck import ClaimCheck, to_outbox_message
    from ledgerline.consumers import EventConsumer

    dossier_id = await world.dossier(connector="kafka")

    class CountingResolver:
        def __init__(self) -> None:
            self.fetched: list[str] = []
            self.data: dict[str, dict[str, Any]] = {}

        async def fetch(self, dataref: str, **_: Any) -> dict[str, Any]:
            self.fetched.append(dataref)
            return self.data[dataref]

    class Subscriber:
        consumer = None  # not started: nothing to pause while a batch is handled

        def __init__(self, handlers: dict[str, Any], topic: str) -> None:
            self.handlers, self.topic = handlers, topic

        def __call__(self, handler: Callable[[Any], Awaitable[None]]) -> Any:
            self.handlers[self.topic] = handler
            return handler

    class Broker:
        """Only what EventConsumer.subscribe uses: the batch handler of each topic."""

        def __init__(self) -> None:
            self.handlers: dict[str, Callable[[Any], Awaitable[None]]] = {}

        def subscriber(self, topic: str, **_: Any) -> Subscriber:
            return Subscriber(self.handlers, topic)

    class Record:
        def __init__(self, value: bytes) -> None:
            self.value, self.key, self.partition, self.offset = value, None, 0, 0
            self.topic = "ledger.synced.v1"

    class Batch:
        """A batch as the consumer's decoder hands it over: FastStream's message, its records
        undecoded."""

        def __init__(self, records: tuple[Record, ...]) -> None:
            self.raw_message, self.committed = records, None

    def batch(*bodies: bytes) -> Batch:
        return Batch(tuple(Record(body) for body in bodies))

    resolver, broker = CountingResolver(), Broker()
    consumer = EventConsumer(
        service="sync",
        pool=world.pool,
        broker=broker,  # type: ignore[arg-type]
        dataref_resolver=resolver,  # type: ignore[arg-type]
    )
    for subscription in service_layer.subscriptions(world.settings):
        if subscription.event is LedgerSynced and subscription.consumer is None:
            consumer.subscribe(subscription)
    claim_check = ClaimCheck(max_inline_bytes=0, public_base_url="http://producer.test")

    def claim_checked(source: str) -> bytes:
        chunk = world.envelope(
            LedgerSynced(
                synced_at=date(2026, 12, 1),
                sync_id=uuid.uuid4(),
                full=False,
                dossier_code=DOSSIER_CODE,
                journals=(
                    {
                        "code": "CFAAN",
                        "name": "Aankopen",
                        "type": "purchase",
                        "number_format": "yy000###",
                    },
                ),
            ),
            dossier_id,
            source,
        )
        message = to_outbox_message(chunk, claim_check)
        wire = json.loads(message.payload)
        assert "data" not in wire
        assert message.stored_data is not None
        resolver.data[wire["dataref"]] = json.loads(message.stored_data)
        return message.payload.encode()

    own, theirs = claim_checked("/ledgerline/sync"), claim_checked(CONNECTOR)
    await broker.handlers["ledger.synced.v1"](batch(own))
    assert resolver.fetched == []  # before: fetched from sync itself, then ignored
    await broker.handlers["ledger.synced.v1"](batch(own, theirs))
    assert resolver.fetched == [json.loads(theirs)["dataref"]]
    kept = await world.pool.fetch(
        "SELECT kind, key FROM connector_records WHERE dossier_id = $1", dossier_id
    )
    assert [tuple(row) for row in kept] == [("journal", "CFAAN")]


async def test_a_new_active_period_is_closed_by_the_connector_of_a_kafka_dossier(
    world: World, kafka_connector: Connector
) -> None:
    """The manual sync's new active period, for a Kafka-connected dossier: sync checks it
    against the periods the connector last published (an unknown one is a 422, nothing asked)
    and asks the connector to close the periods before it; its run shows them closed, in the
    Beancount ledger too."""
    from sync.domain.office import OfficeRuleViolation
    from sync.entrypoints.ledger_api import _periods_its_connector_closes

    dossier_id = await activated(world, kafka_connector)
    async with world.pool.acquire() as connection:
        row = await dossiers.get(connection, world.office, dossier_id)
        with pytest.raises(OfficeRuleViolation) as unknown:
            await _periods_its_connector_closes(connection, row, "2031-01")
        assert unknown.value.status == 422
        to_close = await _periods_its_connector_closes(connection, row, "2026-11")
    assert to_close == ["2026-10"]  # the demo's open periods: 2026-10 to 2026-12

    request, chunks = await _resync(
        world, kafka_connector, dossier_id, close_periods=tuple(to_close)
    )
    assert request.data.close_periods == ("2026-10",)
    status = {p.code: p.status for c in chunks for p in c.data.periods}
    assert (status["2026-09"], status["2026-10"], status["2026-11"]) == ("closed", "closed", "open")
    entries, errors, _ = loader.load_file(
        str(kafka_connector.settings.ledger_root / DOSSIER_CODE / "main.beancount")
    )
    assert errors == []
    october = [
        entry.values[-1].value
        for entry in entries
        if isinstance(entry, bean_data.Custom)
        and entry.type == "ledgerline-period"
        and entry.values[0].value == "2026-10"
    ]
    assert october[-1] == "closed"  # the latest directive counts
    async with world.pool.acquire() as connection:
        # Sync's copy follows: the next new active period is checked against it.
        row = await dossiers.get(connection, world.office, dossier_id)
        assert await _periods_its_connector_closes(connection, row, "2026-12") == ["2026-11"]
