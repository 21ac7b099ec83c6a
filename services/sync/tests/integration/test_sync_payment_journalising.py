"""Journalising payments made through the platform, on the real PostgreSQL and a copy of the demo
ledger: payment.settled.v1 becomes one bank-journal transaction (Beancount checks and loads it),
the ledger.synced.v1 delta settles the open item, a refusal is visible in the monitor and can be
retried, and a Kafka-connected dossier goes through payments.journalise-requested.v1 and the
reference connector."""

import json
import shutil
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from beancount import loader
from beancount.core import data as bean_data
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.events import (
    Envelope,
    LedgerSynced,
    PaymentSettled,
    PaymentsJournaliseRequested,
    spec_for_topic,
)
from ledgerline.testing.databases import MigratedDatabases
from sync import payment_journalising, service_layer
from sync.adapters import dossiers
from sync.adapters import monitor as monitor_sql
from sync.config import SyncSettings
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE
from sync.domain.monitor import sync_status
from sync.kafka_connector import service as connector_service
from sync.kafka_connector.settings import ConnectorSettings

from services.sync.tests.integration.world import World

pytestmark = [pytest.mark.integration]

KBC = "BE20734384076256"  # the demo dossier's account, journal KBC, GL 550000
ITEM = ("CFAAN", "26000041")  # L0004's invoice F218067: 1850.00, 925.00 paid


def settled(**fields: Any) -> PaymentSettled:
    values: dict[str, Any] = {
        "payment_id": uuid.uuid4(),
        "document_id": uuid.uuid4(),
        "amount": Decimal("925.00"),
        "settled_on": date(2026, 11, 30),
        "settled_by": "payment",
        "currency": "EUR",
        "kind": "supplier",
        "bank_account_iban": KBC,
        "settles_journal": ITEM[0],
        "settles_document_number": ITEM[1],
        "communication": "F218067",
    }
    return PaymentSettled(**(values | fields))


def paid(world: World, data: PaymentSettled, dossier: uuid.UUID) -> Any:
    """payment.settled.v1 as payments sends it."""
    return world.envelope(data, dossier, "/ledgerline/payments")


async def handle(world: World, event: Any, settings: SyncSettings | None = None) -> None:
    """The event handled once, with sync's `settings` (else the world's)."""
    async with UnitOfWork(world.pool, source="sync") as uow:
        await payment_journalising.on_payment_settled(uow, event, settings or world.settings)


def supplier_balance(root: Path, document: str) -> Decimal:
    """What the supplier's collective account still holds for one invoice, from Beancount."""
    entries, _, _ = loader.load_file(str(root / DOSSIER_CODE / "main.beancount"))
    return sum(
        (
            p.units.number
            for e in entries
            if isinstance(e, bean_data.Transaction)
            for p in e.postings
            if p.account == "Liabilities:440000" and (p.meta or {}).get("document") == document
        ),
        Decimal(0),
    )


async def journalising(world: World, payment_id: uuid.UUID) -> asyncpg.Record:
    return await world.pool.fetchrow(
        "SELECT * FROM payment_journalisings WHERE payment_id = $1", payment_id
    )


async def test_a_settled_payment_is_one_bank_transaction_and_the_delta_settles_its_item(
    world: World, demo_root: Path
) -> None:
    dossier_id = await world.dossier(payment_module=True)
    async with UnitOfWork(world.pool, source="sync") as uow:  # the activation's full run
        row = await dossiers.get(uow.conn, world.office, dossier_id)
        await service_layer.synchronise(uow, row, world.settings, trigger="activation")
    assert supplier_balance(demo_root, "CFAAN/26000041") == Decimal("-925.00")

    event = paid(world, settled(), dossier_id)
    await handle(world, event)
    await handle(world, paid(world, event.data, dossier_id))  # delivered again

    [transaction] = world.transactions("payment-id", event.data.payment_id)
    assert transaction.meta["journal"] == "KBC" and transaction.date == date(2026, 11, 30)
    assert {p.account: p.units.number for p in transaction.postings} == {
        "Liabilities:440000": Decimal("925.00"),
        "Assets:550000": Decimal("-925.00"),
    }
    assert supplier_balance(demo_root, "CFAAN/26000041") == 0
    done = await journalising(world, event.data.payment_id)
    assert (done["status"], done["journal"], done["attempts"]) == ("journalised", "KBC", 1)
    assert done["transaction_id"] == f"KBC/{transaction.meta['document-number']}"

    [delta] = [m["data"] for m in await world.outbox("ledger.synced.v1") if not m["data"]["full"]]
    assert "CFAAN/26000041" in delta["removed_open_items"]
    [item] = delta["settled_items"]
    assert item["payment_id"] == str(event.data.payment_id)
    assert item["invoice_number"] == "F218067" and item["amount"] == "925.00"
    assert item["open_item"]["amount_paid"] == item["open_item"]["amount"] == "1850.00"
    assert [j["code"] for j in delta["journals"]] == ["KBC"]  # its next number moved on
    runs = await world.pool.fetch(
        "SELECT trigger, full_resync FROM ledger_syncs ORDER BY started_at"
    )
    assert [tuple(r) for r in runs] == [("activation", True), ("payment", False)]


async def test_a_payment_journalised_before_a_crash_is_not_booked_again(world: World) -> None:
    """The connector wrote the transaction, the process died before the commit: the event is
    handled again from scratch (nothing of the first try was committed)."""
    dossier_id = await world.dossier(payment_module=True)
    event = paid(world, settled(counterparty_number=None, kind=None), dossier_id)
    await handle(world, event)
    await world.pool.execute("DELETE FROM payment_journalisings; DELETE FROM outbox")
    await handle(world, event)
    assert len(world.transactions("payment-id", event.data.payment_id)) == 1
    assert (await journalising(world, event.data.payment_id))["status"] == "journalised"
    [delta] = [m["data"] for m in await world.outbox("ledger.synced.v1")]
    assert [i["payment_id"] for i in delta["settled_items"]] == [str(event.data.payment_id)]


async def test_books_settlements_are_not_journalised(world: World) -> None:
    dossier_id = await world.dossier(payment_module=True)
    before = world.bookings()
    for data in (settled(settled_by="books"), settled(settled_by=None)):
        await handle(world, paid(world, data, dossier_id))
    assert world.bookings() == before
    assert await world.pool.fetchval("SELECT count(*) FROM payment_journalisings") == 0


async def test_payment_module_off_is_a_failed_task_for_the_office_then_retried(
    world: World,
) -> None:
    dossier_id = await world.dossier()  # payment module off: the activation's default
    before = world.bookings()
    event = paid(world, settled(), dossier_id)
    await handle(world, event)

    failed = await journalising(world, event.data.payment_id)
    assert failed["status"] == "failed"
    assert "payment module of dossier PEETERS is off" in failed["reason"]
    assert world.bookings() == before
    [line] = await monitor_sql.rows(world.pool, world.office, [dossier_id])  # type: ignore[arg-type]
    status = sync_status(
        failed_bookings=line["failed_bookings"],
        failed_bookings_retryable=line["failed_bookings_retryable"],
        postings_waiting_for_package=line["postings_waiting_for_package"],
        last_sync_failed=line["last_sync_failed"],
        failed_journalisings=line["failed_journalisings"],
        journalisings_waiting_for_package=line["journalisings_waiting_for_package"],
    )
    assert status == "failed_office_action"

    await world.pool.execute("UPDATE dossiers SET payment_module = true WHERE id = $1", dossier_id)
    stored = await world.pool.fetchval(
        "SELECT settled::text FROM payment_journalisings WHERE payment_id = $1",
        event.data.payment_id,
    )
    async with UnitOfWork(world.pool, source="sync") as uow:  # what POST .../retry does
        await payment_journalising.journalise(
            uow,
            world.office,
            dossier_id,
            PaymentSettled.model_validate_json(stored),
            world.settings,
        )
    assert (await journalising(world, event.data.payment_id))["status"] == "journalised"
    assert len(world.transactions("payment-id", event.data.payment_id)) == 1


async def test_a_payment_of_an_invoice_not_in_the_books_says_so(
    world: World,
) -> None:
    dossier_id = await world.dossier(payment_module=True)
    event = paid(
        world, settled(settles_document_number="26009999", counterparty_number=None), dossier_id
    )
    await handle(world, event)
    failed = await journalising(world, event.data.payment_id)
    assert failed["status"] == "failed"
    assert "CFAAN/26009999 is not open in the books" in failed["reason"]


async def test_a_kafka_dossier_is_journalised_by_the_reference_connector(
    world: World, migrated_databases: MigratedDatabases, tmp_path: Path
) -> None:
    root = tmp_path / "connector"
    shutil.copytree(DEMO_ROOT / DOSSIER_CODE, root / DOSSIER_CODE)
    (tmp_path / "sync").mkdir()
    sync_settings = SyncSettings(database_url="postgresql://unused", ledger_root=tmp_path / "sync")
    connector_settings = ConnectorSettings(database_url="postgresql://unused", ledger_root=root)
    connector_versions = connector_service.definition().versions_dir
    async with migrated_databases.database(connector_versions) as url:
        connector_pool = await create_pool(url)
        try:
            dossier_id = await world.dossier(payment_module=True, connector="kafka")
            event = paid(world, settled(counterparty_number="L0004"), dossier_id)
            await handle(world, event, sync_settings)
            [request] = await world.outbox("payments.journalise-requested.v1")
            assert request["data"]["payments"][0]["counterparty_number"] == "L0004"
            assert (await journalising(world, event.data.payment_id))["status"] == "requested"
            assert not (tmp_path / "sync" / DOSSIER_CODE).exists()  # sync never touches the books

            typed = Envelope[PaymentsJournaliseRequested].model_validate(request)
            for _ in range(2):  # delivered twice: one transaction
                async with UnitOfWork(connector_pool, source="beancount-connector") as uow:
                    await connector_service.on_journalise_requested(uow, typed, connector_settings)
            assert len(world.transactions("payment-id", event.data.payment_id, root)) == 1
            assert supplier_balance(root, "CFAAN/26000041") == 0

            rows = await connector_pool.fetch("SELECT topic, payload FROM outbox ORDER BY id")
            deltas = [
                Envelope[LedgerSynced].model_validate(json.loads(r["payload"]))
                for r in rows
                if spec_for_topic(r["topic"]).model is LedgerSynced
            ]
            assert len(deltas) == 2
            for delta in deltas:
                assert delta.data.removed_open_items == ("CFAAN/26000041",)
                [item] = delta.data.settled_items
                assert item.payment_id == event.data.payment_id
            assert deltas[0].source == "/ledgerline/beancount-connector"
            async with UnitOfWork(world.pool, source="sync") as uow:
                await service_layer.on_connector_synced(uow, deltas[0], sync_settings)
            done = await journalising(world, event.data.payment_id)
            assert done["status"] == "journalised"
        finally:
            await connector_pool.close()


async def test_the_open_item_comes_from_sync_s_posting_when_payments_did_not_know_it(
    world: World, demo_root: Path
) -> None:
    """Paid right after booking (payments had not had the booking.posted.v1 yet), and before
    the invoice's own date."""
    dossier_id = await world.dossier(payment_module=True)
    proposal = world.proposal(
        period="2026-12",
        counterparty_number="L0004",
        invoice_number="F-2026-12",
        invoice_date=date(2026, 12, 12),
    )
    number = (await world.post(dossier_id, proposal))["document_number"]
    data = settled(
        document_id=proposal.document_id,
        amount=Decimal("121.00"),
        settles_journal=None,
        settles_document_number=None,
        counterparty_number=None,
    )
    await handle(world, paid(world, data, dossier_id))
    done = await journalising(world, data.payment_id)
    assert done["status"] == "journalised", done["reason"]
    assert supplier_balance(demo_root, f"CFAAN/{number}") == 0
