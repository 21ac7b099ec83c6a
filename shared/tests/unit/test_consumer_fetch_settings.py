"""The consumer's fetch settings, and `EventConsumer` consumes as a service does."""

import inspect

from ledgerline.consumers import EventConsumer
from ledgerline.events import DocumentMoved
from ledgerline.kafka import create_broker
from ledgerline.settings import ServiceSettings
from ledgerline.subscriptions import Subscription


def test_by_default_the_broker_answers_a_fetch_as_soon_as_a_message_comes() -> None:
    # Gathering costs every idle consumer a fetch per wait (measured: three times the idle CPU).
    assert ServiceSettings(database_url="postgresql://localhost/x").consumer_fetch_min_bytes == 1


def test_event_consumer_defaults_are_the_service_settings() -> None:
    settings = ServiceSettings(database_url="postgresql://localhost/x")
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(EventConsumer).parameters.items()
    }
    assert defaults["batch_max_records"] == settings.consumer_batch_max_records
    assert defaults["batch_timeout_ms"] == settings.consumer_batch_timeout_ms
    assert defaults["fetch_min_bytes"] == settings.consumer_fetch_min_bytes
    assert defaults["fetch_max_wait_ms"] == settings.consumer_fetch_max_wait_ms
    assert defaults["gather_ms"] == settings.consumer_gather_ms
    assert defaults["linger_ms"] == settings.consumer_linger_ms
    assert defaults["commit_interval_ms"] == settings.consumer_commit_interval_ms


def _kafka_consumer_arguments() -> dict[str, object]:
    broker = create_broker("localhost:1", client_id="settings")
    consumer = EventConsumer(service="settings", pool=None, broker=broker)  # type: ignore[arg-type]
    consumer.subscribe(Subscription(DocumentMoved, _ignore))
    (subscriber,) = broker.subscribers
    return subscriber._connection_args  # what aiokafka's consumer is built with


async def _ignore(uow: object, envelope: object) -> None:
    return None


def test_offsets_are_never_committed_before_the_batch_is_handled() -> None:
    # aiokafka's auto-commit would commit a batch's offsets while its transaction is still open:
    # a crash then would lose it. Offsets are committed by `EventConsumer` after handling only.
    assert _kafka_consumer_arguments()["enable_auto_commit"] is False


def test_an_idle_fetch_routine_wakes_every_few_seconds_not_five_times_a_second() -> None:
    # aiokafka's default 200 ms walked every assigned partition five times a second per group,
    # half of an idle consume process's CPU; what it waits for wakes it anyway.
    assert _kafka_consumer_arguments()["consumer_timeout_ms"] >= 2000
