"""When a consumer waits after a batch before fetching again (`consumer_linger_ms`): only under
load, never longer than the batch took nor than the setting."""

import asyncio

import pytest
from faststream.kafka import KafkaBroker
from ledgerline.consumers import EventConsumer


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
