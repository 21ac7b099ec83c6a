"""Idempotent event consumers with bounded retries and a dead-letter topic."""

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.message import AckStatus
from pydantic import ValidationError

from ledgerline.claimcheck import ClaimCheck, DatarefResolver, DatarefUnavailable
from ledgerline.db import UnitOfWork
from ledgerline.events import Envelope, RawEnvelope, spec_for
from ledgerline.kafka_fetch import (
    FETCH_ROUTINE_WAKEUP_MS,
    GATHERED_FETCH_BYTES,
    consumers_in_group,
    fetching_paused,
    records_of,
    undecoded,
    wait_in_the_fetch_only,
)
from ledgerline.observability import enter_flow
from ledgerline.offset_commits import PacedOffsetCommits
from ledgerline.outbox_doorbell import RelayDoorbell
from ledgerline.subscriptions import (
    Accepts,
    AnySubscription,
    PreparedSubscription,
    TakesMany,
)

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Envelope[Any]], Awaitable[None]]
Prepare = Callable[[Envelope[Any]], Awaitable[Any]]

# Fewer messages than this in a batch: no backlog building up, so no lingering after it.
_LINGER_MIN_RECORDS = 10


class PoisonMessage(Exception):
    """A message that can never be handled (not an envelope, wrong data): straight to the DLQ."""


@dataclass
class _Pending:
    """One message of a batch on its way through `handle_batch`."""

    body: bytes
    record: ConsumerRecord[Any, Any] | None
    raw: RawEnvelope
    envelope: Envelope[Any] | None = None
    prepared: Any = None
    has_prepared: bool = False
    # Its failure failed the batch: that counts as its first attempt.
    failed_batch: bool = False


@dataclass(frozen=True)
class _Route:
    """What a consumer does with the messages of one topic."""

    model: type[Envelope[Any]]
    handler: Any  # Handler, or a PreparedSubscription's record
    prepare: Prepare | None
    accepts: Accepts | None = None

    @classmethod
    def of(cls, subscription: AnySubscription) -> "_Route":
        model = Envelope[subscription.event]  # type: ignore[name-defined]
        if isinstance(subscription, PreparedSubscription):
            return cls(model, subscription.record, subscription.prepare)
        return cls(model, subscription.handler, None, subscription.accepts)


def _lane(subscription: AnySubscription, gather: bool) -> str:
    """Which of its consumer name's Kafka consumers reads the subscription: "" (the quiet
    topics), "documents" or "gathered" (see `EventConsumer`); also its group's suffix."""
    if gather and not isinstance(subscription, PreparedSubscription) and subscription.gathered:
        return "gathered"
    return "documents" if subscription.per_document else ""


class EventConsumer:
    """Runs a handler once per event id, in the transaction that records the event in the inbox.

    Messages come in batches (up to `batch_max_records`, as Kafka has them): a batch is handled
    in ONE transaction, its inbox rows inserted together, each handler called in offset order
    (so the order per key holds), and the offsets are committed after that transaction (at
    most every `commit_interval_ms`, see `PacedOffsetCommits`). A redelivered event finds its
    inbox row and is skipped. When the batch transaction fails, nothing of it was written, and
    the batch is handled again one message at a time, each in its own transaction: a handler
    that keeps failing after `max_attempts` sends its message alone to `<topic>.dlq` with the
    error, the others take effect once, and the consumer moves on. Offsets are committed after
    this returns, so a crash anywhere means a redelivery.

    A subscription marked `gathered` is read by a second Kafka consumer of its own, group
    `<consumer>-gathered` (same inbox), whose fetch the broker holds for `gather_ms` (or until
    a mebibyte has come): at a steady flow of documents its handler gets a batch every
    `gather_ms` instead of a fetch, a transaction and an offset commit per message, which
    otherwise cost more CPU than the handling, on the same cores as the services a document
    waits for. 0: no gathering, every subscription in the one consumer.

    A subscription marked `per_document` (its event comes with every document, and a document
    waits for it) is read by a Kafka consumer of its own too, group `<consumer>-documents` (same
    inbox), fetching at once: aiokafka's fetch requests are full ones (no fetch sessions), so
    each lists every partition its consumer is assigned, 12 per topic. Fetched with a dozen
    quiet topics, each of the many small batches at a steady flow cost a fetch of 130-odd
    partitions, encoded and decoded in Python: a third of payments' CPU at an offered 50/s.
    """

    def __init__(
        self,
        *,
        service: str,
        pool: asyncpg.Pool,
        broker: KafkaBroker,
        max_attempts: int = 3,
        retry_backoff_seconds: float = 0.2,
        claim_check: ClaimCheck | None = None,
        dataref_resolver: DatarefResolver | None = None,
        batch_max_records: int = 100,
        # As ServiceSettings' consumer_* defaults (see there why).
        batch_timeout_ms: int = 5000,
        fetch_min_bytes: int = 1,
        fetch_max_wait_ms: int = 2000,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        gather_ms: int = 1000,
        linger_ms: int = 100,
        commit_interval_ms: int = 500,
        prepare_concurrency: int = 8,
        doorbell: RelayDoorbell | None = None,
    ) -> None:
        self.service = service
        self._batch_max_records = batch_max_records
        self._batch_timeout_ms = batch_timeout_ms
        self._fetch_min_bytes = fetch_min_bytes
        self._fetch_max_wait_ms = fetch_max_wait_ms
        self._session_timeout_ms = session_timeout_ms
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self._prepare_concurrency = prepare_concurrency
        self._gather_ms = gather_ms
        self._linger_ms = linger_ms
        self._commit_interval_ms = commit_interval_ms
        self._pool = pool
        self._doorbell = doorbell or RelayDoorbell(pool)
        self._broker = broker
        self._max_attempts = max_attempts
        self._backoff = retry_backoff_seconds
        self._claim_check = claim_check
        self._dataref_resolver = dataref_resolver

    def subscribe(
        self,
        subscription: AnySubscription,
        *,
        consumer: str | None = None,
    ) -> None:
        """One subscription (see `subscribe_all`, which a service uses for all of its own)."""
        self.subscribe_all([subscription], consumer=consumer)

    def subscribe_all(
        self,
        subscriptions: Sequence[AnySubscription],
        *,
        consumer: str | None = None,
    ) -> None:
        """ONE Kafka consumer per consumer name (group and inbox) for all of its subscriptions'
        topics, its batches dispatched by topic: a consumer per subscription would poll, fetch
        and take part in rebalances once per topic, idle or not. Each topic's messages of a
        batch are handled as `handle_batch` does (one transaction, in offset order, its own
        dead-letter topic); the offsets are committed once, after every topic's transaction."""
        routes: dict[tuple[str, str], dict[str, _Route]] = {}
        for subscription in subscriptions:
            name = consumer or subscription.consumer or self.service
            topic = spec_for(subscription.event).topic
            if any(topic in by_topic for (of, _), by_topic in routes.items() if of == name):
                # One inbox reading a topic twice: only one handler would ever see an event.
                raise ValueError(f"{name} subscribes twice to {topic}")
            lane = _lane(subscription, self._gather_ms > 0)
            routes.setdefault((name, lane), {})[topic] = _Route.of(subscription)
        for (name, lane), by_topic in routes.items():
            self._register(name, by_topic, lane=lane)

    def _register(self, consumer_name: str, by_topic: dict[str, "_Route"], *, lane: str) -> None:
        # Only the raw records are taken, so FastStream never decodes or validates a body: a body
        # it could not cast would be redelivered forever instead of reaching the dead-letter topic.
        async def on_batch(message: Any) -> None:  # the decoder's KafkaMessage, undecoded
            records = records_of(message)
            # A batch holds several partitions, each in offset order; grouping by topic keeps
            # that order (the order per key), and topics are independent of each other.
            of_topic: dict[str, list[tuple[bytes, ConsumerRecord[Any, Any] | None]]] = {}
            for record in records:
                of_topic.setdefault(record.topic, []).append((record.value or b"", record))
            with fetching_paused(subscriber.consumer):
                began = asyncio.get_running_loop().time()
                for topic, messages in of_topic.items():
                    route = by_topic[topic]
                    await self.handle_batch(
                        consumer_name,
                        topic,
                        route.model,
                        route.handler,
                        messages,
                        prepare=route.prepare,
                        accepts=route.accepts,
                    )
                await commits.handled(subscriber.consumer, records)
                await self._linger(
                    len(records),
                    asyncio.get_running_loop().time() - began,
                    consumers_in_group(subscriber.consumer),
                    fetch_wait=self._gather_ms / 1000 if gathered else 0.0,
                )
            # Settled: FastStream's own acknowledgement would commit at once, and every
            # partition assigned, not just the batch's (see PacedOffsetCommits).
            message.committed = AckStatus.ACKED

        group = f"{consumer_name}-{lane}" if lane else consumer_name
        gathered = lane == "gathered"
        commits = PacedOffsetCommits(self._commit_interval_ms / 1000)
        subscriber = self._broker.subscriber(
            *by_topic,
            group_id=group,
            auto_offset_reset="earliest",
            batch=True,
            max_records=self._batch_max_records,
            batch_timeout_ms=self._batch_timeout_ms,
            fetch_min_bytes=max(self._fetch_min_bytes, GATHERED_FETCH_BYTES)
            if gathered
            else self._fetch_min_bytes,
            fetch_max_wait_ms=self._gather_ms if gathered else self._fetch_max_wait_ms,
            session_timeout_ms=self._session_timeout_ms,
            heartbeat_interval_ms=self._heartbeat_interval_ms,
            consumer_timeout_ms=FETCH_ROUTINE_WAKEUP_MS,
            title=group,
            decoder=undecoded,
            listener=commits.listener(),
        )
        subscriber(on_batch)
        wait_in_the_fetch_only(subscriber, self._batch_timeout_ms, self._batch_max_records)

    async def _linger(
        self, records: int, took: float, consumers: float = 1.0, *, fetch_wait: float = 0.0
    ) -> None:
        """After a batch that was not full but came under load (its group's share of it at
        least `_LINGER_MIN_RECORDS`: messages come faster than one at a time, and there is no
        backlog to take at once), stays paused so that the next batch gathers more, for one
        transaction, fetch and offset commit. A full batch means a backlog, taken at once; a
        small one a quiet moment, when waiting would only add latency.

        Alone in its group, a consumer waits as long as the batch took, up to `linger_ms`: the
        next batch gathers about twice the messages. A consumer holding 1/n of its group's
        partitions sees 1/n of the messages, so it stretches its whole cycle n times (the
        batch, that wait, and the broker's `fetch_wait` for a gathered lane): its batches are
        then as large as the lone consumer's, and the group makes as few of them (two
        `consume` processes each waiting only n times as long made a quarter more batches, a
        gathered lane twice as many, each costing a transaction, a fetch and a commit)."""
        if not self._linger_ms or records >= self._batch_max_records:
            return
        if records * consumers < _LINGER_MIN_RECORDS:
            return
        cycle = took + min(took, self._linger_ms / 1000) + fetch_wait
        await asyncio.sleep(cycle * consumers - took - fetch_wait)

    async def handle_batch(
        self,
        consumer: str,
        topic: str,
        model: type[Envelope[Any]],
        handler: Handler,
        messages: Sequence[tuple[bytes, ConsumerRecord[Any, Any] | None]],
        *,
        prepare: Prepare | None = None,
        accepts: Accepts | None = None,
    ) -> None:
        """Handle messages (in offset order) in one transaction; on any failure, one by one.
        Those `accepts` refuses are skipped first: no data fetched, no inbox row."""
        pending: list[_Pending] = []
        for body, record in messages:
            try:
                raw = parse_raw_envelope(body)
            except PoisonMessage as exc:
                await self._dead_letter(consumer, topic, body, exc, 1, record)
                continue
            if accepts is None or accepts(raw):
                pending.append(_Pending(body, record, raw))
        if not pending:
            return
        if len(pending) == 1:
            item = pending[0]
            await self.handle(
                consumer, topic, model, handler, item.body, item.record, prepare=prepare
            )
            return
        try:
            await self._handle_together(consumer, topic, model, handler, pending, prepare)
            return
        except Exception as exc:
            log.warning(
                "%s: a batch of %d on %s failed (%s); handling it one message at a time",
                consumer,
                len(pending),
                topic,
                exc,
            )
        for item in pending:
            # What was prepared is kept: a document is not fetched and read twice.
            await self.handle(
                consumer,
                topic,
                model,
                handler,
                item.body,
                item.record,
                prepare=prepare,
                prepared=(item.prepared,) if item.has_prepared else None,
                attempts_made=1 if item.failed_batch else 0,
            )

    async def _handle_together(
        self,
        consumer: str,
        topic: str,
        model: type[Envelope[Any]],
        handler: Any,
        pending: list[_Pending],
        prepare: Prepare | None,
    ) -> None:
        for item in pending:
            enter_flow(item.raw.correlationid, str(item.raw.id))
            item.failed_batch = True
            item.envelope = typed_envelope(model, item.raw, await self._data_of(item.raw))
            item.failed_batch = False
        if prepare is not None:
            async with self._pool.acquire() as connection:
                seen = {
                    row["event_id"]
                    for row in await connection.fetch(
                        "SELECT event_id FROM inbox WHERE consumer = $1"
                        " AND event_id = ANY($2::uuid[])",
                        consumer,
                        [item.raw.id for item in pending],
                    )
                }
            gate = asyncio.Semaphore(self._prepare_concurrency)

            async def prepare_one(item: _Pending) -> None:
                async with gate:  # no connection held meanwhile
                    enter_flow(item.raw.correlationid, str(item.raw.id))
                    assert prepare is not None and item.envelope is not None
                    item.failed_batch = True
                    item.prepared = await prepare(item.envelope)
                    item.failed_batch = False
                    item.has_prepared = True

            # Every preparation ends before the batch is judged: none runs on behind a fallback.
            unseen: dict[UUID, _Pending] = {}
            for item in pending:  # the same event twice in a batch is prepared once
                if item.raw.id not in seen:
                    unseen.setdefault(item.raw.id, item)
            outcomes = await asyncio.gather(
                *(prepare_one(item) for item in unseen.values()), return_exceptions=True
            )
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
        async with UnitOfWork(
            self._pool,
            source=self.service,
            claim_check=self._claim_check,
            doorbell=self._doorbell,
        ) as uow:
            first_time: set[UUID] = {
                row["event_id"]
                for row in await uow.conn.fetch(
                    "INSERT INTO inbox (consumer, event_id, topic)"
                    " SELECT $1, event_id, $3 FROM unnest($2::uuid[]) AS event_id"
                    " ON CONFLICT DO NOTHING RETURNING event_id",
                    consumer,
                    [item.raw.id for item in pending],
                    topic,
                )
            }
            new: list[_Pending] = []
            for item in pending:
                if item.raw.id in first_time:
                    first_time.discard(item.raw.id)  # the same event twice in one batch: once
                    new.append(item)
            skipped = len(pending) - len(new)
            if isinstance(handler, TakesMany):
                await self._handle_many(uow, handler, new)
            else:
                for item in new:
                    assert item.envelope is not None
                    enter_flow(item.raw.correlationid, str(item.raw.id))
                    item.failed_batch = True
                    if prepare is not None:
                        if not item.has_prepared:  # in the inbox a moment ago, gone since: retry
                            raise RuntimeError(f"event {item.raw.id} was not prepared")
                        await handler(uow, item.envelope, item.prepared)
                    else:
                        await handler(uow, item.envelope)
                    item.failed_batch = False
            if skipped:
                log.info("%s: %d events of a batch already handled, skipped", consumer, skipped)

    @staticmethod
    async def _handle_many(uow: UnitOfWork, handler: TakesMany, new: list[_Pending]) -> None:
        if not new:  # all handled before: nothing to write
            return
        for item in new:
            item.failed_batch = True  # which one failed is not known: all have
        await handler.handle_many(uow, [item.envelope for item in new if item.envelope])
        for item in new:
            item.failed_batch = False

    async def handle(
        self,
        consumer: str,
        topic: str,
        model: type[Envelope[Any]],
        handler: Handler,
        body: bytes,
        record: ConsumerRecord[Any, Any] | None = None,
        *,
        prepare: Prepare | None = None,
        prepared: tuple[Any] | None = None,
        attempts_made: int = 0,
    ) -> None:
        """Handle one message in its own transaction; with `prepare`, `handler` is a
        PreparedSubscription's `record` and gets what `prepare` returned (or `prepared[0]`,
        prepared earlier, for the first attempt). `attempts_made`: failed attempts so far
        (the batch it failed), counted against `max_attempts`."""
        try:
            raw = parse_raw_envelope(body)
        except PoisonMessage as exc:
            await self._dead_letter(consumer, topic, body, exc, attempts=1, record=record)
            return
        enter_flow(raw.correlationid, str(raw.id))
        envelope: Envelope[Any] | None = None
        if attempts_made:
            await asyncio.sleep(self._backoff * attempts_made)
        for attempt in range(
            min(attempts_made, self._max_attempts - 1) + 1, self._max_attempts + 1
        ):
            try:
                if envelope is None:
                    envelope = typed_envelope(model, raw, await self._data_of(raw))
                await self._handle_once(consumer, topic, envelope, handler, prepare, prepared)
                return
            except PoisonMessage as exc:
                await self._dead_letter(consumer, topic, body, exc, attempt, record)
                return
            except Exception as exc:
                prepared = None  # a retry prepares afresh
                if attempt == self._max_attempts:
                    await self._dead_letter(consumer, topic, body, exc, attempt, record)
                    return
                log.warning("%s: attempt %d on %s failed: %s", consumer, attempt, topic, exc)
                await asyncio.sleep(self._backoff * attempt)

    async def _data_of(self, raw: RawEnvelope) -> dict[str, Any]:
        """The event's data: inline, or fetched from its dataref (a failure is retried)."""
        if raw.data is not None:
            return raw.data
        assert raw.dataref is not None  # RawEnvelope guarantees one of the two
        if self._dataref_resolver is None:
            raise DatarefUnavailable("this consumer cannot resolve a dataref (no resolver)")
        return await self._dataref_resolver.fetch(
            raw.dataref, office_id=raw.officeid, dossier_id=raw.dossierid
        )

    async def _handle_once(
        self,
        consumer: str,
        topic: str,
        envelope: Envelope[Any],
        handler: Any,
        prepare: Prepare | None = None,
        prepared: tuple[Any] | None = None,
    ) -> None:
        if prepare is not None:
            async with self._pool.acquire() as connection:
                handled = await connection.fetchval(
                    "SELECT true FROM inbox WHERE consumer = $1 AND event_id = $2",
                    consumer,
                    envelope.id,
                )
            if handled:
                log.info("%s: event %s already handled, skipped", consumer, envelope.id)
                return
            result = prepared[0] if prepared else await prepare(envelope)  # no connection held
            record = handler

            async def handler(uow: UnitOfWork, envelope: Envelope[Any]) -> None:
                await record(uow, envelope, result)

        async with UnitOfWork(
            self._pool,
            source=self.service,
            claim_check=self._claim_check,
            doorbell=self._doorbell,
        ) as uow:
            first_time = await uow.conn.fetchval(
                "INSERT INTO inbox (consumer, event_id, topic) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING RETURNING true",
                consumer,
                envelope.id,
                topic,
            )
            if not first_time:
                log.info("%s: event %s already handled, skipped", consumer, envelope.id)
                return
            await handler(uow, envelope)

    async def _dead_letter(
        self,
        consumer: str,
        topic: str,
        body: bytes,
        error: BaseException,
        attempts: int,
        record: ConsumerRecord[Any, Any] | None,
    ) -> None:
        log.error(
            "%s: giving up on a message of %s after %d attempts: %s",
            consumer,
            topic,
            attempts,
            error,
        )
        headers = {
            "ledgerline-error": str(error)[:2000] or type(error).__name__,
            "ledgerline-error-type": type(error).__name__,
            "ledgerline-error-trace": "".join(traceback.format_exception(error))[-4000:],
            "ledgerline-consumer": consumer,
            "ledgerline-attempts": str(attempts),
            "ledgerline-original-topic": topic,
        }
        if record is not None:
            headers["ledgerline-original-partition"] = str(record.partition)
            headers["ledgerline-original-offset"] = str(record.offset)
        key = record.key if record is not None else None
        await self._broker.publish(body, topic + ".dlq", key=key, headers=headers)


def parse_raw_envelope(body: bytes) -> RawEnvelope:
    try:
        return RawEnvelope.model_validate_json(body)
    except ValidationError as exc:
        raise PoisonMessage(f"not a Ledgerline CloudEvents envelope: {exc.errors()[:3]}") from exc


def typed_envelope(
    model: type[Envelope[Any]], raw: RawEnvelope, data: dict[str, Any]
) -> Envelope[Any]:
    try:
        return model.model_validate(raw.model_dump() | {"data": data})
    except ValidationError as exc:
        raise PoisonMessage(f"event {raw.id} of type {raw.type} has invalid data: {exc}") from exc


def parse_envelope(model: type[Envelope[Any]], body: bytes) -> Envelope[Any]:
    """An envelope with inline data, typed (a dataref is resolved by `EventConsumer`)."""
    raw = parse_raw_envelope(body)
    if raw.data is None:
        raise PoisonMessage(f"event {raw.id} carries a dataref, not inline data")
    return typed_envelope(model, raw, raw.data)
