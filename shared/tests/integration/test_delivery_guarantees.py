"""No event lost, no effect doubled, poison messages parked: against the real Kafka and PostgreSQL."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from ledgerline.consumers import EventConsumer
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.devstack.stack import Infrastructure
from ledgerline.events import Envelope, LedgerSynced, spec_for
from ledgerline.kafka import create_broker
from ledgerline.messaging_schema import OUTBOX_INBOX_DDL
from ledgerline.subscriptions import Subscription
from ledgerline.testing.kafka import records_from_beginning

pytestmark = [pytest.mark.integration]

TOPIC = spec_for(LedgerSynced).topic


def ledger_synced(dossier_id: uuid.UUID, counterparties: int = 1) -> Envelope[LedgerSynced]:
    return Envelope[LedgerSynced](
        source="/tests",
        type=spec_for(LedgerSynced).type,
        dossierid=dossier_id,
        officeid=uuid.uuid4(),
        correlationid=str(uuid.uuid4()),
        data=LedgerSynced(synced_at=datetime.now(UTC), counterparties=counterparties),
    )


async def messages_with_ids(bootstrap: str, topic: str, wanted: set[str]) -> list[Any]:
    """Every record on `topic` whose envelope id is in `wanted`, read from the beginning to the
    end the topic had when reading began (everything the broker had acknowledged by then)."""
    found = []
    async with contextlib.aclosing(records_from_beginning(bootstrap, topic)) as records:
        async for record in records:
            if any(event_id.encode() in (record.value or b"") for event_id in wanted):
                found.append(record)
    return found


async def until(condition: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    """Waits until `condition()` holds; fails naming `what` did not happen after `timeout`."""
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Relay:
    """ingest's outbox relay as a process of its own, on a test database."""

    database_url: str
    bootstrap_servers: str

    @property
    def command(self) -> list[str]:
        return [str(Path(sys.executable).parent / "ingest"), "relay"]

    @property
    def env(self) -> dict[str, str]:
        return os.environ | {
            "INGEST_DATABASE_URL": self.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "INGEST_OUTBOX_POLL_SECONDS": "0.2",
        }

    def killed_at(self, hold: dict[str, str], marker: str, what: str) -> None:
        """Runs a relay that holds where `hold` tells it to, SIGKILLs it once it logs `marker`."""
        holding = subprocess.Popen(
            self.command, env=self.env | hold, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            assert holding.stderr is not None
            deadline = time.monotonic() + 60
            for line in holding.stderr:
                if marker in line:
                    break
                assert time.monotonic() < deadline, what
            os.killpg(holding.pid, signal.SIGKILL)
            holding.wait(10)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(holding.pid, signal.SIGKILL)

    async def run_until(self, condition: Callable[[], Awaitable[bool]], what: str) -> None:
        """Runs a relay until `condition()` holds, then stops it."""
        restarted = subprocess.Popen(self.command, env=self.env, start_new_session=True)
        try:
            await until(condition, 30, what)
        finally:
            os.killpg(restarted.pid, signal.SIGTERM)
            restarted.wait(15)


async def test_outbox_event_survives_relay_killed_between_commit_and_publish(
    infrastructure: Infrastructure, ingest_database: str
) -> None:
    pool = await create_pool(ingest_database)
    dossier = uuid.uuid4()
    async with UnitOfWork(pool, source="tests") as uow:
        envelope = uow.emit(
            LedgerSynced(synced_at=datetime.now(UTC)), dossier_id=dossier, office_id=uuid.uuid4()
        )
    event_id = str(envelope.id)

    relay = Relay(ingest_database, infrastructure.bootstrap_servers)
    await asyncio.to_thread(
        relay.killed_at,
        {"INGEST_OUTBOX_RELAY_HOLD_AFTER_CLAIM_SECONDS": "60"},
        "claimed 1 rows",
        "the relay never claimed the row",
    )

    assert (
        await pool.fetchval("SELECT published_at FROM outbox WHERE event_id = $1", envelope.id)
        is None
    )
    assert await messages_with_ids(infrastructure.bootstrap_servers, TOPIC, {event_id}) == []

    async def is_published() -> bool:
        query = "SELECT published_at FROM outbox WHERE event_id = $1"
        return await pool.fetchval(query, envelope.id) is not None

    await relay.run_until(is_published, "the restarted relay did not publish the event")
    await pool.close()

    published = await messages_with_ids(infrastructure.bootstrap_servers, TOPIC, {event_id})
    assert len(published) == 1
    assert published[0].key == str(dossier).encode()
    assert Envelope[LedgerSynced].model_validate_json(published[0].value).id == envelope.id


async def _consumer_database(dsn: str) -> asyncpg.Pool:
    pool = await create_pool(dsn)
    await pool.execute(OUTBOX_INBOX_DDL)
    await pool.execute("CREATE TABLE effects (event_id uuid NOT NULL, counterparties int NOT NULL)")
    return pool


async def test_event_delivered_twice_has_its_effect_once(
    infrastructure: Infrastructure, fresh_database: str
) -> None:
    pool = await _consumer_database(fresh_database)

    async def record_effect(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
        await uow.conn.execute(
            "INSERT INTO effects VALUES ($1, $2)", event.id, event.data.counterparties
        )

    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    EventConsumer(service=f"twice-{uuid.uuid4().hex[:8]}", pool=pool, broker=broker).subscribe(
        Subscription(LedgerSynced, record_effect)
    )
    envelope = ledger_synced(uuid.uuid4(), counterparties=7)
    # Sent after both deliveries on their partition (the same key): once it is handled, so is
    # the second delivery.
    marker = ledger_synced(envelope.dossierid, counterparties=8)
    producer = AIOKafkaProducer(bootstrap_servers=infrastructure.bootstrap_servers, acks="all")
    await producer.start()
    await broker.start()
    try:
        for sent in (envelope, envelope, marker):
            await producer.send_and_wait(
                TOPIC, sent.model_dump_json().encode(), key=str(sent.dossierid).encode()
            )
        inbox = "SELECT count(*) FROM inbox WHERE event_id = $1"

        async def handled() -> bool:
            return bool(await pool.fetchval(inbox, marker.id))

        await until(handled, 30, "the events were never handled")
        effects = await pool.fetch("SELECT * FROM effects WHERE event_id = $1", envelope.id)
    finally:
        await broker.stop()
        await producer.stop()
        await pool.close()
    assert [(row["event_id"], row["counterparties"]) for row in effects] == [(envelope.id, 7)]


async def test_failing_message_goes_to_dlq_and_the_next_one_is_handled(
    infrastructure: Infrastructure, fresh_database: str
) -> None:
    pool = await _consumer_database(fresh_database)
    poison = ledger_synced(uuid.uuid4(), counterparties=-1)
    healthy = ledger_synced(poison.dossierid, counterparties=3)
    attempts: list[uuid.UUID] = []

    async def refuse_negative(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
        attempts.append(event.id)
        if event.data.counterparties < 0:
            raise ValueError("a negative counterparty count cannot be stored")
        await uow.conn.execute(
            "INSERT INTO effects VALUES ($1, $2)", event.id, event.data.counterparties
        )

    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    EventConsumer(
        service=f"dlq-{uuid.uuid4().hex[:8]}",
        pool=pool,
        broker=broker,
        max_attempts=3,
        retry_backoff_seconds=0.05,
    ).subscribe(Subscription(LedgerSynced, refuse_negative))
    producer = AIOKafkaProducer(bootstrap_servers=infrastructure.bootstrap_servers, acks="all")
    await producer.start()
    await broker.start()
    try:
        for envelope in (poison, healthy):
            await producer.send_and_wait(
                TOPIC, envelope.model_dump_json().encode(), key=str(envelope.dossierid).encode()
            )
        effects_of = "SELECT count(*) FROM effects WHERE event_id = $1"

        async def healthy_handled() -> bool:
            return bool(await pool.fetchval(effects_of, healthy.id))

        await until(healthy_handled, 30, "the message after the poison one was not handled")
        poison_effects = await pool.fetchval(
            "SELECT count(*) FROM effects WHERE event_id = $1", poison.id
        )
        poison_in_inbox = await pool.fetchval(
            "SELECT count(*) FROM inbox WHERE event_id = $1", poison.id
        )
    finally:
        await broker.stop()
        await producer.stop()
        await pool.close()

    assert poison_effects == 0
    assert poison_in_inbox == 0, "a failed handler's transaction must leave no inbox row"
    assert attempts.count(poison.id) == 3
    dead = await messages_with_ids(
        infrastructure.bootstrap_servers, TOPIC + ".dlq", {str(poison.id)}
    )
    assert len(dead) == 1
    headers = {name: value.decode() for name, value in dead[0].headers}
    assert headers["ledgerline-error"] == "a negative counterparty count cannot be stored"
    assert headers["ledgerline-error-type"] == "ValueError"
    assert headers["ledgerline-attempts"] == "3"
    assert headers["ledgerline-original-topic"] == TOPIC
    assert Envelope[LedgerSynced].model_validate_json(dead[0].value).id == poison.id


async def test_batch_acknowledged_but_not_marked_when_the_relay_dies_goes_again_and_counts_once(
    infrastructure: Infrastructure, ingest_database: str
) -> None:
    """The relay publishes a batch, the broker acknowledges it, and the relay is SIGKILLed
    before marking the rows: they stay unpublished, the next relay sends them again, and a
    consumer gives each event its effect once."""
    pool = await create_pool(ingest_database)
    dossier = uuid.uuid4()
    async with UnitOfWork(pool, source="tests") as uow:
        envelopes = [
            uow.emit(
                LedgerSynced(synced_at=datetime.now(UTC), counterparties=n),
                dossier_id=dossier,
                office_id=uuid.uuid4(),
            )
            for n in range(6)
        ]
    ids = [envelope.id for envelope in envelopes]
    wanted = {str(event_id) for event_id in ids}

    relay = Relay(ingest_database, infrastructure.bootstrap_servers)
    await asyncio.to_thread(
        relay.killed_at,
        {"INGEST_OUTBOX_RELAY_HOLD_AFTER_PUBLISH_SECONDS": "60"},
        "holding before marking",
        "the relay never published the batch",
    )

    unmarked = (
        "SELECT count(*) FROM outbox WHERE event_id = ANY($1::uuid[]) AND published_at IS NULL"
    )
    assert await pool.fetchval(unmarked, ids) == len(ids)
    first = await messages_with_ids(infrastructure.bootstrap_servers, TOPIC, wanted)
    assert len(first) == len(ids)  # acknowledged: on the topic already

    async def all_marked() -> bool:
        return not await pool.fetchval(unmarked, ids)

    await relay.run_until(all_marked, "the restarted relay did not publish the batch")
    await pool.close()
    again = await messages_with_ids(infrastructure.bootstrap_servers, TOPIC, wanted)
    assert sorted(Envelope[LedgerSynced].model_validate_json(r.value).id for r in again) == sorted(
        ids * 2
    )

    consumer_pool = await create_pool(ingest_database)  # ingest's schema has an inbox
    await consumer_pool.execute(
        "CREATE TABLE effects (event_id uuid NOT NULL, counterparties int NOT NULL)"
    )

    async def record_effect(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
        await uow.conn.execute(
            "INSERT INTO effects VALUES ($1, $2)", event.id, event.data.counterparties
        )

    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    EventConsumer(
        service=f"resent-{uuid.uuid4().hex[:8]}", pool=consumer_pool, broker=broker
    ).subscribe(Subscription(LedgerSynced, record_effect))
    # Sent after both copies of the batch on their partition (the dossier's key): once it is
    # handled, every copy before it is too.
    marker = ledger_synced(dossier, counterparties=100)
    producer = AIOKafkaProducer(bootstrap_servers=infrastructure.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            TOPIC, marker.model_dump_json().encode(), key=str(dossier).encode()
        )
    finally:
        await producer.stop()
    await broker.start()
    try:
        query = "SELECT count(DISTINCT event_id) FROM effects WHERE event_id = ANY($1::uuid[])"

        async def every_one_handled() -> bool:
            return bool(await consumer_pool.fetchval(query, [*ids, marker.id]) == len(ids) + 1)

        await until(every_one_handled, 60, "the consumer did not handle every event")
        effects = await consumer_pool.fetch(
            "SELECT event_id, counterparties FROM effects WHERE event_id = ANY($1::uuid[])"
            " ORDER BY counterparties",
            ids,
        )
    finally:
        await broker.stop()
        await consumer_pool.close()
    assert [(row["event_id"], row["counterparties"]) for row in effects] == [
        (envelope.id, n) for n, envelope in enumerate(envelopes)
    ]
