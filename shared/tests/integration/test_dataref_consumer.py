"""A consumer resolves a claim-checked event's dataref over the producer's API before its
handler runs; a dataref it cannot fetch is retried, then dead-lettered, and the next event flows."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace

import asyncpg
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI
from ledgerline import claimcheck
from ledgerline.claimcheck import ClaimCheck, DatarefResolver
from ledgerline.consumers import EventConsumer
from ledgerline.db import UnitOfWork
from ledgerline.devstack.ports import free_port
from ledgerline.devstack.stack import Infrastructure
from ledgerline.events import Envelope, LedgerSynced, spec_for
from ledgerline.kafka import create_broker
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.subscriptions import Subscription

pytestmark = [pytest.mark.integration]

TOPIC = spec_for(LedgerSynced).topic
ISSUER = "ledgerline-dev"


@pytest.fixture
async def producer_api(ingest_pool: asyncpg.Pool) -> AsyncIterator[str]:
    """The shared event-data route, served over HTTP from the producer's database."""
    app = FastAPI()
    app.state.settings = SimpleNamespace(jwt_secret=DEV_JWT_SECRET, jwt_issuer=ISSUER)
    app.state.runtime = SimpleNamespace(pool=ingest_pool)
    app.include_router(claimcheck.router)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:  # uvicorn offers a flag, not an event
        assert time.monotonic() < deadline and not task.done(), "the API did not start"
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def dead_letters(bootstrap: str, event_id: str, consumer_name: str) -> list[dict[str, str]]:
    """The headers of the dead letters of `event_id` that `consumer_name` sent (the topic is
    shared: a stack of an earlier test may have read the event too)."""
    consumer = AIOKafkaConsumer(
        TOPIC + ".dlq", bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    found = []
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for record in records:
                    headers = {k: v.decode() for k, v in record.headers}
                    if (
                        event_id.encode() in record.value
                        and headers.get("ledgerline-consumer") == consumer_name
                    ):
                        found.append(headers)
    finally:
        await consumer.stop()
    return found


async def test_consumer_resolves_a_dataref_and_dead_letters_one_it_cannot_fetch(
    infrastructure: Infrastructure, ingest_pool: asyncpg.Pool, producer_api: str
) -> None:
    dossier, office = uuid.uuid4(), uuid.uuid4()
    # Every event's data is "too large" here, so both go out with a dataref.
    served = ClaimCheck(max_inline_bytes=1, public_base_url=producer_api)
    unreachable = ClaimCheck(max_inline_bytes=1, public_base_url=f"http://127.0.0.1:{free_port()}")
    async with UnitOfWork(ingest_pool, source="tests", claim_check=unreachable) as uow:
        lost = uow.emit(
            LedgerSynced(synced_at=datetime.now(UTC), counterparties=1),
            dossier_id=dossier,
            office_id=office,
        )
    async with UnitOfWork(ingest_pool, source="tests", claim_check=served) as uow:
        kept = uow.emit(
            LedgerSynced(synced_at=datetime.now(UTC), counterparties=42),
            dossier_id=dossier,
            office_id=office,
        )
    payloads = {
        row["event_id"]: row["payload"]
        for row in await ingest_pool.fetch("SELECT event_id, payload FROM outbox")
    }
    assert all("dataref" in json.loads(payload) for payload in payloads.values())

    seen: list[int] = []

    async def record(_: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
        if event.dossierid == dossier:  # the topic holds other tests' events too
            seen.append(event.data.counterparties)

    resolver = DatarefResolver(service="tests", secret=DEV_JWT_SECRET, issuer=ISSUER, timeout=2)
    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    consumer_name = f"dataref-{uuid.uuid4().hex[:8]}"
    EventConsumer(
        service=consumer_name,
        pool=ingest_pool,
        broker=broker,
        max_attempts=3,
        retry_backoff_seconds=0.05,
        dataref_resolver=resolver,
    ).subscribe(Subscription(LedgerSynced, record))
    producer = AIOKafkaProducer(bootstrap_servers=infrastructure.bootstrap_servers, acks="all")
    await producer.start()
    await broker.start()
    try:
        for event in (lost, kept):
            await producer.send_and_wait(
                TOPIC, payloads[event.id].encode(), key=str(dossier).encode()
            )
        deadline = time.monotonic() + 30
        while 42 not in seen:
            assert time.monotonic() < deadline, "the claim-checked event was never handled"
            await asyncio.sleep(0.2)
    finally:
        await broker.stop()
        await producer.stop()
        await resolver.aclose()
    assert seen == [42]
    [dead] = await dead_letters(infrastructure.bootstrap_servers, str(lost.id), consumer_name)
    assert dead["ledgerline-error-type"] == "DatarefUnavailable"
    assert dead["ledgerline-attempts"] == "3"
