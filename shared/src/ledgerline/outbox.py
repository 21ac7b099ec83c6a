"""The outbox relay: publishes committed outbox rows to Kafka and marks them only once acked."""

import asyncio
import contextlib
import logging

import asyncpg
from faststream.kafka import KafkaBroker

from ledgerline.db import OUTBOX_CHANNEL

log = logging.getLogger(__name__)

CLAIM_SQL = """
SELECT id, topic, message_key, payload FROM outbox
WHERE published_at IS NULL ORDER BY id
LIMIT $1 FOR UPDATE SKIP LOCKED
"""


class OutboxRelay:
    """Moves outbox rows to Kafka, at least once and in commit order per relay.

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
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        hold_after_claim_seconds: float = 0.0,
    ) -> None:
        self._pool = pool
        self._broker = broker
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._hold_after_claim_seconds = hold_after_claim_seconds
        self._wakeup = asyncio.Event()

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows were published."""
        async with self._pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(CLAIM_SQL, self._batch_size)
            if not rows:
                return 0
            if self._hold_after_claim_seconds:
                log.warning("outbox: claimed %d rows, holding before publish", len(rows))
                await asyncio.sleep(self._hold_after_claim_seconds)
            pending = [
                await self._broker.publish(
                    row["payload"].encode(),
                    row["topic"],
                    key=row["message_key"].encode(),
                    headers={"content-type": "application/cloudevents+json"},
                    no_confirm=True,
                )
                for row in rows
            ]
            await asyncio.gather(*pending)
            await connection.execute(
                "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                [row["id"] for row in rows],
            )
            log.info("outbox: published %d events", len(rows))
            return len(rows)

    async def run(self) -> None:
        listener = await self._pool.acquire()
        try:
            await listener.add_listener(OUTBOX_CHANNEL, self._on_notify)
            while True:
                try:
                    while await self.publish_pending():
                        pass
                except Exception:  # a broker or database outage must not stop the relay
                    log.exception("outbox: publish failed, retrying")
                    await asyncio.sleep(self._poll_seconds)
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
