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

Order: rows are published in id order, and Kafka keeps that order per topic and key (dossier).
Several relays of one service (every `serve` replica runs one) take turns: one claims, publishes
and marks a batch while the others wait for their next round (`RELAY_TURN_SQL`).
A parked row, or one waiting for its retry, is overtaken by the later rows, also of its own
dossier: holding those back would stop that dossier's flow (every later document of the client)
until an operator acts, which is the outage this relay must not have. Ledgerline's consumers do
not rely on the order of events about *different* entities of a dossier (events of different
topics are unordered anyway), and a row is parked for what it is (too large, bad topic), not for
where it stands. A requeued row is published after the rows that overtook it: before requeueing,
the operator checks (topic, dossier, age in the listing) that no later event about the same
entity supersedes it.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
)
from prometheus_client import Counter, Gauge

from ledgerline.observability import leave_flow
from ledgerline.outbox_doorbell import OUTBOX_CHANNEL

log = logging.getLogger(__name__)

# Due rows in id order: not parked, not waiting for a retry.
CLAIM_SQL = """
SELECT id, event_id, topic, message_key, payload, attempts, correlation_id
FROM outbox
WHERE published_at IS NULL AND parked_at IS NULL
  AND (next_attempt_at IS NULL OR next_attempt_at <= clock_timestamp())
ORDER BY id
LIMIT $1 FOR UPDATE SKIP LOCKED
"""

# One relay of a service's database publishes at a time: two claiming side by side (SKIP LOCKED)
# would each take a batch, and the later batch of a key could reach the broker first. Taken for
# the claim's transaction; a relay that does not get it claims nothing this round (the one that
# has it hears the same commits). More relay processes are standbys, not more throughput.
RELAY_TURN_SQL = "SELECT pg_try_advisory_xact_lock(hashtextextended('ledgerline.outbox-relay', 0))"

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
    """Moves outbox rows to Kafka, at least once and in commit order (but for parked rows).

    Rows are claimed with a row lock inside a transaction, published and awaited, then marked
    in that same transaction: a crash before the mark leaves them unpublished (they go again);
    a crash after publishing but before the mark publishes them twice, which the consumers'
    inbox absorbs.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        bootstrap_servers: str,
        *,
        service: str = "unknown",
        producer_options: Mapping[str, Any] | None = None,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        max_row_attempts: int = 12,
        hold_after_claim_seconds: float = 0.0,
        hold_after_publish_seconds: float = 0.0,
        linger_seconds: float = 0.005,
        round_interval_seconds: float = 0.0,
    ) -> None:
        self._pool = pool
        self._bootstrap_servers = bootstrap_servers
        self._producer_options = dict(producer_options or {})
        self._producer: AIOKafkaProducer | None = None
        self._service = service
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._max_row_attempts = max_row_attempts
        self._hold_after_claim_seconds = hold_after_claim_seconds
        self._hold_after_publish_seconds = hold_after_publish_seconds
        self._linger = linger_seconds
        self._round_interval = round_interval_seconds
        self._metrics_refreshed_at = 0.0
        self._wakeup = asyncio.Event()

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows were settled (published or parked).

        Raises `BrokerUnavailable` when no row of a non-empty batch got through.
        """
        async with self._pool.acquire() as connection, connection.transaction():
            if not await connection.fetchval(RELAY_TURN_SQL):
                return 0  # another relay is publishing
            rows = await connection.fetch(CLAIM_SQL, self._batch_size)
            if not rows:
                return 0
            if self._hold_after_claim_seconds:
                log.warning("outbox: claimed %d rows, holding before publish", len(rows))
                await asyncio.sleep(self._hold_after_claim_seconds)
            outcomes = await self._publish(rows)
            if self._hold_after_publish_seconds:
                log.warning("outbox: published %d rows, holding before marking them", len(rows))
                await asyncio.sleep(self._hold_after_publish_seconds)
            broker_answers = True
            if any(outcome.error is not None for outcome in outcomes):
                broker_answers = await self._broker_answers()
                # A batch the broker refused leaves a gap in the idempotent producer's sequence
                # numbers (every later send to that partition would fail): start a new producer.
                await self._close_producer()
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
            if transient and not published and not permanent and not broker_answers:
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
                if not is_permanent(exc) and not await self._broker_answers():
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
        if self._producer is None:
            return False
        try:
            await asyncio.wait_for(self._producer.client.fetch_all_metadata(), 5)
            return True
        except Exception:
            return False

    async def _send(self, row: asyncpg.Record) -> Awaitable[Any]:
        producer = await self._started_producer()
        return await producer.send(
            row["topic"],
            row["payload"].encode(),
            key=row["message_key"].encode(),
            headers=[("content-type", b"application/cloudevents+json")],
        )

    async def _started_producer(self) -> AIOKafkaProducer:
        """The relay's own idempotent producer (acks=all), started on first use and replaced
        after a failure; apart from the service's broker, so consumers never notice."""
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap_servers,
                client_id=f"ledgerline-{self._service}-relay",
                acks="all",
                enable_idempotence=True,
                **self._producer_options,
            )
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def close(self) -> None:
        """Stops the relay's producer (`run` does so itself when it ends)."""
        await self._close_producer()

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()

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
                # Cleared before the claim: a commit from here on wakes the wait below, and one
                # before it is seen by the claim.
                self._wakeup.clear()
                round_began = asyncio.get_running_loop().time()
                try:
                    # Drain: only a full batch may have left rows behind (an empty claim after
                    # every batch would be a transaction per wake-up for nothing).
                    while await self.publish_pending() >= self._batch_size:
                        pass
                    failures = 0
                    now = asyncio.get_running_loop().time()
                    if now - self._metrics_refreshed_at >= self._poll_seconds:
                        await self.refresh_metrics()  # not on every wake-up: a count per poll
                        self._metrics_refreshed_at = now
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
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_seconds)
                if self._wakeup.is_set():
                    await asyncio.sleep(self._before_next_round(round_began))
        finally:
            with contextlib.suppress(Exception):
                await listener.remove_listener(OUTBOX_CHANNEL, self._on_notify)
            await self._pool.release(listener)
            await self._close_producer()

    def _before_next_round(self, last_round_began: float) -> float:
        """Seconds to wait, woken by a commit, before claiming: `linger` so that the commits of
        the next few milliseconds join it (one claim for them all instead of one per commit),
        and under a steady flow until `round_interval` after the last round began. Each round
        costs a claim, a produce request and a mark whatever it carries, and without a pace the
        rounds multiplied with the processes committing (two consumer processes per service:
        recognition's relay made 89 rounds for 3,000 events instead of 37). A commit after a
        quiet spell still waits only `linger`."""
        since = asyncio.get_running_loop().time() - last_round_began
        return max(self._linger, self._round_interval - since, 0.0)

    def _on_notify(self, *_: object) -> None:
        self._wakeup.set()


def _describe(error: BaseException) -> str:
    return (f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)[:2000]


def _row_context(row: asyncpg.Record) -> dict[str, object]:
    """Log fields of one row: its own flow's correlation id, so the line joins that flow."""
    return {"correlation_id": row["correlation_id"], "event_id": str(row["event_id"])}


def _correlation_ids(rows: list[asyncpg.Record]) -> list[str]:
    return sorted({row["correlation_id"] for row in rows if row["correlation_id"]})
