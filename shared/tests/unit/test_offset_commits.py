"""PacedOffsetCommits with a stand-in consumer: what it commits, and when."""

import asyncio
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError
from ledgerline.offset_commits import PacedOffsetCommits

FIRST, SECOND = TopicPartition("t", 0), TopicPartition("t", 1)


class StandInConsumer:
    def __init__(self, assigned: set[TopicPartition], fail: bool = False) -> None:
        self.assigned = assigned
        self.fail = fail
        self.commits: list[dict[TopicPartition, int]] = []
        self.stopped = False

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.fail:
            raise CommitFailedError("the group has rebalanced")
        self.commits.append(offsets)

    async def stop(self) -> None:
        self.stopped = True


def records(partition: TopicPartition, *offsets: int) -> list[ConsumerRecord[Any, Any]]:
    return [
        ConsumerRecord(
            topic=partition.topic,
            partition=partition.partition,
            offset=offset,
            timestamp=0,
            timestamp_type=0,
            key=None,
            value=b"",
            checksum=None,
            serialized_key_size=0,
            serialized_value_size=0,
            headers=(),
        )
        for offset in offsets
    ]


async def test_the_batches_after_a_commit_are_committed_together_once_the_interval_passed() -> None:
    consumer = StandInConsumer({FIRST, SECOND})
    commits = PacedOffsetCommits(0.05)
    await commits.handled(consumer, records(FIRST, 0, 1))  # type: ignore[arg-type]
    assert consumer.commits == [{FIRST: 2}]
    await commits.handled(consumer, records(FIRST, 2))  # type: ignore[arg-type]
    await commits.handled(consumer, records(SECOND, 7, 8))  # type: ignore[arg-type]
    await commits.handled(consumer, records(FIRST, 3))  # type: ignore[arg-type]
    assert consumer.commits == [{FIRST: 2}]
    await asyncio.sleep(0.1)  # no batch since: committed all the same
    assert consumer.commits == [{FIRST: 2}, {FIRST: 4, SECOND: 9}]


async def test_a_revoked_partition_is_left_to_its_new_owner() -> None:
    consumer = StandInConsumer({FIRST})
    commits = PacedOffsetCommits(0)
    await commits.handled(consumer, records(SECOND, 5))  # type: ignore[arg-type]
    await commits.handled(consumer, records(FIRST, 5))  # type: ignore[arg-type]
    assert consumer.commits == [{FIRST: 6}]


async def test_stopping_the_consumer_commits_what_is_pending_first() -> None:
    consumer = StandInConsumer({FIRST})
    commits = PacedOffsetCommits(60)
    await commits.handled(consumer, records(FIRST, 0))  # type: ignore[arg-type]
    await commits.handled(consumer, records(FIRST, 1, 2))  # type: ignore[arg-type]
    await consumer.stop()
    assert consumer.commits == [{FIRST: 1}, {FIRST: 3}]
    assert consumer.stopped


async def test_a_commit_the_group_refuses_is_given_up_not_raised() -> None:
    consumer = StandInConsumer({FIRST}, fail=True)
    commits = PacedOffsetCommits(0)
    await commits.handled(consumer, records(FIRST, 0))  # type: ignore[arg-type]
    consumer.fail = False
    await commits.flush()
    assert consumer.commits == []  # the new owner redelivers from the last commit
