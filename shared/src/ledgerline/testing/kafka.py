"""Reading topics in tests as a consumer without a group would, from the beginning.

"Everything on the topic" is what the broker had acknowledged when reading began: each
partition's end offset (high watermark) then. Reading up to it answers at once, where waiting
for a quiet spell would cost seconds per read and still guess.
"""

import asyncio
import time
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition


async def records_from_beginning(
    bootstrap: str,
    *topics: str,
    to_end: bool = True,
    timeout: float = 15,
    max_partition_fetch_bytes: int = 1024 * 1024,
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """The records on `topics` in each partition's order. With `to_end`, stops once every
    partition is read up to the end it had when reading began, and fails if that takes more
    than `timeout` seconds: an incomplete read must not pass for "not on the topic". Without
    it, stops after `timeout` seconds (the caller may stop earlier)."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=max_partition_fetch_bytes,
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        # Without a group the consumer takes every partition of the topics, once its metadata
        # knows them.
        while {tp.topic for tp in consumer.assignment()} < set(topics):
            if time.monotonic() > deadline:
                if to_end:
                    raise AssertionError(f"no partitions of {topics} after {timeout:.0f} s")
                return
            await asyncio.sleep(0.05)
        partitions = sorted(consumer.assignment())
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions) if to_end else {}
        while time.monotonic() < deadline:
            if to_end and all([await consumer.position(tp) >= end for tp, end in ends.items()]):
                return
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    yield record
        if to_end:
            raise AssertionError(f"{topics} not read to their end in {timeout:.0f} s")
    finally:
        await consumer.stop()
