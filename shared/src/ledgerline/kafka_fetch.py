"""How a service's Kafka consumers fetch: aiokafka's fetch loop tuned for batches (the wait in
the fetch alone, fetching paused while a batch is handled, partitions in order) and what a
consumer knows of its group."""

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from faststream.kafka.annotations import KafkaMessage

# A gathered consumer's fetch is answered early only when this much has come (a burst).
GATHERED_FETCH_BYTES = 1024 * 1024
# How often aiokafka's fetch routine wakes with nothing to do and walks every assigned partition
# (aiokafka's default: 200 ms). Everything it waits for wakes it anyway (a fetch answered,
# records taken, a partition resumed, revoked or assigned), so this is a safety net only: at
# 200 ms it was half of an idle consume process's CPU (measured 8-15 -> 5-8 ms a second).
FETCH_ROUTINE_WAKEUP_MS = 2000


def wait_in_the_fetch_only(subscriber: Any, timeout_ms: int, max_records: int) -> None:
    """FastStream's batch subscriber sleeps `batch_timeout_ms` after every fetch that came back
    empty, on top of the `batch_timeout_ms` aiokafka's `getmany` already waited for a message: a
    message arriving during that sleep waited up to as long again, at every stage, and an idle
    consumer woke twice per timeout. `getmany` returns as soon as a message arrives, so the
    wait belongs there alone; only a fetch that came back early and empty (e.g. while
    partitions are reassigned) sleeps the rest of its timeout, so the loop never spins."""
    timeout = timeout_ms / 1000

    async def get_msg(consumer: AIOKafkaConsumer) -> tuple[ConsumerRecord[Any, Any], ...]:
        started = asyncio.get_running_loop().time()
        fetched = await consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        if not fetched:
            waited = asyncio.get_running_loop().time() - started
            if waited < timeout:
                await asyncio.sleep(timeout - waited)
            return ()
        # In the order of the partitions (aiokafka shuffles them per fetch): two consumers of a
        # topic (e.g. a service's group and its directory's) then write the same rows in the
        # same order, and their batches wait for each other instead of deadlocking.
        return tuple(record for partition in sorted(fetched) for record in fetched[partition])

    subscriber.get_msg = get_msg


def consumers_in_group(consumer: AIOKafkaConsumer | None) -> float:
    """How many consumers share the group's partitions, as this one sees it: the partitions
    of its topics over the ones it is assigned (2.0 when it holds half)."""
    assigned = consumer.assignment() if consumer is not None else set()
    if not assigned:
        return 1.0
    assert consumer is not None
    topics = {partition.topic for partition in assigned}
    total = sum(len(consumer.partitions_for_topic(topic) or ()) for topic in topics)
    return max(1.0, total / len(assigned))


@contextlib.contextmanager
def fetching_paused(consumer: AIOKafkaConsumer | None) -> Iterator[None]:
    """No fetching while a batch is handled: aiokafka would otherwise fetch again at once and
    come back with the first message to arrive, so the next batch would be that one message.
    Paused, what arrives meanwhile comes in one fetch after the batch (the messages could not
    have been handled sooner anyway), and every fetch costs the client and the broker a walk
    over all of the group's partitions."""
    if consumer is None:
        yield
        return
    consumer.pause(*consumer.assignment())
    try:
        yield
    finally:
        # What a rebalance meanwhile revoked is no longer paused, nor to be resumed.
        consumer.resume(*consumer.paused())


async def undecoded(message: KafkaMessage) -> KafkaMessage:
    """The batch as FastStream has it, for `on_batch`: its records undecoded, and the message
    whose acknowledgement `on_batch` settles itself."""
    return message


def records_of(message: KafkaMessage) -> tuple[ConsumerRecord[Any, Any], ...]:
    records = message.raw_message
    return records if isinstance(records, tuple) else (records,)
