"""Templates and suggestions from the dossier's posted bookings, on the real PostgreSQL (with
the worklist's migrations) and Kafka: proposal.validated.v1 and booking.posted.v1 are consumed
in either order, a redelivery counts once, a validated booking that was never posted does not
count, and another office's bookings stay out. Three posted bookings make a template; the
fourth invoice is proposed from it, and the history keeps learning."""

import asyncio
import importlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from ledgerline.auth import Role, issue_token
from ledgerline.consumers import EventConsumer
from ledgerline.db import create_pool
from ledgerline.devstack.stack import Infrastructure
from ledgerline.dossiers import DirectoryEntry, InMemoryDossierDirectory
from ledgerline.events import (
    BookingPosted,
    Envelope,
    EventData,
    ProposalLine,
    ProposalValidated,
    spec_for,
)
from ledgerline.kafka import create_broker
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.testing.databases import MigratedDatabases
from worklist.entrypoints.suggestion_consumers import CONSUMER, SUGGESTION_SUBSCRIPTIONS
from worklist.entrypoints.suggestions_api import router

pytestmark = [pytest.mark.integration]

OFFICE, OTHER_OFFICE = uuid.uuid4(), uuid.uuid4()
DOSSIER = uuid.uuid4()


@pytest.fixture
async def pool(migrated_databases: MigratedDatabases) -> AsyncIterator[asyncpg.Pool]:
    versions = importlib.import_module("worklist.bootstrap").definition().versions_dir
    url = await migrated_databases.create(versions)
    pool = await create_pool(url)
    await pool.execute(
        """INSERT INTO ledger_master_data (office_id, dossier_id, kind, code, record, sync_id)
        VALUES ($1, $2, 'vat_code', 'A21', '{"code": "A21", "rate": "21"}', $3)""",
        OFFICE,
        DOSSIER,
        uuid.uuid4(),
    )
    yield pool
    await pool.close()  # the session's PostgreSQL is temporary: the database goes with it


def envelope(data: EventData, office: uuid.UUID = OFFICE) -> Envelope[Any]:
    return Envelope[type(data)](  # type: ignore[misc]
        source="/tests",
        type=spec_for(type(data)).type,
        dossierid=DOSSIER,
        officeid=office,
        correlationid=str(uuid.uuid4()),
        data=data,
    )


def validated(proposal: uuid.UUID, day: int, power: str, network: str) -> ProposalValidated:
    total = Decimal(power) + Decimal(network)
    return ProposalValidated(
        proposal_id=proposal,
        document_id=uuid.uuid4(),
        counterparty_number="L0010",
        invoice_date=date(2026, 11, day),
        currency="EUR",
        total_excl_vat=total,
        total_vat=total * Decimal("0.21"),
        total_incl_vat=total * Decimal("1.21"),
        validated_by="els@office.example",
        lines=(
            ProposalLine(
                gl_account="612000",
                vat_code="A21",
                amount_excl_vat=Decimal(power),
                description="Elektriciteit verbruik",
            ),
            ProposalLine(
                gl_account="612010",
                vat_code="A21",
                amount_excl_vat=Decimal(network),
                description="Distributie netbeheer",
            ),
        ),
    )


def posted(proposal: uuid.UUID, number: str) -> BookingPosted:
    return BookingPosted(
        proposal_id=proposal,
        document_id=uuid.uuid4(),
        journal="CFAAN",
        document_number=number,
        posted_at=datetime(2026, 11, 28, 10, tzinfo=UTC),
    )


async def deliver(
    infrastructure: Infrastructure, pool: asyncpg.Pool, events: list[Envelope[Any]]
) -> None:
    """Publishes the events on Kafka and waits until the suggestions' consumer handled them."""
    name = f"{CONSUMER}-{uuid.uuid4().hex[:8]}"  # this test's own group and inbox
    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    consumer = EventConsumer(service="worklist", pool=pool, broker=broker)
    for subscription in SUGGESTION_SUBSCRIPTIONS:
        consumer.subscribe(subscription, consumer=name)
    producer = AIOKafkaProducer(bootstrap_servers=infrastructure.bootstrap_servers, acks="all")
    await producer.start()
    await broker.start()
    try:
        for event in events:
            await producer.send_and_wait(
                spec_for(type(event.data)).topic,
                event.model_dump_json().encode(),
                key=str(event.dossierid).encode(),
            )
        wanted = {event.id for event in events}
        deadline = time.monotonic() + 60
        while await pool.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
            name,
            list(wanted),
        ) < len(wanted):
            assert time.monotonic() < deadline, "the events were never handled"
            await asyncio.sleep(0.2)
    finally:
        await broker.stop()
        await producer.stop()


def app(pool: asyncpg.Pool) -> FastAPI:
    application = FastAPI()
    application.include_router(router)
    application.state.settings = SimpleNamespace(
        jwt_secret=DEV_JWT_SECRET, jwt_issuer="ledgerline-dev"
    )
    application.state.runtime = SimpleNamespace(pool=pool)
    application.state.dossier_directory = InMemoryDossierDirectory(
        [DirectoryEntry(DOSSIER, OFFICE, active=True)]
    )
    return application


def bearer(office: uuid.UUID = OFFICE) -> dict[str, str]:
    token = issue_token(
        secret=DEV_JWT_SECRET, subject="els", office_id=office, role=Role.EMPLOYEE,
        dossiers=[DOSSIER],
    )  # fmt: skip
    return {"Authorization": f"Bearer {token}"}


async def test_three_posted_bookings_make_a_template_that_proposes_the_fourth(
    infrastructure: Infrastructure, pool: asyncpg.Pool
) -> None:
    first, second, third, never_posted = (uuid.uuid4() for _ in range(4))
    third_posted = envelope(posted(third, "26000003"))
    events = [
        envelope(validated(first, 3, "300.00", "100.00")),
        envelope(posted(first, "26000001")),
        envelope(validated(second, 10, "200.00", "200.00")),
        envelope(posted(second, "26000002")),
        third_posted,  # posted before its validation arrives
        envelope(validated(third, 17, "330.00", "110.00")),
        third_posted,  # and delivered twice
        envelope(validated(never_posted, 20, "999.00", "1.00")),
        envelope(validated(uuid.uuid4(), 21, "10.00", "90.00"), office=OTHER_OFFICE),
    ]
    await deliver(infrastructure, pool, events)
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM suggestion_bookings WHERE office_id = $1 AND history_seq IS NOT NULL",
            OFFICE,
        )
        == 3
    )

    transport = httpx.ASGITransport(app=app(pool))
    async with httpx.AsyncClient(transport=transport, base_url="http://worklist") as client:
        templates = await client.get(
            f"/dossiers/{DOSSIER}/counterparties/L0010/templates", headers=bearer()
        )
        assert templates.status_code == 200, templates.text
        [template] = templates.json()
        assert template["uses"] == 3
        assert template["proposal_ids"] == [str(third), str(second), str(first)]
        assert [(line["gl_account"], line["vat_code"], line["share"]) for line in template["lines"]] == [
            ("612000", "A21", "0.7500"),
            ("612010", "A21", "0.2500"),
        ]  # fmt: skip

        # The fourth invoice, without lines of its own: the template fills it.
        fourth = await client.get(
            f"/dossiers/{DOSSIER}/suggestions",
            params={"counterparty": "L0010", "amount": "200.00", "vat_rate": "21"},
            headers=bearer(),
        )
        assert fourth.status_code == 200, fourth.text
        body = fourth.json()
        assert body["source"] == "template"
        assert [(line["gl_account"], line["vat_code"], line["amount_excl_vat"]) for line in body["lines"]] == [
            ("612000", "A21", "150.00"),
            ("612010", "A21", "50.00"),
        ]  # fmt: skip

        # A line with its description: the learnt model, with the bookings it came from.
        line = await client.get(
            f"/dossiers/{DOSSIER}/suggestions",
            params={
                "counterparty": "L0010",
                "amount": "45.10",
                "vat_rate": "21",
                "description": "Netbeheer distributie december",
            },
            headers=bearer(),
        )
        assert line.status_code == 200, line.text
        [suggested] = line.json()["lines"]
        assert (suggested["gl_account"], suggested["vat_code"]) == ("612010", "A21")
        assert {evidence["proposal_id"] for evidence in suggested["evidence"]} == {
            str(first), str(second), str(third)
        }  # fmt: skip

        # Another office, bad amounts, an unknown counterparty.
        other = await client.get(
            f"/dossiers/{DOSSIER}/counterparties/L0010/templates", headers=bearer(OTHER_OFFICE)
        )
        assert other.status_code == 404
        for amount in ("12+", "1e5", "NaN", ""):
            bad = await client.get(
                f"/dossiers/{DOSSIER}/suggestions", params={"amount": amount}, headers=bearer()
            )
            assert bad.status_code == 422, (amount, bad.text)
        unknown = await client.get(
            f"/dossiers/{DOSSIER}/suggestions",
            params={"counterparty": "L9999", "amount": "10.00"},
            headers=bearer(),
        )
        assert unknown.json() == {"source": "none", "confidence": 0.0, "lines": [], "templates": []}

        # The fourth is posted booked another way: a second template, listed after the first.
        fourth_id = uuid.uuid4()
        other_way = validated(fourth_id, 24, "200.00", "0.00").model_copy(
            update={"lines": (ProposalLine(gl_account="613900", vat_code="A21", amount_excl_vat=Decimal("200.00")),)}
        )  # fmt: skip
        await deliver(
            infrastructure, pool, [envelope(other_way), envelope(posted(fourth_id, "26000004"))]
        )
        templates = await client.get(
            f"/dossiers/{DOSSIER}/counterparties/L0010/templates", headers=bearer()
        )
        assert [template["uses"] for template in templates.json()] == [3, 1]
        assert templates.json()[1]["lines"][0]["gl_account"] == "613900"
