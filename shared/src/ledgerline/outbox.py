"""The outbox relay: publishes committed outbox rows to Kafka and marks them only once acked.

No single row can block the others:
- a row the broker can never take (too large, invalid topic, not serialisable) is *parked*:
  `parked_at`, `error_type` and `last_error` are set, the `ledgerline_outbox_parked_rows` gauge
  counts it, `GET /platform/outbox/parked` lists it and a requeue sends it again once the cause
  is fixed (`ledgerline.outbox_admin`);
- when the broker is unreachable (every row of a batch fails with a transient error), the relay
  backs off exponentially up to `outbox_max_backoff_seconds`, parking nothing;
- a row that fails transiently while others publish is retried on its own backoff, and parked
  after `outbox_max_row_attempts` (e.g. a topic that does not exist times out forever).

Order: Kafka keeps order per partition, i.e. per topic and key (dossier). While a row waits for
its retry or is parked, the later rows of the *same topic and dossier* are held back, so a
dossier's events of one topic are never published out of order; every other dossier and topic
moves on. A requeued row goes first, then the rows it held back.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka.errors import (
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
)
from faststream.kafka import KafkaBroker
from prometheus_client import Counter, Gauge

from ledgerline.db import OUTBOX_CHANNEL
from ledgerline.observability import leave_flow

log = logging.getLogger(__name__)

# Due rows, in id order, except those behind an earlier unpublished row of the same topic and key
# that is parked or waiting for its retry (Kafka's order is per topic and key).
CLAIM_SQL = """
SELECT o.id, o.event_id, o.topic, o.message_key, o.payload, o.attempts, o.correlation_id
FROM outbox o
WHERE o.published_at IS NULL AND o.parked_at IS NULL
  AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= clock_timestamp())
  AND NOT EXISTS (
    SELECT 1 FROM outbox earlier
    WHERE earlier.published_at IS NULL
      AND earlier.topic = o.topic AND earlier.message_key = o.message_key AND earlier.id < o.id
      AND (earlier.parked_at IS NOT NULL OR earlier.next_attempt_at > clock_timestamp())
  )
ORDER BY o.id
LIMIT $1 FOR UPDATE OF o SKIP LOCKED
"""

PARKED_COUNT_SQL = (
    "SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL AND published_at IS NULL"
)

# Failures that belong to the row itself: sending it again can never succeed.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    InvalidTopicError,
    TopicAuthorizationFailedError,
    UnicodeError,
    TypeError,
    ValueError,
)

PARKED_ROWS = Gauge(
    "ledgerline_outbox_parked_rows",
    "Outbox rows parked after a permanent publish failure (see GET /platform/outbox/parked)",
    ["service"],
)
PARKED_TOTAL = Counter(
    "ledgerline_outbox_parked_total", "Outbox rows parked", ["service", "error_type"]
)
PUBLISH_FAILURES = Counter(
    "ledgerline_outbox_publish_failures_total",
    "Outbox publish attempts that failed",
    ["service", "kind"],
)


def is_permanent(error: BaseException) -> bool:
    return isinstance(error, PERMANENT_ERRORS)


def backoff_seconds(failures: int, base: float, cap: float) -> float:
    """Exponential backoff: base, 2·base, 4·base … capped."""
    return float(min(cap, base * 2 ** max(0, failures - 1)))


class BrokerUnavailable(Exception):
    """Every row of a batch failed with a transient error: the broker, not the rows."""


@dataclass
class _Outcome:
    row: asyncpg.Record
    error: BaseException | None = None
    attempted: bool = True


class OutboxRelay:
    """Moves outbox rows to Kafka, at least once and in commit order per topic and key.

    Rows are claimed with a row lock inside a transaction, published and awaited, then marked
    in that same transaction: a crash before the mark leaves them unpublished (they go again);
    a crash after publishing but before the mark publishes them twice, which the consumers'
    inbox absorbs.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        broker: KafkaBroker,
        *,
        service: str = "unknown",
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        max_row_attempts: int = 12,
        hold_after_claim_seconds: float = 0.0,
    ) -> None:
        self._pool = pool
        self._broker = broker
        self._service = service
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._max_row_attempts = max_row_attempts
        self._hold_after_claim_seconds = hold_after_claim_seconds
        self._wakeup = asyncio.Event()

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows were settled (published or parked).

        Raises `BrokerUnavailable` when no row of a non-empty batch got through.
        """
        async with self._pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(CLAIM_SQL, self._batch_size)
            if not rows:
                return 0
            if self._hold_after_claim_seconds:
                log.warning("outbox: claimed %d rows, holding before publish", len(rows))
                await asyncio.sleep(self._hold_after_claim_seconds)
            outcomes = await self._publish(rows)
            if len(rows) > 1:
                # The broker refuses a whole producer batch for one bad record: send each suspect
                # alone before judging it, so no innocent row is parked.
                for outcome in outcomes:
                    if outcome.error is not None and is_permanent(outcome.error):
                        [alone] = await self._publish([outcome.row])
                        outcome.error = alone.error
            published = [o.row for o in outcomes if o.attempted and o.error is None]
            failed = [o for o in outcomes if o.attempted and o.error is not None]
            if published:
                await connection.execute(
                    "UPDATE outbox SET published_at = now(), last_error = NULL, error_type = NULL"
                    " WHERE id = ANY($1::bigint[])",
                    [row["id"] for row in published],
                )
                log.info(
                    "outbox: published %d events",
                    len(published),
                    extra={"correlation_ids": _correlation_ids(published)},
                )
            permanent = [o for o in failed if is_permanent(o.error)]  # type: ignore[arg-type]
            transient = [o for o in failed if not is_permanent(o.error)]  # type: ignore[arg-type]
            if transient and not published and not permanent and not await self._broker_answers():
                PUBLISH_FAILURES.labels(self._service, "broker").inc()
                raise BrokerUnavailable(repr(transient[0].error)) from transient[0].error
            for outcome in permanent:
                await self._park(connection, outcome.row, outcome.error)  # type: ignore[arg-type]
            for outcome in transient:
                await self._retry_later(connection, outcome.row, outcome.error)  # type: ignore[arg-type]
            return len(published) + len(permanent)

    async def _publish(self, rows: list[asyncpg.Record]) -> list[_Outcome]:
        """Send every row, then await every acknowledgement; one row's failure is its own."""
        outcomes = [_Outcome(row) for row in rows]
        pending: list[tuple[_Outcome, Awaitable[Any]]] = []
        for index, outcome in enumerate(outcomes):
            try:
                pending.append((outcome, await self._send(outcome.row)))
            except Exception as exc:
                outcome.error = exc
                if not is_permanent(exc):
                    # Sending waits for the broker's metadata: when it is gone, do not wait once
                    # per row; the rest of the batch is not attempted.
                    for untouched in outcomes[index + 1 :]:
                        untouched.attempted = False
                    break
        for outcome, acknowledgement in pending:
            try:
                await acknowledgement
            except Exception as exc:
                outcome.error = exc
        return outcomes

    async def _broker_answers(self) -> bool:
        """Whether the broker is reachable: if so, a batch that failed entirely failed for
        reasons of its own rows (e.g. a topic that does not exist) and must not block the rest."""
        try:
            return bool(await self._broker.ping(timeout=2))
        except Exception:
            return False

    async def _send(self, row: asyncpg.Record) -> Awaitable[Any]:
        return await self._broker.publish(  # type: ignore[no-any-return]
            row["payload"].encode(),
            row["topic"],
            key=row["message_key"].encode(),
            headers={"content-type": "application/cloudevents+json"},
            no_confirm=True,
        )

    async def _park(
        self, connection: asyncpg.Connection, row: asyncpg.Record, error: BaseException
    ) -> None:
        await connection.execute(
            "UPDATE outbox SET parked_at = now(), attempts = attempts + 1,"
            " error_type = $2, last_error = $3 WHERE id = $1",
            row["id"],
            type(error).__name__,
            _describe(error),
        )
        PARKED_TOTAL.labels(self._service, type(error).__name__).inc()
        log.error(
            "outbox: event %s on %s parked: %s",
            row["event_id"],
            row["topic"],
            _describe(error),
            extra=_row_context(row),
        )

    async def _retry_later(
        self, connection: asyncpg.Connection, row: asyncpg.Record, error: BaseException
    ) -> None:
        attempts = row["attempts"] + 1
        PUBLISH_FAILURES.labels(self._service, "row").inc()
        if attempts >= self._max_row_attempts:
            await self._park(
                connection,
                row,
                RuntimeError(f"gave up after {attempts} attempts: {_describe(error)}"),
            )
            return
        delay = backoff_seconds(attempts, self._poll_seconds, self._max_backoff)
        await connection.execute(
            "UPDATE outbox SET attempts = $2, error_type = $3, last_error = $4,"
            " next_attempt_at = clock_timestamp() + make_interval(secs => $5) WHERE id = $1",
            row["id"],
            attempts,
            type(error).__name__,
            _describe(error),
            delay,
        )
        log.warning(
            "outbox: event %s on %s failed (attempt %d), retrying in %.1f s: %s",
            row["event_id"],
            row["topic"],
            attempts,
            delay,
            _describe(error),
            extra=_row_context(row),
        )

    async def refresh_metrics(self) -> None:
        PARKED_ROWS.labels(self._service).set(await self._pool.fetchval(PARKED_COUNT_SQL))

    async def run(self) -> None:
        leave_flow()  # each log line names the correlation ids of the rows it is about
        listener = await self._pool.acquire()
        failures = 0
        try:
            await listener.add_listener(OUTBOX_CHANNEL, self._on_notify)
            while True:
                try:
                    while await self.publish_pending():
                        pass
                    failures = 0
                    await self.refresh_metrics()
                except Exception as exc:  # a broker or database outage must not stop the relay
                    failures += 1
                    delay = backoff_seconds(failures, self._poll_seconds, self._max_backoff)
                    log.warning(
                        "outbox: publishing failed (%d in a row), retrying in %.1f s: %s",
                        failures,
                        delay,
                        exc,
                    )
                    await asyncio.sleep(delay)
                    continue
                self._wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_seconds)
        finally:
            with contextlib.suppress(Exception):
                await listener.remove_listener(OUTBOX_CHANNEL, self._on_notify)
            await self._pool.release(listener)

    def _on_notify(self, *_: object) -> None:
        self._wakeup.set()


def _describe(error: BaseException) -> str:
    return (f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)[:2000]


def _row_context(row: asyncpg.Record) -> dict[str, object]:
    """Log fields of one row: its own flow's correlation id, so the line joins that flow."""
    return {"correlation_id": row["correlation_id"], "event_id": str(row["event_id"])}


def _correlation_ids(rows: list[asyncpg.Record]) -> list[str]:
    return sorted({row["correlation_id"] for row in rows if row["correlation_id"]})
