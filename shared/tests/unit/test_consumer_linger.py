"""When a consumer waits after a batch before fetching again (`consumer_linger_ms`): only under
load, never longer than the batch took nor than the setting."""

import asyncio

import pytest
from aiokafka import TopicPartition
from faststream.kafka import KafkaBroker
from ledgerline.consumers import EventConsumer
from ledgerline.kafka_fetch import consumers_in_group


def _consumer(linger_ms: int) -> EventConsumer:
    return EventConsumer(
        service="linger",
        pool=None,  # type: ignore[arg-type]
        broker=KafkaBroker("localhost:1"),
        batch_max_records=100,
        linger_ms=linger_ms,
    )


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    seconds: list[float] = []

    async def sleep(delay: float) -> None:
        seconds.append(delay)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return seconds


@pytest.mark.parametrize(
    ("linger_ms", "records", "took", "expected"),
    [
        (100, 40, 0.030, [0.030]),  # as long as the batch took
        (100, 40, 0.500, [0.100]),  # but no longer than the setting
        (100, 10, 0.020, [0.020]),  # ten messages: under load
        (100, 9, 0.020, []),  # a quiet moment: fetch at once
        (100, 100, 0.300, []),  # a full batch: a backlog, taken at once
        (0, 40, 0.030, []),  # off
    ],
)
async def test_a_consumer_lingers_only_after_a_batch_under_load(
    slept: list[float], linger_ms: int, records: int, took: float, expected: list[float]
) -> None:
    await _consumer(linger_ms)._linger(records, took)
    assert slept == pytest.approx(expected)


async def test_a_consumer_holding_half_of_its_groups_partitions_gathers_batches_as_large(
    slept: list[float],
) -> None:
    # A lone consumer's cycle is 30 ms handling + 30 ms waiting (60 ms, capped: 500 + 100).
    # Holding half the partitions, it sees half the messages: the cycle twice as long (120 ms,
    # 1200 ms) gathers a batch as large, so the group makes as few batches as one consumer.
    await _consumer(100)._linger(40, 0.030, consumers=2.0)
    await _consumer(100)._linger(40, 0.500, consumers=2.0)
    assert slept == pytest.approx([0.090, 0.700])


async def test_a_gathered_consumer_holding_half_of_its_groups_partitions_gathers_twice_as_long(
    slept: list[float],
) -> None:
    # Alone: 30 ms batch, 30 ms wait, then the broker holds the fetch a second (1060 ms). With
    # half the partitions the cycle is 2120 ms, of which the batch and the fetch take 1030.
    await _consumer(100)._linger(40, 0.030, fetch_wait=1.0)
    await _consumer(100)._linger(40, 0.030, consumers=2.0, fetch_wait=1.0)
    assert slept == pytest.approx([0.030, 1.090])


@pytest.mark.parametrize(
    ("records", "consumers", "expected"),
    [
        (5, 2.0, [0.090]),  # 5 of the group's ~10: under load
        (4, 2.0, []),  # 4 of ~8: a quiet moment
        (100, 2.0, []),  # full: a backlog
    ],
)
async def test_whether_a_consumer_lingers_counts_its_groups_messages(
    slept: list[float], records: int, consumers: float, expected: list[float]
) -> None:
    await _consumer(100)._linger(records, 0.030, consumers=consumers)
    assert slept == pytest.approx(expected)


class _Assigned:
    """The two aiokafka calls `consumers_in_group` makes, over a fixed assignment."""

    def __init__(self, assigned: set[TopicPartition], partitions: dict[str, int]) -> None:
        self._assigned = assigned
        self._partitions = partitions

    def assignment(self) -> set[TopicPartition]:
        return self._assigned

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        count = self._partitions.get(topic)
        return set(range(count)) if count is not None else None


@pytest.mark.parametrize(
    ("assigned", "expected"),
    [
        ({TopicPartition("a", p) for p in range(12)}, 1.0),  # alone in its group
        ({TopicPartition("a", p) for p in range(0, 12, 2)}, 2.0),  # half of one topic
        (  # a third of each of two topics
            {TopicPartition(t, p) for t in ("a", "b") for p in range(0, 12, 3)},
            3.0,
        ),
        (set(), 1.0),  # nothing assigned yet
    ],
)
def test_consumers_in_group_is_the_share_of_partitions_a_consumer_holds(
    assigned: set[TopicPartition], expected: float
) -> None:
    consumer = _Assigned(assigned, {"a": 12, "b": 12})
    assert consumers_in_group(consumer) == expected  # type: ignore[arg-type]
    assert consumers_in_group(None) == 1.0
