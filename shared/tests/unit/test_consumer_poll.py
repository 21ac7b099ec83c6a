"""How a service's Kafka consumer waits for messages: in the fetch, never in a sleep after it."""

import asyncio
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker
from ledgerline.consumers import EventConsumer
from ledgerline.events import LedgerSynced
from ledgerline.subscriptions import Subscription

TIMEOUT_MS = 300


class _IdleThenBusyConsumer:
    """aiokafka's `getmany` as an idle consumer sees it: it waits the whole timeout for a
    message, and answers at once when one is there."""

    def __init__(self, idle_polls: int, answers_at_once: bool = False) -> None:
        self.idle_polls = idle_polls
        self.answers_at_once = answers_at_once
        self.record = ConsumerRecord("ledger.synced.v1", 0, 7, 0, 0, b"k", b"v", None, 1, 1, ())

    async def getmany(self, *, timeout_ms: int, max_records: int) -> dict[Any, Any]:
        assert max_records == 100
        if self.idle_polls == 0:
            return {TopicPartition("ledger.synced.v1", 0): [self.record]}
        self.idle_polls -= 1
        if not self.answers_at_once:
            await asyncio.sleep(timeout_ms / 1000)
        return {}


def _poll_of_a_service_consumer() -> Any:
    broker = KafkaBroker("localhost:1")
    EventConsumer(
        service="poll",
        pool=None,
        broker=broker,
        batch_timeout_ms=TIMEOUT_MS,  # type: ignore[arg-type]
    ).subscribe(Subscription(LedgerSynced, lambda uow, event: asyncio.sleep(0)))
    [subscriber] = broker.subscribers
    return subscriber.get_msg


async def _polled_until_a_message(get_msg: Any, consumer: _IdleThenBusyConsumer) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not (records := await get_msg(consumer)):
        pass
    assert records == (consumer.record,)
    return loop.time() - started


async def test_an_idle_poll_polls_again_at_once_so_a_message_waits_for_no_sleep() -> None:
    # Three polls that waited their whole timeout, then the message: 0.9 s. FastStream's batch
    # subscriber slept as long again after each empty poll (1.8 s), and a message arriving
    # meanwhile waited up to a whole timeout at every stage of the pipeline.
    waited = await _polled_until_a_message(_poll_of_a_service_consumer(), _IdleThenBusyConsumer(3))
    assert waited < 3 * TIMEOUT_MS / 1000 * 1.5


async def test_a_poll_that_comes_back_empty_at_once_waits_out_its_timeout() -> None:
    # E.g. while partitions are reassigned: the loop must not spin.
    waited = await _polled_until_a_message(
        _poll_of_a_service_consumer(), _IdleThenBusyConsumer(2, answers_at_once=True)
    )
    assert waited >= 2 * TIMEOUT_MS / 1000 * 0.95


class _ShuffledConsumer:
    """aiokafka's `getmany` with the partitions in the order it happened to fetch them."""

    def __init__(self) -> None:
        self.records = {
            partition: [
                ConsumerRecord(
                    "dossier.activated.v1", partition, offset, 0, 0, b"k", b"v", None, 1, 1, ()
                )
                for offset in (4, 5)
            ]
            for partition in (7, 2, 11, 0)
        }

    async def getmany(self, *, timeout_ms: int, max_records: int) -> dict[Any, Any]:
        return {
            TopicPartition("dossier.activated.v1", partition): records
            for partition, records in self.records.items()
        }


async def test_a_batch_comes_in_the_order_of_its_partitions_each_in_offset_order() -> None:
    # Two consumers of one topic writing the same rows took them in aiokafka's shuffled order
    # and deadlocked each other's batches (ingest's group and its dossier directory).
    records = await _poll_of_a_service_consumer()(_ShuffledConsumer())
    assert [(r.partition, r.offset) for r in records] == [
        (partition, offset) for partition in (0, 2, 7, 11) for offset in (4, 5)
    ]
