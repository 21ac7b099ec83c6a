"""Idempotent event consumers with bounded retries and a dead-letter topic."""

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.message import KafkaMessage as KafkaMessageType
from pydantic import ValidationError

from ledgerline.claimcheck import ClaimCheck, DatarefResolver, DatarefUnavailable
from ledgerline.db import UnitOfWork
from ledgerline.events import Envelope, EventData, RawEnvelope, spec_for
from ledgerline.observability import enter_flow

log = logging.getLogger(__name__)

DataT = TypeVar("DataT", bound=EventData)
PreparedT = TypeVar("PreparedT")
Handler = Callable[[UnitOfWork, Envelope[Any]], Awaitable[None]]
Prepare = Callable[[Envelope[Any]], Awaitable[Any]]


class PoisonMessage(Exception):
    """A message that can never be handled (not an envelope, wrong data): straight to the DLQ."""


@dataclass(frozen=True)
class Subscription(Generic[DataT]):
    event: type[DataT]
    handler: Callable[[UnitOfWork, Envelope[DataT]], Awaitable[None]]


@dataclass(frozen=True)
class PreparedSubscription(Generic[DataT, PreparedT]):
    """A handler whose slow part (fetching a document, reading it) must not hold a database
    connection: `prepare` runs first, outside any transaction, and `record` gets its result in
    the transaction that writes the inbox row. An event already in the inbox is skipped
    before `prepare`; when two deliveries race, both prepare and only the first to write the
    inbox row records (the other's result is dropped)."""

    event: type[DataT]
    prepare: Callable[[Envelope[DataT]], Awaitable[PreparedT]]
    record: Callable[[UnitOfWork, Envelope[DataT], PreparedT], Awaitable[None]]


class EventConsumer:
    """Runs a handler once per event id, in the transaction that records the event in the inbox.

    A redelivered event finds its inbox row and is skipped. A handler that keeps failing after
    `max_attempts` sends the message to `<topic>.dlq` with the error, and the consumer moves on.
    The offset is committed after this returns, so a crash anywhere means a redelivery.
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
    ) -> None:
        self.service = service
        self._pool = pool
        self._broker = broker
        self._max_attempts = max_attempts
        self._backoff = retry_backoff_seconds
        self._claim_check = claim_check
        self._dataref_resolver = dataref_resolver

    def subscribe(
        self,
        subscription: Subscription[Any] | PreparedSubscription[Any, Any],
        *,
        consumer: str | None = None,
    ) -> None:
        spec = spec_for(subscription.event)
        consumer_name = consumer or self.service
        model = Envelope[subscription.event]  # type: ignore[name-defined]
        if isinstance(subscription, PreparedSubscription):
            handler: Any = subscription.record
            prepare: Prepare | None = subscription.prepare
        else:
            handler, prepare = subscription.handler, None

        # Only the raw message is taken, so FastStream never decodes or validates the body: a body
        # it could not cast would be redelivered forever instead of reaching the dead-letter topic.
        async def on_message(message: KafkaMessage) -> None:
            await self.handle(
                consumer_name, spec.topic, model, handler, message.body, message, prepare=prepare
            )

        self._broker.subscriber(
            spec.topic,
            group_id=consumer_name,
            auto_offset_reset="earliest",
            title=f"{consumer_name}:{spec.topic}",
        )(on_message)

    async def handle(
        self,
        consumer: str,
        topic: str,
        model: type[Envelope[Any]],
        handler: Handler,
        body: bytes,
        message: KafkaMessageType | None = None,
        *,
        prepare: Prepare | None = None,
    ) -> None:
        """Handle one message; with `prepare`, `handler` is a PreparedSubscription's
        `record` and gets what `prepare` returned."""
        try:
            raw = parse_raw_envelope(body)
        except PoisonMessage as exc:
            await self._dead_letter(consumer, topic, body, exc, attempts=1, message=message)
            return
        enter_flow(raw.correlationid, str(raw.id))
        envelope: Envelope[Any] | None = None
        for attempt in range(1, self._max_attempts + 1):
            try:
                if envelope is None:
                    envelope = typed_envelope(model, raw, await self._data_of(raw))
                await self._handle_once(consumer, topic, envelope, handler, prepare)
                return
            except PoisonMessage as exc:
                await self._dead_letter(consumer, topic, body, exc, attempt, message)
                return
            except Exception as exc:
                if attempt == self._max_attempts:
                    await self._dead_letter(consumer, topic, body, exc, attempt, message)
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
            prepared = await prepare(envelope)  # no connection held meanwhile
            record = handler

            async def handler(uow: UnitOfWork, envelope: Envelope[Any]) -> None:
                await record(uow, envelope, prepared)

        async with UnitOfWork(
            self._pool, source=self.service, claim_check=self._claim_check
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
        message: KafkaMessageType | None,
    ) -> None:
        log.error(
            "%s: giving up on a message of %s after %d attempts: %s",
            consumer,
            topic,
            attempts,
            error,
        )
        raw = message.raw_message if message is not None else None
        headers = {
            "ledgerline-error": str(error)[:2000] or type(error).__name__,
            "ledgerline-error-type": type(error).__name__,
            "ledgerline-error-trace": "".join(traceback.format_exception(error))[-4000:],
            "ledgerline-consumer": consumer,
            "ledgerline-attempts": str(attempts),
            "ledgerline-original-topic": topic,
        }
        if raw is not None and not isinstance(raw, tuple):
            headers["ledgerline-original-partition"] = str(raw.partition)
            headers["ledgerline-original-offset"] = str(raw.offset)
        key = raw.key if raw is not None and not isinstance(raw, tuple) else None
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
