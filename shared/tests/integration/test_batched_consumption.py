"""Batched consumption: a batch is handled in one transaction, in offset order, and a poison
message in it still goes alone to the dead-letter topic after its attempts, the others taking
effect exactly once. Against the real Kafka and PostgreSQL."""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from ledgerline.consumers import EventConsumer
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.devstack.stack import Infrastructure
from ledgerline.events import DocumentMoved, Envelope, LedgerSynced, spec_for
from ledgerline.kafka import create_broker
from ledgerline.messaging_schema import OUTBOX_INBOX_DDL
from ledgerline.subscriptions import BatchSubscription, PreparedSubscription, Subscription
from ledgerline.testing.kafka import records_from_beginning

pytestmark = [pytest.mark.integration]

TOPIC = spec_for(LedgerSynced).topic


def ledger_synced(dossier_id: uuid.UUID, counterparties: int) -> Envelope[LedgerSynced]:
    return Envelope[LedgerSynced](
        source="/tests",
        type=spec_for(LedgerSynced).type,
        dossierid=dossier_id,
        officeid=uuid.uuid4(),
        correlationid=str(uuid.uuid4()),
        data=LedgerSynced(synced_at=datetime.now(UTC), counterparties=counterparties),
    )


@pytest.fixture
async def pool(infrastructure: Infrastructure) -> AsyncIterator[asyncpg.Pool]:
    assert infrastructure.postgres is not None
    name = f"t{uuid.uuid4().hex[:12]}"
    dsn = await infrastructure.postgres.ensure_database(name, owner=name, password="test")
    pool = await create_pool(dsn)
    await pool.execute(OUTBOX_INBOX_DDL)
    # `seq` gives the order effects were written in, `tx` the transaction that wrote each.
    await pool.execute(
        "CREATE TABLE effects (seq bigserial, event_id uuid NOT NULL, counterparties int NOT NULL,"
        " tx bigint NOT NULL DEFAULT txid_current())"
    )
    yield pool
    await pool.close()
    await infrastructure.postgres.drop_database(name)


MARKER = 1_000_000  # the counterparties of the marker event `_produce` sends last


async def _produce(
    bootstrap: str, envelopes: Sequence[Envelope[Any]], *, pause_seconds: float = 0
) -> uuid.UUID:
    """Produces the envelopes (one dossier: one partition of each topic), each `pause_seconds`
    after the one before it, then a marker ledger.synced.v1 event after them on the same
    partition; the marker's id."""
    marker = ledger_synced(envelopes[-1].dossierid, MARKER)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for envelope in [*envelopes, marker]:
            await producer.send_and_wait(
                spec_for(envelope.data).topic,
                envelope.model_dump_json().encode(),
                key=str(envelope.dossierid).encode(),
            )
            await asyncio.sleep(pause_seconds)
    finally:
        await producer.stop()
    return marker.id


async def _effects_for(
    pool: asyncpg.Pool, ids: list[uuid.UUID], marker: uuid.UUID, timeout: float
) -> list[asyncpg.Record]:
    """The effects of `ids`, once each has one and the marker sent after them has its effect:
    the partition is handled in order, so every delivery of `ids` (a doubled one included) has
    been handled by then."""
    query = "SELECT * FROM effects WHERE event_id = ANY($1::uuid[]) ORDER BY seq"
    deadline = time.monotonic() + timeout
    while True:
        rows = await pool.fetch(query, ids)
        marked = await pool.fetchval("SELECT count(*) FROM effects WHERE event_id = $1", marker)
        if len({row["event_id"] for row in rows}) >= len(ids) and marked:
            return await pool.fetch(query, ids)
        assert time.monotonic() < deadline, f"only {len(rows)} of {len(ids)} effects"
        await asyncio.sleep(0.2)


def _spied_commits(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The offsets of every commit any consumer makes from now on, in order."""
    commits: list[Any] = []
    commit = AIOKafkaConsumer.commit

    async def spied_commit(self: AIOKafkaConsumer, offsets: Any = None) -> None:
        commits.append(offsets)
        await commit(self, offsets)

    monkeypatch.setattr(AIOKafkaConsumer, "commit", spied_commit)
    return commits


async def _record_effect(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
    await uow.conn.execute(
        "INSERT INTO effects (event_id, counterparties) VALUES ($1, $2)",
        event.id,
        event.data.counterparties,
    )


async def _dead_letters(
    bootstrap: str, wanted: set[str], topic: str = TOPIC
) -> list[dict[str, str]]:
    """The headers of the records on the dead-letter topic that name one of `wanted`."""
    found = []
    async with contextlib.aclosing(records_from_beginning(bootstrap, topic + ".dlq")) as records:
        async for record in records:
            if any(event_id.encode() in (record.value or b"") for event_id in wanted):
                found.append({k: v.decode() for k, v in record.headers})
    return found


async def test_a_batch_is_one_transaction_in_offset_order(
    infrastructure: Infrastructure, pool: asyncpg.Pool
) -> None:
    dossier = uuid.uuid4()
    envelopes = [ledger_synced(dossier, n) for n in range(40)]
    marker = await _produce(infrastructure.bootstrap_servers, envelopes)

    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    EventConsumer(service=f"batch-{uuid.uuid4().hex[:8]}", pool=pool, broker=broker).subscribe(
        Subscription(LedgerSynced, _record_effect)
    )
    await broker.start()
    try:
        effects = await _effects_for(pool, [e.id for e in envelopes], marker, 60)
    finally:
        await broker.stop()
    assert [row["counterparties"] for row in effects] == list(range(40))  # once each, in order
    # 40 messages already waiting: a handful of batches, not a transaction per message.
    assert len({row["tx"] for row in effects}) <= 4


async def test_a_batch_commits_the_offsets_of_its_own_partitions_only(
    infrastructure: Infrastructure, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    dossier = uuid.uuid4()
    envelopes = [ledger_synced(dossier, n) for n in range(10)]
    marker = await _produce(infrastructure.bootstrap_servers, envelopes)
    handled: dict[tuple[str, int], int] = {}  # partition: the last offset handled
    commits = _spied_commits(monkeypatch)

    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    group = f"commit-{uuid.uuid4().hex[:8]}"
    EventConsumer(service=group, pool=pool, broker=broker).subscribe(
        Subscription(LedgerSynced, _record_effect)
    )
    await broker.start()
    try:
        await _effects_for(pool, [e.id for e in envelopes], marker, 60)
        await asyncio.sleep(0.5)  # the marker's batch commits after its transaction
    finally:
        await broker.stop()
    async with contextlib.aclosing(
        records_from_beginning(infrastructure.bootstrap_servers, TOPIC)
    ) as records:
        async for record in records:
            key = (record.topic, record.partition)
            handled[key] = max(handled.get(key, -1), record.offset)
    assert commits and all(offsets is not None for offsets in commits)  # never "all assigned"
    committed: dict[tuple[str, int], int] = {}
    for offsets in commits:
        for partition, offset in offsets.items():
            committed[(partition.topic, partition.partition)] = offset
    # Each partition's last commit is past its last record; none without records is committed.
    assert committed == {key: offset + 1 for key, offset in handled.items() if key in committed}
    assert set(committed) <= set(handled)


async def test_a_healthy_batch_logs_through_the_service_logging_and_warns_of_nothing(
    infrastructure: Infrastructure, pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    envelopes = [ledger_synced(uuid.uuid4(), n) for n in range(5)]
    marker = await _produce(infrastructure.bootstrap_servers, envelopes)
    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    EventConsumer(service=f"quiet-{uuid.uuid4().hex[:8]}", pool=pool, broker=broker).subscribe(
        Subscription(LedgerSynced, _record_effect)
    )
    caplog.set_level(logging.DEBUG)
    await broker.start()
    try:
        await _effects_for(pool, [e.id for e in envelopes], marker, 60)
    finally:
        await broker.stop()
    processed = [
        r for r in caplog.records if r.name == "ledgerline.kafka" and r.message == "Processed"
    ]
    assert processed and all(record.levelno == logging.DEBUG for record in processed)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def _committed_and_ends(bootstrap: str, group: str) -> tuple[dict[Any, int], dict[Any, int]]:
    """The group's committed offsets of the topic's partitions, and the partitions' ends."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await probe.start()
    try:
        committed = {
            partition: meta.offset
            for partition, meta in (await admin.list_consumer_group_offsets(group)).items()
            if partition.topic == TOPIC and meta.offset >= 0
        }
        (topic,) = await admin.describe_topics([TOPIC])
        partitions = [TopicPartition(TOPIC, p["partition"]) for p in topic["partitions"]]
        ends = await probe.end_offsets(partitions)
        return committed, {partition: end for partition, end in ends.items() if end}
    finally:
        await probe.stop()
        await admin.close()


async def test_batches_in_quick_succession_commit_together_and_what_is_pending_at_shutdown(
    infrastructure: Infrastructure, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap = infrastructure.bootstrap_servers
    envelopes = [ledger_synced(uuid.uuid4(), n) for n in range(10)]
    marker = await _produce(bootstrap, envelopes)
    commits = _spied_commits(monkeypatch)
    broker = create_broker(bootstrap, client_id="tests")
    group = f"paced-{uuid.uuid4().hex[:8]}"
    EventConsumer(
        service=group, pool=pool, broker=broker, batch_max_records=2, commit_interval_ms=60_000
    ).subscribe(Subscription(LedgerSynced, _record_effect))
    await broker.start()
    try:
        await _effects_for(pool, [e.id for e in envelopes], marker, 60)
        committed, ends = await _committed_and_ends(bootstrap, group)
        # Six batches at least (eleven records, two a batch): only the first has committed.
        assert len(commits) == 1
        assert committed != ends
    finally:
        await broker.stop()
    committed, ends = await _committed_and_ends(bootstrap, group)
    assert len(commits) == 2
    assert committed == ends


async def test_a_consumer_commits_what_is_pending_before_its_partitions_are_revoked(
    infrastructure: Infrastructure, pool: asyncpg.Pool
) -> None:
    bootstrap = infrastructure.bootstrap_servers
    envelopes = [ledger_synced(uuid.uuid4(), n) for n in range(10)]
    marker = await _produce(bootstrap, envelopes)
    group = f"revoked-{uuid.uuid4().hex[:8]}"
    first, second = (create_broker(bootstrap, client_id=f"tests-{n}") for n in (1, 2))
    for broker in (first, second):
        EventConsumer(
            service=group, pool=pool, broker=broker, batch_max_records=2, commit_interval_ms=60_000
        ).subscribe(Subscription(LedgerSynced, _record_effect))
    await first.start()
    try:
        await _effects_for(pool, [e.id for e in envelopes], marker, 60)
        committed, ends = await _committed_and_ends(bootstrap, group)
        assert committed != ends  # pending for a minute
        await second.start()  # joins the group: the first's partitions are revoked
        deadline = time.monotonic() + 30
        while committed != ends:
            assert time.monotonic() < deadline, "the pending offsets were not committed"
            await asyncio.sleep(0.5)
            committed, ends = await _committed_and_ends(bootstrap, group)
    finally:
        await second.stop()
        await first.stop()


async def test_a_poison_message_in_a_batch_goes_alone_to_the_dlq_after_its_attempts(
    infrastructure: Infrastructure, pool: asyncpg.Pool
) -> None:
    dossier = uuid.uuid4()
    envelopes = [ledger_synced(dossier, n) for n in range(20)]
    poison = ledger_synced(dossier, -1)
    envelopes.insert(10, poison)
    marker = await _produce(infrastructure.bootstrap_servers, envelopes)
    attempts: list[uuid.UUID] = []

    async def refuse_negative(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
        attempts.append(event.id)
        if event.data.counterparties < 0:
            raise ValueError("a negative counterparty count cannot be stored")
        await _record_effect(uow, event)

    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    EventConsumer(
        service=f"batch-dlq-{uuid.uuid4().hex[:8]}",
        pool=pool,
        broker=broker,
        max_attempts=3,
        retry_backoff_seconds=0.05,
    ).subscribe(Subscription(LedgerSynced, refuse_negative))
    await broker.start()
    healthy = [e.id for e in envelopes if e.id != poison.id]
    try:
        effects = await _effects_for(pool, healthy, marker, 60)
        poison_rows = await pool.fetchval(
            "SELECT count(*) FROM effects WHERE event_id = $1", poison.id
        ) + await pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", poison.id)
    finally:
        await broker.stop()
    assert [row["counterparties"] for row in effects] == list(range(20))  # once each, in order
    assert poison_rows == 0
    assert attempts.count(poison.id) == 3  # the failed batch counts as its first attempt
    dead = await _dead_letters(infrastructure.bootstrap_servers, {str(poison.id)})
    assert len(dead) == 1
    assert dead[0]["ledgerline-attempts"] == "3"
    assert dead[0]["ledgerline-error-type"] == "ValueError"
    assert "ledgerline-original-offset" in dead[0]


async def test_a_batch_subscription_gets_a_batch_s_new_events_together_and_a_poison_one_alone(
    infrastructure: Infrastructure, pool: asyncpg.Pool
) -> None:
    dossier = uuid.uuid4()
    envelopes = [ledger_synced(dossier, n) for n in range(30)]
    poison = ledger_synced(dossier, -1)
    envelopes.insert(15, poison)
    marker = await _produce(infrastructure.bootstrap_servers, envelopes)
    calls: list[list[uuid.UUID]] = []

    async def record_all(uow: UnitOfWork, events: Sequence[Envelope[LedgerSynced]]) -> None:
        calls.append([event.id for event in events])
        if any(event.data.counterparties < 0 for event in events):
            raise ValueError("a negative counterparty count cannot be stored")
        await uow.conn.execute(
            "INSERT INTO effects (event_id, counterparties)"
            " SELECT * FROM unnest($1::uuid[], $2::int[])",
            [event.id for event in events],
            [event.data.counterparties for event in events],
        )

    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    EventConsumer(
        service=f"batch-many-{uuid.uuid4().hex[:8]}",
        pool=pool,
        broker=broker,
        max_attempts=3,
        retry_backoff_seconds=0.05,
    ).subscribe(BatchSubscription(LedgerSynced, record_all))
    await broker.start()
    healthy = [e.id for e in envelopes if e.id != poison.id]
    try:
        effects = await _effects_for(pool, healthy, marker, 60)
        poison_rows = await pool.fetchval(
            "SELECT count(*) FROM effects WHERE event_id = $1", poison.id
        )
    finally:
        await broker.stop()
    assert [row["counterparties"] for row in effects] == list(range(30))  # once each, in order
    assert poison_rows == 0
    # The batch with the poison in it was one call (its first attempt); after it failed, one
    # event a call: the poison's two further attempts alone.
    with_poison = [call for call in calls if poison.id in call]
    assert len(with_poison[0]) > 1
    assert with_poison[1:] == [[poison.id]] * 2
    dead = await _dead_letters(infrastructure.bootstrap_servers, {str(poison.id)})
    assert [headers["ledgerline-attempts"] for headers in dead] == ["3"]


async def test_prepared_batch_prepares_unseen_events_once_and_records_them_together(
    pool: asyncpg.Pool,
) -> None:
    dossier = uuid.uuid4()
    envelopes = [ledger_synced(dossier, n) for n in range(6)]
    consumer_name = "prepared-batch"
    await pool.execute(
        "INSERT INTO inbox (consumer, event_id, topic) VALUES ($1, $2, $3)",
        consumer_name,
        envelopes[2].id,
        TOPIC,
    )
    prepared: list[uuid.UUID] = []

    async def prepare(event: Envelope[LedgerSynced]) -> int:
        prepared.append(event.id)
        return event.data.counterparties * 10

    async def record(uow: UnitOfWork, event: Envelope[LedgerSynced], value: int) -> None:
        await uow.conn.execute(
            "INSERT INTO effects (event_id, counterparties) VALUES ($1, $2)", event.id, value
        )

    consumer = EventConsumer(
        service="prepared", pool=pool, broker=create_broker("127.0.0.1:1", client_id="tests")
    )
    subscription = PreparedSubscription(LedgerSynced, prepare, record)
    bodies = [(e.model_dump_json().encode(), None) for e in envelopes]
    bodies.append(bodies[4])  # the same event twice in one batch
    await consumer.handle_batch(
        consumer_name,
        TOPIC,
        Envelope[LedgerSynced],
        subscription.record,
        bodies,
        prepare=subscription.prepare,
    )
    effects = await pool.fetch("SELECT counterparties, tx FROM effects ORDER BY seq")
    assert sorted(prepared) == sorted(e.id for i, e in enumerate(envelopes) if i != 2)
    assert [row["counterparties"] for row in effects] == [0, 10, 30, 40, 50]
    assert len({row["tx"] for row in effects}) == 1


def document_moved(dossier_id: uuid.UUID, moved_by: str) -> Envelope[DocumentMoved]:
    return Envelope[DocumentMoved](
        source="/tests",
        type=spec_for(DocumentMoved).type,
        dossierid=dossier_id,
        officeid=uuid.uuid4(),
        correlationid=str(uuid.uuid4()),
        data=DocumentMoved(
            document_id=uuid.uuid4(),
            from_dossier_id=uuid.uuid4(),
            moved_by=moved_by,
            moved_at=datetime.now(UTC),
        ),
    )


async def test_one_kafka_consumer_serves_all_topics_of_a_consumer_each_with_its_dead_letters(
    infrastructure: Infrastructure, pool: asyncpg.Pool
) -> None:
    """A service's subscriptions share one Kafka consumer (one poll loop, one group member);
    each topic's messages still go to their own handler, in order, once, and a poison message
    to its own topic's dead-letter topic."""
    dossier = uuid.uuid4()
    synced = [ledger_synced(dossier, n) for n in range(15)]
    moved = [document_moved(dossier, f"user-{n}") for n in range(15)]
    poison = document_moved(dossier, "poison")
    moved.insert(7, poison)
    marker = await _produce(infrastructure.bootstrap_servers, [*synced, *moved])

    async def on_synced(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
        await uow.conn.execute(
            "INSERT INTO effects (event_id, counterparties) VALUES ($1, $2)",
            event.id,
            event.data.counterparties,
        )

    async def on_moved(uow: UnitOfWork, event: Envelope[DocumentMoved]) -> None:
        if event.data.moved_by == "poison":
            raise ValueError("this move cannot be recorded")
        await uow.conn.execute(
            "INSERT INTO effects (event_id, counterparties) VALUES ($1, $2)",
            event.id,
            1000 + int(event.data.moved_by.removeprefix("user-")),
        )

    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    EventConsumer(
        service=f"topics-{uuid.uuid4().hex[:8]}",
        pool=pool,
        broker=broker,
        retry_backoff_seconds=0.05,
    ).subscribe_all([Subscription(LedgerSynced, on_synced), Subscription(DocumentMoved, on_moved)])
    assert len(broker.subscribers) == 1
    await broker.start()
    try:
        effects = await _effects_for(
            pool, [e.id for e in [*synced, *moved] if e.id != poison.id], marker, 60
        )
    finally:
        await broker.stop()
    values = [row["counterparties"] for row in effects]
    assert [v for v in values if v < 1000] == list(range(15))  # once each, in order
    assert [v - 1000 for v in values if v >= 1000] == list(range(15))
    dead = await _dead_letters(
        infrastructure.bootstrap_servers, {str(poison.id)}, spec_for(DocumentMoved).topic
    )
    assert len(dead) == 1
    assert dead[0]["ledgerline-original-topic"] == spec_for(DocumentMoved).topic


async def test_a_gathered_subscription_takes_a_steady_flow_in_one_or_two_batches(
    infrastructure: Infrastructure, pool: asyncpg.Pool
) -> None:
    """Messages that come one at a time, 50 ms apart: a gathered subscription is read by a
    consumer of its own (`<consumer>-gathered`, same inbox) whose fetch the broker holds for the
    gathering period, so one or two transactions take them all, once each and in order; read
    at once, the first would come alone and the rest in a batch per fetch."""
    dossier = uuid.uuid4()
    service = f"gather-{uuid.uuid4().hex[:8]}"
    batches: list[int] = []

    async def record_all(uow: UnitOfWork, events: Sequence[Envelope[LedgerSynced]]) -> None:
        if mine := [event for event in events if event.dossierid == dossier]:
            batches.append(len(mine))  # the topic's earlier tests' events left out
        for event in events:
            await _record_effect(uow, event)

    async def on_moved(uow: UnitOfWork, event: Envelope[DocumentMoved]) -> None: ...

    broker = create_broker(infrastructure.bootstrap_servers, client_id="tests")
    EventConsumer(service=service, pool=pool, broker=broker, gather_ms=3000).subscribe_all(
        [
            BatchSubscription(LedgerSynced, record_all, gathered=True),
            Subscription(DocumentMoved, on_moved),
        ]
    )
    assert sorted(subscriber.group_id for subscriber in broker.subscribers) == [
        service,
        f"{service}-gathered",
    ]
    await broker.start()
    try:
        deadline = time.monotonic() + 60
        while not all(subscriber.consumer.assignment() for subscriber in broker.subscribers):
            assert time.monotonic() < deadline, "the consumers got no partitions"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # the gathered consumer's first fetch is held by now
        envelopes = [ledger_synced(dossier, n) for n in range(15)]
        marker = await _produce(infrastructure.bootstrap_servers, envelopes, pause_seconds=0.05)
        effects = await _effects_for(pool, [e.id for e in envelopes], marker, 60)
    finally:
        await broker.stop()
    assert [row["counterparties"] for row in effects] == list(range(15))  # once each, in order
    assert len({row["tx"] for row in effects}) <= 2
    assert sum(batches) == 16 and len(batches) <= 2  # the marker's included


def test_a_consumer_cannot_read_one_topic_twice() -> None:
    async def handle(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None: ...

    consumer = EventConsumer(
        service="twice",
        pool=None,
        broker=create_broker("127.0.0.1:1", client_id="tests"),  # type: ignore[arg-type]
    )
    with pytest.raises(ValueError, match="subscribes twice"):
        consumer.subscribe_all(
            [Subscription(LedgerSynced, handle), Subscription(LedgerSynced, handle)]
        )
