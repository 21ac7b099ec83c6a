"""Feedback reports of a dossier connected over Kafka equal those of the same books read
in-process, on the real PostgreSQL.

One copy of the demo ledger is the books of two dossiers of one office: PEETERS read in-process
by sync, and PEETERS connected over Kafka, whose books reach sync only as the reference
connector's ledger.synced.v1 (its handlers on a database of their own, the events passed from
one outbox to the other handler as Kafka would deliver them). Every feedback report, JSON and
CSV, at a past and a present pivot, is asked of both through sync's HTTP API and must be the
same; again after a booking posted through the connector (its delta run) and after its
deletion (the item history removed)."""

import json
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from ledgerline.auth import Role, issue_token
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.demo import JWT_ISSUER
from ledgerline.devstack.ports import free_port
from ledgerline.events import (
    BookingDeleted,
    BookingDeleteRequested,
    BookingPosted,
    BookingRequested,
    DossierActivated,
    Envelope,
    LedgerSynced,
    ProposalLine,
    ProposalValidated,
    spec_for_topic,
)
from ledgerline.service import create_app
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.testing.databases import MigratedDatabases
from sync import service_layer
from sync.adapters import dossiers
from sync.bootstrap import definition
from sync.config import SyncSettings
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE
from sync.domain.ledger_sync import MAX_MESSAGE_BYTES
from sync.kafka_connector import service as connector_service
from sync.kafka_connector.settings import ConnectorSettings

pytestmark = [pytest.mark.integration]

# Two offices: an office activates a package dossier code once, and both dossiers have the same.
OFFICE, KAFKA_OFFICE = uuid.uuid4(), uuid.uuid4()
PAST, PRESENT = "2026-06-30", "2026-11-30"
CSV = {"Accept": "text/csv"}


@dataclass
class World:
    http: httpx.AsyncClient
    sync_pool: asyncpg.Pool
    connector_pool: asyncpg.Pool
    sync_settings: SyncSettings
    connector_settings: ConnectorSettings
    in_process: uuid.UUID
    kafka: uuid.UUID

    def headers(self, dossier: uuid.UUID) -> dict[str, str]:
        token = issue_token(
            secret=DEV_JWT_SECRET,
            subject="admin@office.example",
            office_id=KAFKA_OFFICE if dossier == self.kafka else OFFICE,
            role=Role.ADMIN,
            dossiers=[dossier],
            issuer=JWT_ISSUER,
        )
        return {"Authorization": f"Bearer {token}"}

    async def get(
        self, dossier: uuid.UUID, path: str, params: dict[str, str], csv: bool = False
    ) -> httpx.Response:
        return await self.http.get(
            f"/dossiers/{dossier}/feedback/{path}",
            params=params,
            headers=self.headers(dossier) | (CSV if csv else {}),
        )


@pytest.fixture
async def world(migrated_databases: MigratedDatabases, tmp_path: Path) -> AsyncIterator[World]:
    sync_url = await migrated_databases.create(definition().versions_dir)
    connector_url = await migrated_databases.create(connector_service.definition().versions_dir)
    root = tmp_path / "ledgers"
    shutil.copytree(DEMO_ROOT / DOSSIER_CODE, root / DOSSIER_CODE)
    sync_pool, connector_pool = await create_pool(sync_url), await create_pool(connector_url)
    in_process, kafka = uuid.uuid4(), uuid.uuid4()
    async with UnitOfWork(sync_pool, source="test") as uow:
        for dossier_id, office_id, connector in (
            (in_process, OFFICE, "in_process"),
            (kafka, KAFKA_OFFICE, "kafka"),
        ):
            inserted = await dossiers.insert(
                uow.conn,
                {
                    "id": dossier_id,
                    "office_id": office_id,
                    "name": f"Bakkerij Peeters ({connector})",
                    "vat_number": None,
                    "accounting_package": "beancount",
                    "dossier_code": DOSSIER_CODE,
                    "configuration": "C",
                    "language": "nl",
                    "connector": connector,
                },
            )
            assert inserted is not None
    sync_settings = SyncSettings(
        database_url=sync_url,
        ledger_root=root,
        nightly_sync=False,
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        run_consumers=False,
        run_outbox_relay=False,
    )
    # The connector reads and writes the same ledger files the in-process dossier is read from.
    connector_settings = ConnectorSettings(database_url="postgresql://unused", ledger_root=root)
    app = create_app(definition(), sync_settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://sync") as http:
                yield World(
                    http,
                    sync_pool,
                    connector_pool,
                    sync_settings,
                    connector_settings,
                    in_process,
                    kafka,
                )
    finally:
        await sync_pool.close()
        await connector_pool.close()
        for url in (sync_url, connector_url):
            await migrated_databases.drop(url)


# ------------------------------------------------------------------ Kafka, by hand


def envelope(data: Any, dossier_id: uuid.UUID, source: str) -> Any:
    return Envelope[type(data)](  # type: ignore[misc]
        source=source,
        type="t",
        dossierid=dossier_id,
        officeid=KAFKA_OFFICE,
        correlationid="c",
        data=data,
    )


async def run(
    pool: asyncpg.Pool, handler: Callable[..., Awaitable[None]], event: Any, settings: Any
) -> None:
    async with UnitOfWork(pool, source="test") as uow:
        await handler(uow, event, settings)


async def drain(pool: asyncpg.Pool) -> list[Envelope[Any]]:
    """The outbox's rows not taken yet, as typed envelopes (what Kafka would deliver)."""
    rows = await pool.fetch("SELECT id, topic, payload FROM outbox WHERE published_at IS NULL")
    await pool.execute("UPDATE outbox SET published_at = now() WHERE published_at IS NULL")
    envelopes = []
    for row in sorted(rows, key=lambda row: row["id"]):
        model = spec_for_topic(row["topic"]).model
        envelopes.append(Envelope[model].model_validate(json.loads(row["payload"])))  # type: ignore[valid-type]
    return envelopes


async def connector_answers(world: World, handler: Callable[..., Awaitable[None]], event: Any):  # type: ignore[no-untyped-def]
    """The connector handles a request; sync takes its answers (ledger.synced.v1 chunks and
    booking answers) as its consumers would."""
    await run(world.connector_pool, handler, event, world.connector_settings)
    answers = await drain(world.connector_pool)
    for answer in answers:
        sync_handler = {
            LedgerSynced: service_layer.on_connector_synced,
            BookingPosted: service_layer.on_connector_posted,
            BookingDeleted: service_layer.on_connector_deleted,
        }[type(answer.data)]
        await run(world.sync_pool, sync_handler, answer, world.sync_settings)
    return answers


async def activate_over_kafka(world: World) -> list[Envelope[Any]]:
    activation = envelope(
        DossierActivated(
            name="Bakkerij Peeters BV",
            accounting_package="beancount",
            dossier_code=DOSSIER_CODE,
            email_domain="docs.example",
            connector="kafka",
        ),
        world.kafka,
        "/ledgerline/sync",
    )
    return await connector_answers(world, connector_service.on_dossier, activation)


# ------------------------------------------------------------------ the reports compared

REPORTS: tuple[tuple[str, dict[str, str]], ...] = (
    *(
        (report, {"kind": kind, "pivot": pivot})
        for report in ("aged-balance", "open-items")
        for kind in ("customer", "supplier")
        for pivot in (PAST, PRESENT)
    ),
    ("aged-balance", {"kind": "customer", "pivot": "2026-03-31", "sort": "counterparty_name"}),
    ("open-items", {"kind": "customer", "pivot": PRESENT, "status": "due", "limit": "5"}),
    ("open-items", {"kind": "supplier", "pivot": PAST, "counterparty": "L0003"}),
    ("top", {"kind": "customer", "from": "2026-01", "to": "2026-12"}),
    ("top", {"kind": "supplier", "from": "2026-03", "to": "2026-09", "limit": "5"}),
    ("profit-and-loss", {"from": "2026-01", "to": "2026-06"}),
    ("profit-and-loss", {"from": "2026-01", "to": "2026-12"}),
    ("balance-sheet", {"at": "2026-06"}),
    ("balance-sheet", {"at": "2026-12"}),
    ("key-figures", {"from": "2026-01", "to": "2026-12"}),
    ("key-figures", {"from": "2026-01", "to": "2026-12", "closed_periods_only": "true"}),
)


async def history_paths(world: World) -> list[str]:
    """Items of both kinds as the in-process books list them at the past pivot (many settled
    since, some partly paid), as history paths, and one the books do not have."""
    paths = []
    for kind in ("customer", "supplier"):
        listed = await world.get(
            world.in_process, "open-items", {"kind": kind, "pivot": PAST, "limit": "1000"}
        )
        assert listed.status_code == 200, listed.text
        paths += [
            f"open-items/{item['journal']}/{item['document_number']}/history"
            for item in listed.json()["items"]
        ]
    return [*paths, "open-items/CFAAN/99999999/history"]


async def assert_same_reports(world: World) -> int:
    """Every report of the Kafka dossier equals the in-process one (JSON without its freshness,
    and CSV byte for byte); returns how many were compared."""
    compared = 0
    histories = [(path, {}) for path in await history_paths(world)]
    for path, params in [*REPORTS, *histories]:
        in_process = await world.get(world.in_process, path, params)
        kafka = await world.get(world.kafka, path, params)
        assert in_process.status_code in (200, 404), (path, in_process.text)
        assert kafka.status_code == in_process.status_code, (path, params, kafka.text)
        if in_process.status_code == 404:
            assert kafka.json() == in_process.json()
            continue
        books, live = kafka.json(), in_process.json()
        assert live.pop("books_as_of") is None  # read from the ledger now
        assert books.pop("books_as_of") is not None  # sync's copy says when it was read
        assert books == live, (path, params)
        if path != "key-figures":
            kafka_csv = await world.get(world.kafka, path, params, csv=True)
            in_process_csv = await world.get(world.in_process, path, params, csv=True)
            assert kafka_csv.status_code == 200, kafka_csv.text
            assert kafka_csv.text == in_process_csv.text, (path, params)
        compared += 1
    return compared


async def test_a_kafka_dossier_answers_every_feedback_report_as_its_books_read_in_process(
    world: World,
) -> None:
    chunks = await activate_over_kafka(world)
    assert chunks[0].data.full and chunks[-1].data.last_chunk
    # The feedback records travel in the run, each message below 512 KiB.
    assert sum(len(c.data.item_histories) for c in chunks) > 200
    assert sum(len(c.data.account_totals) for c in chunks) > 100
    assert sum(len(c.data.turnover_records) for c in chunks) > 100
    assert all(len(c.model_dump_json().encode()) < MAX_MESSAGE_BYTES for c in chunks)

    compared = await assert_same_reports(world)
    assert compared > 50

    # Non-trivial figures, so that equal means something: at the past pivot items settled
    # since count as open; the history of one shows its payment after that pivot.
    past = (
        await world.get(world.kafka, "aged-balance", {"kind": "customer", "pivot": PAST})
    ).json()
    present = (
        await world.get(world.kafka, "aged-balance", {"kind": "customer", "pivot": PRESENT})
    ).json()
    assert Decimal(past["totals"]["total"]) > 0 and past["totals"] != present["totals"]
    history = (await world.get(world.kafka, "open-items/CFVER/26000001/history", {})).json()
    assert [line["kind"] for line in history["lines"]] == ["invoice", "payment"]
    assert Decimal(history["open_amount"]) == 0
    key_figures = (
        await world.get(
            world.kafka,
            "key-figures",
            {"from": "2026-01", "to": "2026-12", "closed_periods_only": "true"},
        )
    ).json()
    assert key_figures["periods"] == [f"2026-{m:02d}" for m in range(1, 10)]  # 10-12 are open


async def test_a_booking_and_its_deletion_through_the_connector_keep_the_reports_equal(
    world: World,
) -> None:
    await activate_over_kafka(world)
    before = (
        await world.get(
            world.kafka, "top", {"kind": "supplier", "from": "2026-11", "to": "2026-11"}
        )
    ).json()

    # A purchase invoice validated for the Kafka dossier: sync asks the connector, which books
    # it in the ledger (the in-process dossier's books too) and publishes the delta.
    validated = ProposalValidated(
        proposal_id=uuid.uuid4(),
        document_id=uuid.uuid4(),
        journal="CFAAN",
        period="2026-11",
        counterparty_number="L0003",
        invoice_number="F-77",
        invoice_date=date(2026, 11, 20),
        due_date=date(2026, 11, 25),
        currency="EUR",
        total_excl_vat=Decimal("1000.00"),
        total_vat=Decimal("210.00"),
        total_incl_vat=Decimal("1210.00"),
        validated_by="eva@office.example",
        lines=(
            ProposalLine(
                gl_account="604000",
                amount_excl_vat=Decimal("1000.00"),
                vat_code="A21",
                vat_amount=Decimal("210.00"),
            ),
        ),
    )
    await run(
        world.sync_pool,
        service_layer.on_proposal_validated,
        envelope(validated, world.kafka, "/ledgerline/worklist"),
        world.sync_settings,
    )
    [request] = [e for e in await drain(world.sync_pool) if isinstance(e.data, BookingRequested)]
    answers = await connector_answers(world, connector_service.on_booking_requested, request)
    [posted] = [a for a in answers if isinstance(a.data, BookingPosted)]
    [delta] = [a for a in answers if isinstance(a.data, LedgerSynced)]
    key = f"{posted.data.journal}/{posted.data.document_number}"
    # The delta carries the feedback records the booking changed, not the whole ledger.
    assert delta.data.full is False
    assert [f"{h.item.journal}/{h.item.document_number}" for h in delta.data.item_histories] == [
        key
    ]
    assert 0 < len(delta.data.account_totals) <= 4
    assert [(t.counterparty_number, t.period) for t in delta.data.turnover_records] == [
        ("L0003", "2026-11")
    ]

    await assert_same_reports(world)
    after = (
        await world.get(
            world.kafka, "top", {"kind": "supplier", "from": "2026-11", "to": "2026-11"}
        )
    ).json()
    assert after != before
    history = (await world.get(world.kafka, f"open-items/{key}/history", {})).json()
    assert history["open_amount"] == "1210.00"

    # Deleted through the connector: the item's history is removed from sync's copy.
    deletion = await world.http.delete(
        f"/dossiers/{world.kafka}/postings/{validated.proposal_id}",
        params={"reason": "wrong supplier"},
        headers=world.headers(world.kafka),
    )
    assert deletion.status_code == 202, deletion.text
    [delete_request] = [
        e for e in await drain(world.sync_pool) if isinstance(e.data, BookingDeleteRequested)
    ]
    answers = await connector_answers(
        world, connector_service.on_booking_delete_requested, delete_request
    )
    [removal] = [a for a in answers if isinstance(a.data, LedgerSynced)]
    assert removal.data.removed_item_histories == (key,)
    gone = await world.get(world.kafka, f"open-items/{key}/history", {})
    assert gone.status_code == 404
    await assert_same_reports(world)
    restored = (
        await world.get(
            world.kafka, "top", {"kind": "supplier", "from": "2026-11", "to": "2026-11"}
        )
    ).json()
    assert restored == before | {"books_as_of": restored["books_as_of"]}


async def test_a_kafka_dossier_whose_books_have_not_arrived_answers_409(world: World) -> None:
    for path, params in REPORTS[:1] + REPORTS[-2:]:
        refused = await world.get(world.kafka, path, params)
        assert refused.status_code == 409, refused.text
        assert "have not reached the platform yet" in refused.json()["detail"]
