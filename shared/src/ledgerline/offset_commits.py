"""A consumer's handled offsets, committed to Kafka at a pace instead of after every batch."""

import asyncio
import logging
import math
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


class PacedOffsetCommits:
    """Commits the offsets of handled batches, of their own partitions only, at most once per
    `interval_seconds`: the first batch after a quiet spell commits at once, the batches that
    follow it within the interval together when it has passed. Under load a consumer handles a
    batch every few milliseconds, and each commit was a round trip and an append to
    `__consumer_offsets` (with two processes per service, twice the batches and twice those).

    Nothing is lost by waiting: a crash, or a rebalance that a commit could not precede,
    redelivers from the last commit, and the inbox skips what was handled. The pending offsets
    are committed before partitions are revoked (`listener`) and before the consumer leaves
    its group, so neither a rebalance nor a restart redelivers them. 0: after every batch.

    aiokafka's own `commit()` without offsets commits every partition assigned (12 per topic,
    up to a dozen topics a consumer), whatever the batch held; a partition revoked meanwhile is
    left to its new owner."""

    def __init__(self, interval_seconds: float) -> None:
        self._interval = interval_seconds
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._last_commit = -math.inf
        self._due: asyncio.TimerHandle | None = None
        self._flushing: set[asyncio.Task[None]] = set()
        self._one_at_a_time = asyncio.Lock()

    async def handled(
        self, consumer: AIOKafkaConsumer | None, records: Sequence[ConsumerRecord[Any, Any]]
    ) -> None:
        """Records `records` as handled: committed now, or when the interval has passed."""
        if consumer is None:
            return
        if consumer is not self._consumer:  # a subscriber builds a new one when it restarts
            self._consumer = consumer
            self._commit_before_stopping(consumer)
        for record in records:
            partition = TopicPartition(record.topic, record.partition)
            self._pending[partition] = max(self._pending.get(partition, 0), record.offset + 1)
        loop = asyncio.get_running_loop()
        wait = self._last_commit + self._interval - loop.time()
        if wait <= 0 and not self._one_at_a_time.locked():
            await self.flush()
        elif self._due is None:
            self._due = loop.call_later(max(wait, 0), self._flush_in_the_background)

    def _flush_in_the_background(self) -> None:
        self._due = None
        task = asyncio.get_running_loop().create_task(self.flush())
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def flush(self) -> None:
        """Commits what is pending now (a commit under way first finishes)."""
        async with self._one_at_a_time:
            if self._due is not None:
                self._due.cancel()
                self._due = None
            pending, self._pending = self._pending, {}
            consumer = self._consumer
            if not pending or consumer is None:
                return
            self._last_commit = asyncio.get_running_loop().time()
            assigned = consumer.assignment()
            owned = {tp: offset for tp, offset in pending.items() if tp in assigned}
            if not owned:
                return
            try:
                await consumer.commit(owned)
            except KafkaError as exc:
                # The group moved on (a rebalance): the partitions' new owners redeliver from
                # the last commit, and the inbox skips what was handled here.
                log.warning("offsets of %d partitions not committed: %s", len(owned), exc)

    def listener(self) -> ConsumerRebalanceListener:
        """Commits what is pending before the consumer's partitions are revoked."""
        return _CommitBeforeRevocation(self)

    def _commit_before_stopping(self, consumer: AIOKafkaConsumer) -> None:
        """`consumer.stop()` commits what is pending before the consumer leaves its group (its
        subscriber has stopped handling batches by then)."""
        stop = consumer.stop

        async def stop_after_a_last_commit() -> None:
            try:
                await self.flush()
            finally:
                await stop()

        consumer.stop = stop_after_a_last_commit  # type: ignore[method-assign]


class _CommitBeforeRevocation(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, commits: PacedOffsetCommits) -> None:
        self._commits = commits

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._commits.flush()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        pass
