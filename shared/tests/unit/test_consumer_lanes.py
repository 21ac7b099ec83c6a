"""Which Kafka consumer (group) reads which topics: the quiet topics together in the consumer
name's group, the per-document ones in `<name>-documents`, the gathered ones in
`<name>-gathered` (fetch held for `gather_ms`), all with the one inbox of the consumer name."""

from typing import Any

import pytest
from ledgerline.consumers import EventConsumer
from ledgerline.events import (
    DocumentMoved,
    DocumentReceived,
    DocumentRecognized,
    LedgerSynced,
)
from ledgerline.events.topics import DOCUMENT_RECEIVED, DOCUMENT_RECOGNIZED
from ledgerline.kafka import create_broker
from ledgerline.subscriptions import BatchSubscription, Subscription


async def _one(uow: object, envelope: object) -> None:
    return None


async def _many(uow: object, envelopes: object) -> None:
    return None


def _groups(gather_ms: int = 1000) -> dict[str, tuple[set[str], dict[str, Any]]]:
    broker = create_broker("localhost:1", client_id="lanes")
    consumer = EventConsumer(service="svc", pool=None, broker=broker, gather_ms=gather_ms)  # type: ignore[arg-type]
    consumer.subscribe_all(
        [
            Subscription(DocumentMoved, _one),
            Subscription(LedgerSynced, _one),
            BatchSubscription(DocumentReceived, _many, per_document=True),
            BatchSubscription(DocumentRecognized, _many, gathered=True),
        ]
    )
    return {
        subscriber.group_id: (
            {topic.name for topic in subscriber.topics},
            subscriber._connection_args,
        )
        for subscriber in broker.subscribers
    }


def test_per_document_and_gathered_topics_are_fetched_apart_from_the_quiet_ones() -> None:
    groups = _groups()
    assert {group: topics for group, (topics, _) in groups.items()} == {
        "svc": {"document.moved.v1", "ledger.synced.v1"},
        "svc-documents": {DOCUMENT_RECEIVED},
        "svc-gathered": {DOCUMENT_RECOGNIZED},
    }
    # Per-document topics are fetched at once; only the gathered ones are held.
    assert groups["svc-documents"][1]["fetch_max_wait_ms"] == groups["svc"][1]["fetch_max_wait_ms"]
    assert groups["svc-documents"][1]["fetch_min_bytes"] == 1
    assert groups["svc-gathered"][1]["fetch_min_bytes"] > 1


def test_without_gathering_a_gathered_subscription_is_read_with_the_quiet_topics() -> None:
    topics = {group: topics for group, (topics, _) in _groups(gather_ms=0).items()}
    assert topics["svc"] == {"document.moved.v1", "ledger.synced.v1", DOCUMENT_RECOGNIZED}


def test_a_topic_read_twice_under_one_inbox_is_refused_whatever_its_lane() -> None:
    consumer = EventConsumer(
        service="svc",
        pool=None,  # type: ignore[arg-type]
        broker=create_broker("localhost:1", client_id="lanes"),
    )
    with pytest.raises(ValueError, match="subscribes twice"):
        consumer.subscribe_all(
            [
                Subscription(DocumentReceived, _one),
                BatchSubscription(DocumentReceived, _many, per_document=True),
            ]
        )
